/* fastpath.c - n pairs of mi_malloc(32) and mi_free on a page kept in use:
 * run under callgrind to count the fast paths (see README.md). */
#include <mialloc.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000000;
  void *keep = mi_malloc(32);  /* keeps the page in use: no retire per pair */
  void *volatile sink;
  for (int i = 0; i < n; i++) { void *p = mi_malloc(32); sink = p; mi_free(p); }
  (void)sink; mi_free(keep);
  return 0;
}
