/* rss.c - memory goes back to the OS: after a phase of heavy allocation is
 * freed, the resident set returns near its baseline.  Checked twice: with
 * an explicit mi_collect(true), and with MIALLOC_PURGE_DELAY=0 semantics
 * (mi_option_set) where freeing alone must be enough. */
#include <mialloc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COUNT = 400000 };
static void *blocks[COUNT];

static size_t rss(void) {
  size_t current = 0;
  mi_process_info(NULL, NULL, NULL, &current, NULL, NULL, NULL, NULL);
  return current;
}

/* Allocates ~250 MiB in mixed sizes, touches it, frees it all. */
static size_t heavy_phase(void) {
  for (size_t i = 0; i < COUNT; i++) {
    size_t n = (i % 7 == 0) ? 4000 : (i % 3 == 0 ? 1000 : 100);
    if (i % 1000 == 999)
      n = 200000;
    blocks[i] = mi_malloc(n);
    if (blocks[i] == NULL) {
      fprintf(stderr, "rss: out of memory at block %zu\n", i);
      exit(1);
    }
    memset(blocks[i], 1, n);
  }
  size_t peak = rss();
  for (size_t i = 0; i < COUNT; i++)
    mi_free(blocks[i]);
  return peak;
}

static int check(const char *what, size_t baseline, size_t peak, size_t after) {
  const size_t slack = 24u << 20;
  printf("rss %s: baseline %zu MiB, peak %zu MiB, after %zu MiB\n", what, baseline >> 20, peak >> 20,
         after >> 20);
  if (peak < baseline + (100u << 20)) {
    fprintf(stderr, "rss %s: the heavy phase did not raise RSS; the test is not measuring\n", what);
    return 1;
  }
  if (after > baseline + slack) {
    fprintf(stderr, "rss %s: %zu MiB still resident above the baseline (allowed %zu MiB)\n", what,
            (after - baseline) >> 20, slack >> 20);
    return 1;
  }
  return 0;
}

int main(void) {
#if defined(__SANITIZE_ADDRESS__)
  puts("ASan build: the shadow memory of poisoned blocks stays resident; skipped");
  return 77;
#endif
  size_t baseline = rss();
  if (baseline == 0) {
    printf("rss: the platform reports no RSS; skipped\n");
    return 77;
  }
  size_t peak = heavy_phase();
  mi_collect(true);
  int failed = check("after mi_collect(true)", baseline, peak, rss());

  mi_option_set(mi_option_purge_delay, 0);
  baseline = rss();
  peak = heavy_phase();
  failed |= check("with purge_delay=0", baseline, peak, rss());
  return failed;
}
