/* tls/initial-exec.h - the heap pointer in an initial-exec __thread
 * variable: one thread-pointer-relative load.  A library using it may fail
 * to load with dlopen late in a process ("cannot allocate memory in static
 * TLS block"); --with-tls=dynamic avoids that. */
#ifndef MI_TLS_INITIAL_EXEC_H
#define MI_TLS_INITIAL_EXEC_H

#define MI_TLS_NAME "initial-exec"
#define MI_TLS_SLOT_INDEX (-1)

extern __thread mi_heap_t *_mi_tls_heap __attribute__((tls_model("initial-exec")));

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
  __thread mi_heap_t *_mi_tls_heap __attribute__((tls_model("initial-exec"))) = &_mi_heap_empty;

#endif
