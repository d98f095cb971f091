/* init.c - life cycle: process start and exit, thread start and exit, fork.
 * Each thread's data (its backing heap and thread-local data) lives in a
 * heap slot from tls.c, recycled as threads come and go. */
#include "internal.h"

const mi_page_t _mi_page_empty;
mi_heap_t _mi_heap_empty = {.direct = {[0 ... MI_DIRECT_COUNT - 1] = (mi_page_t *)&_mi_page_empty}};
MI_TLS_DEFINE

uintptr_t _mi_process_cookie;
bool _mi_process_is_initialized;
static int64_t process_start_msecs;

typedef struct mi_thread_data_s {
  mi_heap_t heap; /* first: the heap is what a heap slot points at */
  mi_tld_t tld;
} mi_thread_data_t;

static uintptr_t main_thread_id;

/* ---- threads ---------------------------------------------------------------- */

static bool is_main_thread(void) {
  return main_thread_id == 0 || main_thread_id == _mi_thread_id();
}

/* Set up the calling thread; returns its heap, or NULL when out of memory.
 * Thread data lives in a heap slot (see tls.c), as every heap does. */
mi_heap_t *_mi_heap_init_thread(void) {
  mi_heap_t *heap = _mi_tls_resolve();
  if (heap->thread_id == _mi_thread_id()) /* never for the empty or a dead heap */
    return heap;
  mi_process_init();
  mi_thread_data_t *td = _mi_heap_slot_alloc();
  if (td == NULL)
    return NULL;
  td->tld.thread_id = _mi_thread_id();
  _mi_heap_init_backing(&td->heap, &td->tld);
  _mi_heap_set_default(&td->heap);
  _mi_stat_increase(&_mi_stats.threads, 1);
  return &td->heap;
}

/* Thread exit: from the pthread key's destructor (which passes the heap
 * that was the default), or mi_thread_done. */
void _mi_thread_done(void *value) {
  mi_heap_t *heap = value != NULL ? (mi_heap_t *)value : _mi_tls_resolve();
  if (heap->thread_id != _mi_thread_id()) /* the empty heap: nothing to do */
    return;
  mi_tld_t *tld = heap->tld;
  mi_heap_t *backing = tld->backing;
  _mi_heap_set_default(backing);
  while (tld->heaps != backing || backing->next != NULL) {
    mi_heap_t *h = tld->heaps == backing ? backing->next : tld->heaps;
    mi_heap_delete(h);
  }
  _mi_heap_collect_abandon(backing);
  _mi_stat_decrease(&_mi_stats.threads, 1);
  _mi_heap_set_default(&_mi_heap_empty);
  _mi_heap_slot_free((mi_thread_data_t *)((uint8_t *)tld - offsetof(mi_thread_data_t, tld)));
}

void mi_thread_init(void) {
  (void)_mi_heap_init_thread();
}

void mi_thread_done(void) {
  if (is_main_thread())
    return; /* the main heap lives until the process ends */
  _mi_thread_done(NULL);
}

/* ---- fork -------------------------------------------------------------------- */

/* The forking thread takes every lock, so no other thread is inside a
 * locked section at the fork; in the child that same thread releases them. */
static void fork_prepare(void) {
  _mi_tls_lock();
  _mi_abandoned_lock();
  _mi_segments_lock();
}

static void fork_parent(void) {
  _mi_segments_unlock();
  _mi_abandoned_unlock();
  _mi_tls_unlock();
}

/* Only the forking thread lives on in the child: its heap stays as it is;
 * blocks of the other threads stay valid, and frees of them are lock-free. */
static void fork_child(void) {
  fork_parent();
  __atomic_store_n(&_mi_stats.threads.current, 1, __ATOMIC_RELAXED);
}

/* ---- process ------------------------------------------------------------------- */

void mi_process_init(void) {
  if (_mi_process_is_initialized)
    return;
  _mi_process_is_initialized = true;
  process_start_msecs = _mi_prim_clock_msecs();
  _mi_process_cookie = _mi_prim_random() | 1;
  main_thread_id = _mi_thread_id(); /* the first thread here is the main one */
  _mi_options_init();
  if (mi_option_is_enabled(mi_option_show_stats) || mi_option_is_enabled(mi_option_verbose))
    _mi_prim_keep_stderr(); /* the statistics at exit must find a way out */
  _mi_tls_process_init(_mi_thread_done);
  _mi_prim_atfork(fork_prepare, fork_parent, fork_child);
  _mi_verbose_message("mialloc %d.%d.%d, thread-local heap pointer: %s (slot %d)\n", MIALLOC_VERSION_MAJOR,
                      MIALLOC_VERSION_MINOR, MIALLOC_VERSION_PATCH, MI_TLS_NAME, MI_TLS_SLOT_INDEX);
  size_t reserve = mi_option_get_size(mi_option_reserve_os_memory);
  if (reserve > 0)
    _mi_segments_reserve(reserve);
}

int64_t _mi_process_start_msecs(void) {
  return process_start_msecs;
}

__attribute__((constructor)) static void mi_process_load(void) {
  mi_process_init();
  (void)_mi_heap_init_thread();
}

__attribute__((destructor)) static void mi_process_done(void) {
  if (!_mi_process_is_initialized)
    return;
  if (mi_option_is_enabled(mi_option_show_stats) || mi_option_is_enabled(mi_option_verbose))
    _mi_stats_print_at_exit();
}

int mi_version(void) {
  return MIALLOC_VERSION;
}

void _mi_assert_fail(const char *assertion, const char *fname, unsigned line, const char *func) {
  _mi_error_message(EFAULT, "assertion failed: %s:%u: %s: %s\n", fname, line, func, assertion);
  __builtin_trap();
}
