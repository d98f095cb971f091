/* heap-usage.c - what the blocks of a thread, or of the whole process,
 * add up to: blocks and bytes in use and free, per size class.  A walk of
 * pages, not a counter: for glibc's mallinfo (override-glibc.c) and
 * mi_thread_stats_print_out.  Pages of other running threads are read
 * without their owners' help, so that part is a snapshot. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

/* Blocks waiting in page->free: they count as used in page->used.  A
 * link that is not a block of the page ends the walk (its owner may be
 * taking blocks meanwhile). */
static size_t free_list_length(const mi_page_t *page) {
  size_t n = 0;
  const mi_block_t *b = mi_racy_read(page->free);
  while (b != NULL && n < page->used && _mi_page_block_of(page, b) == b) {
    n++;
    b = mi_block_next(page, b);
  }
  return n;
}

static void add_page(mi_usage_t *u, const mi_page_t *page) {
  size_t used = mi_racy_read(page->used), live = used - free_list_length(page);
  if (live > used)
    live = 0;
  size_t bin = page->bin < MI_BIN_COUNT ? page->bin : 0;
  u->pages++;
  u->live_blocks[bin] += live;
  u->live_bytes[bin] += live * page->block_size;
  u->free_blocks[bin] += page->reserved - live;
}

static bool add_heap_page(mi_heap_t *heap, mi_page_queue_t *pq, mi_page_t *page, void *arg) {
  (void)heap;
  (void)pq;
  add_page(arg, page);
  return true;
}

/* The calling thread's heaps (thread_only), or every segment's pages. */
void _mi_heap_usage(bool thread_only, mi_usage_t *u) {
  memset(u, 0, sizeof *u);
  if (thread_only) {
    mi_heap_t *heap = mi_heap_get_default();
    for (mi_heap_t *h = heap->tld->heaps; h != NULL; h = h->next)
      _mi_heap_visit_pages(h, add_heap_page, u);
    return;
  }
  for (mi_segment_t *segment = _mi_segment_next(NULL); segment != NULL; segment = _mi_segment_next(segment)) {
    size_t count = segment->page_count;
    for (size_t i = 0; i < count && i < MI_MAX_PAGES; i++) {
      mi_page_t *page = _mi_segment_page(segment, i);
      if (page->in_use && page->block_size != 0)
        add_page(u, page);
    }
  }
}

/* Blocks (or their bytes) in use, of size classes [from, to). */
size_t _mi_usage_sum(const mi_usage_t *u, size_t from, size_t to, bool bytes) {
  size_t total = 0;
  for (size_t bin = from; bin < to && bin < MI_BIN_COUNT; bin++)
    total += bytes ? u->live_bytes[bin] : u->live_blocks[bin];
  return total;
}

/* ---- mi_thread_stats_print_out ------------------------------------------------ */

static void out_line(mi_output_fun *out, void *arg, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void out_line(mi_output_fun *out, void *arg, const char *fmt, ...) {
  char buf[160];
  va_list args;
  va_start(args, fmt);
  vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  _mi_fputs(out, arg, NULL, buf);
}

/* The calling thread's blocks, per size class (its pages only: what it
 * allocated and has not freed, and blocks other threads freed into them
 * that it has not collected yet). */
void mi_thread_stats_print_out(mi_output_fun *out, void *arg) {
  mi_usage_t u;
  _mi_heap_usage(true, &u);
  out_line(out, arg, "mialloc: thread %#llx: %zu pages, %zu blocks in use, %zu bytes in use\n",
           (unsigned long long)_mi_thread_id(), u.pages, _mi_usage_sum(&u, 0, MI_BIN_COUNT, false),
           _mi_usage_sum(&u, 0, MI_BIN_COUNT, true));
  out_line(out, arg, "%14s %14s %16s\n", "block size (B)", "blocks in use", "bytes in use");
  for (size_t bin = 1; bin < MI_BIN_COUNT; bin++) {
    if (u.live_blocks[bin] == 0)
      continue;
    if (bin >= MI_BIN_HUGE)
      out_line(out, arg, "%14s %14zu %16zu\n", "huge", u.live_blocks[bin], u.live_bytes[bin]);
    else
      out_line(out, arg, "%14zu %14zu %16zu\n", _mi_bin_size((uint8_t)bin), u.live_blocks[bin], u.live_bytes[bin]);
  }
}
