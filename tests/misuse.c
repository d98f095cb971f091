/* misuse.c - Check suite: heap misuse is caught and reported, and the heap
 * stays sound afterwards: double frees (by the owner, at once or later, of
 * a block in either free list, by another thread, by both), pointers into
 * a block, blocks written after they were freed (MIALLOC_SECURE).  Every test then hands
 * out thousands of blocks and checks that none is handed out twice or
 * overlaps one still in use.  Links only the public library. */
#include "config.h"

#include <mialloc.h>

#include <check.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n)) /* the seeded bug is ours to make */
#else
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct error_log {
  int count;
  int last;
};

static struct error_log log_;

static void record_error(int err, void *arg) {
  struct error_log *log = arg;
  __atomic_add_fetch(&log->count, 1, __ATOMIC_RELAXED);
  __atomic_store_n(&log->last, err, __ATOMIC_RELAXED);
}

static void setup(void) {
  memset(&log_, 0, sizeof log_);
  mi_option_disable(mi_option_show_errors);
  mi_register_error(record_error, &log_);
}

static void teardown(void) {
  mi_register_error(NULL, NULL);
}

/* A block as programs use it: written all over. */
static void *used(void *p, size_t n) {
  if (p != NULL)
    memset(p, 0x5a, n);
  return p;
}

static int cmp_ptr(const void *a, const void *b) {
  uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
  return x < y ? -1 : x > y;
}

/* n blocks of `size` from heap (NULL: the default one), all distinct,
 * none overlapping [avoid, avoid + avoid_size); all freed again. */
static void check_sound(mi_heap_t *heap, size_t size, size_t n, const void *avoid, size_t avoid_size) {
  uintptr_t *p = malloc(n * sizeof *p);
  ck_assert_ptr_nonnull(p);
  for (size_t i = 0; i < n; i++) {
    p[i] = (uintptr_t)used(heap != NULL ? mi_heap_malloc(heap, size) : mi_malloc(size), size);
    ck_assert(p[i] != 0);
    if (avoid != NULL)
      ck_assert_msg(p[i] + size <= (uintptr_t)avoid || p[i] >= (uintptr_t)avoid + avoid_size,
                    "block %p overlaps the live block %p", (void *)p[i], avoid);
  }
  qsort(p, n, sizeof *p, cmp_ptr);
  for (size_t i = 1; i < n; i++)
    ck_assert_msg(p[i - 1] + size <= p[i], "blocks %p and %p overlap (handed out twice)", (void *)p[i - 1],
                  (void *)p[i]);
  for (size_t i = 0; i < n; i++)
    mi_free((void *)p[i]);
  free(p);
}

static void expect_error(int count, int err) {
  ck_assert_msg(log_.count == count, "%d errors reported, %d expected", log_.count, count);
  ck_assert_int_eq(log_.last, err);
}

/* free(p) twice in a row: caught at once, by the fast path's key test. */
START_TEST(double_free_at_once) {
  void *keep = used(mi_malloc(32), 32);
  void *p = used(mi_malloc(32), 32);
  mi_free(p);
  mi_free(p);
  expect_error(1, EAGAIN);
  void *a = mi_malloc(32), *b = mi_malloc(32);
  ck_assert_ptr_ne(a, b);
  mi_free(a);
  mi_free(b);
  check_sound(NULL, 32, 3000, keep, 32);
  mi_free(keep);
  expect_error(1, EAGAIN);
}
END_TEST

/* A block deep in the local list (other blocks freed after it), freed
 * again: found when the owner next collects the page. */
START_TEST(double_free_later) {
  mi_heap_t *heap = mi_heap_new();
  enum { N = 300 };
  void *b[N];
  for (size_t i = 0; i < N; i++)
    b[i] = used(mi_heap_malloc(heap, 48), 48);
  for (size_t i = 0; i < N; i++)
    mi_free(b[i]);
  mi_free(b[100]);
  mi_heap_collect(heap, false);
  expect_error(1, EAGAIN);
  check_sound(heap, 48, 2 * N, NULL, 0);
  mi_heap_delete(heap);
}
END_TEST

enum { FREED = 300 };

/* Frees FREED blocks of `size` and allocates until one of them comes back
 * (the local list was taken over by the list malloc takes from); returns a
 * freed block not handed out again, still in that list.  The blocks
 * allocated meanwhile are again[0 .. *n). */
static void *block_in_free_list(mi_heap_t *heap, size_t size, void **again, size_t *n) {
  void *b[FREED];
  for (size_t i = 0; i < FREED; i++)
    b[i] = used(mi_heap_malloc(heap, size), size);
  for (size_t i = 0; i < FREED; i++)
    mi_free(b[i]);
  bool back = false;
  for (*n = 0; !back && *n < 2 * FREED; (*n)++) {
    again[*n] = used(mi_heap_malloc(heap, size), size);
    for (size_t i = 0; i < FREED && !back; i++)
      back = again[*n] == b[i];
  }
  ck_assert(back);
  for (size_t i = 0; i < FREED; i++) {
    bool out = false;
    for (size_t j = 0; j < *n; j++)
      out |= again[j] == b[i];
    if (!out)
      return b[i];
  }
  ck_abort_msg("every freed block was handed out again");
  return NULL;
}

/* A freed block that sits in the list malloc takes from (the local list
 * was taken over), freed again. */
START_TEST(double_free_in_free_list) {
  mi_heap_t *heap = mi_heap_new();
  void *again[2 * FREED];
  size_t n;
  void *victim = block_in_free_list(heap, 48, again, &n);
  mi_free(victim);
  mi_heap_collect(heap, false);
  expect_error(1, EAGAIN);
  for (size_t j = 0; j < n; j++)
    mi_free(again[j]);
  check_sound(heap, 48, 2 * FREED, NULL, 0);
  mi_heap_delete(heap);
}
END_TEST

static void *free_twice(void *p) {
  mi_free(p);
  mi_free(p);
  return NULL;
}

static void *free_once(void *p) {
  mi_free(p);
  return NULL;
}

/* Another thread frees a block twice: it still holds the first free back
 * (batched), and sees the second. */
START_TEST(double_free_by_other_thread) {
  void *keep = used(mi_malloc(64), 64);
  void *p = used(mi_malloc(64), 64);
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, free_twice, p), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  expect_error(1, EAGAIN);
  mi_collect(false);
  check_sound(NULL, 64, 3000, keep, 64);
  mi_free(keep);
  expect_error(1, EAGAIN);
}
END_TEST

/* The owner frees a block, then another thread frees it: the owner finds
 * it in its list when it collects. */
START_TEST(double_free_owner_then_other) {
  void *keep = used(mi_malloc(64), 64);
  void *p = used(mi_malloc(64), 64);
  mi_free(p);
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, free_once, p), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  mi_collect(false);
  expect_error(1, EAGAIN);
  check_sound(NULL, 64, 3000, keep, 64);
  mi_free(keep);
}
END_TEST

/* Two other threads free the same block, one after the other. */
START_TEST(double_free_by_two_others) {
  void *keep = used(mi_malloc(64), 64);
  void *p = used(mi_malloc(64), 64);
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, free_once, p), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0); /* its exit pushes what it held back */
  ck_assert_int_eq(pthread_create(&t, NULL, free_once, p), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  mi_collect(false);
  expect_error(1, EAGAIN);
  check_sound(NULL, 64, 3000, keep, 64);
  mi_free(keep);
}
END_TEST

/* Thread B frees a block and keeps holding that free back (a batch not
 * yet pushed) while thread C frees it again: the owner cannot find it in
 * its lists yet, and must neither free it (B's batch will bring it back)
 * nor lose it: it is reported once B has pushed. */
static pthread_barrier_t holding, release_holder;

static void *free_and_hold(void *p) {
  mi_free(p); /* held back: the thread neither allocates nor collects */
  pthread_barrier_wait(&holding);
  pthread_barrier_wait(&release_holder);
  return NULL; /* its exit pushes the batch */
}

START_TEST(double_free_while_held_back) {
  void *keep = used(mi_malloc(64), 64);
  void *p = used(mi_malloc(64), 64);
  ck_assert_int_eq(pthread_barrier_init(&holding, NULL, 2), 0);
  ck_assert_int_eq(pthread_barrier_init(&release_holder, NULL, 2), 0);
  pthread_t b, c;
  ck_assert_int_eq(pthread_create(&b, NULL, free_and_hold, p), 0);
  pthread_barrier_wait(&holding);
  ck_assert_int_eq(pthread_create(&c, NULL, free_once, p), 0);
  ck_assert_int_eq(pthread_join(c, NULL), 0);
  mi_collect(false); /* B still holds p back */
  void *early[64];
  for (size_t i = 0; i < 64; i++)
    ck_assert_ptr_ne(early[i] = used(mi_malloc(64), 64), p);
  pthread_barrier_wait(&release_holder);
  ck_assert_int_eq(pthread_join(b, NULL), 0);
  mi_collect(false);
  expect_error(1, EAGAIN);
  check_sound(NULL, 64, 3000, keep, 64);
  for (size_t i = 0; i < 64; i++)
    mi_free(early[i]);
  mi_free(keep);
  pthread_barrier_destroy(&holding);
  pthread_barrier_destroy(&release_holder);
  expect_error(1, EAGAIN);
}
END_TEST

/* free(p + 16): on the fast path the pointer is pushed unlooked-at; with
 * MIALLOC_SECURE it is caught before malloc could hand it out, and the
 * block itself stays live. */
START_TEST(interior_free_by_owner) {
  mi_option_set(mi_option_secure, 1);
  mi_heap_t *heap = mi_heap_new();
  unsigned char *p = used(mi_heap_malloc(heap, 64), 64);
  mi_free(p + 16);
  check_sound(heap, 64, 3000, p, 64);
  expect_error(1, EINVAL);
  mi_free(p);
  mi_heap_delete(heap);
}
END_TEST

static void *free_inside(void *p) {
  mi_free((unsigned char *)p + 16);
  return NULL;
}

START_TEST(interior_free_by_other_thread) {
  unsigned char *p = used(mi_malloc(64), 64);
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, free_inside, p), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  expect_error(1, EINVAL);
  check_sound(NULL, 64, 3000, p, 64);
  mi_free(p);
}
END_TEST

/* A freed block written to (use after free): with MIALLOC_SECURE, the
 * damaged list is not followed. */
START_TEST(write_after_free) {
  mi_option_set(mi_option_secure, 1);
  mi_heap_t *heap = mi_heap_new();
  unsigned char *p = used(mi_heap_malloc(heap, 64), 64);
  void *q = used(mi_heap_malloc(heap, 64), 64);
  mi_free(p);
  mi_free(q);
  UNPOISON(p, 16);
  memset(p, 0x41, 16); /* over the block's key and link */
  check_sound(heap, 64, 3000, NULL, 0);
  expect_error(1, EFAULT);
  mi_heap_delete(heap);
}
END_TEST

#if MI_SECURE
/* --enable-secure: a link overwritten in a block of the list malloc takes
 * from (past the checks of MIALLOC_SECURE) decodes to an address outside
 * the segment, and is reported rather than followed. */
START_TEST(overwritten_link_not_followed) {
  mi_heap_t *heap = mi_heap_new();
  void *again[2 * FREED];
  size_t n;
  void *victim = block_in_free_list(heap, 64, again, &n);
  UNPOISON(victim, 16);
  ((volatile uintptr_t *)victim)[1] = (uintptr_t)0x4141414141414141u; /* its link, key left alone */
  check_sound(heap, 64, 2 * FREED, NULL, 0);
  expect_error(1, EFAULT);
  for (size_t j = 0; j < n; j++)
    mi_free(again[j]);
  mi_heap_delete(heap);
}
END_TEST
#endif

/* A block freed before it was ever written carries its page's key like a
 * free one: it is a valid free, not an error, and is reused. */
START_TEST(unwritten_blocks_free_normally) {
  mi_heap_t *heap = mi_heap_new();
  enum { N = 2000 };
  for (int round = 0; round < 3; round++) {
    void *b[N];
    for (size_t i = 0; i < N; i++)
      ck_assert_ptr_nonnull(b[i] = mi_heap_malloc(heap, 32));
    for (size_t i = 0; i < N; i++)
      mi_free(b[i]);
  }
  ck_assert_int_eq(log_.count, 0);
  check_sound(heap, 32, 2 * N, NULL, 0);
  ck_assert_int_eq(log_.count, 0);
  mi_heap_delete(heap);
}
END_TEST

#define ADD(s, name, fn)                                                                     \
  do {                                                                                       \
    TCase *tc_ = tcase_create(name);                                                         \
    tcase_add_checked_fixture(tc_, setup, teardown);                                         \
    tcase_set_timeout(tc_, 60);                                                              \
    tcase_add_test(tc_, fn);                                                                 \
    suite_add_tcase((s), tc_);                                                               \
  } while (0)

int main(void) {
  Suite *s = suite_create("heap misuse");
  ADD(s, "double free at once", double_free_at_once);
  ADD(s, "double free of a block deep in the local list", double_free_later);
  ADD(s, "double free of a block in the free list", double_free_in_free_list);
  ADD(s, "double free by another thread", double_free_by_other_thread);
  ADD(s, "double free by the owner, then another thread", double_free_owner_then_other);
  ADD(s, "double free by two other threads", double_free_by_two_others);
  ADD(s, "double free by another thread while the first holds it back", double_free_while_held_back);
  ADD(s, "pointer inside a block freed by its owner", interior_free_by_owner);
  ADD(s, "pointer inside a block freed by another thread", interior_free_by_other_thread);
  ADD(s, "block written after free", write_after_free);
  ADD(s, "blocks freed unwritten are freed", unwritten_blocks_free_normally);
#if MI_SECURE
  ADD(s, "an overwritten link is not followed (--enable-secure)", overwritten_link_not_followed);
#endif
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
