/* override-darwin.c - mialloc as malloc on macOS, by interposing.
 *
 * libc's allocation functions live in libSystem, and a program's calls to
 * them are bound to libSystem by name (two-level namespace): defining
 * malloc here, as override.c does on ELF systems, would change nothing.
 * Instead the __DATA,__interpose section pairs each libc function with
 * mialloc's, and dyld rebinds every other image's references to the libc
 * function - the program's, the frameworks', libSystem's own - to mialloc's
 * when this library is loaded at start (linked by the program, or named in
 * DYLD_INSERT_LIBRARIES).  The library's own references are left alone, and
 * mialloc calls none of these functions.  Code that allocates through the
 * zone interface finds mialloc as the default zone (zone.c).
 *
 * The names are those of macOS's <stdlib.h> and <malloc/malloc.h>; macOS
 * has no memalign, pvalloc, cfree, reallocarray or malloc_usable_size. */
#include "internal.h"

#include <stdlib.h>

#if defined(HAVE_MALLOC_MALLOC_H)
#include <malloc/malloc.h>
#else
size_t malloc_size(const void *p);
size_t malloc_good_size(size_t size);
#endif

/* The usable size of any block of the process, 0 for what is not one
 * (macOS programs ask this of arbitrary pointers, so it never reports). */
static size_t mi_darwin_malloc_size(const void *p) {
  return _mi_usable_size_of(p, true, NULL);
}

typedef struct mi_interpose_s {
  const void *replacement;
  const void *replaced;
} mi_interpose_t;

#define MI_INTERPOSE(libc_name, ours) {(const void *)&ours, (const void *)&libc_name}

/* Read by dyld; `used` keeps it through dead stripping. */
__attribute__((used, section("__DATA,__interpose"))) static const mi_interpose_t mi_interposes[] = {
    MI_INTERPOSE(malloc, mi_malloc),
    MI_INTERPOSE(calloc, mi_calloc),
    MI_INTERPOSE(realloc, mi_realloc),
    MI_INTERPOSE(free, mi_free),
    MI_INTERPOSE(valloc, mi_valloc),
    MI_INTERPOSE(posix_memalign, mi_posix_memalign),
    MI_INTERPOSE(aligned_alloc, mi_aligned_alloc),
    MI_INTERPOSE(reallocf, mi_reallocf),
    MI_INTERPOSE(malloc_size, mi_darwin_malloc_size),
    MI_INTERPOSE(malloc_good_size, mi_good_size),
};

/* How many libc functions are interposed: a function the system lacks (a
 * weak import, such as aligned_alloc before macOS 10.15) reads as NULL.
 * Reading the table at run time also keeps it in the library with linkers
 * that drop what no code refers to, `used` or not (zig 0.11's). */
size_t _mi_darwin_interposed(void) {
  const volatile mi_interpose_t *table = mi_interposes;
  size_t n = 0;
  for (size_t i = 0; i < sizeof mi_interposes / sizeof mi_interposes[0]; i++)
    n += table[i].replaced != NULL;
  return n;
}
