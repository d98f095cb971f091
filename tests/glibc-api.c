/* glibc-api.c - glibc's malloc interfaces, called as a program would
 * (tests/glibc.sh runs it linked with libmialloc and under LD_PRELOAD):
 * with mialloc's override they must describe mialloc's memory.
 * Exit status: 0 pass, 1 fail. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mallinfo is deprecated, and still called by old monitoring code */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static int failures;
#define CHECK(cond)                                                 \
  do {                                                              \
    if (!(cond)) {                                                  \
      fprintf(stderr, "glibc-api: %d: FAIL: %s\n", __LINE__, #cond); \
      failures++;                                                   \
    }                                                               \
  } while (0)

enum { N = 20000, SIZE = 100 };
static void *blocks[N];

int main(void) {
  struct mallinfo2 before = mallinfo2();
  /* written, as a program's blocks are: mialloc counts a block that is
   * freed still holding the words its free list left in it as in use
   * until its thread looks at it (a double free, most likely) */
  for (int i = 0; i < N; i++)
    blocks[i] = memset(malloc(SIZE), 1, SIZE);
  void *big = malloc(8 << 20);
  memset(big, 1, 8 << 20);
  struct mallinfo2 mi = mallinfo2();
  /* 20000 blocks of 100 bytes (usable 112) are in use, and a huge one */
  CHECK(mi.uordblks >= before.uordblks + (size_t)N * SIZE);
  CHECK(mi.uordblks < before.uordblks + (size_t)N * SIZE * 2);
  CHECK(mi.hblks >= 1 && mi.hblkhd >= (8u << 20));
  CHECK(mi.arena >= mi.uordblks && mi.fordblks == mi.arena - mi.uordblks);
  struct mallinfo old = mallinfo();
  CHECK((size_t)old.uordblks == mi.uordblks || old.uordblks == 0x7fffffff);

  for (int i = 0; i < N; i++)
    free(blocks[i]);
  free(big);
  struct mallinfo2 after = mallinfo2();
  CHECK(after.uordblks + (size_t)N * SIZE <= mi.uordblks);
  CHECK(after.hblks + 1 == mi.hblks);
  /* what was freed goes back now, not after the purge delay */
  CHECK(malloc_trim(0) == 1);
  CHECK(mallinfo2().arena < mi.arena);

  /* the XML form, with the free blocks of the 112-byte class */
  char *xml = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&xml, &len);
  CHECK(f != NULL && malloc_info(0, f) == 0);
  fclose(f);
  CHECK(xml != NULL && strncmp(xml, "<malloc version=\"1\">\n<heap nr=\"0\">\n<sizes>\n", 42) == 0);
  CHECK(xml != NULL && strstr(xml, "<total type=\"mmap\"") != NULL && strstr(xml, "</malloc>\n") != NULL);
  free(xml);
  CHECK(malloc_info(1, stdout) == -1 && errno == EINVAL);

  /* glibc's parameters are accepted; others are not */
  CHECK(mallopt(M_TRIM_THRESHOLD, -1) == 1);
  CHECK(mallopt(M_TRIM_THRESHOLD, 128 * 1024) == 1);
  CHECK(mallopt(M_MXFAST, 64) == 1 && mallopt(M_MXFAST, 1000) == 0);
  CHECK(mallopt(M_MMAP_THRESHOLD, 1 << 20) == 1 && mallopt(M_MMAP_THRESHOLD, -1) == 0);
  CHECK(mallopt(M_TOP_PAD, 0) == 1 && mallopt(M_MMAP_MAX, 0) == 1);
  CHECK(mallopt(M_CHECK_ACTION, 0) == 1 && mallopt(M_PERTURB, 0) == 1);
  CHECK(mallopt(M_ARENA_TEST, 1) == 1 && mallopt(M_ARENA_MAX, 1) == 1);
  CHECK(mallopt(12345, 1) == 0);

  malloc_stats(); /* tests/glibc.sh reads its report on stderr */
  if (failures == 0)
    printf("glibc-api: ok\n");
  return failures == 0 ? 0 : 1;
}
