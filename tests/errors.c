/* errors.c - the errors a program makes, one scenario per run, named by
 * argv[1]; tests/errors.sh checks what mialloc prints and how the process
 * ends.  Frees through libc's names (free, realloc, malloc_usable_size)
 * reach mialloc when it overrides them; the "libc-" scenarios are skipped
 * by the script otherwise.  The handler installed with mi_register_error
 * prints each error code it gets on stdout. */
#include <mialloc.h>

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_error(int err, void *arg) {
  (void)arg;
  printf("handler: %s\n", err == EINVAL ? "EINVAL" : err == EAGAIN ? "EAGAIN" : err == EFAULT ? "EFAULT" : "other");
  fflush(stdout);
}

/* Not a block of any allocator's: the compiler must not see that. */
static void *not_a_block(void) {
  static long local[4];
  void *volatile p = &local[1];
  return p;
}

int main(int argc, char **argv) {
  if (argc != 2)
    return 99;
  const char *s = argv[1];
  mi_register_error(on_error, NULL);
  if (!strcmp(s, "mi-free")) { /* invalid pointer: corruption, printed by default */
    mi_free(not_a_block());
  } else if (!strcmp(s, "mi-free-5")) {
    for (int i = 0; i < 5; i++)
      mi_free(not_a_block());
  } else if (!strcmp(s, "alignment")) { /* misuse: printed only with SHOW_ERRORS */
    if (mi_malloc_aligned(64, 24) != NULL)
      return 1;
  } else if (!strcmp(s, "libc-free")) {
    free(not_a_block());
  } else if (!strcmp(s, "libc-realloc")) {
    if (realloc(not_a_block(), 64) != NULL)
      return 1;
  } else if (!strcmp(s, "libc-usable-size")) {
    if (malloc_usable_size(not_a_block()) != 0)
      return 1;
  } else if (!strcmp(s, "double-free")) { /* EAGAIN: small and huge blocks */
    size_t sizes[] = {32, 3u << 20};
    for (int i = 0; i < 2; i++) {
      void *keep = mi_malloc(sizes[i]), *p = mi_malloc(sizes[i]);
      memset(p, 1, sizes[i]); /* a block never written may be caught later only (mi_free(3)) */
      mi_free(p);
      mi_free(p);
      mi_free(keep);
    }
  } else if (!strcmp(s, "libc-double-free")) {
    /* through pointers: the compiler may drop a malloc and free it sees */
    void *(*volatile alloc)(size_t) = malloc;
    void (*volatile release)(void *) = free;
    void *keep = alloc(32), *p = alloc(32);
    memset(p, 1, 32);
    release(p);
    release(p);
    release(keep);
  } else if (!strcmp(s, "none")) {
    mi_free(mi_malloc(10));
  } else {
    return 99;
  }
  puts("returned");
  return 0;
}
