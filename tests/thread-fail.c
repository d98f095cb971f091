/* thread-fail.c - a process started under a 200 MiB address-space limit
 * (RLIMIT_AS, as glibc's tst-malloc-thread-fail sets it) starts threads,
 * and a thread that allocates until nothing is left gets NULL and ENOMEM;
 * after it freed everything, threads start again.  mialloc must reserve
 * address space in proportion to what it uses: a reservation at start
 * larger than the limit would leave no room for the threads' stacks.
 * Plain libc names: run with the override; skips without it.  The limit
 * is set once mialloc runs, as a program would set it (glibc's test too). */
#define _GNU_SOURCE
#include "config.h"

#include <mialloc.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define LIMIT ((rlim_t)200 << 20)
#define THREADS 4

static void *small_work(void *arg) {
  (void)arg;
  for (int i = 0; i < 10000; i++) {
    void *p = malloc((size_t)(i % 2000) + 1);
    if (p == NULL)
      return (void *)1;
    free(p);
  }
  return NULL;
}

/* Allocates blocks of every size class until malloc fails: ENOMEM, and
 * the memory is usable up to then; frees them all. */
static void *exhaust(void *arg) {
  (void)arg;
  enum { MAX = 1 << 16 };
  static void *blocks[MAX];
  size_t n = 0, bytes = 0;
  /* large blocks, three to a segment (a secure build's trailer would make 1 MiB a huge one) */
  const size_t sizes[] = {(1u << 20) - (MI_SECURE ? 8 : 0), 100000, 5000, 64};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    for (; n < MAX; n++) {
      errno = 0;
      char *p = malloc(sizes[s]);
      if (p == NULL)
        break;
      p[0] = 1;
      p[sizes[s] - 1] = 2;
      blocks[n] = p;
      bytes += sizes[s];
    }
    if (n < MAX && errno != ENOMEM) {
      fprintf(stderr, "thread-fail: FAIL: malloc(%zu) failed with errno %d, not ENOMEM\n", sizes[s], errno);
      return (void *)1;
    }
  }
  printf("thread-fail: %zu blocks, %zu MiB, before ENOMEM\n", n, bytes >> 20);
  for (size_t i = 0; i < n; i++)
    free(blocks[i]);
  return n == MAX || bytes < (16u << 20) ? (void *)1 : NULL; /* it was a limit, not a failure */
}

/* THREADS threads running fn; 0, or 1 with what failed said */
static int run_threads(void *(*fn)(void *), const char *what) {
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) {
    int err = pthread_create(&t[i], NULL, fn, NULL);
    if (err != 0) {
      fprintf(stderr, "thread-fail: FAIL: %s: thread %d not created: %s\n", what, i, strerror(err));
      return 1;
    }
  }
  int failed = 0;
  for (int i = 0; i < THREADS; i++) {
    void *r;
    pthread_join(t[i], &r);
    failed |= r != NULL;
  }
  if (failed)
    fprintf(stderr, "thread-fail: FAIL: %s: a thread failed\n", what);
  return failed;
}

int main(void) {
  const char *emulator = getenv("MIALLOC_TEST_EMULATOR");
  if (emulator != NULL && *emulator != '\0') {
    /* qemu-user maps the guest's memory itself: RLIMIT_AS limits qemu */
    printf("thread-fail: skipped: under an emulator (%s), RLIMIT_AS limits the emulator, not the program\n", emulator);
    return 77;
  }
  void *probe = malloc(16);
  if (!mi_check_owned(probe)) {
    puts("thread-fail: skipped: malloc is not mialloc's (no override)");
    return 77;
  }
  free(probe);
  struct rlimit rl = {LIMIT, LIMIT};
  if (setrlimit(RLIMIT_AS, &rl) != 0) {
    perror("thread-fail: setrlimit");
    return 99;
  }
  alarm(60);
  if (run_threads(small_work, "at start"))
    return 1;
  /* heaps live in a region that grows as they are made */
  enum { HEAPS = 1000 };
  static mi_heap_t *heaps[HEAPS];
  for (int i = 0; i < HEAPS; i++) {
    heaps[i] = mi_heap_new();
    if (heaps[i] == NULL || mi_heap_malloc(heaps[i], 100) == NULL) {
      fprintf(stderr, "thread-fail: FAIL: heap %d: %s\n", i, strerror(errno));
      return 1;
    }
  }
  for (int i = 0; i < HEAPS; i++)
    mi_heap_destroy(heaps[i]);
  pthread_t t;
  void *r = (void *)1;
  if (pthread_create(&t, NULL, exhaust, NULL) != 0 || pthread_join(t, &r) != 0 || r != NULL) {
    fprintf(stderr, "thread-fail: FAIL: exhausting the limit in a thread\n");
    return 1;
  }
  if (run_threads(small_work, "after the limit was reached and the memory freed"))
    return 1;
  puts("thread-fail: threads start under a 200 MiB RLIMIT_AS; malloc fails with ENOMEM at the limit");
  return 0;
}
