/* heap.c - heaps and the threads that own them: a thread's start (its data,
 * on its first allocation) and exit; heap creation, deletion, collection,
 * visiting, ownership.  A heap belongs to the thread that made it; all its
 * operations run there.  Each thread's data (its backing heap and
 * thread-local data) lives in a heap slot from tls.c, recycled as threads
 * come and go. */
#include "fast.h"

/* Calls fn on every page of the heap; stops when it returns false.  fn may
 * remove the page it is given. */
bool _mi_heap_visit_pages(mi_heap_t *heap, bool (*fn)(mi_heap_t *, mi_page_queue_t *, mi_page_t *, void *),
                          void *arg) {
  for (size_t bin = 1; bin < MI_BIN_COUNT; bin++) {
    mi_page_queue_t *pq = &heap->bins[bin];
    for (mi_page_t *page = pq->first, *next; page != NULL; page = next) {
      next = page->next;
      if (!fn(heap, pq, page, arg))
        return false;
    }
  }
  return true;
}

static void heap_init(mi_heap_t *heap, mi_tld_t *tld) {
  memset(heap, 0, sizeof *heap);
  for (size_t i = 0; i < MI_DIRECT_COUNT; i++)
    heap->direct[i] = (mi_page_t *)&_mi_page_empty;
  mi_assert(_mi_bin(MI_DIRECT_SIZE_MAX) == MI_SMALL_BIN_MAX);
  for (size_t bin = 1; bin < MI_BIN_COUNT; bin++)
    heap->bins[bin].block_size = bin < MI_BIN_HUGE ? _mi_bin_size((uint8_t)bin) : MI_LARGE_OBJ_MAX + 1;
  heap->tld = tld;
  heap->thread_id = tld->thread_id;
  heap->cookie = (uintptr_t)heap ^ _mi_process_cookie;
  heap->next = tld->heaps;
  tld->heaps = heap;
}

void _mi_heap_init_backing(mi_heap_t *heap, mi_tld_t *tld) {
  heap_init(heap, tld);
  tld->backing = heap;
}

static bool heap_is_usable(const mi_heap_t *heap, const char *who) {
  if (heap == NULL || heap == &_mi_heap_empty)
    return false;
  if (heap->cookie != ((uintptr_t)heap ^ _mi_process_cookie) || heap->thread_id != _mi_thread_id()) {
    _mi_error_message(EINVAL, "%s: heap %p is invalid or belongs to another thread\n", who, (const void *)heap);
    return false;
  }
  return true;
}

mi_heap_t *mi_heap_new(void) {
  mi_heap_t *backing = mi_heap_get_backing();
  if (backing == NULL)
    return NULL;
  mi_heap_t *heap = _mi_heap_slot_alloc(); /* heaps live in heap slots (tls.c) */
  if (heap == NULL)
    return NULL;
  heap_init(heap, backing->tld);
  heap->no_reclaim = true; /* abandoned pages go to backing heaps only */
  return heap;
}

static void heap_unlink(mi_heap_t *heap) {
  for (mi_heap_t **pp = &heap->tld->heaps; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == heap) {
      *pp = heap->next;
      break;
    }
  }
  if (_mi_tls_resolve() == heap)
    _mi_heap_set_default(heap->tld->backing);
  heap->cookie = 0;
}

static bool page_move_to_backing(mi_heap_t *heap, mi_page_queue_t *pq, mi_page_t *page, void *arg) {
  mi_heap_t *backing = arg;
  _mi_page_queue_remove(heap, pq, page);
  page->heap = backing;
  __atomic_store_n(&page->backing, 1, __ATOMIC_RELAXED);
  _mi_page_queue_push(backing, _mi_heap_queue_of(backing, page), page);
  return true;
}

/* Delete a heap; its live blocks move to the backing heap and stay valid. */
void mi_heap_delete(mi_heap_t *heap) {
  if (!heap_is_usable(heap, "mi_heap_delete"))
    return;
  mi_heap_t *backing = heap->tld->backing;
  if (heap == backing)
    return;
  _mi_heap_visit_pages(heap, page_move_to_backing, backing);
  heap_unlink(heap);
  _mi_heap_slot_free(heap);
}

static bool page_destroy(mi_heap_t *heap, mi_page_queue_t *pq, mi_page_t *page, void *arg) {
  (void)heap;
  (void)pq;
  (void)arg;
  if (_mi_stats_counting)
    _mi_stat_live(_mi_page_live(page) * page->block_size, -1);
  _mi_page_free(page);
  return true;
}

/* Destroy a heap and every block in it at once. */
void mi_heap_destroy(mi_heap_t *heap) {
  if (!heap_is_usable(heap, "mi_heap_destroy"))
    return;
  if (heap == heap->tld->backing) {
    mi_heap_collect(heap, true); /* the backing heap lives as long as its thread */
    return;
  }
  _mi_heap_visit_pages(heap, page_destroy, NULL);
  heap_unlink(heap);
  _mi_heap_slot_free(heap);
}

static bool page_collect(mi_heap_t *heap, mi_page_queue_t *pq, mi_page_t *page, void *arg) {
  bool force = *(bool *)arg;
  (void)pq;
  _mi_page_collect(page);
  if (_mi_page_live(page) == 0) {
    if (force || page->next != NULL || page->prev != NULL || (page->flags & MI_PAGE_IN_FULL))
      _mi_page_free(page);
  } else if ((page->flags & MI_PAGE_IN_FULL) && (page->free != NULL || page->local_free != NULL)) {
    _mi_page_unfull(page);
  }
  (void)heap;
  return true;
}

#if MI_DEBUG
static size_t list_length(const mi_page_t *page, const mi_block_t *b) {
  size_t n = 0;
  for (; b != NULL && n <= page->capacity; b = mi_block_next(page, b), n++)
    mi_assert(_mi_page_block_of(page, b) == b);
  return n;
}

/* Invariants of every page of a heap (--enable-debug): it belongs to the
 * heap and to the queue it is in, and its blocks add up. */
static bool page_check(mi_heap_t *heap, mi_page_queue_t *pq, mi_page_t *page, void *arg) {
  (void)arg;
  mi_assert(page->heap == heap && page->in_use);
  mi_assert(_mi_heap_queue_of(heap, page) == pq);
  mi_assert(page->capacity <= page->reserved && page->used <= page->capacity);
  mi_assert(page->used + list_length(page, page->local_free) == page->capacity);
  mi_assert(list_length(page, page->free) <= page->used);
  mi_assert(page->owner == (page->flags == 0 && !_mi_stats_counting ? heap->thread_id : 0));
  return true;
}
#endif

/* ---- the deferred-free callback ---------------------------------------------- */

static mi_deferred_free_fun *_Atomic deferred_fun;
static void *_Atomic deferred_arg;

void mi_register_deferred_free(mi_deferred_free_fun *fun, void *arg) {
  deferred_arg = arg;
  deferred_fun = fun;
}

/* Called on allocation slow paths and collections; the heartbeat and the
 * recursion guard are the thread's (in its tld: no thread-local variables,
 * which macOS sets up with malloc). */
void _mi_deferred_free(mi_heap_t *heap, bool force) {
  mi_deferred_free_fun *fun = deferred_fun;
  mi_tld_t *tld = heap->tld;
  if (fun == NULL || tld->in_deferred_free)
    return;
  tld->in_deferred_free = true;
  fun(force, ++tld->heartbeat, deferred_arg);
  tld->in_deferred_free = false;
}

void mi_heap_collect(mi_heap_t *heap, bool force) {
  if (!heap_is_usable(heap, "mi_heap_collect"))
    return;
#if MI_DEBUG
  _mi_heap_visit_pages(heap, page_check, NULL);
#endif
  _mi_deferred_free(heap, force);
  _mi_page_xfree_flush(heap->tld);
  if (force && heap == heap->tld->backing)
    _mi_heap_reclaim_all(heap);
  _mi_heap_visit_pages(heap, page_collect, &force);
  _mi_segments_purge(heap->tld, force);
}

void mi_collect(bool force) {
  mi_heap_t *heap = _mi_tls_resolve();
  if (heap != &_mi_heap_empty)
    mi_heap_collect(heap, force);
  else if (force)
    _mi_cache_collect_all();
}

static bool page_free_if_empty(mi_heap_t *heap, mi_page_queue_t *pq, mi_page_t *page, void *arg) {
  (void)heap;
  (void)pq;
  (void)arg;
  _mi_page_collect(page);
  if (_mi_page_live(page) == 0)
    _mi_page_free(page);
  return true;
}

/* Take a page with live blocks out of the heap, and chain its segment for
 * abandonment. */
static bool page_detach(mi_heap_t *heap, mi_page_queue_t *pq, mi_page_t *page, void *arg) {
  _mi_page_queue_remove(heap, pq, page);
  page->heap = NULL;
  _mi_page_set_flags(page, page->flags & (uint8_t)~MI_PAGE_IN_FULL);
  _mi_stats_page(page, -1);
  _mi_segment_abandon_prepare(_mi_ptr_segment(page), heap->tld, arg);
  return true;
}

/* At thread exit: free what is free, then give the segments with live
 * blocks up for others to reclaim.  No page is touched once its segment is
 * published, since another thread may reclaim it at once. */
void _mi_heap_collect_abandon(mi_heap_t *heap) {
  _mi_heap_visit_pages(heap, page_free_if_empty, NULL);
  mi_segment_t *chain = NULL;
  _mi_heap_visit_pages(heap, page_detach, &chain);
  _mi_segments_due_work(heap->tld); /* as a slow path: after a pause, not what came due meanwhile */
  _mi_cache_thread_done(heap->tld);
  _mi_abandoned_push(chain);
}

/* ---- threads ------------------------------------------------------------------ */

typedef struct mi_thread_data_s {
  mi_heap_t heap; /* first: the heap is what a heap slot points at */
  mi_tld_t tld;
} mi_thread_data_t;

static _Atomic(bool) thread_exit_registered;

static void thread_done(void *value);

static bool is_main_thread(void) {
  return _mi_process_main_thread == 0 || _mi_process_main_thread == _mi_thread_id();
}

/* Set up the calling thread; returns its heap, or NULL when out of memory. */
mi_heap_t *_mi_heap_init_thread(void) {
  mi_heap_t *heap = _mi_tls_resolve();
  if (heap->thread_id == _mi_thread_id()) /* never for the empty or a dead heap */
    return heap;
  mi_process_init();
  if (!atomic_load_explicit(&thread_exit_registered, memory_order_relaxed)) {
    _mi_tls_on_thread_exit(thread_done);
    atomic_store_explicit(&thread_exit_registered, true, memory_order_relaxed);
  }
  mi_thread_data_t *td = _mi_heap_slot_alloc();
  if (td == NULL)
    return NULL;
  td->tld.thread_id = _mi_thread_id();
  _mi_heap_init_backing(&td->heap, &td->tld);
  _mi_heap_set_default(&td->heap);
  _mi_stat_increase(&_mi_stats.threads, 1);
  return &td->heap;
}

/* Thread exit: from the pthread key's destructor (which passes the heap
 * that was the default), or mi_thread_done. */
static void thread_done(void *value) {
  mi_heap_t *heap = value != NULL ? (mi_heap_t *)value : _mi_tls_resolve();
  if (heap->thread_id != _mi_thread_id()) /* the empty heap: nothing to do */
    return;
  mi_tld_t *tld = heap->tld;
  mi_heap_t *backing = tld->backing;
  _mi_page_xfree_flush(tld);
  _mi_heap_set_default(backing);
  while (tld->heaps != backing || backing->next != NULL) {
    mi_heap_t *h = tld->heaps == backing ? backing->next : tld->heaps;
    mi_heap_delete(h);
  }
  _mi_heap_collect_abandon(backing);
  _mi_stats_thread_done(&tld->stats);
  _mi_stat_decrease(&_mi_stats.threads, 1);
  _mi_heap_set_default(&_mi_heap_empty);
  _mi_heap_slot_free((mi_thread_data_t *)((uint8_t *)tld - offsetof(mi_thread_data_t, tld)));
}

void mi_thread_init(void) {
  (void)_mi_heap_init_thread();
}

void mi_thread_done(void) {
  if (is_main_thread())
    return; /* the main heap lives until the process ends */
  thread_done(NULL);
}

/* The allocation slow path's entry (from fast.h): a thread's first use
 * (the heap is then the empty sentinel, or not this thread's), the
 * deferred-free callback, and page.c's slow path. */
void *_mi_malloc_generic(size_t size, mi_heap_t *heap, bool zero, size_t alignment) {
  if (mi_unlikely(heap->thread_id != _mi_thread_id())) {
    heap = _mi_heap_init_thread();
    if (heap == NULL) {
      errno = ENOMEM;
      return NULL;
    }
    /* After a slot conflict the fast path never finds the heap (tls/slot.h)
     * and every malloc comes here: take the fast path with the heap found. */
    if (size <= MI_DIRECT_SIZE_MAX - MI_PADDING && !zero && alignment == 0)
      return _mi_heap_malloc_small(heap, size);
  }
  _mi_deferred_free(heap, false);
  _mi_stat_request(&heap->tld->stats, size);
  return _mi_page_malloc(heap, size, zero, alignment);
}

/* ---- the default heap ------------------------------------------------------------ */

mi_heap_t *mi_heap_set_default(mi_heap_t *heap) {
  mi_heap_t *old = mi_heap_get_default();
  if (!heap_is_usable(heap, "mi_heap_set_default"))
    return old;
  _mi_heap_set_default(heap);
  return old;
}

mi_heap_t *mi_heap_get_default(void) {
  mi_heap_t *heap = _mi_tls_resolve();
  if (heap == &_mi_heap_empty)
    heap = _mi_heap_init_thread();
  return heap;
}

mi_heap_t *mi_heap_get_backing(void) {
  mi_heap_t *heap = mi_heap_get_default();
  return heap == NULL ? NULL : heap->tld->backing;
}

/* ---- ownership -------------------------------------------------------------- */

static mi_page_t *heap_page_of(const mi_heap_t *heap, const void *p) {
  if (heap == NULL || p == NULL)
    return NULL;
  mi_segment_t *segment = _mi_segment_of_checked(p);
  if (segment == NULL)
    return NULL;
  mi_page_t *page = _mi_segment_page_of(segment, p);
  if (!page->in_use || page->heap != heap)
    return NULL;
  return page;
}

bool mi_heap_contains_block(mi_heap_t *heap, const void *p) {
  mi_page_t *page = heap_page_of(heap, p);
  return page != NULL && _mi_page_block_of(page, p) != NULL;
}

bool mi_heap_check_owned(mi_heap_t *heap, const void *p) {
  if (((uintptr_t)p & (sizeof(void *) - 1)) != 0)
    return false;
  return mi_heap_contains_block(heap, p);
}

bool mi_check_owned(const void *p) {
  return mi_heap_check_owned(mi_heap_get_default(), p);
}

bool mi_is_in_heap_region(const void *p) {
  return p != NULL && _mi_segment_of_checked(p) != NULL;
}

/* ---- visiting ---------------------------------------------------------------- */

#define MI_PAGE_MAX_BLOCKS (MI_SMALL_PAGE_SIZE / 16) /* the most blocks a page holds */

/* Calls fn on every block of the page that is on neither of its free lists,
 * until fn returns false.  Blocks freed by other threads and not collected
 * yet count as live; on a page of another running thread the answer is
 * only as good as a snapshot can be. */
bool _mi_page_visit_live(const mi_page_t *page, bool (*fn)(void *block, size_t size, void *arg), void *arg) {
  size_t capacity = page->capacity;
  if (capacity > MI_PAGE_MAX_BLOCKS)
    capacity = MI_PAGE_MAX_BLOCKS;
  uint64_t map[MI_PAGE_MAX_BLOCKS / 64] = {0};
  (void)_mi_page_mark_list(page, page->free, capacity, map);
  (void)_mi_page_mark_list(page, page->local_free, capacity, map);
  for (size_t i = 0; i < capacity; i++) {
    if (map[i / 64] & ((uint64_t)1 << (i % 64)))
      continue;
    if (!fn(_mi_page_start(page) + i * page->block_size, page->block_size, arg))
      return false;
  }
  return true;
}

typedef struct visit_s {
  mi_block_visit_fun *visitor;
  void *arg;
  bool all_blocks;
  mi_heap_t *heap;
  const mi_heap_area_t *area;
} visit_t;

static bool visit_block(void *block, size_t size, void *arg) {
  visit_t *v = arg;
  return v->visitor(v->heap, v->area, block, size, v->arg);
}

static bool visit_page(mi_heap_t *heap, mi_page_queue_t *pq, mi_page_t *page, void *arg) {
  visit_t *v = arg;
  (void)pq;
  _mi_page_collect(page);
  size_t live = _mi_page_live(page);
  mi_heap_area_t area = {
      .blocks = _mi_page_start(page),
      .reserved = (size_t)page->reserved * page->block_size,
      .committed = (size_t)page->capacity * page->block_size,
      .used = live,
      .block_size = page->block_size,
      .full_block_size = page->block_size,
  };
  if (!v->visitor(heap, &area, NULL, page->block_size, v->arg))
    return false;
  if (!v->all_blocks || live == 0)
    return true;
  v->heap = heap;
  v->area = &area;
  return _mi_page_visit_live(page, visit_block, v);
}

bool mi_heap_visit_blocks(const mi_heap_t *heap, bool visit_all_blocks, mi_block_visit_fun *visitor, void *arg) {
  if (visitor == NULL || !heap_is_usable(heap, "mi_heap_visit_blocks"))
    return false;
  visit_t v = {visitor, arg, visit_all_blocks, NULL, NULL};
  return _mi_heap_visit_pages((mi_heap_t *)heap, visit_page, &v);
}

typedef struct visit_area_s {
  bool (*fn)(mi_area_kind_t kind, void *start, size_t size, void *arg);
  void *arg;
} visit_area_t;

static bool visit_area_block(void *block, size_t size, void *arg) {
  visit_area_t *va = arg;
  return va->fn(MI_AREA_BLOCK, block, size, va->arg);
}

/* Every segment of the process, whichever thread owns it: its header,
 * its block areas and (with `blocks`) each live block, in address order,
 * until fn returns false.  For introspection (the macOS zone's
 * enumerator): other threads go on allocating meanwhile, so it is exact
 * only in a process that is not. */
bool _mi_visit_all_segments(bool blocks, bool (*fn)(mi_area_kind_t kind, void *start, size_t size, void *arg),
                            void *arg) {
  for (mi_segment_t *segment = _mi_segment_next(NULL); segment != NULL; segment = _mi_segment_next(segment)) {
    if (!fn(MI_AREA_HEADER, segment, MI_SEGMENT_HEADER_SIZE, arg) ||
        !fn(MI_AREA_PAGES, (uint8_t *)segment + MI_SEGMENT_HEADER_SIZE, segment->size - MI_SEGMENT_HEADER_SIZE,
            arg))
      return false;
    visit_area_t va = {fn, arg};
    size_t count = segment->page_count; /* 0 in a segment never used */
    for (size_t i = 0; blocks && i < count && i < MI_MAX_PAGES; i++) {
      mi_page_t *page = _mi_segment_page(segment, i);
      if (page->in_use && page->block_size != 0 && !_mi_page_visit_live(page, visit_area_block, &va))
        return false;
    }
  }
  return true;
}
