/* prim/linux.c - the platform layer's Linux part (prim/unix.c has what all
 * Unix systems share).  Other ELF systems get the portable answers: no
 * overcommit setting, no mremap, no resident size. */
#define _GNU_SOURCE
#include "prim/prim.h"
#include "prim/unix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/random.h>
#include <sys/syscall.h>
#endif

#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif

extern char **environ;

char **_mi_unix_environ(void) {
  return environ;
}

const char *_mi_unix_progname(void) {
#if defined(__linux__)
  return program_invocation_short_name;
#else
  return NULL;
#endif
}

bool _mi_prim_overcommits(void) {
#if defined(__linux__)
  char c = '0';
  int err = errno;
  int fd = open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (read(fd, &c, 1) != 1)
      c = '0';
    close(fd);
  }
  errno = err;
  return c != '2';
#else
  return true;
#endif
}

int _mi_prim_resize(void *addr, size_t size, size_t newsize) {
#if defined(__linux__)
  int err = errno;
  int rc;
  /* Shrinking in place unmaps the tail, which is all mremap would do.
   * It also keeps 32-bit programs alive under qemu-user (10.0.2 here),
   * whose mremap re-reserves the pages after the old end instead of those
   * after the new end, and so takes away whatever is mapped next. */
  if (newsize < size)
    rc = munmap((char *)addr + newsize, size - newsize) == 0 ? 0 : errno;
  else
    rc = mremap(addr, size, newsize, 0) == MAP_FAILED ? errno : 0;
  errno = err;
  return rc;
#else
  return ENOTSUP;
#endif
}

int _mi_prim_remap(void *addr, size_t size, size_t newsize, size_t align, void *hint, void **newaddr) {
#if defined(__linux__) && defined(MREMAP_FIXED)
  int err = errno;
  void *hole = NULL; /* an aligned place to move into */
  int rc = _mi_unix_map_aligned(hint, newsize, align, PROT_NONE, MAP_NORESERVE, &hole);
  if (rc == 0) {
    void *q = mremap(addr, size, newsize, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
    if (q == MAP_FAILED) {
      rc = errno;
      munmap(hole, newsize);
    } else {
      *newaddr = q;
    }
  }
  errno = err;
  return rc;
#else
  return ENOTSUP;
#endif
}

/* MADV_DONTNEED makes private anonymous memory read as zero on Linux. */
int _mi_prim_purge(void *addr, size_t size, bool decommit) {
  int err = errno;
  int rc = 0;
#if defined(MADV_FREE)
  if (!decommit) {
    rc = madvise(addr, size, MADV_FREE) == 0 ? 0 : errno;
    if (rc == 0) {
      errno = err;
      return 0;
    }
  }
#endif
  rc = madvise(addr, size, MADV_DONTNEED) == 0 ? 0 : errno;
  errno = err;
  return rc;
}

int _mi_prim_alloc_huge(size_t size, size_t align, void **addr) {
#if defined(__linux__) && defined(MAP_HUGETLB) && defined(MAP_HUGE_SHIFT)
  int rc = _mi_unix_map_aligned(NULL, size, align, PROT_READ | PROT_WRITE, MAP_HUGETLB | (21 << MAP_HUGE_SHIFT), addr);
  return rc == EINVAL ? ENOMEM : rc; /* EINVAL: no pool of 2 MiB pages at all */
#else
  (void)size;
  (void)align;
  (void)addr;
  return ENOTSUP;
#endif
}

void _mi_prim_hint_large(void *addr, size_t size) {
#if defined(MADV_HUGEPAGE)
  int err = errno;
  madvise(addr, size, MADV_HUGEPAGE);
  errno = err;
#else
  (void)addr;
  (void)size;
#endif
}

/* From /proc/self/statm, read without allocating. */
size_t _mi_unix_current_rss(void) {
#if defined(__linux__)
  char buf[128];
  int err = errno;
  int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
  if (fd >= 0)
    close(fd);
  errno = err;
  if (n <= 0)
    return 0;
  buf[n] = 0;
  const char *s = buf;
  while (*s && *s != ' ')
    s++;
  size_t pages = 0;
  while (*s == ' ')
    s++;
  while (*s >= '0' && *s <= '9')
    pages = pages * 10 + (size_t)(*s++ - '0');
  return pages * _mi_prim_page_size();
#else
  return 0;
#endif
}

size_t _mi_unix_maxrss_bytes(long maxrss) {
  return (size_t)maxrss * 1024; /* KiB on Linux and the BSDs */
}

bool _mi_unix_entropy(void *buf, size_t size) {
#if defined(__linux__) && defined(SYS_getrandom)
  int err = errno;
  bool ok = syscall(SYS_getrandom, buf, size, GRND_NONBLOCK) == (long)size;
  errno = err;
  return ok;
#else
  (void)buf;
  (void)size;
  return false;
#endif
}
