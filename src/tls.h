/* tls.h - where a thread finds its default heap.
 *
 * The whole allocator reaches the per-thread heap only through these inline
 * functions:
 *   _mi_heap_default()        the thread's default heap; never NULL: it is
 *                             &_mi_heap_empty until the thread is set up
 *   _mi_heap_set_default(h)   store the pointer
 *   _mi_thread_id()           a cheap unique id of the running thread
 * Exactly one mechanism header provides the storage, chosen by configure
 * (MI_TLS_* in config.h).
 */
#ifndef MI_TLS_H
#define MI_TLS_H

#include "types.h"

extern mi_heap_t _mi_heap_empty;       /* the sentinel: every lookup misses */
extern const mi_page_t _mi_page_empty; /* has no free block */

/* The thread pointer identifies a thread for as long as it lives. */
static inline uintptr_t _mi_thread_id(void) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__aarch64__)) && \
    (__GNUC__ >= 11 || defined(__clang__))
  return (uintptr_t)__builtin_thread_pointer();
#else
  static _Thread_local char anchor;
  return (uintptr_t)&anchor;
#endif
}

#if defined(MI_TLS_INITIAL_EXEC) || !defined(MI_TLS_MECHANISM)
#include "tls/initial-exec.h"
#else
#error "unknown TLS mechanism"
#endif

#endif /* MI_TLS_H */
