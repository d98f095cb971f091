/* limit.c - MIALLOC_RESERVE_OS_MEMORY with MIALLOC_LIMIT_OS_ALLOC: mialloc
 * serves allocations from the memory reserved at start and fails cleanly
 * (NULL, ENOMEM) once it is used up, instead of mapping more.  Run by
 * limit.sh, which sets the environment before the process starts. */
#include <mialloc.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { BLOCK = 100 * 1024, MAX = 4096 };
static void *blocks[MAX];

int main(void) {
  if (mi_option_get_size(mi_option_reserve_os_memory) != 16u << 20 || !mi_option_is_enabled(mi_option_limit_os_alloc)) {
    printf("limit: run me through limit.sh (MIALLOC_RESERVE_OS_MEMORY=16M MIALLOC_LIMIT_OS_ALLOC=1)\n");
    return 77;
  }
  for (int round = 0; round < 2; round++) {
    size_t n = 0;
    errno = 0;
    while (n < MAX && (blocks[n] = mi_malloc(BLOCK)) != NULL) {
      memset(blocks[n], 1, BLOCK);
      n++;
    }
    int err = errno;
    size_t total = n * (size_t)BLOCK;
    printf("limit: round %d: %zu blocks (%zu KiB) before %s\n", round, n, total >> 10,
           n < MAX ? strerror(err) : "the test's own limit");
    if (n == MAX || err != ENOMEM) {
      fprintf(stderr, "limit: allocation did not stop at the reservation with ENOMEM\n");
      return 1;
    }
    if (total < (8u << 20) || total > (16u << 20)) {
      fprintf(stderr, "limit: %zu KiB served from a 16 MiB reservation\n", total >> 10);
      return 1;
    }
    for (size_t i = 0; i < n; i++)
      mi_free(blocks[i]);
    mi_collect(false);
  }
  return 0;
}
