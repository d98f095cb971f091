/* stats.c - statistics: one set of counters for the process, updated with
 * relaxed atomic operations on the slow paths only (page, segment and OS
 * events; never per allocation), so that peaks are exact process-wide;
 * the two counters of the most frequent events (blocks carved, cross-thread
 * lists collected) are added up per thread first.  stats-print.c prints
 * them. */
#include "internal.h"


mi_stats_t _mi_stats mi_decl_hidden;
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

/* Add a thread's own counters to the process's (types.h: mi_stats_local_t);
 * done every MI_STATS_LOCAL_UPDATES updates, when the thread exits, and
 * when it prints or merges statistics. */
void _mi_stats_local_flush(mi_stats_local_t *local) {
  for (size_t bin = 0; bin < MI_BIN_COUNT; bin++)
    if (local->bin_blocks[bin] != 0)
      _mi_stat_counter(&_mi_stats.bin_blocks[bin], local->bin_blocks[bin]);
  if (local->xthread_collects != 0)
    _mi_stat_counter(&_mi_stats.xthread_collects, local->xthread_collects);
  memset(local, 0, sizeof *local);
}

/* Start counting afresh: totals and peaks from now on; what is current
 * stays current, so that later decreases balance. */
void mi_stats_reset(void) {
  mi_stat_count_t *c = &_mi_stats.reserved;
  size_t counts = (size_t)(&_mi_stats.bins[MI_BIN_COUNT] - &_mi_stats.reserved);
  for (size_t i = 0; i < counts; i++) {
    int64_t current = load(&c[i].current);
    __atomic_store_n(&c[i].total, current, __ATOMIC_RELAXED);
    __atomic_store_n(&c[i].freed, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&c[i].peak, current, __ATOMIC_RELAXED);
  }
  int64_t *n = _mi_stats.bin_blocks;
  size_t ints = (size_t)((int64_t *)(&_mi_stats + 1) - _mi_stats.bin_blocks);
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
