/* addrmap.c - Check suite for src/addrmap.c: the segment map and the page
 * window that mi_free's fast path trusts.  Links the allocator's internals
 * (src/libmicore.la), so that it can look at the maps themselves. */
#include "internal.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

/* A block as programs use it: written.  (A block freed before its first
 * word was ever written still carries its page's key, and waits for the
 * owner's next collection to be told from a double free: see free.c.) */
static void *written(void *p) {
  if (p != NULL)
    *(volatile unsigned char *)p = 0x5a;
  return p;
}

#define KiB ((size_t)1024)
#define MiB (KiB * KiB)

/* The window entry of p, or NULL when p is outside the covered part. */
static mi_page_t *window_entry(const void *p) {
  size_t off = _mi_window_last - (uintptr_t)p;
  if (off >= _mi_window_span)
    return NULL;
  return _mi_window_pages[off >> MI_SMALL_PAGE_SHIFT];
}

static bool page_holds(const mi_page_t *page, const void *p) {
  uintptr_t a = (uintptr_t)p, start = (uintptr_t)_mi_page_start(page);
  return a >= start && a < start + _mi_page_area_size(page);
}

static int errors, last_error;
static void record_error(int err, void *arg) {
  (void)arg;
  errors++;
  last_error = err;
}

START_TEST(window_holds_the_page_of_every_kind) {
  static const size_t sizes[] = {16, 1000, 8 * KiB, 9 * KiB, 100 * KiB, 600 * KiB, 3 * MiB, 9 * MiB};
  void *blocks[sizeof sizes / sizeof sizes[0]];
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    unsigned char *p = written(mi_malloc(sizes[i]));
    ck_assert_ptr_nonnull(p);
    blocks[i] = p;
    mi_segment_t *segment = _mi_segment_of_checked(p);
    ck_assert_ptr_nonnull(segment);
    /* huge blocks are placed anywhere, and freed through the segment map */
    if (sizes[i] > MI_LARGE_OBJ_MAX && window_entry(p) == NULL)
      continue;
    /* every slice of the block finds the block's page, owned by us */
    for (size_t off = 0; off < sizes[i]; off += MI_SMALL_PAGE_SIZE / 2) {
      mi_page_t *page = window_entry(p + off);
      ck_assert_msg(page != NULL, "size %zu: %p outside the window", sizes[i], (void *)(p + off));
      ck_assert_ptr_eq(_mi_ptr_segment(page), segment);
      ck_assert_msg(page_holds(page, p) && page_holds(page, p + sizes[i] - 1), "size %zu", sizes[i]);
      ck_assert_uint_eq(page->owner, _mi_thread_id());
    }
  }
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    mi_free(blocks[i]);
}
END_TEST

/* Does mmap take a free hint just below another mapping?  Linux does;
 * qemu-user emulating a 32-bit process hands out addresses bottom-up,
 * wherever the hint is (segments then land outside the window, and free
 * on the slow path). */
static bool mmap_takes_hints(void) {
  size_t m = MI_SEGMENT_SIZE;
  int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
  uint8_t *a = mmap(NULL, m, PROT_NONE, flags, -1, 0);
  if (a == MAP_FAILED || (uintptr_t)a < 4 * m)
    return false;
  uint8_t *hint = (uint8_t *)(((uintptr_t)a - 2 * m) & ~(uintptr_t)MI_SEGMENT_MASK);
  uint8_t *b = mmap(hint, m, PROT_NONE, flags, -1, 0);
  if (b != MAP_FAILED)
    munmap(b, m);
  munmap(a, m);
  return b == hint;
}

START_TEST(window_grows_down_from_the_hint) {
  if (!mmap_takes_hints()) {
    printf("window_grows_down_from_the_hint: skipped: mmap does not take free hints here (qemu-user?)\n");
    return;
  }
  mi_free(written(mi_malloc(16)));
  uintptr_t bottom = _mi_window_last - _mi_window_span + 1;
  void *hint = _mi_window_hint(MI_SEGMENT_SIZE, MI_SEGMENT_SIZE);
  ck_assert_ptr_eq(hint, (void *)((bottom - MI_SEGMENT_SIZE) & ~MI_SEGMENT_MASK));
  /* large blocks take a segment each: they go at the hint, just below */
  size_t span = _mi_window_span;
  void *p = written(mi_malloc(600 * KiB));
  ck_assert_ptr_eq(_mi_ptr_segment(p), hint);
  ck_assert_uint_eq(_mi_window_span, span + MI_SEGMENT_SIZE);
  mi_free(p);
}
END_TEST

/* A mapping that is not ours, where the window covers: its slices hold the
 * foreign sentinel, and mi_free reports its pointers instead of following
 * them. */
START_TEST(foreign_mapping_inside_the_window) {
  mi_register_error(record_error, NULL);
  mi_option_disable(mi_option_show_errors);
  mi_free(written(mi_malloc(16)));
  /* take the place where the next segment would go... */
  void *hint = _mi_window_hint(MI_SEGMENT_SIZE, MI_SEGMENT_SIZE);
  unsigned char *map = mmap(hint, MI_SEGMENT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ck_assert_ptr_ne(map, MAP_FAILED);
  memset(map, 0xee, MI_SEGMENT_SIZE);
  /* ...and make segments until the window covers it */
  void *blocks[64];
  size_t n = 0;
  while (n < 64 && window_entry(map) == NULL)
    blocks[n++] = written(mi_malloc(600 * KiB));
  ck_assert_ptr_eq(window_entry(map), &_mi_page_foreign);
  ck_assert_ptr_eq(window_entry(map + MI_SEGMENT_SIZE - 1), &_mi_page_foreign);
  int before = errors;
  mi_free(map);
  mi_free(map + 64 * KiB + 16);
  ck_assert_int_eq(errors, before + 2);
  ck_assert_int_eq(last_error, EINVAL);
  size_t changed = 0;
  for (size_t i = 0; i < MI_SEGMENT_SIZE; i++)
    changed += map[i] != 0xee;
  ck_assert_uint_eq(changed, 0);
  munmap(map, MI_SEGMENT_SIZE);
  while (n > 0)
    mi_free(blocks[--n]);
  mi_register_error(NULL, NULL);
}
END_TEST

/* A released segment's slices go back to the sentinel at once: a stale
 * pointer into it must not reach its (unmapped) page descriptors. */
START_TEST(released_segment_leaves_the_window) {
  mi_register_error(record_error, NULL);
  mi_option_disable(mi_option_show_errors);
  mi_option_set(mi_option_purge_delay, 0); /* no segment cache */
  unsigned char *p = written(mi_malloc(600 * KiB)); /* a large block: a segment of its own, in the window */
  ck_assert_ptr_nonnull(p);
  mi_segment_t *segment = _mi_segment_of_checked(p + 500 * KiB);
  ck_assert_ptr_eq(segment, _mi_ptr_segment(p));
  ck_assert_ptr_eq(window_entry(p + 500 * KiB), &segment->pages[0]);
  mi_free(p);
  ck_assert_ptr_null(_mi_segment_of_checked(p));
  for (size_t off = 0; off < 600 * KiB; off += MI_SMALL_PAGE_SIZE) {
    mi_page_t *page = window_entry(p + off);
    ck_assert(page == NULL || page == &_mi_page_foreign);
  }
  int before = errors;
  mi_free(p);
  ck_assert_int_eq(errors, before + 1);
  ck_assert_int_eq(last_error, EINVAL);
  mi_register_error(NULL, NULL);
}
END_TEST

/* A free segment stays cached, mapped, for purge_delay x arena_purge_mult
 * msecs; with a multiplier of 0 it is unmapped at once. */
START_TEST(free_segments_wait_for_the_arena_delay) {
  mi_option_set(mi_option_purge_delay, 1000);
  mi_option_set(mi_option_arena_purge_mult, 1000); /* 1000 s */
  unsigned char *p = written(mi_malloc(9 * MiB));
  ck_assert_ptr_nonnull(p);
  mi_free(p);
  mi_collect(false);
  ck_assert_ptr_nonnull(_mi_segment_of_checked(p)); /* cached */

  mi_option_set(mi_option_purge_delay, 1);
  mi_option_set(mi_option_arena_purge_mult, 2); /* 2 ms */
  unsigned char *q = written(mi_malloc(9 * MiB));
  ck_assert_ptr_nonnull(q);
  mi_free(q);
  struct timespec pause = {0, 20 * 1000 * 1000};
  nanosleep(&pause, NULL);
  mi_collect(false);
  ck_assert_ptr_null(_mi_segment_of_checked(q)); /* expired and unmapped */

  mi_option_set(mi_option_purge_delay, 1000);
  mi_option_set(mi_option_arena_purge_mult, 0); /* no cache */
  unsigned char *r = written(mi_malloc(9 * MiB));
  ck_assert_ptr_nonnull(r);
  mi_free(r);
  ck_assert_ptr_null(_mi_segment_of_checked(r));
  mi_option_set(mi_option_arena_purge_mult, 10);
  mi_option_set(mi_option_purge_delay, MI_PURGE_DELAY_DEFAULT);
}
END_TEST

/* Mapping and unmapping segments over and over must not use up the window:
 * new segments go where old ones were. */
START_TEST(window_reuses_released_ranges) {
  mi_option_set(mi_option_purge_delay, 0); /* no segment cache */
  mi_free(written(mi_malloc(16)));
  mi_free(written(mi_malloc(700 * KiB)));
  size_t span = _mi_window_span;
  for (size_t i = 0; i < 200; i++) { /* large blocks: a segment each, mapped and unmapped */
    unsigned char *p = written(mi_malloc((i % 5 + 1) * 150 * KiB));
    ck_assert_ptr_nonnull(p);
    mi_page_t *page = window_entry(p);
    ck_assert(page != NULL && page != &_mi_page_foreign);
    mi_free(p);
  }
  ck_assert_uint_le(_mi_window_span, span + 16 * MiB);
}
END_TEST

START_TEST(segment_map_finds_segments_and_nothing_else) {
  int local = 0;
  ck_assert_ptr_null(_mi_segment_of_checked(&local));
  ck_assert_ptr_null(_mi_segment_of_checked(NULL));
  ck_assert_ptr_null(_mi_segment_of_checked((void *)UINTPTR_MAX));
  unsigned char *p = written(mi_malloc(20 * MiB));
  ck_assert_ptr_nonnull(p);
  for (size_t off = 0; off < 20 * MiB; off += MiB)
    ck_assert_ptr_eq(_mi_segment_of_checked(p + off), _mi_ptr_segment(p));
  mi_free(p);
}
END_TEST

/* What a walk over all segments saw. */
#define WALK_MAX 4096
typedef struct walk_s {
  void *blocks[WALK_MAX];
  size_t nblocks, headers, stop_after;
  uintptr_t pages_start, pages_end; /* the last MI_AREA_PAGES range */
  bool block_outside_pages, out_of_order;
  uintptr_t last;
} walk_t;

static bool walk_record(mi_area_kind_t kind, void *start, size_t size, void *arg) {
  walk_t *w = arg;
  uintptr_t a = (uintptr_t)start;
  if (a < w->last)
    w->out_of_order = true;
  w->last = a;
  if (kind == MI_AREA_HEADER) {
    w->headers++;
    ck_assert_ptr_eq(_mi_segment_of_checked(start), start);
  } else if (kind == MI_AREA_PAGES) {
    w->pages_start = a;
    w->pages_end = a + size;
  } else {
    if (a < w->pages_start || a + size > w->pages_end)
      w->block_outside_pages = true;
    if (w->nblocks < WALK_MAX)
      w->blocks[w->nblocks] = start;
    w->nblocks++;
  }
  return w->stop_after == 0 || w->nblocks < w->stop_after;
}

static size_t walk_count(const walk_t *w, const void *p) {
  size_t n = 0;
  for (size_t i = 0; i < w->nblocks && i < WALK_MAX; i++)
    n += w->blocks[i] == p;
  return n;
}

START_TEST(walk_finds_every_live_block_and_no_free_one) {
  static const size_t sizes[] = {16, 1000, 9 * KiB, 200 * KiB, 3 * MiB, 9 * MiB};
  enum { N = sizeof sizes / sizeof sizes[0], COPIES = 3 };
  void *live[N][COPIES], *freed[N];
  for (size_t i = 0; i < N; i++) {
    for (size_t c = 0; c < COPIES; c++)
      ck_assert_ptr_nonnull(live[i][c] = written(mi_malloc(sizes[i])));
    ck_assert_ptr_nonnull(freed[i] = written(mi_malloc(sizes[i])));
  }
  for (size_t i = 0; i < N; i++)
    mi_free(freed[i]);
  static walk_t w;
  memset(&w, 0, sizeof w);
  ck_assert(_mi_visit_all_segments(true, walk_record, &w));
  ck_assert_uint_le(w.nblocks, WALK_MAX);
  ck_assert(!w.block_outside_pages);
  ck_assert(!w.out_of_order);
  ck_assert_uint_ge(w.headers, 3); /* small and medium pages, large and huge blocks */
  for (size_t i = 0; i < N; i++) {
    for (size_t c = 0; c < COPIES; c++)
      ck_assert_msg(walk_count(&w, live[i][c]) == 1, "live block of %zu bytes seen %zu times", sizes[i],
                    walk_count(&w, live[i][c]));
    /* a freed block may have been handed out again (it is live then) */
    bool reused = false;
    for (size_t j = 0; j < N; j++)
      for (size_t c = 0; c < COPIES; c++)
        reused |= live[j][c] == freed[i];
    if (!reused)
      ck_assert_msg(walk_count(&w, freed[i]) == 0, "freed block of %zu bytes seen as live", sizes[i]);
  }
  /* the walk stops when told to */
  size_t total = w.nblocks;
  memset(&w, 0, sizeof w);
  w.stop_after = 2;
  ck_assert(!_mi_visit_all_segments(true, walk_record, &w));
  ck_assert_uint_eq(w.nblocks, 2);
  ck_assert_uint_gt(total, 2);
  for (size_t i = 0; i < N; i++)
    for (size_t c = 0; c < COPIES; c++)
      mi_free(live[i][c]);
}
END_TEST

/* Huge blocks are sized to the request (in MI_HUGE_ROUND steps), as
 * mi_good_size says, and realloc resizes them with their segment instead
 * of copying. */
START_TEST(huge_blocks_have_their_size) {
  static const size_t sizes[] = {MI_LARGE_OBJ_MAX + 1, 1172517, 2 * MiB, 5 * MiB + 1, 37 * MiB + 12345};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    void *p = written(mi_malloc(sizes[i]));
    ck_assert_ptr_nonnull(p);
    size_t usable = mi_usable_size(p);
    ck_assert_msg(usable >= sizes[i] && usable < sizes[i] + MI_HUGE_ROUND, "%zu bytes: usable %zu", sizes[i], usable);
    ck_assert_uint_eq(usable, MI_SECURE ? sizes[i] : mi_good_size(sizes[i])); /* secure: the size asked for */
    mi_free(p);
  }
}
END_TEST

START_TEST(huge_realloc_moves_pages_not_bytes) {
  size_t n = 3 * MiB;
  uint64_t *p = written(mi_malloc(n));
  ck_assert_ptr_nonnull(p);
  for (size_t i = 0; i < n / 8; i++)
    p[i] = i * 0x9E3779B97F4A7C15u;
  int64_t remaps = _mi_stats.remaps;
  for (size_t grown = n + 100 * KiB; grown <= 40 * MiB; grown += 7 * MiB) {
    uint64_t *q = mi_realloc(p, grown);
    ck_assert_ptr_nonnull(q);
    if (q != p) /* moved: the old addresses are nobody's */
      ck_assert_ptr_null(_mi_segment_of_checked(p));
    ck_assert_uint_ge(mi_usable_size(q), grown);
    ck_assert_uint_lt(mi_usable_size(q), grown + MI_HUGE_ROUND);
    for (size_t i = 0; i < n / 8; i += 511)
      ck_assert_uint_eq(q[i], i * 0x9E3779B97F4A7C15u);
    ck_assert_uint_eq(q[n / 8 + 1000], 0); /* the new part reads as zero */
    ck_assert_ptr_eq(_mi_segment_of_checked(q), _mi_ptr_segment(q));
    p = q;
  }
  ck_assert_int_ge(_mi_stats.remaps - remaps, 5);
  /* shrinking stays where it is */
  uint64_t *s = mi_realloc(p, 5 * MiB);
  ck_assert_ptr_eq(s, p);
  ck_assert_uint_lt(mi_usable_size(s), 5 * MiB + MI_HUGE_ROUND);
  ck_assert_ptr_null(_mi_segment_of_checked((uint8_t *)s + 10 * MiB));
  for (size_t i = 0; i < n / 8; i += 511)
    ck_assert_uint_eq(s[i], i * 0x9E3779B97F4A7C15u);
  mi_free(s);
}
END_TEST

static Suite *addrmap_suite(void) {
  Suite *s = suite_create("addrmap");
  TCase *tc = tcase_create("window");
  tcase_add_test(tc, window_holds_the_page_of_every_kind);
  tcase_add_test(tc, window_grows_down_from_the_hint);
  tcase_add_test(tc, foreign_mapping_inside_the_window);
  tcase_add_test(tc, released_segment_leaves_the_window);
  tcase_add_test(tc, window_reuses_released_ranges);
  tcase_add_test(tc, free_segments_wait_for_the_arena_delay);
  suite_add_tcase(s, tc);
  tc = tcase_create("segmap");
  tcase_add_test(tc, segment_map_finds_segments_and_nothing_else);
  tcase_add_test(tc, walk_finds_every_live_block_and_no_free_one);
  suite_add_tcase(s, tc);
  tc = tcase_create("huge");
  tcase_add_test(tc, huge_blocks_have_their_size);
  tcase_add_test(tc, huge_realloc_moves_pages_not_bytes);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(addrmap_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
