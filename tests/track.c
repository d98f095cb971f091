/* track.c - one seeded bug in a mialloc block, for tests/track.sh to show
 * that a memory checker sees it: valgrind's memcheck with a build made
 * with --enable-valgrind, AddressSanitizer when mialloc is compiled with
 * -fsanitize=address.
 *
 *   track kind       prints valgrind, asan or none: what this build tells
 *   track clean      no bug
 *   track uaf        reads a block after freeing it
 *   track overflow   reads past the 60 bytes requested: the byte after
 *                    them for ASan, after the 64 granted for memcheck
 *   track uninit     branches on a byte malloc left uninitialised
 *   track leak       loses a block */
#include "config.h"

#include <mialloc.h>

#include <stdio.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define KIND "asan"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KIND "asan"
#endif
#endif
#ifndef KIND
#if MI_TRACK_VALGRIND
#define KIND "valgrind"
#else
#define KIND "none"
#endif
#endif

static void *volatile sink;

/* A block no pointer reaches once this returns (a function of its own, so
 * that no copy of the pointer stays in main's frame). */
static __attribute__((noinline)) void lose_block(void) {
  sink = mi_malloc(100);
  memset(sink, 3, 100);
  sink = NULL;
}

static __attribute__((noinline)) void clobber_stack(void) {
  volatile char junk[4096];
  memset((char *)junk, 0, sizeof junk);
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "clean";
  if (strcmp(what, "kind") == 0) {
    puts(KIND);
    return 0;
  }
  /* a page in use around the block, as in a real program */
  void *neighbours[8];
  for (int i = 0; i < 8; i++)
    memset(neighbours[i] = mi_malloc(64), 1, 64);
  unsigned char *p = mi_malloc(64);
  memset(p, 7, 64);
  int result = 0;
  if (strcmp(what, "uaf") == 0) {
    mi_free(p);
    result = ((volatile unsigned char *)p)[32];
    p = NULL;
  } else if (strcmp(what, "overflow") == 0) {
    unsigned char *q = mi_malloc(60);
    memset(q, 9, 60);
    unsigned char *volatile laundered = q; /* no object size for UBSan: ASan is what is tested */
    /* memcheck grants the usable size: 64, the size asked for in a secure build */
    result = ((volatile unsigned char *)laundered)[strcmp(KIND, "asan") == 0 || MI_SECURE ? 60 : 64];
    mi_free(q);
  } else if (strcmp(what, "uninit") == 0) {
    unsigned char *q = mi_malloc(48);
    if (q[40] == 42) /* never written */
      result = 1;
    mi_free(q);
  } else if (strcmp(what, "leak") == 0) {
    lose_block();
    clobber_stack();
  } else if (strcmp(what, "clean") != 0) {
    fprintf(stderr, "track: unknown case '%s'\n", what);
    return 2;
  }
  mi_free(p);
  for (int i = 0; i < 8; i++)
    mi_free(neighbours[i]);
  printf("%s done (%d)\n", what, result);
  return 0;
}
