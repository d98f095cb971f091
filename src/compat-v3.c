/* compat-v3.c - mimalloc v3's interfaces that mialloc maps onto its own
 * design (mi_heap_main(3) says what each one does here): thread heaps
 * ("theaps") are mialloc's heaps, which belong to one thread; the one
 * sub-process is the process; and the process-level helpers (printing
 * options and process information, collecting down to a target, copies of
 * environment variables).  Hints mialloc has no use for (NUMA affinity,
 * thread pools, guard pages) are accepted and change nothing. */
#include "internal.h"

#include <stdlib.h>
#include <wchar.h>

/* ---- heaps ---------------------------------------------------------------------- */

/* mialloc's heaps belong to a thread: the main heap is the calling
 * thread's backing heap, the one malloc allocates from. */
mi_heap_t *mi_heap_main(void) {
  return mi_heap_get_backing();
}

/* The heap of the page holding p, for blocks of running threads' heaps. */
mi_heap_t *mi_heap_of(const void *p) {
  mi_segment_t *segment = p != NULL ? _mi_segment_of_checked(p) : NULL;
  if (segment == NULL)
    return NULL;
  mi_page_t *page = _mi_segment_page_of(segment, p);
  return page->in_use ? page->heap : NULL;
}

bool mi_heap_contains(const mi_heap_t *heap, const void *p) {
  return heap != NULL && mi_heap_of(p) == heap;
}

/* p points into a page in use of mialloc's, of any heap or thread. */
bool mi_any_heap_contains(const void *p) {
  mi_segment_t *segment = p != NULL ? _mi_segment_of_checked(p) : NULL;
  return segment != NULL && _mi_segment_page_of(segment, p)->in_use;
}

void mi_heap_set_numa_affinity(mi_heap_t *heap, int numa_node) {
  (void)heap;
  (void)numa_node; /* mialloc does not place memory on NUMA nodes */
}

/* Blocks of exited threads are reached through their segments only by
 * the statistics; mialloc has no visitor for them. */
bool mi_heap_visit_abandoned_blocks(mi_heap_t *heap, bool visit_blocks, mi_block_visit_fun *visitor, void *arg) {
  (void)heap;
  (void)visit_blocks;
  (void)visitor;
  (void)arg;
  errno = ENOTSUP;
  return false;
}

/* Fewer than perc_threshold percent of the blocks of p's page are in use
 * (handed out, or freed by other threads and not yet collected). */
bool mi_unsafe_heap_page_is_under_utilized(mi_heap_t *heap, void *p, size_t perc_threshold) {
  if (heap == NULL || mi_heap_of(p) != heap)
    return false;
  mi_page_t *page = _mi_segment_page_of(_mi_ptr_segment(p), p);
  return (size_t)page->used * 100 < perc_threshold * page->reserved;
}

/* ---- theaps: the same heaps ------------------------------------------------------- */

#define H(theap) ((mi_heap_t *)(theap))

mi_theap_t *mi_heap_theap(mi_heap_t *heap) {
  return (mi_theap_t *)heap;
}

mi_theap_t *mi_theap_set_default(mi_theap_t *theap) {
  return (mi_theap_t *)mi_heap_set_default(H(theap));
}

mi_theap_t *mi_theap_get_default(void) {
  return (mi_theap_t *)mi_heap_get_default();
}

void mi_theap_collect(mi_theap_t *theap, bool force) {
  mi_heap_collect(H(theap), force);
}

/* mi_theap_NAME(theap, ...) is mi_heap_NAME(heap, ...) */
#define MI_THEAP_ALLOC(name, params, args)                                                         \
  void *mi_theap_##name params {                                                                   \
    return mi_heap_##name args;                                                                    \
  }
MI_THEAP_ALLOC(malloc, (mi_theap_t *theap, size_t size), (H(theap), size))
MI_THEAP_ALLOC(zalloc, (mi_theap_t *theap, size_t size), (H(theap), size))
MI_THEAP_ALLOC(calloc, (mi_theap_t *theap, size_t count, size_t size), (H(theap), count, size))
MI_THEAP_ALLOC(malloc_small, (mi_theap_t *theap, size_t size), (H(theap), size))
MI_THEAP_ALLOC(zalloc_small, (mi_theap_t *theap, size_t size), (H(theap), size))
MI_THEAP_ALLOC(malloc_aligned, (mi_theap_t *theap, size_t size, size_t alignment), (H(theap), size, alignment))
MI_THEAP_ALLOC(realloc, (mi_theap_t *theap, void *p, size_t newsize), (H(theap), p, newsize))

bool mi_theap_visit_blocks(const mi_theap_t *theap, bool visit_blocks, mi_block_visit_fun *visitor, void *arg) {
  return mi_heap_visit_blocks((const mi_heap_t *)theap, visit_blocks, visitor, arg);
}

/* mialloc puts no guard pages after blocks. */
void mi_theap_guarded_set_sample_rate(mi_theap_t *theap, size_t sample_rate, size_t seed) {
  (void)theap;
  (void)sample_rate;
  (void)seed;
}

void mi_theap_guarded_set_size_bound(mi_theap_t *theap, size_t min, size_t max) {
  (void)theap;
  (void)min;
  (void)max;
}

/* ---- sub-processes: the process is the only one ----------------------------------- */

static char process_subproc; /* the main sub-process's id points here */

mi_subproc_id_t mi_subproc_main(void) {
  mi_subproc_id_t id = {&process_subproc};
  return id;
}

mi_subproc_id_t mi_subproc_current(void) {
  return mi_subproc_main();
}

/* No separate sub-processes: an id that names none, with ENOTSUP. */
mi_subproc_id_t mi_subproc_new(void) {
  mi_subproc_id_t none = {NULL};
  _mi_error_message(ENOTSUP, "mi_subproc_new: mialloc has no sub-processes but the process\n");
  errno = ENOTSUP;
  return none;
}

void mi_subproc_destroy(mi_subproc_id_t subproc) {
  (void)subproc; /* the main one lives as long as the process; no other exists */
}

void mi_subproc_add_current_thread(mi_subproc_id_t subproc) {
  if (subproc._mi_subproc_id != &process_subproc)
    _mi_error_message(EINVAL, "mi_subproc_add_current_thread: not a sub-process of mialloc's\n");
}

/* The heaps of the calling thread: those of other threads are theirs alone. */
bool mi_subproc_visit_heaps(mi_subproc_id_t subproc, mi_heap_visit_fun *visitor, void *arg) {
  if (subproc._mi_subproc_id != &process_subproc || visitor == NULL)
    return false;
  mi_heap_t *heap = mi_heap_get_default();
  for (mi_heap_t *h = heap != NULL ? heap->tld->heaps : NULL, *next; h != NULL; h = next) {
    next = h->next;
    if (!visitor(h, arg))
      return false;
  }
  return true;
}

/* ---- the process ------------------------------------------------------------------------ */

void mi_thread_set_in_threadpool(void) {
  /* a hint for mimalloc's reclaiming; mialloc's threads reclaim alike */
}

/* Free what the calling thread can, all of it when its pages hold more
 * than target_thread_owned bytes. */
void mi_collect_reduce(size_t target_thread_owned) {
  mi_usage_t u;
  _mi_heap_usage(true, &u);
  size_t held = _mi_usage_sum(&u, 0, MI_BIN_COUNT, true);
  mi_collect(held > target_thread_owned);
}

void mi_process_info_print_out(mi_output_fun *out, void *arg) {
  size_t elapsed, user, sys, rss, peak_rss, commit, peak_commit, faults;
  mi_process_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
  char line[256];
  _mi_snprintf(line, sizeof line,
               "mialloc: process: elapsed %zu ms, user %zu ms, system %zu ms, resident %zu KiB (peak %zu KiB), "
               "committed %zu KiB (peak %zu KiB), %zu page faults\n",
               elapsed, user, sys, rss >> 10, peak_rss >> 10, commit >> 10, peak_commit >> 10, faults);
  _mi_fputs(out, arg, NULL, line);
}

void mi_process_info_print(void) {
  mi_process_info_print_out(NULL, NULL);
}

void mi_options_print(void) {
  mi_options_print_out(NULL, NULL);
}

/* ---- environment copies --------------------------------------------------------------- */

int mi_dupenv_s(char **buf, size_t *size, const char *name) {
  if (buf == NULL || name == NULL)
    return EINVAL;
  *buf = NULL;
  if (size != NULL)
    *size = 0;
  for (size_t room = 256; room <= ((size_t)1 << 24); room *= 4) {
    char *v = mi_malloc(room);
    if (v == NULL)
      return ENOMEM;
    if (!_mi_prim_getenv(name, v, room)) {
      mi_free(v);
      return 0; /* unset: *buf NULL */
    }
    size_t len = strlen(v);
    if (len + 1 < room) { /* not cut short */
      *buf = v;
      if (size != NULL)
        *size = len + 1;
      return 0;
    }
    mi_free(v);
  }
  return ENOMEM;
}

/* A wide name of ASCII characters; the value converted by mbstowcs(3)
 * under the current locale. */
int mi_wdupenv_s(wchar_t **buf, size_t *size, const wchar_t *name) {
  if (buf == NULL || name == NULL)
    return EINVAL;
  *buf = NULL;
  if (size != NULL)
    *size = 0;
  char narrow[256];
  size_t n = 0;
  for (; name[n] != 0; n++) {
    if (n + 1 >= sizeof narrow || (unsigned long)name[n] > 127) /* ASCII only; wchar_t may be signed or not */
      return EINVAL;
    narrow[n] = (char)name[n];
  }
  narrow[n] = 0;
  char *value = NULL;
  int err = mi_dupenv_s(&value, NULL, narrow);
  if (err != 0 || value == NULL)
    return err;
  size_t wlen = mbstowcs(NULL, value, 0);
  wchar_t *w = wlen == (size_t)-1 ? NULL : mi_mallocn(wlen + 1, sizeof *w);
  if (w != NULL)
    mbstowcs(w, value, wlen + 1);
  mi_free(value);
  if (w == NULL)
    return wlen == (size_t)-1 ? EILSEQ : ENOMEM;
  *buf = w;
  if (size != NULL)
    *size = wlen + 1;
  return 0;
}
