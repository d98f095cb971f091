/* process.c - the process's life cycle: its start (mi_process_init, run
 * by the first allocation, through heap.c, or at load by a constructor,
 * whichever comes first), its exit (the statistics) and fork.  It sits
 * below heap.c, which calls it, and above the layers whose locks it takes
 * around a fork; so it is linked into every program that allocates, also
 * from the static library, and its constructor and destructor with it. */
#include "internal.h"

static bool process_initialized;
uintptr_t _mi_process_main_thread; /* the thread that started the process's mialloc */

/* ---- fork -------------------------------------------------------------------- */

/* No lock is held across a fork (internal.h, "Locks and fork" says why):
 * the forking thread notes, without waiting, which locks are free... */
static void fork_prepare(void) {
  _mi_tls_fork_prepare();
  _mi_abandoned_fork_prepare();
  _mi_cache_fork_prepare();
  _mi_addrmap_fork_prepare();
}

/* ... and the child keeps what they guard only where that note proves it
 * whole, resetting the rest.  Only the forking thread lives on in the
 * child: its heap stays as it is; blocks of the other threads stay valid,
 * and frees of them are lock-free. */
static void fork_child(void) {
  _mi_addrmap_fork_child();
  _mi_cache_fork_child();
  _mi_abandoned_fork_child();
  _mi_tls_fork_child();
  __atomic_store_n(&_mi_stats.threads.current, 1, __ATOMIC_RELAXED);
}

/* ---- process ------------------------------------------------------------------- */

void mi_process_init(void) {
  if (process_initialized)
    return;
  process_initialized = true;
  _mi_process_main_thread = _mi_thread_id(); /* the constructor's, or the first to allocate */
  _mi_stats_start();
  _mi_process_cookie = _mi_prim_random() | 1;
  _mi_options_init();
  if (mi_option_is_enabled(mi_option_show_stats))
    _mi_stats_counting_start(); /* an exact peak of bytes in use (stats.c) */
  if (mi_option_is_enabled(mi_option_show_stats) || mi_option_is_enabled(mi_option_verbose))
    _mi_prim_keep_stderr(); /* the statistics at exit must find a way out */
  _mi_tls_process_init();
  _mi_prim_atfork(fork_prepare, NULL, fork_child);
  _mi_verbose_message("mialloc %d.%d.%d, thread-local heap pointer: %s (slot %d)\n", MIALLOC_VERSION_MAJOR,
                      MIALLOC_VERSION_MINOR, MIALLOC_VERSION_PATCH, MI_TLS_NAME, MI_TLS_SLOT_INDEX);
  if (mi_option_is_enabled(mi_option_verbose))
    _mi_options_print();
  size_t reserve = mi_option_get_size(mi_option_reserve_os_memory);
  if (reserve > 0)
    _mi_arena_reserve_at_start(reserve);
  long huge = mi_option_get(mi_option_reserve_huge_os_pages);
  if (huge > 0 && mi_reserve_huge_os_pages_at((size_t)huge, (int)mi_option_get(mi_option_reserve_huge_os_pages_at),
                                              (size_t)huge * 500) != 0)
    _mi_warning_message("could not reserve %ld GiB of huge OS pages\n", huge);
}

/* ELF: whether the malloc that symbol lookup finds is in the object that
 * holds mialloc (LD_PRELOAD, or a program linked with it and no other
 * malloc before it).  macOS: the override interposes malloc in every
 * image at load. */
bool mi_is_redirected(void) {
#if defined(MI_OVERRIDE) && defined(__APPLE__)
  return true;
#elif defined(MI_OVERRIDE)
  return _mi_prim_malloc_defined_with((const void *)mi_is_redirected);
#else
  return false;
#endif
}

__attribute__((constructor)) static void mi_process_load(void) {
  mi_process_init();
}

/* The work of exit, once: at exit, or earlier when the program asks
 * (mimalloc's mi_process_done; allocation goes on working after it). */
void mi_process_done(void) {
  static bool done;
  if (!process_initialized || done)
    return;
  done = true;
  if (mi_option_is_enabled(mi_option_show_stats) || mi_option_is_enabled(mi_option_verbose))
    _mi_stats_print_at_exit();
  _mi_errors_print_at_exit();
}

__attribute__((destructor)) static void mi_process_exit(void) {
  mi_process_done();
}

int mi_version(void) {
  return MIALLOC_VERSION;
}
