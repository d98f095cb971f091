/* stats.c - statistics: each thread counts in its own mi_stats_t without
 * atomics; counts are merged into the process totals when a thread exits or
 * on mi_stats_merge, and printed by mi_stats_print. */
#include "internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

static mi_stats_t global_stats; /* guarded by stats_lock */
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;

void _mi_stat_increase(mi_stat_count_t *stat, int64_t amount) {
  stat->total += amount;
  stat->current += amount;
  if (stat->current > stat->peak)
    stat->peak = stat->current;
}

void _mi_stat_decrease(mi_stat_count_t *stat, int64_t amount) {
  stat->freed += amount;
  stat->current -= amount;
}

static void count_merge(mi_stat_count_t *to, mi_stat_count_t *from) {
  to->total += from->total;
  to->freed += from->freed;
  to->current += from->current;
  /* peaks of different threads need not coincide: an upper bound */
  to->peak += from->peak;
  if (to->peak < to->current)
    to->peak = to->current;
}

/* Add `from` into `to` and clear `from`: what the thread counts later is a
 * delta again, so decreases still balance in the totals. */
static void stats_add(mi_stats_t *to, mi_stats_t *from) {
  mi_stat_count_t *t = &to->reserved, *f = &from->reserved;
  size_t counts = (size_t)(&to->bins[MI_BIN_COUNT] - &to->reserved);
  for (size_t i = 0; i < counts; i++) {
    count_merge(&t[i], &f[i]);
    memset(&f[i], 0, sizeof f[i]);
  }
  int64_t *ti = to->bin_blocks, *fi = from->bin_blocks;
  size_t ints = (size_t)((int64_t *)(to + 1) - to->bin_blocks);
  for (size_t i = 0; i < ints; i++) {
    ti[i] += fi[i];
    fi[i] = 0;
  }
}

void _mi_stats_merge_from(mi_stats_t *stats) {
  pthread_mutex_lock(&stats_lock);
  stats_add(&global_stats, stats);
  pthread_mutex_unlock(&stats_lock);
}

void mi_stats_merge(void) {
  mi_heap_t *heap = _mi_tls_resolve();
  if (heap != &_mi_heap_empty)
    _mi_stats_merge_from(&heap->tld->stats);
}

void mi_stats_reset(void) {
  mi_heap_t *heap = _mi_tls_resolve();
  if (heap != &_mi_heap_empty)
    memset(&heap->tld->stats, 0, sizeof heap->tld->stats);
  pthread_mutex_lock(&stats_lock);
  memset(&global_stats, 0, sizeof global_stats);
  pthread_mutex_unlock(&stats_lock);
}

/* ---- printing ------------------------------------------------------------- */

typedef struct printer_s {
  mi_output_fun *out;
  void *arg;
} printer_t;

static void print(printer_t *pr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void print(printer_t *pr, const char *fmt, ...) {
  char buf[256];
  va_list args;
  va_start(args, fmt);
  vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  _mi_fputs(pr->out, pr->arg, NULL, buf);
}

/* 1536 -> "1.5 KiB"; counts without a unit. */
static void fmt_amount(char *buf, size_t size, int64_t n, bool bytes) {
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (!bytes) {
    _mi_snprintf(buf, size, "%lld", (long long)n);
    return;
  }
  double v = (double)n;
  size_t u = 0;
  while ((v >= 1024 || v <= -1024) && u < 4) {
    v /= 1024;
    u++;
  }
  if (u == 0)
    _mi_snprintf(buf, size, "%lld B", (long long)n);
  else
    _mi_snprintf(buf, size, "%.1f %s", v, units[u]);
}

static void print_count(printer_t *pr, const char *name, const mi_stat_count_t *c, bool bytes) {
  char peak[32], total[32], freed[32], current[32];
  fmt_amount(peak, sizeof peak, c->peak, bytes);
  fmt_amount(total, sizeof total, c->total, bytes);
  fmt_amount(freed, sizeof freed, c->freed, bytes);
  fmt_amount(current, sizeof current, c->current, bytes);
  print(pr, "%-14s %12s %12s %12s %12s\n", name, peak, total, freed, current);
}

static void print_bins(printer_t *pr, const mi_stats_t *s) {
  print(pr, "%-14s %12s %12s %12s %12s %12s\n", "bin (pages)", "peak", "total", "freed", "current",
        "blocks");
  for (size_t bin = 1; bin < MI_BIN_COUNT - 1; bin++) {
    const mi_stat_count_t *c = &s->bins[bin];
    if (c->total == 0)
      continue;
    char name[32];
    if (bin == MI_BIN_HUGE)
      _mi_snprintf(name, sizeof name, "huge");
    else
      _mi_snprintf(name, sizeof name, "%zu", _mi_bin_size((uint8_t)bin));
    print(pr, "%-14s %12lld %12lld %12lld %12lld %12lld\n", name, (long long)c->peak, (long long)c->total,
          (long long)c->freed, (long long)c->current, (long long)s->bin_blocks[bin]);
  }
}

static void print_process(printer_t *pr) {
  mi_process_info_t info;
  _mi_prim_process_info(&info);
  char rss[32], peak[32];
  fmt_amount(rss, sizeof rss, (int64_t)info.current_rss, true);
  fmt_amount(peak, sizeof peak, (int64_t)info.peak_rss, true);
  int64_t elapsed = _mi_prim_clock_msecs() - _mi_process_start_msecs();
  print(pr, "elapsed: %lld.%03lld s, process: user %lld.%03lld s, system %lld.%03lld s\n",
        (long long)(elapsed / 1000), (long long)(elapsed % 1000), (long long)(info.utime_msecs / 1000),
        (long long)(info.utime_msecs % 1000), (long long)(info.stime_msecs / 1000),
        (long long)(info.stime_msecs % 1000));
  print(pr, "rss: current %s, peak %s, page faults %zu\n", rss, peak, info.page_faults);
}

static void stats_print(const mi_stats_t *s, printer_t *pr) {
  print(pr, "mialloc %d.%d.%d statistics (tls: %s, slot %ld, %zu conflicts)\n", MIALLOC_VERSION_MAJOR,
        MIALLOC_VERSION_MINOR, MIALLOC_VERSION_PATCH, mi_tls_mechanism(), mi_tls_slot(), mi_tls_conflicts());
  print_bins(pr, s);
  print(pr, "%-14s %12s %12s %12s %12s\n", "totals", "peak", "total", "freed", "current");
  print_count(pr, "reserved", &s->reserved, true);
  print_count(pr, "committed", &s->committed, true);
  print_count(pr, "huge", &s->huge, true);
  print_count(pr, "segments", &s->segments, false);
  print_count(pr, "pages", &s->pages, false);
  print_count(pr, "threads", &s->threads, false);
  print(pr, "mmaps: %lld, segment cache hits: %lld (resized: %lld), purges: %lld (%lld KiB), "
            "abandoned: %lld, reclaimed: %lld, remote frees collected: %lld\n",
        (long long)s->mmap_calls, (long long)s->cache_hits, (long long)s->remaps, (long long)s->purges,
        (long long)(s->purged_bytes / 1024),
        (long long)s->abandoned, (long long)s->reclaimed, (long long)s->xthread_collects);
  print(pr, "threads: %zu running\n", _mi_thread_count());
  print_process(pr);
}

void mi_stats_print_out(mi_output_fun *out, void *arg) {
  mi_stats_merge();
  static mi_stats_t snapshot; /* too large for small thread stacks */
  pthread_mutex_lock(&stats_lock);
  snapshot = global_stats;
  printer_t pr = {out, arg};
  stats_print(&snapshot, &pr);
  pthread_mutex_unlock(&stats_lock);
}

void mi_stats_print(void *out) {
  mi_stats_print_out((mi_output_fun *)out, NULL);
}

void _mi_stats_print_at_exit(void) {
  mi_stats_print_out(NULL, NULL);
}

void mi_process_info(size_t *elapsed_msecs, size_t *user_msecs, size_t *system_msecs, size_t *current_rss,
                     size_t *peak_rss, size_t *current_commit, size_t *peak_commit, size_t *page_faults) {
  mi_process_info_t info;
  _mi_prim_process_info(&info);
  mi_stats_merge();
  pthread_mutex_lock(&stats_lock);
  int64_t commit = global_stats.committed.current, commit_peak = global_stats.committed.peak;
  pthread_mutex_unlock(&stats_lock);
  if (elapsed_msecs) *elapsed_msecs = (size_t)(_mi_prim_clock_msecs() - _mi_process_start_msecs());
  if (user_msecs) *user_msecs = (size_t)info.utime_msecs;
  if (system_msecs) *system_msecs = (size_t)info.stime_msecs;
  if (current_rss) *current_rss = info.current_rss;
  if (peak_rss) *peak_rss = info.peak_rss;
  if (current_commit) *current_commit = commit > 0 ? (size_t)commit : 0;
  if (peak_commit) *peak_commit = commit_peak > 0 ? (size_t)commit_peak : 0;
  if (page_faults) *page_faults = info.page_faults;
}
