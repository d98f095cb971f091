/* prim/unix.h - between prim/unix.c, the POSIX calls every Unix shares,
 * and the one OS file built with it (prim/linux.c or prim/darwin.c, chosen
 * by configure), which defines the rest of prim.h and these. */
#ifndef MI_PRIM_UNIX_H
#define MI_PRIM_UNIX_H

#include <stdbool.h>
#include <stddef.h>

/* ---- defined by the OS file -------------------------------------------------- */
/* The process's environment (a shared library cannot use `environ` on
 * every system). */
char **_mi_unix_environ(void);
/* Resident bytes now, or 0 when unknown. */
size_t _mi_unix_current_rss(void);
/* getrusage's ru_maxrss in bytes (its unit differs between systems). */
size_t _mi_unix_maxrss_bytes(long maxrss);
/* Fill buf with random bytes from the kernel; false if it cannot.  errno
 * is left as it was. */
bool _mi_unix_entropy(void *buf, size_t size);
/* The program's name without its directory, or NULL when unknown. */
const char *_mi_unix_progname(void);

/* ---- defined by prim/unix.c ---------------------------------------------------- */
/* mmap `size` bytes at a multiple of `align` with `prot` and extra `flags`;
 * 0 or an errno value, and errno is left as it was. */
int _mi_unix_map_aligned(void *hint, size_t size, size_t align, int prot, int flags, void **addr);

#endif /* MI_PRIM_UNIX_H */
