/* cache.c - free segments kept for reuse, before they go back to the OS.
 *
 * A segment whose pages are all free is kept mapped for a while (purge_delay
 * times arena_purge_mult msecs): a one-chunk segment first in its thread's
 * own small cache (no lock), then in the process-wide one, which also takes
 * the larger segments of huge blocks, and where the oldest make room for the
 * newest and expired ones are unmapped by whoever allocates next on a slow
 * path.  A request takes the best fit: exactly one chunk for pages (split
 * off a larger segment), up to twice the size for a huge block (the block
 * uses only its own size), else a larger segment cut to its size (the rest
 * stays cached, resident) or a smaller one grown with mremap, which keeps
 * its resident pages.  Memory reserved up front (MIALLOC_RESERVE_OS_MEMORY,
 * mi_reserve_os_memory, mi_reserve_huge_os_pages_at),
 * and everything released under limit_os_alloc, is kept in a reserve list
 * and never expires. */
#include "internal.h"

/* free segments kept (until their delay): at most 512 MiB, 128 MiB of a
 * 32-bit address space, and no more than half of what the program has in
 * use beyond 64 MiB (cache_limit) */
#define MI_CACHE_BYTES ((size_t)1 << (MI_INTPTR_SIZE == 8 ? 29 : 27))
#define MI_CACHE_MIN_BYTES ((size_t)64 << 20)

static mi_lock_t cache_lock = MI_LOCK_INIT(MI_LOCK_CACHE);
static mi_segment_t *cache;          /* guarded by cache_lock */
static size_t cache_bytes;
static _Atomic(int64_t) cache_expire; /* earliest purge_at in the cache, or 0 */
static mi_segment_t *reserve;        /* mapped, free and not expiring: memory of
                                        MIALLOC_RESERVE_OS_MEMORY, and with
                                        limit_os_alloc all released memory;
                                        guarded by cache_lock */

/* ---- segments going back to the OS ---------------------------------------- */

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
  if (segment->kept) { /* the program's memory, or huge pages: back to the reserve as they are */
    _mi_lock(&cache_lock);
    segment->next = reserve;
    reserve = segment;
    _mi_unlock(&cache_lock);
    return;
  }
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
  FIT_NEAR,     /* from size to twice that (a huge block uses its own size): the smallest */
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

/* The cached segment that best fits, and fits better than a segment of
 * `than` bytes (0: none); NULL if none does. */
static mi_segment_t *cache_pop(size_t size, cache_fit_t fit, size_t than) {
  mi_segment_t **best = NULL;
  _mi_lock(&cache_lock);
  for (mi_segment_t **pp = &cache; *pp != NULL; pp = &(*pp)->next)
    if (cache_better((*pp)->size, best != NULL ? (*best)->size : than, size, fit))
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
  long mult = mi_option_get_clamp(mi_option_arena_purge_mult, 0, 1000);
  return mult != 0 && delay > INT64_MAX / mult ? INT64_MAX : (int64_t)delay * mult;
}

/* How many bytes the cache may keep (under its lock): half as many as the
 * program has committed outside it, within [MI_CACHE_MIN_BYTES,
 * MI_CACHE_BYTES], so that memory kept for reuse stays in proportion to
 * memory used.  A huge segment taken for a smaller block keeps its rest
 * cached (_mi_cache_take): bench/hugeblocks, which replaces 8 huge blocks
 * of random sizes, peaked at 755 MiB with the flat 512 MiB bound, 532
 * with the whole of the memory in use, 401 with half (316 when the rests
 * went back to the OS, at 27 % more page faults); malloc-large faulted
 * 143,000, 192,000 and 996,000 times (369,000 with a quarter). */
static size_t cache_limit(void) {
  int64_t committed = __atomic_load_n(&_mi_stats.committed.current, __ATOMIC_RELAXED);
  size_t in_use = (committed > (int64_t)cache_bytes ? (size_t)committed - cache_bytes : 0) / 2;
  return in_use < MI_CACHE_MIN_BYTES ? MI_CACHE_MIN_BYTES : in_use > MI_CACHE_BYTES ? MI_CACHE_BYTES : in_use;
}

/* May a free segment be cached, the cache's delay being `delay`?  If so,
 * it gets its expiry, `expire` (0: the delay from now), and no thread. */
static bool cache_admit(mi_segment_t *segment, int64_t delay, int64_t expire) {
  if (delay == 0 || segment->size > MI_CACHE_BYTES / 4)
    return false;
  segment->purge_at = expire != 0 ? expire : _mi_deadline_after(_mi_prim_clock_msecs(), delay < 0 ? 0 : delay);
  segment->deferred = false;
  segment->thread_id = 0;
  return true;
}

/* Keeps a free segment, until `expire` (0: a delay from now). */
static bool cache_push_until(mi_segment_t *segment, int64_t expire) {
  if (!cache_admit(segment, cache_delay(), expire))
    return false;
  /* the newest segment is the likeliest to fit the next request: make room
   * for it by evicting the oldest (at the tail) */
  mi_segment_t *evicted = NULL;
  _mi_lock(&cache_lock);
  size_t limit = cache_limit();
  if (segment->size > limit) {
    _mi_unlock(&cache_lock);
    return false;
  }
  while (cache_bytes + segment->size > limit) {
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
  _mi_deadline_lower(&cache_expire, segment->purge_at);
  _mi_unlock(&cache_lock);
  while (evicted != NULL) {
    mi_segment_t *next = evicted->next;
    segment_release(evicted);
    evicted = next;
  }
  return true;
}

static bool cache_push(mi_segment_t *segment) {
  return cache_push_until(segment, 0);
}

/* ---- splitting and resizing ----------------------------------------------- */

/* Cut a free segment after `size` bytes; the rest becomes a cached segment
 * of its own (chunks are aligned, so this needs no system call), which
 * expires when the whole would have: a cut does not make memory younger. */
static void segment_split(mi_segment_t *segment, size_t size) {
  mi_segment_t *rest = (mi_segment_t *)((uint8_t *)segment + size);
  rest->size = segment->size - size;
  /* purged bytes (of a released segment's body) go with the tail first */
  rest->purged = segment->purged < rest->size ? segment->purged : rest->size;
  segment->purged -= rest->purged;
  rest->cookie = (uintptr_t)rest ^ _mi_process_cookie;
  rest->thread_id = 0;
  rest->kept = segment->kept; /* the program's memory, or huge pages, as the whole was */
  rest->kind = MI_PAGE_HUGE;
  rest->page_count = 1;
  rest->used = 0;
  memset(rest->pages, 0, sizeof rest->pages);
  _mi_window_unmap(rest, rest->size);
  (void)_mi_segmap_mark(rest, rest->size, true); /* its map is committed: the whole was marked */
  _mi_stat_increase(&_mi_stats.segments, 1); /* the tail is a segment of its own now */
  segment->size = size;
  if (!cache_push_until(rest, segment->purge_at))
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

/* ---- the thread's own cache, before the process-wide one ------------------------ */

/* A segment leaves the thread's cache for the process-wide one. */
static void tld_cache_evict(mi_segment_t *segment) {
  if (!cache_push(segment))
    segment_release(segment);
}

/* Keeps a free segment for the thread, without a lock (types.h:
 * MI_TLD_CACHE_SLOTS): one-chunk segments in its slots (the oldest goes on
 * to the process-wide cache when all are taken), and of the larger ones of
 * huge blocks the last one only (the one before goes on), so that a thread
 * that allocates and frees a huge block over and over takes no lock
 * (_mi_cache_take). */
static bool tld_cache_push(mi_tld_t *tld, mi_segment_t *segment) {
  int64_t delay = cache_delay();
  if (!cache_admit(segment, delay, 0))
    return false;
  mi_segment_t **slot = &tld->cache_huge;
  if (segment->size == MI_SEGMENT_SIZE) {
    size_t pick = 0; /* a free slot, else the oldest */
    for (size_t i = 0; i < MI_TLD_CACHE_SLOTS; i++) {
      if (tld->cache[i] == NULL) {
        pick = i;
        break;
      }
      if (tld->cache[i]->purge_at < tld->cache[pick]->purge_at)
        pick = i;
    }
    slot = &tld->cache[pick];
  }
  if (*slot != NULL)
    tld_cache_evict(*slot);
  *slot = segment;
  if (delay > 0)
    tld->cache_due = _mi_deadline_min(tld->cache_due, segment->purge_at);
  return true;
}

/* The slot of the thread's cached one-chunk segment that best fits, or
 * MI_TLD_CACHE_SLOTS if none does. */
static size_t tld_cache_find(const mi_tld_t *tld, size_t size, cache_fit_t fit) {
  size_t best = MI_TLD_CACHE_SLOTS;
  for (size_t i = 0; i < MI_TLD_CACHE_SLOTS; i++)
    if (tld->cache[i] != NULL &&
        cache_better(tld->cache[i]->size, best < MI_TLD_CACHE_SLOTS ? tld->cache[best]->size : 0, size, fit))
      best = i;
  return best;
}

static mi_segment_t *tld_cache_take(mi_tld_t *tld, size_t slot) {
  if (slot == MI_TLD_CACHE_SLOTS)
    return NULL;
  mi_segment_t *segment = tld->cache[slot];
  tld->cache[slot] = NULL;
  return segment;
}

/* Has the cached segment expired?  One that expired while a thread was
 * away is kept once more, for the cache's delay (segment.c, "What is
 * due"), when that thread looks. */
static bool cache_expired(mi_segment_t *segment, int64_t now, mi_due_t due) {
  return _mi_deadline_due(&segment->purge_at, &segment->deferred, now, due, cache_delay());
}

/* The thread's cached segment in `slot`, if it expired (any with
 * MI_DUE_ALL), is released, or with `flush` handed to the process-wide
 * cache (thread exit); the expiry of one that stays, or 0. */
static int64_t tld_slot_collect(mi_segment_t **slot, int64_t now, mi_due_t due, bool flush) {
  mi_segment_t *s = *slot;
  if (s == NULL)
    return 0;
  if (!flush && !cache_expired(s, now, due))
    return s->purge_at;
  *slot = NULL;
  if (due == MI_DUE_ALL || !flush)
    segment_release(s);
  else
    tld_cache_evict(s);
  return 0;
}

static void tld_cache_collect(mi_tld_t *tld, int64_t now, mi_due_t due, bool flush) {
  int64_t next = tld_slot_collect(&tld->cache_huge, now, due, flush);
  for (size_t i = 0; i < MI_TLD_CACHE_SLOTS; i++)
    next = _mi_deadline_min(next, tld_slot_collect(&tld->cache[i], now, due, flush));
  tld->cache_due = next;
}

void _mi_cache_thread_done(mi_tld_t *tld) {
  tld_cache_collect(tld, 0, MI_DUE, true);
}

/* Unmap cached segments whose delay has passed (all of them with
 * MI_DUE_ALL). */
static void cache_collect(int64_t now, mi_due_t due) {
  if (cache_delay() < 0 && due != MI_DUE_ALL)
    return;
  int64_t next = 0;
  mi_segment_t *expired = NULL;
  _mi_lock(&cache_lock);
  for (mi_segment_t **pp = &cache; *pp != NULL;) {
    mi_segment_t *s = *pp;
    if (cache_expired(s, now, due)) {
      *pp = s->next;
      cache_bytes -= s->size;
      s->next = expired;
      expired = s;
    } else {
      next = _mi_deadline_min(next, s->purge_at);
      pp = &s->next;
    }
  }
  atomic_store_explicit(&cache_expire, next, memory_order_relaxed);
  _mi_unlock(&cache_lock);
  while (expired != NULL) {
    mi_segment_t *following = expired->next;
    segment_release(expired);
    expired = following;
  }
}

/* ---- memory reserved up front ------------------------------------------------- */

/* Keeps `chunks` chunks of fresh OS memory at `base` as free one-chunk
 * segments, handed out before any new mapping.  Once used and freed they
 * are ordinary memory (cached, then returned after the purge delay) --
 * unless `keep`: memory of the program's (arena.c) or huge OS pages, which
 * always come back here.  Returns how many the address map took; the rest
 * is unmapped (not the program's memory, which stays the program's). */
size_t _mi_cache_reserve_add(uint8_t *base, size_t chunks, bool keep, bool programs) {
  size_t marked = 0;
  _mi_lock(&cache_lock);
  for (; marked < chunks; marked++) {
    mi_segment_t *segment = (mi_segment_t *)(base + marked * MI_SEGMENT_SIZE);
    if (!_mi_segmap_mark(segment, MI_SEGMENT_SIZE, true))
      break;
    segment->size = MI_SEGMENT_SIZE;
    segment->cookie = (uintptr_t)segment ^ _mi_process_cookie;
    segment->kept = keep;
    segment->purged = 0;
    segment->next = reserve;
    reserve = segment;
  }
  _mi_unlock(&cache_lock);
  if (marked < chunks && !programs) { /* the address map could not take the rest */
    size_t rest = (chunks - marked) * MI_SEGMENT_SIZE;
    _mi_os_free(base + marked * MI_SEGMENT_SIZE, rest, rest);
  }
  _mi_stat_increase(&_mi_stats.segments, (int64_t)marked);
  return marked;
}

/* Up to `pages` GiB of huge-page memory, one GiB at a time until
 * `timeout_msecs` (0: no limit) have passed; how many GiB were reserved.
 * They stay reserved: a freed segment of them comes back to the reserve,
 * not to the system's pool (mimalloc keeps them too).
 * 2 MiB pages, not 1 GiB ones: a freed segment goes back to the OS in
 * 4 MiB pieces, which a 1 GiB page cannot be unmapped in. */
static size_t reserve_huge(size_t pages, size_t timeout_msecs) {
  int64_t deadline = timeout_msecs == 0 ? 0 : _mi_prim_clock_msecs() + (int64_t)timeout_msecs;
  size_t done = 0;
  for (; done < pages; done++) {
    if (deadline != 0 && _mi_prim_clock_msecs() > deadline)
      break;
    uint8_t *base = _mi_os_alloc_huge(MI_HUGE_OS_PAGES_UNIT, MI_SEGMENT_SIZE);
    if (base == NULL)
      break;
    if (_mi_cache_reserve_add(base, MI_HUGE_OS_PAGES_UNIT / MI_SEGMENT_SIZE, true, false) < MI_HUGE_OS_PAGES_UNIT / MI_SEGMENT_SIZE)
      break;
  }
  _mi_verbose_message("reserved %zu GiB of huge OS pages (of %zu asked for)\n", done, pages);
  return done;
}

/* mialloc does not bind memory to NUMA nodes: numa_node is not used. */
int mi_reserve_huge_os_pages_at(size_t pages, int numa_node, size_t timeout_msecs) {
  (void)numa_node;
  return reserve_huge(pages, timeout_msecs) == pages ? 0 : ENOMEM;
}

int mi_reserve_huge_os_pages_interleave(size_t pages, size_t numa_nodes, size_t timeout_msecs) {
  (void)numa_nodes;
  return reserve_huge(pages, timeout_msecs) == pages ? 0 : ENOMEM;
}

int mi_reserve_huge_os_pages(size_t pages, double max_secs, size_t *pages_reserved) {
  size_t timeout = max_secs <= 0 ? 0 : max_secs > 1e9 ? (size_t)1e12 : (size_t)(max_secs * 1000) + 1;
  size_t done = reserve_huge(pages, timeout);
  if (pages_reserved != NULL)
    *pages_reserved = done;
  return done == pages ? 0 : ENOMEM;
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

/* ---- the interface for segment.c ------------------------------------------------------ */

/* A free segment for `size` bytes, or NULL: exactly `size` for pages of
 * small, medium or large blocks; for a huge block at least `size` (up to
 * twice that, or resized to it). */
mi_segment_t *_mi_cache_take(mi_tld_t *tld, size_t size, bool huge) {
  if (huge && tld->cache_huge != NULL) {
    /* the thread's last huge segment, when it has the size asked for (the
     * same block again): without a lock; otherwise it joins the
     * process-wide cache, where the closest fit among all of them is
     * looked for */
    mi_segment_t *s = tld->cache_huge;
    tld->cache_huge = NULL;
    if (s->size == size)
      return s;
    tld_cache_evict(s);
  }
  cache_fit_t fit = huge ? FIT_NEAR : FIT_AT_LEAST;
  mi_segment_t *segment = tld_cache_take(tld, tld_cache_find(tld, size, fit));
  if (segment == NULL)
    segment = cache_pop(size, fit, 0);
  if (segment == NULL)
    segment = reserve_pop(size);
  if (segment != NULL && !huge && segment->size > size)
    segment_split(segment, size);
  if (segment == NULL && huge && _mi_option_get_fast(mi_option_limit_os_alloc) == 0) {
    /* a resize costs a system call anyway: the best of both caches, the
     * one that keeps most resident pages for the block */
    size_t any = tld_cache_find(tld, size, FIT_ANY);
    segment = cache_pop(size, FIT_ANY, any < MI_TLD_CACHE_SLOTS ? tld->cache[any]->size : 0);
    if (segment == NULL)
      segment = tld_cache_take(tld, any);
    if (segment != NULL && segment->size > size)
      segment_split(segment, size); /* the rest stays cached, resident */
    else if (segment != NULL)
      segment = segment_resize(segment, size);
  }
  return segment;
}

/* A segment whose pages are all free: kept, or given back to the OS. */
void _mi_cache_give(mi_tld_t *tld, mi_segment_t *segment) {
  if (segment->kept)
    segment_release(segment); /* never resized or moved, as cached ones may be */
  else if (!tld_cache_push(tld, segment) && !cache_push(segment))
    segment_release(segment);
}

/* The earliest expiry among the thread's and the process's cached
 * segments, or 0. */
int64_t _mi_cache_due(const mi_tld_t *tld) {
  return _mi_deadline_min(tld->cache_due, atomic_load_explicit(&cache_expire, memory_order_relaxed));
}

/* Unmap what expired by `now` (everything with MI_DUE_ALL). */
void _mi_cache_collect(mi_tld_t *tld, int64_t now, mi_due_t due) {
  if (due == MI_DUE_ALL || (tld->cache_due != 0 && now >= tld->cache_due))
    tld_cache_collect(tld, now, due, false);
  int64_t expire = atomic_load_explicit(&cache_expire, memory_order_relaxed);
  if (due == MI_DUE_ALL || (expire != 0 && now >= expire))
    cache_collect(now, due);
}

/* The process-wide cache only, all of it (mi_collect from a thread without
 * a heap). */
void _mi_cache_collect_all(void) {
  cache_collect(_mi_prim_clock_msecs(), MI_DUE_ALL);
}

/* fork (internal.h, "Locks and fork"): a child that cannot trust the
 * cache's lists forgets them (their segments stay mapped, unused) */
static uint64_t cache_note;

void _mi_cache_fork_prepare(void) {
  cache_note = _mi_lock_fork_note(&cache_lock);
}

void _mi_cache_fork_child(void) {
  if (_mi_lock_fork_child(&cache_lock, cache_note))
    return;
  cache = NULL;
  reserve = NULL;
  cache_bytes = 0;
  atomic_store_explicit(&cache_expire, 0, memory_order_relaxed);
}
