/* tls-dlo.c - a plug-in linked with libmialloc, for tests/tls-dlopen. */
#include <mialloc.h>

#include <string.h>

__attribute__((visibility("default"))) int dlo_churn(unsigned seed);
__attribute__((visibility("default"))) const char *dlo_mechanism(void);

int dlo_churn(unsigned seed) {
  enum { N = 500 };
  char *b[N];
  for (int i = 0; i < N; i++) {
    seed = seed * 1103515245u + 12345u;
    size_t n = seed % 4000 + 1;
    b[i] = mi_malloc(n);
    if (b[i] == NULL)
      return 0;
    memset(b[i], i & 0xff, n);
  }
  for (int i = 0; i < N; i++) {
    if (b[i][0] != (char)(i & 0xff))
      return 0;
    mi_free(b[i]);
  }
  return 1;
}

const char *dlo_mechanism(void) {
  return mi_tls_mechanism();
}
