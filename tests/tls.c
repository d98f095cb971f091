/* tls.c - the TLS mechanism a build reports is the one configure chose, it
 * gives each thread its own heap, and in slot builds the slot really holds
 * the thread's heap. */
#include <mialloc.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls-slot.h"

static int failures;
#define CHECK(cond, ...)                                                                      \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      fprintf(stderr, "tls: %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);          \
      fprintf(stderr, __VA_ARGS__);                                                           \
      fputc('\n', stderr);                                                                    \
      failures++;                                                                             \
    }                                                                                         \
  } while (0)

static void *worker(void *arg) {
  mi_heap_t **out = arg;
  void *p = mi_malloc(100);
  memset(p, 1, 100);
  *out = mi_heap_get_default();
  if (mi_tls_slot() >= 0 && TLS_SLOT_SUPPORTED)
    CHECK(tls_slot_read(mi_tls_slot()) == (uintptr_t)*out, "slot does not hold the thread's heap");
  mi_free(p);
  return NULL;
}

int main(void) {
  const char *expect = getenv("MIALLOC_EXPECT_TLS");
  const char *expect_slot = getenv("MIALLOC_EXPECT_TLS_SLOT");
  printf("tls: mechanism %s, slot %ld, conflicts %zu\n", mi_tls_mechanism(), mi_tls_slot(),
         mi_tls_conflicts());
  if (expect != NULL)
    CHECK(strcmp(mi_tls_mechanism(), expect) == 0, "mechanism %s, configured %s", mi_tls_mechanism(), expect);
  if (expect_slot != NULL)
    CHECK(mi_tls_slot() == atol(expect_slot), "slot %ld, configured %s", mi_tls_slot(), expect_slot);
  CHECK(mi_tls_conflicts() == 0, "%zu conflicts without any other component", mi_tls_conflicts());

  mi_heap_t *mine = NULL, *theirs[4] = {NULL};
  (void)worker(&mine);
  pthread_t t[4];
  for (int i = 0; i < 4; i++)
    pthread_create(&t[i], NULL, worker, &theirs[i]);
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    CHECK(theirs[i] != NULL && theirs[i] != mine, "thread %d shares the main heap", i);
  }
  mi_heap_t *h = mi_heap_new();
  mi_heap_t *old = mi_heap_set_default(h);
  CHECK(mi_heap_get_default() == h, "set_default did not take");
  if (mi_tls_slot() >= 0 && TLS_SLOT_SUPPORTED)
    CHECK(tls_slot_read(mi_tls_slot()) == (uintptr_t)h, "slot does not follow mi_heap_set_default");
  void *p = mi_malloc(64);
  CHECK(mi_heap_contains_block(h, p), "allocation did not come from the new default heap");
  mi_free(p);
  mi_heap_set_default(old);
  mi_heap_delete(h);
  CHECK(mi_heap_get_default() == old, "default heap not restored");
  return failures == 0 ? 0 : 1;
}
