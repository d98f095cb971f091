/* hugepages-prog.c - for tests/hugepages.sh: reserve huge OS pages through
 * mialloc's API and report the page size of the mappings its blocks come
 * from, read in /proc/self/smaps.
 *
 *   hugepages-prog at GIB         mi_reserve_huge_os_pages_at(GIB, -1, 0)
 *   hugepages-prog interleave GIB mi_reserve_huge_os_pages_interleave
 *   hugepages-prog ex GIB         mi_reserve_huge_os_pages_at_ex (an arena)
 *   hugepages-prog option         none: MIALLOC_RESERVE_HUGE_OS_PAGES did it
 *
 * Then allocates small, medium and large blocks, writes them, frees them
 * all, collects, allocates them again with mi_zalloc (zero, after any
 * purge of huge-page memory) and prints
 * "reserve=ERR kernel_page_kb=K,K,K returned=R pool_drop=D": the
 * KernelPageSize of the mapping holding each block (2048 for 2 MiB huge
 * pages), how many pages went back to the system's pool when the blocks
 * were freed and collected (0: reserved pages stay reserved), and how many
 * HugePages_Free lost from the start of main.  Exit status 0 when it
 * ran, 1 when the reservation failed, 2 on a usage error. */
#include <mialloc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* KernelPageSize (kB) of the mapping holding p, or 0. */
static unsigned long page_kb(const void *p) {
  FILE *f = fopen("/proc/self/smaps", "r");
  if (f == NULL)
    return 0;
  char line[512];
  int in = 0;
  unsigned long kb = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') == line + strcspn(line, "-")) {
      in = (unsigned long)p >= lo && (unsigned long)p < hi;
      continue;
    }
    if (in && sscanf(line, "KernelPageSize: %lu kB", &kb) == 1)
      break;
  }
  fclose(f);
  return in ? kb : 0;
}

static long pool_free(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  char line[256];
  long n = -1;
  while (f != NULL && fgets(line, sizeof line, f) != NULL)
    if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
      break;
  if (f != NULL)
    fclose(f);
  return n;
}

#define MANY 80000 /* 5 MiB of the small blocks */

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  long free_before = pool_free();
  size_t gib = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
  int err = 0;
  mi_arena_id_t arena = NULL;
  if (strcmp(argv[1], "at") == 0)
    err = mi_reserve_huge_os_pages_at(gib, -1, 0);
  else if (strcmp(argv[1], "interleave") == 0)
    err = mi_reserve_huge_os_pages_interleave(gib, 1, 0);
  else if (strcmp(argv[1], "ex") == 0)
    err = mi_reserve_huge_os_pages_at_ex(gib, 0, 0, false, &arena);
  else if (strcmp(argv[1], "option") != 0)
    return 2;
  if (err != 0) {
    printf("reserve=%d\n", err);
    return 1;
  }
  /* of each size, more than a segment holds: the last ones are in
   * segments taken after the reservation (the first small ones may be in
   * a page the thread had before it) */
  static const size_t sizes[] = {64, 32 * 1024, 512 * 1024};
  static const int counts[] = {MANY, 200, 20}; /* 5, 6.25 and 10 MiB */
  static char *blocks[3][MANY];
  unsigned long kb[3];
  long in_use = 0, returned = 0;
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < counts[i]; j++) {
        char *p = blocks[i][j] = round == 0 ? mi_malloc(sizes[i]) : mi_zalloc(sizes[i]);
        if (p == NULL)
          return 1;
        if (round == 1 && (p[0] != 0 || p[sizes[i] - 1] != 0))
          return 1; /* zalloc's block not zero */
        memset(p, 1, sizes[i]);
      }
      kb[i] = page_kb(blocks[i][counts[i] - 1]);
      if (arena != NULL && !mi_arena_contains(arena, blocks[i][counts[i] - 1]))
        kb[i] = 1; /* not from the arena reserved */
    }
    /* all back, purged (MIALLOC_PURGE_DELAY=0), and allocated again; the
     * huge pages stay the process's (none goes back to the pool) */
    if (round == 0)
      in_use = pool_free();
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < counts[i]; j++)
        mi_free(blocks[i][j]);
    mi_collect(true);
    if (round == 0)
      returned = pool_free() - in_use;
  }
  printf("reserve=0 kernel_page_kb=%lu,%lu,%lu returned=%ld pool_drop=%ld\n", kb[0], kb[1], kb[2], returned,
         free_before - pool_free());
  return 0;
}
