/* fork-signal.c - fork() from a signal handler that interrupted malloc or
 * free, maybe inside one of mialloc's locked sections, as glibc's
 * tst-mallocfork2 does it: another process sends the signals, so that
 * this one stays single-threaded (fork is async-signal-safe there).  A
 * fork handler that waited for mialloc's locks would wait for the thread
 * it runs on.  The child allocates a huge block (the cache's lock, which
 * the interrupted code may hold: the child must find it usable) and exits;
 * the parent goes on allocating.
 * Plain libc names: run with the override; skips without it.  A hang is
 * killed by alarm(). */
#define _GNU_SOURCE
#include <mialloc.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t forks, failures;

static void on_signal(int sig) {
  (void)sig;
  int saved = errno;
  pid_t pid = fork();
  if (pid == 0)
    _exit(malloc(6u << 20) != NULL ? 0 : 2);
  int status;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    failures++;
  forks++;
  errno = saved;
}

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "fork-signal: FAIL: hung (fork in a signal handler that interrupted malloc)\n";
  (void)!write(2, msg, sizeof msg - 1);
  _exit(1);
}

int main(void) {
  void *probe = malloc(16);
  if (!mi_check_owned(probe)) {
    puts("fork-signal: skipped: malloc is not mialloc's (no override)");
    return 77;
  }
  free(probe);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  signal(SIGALRM, on_alarm);
  alarm(20);
  pid_t me = getpid(), sender = fork();
  if (sender == 0) {
    for (;;) {
      if (kill(me, SIGUSR1) != 0)
        _exit(0);
      usleep(200);
    }
  }
  /* huge blocks and small ones: the cache's and the segments' locked
   * sections, and the fast paths between them */
  unsigned long rounds = 0;
  void *keep[16] = {0};
  for (time_t end = time(NULL) + 3; time(NULL) < end || forks < 200; rounds++) {
    size_t i = rounds % 16;
    free(keep[i]);
    keep[i] = malloc(rounds % 3 == 0 ? (4u << 20) + rounds % 4096 : rounds % 5000 + 1);
    if (keep[i] == NULL) {
      fprintf(stderr, "fork-signal: FAIL: malloc: %s\n", strerror(errno));
      return 1;
    }
  }
  kill(sender, SIGKILL);
  waitpid(sender, NULL, 0);
  for (size_t i = 0; i < 16; i++)
    free(keep[i]);
  if (failures != 0) {
    fprintf(stderr, "fork-signal: FAIL: %d of %d children failed\n", (int)failures, (int)forks);
    return 1;
  }
  printf("fork-signal: %d forks from a signal handler during %lu mallocs\n", (int)forks, rounds);
  return 0;
}
