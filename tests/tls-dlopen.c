/* tls-dlopen.c - a program that is not linked with mialloc loads, with
 * dlopen, a library that is (tests/libtlsdlo.so), and uses it from several
 * threads.  The dlopen-safe mechanisms (dynamic, pthread, slot) must allow
 * this at any time; initial-exec builds are skipped (77). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int (*dlo_churn)(unsigned);
static const char *(*dlo_mechanism)(void);

static void *worker(void *arg) {
  for (unsigned r = 0; r < 20; r++)
    if (!dlo_churn((unsigned)(uintptr_t)arg + r))
      return "allocation through the dlopen'ed library failed";
  return NULL;
}

int main(void) {
  const char *top = getenv("top_builddir");
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/.libs/libtlsdlo.so", top != NULL ? top : ".");
  if (access(path, F_OK) != 0) {
    printf("tls-dlopen: no %s (shared libraries disabled?): skipped\n", path);
    return 77;
  }
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  const char *expect = getenv("MIALLOC_EXPECT_TLS");
  if (lib == NULL && expect != NULL && strcmp(expect, "initial-exec") == 0) {
    /* glibc has room for it; musl refuses any initial-exec TLS in dlopen */
    printf("tls-dlopen: this C library does not dlopen initial-exec TLS (%s): skipped\n", dlerror());
    return 77;
  }
  if (lib == NULL) {
    fprintf(stderr, "tls-dlopen: %s\n", dlerror());
    return 1;
  }
  *(void **)&dlo_churn = dlsym(lib, "dlo_churn");
  *(void **)&dlo_mechanism = dlsym(lib, "dlo_mechanism");
  if (dlo_churn == NULL || dlo_mechanism == NULL) {
    fprintf(stderr, "tls-dlopen: %s\n", dlerror());
    return 99;
  }
  if (strcmp(dlo_mechanism(), "initial-exec") == 0) {
    printf("tls-dlopen: initial-exec is not dlopen-safe by design: skipped\n");
    return 77;
  }
  pthread_t t[4];
  int failed = !dlo_churn(1);
  for (int i = 0; i < 4; i++)
    pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 10));
  for (int i = 0; i < 4; i++) {
    void *why = NULL;
    pthread_join(t[i], &why);
    if (why != NULL) {
      fprintf(stderr, "tls-dlopen: thread %d: %s\n", i, (const char *)why);
      failed = 1;
    }
  }
  printf("tls-dlopen: %s library loaded late and used from 5 threads\n", dlo_mechanism());
  return failed;
}
