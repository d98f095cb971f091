/* override.c - the only file that defines libc's allocation names, so that
 * a program linked with libmialloc, or run with it in LD_PRELOAD, uses
 * mialloc for every allocation.  Built only with --enable-override.  Each
 * definition compiles to a single jump to its mi_ counterpart, but for
 * malloc and free, which have the fast paths inline; free, realloc,
 * reallocarray and malloc_usable_size give their own name to the paths
 * that report errors (internal.h, "Errors"). */
#include "fast.h"

#include <malloc.h>
#include <stdlib.h>

#define MI_LIBC __attribute__((visibility("default")))

/* Not declared by every libc's headers. */
void cfree(void *p);
void *pvalloc(size_t size); /* musl has none */
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *p, size_t newsize);
void __libc_free(void *p);
void *__libc_memalign(size_t alignment, size_t size);
void *__libc_valloc(size_t size);
void *__libc_pvalloc(size_t size);

MI_LIBC void *malloc(size_t size) { return _mi_heap_malloc(_mi_heap_default(), size); }
MI_LIBC void *calloc(size_t count, size_t size) { return mi_calloc(count, size); }
MI_LIBC void *realloc(void *p, size_t newsize) { return _mi_realloc_named(p, 1, newsize, "realloc"); }
MI_LIBC void free(void *p) { _mi_free_named(p, "free"); }
MI_LIBC void cfree(void *p) { mi_free(p); }
MI_LIBC void *reallocarray(void *p, size_t count, size_t size) { return _mi_realloc_named(p, count, size, "reallocarray"); }
MI_LIBC int posix_memalign(void **p, size_t alignment, size_t size) { return mi_posix_memalign(p, alignment, size); }
MI_LIBC void *aligned_alloc(size_t alignment, size_t size) { return mi_aligned_alloc(alignment, size); }
MI_LIBC void *memalign(size_t alignment, size_t size) { return mi_memalign(alignment, size); }
MI_LIBC void *valloc(size_t size) { return mi_valloc(size); }
MI_LIBC void *pvalloc(size_t size) { return mi_pvalloc(size); }
MI_LIBC size_t malloc_usable_size(void *p) { return p == NULL ? 0 : _mi_usable_size_checked(p, "malloc_usable_size"); }

/* glibc's internal entry points, which some programs call directly. */
MI_LIBC void *__libc_malloc(size_t size) { return _mi_heap_malloc(_mi_heap_default(), size); }
MI_LIBC void *__libc_calloc(size_t count, size_t size) { return mi_calloc(count, size); }
MI_LIBC void *__libc_realloc(void *p, size_t newsize) { return _mi_realloc_named(p, 1, newsize, "realloc"); }
MI_LIBC void __libc_free(void *p) { _mi_free_named(p, "free"); }
MI_LIBC void *__libc_memalign(size_t alignment, size_t size) { return mi_memalign(alignment, size); }
MI_LIBC void *__libc_valloc(size_t size) { return mi_valloc(size); }
MI_LIBC void *__libc_pvalloc(size_t size) { return mi_pvalloc(size); }
