/* timeit.c - run a command, report wall time and peak RSS.
 *
 * Usage: timeit [-p PRELOAD] [-o FILE] [-t SECONDS] [--] command [args...]
 *
 * Forks, sets LD_PRELOAD=PRELOAD in the child only (so the measuring
 * process itself never runs on the allocator under test), execs the
 * command and waits for it with wait4().  Then writes one line
 *
 *     wall_seconds max_rss_kib exit_status
 *
 * to FILE (default: stderr).  exit_status is the child's exit code, or
 * 128 + signal number if it was killed by a signal; timeit exits with the
 * same status (127 if the command could not be executed).  With -t the
 * command is killed with SIGKILL after SECONDS of wall time (status 137),
 * so a deadlocked allocator cannot hang the benchmark run.
 *
 * Part of the mialloc benchmark suite (bench/run.sh).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE 1

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_timed_out;

static void on_alarm(int sig)
{
    (void)sig;
    g_timed_out = 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: timeit [-p PRELOAD] [-o FILE] [-t SECONDS] [--] command [args...]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *preload = NULL, *outfile = NULL;
    unsigned timeout = 0;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
            preload = argv[++i];
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            outfile = argv[++i];
        } else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
            timeout = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (argv[i][0] == '-') {
            usage();
        } else {
            break;
        }
    }
    if (i >= argc)
        usage();

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("timeit: fork");
        return 127;
    }
    if (pid == 0) {
        if (preload != NULL && preload[0] != '\0')
            setenv("LD_PRELOAD", preload, 1);
        execvp(argv[i], &argv[i]);
        fprintf(stderr, "timeit: cannot execute %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }

    if (timeout > 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_alarm;       /* no SA_RESTART: wait4 gets EINTR */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, NULL);
        alarm(timeout);
    }

    int status = 0;
    struct rusage ru;
    pid_t w;
    int killed = 0;
    for (;;) {
        w = wait4(pid, &status, 0, &ru);
        if (w >= 0 || errno != EINTR)
            break;
        if (g_timed_out && !killed) {
            fprintf(stderr, "timeit: %s timed out after %u s, killing it\n", argv[i], timeout);
            kill(pid, SIGKILL);
            killed = 1;
        }
    }
    alarm(0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (w < 0) {
        perror("timeit: wait4");
        return 127;
    }

    int code;
    if (WIFEXITED(status))
        code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        code = 128 + WTERMSIG(status);
    else
        code = 127;

    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    FILE *out = stderr;
    if (outfile != NULL) {
        out = fopen(outfile, "w");
        if (out == NULL) {
            perror("timeit: cannot open output file");
            return 127;
        }
    }
    /* ru_maxrss is in KiB on Linux. */
    fprintf(out, "%.6f %ld %d\n", wall, (long)ru.ru_maxrss, code);
    if (out != stderr)
        fclose(out);
    return code;
}
