/* mimalloc-v3.c - a program written for mimalloc 3.4.3's API, ported by
 * changing its include from <mimalloc.h> to <mialloc.h> and nothing else:
 * it compiles (make check builds it with the warnings of the library) and
 * checks what mialloc does for mimalloc v3's arena, heap, theap,
 * sub-process and process calls (mi_manage_os_memory(3), mi_heap_main(3)).
 * Above all: memory handed over with mi_manage_os_memory is what the next
 * segments are carved from, and it stays the program's (never unmapped).
 * Exit status 0 pass, 1 fail. */
#include <mialloc.h> /* was: #include <mimalloc.h> */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <wchar.h>

static int failures;
#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "mimalloc-v3: FAIL: %s:%d: %s\n", __FILE__, __LINE__, #cond);                \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)

#define REGION ((size_t)16 << 20)
#define BLOCKS 200 /* of 32 KiB: 6.25 MiB, in two segments */

static unsigned char *region_start;
static int inside(const void *p) {
  return (const unsigned char *)p >= region_start && (const unsigned char *)p < region_start + REGION;
}

static void counting_output(const char *msg, void *arg) {
  (void)msg;
  ++*(int *)arg;
}

static bool count_heap(mi_heap_t *heap, void *arg) {
  (void)heap;
  ++*(int *)arg;
  return true;
}

/* The program's memory: an unaligned region, handed over before anything
 * else is allocated; blocks come from inside it, also after being freed
 * and collected, and it is still mapped (writable) then. */
static void managed_memory(void) {
  void *map = mmap(NULL, REGION + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(map != MAP_FAILED);
  if (map == MAP_FAILED)
    return;
  region_start = (unsigned char *)map + 4096;
  mi_arena_id_t arena = NULL;
  CHECK(mi_manage_os_memory_ex(region_start, REGION, true, false, true, -1, false, &arena));
  size_t size = 0;
  unsigned char *area = mi_arena_area(arena, &size);
  CHECK(area != NULL && inside(area) && ((uintptr_t)area % mi_arena_min_alignment()) == 0);
  CHECK(size >= 3 * mi_arena_min_size() && size % mi_arena_min_size() == 0 && inside(area + size - 1));
  void *blocks[BLOCKS];
  for (int round = 0; round < 2; round++) {
    int in = 0;
    for (int i = 0; i < BLOCKS; i++) {
      blocks[i] = mi_malloc(32 * 1024);
      CHECK(blocks[i] != NULL);
      memset(blocks[i], i, 32 * 1024);
      in += inside(blocks[i]) && mi_arena_contains(arena, blocks[i]);
    }
    CHECK(in == BLOCKS); /* all in the 12 MiB handed over */
    for (int i = 0; i < BLOCKS; i++)
      mi_free(blocks[i]);
    mi_collect(true);
  }
  CHECK(msync(area, size, MS_ASYNC) == 0); /* still mapped: ENOMEM if mialloc had unmapped it */
  CHECK(!mi_manage_os_memory(region_start, 4096, true, false, false, -1)); /* no whole chunk */
  CHECK(errno == EINVAL);
}

static void arenas(void) {
  mi_arena_id_t id = NULL;
  CHECK(mi_reserve_os_memory_ex((size_t)8 << 20, false, false, false, &id) == 0);
  size_t size = 0;
  CHECK(mi_arena_area(id, &size) != NULL && size == (size_t)8 << 20);
  CHECK(mi_reserve_os_memory_ex((size_t)8 << 20, false, false, true, &id) == ENOTSUP && id == NULL);
  static char buf[(size_t)9 << 20];
  CHECK(!mi_manage_os_memory_ex(buf, sizeof buf, true, false, true, -1, true, &id) && errno == ENOTSUP);
  errno = 0;
  CHECK(mi_heap_new_in_arena(id) == NULL && errno == ENOTSUP);
  CHECK(mi_arena_area(NULL, &size) == NULL && size == 0);
  mi_arenas_print();
  mi_debug_show_arenas();
}

static void heaps_and_theaps(void) {
  mi_heap_t *main_heap = mi_heap_main();
  CHECK(main_heap != NULL);
  void *p = mi_malloc(100);
  CHECK(mi_heap_of(p) == main_heap && mi_heap_contains(main_heap, p) && mi_any_heap_contains(p));
  int local = 0;
  CHECK(mi_heap_of(&local) == NULL && !mi_any_heap_contains(&local));
  mi_heap_set_numa_affinity(main_heap, 0);
  mi_theap_t *theap = mi_heap_theap(main_heap);
  CHECK(mi_theap_get_default() == theap);
  void *q = mi_theap_malloc(theap, 64);
  void *z = mi_theap_zalloc(theap, 64);
  void *c = mi_theap_calloc(theap, 4, 16);
  void *s = mi_theap_malloc_small(theap, 8);
  void *zs = mi_theap_zalloc_small(theap, 8);
  void *a = mi_theap_malloc_aligned(theap, 100, 256);
  CHECK(q && z && c && s && zs && a && ((uintptr_t)a & 255) == 0);
  CHECK(((char *)z)[63] == 0 && ((char *)c)[63] == 0 && ((char *)zs)[7] == 0);
  q = mi_theap_realloc(theap, q, 4000);
  CHECK(q != NULL && mi_heap_of(q) == main_heap);
  mi_theap_guarded_set_sample_rate(theap, 0, 0);
  mi_theap_guarded_set_size_bound(theap, 0, 1024);
  mi_heap_t *h = mi_heap_new();
  CHECK(mi_theap_set_default(mi_heap_theap(h)) == theap);
  void *in_h = mi_malloc(10);
  CHECK(mi_heap_of(in_h) == h);
  CHECK(mi_theap_set_default(theap) == mi_heap_theap(h));
  mi_theap_collect(theap, false);
  CHECK(!mi_unsafe_heap_page_is_under_utilized(main_heap, &local, 50));
  errno = 0;
  CHECK(!mi_heap_visit_abandoned_blocks(main_heap, true, NULL, NULL) && errno == ENOTSUP);
  mi_free(in_h);
  mi_heap_delete(h);
  void *all[] = {p, q, z, c, s, zs, a};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    mi_free(all[i]);
}

static void subprocs(void) {
  mi_subproc_id_t main_sp = mi_subproc_main();
  CHECK(main_sp._mi_subproc_id != NULL && mi_subproc_current()._mi_subproc_id == main_sp._mi_subproc_id);
  int heaps = 0;
  CHECK(mi_subproc_visit_heaps(main_sp, count_heap, &heaps) && heaps >= 1);
  errno = 0;
  mi_subproc_id_t other = mi_subproc_new();
  CHECK(other._mi_subproc_id == NULL && errno == ENOTSUP);
  mi_subproc_add_current_thread(main_sp);
  mi_subproc_destroy(other);
}

static void process(void) {
  int lines = 0;
  mi_options_print_out(counting_output, &lines);
  CHECK(lines >= 10);
  lines = 0;
  mi_process_info_print_out(counting_output, &lines);
  CHECK(lines == 1);
  mi_thread_set_in_threadpool();
  mi_collect_reduce(0);
  char *v = NULL;
  size_t n = 0;
  setenv("MIMALLOC_V3_TEST", "a value", 1);
  CHECK(mi_dupenv_s(&v, &n, "MIMALLOC_V3_TEST") == 0 && v != NULL && strcmp(v, "a value") == 0 && n == 8);
  mi_free(v);
  CHECK(mi_dupenv_s(&v, &n, "MIMALLOC_V3_UNSET") == 0 && v == NULL && n == 0);
  wchar_t *w = NULL;
  CHECK(mi_wdupenv_s(&w, &n, L"MIMALLOC_V3_TEST") == 0 && w != NULL && wcscmp(w, L"a value") == 0);
  mi_free(w);
}

/* mimalloc's option names and macros compile; its options that mialloc
 * only keeps have mimalloc's defaults, are set and read back, and are no
 * other option (tests/options.sh reads one from the environment). */
static void options_and_macros(void) {
#if MI_MALLOC_VERSION < 300
#error "MI_MALLOC_VERSION: code for mimalloc 3 tests it"
#endif
  CHECK(MI_SMALL_SIZE_MAX == MI_SMALL_WSIZE_MAX * sizeof(void *));
  void *small = mi_malloc_small(MI_SMALL_SIZE_MAX);
  CHECK(small != NULL && mi_usable_size(small) >= MI_SMALL_SIZE_MAX);
  mi_free(small);
  static const mi_option_t kept[] = {
      mi_option_deprecated_eager_commit, mi_option_deprecated_segment_cache, mi_option_deprecated_page_reset,
      mi_option_deprecated_abandoned_page_purge, mi_option_deprecated_segment_reset,
      mi_option_deprecated_eager_commit_delay, mi_option_use_numa_nodes, mi_option_os_tag,
      mi_option_deprecated_max_segment_reclaim, mi_option_destroy_on_exit, mi_option_arena_reserve,
      mi_option_deprecated_purge_extend_delay, mi_option_disallow_arena_alloc, mi_option_retry_on_oom,
      mi_option_visit_abandoned, mi_option_guarded_min, mi_option_guarded_max, mi_option_guarded_precise,
      mi_option_guarded_sample_rate, mi_option_guarded_sample_seed, mi_option_generic_collect,
      mi_option_page_reclaim_on_free, mi_option_page_full_retain, mi_option_page_max_candidates,
      mi_option_max_vabits, mi_option_pagemap_commit, mi_option_page_commit_on_demand,
      mi_option_page_max_reclaim, mi_option_page_cross_thread_max_reclaim, mi_option_allow_thp,
      mi_option_minimal_purge_size, mi_option_arena_max_object_size, mi_option_arena_is_numa_local,
  };
  CHECK(mi_option_get(mi_option_os_tag) == 100 && mi_option_get(mi_option_generic_collect) == 10000);
  CHECK(mi_option_get_size(mi_option_arena_reserve) == (size_t)1 << 30); /* mimalloc's defaults */
  long purge_delay = mi_option_get(mi_option_purge_delay);
  for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
    CHECK(kept[i] >= 0 && kept[i] < _mi_option_last);
    for (size_t j = 0; j < i; j++)
      CHECK(kept[i] != kept[j]);
    mi_option_set(kept[i], 3);
    CHECK(mi_option_get(kept[i]) == 3);
  }
  CHECK(mi_option_get(mi_option_purge_delay) == purge_delay); /* none is another option */
  void *p = mi_malloc(100);
  CHECK(p != NULL);
  mi_free(p);
}

int main(void) {
  managed_memory(); /* first: before other segments are in the caches */
  options_and_macros();
  arenas();
  heaps_and_theaps();
  subprocs();
  process();
  mi_process_done();
  if (failures == 0)
    printf("mimalloc-v3: ok: mimalloc 3.4.3's calls compile and behave as mi_manage_os_memory(3) and mi_heap_main(3) say\n");
  return failures != 0;
}
