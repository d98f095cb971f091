/* tls-conflict.c - the scenario mialloc exists for: another component (the
 * "framework", a separate shared library) writes its own data into the TLS
 * slot mialloc was built to use, from a pool of worker threads, some before
 * and some after those threads allocate.  Allocation and free must keep
 * working with contents intact, the conflict must be reported once and
 * counted, the framework's values must still be in place at the end, and
 * blocks allocated before the conflict stay valid and freeable anywhere.
 * Applies to --with-tls=slot builds; skipped (77) otherwise. */
#include <mialloc.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int framework_supported(void);
void framework_claim(long slot, uintptr_t value);
uintptr_t framework_peek(long slot);

enum { WORKERS = 6, BLOCKS = 2000, ROUNDS = 20 };

static struct framework_state { char name[32]; } framework_data[WORKERS]; /* "its" pointers */
static atomic_int error_calls, error_code;
static char messages[4096];
static atomic_size_t messages_len;
static void *handed_over[WORKERS][BLOCKS]; /* freed by main after the join */

static void on_error(int err, void *arg) {
  (void)arg;
  atomic_fetch_add(&error_calls, 1);
  atomic_store(&error_code, err);
}

static void on_output(const char *msg, void *arg) {
  (void)arg;
  size_t n = strlen(msg), at = atomic_fetch_add(&messages_len, n);
  if (at + n < sizeof messages)
    memcpy(messages + at, msg, n);
}

static void fill(unsigned char *p, size_t n, unsigned tag) {
  for (size_t i = 0; i < n; i++)
    p[i] = (unsigned char)(tag + i * 31);
}

static int intact(const unsigned char *p, size_t n, unsigned tag) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != (unsigned char)(tag + i * 31))
      return 0;
  return 1;
}

/* Allocate, check and free, keeping every other block for the main thread. */
static int churn(int id, int keep) {
  unsigned seed = (unsigned)id * 7919u + 1;
  void *blocks[BLOCKS];
  size_t sizes[BLOCKS];
  for (int round = 0; round < ROUNDS; round++) {
    for (int i = 0; i < BLOCKS; i++) {
      sizes[i] = (size_t)(rand_r(&seed) % 3000 + 1);
      blocks[i] = mi_malloc(sizes[i]);
      if (blocks[i] == NULL)
        return 0;
      fill(blocks[i], sizes[i], (unsigned)(id * 131 + i));
    }
    for (int i = 0; i < BLOCKS; i++) {
      if (!intact(blocks[i], sizes[i], (unsigned)(id * 131 + i)))
        return 0;
      if (keep && round == ROUNDS - 1 && i % 2 == 0) {
        ((size_t *)blocks[i])[0] = sizes[i]; /* the main thread checks the size only */
        handed_over[id][i] = blocks[i];
      } else {
        mi_free(blocks[i]);
      }
    }
  }
  return 1;
}

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
  long slot = mi_tls_slot();
  /* a pointer of the framework's own, or (odd workers) a small integer */
  uintptr_t value = (id % 2 == 0) ? (uintptr_t)&framework_data[id] : (uintptr_t)(id + 1);
  if (id < WORKERS / 2) {
    framework_claim(slot, value); /* before this thread ever allocates */
    if (!churn(id, 1))
      return "allocation or contents failed after the framework took the slot";
  } else {
    if (!churn(id, 0)) /* mialloc owns the slot here ... */
      return "allocation failed before the conflict";
    framework_claim(slot, value); /* ... until the framework writes it */
    if (!churn(id, 1))
      return "allocation or contents failed after the framework overwrote the slot";
  }
  if (framework_peek(slot) != value)
    return "mialloc wrote to the slot after the conflict";
  return NULL;
}

int main(void) {
  if (mi_tls_slot() < 0 || !framework_supported()) {
    printf("tls-conflict: needs the slot mechanism (x86-64 Linux and macOS only); "
           "this build uses %s: skipped\n", mi_tls_mechanism());
    return 77;
  }
  mi_register_error(on_error, NULL);
  mi_register_output(on_output, NULL);

  /* blocks from before the conflict, in the main thread */
  enum { EARLY = 500 };
  void *early[EARLY];
  for (int i = 0; i < EARLY; i++) {
    early[i] = mi_malloc(64 + i);
    fill(early[i], 64 + (size_t)i, (unsigned)i);
  }

  pthread_t threads[WORKERS];
  for (int i = 0; i < WORKERS; i++)
    pthread_create(&threads[i], NULL, worker, (void *)(intptr_t)i);
  int failed = 0;
  for (int i = 0; i < WORKERS; i++) {
    void *why = NULL;
    pthread_join(threads[i], &why);
    if (why != NULL) {
      fprintf(stderr, "tls-conflict: worker %d: %s\n", i, (const char *)why);
      failed = 1;
    }
  }
  /* everything still valid and freeable from here */
  for (int i = 0; i < EARLY; i++) {
    if (!intact(early[i], 64 + (size_t)i, (unsigned)i)) {
      fprintf(stderr, "tls-conflict: a block from before the conflict was corrupted\n");
      failed = 1;
    }
    mi_free(early[i]);
  }
  for (int w = 0; w < WORKERS; w++)
    for (int i = 0; i < BLOCKS; i++)
      if (handed_over[w][i] != NULL) {
        if (mi_usable_size(handed_over[w][i]) < ((size_t *)handed_over[w][i])[0]) {
          fprintf(stderr, "tls-conflict: a worker's block lost its size\n");
          failed = 1;
        }
        mi_free(handed_over[w][i]);
      }
  void *p = mi_malloc(100);
  memset(p, 0, 100);
  mi_free(p);

  messages[sizeof messages - 1] = 0;
  printf("tls-conflict: mechanism now %s, conflicts %zu, error calls %d (code %d)\n", mi_tls_mechanism(),
         mi_tls_conflicts(), atomic_load(&error_calls), atomic_load(&error_code));
  if (mi_tls_conflicts() != WORKERS) {
    fprintf(stderr, "tls-conflict: %zu conflicts counted, expected one per worker (%d)\n", mi_tls_conflicts(),
            WORKERS);
    failed = 1;
  }
  if (atomic_load(&error_calls) != 1 || atomic_load(&error_code) != MI_ERROR_TLS_CONFLICT) {
    fprintf(stderr, "tls-conflict: the error handler must be called once with MI_ERROR_TLS_CONFLICT\n");
    failed = 1;
  }
  char expect[64];
  snprintf(expect, sizeof expect, "TLS slot %ld holds a foreign value", mi_tls_slot());
  if (strstr(messages, expect) == NULL || strstr(messages, "--with-tls=pthread") == NULL) {
    fprintf(stderr, "tls-conflict: the report does not name the slot and the remedy:\n%s\n", messages);
    failed = 1;
  }
  if (strcmp(mi_tls_mechanism(), "pthread") != 0) {
    fprintf(stderr, "tls-conflict: mechanism should read \"pthread\" after the fallback\n");
    failed = 1;
  }
  return failed;
}
