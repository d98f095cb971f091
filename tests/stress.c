/* stress.c - multi-threaded stress test of mialloc through its public API.
 *
 * usage: stress [THREADS [ITERATIONS [ROUNDS [SEED]]]]
 *   THREADS     threads alive at a time (default 4)
 *   ITERATIONS  operations per thread lifetime (default 10000)
 *   ROUNDS      thread generations: each thread is replaced ROUNDS-1 times (default 8)
 *   SEED        random seed (default 1)
 * The environment variable STRESS_SCALE (a positive number, default 1)
 * multiplies ITERATIONS and ROUNDS, e.g. STRESS_SCALE=10 for a heavy run or
 * STRESS_SCALE=0.2 under a slow checker.
 *
 * Each thread allocates blocks of random sizes (mostly small, a few up to
 * 1 MiB) and fills them with a pattern derived from the block's address,
 * size and serial number.  Blocks are verified before every free and
 * realloc.  Some blocks are handed to other threads through shared slots
 * (an atomic exchange), so frees happen across threads; threads exit with
 * live blocks left in the slots, which later threads (or main, at the end)
 * verify and free.  Any mismatch aborts with a description of the damage.
 * Exit status 0 means success; a summary line is printed.
 */
#define _GNU_SOURCE 1

#include "mialloc.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MiB ((size_t)1 << 20)

/* Blocks handed between threads carry this header, so the receiver knows
 * how to verify them.  Smaller blocks stay with the thread that made them. */
typedef struct header_s {
  uint64_t size;
  uint64_t serial; /* thread number << 32 | per-thread counter */
} header_t;

#define NSLOTS 512
static _Atomic(header_t *) slots[NSLOTS];

static struct {
  _Atomic uint64_t allocs, frees, cross_frees, reallocs, handoffs, threads;
} stats;

static int verbose;

static void die(const char *fmt, ...) {
  va_list ap;
  fflush(stdout);
  fputs("stress: FAILED: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  abort();
}

/* ---- random numbers (xorshift64*) ---------------------------------------- */

static uint64_t rnd(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t mix(uint64_t x) { /* splitmix64 finaliser */
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/* Mostly small sizes, some medium, a few large up to 1 MiB. */
static size_t random_size(uint64_t *r) {
  uint64_t x = rnd(r);
  unsigned pick = (unsigned)(x % 1000);
  x >>= 10;
  if (pick < 800)
    return (size_t)(x % 257); /* 0 .. 256 */
  if (pick < 975)
    return 257 + (size_t)(x % (8 * 1024));
  if (pick < 998)
    return 8 * 1024 + (size_t)(x % (120 * 1024));
  return 128 * 1024 + (size_t)(x % (MiB - 128 * 1024 + 1));
}

/* ---- patterns ------------------------------------------------------------- */

/* The pattern of a block depends on where it was written (addr), its size
 * and serial; word i of it is seed ^ (i * K).  A block moved by realloc keeps
 * the pattern of its old address, which the caller passes as `addr`. */
static uint64_t pattern_seed(uintptr_t addr, size_t size, uint64_t serial) {
  return mix((uint64_t)addr ^ mix((uint64_t)size ^ (serial << 1)));
}

#define PK 0x9E3779B97F4A7C15ULL

/* Byte i of a pattern is byte i % 8 (in memory order) of word i / 8. */
static uint64_t pattern_word(uint64_t seed, size_t i) { return seed ^ ((uint64_t)(i >> 3) * PK); }

static unsigned char pattern_byte(uint64_t seed, size_t i) {
  uint64_t w = pattern_word(seed, i);
  unsigned char b[8];
  memcpy(b, &w, 8);
  return b[i & 7];
}

static void pattern_fill(unsigned char *p, size_t from, size_t to, uint64_t seed) {
  size_t i = from;
  if (((uintptr_t)p & 7) == 0) { /* whole words where possible */
    for (; i < to && (i & 7) != 0; i++)
      p[i] = pattern_byte(seed, i);
    uint64_t *wp = (uint64_t *)(void *)p;
    for (; i + 8 <= to; i += 8)
      wp[i >> 3] = pattern_word(seed, i);
  }
  for (; i < to; i++)
    p[i] = pattern_byte(seed, i);
}

/* Index of the first byte in [from, to) that differs from the pattern, or to. */
static size_t pattern_check(const unsigned char *p, size_t from, size_t to, uint64_t seed) {
  size_t i = from;
  if (((uintptr_t)p & 7) == 0) {
    for (; i < to && (i & 7) != 0; i++)
      if (p[i] != pattern_byte(seed, i))
        return i;
    const uint64_t *wp = (const uint64_t *)(const void *)p;
    for (; i + 8 <= to; i += 8)
      if (wp[i >> 3] != pattern_word(seed, i))
        break; /* find the byte below */
  }
  for (; i < to; i++)
    if (p[i] != pattern_byte(seed, i))
      return i;
  return to;
}

/* A block as its owner sees it. */
typedef struct entry_s {
  unsigned char *p;
  size_t size;
  uint64_t serial;
  uintptr_t written_at; /* address the pattern was computed for */
} entry_t;

/* Blocks of at least sizeof(header_t) bytes start with a header; the
 * pattern covers the rest. */
static size_t pattern_start(size_t size) { return size >= sizeof(header_t) ? sizeof(header_t) : 0; }

static void block_write(entry_t *e) {
  e->written_at = (uintptr_t)e->p;
  if (e->size >= sizeof(header_t)) {
    header_t h = {e->size, e->serial};
    memcpy(e->p, &h, sizeof h);
  }
  pattern_fill(e->p, pattern_start(e->size), e->size,
               pattern_seed(e->written_at, e->size, e->serial));
}

/* Checks the first `len` bytes of e's block. */
static void block_verify(const entry_t *e, size_t len, int tid, const char *when) {
  if (e->size >= sizeof(header_t) && len < sizeof(header_t)) {
    /* a realloc kept only part of the header */
    header_t h = {e->size, e->serial};
    if (memcmp(e->p, &h, len) != 0)
      die("thread %d, %s: first %zu bytes of block %p (old header) damaged", tid, when, len,
          (void *)e->p);
  }
  if (e->size >= sizeof(header_t) && len >= sizeof(header_t)) {
    header_t h;
    memcpy(&h, e->p, sizeof h);
    if (h.size != e->size || h.serial != e->serial)
      die("thread %d, %s: header of block %p damaged: size %" PRIu64 " serial %#" PRIx64
          ", expected size %zu serial %#" PRIx64,
          tid, when, (void *)e->p, h.size, h.serial, e->size, e->serial);
  }
  size_t start = pattern_start(e->size);
  if (len > start) {
    uint64_t seed = pattern_seed(e->written_at, e->size, e->serial);
    size_t bad = pattern_check(e->p, start, len, seed);
    if (bad != len)
      die("thread %d, %s: block %p (size %zu, serial %#" PRIx64 ") damaged at byte %zu: "
          "found %#02x, expected %#02x",
          tid, when, (void *)e->p, e->size, e->serial, bad, e->p[bad],
          (unsigned)pattern_byte(seed, bad));
  }
  if (mi_usable_size(e->p) < len)
    die("thread %d, %s: block %p holding %zu bytes has usable size %zu", tid, when,
        (void *)e->p, len, mi_usable_size(e->p));
}

/* A block received from a slot: its header tells its size and serial. */
static void verify_and_free_received(header_t *h, int tid) {
  entry_t e = {(unsigned char *)h, (size_t)h->size, h->serial, (uintptr_t)h};
  block_verify(&e, e.size, tid, "received block");
  mi_free(h);
  atomic_fetch_add_explicit(&stats.frees, 1, memory_order_relaxed);
  if ((int)(e.serial >> 32) != tid)
    atomic_fetch_add_explicit(&stats.cross_frees, 1, memory_order_relaxed);
}

/* Puts a block in a random slot; frees whatever block was there. */
static void hand_off(entry_t *e, uint64_t *r, int tid) {
  atomic_fetch_add_explicit(&stats.handoffs, 1, memory_order_relaxed);
  header_t *old = atomic_exchange(&slots[rnd(r) % NSLOTS], (header_t *)e->p);
  e->p = NULL;
  if (old != NULL)
    verify_and_free_received(old, tid);
}

/* ---- worker threads -------------------------------------------------------- */

typedef struct worker_s {
  pthread_t thread;
  int tid;
  uint64_t seed;
  size_t iterations;
  size_t live_max;
} worker_t;

static void *worker(void *arg) {
  worker_t *w = arg;
  int tid = w->tid;
  uint64_t r = mix(w->seed ^ ((uint64_t)tid << 20)) | 1;
  uint64_t counter = 0;
  size_t cap = w->live_max;
  entry_t *live = mi_calloc(cap, sizeof *live);
  if (live == NULL)
    die("thread %d: cannot allocate its table", tid);

  /* a quarter of the threads allocate from a private heap, deleted at exit
   * while blocks from it are still in the slots */
  mi_heap_t *heap = NULL, *prev_default = NULL;
  if (rnd(&r) % 4 == 0) {
    heap = mi_heap_new();
    if (heap == NULL)
      die("thread %d: mi_heap_new failed", tid);
    prev_default = mi_heap_set_default(heap);
  }

  for (size_t it = 0; it < w->iterations; it++) {
    entry_t *e = &live[rnd(&r) % cap];
    uint64_t op = rnd(&r) % 100;
    if (e->p == NULL) {
      /* allocate, in one of several ways */
      e->size = random_size(&r);
      e->serial = ((uint64_t)tid << 32) | ++counter;
      uint64_t how = rnd(&r) % 16;
      if (how == 0) {
        e->p = mi_zalloc(e->size);
        if (e->p != NULL)
          for (size_t i = 0; i < e->size; i++)
            if (e->p[i] != 0)
              die("thread %d: mi_zalloc(%zu) block %p not zeroed at %zu", tid, e->size,
                  (void *)e->p, i);
      } else if (how == 1) {
        e->p = mi_calloc(1, e->size);
        if (e->p != NULL)
          for (size_t i = 0; i < e->size; i++)
            if (e->p[i] != 0)
              die("thread %d: mi_calloc(1, %zu) block %p not zeroed at %zu", tid, e->size,
                  (void *)e->p, i);
      } else if (how == 2) {
        size_t align = (size_t)16 << (rnd(&r) % 9); /* 16 .. 4096 */
        e->p = mi_malloc_aligned(e->size, align);
        if (e->p != NULL && ((uintptr_t)e->p & (align - 1)) != 0)
          die("thread %d: mi_malloc_aligned(%zu, %zu) returned %p", tid, e->size, align,
              (void *)e->p);
      } else {
        e->p = mi_malloc(e->size);
      }
      if (e->p == NULL)
        die("thread %d: allocation of %zu bytes failed", tid, e->size);
      atomic_fetch_add_explicit(&stats.allocs, 1, memory_order_relaxed);
      block_write(e);
    } else if (op < 50) {
      block_verify(e, e->size, tid, "before free");
      mi_free(e->p);
      e->p = NULL;
      atomic_fetch_add_explicit(&stats.frees, 1, memory_order_relaxed);
    } else if (op < 65) {
      /* realloc: the common prefix must survive the move */
      block_verify(e, e->size, tid, "before realloc");
      size_t newsize = random_size(&r);
      unsigned char *q = mi_realloc(e->p, newsize);
      if (q == NULL)
        die("thread %d: mi_realloc(%p, %zu) failed", tid, (void *)e->p, newsize);
      atomic_fetch_add_explicit(&stats.reallocs, 1, memory_order_relaxed);
      entry_t moved = *e;
      moved.p = q;
      block_verify(&moved, newsize < e->size ? newsize : e->size, tid, "after realloc");
      e->p = q;
      e->size = newsize;
      e->serial = ((uint64_t)tid << 32) | ++counter;
      block_write(e);
    } else if (op < 85 && e->size >= sizeof(header_t)) {
      block_verify(e, e->size, tid, "before hand-off");
      hand_off(e, &r, tid);
    } else if (op < 90) {
      /* take a block from another thread, if there is one, and free it */
      header_t *h = atomic_exchange(&slots[rnd(&r) % NSLOTS], NULL);
      if (h != NULL)
        verify_and_free_received(h, tid);
    } else {
      block_verify(e, e->size, tid, "while live");
    }
  }

  /* exit with live blocks: hand some off (later threads, or main, free
   * them), free the others here */
  for (size_t i = 0; i < cap; i++) {
    entry_t *e = &live[i];
    if (e->p == NULL)
      continue;
    block_verify(e, e->size, tid, "at thread exit");
    if (e->size >= sizeof(header_t) && rnd(&r) % 2 == 0) {
      hand_off(e, &r, tid);
    } else {
      mi_free(e->p);
      e->p = NULL;
      atomic_fetch_add_explicit(&stats.frees, 1, memory_order_relaxed);
    }
  }
  mi_free(live);
  if (heap != NULL) {
    mi_heap_set_default(prev_default);
    mi_heap_delete(heap); /* its blocks in the slots stay valid */
  }
  atomic_fetch_add_explicit(&stats.threads, 1, memory_order_relaxed);
  return NULL;
}

/* ---- main ----------------------------------------------------------------- */

static size_t arg_size(const char *s, const char *what) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0' || v == 0 || v > 1000000000ULL) {
    fprintf(stderr, "stress: bad %s '%s'\n", what, s);
    exit(2);
  }
  return (size_t)v;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  size_t nthreads = 4, iterations = 10000, rounds = 8;
  uint64_t seed = 1;
  if (argc > 5 || (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))) {
    fprintf(stderr, "usage: %s [THREADS [ITERATIONS [ROUNDS [SEED]]]]\n"
                    "  environment: STRESS_SCALE multiplies ITERATIONS and ROUNDS\n",
            argv[0]);
    return 2;
  }
  if (argc > 1)
    nthreads = arg_size(argv[1], "thread count");
  if (argc > 2)
    iterations = arg_size(argv[2], "iteration count");
  if (argc > 3)
    rounds = arg_size(argv[3], "round count");
  if (argc > 4)
    seed = arg_size(argv[4], "seed");
  const char *scale_s = getenv("STRESS_SCALE");
  if (scale_s != NULL && *scale_s != '\0') {
    char *end;
    double scale = strtod(scale_s, &end);
    if (*end != '\0' || !(scale > 0) || scale > 10000) {
      fprintf(stderr, "stress: bad STRESS_SCALE '%s'\n", scale_s);
      return 2;
    }
    iterations = (size_t)((double)iterations * scale);
    rounds = (size_t)((double)rounds * (scale < 1 ? 1 : scale));
    if (iterations < 10)
      iterations = 10;
    if (rounds < 1)
      rounds = 1;
  }
  verbose = getenv("STRESS_VERBOSE") != NULL;
  if (nthreads > 1024) {
    fprintf(stderr, "stress: at most 1024 threads\n");
    return 2;
  }

  double t0 = now();
  worker_t *workers = mi_calloc(nthreads, sizeof *workers);
  if (workers == NULL)
    die("cannot allocate the worker table");
  int next_tid = 1;
  size_t live_max = 200;

  for (size_t i = 0; i < nthreads; i++) {
    workers[i] = (worker_t){.tid = next_tid++, .seed = seed, .iterations = iterations,
                            .live_max = live_max};
    if (pthread_create(&workers[i].thread, NULL, worker, &workers[i]) != 0)
      die("cannot create thread");
  }
  /* churn: replace each thread by a new one as it ends, while the others run */
  for (size_t round = 1; round < rounds; round++) {
    for (size_t i = 0; i < nthreads; i++) {
      if (pthread_join(workers[i].thread, NULL) != 0)
        die("cannot join thread");
      workers[i] = (worker_t){.tid = next_tid++, .seed = seed, .iterations = iterations,
                              .live_max = live_max};
      if (pthread_create(&workers[i].thread, NULL, worker, &workers[i]) != 0)
        die("cannot create thread");
    }
    if (verbose)
      fprintf(stderr, "stress: round %zu done\n", round);
  }
  for (size_t i = 0; i < nthreads; i++)
    if (pthread_join(workers[i].thread, NULL) != 0)
      die("cannot join thread");

  /* the blocks left in the slots belong to threads that are gone */
  size_t leftover = 0;
  for (size_t i = 0; i < NSLOTS; i++) {
    header_t *h = atomic_exchange(&slots[i], NULL);
    if (h != NULL) {
      verify_and_free_received(h, 0);
      leftover++;
    }
  }
  mi_free(workers);
  mi_collect(true);

  uint64_t allocs = atomic_load(&stats.allocs), frees = atomic_load(&stats.frees);
  if (allocs != frees)
    die("%" PRIu64 " blocks allocated but %" PRIu64 " freed", allocs, frees);
  printf("stress: OK: %zu threads x %zu rounds (%" PRIu64 " threads), %zu iterations each, "
         "seed %" PRIu64 ": %" PRIu64 " allocs, %" PRIu64 " reallocs, %" PRIu64
         " hand-offs, %" PRIu64 " cross-thread frees (%zu freed by main), %.2f s\n",
         nthreads, rounds, atomic_load(&stats.threads), iterations, seed, allocs,
         atomic_load(&stats.reallocs), atomic_load(&stats.handoffs),
         atomic_load(&stats.cross_frees), leftover, now() - t0);
  return 0;
}
