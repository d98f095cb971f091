/* override-glibc.c - glibc's own malloc interfaces, answered from
 * mialloc's memory (mialloc-glibc(3)): mallinfo2, mallinfo, malloc_trim,
 * malloc_stats, malloc_info and mallopt.  With the override in place a
 * program's monitoring code would otherwise ask glibc about an arena that
 * holds nothing.  Built with --enable-override on ELF systems, like
 * override.c; mialloc is reported as glibc's "arena 0", the only one. */
#include "internal.h"

#include <limits.h>
#include <malloc.h>
#include <stdio.h>

#define MI_LIBC __attribute__((visibility("default")))

static size_t stat_current(const mi_stat_count_t *c) {
  int64_t v = __atomic_load_n(&c->current, __ATOMIC_RELAXED);
  return v > 0 ? (size_t)v : 0;
}

static size_t stat_peak(const mi_stat_count_t *c) {
  int64_t v = __atomic_load_n(&c->peak, __ATOMIC_RELAXED);
  return v > 0 ? (size_t)v : 0;
}

/* ---- mallinfo ------------------------------------------------------------- */

/* glibc's picture: "arena" is the memory not in mmapped chunks (for
 * mialloc: committed memory outside huge blocks), hblks/hblkhd the
 * mmapped chunks (huge blocks), uordblks/fordblks the bytes in use and
 * free in the arena, ordblks the free chunks (free blocks of pages in
 * use).  Fast bins, usmblks and keepcost do not exist here: 0. */
MI_LIBC struct mallinfo2 mallinfo2(void) {
  mi_usage_t u;
  _mi_heap_usage(false, &u);
  struct mallinfo2 mi = {0};
  size_t huge_bytes = stat_current(&_mi_stats.huge), committed = stat_current(&_mi_stats.committed);
  mi.hblks = u.live_blocks[MI_BIN_HUGE];
  mi.hblkhd = huge_bytes;
  mi.arena = committed > huge_bytes ? committed - huge_bytes : 0;
  mi.uordblks = _mi_usage_sum(&u, 0, MI_BIN_HUGE, true);
  mi.fordblks = mi.arena > mi.uordblks ? mi.arena - mi.uordblks : 0;
  for (size_t bin = 0; bin < MI_BIN_HUGE; bin++)
    mi.ordblks += u.free_blocks[bin];
  return mi;
}

static int clamp_int(size_t v) {
  return v > INT_MAX ? INT_MAX : (int)v;
}

/* The int fields saturate at INT_MAX instead of wrapping as glibc's do. */
MI_LIBC struct mallinfo mallinfo(void) {
  struct mallinfo2 m2 = mallinfo2();
  struct mallinfo mi = {0};
  mi.arena = clamp_int(m2.arena);
  mi.ordblks = clamp_int(m2.ordblks);
  mi.hblks = clamp_int(m2.hblks);
  mi.hblkhd = clamp_int(m2.hblkhd);
  mi.uordblks = clamp_int(m2.uordblks);
  mi.fordblks = clamp_int(m2.fordblks);
  return mi;
}

/* ---- malloc_trim, malloc_stats, malloc_info --------------------------------- */

/* Everything the calling thread can give back, now: empty pages and
 * segments freed, free memory purged, the process-wide cache emptied.  1
 * when that released memory to the OS.  pad is not used: mialloc keeps no
 * top of heap to pad. */
MI_LIBC int malloc_trim(size_t pad) {
  (void)pad;
  size_t before = stat_current(&_mi_stats.committed);
  mi_collect(true);
  return stat_current(&_mi_stats.committed) < before ? 1 : 0;
}

/* glibc's layout, so that whatever reads it still can. */
MI_LIBC void malloc_stats(void) {
  struct mallinfo2 mi = mallinfo2();
  char buf[512];
  _mi_snprintf(buf, sizeof buf,
               "Arena 0:\nsystem bytes     = %10zu\nin use bytes     = %10zu\n"
               "Total (incl. mmap):\nsystem bytes     = %10zu\nin use bytes     = %10zu\n"
               "max mmap regions = %10zu\nmax mmap bytes   = %10zu\n",
               mi.arena, mi.uordblks, mi.arena + mi.hblkhd, mi.uordblks + mi.hblkhd, mi.hblks,
               stat_peak(&_mi_stats.huge));
  _mi_prim_out_stderr(buf);
}

/* The free blocks of each size class, and the totals, as glibc's XML. */
MI_LIBC int malloc_info(int options, FILE *fp) {
  if (options != 0 || fp == NULL) {
    errno = EINVAL;
    return -1;
  }
  mi_usage_t u;
  _mi_heap_usage(false, &u);
  struct mallinfo2 mi = mallinfo2();
  size_t reserved = stat_current(&_mi_stats.reserved), committed_peak = stat_peak(&_mi_stats.committed);
  fputs("<malloc version=\"1\">\n<heap nr=\"0\">\n<sizes>\n", fp);
  for (size_t bin = 1, from = 1; bin < MI_BIN_HUGE; from = _mi_bin_size((uint8_t)bin) + 1, bin++)
    if (u.free_blocks[bin] != 0)
      fprintf(fp, "<size from=\"%zu\" to=\"%zu\" total=\"%zu\" count=\"%zu\"/>\n", from,
              _mi_bin_size((uint8_t)bin), u.free_blocks[bin] * _mi_bin_size((uint8_t)bin), u.free_blocks[bin]);
  for (int total = 0; total < 2; total++) {
    fprintf(fp, "%s<total type=\"fast\" count=\"0\" size=\"0\"/>\n<total type=\"rest\" count=\"%zu\" size=\"%zu\"/>\n",
            total ? "" : "</sizes>\n", mi.ordblks, mi.fordblks);
    if (total)
      fprintf(fp, "<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>\n", mi.hblks, mi.hblkhd);
    fprintf(fp, "<system type=\"current\" size=\"%zu\"/>\n<system type=\"max\" size=\"%zu\"/>\n",
            mi.arena + mi.hblkhd, committed_peak);
    fprintf(fp, "<aspace type=\"total\" size=\"%zu\"/>\n<aspace type=\"mprotect\" size=\"%zu\"/>\n%s", reserved,
            mi.arena + mi.hblkhd, total ? "</malloc>\n" : "</heap>\n");
  }
  return 0;
}

/* ---- mallopt --------------------------------------------------------------- */

/* glibc's parameters, accepted with its ranges (1) or refused (0).  Those
 * with a counterpart set a mialloc option: M_TRIM_THRESHOLD < 0 (never
 * trim) sets purge_delay to -1 (never purge), 0 to 0 (purge at once), > 0
 * back to the default; M_CHECK_ACTION bit 0 (print a diagnostic) sets
 * show_errors.  The others have no counterpart (mialloc has no fast bins,
 * top pad, arenas or mmap threshold to set): accepted, and nothing changes.
 * M_PERTURB is one of those: filling blocks would cost the fast path. */
MI_LIBC int mallopt(int param, int value) {
  switch (param) {
  case M_TRIM_THRESHOLD:
    if (value < 0)
      mi_option_set(mi_option_purge_delay, -1);
    else if (value == 0)
      mi_option_set(mi_option_purge_delay, 0);
    else
      mi_option_set(mi_option_purge_delay, MI_PURGE_DELAY_DEFAULT);
    return 1;
  case M_CHECK_ACTION:
    mi_option_set_enabled(mi_option_show_errors, (value & 1) != 0);
    return 1;
  case M_MXFAST:
    return value >= 0 && (size_t)value <= 80 * sizeof(size_t) / 4 ? 1 : 0;
  case M_MMAP_THRESHOLD:
    return value >= 0 && (size_t)value <= (size_t)32 << 20 ? 1 : 0;
  case M_ARENA_TEST:
  case M_ARENA_MAX:
  case M_TOP_PAD:
  case M_MMAP_MAX:
  case M_PERTURB:
    return 1;
  default:
    return 0;
  }
}
