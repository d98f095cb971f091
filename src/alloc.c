/* alloc.c - the malloc family: everything built on the allocation fast
 * path of fast.h (zeroing, counts, strings). */
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


void *mi_zalloc(size_t size) {
  return _mi_heap_malloc_zero(_mi_heap_default(), size, true);
}

void *mi_zalloc_small(size_t size) {
  return _mi_heap_malloc_zero(_mi_heap_default(), size, true);
}

void *mi_heap_zalloc(mi_heap_t *heap, size_t size) {
  return _mi_heap_malloc_zero(heap, size, true);
}

void *mi_heap_zalloc_small(mi_heap_t *heap, size_t size) {
  return _mi_heap_malloc_zero(heap, size, true);
}


void *mi_heap_calloc(mi_heap_t *heap, size_t count, size_t size) {
  size_t total;
  if (!_mi_count_size(count, size, &total))
    return NULL;
  void *p = _mi_heap_malloc_zero(heap, total, true);
  _mi_stat_call(callocs);
  return p;
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

/* ---- the u-forms: the usable size too (mi_umalloc(3)) ------------------------- */

static void *with_usable(void *p, size_t *block_size) {
  if (block_size != NULL)
    *block_size = p == NULL ? 0 : mi_usable_size(p);
  return p;
}

void *mi_umalloc(size_t size, size_t *block_size) {
  return with_usable(mi_malloc(size), block_size);
}

void *mi_umalloc_small(size_t size, size_t *block_size) {
  return with_usable(mi_malloc_small(size), block_size);
}

void *mi_uzalloc_small(size_t size, size_t *block_size) {
  return with_usable(mi_zalloc_small(size), block_size);
}

void *mi_ucalloc(size_t count, size_t size, size_t *block_size) {
  return with_usable(mi_calloc(count, size), block_size);
}

void *mi_umalloc_aligned(size_t size, size_t alignment, size_t *block_size) {
  return with_usable(mi_malloc_aligned(size, alignment), block_size);
}

void *mi_uzalloc_aligned(size_t size, size_t alignment, size_t *block_size) {
  return with_usable(mi_zalloc_aligned(size, alignment), block_size);
}

void mi_ufree(void *p, size_t *block_size) {
  mi_free(with_usable(p, block_size));
}

/* ---- other systems' names ------------------------------------------------------ */

size_t mi_malloc_size(const void *p) { /* macOS */
  return mi_usable_size(p);
}

size_t mi_malloc_good_size(size_t size) { /* macOS */
  return mi_good_size(size);
}

void mi_free_small(void *p) {
  mi_free(p);
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

wchar_t *mi_wcsdup(const wchar_t *s) {
  if (s == NULL)
    return NULL;
  size_t n = 0;
  while (s[n] != 0)
    n++;
  wchar_t *t = mi_mallocn(n + 1, sizeof *t);
  if (t != NULL)
    memcpy(t, s, (n + 1) * sizeof *t);
  return t;
}

unsigned char *mi_mbsdup(const unsigned char *s) {
  return (unsigned char *)mi_strdup((const char *)s);
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

/* mimalloc's mi_stats_get_json: the JSON report (stats-print.c) in buf,
 * or in a block of mi_malloc when buf is NULL; NULL with ERANGE when it
 * does not fit in buf, with ENOMEM when there is no memory for it. */
char *mi_stats_get_json(size_t buf_size, char *buf) {
  if (buf != NULL)
    return _mi_stats_json_into(buf, buf_size) < buf_size ? buf : NULL;
  size_t size = _mi_stats_json_into(NULL, 0) + 4096; /* room for figures that grow meanwhile */
  for (int tries = 0; tries < 4; tries++, size *= 2) {
    char *p = mi_malloc(size);
    if (p == NULL)
      return NULL;
    if (_mi_stats_json_into(p, size) < size)
      return p;
    mi_free(p);
  }
  errno = ENOMEM;
  return NULL;
}
