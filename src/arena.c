/* arena.c - memory that mialloc allocates from besides its own mappings:
 * reserved up front (mi_reserve_os_memory, MIALLOC_RESERVE_OS_MEMORY,
 * mimalloc's _ex forms), or handed over by the program
 * (mi_manage_os_memory).  Each such region is an "arena" with an id, for
 * mimalloc's names (mi_arena_area, mi_arenas_print).
 *
 * A region is cut into aligned segment-sized chunks that join the free
 * segment reserve (cache.c), which every thread takes from before it maps
 * fresh memory.  Chunks of the program's memory and of huge OS pages are
 * marked `kept`: mialloc never purges, moves, resizes or unmaps them, and
 * a freed one goes back to the reserve.  mialloc has no exclusive arenas (any heap
 * takes from every region): asking for one fails with ENOTSUP. */
#include "internal.h"

#define MI_ARENA_MAX 64 /* regions remembered for mi_arena_area */

typedef enum mi_arena_kind_e { MI_ARENA_RESERVED, MI_ARENA_HUGE, MI_ARENA_MANAGED } mi_arena_kind_t;

typedef struct mi_arena_s {
  uint8_t *start; /* the part mialloc uses: whole chunks */
  size_t size;
  mi_arena_kind_t kind;
  _Atomic(bool) ready; /* set last: the fields above are written */
} mi_arena_t;

static mi_arena_t arenas[MI_ARENA_MAX];
static _Atomic(size_t) arena_count;

/* Remember a region; its id (NULL once MI_ARENA_MAX are remembered: the
 * memory is used all the same). */
static mi_arena_id_t arena_add(uint8_t *start, size_t size, mi_arena_kind_t kind) {
  size_t i = atomic_fetch_add_explicit(&arena_count, 1, memory_order_relaxed);
  if (i >= MI_ARENA_MAX)
    return NULL;
  arenas[i].start = start;
  arenas[i].size = size;
  arenas[i].kind = kind;
  atomic_store_explicit(&arenas[i].ready, true, memory_order_release);
  return &arenas[i];
}

static const mi_arena_t *arena_of(mi_arena_id_t id) {
  uintptr_t off = (uintptr_t)id - (uintptr_t)arenas;
  if (off >= sizeof arenas || off % sizeof arenas[0] != 0)
    return NULL;
  const mi_arena_t *a = &arenas[off / sizeof arenas[0]];
  return atomic_load_explicit(&a->ready, memory_order_acquire) ? a : NULL;
}

static int no_exclusive(const char *who) {
  _mi_error_message(ENOTSUP, "%s: mialloc has no exclusive arenas: every heap takes memory from every arena\n", who);
  return ENOTSUP;
}

/* `chunks` chunks at `base` into the reserve, and an arena for them. */
static int arena_give(uint8_t *base, size_t chunks, mi_arena_kind_t kind, mi_arena_id_t *arena_id) {
  size_t got = _mi_cache_reserve_add(base, chunks, kind != MI_ARENA_RESERVED, kind == MI_ARENA_MANAGED);
  if (got == 0)
    return ENOMEM;
  mi_arena_id_t id = arena_add(base, got * MI_SEGMENT_SIZE, kind);
  if (arena_id != NULL)
    *arena_id = id;
  return got == chunks ? 0 : ENOMEM;
}

/* ---- reserved from the OS ------------------------------------------------------ */

/* `size` bytes (rounded up to whole chunks) mapped at once; with `commit`
 * charged against the commit limit at once, else on first touch; with
 * `allow_large` transparent huge pages asked for. */
int mi_reserve_os_memory_ex(size_t size, bool commit, bool allow_large, bool exclusive, mi_arena_id_t *arena_id) {
  if (arena_id != NULL)
    *arena_id = NULL;
  if (exclusive)
    return no_exclusive("mi_reserve_os_memory_ex");
  size_t chunks = (size + MI_SEGMENT_SIZE - 1) / MI_SEGMENT_SIZE;
  if (chunks == 0)
    return 0;
  if (chunks > SIZE_MAX / MI_SEGMENT_SIZE)
    return ENOMEM;
  uint8_t *base = _mi_os_alloc_commit(chunks * MI_SEGMENT_SIZE, MI_SEGMENT_SIZE, commit, NULL);
  if (base == NULL)
    return ENOMEM;
  if (allow_large)
    _mi_prim_hint_large(base, chunks * MI_SEGMENT_SIZE);
  int err = arena_give(base, chunks, MI_ARENA_RESERVED, arena_id);
  _mi_verbose_message("reserved %zu MiB of OS memory at %p (%s)\n", (chunks * MI_SEGMENT_SIZE) >> 20, (void *)base,
                      commit ? "committed" : "committed on use");
  return err;
}

int mi_reserve_os_memory(size_t size, bool commit, bool allow_large) {
  return mi_reserve_os_memory_ex(size, commit, allow_large, false, NULL);
}

/* MIALLOC_RESERVE_OS_MEMORY at start.  arena_eager_commit: 1 charges the
 * commit limit at once, 0 on first touch, 2 (default) at once only where
 * the OS does not overcommit. */
void _mi_arena_reserve_at_start(size_t bytes) {
  long eager = _mi_option_get_fast(mi_option_arena_eager_commit);
  bool commit = eager == 1 || (eager == 2 && !_mi_prim_overcommits());
  if (mi_reserve_os_memory(bytes, commit, false) != 0)
    _mi_warning_message("could not reserve %zu MiB of OS memory\n", bytes >> 20);
}

/* `pages` GiB of 2 MiB huge pages in one mapping (mi_reserve_huge_os_pages_at
 * maps them a GiB at a time, until its timeout); the timeout is not used:
 * the kernel maps them at once or fails.  NUMA nodes are not used. */
int mi_reserve_huge_os_pages_at_ex(size_t pages, int numa_node, size_t timeout_msecs, bool exclusive,
                                   mi_arena_id_t *arena_id) {
  (void)numa_node;
  (void)timeout_msecs;
  if (arena_id != NULL)
    *arena_id = NULL;
  if (exclusive)
    return no_exclusive("mi_reserve_huge_os_pages_at_ex");
  if (pages == 0)
    return 0;
  if (pages > SIZE_MAX / MI_HUGE_OS_PAGES_UNIT)
    return ENOMEM;
  uint8_t *base = _mi_os_alloc_huge(pages * MI_HUGE_OS_PAGES_UNIT, MI_SEGMENT_SIZE);
  if (base == NULL)
    return ENOMEM;
  return arena_give(base, pages * MI_HUGE_OS_PAGES_UNIT / MI_SEGMENT_SIZE, MI_ARENA_HUGE, arena_id);
}

/* ---- the program's memory ---------------------------------------------------------- */

/* [start, start+size) for mialloc to allocate from, for the rest of the
 * process: the whole chunks inside it (MI_SEGMENT_SIZE, aligned to it).
 * Not committed: made readable and writable here.  Pinned, zero and the
 * NUMA node make no difference: mialloc never purges such memory, and
 * zeroes what calloc needs. */
bool mi_manage_memory(void *start, size_t size, bool is_committed, bool is_pinned, bool is_zero, int numa_node,
                      bool exclusive, mi_commit_fun_t *commit_fun, void *commit_fun_arg, mi_arena_id_t *arena_id) {
  (void)is_pinned;
  (void)is_zero;
  (void)numa_node;
  (void)commit_fun_arg;
  if (arena_id != NULL)
    *arena_id = NULL;
  if (exclusive) {
    errno = no_exclusive("mi_manage_os_memory_ex");
    return false;
  }
  if (commit_fun != NULL) {
    _mi_error_message(ENOTSUP, "mi_manage_memory: mialloc does not call a commit function\n");
    errno = ENOTSUP;
    return false;
  }
  uintptr_t first = _mi_align_up((uintptr_t)start, MI_SEGMENT_SIZE);
  uintptr_t end = (uintptr_t)start + size;
  if (start == NULL || end < (uintptr_t)start || first >= end || end - first < MI_SEGMENT_SIZE) {
    _mi_error_message(EINVAL, "mi_manage_os_memory: %p, %zu bytes, holds no aligned %zu MiB chunk\n", start, size,
                      MI_SEGMENT_SIZE >> 20);
    errno = EINVAL;
    return false;
  }
  size_t chunks = (end - first) / MI_SEGMENT_SIZE;
  int err = is_committed ? 0 : _mi_prim_commit((void *)first, chunks * MI_SEGMENT_SIZE);
  if (err == 0)
    err = arena_give((uint8_t *)first, chunks, MI_ARENA_MANAGED, arena_id);
  if (err != 0) {
    errno = err;
    return false;
  }
  _mi_verbose_message("managing %zu MiB of the program's memory at %p\n", (chunks * MI_SEGMENT_SIZE) >> 20,
                      (void *)first);
  return true;
}

bool mi_manage_os_memory_ex(void *start, size_t size, bool is_committed, bool is_pinned, bool is_zero, int numa_node,
                            bool exclusive, mi_arena_id_t *arena_id) {
  return mi_manage_memory(start, size, is_committed, is_pinned, is_zero, numa_node, exclusive, NULL, NULL, arena_id);
}

bool mi_manage_os_memory(void *start, size_t size, bool is_committed, bool is_pinned, bool is_zero, int numa_node) {
  return mi_manage_os_memory_ex(start, size, is_committed, is_pinned, is_zero, numa_node, false, NULL);
}

/* ---- questions ------------------------------------------------------------------------ */

void *mi_arena_area(mi_arena_id_t arena_id, size_t *size) {
  const mi_arena_t *a = arena_of(arena_id);
  if (size != NULL)
    *size = a != NULL ? a->size : 0;
  return a != NULL ? a->start : NULL;
}

bool mi_arena_contains(mi_arena_id_t arena_id, const void *p) {
  const mi_arena_t *a = arena_of(arena_id);
  return a != NULL && (const uint8_t *)p >= a->start && (size_t)((const uint8_t *)p - a->start) < a->size;
}

size_t mi_arena_min_alignment(void) {
  return MI_SEGMENT_SIZE;
}

size_t mi_arena_min_size(void) {
  return MI_SEGMENT_SIZE;
}

/* A heap that allocates only in one arena needs exclusive arenas. */
mi_heap_t *mi_heap_new_in_arena(mi_arena_id_t arena_id) {
  (void)arena_id;
  errno = no_exclusive("mi_heap_new_in_arena");
  return NULL;
}

void mi_arenas_print(void) {
  static const char *kinds[] = {"reserved", "huge pages", "the program's"};
  size_t n = atomic_load_explicit(&arena_count, memory_order_relaxed);
  char line[160];
  _mi_snprintf(line, sizeof line, "mialloc: %zu arenas (%zu MiB chunks)\n", n, MI_SEGMENT_SIZE >> 20);
  _mi_fputs(NULL, NULL, NULL, line);
  for (size_t i = 0; i < n && i < MI_ARENA_MAX; i++) {
    if (!atomic_load_explicit(&arenas[i].ready, memory_order_acquire))
      continue;
    _mi_snprintf(line, sizeof line, "mialloc: arena %zu: %p, %zu MiB, %s memory\n", i, (void *)arenas[i].start,
                 arenas[i].size >> 20, kinds[arenas[i].kind]);
    _mi_fputs(NULL, NULL, NULL, line);
  }
}

void mi_debug_show_arenas(void) {
  mi_arenas_print();
}
