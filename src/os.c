/* os.c - OS memory policy: sizes, alignment, purging and the accounting of
 * what mialloc takes from the OS.  Calls only the platform layer. */
#include "internal.h"

size_t _mi_os_page_size(void) {
  return _mi_prim_page_size();
}

/* Fresh OS memory for segments, at `hint` if that is free: charged at once
 * unless eager_commit is 0; none at all with limit_os_alloc. */
void *_mi_os_alloc_aligned(size_t size, size_t align, void *hint) {
  if (_mi_option_get_fast(mi_option_limit_os_alloc) != 0)
    return NULL;
  return _mi_os_alloc_commit(size, align, _mi_option_get_fast(mi_option_eager_commit) != 0, hint);
}

void *_mi_os_alloc_commit(size_t size, size_t align, bool commit, void *hint) {
  void *p = NULL;
  size = _mi_align_up(size, _mi_os_page_size());
  int err = _mi_prim_alloc(hint, size, align, commit, &p);
  if (err != 0) {
    _mi_warning_message("unable to map %zu bytes from the OS (error %d)\n", size, err);
    return NULL;
  }
  if (_mi_option_get_fast(mi_option_allow_large_os_pages) != 0)
    _mi_prim_hint_large(p, size);
  _mi_stat_counter(&_mi_stats.mmap_calls, 1);
  _mi_stat_increase(&_mi_stats.reserved, (int64_t)size);
  _mi_stat_increase(&_mi_stats.committed, (int64_t)size);
  return p;
}

/* `size` bytes of huge OS pages (MAP_HUGETLB, 2 MiB) at a multiple of
 * `align`, or NULL (with a warning) where the system has none free. */
void *_mi_os_alloc_huge(size_t size, size_t align) {
  void *p = NULL;
  int err = _mi_prim_alloc_huge(size, align, &p);
  if (err != 0) {
    _mi_warning_message("unable to map %zu bytes of huge OS pages (error %d%s)\n", size, err,
                        err == ENOMEM ? ": none free, see /proc/sys/vm/nr_hugepages" : "");
    return NULL;
  }
  _mi_stat_counter(&_mi_stats.mmap_calls, 1);
  _mi_stat_increase(&_mi_stats.reserved, (int64_t)size);
  _mi_stat_increase(&_mi_stats.committed, (int64_t)size);
  return p;
}

/* `committed`: the bytes of the range that were not purged. */
void _mi_os_free(void *p, size_t size, size_t committed) {
  int err = _mi_prim_free(p, size);
  if (err != 0)
    _mi_warning_message("unable to unmap %p (%zu bytes, error %d)\n", p, size, err);
  _mi_stat_decrease(&_mi_stats.reserved, (int64_t)size);
  _mi_stat_decrease(&_mi_stats.committed, (int64_t)committed);
}

/* A guard page of a secure build: [p, p+size) (OS pages) faults on any
 * access from now on, its memory given back first when `dirty` (a purge
 * that maps afresh, as macOS's does, would undo the protection after it);
 * or, with `on` false, is usable again.  Not counted as committed while it
 * guards.  False (and nothing changed) when the OS refuses. */
bool _mi_os_guard(void *p, size_t size, bool on, bool dirty) {
  if (on && dirty)
    (void)_mi_prim_purge(p, size, true);
  int err = _mi_prim_protect(p, size, on);
  if (err != 0) {
    _mi_warning_message("unable to %s the guard page at %p (error %d)\n", on ? "set" : "remove", p, err);
    return false;
  }
  if (on)
    _mi_stat_decrease(&_mi_stats.committed, (int64_t)size);
  else
    _mi_stat_increase(&_mi_stats.committed, (int64_t)size);
  return true;
}

/* Give the physical pages of [p, p+size) back to the OS; the range stays
 * usable.  Only whole OS pages inside the range are purged. */
size_t _mi_os_purge(void *p, size_t size) {
  size_t psize = _mi_os_page_size();
  uintptr_t start = _mi_align_up((uintptr_t)p, psize);
  uintptr_t end = ((uintptr_t)p + size) & ~(uintptr_t)(psize - 1);
  if (end <= start)
    return 0;
  bool decommit = _mi_option_get_fast(mi_option_purge_decommits) != 0;
  if (_mi_prim_purge((void *)start, end - start, decommit) == 0) {
    _mi_stat_counter(&_mi_stats.purges, 1);
    _mi_stat_counter(&_mi_stats.purged_bytes, (int64_t)(end - start));
    _mi_stat_decrease(&_mi_stats.committed, (int64_t)(end - start));
    return end - start;
  }
  return 0;
}
