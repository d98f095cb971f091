/* fast.h - the two fast paths, as inline functions: malloc of a small size,
 * and free of a block of this thread.  mi_malloc and mi_free are made of
 * them, and so are malloc and free (override.c), which then need no jump
 * to their mi_ counterparts.  Instruction counts are callgrind's for x86-64
 * and gcc 12 with initial-exec TLS (bench/fastpath.sh). */
#ifndef MI_FAST_H
#define MI_FAST_H

#include "canary.h"
#include "internal.h"

/* A table lookup and a list pop: 11 instructions.  A heap's direct[]
 * never holds NULL (an empty bin points at a page without free blocks),
 * and a thread starts on the empty heap, so nothing else is tested. */
static inline void *_mi_heap_malloc_small(mi_heap_t *heap, size_t size) {
  mi_page_t *page = heap->direct[size + MI_PADDING];
  mi_block_t *block = page->free;
  if (mi_unlikely(block == NULL))
    return _mi_malloc_generic(size, heap, false, 0);
#if MI_SECURE
  /* mi_block_next's check, with a tail call on failure (no registers kept) */
  uintptr_t link = (uintptr_t)mi_block_get(block, next) ^ page->key;
  if (mi_unlikely(link != 0 && ((link ^ (uintptr_t)block) >> MI_SEGMENT_SHIFT) != 0))
    return _mi_page_malloc_corrupt(page, block, link, size);
  page->free = (mi_block_t *)link;
#else
  page->free = mi_block_next(page, block);
#endif
  mi_track_alloc(block, size, _mi_canary_usable(size, page->block_size), false);
  _mi_canary_set(page, (uint8_t *)block + page->block_size, block, size);
  return block;
}

static inline void *_mi_heap_malloc(mi_heap_t *heap, size_t size) {
  if (mi_likely(size <= MI_DIRECT_SIZE_MAX - MI_PADDING))
    return _mi_heap_malloc_small(heap, size);
  return _mi_malloc_generic(size, heap, false, 0);
}

/* With `zero`, the whole block is zeroed, so that mi_rezalloc may grow it
 * in place (in a secure build the size asked for: the rest holds the
 * trailer, and mi_rezalloc zeroes what it grows into). */
static inline void *_mi_heap_malloc_zero(mi_heap_t *heap, size_t size, bool zero) {
  if (!zero)
    return _mi_heap_malloc(heap, size);
  if (size <= MI_DIRECT_SIZE_MAX - MI_PADDING) {
    void *p = _mi_heap_malloc_small(heap, size);
    if (p != NULL) {
      size_t usable = MI_SECURE ? size : _mi_bin_size(_mi_bin(size));
      mi_track_resize(p, usable, usable);
      memset(p, 0, usable);
      mi_track_resize(p, size, usable);
    }
    return p;
  }
  return _mi_malloc_generic(size, heap, true, 0);
}

/* count * size, or an error (ENOMEM, as POSIX asks of calloc) on overflow. */
static inline bool _mi_count_size(size_t count, size_t size, size_t *total) {
  if (mi_unlikely(_mi_mul_overflow(count, size, total))) {
    _mi_error_message(EOVERFLOW, "allocation request overflows: %zu * %zu bytes\n", count, size);
    errno = ENOMEM;
    return false;
  }
  return true;
}

void _mi_free_outside_window(void *p, const char *who);
void _mi_free_generic(void *p, mi_page_t *page, const char *who);
void _mi_free_suspect(mi_page_t *page, mi_block_t *block, const char *who);

/* The page from the page window (addrmap.c: memory that is not ours finds
 * no page there, so it is never followed), an ownership test, the key test
 * (a block that carries its page's key may be free already: free.c looks)
 * and a list push that writes key and link: 19 instructions.
 * `who`, the name the program called for messages (internal.h, "Errors"),
 * goes only to the out-of-line calls. */
static inline void _mi_free_named(void *p, const char *who) {
  size_t off = mi_racy_read(_mi_window_last) - (uintptr_t)p;
  if (mi_unlikely(off >= mi_racy_read(_mi_window_span))) {
    _mi_free_outside_window(p, who);
    return;
  }
  mi_page_t *page = __atomic_load_n(&_mi_window_pages[off >> MI_SMALL_PAGE_SHIFT], __ATOMIC_RELAXED);
  if (mi_likely(__atomic_load_n(&page->owner, __ATOMIC_RELAXED) == _mi_thread_id())) {
    mi_block_t *block = (mi_block_t *)p;
    mi_track_open(block, sizeof *block); /* in use, or free already */
#if MI_SECURE
    if (mi_unlikely(block->key == page->key)) {
      _mi_free_suspect(page, block, who);
      return;
    }
    size_t delta; /* the trailer (canary.h): broken, or p is inside a block; free.c tells which */
    if (mi_unlikely(!_mi_canary_ok(page, (uint8_t *)block + page->block_size, block, &delta))) {
      _mi_free_generic(p, page, who);
      return;
    }
    mi_track_open(block, sizeof *block); /* the trailer's checks closed what of it they read */
    block->key = page->key;
    mi_block_set_next(page, block, page->local_free);
#else
    if (mi_unlikely(block->key == (uintptr_t)page)) {
      _mi_free_suspect(page, block, who);
      return;
    }
    block->key = (uintptr_t)page; /* two stores: a 16-byte copy of key and */
    block->next = page->local_free; /* local_free waited on the last free's store */
#endif
    mi_track_free(block, page->block_size);
    page->local_free = block;
    if (mi_unlikely(--page->used == 0))
      _mi_page_retire(page);
    return;
  }
  _mi_free_generic(p, page, who);
}

static inline void _mi_free(void *p) {
  _mi_free_named(p, "mi_free");
}

#endif
