/* alloc-new.c - allocation with C++'s out-of-memory rules (mi_new and
 * the rest, mi_new(3)): on failure the C++ new handler runs and the
 * allocation is tried again, until it succeeds or no handler is set.  A
 * handler may free memory, throw std::bad_alloc (which unwinds through
 * these C frames: they have unwind tables) or end the program.  With no
 * handler the throwing forms report ENOMEM and abort, since C cannot
 * throw.  The nothrow forms return NULL at once, without the handler:
 * they are noexcept, and C cannot catch what a handler throws.  The C++
 * operators of mialloc-new-delete.h throw std::bad_alloc themselves, and
 * their nothrow forms do run the handler. */
#include "internal.h"

#include <stdlib.h>

typedef void (*mi_new_handler_t)(void);
typedef mi_new_handler_t (*mi_get_new_handler_t)(void);

/* std::get_new_handler() of the C++ runtime the process has loaded (the
 * libstdc++ and libc++ name), if any: looked up when an allocation has
 * failed, so that C programs need no C++ runtime. */
static mi_new_handler_t get_new_handler(void) {
  mi_get_new_handler_t get = (mi_get_new_handler_t)_mi_prim_symbol("_ZSt15get_new_handlerv");
  return get != NULL ? get() : NULL;
}

/* Runs the new handler once, or reports ENOMEM and aborts when there is
 * none. */
static void run_new_handler(void) {
  mi_new_handler_t handler = get_new_handler();
  if (handler == NULL) {
    _mi_error_message(ENOMEM, "out of memory in a C++-style allocation (mi_new)\n");
    abort();
  }
  handler();
}

/* count * size, or the handler's verdict on an impossible request. */
static bool new_count_size(size_t count, size_t size, size_t *total) {
  if (mi_likely(!_mi_mul_overflow(count, size, total)))
    return true;
  run_new_handler(); /* a handler that returns cannot make it fit */
  return false;
}

__attribute__((noinline, cold)) static void *heap_new_retry(mi_heap_t *heap, size_t size, size_t alignment) {
  void *p = NULL;
  while (p == NULL) {
    run_new_handler();
    p = alignment == 0 ? mi_heap_malloc(heap, size) : mi_heap_malloc_aligned(heap, size, alignment);
  }
  return p;
}

void *mi_heap_alloc_new(mi_heap_t *heap, size_t size) {
  void *p = mi_heap_malloc(heap, size);
  return mi_likely(p != NULL) ? p : heap_new_retry(heap, size, 0);
}

void *mi_new(size_t size) {
  return mi_heap_alloc_new(mi_heap_get_default(), size);
}

void *mi_new_nothrow(size_t size) {
  return mi_malloc(size);
}

/* An alignment that is not a power of two can never succeed: EINVAL from
 * mi_malloc_aligned (reported), and the handler is not asked. */
void *mi_new_aligned(size_t size, size_t alignment) {
  void *p = mi_malloc_aligned(size, alignment);
  if (mi_likely(p != NULL))
    return p;
  if (!_mi_is_power_of_two(alignment))
    abort();
  return heap_new_retry(mi_heap_get_default(), size, alignment);
}

void *mi_new_aligned_nothrow(size_t size, size_t alignment) {
  return mi_malloc_aligned(size, alignment);
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
  for (;;) {
    errno = 0;
    q = mi_realloc(p, newsize);
    if (q != NULL || errno == EINVAL)
      return q;
    run_new_handler();
  }
}

void *mi_new_reallocn(void *p, size_t newcount, size_t size) {
  size_t total;
  if (!new_count_size(newcount, size, &total))
    return NULL;
  return mi_new_realloc(p, total);
}
