/* fastpath.c - n pairs of malloc(32) and free on a page kept in use, each
 * block written once as programs do (a block freed unwritten still carries
 * the key of mialloc's double-free check and takes its slower path): run
 * under callgrind to count the fast paths (bench/fastpath.sh).  Built with
 * -DMI_API it calls mi_malloc/mi_free; otherwise malloc/free, which
 * LD_PRELOAD points at the allocator under test. */
#include <stdlib.h>
#ifdef MI_API
#include <mialloc.h>
#define malloc mi_malloc
#define free mi_free
#endif
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000000;
  void *keep = malloc(32); /* keeps the page in use: no retire per pair */
  void *volatile sink;
  for (int i = 0; i < n; i++) {
    char *p = malloc(32);
    *(void *volatile *)p = p;
    sink = p;
    free(p);
  }
  (void)sink;
  free(keep);
  return 0;
}
