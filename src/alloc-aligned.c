/* alloc-aligned.c - allocation at an alignment, optionally at an offset.
 *
 * Three ways, cheapest first: a size class whose blocks are all aligned
 * (pages start at MI_PAGE_START_ALIGN boundaries); a huge segment placed at
 * the alignment; over-allocation by alignment - 1 bytes, with the page
 * marked so that mi_free finds the block from an interior pointer. */
#include "fast.h"

static void *aligned_overallocate(mi_heap_t *heap, size_t size, size_t alignment, size_t offset, bool zero) {
  size_t oversize;
  if (__builtin_add_overflow(size, alignment - 1, &oversize) || oversize > PTRDIFF_MAX) {
    errno = ENOMEM;
    return NULL;
  }
  uint8_t *p = _mi_heap_malloc_zero(heap, oversize, zero);
  if (p == NULL)
    return NULL;
  size_t misalign = ((uintptr_t)p + offset) & (alignment - 1);
  uint8_t *aligned = misalign == 0 ? p : p + (alignment - misalign);
  if (aligned != p) {
    mi_page_t *page = _mi_segment_page_of(_mi_ptr_segment(p), p);
    _mi_page_set_flags(page, page->flags | MI_PAGE_HAS_ALIGNED);
  }
  _mi_canary_resize(aligned, size); /* the trailer guards the size asked for, not oversize */
  return aligned;
}

/* True for a power of two; reported (EINVAL) otherwise. */
bool _mi_alignment_valid(size_t alignment) {
  if (mi_likely(_mi_is_power_of_two(alignment)))
    return true;
  _mi_error_message(EINVAL, "alignment %zu is not a power of two\n", alignment);
  errno = EINVAL;
  return false;
}

void *_mi_heap_malloc_aligned_at(mi_heap_t *heap, size_t size, size_t alignment, size_t offset, bool zero) {
  if (!_mi_alignment_valid(alignment))
    return NULL;
  if (mi_unlikely(size > PTRDIFF_MAX)) {
    errno = ENOMEM;
    return NULL;
  }
  if (alignment <= MI_MAX_ALIGN && (offset & (alignment - 1)) == 0)
    return _mi_heap_malloc_zero(heap, size, zero);
  if (offset == 0) {
    size_t rounded = _mi_align_up(size == 0 ? 1 : size, alignment);
    if (alignment <= MI_PAGE_START_ALIGN && rounded <= MI_LARGE_OBJ_MAX - MI_PADDING &&
        _mi_bin_size(_mi_bin(rounded + MI_PADDING)) % alignment == 0) {
      void *p = _mi_heap_malloc_zero(heap, rounded, zero);
      if (p != NULL)
        _mi_canary_resize(p, size);
      return p;
    }
    if (size + alignment > MI_MEDIUM_OBJ_MAX)
      return _mi_malloc_generic(size, heap, zero, alignment);
  }
  return aligned_overallocate(heap, size, alignment, offset, zero);
}

void *mi_heap_malloc_aligned_at(mi_heap_t *heap, size_t size, size_t alignment, size_t offset) {
  return _mi_heap_malloc_aligned_at(heap, size, alignment, offset, false);
}

void *mi_heap_malloc_aligned(mi_heap_t *heap, size_t size, size_t alignment) {
  return _mi_heap_malloc_aligned_at(heap, size, alignment, 0, false);
}

void *mi_heap_zalloc_aligned(mi_heap_t *heap, size_t size, size_t alignment) {
  return _mi_heap_malloc_aligned_at(heap, size, alignment, 0, true);
}

void *mi_heap_calloc_aligned(mi_heap_t *heap, size_t count, size_t size, size_t alignment) {
  size_t total;
  if (!_mi_count_size(count, size, &total))
    return NULL;
  return _mi_heap_malloc_aligned_at(heap, total, alignment, 0, true);
}

void *mi_heap_zalloc_aligned_at(mi_heap_t *heap, size_t size, size_t alignment, size_t offset) {
  return _mi_heap_malloc_aligned_at(heap, size, alignment, offset, true);
}

void *mi_heap_calloc_aligned_at(mi_heap_t *heap, size_t count, size_t size, size_t alignment, size_t offset) {
  size_t total;
  if (!_mi_count_size(count, size, &total))
    return NULL;
  return _mi_heap_malloc_aligned_at(heap, total, alignment, offset, true);
}

void *mi_malloc_aligned(size_t size, size_t alignment) {
  return _mi_heap_malloc_aligned_at(_mi_heap_default(), size, alignment, 0, false);
}

void *mi_malloc_aligned_at(size_t size, size_t alignment, size_t offset) {
  return _mi_heap_malloc_aligned_at(_mi_heap_default(), size, alignment, offset, false);
}

void *mi_zalloc_aligned(size_t size, size_t alignment) {
  return _mi_heap_malloc_aligned_at(_mi_heap_default(), size, alignment, 0, true);
}

void *mi_zalloc_aligned_at(size_t size, size_t alignment, size_t offset) {
  return _mi_heap_malloc_aligned_at(_mi_heap_default(), size, alignment, offset, true);
}

void *mi_calloc_aligned(size_t count, size_t size, size_t alignment) {
  return mi_heap_calloc_aligned(_mi_heap_default(), count, size, alignment);
}

void *mi_calloc_aligned_at(size_t count, size_t size, size_t alignment, size_t offset) {
  return mi_heap_calloc_aligned_at(_mi_heap_default(), count, size, alignment, offset);
}


/* ---- POSIX and C11 names ------------------------------------------------ */

int mi_posix_memalign(void **p, size_t alignment, size_t size) {
  if (p == NULL || !_mi_is_power_of_two(alignment) || alignment % sizeof(void *) != 0)
    return EINVAL;
  int err = errno;
  void *q = mi_malloc_aligned(size, alignment);
  if (q == NULL) {
    errno = err;
    return ENOMEM;
  }
  *p = q;
  return 0;
}

void *mi_memalign(size_t alignment, size_t size) {
  return mi_malloc_aligned(size, alignment);
}

void *mi_aligned_alloc(size_t alignment, size_t size) {
  return mi_malloc_aligned(size, alignment);
}

void *mi_valloc(size_t size) {
  return mi_malloc_aligned(size, _mi_os_page_size());
}

void *mi_pvalloc(size_t size) {
  size_t psize = _mi_os_page_size();
  if (size > PTRDIFF_MAX) {
    errno = ENOMEM;
    return NULL;
  }
  size_t rounded = size == 0 ? psize : _mi_align_up(size, psize);
  return mi_malloc_aligned(rounded, psize);
}
