/* tls.h - where a thread finds its default heap.
 *
 * The whole allocator reaches the per-thread heap only through these:
 *   _mi_heap_default()        the thread's default heap; never NULL: it is
 *                             &_mi_heap_empty until the thread is set up, so
 *                             the fast path needs no "initialised?" test
 *   _mi_tls_resolve()         the same, but never the empty heap for a thread
 *                             that has one (slow paths use this: the slot
 *                             mechanism's fast accessor may say "empty" when
 *                             it cannot prove the slot value is ours)
 *   _mi_heap_set_default(h)   make h the default (&_mi_heap_empty: none)
 *   _mi_thread_id()           a cheap unique id of the running thread
 * Exactly one mechanism header provides the storage, chosen by configure
 * (MI_TLS_INITIAL_EXEC, MI_TLS_DYNAMIC, MI_TLS_PTHREAD or MI_TLS_SLOT in
 * config.h); each defines MI_TLS_NAME and MI_TLS_SLOT_INDEX (-1 unless slot).
 *
 * Every mechanism also keeps the default heap in a pthread key: its
 * destructor runs the thread-exit work, and the slot mechanism falls back to
 * it for good when someone else writes to its slot (see tls.c).
 */
#ifndef MI_TLS_H
#define MI_TLS_H

#include "types.h"

#include <limits.h>
#include <pthread.h>

/* The pthread key (tls.c) before process init creates it: a value that
 * pthread_key_create never hands out, compared before every read of the
 * key (tls/pthread.h), since no libc has to check the range of a key: musl
 * indexes the thread's array with it, and so does macOS, where the
 * sentinel is 0, the TSD slot of the thread's self pointer.  glibc and
 * musl hand out keys below PTHREAD_KEYS_MAX. */
#if defined(__APPLE__)
#define MI_TLS_KEY_NONE ((pthread_key_t)0)
#else
#define MI_TLS_KEY_NONE ((pthread_key_t)PTHREAD_KEYS_MAX)
#endif

extern mi_heap_t _mi_heap_empty;       /* the sentinel: every lookup misses */
extern const mi_page_t _mi_page_empty; /* has no free block */

/* macOS keeps each thread's TSD array (pthread_getspecific's slots) where
 * a thread register points: %gs on x86-64 (slot i at %gs:8*i), TPIDRRO_EL0
 * on arm64 (the array's address, with the CPU number in the low 3 bits on
 * some versions).  TPIDR_EL0, what __builtin_thread_pointer reads on arm64,
 * holds the CPU number on macOS, not anything per thread. */
#if defined(__APPLE__) && defined(__aarch64__)
static inline uintptr_t *_mi_darwin_tsd(void) {
  uintptr_t tsd;
  __asm__("mrs %0, tpidrro_el0" : "=r"(tsd));
  return (uintptr_t *)(tsd & ~(uintptr_t)7);
}
#endif

/* A cheap id of the running thread, unique among live threads; it never
 * touches a thread-local variable (on macOS their first use in a thread
 * calls malloc). */
static inline uintptr_t _mi_thread_id(void) {
#if defined(__APPLE__) && defined(__aarch64__)
  return (uintptr_t)_mi_darwin_tsd(); /* the TSD array lives in the thread's pthread_t */
#elif defined(__APPLE__) && defined(__x86_64__)
  uintptr_t self;
  __asm__("movq %%gs:0, %0" : "=r"(self)); /* TSD slot 0: the thread's pthread_t */
  return self;
#elif defined(__APPLE__)
#error "mialloc supports macOS on x86-64 and arm64 only"
#elif defined(__GNUC__) && (defined(__x86_64__) || defined(__aarch64__) || defined(__i386__) || \
                             defined(__arm__)) && (__GNUC__ >= 11 || defined(__clang__))
  /* the thread pointer: %fs or %gs base, TPIDR_EL0, TPIDRURO */
  return (uintptr_t)__builtin_thread_pointer();
#else
  static _Thread_local char anchor;
  return (uintptr_t)&anchor;
#endif
}

/* ---- tls.c: shared by all mechanisms ---------------------------------------- */
void _mi_tls_process_init(void);
void _mi_tls_on_thread_exit(void (*fn)(void *heap));
void _mi_tls_key_set(mi_heap_t *heap);     /* the pthread key's copy */
mi_heap_t *_mi_tls_key_get(void);

/* Heap memory: fixed-size slots in one reserved region of this instance,
 * so that a pointer can be proven to be one of its heaps by arithmetic. */
#define MI_HEAP_SLOT_SHIFT 14
#define MI_HEAP_SLOT_SIZE ((size_t)1 << MI_HEAP_SLOT_SHIFT)
/* Two plain hidden globals, so that the fast path addresses them directly. */
extern uintptr_t _mi_heap_region_base mi_decl_hidden;
extern _Atomic(size_t) _mi_heap_region_limit mi_decl_hidden; /* slots a valid slot
                                                                 value may point at; 0 = trust none */
void *_mi_heap_slot_alloc(void);
void _mi_heap_slot_free(void *slot);

/* True when v is the start of a heap slot handed out by this instance:
 * (v - base) rotated right by the slot shift is below the slot count only
 * if it is a multiple of the slot size (else the low bits land on top). */
static inline bool _mi_heap_region_contains(uintptr_t v, size_t limit) {
  uintptr_t d = v - _mi_heap_region_base;
  d = (d >> MI_HEAP_SLOT_SHIFT) | (d << (MI_INTPTR_BITS - MI_HEAP_SLOT_SHIFT));
  return d < limit;
}

#if defined(MI_TLS_INITIAL_EXEC)
#include "tls/initial-exec.h"
#elif defined(MI_TLS_DYNAMIC)
#include "tls/dynamic.h"
#elif defined(MI_TLS_PTHREAD)
#include "tls/pthread.h"
#elif defined(MI_TLS_SLOT)
#include "tls/slot.h"
#else
#error "no TLS mechanism chosen: configure defines one of MI_TLS_INITIAL_EXEC, MI_TLS_DYNAMIC, MI_TLS_PTHREAD, MI_TLS_SLOT"
#endif

#endif /* MI_TLS_H */
