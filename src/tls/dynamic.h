/* tls/dynamic.h - the heap pointer in a general-dynamic __thread variable:
 * safe in a library that is dlopen'ed at any time; each access goes through
 * the TLS descriptor or __tls_get_addr. */
#ifndef MI_TLS_DYNAMIC_H
#define MI_TLS_DYNAMIC_H

#define MI_TLS_NAME "dynamic"
#define MI_TLS_SLOT_INDEX (-1)

extern __thread mi_heap_t *_mi_tls_heap __attribute__((tls_model("global-dynamic")));

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
  __thread mi_heap_t *_mi_tls_heap __attribute__((tls_model("global-dynamic"))) = &_mi_heap_empty;

#endif
