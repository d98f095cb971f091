/* segment.c - segments: OS-aligned chunks that hold pages, owned by one
 * thread.  Also the cache of free segments and the purging of free pages;
 * the segments of exited threads wait in abandon.c.  Which addresses are
 * segments is kept in addrmap.c. */
#include "internal.h"

#include <stddef.h>

#define MI_CACHE_BYTES ((size_t)512 << 20) /* free segments kept (until purge_delay) */

static mi_lock_t cache_lock = MI_LOCK_INIT(MI_LOCK_CACHE);
static mi_segment_t *cache;          /* guarded by cache_lock */
static size_t cache_bytes;
static _Atomic(int64_t) cache_expire; /* earliest purge_at in the cache, or 0 */
static mi_segment_t *reserve;        /* mapped, free and not expiring: memory of
                                        MIALLOC_RESERVE_OS_MEMORY, and with
                                        limit_os_alloc all released memory;
                                        guarded by cache_lock */

/* ---- layout ------------------------------------------------------------- */

_Static_assert(sizeof(mi_page_t) == (1 << MI_PAGE_SHIFT_IN_SEGMENT), "page descriptor size");
_Static_assert(sizeof(mi_segment_t) <= MI_SEGMENT_HEADER_SIZE, "segment header size");
_Static_assert(MI_SEGMENT_HEADER_SIZE % MI_PAGE_START_ALIGN == 0, "page start alignment");

static size_t segment_header_size(void) {
  return MI_SEGMENT_HEADER_SIZE;
}

/* Start and size of the block area of page i. */
static uint8_t *segment_page_area(mi_segment_t *segment, size_t i, size_t *size) {
  size_t header = segment_header_size();
  if (segment->kind >= MI_PAGE_LARGE) {
    *size = segment->size - header;
    return (uint8_t *)segment + header;
  }
  size_t psize = MI_SEGMENT_SIZE / segment->page_count;
  uint8_t *start = (uint8_t *)segment + i * psize;
  *size = psize;
  if (i == 0) {
    start += header;
    *size -= header;
  }
  return start;
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

/* ---- the segment cache -------------------------------------------------- */

static void segment_os_free(mi_segment_t *segment) {
  size_t size = segment->size;
  _mi_window_unmap(segment, size);
  _mi_segmap_mark(segment, size, false);
  _mi_stat_decrease(&_mi_stats.segments, 1);
  _mi_os_free(segment, size, size - segment->purged);
  _mi_window_release(segment, size);
}

/* A free segment leaves the cache: unmapped, or with limit_os_alloc (no
 * fresh mappings will come) purged and kept in the reserve list. */
static void segment_release(mi_segment_t *segment) {
  if (_mi_option_get_fast(mi_option_limit_os_alloc) == 0) {
    segment_os_free(segment);
    return;
  }
  size_t body = segment->size - MI_SEGMENT_HEADER_SIZE;
  segment->purged = _mi_os_purge((uint8_t *)segment + MI_SEGMENT_HEADER_SIZE, body);
  _mi_lock(&cache_lock);
  segment->next = reserve;
  reserve = segment;
  _mi_unlock(&cache_lock);
}

/* How a cached segment must fit a request of `size` bytes. */
typedef enum cache_fit_e {
  FIT_AT_LEAST, /* at least size (split by the caller): the smallest */
  FIT_NEAR,     /* from size to twice that (trimmed by the caller): the smallest */
  FIT_ANY       /* anything (resized by the caller): the one that keeps most
                   resident pages for it, then the smaller */
} cache_fit_t;

static bool cache_better(size_t s, size_t best, size_t size, cache_fit_t fit) {
  if (fit == FIT_ANY) {
    size_t keep = s < size ? s : size, best_keep = best < size ? best : size;
    return keep > best_keep || (keep == best_keep && s < best);
  }
  return s >= size && (fit == FIT_AT_LEAST || s <= 2 * size) && (best == 0 || s < best);
}

/* The cached segment that best fits; NULL if none does. */
static mi_segment_t *cache_pop(size_t size, cache_fit_t fit) {
  mi_segment_t **best = NULL;
  _mi_lock(&cache_lock);
  for (mi_segment_t **pp = &cache; *pp != NULL; pp = &(*pp)->next)
    if (cache_better((*pp)->size, best != NULL ? (*best)->size : 0, size, fit))
      best = pp;
  mi_segment_t *segment = NULL;
  if (best != NULL) {
    segment = *best;
    *best = segment->next;
    cache_bytes -= segment->size;
  }
  _mi_unlock(&cache_lock);
  return segment;
}

/* How long a free segment stays cached: purge_delay times arena_purge_mult
 * msecs, -1 for ever.  Longer than a page waits: a whole segment, mapped
 * again, costs a page fault per page it uses. */
static int64_t cache_delay(void) {
  long delay = _mi_option_get_fast(mi_option_purge_delay);
  if (delay < 0)
    return -1;
  return (int64_t)delay * mi_option_get_clamp(mi_option_arena_purge_mult, 0, 1000);
}

static bool cache_push(mi_segment_t *segment) {
  int64_t delay = cache_delay();
  if (delay == 0 || segment->size > MI_CACHE_BYTES / 4)
    return false;
  segment->purge_at = _mi_prim_clock_msecs() + (delay < 0 ? 0 : delay);
  segment->thread_id = 0;
  /* the newest segment is the likeliest to fit the next request: make room
   * for it by evicting the oldest (at the tail) */
  mi_segment_t *evicted = NULL;
  _mi_lock(&cache_lock);
  while (cache_bytes + segment->size > MI_CACHE_BYTES) {
    mi_segment_t **pp = &cache;
    while ((*pp)->next != NULL)
      pp = &(*pp)->next;
    mi_segment_t *oldest = *pp;
    *pp = NULL;
    cache_bytes -= oldest->size;
    oldest->next = evicted;
    evicted = oldest;
  }
  segment->next = cache;
  cache = segment;
  cache_bytes += segment->size;
  int64_t due = atomic_load_explicit(&cache_expire, memory_order_relaxed);
  if (due == 0 || segment->purge_at < due)
    atomic_store_explicit(&cache_expire, segment->purge_at, memory_order_relaxed);
  _mi_unlock(&cache_lock);
  while (evicted != NULL) {
    mi_segment_t *next = evicted->next;
    segment_release(evicted);
    evicted = next;
  }
  return true;
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

/* Cut a free segment after `size` bytes; the rest becomes a cached segment
 * of its own (chunks are aligned, so this needs no system call). */
static void segment_split(mi_segment_t *segment, size_t size) {
  mi_segment_t *rest = (mi_segment_t *)((uint8_t *)segment + size);
  rest->size = segment->size - size;
  /* purged bytes (of a released segment's body) go with the tail first */
  rest->purged = segment->purged < rest->size ? segment->purged : rest->size;
  segment->purged -= rest->purged;
  rest->cookie = (uintptr_t)rest ^ _mi_process_cookie;
  rest->thread_id = 0;
  rest->kind = MI_PAGE_HUGE;
  rest->page_count = 1;
  rest->used = 0;
  memset(rest->pages, 0, sizeof rest->pages);
  _mi_window_unmap(rest, rest->size);
  (void)_mi_segmap_mark(rest, rest->size, true); /* its map is committed: the whole was marked */
  segment->size = size;
  if (!cache_push(rest))
    segment_release(rest);
}

/* Move a free segment to a new aligned address with a new size, keeping its
 * pages; NULL (and the segment released) if the OS cannot. */
static mi_segment_t *segment_resize(mi_segment_t *segment, size_t size) {
  size_t old = segment->size, purged = segment->purged;
  void *moved = NULL;
  _mi_window_unmap(segment, old);
  _mi_segmap_mark(segment, old, false);
  if (_mi_prim_remap(segment, old, size, MI_SEGMENT_SIZE, NULL, &moved) != 0) {
    segment_os_free(segment);
    return NULL;
  }
  _mi_window_release(segment, old);
  segment = moved; /* the pages moved with it, the header among them */
  segment->size = size;
  segment->purged = 0;
  _mi_stat_increase(&_mi_stats.reserved, (int64_t)size);
  _mi_stat_decrease(&_mi_stats.reserved, (int64_t)old);
  _mi_stat_increase(&_mi_stats.committed, (int64_t)size);
  _mi_stat_decrease(&_mi_stats.committed, (int64_t)(old - purged));
  _mi_stat_counter(&_mi_stats.remaps, 1);
  if (!_mi_segmap_mark(segment, size, true)) {
    _mi_stat_decrease(&_mi_stats.segments, 1);
    _mi_os_free(segment, size, size);
    return NULL;
  }
  return segment;
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

/* ---- the thread's own cache, before the process-wide one ------------------------ */

/* Keeps a free segment for the thread, without a lock; the oldest one, if
 * one must make room, goes on to the process-wide cache. */
static bool tld_cache_push(mi_tld_t *tld, mi_segment_t *segment) {
  int64_t delay = cache_delay();
  if (delay == 0 || segment->size > MI_TLD_CACHE_BYTES / 2)
    return false;
  segment->purge_at = _mi_prim_clock_msecs() + (delay < 0 ? 0 : delay);
  segment->thread_id = 0;
  size_t free_slot = MI_TLD_CACHE_SLOTS;
  for (;;) {
    size_t oldest = 0;
    for (size_t i = 0; i < MI_TLD_CACHE_SLOTS; i++) {
      mi_segment_t *s = tld->cache[i];
      if (s == NULL)
        free_slot = i;
      else if (tld->cache[oldest] == NULL || s->purge_at < tld->cache[oldest]->purge_at)
        oldest = i;
    }
    if (free_slot < MI_TLD_CACHE_SLOTS && tld->cache_bytes + segment->size <= MI_TLD_CACHE_BYTES)
      break;
    mi_segment_t *evicted = tld->cache[oldest]; /* some slot holds one: the checks above */
    tld->cache[oldest] = NULL;
    tld->cache_bytes -= evicted->size;
    if (!cache_push(evicted))
      segment_release(evicted);
  }
  tld->cache[free_slot] = segment;
  tld->cache_bytes += segment->size;
  if (delay > 0)
    tld->cache_due = _mi_deadline_min(tld->cache_due, segment->purge_at);
  return true;
}

static mi_segment_t *tld_cache_pop(mi_tld_t *tld, size_t size, cache_fit_t fit) {
  size_t best = MI_TLD_CACHE_SLOTS;
  for (size_t i = 0; i < MI_TLD_CACHE_SLOTS; i++)
    if (tld->cache[i] != NULL &&
        cache_better(tld->cache[i]->size, best < MI_TLD_CACHE_SLOTS ? tld->cache[best]->size : 0, size, fit))
      best = i;
  if (best == MI_TLD_CACHE_SLOTS)
    return NULL;
  mi_segment_t *segment = tld->cache[best];
  tld->cache[best] = NULL;
  tld->cache_bytes -= segment->size;
  return segment;
}

/* Releases the thread's cached segments that expired (all with `force`),
 * or with `flush` hands all of them to the process-wide cache (thread exit). */
static void tld_cache_collect(mi_tld_t *tld, int64_t now, bool force, bool flush) {
  int64_t due = 0;
  for (size_t i = 0; i < MI_TLD_CACHE_SLOTS; i++) {
    mi_segment_t *s = tld->cache[i];
    if (s == NULL)
      continue;
    if (flush || force || s->purge_at <= now) {
      tld->cache[i] = NULL;
      tld->cache_bytes -= s->size;
      if (force || !flush || !cache_push(s))
        segment_release(s);
    } else {
      due = _mi_deadline_min(due, s->purge_at);
    }
  }
  tld->cache_due = due;
}

void _mi_segments_thread_done(mi_tld_t *tld) {
  tld_cache_collect(tld, 0, false, true);
}

/* Unmap cached segments whose delay has passed (all of them when forced). */
void _mi_segment_cache_collect(bool force) {
  if (cache_delay() < 0 && !force)
    return;
  int64_t now = _mi_prim_clock_msecs(), due = 0;
  mi_segment_t *expired = NULL;
  _mi_lock(&cache_lock);
  for (mi_segment_t **pp = &cache; *pp != NULL;) {
    mi_segment_t *s = *pp;
    if (force || s->purge_at <= now) {
      *pp = s->next;
      cache_bytes -= s->size;
      s->next = expired;
      expired = s;
    } else {
      if (due == 0 || s->purge_at < due)
        due = s->purge_at;
      pp = &s->next;
    }
  }
  atomic_store_explicit(&cache_expire, due, memory_order_relaxed);
  _mi_unlock(&cache_lock);
  while (expired != NULL) {
    mi_segment_t *next = expired->next;
    segment_release(expired);
    expired = next;
  }
}

/* ---- memory reserved at start (MIALLOC_RESERVE_OS_MEMORY) ------------------ */

/* Map `bytes` (rounded up to whole chunks) at once and keep them as free
 * one-chunk segments, handed out before any new mapping.  Once used and
 * freed they are ordinary memory (cached, then returned after the purge
 * delay).  arena_eager_commit: 1 charges the commit limit at once, 0 on
 * first touch, 2 (default) at once only where the OS does not overcommit. */
void _mi_segments_reserve(size_t bytes) {
  size_t chunks = (bytes + MI_SEGMENT_SIZE - 1) / MI_SEGMENT_SIZE;
  long eager = _mi_option_get_fast(mi_option_arena_eager_commit);
  bool commit = eager == 1 || (eager == 2 && !_mi_prim_overcommits());
  uint8_t *base = chunks > 0 ? _mi_os_alloc_commit(chunks * MI_SEGMENT_SIZE, MI_SEGMENT_SIZE, commit, NULL) : NULL;
  if (base == NULL) {
    if (chunks > 0)
      _mi_warning_message("could not reserve %zu MiB of OS memory\n", bytes >> 20);
    return;
  }
  size_t marked = 0;
  _mi_lock(&cache_lock);
  for (; marked < chunks; marked++) {
    mi_segment_t *segment = (mi_segment_t *)(base + marked * MI_SEGMENT_SIZE);
    if (!_mi_segmap_mark(segment, MI_SEGMENT_SIZE, true))
      break;
    segment->size = MI_SEGMENT_SIZE;
    segment->cookie = (uintptr_t)segment ^ _mi_process_cookie;
    segment->next = reserve;
    reserve = segment;
  }
  _mi_unlock(&cache_lock);
  if (marked < chunks) { /* the address map could not take the rest */
    size_t rest = (chunks - marked) * MI_SEGMENT_SIZE;
    _mi_os_free(base + marked * MI_SEGMENT_SIZE, rest, rest);
    chunks = marked;
  }
  _mi_stat_increase(&_mi_stats.segments, (int64_t)chunks);
  _mi_verbose_message("reserved %zu MiB of OS memory (%s)\n", (chunks * MI_SEGMENT_SIZE) >> 20,
                      commit ? "committed" : "committed on use");
}

/* The smallest reserved segment of at least `size` bytes, or NULL. */
static mi_segment_t *reserve_pop(size_t size) {
  mi_segment_t **best = NULL;
  _mi_lock(&cache_lock);
  for (mi_segment_t **pp = &reserve; *pp != NULL; pp = &(*pp)->next)
    if ((*pp)->size >= size && (best == NULL || (*pp)->size < (*best)->size))
      best = pp;
  mi_segment_t *segment = best != NULL ? *best : NULL;
  if (segment != NULL)
    *best = segment->next;
  _mi_unlock(&cache_lock);
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
  /* a huge block may take a larger segment (up to twice its size), of which
   * it uses only its own size; failing that, any cached segment resized
   * keeps its resident pages.  Other kinds need exactly one chunk, split
   * off a larger one. */
  if (align == MI_SEGMENT_SIZE) {
    bool huge = kind == MI_PAGE_HUGE;
    segment = tld_cache_pop(tld, size, huge ? FIT_NEAR : FIT_AT_LEAST);
    if (segment == NULL)
      segment = cache_pop(size, huge ? FIT_NEAR : FIT_AT_LEAST);
    if (segment == NULL)
      segment = reserve_pop(size);
    if (segment != NULL && !huge && segment->size > size)
      segment_split(segment, size);
    if (segment == NULL && huge && _mi_option_get_fast(mi_option_limit_os_alloc) == 0) {
      segment = tld_cache_pop(tld, size, FIT_ANY);
      if (segment == NULL)
        segment = cache_pop(size, FIT_ANY);
      if (segment != NULL)
        segment = segment_resize(segment, size);
    }
  }
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
  if (segment->kind <= MI_PAGE_MEDIUM)
    list_remove(segment_free_list(tld, segment->kind), segment);
  if (!tld_cache_push(tld, segment) && !cache_push(segment))
    segment_release(segment);
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
  for (size_t i = 0; i < segment->page_count; i++) {
    mi_page_t *page = _mi_segment_page(segment, i);
    if (page->in_use)
      continue;
    mi_assert(page->free == NULL && page->used == 0);
    page->in_use = 1;
    if (++segment->used == segment->page_count)
      list_remove(list, segment);
    return page;
  }
  _mi_error_message(EFAULT, "segment %p is on the free list without a free page\n", (void *)segment);
  list_remove(list, segment);
  return NULL;
}

/* A page for blocks of `block_size` bytes (huge: one block, aligned to
 * `alignment`), with its area set up; the caller initialises the blocks. */
mi_page_t *_mi_segment_page_alloc(mi_heap_t *heap, size_t block_size, size_t alignment) {
  mi_tld_t *tld = heap->tld;
  mi_page_t *page;
  if (block_size <= MI_MEDIUM_OBJ_MAX && alignment <= MI_MAX_ALIGN) {
    page = segment_claim_page(heap, block_size <= MI_SMALL_OBJ_MAX ? MI_PAGE_SMALL : MI_PAGE_MEDIUM);
  } else {
    bool large = block_size <= MI_LARGE_OBJ_MAX && alignment <= MI_MAX_ALIGN;
    size_t header = segment_header_size();
    size_t align = alignment > MI_SEGMENT_SIZE ? alignment : MI_SEGMENT_SIZE;
    size_t offset = _mi_align_up(header, alignment > MI_MAX_ALIGN ? alignment : MI_MAX_ALIGN);
    size_t size = MI_SEGMENT_SIZE;
    if (!large) {
      if (block_size > PTRDIFF_MAX - offset - MI_SEGMENT_SIZE)
        return NULL;
      size = _mi_align_up(offset + (block_size == 0 ? 1 : block_size), MI_SEGMENT_SIZE);
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
      page->start = (uint8_t *)segment + offset;
      page->block_size = _mi_huge_block_size(offset, block_size);
      return page;
    }
  }
  if (page == NULL)
    return NULL;
  mi_segment_t *segment = _mi_ptr_segment(page);
  size_t area;
  page->start = segment_page_area(segment, page_index(page), &area);
  page->block_size = area; /* the caller divides the area into blocks */
  if (page->is_purged) {
    _mi_stat_increase(&_mi_stats.committed, (int64_t)area);
    segment->purged -= area;
    page->is_purged = 0;
  }
  page->purge_pending = 0;
  return page;
}

static void segment_schedule_purge(mi_segment_t *segment, mi_page_t *page, mi_tld_t *tld) {
  long delay = _mi_option_get_fast(mi_option_purge_delay);
  if (delay < 0)
    return;
  page->purge_pending = 1;
  page->purge_at = _mi_prim_clock_msecs() + delay;
  if (segment->purge_at == 0 || page->purge_at < segment->purge_at)
    segment->purge_at = page->purge_at;
  if (tld->purge_due == 0 || page->purge_at < tld->purge_due)
    tld->purge_due = page->purge_at;
}

/* Return a page to its segment; true if the whole segment was released. */
bool _mi_segment_page_free(mi_page_t *page, mi_tld_t *tld) {
  mi_segment_t *segment = _mi_ptr_segment(page);
  mi_assert(page->in_use && segment->used > 0 && segment->used <= segment->page_count);
  bool purged = page->is_purged;
  memset(page, 0, sizeof *page); /* not in use, and its memory is not zero */
  page->is_purged = purged;
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

/* Purge the free pages of one segment whose time has come; returns the
 * next pending purge time of the segment (0 when none). */
static int64_t segment_purge(mi_segment_t *segment, int64_t now, bool force) {
  int64_t next = 0;
  for (size_t i = 0; i < segment->page_count; i++) {
    mi_page_t *page = _mi_segment_page(segment, i);
    if (page->in_use || !page->purge_pending)
      continue;
    if (force || page->purge_at <= now) {
      size_t area;
      uint8_t *start = segment_page_area(segment, i, &area);
      size_t purged = _mi_os_purge(start, area);
      page->purge_pending = 0;
      if (purged > 0) {
        page->is_purged = 1;
        page->is_zero = _mi_option_get_fast(mi_option_purge_decommits) != 0;
        segment->purged += area;
      }
    } else if (next == 0 || page->purge_at < next) {
      next = page->purge_at;
    }
  }
  segment->purge_at = next;
  return next;
}

/* Due purges of an abandoned segment, by whoever looks after it. */
void _mi_segment_purge_due(mi_segment_t *segment, int64_t now) {
  if (segment->purge_at != 0 && segment->purge_at <= now)
    segment_purge(segment, now, false);
}

static void purge_list(mi_segment_list_t *list, int64_t now, bool force, mi_tld_t *tld) {
  for (mi_segment_t *s = list->first; s != NULL; s = s->next) {
    if (s->purge_at == 0 || (!force && s->purge_at > now))
      continue;
    int64_t next = segment_purge(s, now, force);
    if (next != 0 && (tld->purge_due == 0 || next < tld->purge_due))
      tld->purge_due = next;
  }
}

/* Purge what is due (everything when forced); cheap when nothing is. */
void _mi_segments_purge(mi_tld_t *tld, bool force) {
  int64_t cache_due = atomic_load_explicit(&cache_expire, memory_order_relaxed);
  if (!force && tld->purge_due == 0 && cache_due == 0 && tld->cache_due == 0)
    return;
  int64_t now = _mi_prim_clock_msecs();
  if (force || (tld->purge_due != 0 && now >= tld->purge_due)) {
    tld->purge_due = 0;
    purge_list(&tld->small_free, now, force, tld);
    purge_list(&tld->medium_free, now, force, tld);
  }
  if (force || (tld->cache_due != 0 && now >= tld->cache_due))
    tld_cache_collect(tld, now, force, false);
  if (force || (cache_due != 0 && now >= cache_due))
    _mi_segment_cache_collect(force);
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

/* ---- fork --------------------------------------------------------------- */

void _mi_segments_lock(void) {
  _mi_lock(&cache_lock);
  _mi_addrmap_lock();
}

void _mi_segments_unlock(void) {
  _mi_addrmap_unlock();
  _mi_unlock(&cache_lock);
}
