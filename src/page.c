/* page.c - pages and the allocation slow path below heap.c's entry: which
 * block of a page a pointer is, page queues per size class, carving free
 * lists, collecting frees from the sharded lists, retiring pages, taking
 * over and looking after segments of exited threads, huge blocks. */
#include "canary.h"

#define MI_EXTEND_BYTES 4096  /* carve at most this much of a page at a time */
#define MI_FULL_RECHECK 8     /* full pages re-examined per fresh page */
#define MI_RECLAIM_TRIES 8    /* abandoned segments taken over per fresh page */

const mi_page_t _mi_page_empty; /* has no free block: the empty heap's direct[] */

/* The block of `page` that contains p, or NULL if p is outside its blocks. */
mi_block_t *_mi_page_block_of(const mi_page_t *page, const void *p) {
  uintptr_t start = (uintptr_t)_mi_page_start(page), addr = (uintptr_t)p;
  /* reserved and block_size do not change while the page is in use (other
   * threads call this too); capacity does */
  if (addr < start || addr >= start + (uintptr_t)page->reserved * page->block_size)
    return NULL;
  if (page->reserved == 1)
    return (mi_block_t *)start;
  /* pages with several blocks span less than 4 GiB: for a 32-bit offset,
   * the high 64 bits of offset * block_div are offset / block_size exactly
   * (Lemire, Kaser and Kurz, "Faster remainder by direct computation",
   * 2019), here from two 32x32-bit products, without a division */
  uint64_t offset = (uint32_t)(addr - start), div = page->block_div;
  uint64_t index = (((div & UINT32_MAX) * offset >> 32) + (div >> 32) * offset) >> 32;
  return (mi_block_t *)(start + (size_t)index * page->block_size);
}

/* ---- queues ------------------------------------------------------------- */

mi_page_queue_t *_mi_heap_queue_of(mi_heap_t *heap, const mi_page_t *page) {
  return &heap->bins[(page->flags & MI_PAGE_IN_FULL) ? MI_BIN_FULL : page->bin];
}

/* Point the direct entries of a small bin's sizes at the queue's first page
 * (size 0 is the smallest bin's). */
void _mi_heap_direct_update(mi_heap_t *heap, mi_page_queue_t *pq) {
  size_t bin = (size_t)(pq - heap->bins);
  if (bin > MI_SMALL_BIN_MAX)
    return;
  /* in the counting mode (stats.c) every small malloc takes the slow path */
  mi_page_t *page = pq->first != NULL && !_mi_stats_counting ? pq->first : (mi_page_t *)&_mi_page_empty;
  size_t from = bin == 1 ? 0 : _mi_bin_size((uint8_t)(bin - 1)) + 1;
  for (size_t size = from; size <= _mi_bin_size((uint8_t)bin); size++)
    heap->direct[size] = page;
}

void _mi_page_queue_push(mi_heap_t *heap, mi_page_queue_t *pq, mi_page_t *page) {
  mi_assert(page->heap == heap && page->in_use);
  page->prev = NULL;
  page->next = pq->first;
  if (pq->first != NULL)
    pq->first->prev = page;
  else
    pq->last = page;
  pq->first = page;
  _mi_heap_direct_update(heap, pq);
}

static void queue_push_back(mi_page_queue_t *pq, mi_page_t *page) {
  page->next = NULL;
  page->prev = pq->last;
  if (pq->last != NULL)
    pq->last->next = page;
  else
    pq->first = page;
  pq->last = page;
}

void _mi_page_queue_remove(mi_heap_t *heap, mi_page_queue_t *pq, mi_page_t *page) {
  mi_assert(page->heap == heap && (page->prev != NULL || pq->first == page));
  bool was_first = pq->first == page;
  if (page->prev != NULL)
    page->prev->next = page->next;
  else
    pq->first = page->next;
  if (page->next != NULL)
    page->next->prev = page->prev;
  else
    pq->last = page->prev;
  page->next = page->prev = NULL;
  if (was_first)
    _mi_heap_direct_update(heap, pq);
}

/* ---- free lists ----------------------------------------------------------- */

/* Carve up to MI_EXTEND_BYTES of not-yet-used blocks into the free list, so
 * that a page touches memory only as it is needed. */
static void page_extend(mi_page_t *page) {
  mi_assert(page->capacity < page->reserved);
  size_t bsize = page->block_size;
  size_t n = MI_EXTEND_BYTES / bsize;
  if (n == 0)
    n = 1;
  if (n > page->reserved - page->capacity)
    n = page->reserved - page->capacity;
  uint8_t *base = _mi_page_start(page) + (size_t)page->capacity * bsize;
#if MI_SECURE
  /* in random order (a shuffle of the indices), so that which block comes
   * after which is no longer known in advance */
  uint16_t order[MI_EXTEND_BYTES / 16];
  for (size_t i = 0; i < n; i++)
    order[i] = (uint16_t)i;
  uint64_t r = (uint64_t)page->key ^ ((uint64_t)page->capacity << 32) ^ (uint64_t)_mi_prim_clock_msecs();
  for (size_t i = n - 1; i > 0; i--) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17; /* xorshift64 */
    size_t j = (size_t)(r % (i + 1));
    uint16_t t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
#define MI_EXTEND_AT(i) (base + (size_t)order[i] * bsize)
#else
#define MI_EXTEND_AT(i) (base + (i) * bsize)
#endif
  uint8_t *first = MI_EXTEND_AT(0);
  mi_block_t *block = (mi_block_t *)first;
  for (size_t i = 1; i < n; i++) {
    mi_block_t *next = (mi_block_t *)MI_EXTEND_AT(i);
    mi_block_set(block, key, page->key); /* the memory may be a former block's */
    mi_block_set_next(page, block, next);
    mi_track_close(block, bsize);
    block = next;
  }
  mi_block_set(block, key, page->key);
  mi_block_set_next(page, block, page->free);
  mi_track_close(block, bsize);
  page->free = (mi_block_t *)first;
#undef MI_EXTEND_AT
  page->capacity += (uint32_t)n;
  page->used += (uint32_t)n;
  if (page->heap != NULL)
    _mi_stat_local(&page->heap->tld->stats, &page->heap->tld->stats.bin_blocks[page->bin], (int64_t)n);
}

void _mi_page_init(mi_page_t *page, mi_heap_t *heap, size_t block_size, uint8_t bin, uint8_t *start,
                   size_t area) {
#if MI_SECURE
  /* a secret of the process and the page: splitmix64's finaliser; the low
   * bits stay clear for the marks of cross-thread links */
  uint64_t z = (uint64_t)(uintptr_t)page ^ _mi_process_cookie;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  page->key = (uintptr_t)((z ^ (z >> 31)) & ~(uint64_t)15) | 16;
#else
  page->key = (uintptr_t)page;
#endif
  page->block_size = block_size;
  page->block_div = UINT64_MAX / block_size + 1;
  page->reserved = (uint32_t)(area / block_size);
  page->capacity = 0;
  page->used = 0;
  page->free = NULL;
  page->local_free = NULL;
  atomic_store_explicit(&page->xthread_free, NULL, memory_order_relaxed);
  atomic_store_explicit(&page->xthread_suspect, NULL, memory_order_relaxed);
  atomic_store_explicit(&page->xfree_pending, 0, memory_order_relaxed);
  page->local_suspect = NULL;
  page->bin = bin;
  page->heap = heap;
  __atomic_store_n(&page->backing, heap == heap->tld->backing, __ATOMIC_RELAXED);
  _mi_page_set_flags(page, 0);
  _mi_page_set_start(page, start);
  mi_assert(page->reserved >= 1 && ((uintptr_t)start % MI_MAX_ALIGN) == 0);
  page_extend(page);
  _mi_stats_page(page, 1);
}

/* ---- blocks freed by other threads ------------------------------------------ */

/* Blocks of one page that a thread frees in a row are pushed onto the
 * page's cross-thread list together, with one atomic operation: a push
 * per block would wait, at each, for the block's cache line (the owner
 * wrote it last) before the next.  At most this many are held back. */
#define MI_XFREE_BATCH 128

/* Such a group, when its blocks have room, is a unit: its first block
 * records the last one and the count, and the link to it (the list's head,
 * or the last block of the unit before it) has its low bit set, so that
 * the owner takes the whole unit without walking through it.  The owner
 * clears the bit as it collects, before malloc follows the link. */
typedef struct mi_xfree_unit_s {
  mi_block_t block;
  mi_block_t *last;
  uintptr_t count;
} mi_xfree_unit_t;

#define MI_XFREE_UNIT ((uintptr_t)1)

static void xfree_push(mi_page_t *page, mi_block_t *first, mi_block_t *last, uint32_t count) {
  mi_segment_t *segment = _mi_ptr_segment(page);
  if (__atomic_load_n(&segment->thread_id, __ATOMIC_RELAXED) == 0)
    _mi_abandoned_freed(segment); /* before the push, while the blocks keep it alive */
  mi_block_t *link = first;
  if (count > 1 && page->block_size >= sizeof(mi_xfree_unit_t)) {
    mi_xfree_unit_t *unit = (mi_xfree_unit_t *)first;
    mi_track_open(unit, sizeof *unit);
    unit->last = last;
    unit->count = count;
    mi_track_close(unit, sizeof *unit);
    link = (mi_block_t *)((uintptr_t)first | MI_XFREE_UNIT);
  } else if (count > 1) { /* blocks too small for a unit: the owner takes each */
    atomic_fetch_add_explicit(&page->xfree_pending, count - 1, memory_order_relaxed);
  }
  mi_block_t *head = atomic_load_explicit(&page->xthread_free, memory_order_relaxed);
  do {
    mi_block_set_next(page, last, head);
  } while (!atomic_compare_exchange_weak_explicit(&page->xthread_free, &head, link, memory_order_release,
                                                  memory_order_relaxed));
}

/* The slot of the thread's batches (tld->xfree[]) that `page` uses:
 * pages of one segment take neighbouring slots, and so do pages at the
 * same place in neighbouring segments. */
static size_t xfree_slot(const mi_page_t *page) {
  uintptr_t a = (uintptr_t)page;
  return ((a >> MI_PAGE_SHIFT_IN_SEGMENT) ^ (a >> MI_SEGMENT_SHIFT)) % MI_XFREE_SLOTS;
}

/* Add a block, its key written, to the batch of its page. */
static void xfree_batch_add(mi_xfree_batch_t *batch, const mi_page_t *page, mi_block_t *block) {
  mi_block_set_next(page, block, batch->first);
  batch->first = block;
  batch->count++;
}

static void xfree_flush_batch(mi_tld_t *tld, mi_xfree_batch_t *batch) {
  if (batch->page == NULL)
    return;
  xfree_push(batch->page, batch->first, batch->last, batch->count);
  batch->page = NULL;
  batch->count = 0;
  tld->xfree_open &= ~(1u << (batch - tld->xfree));
}

/* Push the blocks the thread holds back. */
void _mi_page_xfree_flush(mi_tld_t *tld) {
  for (uint32_t open = tld->xfree_open; open != 0; open &= open - 1)
    xfree_flush_batch(tld, &tld->xfree[__builtin_ctz(open)]);
}

/* Free a block of a page that another thread owns (or none, when its
 * thread has exited).  With the freeing thread's `tld` (NULL for a thread
 * without a heap), blocks of small and medium pages of backing heaps of
 * running threads are held back to be pushed with the next ones of the
 * same page, in one of MI_XFREE_SLOTS batches; they stay counted as in
 * use, so the page stays until they are pushed: when a block of another
 * page of the same slot is freed, after MI_XFREE_BATCH blocks, and when
 * the thread allocates on a slow path, collects or exits.  Blocks of an
 * exited thread's segment are pushed at once: held back, they would keep
 * the segment from being taken over whole or given back. */
void _mi_page_free_remote(mi_tld_t *tld, mi_page_t *page, mi_block_t *block) {
  bool batched = tld != NULL && page->block_size <= MI_MEDIUM_OBJ_MAX &&
                 __atomic_load_n(&page->backing, __ATOMIC_RELAXED) &&
                 __atomic_load_n(&_mi_ptr_segment(page)->thread_id, __ATOMIC_RELAXED) != 0;
  mi_xfree_batch_t *batch = batched ? &tld->xfree[xfree_slot(page)] : NULL;
  bool starts = !batched || batch->page != page || batch->count >= MI_XFREE_BATCH;
  if (starts) /* a push to come: counted before the key is written (acquire) */
    atomic_fetch_add_explicit(&page->xfree_pending, 1, memory_order_acq_rel);
  mi_block_set(block, key, page->key);
  if (!batched) {
    xfree_push(page, block, block, 1);
    return;
  }
  if (starts) {
    xfree_flush_batch(tld, batch);
    batch->page = page;
    batch->first = NULL;
    batch->last = block;
    batch->start = (uintptr_t)_mi_page_start(page);
    batch->area = page->reserved * (uint32_t)page->block_size;
    batch->div = page->block_div;
    tld->xfree_open |= 1u << (batch - tld->xfree);
  }
  xfree_batch_add(batch, page, block);
}

/* The common free from another thread, short: p, of `page` (which another
 * thread owns), while this thread holds back a batch of that page with
 * room for one more.  free.c's checks of the page and its segment held
 * when the batch began and hold while it lasts (its blocks keep the page
 * in use, and this thread pushes them before it could take the page
 * over); what is left to check is p itself: a block of the page, not a
 * pointer into one (offset * div wraps below div exactly for multiples
 * of block_size: Lemire, Kaser and Kurz), that does not carry the page's
 * key (may be free already) and whose trailer is intact.  Appends it and
 * returns true, or returns false with nothing done, for the full checks. */
bool _mi_page_xfree_append(mi_tld_t *tld, mi_page_t *page, void *p) {
  mi_xfree_batch_t *batch = &tld->xfree[xfree_slot(page)];
  uint64_t off = (uintptr_t)p - batch->start;
  if (batch->page != page || off >= batch->area || off * batch->div >= batch->div ||
      batch->count >= MI_XFREE_BATCH)
    return false;
  mi_block_t *block = p;
  mi_track_open(block, sizeof *block);
  bool keyed = block->key == page->key;
  mi_track_close(block, sizeof *block);
  size_t delta;
  if (keyed || !_mi_canary_ok(page, (uint8_t *)block + page->block_size, p, &delta))
    return false;
  mi_track_free(block, page->block_size);
  mi_block_set(block, key, page->key);
  xfree_batch_add(batch, page, block);
  _mi_stat_live(page->block_size, -1); /* last: nothing kept across its call */
  return true;
}

/* Blocks of the page that other threads freed, now collected. */
static void count_xthread_frees(mi_page_t *page, size_t count) {
  if (page->heap != NULL)
    _mi_stat_local(&page->heap->tld->stats, &page->heap->tld->stats.xthread_frees, (int64_t)count);
  else
    _mi_stat_counter(&_mi_stats.xthread_frees, (int64_t)count); /* an exited thread's page */
}

/* Move blocks freed by other threads into the local list: a walk over the
 * units and single blocks of the list, not over every block. */
static void page_take_xthread(mi_page_t *page) {
  if (atomic_load_explicit(&page->xthread_free, memory_order_relaxed) == NULL)
    return;
  uintptr_t link = (uintptr_t)atomic_exchange_explicit(&page->xthread_free, NULL, memory_order_acquire);
  if (link == 0)
    return;
  mi_block_t *first = (mi_block_t *)(link & ~MI_XFREE_UNIT), *tail = NULL;
  size_t count = 0;
  uint32_t pushes = 0;
  for (; link != 0; pushes++) {
    mi_block_t *block = (mi_block_t *)(link & ~MI_XFREE_UNIT);
    if (link & MI_XFREE_UNIT) {
      const mi_xfree_unit_t *unit = (const mi_xfree_unit_t *)block;
      if (tail != NULL)
        mi_block_set_next(page, tail, block); /* the link without its mark */
      mi_track_open(unit, sizeof *unit);
      count += unit->count;
      tail = unit->last;
      mi_track_close(unit, sizeof *unit);
    } else {
      count++;
      tail = block;
    }
    link = (uintptr_t)mi_block_next(page, tail);
  }
  mi_block_set_next(page, tail, page->local_free);
  page->local_free = first;
  mi_assert(count <= page->used);
  page->used -= (uint32_t)count;
  atomic_fetch_sub_explicit(&page->xfree_pending, pushes, memory_order_relaxed);
  if (page->heap != NULL)
    _mi_stat_local(&page->heap->tld->stats, &page->heap->tld->stats.xthread_collects, 1);
  count_xthread_frees(page, count);
}

/* May another thread hold back a block of the page, or have pushed one
 * that the owner has not collected?  Such a thread counts its push in
 * xfree_pending before it writes the block's key (with acquire order), so
 * a block that carries the key because of it is counted here. */
bool _mi_page_xfree_pending(mi_page_t *page) {
  return atomic_load_explicit(&page->xfree_pending, memory_order_acquire) != 0;
}

/* Is `block` held back by this thread (a batch not yet pushed)? */
bool _mi_page_xfree_holds(const mi_tld_t *tld, const mi_page_t *page, const mi_block_t *block) {
  if (tld == NULL)
    return false;
  const mi_xfree_batch_t *batch = &tld->xfree[xfree_slot(page)];
  if (batch->page != page)
    return false;
  const mi_block_t *b = batch->first;
  for (uint32_t n = 0; n < batch->count && b != NULL; n++, b = mi_block_next(page, b))
    if (b == block)
      return true;
  return false;
}

/* ---- blocks freed with the key on ------------------------------------------- */

/* A block freed while it carried its page's key was most likely freed
 * before, but may be in use with its first word never written since it
 * was handed out (a fresh block carries the key too).  Only the owner may
 * look through the page's lists: such blocks wait for it in a list of
 * their own, xthread_suspect, linked through their first word (their
 * second, the link of the free list they may be in, stays untouched), and
 * stay counted as in use.  The links have MI_SUSPECT_LINK set, which the
 * key never has, so a block freed yet again (and pushed with the key
 * written over its link) ends the walk rather than misleading it. */
#define MI_SUSPECT_LINK ((uintptr_t)8)
#define MI_SUSPECT_BITS (MI_SMALL_PAGE_SIZE / 16) /* most blocks of a page */

/* The fast path's block had a bad link: the block itself is sound (its
 * own link was checked), the rest of the list is given up. */
mi_decl_cold void *_mi_page_malloc_corrupt(mi_page_t *page, mi_block_t *block, uintptr_t link, size_t size) {
  page->free = _mi_block_corrupt(page, block, link);
  mi_track_alloc(block, size, _mi_canary_usable(size, page->block_size), false);
  _mi_canary_set(page, (uint8_t *)block + page->block_size, block, size);
  return block;
}

mi_decl_cold void _mi_double_free(const void *p, const char *who) {
  _mi_error_message(EAGAIN, "%s(): double free of %p\n", who != NULL ? who : "free", p);
}

void _mi_page_free_suspect(mi_page_t *page, mi_block_t *block) {
  mi_block_set(block, key, (uintptr_t)page->local_suspect | MI_SUSPECT_LINK);
  page->local_suspect = block;
}

void _mi_page_free_suspect_remote(mi_page_t *page, mi_block_t *block) {
  mi_segment_t *segment = _mi_ptr_segment(page);
  if (__atomic_load_n(&segment->thread_id, __ATOMIC_RELAXED) == 0)
    _mi_abandoned_freed(segment); /* as for any block freed into an abandoned segment */
  mi_block_t *head = atomic_load_explicit(&page->xthread_suspect, memory_order_relaxed);
  do {
    mi_block_set(block, key, (uintptr_t)head | MI_SUSPECT_LINK);
  } while (!atomic_compare_exchange_weak_explicit(&page->xthread_suspect, &head, block, memory_order_release,
                                                  memory_order_relaxed));
}

static size_t page_block_index(const mi_page_t *page, const mi_block_t *block) {
  return (size_t)(((uintptr_t)block - (uintptr_t)_mi_page_start(page)) / page->block_size);
}

/* Marks in `bits` the blocks of a free list of the page; false, where
 * the walk stops, at a link that is not a block of the page below its
 * capacity or past `capacity` blocks (a cycle; or another thread changing
 * the list, for the visits of heap.c). */
bool _mi_page_mark_list(const mi_page_t *page, const mi_block_t *b, size_t capacity, uint64_t *bits) {
  for (size_t n = 0; b != NULL; b = mi_block_next(page, b), n++) {
    if (n >= capacity || _mi_page_block_of(page, b) != b)
      return false;
    size_t i = page_block_index(page, b);
    if (i >= capacity)
      return false;
    bits[i / 64] |= (uint64_t)1 << (i % 64);
  }
  return true;
}

/* The owner's check of the waiting blocks, after the cross-thread list is
 * collected: those in a free list were freed twice (reported, and left
 * there), the others were in use and are freed now, unless another thread
 * may still hold them back (`held`): then they wait for a later look, in
 * local_suspect.  One pass over the free lists for all of them. */
static size_t page_check_suspects(mi_page_t *page, mi_block_t *block, uint64_t *bits, bool marked, bool held) {
  size_t freed = 0;
  while (block != NULL) {
    uintptr_t link = mi_block_get(block, key);
    mi_block_set(block, key, page->key);
    size_t i = page_block_index(page, block);
    bool is_free = marked ? (bits[i / 64] >> (i % 64)) & 1 : _mi_page_is_block_free(page, block);
    if (is_free) {
      _mi_double_free(block, NULL);
      _mi_stat_live(page->block_size, 1); /* free.c counted it as freed */
    } else if (held) {
      _mi_page_free_suspect(page, block); /* still counted as freed, as it was */
    } else {
      mi_track_free(block, page->block_size); /* was in use: freed now */
      mi_block_set_next(page, block, page->local_free);
      page->local_free = block;
      mi_assert(page->used > 0);
      page->used--;
      freed++;
      if (marked)
        bits[i / 64] |= (uint64_t)1 << (i % 64);
    }
    if (!(link & MI_SUSPECT_LINK))
      break; /* freed once more while waiting: the rest is lost, not followed */
    block = (mi_block_t *)(link & ~MI_SUSPECT_LINK);
  }
  return freed;
}

static void page_collect_suspects(mi_page_t *page) {
  mi_block_t *local = page->local_suspect;
  if (local == NULL && atomic_load_explicit(&page->xthread_suspect, memory_order_relaxed) == NULL)
    return;
  page->local_suspect = NULL;
  mi_block_t *remote = atomic_exchange_explicit(&page->xthread_suspect, NULL, memory_order_acquire);
  bool held = _mi_page_xfree_pending(page); /* read after the suspects: their frees came later */
  uint64_t bits[MI_SUSPECT_BITS / 64];
  bool marked = page->reserved <= MI_SUSPECT_BITS;
  if (marked) {
    memset(bits, 0, (page->reserved + 63) / 64 * sizeof bits[0]);
    marked = _mi_page_mark_list(page, page->free, page->capacity, bits) &&
             _mi_page_mark_list(page, page->local_free, page->capacity, bits);
  }
  page_check_suspects(page, local, bits, marked, held);
  count_xthread_frees(page, page_check_suspects(page, remote, bits, marked, held));
}

/* Everything other threads freed, into the local list. */
static void page_collect_xthread(mi_page_t *page) {
  page_take_xthread(page);
  page_collect_suspects(page);
}

void _mi_page_take_xthread(mi_page_t *page) {
  page_take_xthread(page);
}

/* Make `free` non-empty if anything was freed: the local list is taken only
 * when `free` has run out, which keeps recently freed blocks cache-warm. */
/* With MIALLOC_SECURE: the owner's fast-path frees were pushed unchecked
 * (checking each there would cost about 16 instructions per block, as
 * much again as a malloc and free; here it is the same, but only when
 * asked for): before malloc hands
 * them out again, each must be a block of the page (not a pointer into
 * one) that still carries the key (not written since it was freed), and
 * the list no longer than what was freed (a cycle: a block freed twice).
 * A pointer into a block is reported and left out; at a block that was
 * written, or past the count, the rest of the list is given up (left
 * counted as in use), never followed.  Whether an offset is a multiple of
 * block_size: for offsets below 2^32, offset * block_div wraps below
 * block_div exactly then (Lemire, Kaser and Kurz). */
static void page_check_local(mi_page_t *page) {
  mi_block_t *prev = NULL; /* the link to b: page->local_free, or prev's */
  uint32_t n = 0, freed = page->capacity - page->used;
  const uintptr_t key = page->key, start = (uintptr_t)_mi_page_start(page);
  const uint64_t limit = (uint64_t)page->capacity * page->block_size;
  const uint64_t div = page->reserved == 1 ? 0 : page->block_div; /* one block: offset 0 only */
  for (mi_block_t *b = page->local_free; b != NULL;) {
    uint64_t off = (uintptr_t)b - start;
    mi_block_t *next = NULL;
    bool bad = n == freed || mi_block_get(b, key) != key;
    if (!bad && (off >= limit || (div != 0 && off * div >= div) || (div == 0 && off != 0))) {
      _mi_error_message(EINVAL | MI_ERROR_CORRUPT, "free(): invalid pointer %p: points inside a block\n", (void *)b);
      next = mi_block_next(page, b); /* left out */
      page->used++;
      freed--;
    } else if (bad) {
      _mi_error_message(EFAULT, "free list of page %p corrupted at %p: %s\n", (void *)page, (void *)b,
                        n == freed ? "more blocks than were freed (a double free?)"
                                   : "a freed block was written to (use after free or overflow)");
      page->used += freed - n; /* the rest is given up */
    } else {
      n++;
      prev = b;
      b = mi_block_next(page, b);
      continue;
    }
    if (prev == NULL)
      page->local_free = next;
    else
      mi_block_set_next(page, prev, next);
    b = next;
    if (bad)
      break;
  }
}

void _mi_page_collect(mi_page_t *page) {
  page_collect_xthread(page);
  if (page->free == NULL) {
    if (mi_unlikely(mi_option_get(mi_option_secure) > 0))
      page_check_local(page);
    if (page->heap != NULL)
      _mi_stat_local(&page->heap->tld->stats, &page->heap->tld->stats.bin_reused[page->bin],
                     (int64_t)(page->capacity - page->used));
    page->free = page->local_free;
    page->local_free = NULL;
    page->used = page->capacity;
  }
}

/* Blocks handed out and not freed: `used` also counts the blocks waiting in
 * `free` and in the cross-thread list, so this collects and walks `free`
 * (for slow paths only). */
size_t _mi_page_live(mi_page_t *page) {
  page_collect_xthread(page);
  size_t waiting = 0;
  for (const mi_block_t *b = page->free; b != NULL && waiting < page->used; b = mi_block_next(page, b))
    waiting++;
  mi_assert(waiting <= page->used);
  return page->used - waiting;
}

/* ---- pages in and out of heaps ---------------------------------------------- */

void _mi_page_free(mi_page_t *page) {
  mi_heap_t *heap = page->heap;
  mi_tld_t *tld = heap->tld;
  _mi_page_queue_remove(heap, _mi_heap_queue_of(heap, page), page);
  _mi_stats_page(page, -1);
  _mi_segment_page_free(page, tld);
}

/* All blocks of a page were freed.  The last page of a small bin stays, so
 * that a loop of malloc and free does not map and release pages. */
void _mi_page_retire(mi_page_t *page) {
  if (page->bin <= MI_BIN_HUGE && page->block_size <= MI_SMALL_OBJ_MAX &&
      !(page->flags & MI_PAGE_IN_FULL) && page->prev == NULL && page->next == NULL)
    return;
  _mi_page_free(page);
}

/* A page in the full list got a free block: back to its size class. */
void _mi_page_unfull(mi_page_t *page) {
  mi_heap_t *heap = page->heap;
  _mi_page_queue_remove(heap, &heap->bins[MI_BIN_FULL], page);
  _mi_page_set_flags(page, page->flags & (uint8_t)~MI_PAGE_IN_FULL);
  /* at the back: it has few free blocks yet, and gathers more while the
   * pages in front are used (at the front it would bounce back at once) */
  mi_page_queue_t *pq = &heap->bins[page->bin];
  queue_push_back(pq, page);
  if (pq->first == page)
    _mi_heap_direct_update(heap, pq);
}

static void page_to_full(mi_heap_t *heap, mi_page_queue_t *pq, mi_page_t *page) {
  _mi_page_queue_remove(heap, pq, page);
  _mi_page_set_flags(page, page->flags | MI_PAGE_IN_FULL);
  queue_push_back(&heap->bins[MI_BIN_FULL], page);
}

/* Re-examine up to `max` full pages (all when max == 0) for blocks freed by
 * other threads; pages with free blocks go back, the rest to the back. */
void _mi_heap_collect_full(mi_heap_t *heap, size_t max) {
  mi_page_queue_t *full = &heap->bins[MI_BIN_FULL];
  size_t n = 0;
  for (mi_page_t *page = full->first, *next; page != NULL && (max == 0 || n < max); page = next, n++) {
    next = page->next;
    page_collect_xthread(page);
    if (page->local_free == NULL && page->free == NULL) {
      if (max != 0 && page != full->last) {
        _mi_page_queue_remove(heap, full, page);
        queue_push_back(full, page);
      }
      continue;
    }
    _mi_page_unfull(page);
    if (_mi_page_live(page) == 0)
      _mi_page_retire(page);
  }
}

/* Take over a page of a reclaimed segment. */
static void page_adopt(mi_heap_t *heap, mi_page_t *page) {
  mi_assert(heap == heap->tld->backing); /* other heaps do not reclaim */
  page->heap = heap;
  __atomic_store_n(&page->backing, 1, __ATOMIC_RELAXED);
  _mi_page_set_flags(page, page->flags & (uint8_t)~MI_PAGE_IN_FULL);
  _mi_stats_page(page, 1);
  _mi_page_collect(page);
  mi_page_queue_t *pq = &heap->bins[page->bin];
  if (_mi_page_live(page) == 0) {
    queue_push_back(pq, page);
    _mi_page_free(page);
  } else if (page->free == NULL && page->capacity == page->reserved && page->bin != MI_BIN_HUGE) {
    _mi_page_set_flags(page, page->flags | MI_PAGE_IN_FULL);
    queue_push_back(&heap->bins[MI_BIN_FULL], page);
  } else {
    _mi_page_queue_push(heap, pq, page);
  }
}

/* ---- taking over segments of exited threads (abandon.c) ------------------- */

/* The segment becomes this thread's and its pages the heap's; pages whose
 * blocks were all freed meanwhile are released (and the segment with the
 * last of them). */
static void heap_reclaim(mi_heap_t *heap, mi_segment_t *segment) {
  _mi_segment_take(segment, heap->tld);
  size_t i = 0, live = segment->used;
  for (mi_page_t *page; (page = _mi_segment_next_used(segment, &i, &live)) != NULL;) {
    page->heap = heap;
    page_adopt(heap, page); /* may release the page, and the segment with the last one */
  }
}

/* Takes over an abandoned segment with room in a page of the queue's size,
 * or a free page for it. */
static bool heap_reclaim_for(mi_heap_t *heap, mi_page_queue_t *pq) {
  mi_segment_t *segment = _mi_abandoned_take_for(pq->block_size);
  if (segment == NULL)
    return false;
  heap_reclaim(heap, segment);
  return true;
}

static bool heap_reclaim_one(mi_heap_t *heap) {
  mi_segment_t *segment = _mi_abandoned_take_one();
  if (segment == NULL)
    return false;
  heap_reclaim(heap, segment);
  return true;
}

/* An abandoned segment whose time has come (a purge due, blocks freed into
 * it), looked after without taking it over: pages whose blocks were all
 * freed go back to it (and it goes to the cache with the last of them),
 * due purges are done, and what is left is published again. */
static void abandoned_look_after(mi_segment_t *segment, mi_tld_t *tld, int64_t now) {
  size_t i = 0, live = segment->used;
  for (mi_page_t *page; (page = _mi_segment_next_used(segment, &i, &live)) != NULL;) {
    if (_mi_page_live(page) == 0 && _mi_segment_page_free(page, tld))
      return; /* that was the last page: the segment is gone */
  }
  _mi_segment_purge_due(segment, now);
  segment->next = NULL;
  _mi_abandoned_push(segment);
}

static void abandoned_due_work(mi_tld_t *tld) {
  int64_t due = _mi_abandoned_due();
  if (due == 0)
    return;
  int64_t now = _mi_prim_clock_msecs();
  if (now < due)
    return;
  mi_segment_t *chain = _mi_abandoned_take_due(now);
  while (chain != NULL) {
    mi_segment_t *next = chain->next;
    abandoned_look_after(chain, tld, now);
    chain = next;
  }
}

void _mi_heap_reclaim_all(mi_heap_t *heap) {
  while (heap_reclaim_one(heap)) {
  }
}

/* ---- finding a page with a free block ------------------------------------- */

static mi_page_t *page_fresh(mi_heap_t *heap, mi_page_queue_t *pq, uint8_t bin) {
  mi_page_t *page = _mi_segment_page_alloc(heap, pq->block_size, 0);
  if (page == NULL)
    return NULL;
  _mi_page_init(page, heap, pq->block_size, bin, _mi_page_start(page), page->block_size);
  _mi_page_queue_push(heap, pq, page);
  return page;
}

static mi_page_t *queue_find_free(mi_heap_t *heap, mi_page_queue_t *pq) {
  /* As on the small fast path, the other lists are collected only once
   * `free` has run out: taking them earlier, on every medium malloc, would
   * pull the cross-thread list's cache line from the threads freeing into
   * it, one exchange per few blocks. */
  if (pq->first != NULL && pq->first->free != NULL)
    return pq->first;
  for (mi_page_t *page = pq->first, *next; page != NULL; page = next) {
    next = page->next;
    _mi_page_collect(page);
    if (page->free == NULL && page->capacity < page->reserved)
      page_extend(page);
    if (page->free != NULL) {
      if (page != pq->first) {
        _mi_page_queue_remove(heap, pq, page);
        _mi_page_queue_push(heap, pq, page);
      }
      return page;
    }
    page_to_full(heap, pq, page);
  }
  return NULL;
}

/* A thread takes over a segment of an exited thread when it would
 * otherwise need a new segment for the page it wants: the free pages of
 * exited threads are so reused while still committed, rather than purged
 * there and faulted in afresh elsewhere (a segment with room in a page of
 * the bin is preferred).  Not for room alone, while it has free pages of
 * its own: that would bring in pages of every size class, to sit in its
 * queues with their blocks freed by others and never collected while it
 * allocates in other size classes. */
static bool heap_reclaims(const mi_heap_t *heap, const mi_page_queue_t *pq) {
  return !heap->no_reclaim && pq->block_size <= MI_MEDIUM_OBJ_MAX &&
         !_mi_segment_has_free_page(heap->tld, pq->block_size);
}

/* A page of the bin with a free block: the queue's, one of a full page that
 * got blocks back, one of a segment of an exited thread, or a fresh one. */
static mi_page_t *find_page(mi_heap_t *heap, uint8_t bin) {
  mi_page_queue_t *pq = &heap->bins[bin];
  mi_page_t *page = queue_find_free(heap, pq);
  if (page != NULL)
    return page;
  abandoned_due_work(heap->tld);
  _mi_segments_due_work(heap->tld);
  _mi_heap_collect_full(heap, MI_FULL_RECHECK);
  page = queue_find_free(heap, pq);
  for (int i = 0; page == NULL && i < MI_RECLAIM_TRIES && heap_reclaims(heap, pq) && heap_reclaim_for(heap, pq); i++)
    page = queue_find_free(heap, pq);
  if (page != NULL)
    return page;
  return page_fresh(heap, pq, bin);
}

static mi_page_t *huge_alloc(mi_heap_t *heap, size_t size, size_t alignment) {
  abandoned_due_work(heap->tld);
  _mi_segments_due_work(heap->tld);
  mi_page_t *page = _mi_segment_page_alloc(heap, size, alignment);
  if (page == NULL)
    return NULL;
  mi_page_queue_t *pq = &heap->bins[MI_BIN_HUGE];
  _mi_page_init(page, heap, page->block_size, MI_BIN_HUGE, _mi_page_start(page), page->block_size);
  _mi_page_queue_push(heap, pq, page);
  page->free = NULL;
  page->used = 1;
  return page;
}

/* realloc of a huge block of this thread, of `oldsize` usable bytes, from
 * one huge size to another: its segment is resized with its contents (the
 * OS moves the pages, where it can), not copied; with `zero`, what the
 * block gains past oldsize reads as zero.  The new block, or NULL when this
 * cannot be done (another thread's block, an aligned one, no mremap), the
 * old one intact. */
void *_mi_page_huge_realloc(void *p, size_t oldsize, size_t newsize, bool zero) {
  mi_segment_t *segment = _mi_ptr_segment(p);
  mi_page_t *page = &segment->pages[0];
  mi_heap_t *heap = page->heap;
  if (segment->kind != MI_PAGE_HUGE || segment->kept || heap == NULL || heap->thread_id != _mi_thread_id() ||
      p != (uint8_t *)segment + MI_SEGMENT_HEADER_SIZE || _mi_page_start(page) != p ||
      newsize > PTRDIFF_MAX - MI_SEGMENT_HEADER_SIZE - MI_SEGMENT_SIZE)
    return NULL;
  size_t block = _mi_huge_block_size(MI_SEGMENT_HEADER_SIZE, newsize + MI_PADDING);
  size_t size = _mi_align_up(MI_SEGMENT_HEADER_SIZE + block + _mi_segment_guard_size(),
                             MI_SEGMENT_SIZE); /* the mapping it needs */
  size_t old_block = page->block_size, old_room = segment->size - MI_SEGMENT_HEADER_SIZE;
  _mi_segment_huge_guard(page, false); /* a secure build's: moves with the block's end */
  /* within the segment's mapping, only the block's size changes; the
   * mapping changes when it must grow, or could shrink by half */
  if (zero && newsize > oldsize) { /* the mapping's slack may hold old data; what the OS adds is zero */
    size_t end = block < old_room ? block : old_room;
    mi_track_open((uint8_t *)p + oldsize, end - oldsize); /* a secure build's trailer among it */
    memset((uint8_t *)p + oldsize, 0, end - oldsize);
  }
  if (size > segment->size || size <= segment->size / 2) {
    mi_page_queue_t *pq = &heap->bins[MI_BIN_HUGE];
    _mi_page_queue_remove(heap, pq, page); /* the descriptor may move with the segment */
    mi_segment_t *resized = _mi_segment_huge_remap(segment, size);
    if (resized == NULL) {
      _mi_page_queue_push(heap, pq, page);
      _mi_canary_set(page, (uint8_t *)p + old_block, p, oldsize); /* zeroing may have wiped it */
      _mi_segment_huge_guard(page, true);
      return NULL;
    }
    page = &resized->pages[0];
    _mi_page_set_start(page, (uint8_t *)resized + MI_SEGMENT_HEADER_SIZE);
    _mi_page_queue_push(heap, pq, page);
  }
  page->block_size = block;
  _mi_stats_huge_resize(old_block, block);
  _mi_segment_huge_guard(page, true);
  uint8_t *q = _mi_page_start(page);
  _mi_canary_set(page, q + block, q, newsize);
  return q;
}

/* A block from the heap of this thread, found the slow way: empty free
 * lists, new pages, huge blocks, zeroing and the alignment of huge blocks. */
void *_mi_page_malloc(mi_heap_t *heap, size_t size, bool zero, size_t alignment) {
  mi_page_t *page;
  mi_block_t *block;
  bool is_zero = false;
  _mi_page_xfree_flush(heap->tld);
  if (size > MI_LARGE_OBJ_MAX - MI_PADDING || alignment > MI_MAX_ALIGN) {
    if (size > PTRDIFF_MAX) {
      _mi_error_message(ENOMEM, "allocation request is too large (%zu bytes)\n", size);
      errno = ENOMEM;
      return NULL;
    }
    page = huge_alloc(heap, size + MI_PADDING, alignment);
    block = page != NULL ? (mi_block_t *)_mi_page_start(page) : NULL;
    is_zero = page != NULL && page->is_zero;
  } else {
    page = find_page(heap, _mi_bin(size + MI_PADDING));
    block = page != NULL ? page->free : NULL;
    if (block != NULL)
      page->free = mi_block_next(page, block);
  }
  if (block == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  mi_assert(_mi_page_block_of(page, block) == block && page->used <= page->capacity);
  mi_track_open(block, page->block_size);
  if (zero && !is_zero)
    memset(block, 0, page->block_size); /* all of it, for mi_rezalloc */
  else if (zero)
    memset(block, 0, sizeof *block); /* carving wrote key and link */
  mi_track_alloc(block, size, _mi_canary_usable(size, page->block_size), zero);
  _mi_canary_set(page, (uint8_t *)block + page->block_size, block, size);
  _mi_stat_live(page->block_size, 1);
  return block;
}

/* Is `block` in one of the page's free lists: 1 yes, 0 no, -1 not known
 * after `max` steps into a list. */
int _mi_page_find_free(const mi_page_t *page, const mi_block_t *block, size_t max) {
  const mi_block_t *lists[2] = {page->free, page->local_free};
  int answer = 0;
  for (size_t l = 0; l < 2; l++) {
    size_t n = 0;
    const mi_block_t *b = lists[l];
    for (; b != NULL && n < max && n <= page->capacity; b = mi_block_next(page, b), n++)
      if (b == block)
        return 1;
    if (b != NULL)
      answer = -1;
  }
  return answer;
}

/* True when `block` sits in one of the page's free lists. */
bool _mi_page_is_block_free(const mi_page_t *page, const mi_block_t *block) {
  return _mi_page_find_free(page, block, SIZE_MAX) == 1;
}
