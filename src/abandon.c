/* abandon.c - segments of exited threads, waiting to be taken over.
 *
 * A thread that exits with live blocks publishes its segments here.  Other
 * threads go on freeing into them (lock-free, through the pages'
 * cross-thread lists), and take them over (page.c): when they need a page,
 * since the memory and half-used pages are there already; and when a
 * segment's time has come - a purge of its free pages falls due, or blocks
 * were freed into it, so that it may have become empty.  An exited
 * thread's memory so goes back to the OS on the same delay as anyone's,
 * with no mi_collect.
 *
 * One lock guards the list; it is taken when a thread exits with live
 * blocks and when a segment is taken, never in a steady state without
 * exiting threads (a count and a deadline, read without it, say whether
 * there is anything to take). */
#include "internal.h"


static mi_lock_t abandoned_lock = MI_LOCK_INIT(MI_LOCK_ABANDONED);
static mi_segment_t *abandoned;           /* guarded by abandoned_lock */
static _Atomic(size_t) abandoned_count;
static _Atomic(int64_t) abandoned_due;    /* earliest due time on the list, or 0 */

/* When a segment on the list wants looking at: its earliest purge, or
 * when blocks were freed into it (plus the purge delay); 0 for never. */
static int64_t segment_due(const mi_segment_t *segment) {
  return _mi_deadline_min(segment->purge_at, atomic_load_explicit(&segment->freed_due, memory_order_relaxed));
}

void _mi_abandoned_push(mi_segment_t *chain) {
  if (chain == NULL)
    return;
  size_t n = 0;
  int64_t due = 0;
  mi_segment_t *last = chain;
  for (mi_segment_t *s = chain; s != NULL; s = s->next) {
    due = _mi_deadline_min(due, segment_due(s));
    __atomic_store_n(&s->thread_id, 0, __ATOMIC_RELEASE); /* from now on other threads' */
    last = s;
    n++;
  }
  _mi_lock(&abandoned_lock);
  last->next = abandoned;
  abandoned = chain;
  _mi_unlock(&abandoned_lock);
  atomic_fetch_add_explicit(&abandoned_count, n, memory_order_relaxed);
  _mi_stat_counter(&_mi_stats.abandoned, (int64_t)n);
  if (due != 0)
    _mi_deadline_lower(&abandoned_due, due);
}

size_t _mi_abandoned_count(void) {
  return atomic_load_explicit(&abandoned_count, memory_order_relaxed);
}

int64_t _mi_abandoned_due(void) {
  return atomic_load_explicit(&abandoned_due, memory_order_relaxed);
}

/* Does the abandoned segment have a page of blocks of `block_size` with
 * room, so that taking it over serves this allocation?  Reads pages that
 * no thread owns (their cross-thread lists aside). */
static bool segment_has_room(mi_segment_t *segment, size_t block_size) {
  size_t i = 0, live = segment->used;
  for (mi_page_t *page; (page = _mi_segment_next_used(segment, &i, &live)) != NULL;) {
    if (page->block_size == block_size &&
        (page->free != NULL || page->local_free != NULL || page->capacity < page->reserved ||
         atomic_load_explicit(&page->xthread_free, memory_order_relaxed) != NULL))
      return true;
  }
  return false;
}

/* The memory of the segment's free pages that is still committed, when
 * it has pages of the kind that blocks of `block_size` take; 0 if none. */
static size_t segment_free_committed(const mi_segment_t *segment, size_t block_size) {
  if (segment->kind != _mi_page_kind_for(block_size) || segment->used >= segment->page_count)
    return 0;
  size_t free = (segment->page_count - segment->used) * (segment->size / segment->page_count);
  return free > segment->purged ? free - segment->purged : 1; /* purged: still a free page */
}

#define MI_ABANDONED_LOOK 16 /* segments looked at for one with room */

/* Takes a segment off the list, among the most recently abandoned, that
 * serves an allocation of `block_size` bytes: one with room in a page of
 * such blocks, else the one with the most committed memory in free pages
 * for them.  NULL when there is none. */
mi_segment_t *_mi_abandoned_take_for(size_t block_size) {
  if (_mi_abandoned_count() == 0)
    return NULL;
  mi_segment_t **found = NULL;
  size_t best = 0, n = 0;
  _mi_lock(&abandoned_lock);
  for (mi_segment_t **pp = &abandoned; *pp != NULL && n < MI_ABANDONED_LOOK; pp = &(*pp)->next, n++) {
    if (segment_has_room(*pp, block_size)) {
      found = pp;
      break;
    }
    size_t committed = segment_free_committed(*pp, block_size);
    if (committed > best) {
      best = committed;
      found = pp;
    }
  }
  mi_segment_t *segment = found != NULL ? *found : NULL;
  if (segment != NULL) {
    *found = segment->next;
    atomic_store_explicit(&segment->freed_due, 0, memory_order_relaxed);
  }
  _mi_unlock(&abandoned_lock);
  if (segment != NULL)
    atomic_fetch_sub_explicit(&abandoned_count, 1, memory_order_relaxed);
  return segment;
}

/* Takes segments off the list: with `all`, every one due at `now` (as a
 * chain through next), else the first one.  NULL when there is none. */
static mi_segment_t *abandoned_take(bool all, int64_t now) {
  if (_mi_abandoned_count() == 0)
    return NULL;
  mi_segment_t *taken = NULL;
  size_t n = 0;
  int64_t due = 0;
  _mi_lock(&abandoned_lock);
  for (mi_segment_t **pp = &abandoned; *pp != NULL;) {
    mi_segment_t *s = *pp;
    int64_t t = segment_due(s);
    if ((all && t != 0 && t <= now) || (!all && n == 0)) {
      *pp = s->next;
      s->next = taken;
      taken = s;
      /* frees from now on call for another look (the taker may put it back) */
      atomic_store_explicit(&s->freed_due, 0, memory_order_relaxed);
      n++;
      if (!all)
        break;
    } else {
      due = _mi_deadline_min(due, t);
      pp = &s->next;
    }
  }
  if (all || abandoned == NULL) /* a full walk: the due time of what is left */
    atomic_store_explicit(&abandoned_due, due, memory_order_relaxed);
  _mi_unlock(&abandoned_lock);
  atomic_fetch_sub_explicit(&abandoned_count, n, memory_order_relaxed);
  return taken;
}

mi_segment_t *_mi_abandoned_take_one(void) {
  return abandoned_take(false, 0);
}

mi_segment_t *_mi_abandoned_take_due(int64_t now) {
  return abandoned_take(true, now);
}

/* A block was freed into an abandoned segment: look at it after the purge
 * delay (the owner would have purged its page by then).  Called on the
 * cross-thread free path; reads the clock only for the first such free. */
void _mi_abandoned_freed(mi_segment_t *segment) {
  if (atomic_load_explicit(&segment->freed_due, memory_order_relaxed) != 0)
    return;
  long delay = _mi_option_get_fast(mi_option_purge_delay);
  if (delay < 0)
    return;
  int64_t due = _mi_deadline_after(_mi_prim_clock_msecs(), delay);
  int64_t none = 0;
  if (atomic_compare_exchange_strong_explicit(&segment->freed_due, &none, due, memory_order_relaxed,
                                              memory_order_relaxed))
    _mi_deadline_lower(&abandoned_due, due);
}

/* Calls fn for each segment on the list, with the list locked: no thread
 * can take one meanwhile (the statistics count their blocks). */
void _mi_abandoned_visit(void (*fn)(mi_segment_t *segment, void *arg), void *arg) {
  _mi_lock(&abandoned_lock);
  for (mi_segment_t *s = abandoned; s != NULL; s = s->next)
    fn(s, arg);
  _mi_unlock(&abandoned_lock);
}

/* fork (internal.h, "Locks and fork"): a child that cannot trust the list
 * forgets it; frees into its segments still work, they are never taken */
static uint64_t abandoned_note;

void _mi_abandoned_fork_prepare(void) {
  abandoned_note = _mi_lock_fork_note(&abandoned_lock);
}

void _mi_abandoned_fork_child(void) {
  if (_mi_lock_fork_child(&abandoned_lock, abandoned_note))
    return;
  abandoned = NULL;
  atomic_store_explicit(&abandoned_count, 0, memory_order_relaxed);
  atomic_store_explicit(&abandoned_due, 0, memory_order_relaxed);
}
