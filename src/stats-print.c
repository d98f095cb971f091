/* stats-print.c - the statistics report (mi_stats_print): stats.c's
 * counters, with what the other layers know (the TLS mechanism, the page
 * window, the process's times and resident size), formatted on the stack
 * and written through the output callback. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

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
  int64_t elapsed = _mi_stats_elapsed_msecs();
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
  char window[32];
  fmt_amount(window, sizeof window, (int64_t)__atomic_load_n(&_mi_window_span, __ATOMIC_RELAXED), true);
  print(pr, "page window: %s covered, segments outside it (slower frees): %lld\n", window,
        (long long)s->window_misses);
  static const char *lock_names[MI_LOCK_COUNT] = {"cache", "abandoned", "window", "maps", "region", "zone"};
  char locks[256] = "";
  size_t used = 0;
  for (int i = 0; i < MI_LOCK_COUNT && used < sizeof locks; i++)
    used += (size_t)snprintf(locks + used, sizeof locks - used, "%s%s %lld/%lld", i == 0 ? "" : ", ",
                             lock_names[i], (long long)s->lock_waits[i], (long long)s->lock_takes[i]);
  print(pr, "process-wide locks, waited/taken: %s\n", locks);
  print(pr, "threads: %lld running\n", (long long)s->threads.current);
  print_process(pr);
}

/* The calling thread's own counters into the process's (stats.c). */
void mi_stats_merge(void) {
  mi_heap_t *heap = _mi_tls_resolve();
  if (heap->thread_id == _mi_thread_id())
    _mi_stats_local_flush(&heap->tld->stats);
}

void mi_stats_print_out(mi_output_fun *out, void *arg) {
  mi_stats_merge();
  mi_stats_t snapshot;
  _mi_stats_snapshot(&snapshot);
  printer_t pr = {out, arg};
  stats_print(&snapshot, &pr);
}

void mi_stats_print(void *out) {
  mi_stats_print_out((mi_output_fun *)out, NULL);
}

void _mi_stats_print_at_exit(void) {
  mi_stats_print_out(NULL, NULL);
}

