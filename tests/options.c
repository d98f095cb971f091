/* options.c - prints the value of each option named on the command line
 * (the part of its name after MIALLOC_, in lower case), read twice, as
 * "name=value" lines: tests/options.sh sets the environment and checks the
 * values and the warnings. */
#include <mialloc.h>

#include <stdio.h>
#include <string.h>

static const char *const names[] = {
    [mi_option_show_errors] = "show_errors",
    [mi_option_show_stats] = "show_stats",
    [mi_option_verbose] = "verbose",
    [mi_option_eager_commit] = "eager_commit",
    [mi_option_arena_eager_commit] = "arena_eager_commit",
    [mi_option_purge_decommits] = "purge_decommits",
    [mi_option_allow_large_os_pages] = "allow_large_os_pages",
    [mi_option_reserve_os_memory] = "reserve_os_memory",
    [mi_option_limit_os_alloc] = "limit_os_alloc",
    [mi_option_purge_delay] = "purge_delay",
    [mi_option_max_errors] = "max_errors",
    [mi_option_max_warnings] = "max_warnings",
    [mi_option_arena_purge_mult] = "arena_purge_mult",
    [mi_option_secure] = "secure",
    [mi_option_reserve_huge_os_pages] = "reserve_huge_os_pages",
    [mi_option_reserve_huge_os_pages_at] = "reserve_huge_os_pages_at",
    [mi_option_abort_on_error] = "abort_on_error",
    [mi_option_deprecated_eager_commit] = "deprecated_eager_commit",
    [mi_option_deprecated_segment_cache] = "deprecated_segment_cache",
    [mi_option_deprecated_page_reset] = "deprecated_page_reset",
    [mi_option_deprecated_abandoned_page_purge] = "deprecated_abandoned_page_purge",
    [mi_option_deprecated_segment_reset] = "deprecated_segment_reset",
    [mi_option_deprecated_eager_commit_delay] = "deprecated_eager_commit_delay",
    [mi_option_use_numa_nodes] = "use_numa_nodes",
    [mi_option_os_tag] = "os_tag",
    [mi_option_deprecated_max_segment_reclaim] = "deprecated_max_segment_reclaim",
    [mi_option_destroy_on_exit] = "destroy_on_exit",
    [mi_option_arena_reserve] = "arena_reserve",
    [mi_option_deprecated_purge_extend_delay] = "deprecated_purge_extend_delay",
    [mi_option_disallow_arena_alloc] = "disallow_arena_alloc",
    [mi_option_retry_on_oom] = "retry_on_oom",
    [mi_option_visit_abandoned] = "visit_abandoned",
    [mi_option_guarded_min] = "guarded_min",
    [mi_option_guarded_max] = "guarded_max",
    [mi_option_guarded_precise] = "guarded_precise",
    [mi_option_guarded_sample_rate] = "guarded_sample_rate",
    [mi_option_guarded_sample_seed] = "guarded_sample_seed",
    [mi_option_generic_collect] = "generic_collect",
    [mi_option_page_reclaim_on_free] = "page_reclaim_on_free",
    [mi_option_page_full_retain] = "page_full_retain",
    [mi_option_page_max_candidates] = "page_max_candidates",
    [mi_option_max_vabits] = "max_vabits",
    [mi_option_pagemap_commit] = "pagemap_commit",
    [mi_option_page_commit_on_demand] = "page_commit_on_demand",
    [mi_option_page_max_reclaim] = "page_max_reclaim",
    [mi_option_page_cross_thread_max_reclaim] = "page_cross_thread_max_reclaim",
    [mi_option_allow_thp] = "allow_thp",
    [mi_option_minimal_purge_size] = "minimal_purge_size",
    [mi_option_arena_max_object_size] = "arena_max_object_size",
    [mi_option_arena_is_numa_local] = "arena_is_numa_local",
};

int main(int argc, char **argv) {
  _Static_assert(sizeof names / sizeof names[0] == _mi_option_last, "every option has a name here");
  mi_free(mi_malloc(1)); /* mialloc starts (a static link has no constructor without this) */
  for (int a = 1; a < argc; a++) {
    int i = 0;
    while (i < _mi_option_last && strcmp(names[i], argv[a]) != 0)
      i++;
    if (i == _mi_option_last) {
      fprintf(stderr, "options: no option %s\n", argv[a]);
      return 99;
    }
    long v = mi_option_get((mi_option_t)i);
    if (mi_option_get((mi_option_t)i) != v)
      return 1;
    printf("%s=%ld\n", argv[a], v);
  }
  return 0;
}
