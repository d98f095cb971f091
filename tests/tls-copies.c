/* tls-copies.c - two copies of mialloc in one process, each bundled into its
 * own shared object (tests/libtlscopy1.so, libtlscopy2.so), used by the same
 * threads in turn: both must work, and neither may adopt the other's heap
 * (with --with-tls=slot they share one slot: the second to touch it must
 * notice the first one's value and fall back, not use it). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct copy_s {
  void *(*heap)(void);
  int (*churn)(unsigned);
  void *(*alloc)(size_t);
  int (*owns)(const void *);
  void (*release)(void *);
  const char *(*mechanism)(void);
  size_t (*conflicts)(void);
} copy_t;

static copy_t copies[2];

static void *sym(void *lib, int n, const char *name) {
  char full[64];
  snprintf(full, sizeof full, "copy%d_%s", n, name);
  void *f = dlsym(lib, full);
  if (f == NULL) {
    fprintf(stderr, "tls-copies: %s\n", dlerror());
    exit(99);
  }
  return f;
}

static void load(int n, const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/libtlscopy%d.so", dir, n);
  if (access(path, F_OK) != 0) {
    printf("tls-copies: no %s (shared libraries disabled?): skipped\n", path);
    exit(77);
  }
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  const char *expect = getenv("MIALLOC_EXPECT_TLS");
  if (lib == NULL && expect != NULL && strcmp(expect, "initial-exec") == 0) {
    /* glibc has room for it; musl refuses any initial-exec TLS in dlopen */
    printf("tls-copies: this C library does not dlopen initial-exec TLS (%s): skipped\n", dlerror());
    exit(77);
  }
  if (lib == NULL) {
    fprintf(stderr, "tls-copies: %s\n", dlerror());
    exit(99);
  }
  copy_t *c = &copies[n - 1];
  *(void **)&c->heap = sym(lib, n, "heap");
  *(void **)&c->churn = sym(lib, n, "churn");
  *(void **)&c->alloc = sym(lib, n, "alloc");
  *(void **)&c->owns = sym(lib, n, "owns");
  *(void **)&c->release = sym(lib, n, "release");
  *(void **)&c->mechanism = sym(lib, n, "mechanism");
  *(void **)&c->conflicts = sym(lib, n, "conflicts");
}

static void *worker(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg;
  int first = (int)(seed % 2); /* half the threads start with copy 2 */
  for (int round = 0; round < 20; round++) {
    for (int k = 0; k < 2; k++) {
      copy_t *c = &copies[(first + k) % 2];
      if (!c->churn(seed + (unsigned)round))
        return "a copy failed to allocate, or corrupted contents";
    }
    void *a = copies[0].alloc(100), *b = copies[1].alloc(100);
    if (a == NULL || b == NULL)
      return "allocation failed";
    if (copies[0].heap() == copies[1].heap())
      return "the two copies use the same heap";
    if (copies[0].owns(b) || copies[1].owns(a))
      return "one copy claims the other's block";
    if (!copies[0].owns(a) || !copies[1].owns(b))
      return "a copy does not recognise its own block";
    copies[0].release(a);
    copies[1].release(b);
  }
  return NULL;
}

int main(void) {
  const char *top = getenv("top_builddir");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/tests/.libs", top != NULL ? top : ".");
  load(1, dir);
  load(2, dir);
  pthread_t t[4];
  for (int i = 0; i < 4; i++)
    pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1));
  int failed = 0;
  for (int i = 0; i < 4; i++) {
    void *why = NULL;
    pthread_join(t[i], &why);
    if (why != NULL) {
      fprintf(stderr, "tls-copies: thread %d: %s\n", i, (const char *)why);
      failed = 1;
    }
  }
  printf("tls-copies: copy 1: %s (%zu conflicts), copy 2: %s (%zu conflicts)\n", copies[0].mechanism(),
         copies[0].conflicts(), copies[1].mechanism(), copies[1].conflicts());
  return failed;
}
