/* internal.h - functions and inline helpers shared between mialloc's files.
 * Naming: mi_ is exported, _mi_ is internal and shared, static is local. */
#ifndef MI_INTERNAL_H
#define MI_INTERNAL_H

#include "config.h"
#include "types.h"
#include "tls.h"
#include "prim/prim.h"
#include "track.h"

#include <errno.h>
#include <string.h>


#if MI_DEBUG
#define mi_assert(x) ((x) ? (void)0 : _mi_assert_fail(#x, __FILE__, __LINE__, __func__))
#else
#define mi_assert(x) ((void)0)
#endif
void _mi_assert_fail(const char *assertion, const char *fname, unsigned line, const char *func);

/* ---- deadlines: msecs of the monotonic clock, 0 for none ---- */
static inline int64_t _mi_deadline_min(int64_t a, int64_t b) {
  return a == 0 ? b : (b == 0 || a < b) ? a : b;
}
/* now + delay (>= 0) msecs; a delay past the clock's range (MIALLOC_PURGE_DELAY
 * may be as large as LONG_MAX) saturates: never. */
static inline int64_t _mi_deadline_after(int64_t now, int64_t delay) {
  return delay > INT64_MAX - now ? INT64_MAX : now + delay;
}
/* Which purges and expiries a look at what is due does (segment.c, cache.c). */
typedef enum mi_due_e {
  MI_DUE,      /* what is due */
  MI_DUE_BACK, /* what is due, by a thread back from a pause: what came due
                  meanwhile waits once more (segment.c, "What is due") */
  MI_DUE_ALL   /* everything, due or not */
} mi_due_t;
/* Is the work of deadline *at due at `now`?  Under MI_DUE_BACK, work that
 * was not put off before (`once`) is put off, by `delay` msecs: then
 * *at moves, the caller marks the work as put off, and the answer is no. */
static inline bool _mi_deadline_due(int64_t *at, bool *once, int64_t now, mi_due_t due, int64_t delay) {
  if (due == MI_DUE_ALL)
    return true;
  if (*at > now)
    return false;
  if (due != MI_DUE_BACK || *once)
    return true;
  *once = true;
  *at = _mi_deadline_after(now, delay);
  return false;
}
/* Make *due no later than t (t != 0), with other threads doing the same. */
static inline void _mi_deadline_lower(_Atomic(int64_t) *due, int64_t t) {
  int64_t cur = atomic_load_explicit(due, memory_order_relaxed);
  while ((cur == 0 || t < cur) &&
         !atomic_compare_exchange_weak_explicit(due, &cur, t, memory_order_relaxed, memory_order_relaxed)) {
  }
}

extern mi_stats_t _mi_stats mi_decl_hidden;

/* ---- locks: a mutex that counts the acquisitions that had to wait ---- */
typedef struct mi_lock_s {
  mi_prim_mutex_t mutex;
  mi_lock_id_t id;
  uint32_t taken; /* acquisitions by _mi_lock, counted under the lock (for fork) */
} mi_lock_t;
#define MI_LOCK_INIT(id) {MI_PRIM_MUTEX_INIT, id, 0}
void _mi_stat_counter(int64_t *counter, int64_t amount);
static inline void _mi_lock(mi_lock_t *lock) {
  _mi_stat_counter(&_mi_stats.lock_takes[lock->id], 1);
  if (mi_unlikely(!_mi_prim_mutex_try(&lock->mutex))) {
    _mi_stat_counter(&_mi_stats.lock_waits[lock->id], 1);
    _mi_prim_mutex_lock(&lock->mutex);
  }
  lock->taken++;
}
static inline void _mi_unlock(mi_lock_t *lock) {
  _mi_prim_mutex_unlock(&lock->mutex);
}

/* Locks and fork (process.c).  No lock is held across a fork: a fork
 * handler holding mialloc's locks until glibc takes its stdio list lock
 * deadlocks with a thread that allocates with a FILE locked, and one that
 * waits for the locks it holds deadlocks when fork is called from a signal
 * handler that interrupted a locked section.  Instead the forking thread
 * notes, without waiting, whether each lock is free and how often it was
 * taken (_mi_lock_fork_note, in the prepare handler); in the child, a lock
 * that was held then, was taken since, or is held now (by a thread that
 * does not exist there, or by this one, interrupted) may guard a structure
 * caught half-changed: it is made new, and _mi_lock_fork_child returns
 * false so that its owner resets the structure to a safe empty state (what
 * it held is leaked, in the child only).  A free lock, not taken since the
 * note, guards a consistent structure: it is left as it is. */
static inline uint64_t _mi_lock_fork_note(mi_lock_t *lock) {
  if (!_mi_prim_mutex_try(&lock->mutex))
    return 0;
  uint64_t note = (uint64_t)lock->taken + 1;
  _mi_prim_mutex_unlock(&lock->mutex);
  return note;
}
static inline bool _mi_lock_fork_child(mi_lock_t *lock, uint64_t note) {
  if (_mi_prim_mutex_try(&lock->mutex)) {
    bool same = note == (uint64_t)lock->taken + 1;
    _mi_prim_mutex_unlock(&lock->mutex);
    if (same)
      return true;
  }
  _mi_prim_mutex_reinit(&lock->mutex);
  return false;
}

/* ---- sizes and bins ---- */
static inline size_t _mi_align_up(size_t n, size_t align) {
  return (n + align - 1) & ~(align - 1);
}
static inline bool _mi_is_power_of_two(size_t x) {
  return x != 0 && (x & (x - 1)) == 0;
}
static inline bool _mi_mul_overflow(size_t count, size_t size, size_t *total) {
  return __builtin_mul_overflow(count, size, total);
}

/* Bin of a request of `size` bytes (1..MI_LARGE_OBJ_MAX). */
static inline uint8_t _mi_bin(size_t size) {
  size_t units = (size + 15) >> 4;
  if (units <= 8)
    return (uint8_t)(units == 0 ? 1 : units);
  size_t w = units - 1;
  unsigned b = (unsigned)(8 * sizeof(unsigned long) - 1) - (unsigned)__builtin_clzl(w);
  return (uint8_t)((b << 2) + ((w >> (b - 2)) & 3) - 3);
}
/* Largest size in a bin. */
static inline size_t _mi_bin_size(uint8_t bin) {
  if (bin <= 8)
    return (size_t)bin * 16;
  unsigned b = (bin + 3u) / 4, r = (bin + 3u) % 4;
  return ((size_t)(5 + r) << (b - 2)) * 16;
}

/* The usable size of a huge block of `size` bytes that starts `offset`
 * bytes into its segment: the request rounded so that the block ends on a
 * MI_HUGE_ROUND boundary of the segment. */
static inline size_t _mi_huge_block_size(size_t offset, size_t size) {
  return _mi_align_up(offset + (size == 0 ? 1 : size), MI_HUGE_ROUND) - offset;
}

/* ---- pointers to segments and pages ---- */
static inline mi_segment_t *_mi_ptr_segment(const void *p) {
  return (mi_segment_t *)((uintptr_t)p & ~(uintptr_t)MI_SEGMENT_MASK);
}
/* Small pages have a descriptor per 64 KiB; a medium page uses the first
 * of its eight; large and huge segments have one page. */
static inline mi_page_t *_mi_segment_page_of(mi_segment_t *segment, const void *p) {
  size_t offset = ((uintptr_t)p >> (MI_SMALL_PAGE_SHIFT - MI_PAGE_SHIFT_IN_SEGMENT)) & segment->page_offset_mask;
  return (mi_page_t *)((uint8_t *)segment + offset);
}
static inline mi_page_t *_mi_segment_page(mi_segment_t *segment, size_t i) {
  return &segment->pages[i * (MI_MAX_PAGES / segment->page_count)];
}
/* Keep page->owner in step with flags and heap (see mi_page_t). */
/* Other threads read flags and owner (relaxed): a remote mi_free compares
 * owner with its own id, and looks at MI_PAGE_HAS_ALIGNED. */
/* The link of a free block.  With --enable-secure it is stored encoded
 * with the page's key (itself then a secret: _mi_page_init), and a decoded
 * link that leaves the block's segment, as an overflow's bytes would, is
 * reported (EFAULT) and ends the list rather than being followed. */
mi_block_t *_mi_block_corrupt(const mi_page_t *page, const mi_block_t *block, uintptr_t link);
void *_mi_page_malloc_corrupt(mi_page_t *page, mi_block_t *block, uintptr_t link, size_t size);
static inline mi_block_t *mi_block_next(const mi_page_t *page, const mi_block_t *block) {
  mi_block_t *next = mi_block_get(block, next);
#if MI_SECURE
  uintptr_t link = (uintptr_t)next ^ page->key;
  if (mi_unlikely(link != 0 && ((link ^ (uintptr_t)block) >> MI_SEGMENT_SHIFT) != 0))
    return _mi_block_corrupt(page, block, link);
  next = (mi_block_t *)link;
#else
  (void)page;
#endif
  return next;
}
#if MI_SECURE
#define mi_block_set_next(page, block, value)                                                      \
  mi_block_set((block), next, (mi_block_t *)((uintptr_t)(value) ^ (page)->key))
#else
#define mi_block_set_next(page, block, value)                                                      \
  do {                                                                                             \
    (void)(page);                                                                                  \
    mi_block_set((block), next, (value));                                                          \
  } while (0)
#endif

/* The first block of a page. */
static inline uint8_t *_mi_page_start(const mi_page_t *page) {
  return (uint8_t *)_mi_ptr_segment(page) + page->start_offset;
}
static inline void _mi_page_set_start(mi_page_t *page, void *start) {
  page->start_offset = (uint32_t)((uint8_t *)start - (uint8_t *)_mi_ptr_segment(page));
}
extern bool _mi_stats_counting mi_decl_hidden; /* stats.c */
static inline void _mi_page_set_flags(mi_page_t *page, uint8_t flags) {
  /* the counting mode (stats.c) sends every free off the fast path */
  uintptr_t owner = (flags == 0 && page->heap != NULL && !_mi_stats_counting) ? page->heap->thread_id : 0;
  __atomic_store_n(&page->flags, flags, __ATOMIC_RELAXED);
  __atomic_store_n(&page->owner, owner, __ATOMIC_RELAXED);
}
static inline uint8_t _mi_page_flags(const mi_page_t *page) {
  return __atomic_load_n(&page->flags, __ATOMIC_RELAXED);
}
/* The kind of page (and segment) that blocks of `block_size` bytes, small
 * or medium, go in. */
static inline mi_page_kind_t _mi_page_kind_for(size_t block_size) {
  return block_size <= MI_SMALL_OBJ_MAX ? MI_PAGE_SMALL : MI_PAGE_MEDIUM;
}

/* Walks the pages in use of a segment:
 *   size_t i = 0, live = segment->used;
 *   for (mi_page_t *page; (page = _mi_segment_next_used(segment, &i, &live)) != NULL;)
 * `live` counts the pages in use not seen yet, so that the walk reads
 * nothing of the segment after its last one (whose release may release
 * the segment). */
static inline mi_page_t *_mi_segment_next_used(mi_segment_t *segment, size_t *i, size_t *live) {
  for (; *live > 0 && *i < segment->page_count; (*i)++) {
    mi_page_t *page = _mi_segment_page(segment, *i);
    if (page->in_use) {
      (*live)--;
      (*i)++;
      return page;
    }
  }
  return NULL;
}
static inline size_t _mi_page_area_size(const mi_page_t *page) {
  return (size_t)page->reserved * page->block_size;
}

/* ---- os.c ---- */
void *_mi_os_alloc_aligned(size_t size, size_t align, void *hint);
void *_mi_os_alloc_commit(size_t size, size_t align, bool commit, void *hint);
void *_mi_os_alloc_huge(size_t size, size_t align);
#define MI_HUGE_OS_PAGES_UNIT ((size_t)1 << 30) /* what mi_reserve_huge_os_pages counts */

void _mi_os_free(void *p, size_t size, size_t committed);
size_t _mi_os_purge(void *p, size_t size);
bool _mi_os_guard(void *p, size_t size, bool on, bool dirty);
size_t _mi_os_page_size(void);

/* ---- addrmap.c: which addresses are ours ---- */
extern uintptr_t _mi_process_cookie;
bool _mi_segmap_mark(mi_segment_t *segment, size_t size, bool on);
mi_segment_t *_mi_segment_of_checked(const void *p);
mi_segment_t *_mi_segment_next(const mi_segment_t *after);
/* The page window: p has its page, or _mi_page_foreign (owned by no
 * thread), at _mi_window_pages[off >> MI_SMALL_PAGE_SHIFT] when
 * off = _mi_window_last - p is below _mi_window_span. */
extern uintptr_t _mi_window_last mi_decl_hidden;
extern size_t _mi_window_span mi_decl_hidden;
extern mi_page_t **_mi_window_pages mi_decl_hidden; /* MI_WINDOW_SLICES entries */
extern mi_page_t _mi_page_foreign mi_decl_hidden;
void _mi_window_map(mi_segment_t *segment, bool grow);
void _mi_window_unmap(void *start, size_t size);
void _mi_window_release(void *start, size_t size);
void *_mi_window_hint(size_t size, size_t align);
void _mi_addrmap_fork_prepare(void);
void _mi_addrmap_fork_child(void);

/* A read of a word that other threads may change, on a fast path where a
 * stale value is harmless: a plain load, which the compiler can fold into
 * the instruction that uses it (it does not for atomic loads); an atomic
 * one under ThreadSanitizer, which would report the plain one. */
#if defined(__SANITIZE_THREAD__)
#define MI_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MI_TSAN 1
#endif
#endif
#if defined(MI_TSAN)
#define mi_racy_read(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#else
#define mi_racy_read(x) (x)
#endif

/* ---- segment.c ---- */
mi_page_t *_mi_segment_page_alloc(mi_heap_t *heap, size_t block_size, size_t alignment);
bool _mi_segment_has_free_page(mi_tld_t *tld, size_t block_size);
bool _mi_segment_page_free(mi_page_t *page, mi_tld_t *tld);
void _mi_segment_abandon_prepare(mi_segment_t *segment, mi_tld_t *tld, mi_segment_t **chain);
void _mi_segment_take(mi_segment_t *segment, mi_tld_t *tld);
void _mi_segment_purge_due(mi_segment_t *segment, int64_t now);
mi_segment_t *_mi_segment_huge_remap(mi_segment_t *segment, size_t size);
size_t _mi_segment_guard_size(void);
void _mi_segment_huge_guard(mi_page_t *page, bool on);
void _mi_segments_purge(mi_tld_t *tld, bool force);
void _mi_segments_due_work(mi_tld_t *tld);
void _mi_tls_fork_prepare(void);
void _mi_tls_fork_child(void);

/* ---- cache.c: free segments kept for reuse ---- */
mi_segment_t *_mi_cache_take(mi_tld_t *tld, size_t size, bool huge);
void _mi_cache_give(mi_tld_t *tld, mi_segment_t *segment);
int64_t _mi_cache_due(const mi_tld_t *tld);
void _mi_cache_collect(mi_tld_t *tld, int64_t now, mi_due_t due);
void _mi_cache_collect_all(void);
void _mi_cache_thread_done(mi_tld_t *tld);
size_t _mi_cache_reserve_add(uint8_t *base, size_t chunks, bool keep, bool programs);
void _mi_cache_fork_prepare(void);
void _mi_cache_fork_child(void);

/* ---- arena.c: memory reserved up front or handed over ---- */
void _mi_arena_reserve_at_start(size_t bytes);

/* ---- abandon.c: segments of exited threads ---- */
void _mi_abandoned_push(mi_segment_t *chain);
size_t _mi_abandoned_count(void);
int64_t _mi_abandoned_due(void);
mi_segment_t *_mi_abandoned_take_one(void);
mi_segment_t *_mi_abandoned_take_for(size_t block_size);
mi_segment_t *_mi_abandoned_take_due(int64_t now);
void _mi_abandoned_freed(mi_segment_t *segment);
void _mi_abandoned_visit(void (*fn)(mi_segment_t *segment, void *arg), void *arg);
void _mi_abandoned_fork_prepare(void);
void _mi_abandoned_fork_child(void);

/* ---- page.c ---- */
void *_mi_page_malloc(mi_heap_t *heap, size_t size, bool zero, size_t alignment);
void _mi_page_retire(mi_page_t *page);
void _mi_page_collect(mi_page_t *page);
void _mi_page_free_remote(mi_tld_t *tld, mi_page_t *page, mi_block_t *block);
void _mi_page_xfree_flush(mi_tld_t *tld);
bool _mi_page_xfree_append(mi_tld_t *tld, mi_page_t *page, void *p);
size_t _mi_page_live(mi_page_t *page);
void _mi_page_init(mi_page_t *page, mi_heap_t *heap, size_t block_size, uint8_t bin, uint8_t *start,
                   size_t area);
void _mi_page_queue_push(mi_heap_t *heap, mi_page_queue_t *pq, mi_page_t *page);
void _mi_page_queue_remove(mi_heap_t *heap, mi_page_queue_t *pq, mi_page_t *page);
void _mi_page_unfull(mi_page_t *page);
void _mi_page_free(mi_page_t *page);
void _mi_heap_direct_update(mi_heap_t *heap, mi_page_queue_t *pq);
/* Double-free detection (free.c, page.c): blocks carry their page's key
 * while free (mi_block_t); one that is freed with the key on is looked for
 * in the lists, by its owner (other threads hand it over). */
void _mi_double_free(const void *p, const char *who);
bool _mi_page_xfree_holds(const mi_tld_t *tld, const mi_page_t *page, const mi_block_t *block);
void _mi_page_free_suspect(mi_page_t *page, mi_block_t *block);
void _mi_page_free_suspect_remote(mi_page_t *page, mi_block_t *block);
int _mi_page_find_free(const mi_page_t *page, const mi_block_t *block, size_t max);
void _mi_page_take_xthread(mi_page_t *page);
bool _mi_page_xfree_pending(mi_page_t *page);
bool _mi_page_mark_list(const mi_page_t *page, const mi_block_t *b, size_t capacity, uint64_t *bits);
void _mi_heap_collect_full(mi_heap_t *heap, size_t max);
void _mi_heap_reclaim_all(mi_heap_t *heap);
void *_mi_page_huge_realloc(void *p, size_t oldsize, size_t newsize, bool zero);
bool _mi_page_is_block_free(const mi_page_t *page, const mi_block_t *block);
mi_page_queue_t *_mi_heap_queue_of(mi_heap_t *heap, const mi_page_t *page);

/* ---- alloc.c / free.c ---- */
void *_mi_malloc_generic(size_t size, mi_heap_t *heap, bool zero, size_t alignment);
mi_block_t *_mi_page_block_of(const mi_page_t *page, const void *p);
size_t _mi_usable_size_checked(const void *p, const char *who);
void *_mi_realloc_named(void *p, size_t count, size_t size, const char *who); /* realloc.c */
size_t _mi_usable_size_of(const void *p, bool foreign, const char *who);
/* The same, and in *capacity what the block can hold from p in place:
 * more than the usable size in a secure build (up to its trailer), 0 when
 * p is no block. */
size_t _mi_usable_size_capacity(const void *p, bool foreign, const char *who, size_t *capacity);
/* Another allocator whose blocks may reach mialloc's free, realloc and
 * size queries: on macOS the malloc zones that were there before mialloc
 * became the default zone (zone.c); the tests register a fake one.  free
 * and realloc hand such a block back to it instead of reporting an
 * invalid pointer. */
typedef struct mi_foreign_s {
  /* The usable size of p if p is a live block of this allocator, else 0;
   * *owner receives what `free` needs.  Must not allocate with mialloc. */
  size_t (*size)(const void *p, void **owner);
  void (*free)(void *p, void *owner);
} mi_foreign_t;
void _mi_foreign_register(const mi_foreign_t *foreign);
void *_mi_heap_malloc_aligned_at(mi_heap_t *heap, size_t size, size_t alignment, size_t offset, bool zero);
bool _mi_alignment_valid(size_t alignment);

/* ---- process.c ---- */
extern uintptr_t _mi_process_main_thread;

/* ---- heap.c: heaps and threads ---- */
mi_heap_t *_mi_heap_init_thread(void);
void _mi_deferred_free(mi_heap_t *heap, bool force);
void _mi_heap_init_backing(mi_heap_t *heap, mi_tld_t *tld);
void _mi_heap_collect_abandon(mi_heap_t *heap);
bool _mi_heap_visit_pages(mi_heap_t *heap, bool (*fn)(mi_heap_t *, mi_page_queue_t *, mi_page_t *, void *),
                          void *arg);
bool _mi_page_visit_live(const mi_page_t *page, bool (*fn)(void *block, size_t size, void *arg), void *arg);
typedef enum mi_area_kind_e {
  MI_AREA_HEADER, /* a segment's header: page descriptors and bookkeeping */
  MI_AREA_PAGES,  /* the rest of a segment, where blocks are */
  MI_AREA_BLOCK   /* a live block */
} mi_area_kind_t;
bool _mi_visit_all_segments(bool blocks, bool (*fn)(mi_area_kind_t kind, void *start, size_t size, void *arg),
                            void *arg);



/* ---- heap-usage.c: what the blocks add up to ---- */
typedef struct mi_usage_s {
  size_t pages;
  size_t live_blocks[MI_BIN_COUNT]; /* per size class (MI_BIN_HUGE: huge blocks) */
  size_t live_bytes[MI_BIN_COUNT];
  size_t free_blocks[MI_BIN_COUNT]; /* in those pages, carved or not */
} mi_usage_t;
void _mi_heap_usage(bool thread_only, mi_usage_t *u);
size_t _mi_usage_sum(const mi_usage_t *u, size_t from, size_t to, bool bytes);

/* ---- options.c: options and messages ---- */

/* purge_delay when nothing sets it (msecs): long enough that memory a
 * program frees and soon uses again is not faulted in afresh (rptest of
 * the peer benchmark: 17,700 page faults with 10, 15,400 with 100), short
 * enough that peak memory is no higher (bench/README.md) */
#define MI_PURGE_DELAY_DEFAULT 100
long _mi_option_get_fast(mi_option_t option);
void _mi_options_init(void);
void _mi_options_print(void); /* every option's value, with MIALLOC_VERBOSE */

/* Errors.  `err` is the code mi_register_error's handler gets (mialloc(3)
 * ERRORS): EINVAL (a pointer mialloc did not allocate or inside a block;
 * a bad alignment; a heap not live or of another thread), EAGAIN (a double
 * free), EFAULT (mialloc's own data damaged: a corrupted free list or
 * header), ENOMEM (a request too large to ever succeed), EOVERFLOW (count
 * * size overflows), MI_ERROR_TLS_CONFLICT.
 *
 * Two kinds.  Those that mean the heap is being corrupted are printed
 * always, as glibc does, up to MIALLOC_MAX_ERRORS messages: EAGAIN and
 * EFAULT are always of this kind; any other code is when or-ed with
 * MI_ERROR_CORRUPT (give it to a free, realloc or size query of a pointer
 * that is not a block: EINVAL | MI_ERROR_CORRUPT).  The others (misuse the
 * caller learns of from a NULL or an error return) are printed only with
 * MIALLOC_SHOW_ERRORS.  With MIALLOC_ABORT_ON_ERROR any error is printed,
 * passed to the handler, and ends the process with abort().  At exit the
 * number of errors is printed when any was.
 *
 * Messages name the function the program called, glibc's way:
 * "free(): invalid pointer 0x...".  The name costs the fast paths nothing:
 * an entry point passes it (a string constant: "free" from override.c's
 * libc names, "mi_free" from mialloc's own) only into its out-of-line slow
 * path, on the unlikely branch, and the slow path gives it to the message
 * (see _mi_free_named in fast.h, heap_realloc in realloc.c and
 * _mi_usable_size_checked in free.c). */
#define MI_ERROR_CORRUPT 0x40000000
void _mi_error_message(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void _mi_errors_print_at_exit(void);
void _mi_warning_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void _mi_verbose_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void _mi_fputs(mi_output_fun *out, void *arg, const char *prefix, const char *msg);
void _mi_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- override-darwin.c (macOS) ---- */
size_t _mi_darwin_interposed(void);

/* ---- stats.c: the counters ---- */
void _mi_stat_increase(mi_stat_count_t *stat, int64_t amount);
void _mi_stat_decrease(mi_stat_count_t *stat, int64_t amount);
void _mi_stat_counter(int64_t *counter, int64_t amount);
void _mi_stats_page(const mi_page_t *page, int sign);
void _mi_stats_huge_resize(size_t old, size_t size);
void _mi_stats_page_released(const mi_page_t *page);
void _mi_stats_local_flush(mi_stats_local_t *local);
void _mi_stats_publish(mi_stats_local_t *local, const int64_t *live, const int64_t *waiting);
void _mi_stats_thread_done(mi_stats_local_t *local);
void _mi_stats_reset_counters(void);
/* The counting mode (stats.c): when statistics are asked for at start,
 * every malloc and free of the process takes its slow path, which adds
 * the block's usable size to, or takes it from, _mi_stats.live. */
void _mi_stats_counting_start(void);
void _mi_stats_live_change(int64_t bytes);
static inline void _mi_stat_live(size_t bytes, int sign) {
  if (mi_unlikely(_mi_stats_counting))
    _mi_stats_live_change(sign * (int64_t)bytes);
}
/* Count in a thread's own counters (a field of `local`): a plain addition;
 * they reach _mi_stats when the thread exits, merges or prints. */
static inline void _mi_stat_local(mi_stats_local_t *local, int64_t *counter, int64_t amount) {
  (void)local;
  *counter += amount;
}
/* A request of `size` bytes that took the slow path: a sample of the
 * sizes asked for per size class (the bytes requested are estimated from
 * them).  Every request above MI_DIRECT_SIZE_MAX comes here: one in eight
 * of those is taken (computing the bin cost them 22 instructions each). */
static inline void _mi_stat_request(mi_stats_local_t *local, size_t size) {
  if (size > MI_DIRECT_SIZE_MAX && (++local->sample_tick & 7) != 0)
    return;
  if (size > PTRDIFF_MAX)
    return; /* refused (ENOMEM), and more than the counters hold */
  uint8_t bin = size <= MI_LARGE_OBJ_MAX ? _mi_bin(size) : MI_BIN_HUGE;
  int64_t *bytes = &local->bin_req_bytes[bin];
  *bytes = *bytes > INT64_MAX - (int64_t)size ? INT64_MAX : *bytes + (int64_t)size; /* huge failed requests */
  local->bin_req_count[bin]++;
}
/* A call of calloc or realloc (`field` of mi_stats_local_t) in a thread,
 * counted in the thread's own counters once it has them. */
#define _mi_stat_call(field)                                                                       \
  do {                                                                                             \
    mi_tld_t *tld_ = _mi_heap_default()->tld;                                                      \
    if (mi_likely(tld_ != NULL))                                                                   \
      tld_->stats.field++;                                                                         \
  } while (0)
void _mi_stats_start(void);
void _mi_stats_snapshot(mi_stats_t *to);
int64_t _mi_stats_elapsed_msecs(void);

/* ---- stats-print.c: what the counters say, and the report ---- */
/* The process's totals now, for the report and for other interfaces
 * (mallinfo2-like ones): bytes and counts, exact where mi_stats_print(3)
 * says so.  Merges the calling thread's counts first. */
typedef struct mi_stats_bin_totals_s {
  size_t block_size;     /* largest size of the class (huge: 0) */
  int64_t live_blocks;   /* blocks in use */
  int64_t live_bytes;    /* their usable bytes */
  int64_t requested;     /* estimated bytes asked for of them */
  int64_t allocations;   /* blocks handed out since start (or reset) */
  int64_t pages, pages_peak;
  int64_t carved;        /* blocks carved into free lists */
} mi_stats_bin_totals_t;
typedef struct mi_stats_totals_s {
  int64_t in_use, in_use_blocks; /* bytes (usable) and blocks in use */
  int64_t requested;             /* estimated bytes asked for of the blocks in use */
  int64_t in_use_peak;           /* the most bytes in use at once, or -1 outside the counting mode */
  int64_t in_pages, in_pages_peak; /* bytes of pages holding blocks; the peak bounds in_use's */
  int64_t huge, huge_peak;       /* bytes in huge blocks (in_use has them too) */
  int64_t reserved, reserved_peak, committed, committed_peak;
  size_t resident, resident_peak, page_faults;
  int64_t user_msecs, system_msecs, elapsed_msecs;
  int64_t allocations, frees, callocs, reallocs, xthread_frees;
  int64_t threads, threads_peak, segments, segments_peak;
  mi_stats_bin_totals_t bins[MI_BIN_COUNT]; /* bins[MI_BIN_HUGE]: huge blocks */
} mi_stats_totals_t;
void _mi_stats_totals(mi_stats_totals_t *totals);
/* The JSON report into buf: its length (without the final 0), which is
 * size or more, with errno ERANGE, when it did not fit. */
size_t _mi_stats_json_into(char *buf, size_t size);
void _mi_stats_print_at_exit(void);

#endif /* MI_INTERNAL_H */
