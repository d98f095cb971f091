/* fork.c - fork from a multi-threaded process: the child must find a usable
 * allocator, whatever the other threads were doing at the moment of fork. */
#include <mialloc.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_feature)
#define MI_CLANG_TSAN __has_feature(thread_sanitizer)
#else
#define MI_CLANG_TSAN 0
#endif

static atomic_bool stop;
static atomic_int started;

static void *churn(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg;
  void *keep[64] = {0};
  keep[0] = mi_malloc(1);
  atomic_fetch_add(&started, 1);
  while (!atomic_load(&stop)) {
    size_t i = rand_r(&seed) % 64;
    mi_free(keep[i]);
    keep[i] = mi_malloc(rand_r(&seed) % 5000 + 1);
    if (rand_r(&seed) % 64 == 0)
      mi_collect(false); /* exercises the locks that fork must handle */
  }
  for (size_t i = 0; i < 64; i++)
    mi_free(keep[i]);
  return NULL;
}

/* In the child: allocate, check, free, from the forking thread and a new one. */
static void *child_work(void *arg) {
  (void)arg;
  for (int round = 0; round < 200; round++) {
    char *blocks[100];
    for (int i = 0; i < 100; i++) {
      size_t n = (size_t)(i * 37 % 3000 + 1);
      blocks[i] = mi_malloc(n);
      if (blocks[i] == NULL)
        return (void *)1;
      memset(blocks[i], i, n);
    }
    for (int i = 0; i < 100; i++) {
      if (blocks[i][0] != (char)i)
        return (void *)1;
      mi_free(blocks[i]);
    }
  }
  return NULL;
}

int main(void) {
  enum { THREADS = 3, FORKS = 20 };
#if defined(__SANITIZE_THREAD__) || MI_CLANG_TSAN
  puts("fork: skipped: ThreadSanitizer does not support threads in the child of a multi-threaded fork");
  return 77;
#endif
  pthread_t threads[THREADS];
  for (int i = 0; i < THREADS; i++)
    pthread_create(&threads[i], NULL, churn, (void *)(uintptr_t)(i + 1));
  /* Fork only once every thread runs mialloc code: a thread still starting
   * may hold a lock of libc or of a sanitizer runtime (ASan's allocator in
   * gcc 12 has no fork handlers), which would hang the child, not mialloc. */
  while (atomic_load(&started) < THREADS)
    sched_yield();
  for (int f = 0; f < FORKS; f++) {
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 1;
    }
    if (pid == 0) {
      if (child_work(NULL) != NULL)
        _exit(2);
      pthread_t t;
      void *r = (void *)1;
      if (pthread_create(&t, NULL, child_work, NULL) != 0 || pthread_join(t, &r) != 0 || r != NULL)
        _exit(3);
      _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "fork %d: child failed (status 0x%x)\n", f, status);
      return 1;
    }
  }
  atomic_store(&stop, true);
  for (int i = 0; i < THREADS; i++)
    pthread_join(threads[i], NULL);
  printf("fork: %d children of a %d-thread process allocated correctly\n", FORKS, THREADS + 1);
  return 0;
}
