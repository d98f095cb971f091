/* page.c - Check suite for size classes and page bookkeeping (src/page.c,
 * the bins of src/internal.h).  Links the allocator's internals
 * (src/libmicore.la) to look at page descriptors. */
#include "canary.h"
#include "internal.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>

/* A block as programs use it: written.  (A block freed before its first
 * word was ever written still carries its page's key, and waits for the
 * owner's next collection to be told from a double free: see free.c.) */
static void *written(void *p) {
  if (p != NULL)
    *(volatile unsigned char *)p = 0x5a;
  return p;
}

/* Reads free blocks, which ASan builds poison (src/track.h). */
#define NO_ASAN __attribute__((no_sanitize("address")))

NO_ASAN static size_t list_length(const mi_block_t *b) {
  size_t n = 0;
  while (b != NULL) {
    n++;
#if MI_SECURE /* links are encoded with the page's key, which the block carries */
    b = (const mi_block_t *)((uintptr_t)b->next ^ b->key);
#else
    b = b->next;
#endif
  }
  return n;
}

static mi_page_t *page_of(void *p) {
  mi_segment_t *segment = _mi_segment_of_checked(p);
  ck_assert_ptr_nonnull(segment);
  return _mi_segment_page_of(segment, p);
}

/* used counts every block but those in local_free (see mi_page_t). */
static void check_counts(const mi_page_t *page) {
  ck_assert_uint_le(page->capacity, page->reserved);
  ck_assert_uint_eq(page->used + list_length(page->local_free), page->capacity);
  ck_assert_uint_le(list_length(page->free), page->used);
}

START_TEST(bins_cover_every_size_with_bounded_waste) {
  uint8_t prev = 0;
  for (size_t size = 1; size <= MI_LARGE_OBJ_MAX; size += size < 4096 ? 1 : 61) {
    uint8_t bin = _mi_bin(size);
    size_t bsize = _mi_bin_size(bin);
    ck_assert_uint_ge(bin, prev); /* bins grow with the size */
    ck_assert_uint_lt(bin, MI_BIN_HUGE);
    ck_assert_uint_ge(bsize, size);
    ck_assert_uint_eq(bsize % 16, 0);
    if (size > 128) /* four classes per doubling: under 20 % lost */
      ck_assert_msg((bsize - size) * 5 < bsize, "size %zu gets %zu", size, bsize);
    else
      ck_assert_uint_lt(bsize - size, 16);
    ck_assert_uint_eq(_mi_bin(bsize), bin); /* the largest size stays in its bin */
    if (bin > 1)
      ck_assert_uint_lt(_mi_bin_size((uint8_t)(bin - 1)), size);
    prev = bin;
  }
}
END_TEST

/* The fast path's table gives every small size the page of its bin: once
 * every bin has a page, each entry (size 0 is the smallest bin's) points at
 * a page of the block size of that size's bin, and the entry of a block
 * just allocated at that block's page. */
START_TEST(fast_path_table_agrees_with_bins) {
  mi_heap_t *heap = mi_heap_get_default();
  static void *blocks[MI_DIRECT_SIZE_MAX + 1];
  for (size_t size = 1; size + MI_PADDING <= MI_DIRECT_SIZE_MAX; size++) { /* written: not 0 */
    blocks[size] = written(mi_malloc(size));
    ck_assert_ptr_eq(heap->direct[size + MI_PADDING], page_of(blocks[size]));
  }
  for (size_t size = 0; size <= MI_DIRECT_SIZE_MAX; size++) {
    uint8_t bin = size == 0 ? 1 : _mi_bin(size);
    ck_assert_msg(heap->direct[size]->block_size == _mi_bin_size(bin), "size %zu: a page of %zu-byte blocks, not %zu",
                  size, (size_t)heap->direct[size]->block_size, _mi_bin_size(bin));
  }
  ck_assert_uint_eq(_mi_bin(MI_DIRECT_SIZE_MAX), MI_SMALL_BIN_MAX);
  for (size_t size = 1; size + MI_PADDING <= MI_DIRECT_SIZE_MAX; size++)
    mi_free(blocks[size]);
}
END_TEST

/* The block of any address in a page, for every size class with several
 * blocks to a page: what free, usable_size and the checks of interior
 * pointers rest on. */
START_TEST(block_of_every_offset) {
  for (uint8_t bin = 1; bin < MI_BIN_HUGE && _mi_bin_size(bin) <= MI_MEDIUM_OBJ_MAX; bin++) {
    size_t size = _mi_bin_size(bin);
    uint8_t *p = written(mi_malloc(size - MI_PADDING)); /* fills the block, a secure build's trailer too */
    ck_assert_ptr_nonnull(p);
    mi_page_t *page = page_of(p);
    ck_assert_uint_eq(page->block_size, size);
    ck_assert_uint_gt(page->reserved, 1);
    uintptr_t start = (uintptr_t)_mi_page_start(page), end = start + (uintptr_t)page->reserved * size;
    for (uintptr_t a = start; a < end; a++) {
      uintptr_t expect = start + (a - start) / size * size;
      if ((uintptr_t)_mi_page_block_of(page, (void *)a) != expect)
        ck_abort_msg("size %zu: %p gives %p, not %p", size, (void *)a, (void *)_mi_page_block_of(page, (void *)a),
                     (void *)expect);
    }
    ck_assert_ptr_null(_mi_page_block_of(page, (void *)end));
    ck_assert_ptr_null(_mi_page_block_of(page, (void *)(start - 1)));
    mi_free(p);
  }
}
END_TEST

/* malloc leaves `used` alone; frees take it down; collecting the local
 * list sets it to capacity; the live count is what was not freed. */
START_TEST(page_counts_live_blocks) {
  mi_heap_t *heap = mi_heap_new();
  ck_assert_ptr_nonnull(heap);
  enum { N = 300 };
  void *blocks[N];
  for (size_t i = 0; i < N; i++) {
    blocks[i] = written(mi_heap_malloc(heap, 48));
    ck_assert_ptr_nonnull(blocks[i]);
  }
  mi_page_t *page = page_of(blocks[0]);
  for (size_t i = 1; i < N; i++)
    ck_assert_ptr_eq(page_of(blocks[i]), page); /* 64 KiB hold them all */
  check_counts(page);
  ck_assert_uint_eq(_mi_page_live(page), N);
  for (size_t i = 0; i < N; i += 2)
    mi_free(blocks[i]);
  check_counts(page);
  ck_assert_uint_eq(list_length(page->local_free), N / 2);
  ck_assert_uint_eq(_mi_page_live(page), N / 2);
  /* use up the free list: the next malloc takes the local list */
  size_t waiting = list_length(page->free);
  void *more[N];
  for (size_t i = 0; i < waiting; i++)
    more[i] = written(mi_heap_malloc(heap, 48));
  ck_assert_ptr_null(page->free);
  void *p = written(mi_heap_malloc(heap, 48));
  ck_assert_ptr_eq(page_of(p), page);
  ck_assert_ptr_null(page->local_free);
  ck_assert_uint_eq(page->used, page->capacity);
  check_counts(page);
  ck_assert_uint_eq(_mi_page_live(page), N / 2 + waiting + 1);
  mi_free(p);
  for (size_t i = 0; i < waiting; i++)
    mi_free(more[i]);
  for (size_t i = 1; i < N; i += 2)
    mi_free(blocks[i]);
  ck_assert_uint_eq(_mi_page_live(page), 0);
  mi_heap_delete(heap);
}
END_TEST

static void *free_all(void *arg) {
  void **blocks = arg;
  for (size_t i = 0; blocks[i] != NULL; i++)
    mi_free(blocks[i]);
  return NULL;
}

/* Blocks freed by another thread count as used until collected. */
START_TEST(remote_frees_count_when_collected) {
  enum { N = 100 };
  void *blocks[N + 1];
  for (size_t i = 0; i < N; i++)
    blocks[i] = written(mi_malloc(64));
  blocks[N] = NULL;
  mi_page_t *page = page_of(blocks[0]);
  void *keep = written(mi_malloc(64)); /* the page stays in use */
  ck_assert_ptr_eq(page_of(keep), page);
  uint32_t used = page->used;
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, free_all, blocks), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  ck_assert_uint_eq(page->used, used);
  /* pushed when the thread exited, as one unit (the low bit of the link) */
  uintptr_t head = (uintptr_t)atomic_load(&page->xthread_free);
  ck_assert_msg(head != 0 && (head & 1) != 0, "%d blocks freed in a row arrive as one unit", N);
  ck_assert_uint_eq(_mi_page_live(page), 1); /* collects them */
  check_counts(page);
  mi_free(keep);
}
END_TEST

typedef struct held_s {
  void **blocks;
  size_t count;
  pthread_barrier_t *barrier;
} held_t;

static void *free_hold_flush(void *arg) {
  held_t *h = arg;
  for (size_t i = 0; i < h->count; i++)
    mi_free(h->blocks[i]);
  pthread_barrier_wait(h->barrier); /* the main thread looks */
  pthread_barrier_wait(h->barrier);
  mi_collect(false); /* pushes what it holds back */
  pthread_barrier_wait(h->barrier);
  pthread_barrier_wait(h->barrier);
  return NULL;
}

/* A thread that frees another thread's blocks holds some back to push
 * them together, never more than a batch, and pushes them when it
 * collects (or allocates, or exits). */
START_TEST(remote_frees_held_back_are_bounded) {
  enum { N = 300 };
  void *blocks[N];
  size_t n = 0;
  mi_page_t *page = NULL;
  for (size_t i = 0; i < N; i++) {
    void *p = written(mi_malloc(96));
    ck_assert_ptr_nonnull(p);
    if (page == NULL)
      page = page_of(p);
    if (page_of(p) == page)
      blocks[n++] = p;
    else
      mi_free(p);
  }
  ck_assert_uint_gt(n, 200);
  void *keep = written(mi_malloc(96));
  if (page_of(keep) != page) { /* the page was full: keep one of its blocks */
    mi_free(keep);
    keep = blocks[--n];
  }
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, 2);
  held_t h = {blocks, n, &barrier};
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, free_hold_flush, &h), 0);
  pthread_barrier_wait(&barrier);
  size_t live = _mi_page_live(page);
  ck_assert_msg(live > 1 && live <= 1 + 128, "%zu blocks freed, %zu not yet pushed", n, live - 1);
  pthread_barrier_wait(&barrier);
  pthread_barrier_wait(&barrier);
  ck_assert_uint_eq(_mi_page_live(page), 1);
  check_counts(page);
  pthread_barrier_wait(&barrier);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  pthread_barrier_destroy(&barrier);
  mi_free(keep);
}
END_TEST

/* Frees of blocks of several pages, interleaved, are held back per page
 * at once (a batch per slot of the freeing thread), and all are pushed
 * when the thread collects. */
START_TEST(remote_frees_of_several_pages_held_back) {
  enum { PAGES = 4, PER = 40 };
  static const size_t sizes[PAGES] = {96, 160, 320, 640};
  void *blocks[PAGES * PER], *keep[PAGES];
  mi_page_t *pages[PAGES];
  for (size_t k = 0; k < PAGES; k++) {
    keep[k] = written(mi_malloc(sizes[k]));
    pages[k] = page_of(keep[k]);
    for (size_t i = 0; i < PER;) {
      void *p = written(mi_malloc(sizes[k]));
      ck_assert_ptr_nonnull(p);
      if (page_of(p) != pages[k]) { /* the page was full: start over on the new one */
        mi_free(keep[k]);
        for (size_t j = 0; j < i; j++)
          mi_free(blocks[j * PAGES + k]);
        keep[k] = p;
        pages[k] = page_of(p);
        i = 0;
        continue;
      }
      blocks[i++ * PAGES + k] = p;
    }
  }
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, 2);
  held_t h = {blocks, PAGES * PER, &barrier};
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, free_hold_flush, &h), 0);
  pthread_barrier_wait(&barrier);
  size_t holding = 0;
  for (size_t k = 0; k < PAGES; k++) {
    size_t live = _mi_page_live(pages[k]);
    ck_assert_msg(live >= 1 && live <= 1 + PER, "page %zu: %zu blocks live", k, live);
    holding += live > 1;
  }
  /* two pages may share a slot; with a single batch, only the last page would hold any */
  ck_assert_msg(holding >= 2, "blocks of %zu of %d pages held back at once", holding, PAGES);
  pthread_barrier_wait(&barrier);
  pthread_barrier_wait(&barrier);
  for (size_t k = 0; k < PAGES; k++) {
    ck_assert_uint_eq(_mi_page_live(pages[k]), 1);
    check_counts(pages[k]);
  }
  pthread_barrier_wait(&barrier);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  pthread_barrier_destroy(&barrier);
  for (size_t k = 0; k < PAGES; k++)
    mi_free(keep[k]);
}
END_TEST

static void *allocate_two_and_exit(void *arg) {
  void **p = arg;
  p[0] = written(mi_malloc(96));
  p[1] = written(mi_malloc(96));
  return NULL;
}

/* A block of an exited thread's segment, freed by another thread, is
 * pushed at once, not held back: held back, it would keep the segment
 * from being taken over whole or given back. */
START_TEST(frees_into_exited_threads_pages_are_not_held_back) {
  void *p[2];
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, allocate_two_and_exit, p), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  mi_page_t *page = page_of(p[0]);
  ck_assert_ptr_eq(page_of(p[1]), page);
  mi_free(p[0]);
  ck_assert_uint_eq(_mi_page_live(page), 1);
  mi_free(p[1]);
}
END_TEST

static void *carve_and_exit(void *arg) {
  size_t size = *(size_t *)arg;
  void *p[10];
  for (size_t i = 0; i < 10; i++)
    p[i] = written(mi_malloc(size));
  for (size_t i = 0; i < 10; i++)
    mi_free(p[i]);
  return NULL;
}

/* The blocks a thread carves are counted in its own counters first
 * (mi_stats_local_t): they reach the process's when it exits. */
START_TEST(thread_counts_reach_the_process) {
  size_t size = 3000;
  uint8_t bin = _mi_bin(size);
  int64_t before = __atomic_load_n(&_mi_stats.bin_blocks[bin], __ATOMIC_RELAXED);
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, carve_and_exit, &size), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  int64_t after = __atomic_load_n(&_mi_stats.bin_blocks[bin], __ATOMIC_RELAXED);
  ck_assert_int_ge(after - before, 10);
}
END_TEST

static void *allocate_and_exit(void *arg) {
  mi_free(written(mi_malloc(*(size_t *)arg)));
  return NULL;
}

/* A free segment split in the cache (a huge block's, taken by a thread for
 * its first page) becomes two, each counted: once all is given back the
 * count is where it was, never below. */
START_TEST(split_segments_are_counted) {
  mi_collect(true);
  int64_t before = __atomic_load_n(&_mi_stats.segments.current, __ATOMIC_RELAXED);
  mi_free(written(mi_malloc(3 * MI_SEGMENT_SIZE))); /* a segment of several chunks, cached */
  size_t size = 100;
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, allocate_and_exit, &size), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  mi_collect(true);
  int64_t after = __atomic_load_n(&_mi_stats.segments.current, __ATOMIC_RELAXED);
  ck_assert_int_eq(after, before);
}
END_TEST

static Suite *page_suite(void) {
  Suite *s = suite_create("page");
  TCase *tc = tcase_create("bins");
  tcase_add_test(tc, bins_cover_every_size_with_bounded_waste);
  tcase_add_test(tc, block_of_every_offset);
  tcase_add_test(tc, fast_path_table_agrees_with_bins);
  suite_add_tcase(s, tc);
  tc = tcase_create("counts");
  tcase_add_test(tc, page_counts_live_blocks);
  tcase_add_test(tc, remote_frees_count_when_collected);
  tcase_add_test(tc, remote_frees_held_back_are_bounded);
  tcase_add_test(tc, remote_frees_of_several_pages_held_back);
  tcase_add_test(tc, frees_into_exited_threads_pages_are_not_held_back);
  tcase_add_test(tc, thread_counts_reach_the_process);
  tcase_add_test(tc, split_segments_are_counted);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(page_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
