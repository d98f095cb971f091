/* tls/slot.h - the heap pointer in a fixed word of the thread's control
 * block (x86-64 glibc: %fs:8*N, N = 7 or 8, the words glibc leaves unused;
 * macOS: TSD slot N, %gs on x86-64, tpidrro_el0 on arm64).
 *
 * Someone else may write the same word.  A value read from it is never
 * dereferenced before it is proven to be a heap of this instance: it must be
 * the exact start of a heap slot in this instance's heap region (one
 * subtract, one rotate, one compare).  Anything else goes to the cold path
 * in tls.c, which reports a foreign value once, switches the whole process
 * to the pthread key, and never writes the slot again. */
#ifndef MI_TLS_SLOT_H
#define MI_TLS_SLOT_H

#define MI_TLS_NAME "slot"
#define MI_TLS_SLOT_INDEX MI_TLS_SLOT

static inline uintptr_t _mi_tls_slot_load(void) {
  uintptr_t v;
#if defined(__x86_64__) && defined(__linux__)
  __asm__("movq %%fs:%c1, %0" : "=r"(v) : "i"(MI_TLS_SLOT * 8));
#elif defined(__x86_64__) && defined(__APPLE__)
  __asm__("movq %%gs:%c1, %0" : "=r"(v) : "i"(MI_TLS_SLOT * 8));
#elif defined(__aarch64__) && defined(__APPLE__)
  v = _mi_darwin_tsd()[MI_TLS_SLOT];
#else
#error "--with-tls=slot is not supported on this platform"
#endif
  return v;
}

static inline void _mi_tls_slot_store(uintptr_t v) {
#if defined(__x86_64__) && defined(__linux__)
  __asm__ volatile("movq %0, %%fs:%c1" : : "r"(v), "i"(MI_TLS_SLOT * 8) : "memory");
#elif defined(__x86_64__) && defined(__APPLE__)
  __asm__ volatile("movq %0, %%gs:%c1" : : "r"(v), "i"(MI_TLS_SLOT * 8) : "memory");
#elif defined(__aarch64__) && defined(__APPLE__)
  ((volatile uintptr_t *)_mi_darwin_tsd())[MI_TLS_SLOT] = v;
#endif
}

mi_heap_t *_mi_tls_slot_resolve(void);
void _mi_tls_slot_set(mi_heap_t *heap);

/* Anything but a proven heap reads as the empty heap, which sends the
 * allocation to the slow path; that one resolves it (_mi_tls_resolve). */
static inline mi_heap_t *_mi_heap_default(void) {
  uintptr_t v = _mi_tls_slot_load();
  size_t limit = atomic_load_explicit(&_mi_heap_region_limit, memory_order_relaxed);
  return mi_likely(_mi_heap_region_contains(v, limit)) ? (mi_heap_t *)v : &_mi_heap_empty;
}

static inline mi_heap_t *_mi_tls_resolve(void) {
  return _mi_tls_slot_resolve();
}

static inline void _mi_heap_set_default(mi_heap_t *heap) {
  _mi_tls_slot_set(heap);
}

#define MI_TLS_DEFINE

#endif
