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
