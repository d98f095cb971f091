/* fork-stdio.c - fork while other threads are inside stdio, which calls
 * malloc with a FILE's lock held (getline), and walks every FILE with
 * the list lock held (fflush(NULL)), as glibc's tst-malloc-fork-deadlock
 * has them.  glibc's fork takes the list lock after the fork handlers ran;
 * if mialloc's handler kept its locks until then, getline (FILE lock held,
 * waiting for mialloc), fflush (list lock held, waiting for that FILE)
 * and fork (mialloc's locks held, waiting for the list) would close a
 * cycle.  Plain libc names: run with the override (linked in, or
 * preloaded); skips without it.  A hang is killed by alarm(). */
#define _GNU_SOURCE
#include <mialloc.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE (3u << 20) /* getline grows its buffer to huge blocks: segments come and go */

static atomic_bool stop;
static char *text;

/* getline: the FILE's lock held while the line buffer grows */
static void *reader(void *arg) {
  (void)arg;
  while (!atomic_load(&stop)) {
    FILE *f = fmemopen(text, LINE + 1, "r");
    if (f == NULL)
      continue;
    char *line = NULL;
    size_t n = 0;
    if (getline(&line, &n, f) < 0)
      fprintf(stderr, "fork-stdio: getline: %s\n", strerror(errno));
    free(line);
    fclose(f);
  }
  return NULL;
}

/* fflush(NULL): the list lock held, each FILE's lock taken in turn */
static void *flusher(void *arg) {
  (void)arg;
  while (!atomic_load(&stop))
    fflush(NULL);
  return NULL;
}

/* large blocks freed and allocated: the cache's lock taken often */
static void *churn(void *arg) {
  (void)arg;
  while (!atomic_load(&stop)) {
    void *p = malloc(5u << 20);
    free(p);
  }
  return NULL;
}

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "fork-stdio: FAIL: hung (a fork, getline and fflush deadlock)\n";
  (void)!write(2, msg, sizeof msg - 1);
  _exit(1);
}

int main(void) {
  void *probe = malloc(16);
  if (!mi_check_owned(probe)) {
    puts("fork-stdio: skipped: malloc is not mialloc's (no override)");
    return 77;
  }
  free(probe);
  signal(SIGALRM, on_alarm);
  alarm(20);
  text = malloc(LINE + 1);
  memset(text, 'x', LINE);
  text[LINE - 1] = '\n';
  text[LINE] = 0;
  enum { READERS = 2, FLUSHERS = 2, CHURNS = 1 };
  pthread_t t[READERS + FLUSHERS + CHURNS];
  int n = 0;
  for (int i = 0; i < READERS; i++)
    pthread_create(&t[n++], NULL, reader, NULL);
  for (int i = 0; i < FLUSHERS; i++)
    pthread_create(&t[n++], NULL, flusher, NULL);
  for (int i = 0; i < CHURNS; i++)
    pthread_create(&t[n++], NULL, churn, NULL);
  int forks = 0;
  for (time_t end = time(NULL) + 3; time(NULL) < end; forks++) {
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork-stdio: fork");
      return 1;
    }
    if (pid == 0) {
      /* the child allocates: its locks must be usable */
      void *p = malloc(5u << 20), *q = malloc(100);
      _exit(p != NULL && q != NULL ? 0 : 2);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "fork-stdio: FAIL: child %d ended with status %#x\n", forks, status);
      return 1;
    }
  }
  atomic_store(&stop, true);
  for (int i = 0; i < n; i++)
    pthread_join(t[i], NULL);
  printf("fork-stdio: %d forks beside %d getline, %d fflush(NULL) and %d malloc threads\n", forks, READERS,
         FLUSHERS, CHURNS);
  return 0;
}
