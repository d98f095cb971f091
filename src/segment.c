/* segment.c - segments: OS-aligned chunks that hold pages, owned by one
 * thread: their layout, claiming and freeing their pages, purging free
 * pages, and resizing huge ones.  Free segments wait in cache.c, those of
 * exited threads in abandon.c; which addresses are segments is kept in
 * addrmap.c. */
#include "internal.h"


/* ---- layout ------------------------------------------------------------- */

_Static_assert(sizeof(mi_page_t) == (1 << MI_PAGE_SHIFT_IN_SEGMENT), "page descriptor size");
_Static_assert(sizeof(void *) != 8 || offsetof(mi_page_t, xthread_free) == 64,
               "cross-thread frees in the second cache line of a page descriptor");
_Static_assert(sizeof(mi_segment_t) <= MI_SEGMENT_HEADER_SIZE, "segment header size");
_Static_assert(MI_SEGMENT_HEADER_SIZE % MI_PAGE_START_ALIGN == 0, "page start alignment");

static size_t segment_header_size(void) {
  return MI_SEGMENT_HEADER_SIZE;
}

/* The guard page of a secure build: one OS page after each page's block
 * area, where a linear overflow off its last block faults.  Small, medium
 * and large pages have it as their last OS page (so blocks fill the page
 * less that), huge blocks right after the block (their segment is mapped
 * that much larger).  It is set when a page is first claimed and stays
 * while the segment lives, whatever sizes the page holds meanwhile (purges
 * leave it out); the segment loses its guards when it is freed, so that
 * the cache, which splits, merges, remaps and hands out segments for any
 * layout, sees plain memory.  Huge blocks move theirs as realloc resizes
 * them (_mi_segment_huge_guard).  0 in the default build. */
size_t _mi_segment_guard_size(void) {
  return MI_SECURE ? _mi_os_page_size() : 0;
}

/* Start and size of the block area of page i (without its guard). */
static uint8_t *segment_page_area(mi_segment_t *segment, size_t i, size_t *size) {
  size_t header = segment_header_size();
  if (segment->kind >= MI_PAGE_LARGE) {
    *size = segment->size - header - _mi_segment_guard_size();
    return (uint8_t *)segment + header;
  }
  size_t psize = MI_SEGMENT_SIZE / segment->page_count;
  uint8_t *start = (uint8_t *)segment + i * psize;
  *size = psize - _mi_segment_guard_size();
  if (i == 0) {
    start += header;
    *size -= header;
  }
  return start;
}

static size_t page_index(const mi_page_t *page);

/* Set or remove the guard after page's blocks (see _mi_segment_guard_size). */
static void page_guard(mi_segment_t *segment, mi_page_t *page, bool on) {
  if (_mi_segment_guard_size() == 0 || page->is_guarded == on)
    return;
  size_t area;
  uint8_t *at = segment->kind == MI_PAGE_HUGE ? _mi_page_start(page) + page->block_size
                                              : segment_page_area(segment, page_index(page), &area) + area;
  /* a fresh page's memory was never touched; a huge block's guard may
   * land where the block was, when realloc shrinks it */
  bool dirty = !page->is_zero || segment->kind == MI_PAGE_HUGE;
  if (_mi_os_guard(at, _mi_segment_guard_size(), on, dirty))
    page->is_guarded = on;
}

/* For realloc of a huge block (page.c): the guard goes before the block
 * changes size or the segment moves, and comes back after. */
void _mi_segment_huge_guard(mi_page_t *page, bool on) {
  page_guard(_mi_ptr_segment(page), page, on);
}

static mi_segment_list_t *segment_free_list(mi_tld_t *tld, mi_page_kind_t kind) {
  return kind == MI_PAGE_SMALL ? &tld->small_free : &tld->medium_free;
}

static void list_push(mi_segment_list_t *list, mi_segment_t *segment) {
  segment->prev = NULL;
  segment->next = list->first;
  if (list->first != NULL)
    list->first->prev = segment;
  list->first = segment;
  segment->in_free_list = true;
}

static void list_remove(mi_segment_list_t *list, mi_segment_t *segment) {
  if (!segment->in_free_list)
    return;
  if (segment->prev != NULL)
    segment->prev->next = segment->next;
  else
    list->first = segment->next;
  if (segment->next != NULL)
    segment->next->prev = segment->prev;
  segment->next = segment->prev = NULL;
  segment->in_free_list = false;
}

/* [segment+keep, segment+old) stops being part of the segment: its window
 * slices and its chunks (those wholly past `keep`) become nobody's.  Before
 * the range is unmapped; _mi_window_release after. */
static void segment_drop_tail(mi_segment_t *segment, size_t keep, size_t old) {
  uint8_t *base = (uint8_t *)segment;
  size_t keep_chunks = (keep + MI_SEGMENT_MASK) >> MI_SEGMENT_SHIFT;
  size_t old_chunks = (old + MI_SEGMENT_MASK) >> MI_SEGMENT_SHIFT;
  _mi_window_unmap(base + keep, old - keep);
  if (old_chunks > keep_chunks)
    _mi_segmap_mark((mi_segment_t *)(base + (keep_chunks << MI_SEGMENT_SHIFT)),
                    (old_chunks - keep_chunks) << MI_SEGMENT_SHIFT, false);
}

/* A huge segment in use moved by the OS to a new address with a new size,
 * its pages with it (no copy); the maps follow.  NULL (the segment as it
 * was) when the OS cannot. */
static mi_segment_t *segment_move(mi_segment_t *segment, size_t size) {
  size_t old = segment->size;
  void *moved = NULL;
  if (_mi_prim_remap(segment, old, size, MI_SEGMENT_SIZE, NULL, &moved) != 0)
    return NULL;
  segment_drop_tail(segment, 0, old); /* the old range is gone: nobody's */
  _mi_window_release(segment, old);
  segment = moved;
  segment->size = size;
  segment->cookie = (uintptr_t)segment ^ _mi_process_cookie; /* it depends on the address */
  if (!_mi_segmap_mark(segment, size, true))
    _mi_error_message(ENOMEM, "the address map cannot take a moved segment (%p): frees of its block fail\n",
                      (void *)segment);
  _mi_window_map(segment, false);
  return segment;
}

/* A huge segment in use, resized to `size` (a multiple of MI_HUGE_ROUND)
 * with its contents, for realloc (page.c): in place where the addresses
 * after it allow, else moved.  NULL, and the segment as it was, when the
 * OS cannot. */
mi_segment_t *_mi_segment_huge_remap(mi_segment_t *segment, size_t size) {
  size_t old = segment->size;
  if (size < old && _mi_prim_resize(segment, old, size) == 0) {
    segment_drop_tail(segment, size, old);
    _mi_window_release((uint8_t *)segment + size, old - size);
    segment->size = size;
  } else if (size > old && _mi_prim_resize(segment, old, size) == 0) {
    /* the addresses after it were free (the OS says so): now they are its */
    if (!_mi_segmap_mark(segment, size, true)) {
      (void)_mi_prim_resize(segment, size, old);
      return NULL;
    }
    segment->size = size;
    _mi_window_map(segment, false);
  } else {
    segment = segment_move(segment, size);
    if (segment == NULL)
      return NULL;
  }
  _mi_stat_increase(&_mi_stats.reserved, (int64_t)size);
  _mi_stat_decrease(&_mi_stats.reserved, (int64_t)old);
  _mi_stat_increase(&_mi_stats.committed, (int64_t)size);
  _mi_stat_decrease(&_mi_stats.committed, (int64_t)old);
  _mi_stat_counter(&_mi_stats.remaps, 1);
  return segment;
}

/* ---- allocation and release of segments --------------------------------- */

static size_t segment_kind_pages(mi_page_kind_t kind) {
  switch (kind) {
  case MI_PAGE_SMALL: return MI_SEGMENT_SIZE / MI_SMALL_PAGE_SIZE;
  case MI_PAGE_MEDIUM: return MI_SEGMENT_SIZE / MI_MEDIUM_PAGE_SIZE;
  default: return 1;
  }
}

/* A new segment for pages of `kind`; for huge pages `size` is the total
 * mapping and `align` its alignment. */
static mi_segment_t *segment_alloc(mi_tld_t *tld, mi_page_kind_t kind, size_t size, size_t align) {
  size_t count = segment_kind_pages(kind);
  mi_segment_t *segment = NULL;
  bool fresh = false;
  if (align == MI_SEGMENT_SIZE)
    segment = _mi_cache_take(tld, size, kind == MI_PAGE_HUGE);
  if (segment != NULL) {
    _mi_stat_counter(&_mi_stats.cache_hits, 1);
  } else {
    /* huge segments are placed anywhere: see _mi_window_map */
    segment = _mi_os_alloc_aligned(size, align, kind == MI_PAGE_HUGE ? NULL : _mi_window_hint(size, align));
    if (segment == NULL)
      return NULL;
    if (!_mi_segmap_mark(segment, size, true)) {
      _mi_os_free(segment, size, size);
      return NULL;
    }
    fresh = true;
    _mi_stat_increase(&_mi_stats.segments, 1);
    segment->purged = 0;
  }
  if (!fresh) {
    /* a cached segment may have had another layout: forget its page states */
    if (segment->purged > 0) {
      _mi_stat_increase(&_mi_stats.committed, (int64_t)segment->purged);
      segment->purged = 0;
    }
    memset(segment->pages, 0, sizeof segment->pages);
  }
  segment->thread_id = tld->thread_id;
  segment->cookie = (uintptr_t)segment ^ _mi_process_cookie;
  if (fresh)
    segment->size = size; /* a cached one keeps its (possibly larger) size */
  else if (segment->size < size)
    return NULL; /* unreachable: the cache and resize give at least `size` */
  size_t index_mask = (MI_MAX_PAGES - 1) & ~(MI_MAX_PAGES / count - 1);
  segment->page_offset_mask = index_mask << MI_PAGE_SHIFT_IN_SEGMENT;
  segment->kind = kind;
  segment->page_count = (uint32_t)count;
  segment->used = 0;
  segment->abandoned = 0;
  segment->next = segment->prev = NULL;
  segment->purge_at = 0;
  segment->in_free_list = false;
  for (size_t i = 0; i < count; i++)
    _mi_segment_page(segment, i)->is_zero = fresh;
  _mi_window_map(segment, kind != MI_PAGE_HUGE);
  return segment;
}

static size_t page_index(const mi_page_t *page) {
  mi_segment_t *segment = _mi_ptr_segment(page);
  return (size_t)(page - segment->pages) / (MI_MAX_PAGES / segment->page_count);
}

static void segment_free(mi_segment_t *segment, mi_tld_t *tld) {
  for (size_t i = 0; i < segment->page_count; i++)
    page_guard(segment, _mi_segment_page(segment, i), false);
  if (segment->kind <= MI_PAGE_MEDIUM)
    list_remove(segment_free_list(tld, segment->kind), segment);
  mi_track_open(segment, segment->size); /* raw memory again, for headers or blocks */
  _mi_cache_give(tld, segment);
}

/* Would a page for blocks of `block_size` (small or medium) come from a
 * segment the thread has, rather than a new one? */
bool _mi_segment_has_free_page(mi_tld_t *tld, size_t block_size) {
  return segment_free_list(tld, _mi_page_kind_for(block_size))->first != NULL;
}

/* A free page of the segment: one whose memory is resident if there is
 * one (used before, and not purged since: no page faults), else the
 * first; NULL if none is free. */
static mi_page_t *segment_free_page(mi_segment_t *segment) {
  mi_page_t *first = NULL;
  for (size_t i = 0; i < segment->page_count; i++) {
    mi_page_t *page = _mi_segment_page(segment, i);
    if (page->in_use)
      continue;
    if (!page->is_purged && !page->is_zero)
      return page;
    if (first == NULL)
      first = page;
  }
  return first;
}

/* Claim a free page of a small or medium segment, making a segment when
 * the thread has none with room. */
static mi_page_t *segment_claim_page(mi_heap_t *heap, mi_page_kind_t kind) {
  mi_tld_t *tld = heap->tld;
  mi_segment_list_t *list = segment_free_list(tld, kind);
  if (list->first == NULL) {
    mi_segment_t *segment = segment_alloc(tld, kind, MI_SEGMENT_SIZE, MI_SEGMENT_SIZE);
    if (segment == NULL)
      return NULL;
    list_push(list, segment);
  }
  mi_segment_t *segment = list->first;
  mi_page_t *page = segment_free_page(segment);
  if (page == NULL) {
    _mi_error_message(EFAULT, "segment %p is on the free list without a free page\n", (void *)segment);
    list_remove(list, segment);
    return NULL;
  }
  mi_assert(page->free == NULL && page->used == 0);
  page->in_use = 1;
  if (++segment->used == segment->page_count)
    list_remove(list, segment);
  return page;
}

/* A page for blocks of `block_size` bytes (huge: one block, aligned to
 * `alignment`), with its area set up; the caller initialises the blocks. */
mi_page_t *_mi_segment_page_alloc(mi_heap_t *heap, size_t block_size, size_t alignment) {
  mi_tld_t *tld = heap->tld;
  mi_page_t *page;
  if (block_size <= MI_MEDIUM_OBJ_MAX && alignment <= MI_MAX_ALIGN) {
    page = segment_claim_page(heap, _mi_page_kind_for(block_size));
  } else {
    bool large = block_size <= MI_LARGE_OBJ_MAX && alignment <= MI_MAX_ALIGN;
    size_t header = segment_header_size();
    size_t align = alignment > MI_SEGMENT_SIZE ? alignment : MI_SEGMENT_SIZE;
    size_t offset = _mi_align_up(header, alignment > MI_MAX_ALIGN ? alignment : MI_MAX_ALIGN);
    size_t size = MI_SEGMENT_SIZE;
    if (!large) {
      if (block_size > PTRDIFF_MAX - offset - MI_SEGMENT_SIZE - _mi_segment_guard_size())
        return NULL;
      size = _mi_align_up(offset + _mi_huge_block_size(offset, block_size) + _mi_segment_guard_size(),
                          MI_SEGMENT_SIZE);
    }
    mi_segment_t *segment = segment_alloc(tld, large ? MI_PAGE_LARGE : MI_PAGE_HUGE, size, align);
    if (segment == NULL)
      return NULL;
    page = &segment->pages[0];
    page->in_use = 1;
    segment->used = 1;
    if (!large) {
      /* the block starts at `offset` and has the size asked for, rounded
       * up to MI_HUGE_ROUND: the segment around it is mapped in whole
       * chunks (room for realloc, and for reuse by a larger block), but
       * only that much is the block's */
      _mi_page_set_start(page, (uint8_t *)segment + offset);
      page->block_size = _mi_huge_block_size(offset, block_size);
      page_guard(segment, page, true);
      return page;
    }
  }
  if (page == NULL)
    return NULL;
  mi_segment_t *segment = _mi_ptr_segment(page);
  size_t area;
  _mi_page_set_start(page, segment_page_area(segment, page_index(page), &area));
  page->block_size = area; /* the caller divides the area into blocks */
  if (page->is_purged) {
    _mi_stat_increase(&_mi_stats.committed, (int64_t)area);
    segment->purged -= area;
    page->is_purged = 0;
  }
  page->purge_pending = 0;
  page_guard(segment, page, true);
  return page;
}

static void segment_schedule_purge(mi_segment_t *segment, mi_page_t *page, mi_tld_t *tld) {
  long delay = _mi_option_get_fast(mi_option_purge_delay);
  if (delay < 0 || segment->kept) /* the program's memory is left as it is */
    return;
  page->purge_pending = 1;
  page->purge_deferred = 0;
  page->purge_at = _mi_deadline_after(_mi_prim_clock_msecs(), delay);
  segment->purge_at = _mi_deadline_min(segment->purge_at, page->purge_at);
  tld->purge_due = _mi_deadline_min(tld->purge_due, page->purge_at);
}

/* Return a page to its segment; true if the whole segment was released. */
bool _mi_segment_page_free(mi_page_t *page, mi_tld_t *tld) {
  mi_segment_t *segment = _mi_ptr_segment(page);
  mi_assert(page->in_use && segment->used > 0 && segment->used <= segment->page_count);
  if (segment->kind == MI_PAGE_HUGE)
    page_guard(segment, page, false); /* where it is depends on the block's size */
  bool purged = page->is_purged, guarded = page->is_guarded;
  _mi_stats_page_released(page);
  memset(page, 0, sizeof *page); /* not in use, and its memory is not zero */
  page->is_purged = purged;
  page->is_guarded = guarded;
  segment->used--;
  if (segment->used == 0) {
    segment_free(segment, tld);
    return true;
  }
  if (segment->kind > MI_PAGE_MEDIUM) /* unreachable: large and huge hold one page */
    return false;
  if (segment->thread_id == tld->thread_id) {
    segment_schedule_purge(segment, page, tld);
    if (!segment->in_free_list)
      list_push(segment_free_list(tld, segment->kind), segment);
  } else if (segment->thread_id == 0) {
    /* abandoned, looked after by another thread (page.c): its blocks were
     * freed a purge delay ago, so its purge is due now */
    page->purge_pending = 1;
    page->purge_at = _mi_prim_clock_msecs();
    segment->purge_at = _mi_deadline_min(segment->purge_at, page->purge_at);
  }
  if (_mi_option_get_fast(mi_option_purge_delay) == 0)
    _mi_segments_purge(tld, true);
  return false;
}

/* Purge pages [first, last] of a segment, adjacent in memory: one call to
 * the OS for all of them (each call costs a TLB flush on every core). */
static void segment_purge_run(mi_segment_t *segment, size_t first, size_t last) {
  if (_mi_segment_guard_size() > 0 && first < last) {
    /* one call per page: a call over the guards between them would count
     * them as purged, and macOS's purge would map them afresh, unguarded */
    for (size_t i = first; i <= last; i++)
      segment_purge_run(segment, i, i);
    return;
  }
  size_t area;
  uint8_t *start = segment_page_area(segment, first, &area);
  uint8_t *end = segment_page_area(segment, last, &area) + area;
  bool purged = _mi_os_purge(start, (size_t)(end - start)) > 0;
  bool zero = _mi_option_get_fast(mi_option_purge_decommits) != 0;
  for (size_t i = first; i <= last; i++) {
    mi_page_t *page = _mi_segment_page(segment, i);
    page->purge_pending = 0;
    if (purged) {
      segment_page_area(segment, i, &area);
      page->is_purged = 1;
      page->is_zero = zero;
      segment->purged += area;
    }
  }
}

/* Is the free page's purge due?  One that came due while its thread was
 * away is put off once, by a purge delay (see "What is due" below). */
static bool page_purge_due(mi_page_t *page, int64_t now, mi_due_t due) {
  if (page->in_use || !page->purge_pending)
    return false;
  bool once = page->purge_deferred;
  bool is_due = _mi_deadline_due(&page->purge_at, &once, now, due, _mi_option_get_fast(mi_option_purge_delay));
  page->purge_deferred = once;
  return is_due;
}

/* Purge the free pages of one segment whose time has come, neighbours
 * together; returns the next pending purge time of the segment (0 when
 * none). */
static int64_t segment_purge(mi_segment_t *segment, int64_t now, mi_due_t due) {
  int64_t next = 0;
  size_t run = 0, count = 0; /* pages [run, run + count) are due */
  for (size_t i = 0; i <= segment->page_count; i++) {
    mi_page_t *page = i < segment->page_count ? _mi_segment_page(segment, i) : NULL;
    if (page != NULL && page_purge_due(page, now, due)) {
      if (count++ == 0)
        run = i;
      continue;
    }
    if (count > 0)
      segment_purge_run(segment, run, run + count - 1);
    count = 0;
    if (page != NULL && !page->in_use && page->purge_pending)
      next = _mi_deadline_min(next, page->purge_at);
  }
  segment->purge_at = next;
  return next;
}

/* Due purges of an abandoned segment, by whoever looks after it. */
void _mi_segment_purge_due(mi_segment_t *segment, int64_t now) {
  if (segment->purge_at != 0 && segment->purge_at <= now)
    segment_purge(segment, now, MI_DUE);
}

static void purge_list(mi_segment_list_t *list, int64_t now, mi_due_t due, mi_tld_t *tld) {
  for (mi_segment_t *s = list->first; s != NULL; s = s->next) {
    if (s->purge_at == 0 || (due != MI_DUE_ALL && s->purge_at > now))
      continue;
    tld->purge_due = _mi_deadline_min(tld->purge_due, segment_purge(s, now, due));
  }
}

/* ---- What is due ------------------------------------------------------------ */

/* Free pages are purged, and cached segments unmapped, by their thread on
 * its slow paths once their delay has passed: mialloc has no thread of its
 * own.  A thread that comes back after a pause longer than the purge delay
 * (it slept, or worked without allocating) puts off, once, what came due
 * meanwhile, by one more delay of its kind: it is about to use that memory
 * again, most likely, and purging or unmapping it just then only makes it
 * fault the memory back in (as rptest's rounds did, each after a pause of
 * a second or two).  The memory was resident all through the pause
 * anyway; if the thread does not take it, it goes one delay later.  An
 * explicit mi_collect does what is due at once. */
static void segments_due_work(mi_tld_t *tld, int64_t now, mi_due_t due) {
  if (due == MI_DUE_ALL || (tld->purge_due != 0 && now >= tld->purge_due)) {
    tld->purge_due = 0;
    purge_list(&tld->small_free, now, due, tld);
    purge_list(&tld->medium_free, now, due, tld);
  }
  int64_t cache_due = _mi_cache_due(tld);
  if (due == MI_DUE_ALL || (cache_due != 0 && now >= cache_due))
    _mi_cache_collect(tld, now, due);
}

/* Purge what is due (everything when forced): mi_collect.  Cheap when
 * nothing is. */
void _mi_segments_purge(mi_tld_t *tld, bool force) {
  if (!force && tld->purge_due == 0 && _mi_cache_due(tld) == 0)
    return;
  segments_due_work(tld, _mi_prim_clock_msecs(), force ? MI_DUE_ALL : MI_DUE);
}

/* The same on a slow path that needs a page or a segment (page.c), by a
 * thread that may be back from a pause. */
void _mi_segments_due_work(mi_tld_t *tld) {
  int64_t now = _mi_prim_clock_msecs();
  long delay = _mi_option_get_fast(mi_option_purge_delay);
  bool back = tld->active_at != 0 && delay > 0 && now - tld->active_at > delay;
  tld->active_at = now;
  if (tld->purge_due != 0 || _mi_cache_due(tld) != 0)
    segments_due_work(tld, now, back ? MI_DUE_BACK : MI_DUE);
}

/* ---- abandonment and taking over ------------------------------------------ */

/* Chain a segment of an exiting thread that still has live blocks (once):
 * it leaves the thread's lists, and abandon.c publishes the chain.  Its
 * free pages keep their purge schedule, which the thread that takes it
 * over honours (abandon.c makes it take the segment when a purge is due). */
void _mi_segment_abandon_prepare(mi_segment_t *segment, mi_tld_t *tld, mi_segment_t **chain) {
  if (segment->abandoned != 0)
    return; /* already chained */
  if (segment->kind <= MI_PAGE_MEDIUM)
    list_remove(segment_free_list(tld, segment->kind), segment);
  segment->abandoned = segment->used;
  segment->next = *chain;
  *chain = segment;
}

/* An abandoned segment becomes the thread's; its pages are then adopted
 * by one of the thread's heaps (page.c). */
void _mi_segment_take(mi_segment_t *segment, mi_tld_t *tld) {
  __atomic_store_n(&segment->thread_id, tld->thread_id, __ATOMIC_RELEASE);
  segment->next = segment->prev = NULL;
  segment->in_free_list = false;
  segment->abandoned = 0;
  _mi_stat_counter(&_mi_stats.reclaimed, 1);
  tld->purge_due = _mi_deadline_min(tld->purge_due, segment->purge_at);
  if (segment->kind <= MI_PAGE_MEDIUM && segment->used < segment->page_count)
    list_push(segment_free_list(tld, segment->kind), segment);
}

