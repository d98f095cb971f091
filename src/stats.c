/* stats.c - the counters: one set for the process (_mi_stats), updated
 * with relaxed atomic operations on slow paths only (page, segment and OS
 * events, never per allocation), so that peaks are exact process-wide;
 * and a set per thread (mi_stats_local_t) for the frequent events: blocks
 * put into free lists, request sizes seen on the slow path, calloc and
 * realloc calls, cross-thread frees.  A thread adds its own to the
 * process's when it exits, merges or prints (stats-print.c, which also
 * works out what the counters imply: blocks in use, allocations, frees). */
#include "internal.h"


mi_stats_t _mi_stats mi_decl_hidden;

/* The counting mode, for an exact peak of the bytes in use.  Counting each
 * block as the fast paths hand it out and take it back would cost them
 * (they do not count at all), so they are made to fail instead: a heap's
 * direct[] then always points at the empty page (page.c,
 * _mi_heap_direct_update), which sends every malloc to the slow path, and
 * no page has an owner (internal.h, _mi_page_set_flags), which sends every
 * free to free.c's checked path.  Those count (_mi_stat_live).  It is
 * chosen once, at process start, before any heap has a page; the default
 * fast paths are then as they are without it. */
bool _mi_stats_counting mi_decl_hidden;

void _mi_stats_counting_start(void) {
  _mi_stats_counting = true;
}

void _mi_stats_live_change(int64_t bytes) {
  if (bytes >= 0)
    _mi_stat_increase(&_mi_stats.live, bytes);
  else
    _mi_stat_decrease(&_mi_stats.live, -bytes);
}
static int64_t start_msecs; /* when the process started allocating */

void _mi_stats_start(void) {
  start_msecs = _mi_prim_clock_msecs();
}

int64_t _mi_stats_elapsed_msecs(void) {
  return _mi_prim_clock_msecs() - start_msecs;
}

static int64_t load(const int64_t *v) {
  return __atomic_load_n(v, __ATOMIC_RELAXED);
}

void _mi_stat_counter(int64_t *counter, int64_t amount) {
  __atomic_fetch_add(counter, amount, __ATOMIC_RELAXED);
}

void _mi_stat_increase(mi_stat_count_t *stat, int64_t amount) {
  __atomic_fetch_add(&stat->total, amount, __ATOMIC_RELAXED);
  int64_t current = __atomic_add_fetch(&stat->current, amount, __ATOMIC_RELAXED);
  int64_t peak = load(&stat->peak);
  while (current > peak &&
         !__atomic_compare_exchange_n(&stat->peak, &peak, current, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

void _mi_stat_decrease(mi_stat_count_t *stat, int64_t amount) {
  __atomic_fetch_add(&stat->freed, amount, __ATOMIC_RELAXED);
  __atomic_fetch_sub(&stat->current, amount, __ATOMIC_RELAXED);
}

/* A page joins (+1) or leaves (-1) a running thread's heap. */
void _mi_stats_page(const mi_page_t *page, int sign) {
  void (*change)(mi_stat_count_t *, int64_t) = sign > 0 ? _mi_stat_increase : _mi_stat_decrease;
  change(&_mi_stats.pages, 1);
  change(&_mi_stats.bins[page->bin], 1);
  change(&_mi_stats.page_bytes, (int64_t)_mi_page_area_size(page));
  if (page->bin == MI_BIN_HUGE)
    change(&_mi_stats.huge, (int64_t)page->block_size);
}

/* A page is released: the blocks still waiting in its free list were
 * never handed out, and are no longer to be (stats-print.c counts the
 * allocations as the blocks put into free lists less those waiting). */
void _mi_stats_page_released(const mi_page_t *page) {
  int64_t n = 0;
  for (const mi_block_t *b = page->free; b != NULL && n < (int64_t)page->capacity; b = mi_block_next(page, b))
    n++;
  if (n > 0)
    _mi_stat_counter(&_mi_stats.bin_reused[page->bin], -n);
}

/* A huge block resized in place, from old to size bytes. */
void _mi_stats_huge_resize(size_t old, size_t size) {
  _mi_stat_decrease(&_mi_stats.huge, (int64_t)old);
  _mi_stat_increase(&_mi_stats.huge, (int64_t)size);
  _mi_stat_decrease(&_mi_stats.page_bytes, (int64_t)old);
  _mi_stat_increase(&_mi_stats.page_bytes, (int64_t)size);
  _mi_stat_live(old, -1);
  _mi_stat_live(size, 1);
}

static void add_bins(int64_t *to, int64_t *from) {
  for (size_t bin = 0; bin < MI_BIN_COUNT; bin++)
    if (from[bin] != 0) {
      _mi_stat_counter(&to[bin], from[bin]);
      from[bin] = 0;
    }
}

static void add_one(int64_t *to, int64_t *from) {
  if (*from != 0)
    _mi_stat_counter(to, *from);
  *from = 0;
}

/* Add a thread's own counters to the process's, and zero them. */
void _mi_stats_local_flush(mi_stats_local_t *local) {
  add_bins(_mi_stats.bin_blocks, local->bin_blocks);
  add_bins(_mi_stats.bin_reused, local->bin_reused);
  add_bins(_mi_stats.bin_req_bytes, local->bin_req_bytes);
  add_bins(_mi_stats.bin_req_count, local->bin_req_count);
  add_one(&_mi_stats.callocs, &local->callocs);
  add_one(&_mi_stats.reallocs, &local->reallocs);
  add_one(&_mi_stats.xthread_frees, &local->xthread_frees);
  add_one(&_mi_stats.xthread_collects, &local->xthread_collects);
}

/* Replace what the thread published of its blocks in use and waiting in
 * free lists (per size class) by `live` and `waiting` (NULL: none). */
void _mi_stats_publish(mi_stats_local_t *local, const int64_t *live, const int64_t *waiting) {
  for (size_t bin = 0; bin < MI_BIN_COUNT; bin++) {
    int64_t l = live != NULL ? live[bin] : 0, w = waiting != NULL ? waiting[bin] : 0;
    if (l != local->published_live[bin])
      _mi_stat_counter(&_mi_stats.bin_live[bin], l - local->published_live[bin]);
    if (w != local->published_waiting[bin])
      _mi_stat_counter(&_mi_stats.bin_waiting[bin], w - local->published_waiting[bin]);
    local->published_live[bin] = l;
    local->published_waiting[bin] = w;
  }
}

/* At thread exit: its counts join the process's, and its blocks are no
 * longer its own (they are in abandoned segments, or freed). */
void _mi_stats_thread_done(mi_stats_local_t *local) {
  _mi_stats_local_flush(local);
  _mi_stats_publish(local, NULL, NULL);
}

/* Start counting afresh: totals and peaks from now on; what is current
 * stays current, so that later decreases balance.  The snapshots of
 * blocks in use stay too. */
void _mi_stats_reset_counters(void) {
  mi_stat_count_t *c = &_mi_stats.reserved;
  size_t counts = (size_t)(&_mi_stats.bins[MI_BIN_COUNT] - &_mi_stats.reserved);
  for (size_t i = 0; i < counts; i++) {
    int64_t current = load(&c[i].current);
    __atomic_store_n(&c[i].total, current, __ATOMIC_RELAXED);
    __atomic_store_n(&c[i].freed, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&c[i].peak, current, __ATOMIC_RELAXED);
  }
  int64_t *n = _mi_stats.bin_blocks;
  size_t ints = (size_t)(_mi_stats.bin_live - _mi_stats.bin_blocks);
  for (size_t i = 0; i < ints; i++)
    __atomic_store_n(&n[i], 0, __ATOMIC_RELAXED);
}

/* A consistent-enough copy for printing: each counter read atomically. */
void _mi_stats_snapshot(mi_stats_t *to) {
  const int64_t *from = (const int64_t *)&_mi_stats;
  int64_t *dst = (int64_t *)to;
  for (size_t i = 0; i < sizeof _mi_stats / sizeof(int64_t); i++)
    dst[i] = load(&from[i]);
}

void mi_process_info(size_t *elapsed_msecs, size_t *user_msecs, size_t *system_msecs, size_t *current_rss,
                     size_t *peak_rss, size_t *current_commit, size_t *peak_commit, size_t *page_faults) {
  mi_process_info_t info;
  _mi_prim_process_info(&info);
  int64_t commit = load(&_mi_stats.committed.current), commit_peak = load(&_mi_stats.committed.peak);
  if (elapsed_msecs) *elapsed_msecs = (size_t)(_mi_stats_elapsed_msecs());
  if (user_msecs) *user_msecs = (size_t)info.utime_msecs;
  if (system_msecs) *system_msecs = (size_t)info.stime_msecs;
  if (current_rss) *current_rss = info.current_rss;
  if (peak_rss) *peak_rss = info.peak_rss;
  if (current_commit) *current_commit = commit > 0 ? (size_t)commit : 0;
  if (peak_commit) *peak_commit = commit_peak > 0 ? (size_t)commit_peak : 0;
  if (page_faults) *page_faults = info.page_faults;
}
