/* tls/thread-local.h - the heap pointer in a __thread variable of TLS model
 * MI_TLS_MODEL; included by initial-exec.h and dynamic.h, which pick it. */
#ifndef MI_TLS_THREAD_LOCAL_H
#define MI_TLS_THREAD_LOCAL_H

#define MI_TLS_SLOT_INDEX (-1)

extern __thread mi_heap_t *_mi_tls_heap __attribute__((tls_model(MI_TLS_MODEL)));

static inline mi_heap_t *_mi_heap_default(void) {
  return _mi_tls_heap;
}

static inline mi_heap_t *_mi_tls_resolve(void) {
  return _mi_heap_default();
}

static inline void _mi_heap_set_default(mi_heap_t *heap) {
  _mi_tls_heap = heap;
  _mi_tls_key_set(heap);
}

#define MI_TLS_DEFINE \
  __thread mi_heap_t *_mi_tls_heap __attribute__((tls_model(MI_TLS_MODEL))) = &_mi_heap_empty;

#endif
