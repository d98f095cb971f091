/* track.h - telling a memory checker which memory is a block: valgrind's
 * memcheck (configure --enable-valgrind: client requests) or AddressSanitizer
 * (when mialloc itself is compiled with -fsanitize=address: poisoning).
 * Without either, every call here is empty.
 *
 * To the checker a block in use is addressable: all of its usable size for
 * memcheck (what mi_usable_size grants), the requested size for ASan, whose
 * poisoned tail catches reads and writes past the request.  A free block is
 * not addressable, its header words (key and link, mi_block_t) included:
 * mialloc's own accesses to them open the header and close it again, through
 * the accessors below.  So a use after free or a read past a block is
 * reported where it happens, by the checker, with its stack. */
#ifndef MI_TRACK_H
#define MI_TRACK_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define MI_TRACK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MI_TRACK_ASAN 1
#endif
#endif

#if MI_TRACK_VALGRIND && MI_TRACK_ASAN
#error "--enable-valgrind and -fsanitize=address do not go together"
#endif

#if MI_TRACK_VALGRIND
#include <valgrind/memcheck.h>
#define MI_TRACKING 1
/* a block handed out: size bytes requested, usable granted */
#define mi_track_alloc(p, size, usable, zero) VALGRIND_MALLOCLIKE_BLOCK((p), (usable), 0, (zero))
#define mi_track_resize(p, size, usable) ((void)(p), (void)(size), (void)(usable))
/* a block resized in place or moved (mremap) without a malloc and free:
 * its contents stay defined */
#define mi_track_realloc(p, old_usable, q, size, usable)                                           \
  do {                                                                                             \
    if ((void *)(q) == (void *)(p)) {                                                              \
      VALGRIND_RESIZEINPLACE_BLOCK((p), (old_usable), (usable), 0);                                \
    } else {                                                                                       \
      VALGRIND_FREELIKE_BLOCK((p), 0);                                                             \
      VALGRIND_MALLOCLIKE_BLOCK((q), (usable), 0, 1);                                              \
    }                                                                                              \
  } while (0)
#define mi_track_free(p, usable) VALGRIND_FREELIKE_BLOCK((p), 0)
#define mi_track_open(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#define mi_track_close(p, n) VALGRIND_MAKE_MEM_NOACCESS((p), (n))
#elif MI_TRACK_ASAN
#include <sanitizer/asan_interface.h>
#define MI_TRACKING 1
#define mi_track_alloc(p, size, usable, zero) mi_track_resize((p), (size), (usable))
#define mi_track_resize(p, size, usable)                                                           \
  do {                                                                                             \
    ASAN_UNPOISON_MEMORY_REGION((p), (size));                                                      \
    ASAN_POISON_MEMORY_REGION((char *)(p) + (size), (usable) - (size));                            \
  } while (0)
#define mi_track_realloc(p, old_usable, q, size, usable) mi_track_resize((q), (size), (usable))
#define mi_track_free(p, usable) ASAN_POISON_MEMORY_REGION((p), (usable))
#define mi_track_open(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#define mi_track_close(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#else
#define MI_TRACKING 0
#define mi_track_alloc(p, size, usable, zero) ((void)(p), (void)(size), (void)(usable), (void)(zero))
#define mi_track_resize(p, size, usable) ((void)(p), (void)(size), (void)(usable))
#define mi_track_realloc(p, old_usable, q, size, usable)                                           \
  ((void)(p), (void)(old_usable), (void)(q), (void)(size), (void)(usable))
#define mi_track_free(p, usable) ((void)(p), (void)(usable))
#define mi_track_open(p, n) ((void)(p), (void)(n))
#define mi_track_close(p, n) ((void)(p), (void)(n))
#endif

/* The header of a free block, read and written by mialloc only through
 * these (plain loads and stores when nothing is tracked). */
#define mi_block_get(b, field)                                                                     \
  __extension__({                                                                                  \
    const mi_block_t *b_ = (b);                                                                    \
    mi_track_open(b_, sizeof *b_);                                                                 \
    __typeof__(b_->field) v_ = b_->field;                                                          \
    mi_track_close(b_, sizeof *b_);                                                                \
    v_;                                                                                            \
  })
#define mi_block_set(b, field, value)                                                              \
  do {                                                                                             \
    mi_block_t *b_ = (b);                                                                          \
    mi_track_open(b_, sizeof *b_);                                                                 \
    b_->field = (value);                                                                           \
    mi_track_close(b_, sizeof *b_);                                                                \
  } while (0)

#endif
