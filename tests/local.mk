# tests/local.mk - automake fragment for the test suite, included by the
# top-level Makefile.am (which defines check_PROGRAMS, TESTS, EXTRA_DIST and
# AM_TESTS_ENVIRONMENT before including it).
#
#   api        Check suites over the public API (tests/api.c)
#   misuse     double and interior frees, writes after free: caught, and
#              the heap sound afterwards (tests/misuse.c)
#   api-compat ... the part that mimalloc's users port with (tests/api-compat.c),
#              run again by itself with MIMALLOC_ environment names set
#   addrmap    Check suites over the allocator's internals, linking
#   page       src/libmicore.la: the address maps (tests/addrmap.c), size
#   foreign    classes and page bookkeeping (tests/page.c), pointers of
#              another allocator (tests/foreign.c: a fake macOS zone)
#   stress     multi-threaded stress test (tests/stress.c); STRESS_SCALE=N
#              in the environment makes it heavier (or lighter, N < 1)
#   fork       fork from a multi-threaded process, allocate in the child
#   fork-stdio fork beside threads in getline and fflush(NULL) (libc names)
#   fork-signal fork from a signal handler that interrupted malloc
#   thread-fail threads start under a 200 MiB RLIMIT_AS; malloc gets ENOMEM
#   rss        memory goes back to the OS after a heavy phase is freed
#   abandoned  ... and that of exited threads too, with no mi_collect;
#              short-lived threads reuse each other's segments
#   pause      a thread back from a pause uses its memory again: what came
#              due meanwhile is purged or unmapped one delay later, once
#   limit.sh   a reservation with fresh mappings refused: ENOMEM at its end
#   options.sh bad and extreme option values: parsed, range-checked, warned
#   errors.sh  errors printed (corruption always), named, counted, fatal
#   preload.sh real programs run with LD_PRELOAD=$MIALLOC_LIB
#   stats.sh   the statistics: JSON around known calls (tests/stats-prog.c)
#              parsed with python3, the report at exit, MIALLOC_STATS_FILE
#   mimalloc-v3 a program written for mimalloc 3.4.3's arena, theap,
#              sub-process and process calls, with only its include changed
#              (tests/mimalloc-v3.c): memory of mi_manage_os_memory is used
#   hugepages.sh huge OS pages reserved through the API back the blocks
#              (as root: raises vm.nr_hugepages for the test; else skips)
#   stats-chart.sh tools/mialloc-stats and bench/run.sh --plot draw charts
#              (skips without matplotlib)
#   cxx-new    C++'s operator new and delete, every form, and mialloc.hpp's
#   cxx-new-header  allocators: linked with libmialloc-cxx, and with
#   cxx-new-override  mialloc-new-delete.h included (when configure found
#              C++); and linked with libmialloc alone, whose override
#              defines them (ELF)
#   cxx-replace  a program that replaces operator new(size) and delete(p)
#              only gets every other form through them (ELF override)
#   glibc.sh   glibc's mallinfo2, malloc_trim, malloc_stats, malloc_info and
#              mallopt report mialloc's memory (tests/glibc-api.c linked,
#              preloaded, and python3's ctypes)
#   exports.sh exported symbols == functions declared in mialloc.h
#   footprint.sh what preloading costs: .bss, private writable memory, RSS
#   layers.sh  the library's files call only downwards (nm of its objects)
#   valgrind.sh the stress test under valgrind's memcheck
#   track.sh   memcheck (--enable-valgrind) or ASan (-fsanitize=address)
#              report the bugs of tests/track.c in mialloc's blocks
#   bench-smoke.sh the benchmark workloads, small, under mialloc and glibc
#   macos.sh   mialloc for macOS, cross-built for arm64 and x86-64 (zig, clang
#              and ld64.lld: tests/macos-toolchain.sh) and inspected; skips
#              without that toolchain, or with MIALLOC_SKIP_MACOS=1
#   no-check.sh stands in for api, failing, when Check was not found
#
# The other test programs link only the public library, as users would.
#
# Every test runs under timeout.sh: one that hangs is killed after
# MIALLOC_TEST_TIMEOUT seconds (default 600), with its stacks in its log.
# It runs the test with target.sh: under an emulator when cross-compiling
# (configure's MI_TEST_EMULATOR); tests that run programs themselves use
# $MIALLOC_TARGET too.

LOG_COMPILER = $(SHELL) $(srcdir)/%reldir%/timeout.sh $(SHELL) $(srcdir)/%reldir%/target.sh

if HAVE_CHECK
check_PROGRAMS += %reldir%/api %reldir%/misuse %reldir%/api-compat %reldir%/addrmap %reldir%/page %reldir%/foreign
TESTS += %reldir%/api %reldir%/misuse %reldir%/api-compat %reldir%/addrmap %reldir%/page %reldir%/foreign
else
TESTS += %reldir%/no-check.sh
endif
check_PROGRAMS += %reldir%/stress %reldir%/fork %reldir%/fork-stdio %reldir%/fork-signal %reldir%/thread-fail %reldir%/rss %reldir%/abandoned %reldir%/pause %reldir%/limit %reldir%/track
check_PROGRAMS += %reldir%/stats-prog
check_PROGRAMS += %reldir%/mimalloc-v3
check_PROGRAMS += %reldir%/hugepages-prog
TESTS += %reldir%/mimalloc-v3
check_PROGRAMS += %reldir%/status
check_PROGRAMS += %reldir%/options %reldir%/errors

%canon_reldir%_hugepages_prog_SOURCES = %reldir%/hugepages-prog.c
%canon_reldir%_hugepages_prog_LDADD = src/libmialloc.la

%canon_reldir%_mimalloc_v3_SOURCES = %reldir%/mimalloc-v3.c
%canon_reldir%_mimalloc_v3_LDADD = src/libmialloc.la

%canon_reldir%_api_SOURCES = %reldir%/api.c
%canon_reldir%_api_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -pthread
%canon_reldir%_api_LDFLAGS = $(AM_LDFLAGS) -pthread
%canon_reldir%_api_LDADD = src/libmialloc.la $(CHECK_LIBS)

%canon_reldir%_misuse_SOURCES = %reldir%/misuse.c
%canon_reldir%_misuse_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -pthread
%canon_reldir%_misuse_LDFLAGS = $(AM_LDFLAGS) -pthread
%canon_reldir%_misuse_LDADD = src/libmialloc.la $(CHECK_LIBS)

%canon_reldir%_api_compat_SOURCES = %reldir%/api-compat.c
%canon_reldir%_api_compat_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
%canon_reldir%_api_compat_LDADD = src/libmialloc.la $(CHECK_LIBS) $(DL_LIBS)

%canon_reldir%_internal_cppflags = $(AM_CPPFLAGS) -I$(top_srcdir)/src -DMIALLOC_BUILD
%canon_reldir%_internal_cflags = $(AM_CFLAGS) $(CHECK_CFLAGS) -pthread
%canon_reldir%_internal_ldadd = src/libmicore.la $(CHECK_LIBS)

%canon_reldir%_addrmap_SOURCES = %reldir%/addrmap.c
%canon_reldir%_addrmap_CPPFLAGS = $(%canon_reldir%_internal_cppflags)
%canon_reldir%_addrmap_CFLAGS = $(%canon_reldir%_internal_cflags)
%canon_reldir%_addrmap_LDFLAGS = $(AM_LDFLAGS) -pthread
%canon_reldir%_addrmap_LDADD = $(%canon_reldir%_internal_ldadd)

%canon_reldir%_page_SOURCES = %reldir%/page.c
%canon_reldir%_page_CPPFLAGS = $(%canon_reldir%_internal_cppflags)
%canon_reldir%_page_CFLAGS = $(%canon_reldir%_internal_cflags)
%canon_reldir%_page_LDFLAGS = $(AM_LDFLAGS) -pthread
%canon_reldir%_page_LDADD = $(%canon_reldir%_internal_ldadd)

%canon_reldir%_foreign_SOURCES = %reldir%/foreign.c
%canon_reldir%_foreign_CPPFLAGS = $(%canon_reldir%_internal_cppflags)
%canon_reldir%_foreign_CFLAGS = $(%canon_reldir%_internal_cflags)
%canon_reldir%_foreign_LDFLAGS = $(AM_LDFLAGS) -pthread
%canon_reldir%_foreign_LDADD = $(%canon_reldir%_internal_ldadd)

%canon_reldir%_stress_SOURCES = %reldir%/stress.c
%canon_reldir%_stress_CFLAGS = $(AM_CFLAGS) -pthread
%canon_reldir%_stress_LDFLAGS = $(AM_LDFLAGS) -pthread
%canon_reldir%_stress_LDADD = src/libmialloc.la

%canon_reldir%_fork_SOURCES = %reldir%/fork.c
%canon_reldir%_fork_LDADD = src/libmialloc.la

%canon_reldir%_track_SOURCES = %reldir%/track.c
%canon_reldir%_track_LDADD = src/libmialloc.la

%canon_reldir%_fork_stdio_SOURCES = %reldir%/fork-stdio.c
%canon_reldir%_fork_stdio_CFLAGS = $(AM_CFLAGS) -pthread
%canon_reldir%_fork_stdio_LDFLAGS = $(AM_LDFLAGS) -pthread
%canon_reldir%_fork_stdio_LDADD = src/libmialloc.la

%canon_reldir%_fork_signal_SOURCES = %reldir%/fork-signal.c
%canon_reldir%_fork_signal_LDADD = src/libmialloc.la

%canon_reldir%_thread_fail_SOURCES = %reldir%/thread-fail.c
%canon_reldir%_thread_fail_CFLAGS = $(AM_CFLAGS) -pthread
%canon_reldir%_thread_fail_LDFLAGS = $(AM_LDFLAGS) -pthread
%canon_reldir%_thread_fail_LDADD = src/libmialloc.la

%canon_reldir%_rss_SOURCES = %reldir%/rss.c
%canon_reldir%_rss_LDADD = src/libmialloc.la

%canon_reldir%_abandoned_SOURCES = %reldir%/abandoned.c
%canon_reldir%_abandoned_CFLAGS = $(AM_CFLAGS) -pthread
%canon_reldir%_abandoned_LDFLAGS = $(AM_LDFLAGS) -pthread
%canon_reldir%_abandoned_LDADD = src/libmialloc.la

%canon_reldir%_pause_SOURCES = %reldir%/pause.c
%canon_reldir%_pause_LDADD = src/libmialloc.la

%canon_reldir%_stats_prog_SOURCES = %reldir%/stats-prog.c
%canon_reldir%_stats_prog_CFLAGS = $(AM_CFLAGS) -pthread
%canon_reldir%_stats_prog_LDFLAGS = $(AM_LDFLAGS) -pthread
%canon_reldir%_stats_prog_LDADD = src/libmialloc.la

if MI_GLIBC_API
check_PROGRAMS += %reldir%/glibc-api %reldir%/glibc-api-plain
endif
%canon_reldir%_glibc_api_SOURCES = %reldir%/glibc-api.c
%canon_reldir%_glibc_api_LDADD = src/libmialloc.la
## the same program, linked with nothing: glibc.sh preloads libmialloc
%canon_reldir%_glibc_api_plain_SOURCES = %reldir%/glibc-api.c

if MI_CXX
check_PROGRAMS += %reldir%/cxx-new %reldir%/cxx-new-header
TESTS += %reldir%/cxx-new %reldir%/cxx-new-header
if MI_OVERRIDE
if !MI_DARWIN
check_PROGRAMS += %reldir%/cxx-new-override %reldir%/cxx-replace
TESTS += %reldir%/cxx-new-override %reldir%/cxx-replace
endif
endif
endif
%canon_reldir%_cxx_new_SOURCES = %reldir%/cxx-new.cpp
%canon_reldir%_cxx_new_LDADD = src/libmialloc-cxx.la src/libmialloc.la $(DL_LIBS)
%canon_reldir%_cxx_new_header_SOURCES = %reldir%/cxx-new.cpp
%canon_reldir%_cxx_new_header_CPPFLAGS = $(AM_CPPFLAGS) -DMI_TEST_HEADER
%canon_reldir%_cxx_new_header_LDADD = src/libmialloc.la $(DL_LIBS)
%canon_reldir%_cxx_new_override_SOURCES = %reldir%/cxx-new.cpp
%canon_reldir%_cxx_new_override_CPPFLAGS = $(AM_CPPFLAGS) -DMI_TEST_OVERRIDE
%canon_reldir%_cxx_new_override_LDADD = src/libmialloc.la $(DL_LIBS)
%canon_reldir%_cxx_replace_SOURCES = %reldir%/cxx-replace.cpp
%canon_reldir%_cxx_replace_LDADD = src/libmialloc.la $(DL_LIBS)

%canon_reldir%_limit_SOURCES = %reldir%/limit.c
%canon_reldir%_limit_LDADD = src/libmialloc.la

## links nothing of mialloc: footprint.sh preloads it
%canon_reldir%_status_SOURCES = %reldir%/status.c

%canon_reldir%_options_SOURCES = %reldir%/options.c
%canon_reldir%_options_LDADD = src/libmialloc.la

%canon_reldir%_errors_SOURCES = %reldir%/errors.c
%canon_reldir%_errors_LDADD = src/libmialloc.la

TESTS += \
	%reldir%/stress \
	%reldir%/fork \
	%reldir%/fork-stdio \
	%reldir%/fork-signal \
	%reldir%/thread-fail \
	%reldir%/rss \
	%reldir%/abandoned \
	%reldir%/pause \
	%reldir%/limit.sh \
	%reldir%/options.sh \
	%reldir%/errors.sh \
	%reldir%/preload.sh \
	%reldir%/stats.sh \
	%reldir%/hugepages.sh \
	%reldir%/stats-chart.sh \
	%reldir%/glibc.sh \
	%reldir%/exports.sh \
	%reldir%/footprint.sh \
	%reldir%/layers.sh \
	%reldir%/valgrind.sh \
	%reldir%/track.sh \
	%reldir%/bench-smoke.sh \
	%reldir%/macos.sh

EXTRA_DIST += \
	%reldir%/addrmap.c \
	%reldir%/api.c \
	%reldir%/misuse.c \
	%reldir%/track.sh \
	%reldir%/bench-smoke.sh \
	%reldir%/page.c \
	%reldir%/errors.sh \
	%reldir%/exports.sh \
	%reldir%/footprint.sh \
	%reldir%/foreign.c \
	%reldir%/glibc.sh \
	%reldir%/layers.sh \
	%reldir%/limit.sh \
	%reldir%/macos.sh \
	%reldir%/macos-toolchain.sh \
	%reldir%/macos-zone-layout.c \
	%reldir%/no-check.sh \
	%reldir%/options.sh \
	%reldir%/preload.sh \
	%reldir%/stats.sh \
	%reldir%/hugepages.sh \
	%reldir%/stats-chart.sh \
	%reldir%/stats-prog.c \
	%reldir%/target.sh \
	%reldir%/timeout.sh \
	%reldir%/valgrind.sh
