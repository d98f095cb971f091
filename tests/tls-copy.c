/* tls-copy.c - one private copy of mialloc in a shared object: built twice
 * (COPY=1 and COPY=2), each linked with the allocator's static objects and
 * exporting only its copyN_* functions, as two libraries that each bundle
 * libmialloc.a would be. */
#include <mialloc.h>

#include <stdint.h>
#include <string.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define NAME(x) CAT(CAT(copy, COPY), _##x)
#define EXPORT __attribute__((visibility("default")))

EXPORT void *NAME(heap)(void);
EXPORT int NAME(churn)(unsigned seed);
EXPORT void *NAME(alloc)(size_t n);
EXPORT int NAME(owns)(const void *p);
EXPORT void NAME(release)(void *p);
EXPORT const char *NAME(mechanism)(void);
EXPORT size_t NAME(conflicts)(void);

void *NAME(heap)(void) {
  return mi_heap_get_default();
}

/* Allocates, fills, checks and frees a few thousand blocks; 1 if all well. */
int NAME(churn)(unsigned seed) {
  enum { N = 1000 };
  unsigned char *b[N];
  size_t n[N];
  for (int i = 0; i < N; i++) {
    seed = seed * 1103515245u + 12345u;
    n[i] = seed % 2000 + 1;
    b[i] = mi_malloc(n[i]);
    if (b[i] == NULL)
      return 0;
    memset(b[i], (int)(n[i] & 0xff), n[i]);
  }
  for (int i = 0; i < N; i++) {
    for (size_t k = 0; k < n[i]; k += 97)
      if (b[i][k] != (unsigned char)(n[i] & 0xff))
        return 0;
    if (!mi_check_owned(b[i]))
      return 0;
    mi_free(b[i]);
  }
  return 1;
}

void *NAME(alloc)(size_t n) {
  return mi_malloc(n);
}

int NAME(owns)(const void *p) {
  return mi_check_owned(p);
}

void NAME(release)(void *p) {
  mi_free(p);
}

const char *NAME(mechanism)(void) {
  return mi_tls_mechanism();
}

size_t NAME(conflicts)(void) {
  return mi_tls_conflicts();
}
