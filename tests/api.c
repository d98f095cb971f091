/* api.c - Check tests of mialloc's public interface, through mialloc.h only.
 *
 * Every test runs in its own forked process (Check's default), so a test
 * that crashes or changes global state (options, default heap, error
 * handler) does not affect the others.  The timeouts are hang guards only.
 */
#define _GNU_SOURCE 1

#include "config.h"

#include "mialloc.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* for Check before 0.11 */
#ifndef ck_assert_ptr_null
#define ck_assert_ptr_null(X) ck_assert_ptr_eq((X), NULL)
#endif
#ifndef ck_assert_ptr_nonnull
#define ck_assert_ptr_nonnull(X) ck_assert_ptr_ne((X), NULL)
#endif

#define KiB ((size_t)1024)
#define MiB (KiB * KiB)

/* The sizes every malloc-family function is tried with. */
static const size_t test_sizes[] = {0, 1, 8, 15, 16, 17, 100, 1000, 4096, 10 * KiB,
                                    300 * KiB, 20 * MiB};
#define N_TEST_SIZES (sizeof test_sizes / sizeof test_sizes[0])

/* Hides a constant from the compiler, which would otherwise warn about
 * requests larger than any object (that is what these tests make). */
static size_t opaque(size_t x) {
  volatile size_t v = x;
  return v;
}

/* A huge request that cannot be satisfied (but does not overflow). */
#define TOO_LARGE opaque(SIZE_MAX / 2)
#define HUGE_MAX opaque(SIZE_MAX)

/* ---- helpers ------------------------------------------------------------ */

static unsigned char pattern_byte(size_t i, unsigned seed) {
  return (unsigned char)((i * 131u + (i >> 8) * 7u + seed * 29u + 1u) & 0xff);
}

static void fill(void *p, size_t n, unsigned seed) {
  unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    b[i] = pattern_byte(i, seed);
}

/* Index of the first byte that differs from the pattern, or n. */
static size_t check_fill(const void *p, size_t n, unsigned seed) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i] != pattern_byte(i, seed))
      return i;
  return n;
}

/* Index of the first nonzero byte in [from, to), or to. */
static size_t check_zero(const void *p, size_t from, size_t to) {
  const unsigned char *b = p;
  for (size_t i = from; i < to; i++)
    if (b[i] != 0)
      return i;
  return to;
}

#define ck_assert_filled(p, n, seed)                                                         \
  do {                                                                                       \
    size_t n_ = (n);                                                                         \
    size_t bad_ = check_fill((p), n_, (seed));                                               \
    ck_assert_msg(bad_ == n_, "contents differ at byte %zu of %zu", bad_, n_);               \
  } while (0)

#define ck_assert_zeroed(p, from, to)                                                        \
  do {                                                                                       \
    size_t to_ = (to);                                                                       \
    size_t bad_ = check_zero((p), (from), to_);                                              \
    ck_assert_msg(bad_ == to_, "byte %zu (of %zu) is not zero", bad_, to_);                  \
  } while (0)

#define ck_assert_aligned(p, align, offset)                                                  \
  ck_assert_msg(((uintptr_t)(p) + (offset)) % (align) == 0,                                  \
                "%p + %zu is not aligned to %zu", (void *)(p), (size_t)(offset),             \
                (size_t)(align))

static size_t page_size(void) {
  long ps = sysconf(_SC_PAGESIZE);
  return ps > 0 ? (size_t)ps : 4096;
}

/* ---- malloc, free, usable size ------------------------------------------ */

START_TEST(malloc_sizes) {
  for (size_t i = 0; i < N_TEST_SIZES; i++) {
    size_t n = test_sizes[i];
    void *p = mi_malloc(n);
    ck_assert_msg(p != NULL, "mi_malloc(%zu) failed", n);
    ck_assert_aligned(p, sizeof(void *), 0);
    ck_assert_uint_ge(mi_usable_size(p), n);
    ck_assert_uint_eq(mi_malloc_usable_size(p), mi_usable_size(p));
    fill(p, mi_usable_size(p), (unsigned)i);
    ck_assert_filled(p, mi_usable_size(p), (unsigned)i);
    mi_free(p);
  }
}
END_TEST

START_TEST(malloc_zero_is_unique) {
  void *a = mi_malloc(0), *b = mi_malloc(0);
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  ck_assert_ptr_ne(a, b);
  mi_free(a);
  mi_free(b);
}
END_TEST

START_TEST(malloc_many_distinct) {
  enum { N = 2000 };
  static unsigned char *ps[N];
  for (size_t i = 0; i < N; i++) {
    size_t n = 1 + (i * 37) % 3000;
    ps[i] = mi_malloc(n);
    ck_assert_ptr_nonnull(ps[i]);
    memset(ps[i], (int)(i & 0xff), n);
  }
  for (size_t i = 0; i < N; i++) {
    size_t n = 1 + (i * 37) % 3000;
    for (size_t j = 0; j < n; j++)
      ck_assert_msg(ps[i][j] == (unsigned char)(i & 0xff), "block %zu overwritten at %zu", i, j);
    mi_free(ps[i]);
  }
}
END_TEST

START_TEST(free_null_and_variants) {
  mi_free(NULL);
  mi_cfree(NULL);
  ck_assert_uint_eq(mi_usable_size(NULL), 0);
  for (size_t i = 0; i < N_TEST_SIZES; i++) {
    size_t n = test_sizes[i];
    void *p = mi_malloc(n);
    ck_assert_ptr_nonnull(p);
    mi_free_size(p, n);
    p = mi_malloc(n);
    ck_assert_ptr_nonnull(p);
    mi_cfree(p);
    p = mi_malloc_aligned(n, 64);
    ck_assert_ptr_nonnull(p);
    mi_free_aligned(p, 64);
    p = mi_malloc_aligned(n, 4096);
    ck_assert_ptr_nonnull(p);
    mi_free_size_aligned(p, n, 4096);
  }
}
END_TEST

START_TEST(malloc_too_large) {
  errno = 0;
  void *p = mi_malloc(TOO_LARGE);
  ck_assert_ptr_null(p);
  ck_assert_int_eq(errno, ENOMEM);
  errno = 0;
  p = mi_malloc(HUGE_MAX);
  ck_assert_ptr_null(p);
  ck_assert_int_eq(errno, ENOMEM);
  errno = 0;
  p = mi_zalloc(TOO_LARGE);
  ck_assert_ptr_null(p);
  ck_assert_int_eq(errno, ENOMEM);
  /* the allocator still works afterwards */
  p = mi_malloc(100);
  ck_assert_ptr_nonnull(p);
  mi_free(p);
}
END_TEST

START_TEST(malloc_small_variants) {
  /* mi_malloc_small is only for small sizes; stay well below any limit */
  static const size_t sizes[] = {1, 8, 16, 24, 100, 256};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i];
    unsigned char *p = mi_malloc_small(n);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_ge(mi_usable_size(p), n);
    fill(p, n, 3);
    unsigned char *z = mi_zalloc_small(n);
    ck_assert_ptr_nonnull(z);
    ck_assert_uint_ge(mi_usable_size(z), n);
    ck_assert_zeroed(z, 0, n);
    ck_assert_filled(p, n, 3);
    mi_free(p);
    mi_free(z);
  }
}
END_TEST

/* ---- zeroing allocation ------------------------------------------------- */

START_TEST(calloc_zeroes) {
  for (size_t i = 0; i < N_TEST_SIZES; i++) {
    size_t n = test_sizes[i];
    /* dirty memory first, so a recycled block must be cleared */
    for (int round = 0; round < 2; round++) {
      void *d = mi_malloc(n);
      ck_assert_ptr_nonnull(d);
      memset(d, 0xa5, mi_usable_size(d));
      mi_free(d);
      unsigned char *p = mi_calloc(1, n);
      ck_assert_msg(p != NULL, "mi_calloc(1, %zu) failed", n);
      ck_assert_uint_ge(mi_usable_size(p), n);
      ck_assert_zeroed(p, 0, n);
      mi_free(p);
      if (n >= 4) {
        p = mi_calloc(n / 4, 4);
        ck_assert_ptr_nonnull(p);
        ck_assert_zeroed(p, 0, n / 4 * 4);
        mi_free(p);
      }
      p = mi_zalloc(n);
      ck_assert_msg(p != NULL, "mi_zalloc(%zu) failed", n);
      ck_assert_zeroed(p, 0, n);
      mi_free(p);
    }
  }
  void *p = mi_calloc(0, 0);
  ck_assert_ptr_nonnull(p);
  mi_free(p);
  p = mi_calloc(0, 100);
  ck_assert_ptr_nonnull(p);
  mi_free(p);
}
END_TEST

START_TEST(mallocn_sizes) {
  unsigned char *p = mi_mallocn(10, 100);
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_ge(mi_usable_size(p), 1000);
  fill(p, 1000, 9);
  ck_assert_filled(p, 1000, 9);
  mi_free(p);
  p = mi_mallocn(3, 100 * KiB);
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_ge(mi_usable_size(p), 300 * KiB);
  mi_free(p);
}
END_TEST

/* count * size overflows: NULL with errno ENOMEM (as POSIX says for calloc) */
START_TEST(overflow_is_enomem) {
  const size_t big = opaque(SIZE_MAX / 2 + 2); /* big * 2 overflows */
  errno = 0;
  ck_assert_ptr_null(mi_calloc(big, 2));
  ck_assert_int_eq(errno, ENOMEM);
  errno = 0;
  ck_assert_ptr_null(mi_calloc(2, big));
  ck_assert_int_eq(errno, ENOMEM);
  errno = 0;
  ck_assert_ptr_null(mi_calloc(HUGE_MAX, HUGE_MAX));
  ck_assert_int_eq(errno, ENOMEM);
  errno = 0;
  ck_assert_ptr_null(mi_mallocn(big, 2));
  ck_assert_int_eq(errno, ENOMEM);

  /* the re* variants fail and leave the block alone */
  unsigned char *p = mi_malloc(100);
  ck_assert_ptr_nonnull(p);
  fill(p, 100, 4);
  errno = 0;
  ck_assert_ptr_null(mi_reallocn(p, big, 2));
  ck_assert_int_eq(errno, ENOMEM);
  ck_assert_filled(p, 100, 4);
  errno = 0;
  ck_assert_ptr_null(mi_reallocarray(p, 2, big));
  ck_assert_int_eq(errno, ENOMEM);
  ck_assert_filled(p, 100, 4);
  errno = 0;
  ck_assert_ptr_null(mi_recalloc(p, big, 2));
  ck_assert_int_eq(errno, ENOMEM);
  ck_assert_filled(p, 100, 4);
  mi_free(p);
}
END_TEST

/* ---- realloc ------------------------------------------------------------ */

/* Sizes walked up and then down by the realloc tests. */
static const size_t realloc_walk[] = {1, 7, 16, 100, 1000, 10 * KiB, 64 * KiB, 300 * KiB,
                                      2 * MiB, 20 * MiB, 21 * MiB, 300 * KiB, 10 * KiB,
                                      10 * KiB - 1, 1000, 100, 16, 1};
#define N_WALK (sizeof realloc_walk / sizeof realloc_walk[0])

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

START_TEST(realloc_preserves) {
  unsigned char *p = mi_realloc(NULL, realloc_walk[0]); /* acts as malloc */
  ck_assert_ptr_nonnull(p);
  size_t cur = realloc_walk[0];
  fill(p, cur, 0);
  for (size_t i = 1; i < N_WALK; i++) {
    size_t n = realloc_walk[i];
    unsigned char *q = mi_realloc(p, n);
    ck_assert_msg(q != NULL, "mi_realloc(%zu -> %zu) failed", cur, n);
    ck_assert_uint_ge(mi_usable_size(q), n);
    ck_assert_filled(q, min_size(cur, n), (unsigned)(i - 1));
    fill(q, n, (unsigned)i);
    p = q;
    cur = n;
  }
  mi_free(p);
}
END_TEST

START_TEST(realloc_variants_preserve) {
  /* reallocn / reallocarray / reallocf behave like realloc on success */
  unsigned char *p = mi_mallocn(10, 10);
  ck_assert_ptr_nonnull(p);
  fill(p, 100, 1);
  p = mi_reallocn(p, 1000, 10);
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_ge(mi_usable_size(p), 10000);
  ck_assert_filled(p, 100, 1);
  fill(p, 10000, 2);
  p = mi_reallocarray(p, 30, 10 * KiB);
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_ge(mi_usable_size(p), 300 * KiB);
  ck_assert_filled(p, 10000, 2);
  fill(p, 300 * KiB, 3);
  p = mi_reallocf(p, 20 * MiB);
  ck_assert_ptr_nonnull(p);
  ck_assert_filled(p, 300 * KiB, 3);
  p = mi_reallocf(p, 50);
  ck_assert_ptr_nonnull(p);
  ck_assert_filled(p, 50, 3);
  p = mi_reallocarray(p, 1, 10);
  ck_assert_ptr_nonnull(p);
  ck_assert_filled(p, 10, 3);
  mi_free(p);
  p = mi_reallocarray(NULL, 4, 4); /* acts as malloc */
  ck_assert_ptr_nonnull(p);
  mi_free(p);
}
END_TEST

START_TEST(realloc_to_zero) {
  /* Either frees and returns NULL, or returns a freeable block; never crashes. */
  void *p = mi_malloc(100);
  ck_assert_ptr_nonnull(p);
  void *q = mi_realloc(p, 0);
  mi_free(q);
}
END_TEST

START_TEST(realloc_too_large_keeps_block) {
  unsigned char *p = mi_malloc(1000);
  ck_assert_ptr_nonnull(p);
  fill(p, 1000, 8);
  errno = 0;
  ck_assert_ptr_null(mi_realloc(p, TOO_LARGE));
  ck_assert_int_eq(errno, ENOMEM);
  ck_assert_filled(p, 1000, 8);
  errno = 0;
  ck_assert_ptr_null(mi_realloc(p, HUGE_MAX));
  ck_assert_int_eq(errno, ENOMEM);
  ck_assert_filled(p, 1000, 8);
  mi_free(p);
}
END_TEST

static bool count_visitor(const mi_heap_t *heap, const mi_heap_area_t *area, void *block,
                          size_t block_size, void *arg) {
  (void)heap;
  (void)area;
  (void)block_size;
  if (block != NULL)
    ++*(size_t *)arg;
  return true;
}

/* (The result of the visit is not checked: mimalloc returns false for a heap
 * without pages.) */
static size_t heap_live_blocks(mi_heap_t *heap) {
  size_t n = 0;
  (void)mi_heap_visit_blocks(heap, true, count_visitor, &n);
  return n;
}

START_TEST(reallocf_frees_on_failure) {
  /* The block is allocated in a fresh heap, so a visit can tell whether the
   * failed mi_reallocf / mi_heap_reallocf released it. */
  mi_heap_t *heap = mi_heap_new();
  ck_assert_ptr_nonnull(heap);
  void *p = mi_heap_malloc(heap, 100);
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_eq(heap_live_blocks(heap), 1);
  errno = 0;
  ck_assert_ptr_null(mi_heap_reallocf(heap, p, TOO_LARGE));
  ck_assert_int_eq(errno, ENOMEM);
  ck_assert_uint_eq(heap_live_blocks(heap), 0);

  p = mi_heap_malloc(heap, 5000);
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_eq(heap_live_blocks(heap), 1);
  errno = 0;
  ck_assert_ptr_null(mi_reallocf(p, TOO_LARGE));
  ck_assert_int_eq(errno, ENOMEM);
  ck_assert_uint_eq(heap_live_blocks(heap), 0);
  mi_heap_delete(heap);
}
END_TEST

/* ---- zero-extending reallocation ---------------------------------------- */

/* The guarantee holds for a block from a zeroing allocation (mi_zalloc,
 * mi_calloc), whose whole usable size is zero: each case starts from one. */
static const size_t zgrow[][2] = {{1, 10},      {1, 100},          {10, 16},
                                  {16, 17},     {100, 1000},       {1000, 10 * KiB},
                                  {4000, 4100}, {10 * KiB, 300 * KiB}, {300 * KiB, 2 * MiB},
                                  {2 * MiB, 20 * MiB}, {1, 20 * MiB}};
#define N_ZGROW (sizeof zgrow / sizeof zgrow[0])

START_TEST(rezalloc_zeroes_new_part) {
  for (size_t i = 0; i < N_ZGROW; i++) {
    size_t old = zgrow[i][0], n = zgrow[i][1];
    /* dirty some memory first, so reused blocks are not zero by chance */
    void *d = mi_malloc(n);
    ck_assert_ptr_nonnull(d);
    memset(d, 0xa5, mi_usable_size(d));
    mi_free(d);
    unsigned char *p = mi_zalloc(old);
    ck_assert_ptr_nonnull(p);
    fill(p, old, (unsigned)i);
    p = mi_rezalloc(p, n);
    ck_assert_msg(p != NULL, "mi_rezalloc(%zu -> %zu) failed", old, n);
    ck_assert_uint_ge(mi_usable_size(p), n);
    ck_assert_filled(p, old, (unsigned)i);
    ck_assert_zeroed(p, old, n);
    /* shrinking keeps the prefix */
    p = mi_rezalloc(p, old / 2 + 1);
    ck_assert_ptr_nonnull(p);
    ck_assert_filled(p, old / 2 + 1, (unsigned)i);
    mi_free(p);
  }
  unsigned char *p = mi_rezalloc(NULL, 200); /* acts as mi_zalloc */
  ck_assert_ptr_nonnull(p);
  ck_assert_zeroed(p, 0, 200);
  mi_free(p);
}
END_TEST

START_TEST(recalloc_zeroes_new_part) {
  for (size_t i = 0; i < N_ZGROW; i++) {
    size_t old = zgrow[i][0], n = zgrow[i][1];
    void *d = mi_malloc(n);
    ck_assert_ptr_nonnull(d);
    memset(d, 0x5a, mi_usable_size(d));
    mi_free(d);
    unsigned char *p = mi_calloc(old, 1);
    ck_assert_ptr_nonnull(p);
    ck_assert_zeroed(p, 0, old);
    fill(p, old, (unsigned)i);
    p = mi_recalloc(p, n, 1);
    ck_assert_msg(p != NULL, "mi_recalloc(%zu -> %zu) failed", old, n);
    ck_assert_filled(p, old, (unsigned)i);
    ck_assert_zeroed(p, old, n);
    mi_free(p);
  }
  /* count and size both count */
  unsigned char *p = mi_calloc(10, 3);
  ck_assert_ptr_nonnull(p);
  fill(p, 30, 5);
  p = mi_recalloc(p, 1000, 100);
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_ge(mi_usable_size(p), 100000);
  ck_assert_filled(p, 30, 5);
  ck_assert_zeroed(p, 30, 100000);
  mi_free(p);
  p = mi_recalloc(NULL, 4, 25); /* acts as mi_calloc */
  ck_assert_ptr_nonnull(p);
  ck_assert_zeroed(p, 0, 100);
  mi_free(p);
}
END_TEST

/* ---- sizes -------------------------------------------------------------- */

START_TEST(good_size_matches_usable) {
  static const size_t sizes[] = {1,   2,    8,    15,   16,   17,   24,   31,   32,    33,
                                 48,  63,   64,   65,   100,  127,  128,  129,  200,   255,
                                 256, 257,  500,  512,  513,  1000, 1024, 1025, 2000,  4000,
                                 4096, 4097, 5000, 8000, 8192, 8193, 10000, 10 * KiB, 20000,
                                 32 * KiB, 50000, 64 * KiB};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i];
    size_t good = mi_good_size(n);
    ck_assert_msg(good >= n, "mi_good_size(%zu) = %zu", n, good);
    void *p = mi_malloc(n);
    ck_assert_ptr_nonnull(p);
    /* a secure build's usable size is the size asked for (its trailer follows) */
    size_t usable = MI_SECURE ? n : good;
    ck_assert_msg(mi_usable_size(p) == usable, "mi_good_size(%zu) = %zu but mi_usable_size = %zu",
                  n, good, mi_usable_size(p));
    mi_free(p);
    p = mi_malloc(good); /* what mi_good_size is for: no byte of the block wasted */
    ck_assert_uint_eq(mi_usable_size(p), good);
    mi_free(p);
  }
  /* larger sizes: at least n */
  static const size_t big[] = {100 * KiB, 300 * KiB, 1 * MiB, 1 * MiB + 1, 20 * MiB};
  for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
    ck_assert_uint_ge(mi_good_size(big[i]), big[i]);
    void *p = mi_malloc(big[i]);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_ge(mi_usable_size(p), big[i]);
    mi_free(p);
  }
}
END_TEST

START_TEST(expand_in_place) {
  for (size_t i = 1; i < N_TEST_SIZES; i++) {
    size_t n = test_sizes[i];
    unsigned char *p = mi_malloc(n);
    ck_assert_ptr_nonnull(p);
    size_t usable = mi_usable_size(p);
    fill(p, n, 2);
    /* up to the usable size it always works, and returns p */
    ck_assert_ptr_eq(mi_expand(p, usable), p);
    ck_assert_ptr_eq(mi_expand(p, n), p);
    ck_assert_ptr_eq(mi_expand(p, 1), p);
    ck_assert_filled(p, n, 2);
    /* far beyond the block it fails, and leaves p alone */
    ck_assert_ptr_null(mi_expand(p, usable + 64 * MiB));
    ck_assert_ptr_null(mi_expand(p, TOO_LARGE));
    ck_assert_uint_ge(mi_usable_size(p), n);
    ck_assert_filled(p, n, 2);
    mi_free(p);
  }
}
END_TEST

/* ---- strings ------------------------------------------------------------ */

START_TEST(strdup_strndup) {
  const char *s = "hello, mialloc";
  char *d = mi_strdup(s);
  ck_assert_ptr_nonnull(d);
  ck_assert_ptr_ne(d, s);
  ck_assert_str_eq(d, s);
  mi_free(d);
  d = mi_strdup("");
  ck_assert_ptr_nonnull(d);
  ck_assert_str_eq(d, "");
  mi_free(d);
  ck_assert_ptr_null(mi_strdup(NULL));

  d = mi_strndup(s, 5);
  ck_assert_ptr_nonnull(d);
  ck_assert_str_eq(d, "hello");
  mi_free(d);
  d = mi_strndup(s, 1000);
  ck_assert_ptr_nonnull(d);
  ck_assert_str_eq(d, s);
  mi_free(d);
  d = mi_strndup(s, 0);
  ck_assert_ptr_nonnull(d);
  ck_assert_str_eq(d, "");
  mi_free(d);
  ck_assert_ptr_null(mi_strndup(NULL, 3));

  /* a long string */
  size_t n = 300 * KiB;
  char *big = mi_malloc(n + 1);
  ck_assert_ptr_nonnull(big);
  for (size_t i = 0; i < n; i++)
    big[i] = (char)('a' + i % 26);
  big[n] = '\0';
  d = mi_strdup(big);
  ck_assert_ptr_nonnull(d);
  ck_assert_int_eq(memcmp(d, big, n + 1), 0);
  mi_free(d);
  d = mi_strndup(big, 12345);
  ck_assert_ptr_nonnull(d);
  ck_assert_uint_eq(strlen(d), 12345);
  ck_assert_int_eq(memcmp(d, big, 12345), 0);
  mi_free(d);
  mi_free(big);
}
END_TEST

START_TEST(realpath_allocates) {
  char expect[PATH_MAX];
  const char *path = "/tmp/../tmp/.";
  ck_assert_ptr_nonnull(realpath(path, expect));
  char *r = mi_realpath(path, NULL);
  ck_assert_ptr_nonnull(r);
  ck_assert_str_eq(r, expect);
  ck_assert_uint_ge(mi_usable_size(r), strlen(r) + 1);
  mi_free(r);

  /* With a buffer, the result goes there (and is that buffer; that is not
   * checked, as the header declares mi_realpath with the malloc attribute and
   * the compiler then takes the two for distinct). */
  char buf[PATH_MAX];
  buf[0] = '\0';
  r = mi_realpath("/tmp/../tmp", buf);
  ck_assert_ptr_nonnull(r);
  ck_assert_str_eq(buf, expect);
  ck_assert_str_eq(r, expect);

  errno = 0;
  r = mi_realpath("/nonexistent-mialloc-test/dir/file", NULL);
  ck_assert_ptr_null(r);
  ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* ---- aligned allocation ------------------------------------------------- */

#define MAX_ALIGN_SHIFT 22 /* test alignments 1 .. 4 MiB */

START_TEST(malloc_aligned_all) {
  static const size_t sizes[] = {1, 8, 100, 5000, 300 * KiB};
  for (size_t shift = 0; shift <= MAX_ALIGN_SHIFT; shift++) {
    size_t align = (size_t)1 << shift;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
      size_t n = sizes[i];
      unsigned char *p = mi_malloc_aligned(n, align);
      ck_assert_msg(p != NULL, "mi_malloc_aligned(%zu, %zu) failed", n, align);
      ck_assert_aligned(p, align, 0);
      ck_assert_uint_ge(mi_usable_size(p), n);
      fill(p, n, (unsigned)shift);
      unsigned char *z = mi_zalloc_aligned(n, align);
      ck_assert_msg(z != NULL, "mi_zalloc_aligned(%zu, %zu) failed", n, align);
      ck_assert_aligned(z, align, 0);
      ck_assert_zeroed(z, 0, n);
      unsigned char *c = mi_calloc_aligned(n, 1, align);
      ck_assert_msg(c != NULL, "mi_calloc_aligned(%zu, 1, %zu) failed", n, align);
      ck_assert_aligned(c, align, 0);
      ck_assert_zeroed(c, 0, n);
      ck_assert_filled(p, n, (unsigned)shift);
      mi_free(p);
      mi_free(z);
      mi_free(c);
    }
  }
}
END_TEST

START_TEST(malloc_aligned_at_offsets) {
  static const size_t offsets[] = {0, 1, 8, 16, 24, 100};
  static const size_t sizes[] = {128, 5000};
  for (size_t shift = 0; shift <= MAX_ALIGN_SHIFT; shift++) {
    size_t align = (size_t)1 << shift;
    for (size_t o = 0; o < sizeof offsets / sizeof offsets[0]; o++) {
      size_t off = offsets[o];
      for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        unsigned char *p = mi_malloc_aligned_at(n, align, off);
        ck_assert_msg(p != NULL, "mi_malloc_aligned_at(%zu, %zu, %zu) failed", n, align, off);
        ck_assert_aligned(p, align, off);
        ck_assert_uint_ge(mi_usable_size(p), n);
        fill(p, n, 1);
        unsigned char *z = mi_zalloc_aligned_at(n, align, off);
        ck_assert_msg(z != NULL, "mi_zalloc_aligned_at(%zu, %zu, %zu) failed", n, align, off);
        ck_assert_aligned(z, align, off);
        ck_assert_zeroed(z, 0, n);
        unsigned char *c = mi_calloc_aligned_at(n / 8, 8, align, off);
        ck_assert_msg(c != NULL, "mi_calloc_aligned_at(%zu, 8, %zu, %zu) failed", n / 8, align, off);
        ck_assert_aligned(c, align, off);
        ck_assert_zeroed(c, 0, n / 8 * 8);
        ck_assert_filled(p, n, 1);
        mi_free(p);
        mi_free(z);
        mi_free(c);
      }
    }
  }
}
END_TEST

START_TEST(realloc_aligned_keeps_alignment) {
  static const size_t walk[] = {10, 100, 5000, 300 * KiB, 3 * MiB, 1000, 20};
  for (size_t shift = 3; shift <= MAX_ALIGN_SHIFT; shift += 3) {
    size_t align = (size_t)1 << shift;
    unsigned char *p = mi_malloc_aligned(walk[0], align);
    ck_assert_ptr_nonnull(p);
    fill(p, walk[0], 0);
    for (size_t i = 1; i < sizeof walk / sizeof walk[0]; i++) {
      p = mi_realloc_aligned(p, walk[i], align);
      ck_assert_msg(p != NULL, "mi_realloc_aligned(%zu, %zu) failed", walk[i], align);
      ck_assert_aligned(p, align, 0);
      ck_assert_filled(p, min_size(walk[i - 1], walk[i]), (unsigned)(i - 1));
      fill(p, walk[i], (unsigned)i);
    }
    mi_free(p);

    size_t off = 16;
    p = mi_malloc_aligned_at(walk[0], align, off);
    ck_assert_ptr_nonnull(p);
    fill(p, walk[0], 0);
    for (size_t i = 1; i < sizeof walk / sizeof walk[0]; i++) {
      p = mi_realloc_aligned_at(p, walk[i], align, off);
      ck_assert_msg(p != NULL, "mi_realloc_aligned_at(%zu, %zu, %zu) failed", walk[i], align, off);
      ck_assert_aligned(p, align, off);
      ck_assert_filled(p, min_size(walk[i - 1], walk[i]), (unsigned)(i - 1));
      fill(p, walk[i], (unsigned)i);
    }
    mi_free(p);
  }
  /* NULL acts as malloc_aligned */
  void *p = mi_realloc_aligned(NULL, 100, 256);
  ck_assert_ptr_nonnull(p);
  ck_assert_aligned(p, 256, 0);
  mi_free(p);
}
END_TEST

START_TEST(malloc_aligned_bad_alignment) {
  static const size_t bad[] = {0, 3, 24, 48, 100, 4097};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_ptr_null(mi_malloc_aligned(100, bad[i]));
    ck_assert_ptr_null(mi_zalloc_aligned(100, bad[i]));
    ck_assert_ptr_null(mi_malloc_aligned_at(100, bad[i], 8));
  }
  errno = 0;
  ck_assert_ptr_null(mi_malloc_aligned(TOO_LARGE, 64));
  ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

START_TEST(posix_memalign_valid) {
  for (size_t align = sizeof(void *); align <= ((size_t)1 << MAX_ALIGN_SHIFT); align *= 2) {
    static const size_t sizes[] = {0, 1, 100, 5000, 300 * KiB};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
      void *p = NULL;
      int rc = mi_posix_memalign(&p, align, sizes[i]);
      ck_assert_msg(rc == 0, "mi_posix_memalign(%zu, %zu) = %d", align, sizes[i], rc);
      if (sizes[i] > 0)
        ck_assert_ptr_nonnull(p);
      ck_assert_aligned(p, align, 0);
      if (p != NULL)
        ck_assert_uint_ge(mi_usable_size(p), sizes[i]);
      mi_free(p);
    }
  }
}
END_TEST

START_TEST(posix_memalign_einval) {
  /* not a power of two, or not a multiple of sizeof(void *) */
  size_t bad[] = {0, 3, 24, 48, 1, 2, sizeof(void *) / 2, sizeof(void *) + 1, 3 * sizeof(void *)};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    void *p = NULL;
    int rc = mi_posix_memalign(&p, bad[i], 100);
    ck_assert_msg(rc == EINVAL, "mi_posix_memalign(alignment %zu) = %d, expected EINVAL", bad[i],
                  rc);
  }
  void *p = NULL;
  errno = 0;
  int rc = mi_posix_memalign(&p, 64, TOO_LARGE);
  ck_assert_int_eq(rc, ENOMEM);
}
END_TEST

START_TEST(memalign_aligned_alloc) {
  for (size_t shift = 0; shift <= MAX_ALIGN_SHIFT; shift++) {
    size_t align = (size_t)1 << shift;
    unsigned char *p = mi_memalign(align, 1000);
    ck_assert_msg(p != NULL, "mi_memalign(%zu) failed", align);
    ck_assert_aligned(p, align, 0);
    fill(p, 1000, 1);
    unsigned char *q = mi_aligned_alloc(align, align * 4);
    ck_assert_msg(q != NULL, "mi_aligned_alloc(%zu) failed", align);
    ck_assert_aligned(q, align, 0);
    fill(q, align * 4, 2);
    /* size need not be a multiple of the alignment (C17 DR 460, glibc) */
    unsigned char *r = mi_aligned_alloc(align, 1000);
    ck_assert_msg(r != NULL, "mi_aligned_alloc(%zu, 1000) failed", align);
    ck_assert_aligned(r, align, 0);
    ck_assert_filled(p, 1000, 1);
    ck_assert_filled(q, align * 4, 2);
    mi_free(p);
    mi_free(q);
    mi_free(r);
  }
}
END_TEST

START_TEST(aligned_alloc_einval) {
  static const size_t bad[] = {0, 3, 24, 48, 100, 4097};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    errno = 0;
    void *p = mi_aligned_alloc(bad[i], 96);
    ck_assert_msg(p == NULL, "mi_aligned_alloc(%zu, 96) succeeded", bad[i]);
    ck_assert_msg(errno == EINVAL, "mi_aligned_alloc(%zu, 96): errno %d, expected EINVAL",
                  bad[i], errno);
  }
  errno = 0;
  ck_assert_ptr_null(mi_aligned_alloc(64, TOO_LARGE));
  ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

START_TEST(valloc_pvalloc) {
  size_t ps = page_size();
  static const size_t sizes[] = {1, 100, 4096, 5000, 300 * KiB};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i];
    unsigned char *p = mi_valloc(n);
    ck_assert_msg(p != NULL, "mi_valloc(%zu) failed", n);
    ck_assert_aligned(p, ps, 0);
    ck_assert_uint_ge(mi_usable_size(p), n);
    fill(p, n, 1);
    ck_assert_filled(p, n, 1);
    mi_free(p);

    size_t rounded = (n + ps - 1) / ps * ps;
    p = mi_pvalloc(n);
    ck_assert_msg(p != NULL, "mi_pvalloc(%zu) failed", n);
    ck_assert_aligned(p, ps, 0);
    ck_assert_msg(mi_usable_size(p) >= rounded, "mi_pvalloc(%zu): usable %zu < %zu", n,
                  mi_usable_size(p), rounded);
    fill(p, rounded, 2); /* the whole rounded size may be used */
    ck_assert_filled(p, rounded, 2);
    mi_free(p);
  }
  errno = 0;
  ck_assert_ptr_null(mi_pvalloc(HUGE_MAX - 10)); /* rounding up would overflow */
  ck_assert_int_eq(errno, ENOMEM);
  errno = 0;
  ck_assert_ptr_null(mi_valloc(TOO_LARGE));
  ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

/* ---- heaps -------------------------------------------------------------- */

START_TEST(heap_alloc_functions) {
  mi_heap_t *heap = mi_heap_new();
  ck_assert_ptr_nonnull(heap);
  void *ps[32];
  size_t n = 0;
  unsigned char *p;

  p = ps[n++] = mi_heap_malloc(heap, 100);
  ck_assert_ptr_nonnull(p);
  p = ps[n++] = mi_heap_zalloc(heap, 300 * KiB);
  ck_assert_ptr_nonnull(p);
  ck_assert_zeroed(p, 0, 300 * KiB);
  p = ps[n++] = mi_heap_calloc(heap, 100, 100);
  ck_assert_ptr_nonnull(p);
  ck_assert_zeroed(p, 0, 10000);
  p = ps[n++] = mi_heap_mallocn(heap, 10, 1000);
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_ge(mi_usable_size(p), 10000);
  p = ps[n++] = mi_heap_malloc_small(heap, 64);
  ck_assert_ptr_nonnull(p);
  p = ps[n++] = (unsigned char *)mi_heap_strdup(heap, "heap string");
  ck_assert_ptr_nonnull(p);
  ck_assert_str_eq((char *)p, "heap string");
  p = ps[n++] = (unsigned char *)mi_heap_strndup(heap, "heap string", 4);
  ck_assert_ptr_nonnull(p);
  ck_assert_str_eq((char *)p, "heap");
  p = ps[n++] = (unsigned char *)mi_heap_realpath(heap, "/", NULL);
  ck_assert_ptr_nonnull(p);
  ck_assert_str_eq((char *)p, "/");
  p = ps[n++] = mi_heap_malloc_aligned(heap, 100, 256);
  ck_assert_ptr_nonnull(p);
  ck_assert_aligned(p, 256, 0);
  p = ps[n++] = mi_heap_malloc_aligned_at(heap, 100, 256, 16);
  ck_assert_ptr_nonnull(p);
  ck_assert_aligned(p, 256, 16);
  p = ps[n++] = mi_heap_zalloc_aligned(heap, 5000, 4096);
  ck_assert_ptr_nonnull(p);
  ck_assert_aligned(p, 4096, 0);
  ck_assert_zeroed(p, 0, 5000);
  p = ps[n++] = mi_heap_calloc_aligned(heap, 50, 20, 128);
  ck_assert_ptr_nonnull(p);
  ck_assert_aligned(p, 128, 0);
  ck_assert_zeroed(p, 0, 1000);

  p = mi_heap_malloc(heap, 50);
  ck_assert_ptr_nonnull(p);
  fill(p, 50, 1);
  p = mi_heap_realloc(heap, p, 20000);
  ck_assert_ptr_nonnull(p);
  ck_assert_filled(p, 50, 1);
  fill(p, 20000, 2);
  p = mi_heap_reallocn(heap, p, 100, 3 * KiB);
  ck_assert_ptr_nonnull(p);
  ck_assert_filled(p, 20000, 2);
  p = mi_heap_reallocf(heap, p, 10);
  ck_assert_ptr_nonnull(p);
  ck_assert_filled(p, 10, 2);
  p = mi_heap_realloc_aligned(heap, p, 3000, 1024);
  ck_assert_ptr_nonnull(p);
  ck_assert_aligned(p, 1024, 0);
  ck_assert_filled(p, 10, 2);
  ps[n++] = p;

  for (size_t i = 0; i < n; i++) {
    ck_assert_msg(mi_heap_contains_block(heap, ps[i]), "block %zu not in its heap", i);
    ck_assert_msg(mi_heap_check_owned(heap, ps[i]), "block %zu not owned by its heap", i);
  }
  mi_heap_collect(heap, false);
  mi_heap_collect(heap, true);
  ck_assert_uint_eq(heap_live_blocks(heap), n);
  for (size_t i = 0; i < n; i++)
    mi_free(ps[i]);
  ck_assert_uint_eq(heap_live_blocks(heap), 0);
  mi_heap_delete(heap);
}
END_TEST

START_TEST(heap_ownership) {
  mi_heap_t *h1 = mi_heap_new(), *h2 = mi_heap_new();
  ck_assert_ptr_nonnull(h1);
  ck_assert_ptr_nonnull(h2);
  ck_assert_ptr_ne(h1, h2);
  void *a = mi_heap_malloc(h1, 100);
  void *b = mi_heap_malloc(h2, 100);
  void *c = mi_malloc(100);
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  ck_assert_ptr_nonnull(c);

  ck_assert(mi_heap_contains_block(h1, a));
  ck_assert(!mi_heap_contains_block(h1, b));
  ck_assert(!mi_heap_contains_block(h2, a));
  ck_assert(mi_heap_contains_block(h2, b));
  ck_assert(!mi_heap_contains_block(h1, c));
  ck_assert(mi_heap_contains_block(mi_heap_get_default(), c));
  ck_assert(!mi_heap_contains_block(mi_heap_get_default(), a));

  ck_assert(mi_heap_check_owned(h1, a));
  ck_assert(!mi_heap_check_owned(h1, b));
  ck_assert(mi_heap_check_owned(h2, b));
  ck_assert(!mi_heap_check_owned(h2, c));

  /* mi_check_owned asks about the default heap (as in mimalloc) */
  int on_stack = 0;
  static char in_data[64];
  ck_assert(!mi_check_owned(&on_stack));
  ck_assert(!mi_check_owned(in_data));
  ck_assert(!mi_check_owned(NULL));
  ck_assert(!mi_heap_check_owned(h1, &on_stack));
  ck_assert(!mi_heap_check_owned(h1, NULL));
  ck_assert(!mi_heap_contains_block(h1, NULL));
  ck_assert(mi_check_owned(c));
  ck_assert(!mi_check_owned(a));
  ck_assert(!mi_check_owned(b));

  /* malloc's blocks are mialloc's exactly when the library overrides malloc
   * (make check says which in MIALLOC_OVERRIDE) */
  void *libc_block = malloc(64);
  ck_assert_ptr_nonnull(libc_block);
  const char *override = getenv("MIALLOC_OVERRIDE");
  if (override != NULL && strcmp(override, "1") == 0)
    ck_assert(mi_check_owned(libc_block));
  else if (override != NULL && strcmp(override, "0") == 0)
    ck_assert(!mi_check_owned(libc_block));
  free(libc_block);

  mi_free(a);
  mi_free(b);
  mi_free(c);
  mi_heap_delete(h1);
  mi_heap_delete(h2);
}
END_TEST

START_TEST(heap_delete_keeps_blocks) {
  mi_heap_t *heap = mi_heap_new();
  ck_assert_ptr_nonnull(heap);
  enum { N = 200 };
  unsigned char *ps[N];
  size_t sizes[N];
  for (size_t i = 0; i < N; i++) {
    sizes[i] = i % 50 == 0 ? 300 * KiB : i % 10 == 0 ? 10 * KiB : 1 + i * 3;
    ps[i] = mi_heap_malloc(heap, sizes[i]);
    ck_assert_ptr_nonnull(ps[i]);
    fill(ps[i], sizes[i], (unsigned)i);
  }
  mi_heap_delete(heap); /* blocks move to the backing heap */
  for (size_t i = 0; i < N; i++) {
    ck_assert_filled(ps[i], sizes[i], (unsigned)i);
    ck_assert(mi_check_owned(ps[i]));
  }
  /* they can still be reallocated and freed */
  for (size_t i = 0; i < N; i += 2) {
    ps[i] = mi_realloc(ps[i], sizes[i] + 100);
    ck_assert_ptr_nonnull(ps[i]);
    ck_assert_filled(ps[i], sizes[i], (unsigned)i);
  }
  for (size_t i = 0; i < N; i++)
    mi_free(ps[i]);
  /* and the process can go on allocating */
  void *p = mi_malloc(100);
  ck_assert_ptr_nonnull(p);
  mi_free(p);
}
END_TEST

START_TEST(heap_destroy_frees_all) {
  for (int round = 0; round < 3; round++) {
    mi_heap_t *heap = mi_heap_new();
    ck_assert_ptr_nonnull(heap);
    for (size_t i = 0; i < 1000; i++) {
      size_t n = i % 100 == 0 ? 300 * KiB : 1 + i * 7 % 2000;
      void *p = mi_heap_malloc(heap, n);
      ck_assert_ptr_nonnull(p);
      memset(p, 0x5a, n);
      if (i % 3 == 0)
        mi_free(p);
    }
    void *huge = mi_heap_malloc(heap, 20 * MiB);
    ck_assert_ptr_nonnull(huge);
    mi_heap_destroy(heap); /* frees every block at once */
  }
  void *p = mi_malloc(100);
  ck_assert_ptr_nonnull(p);
  mi_free(p);
}
END_TEST

START_TEST(heap_default_round_trip) {
  mi_heap_t *backing = mi_heap_get_backing();
  mi_heap_t *def = mi_heap_get_default();
  ck_assert_ptr_nonnull(backing);
  ck_assert_ptr_eq(def, backing); /* nothing changed the default yet */

  mi_heap_t *heap = mi_heap_new();
  ck_assert_ptr_nonnull(heap);
  ck_assert_ptr_ne(heap, backing);
  mi_heap_t *prev = mi_heap_set_default(heap);
  ck_assert_ptr_eq(prev, def);
  ck_assert_ptr_eq(mi_heap_get_default(), heap);
  ck_assert_ptr_eq(mi_heap_get_backing(), backing);

  /* plain mi_malloc now allocates in the new default heap */
  void *p = mi_malloc(100);
  ck_assert_ptr_nonnull(p);
  ck_assert(mi_heap_contains_block(heap, p));
  ck_assert(!mi_heap_contains_block(backing, p));

  prev = mi_heap_set_default(def);
  ck_assert_ptr_eq(prev, heap);
  ck_assert_ptr_eq(mi_heap_get_default(), def);
  void *q = mi_malloc(100);
  ck_assert_ptr_nonnull(q);
  ck_assert(mi_heap_contains_block(backing, q));
  ck_assert(!mi_heap_contains_block(heap, q));
  mi_free(p);
  mi_free(q);
  mi_heap_delete(heap);
  ck_assert_ptr_eq(mi_heap_get_default(), def);
}
END_TEST

/* Visiting a fresh heap reports exactly the blocks allocated in it. */
struct visit_state {
  void **ptrs;
  const size_t *sizes;
  size_t n;
  bool *seen;
  size_t blocks, areas, area_used, unknown, duplicate, too_small;
};

static bool collect_visitor(const mi_heap_t *heap, const mi_heap_area_t *area, void *block,
                            size_t block_size, void *arg) {
  struct visit_state *st = arg;
  (void)heap;
  if (block == NULL) {
    st->areas++;
    st->area_used += area->used;
    return true;
  }
  st->blocks++;
  for (size_t i = 0; i < st->n; i++) {
    if (st->ptrs[i] == block) {
      if (st->seen[i])
        st->duplicate++;
      st->seen[i] = true;
      if (block_size < st->sizes[i] || area->block_size < st->sizes[i])
        st->too_small++;
      return true;
    }
  }
  st->unknown++;
  return true;
}

static bool stop_visitor(const mi_heap_t *heap, const mi_heap_area_t *area, void *block,
                         size_t block_size, void *arg) {
  (void)heap;
  (void)area;
  (void)block_size;
  if (block != NULL)
    ++*(size_t *)arg;
  return block == NULL; /* stop at the first block */
}

START_TEST(heap_visit_counts_live_blocks) {
  enum { N = 300 };
  static void *ptrs[N];
  static size_t sizes[N];
  static bool seen[N];
  mi_heap_t *heap = mi_heap_new();
  ck_assert_ptr_nonnull(heap);

  ck_assert_uint_eq(heap_live_blocks(heap), 0);

  size_t live = 0;
  for (size_t i = 0; i < N; i++) {
    sizes[i] = i % 97 == 0 ? 300 * KiB : i % 29 == 0 ? 10 * KiB : 1 + (i * 13) % 1000;
    ptrs[i] = mi_heap_malloc(heap, sizes[i]);
    ck_assert_ptr_nonnull(ptrs[i]);
  }
  /* free a third, so live and free blocks share pages */
  for (size_t i = 0; i < N; i++) {
    if (i % 3 == 1) {
      mi_free(ptrs[i]);
      ptrs[i] = NULL;
      sizes[i] = 0;
    } else {
      live++;
    }
  }
  struct visit_state st = {.ptrs = ptrs, .sizes = sizes, .n = N, .seen = seen};
  ck_assert(mi_heap_visit_blocks(heap, true, collect_visitor, &st));
  ck_assert_uint_eq(st.unknown, 0);
  ck_assert_uint_eq(st.duplicate, 0);
  ck_assert_uint_eq(st.too_small, 0);
  ck_assert_uint_eq(st.blocks, live);
  ck_assert_uint_eq(st.area_used, live);
  ck_assert_uint_ge(st.areas, 1);
  for (size_t i = 0; i < N; i++)
    ck_assert_msg(seen[i] == (ptrs[i] != NULL), "block %zu %s", i,
                  seen[i] ? "visited after free" : "not visited");

  /* without visit_all_blocks only areas are reported */
  struct visit_state st2 = {.ptrs = ptrs, .sizes = sizes, .n = N, .seen = seen};
  ck_assert(mi_heap_visit_blocks(heap, false, collect_visitor, &st2));
  ck_assert_uint_eq(st2.blocks, 0);
  ck_assert_uint_eq(st2.area_used, live);

  /* returning false stops the walk, and the visit reports it */
  size_t visited = 0;
  ck_assert(!mi_heap_visit_blocks(heap, true, stop_visitor, &visited));
  ck_assert_uint_eq(visited, 1);

  mi_heap_destroy(heap);
}
END_TEST

/* ---- threads ------------------------------------------------------------ */

static void *thread_alloc(void *arg) {
  mi_thread_init();
  void **out = arg;
  for (int i = 0; i < 100; i++) {
    out[i] = mi_malloc((size_t)(i + 1) * 50);
    if (out[i] == NULL)
      return NULL;
    memset(out[i], i, (size_t)(i + 1) * 50);
  }
  mi_heap_t *heap = mi_heap_get_default();
  /* a thread has its own default heap */
  void *ok = mi_heap_contains_block(heap, out[0]) ? arg : NULL;
  mi_thread_done();
  return ok;
}

START_TEST(threads_free_across) {
  mi_process_init(); /* harmless when already initialized */
  void *blocks[100];
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, thread_alloc, blocks), 0);
  void *res = NULL;
  ck_assert_int_eq(pthread_join(t, &res), 0);
  ck_assert_ptr_eq(res, blocks);
  ck_assert(!mi_heap_contains_block(mi_heap_get_default(), blocks[0]));
  for (int i = 0; i < 100; i++) {
    unsigned char *b = blocks[i];
    for (size_t j = 0; j < (size_t)(i + 1) * 50; j++)
      ck_assert_msg(b[j] == (unsigned char)i, "block %d damaged at %zu", i, j);
    mi_free(b);
  }
  mi_collect(false);
  mi_collect(true);
}
END_TEST

/* ---- options ------------------------------------------------------------ */

START_TEST(options_get_set) {
  static const mi_option_t opts[] = {mi_option_max_errors, mi_option_max_warnings,
                                     mi_option_purge_delay, mi_option_verbose,
                                     mi_option_arena_purge_mult};
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
    mi_option_t o = opts[i];
    long old = mi_option_get(o);
    mi_option_set(o, 42);
    ck_assert_int_eq(mi_option_get(o), 42);
    ck_assert(mi_option_is_enabled(o));
    mi_option_set(o, 0);
    ck_assert_int_eq(mi_option_get(o), 0);
    ck_assert(!mi_option_is_enabled(o));
    mi_option_set(o, 7);
    /* a default does not override an explicitly set value */
    mi_option_set_default(o, 99);
    ck_assert_int_eq(mi_option_get(o), 7);
    mi_option_set_enabled_default(o, false);
    ck_assert_int_eq(mi_option_get(o), 7);
    mi_option_set(o, old);
    ck_assert_int_eq(mi_option_get(o), old);
  }
}
END_TEST

START_TEST(options_enable_disable) {
  mi_option_t o = mi_option_show_errors;
  long old = mi_option_get(o);
  mi_option_enable(o);
  ck_assert(mi_option_is_enabled(o));
  ck_assert_int_ne(mi_option_get(o), 0);
  mi_option_disable(o);
  ck_assert(!mi_option_is_enabled(o));
  ck_assert_int_eq(mi_option_get(o), 0);
  mi_option_set_enabled(o, true);
  ck_assert(mi_option_is_enabled(o));
  mi_option_set_enabled(o, false);
  ck_assert(!mi_option_is_enabled(o));
  mi_option_set(o, old);
}
END_TEST

START_TEST(options_clamp_size) {
  mi_option_t o = mi_option_max_warnings;
  long old = mi_option_get(o);
  mi_option_set(o, 50);
  ck_assert_int_eq(mi_option_get_clamp(o, 0, 100), 50);
  ck_assert_int_eq(mi_option_get_clamp(o, 0, 10), 10);
  ck_assert_int_eq(mi_option_get_clamp(o, 60, 100), 60);
  ck_assert_int_eq(mi_option_get_clamp(o, 50, 50), 50);
  mi_option_set(o, -5);
  ck_assert_int_eq(mi_option_get(o), -5);
  ck_assert_int_eq(mi_option_get_clamp(o, 0, 10), 0);
  mi_option_set(o, old);

  /* sizes are given in KiB */
  mi_option_t r = mi_option_reserve_os_memory;
  long rold = mi_option_get(r);
  mi_option_set(r, 3);
  ck_assert_uint_eq(mi_option_get_size(r), 3 * KiB);
  mi_option_set(r, 0);
  ck_assert_uint_eq(mi_option_get_size(r), 0);
  mi_option_set(r, rold);
}
END_TEST

/* ---- statistics and output ---------------------------------------------- */

struct capture {
  char buf[64 * 1024];
  size_t len;
  size_t calls;
};

static void capture_out(const char *msg, void *arg) {
  struct capture *c = arg;
  c->calls++;
  if (msg == NULL)
    return;
  size_t n = strlen(msg);
  if (n > sizeof c->buf - 1 - c->len)
    n = sizeof c->buf - 1 - c->len;
  memcpy(c->buf + c->len, msg, n);
  c->len += n;
  c->buf[c->len] = '\0';
}

static bool contains_nocase(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++)
    if (strncasecmp(hay, needle, n) == 0)
      return true;
  return false;
}

static struct capture global_capture;
static void capture_global(const char *msg, void *arg) {
  (void)arg;
  capture_out(msg, &global_capture);
}

START_TEST(stats_print_out_captures) {
  void *p = mi_malloc(1000), *q = mi_malloc(300 * KiB);
  ck_assert_ptr_nonnull(p);
  ck_assert_ptr_nonnull(q);
  static struct capture cap;
  mi_stats_print_out(capture_out, &cap);
  ck_assert_uint_gt(cap.calls, 0);
  ck_assert_uint_gt(cap.len, 0);
  ck_assert_msg(contains_nocase(cap.buf, "elapsed"), "no 'elapsed' in stats output:\n%s",
                cap.buf);
  mi_free(p);
  mi_free(q);

  /* mi_stats_print takes the output function as a void pointer */
  mi_output_fun *fun = capture_global;
  void *out;
  memcpy(&out, &fun, sizeof out);
  mi_stats_print(out);
  ck_assert_uint_gt(global_capture.len, 0);
  ck_assert(contains_nocase(global_capture.buf, "elapsed"));

  mi_stats_merge();
  mi_stats_reset();
  static struct capture cap2;
  mi_stats_print_out(capture_out, &cap2);
  ck_assert(contains_nocase(cap2.buf, "elapsed"));
}
END_TEST

/* mimalloc's mi_stats_get_json: into a buffer, NULL with ERANGE when it
 * does not fit, or a block of mi_malloc; and the streaming form. */
START_TEST(stats_json_get_and_print) {
  static char buf[1 << 16];
  char small[16];
  errno = 0;
  ck_assert_ptr_null(mi_stats_get_json(sizeof small, small));
  ck_assert_int_eq(errno, ERANGE);
  errno = 0;
  ck_assert_ptr_null(mi_stats_get_json(0, buf));
  ck_assert_int_eq(errno, ERANGE);
  ck_assert_ptr_eq(mi_stats_get_json(sizeof buf, buf), buf);
  ck_assert_msg(buf[0] == '{' && strstr(buf, "\"schema_version\": 1,") != NULL, "%s", buf);
  char *owned = mi_stats_get_json(0, NULL);
  ck_assert_ptr_nonnull(owned);
  ck_assert(mi_usable_size(owned) > strlen(owned));
  ck_assert_ptr_nonnull(strstr(owned, "\"size_classes\": ["));
  mi_free(owned);
  static struct capture cap;
  mi_stats_print_json(capture_out, &cap);
  ck_assert_msg(cap.buf[0] == '{' && strstr(cap.buf, "\"internals\": {") != NULL, "%s", cap.buf);
}
END_TEST

/* After mi_stats_reset the calls count from zero, while blocks allocated
 * before and still in use stay in use.  (No ck_assert until both reports
 * are taken: Check allocates as it records where a test got to.) */
START_TEST(stats_reset_counts_from_zero) {
  static char before[1 << 16], after[1 << 16];
  void *p[100];
  for (int i = 0; i < 100; i++)
    p[i] = mi_malloc(24);
  for (int i = 0; i < 50; i++)
    mi_free(p[i]);
  mi_stats_reset();
  char *b = mi_stats_get_json(sizeof before, before);
  for (int i = 50; i < 100; i++)
    mi_free(p[i]);
  char *a = mi_stats_get_json(sizeof after, after);
  ck_assert_ptr_eq(b, before);
  ck_assert_ptr_eq(a, after);
  ck_assert_msg(strstr(before, "\"calls\": {\"allocations\": 0, \"callocs\": 0, \"reallocs\": 0, \"frees\": 0,") != NULL,
                "%s", before);
  ck_assert_msg(strstr(after, "\"calls\": {\"allocations\": 0, \"callocs\": 0, \"reallocs\": 0, \"frees\": 50,") != NULL,
                "%s", after);
}
END_TEST

/* A page released with blocks that were never handed out (waiting in
 * its free list): they are no allocations. */
START_TEST(stats_released_page_counts_handed_blocks_only) {
  static char after[1 << 16];
  mi_stats_reset();
  mi_heap_t *heap = mi_heap_new();
  void *p[10];
  for (int i = 0; i < 10; i++)
    p[i] = mi_heap_malloc(heap, 24);
  for (int i = 0; i < 10; i++)
    mi_free(p[i]);
  mi_heap_collect(heap, true); /* releases the page */
  char *a = mi_stats_get_json(sizeof after, after);
  mi_heap_delete(heap);
  ck_assert_ptr_eq(a, after);
  ck_assert_msg(strstr(after, "\"calls\": {\"allocations\": 10, \"callocs\": 0, \"reallocs\": 0, \"frees\": 10,") != NULL,
                "%s", after);
}
END_TEST

/* A number of the statistics' JSON, after `key`, or -1. */
static long long stats_number(const char *key) {
  static char buf[1 << 16];
  char *json = mi_stats_get_json(sizeof buf, buf);
  const char *at = json != NULL ? strstr(json, key) : NULL;
  return at != NULL ? strtoll(at + strlen(key), NULL, 10) : -1;
}

/* The process-wide locks taken so far by the segment cache (statistics). */
static long long cache_lock_takes(void) {
  return stats_number("\"cache\": {\"taken\": ");
}

/* Mappings made, and segments moved or resized, so far (statistics). */
static long long mappings_and_moves(void) {
  return stats_number("\"os_mappings\": ") + stats_number("\"segment_moves\": ");
}

static size_t committed_now(void) {
  size_t current = 0;
  mi_process_info(NULL, NULL, NULL, NULL, NULL, &current, NULL, NULL);
  return current;
}

/* A thread that allocates and frees a huge block over and over reuses its
 * segment from its own cache, without the process-wide cache's lock. */
START_TEST(huge_block_again_takes_no_lock) {
  const size_t size = (size_t)8 << 20;
  mi_free(mi_malloc(size)); /* its segment is now the thread's */
  long long before = cache_lock_takes();
  int failed = 0;
  for (int i = 0; i < 100; i++) {
    char *p = mi_malloc(size);
    if (p == NULL) {
      failed++;
      continue;
    }
    p[0] = p[size - 1] = (char)i;
    mi_free(p);
  }
  long long after = cache_lock_takes();
  ck_assert_int_eq(failed, 0);
  ck_assert_int_ge(before, 0);
  ck_assert_msg(after - before <= 4, "the cache's lock was taken %lld times in 100 huge malloc+free", after - before);
}
END_TEST

/* A huge block that finds only a larger free segment is cut from it, and
 * the rest stays cached for the next one: no mremap that gives the rest
 * back to the OS, no new mapping that faults it in again (the pattern of
 * mimalloc-bench's malloc-large). */
START_TEST(huge_block_cut_from_a_larger_free_one) {
  char *big = mi_malloc(24 * MiB); /* a segment of 28 MiB */
  ck_assert_ptr_nonnull(big);
  memset(big, 1, 24 * MiB);
  mi_free(big);
  long long before = mappings_and_moves();
  char *a = mi_malloc(6 * MiB);  /* 8 MiB of it, cut */
  char *b = mi_malloc(14 * MiB); /* the other 20 */
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  memset(a, 2, 6 * MiB);
  memset(b, 3, 14 * MiB);
  long long after = mappings_and_moves();
  ck_assert_int_ge(before, 0);
  ck_assert_msg(after == before, "%lld mappings made or segments moved for two blocks that fit in a free one",
                after - before);
  ck_assert(a[0] == 2 && a[6 * MiB - 1] == 2 && b[0] == 3 && b[14 * MiB - 1] == 3);
  mi_free(a);
  mi_free(b);
}
END_TEST

/* Free segments kept for reuse stay in proportion to the memory in use:
 * at most half of it, or 64 MiB (and the thread's last huge one). */
START_TEST(free_segments_kept_in_proportion) {
  enum { N = 12 };
  size_t base = committed_now();
  void *p[N];
  for (int i = 0; i < N; i++) {
    p[i] = mi_malloc(12 * MiB); /* a segment of 16 MiB each: 192 MiB */
    ck_assert_ptr_nonnull(p[i]);
  }
  for (int i = 0; i < N; i++)
    mi_free(p[i]);
  size_t now = committed_now(), kept = now > base ? now - base : 0;
  ck_assert_msg(kept <= 84 * MiB, "%zu MiB of free segments kept with nothing in use (at most 64 + 16 + 4)",
                kept / MiB);
}
END_TEST

/* A page for a new size class is taken where the memory is still resident
 * (a page freed but not purged yet), before a purged one of the same
 * segment, which would be faulted in afresh: committed memory stays. */
START_TEST(new_page_taken_where_memory_is_resident) {
  enum { N = 840, SIZE = 3000 }; /* about 40 pages of 64 KiB */
  static void *p[N];
  long delay = mi_option_get(mi_option_purge_delay);
  mi_option_set(mi_option_purge_delay, 10);
  for (int i = 0; i < N; i++) {
    p[i] = mi_malloc(SIZE);
    ck_assert_ptr_nonnull(p[i]);
    memset(p[i], 1, SIZE);
  }
  /* the blocks of the lower half of the pages are freed and purged ... */
  uintptr_t first = (uintptr_t)p[0] >> 16, last = (uintptr_t)p[N - 1] >> 16, middle = first + (last - first) / 2;
  for (int i = 0; i < N; i++)
    if (((uintptr_t)p[i] >> 16) <= middle) {
      mi_free(p[i]);
      p[i] = NULL;
    }
  struct timespec pause = {0, 50 * 1000 * 1000};
  nanosleep(&pause, NULL);
  mi_collect(false);
  /* ... those of the upper half freed only now: resident, their purge pending */
  for (int i = 0; i < N; i++)
    mi_free(p[i]);
  size_t before = committed_now();
  for (int i = 0; i < 200; i++) { /* 5000-byte blocks: about 16 pages */
    p[i] = mi_malloc(5000);
    ck_assert_ptr_nonnull(p[i]);
    memset(p[i], 2, 5000);
  }
  size_t after = committed_now();
  for (int i = 0; i < 200; i++)
    mi_free(p[i]);
  mi_option_set(mi_option_purge_delay, delay);
  ck_assert_msg(after <= before, "%zu KiB committed afresh for pages where resident ones were free",
                (after - before) / KiB);
}
END_TEST

START_TEST(register_output_default) {
  /* with no explicit output function, statistics go to the registered one */
  static struct capture cap;
  mi_register_output(capture_out, &cap);
  mi_stats_print_out(NULL, NULL);
  mi_register_output(NULL, NULL);
  ck_assert_uint_gt(cap.len, 0);
  ck_assert_msg(contains_nocase(cap.buf, "elapsed"), "no 'elapsed' in output:\n%s", cap.buf);
}
END_TEST

START_TEST(process_info_nonzero) {
  struct timespec ts = {0, 30 * 1000 * 1000};
  nanosleep(&ts, NULL);
  void *p = mi_malloc(4 * MiB);
  ck_assert_ptr_nonnull(p);
  memset(p, 1, 4 * MiB);
  size_t elapsed = 0, user = 0, sys = 0, rss = 0, peak_rss = 0, commit = 0, peak_commit = 0,
         faults = 0;
  mi_process_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
  ck_assert_uint_gt(elapsed, 0);
  ck_assert_uint_gt(rss, 0);
  ck_assert_uint_gt(peak_rss, 0);
  /* every out-parameter may be NULL */
  mi_process_info(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  size_t elapsed2 = 0;
  mi_process_info(&elapsed2, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  ck_assert_uint_ge(elapsed2, elapsed);
  mi_free(p);
}
END_TEST

START_TEST(version_matches_header) {
  ck_assert_int_eq(mi_version(), MIALLOC_VERSION);
}
END_TEST

/* ---- errors ------------------------------------------------------------- */

struct error_log {
  int count;
  int last;
};

static void record_error(int err, void *arg) {
  struct error_log *log = arg;
  log->count++;
  log->last = err;
}

static _Alignas(64) unsigned char static_area[4096];

START_TEST(free_foreign_pointer_reports_einval) {
  static struct error_log log;
  mi_option_disable(mi_option_show_errors);
  mi_register_error(record_error, &log);

  /* a static array */
  mi_free(static_area + 64);
  ck_assert_int_ge(log.count, 1);
  ck_assert_int_eq(log.last, EINVAL);

  /* a stack address */
  int count = log.count;
  unsigned char local[64];
  mi_free(local + 16);
  ck_assert_int_gt(log.count, count);
  ck_assert_int_eq(log.last, EINVAL);

  /* memory from a separate mapping, both at its start and inside */
  size_t len = 8 * MiB;
  unsigned char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ck_assert_ptr_ne(map, MAP_FAILED);
  memset(map, 0xee, len); /* looks like garbage to any header check */
  count = log.count;
  mi_free(map + 4096);
  ck_assert_int_gt(log.count, count);
  ck_assert_int_eq(log.last, EINVAL);
  count = log.count;
  mi_free(map + 4 * MiB);
  ck_assert_int_gt(log.count, count);
  ck_assert_int_eq(log.last, EINVAL);
  munmap(map, len);

  /* nothing was damaged: allocation still works */
  for (int i = 0; i < 100; i++) {
    void *p = mi_malloc((size_t)i * 100 + 1);
    ck_assert_ptr_nonnull(p);
    mi_free(p);
  }
  mi_register_error(NULL, NULL);
}
END_TEST

/* ---- deferred free ------------------------------------------------------ */

static int deferred_calls;
static void deferred(bool force, unsigned long long heartbeat, void *arg) {
  (void)force;
  (void)heartbeat;
  (void)arg;
  deferred_calls++;
}

START_TEST(register_deferred_free_called) {
  mi_register_deferred_free(deferred, NULL);
  for (int i = 0; i < 100000; i++) {
    void *p = mi_malloc((size_t)(i % 2000) + 1);
    ck_assert_ptr_nonnull(p);
    mi_free(p);
  }
  mi_collect(true);
  mi_register_deferred_free(NULL, NULL);
  ck_assert_int_gt(deferred_calls, 0);
}
END_TEST

/* ---- suite -------------------------------------------------------------- */

/* One Check test case per test, so a crash or timeout names the test. */
#define ADD(s, name, fn)                                                                     \
  do {                                                                                       \
    TCase *tc_ = tcase_create(name);                                                         \
    tcase_set_timeout(tc_, 300);                                                             \
    tcase_add_test(tc_, fn);                                                                 \
    suite_add_tcase((s), tc_);                                                               \
  } while (0)

static Suite *malloc_suite(void) {
  Suite *s = suite_create("malloc family");
  ADD(s, "malloc of sizes 0 .. 20 MiB", malloc_sizes);
  ADD(s, "malloc(0) is unique and freeable", malloc_zero_is_unique);
  ADD(s, "many live blocks do not overlap", malloc_many_distinct);
  ADD(s, "free(NULL) and the sized/aligned free variants", free_null_and_variants);
  ADD(s, "huge requests fail with ENOMEM", malloc_too_large);
  ADD(s, "malloc_small and zalloc_small", malloc_small_variants);
  ADD(s, "calloc and zalloc zero memory", calloc_zeroes);
  ADD(s, "mallocn", mallocn_sizes);
  ADD(s, "count*size overflow gives NULL and ENOMEM", overflow_is_enomem);
  ADD(s, "realloc preserves contents growing and shrinking", realloc_preserves);
  ADD(s, "reallocn, reallocarray and reallocf preserve contents", realloc_variants_preserve);
  ADD(s, "realloc to size 0", realloc_to_zero);
  ADD(s, "failed realloc keeps the block", realloc_too_large_keeps_block);
  ADD(s, "reallocf frees the block on failure", reallocf_frees_on_failure);
  ADD(s, "rezalloc zeroes the new part", rezalloc_zeroes_new_part);
  ADD(s, "recalloc zeroes the new part", recalloc_zeroes_new_part);
  ADD(s, "good_size equals usable_size of malloc", good_size_matches_usable);
  ADD(s, "expand works in place only", expand_in_place);
  ADD(s, "strdup and strndup", strdup_strndup);
  ADD(s, "realpath allocates with mialloc", realpath_allocates);
  return s;
}

static Suite *aligned_suite(void) {
  Suite *s = suite_create("aligned allocation");
  ADD(s, "malloc/zalloc/calloc_aligned, alignments 1 .. 4 MiB", malloc_aligned_all);
  ADD(s, "*_aligned_at honour the offset", malloc_aligned_at_offsets);
  ADD(s, "realloc_aligned(_at) keep alignment and contents", realloc_aligned_keeps_alignment);
  ADD(s, "non-power-of-two alignments fail", malloc_aligned_bad_alignment);
  ADD(s, "posix_memalign with valid alignments", posix_memalign_valid);
  ADD(s, "posix_memalign returns EINVAL for bad alignments", posix_memalign_einval);
  ADD(s, "memalign and aligned_alloc", memalign_aligned_alloc);
  ADD(s, "aligned_alloc with bad alignment gives NULL and EINVAL", aligned_alloc_einval);
  ADD(s, "valloc is page aligned, pvalloc rounds to pages", valloc_pvalloc);
  return s;
}

static Suite *heap_suite(void) {
  Suite *s = suite_create("heaps");
  ADD(s, "every heap allocation function", heap_alloc_functions);
  ADD(s, "contains_block, check_owned and check_owned on foreign memory", heap_ownership);
  ADD(s, "heap_delete keeps blocks valid and freeable", heap_delete_keeps_blocks);
  ADD(s, "heap_destroy frees all blocks", heap_destroy_frees_all);
  ADD(s, "set_default, get_default and get_backing round trip", heap_default_round_trip);
  ADD(s, "visit_blocks reports exactly the live blocks", heap_visit_counts_live_blocks);
  ADD(s, "blocks allocated by a finished thread are freed by another", threads_free_across);
  return s;
}

static Suite *runtime_suite(void) {
  Suite *s = suite_create("options, statistics and errors");
  ADD(s, "option get and set", options_get_set);
  ADD(s, "option enable and disable", options_enable_disable);
  ADD(s, "option get_clamp and get_size", options_clamp_size);
  ADD(s, "stats_print_out and stats_print capture output", stats_print_out_captures);
  ADD(s, "mi_stats_get_json and mi_stats_print_json", stats_json_get_and_print);
  ADD(s, "mi_stats_reset: calls count from zero", stats_reset_counts_from_zero);
  ADD(s, "mi_stats: a released page's waiting blocks are no allocations", stats_released_page_counts_handed_blocks_only);
  ADD(s, "a huge block allocated and freed again takes no process-wide lock", huge_block_again_takes_no_lock);
  ADD(s, "a huge block is cut from a larger free segment, the rest kept", huge_block_cut_from_a_larger_free_one);
  ADD(s, "free segments are kept in proportion to the memory in use", free_segments_kept_in_proportion);
  ADD(s, "a new page is taken where the memory is resident", new_page_taken_where_memory_is_resident);
  ADD(s, "register_output receives default output", register_output_default);
  ADD(s, "process_info reports elapsed time and rss", process_info_nonzero);
  ADD(s, "mi_version equals MIALLOC_VERSION", version_matches_header);
  ADD(s, "freeing a foreign pointer reports EINVAL", free_foreign_pointer_reports_einval);
  ADD(s, "deferred free callback is called", register_deferred_free_called);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(malloc_suite());
  srunner_add_suite(sr, aligned_suite());
  srunner_add_suite(sr, heap_suite());
  srunner_add_suite(sr, runtime_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
