/* prim/darwin.c - the platform layer's macOS part (prim/unix.c has what all
 * Unix systems share). */
#include "prim/prim.h"
#include "prim/unix.h"

#include <crt_externs.h>
#include <errno.h>
#include <mach/mach.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/random.h>

/* A dylib cannot link against `environ`, which lives in the program. */
char **_mi_unix_environ(void) {
  char ***env = _NSGetEnviron();
  return env != NULL ? *env : NULL;
}

const char *_mi_unix_progname(void) {
  return getprogname();
}

/* macOS never refuses a mapping for want of swap. */
bool _mi_prim_overcommits(void) {
  return true;
}

/* No mremap: mapping moves are left to the caller (copy or fresh map). */
int _mi_prim_resize(void *addr, size_t size, size_t newsize) {
  return ENOTSUP;
}

int _mi_prim_remap(void *addr, size_t size, size_t newsize, size_t align, void *hint, void **newaddr) {
  return ENOTSUP;
}

/* madvise(MADV_DONTNEED) on macOS only hints, and the pages keep their
 * contents: to read as zero, the range is mapped afresh in place, which
 * also returns its pages to the system.  MADV_FREE lets the system take
 * them when it wants them. */
int _mi_prim_purge(void *addr, size_t size, bool decommit) {
  int err = errno;
  int rc = 0;
  if (decommit) {
    void *p = mmap(addr, size, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANON, -1, 0);
    rc = p == MAP_FAILED ? errno : 0;
  } else {
    rc = madvise(addr, size, MADV_FREE) == 0 ? 0 : errno;
  }
  errno = err;
  return rc;
}

/* Superpages (VM_FLAGS_SUPERPAGE_SIZE_2MB) are not used. */
int _mi_prim_alloc_huge(size_t size, size_t align, void **addr) {
  (void)size;
  (void)align;
  (void)addr;
  return ENOTSUP;
}

/* Superpages need VM_FLAGS_SUPERPAGE_* at mapping time: no hint later. */
void _mi_prim_hint_large(void *addr, size_t size) {
}

size_t _mi_unix_current_rss(void) {
  mach_task_basic_info_data_t info;
  mach_msg_type_number_t count = MACH_TASK_BASIC_INFO_COUNT;
  int err = errno;
  kern_return_t kr = task_info(mach_task_self(), MACH_TASK_BASIC_INFO, (task_info_t)&info, &count);
  errno = err;
  return kr == KERN_SUCCESS ? (size_t)info.resident_size : 0;
}

size_t _mi_unix_maxrss_bytes(long maxrss) {
  return (size_t)maxrss; /* bytes on macOS */
}

bool _mi_unix_entropy(void *buf, size_t size) {
  int err = errno;
  bool ok = getentropy(buf, size) == 0;
  errno = err;
  return ok;
}
