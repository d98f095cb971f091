/* pause.c - a thread back from a pause uses its memory again.
 *
 * mialloc purges free pages and unmaps cached segments on a thread's slow
 * paths, once their delay has passed.  When the thread comes back after a
 * pause longer than the purge delay, what came due meanwhile is put off
 * once, by one more delay (src/segment.c, "What is due"): purging it on
 * the return would only make the thread fault it back in.
 *
 *  1. Pages: a thread frees 3 MiB of small blocks, sleeps, and comes back:
 *     nothing is purged on its return, and allocating the same again
 *     takes those pages (no page faults for them).
 *  2. Once only: after a second pause, the pages freed before the first
 *     one are purged (a thread that only ever comes back from pauses
 *     still gives its memory back, one delay late).
 *  3. mi_collect(false) after a pause purges at once.
 *  4. Segments: a freed huge block's segment, cached past its delay while
 *     the thread slept, serves the same block again on the return (no new
 *     mapping, no move); after two more pauses it is unmapped.
 *
 * Reads mialloc's counters from mi_stats_get_json. */
#include <mialloc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
enum { DELAY = 50, MULT = 4, BLOCKS = 1000, SIZE = 3000 };

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

/* A counter of the statistics' JSON ("purged_bytes", "os_mappings"). */
static long long counter(const char *name) {
  char key[64];
  snprintf(key, sizeof key, "\"%s\": ", name);
  char *json = mi_stats_get_json(0, NULL);
  if (json == NULL) {
    fprintf(stderr, "pause: mi_stats_get_json failed\n");
    exit(1);
  }
  const char *at = strstr(json, key);
  if (at == NULL) {
    fprintf(stderr, "pause: no %s in the statistics\n", key);
    exit(1);
  }
  long long value = strtoll(at + strlen(key), NULL, 10);
  mi_free(json);
  return value;
}

static long faults(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

/* Under an emulator (tests/target.sh) or a sanitizer, page faults are not
 * the program's own; mialloc's counters still are. */
static int faults_meaningful(void) {
  const char *emulator = getenv("MIALLOC_TEST_EMULATOR");
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return 0;
#endif
  return emulator == NULL || *emulator == '\0';
}

static int failures;
static void expect(int ok, const char *what, long long got, long long limit) {
  printf("%s %s: %lld (limit %lld)\n", ok ? "ok" : "FAIL", what, got, limit);
  if (!ok)
    failures++;
}

static void *blocks[BLOCKS];

/* Small blocks, written, in about 50 pages: the thread's working set. */
static void allocate_all(void) {
  for (int i = 0; i < BLOCKS; i++) {
    blocks[i] = mi_malloc(SIZE);
    if (blocks[i] == NULL) {
      fprintf(stderr, "pause: out of memory\n");
      exit(1);
    }
    memset(blocks[i], i & 0xff, SIZE);
  }
}

static void free_all(void) {
  for (int i = 0; i < BLOCKS; i++) {
    const unsigned char *c = blocks[i];
    if (c[0] != (unsigned char)(i & 0xff) || c[SIZE - 1] != (unsigned char)(i & 0xff)) {
      fprintf(stderr, "pause: block %d corrupted\n", i);
      exit(1);
    }
    mi_free(blocks[i]);
  }
}

/* A slow path that looks at what is due: a block of a size class the
 * thread has no page of yet (a page of a segment it has), a new one each
 * time (not those of the statistics' buffer). */
static void slow_path(void) {
  static const size_t sizes[] = {1200, 1500, 1700, 2500, 3500, 5000, 6000, 7000};
  static size_t next;
  if (next == sizeof sizes / sizeof sizes[0]) {
    fprintf(stderr, "pause: out of fresh size classes\n");
    exit(1);
  }
  void *p = mi_malloc(sizes[next]);
  if (p == NULL) {
    fprintf(stderr, "pause: out of memory\n");
    exit(1);
  }
  memset(p, 1, sizes[next++]);
  mi_free(p);
}

static void pages(void) {
  allocate_all();
  free_all(); /* its pages are free, their purge pending */
  long long purged = counter("purged_bytes");
  sleep_ms(4 * DELAY + 20);
  slow_path();
  expect(counter("purged_bytes") == purged, "bytes purged on the return from a pause",
         counter("purged_bytes") - purged, 0);
  long before = faults();
  allocate_all(); /* the same pages again, resident */
  long taken = faults() - before;
  if (faults_meaningful())
    expect(taken < 100, "page faults allocating the same blocks again", taken, 99);
  else
    printf("skipped the page-fault count: not the program's own here\n");
  free_all();

  /* 2. twice away: what was put off once is purged */
  purged = counter("purged_bytes");
  sleep_ms(4 * DELAY + 20);
  slow_path();
  long long first = counter("purged_bytes") - purged;
  sleep_ms(4 * DELAY + 20);
  slow_path();
  long long second = counter("purged_bytes") - purged;
  expect(first == 0, "bytes purged on the first return", first, 0);
  expect(second >= (long long)(2 * MiB), "bytes purged on the second return (at least)", second,
         (long long)(2 * MiB));

  /* 3. an explicit collect does what is due */
  allocate_all();
  free_all();
  purged = counter("purged_bytes");
  sleep_ms(4 * DELAY + 20);
  mi_collect(false);
  long long collected = counter("purged_bytes") - purged;
  expect(collected >= (long long)(2 * MiB), "bytes purged by mi_collect(false) after a pause (at least)",
         collected, (long long)(2 * MiB));
}

static void segments(void) {
  const size_t huge = 9 * MiB; /* a segment of 12 MiB */
  void *p = mi_malloc(huge);
  memset(p, 2, huge);
  mi_free(p); /* its segment is cached, for DELAY * MULT msecs */
  long long maps = counter("os_mappings"), moves = counter("segment_moves");
  sleep_ms(4 * DELAY * MULT + 20);
  p = mi_malloc(huge);
  long long made = counter("os_mappings") - maps + counter("segment_moves") - moves;
  expect(made == 0, "mappings made or moved for the same huge block after a pause", made, 0);
  mi_free(p);
  long long committed = counter("committed");
  sleep_ms(4 * DELAY * MULT + 20);
  slow_path(); /* put off once more ... */
  sleep_ms(4 * DELAY * MULT + 20);
  slow_path(); /* ... and unmapped now */
  long long released = committed - counter("committed");
  expect(released >= (long long)(8 * MiB), "bytes released after two pauses (at least)", released,
         (long long)(8 * MiB));
}

int main(void) {
  mi_option_set(mi_option_purge_delay, DELAY);
  mi_option_set(mi_option_arena_purge_mult, MULT);
  pages();
  segments();
  if (failures > 0) {
    printf("pause: %d checks failed\n", failures);
    return 1;
  }
  printf("pause: all checks passed\n");
  return 0;
}
