/* prim/unix.c - the platform layer's POSIX part, shared by every Unix:
 * mappings, clocks, process times, stderr, the environment, fork handlers.
 * What differs between systems is in prim/linux.c or prim/darwin.c. */
#define _GNU_SOURCE
#include "prim/prim.h"
#include "prim/unix.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif

size_t _mi_prim_page_size(void) {
  static size_t page_size;
  if (page_size == 0) {
    long sz = sysconf(_SC_PAGESIZE);
    page_size = sz > 0 ? (size_t)sz : 4096;
  }
  return page_size;
}

static int mmap_at(void *hint, size_t size, int prot, int extra, void **addr) {
  void *p = mmap(hint, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);
  if (p == MAP_FAILED)
    return errno;
  *addr = p;
  return 0;
}

/* Try the plain mapping first (at the hint, or often aligned anyway), else
 * over-map by align and trim both ends. */
static int mmap_aligned(void *hint, size_t size, size_t align, int prot, int extra, void **addr) {
  void *p = NULL;
  int rc = mmap_at(hint, size, prot, extra, &p);
  if (rc == 0 && ((uintptr_t)p & (align - 1)) != 0) {
    munmap(p, size);
    rc = mmap_at(NULL, size + align, prot, extra, &p);
    if (rc == 0) {
      uintptr_t start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
      size_t pre = start - (uintptr_t)p;
      if (pre > 0)
        munmap(p, pre);
      if (align - pre > 0)
        munmap((void *)(start + size), align - pre);
      p = (void *)start;
    }
  }
  if (rc == 0)
    *addr = p;
  return rc;
}

int _mi_unix_map_aligned(void *hint, size_t size, size_t align, int prot, int flags, void **addr) {
  int err = errno;
  int rc = mmap_aligned(hint, size, align, prot, flags, addr);
  errno = err;
  return rc;
}

int _mi_prim_alloc(void *hint, size_t size, size_t align, bool commit, void **addr) {
  return _mi_unix_map_aligned(hint, size, align, PROT_READ | PROT_WRITE, commit ? 0 : MAP_NORESERVE, addr);
}

/* A read-only private mapping is not charged; mprotect to writable charges
 * the part it opens. */
int _mi_prim_reserve(size_t size, void **addr) {
  int err = errno;
  int rc = mmap_at(NULL, size, PROT_READ, MAP_NORESERVE, addr);
  errno = err;
  return rc;
}

int _mi_prim_commit(void *addr, size_t size) {
  int err = errno;
  int rc = mprotect(addr, size, PROT_READ | PROT_WRITE) == 0 ? 0 : errno;
  errno = err;
  return rc;
}

int _mi_prim_protect(void *addr, size_t size, bool guard) {
  int err = errno;
  int rc = mprotect(addr, size, guard ? PROT_NONE : PROT_READ | PROT_WRITE) == 0 ? 0 : errno;
  errno = err;
  return rc;
}

int _mi_prim_free(void *addr, size_t size) {
  int err = errno;
  int rc = munmap(addr, size) == 0 ? 0 : errno;
  errno = err;
  return rc;
}

/* dladdr names the object an address lies in (its load address). */
bool _mi_prim_malloc_defined_with(const void *own) {
  int err = errno;
  Dl_info found, ours;
  void *fn = dlsym(RTLD_DEFAULT, "malloc");
  bool same = fn != NULL && dladdr(fn, &found) != 0 && dladdr(own, &ours) != 0 &&
              found.dli_fbase == ours.dli_fbase;
  errno = err;
  return same;
}

void *_mi_prim_symbol(const char *name) {
  int err = errno;
  void *p = dlsym(RTLD_DEFAULT, name);
  errno = err;
  return p;
}

void *_mi_prim_next_symbol(const char *name) {
  int err = errno;
  void *p = dlsym(RTLD_NEXT, name);
  errno = err;
  return p;
}

int64_t _mi_prim_clock_msecs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t tv_msecs(struct timeval tv) {
  return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

void _mi_prim_process_info(mi_process_info_t *info) {
  int err = errno;
  struct rusage ru;
  memset(info, 0, sizeof *info);
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    info->utime_msecs = tv_msecs(ru.ru_utime);
    info->stime_msecs = tv_msecs(ru.ru_stime);
    info->peak_rss = _mi_unix_maxrss_bytes(ru.ru_maxrss);
    info->page_faults = (size_t)ru.ru_majflt + (size_t)ru.ru_minflt;
  }
  info->current_rss = _mi_unix_current_rss();
  if (info->current_rss > info->peak_rss)
    info->peak_rss = info->current_rss;
  errno = err;
}

static int stderr_copy = -1;

void _mi_prim_keep_stderr(void) {
  int err = errno;
  if (stderr_copy < 0)
    stderr_copy = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
  errno = err;
}

/* Write all of msg to fd; with fd == STDERR_FILENO, to the kept copy of
 * stderr if the program closed it. */
static void write_all(int fd, const char *msg) {
  int err = errno;
  size_t len = strlen(msg);
  while (len > 0) {
    ssize_t n = write(fd, msg, len);
    if (n < 0 && errno == EBADF && fd == STDERR_FILENO && stderr_copy >= 0) {
      fd = stderr_copy; /* closed by the program (coreutils do, at exit) */
      continue;
    }
    if (n <= 0 && errno != EINTR)
      break;
    if (n > 0) {
      msg += n;
      len -= (size_t)n;
    }
  }
  errno = err;
}

void _mi_prim_out_stderr(const char *msg) {
  write_all(STDERR_FILENO, msg);
}

int _mi_prim_file_append(const char *path, int *fd) {
  int err = errno;
  *fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  int result = *fd < 0 ? errno : 0;
  errno = err;
  return result;
}

void _mi_prim_file_write(int fd, const char *msg) {
  write_all(fd, msg);
}

void _mi_prim_file_close(int fd) {
  int err = errno;
  close(fd);
  errno = err;
}

int _mi_prim_pid(void) {
  return (int)getpid();
}

const char *_mi_prim_program_name(void) {
  const char *name = _mi_unix_progname();
  return name != NULL && name[0] != 0 ? name : "?";
}

/* getenv may not be usable this early in every libc: walk the environment
 * directly. */
bool _mi_prim_getenv(const char *name, char *buf, size_t size) {
  size_t len = strlen(name);
  char **env = _mi_unix_environ();
  if (env == NULL || size == 0)
    return false;
  for (char **e = env; *e != NULL; e++) {
    if (strncmp(*e, name, len) == 0 && (*e)[len] == '=') {
      strncpy(buf, *e + len + 1, size - 1);
      buf[size - 1] = 0;
      return true;
    }
  }
  return false;
}

uintptr_t _mi_prim_random(void) {
  uintptr_t r = 0;
  if (_mi_unix_entropy(&r, sizeof r) && r != 0)
    return r;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  r = (uintptr_t)((uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid() << 32) ^ (uintptr_t)&r;
  return r | 1;
}

void _mi_prim_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void)) {
  pthread_atfork(prepare, parent, child);
}
