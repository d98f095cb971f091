/* abandoned.c - the memory of exited threads goes back to the OS, with no
 * mi_collect, and short-lived threads reuse each other's segments.
 *
 *  1. Eight threads each use about 4 MiB, then exit leaving one 200-byte
 *     block alive.  Their free pages must be purged on the purge delay once
 *     any thread allocates on a slow path; when the last blocks are freed
 *     (from another thread), the segments must go too, through the segment
 *     cache and its delay (once more, as the thread looks after a pause:
 *     tests/pause.c).
 *  2. Threads come and go, ten at a time, 2000 in all, each leaving one
 *     128-byte block in a shared table and freeing an older one (the mleak
 *     benchmark's pattern): mialloc's committed memory and the RSS must stay
 *     small.
 *  3. Threads exit leaving a block in each of their segments, whose other
 *     pages are then free and still committed; a long-lived thread that has
 *     used its own fresh pages for a while then allocates more than one
 *     segment's worth: it must take those segments over for their free
 *     pages, not map (or fault in) new memory while they are purged.
 * Every block's contents are checked before it is freed. */
#include <mialloc.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MiB ((size_t)1 << 20)

/* A sanitizer's shadow memory follows the program's pages and is not given
 * back with them: the RSS checks mean nothing then (mialloc's committed
 * bytes still do). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RSS_MEANINGFUL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RSS_MEANINGFUL 0
#endif
#endif
#ifndef RSS_MEANINGFUL
#define RSS_MEANINGFUL 1
#endif

static size_t rss(void) {
  size_t current = 0;
  mi_process_info(NULL, NULL, NULL, &current, NULL, NULL, NULL, NULL);
  return current;
}

static size_t committed(void) {
  size_t current = 0;
  mi_process_info(NULL, NULL, NULL, NULL, NULL, &current, NULL, NULL);
  return current;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

static void fill(void *p, size_t n, uintptr_t seed) {
  memset(p, (int)(seed & 0xff), n);
}

static int check_fill(const void *p, size_t n, uintptr_t seed) {
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++)
    if (c[i] != (unsigned char)(seed & 0xff))
      return 0;
  return 1;
}

/* Allocations on slow paths: a size class the main thread has not used
 * (in small pages, which need no segment of another kind). */
static void slow_path_work(size_t size) {
  void *p[64];
  for (int i = 0; i < 64; i++) {
    p[i] = mi_malloc(size);
    fill(p[i], size, 7);
  }
  for (int i = 0; i < 64; i++)
    mi_free(p[i]);
}

/* Under an emulator (tests/target.sh), the RSS is the emulator's, which
 * keeps memory of its own for every thread that ever ran. */
static const char *rss_meaningless(void) {
  const char *emulator = getenv("MIALLOC_TEST_EMULATOR");
  if (!RSS_MEANINGFUL)
    return "under a sanitizer";
  return emulator != NULL && *emulator != '\0' ? "under an emulator" : NULL;
}

static int failures;
static void expect(int ok, const char *what, size_t got, size_t limit) {
  if (rss_meaningless() != NULL && strstr(what, "RSS") != NULL) {
    printf("skipped %s: %s: %zu KiB\n", rss_meaningless(), what, got >> 10);
    return;
  }
  printf("%s %s: %zu KiB (limit %zu KiB)\n", ok ? "ok" : "FAIL", what, got >> 10, limit >> 10);
  if (!ok)
    failures++;
}

/* ---- 1. threads that exit leaving a block ------------------------------------------ */

enum { WORKERS = 8, WORKER_BLOCKS = 4000 };
static void *survivors[WORKERS];
/* All workers allocate before any frees, so that none reuses another's
 * memory (a barrier; macOS has no pthread_barrier_t). */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_open = PTHREAD_COND_INITIALIZER;
static int gate_count;

static void all_allocated(void) {
  pthread_mutex_lock(&gate_lock);
  if (++gate_count == WORKERS)
    pthread_cond_broadcast(&gate_open);
  while (gate_count < WORKERS)
    pthread_cond_wait(&gate_open, &gate_lock);
  pthread_mutex_unlock(&gate_lock);
}

static void *worker(void *arg) {
  uintptr_t id = (uintptr_t)arg;
  static const size_t sizes[] = {48, 200, 1000, 3000};
  void **blocks = mi_malloc(WORKER_BLOCKS * sizeof(void *));
  for (size_t i = 0; i < WORKER_BLOCKS; i++) { /* about 4 MiB, touched */
    size_t n = sizes[i % 4];
    blocks[i] = mi_malloc(n);
    fill(blocks[i], n, id + i);
  }
  survivors[id] = mi_malloc(200);
  fill(survivors[id], 200, id);
  all_allocated();
  for (size_t i = 0; i < WORKER_BLOCKS; i++) {
    if (!check_fill(blocks[i], sizes[i % 4], id + i)) {
      fprintf(stderr, "worker %zu: block %zu corrupted\n", (size_t)id, i);
      exit(1);
    }
    mi_free(blocks[i]);
  }
  mi_free(blocks);
  return NULL;
}

static void exited_threads(void) {
  size_t base = rss(), base_commit = committed();
  pthread_t t[WORKERS];
  for (uintptr_t i = 0; i < WORKERS; i++)
    pthread_create(&t[i], NULL, worker, (void *)i);
  for (int i = 0; i < WORKERS; i++)
    pthread_join(t[i], NULL);
  size_t after_exit = rss();
  printf("exited threads: baseline %zu KiB, after they exited %zu KiB\n", base >> 10, after_exit >> 10);
  if (rss_meaningless() == NULL && after_exit < base + 12 * MiB) {
    printf("FAIL the workers did not raise the RSS: the test is not measuring\n");
    failures++;
  }
  /* the purge delay passes; then the main thread allocates on a slow path */
  sleep_ms(4 * mi_option_get(mi_option_purge_delay) + 20);
  slow_path_work(5000);
  size_t purged = rss();
  expect(purged <= base + 6 * MiB, "RSS once the exited threads' free pages were due", purged > base ? purged - base : 0, 6 * MiB);
  /* the survivors are freed by this thread: their segments must go too */
  for (int i = 0; i < WORKERS; i++) {
    if (!check_fill(survivors[i], 200, (uintptr_t)i)) {
      fprintf(stderr, "survivor %d corrupted\n", i);
      exit(1);
    }
    mi_free(survivors[i]);
  }
  /* a look at the segments after the purge delay releases them to the
   * segment cache, which unmaps them after its own delay */
  long delay = mi_option_get(mi_option_purge_delay);
  sleep_ms(4 * delay + 20);
  slow_path_work(6500);
  sleep_ms(delay * mi_option_get(mi_option_arena_purge_mult) + 4 * delay + 20);
  slow_path_work(7500);
  /* back from a pause, the thread gives what expired meanwhile one more
   * delay (tests/pause.c); after that it goes */
  sleep_ms(delay * mi_option_get(mi_option_arena_purge_mult) + 4 * delay + 20);
  slow_path_work(8000);
  size_t released = committed();
  expect(released <= base_commit + 6 * MiB, "committed once the survivors were freed",
         released > base_commit ? released - base_commit : 0,
         6 * MiB);
}

/* ---- 2. short-lived threads ----------------------------------------------------------- */

enum { TABLE = 1000, BATCH = 10, ROUNDS = 200 };
static void *_Atomic table[TABLE];
static _Atomic(unsigned) next_slot = 12345;

static void *short_lived(void *arg) {
  (void)arg;
  uintptr_t *p = mi_calloc(16, sizeof(uintptr_t));
  p[0] = (uintptr_t)p ^ 0x5bd1e995u;
  unsigned slot = atomic_fetch_add(&next_slot, 7919) % TABLE;
  uintptr_t *old = atomic_exchange(&table[slot], p);
  if (old != NULL && old[0] != ((uintptr_t)old ^ 0x5bd1e995u)) {
    fprintf(stderr, "short-lived: block %p corrupted\n", (void *)old);
    exit(1);
  }
  mi_free(old);
  return NULL;
}

static void thread_churn(void) {
  size_t base = rss(), base_commit = committed();
  for (int r = 0; r < ROUNDS; r++) {
    pthread_t t[BATCH];
    for (int i = 0; i < BATCH; i++)
      pthread_create(&t[i], NULL, short_lived, NULL);
    for (int i = 0; i < BATCH; i++)
      pthread_join(t[i], NULL);
  }
  size_t r = rss(), c = committed();
  /* committed counts whole segments, touched or not, and those in the
   * segment cache: about ten concurrent threads need ten segments */
  expect(r <= base + 2 * MiB, "RSS after 2000 short-lived threads", r > base ? r - base : 0, 2 * MiB);
  expect(c <= base_commit + 96 * MiB, "committed after 2000 short-lived threads", c > base_commit ? c - base_commit : 0,
         96 * MiB);
  for (int i = 0; i < TABLE; i++)
    mi_free(atomic_exchange(&table[i], NULL));
}

/* ---- 3. a long-lived thread reuses the free pages of exited threads ----------- */

enum { LEAVERS = 3, LEAVER_BLOCKS = 3000, LEAVER_SIZE = 1024 };

/* About 3 MiB of 1 KiB blocks, all freed but one block in every 64 KiB */
static void *leaver(void *arg) {
  void ***kept = arg; /* where the blocks it leaves go */
  void **blocks = mi_malloc(LEAVER_BLOCKS * sizeof(void *));
  for (size_t i = 0; i < LEAVER_BLOCKS; i++) {
    blocks[i] = mi_malloc(LEAVER_SIZE);
    fill(blocks[i], LEAVER_SIZE, i);
  }
  for (size_t i = 0; i < LEAVER_BLOCKS; i++) {
    if (i % 640 == 0) { /* every 640 KiB: one page in ten keeps a block */
      (*kept)[i / 640] = blocks[i];
      continue;
    }
    if (!check_fill(blocks[i], LEAVER_SIZE, i)) {
      fprintf(stderr, "leaver: block %zu corrupted\n", i);
      exit(1);
    }
    mi_free(blocks[i]);
  }
  mi_free(blocks);
  return NULL;
}

enum { LONG_BLOCKS = 1200, LONG_SIZE = 3000 };

/* The long-lived thread waits, with pages of its own, while the leavers
 * come and go. */
static pthread_mutex_t phase_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t phase_changed = PTHREAD_COND_INITIALIZER;
static int phase;

static void phase_set(int p) {
  pthread_mutex_lock(&phase_lock);
  phase = p;
  pthread_cond_broadcast(&phase_changed);
  pthread_mutex_unlock(&phase_lock);
}

static void phase_wait(int p) {
  pthread_mutex_lock(&phase_lock);
  while (phase < p)
    pthread_cond_wait(&phase_changed, &phase_lock);
  pthread_mutex_unlock(&phase_lock);
}

/* mialloc's small and medium pages lie in segments of 4 MiB, aligned */
#define SEGMENT ((uintptr_t)4 << 20)

static void *own[64];
static void *big[LONG_BLOCKS];

static void *long_lived(void *arg) {
  (void)arg;
  /* pages of its own, in size classes the leavers do not use: most of a
   * segment */
  for (int i = 0; i < 64; i++)
    own[i] = mi_malloc(100 + 64 * (size_t)i);
  phase_set(1);
  phase_wait(2);
  for (size_t i = 0; i < LONG_BLOCKS; i++) { /* 3.4 MiB */
    big[i] = mi_malloc(LONG_SIZE);
    fill(big[i], LONG_SIZE, i);
  }
  for (size_t i = 0; i < LONG_BLOCKS; i++)
    if (!check_fill(big[i], LONG_SIZE, i)) {
      fprintf(stderr, "long-lived: block %zu corrupted\n", i);
      exit(1);
    }
  phase_set(3); /* the blocks stay until the main thread has looked */
  phase_wait(4);
  for (size_t i = 0; i < LONG_BLOCKS; i++)
    mi_free(big[i]);
  for (int i = 0; i < 64; i++)
    mi_free(own[i]);
  return NULL;
}

static int in_segment_of(const void *p, void *const *set, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (((uintptr_t)p & ~(SEGMENT - 1)) == ((uintptr_t)set[i] & ~(SEGMENT - 1)))
      return 1;
  return 0;
}

static void reuse_of_exited_threads_pages(void) {
  long delay = mi_option_get(mi_option_purge_delay);
  mi_option_set(mi_option_purge_delay, 60000); /* no purge interferes */
  pthread_t lt;
  pthread_create(&lt, NULL, long_lived, NULL);
  phase_wait(1);
  enum { KEPT = LEAVER_BLOCKS / 640 + 1 };
  void *kept[LEAVERS * KEPT];
  for (int i = 0; i < LEAVERS; i++) {
    void **k = &kept[i * KEPT];
    pthread_t t;
    pthread_create(&t, NULL, leaver, &k);
    pthread_join(t, NULL);
  }
  phase_set(2);
  phase_wait(3);
  /* its own segment has room for a part of the blocks; the rest must be in
   * the exited threads' segments, not in other memory */
  size_t elsewhere = 0;
  for (size_t i = 0; i < LONG_BLOCKS; i++)
    if (!in_segment_of(big[i], own, 64) && !in_segment_of(big[i], kept, LEAVERS * KEPT))
      elsewhere += LONG_SIZE;
  expect(elsewhere == 0, "a long-lived thread's blocks outside its own and the exited threads' segments",
         elsewhere, 0);
  phase_set(4);
  pthread_join(lt, NULL);
  for (int i = 0; i < LEAVERS * KEPT; i++) {
    if (!check_fill(kept[i], LEAVER_SIZE, (size_t)(i % KEPT) * 640)) {
      fprintf(stderr, "kept block %d corrupted\n", i);
      exit(1);
    }
    mi_free(kept[i]);
  }
  mi_option_set(mi_option_purge_delay, delay);
}

int main(void) {
  if (rss() == 0) {
    printf("abandoned: the platform reports no RSS; skipped\n");
    return 77;
  }
  if (mi_option_get(mi_option_purge_delay) < 0) {
    printf("abandoned: purging is off (MIALLOC_PURGE_DELAY < 0); skipped\n");
    return 77;
  }
  exited_threads();
  thread_churn();
  reuse_of_exited_threads_pages();
  printf("abandoned: %d failed\n", failures);
  return failures == 0 ? 0 : 1;
}
