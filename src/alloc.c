/* alloc.c - the malloc family: everything built on the allocation fast
 * path of fast.h (zeroing, counts, realloc, strings). */
#include "fast.h"

#include <limits.h>
#include <stdlib.h>

void *mi_malloc(size_t size) {
  return _mi_heap_malloc(_mi_heap_default(), size);
}

void *mi_heap_malloc(mi_heap_t *heap, size_t size) {
  return _mi_heap_malloc(heap, size);
}

void *mi_malloc_small(size_t size) {
  return _mi_heap_malloc(_mi_heap_default(), size);
}

void *mi_heap_malloc_small(mi_heap_t *heap, size_t size) {
  return _mi_heap_malloc(heap, size);
}

void *_mi_heap_malloc_zero(mi_heap_t *heap, size_t size, bool zero) {
  if (!zero)
    return _mi_heap_malloc(heap, size);
  if (size <= MI_SMALL_SIZE_MAX) {
    /* zero the whole block, so mi_rezalloc may grow it in place */
    void *p = _mi_heap_malloc_small(heap, size);
    if (p != NULL)
      memset(p, 0, _mi_bin_size(_mi_bin(size)));
    return p;
  }
  return _mi_malloc_generic(size, heap, true, 0);
}

void *mi_zalloc(size_t size) {
  return _mi_heap_malloc_zero(_mi_heap_default(), size, true);
}

void *mi_zalloc_small(size_t size) {
  return _mi_heap_malloc_zero(_mi_heap_default(), size, true);
}

void *mi_heap_zalloc(mi_heap_t *heap, size_t size) {
  return _mi_heap_malloc_zero(heap, size, true);
}

/* count * size, or an error (ENOMEM, as POSIX asks of calloc) on overflow. */
bool _mi_count_size(size_t count, size_t size, size_t *total) {
  if (mi_unlikely(_mi_mul_overflow(count, size, total))) {
    _mi_error_message(EOVERFLOW, "allocation request overflows: %zu * %zu bytes\n", count, size);
    errno = ENOMEM;
    return false;
  }
  return true;
}

void *mi_heap_calloc(mi_heap_t *heap, size_t count, size_t size) {
  size_t total;
  if (!_mi_count_size(count, size, &total))
    return NULL;
  return _mi_heap_malloc_zero(heap, total, true);
}

void *mi_calloc(size_t count, size_t size) {
  return mi_heap_calloc(_mi_heap_default(), count, size);
}

void *mi_heap_mallocn(mi_heap_t *heap, size_t count, size_t size) {
  size_t total;
  if (!_mi_count_size(count, size, &total))
    return NULL;
  return _mi_heap_malloc(heap, total);
}

void *mi_mallocn(size_t count, size_t size) {
  return mi_heap_mallocn(_mi_heap_default(), count, size);
}

/* ---- realloc ---------------------------------------------------------- */

void *_mi_heap_realloc_zero(mi_heap_t *heap, void *p, size_t newsize, bool zero) {
  if (p == NULL)
    return _mi_heap_malloc_zero(heap, newsize, zero);
  size_t size = _mi_usable_size_checked(p, "mi_realloc");
  if (size == 0) {
    errno = EINVAL;
    return NULL; /* not ours: reported, and never followed */
  }
  /* in place while it fits and does not waste more than half */
  if (newsize <= size && newsize >= size / 2)
    return p;
  /* a huge block staying huge: resized in its segment, or the segment with
   * mremap, not copied */
  if (size > MI_LARGE_OBJ_MAX && newsize > MI_LARGE_OBJ_MAX) {
    void *q = _mi_page_huge_realloc(p, newsize, zero);
    if (q != NULL)
      return q;
  }
  /* with zero, the new block is zeroed whole: what lies past the copy must
   * read as zero, also when a later mi_rezalloc grows it in place */
  void *q = _mi_heap_malloc_zero(heap, newsize, zero);
  if (q == NULL)
    return NULL;
  memcpy(q, p, size < newsize ? size : newsize);
  mi_free(p);
  return q;
}

void *mi_heap_realloc(mi_heap_t *heap, void *p, size_t newsize) {
  return _mi_heap_realloc_zero(heap, p, newsize, false);
}

void *mi_realloc(void *p, size_t newsize) {
  return _mi_heap_realloc_zero(_mi_heap_default(), p, newsize, false);
}

void *mi_heap_reallocn(mi_heap_t *heap, void *p, size_t count, size_t size) {
  size_t total;
  if (!_mi_count_size(count, size, &total))
    return NULL;
  return _mi_heap_realloc_zero(heap, p, total, false);
}

void *mi_reallocn(void *p, size_t count, size_t size) {
  return mi_heap_reallocn(_mi_heap_default(), p, count, size);
}

void *mi_reallocarray(void *p, size_t count, size_t size) {
  return mi_heap_reallocn(_mi_heap_default(), p, count, size);
}

void *mi_heap_reallocf(mi_heap_t *heap, void *p, size_t newsize) {
  void *q = _mi_heap_realloc_zero(heap, p, newsize, false);
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
void *mi_rezalloc(void *p, size_t newsize) {
  return _mi_heap_realloc_zero(_mi_heap_default(), p, newsize, true);
}

void *mi_recalloc(void *p, size_t count, size_t size) {
  size_t total;
  if (!_mi_count_size(count, size, &total))
    return NULL;
  return mi_rezalloc(p, total);
}

void *mi_expand(void *p, size_t newsize) {
  if (p == NULL)
    return NULL;
  size_t size = _mi_usable_size_checked(p, "mi_expand");
  return newsize <= size ? p : NULL;
}

/* ---- strings ----------------------------------------------------------- */

char *mi_heap_strdup(mi_heap_t *heap, const char *s) {
  if (s == NULL)
    return NULL;
  size_t n = strlen(s);
  char *t = _mi_heap_malloc(heap, n + 1);
  if (t != NULL)
    memcpy(t, s, n + 1);
  return t;
}

char *mi_strdup(const char *s) {
  return mi_heap_strdup(_mi_heap_default(), s);
}

char *mi_heap_strndup(mi_heap_t *heap, const char *s, size_t n) {
  if (s == NULL)
    return NULL;
  size_t len = strnlen(s, n);
  char *t = _mi_heap_malloc(heap, len + 1);
  if (t != NULL) {
    memcpy(t, s, len);
    t[len] = 0;
  }
  return t;
}

char *mi_strndup(const char *s, size_t n) {
  return mi_heap_strndup(_mi_heap_default(), s, n);
}

char *mi_heap_realpath(mi_heap_t *heap, const char *fname, char *resolved_name) {
  if (resolved_name != NULL)
    return realpath(fname, resolved_name);
  char buf[PATH_MAX];
  if (realpath(fname, buf) == NULL)
    return NULL;
  return mi_heap_strdup(heap, buf);
}

char *mi_realpath(const char *fname, char *resolved_name) {
  return mi_heap_realpath(_mi_heap_default(), fname, resolved_name);
}
