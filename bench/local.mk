# bench/local.mk - benchmark suite, included from the top-level Makefile.am:
#
#     include bench/local.mk
#
# The top-level Makefile.am must define check_PROGRAMS and EXTRA_DIST (an
# empty "X =" is enough) before including this fragment,
# because Automake refuses "+=" on a variable that has not been set yet.
#
# The programs are check_PROGRAMS: "make" does not build them, "make check"
# does (tests/bench-smoke.sh runs them, small, as a test); "make bench"
# builds the library and the programs and runs bench/run.sh.  Pass options
# to run.sh with BENCH_ARGS, e.g.
#
#     make bench BENCH_ARGS='-n 5 churn larson'
#
# The programs use only malloc/free/realloc (no mialloc header and no link
# against libmialloc): run.sh swaps allocators in with LD_PRELOAD.

%canon_reldir%_programs = \
	%reldir%/churn \
	%reldir%/larson \
	%reldir%/prodcons \
	%reldir%/largewin \
	%reldir%/cache-scratch \
	%reldir%/threadchurn \
	%reldir%/hugeblocks \
	%reldir%/timeit

check_PROGRAMS += $(%canon_reldir%_programs)

%canon_reldir%_bench_cflags = $(AM_CFLAGS) -pthread
%canon_reldir%_bench_ldflags = $(AM_LDFLAGS) -pthread

%canon_reldir%_churn_SOURCES = %reldir%/churn.c %reldir%/bench-common.h
%canon_reldir%_churn_CFLAGS = $(%canon_reldir%_bench_cflags)
%canon_reldir%_churn_LDFLAGS = $(%canon_reldir%_bench_ldflags)

%canon_reldir%_larson_SOURCES = %reldir%/larson.c %reldir%/bench-common.h
%canon_reldir%_larson_CFLAGS = $(%canon_reldir%_bench_cflags)
%canon_reldir%_larson_LDFLAGS = $(%canon_reldir%_bench_ldflags)

%canon_reldir%_prodcons_SOURCES = %reldir%/prodcons.c %reldir%/bench-common.h
%canon_reldir%_prodcons_CFLAGS = $(%canon_reldir%_bench_cflags)
%canon_reldir%_prodcons_LDFLAGS = $(%canon_reldir%_bench_ldflags)

%canon_reldir%_largewin_SOURCES = %reldir%/largewin.c %reldir%/bench-common.h
%canon_reldir%_largewin_CFLAGS = $(%canon_reldir%_bench_cflags)
%canon_reldir%_largewin_LDFLAGS = $(%canon_reldir%_bench_ldflags)

%canon_reldir%_cache_scratch_SOURCES = %reldir%/cache-scratch.c %reldir%/bench-common.h
%canon_reldir%_cache_scratch_CFLAGS = $(%canon_reldir%_bench_cflags)
%canon_reldir%_cache_scratch_LDFLAGS = $(%canon_reldir%_bench_ldflags)

%canon_reldir%_threadchurn_SOURCES = %reldir%/threadchurn.c %reldir%/bench-common.h
%canon_reldir%_threadchurn_CFLAGS = $(%canon_reldir%_bench_cflags)
%canon_reldir%_threadchurn_LDFLAGS = $(%canon_reldir%_bench_ldflags)

%canon_reldir%_hugeblocks_SOURCES = %reldir%/hugeblocks.c %reldir%/bench-common.h
%canon_reldir%_hugeblocks_CFLAGS = $(%canon_reldir%_bench_cflags)
%canon_reldir%_hugeblocks_LDFLAGS = $(%canon_reldir%_bench_ldflags)

%canon_reldir%_timeit_SOURCES = %reldir%/timeit.c
%canon_reldir%_timeit_CFLAGS = $(AM_CFLAGS)

EXTRA_DIST += %reldir%/fastpath.c %reldir%/fastpath.sh %reldir%/run.sh %reldir%/README.md \
	%reldir%/peer/README.md %reldir%/peer/build.sh %reldir%/peer/run.sh %reldir%/peer/peer.sh

# "bench" is also the name of a source directory, hence .PHONY.  "all"
# builds libmialloc (run.sh preloads $(abs_builddir)/src/.libs/libmialloc.so);
# the programs land in $(abs_builddir)/%reldir%/, where run.sh looks for them.
# "make bench" runs these workloads, then the peer benchmark (the 22
# mimalloc-bench programs against mimalloc 3.4.3 and snmalloc, %reldir%/peer/)
# when it is built in PEER_DIR or its sources are named (MIBENCH_GIT, ...);
# "make bench-local" and "make bench-peer" run one of the two.  Options for
# the peer runner go in PEER_ARGS, e.g. PEER_ARGS='-n 1 -w cfrac,larsonN'.
.PHONY: bench bench-local bench-peer
bench: bench-local
	$(SHELL) $(srcdir)/%reldir%/peer/peer.sh -q $(abs_builddir) $(PEER_ARGS)
bench-local:
	$(MAKE) $(AM_MAKEFLAGS) all $(%canon_reldir%_programs:=$(EXEEXT))
	$(SHELL) $(srcdir)/%reldir%/run.sh -b $(abs_builddir) $(BENCH_ARGS)
bench-peer: all
	$(SHELL) $(srcdir)/%reldir%/peer/peer.sh $(abs_builddir) $(PEER_ARGS)
