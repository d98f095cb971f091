/* realloc.c - resizing blocks: the one realloc core, and every name built
 * on it (realloc, reallocf, reallocn, rezalloc, recalloc, expand and the
 * aligned forms). */
#include "fast.h"

/* A fresh block for a realloc: at `alignment` and `offset` when alignment
 * is set, zeroed whole with `zero` (what lies past the copy must read as
 * zero, also when a later mi_rezalloc grows it in place). */
static void *realloc_fresh(mi_heap_t *heap, size_t newsize, size_t alignment, size_t offset, bool zero) {
  if (alignment == 0)
    return _mi_heap_malloc_zero(heap, newsize, zero);
  return _mi_heap_malloc_aligned_at(heap, newsize, alignment, offset, zero);
}

/* p, of `size` usable bytes, holds newsize (at most `capacity`) in place.
 * Only a secure build grows a block so (its usable size is the size asked
 * for, its capacity reaches the trailer): what it grows into held the
 * trailer's pattern, and reads as zero with `zero`. */
static void *realloc_in_place(void *p, size_t size, size_t newsize, size_t capacity, bool zero) {
  if (newsize > size) {
    mi_track_open((uint8_t *)p + size, newsize - size);
    if (zero)
      memset((uint8_t *)p + size, 0, newsize - size);
  }
  mi_track_resize(p, newsize, capacity);
  _mi_canary_resize(p, newsize);
  return p;
}

/* The one realloc: p (NULL, or a block of any heap of ours) resized to
 * newsize, at `alignment` (0 for none) and `offset`; with `zero` what is
 * beyond the old usable size reads as zero.  A pointer that is not ours is
 * reported for `who` and never followed (EINVAL, NULL). */
static void *heap_realloc(mi_heap_t *heap, void *p, size_t newsize, size_t alignment, size_t offset, bool zero,
                          const char *who) {
  _mi_stat_call(reallocs);
  if (p == NULL)
    return realloc_fresh(heap, newsize, alignment, offset, zero);
  size_t capacity; /* the usable size, or more in a secure build (canary.h) */
  size_t size = _mi_usable_size_capacity(p, true, who, &capacity);
  if (capacity == 0) { /* not a block (reported); a secure build's malloc(0) has a size of 0 */
    errno = EINVAL;
    return NULL;
  }
  bool aligned = alignment == 0 || (((uintptr_t)p + offset) & (alignment - 1)) == 0;
  /* in place while it fits and does not waste more than half */
  if (newsize <= capacity && newsize >= capacity / 2 && aligned)
    return realloc_in_place(p, size, newsize, capacity, zero);
  /* a huge block staying huge: resized in its segment, or the segment with
   * mremap, not copied (it keeps the alignment of a plain block) */
  if (size > MI_LARGE_OBJ_MAX && newsize > MI_LARGE_OBJ_MAX && alignment <= MI_MAX_ALIGN && aligned) {
    void *q = _mi_page_huge_realloc(p, size, newsize, zero);
    if (q != NULL) {
      mi_track_realloc(p, size, q, newsize, _mi_usable_size_of(q, false, NULL));
      return q;
    }
  }
  void *q = realloc_fresh(heap, newsize, alignment, offset, zero);
  if (q == NULL)
    return NULL;
  mi_track_resize(p, size, size); /* all of it is copied */
  memcpy(q, p, size < newsize ? size : newsize);
  mi_free(p);
  return q;
}

/* ---- the malloc family's realloc ---------------------------------------------- */

void *mi_heap_realloc(mi_heap_t *heap, void *p, size_t newsize) {
  return heap_realloc(heap, p, newsize, 0, 0, false, "mi_realloc");
}

void *mi_realloc(void *p, size_t newsize) {
  return mi_heap_realloc(_mi_heap_default(), p, newsize);
}

/* For override.c: realloc (count 1) and reallocarray, with the libc name
 * for messages. */
void *_mi_realloc_named(void *p, size_t count, size_t size, const char *who) {
  size_t total;
  if (!_mi_count_size(count, size, &total))
    return NULL;
  return heap_realloc(_mi_heap_default(), p, total, 0, 0, false, who);
}

void *mi_heap_reallocn(mi_heap_t *heap, void *p, size_t count, size_t size) {
  size_t total;
  if (!_mi_count_size(count, size, &total))
    return NULL;
  return mi_heap_realloc(heap, p, total);
}

void *mi_reallocn(void *p, size_t count, size_t size) {
  return mi_heap_reallocn(_mi_heap_default(), p, count, size);
}

void *mi_reallocarray(void *p, size_t count, size_t size) {
  return mi_heap_reallocn(_mi_heap_default(), p, count, size);
}

/* realloc that frees p when it fails */
void *mi_heap_reallocf(mi_heap_t *heap, void *p, size_t newsize) {
  void *q = mi_heap_realloc(heap, p, newsize);
  if (q == NULL && p != NULL) {
    int err = errno;
    mi_free(p);
    errno = err;
  }
  return q;
}

void *mi_reallocf(void *p, size_t newsize) {
  return mi_heap_reallocf(_mi_heap_default(), p, newsize);
}

/* rezalloc/recalloc: the part beyond the old usable size reads as zero.
 * Blocks must come from a zeroing allocation for the whole to be zero. */
void *mi_heap_rezalloc(mi_heap_t *heap, void *p, size_t newsize) {
  return heap_realloc(heap, p, newsize, 0, 0, true, "mi_rezalloc");
}

void *mi_rezalloc(void *p, size_t newsize) {
  return mi_heap_rezalloc(_mi_heap_default(), p, newsize);
}

void *mi_heap_recalloc(mi_heap_t *heap, void *p, size_t count, size_t size) {
  size_t total;
  if (!_mi_count_size(count, size, &total))
    return NULL;
  return mi_heap_rezalloc(heap, p, total);
}

void *mi_recalloc(void *p, size_t count, size_t size) {
  return mi_heap_recalloc(_mi_heap_default(), p, count, size);
}

/* The old size through *block_size_pre, the new one through *block_size_post. */
void *mi_urealloc(void *p, size_t newsize, size_t *block_size_pre, size_t *block_size_post) {
  if (block_size_pre != NULL)
    *block_size_pre = p == NULL ? 0 : mi_usable_size(p);
  void *q = mi_realloc(p, newsize);
  if (block_size_post != NULL)
    *block_size_post = q == NULL ? 0 : mi_usable_size(q);
  return q;
}

/* NetBSD's: *ptrp is resized, or left alone and an errno value returned. */
int mi_reallocarr(void *ptrp, size_t count, size_t size) {
  if (ptrp == NULL)
    return errno = EINVAL;
  size_t total;
  if (mi_unlikely(_mi_mul_overflow(count, size, &total)))
    return errno = EOVERFLOW;
  void **pp = ptrp;
  void *q = mi_realloc(*pp, total);
  if (q == NULL)
    return errno;
  *pp = q;
  return 0;
}

/* In place or not at all. */
void *mi_expand(void *p, size_t newsize) {
  if (p == NULL)
    return NULL;
  size_t capacity, size = _mi_usable_size_capacity(p, true, "mi_expand", &capacity);
  if (capacity == 0 || newsize > capacity)
    return NULL;
  if (newsize > size) /* a secure build's block, grown into its gap (canary.h) */
    realloc_in_place(p, size, newsize, capacity, false);
  return p;
}

/* Microsoft's name: ENOMEM when it cannot. */
void *mi__expand(void *p, size_t newsize) {
  void *q = mi_expand(p, newsize);
  if (q == NULL)
    errno = ENOMEM;
  return q;
}

/* ---- aligned ---------------------------------------------------------------- */

/* The aligned forms of every realloc, on one function: `zero` for rezalloc. */
static void *heap_realloc_aligned(mi_heap_t *heap, void *p, size_t newsize, size_t alignment, size_t offset,
                                  bool zero) {
  if (!_mi_alignment_valid(alignment))
    return NULL;
  return heap_realloc(heap, p, newsize, alignment, offset, zero, zero ? "mi_rezalloc_aligned" : "mi_realloc_aligned");
}

static void *heap_recalloc_aligned(mi_heap_t *heap, void *p, size_t count, size_t size, size_t alignment,
                                   size_t offset) {
  size_t total;
  if (!_mi_count_size(count, size, &total))
    return NULL;
  return heap_realloc_aligned(heap, p, total, alignment, offset, true);
}

void *mi_heap_realloc_aligned(mi_heap_t *heap, void *p, size_t newsize, size_t alignment) {
  return heap_realloc_aligned(heap, p, newsize, alignment, 0, false);
}

void *mi_realloc_aligned(void *p, size_t newsize, size_t alignment) {
  return heap_realloc_aligned(_mi_heap_default(), p, newsize, alignment, 0, false);
}

void *mi_realloc_aligned_at(void *p, size_t newsize, size_t alignment, size_t offset) {
  return heap_realloc_aligned(_mi_heap_default(), p, newsize, alignment, offset, false);
}

void *mi_heap_realloc_aligned_at(mi_heap_t *heap, void *p, size_t newsize, size_t alignment, size_t offset) {
  return heap_realloc_aligned(heap, p, newsize, alignment, offset, false);
}

void *mi_heap_rezalloc_aligned_at(mi_heap_t *heap, void *p, size_t newsize, size_t alignment, size_t offset) {
  return heap_realloc_aligned(heap, p, newsize, alignment, offset, true);
}

void *mi_heap_rezalloc_aligned(mi_heap_t *heap, void *p, size_t newsize, size_t alignment) {
  return heap_realloc_aligned(heap, p, newsize, alignment, 0, true);
}

void *mi_rezalloc_aligned_at(void *p, size_t newsize, size_t alignment, size_t offset) {
  return heap_realloc_aligned(_mi_heap_default(), p, newsize, alignment, offset, true);
}

void *mi_rezalloc_aligned(void *p, size_t newsize, size_t alignment) {
  return heap_realloc_aligned(_mi_heap_default(), p, newsize, alignment, 0, true);
}

void *mi_heap_recalloc_aligned_at(mi_heap_t *heap, void *p, size_t count, size_t size, size_t alignment,
                                  size_t offset) {
  return heap_recalloc_aligned(heap, p, count, size, alignment, offset);
}

void *mi_heap_recalloc_aligned(mi_heap_t *heap, void *p, size_t count, size_t size, size_t alignment) {
  return heap_recalloc_aligned(heap, p, count, size, alignment, 0);
}

void *mi_recalloc_aligned_at(void *p, size_t count, size_t size, size_t alignment, size_t offset) {
  return heap_recalloc_aligned(_mi_heap_default(), p, count, size, alignment, offset);
}

void *mi_recalloc_aligned(void *p, size_t count, size_t size, size_t alignment) {
  return heap_recalloc_aligned(_mi_heap_default(), p, count, size, alignment, 0);
}

/* Microsoft's names */
void *mi_aligned_recalloc(void *p, size_t count, size_t size, size_t alignment) {
  return mi_recalloc_aligned(p, count, size, alignment);
}

void *mi_aligned_offset_recalloc(void *p, size_t count, size_t size, size_t alignment, size_t offset) {
  return mi_recalloc_aligned_at(p, count, size, alignment, offset);
}
