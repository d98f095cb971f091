/* tls/pthread.h - the heap pointer in a key from pthread_key_create.  A
 * dynamically created key can never collide with anyone else's, so on macOS
 * its TSD entry is read directly (the key indexes the thread's TSD array);
 * elsewhere pthread_getspecific is called. */
#ifndef MI_TLS_PTHREAD_H
#define MI_TLS_PTHREAD_H

#define MI_TLS_NAME "pthread"
#define MI_TLS_SLOT_INDEX (-1)

extern pthread_key_t _mi_tls_key;

/* The key's value for this thread; NULL before the key exists (the
 * thread's key array, in macOS and musl, must not be indexed with it). */
static inline void *tls_pthread_get(void) {
  if (mi_unlikely(_mi_tls_key == MI_TLS_KEY_NONE))
    return NULL;
#if defined(__APPLE__) && defined(__aarch64__)
  return (void *)_mi_darwin_tsd()[_mi_tls_key];
#elif defined(__APPLE__) && defined(__x86_64__)
  void *v;
  __asm__("movq %%gs:(,%1,8), %0" : "=r"(v) : "r"((uintptr_t)_mi_tls_key));
  return v;
#else
  return pthread_getspecific(_mi_tls_key);
#endif
}

static inline mi_heap_t *_mi_heap_default(void) {
  mi_heap_t *heap = (mi_heap_t *)tls_pthread_get();
  return heap != NULL ? heap : &_mi_heap_empty;
}

static inline mi_heap_t *_mi_tls_resolve(void) {
  return _mi_heap_default();
}

static inline void _mi_heap_set_default(mi_heap_t *heap) {
  _mi_tls_key_set(heap);
}

#define MI_TLS_DEFINE

#endif
