/* fuzz-alloc.c - a libFuzzer target: the input is decoded into a sequence
 * of allocator operations (malloc, calloc, zalloc, realloc, the aligned
 * forms, posix_memalign, free, heaps: new, malloc, destroy, delete, and
 * frees handed to a second thread), run against a shadow model of every
 * live block.  The model checks what an allocator owes its caller: each
 * block keeps the bytes written into it (a fill pattern per block, so two
 * blocks that overlap show up), is aligned as asked, has a usable size of
 * at least the size asked for, reads as zero when it came from calloc or
 * zalloc, and keeps its contents across a realloc.  A failed check aborts.
 *
 * mialloc is built in without the libc names (ASan has its own malloc),
 * so the fuzzer and the sanitizers allocate from libc and the operations
 * under test go to mialloc's mi_ names.
 *
 * Input: a stream of operations, one opcode byte then its argument bytes;
 * a short read ends the sequence.  Everything still live at the end is
 * freed, so each input starts from an empty model. */
#include <mialloc.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 64
#define HEAPS 4
#define CHECK_ALL 8192 /* blocks up to this size are checked whole, larger ones at both ends */
/* the checking loops are no coverage to explore: kept out of the count (and fast) */
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))

typedef struct {
  unsigned char *p;
  size_t size;   /* bytes asked for */
  size_t align;  /* 0 for none */
  uint8_t seed;  /* the fill pattern */
  int heap;      /* index into heaps[], -1 for the default heap */
} block_t;

static block_t slots[SLOTS];
static int trace; /* FUZZ_TRACE=1 in the environment: each operation on stderr */
static mi_heap_t *heaps[HEAPS];

#define FAIL(...) (fprintf(stderr, "fuzz-alloc: " __VA_ARGS__), fputc('\n', stderr), abort())

/* ---- the input ------------------------------------------------------------------ */

typedef struct {
  const uint8_t *data;
  size_t left;
} input_t;

static int next(input_t *in, uint8_t *b) {
  if (in->left == 0)
    return 0;
  *b = *in->data++;
  in->left--;
  return 1;
}

/* A size from two bytes: mostly small, sometimes up to a few MiB. */
static int next_size(input_t *in, size_t *size) {
  uint8_t a, b;
  if (!next(in, &a) || !next(in, &b))
    return 0;
  switch (a >> 6) {
  case 0: *size = b; break;                                 /* 0..255 */
  case 1: *size = ((size_t)(a & 63) << 8 | b); break;       /* up to 16 KiB */
  case 2: *size = ((size_t)(a & 63) << 12 | (size_t)b << 4); break; /* up to 256 KiB */
  default: /* up to 2 MiB, one in four up to 4 MiB */
    *size = (a & 48) == 48 ? ((size_t)(a & 63) << 16 | (size_t)b << 8) : ((size_t)(a & 31) << 16 | (size_t)b << 8);
    break;
  }
  return 1;
}

/* A power-of-two alignment, 1 to 1 MiB, mostly small */
static int next_align(input_t *in, size_t *align) {
  uint8_t a;
  if (!next(in, &a))
    return 0;
  unsigned shift = a % 21;
  if (a & 0x80)
    shift = a % 8;
  *align = (size_t)1 << shift;
  return 1;
}

/* ---- the shadow model ----------------------------------------------------------- */

NO_COVERAGE static inline uint8_t pattern(uint8_t seed, size_t i) {
  return (uint8_t)(seed + i * 167 + (i >> 8));
}

NO_COVERAGE static void fill(block_t *b, size_t from) {
  if (b->size <= CHECK_ALL) {
    for (size_t i = from; i < b->size; i++)
      b->p[i] = pattern(b->seed, i);
    return;
  }
  /* both ends: the first and last CHECK_ALL/2 bytes */
  for (size_t i = from; i < CHECK_ALL / 2; i++)
    b->p[i] = pattern(b->seed, i);
  size_t tail = b->size - CHECK_ALL / 2;
  for (size_t i = tail > from ? tail : from; i < b->size; i++)
    b->p[i] = pattern(b->seed, i);
}

/* The bytes [0, n) of b as filled (only the checked ones when large). */
NO_COVERAGE static void check_contents(const block_t *b, size_t n, const char *what) {
  for (size_t i = 0; i < n; i++) {
    if (b->size > CHECK_ALL && i == CHECK_ALL / 2 && n > CHECK_ALL / 2) {
      size_t tail = b->size - CHECK_ALL / 2;
      if (tail > i)
        i = tail;
      if (i >= n)
        break;
    }
    if (b->p[i] != pattern(b->seed, i))
      FAIL("%s: block %p of %zu bytes changed at offset %zu: %#x, not %#x", what, (void *)b->p, b->size, i,
           b->p[i], pattern(b->seed, i));
  }
}

/* Zero, all of [0, n) (for large blocks: both ends and every 4093rd byte). */
NO_COVERAGE static void check_zero(const unsigned char *p, size_t n, const char *what) {
  for (size_t i = 0; i < n; i += (n <= CHECK_ALL || i < CHECK_ALL / 2 || i >= n - CHECK_ALL / 2) ? 1 : 4093)
    if (p[i] != 0)
      FAIL("%s: block %p of %zu bytes not zero at offset %zu", what, (const void *)p, n, i);
}

/* A fresh block: aligned, big enough, then filled. */
static void adopt(int slot, void *p, size_t size, size_t align, int heap, uint8_t seed, const char *what) {
  if (p == NULL)
    FAIL("%s(%zu, align %zu) returned NULL (errno %d)", what, size, align, errno);
  if (((uintptr_t)p & 15) != 0 && size >= 16)
    FAIL("%s(%zu) returned %p, not 16-byte aligned", what, size, p);
  if (align != 0 && ((uintptr_t)p & (align - 1)) != 0)
    FAIL("%s(%zu, align %zu) returned %p, not aligned", what, size, align, p);
  size_t usable = mi_usable_size(p);
  if (usable < size)
    FAIL("%s(%zu): usable size %zu is smaller", what, size, usable);
  slots[slot] = (block_t){p, size, align, seed, heap};
  fill(&slots[slot], 0);
}

/* ---- the second thread: frees what it is handed ------------------------------------ */

#define QUEUE 32
static void *queue[QUEUE];
static unsigned q_head, q_tail; /* q_tail - q_head blocks wait; q_busy: one is being freed */
static int q_busy;
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;

static void *worker(void *arg) {
  (void)arg;
  pthread_mutex_lock(&q_lock);
  for (;;) {
    while (q_head == q_tail)
      pthread_cond_wait(&q_cond, &q_lock);
    void *p = queue[q_head % QUEUE];
    q_busy = 1;
    q_head++;
    pthread_mutex_unlock(&q_lock);
    mi_free(p);
    pthread_mutex_lock(&q_lock);
    q_busy = 0;
    pthread_cond_broadcast(&q_cond);
  }
  return NULL;
}

static void remote_free(void *p) {
  pthread_mutex_lock(&q_lock);
  while (q_tail - q_head == QUEUE)
    pthread_cond_wait(&q_cond, &q_lock);
  queue[q_tail++ % QUEUE] = p;
  pthread_cond_broadcast(&q_cond);
  pthread_mutex_unlock(&q_lock);
}

/* Waits until the worker freed everything it was handed. */
static void drain(void) {
  pthread_mutex_lock(&q_lock);
  while (q_head != q_tail || q_busy)
    pthread_cond_wait(&q_cond, &q_lock);
  pthread_mutex_unlock(&q_lock);
}

/* The model never frees what it should not: any error mialloc reports is
 * a finding (its own data damaged, a block taken for freed), but for the
 * overflowing calloc that case 14 asks for. */
static void on_error(int err, void *arg) {
  (void)arg;
  if (err != EOVERFLOW)
    FAIL("mialloc reported error %d", err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  trace = getenv("FUZZ_TRACE") != NULL;
  mi_register_error(on_error, NULL);
  pthread_t t;
  if (pthread_create(&t, NULL, worker, NULL) != 0)
    FAIL("cannot start the worker thread");
  pthread_detach(t);
  return 0;
}

/* ---- the operations ---------------------------------------------------------------- */

static void release(int slot) {
  block_t *b = &slots[slot];
  if (b->p == NULL)
    return;
  check_contents(b, b->size, "free");
  mi_free(b->p);
  b->p = NULL;
}

static void op_realloc(int slot, size_t size, uint8_t seed) {
  block_t *b = &slots[slot];
  if (b->p == NULL)
    return;
  check_contents(b, b->size, "before realloc");
  block_t old = *b;
  void *q = mi_realloc(b->p, size);
  if (q == NULL)
    FAIL("mi_realloc(%p, %zu) returned NULL", (void *)old.p, size);
  b->p = q;
  b->size = size;
  b->align = 0;
  /* a block resized in place (also a huge one, remapped) stays in its
   * heap, and goes with it when the heap is destroyed */
  if (b->heap >= 0 && !mi_heap_contains_block(heaps[b->heap], q))
    b->heap = -1;
  size_t kept = old.size < size ? old.size : size;
  if (old.size > CHECK_ALL && kept > CHECK_ALL / 2)
    kept = CHECK_ALL / 2; /* the tail moved to another offset */
  check_contents(b, kept, "realloc kept");
  if (mi_usable_size(q) < size)
    FAIL("mi_realloc(%zu): usable size %zu is smaller", size, mi_usable_size(q));
  b->seed = seed;
  fill(b, 0);
}

/* Destroying a heap frees its blocks: they leave the model.  The worker
 * must be done with any of them first. */
static void op_heap_destroy(int h) {
  if (heaps[h] == NULL)
    return;
  drain();
  for (int i = 0; i < SLOTS; i++)
    if (slots[i].p != NULL && slots[i].heap == h) {
      check_contents(&slots[i], slots[i].size, "heap destroy");
      slots[i].p = NULL;
    }
  mi_heap_destroy(heaps[h]);
  heaps[h] = NULL;
}

/* Deleting one moves its blocks to the default heap: they stay live. */
static void op_heap_delete(int h) {
  if (heaps[h] == NULL)
    return;
  mi_heap_delete(heaps[h]);
  heaps[h] = NULL;
  for (int i = 0; i < SLOTS; i++)
    if (slots[i].p != NULL && slots[i].heap == h) {
      slots[i].heap = -1;
      check_contents(&slots[i], slots[i].size, "heap delete");
    }
}

static void op_heap_malloc(int slot, int h, size_t size, size_t align, uint8_t seed, int kind) {
  if (heaps[h] == NULL)
    heaps[h] = mi_heap_new();
  if (heaps[h] == NULL)
    FAIL("mi_heap_new returned NULL");
  release(slot);
  void *p;
  switch (kind % 3) {
  case 0:
    p = mi_heap_malloc(heaps[h], size);
    adopt(slot, p, size, 0, h, seed, "mi_heap_malloc");
    break;
  case 1:
    p = mi_heap_zalloc(heaps[h], size);
    if (p != NULL)
      check_zero(p, size, "mi_heap_zalloc");
    adopt(slot, p, size, 0, h, seed, "mi_heap_zalloc");
    break;
  default:
    p = mi_heap_malloc_aligned(heaps[h], size, align);
    adopt(slot, p, size, align, h, seed, "mi_heap_malloc_aligned");
    break;
  }
  if (!mi_heap_contains_block(heaps[h], p))
    FAIL("mi_heap_contains_block: %p is not in the heap that returned it", p);
}

/* One operation; 0 at the end of the input. */
static int step(input_t *in) {
  uint8_t op, s, seed, h;
  size_t size, align, n;
  if (!next(in, &op) || !next(in, &s) || !next(in, &seed))
    return 0;
  int slot = s % SLOTS;
  if (trace)
    fprintf(stderr, "op %2d slot %2d (%p, %zu bytes) seed %3d, input left %zu\n", op % 16, slot,
            (void *)slots[slot].p, slots[slot].size, seed, in->left);
  switch (op % 16) {
  case 0: /* malloc */
    if (!next_size(in, &size))
      return 0;
    release(slot);
    adopt(slot, mi_malloc(size), size, 0, -1, seed, "mi_malloc");
    break;
  case 1: /* calloc */
    if (!next_size(in, &size) || !next(in, &h))
      return 0;
    n = h % 8 + 1;
    size /= n;
    release(slot);
    void *p = mi_calloc(n, size);
    if (p != NULL)
      check_zero(p, n * size, "mi_calloc");
    adopt(slot, p, n * size, 0, -1, seed, "mi_calloc");
    break;
  case 2: /* zalloc */
    if (!next_size(in, &size))
      return 0;
    release(slot);
    p = mi_zalloc(size);
    if (p != NULL)
      check_zero(p, size, "mi_zalloc");
    adopt(slot, p, size, 0, -1, seed, "mi_zalloc");
    break;
  case 3:
  case 4: /* realloc */
    if (!next_size(in, &size))
      return 0;
    op_realloc(slot, size, seed);
    break;
  case 5: /* aligned */
    if (!next_size(in, &size) || !next_align(in, &align))
      return 0;
    release(slot);
    adopt(slot, mi_malloc_aligned(size, align), size, align, -1, seed, "mi_malloc_aligned");
    break;
  case 6: /* posix_memalign: alignments below a pointer's are refused */
    if (!next_size(in, &size) || !next_align(in, &align))
      return 0;
    release(slot);
    p = NULL;
    int err = mi_posix_memalign(&p, align, size);
    if (align < sizeof(void *)) {
      if (err != EINVAL)
        FAIL("mi_posix_memalign(align %zu) returned %d, not EINVAL", align, err);
      break;
    }
    if (err != 0)
      FAIL("mi_posix_memalign(%zu, %zu) failed: %d", align, size, err);
    adopt(slot, p, size, align, -1, seed, "mi_posix_memalign");
    break;
  case 7: /* aligned_alloc */
    if (!next_align(in, &align) || !next(in, &h))
      return 0;
    size = align * (h % 4 + 1);
    release(slot);
    adopt(slot, mi_aligned_alloc(align, size), size, align, -1, seed, "mi_aligned_alloc");
    break;
  case 8:
  case 9: /* free */
    release(slot);
    break;
  case 10: /* free in the other thread */
    if (slots[slot].p != NULL) {
      check_contents(&slots[slot], slots[slot].size, "remote free");
      remote_free(slots[slot].p);
      slots[slot].p = NULL;
    }
    break;
  case 11: /* heap malloc */
    if (!next(in, &h) || !next_size(in, &size) || !next_align(in, &align))
      return 0;
    op_heap_malloc(slot, h % HEAPS, size, align, seed, h / HEAPS);
    break;
  case 12: /* heap destroy or delete */
    if (seed & 1)
      op_heap_destroy(s % HEAPS);
    else
      op_heap_delete(s % HEAPS);
    break;
  case 13: /* usable size, and the contents */
    if (slots[slot].p != NULL) {
      if (mi_usable_size(slots[slot].p) < slots[slot].size)
        FAIL("usable size of %p shrank below %zu", (void *)slots[slot].p, slots[slot].size);
      check_contents(&slots[slot], slots[slot].size, "usable size");
    }
    break;
  case 14: /* calloc that overflows: NULL and ENOMEM */
    errno = 0;
    if (mi_calloc(SIZE_MAX / 2 + seed, 3) != NULL || errno != ENOMEM)
      FAIL("mi_calloc overflow did not fail with ENOMEM (errno %d)", errno);
    break;
  default: /* collect */
    mi_collect(seed & 1);
    break;
  }
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input_t in = {data, size};
  for (int n = 0; n < 4096 && step(&in); n++) {
  }
  for (int i = 0; i < SLOTS; i++)
    release(i);
  drain();
  for (int h = 0; h < HEAPS; h++)
    op_heap_delete(h);
  return 0;
}
