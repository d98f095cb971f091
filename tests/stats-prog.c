/* stats-prog.c - known allocations for tests/stats.sh, which reads the
 * statistics they leave (JSON, parsed with python3) and the report at exit.
 *
 *   stats-prog counts BEFORE AFTER   the JSON of mi_stats_get_json before
 *                                    and after a known set of calls
 *   stats-prog none                  exits without allocating
 *   stats-prog exit                  allocates a little and exits
 *   stats-prog peak JSON             10 MiB in 64-byte blocks, freed (half
 *                                    of them by another thread), then
 *                                    8 MiB in 16 KiB blocks: the JSON
 *
 * Prints its pid on stdout.  Writes with write(2) from static buffers, so
 * that the measured phase allocates nothing but what it means to. */
#include "config.h"

#include <mialloc.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char json[1 << 17];

static void save_json(const char *path) {
  if (mi_stats_get_json(sizeof json, json) == NULL) {
    perror("mi_stats_get_json");
    exit(1);
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, json, strlen(json)) != (ssize_t)strlen(json) || close(fd) != 0) {
    perror(path);
    exit(1);
  }
}

#define REMOTE 200
#define LEFT 10
static void *remote[REMOTE];
static pthread_barrier_t go;

/* Frees the main thread's blocks (cross-thread frees), allocates LEFT
 * blocks of 2000 bytes and exits with them (an exited thread's blocks). */
static void *worker(void *arg) {
  (void)arg;
  pthread_barrier_wait(&go);
  for (int i = 0; i < REMOTE; i++)
    mi_free(remote[i]);
  for (int i = 0; i < LEFT; i++)
    if (mi_malloc(2000) == NULL)
      exit(1);
  return NULL;
}

static void *kept[1000];
static void *zeroed[100];

static int counts(const char *before, const char *after) {
  pthread_t t;
  pthread_barrier_init(&go, NULL, 2);
  if (pthread_create(&t, NULL, worker, NULL) != 0)
    return 1;
  save_json(before);
  for (int i = 0; i < 1000; i++)
    kept[i] = mi_malloc(40);
  for (int i = 0; i < 1000; i += 2)
    mi_free(kept[i]);
  for (int i = 0; i < 100; i++)
    zeroed[i] = mi_calloc(MI_SECURE ? 9 : 10, 8); /* 80-byte blocks (secure: with an 8-byte trailer) */
  for (int i = 1; i < 100; i += 2)
    kept[i] = mi_realloc(kept[i], 200); /* moves: 48-byte blocks to 224-byte ones */
  for (int i = 0; i < REMOTE; i++)
    remote[i] = mi_malloc(100);
  void *huge1 = mi_malloc(3 << 20), *huge2 = mi_malloc(3 << 20);
  mi_free(huge2);
  pthread_barrier_wait(&go);
  pthread_join(t, NULL);
  save_json(after);
  if (huge1 == NULL || kept[1] == NULL || zeroed[0] == NULL)
    return 1;
  /* the interface that allocates: a block of mialloc, freed with mi_free */
  char *copy = mi_stats_get_json(0, NULL);
  if (copy == NULL || strstr(copy, "\"schema_version\"") == NULL)
    return 1;
  mi_free(copy);
  return 0;
}

#define PEAK_BLOCKS (10 * 1024 * 1024 / 64)
/* requests that fill 64-byte and 16 KiB blocks exactly, also in a secure
 * build, whose blocks end in an 8-byte trailer (src/canary.h) */
#define TRAILER (MI_SECURE ? 8 : 0)
static void *peak_blocks[PEAK_BLOCKS];

static void *free_upper_half(void *arg) {
  (void)arg;
  for (int i = PEAK_BLOCKS / 2; i < PEAK_BLOCKS; i++)
    mi_free(peak_blocks[i]);
  return NULL;
}

static int peak(const char *path) {
  for (int i = 0; i < PEAK_BLOCKS; i++) {
    if ((peak_blocks[i] = mi_malloc(64 - TRAILER)) == NULL)
      return 1;
    if (i % 2 == 0) /* used, as most blocks are; untouched ones keep the free list's key */
      memset(peak_blocks[i], i, 64 - TRAILER);
  }
  pthread_t t;
  if (pthread_create(&t, NULL, free_upper_half, NULL) != 0)
    return 1;
  for (int i = 0; i < PEAK_BLOCKS / 2; i++)
    mi_free(peak_blocks[i]);
  pthread_join(t, NULL);
  for (int i = 0; i < 8 * 64; i++) /* a free not counted would show in the peak */
    if ((peak_blocks[i] = mi_malloc(16 * 1024 - TRAILER)) == NULL)
      return 1;
  save_json(path);
  return 0;
}

int main(int argc, char **argv) {
  char pid[32];
  snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  if (write(1, pid, strlen(pid)) < 0)
    return 1;
  if (argc == 4 && strcmp(argv[1], "counts") == 0)
    return counts(argv[2], argv[3]);
  if (argc == 3 && strcmp(argv[1], "peak") == 0)
    return peak(argv[2]);
  if (argc == 2 && strcmp(argv[1], "none") == 0)
    return 0;
  if (argc == 2 && strcmp(argv[1], "exit") == 0) {
    void *p = mi_malloc(100);
    return p == NULL;
  }
  fprintf(stderr, "usage: %s counts BEFORE AFTER | peak JSON | none | exit\n", argv[0]);
  return 2;
}
