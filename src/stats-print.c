/* stats-print.c - what the counters say (stats.c), and the report.
 *
 * Blocks in use are not counted as they are allocated and freed (that
 * would cost the fast paths): they are read off the pages, whose `used`
 * count and free list tell them, when a report is made.  The calling
 * thread reads its own pages, and those of exited threads (the abandoned
 * segments); other running threads' are as they published them at their
 * last mi_stats_merge.  Allocations are then the blocks put into free
 * lists less those still waiting there, and frees the allocations less
 * the blocks in use.
 *
 * The report comes as text (mi_stats_print_out) or JSON (mi_stats_print_json,
 * mi_stats_get_json), formatted on the stack and written through an output
 * callback; at exit to stderr or to MIALLOC_STATS_FILE. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

/* ---- blocks in use, from the pages ------------------------------------------- */

typedef struct blocks_s {
  int64_t live[MI_BIN_COUNT];    /* handed out and not freed */
  int64_t waiting[MI_BIN_COUNT]; /* in free lists, not yet handed out */
  int64_t page_bytes;
} blocks_t;

static void count_page(blocks_t *b, mi_page_t *page) {
  size_t live = _mi_page_live(page); /* collects the page's cross-thread frees */
  b->live[page->bin] += (int64_t)live;
  b->waiting[page->bin] += (int64_t)(page->used - live);
  b->page_bytes += (int64_t)_mi_page_area_size(page);
}

/* The pages of every heap of a thread (its own: the caller is that thread). */
static void count_thread(blocks_t *b, mi_tld_t *tld) {
  for (mi_heap_t *heap = tld->heaps; heap != NULL; heap = heap->next)
    for (size_t q = 0; q < MI_BIN_COUNT; q++)
      for (mi_page_t *page = heap->bins[q].first; page != NULL; page = page->next)
        count_page(b, page);
}

static void count_segment(mi_segment_t *segment, void *arg) {
  size_t i = 0, live = segment->used;
  for (mi_page_t *page; (page = _mi_segment_next_used(segment, &i, &live)) != NULL;)
    count_page(arg, page);
}

/* The calling thread's own counters into the process's, and its blocks in
 * use published (stats.c). */
void mi_stats_merge(void) {
  mi_heap_t *heap = _mi_tls_resolve();
  if (heap->thread_id != _mi_thread_id())
    return;
  mi_tld_t *tld = heap->tld;
  _mi_page_xfree_flush(tld);
  blocks_t own;
  memset(&own, 0, sizeof own);
  count_thread(&own, tld); /* first: it collects frees from other threads, which count */
  _mi_stats_local_flush(&tld->stats);
  _mi_stats_publish(&tld->stats, own.live, own.waiting);
}

/* Blocks of running threads as published, and of exited threads now. */
static void count_all(blocks_t *abandoned) {
  mi_stats_merge();
  memset(abandoned, 0, sizeof *abandoned);
  _mi_abandoned_visit(count_segment, abandoned);
}

/* ---- totals ------------------------------------------------------------------- */

static int64_t reset_live[MI_BIN_COUNT]; /* blocks in use at the last mi_stats_reset */

void mi_stats_reset(void) {
  blocks_t abandoned;
  count_all(&abandoned);
  _mi_stats_reset_counters();
  /* blocks waiting in free lists now are not allocations after it */
  for (size_t bin = 0; bin < MI_BIN_COUNT; bin++) {
    int64_t waiting = __atomic_load_n(&_mi_stats.bin_waiting[bin], __ATOMIC_RELAXED) + abandoned.waiting[bin];
    _mi_stat_counter(&_mi_stats.bin_reused[bin], waiting);
    reset_live[bin] = __atomic_load_n(&_mi_stats.bin_live[bin], __ATOMIC_RELAXED) + abandoned.live[bin];
  }
}

static void bin_totals(mi_stats_bin_totals_t *b, const mi_stats_t *s, const blocks_t *abandoned, size_t bin) {
  int64_t live = s->bin_live[bin] + abandoned->live[bin];
  int64_t waiting = s->bin_waiting[bin] + abandoned->waiting[bin];
  b->block_size = bin == MI_BIN_HUGE ? 0 : _mi_bin_size((uint8_t)bin);
  b->live_blocks = live;
  b->live_bytes = bin == MI_BIN_HUGE ? s->huge.current : live * (int64_t)b->block_size;
  /* the sizes seen on the slow path stand for all requests of the class;
   * a huge block is its request rounded up to MI_HUGE_ROUND */
  b->requested = b->live_bytes;
  if (s->bin_req_count[bin] > 0 && bin != MI_BIN_HUGE) {
    double mean = (double)s->bin_req_bytes[bin] / (double)s->bin_req_count[bin];
    int64_t estimate = (int64_t)(mean * (double)live);
    if (estimate < b->requested)
      b->requested = estimate;
  }
  b->allocations = s->bin_blocks[bin] + s->bin_reused[bin] - waiting;
  b->pages = s->bins[bin].current;
  b->pages_peak = s->bins[bin].peak;
  b->carved = s->bin_blocks[bin];
}

void _mi_stats_totals(mi_stats_totals_t *t) {
  blocks_t abandoned;
  count_all(&abandoned);
  mi_stats_t s;
  _mi_stats_snapshot(&s);
  memset(t, 0, sizeof *t);
  for (size_t bin = 1; bin <= MI_BIN_HUGE; bin++) {
    mi_stats_bin_totals_t *b = &t->bins[bin];
    bin_totals(b, &s, &abandoned, bin);
    t->in_use += b->live_bytes;
    t->in_use_blocks += b->live_blocks;
    t->requested += b->requested;
    t->allocations += b->allocations;
    t->frees += b->allocations - (b->live_blocks - reset_live[bin]);
  }
  t->in_use_peak = _mi_stats_counting ? s.live.peak : -1;
  t->in_pages = s.page_bytes.current + abandoned.page_bytes;
  t->in_pages_peak = t->in_pages > s.page_bytes.peak ? t->in_pages : s.page_bytes.peak;
  t->huge = s.huge.current;
  t->huge_peak = s.huge.peak;
  t->reserved = s.reserved.current;
  t->reserved_peak = s.reserved.peak;
  t->committed = s.committed.current;
  t->committed_peak = s.committed.peak;
  t->callocs = s.callocs;
  t->reallocs = s.reallocs;
  t->xthread_frees = s.xthread_frees;
  t->threads = s.threads.current;
  t->threads_peak = s.threads.peak;
  t->segments = s.segments.current;
  t->segments_peak = s.segments.peak;
  mi_process_info_t info;
  _mi_prim_process_info(&info);
  t->resident = info.current_rss;
  t->resident_peak = info.peak_rss;
  t->page_faults = info.page_faults;
  t->user_msecs = info.utime_msecs;
  t->system_msecs = info.stime_msecs;
  t->elapsed_msecs = _mi_stats_elapsed_msecs();
}

/* ---- output -------------------------------------------------------------------- */

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

/* Bytes in binary units: "512 B", "1.5 KiB", "12.0 MiB". */
static const char *bytes(char *buf, size_t size, int64_t n) {
  static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
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
  return buf;
}

static const char *msecs(char *buf, size_t size, int64_t ms) {
  _mi_snprintf(buf, size, "%lld.%03lld s", (long long)(ms / 1000), (long long)(ms % 1000));
  return buf;
}

#define B(n) bytes((char[24]){0}, 24, (n))
#define S(ms) msecs((char[32]){0}, 32, (ms))

#if defined(MI_OVERRIDE)
static const bool build_override = true;
#else
static const bool build_override = false;
#endif

static const char *lock_names[MI_LOCK_COUNT] = {"cache", "abandoned", "window", "maps", "region", "zone"};

/* The program, the process and mialloc's build. */
static void print_header(printer_t *pr, const mi_stats_totals_t *t) {
  print(pr, "mialloc %s statistics: %s (pid %d), %s elapsed; thread-local heap: %s; build: %s, %s\n",
        PACKAGE_VERSION, _mi_prim_program_name(), _mi_prim_pid(), S(t->elapsed_msecs), mi_tls_mechanism(),
        build_override ? "overrides malloc" : "mi_* API only", MI_DEBUG ? "debug checks" : "no debug checks");
}

static void print_summary(printer_t *pr, const mi_stats_totals_t *t) {
  char peak[48] = "peak not counted";
  if (t->in_use_peak >= 0)
    _mi_snprintf(peak, sizeof peak, "at peak %s", B(t->in_use_peak));
  print(pr, "%-15s %s in %lld blocks (about %s requested), %s; pages holding blocks: %s, at peak %s\n",
        "in use:", B(t->in_use), (long long)t->in_use_blocks, B(t->requested), peak, B(t->in_pages),
        B(t->in_pages_peak));
  print(pr, "%-15s reserved %s (peak %s), committed %s (peak %s), resident %s (peak %s)\n", "memory:",
        B(t->reserved), B(t->reserved_peak), B(t->committed), B(t->committed_peak),
        B((int64_t)t->resident), B((int64_t)t->resident_peak));
  print(pr, "%-15s %lld allocations (%lld by calloc), %lld reallocs, %lld frees (%lld from other threads)\n",
        "calls:", (long long)t->allocations, (long long)t->callocs, (long long)t->reallocs, (long long)t->frees,
        (long long)t->xthread_frees);
  print(pr, "%-15s user %s, system %s, %zu page faults\n", "cpu:", S(t->user_msecs), S(t->system_msecs),
        t->page_faults);
}

/* The size classes with blocks or pages now; the others in one line. */
static void print_classes(printer_t *pr, const mi_stats_totals_t *t) {
  print(pr, "\n%12s %12s %12s %12s %12s %8s %8s\n", "block size", "in use", "blocks", "requested",
        "allocations", "pages", "at peak");
  int64_t others = 0, other_allocations = 0;
  for (size_t bin = 1; bin <= MI_BIN_HUGE; bin++) {
    const mi_stats_bin_totals_t *b = &t->bins[bin];
    if (b->live_blocks == 0 && b->pages == 0) {
      others += b->allocations > 0;
      other_allocations += b->allocations;
      continue;
    }
    char size[24] = "huge";
    if (bin != MI_BIN_HUGE)
      bytes(size, sizeof size, (int64_t)b->block_size);
    print(pr, "%12s %12s %12lld %12s %12lld %8lld %8lld\n", size, B(b->live_bytes), (long long)b->live_blocks,
          B(b->requested), (long long)b->allocations, (long long)b->pages, (long long)b->pages_peak);
  }
  if (others > 0)
    print(pr, "%12s %lld allocations in %lld more size classes, all freed\n", "", (long long)other_allocations,
          (long long)others);
}

static void print_internals(printer_t *pr, const mi_stats_totals_t *t, const mi_stats_t *s) {
  print(pr, "\n%-15s %lld running, at most %lld at once\n", "threads:", (long long)t->threads,
        (long long)t->threads_peak);
  print(pr, "%-15s %lld now, at most %lld (4 MiB units of memory); %lld mappings from the OS, %lld reused from "
            "the free-segment cache, %lld moved to resize them\n",
        "segments:", (long long)t->segments, (long long)t->segments_peak, (long long)s->mmap_calls,
        (long long)s->cache_hits, (long long)s->remaps);
  print(pr, "%-15s %s given back to the OS in %lld calls\n", "returned:", B(s->purged_bytes), (long long)s->purges);
  print(pr, "%-15s %lld segments left with blocks in use, %lld taken over by other threads\n", "exited threads:",
        (long long)s->abandoned, (long long)s->reclaimed);
  print(pr, "%-15s frees from other threads collected by the owners in %lld batches\n", "collected:",
        (long long)s->xthread_collects);
  print(pr, "%-15s %lld segments lie beyond the table that maps addresses to pages at once\n", "slower frees:",
        (long long)s->window_misses);
  char locks[256] = "";
  size_t used = 0;
  for (int i = 0; i < MI_LOCK_COUNT && used < sizeof locks; i++)
    used += (size_t)snprintf(locks + used, sizeof locks - used, "%s%s %lld/%lld", i == 0 ? "" : ", ",
                             lock_names[i], (long long)s->lock_waits[i], (long long)s->lock_takes[i]);
  print(pr, "%-15s times waited/taken: %s\n", "locks:", locks);
  if (mi_tls_slot() >= 0)
    print(pr, "%-15s %ld, found used by other code %zu times\n", "tls slot:", mi_tls_slot(), mi_tls_conflicts());
}

void mi_stats_print_out(mi_output_fun *out, void *arg) {
  mi_stats_totals_t t;
  _mi_stats_totals(&t);
  mi_stats_t s;
  _mi_stats_snapshot(&s);
  printer_t pr = {out, arg};
  print_header(&pr, &t);
  print_summary(&pr, &t);
  print_classes(&pr, &t);
  print_internals(&pr, &t, &s);
}

void mi_stats_print(void *out) {
  mi_stats_print_out((mi_output_fun *)out, NULL);
}

/* ---- JSON: the schema is in mi_stats_print(3); MI_STATS_JSON_VERSION
 * grows with every change that could break a reader ---- */

#define MI_STATS_JSON_VERSION 1

/* A JSON string of s (at most 200 bytes of it) into buf. */
static const char *json_string(char *buf, size_t size, const char *s) {
  size_t n = 0;
  buf[n++] = '"';
  for (size_t i = 0; s[i] != 0 && i < 200 && n + 8 < size; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      buf[n++] = '\\';
      buf[n++] = (char)c;
    } else if (c < 0x20) {
      n += (size_t)snprintf(buf + n, size - n, "\\u%04x", c);
    } else {
      buf[n++] = (char)c;
    }
  }
  buf[n++] = '"';
  buf[n] = 0;
  return buf;
}

#define J(s) json_string((char[256]){0}, 256, (s))
#define LL(n) ((long long)(n))

static void json_classes(printer_t *pr, const mi_stats_totals_t *t) {
  print(pr, "  \"size_classes\": [");
  const char *sep = "\n";
  for (size_t bin = 1; bin <= MI_BIN_HUGE; bin++) {
    const mi_stats_bin_totals_t *b = &t->bins[bin];
    if (b->allocations == 0 && b->pages_peak == 0 && b->live_blocks == 0)
      continue;
    print(pr, "%s    {\"block_size\": %zu, \"huge\": %s, \"in_use_bytes\": %lld, \"in_use_blocks\": %lld, "
              "\"requested_bytes\": %lld, \"allocations\": %lld, \"pages\": %lld, \"pages_peak\": %lld, "
              "\"carved_blocks\": %lld}",
          sep, b->block_size, bin == MI_BIN_HUGE ? "true" : "false", LL(b->live_bytes), LL(b->live_blocks),
          LL(b->requested), LL(b->allocations), LL(b->pages), LL(b->pages_peak), LL(b->carved));
    sep = ",\n";
  }
  print(pr, "\n  ],\n");
}

static void json_internals(printer_t *pr, const mi_stats_totals_t *t, const mi_stats_t *s) {
  print(pr, "  \"internals\": {\"threads\": %lld, \"threads_peak\": %lld, \"segments\": %lld, "
            "\"segments_peak\": %lld, \"os_mappings\": %lld, \"segment_cache_reuses\": %lld, "
            "\"segment_moves\": %lld,\n",
        LL(t->threads), LL(t->threads_peak), LL(t->segments), LL(t->segments_peak), LL(s->mmap_calls),
        LL(s->cache_hits), LL(s->remaps));
  print(pr, "    \"purges\": %lld, \"purged_bytes\": %lld, \"abandoned_segments\": %lld, "
            "\"reclaimed_segments\": %lld, \"cross_thread_batches\": %lld, \"slow_free_segments\": %lld,\n",
        LL(s->purges), LL(s->purged_bytes), LL(s->abandoned), LL(s->reclaimed), LL(s->xthread_collects),
        LL(s->window_misses));
  print(pr, "    \"tls_slot\": %ld, \"tls_conflicts\": %zu,\n    \"locks\": {", mi_tls_slot(), mi_tls_conflicts());
  for (int i = 0; i < MI_LOCK_COUNT; i++)
    print(pr, "%s\"%s\": {\"taken\": %lld, \"waited\": %lld}", i == 0 ? "" : ", ", lock_names[i],
          LL(s->lock_takes[i]), LL(s->lock_waits[i]));
  print(pr, "}}\n");
}

void mi_stats_print_json(mi_output_fun *out, void *arg) {
  mi_stats_totals_t t;
  _mi_stats_totals(&t);
  mi_stats_t s;
  _mi_stats_snapshot(&s);
  printer_t pr = {out, arg};
  print(&pr, "{\n  \"schema\": \"mialloc-stats\", \"schema_version\": %d, \"mialloc_version\": \"%s\",\n",
        MI_STATS_JSON_VERSION, PACKAGE_VERSION);
  print(&pr, "  \"program\": %s, \"pid\": %d, \"elapsed_msecs\": %lld,\n", J(_mi_prim_program_name()),
        _mi_prim_pid(), LL(t.elapsed_msecs));
  print(&pr, "  \"config\": {\"tls\": %s, \"override\": %s, \"debug\": %s},\n", J(mi_tls_mechanism()),
        build_override ? "true" : "false", MI_DEBUG ? "true" : "false");
  char peak[24] = "null";
  if (t.in_use_peak >= 0)
    _mi_snprintf(peak, sizeof peak, "%lld", LL(t.in_use_peak));
  print(&pr, "  \"in_use\": {\"bytes\": %lld, \"blocks\": %lld, \"requested_bytes\": %lld, \"bytes_peak\": %s, "
             "\"page_bytes\": %lld, \"page_bytes_peak\": %lld, \"huge_bytes\": %lld, \"huge_bytes_peak\": %lld},\n",
        LL(t.in_use), LL(t.in_use_blocks), LL(t.requested), peak, LL(t.in_pages), LL(t.in_pages_peak),
        LL(t.huge), LL(t.huge_peak));
  print(&pr, "  \"memory\": {\"reserved\": %lld, \"reserved_peak\": %lld, \"committed\": %lld, "
             "\"committed_peak\": %lld, \"resident\": %zu, \"resident_peak\": %zu},\n",
        LL(t.reserved), LL(t.reserved_peak), LL(t.committed), LL(t.committed_peak), t.resident, t.resident_peak);
  print(&pr, "  \"calls\": {\"allocations\": %lld, \"callocs\": %lld, \"reallocs\": %lld, \"frees\": %lld, "
             "\"cross_thread_frees\": %lld},\n",
        LL(t.allocations), LL(t.callocs), LL(t.reallocs), LL(t.frees), LL(t.xthread_frees));
  print(&pr, "  \"process\": {\"user_msecs\": %lld, \"system_msecs\": %lld, \"page_faults\": %zu},\n",
        LL(t.user_msecs), LL(t.system_msecs), t.page_faults);
  json_classes(&pr, &t);
  json_internals(&pr, &t, &s);
  print(&pr, "}\n");
}

/* The JSON report into buf (for mi_stats_get_json, alloc.c): false with
 * ERANGE when it does not fit in `size` bytes (with its final 0). */
typedef struct json_buf_s {
  char *buf;
  size_t size, used; /* used: the length the whole report needs */
} json_buf_t;

static void json_append(const char *msg, void *arg) {
  json_buf_t *jb = arg;
  size_t n = strlen(msg);
  if (jb->used + n < jb->size)
    memcpy(jb->buf + jb->used, msg, n + 1);
  jb->used += n;
}

size_t _mi_stats_json_into(char *buf, size_t size) {
  json_buf_t jb = {buf, size, 0};
  if (size > 0)
    buf[0] = 0;
  mi_stats_print_json(json_append, &jb);
  if (jb.used >= size)
    errno = ERANGE;
  return jb.used;
}

/* ---- at exit --------------------------------------------------------------------- */

static void to_file(const char *msg, void *arg) {
  _mi_prim_file_write(*(int *)arg, msg);
}

/* MIALLOC_STATS_FILE's value with %p replaced by the pid and %% by %. */
static void expand_path(char *path, size_t size, const char *pattern) {
  size_t n = 0;
  for (const char *p = pattern; *p != 0 && n + 1 < size; p++) {
    if (p[0] == '%' && p[1] == 'p') {
      n += (size_t)snprintf(path + n, size - n, "%d", _mi_prim_pid());
      p++;
    } else {
      if (p[0] == '%' && p[1] == '%')
        p++;
      path[n++] = *p;
    }
  }
  path[n < size ? n : size - 1] = 0;
}

void _mi_stats_print_at_exit(void) {
  char format[16] = "text", pattern[1024], path[1100];
  bool json = false;
  if (_mi_prim_getenv("MIALLOC_STATS_FORMAT", format, sizeof format) && strcmp(format, "text") != 0) {
    json = strcmp(format, "json") == 0;
    if (!json)
      _mi_fputs(NULL, NULL, NULL, "mialloc: MIALLOC_STATS_FORMAT must be 'text' or 'json': printing text\n");
  }
  mi_output_fun *out = NULL;
  int fd = -1;
  if (_mi_prim_getenv("MIALLOC_STATS_FILE", pattern, sizeof pattern) && pattern[0] != 0) {
    expand_path(path, sizeof path, pattern);
    int err = _mi_prim_file_append(path, &fd);
    if (err == 0) {
      out = to_file;
    } else {
      char msg[1300];
      _mi_snprintf(msg, sizeof msg, "mialloc: cannot open MIALLOC_STATS_FILE '%s' (%s): printing here\n", path,
                   strerror(err));
      _mi_fputs(NULL, NULL, NULL, msg);
    }
  }
  if (json)
    mi_stats_print_json(out, &fd);
  else
    mi_stats_print_out(out, &fd);
  if (fd >= 0)
    _mi_prim_file_close(fd);
}
