/* mialloc.h - public interface of the mialloc memory allocator.
 *
 * Copyright (c) 2026 the mialloc authors.  MIT licence, see COPYING.
 *
 * This is the only installed header.  The names follow mimalloc's API, so
 * code written for it ports by changing the include and the -l flag.
 */
#ifndef MIALLOC_H
#define MIALLOC_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIALLOC_VERSION_MAJOR 0
#define MIALLOC_VERSION_MINOR 1
#define MIALLOC_VERSION_PATCH 0
/* 10000 * major + 100 * minor + patch: 0.1.0 is 100. */
#define MIALLOC_VERSION \
  (MIALLOC_VERSION_MAJOR * 10000 + MIALLOC_VERSION_MINOR * 100 + MIALLOC_VERSION_PATCH)
/* mimalloc's: the version of its interface that this one follows (3.4.3),
 * for code that tests it; and the largest size mi_malloc_small takes. */
#define MI_MALLOC_VERSION 343
#define MI_SMALL_WSIZE_MAX 128
#define MI_SMALL_SIZE_MAX (MI_SMALL_WSIZE_MAX * sizeof(void *))

#ifdef __cplusplus
#define mi_attr_noexcept noexcept
extern "C" {
#else
#define mi_attr_noexcept
#endif

#if defined(MIALLOC_BUILD) && defined(__GNUC__)
#define mi_decl_export __attribute__((visibility("default")))
#else
#define mi_decl_export
#endif

#if defined(__GNUC__)
#define mi_decl_nodiscard __attribute__((warn_unused_result))
#define mi_attr_malloc __attribute__((malloc))
#define mi_attr_alloc_size(s) __attribute__((alloc_size(s)))
#define mi_attr_alloc_size2(n, s) __attribute__((alloc_size(n, s)))
#define mi_attr_alloc_align(a) __attribute__((alloc_align(a)))
#else
#define mi_decl_nodiscard
#define mi_attr_malloc
#define mi_attr_alloc_size(s)
#define mi_attr_alloc_size2(n, s)
#define mi_attr_alloc_align(a)
#endif

#define mi_decl_alloc mi_decl_nodiscard mi_decl_export

/* ---- the malloc family -------------------------------------------------- */
mi_decl_alloc void *mi_malloc(size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
mi_decl_alloc void *mi_calloc(size_t count, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(1, 2);
mi_decl_alloc void *mi_realloc(void *p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(2);
mi_decl_alloc void *mi_reallocf(void *p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(2);
mi_decl_alloc void *mi_reallocn(void *p, size_t count, size_t size) mi_attr_noexcept mi_attr_alloc_size2(2, 3);
mi_decl_alloc void *mi_reallocarray(void *p, size_t count, size_t size) mi_attr_noexcept mi_attr_alloc_size2(2, 3);
mi_decl_alloc void *mi_mallocn(size_t count, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(1, 2);
mi_decl_alloc void *mi_zalloc(size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
mi_decl_alloc void *mi_malloc_small(size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
mi_decl_alloc void *mi_zalloc_small(size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
mi_decl_alloc void *mi_rezalloc(void *p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(2);
mi_decl_alloc void *mi_recalloc(void *p, size_t count, size_t size) mi_attr_noexcept mi_attr_alloc_size2(2, 3);
mi_decl_alloc void *mi_expand(void *p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(2);
mi_decl_alloc char *mi_strdup(const char *s) mi_attr_noexcept mi_attr_malloc;
mi_decl_alloc char *mi_strndup(const char *s, size_t n) mi_attr_noexcept mi_attr_malloc;
mi_decl_alloc char *mi_realpath(const char *fname, char *resolved_name) mi_attr_noexcept mi_attr_malloc;

mi_decl_export void mi_free(void *p) mi_attr_noexcept;
mi_decl_export void mi_cfree(void *p) mi_attr_noexcept;
mi_decl_export void mi_free_size(void *p, size_t size) mi_attr_noexcept;
mi_decl_export void mi_free_aligned(void *p, size_t alignment) mi_attr_noexcept;
mi_decl_export void mi_free_size_aligned(void *p, size_t size, size_t alignment) mi_attr_noexcept;
mi_decl_nodiscard mi_decl_export size_t mi_usable_size(const void *p) mi_attr_noexcept;
mi_decl_nodiscard mi_decl_export size_t mi_malloc_usable_size(const void *p) mi_attr_noexcept;
mi_decl_nodiscard mi_decl_export size_t mi_good_size(size_t size) mi_attr_noexcept;
mi_decl_nodiscard mi_decl_export size_t mi_malloc_size(const void *p) mi_attr_noexcept;
mi_decl_nodiscard mi_decl_export size_t mi_malloc_good_size(size_t size) mi_attr_noexcept;
mi_decl_export void mi_free_small(void *p) mi_attr_noexcept;
mi_decl_alloc void *mi__expand(void *p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(2);
mi_decl_nodiscard mi_decl_export int mi_reallocarr(void *ptrp, size_t count, size_t size) mi_attr_noexcept;
mi_decl_alloc wchar_t *mi_wcsdup(const wchar_t *s) mi_attr_noexcept mi_attr_malloc;
mi_decl_alloc unsigned char *mi_mbsdup(const unsigned char *s) mi_attr_noexcept mi_attr_malloc;

/* The usable size of the block, also through *block_size (when not NULL). */
mi_decl_alloc void *mi_umalloc(size_t size, size_t *block_size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
mi_decl_alloc void *mi_ucalloc(size_t count, size_t size, size_t *block_size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(1, 2);
mi_decl_alloc void *mi_urealloc(void *p, size_t newsize, size_t *block_size_pre, size_t *block_size_post) mi_attr_noexcept mi_attr_alloc_size(2);
mi_decl_export void mi_ufree(void *p, size_t *block_size) mi_attr_noexcept;
mi_decl_alloc void *mi_umalloc_aligned(size_t size, size_t alignment, size_t *block_size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1) mi_attr_alloc_align(2);
mi_decl_alloc void *mi_uzalloc_aligned(size_t size, size_t alignment, size_t *block_size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1) mi_attr_alloc_align(2);
mi_decl_alloc void *mi_umalloc_small(size_t size, size_t *block_size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
mi_decl_alloc void *mi_uzalloc_small(size_t size, size_t *block_size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);

/* ---- aligned allocation ------------------------------------------------- */
mi_decl_alloc void *mi_malloc_aligned(size_t size, size_t alignment) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1) mi_attr_alloc_align(2);
mi_decl_alloc void *mi_malloc_aligned_at(size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
mi_decl_alloc void *mi_zalloc_aligned(size_t size, size_t alignment) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1) mi_attr_alloc_align(2);
mi_decl_alloc void *mi_zalloc_aligned_at(size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
mi_decl_alloc void *mi_calloc_aligned(size_t count, size_t size, size_t alignment) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(1, 2) mi_attr_alloc_align(3);
mi_decl_alloc void *mi_calloc_aligned_at(size_t count, size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(1, 2);
mi_decl_alloc void *mi_realloc_aligned(void *p, size_t newsize, size_t alignment) mi_attr_noexcept mi_attr_alloc_size(2) mi_attr_alloc_align(3);
mi_decl_alloc void *mi_realloc_aligned_at(void *p, size_t newsize, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_alloc_size(2);
mi_decl_alloc void *mi_rezalloc_aligned(void *p, size_t newsize, size_t alignment) mi_attr_noexcept mi_attr_alloc_size(2) mi_attr_alloc_align(3);
mi_decl_alloc void *mi_rezalloc_aligned_at(void *p, size_t newsize, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_alloc_size(2);
mi_decl_alloc void *mi_recalloc_aligned(void *p, size_t newcount, size_t size, size_t alignment) mi_attr_noexcept mi_attr_alloc_size2(2, 3) mi_attr_alloc_align(4);
mi_decl_alloc void *mi_recalloc_aligned_at(void *p, size_t newcount, size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_alloc_size2(2, 3);
mi_decl_alloc void *mi_aligned_recalloc(void *p, size_t newcount, size_t size, size_t alignment) mi_attr_noexcept;
mi_decl_alloc void *mi_aligned_offset_recalloc(void *p, size_t newcount, size_t size, size_t alignment, size_t offset) mi_attr_noexcept;

/* ---- POSIX and C11 style -------------------------------------------------- */
mi_decl_nodiscard mi_decl_export int mi_posix_memalign(void **p, size_t alignment, size_t size) mi_attr_noexcept;
mi_decl_alloc void *mi_memalign(size_t alignment, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2) mi_attr_alloc_align(1);
mi_decl_alloc void *mi_aligned_alloc(size_t alignment, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2) mi_attr_alloc_align(1);
mi_decl_alloc void *mi_valloc(size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
mi_decl_alloc void *mi_pvalloc(size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);

/* ---- heaps ------------------------------------------------------------- */
struct mi_heap_s;
typedef struct mi_heap_s mi_heap_t;

mi_decl_nodiscard mi_decl_export mi_heap_t *mi_heap_new(void) mi_attr_noexcept;
mi_decl_export void mi_heap_delete(mi_heap_t *heap) mi_attr_noexcept;
mi_decl_export void mi_heap_destroy(mi_heap_t *heap) mi_attr_noexcept;
mi_decl_export mi_heap_t *mi_heap_set_default(mi_heap_t *heap) mi_attr_noexcept;
mi_decl_export mi_heap_t *mi_heap_get_default(void) mi_attr_noexcept;
mi_decl_export mi_heap_t *mi_heap_get_backing(void) mi_attr_noexcept;
mi_decl_export void mi_heap_collect(mi_heap_t *heap, bool force) mi_attr_noexcept;

mi_decl_alloc void *mi_heap_malloc(mi_heap_t *heap, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);
mi_decl_alloc void *mi_heap_zalloc(mi_heap_t *heap, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);
mi_decl_alloc void *mi_heap_calloc(mi_heap_t *heap, size_t count, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(2, 3);
mi_decl_alloc void *mi_heap_mallocn(mi_heap_t *heap, size_t count, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(2, 3);
mi_decl_alloc void *mi_heap_malloc_small(mi_heap_t *heap, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);
mi_decl_alloc void *mi_heap_zalloc_small(mi_heap_t *heap, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);
mi_decl_alloc void *mi_heap_realloc(mi_heap_t *heap, void *p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(3);
mi_decl_alloc void *mi_heap_reallocn(mi_heap_t *heap, void *p, size_t count, size_t size) mi_attr_noexcept mi_attr_alloc_size2(3, 4);
mi_decl_alloc void *mi_heap_reallocf(mi_heap_t *heap, void *p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(3);
mi_decl_alloc void *mi_heap_rezalloc(mi_heap_t *heap, void *p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(3);
mi_decl_alloc void *mi_heap_recalloc(mi_heap_t *heap, void *p, size_t newcount, size_t size) mi_attr_noexcept mi_attr_alloc_size2(3, 4);
mi_decl_alloc char *mi_heap_strdup(mi_heap_t *heap, const char *s) mi_attr_noexcept mi_attr_malloc;
mi_decl_alloc char *mi_heap_strndup(mi_heap_t *heap, const char *s, size_t n) mi_attr_noexcept mi_attr_malloc;
mi_decl_alloc char *mi_heap_realpath(mi_heap_t *heap, const char *fname, char *resolved_name) mi_attr_noexcept mi_attr_malloc;
mi_decl_alloc void *mi_heap_malloc_aligned(mi_heap_t *heap, size_t size, size_t alignment) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2) mi_attr_alloc_align(3);
mi_decl_alloc void *mi_heap_malloc_aligned_at(mi_heap_t *heap, size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);
mi_decl_alloc void *mi_heap_zalloc_aligned(mi_heap_t *heap, size_t size, size_t alignment) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2) mi_attr_alloc_align(3);
mi_decl_alloc void *mi_heap_calloc_aligned(mi_heap_t *heap, size_t count, size_t size, size_t alignment) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(2, 3) mi_attr_alloc_align(4);
mi_decl_alloc void *mi_heap_realloc_aligned(mi_heap_t *heap, void *p, size_t newsize, size_t alignment) mi_attr_noexcept mi_attr_alloc_size(3) mi_attr_alloc_align(4);
mi_decl_alloc void *mi_heap_zalloc_aligned_at(mi_heap_t *heap, size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);
mi_decl_alloc void *mi_heap_calloc_aligned_at(mi_heap_t *heap, size_t count, size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(2, 3);
mi_decl_alloc void *mi_heap_realloc_aligned_at(mi_heap_t *heap, void *p, size_t newsize, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_alloc_size(3);
mi_decl_alloc void *mi_heap_rezalloc_aligned(mi_heap_t *heap, void *p, size_t newsize, size_t alignment) mi_attr_noexcept mi_attr_alloc_size(3) mi_attr_alloc_align(4);
mi_decl_alloc void *mi_heap_rezalloc_aligned_at(mi_heap_t *heap, void *p, size_t newsize, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_alloc_size(3);
mi_decl_alloc void *mi_heap_recalloc_aligned(mi_heap_t *heap, void *p, size_t newcount, size_t size, size_t alignment) mi_attr_noexcept mi_attr_alloc_size2(3, 4) mi_attr_alloc_align(5);
mi_decl_alloc void *mi_heap_recalloc_aligned_at(mi_heap_t *heap, void *p, size_t newcount, size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_alloc_size2(3, 4);

mi_decl_export bool mi_heap_contains_block(mi_heap_t *heap, const void *p) mi_attr_noexcept;
mi_decl_export bool mi_heap_check_owned(mi_heap_t *heap, const void *p) mi_attr_noexcept;
mi_decl_export bool mi_check_owned(const void *p) mi_attr_noexcept;

/* Visiting: the visitor is called once per area (block == NULL) and, when
 * visit_all_blocks is true, once per live block in that area.  Returning
 * false stops the walk. */
typedef struct mi_heap_area_s {
  void *blocks;       /* start of the area holding blocks */
  size_t reserved;    /* bytes reserved for this area */
  size_t committed;   /* current committed bytes of this area */
  size_t used;        /* number of allocated blocks */
  size_t block_size;  /* size in bytes of each block */
  size_t full_block_size; /* size including padding */
} mi_heap_area_t;
typedef bool(mi_block_visit_fun)(const mi_heap_t *heap, const mi_heap_area_t *area, void *block,
                                 size_t block_size, void *arg);
mi_decl_export bool mi_heap_visit_blocks(const mi_heap_t *heap, bool visit_all_blocks,
                                         mi_block_visit_fun *visitor, void *arg) mi_attr_noexcept;

/* Whether p points into memory mialloc mapped (any heap, any thread). */
mi_decl_nodiscard mi_decl_export bool mi_is_in_heap_region(const void *p) mi_attr_noexcept;
/* Whether the process's malloc and free are mialloc's (the override). */
mi_decl_nodiscard mi_decl_export bool mi_is_redirected(void) mi_attr_noexcept;

/* ---- reserving OS memory (0 or an errno value) ------------------------------ */
mi_decl_export int mi_reserve_os_memory(size_t size, bool commit, bool allow_large) mi_attr_noexcept;
mi_decl_export int mi_reserve_huge_os_pages_at(size_t pages, int numa_node, size_t timeout_msecs) mi_attr_noexcept;
mi_decl_export int mi_reserve_huge_os_pages_interleave(size_t pages, size_t numa_nodes, size_t timeout_msecs) mi_attr_noexcept;
mi_decl_export int mi_reserve_huge_os_pages(size_t pages, double max_secs, size_t *pages_reserved) mi_attr_noexcept;

/* ---- memory for mialloc to allocate from: arenas (mi_manage_os_memory(3)) ---- */
/* An arena is a region mialloc allocates from: one reserved by the
 * functions above or below, or memory the program hands over.  Its id
 * names it for mi_arena_area; mialloc has no exclusive arenas (heaps take
 * memory from all of them): exclusive = true fails with ENOTSUP. */
typedef void *mi_arena_id_t;
typedef bool(mi_commit_fun_t)(bool commit, void *start, size_t size, bool *is_zero, void *user_arg);
mi_decl_export bool mi_manage_os_memory(void *start, size_t size, bool is_committed, bool is_pinned, bool is_zero,
                                        int numa_node) mi_attr_noexcept;
mi_decl_export bool mi_manage_os_memory_ex(void *start, size_t size, bool is_committed, bool is_pinned,
                                           bool is_zero, int numa_node, bool exclusive,
                                           mi_arena_id_t *arena_id) mi_attr_noexcept;
mi_decl_export bool mi_manage_memory(void *start, size_t size, bool is_committed, bool is_pinned, bool is_zero,
                                     int numa_node, bool exclusive, mi_commit_fun_t *commit_fun,
                                     void *commit_fun_arg, mi_arena_id_t *arena_id) mi_attr_noexcept;
mi_decl_export int mi_reserve_os_memory_ex(size_t size, bool commit, bool allow_large, bool exclusive,
                                           mi_arena_id_t *arena_id) mi_attr_noexcept;
mi_decl_export int mi_reserve_huge_os_pages_at_ex(size_t pages, int numa_node, size_t timeout_msecs, bool exclusive,
                                                  mi_arena_id_t *arena_id) mi_attr_noexcept;
mi_decl_export void *mi_arena_area(mi_arena_id_t arena_id, size_t *size) mi_attr_noexcept;
mi_decl_export bool mi_arena_contains(mi_arena_id_t arena_id, const void *p) mi_attr_noexcept;
mi_decl_export size_t mi_arena_min_alignment(void) mi_attr_noexcept;
mi_decl_export size_t mi_arena_min_size(void) mi_attr_noexcept;
mi_decl_nodiscard mi_decl_export mi_heap_t *mi_heap_new_in_arena(mi_arena_id_t arena_id) mi_attr_noexcept;
mi_decl_export void mi_arenas_print(void) mi_attr_noexcept;
mi_decl_export void mi_debug_show_arenas(void) mi_attr_noexcept;

/* ---- mimalloc v3's heap interfaces on mialloc's thread heaps (mi_heap_main(3)) ---- */
/* A heap of mialloc belongs to the thread that made it: a "theap" is the
 * same heap seen through mimalloc v3's thread-heap names. */
struct mi_theap_s;
typedef struct mi_theap_s mi_theap_t;
mi_decl_nodiscard mi_decl_export mi_heap_t *mi_heap_main(void) mi_attr_noexcept;
mi_decl_nodiscard mi_decl_export mi_heap_t *mi_heap_of(const void *p) mi_attr_noexcept;
mi_decl_nodiscard mi_decl_export bool mi_heap_contains(const mi_heap_t *heap, const void *p) mi_attr_noexcept;
mi_decl_nodiscard mi_decl_export bool mi_any_heap_contains(const void *p) mi_attr_noexcept;
mi_decl_export void mi_heap_set_numa_affinity(mi_heap_t *heap, int numa_node) mi_attr_noexcept;
mi_decl_export bool mi_heap_visit_abandoned_blocks(mi_heap_t *heap, bool visit_blocks, mi_block_visit_fun *visitor,
                                                   void *arg) mi_attr_noexcept;
mi_decl_export bool mi_unsafe_heap_page_is_under_utilized(mi_heap_t *heap, void *p, size_t perc_threshold) mi_attr_noexcept;
mi_decl_export mi_theap_t *mi_heap_theap(mi_heap_t *heap) mi_attr_noexcept;
mi_decl_export mi_theap_t *mi_theap_set_default(mi_theap_t *theap) mi_attr_noexcept;
mi_decl_export mi_theap_t *mi_theap_get_default(void) mi_attr_noexcept;
mi_decl_export void mi_theap_collect(mi_theap_t *theap, bool force) mi_attr_noexcept;
mi_decl_alloc void *mi_theap_malloc(mi_theap_t *theap, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);
mi_decl_alloc void *mi_theap_zalloc(mi_theap_t *theap, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);
mi_decl_alloc void *mi_theap_calloc(mi_theap_t *theap, size_t count, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(2, 3);
mi_decl_alloc void *mi_theap_malloc_small(mi_theap_t *theap, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);
mi_decl_alloc void *mi_theap_zalloc_small(mi_theap_t *theap, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);
mi_decl_alloc void *mi_theap_malloc_aligned(mi_theap_t *theap, size_t size, size_t alignment) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2) mi_attr_alloc_align(3);
mi_decl_alloc void *mi_theap_realloc(mi_theap_t *theap, void *p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(3);
mi_decl_export bool mi_theap_visit_blocks(const mi_theap_t *theap, bool visit_blocks, mi_block_visit_fun *visitor,
                                          void *arg) mi_attr_noexcept;
mi_decl_export void mi_theap_guarded_set_sample_rate(mi_theap_t *theap, size_t sample_rate, size_t seed) mi_attr_noexcept;
mi_decl_export void mi_theap_guarded_set_size_bound(mi_theap_t *theap, size_t min, size_t max) mi_attr_noexcept;

/* Sub-processes: mialloc has one, the process (mi_subproc_main(3)). */
typedef struct mi_subproc_id_s {
  void *_mi_subproc_id;
} mi_subproc_id_t;
typedef bool(mi_heap_visit_fun)(mi_heap_t *heap, void *arg);
mi_decl_export mi_subproc_id_t mi_subproc_main(void) mi_attr_noexcept;
mi_decl_export mi_subproc_id_t mi_subproc_current(void) mi_attr_noexcept;
mi_decl_export mi_subproc_id_t mi_subproc_new(void) mi_attr_noexcept;
mi_decl_export void mi_subproc_destroy(mi_subproc_id_t subproc) mi_attr_noexcept;
mi_decl_export void mi_subproc_add_current_thread(mi_subproc_id_t subproc) mi_attr_noexcept;
mi_decl_export bool mi_subproc_visit_heaps(mi_subproc_id_t subproc, mi_heap_visit_fun *visitor, void *arg) mi_attr_noexcept;

/* ---- process and thread -------------------------------------------------- */
typedef void(mi_output_fun)(const char *msg, void *arg);
typedef void(mi_error_fun)(int err, void *arg);
typedef void(mi_deferred_free_fun)(bool force, unsigned long long heartbeat, void *arg);
mi_decl_export void mi_collect(bool force) mi_attr_noexcept;
mi_decl_nodiscard mi_decl_export int mi_version(void) mi_attr_noexcept;
mi_decl_export void mi_thread_init(void) mi_attr_noexcept;
mi_decl_export void mi_thread_done(void) mi_attr_noexcept;
mi_decl_export void mi_process_init(void) mi_attr_noexcept;
mi_decl_export void mi_process_done(void) mi_attr_noexcept;
mi_decl_export void mi_thread_set_in_threadpool(void) mi_attr_noexcept;
mi_decl_export void mi_collect_reduce(size_t target_thread_owned) mi_attr_noexcept;
mi_decl_export void mi_process_info_print(void) mi_attr_noexcept;
mi_decl_export void mi_process_info_print_out(mi_output_fun *out, void *arg) mi_attr_noexcept;
mi_decl_export void mi_options_print(void) mi_attr_noexcept;
mi_decl_export void mi_options_print_out(mi_output_fun *out, void *arg) mi_attr_noexcept;
/* A copy of environment variable `name` in a block of mi_malloc (NULL when
 * unset), its length with the final 0 in *size: 0 or an errno value. */
mi_decl_export int mi_dupenv_s(char **buf, size_t *size, const char *name) mi_attr_noexcept;
mi_decl_export int mi_wdupenv_s(wchar_t **buf, size_t *size, const wchar_t *name) mi_attr_noexcept;
mi_decl_export void mi_process_info(size_t *elapsed_msecs, size_t *user_msecs, size_t *system_msecs,
                                    size_t *current_rss, size_t *peak_rss, size_t *current_commit,
                                    size_t *peak_commit, size_t *page_faults) mi_attr_noexcept;

/* ---- output, statistics and errors --------------------------------------- */

mi_decl_export void mi_stats_print(void *out) mi_attr_noexcept; /* out: mi_output_fun* or NULL */
mi_decl_export void mi_stats_print_out(mi_output_fun *out, void *arg) mi_attr_noexcept;
mi_decl_export void mi_thread_stats_print_out(mi_output_fun *out, void *arg) mi_attr_noexcept;
mi_decl_export void mi_stats_reset(void) mi_attr_noexcept;
mi_decl_export void mi_stats_merge(void) mi_attr_noexcept;
/* The statistics as JSON (schema in mi_stats_print(3)): written through
 * out, or into buf (NULL: a block to mi_free; NULL if it does not fit). */
mi_decl_export void mi_stats_print_json(mi_output_fun *out, void *arg) mi_attr_noexcept;
mi_decl_export char *mi_stats_get_json(size_t buf_size, char *buf) mi_attr_noexcept;
mi_decl_export void mi_register_output(mi_output_fun *out, void *arg) mi_attr_noexcept;
mi_decl_export void mi_register_error(mi_error_fun *fun, void *arg) mi_attr_noexcept;
mi_decl_export void mi_register_deferred_free(mi_deferred_free_fun *fun, void *arg) mi_attr_noexcept;

/* ---- thread-local storage ------------------------------------------------- */
/* The mechanism that holds each thread's heap pointer, chosen at configure
 * time: "initial-exec", "dynamic", "pthread" or "slot" ("pthread" also once
 * the slot mechanism has fallen back after a conflict). */
mi_decl_nodiscard mi_decl_export const char *mi_tls_mechanism(void) mi_attr_noexcept;
/* The slot index for the "slot" mechanism, or -1. */
mi_decl_nodiscard mi_decl_export long mi_tls_slot(void) mi_attr_noexcept;
/* How many threads found a foreign value in mialloc's TLS slot. */
mi_decl_nodiscard mi_decl_export size_t mi_tls_conflicts(void) mi_attr_noexcept;
/* Error code given to mi_register_error handlers when another component
 * was found using the TLS slot (see mi_tls_mechanism(3)). */
#define MI_ERROR_TLS_CONFLICT EBUSY

/* ---- options ------------------------------------------------------------- */
/* Each option is read once from the environment as MIALLOC_<NAME>. */
typedef enum mi_option_e {
  mi_option_show_errors,        /* MIALLOC_SHOW_ERRORS: print error messages (default 0) */
  mi_option_show_stats,         /* MIALLOC_SHOW_STATS: print statistics at exit (default 0) */
  mi_option_verbose,            /* MIALLOC_VERBOSE: print informational messages (default 0) */
  mi_option_eager_commit,       /* MIALLOC_EAGER_COMMIT: commit segment memory at once (default 1) */
  mi_option_arena_eager_commit, /* MIALLOC_ARENA_EAGER_COMMIT: commit reserved memory at once (default 2 = if overcommit) */
  mi_option_purge_decommits,    /* MIALLOC_PURGE_DECOMMITS: purge with MADV_DONTNEED, not MADV_FREE (default 1) */
  mi_option_allow_large_os_pages, /* MIALLOC_ALLOW_LARGE_OS_PAGES: ask for transparent huge pages (default 0) */
  mi_option_reserve_os_memory,  /* MIALLOC_RESERVE_OS_MEMORY: bytes (K/M/G suffix) to reserve at start; read as KiB (default 0) */
  mi_option_limit_os_alloc,     /* MIALLOC_LIMIT_OS_ALLOC: never map fresh OS memory (default 0) */
  mi_option_purge_delay,        /* MIALLOC_PURGE_DELAY: msecs before freed memory is purged; -1 never (default 10) */
  mi_option_max_errors,         /* MIALLOC_MAX_ERRORS: error messages printed at most (default 16) */
  mi_option_max_warnings,       /* MIALLOC_MAX_WARNINGS: warnings printed at most (default 16) */
  mi_option_arena_purge_mult,   /* MIALLOC_ARENA_PURGE_MULT: free segments wait purge_delay times this (default 10) */
  mi_option_secure,             /* MIALLOC_SECURE: 1 = check a thread's own freed blocks before reuse (default 0) */
  mi_option_reserve_huge_os_pages, /* MIALLOC_RESERVE_HUGE_OS_PAGES: GiB of 2 MiB huge pages to reserve at start (default 0) */
  mi_option_reserve_huge_os_pages_at, /* MIALLOC_RESERVE_HUGE_OS_PAGES_AT: NUMA node for them; -1 any (default -1) */
  mi_option_abort_on_error,     /* MIALLOC_ABORT_ON_ERROR: print an error, then abort() (default 0) */
  /* mimalloc 3's other options: kept, read from the environment and
   * returned as set, but with no effect on mialloc (mi_option_set(3)) */
  mi_option_deprecated_eager_commit,
  mi_option_deprecated_segment_cache,
  mi_option_deprecated_page_reset,
  mi_option_deprecated_abandoned_page_purge,
  mi_option_deprecated_segment_reset,
  mi_option_deprecated_eager_commit_delay,
  mi_option_use_numa_nodes,
  mi_option_os_tag,
  mi_option_deprecated_max_segment_reclaim,
  mi_option_destroy_on_exit,
  mi_option_arena_reserve,
  mi_option_deprecated_purge_extend_delay,
  mi_option_disallow_arena_alloc,
  mi_option_retry_on_oom,
  mi_option_visit_abandoned,
  mi_option_guarded_min,
  mi_option_guarded_max,
  mi_option_guarded_precise,
  mi_option_guarded_sample_rate,
  mi_option_guarded_sample_seed,
  mi_option_generic_collect,
  mi_option_page_reclaim_on_free,
  mi_option_page_full_retain,
  mi_option_page_max_candidates,
  mi_option_max_vabits,
  mi_option_pagemap_commit,
  mi_option_page_commit_on_demand,
  mi_option_page_max_reclaim,
  mi_option_page_cross_thread_max_reclaim,
  mi_option_allow_thp,
  mi_option_minimal_purge_size,
  mi_option_arena_max_object_size,
  mi_option_arena_is_numa_local,
  _mi_option_last,
  /* mimalloc's other names of the same options */
  mi_option_large_os_pages = mi_option_allow_large_os_pages,
  mi_option_eager_region_commit = mi_option_arena_eager_commit,
  mi_option_reset_decommits = mi_option_purge_decommits,
  mi_option_reset_delay = mi_option_purge_delay,
  mi_option_disallow_os_alloc = mi_option_limit_os_alloc
} mi_option_t;

mi_decl_nodiscard mi_decl_export bool mi_option_is_enabled(mi_option_t option) mi_attr_noexcept;
mi_decl_export void mi_option_enable(mi_option_t option) mi_attr_noexcept;
mi_decl_export void mi_option_disable(mi_option_t option) mi_attr_noexcept;
mi_decl_export void mi_option_set_enabled(mi_option_t option, bool enable) mi_attr_noexcept;
mi_decl_export void mi_option_set_enabled_default(mi_option_t option, bool enable) mi_attr_noexcept;
mi_decl_nodiscard mi_decl_export long mi_option_get(mi_option_t option) mi_attr_noexcept;
mi_decl_nodiscard mi_decl_export long mi_option_get_clamp(mi_option_t option, long min, long max) mi_attr_noexcept;
mi_decl_nodiscard mi_decl_export size_t mi_option_get_size(mi_option_t option) mi_attr_noexcept;
mi_decl_export void mi_option_set(mi_option_t option, long value) mi_attr_noexcept;
mi_decl_export void mi_option_set_default(mi_option_t option, long value) mi_attr_noexcept;

/* ---- C++ style: never NULL (see mi_new(3)) ------------------------------------ */
/* On failure the throwing ones call the C++ new handler (std::get_new_handler)
 * until the allocation succeeds, and print an error and abort when no
 * handler is set; the nothrow ones return NULL at once. */
mi_decl_alloc void *mi_new(size_t size) mi_attr_malloc mi_attr_alloc_size(1);
mi_decl_alloc void *mi_new_aligned(size_t size, size_t alignment) mi_attr_malloc mi_attr_alloc_size(1) mi_attr_alloc_align(2);
mi_decl_alloc void *mi_new_nothrow(size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
mi_decl_alloc void *mi_new_aligned_nothrow(size_t size, size_t alignment) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1) mi_attr_alloc_align(2);
mi_decl_alloc void *mi_new_n(size_t count, size_t size) mi_attr_malloc mi_attr_alloc_size2(1, 2);
mi_decl_alloc void *mi_new_realloc(void *p, size_t newsize) mi_attr_alloc_size(2);
mi_decl_alloc void *mi_new_reallocn(void *p, size_t newcount, size_t size) mi_attr_alloc_size2(2, 3);
mi_decl_alloc void *mi_heap_alloc_new(mi_heap_t *heap, size_t size) mi_attr_malloc mi_attr_alloc_size(2);
mi_decl_alloc void *mi_heap_alloc_new_n(mi_heap_t *heap, size_t count, size_t size) mi_attr_malloc mi_attr_alloc_size2(2, 3);

/* ---- typed convenience macros --------------------------------------------------- */
#define mi_malloc_tp(tp) ((tp *)mi_malloc(sizeof(tp)))
#define mi_zalloc_tp(tp) ((tp *)mi_zalloc(sizeof(tp)))
#define mi_calloc_tp(tp, n) ((tp *)mi_calloc(n, sizeof(tp)))
#define mi_mallocn_tp(tp, n) ((tp *)mi_mallocn(n, sizeof(tp)))
#define mi_reallocn_tp(p, tp, n) ((tp *)mi_reallocn(p, n, sizeof(tp)))
#define mi_recalloc_tp(p, tp, n) ((tp *)mi_recalloc(p, n, sizeof(tp)))
#define mi_heap_malloc_tp(hp, tp) ((tp *)mi_heap_malloc(hp, sizeof(tp)))
#define mi_heap_zalloc_tp(hp, tp) ((tp *)mi_heap_zalloc(hp, sizeof(tp)))
#define mi_heap_calloc_tp(hp, tp, n) ((tp *)mi_heap_calloc(hp, n, sizeof(tp)))
#define mi_heap_mallocn_tp(hp, tp, n) ((tp *)mi_heap_mallocn(hp, n, sizeof(tp)))
#define mi_heap_reallocn_tp(hp, p, tp, n) ((tp *)mi_heap_reallocn(hp, p, n, sizeof(tp)))
#define mi_heap_recalloc_tp(hp, p, tp, n) ((tp *)mi_heap_recalloc(hp, p, n, sizeof(tp)))

#ifdef __cplusplus
}
#endif

#endif /* MIALLOC_H */
