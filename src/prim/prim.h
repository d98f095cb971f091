/* prim.h - the platform contract.  Everything mialloc needs from the OS goes
 * through these functions; no other file includes <sys/mman.h> or calls
 * getenv.
 *
 * Contract:
 * - Functions returning int return 0 on success or an errno value; they never
 *   set errno as a side effect visible to the caller of mialloc.
 * - All of them may run during early process initialisation, before libc's
 *   malloc is usable, and none of them allocates heap memory.
 * - Memory from _mi_prim_alloc is zero-filled, readable and writable.
 */
#ifndef MI_PRIM_H
#define MI_PRIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The OS page size (4096 on most systems). */
size_t _mi_prim_page_size(void);

/* Map `size` bytes at an address that is a multiple of `align` (a power of
 * two >= page size); *addr receives it: `hint` if that range is free (hint
 * may be NULL).  With `commit` the memory is charged against the system's
 * commit limit at once (matters only where the OS does not overcommit);
 * otherwise on first touch. */
int _mi_prim_alloc(void *hint, size_t size, size_t align, bool commit, void **addr);
/* Map `size` bytes (a multiple of 2 MiB) of 2 MiB huge pages, at a
 * multiple of `align` (a power of two >= 2 MiB), always committed:
 * ENOMEM when the system has too few free (Linux: vm.nr_hugepages),
 * ENOTSUP where the OS has no such mappings. */
int _mi_prim_alloc_huge(size_t size, size_t align, void **addr);
/* True when the OS overcommits memory (Linux vm.overcommit_memory != 2). */
bool _mi_prim_overcommits(void);
/* Reserve `size` bytes of address space that read as zero and are not
 * charged against the commit limit: read-only until committed.  For the
 * address maps and the heap region, which are large and mostly unused. */
int _mi_prim_reserve(size_t size, void **addr);
/* Make [addr, addr+size) of a reservation (page-aligned) readable and
 * writable: charged from now on, and ENOMEM where the system is out of
 * commit (Linux vm.overcommit_memory=2). */
int _mi_prim_commit(void *addr, size_t size);
int _mi_prim_free(void *addr, size_t size);
/* Resize the mapping [addr, addr+size) to newsize where it is, keeping
 * its pages (a larger one gets zero pages at its end): ENOMEM when the
 * addresses after it are taken, ENOTSUP where the OS cannot do it. */
int _mi_prim_resize(void *addr, size_t size, size_t newsize);
/* Move the mapping [addr, addr+size) to a new address aligned to `align`
 * (at `hint` if that range is free; hint may be NULL), resized to newsize,
 * keeping its pages (no copy, no new faults for the kept part); the old
 * range is gone afterwards.  ENOTSUP where the OS cannot do it. */
int _mi_prim_remap(void *addr, size_t size, size_t newsize, size_t align, void *hint, void **newaddr);
/* Give the physical memory back; the range stays mapped and reads as zero
 * afterwards when `decommit` is true (MADV_DONTNEED), or may keep its old
 * contents until reclaimed (MADV_FREE) otherwise. */
int _mi_prim_purge(void *addr, size_t size, bool decommit);
/* Make [addr, addr+size) of a mapping of _mi_prim_alloc (page-aligned)
 * inaccessible, with `guard`: any access faults (the guard pages of a
 * secure build); or readable and writable again. */
int _mi_prim_protect(void *addr, size_t size, bool guard);
/* Ask for transparent huge pages on a range (best effort). */
void _mi_prim_hint_large(void *addr, size_t size);

/* Monotonic milliseconds since some point. */
int64_t _mi_prim_clock_msecs(void);
typedef struct mi_process_info_s {
  int64_t utime_msecs, stime_msecs;
  size_t current_rss, peak_rss, page_faults;
} mi_process_info_t;
void _mi_prim_process_info(mi_process_info_t *info);

/* Write a message to stderr without allocating. */
void _mi_prim_out_stderr(const char *msg);
/* Keep a duplicate of stderr, used when the program has closed stderr by
 * the time mialloc writes (statistics at exit after an atexit close). */
void _mi_prim_keep_stderr(void);
/* Open a file for appending (created, mode 0666 less the umask, when it
 * does not exist); 0 and *fd, or an errno value.  Writes do not allocate. */
int _mi_prim_file_append(const char *path, int *fd);
void _mi_prim_file_write(int fd, const char *msg);
void _mi_prim_file_close(int fd);
/* The process id, and the program's name without its directory ("?"
 * when unknown). */
int _mi_prim_pid(void);
const char *_mi_prim_program_name(void);
/* Read an environment variable into buf (without allocating); false if unset. */
bool _mi_prim_getenv(const char *name, char *buf, size_t size);
/* Whether the `malloc` the process's global symbol lookup finds is defined
 * in the object (executable or shared library) that holds `own`. */
bool _mi_prim_malloc_defined_with(const void *own);
/* The address of a function of the process by its C name (dlsym), or NULL. */
void *_mi_prim_symbol(const char *name);
/* The next definition of a function after the one in mialloc's own object
 * (dlsym RTLD_NEXT: the one mialloc's replaces), or NULL. */
void *_mi_prim_next_symbol(const char *name);
/* Random bits for cookies; never fails (falls back to time and addresses). */
uintptr_t _mi_prim_random(void);

/* A mutex that can be statically initialised (MI_PRIM_MUTEX_INIT).
 * internal.h wraps it as mi_lock_t, which counts the acquisitions that had
 * to wait. */
typedef pthread_mutex_t mi_prim_mutex_t;
#define MI_PRIM_MUTEX_INIT PTHREAD_MUTEX_INITIALIZER
static inline bool _mi_prim_mutex_try(mi_prim_mutex_t *m) {
  return pthread_mutex_trylock(m) == 0;
}
static inline void _mi_prim_mutex_lock(mi_prim_mutex_t *m) {
  pthread_mutex_lock(m);
}
static inline void _mi_prim_mutex_unlock(mi_prim_mutex_t *m) {
  pthread_mutex_unlock(m);
}
/* Makes m new and unlocked, whatever its state (the child of a fork only). */
static inline void _mi_prim_mutex_reinit(mi_prim_mutex_t *m) {
  pthread_mutex_init(m, NULL);
}

/* Fork handlers, registered once; prepare or parent may be NULL. */
void _mi_prim_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void));

#endif /* MI_PRIM_H */
