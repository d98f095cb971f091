/* alloc-new.c - allocation with C++'s out-of-memory rules (mi_new and
 * the rest, mi_new(3)): on failure the C++ new handler runs and the
 * allocation is tried again, until it succeeds or no handler is set.  A
 * handler may free memory, throw std::bad_alloc (which unwinds through
 * these C frames: they have unwind tables) or end the program.  With no
 * handler the throwing forms report ENOMEM and abort, since C cannot
 * throw; the nothrow forms return NULL.  The C++ operators of
 * mialloc-new-delete.h throw std::bad_alloc themselves instead. */
#include "internal.h"

#include <stdlib.h>

typedef void (*mi_new_handler_t)(void);

/* std::get_new_handler(), when the C++ runtime is in the process: a weak
 * reference, so that C programs do not need it. */
mi_new_handler_t _ZSt15get_new_handlerv(void) __attribute__((weak));

/* Runs the new handler once: false when there is none (after aborting,
 * unless `nothrow`). */
static bool try_new_handler(bool nothrow) {
  mi_new_handler_t handler = _ZSt15get_new_handlerv != NULL ? _ZSt15get_new_handlerv() : NULL;
  if (handler != NULL) {
    handler();
    return true;
  }
  if (!nothrow) {
    _mi_error_message(ENOMEM, "out of memory in a C++-style allocation (mi_new)\n");
    abort();
  }
  return false;
}

/* count * size, or the handler's verdict on an impossible request. */
static bool new_count_size(size_t count, size_t size, size_t *total) {
  if (mi_likely(!_mi_mul_overflow(count, size, total)))
    return true;
  try_new_handler(false); /* a handler that returns cannot make it fit */
  return false;
}

__attribute__((noinline, cold)) static void *heap_new_retry(mi_heap_t *heap, size_t size, size_t alignment,
                                                          bool nothrow) {
  void *p = NULL;
  while (p == NULL && try_new_handler(nothrow))
    p = alignment == 0 ? mi_heap_malloc(heap, size) : mi_heap_malloc_aligned(heap, size, alignment);
  return p;
}

void *mi_heap_alloc_new(mi_heap_t *heap, size_t size) {
  void *p = mi_heap_malloc(heap, size);
  return mi_likely(p != NULL) ? p : heap_new_retry(heap, size, 0, false);
}

void *mi_new(size_t size) {
  return mi_heap_alloc_new(mi_heap_get_default(), size);
}

void *mi_new_nothrow(size_t size) {
  void *p = mi_malloc(size);
  return mi_likely(p != NULL) ? p : heap_new_retry(mi_heap_get_default(), size, 0, true);
}

/* An alignment that is not a power of two can never succeed: EINVAL from
 * mi_malloc_aligned, and the handler is not asked. */
static void *new_aligned(size_t size, size_t alignment, bool nothrow) {
  void *p = mi_malloc_aligned(size, alignment);
  if (mi_likely(p != NULL) || !_mi_is_power_of_two(alignment)) {
    if (p == NULL && !nothrow)
      abort();
    return p;
  }
  return heap_new_retry(mi_heap_get_default(), size, alignment, nothrow);
}

void *mi_new_aligned(size_t size, size_t alignment) {
  return new_aligned(size, alignment, false);
}

void *mi_new_aligned_nothrow(size_t size, size_t alignment) {
  return new_aligned(size, alignment, true);
}

void *mi_heap_alloc_new_n(mi_heap_t *heap, size_t count, size_t size) {
  size_t total;
  if (!new_count_size(count, size, &total))
    return NULL;
  return mi_heap_alloc_new(heap, total);
}

void *mi_new_n(size_t count, size_t size) {
  return mi_heap_alloc_new_n(mi_heap_get_default(), count, size);
}

/* p stays valid when this fails.  A pointer that is not mialloc's
 * (EINVAL) is not retried. */
void *mi_new_realloc(void *p, size_t newsize) {
  void *q;
  do {
    errno = 0;
    q = mi_realloc(p, newsize);
  } while (q == NULL && errno != EINVAL && try_new_handler(false));
  return q;
}

void *mi_new_reallocn(void *p, size_t newcount, size_t size) {
  size_t total;
  if (!new_count_size(newcount, size, &total))
    return NULL;
  return mi_new_realloc(p, total);
}
