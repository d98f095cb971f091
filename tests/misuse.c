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
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

static void in_thread(void *(*fn)(void *), void *arg) {
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, fn, arg), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
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

/* Another thread frees a good block of a page, then a bad pointer of the
 * same page: the second free meets the batch the first began (held back,
 * page.c), whose short path must check the pointer as fully. */
static void *free_two(void *arg) {
  void **p = arg;
  mi_free(p[0]);
  mi_free(p[1]);
  return NULL;
}

START_TEST(interior_free_while_held_back) {
  unsigned char *a = used(mi_malloc(64), 64), *b = used(mi_malloc(64), 64);
  void *ptrs[2] = {a, b + 16};
  in_thread(free_two, ptrs);
  expect_error(1, EINVAL);
  mi_collect(false);
  check_sound(NULL, 64, 3000, b, 64);
  mi_free(b);
  expect_error(1, EINVAL);
}
END_TEST

/* The same with the end of a page's blocks: 64 KiB pages of 48-byte
 * blocks leave 16 bytes after the last one, and a pointer there is a
 * multiple of 48 from the first block but no block (the default build:
 * --enable-secure puts a guard page there).  The default heap: frees into
 * the pages of other heaps are not held back. */
START_TEST(past_the_blocks_while_held_back) {
  enum { N = 3000, SIZE = 48, PAGE = 64 << 10 };
  unsigned char *b[N], *last = NULL;
  for (size_t i = 0; i < N; i++) {
    b[i] = used(mi_malloc(SIZE), SIZE);
    uintptr_t end = ((uintptr_t)b[i] + SIZE) % PAGE;
    if (last == NULL && end != 0 && end + SIZE > PAGE)
      last = b[i];
  }
  ck_assert_msg(last != NULL, "no block ends in the last %d bytes of a 64 KiB page", SIZE);
  void *ptrs[2] = {last, last + SIZE};
  in_thread(free_two, ptrs);
  expect_error(1, EINVAL);
  for (size_t i = 0; i < N; i++)
    if (b[i] != last)
      mi_free(b[i]);
  mi_collect(false);
  check_sound(NULL, SIZE, N, NULL, 0);
  expect_error(1, EINVAL);
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

/* --enable-secure: a canary after the size asked for (src/canary.h).  One
 * byte written past it is caught when the block is freed or reallocated
 * (EFAULT), and the block is left allocated: nothing handed out later
 * overlaps it. */
static void overflow_by_one(unsigned char *p, size_t size, unsigned char byte) {
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_eq(mi_usable_size(p), size); /* the size asked for, never the trailer */
  used(p, size);
  UNPOISON(p + size, 1);
  ((volatile unsigned char *)p)[size] = byte;
}

static void expect_overflow_caught(unsigned char *p, size_t size, size_t more) {
  mi_free(p);
  expect_error(1, EFAULT);
  check_sound(NULL, size, more, p, size + 1);
  expect_error(1, EFAULT);
}

static const size_t overflow_sizes[] = {
    0, 1, 8, 24 /* 24 + 8 fill a 32-byte block: the byte past it is the canary's */,
    100, 1016 /* the largest size of the fast path */, 5000, 100000, 1000000, 2u << 20 /* huge */};

START_TEST(overflow_caught_at_free) {
  size_t size = overflow_sizes[_i];
  for (int byte = 0; byte < 2; byte++) {
    log_.count = 0;
    unsigned char *p = mi_malloc(size);
    overflow_by_one(p, size, byte == 0 ? 0 : 0x5a); /* a string's NUL, or a byte like the rest */
    expect_overflow_caught(p, size, size > 100000 ? 16 : 3000);
  }
}
END_TEST

/* Blocks written up to their size are freed quietly, whatever made them. */
START_TEST(no_overflow_no_error) {
  for (size_t i = 0; i < sizeof overflow_sizes / sizeof overflow_sizes[0]; i++) {
    size_t n = overflow_sizes[i];
    mi_free(used(mi_malloc(n), n));
    mi_free(used(mi_calloc(1, n), n));
    mi_free(used(mi_malloc_aligned(n, 64), n));
    mi_free(used(mi_malloc_aligned_at(n, 256, 16), n));
    unsigned char *p = mi_zalloc(n);
    p = mi_rezalloc(p, n + 8); /* grows in place into the gap: zero there too */
    for (size_t j = 0; j < n + 8; j++)
      ck_assert_msg(p[j] == 0, "mi_rezalloc(%zu): byte %zu not zero", n + 8, j);
    mi_free(used(p, n + 8));
    p = used(mi_malloc(n + 16), n + 16);
    ck_assert_ptr_eq(mi_expand(p, n + 16), p);
    mi_free(used(p, n + 16));
  }
  ck_assert_int_eq(log_.count, 0);
}
END_TEST

/* Aligned blocks: one of a size class at the alignment, and one inside a
 * larger block (its page then takes interior pointers). */
START_TEST(overflow_of_aligned_block) {
  unsigned char *p = mi_malloc_aligned(96, 32);
  ck_assert_uint_eq((uintptr_t)p % 32, 0);
  overflow_by_one(p, 96, 0);
  expect_overflow_caught(p, 96, 3000);
  log_.count = 0;
  p = mi_malloc_aligned(200, 4096);
  ck_assert_uint_eq((uintptr_t)p % 4096, 0);
  overflow_by_one(p, 200, 0);
  expect_overflow_caught(p, 200, 3000);
}
END_TEST

/* The canary follows the block through realloc: shrunk and grown in place,
 * moved; and an overflow is caught by realloc itself, which leaves the
 * block alone (NULL). */
START_TEST(overflow_of_reallocated_block) {
  static const size_t steps[][2] = {{100, 60} /* in place, shrunk */, {90, 100} /* in place, grown */,
                                    {100, 300} /* moved */, {2u << 20, 5u << 20} /* huge, remapped */};
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    log_.count = 0;
    unsigned char *p = mi_realloc(used(mi_malloc(steps[i][0]), steps[i][0]), steps[i][1]);
    overflow_by_one(p, steps[i][1], 0);
    expect_overflow_caught(p, steps[i][1], steps[i][1] > 100000 ? 16 : 3000);
  }
  log_.count = 0;
  unsigned char *p = mi_malloc(100);
  overflow_by_one(p, 100, 0);
  errno = 0;
  ck_assert_ptr_null(mi_realloc(p, 200));
  expect_error(1, EFAULT);
  check_sound(NULL, 100, 3000, p, 101);
}
END_TEST

/* A block that another thread frees is checked too. */
START_TEST(overflow_caught_by_other_thread) {
  unsigned char *p = mi_malloc(64);
  overflow_by_one(p, 64, 0);
  in_thread(free_once, p);
  expect_error(1, EFAULT);
  mi_collect(false);
  check_sound(NULL, 64, 3000, p, 65);
}
END_TEST

/* The same while the thread holds back a batch of the block's page. */
START_TEST(overflow_caught_while_held_back) {
  unsigned char *a = used(mi_malloc(64), 64), *p = mi_malloc(64);
  overflow_by_one(p, 64, 0);
  void *ptrs[2] = {a, p};
  in_thread(free_two, ptrs);
  expect_error(1, EFAULT);
  mi_collect(false);
  check_sound(NULL, 64, 3000, p, 65);
}
END_TEST

/* --enable-secure: an inaccessible OS page after each page's blocks and
 * after each huge block.  A child writes forward from a block, byte by
 * byte: it must fault on the guard, before its writes leave the page (the
 * next page, or the next segment, is never reached). */
static volatile uintptr_t fault_lo, fault_hi;

static void on_fault(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)ctx;
  uintptr_t a = (uintptr_t)info->si_addr;
  _exit(a >= fault_lo && a < fault_hi ? 3 : 4);
}

/* How the child writing [p, p + n) ended: 3 a fault in [lo, hi), 4 a
 * fault elsewhere, 0 no fault at all. */
static int child_writes(unsigned char *p, size_t n, uintptr_t lo, uintptr_t hi) {
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    fault_lo = lo;
    fault_hi = hi;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL); /* in place of ASan's, if any */
    sigaction(SIGBUS, &sa, NULL);
    UNPOISON(p, n);
    for (size_t i = 0; i < n; i++)
      ((volatile unsigned char *)p)[i] = 0x41;
    _exit(0);
  }
  int status = 0;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_msg(WIFEXITED(status), "the child ended with status %#x", status);
  return WEXITSTATUS(status);
}

static uintptr_t align_up(uintptr_t a, uintptr_t align) {
  return (a + align - 1) & ~(align - 1);
}

static const struct {
  size_t size, page; /* a block of `size` sits in a page that ends at a multiple of `page` */
} guarded[] = {{100, 64 << 10}, {20000, 512 << 10}, {200000, 4 << 20}};

START_TEST(write_off_a_page_faults) {
  size_t size = guarded[_i].size, psize = (size_t)sysconf(_SC_PAGESIZE);
  unsigned char *p = mi_malloc(size);
  ck_assert_ptr_nonnull(p);
  uintptr_t end = align_up((uintptr_t)p + 1, guarded[_i].page); /* the page's end: its guard before it */
  int how = child_writes(p, end - (uintptr_t)p, end - psize, end - psize + 1);
  ck_assert_msg(how == 3, "%zu-byte block %p: writing up to %p %s", size, (void *)p, (void *)end,
                how == 0 ? "did not fault" : "faulted, but not at the guard page");
  check_sound(NULL, size, size > 100000 ? 100 : 3000, p, size);
  mi_free(p);
  ck_assert_int_eq(log_.count, 0);
}
END_TEST

/* The guard follows a huge block through realloc (resized in place, or
 * its segment moved). */
START_TEST(write_off_a_huge_block_faults) {
  static const size_t sizes[] = {2u << 20, 5u << 20, 9u << 20, 2u << 20}; /* not kept in place: to a new size */
  unsigned char *p = NULL;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    p = i == 0 ? mi_malloc(sizes[i]) : mi_realloc(p, sizes[i]);
    ck_assert_ptr_nonnull(p);
    /* the block ends at most 64 KiB (and the trailer) past the size asked for */
    uintptr_t lo = (uintptr_t)p + sizes[i], hi = lo + (64 << 10) + 8;
    int how = child_writes(p, hi - (uintptr_t)p + 1, lo, hi);
    ck_assert_msg(how == 3, "huge block %p of %zu bytes: %s", (void *)p, sizes[i],
                  how == 0 ? "writing past it did not fault" : "faulted, but not past its end");
  }
  check_sound(NULL, 1u << 20, 16, p, sizes[3]);
  mi_free(p);
  ck_assert_int_eq(log_.count, 0);
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

#define ADD_LOOP(s, name, fn, n)                                                             \
  do {                                                                                       \
    TCase *tc_ = tcase_create(name);                                                         \
    tcase_add_checked_fixture(tc_, setup, teardown);                                         \
    tcase_set_timeout(tc_, 60);                                                              \
    tcase_add_loop_test(tc_, fn, 0, (n));                                                    \
    suite_add_tcase((s), tc_);                                                               \
  } while (0)
#define ADD(s, name, fn) ADD_LOOP(s, name, fn, 1)

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
  ADD(s, "pointer inside a block freed by another thread holding back a batch", interior_free_while_held_back);
#if !MI_SECURE /* where a guard page follows the blocks instead */
  ADD(s, "pointer past a page's blocks freed by another thread holding back a batch",
      past_the_blocks_while_held_back);
#endif
  ADD(s, "block written after free", write_after_free);
  ADD(s, "blocks freed unwritten are freed", unwritten_blocks_free_normally);
#if MI_SECURE
  ADD(s, "an overwritten link is not followed (--enable-secure)", overwritten_link_not_followed);
  ADD_LOOP(s, "one byte past the size asked for, caught at free (--enable-secure)", overflow_caught_at_free,
           sizeof overflow_sizes / sizeof overflow_sizes[0]);
  ADD(s, "blocks written up to their size free quietly (--enable-secure)", no_overflow_no_error);
  ADD(s, "one byte past an aligned block, caught (--enable-secure)", overflow_of_aligned_block);
  ADD(s, "one byte past a reallocated block, caught (--enable-secure)", overflow_of_reallocated_block);
  ADD(s, "one byte past a block freed by another thread, caught (--enable-secure)", overflow_caught_by_other_thread);
  ADD(s, "one byte past a block freed by another thread holding back a batch, caught (--enable-secure)",
      overflow_caught_while_held_back);
  ADD_LOOP(s, "a write off a page's blocks faults on its guard page (--enable-secure)", write_off_a_page_faults,
           sizeof guarded / sizeof guarded[0]);
  ADD(s, "a write off a huge block faults on its guard page (--enable-secure)", write_off_a_huge_block_faults);
#endif
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
