/* types.h - the data structures of mialloc, in one place.
 *
 * The picture:
 *
 *   thread --TLS--> mi_heap_t (default heap) ----> mi_tld_t (one per thread)
 *                     | direct[size]    -> page with free blocks (fast path)
 *                     | bins[bin]       -> queue of pages of one size class
 *                     | full            -> pages without free blocks
 *
 *   mi_segment_t: MI_SEGMENT_SIZE-aligned OS memory, owned by one thread
 *   +----------+--------+--------+-----+--------+
 *   | header + | page 0 | page 1 | ... | page N |   N = 64 small, 8 medium,
 *   | pages[]  |        |        |     |        |       1 large or huge
 *   +----------+--------+--------+-----+--------+
 *
 *   mi_page_t: descriptor of a page, kept in its segment's header.  All blocks
 *   of a page have one size.  Free blocks sit in three lists: `free` (allocate
 *   from), `local_free` (freed by the owner) and `xthread_free` (freed by other
 *   threads, lock-free, in units of blocks that one thread freed in a row:
 *   page.c).  A pointer finds its page in O(1): mask it down to
 *   the segment, then index pages[] by its offset.  mi_free does it with
 *   one load instead, from the page window (addrmap.c), which also tells
 *   whether the pointer lies in a segment of ours.
 */
#ifndef MI_TYPES_H
#define MI_TYPES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mialloc.h"

#define mi_likely(x) __builtin_expect(!!(x), 1)
#define mi_unlikely(x) __builtin_expect(!!(x), 0)
#define mi_decl_noinline __attribute__((noinline))
#define mi_decl_cold __attribute__((noinline, cold))
#define mi_decl_hidden __attribute__((visibility("hidden")))

/* 8 on x86-64 and arm64, 4 on i386 and armhf.  The constants below that
 * depend on it pick their value with ?: rather than #if, so that both
 * variants compile everywhere. */
#define MI_INTPTR_SIZE __SIZEOF_POINTER__
#define MI_INTPTR_BITS (8 * MI_INTPTR_SIZE)
/* Bits of a user-space address: 48 on x86-64 and arm64 Linux and macOS
 * (without a hint above 2^48, the kernel maps nothing higher), all 32 of a
 * 32-bit process. */
#define MI_ADDRESS_BITS (MI_INTPTR_SIZE == 8 ? 48 : 32)
#define MI_MAX_ALIGN 16            /* every block is at least this aligned */
#define MI_PAGE_START_ALIGN ((size_t)8192) /* pages start at such a boundary */
#define MI_SEGMENT_HEADER_SIZE ((size_t)16384) /* page descriptors and segment fields */

#define MI_SEGMENT_SHIFT 22        /* 4 MiB segments */
#define MI_SEGMENT_SIZE ((size_t)1 << MI_SEGMENT_SHIFT)
#define MI_SEGMENT_MASK (MI_SEGMENT_SIZE - 1)

#define MI_SMALL_PAGE_SHIFT 16     /* 64 KiB */
#define MI_MEDIUM_PAGE_SHIFT 19    /* 512 KiB */
#define MI_SMALL_PAGE_SIZE ((size_t)1 << MI_SMALL_PAGE_SHIFT)
#define MI_MEDIUM_PAGE_SIZE ((size_t)1 << MI_MEDIUM_PAGE_SHIFT)
#define MI_MAX_PAGES (MI_SEGMENT_SIZE / MI_SMALL_PAGE_SIZE)

#define MI_HUGE_ROUND MI_SMALL_PAGE_SIZE /* huge segments are sized in window slices */

#define MI_SMALL_OBJ_MAX (8 * 1024)      /* in small pages */
#define MI_MEDIUM_OBJ_MAX (128 * 1024)   /* in medium pages */
#define MI_LARGE_OBJ_MAX (1024 * 1024)   /* in a one-page segment; above: huge */

#define MI_DIRECT_SIZE_MAX 1024           /* served by heap->direct[] */
#define MI_SMALL_BIN_MAX 20              /* _mi_bin(MI_DIRECT_SIZE_MAX) */
#define MI_DIRECT_COUNT (MI_DIRECT_SIZE_MAX + 1)

/* Size classes: 16-byte steps up to 128, then four per doubling (at most
 * 25% internal waste, 12.5% on average).  Bin 0 is unused. */
#define MI_BIN_HUGE 61
#define MI_BIN_FULL 62
#define MI_BIN_COUNT 63

/* The address-space map: one byte per segment-sized chunk of the address
 * space (64 MiB for 48 bits, 1 KiB for 32).  0 = not mialloc's, 1 = a
 * segment starts here, k > 1 = this chunk lies inside a segment starting
 * k-1 chunks lower (255: at least 254). */
#define MI_SEGMAP_ENTRIES ((size_t)1 << (MI_ADDRESS_BITS - MI_SEGMENT_SHIFT))

/* The page window: a page pointer per 64 KiB slice of up to 128 GiB of
 * address space (2 GiB, half of it all, in a 32-bit process), where mi_free
 * finds a page with one load (addrmap.c). */
#define MI_WINDOW_SHIFT (MI_INTPTR_SIZE == 8 ? 37 : 31)
#define MI_WINDOW_SIZE ((size_t)1 << MI_WINDOW_SHIFT)
#define MI_WINDOW_SLICES (MI_WINDOW_SIZE >> MI_SMALL_PAGE_SHIFT)
#define MI_WINDOW_HEADROOM ((size_t)64 << 20) /* above the first segment */

/* A free block: its first word holds its page's key (mi_page_t), its
 * second the link.  A block freed again still carries the key, which sends
 * mi_free to its checks (free.c); a block in use has the program's data
 * there (rarely the key: then the checks find it in no list, and free it). */
typedef struct mi_block_s {
  uintptr_t key;
  struct mi_block_s *next;
} mi_block_t;

typedef enum mi_page_kind_e {
  MI_PAGE_SMALL,   /* 64 pages of 64 KiB in a segment */
  MI_PAGE_MEDIUM,  /* 8 pages of 512 KiB */
  MI_PAGE_LARGE,   /* one page spanning the segment, binned blocks */
  MI_PAGE_HUGE     /* one block in a segment of its own size */
} mi_page_kind_t;

/* Page flags that send mi_free off its fast path. */
#define MI_PAGE_IN_FULL 0x01     /* page is in heap->full */
#define MI_PAGE_HAS_ALIGNED 0x02 /* interior pointers may be freed */

typedef struct mi_page_s {
  /* hot: the allocation and local-free fast paths touch only these */
  mi_block_t *free;
  uintptr_t key;           /* what freed blocks carry in their first word:
                              the descriptor's own address (a secret in a
                              secure build) */
  mi_block_t *local_free;
  uintptr_t owner;         /* thread id when mi_free may push locally without
                              a second look; 0 when flags are set or the page
                              has no owner (free, abandoned) */
  uint32_t used;           /* capacity minus the blocks in local_free: those
                              handed out, waiting in free, or freed by other
                              threads and not yet collected.  malloc leaves
                              it alone; a local free that takes it to 0 has
                              freed the page's last block */
  uint32_t capacity;       /* blocks carved out so far */
  uint32_t reserved;       /* blocks that fit */
  uint8_t flags;           /* MI_PAGE_IN_FULL | MI_PAGE_HAS_ALIGNED */
  uint8_t bin;
  uint8_t in_use : 1;      /* the page is assigned to a heap */
  uint8_t is_zero : 1;     /* the not-yet-carved part is known to be zero */
  uint8_t is_purged : 1;   /* its memory was given back to the OS */
  uint8_t purge_pending : 1;
  uint8_t is_guarded : 1;  /* a secure build's guard page follows its blocks (segment.c) */
  uint8_t purge_deferred : 1; /* its purge was put off once: the thread came back from a pause (segment.c) */
  uint8_t backing;         /* of a backing heap, or abandoned: never released
                              with live blocks (mi_heap_destroy releases the
                              pages of other heaps), so that other threads
                              may hold its blocks back for a batched free.
                              Read by them: atomic accesses */
  size_t block_size;
  struct mi_heap_s *heap;
  /* second cache line: blocks freed by other threads, away from the hot
   * fields above, so that their frees do not take the line that the
   * owner's malloc and free use */
  _Atomic(mi_block_t *) xthread_free;
  _Atomic(mi_block_t *) xthread_suspect; /* blocks other threads freed that
                              carried the key: the owner checks each against
                              its lists (linked through their key word) */
  uint64_t block_div;      /* 2^64 / block_size, rounded up: the block of an
                              offset by multiplication (_mi_page_block_of) */
  uint32_t start_offset;   /* of the first block, from the segment: no
                              pointer to a block in use is kept in metadata,
                              so valgrind's leak check sees a lost block as
                              lost (_mi_page_start) */
  _Atomic(uint32_t) xfree_pending; /* blocks or batches other threads hold
                              back or have pushed to xthread_free and the
                              owner has not collected yet (page.c) */
  mi_block_t *local_suspect; /* the same, freed by the owner (page.c) */
  struct mi_page_s *next;  /* in the heap's bin queue or full list */
  struct mi_page_s *prev;
  int64_t purge_at;        /* msecs when a free page's memory is purged */
} __attribute__((aligned(128))) mi_page_t; /* 128 bytes: found by a shift and a mask */

#define MI_PAGE_SHIFT_IN_SEGMENT 7 /* log2(sizeof(mi_page_t)) */

typedef struct mi_segment_s {
  mi_page_t pages[MI_MAX_PAGES]; /* first, so a pointer finds its page cheaply */
  uintptr_t thread_id;     /* owner (thread pointer) or 0 when abandoned */
  uintptr_t cookie;        /* segment ^ process key: consistency check */
  size_t size;             /* whole mapping, a multiple of MI_SEGMENT_SIZE */
  size_t page_offset_mask; /* page = segment + ((p >> 9) & page_offset_mask) */
  mi_page_kind_t kind;
  uint32_t page_count;     /* pages in use, at pages[i * MI_MAX_PAGES / page_count] */
  uint32_t used;           /* pages in use */
  uint32_t abandoned;      /* pages in use while abandoned */
  struct mi_segment_s *next; /* in a thread's segment lists, the cache or abandoned list */
  struct mi_segment_s *prev;
  int64_t purge_at;        /* earliest purge_at of its free pages, or 0 */
  _Atomic(int64_t) freed_due; /* abandoned: when to look at it after blocks
                                 were freed into it (abandon.c), or 0 */
  size_t purged;           /* bytes currently given back to the OS */
  bool in_free_list;
  bool deferred;           /* cached: its expiry was put off once (a thread
                              came back from a pause: segment.c) */
  bool kept;               /* memory the program handed over, or huge OS
                              pages reserved (arena.c, cache.c): never
                              purged, moved, resized or unmapped, but kept
                              in the reserve when free */
} mi_segment_t;

typedef struct mi_page_queue_s {
  mi_page_t *first;
  mi_page_t *last;
  size_t block_size;
} mi_page_queue_t;

typedef struct mi_stat_count_s {
  int64_t total;   /* ever added */
  int64_t freed;   /* ever removed */
  int64_t current;
  int64_t peak;
} mi_stat_count_t;

/* The process-wide locks, named in the statistics' count of waits. */
typedef enum mi_lock_id_e {
  MI_LOCK_CACHE,     /* the free-segment cache (cache.c) */
  MI_LOCK_ABANDONED, /* segments of exited threads (abandon.c) */
  MI_LOCK_WINDOW,    /* growing the page window (addrmap.c) */
  MI_LOCK_MAPS,      /* committing the address maps (addrmap.c) */
  MI_LOCK_REGION,    /* heap slots (tls.c) */
  MI_LOCK_ZONE,      /* macOS zone enumeration (zone.c) */
  MI_LOCK_COUNT
} mi_lock_id_t;

typedef struct mi_stats_s {
  mi_stat_count_t reserved;    /* bytes of OS address space */
  mi_stat_count_t committed;   /* bytes that may be resident */
  mi_stat_count_t segments;
  mi_stat_count_t pages;
  mi_stat_count_t huge;        /* bytes in huge blocks */
  mi_stat_count_t page_bytes;  /* bytes of the pages of running threads' heaps */
  mi_stat_count_t threads;
  mi_stat_count_t live;        /* bytes in use, counted only in the counting
                                  mode (stats.c: _mi_stats_counting) */
  mi_stat_count_t bins[MI_BIN_COUNT]; /* pages per size class */
  /* from here on plain counters (mi_stats_reset zeroes them) */
  int64_t bin_blocks[MI_BIN_COUNT];   /* blocks carved into free lists */
  int64_t bin_reused[MI_BIN_COUNT];   /* freed blocks put back into free lists */
  int64_t bin_req_bytes[MI_BIN_COUNT]; /* sizes asked for on the slow path ... */
  int64_t bin_req_count[MI_BIN_COUNT]; /* ... and how many such requests */
  int64_t callocs;
  int64_t reallocs;
  int64_t xthread_frees;       /* blocks freed by another thread, when collected */
  int64_t mmap_calls;
  int64_t cache_hits;          /* segments reused from the segment cache */
  int64_t remaps;              /* cached segments moved and resized */
  int64_t purges;
  int64_t purged_bytes;
  int64_t abandoned;
  int64_t reclaimed;
  int64_t xthread_collects;
  int64_t window_misses;       /* segments set up outside the page window */
  int64_t lock_takes[MI_LOCK_COUNT]; /* acquisitions of each process-wide lock */
  int64_t lock_waits[MI_LOCK_COUNT]; /* ... that found it taken */
  /* running threads' blocks as of their last mi_stats_merge (stats.c):
   * snapshots, not counters (mi_stats_reset leaves them) */
  int64_t bin_live[MI_BIN_COUNT];    /* blocks in use */
  int64_t bin_waiting[MI_BIN_COUNT]; /* blocks in free lists, not handed out */
} mi_stats_t;

/* Free one-chunk segments (pages of small, medium and large blocks) a
 * thread keeps for itself before the process-wide cache: reuse without the
 * cache's lock.  Of the larger ones, of huge blocks, it keeps only the last
 * one it freed (cache_huge), and only for a block of the same size again:
 * any other request sends it to the process-wide cache, where the closest
 * fit among all of them is looked for (kept per thread and taken when they
 * fitted at all, they fitted worse: bench/largewin faulted in half as many
 * pages again; 6 % more with one per thread). */
#define MI_TLD_CACHE_SLOTS 4

typedef struct mi_segment_list_s {
  mi_segment_t *first;
} mi_segment_list_t;

/* Thread-local data, shared by all heaps of a thread. */
/* Counters of events that come every few dozen allocations, which a thread
 * adds up alone and adds to the process's when it exits, merges or prints
 * (stats.c): a process-wide counter there would be a cache line that every
 * core takes in turn. */
typedef struct mi_stats_local_s {
  int64_t bin_blocks[MI_BIN_COUNT];
  int64_t bin_reused[MI_BIN_COUNT];
  int64_t bin_req_bytes[MI_BIN_COUNT];
  int64_t bin_req_count[MI_BIN_COUNT];
  int64_t callocs;
  int64_t reallocs;
  int64_t xthread_frees;
  int64_t xthread_collects;
  uint32_t sample_tick;           /* requests above 1 KiB seen (_mi_stat_request) */
  /* what the thread last published into _mi_stats.bin_live/bin_waiting */
  int64_t published_live[MI_BIN_COUNT];
  int64_t published_waiting[MI_BIN_COUNT];
} mi_stats_local_t;

/* Blocks a thread freed into one page of another thread and holds back,
 * to push them together (page.c): a chain of `count` blocks from `first`
 * to `last`, or nothing when `page` is NULL; and what tells a block of
 * the page from a pointer into one, copied from it. */
#define MI_XFREE_SLOTS 16
typedef struct mi_xfree_batch_s {
  struct mi_page_s *page;
  mi_block_t *first;
  mi_block_t *last;
  uint32_t count;
  uint32_t area;                  /* bytes of the page's blocks */
  uintptr_t start;                /* its first block */
  uint64_t div;                   /* its block_div */
} mi_xfree_batch_t;

typedef struct mi_tld_s {
  uintptr_t thread_id;
  struct mi_heap_s *backing;      /* the heap the thread started with */
  struct mi_heap_s *heaps;        /* all heaps of this thread */
  mi_segment_list_t small_free;   /* segments with a free small page */
  mi_segment_list_t medium_free;
  mi_segment_list_t all;          /* every segment owned by this thread */
  int64_t purge_due;              /* earliest pending purge, or 0 */
  int64_t active_at;              /* msecs of its last look at what is due
                                     on a slow path, or 0 (none yet): a
                                     longer gap than the purge delay is a
                                     pause (segment.c, "What is due") */
  struct mi_segment_s *cache[MI_TLD_CACHE_SLOTS]; /* free one-chunk segments kept for this thread (cache.c) */
  struct mi_segment_s *cache_huge; /* and the last free segment of a huge block, or NULL */
  int64_t cache_due;              /* the earliest of their expiries, or 0 */
  unsigned long long heartbeat;   /* calls of the deferred-free callback */
  bool in_deferred_free;          /* inside that callback */
  bool tls_conflict_counted;      /* this thread found the TLS slot taken */
  mi_stats_local_t stats;         /* not yet in _mi_stats */
  /* blocks this thread freed into other threads' pages, not yet pushed
   * (page.c): a batch per slot, for the pages that hash to it */
  mi_xfree_batch_t xfree[MI_XFREE_SLOTS];
  uint32_t xfree_open;            /* slots that hold a batch, a bit each */
} mi_tld_t;

struct mi_heap_s {
  /* block size (with MI_PADDING) -> the page of its bin to allocate from:
   * one entry per size, not per bin, so that the fast path finds the page
   * in one load (size to bin, then bin to page, took two: 8 KiB here
   * against 1 KiB, and a bin's change writes all its sizes) */
  mi_page_t *direct[MI_DIRECT_COUNT];
  mi_page_queue_t bins[MI_BIN_COUNT]; /* MI_BIN_FULL holds full pages */
  mi_tld_t *tld;
  uintptr_t thread_id;
  uintptr_t cookie;
  struct mi_heap_s *next;   /* in tld->heaps */
  bool no_reclaim;
};

#endif /* MI_TYPES_H */
