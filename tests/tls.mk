# tests/tls.mk - tests of the TLS mechanisms (--with-tls, --with-tls-slot),
# included from the top-level Makefile.am.
#
#   tls                 the mechanism reported is the one configured; per-thread heaps
#   tls-conflict        another component writes mialloc's slot (slot builds)
#   tls-copies          two copies of mialloc, each bundled in a shared object
#   tls-dlopen          a library linked with mialloc loaded late with dlopen
#   configure-options.sh configure rejects bad option values, naming the allowed ones

check_PROGRAMS += \
	%reldir%/tls \
	%reldir%/tls-conflict \
	%reldir%/tls-copies \
	%reldir%/tls-dlopen
check_LTLIBRARIES = \
	%reldir%/libtlsframework.la \
	%reldir%/libtlscopy1.la \
	%reldir%/libtlscopy2.la \
	%reldir%/libtlsdlo.la

%canon_reldir%_tls_SOURCES = %reldir%/tls.c %reldir%/tls-slot.h
%canon_reldir%_tls_LDADD = src/libmialloc.la

%canon_reldir%_tls_conflict_SOURCES = %reldir%/tls-conflict.c
%canon_reldir%_tls_conflict_LDADD = src/libmialloc.la %reldir%/libtlsframework.la

%canon_reldir%_tls_copies_SOURCES = %reldir%/tls-copies.c
%canon_reldir%_tls_copies_LDADD = $(DL_LIBS)

%canon_reldir%_tls_dlopen_SOURCES = %reldir%/tls-dlopen.c
%canon_reldir%_tls_dlopen_LDADD = $(DL_LIBS)

## -rpath makes libtool build real shared objects for these test libraries
mi_test_shared = -avoid-version -no-undefined -rpath $(abs_builddir)/%reldir%

%canon_reldir%_libtlsframework_la_SOURCES = %reldir%/tls-framework.c %reldir%/tls-slot.h
%canon_reldir%_libtlsframework_la_LDFLAGS = $(mi_test_shared)

## Each copy bundles the allocator's objects and exports only copyN_*.
%canon_reldir%_libtlscopy1_la_SOURCES = %reldir%/tls-copy.c
%canon_reldir%_libtlscopy1_la_CPPFLAGS = $(AM_CPPFLAGS) -DCOPY=1
%canon_reldir%_libtlscopy1_la_LIBADD = src/libmicore.la
%canon_reldir%_libtlscopy1_la_LDFLAGS = -module $(mi_test_shared) -export-symbols-regex '^copy1_'
%canon_reldir%_libtlscopy2_la_SOURCES = %reldir%/tls-copy.c
%canon_reldir%_libtlscopy2_la_CPPFLAGS = $(AM_CPPFLAGS) -DCOPY=2
%canon_reldir%_libtlscopy2_la_LIBADD = src/libmicore.la
%canon_reldir%_libtlscopy2_la_LDFLAGS = -module $(mi_test_shared) -export-symbols-regex '^copy2_'

%canon_reldir%_libtlsdlo_la_SOURCES = %reldir%/tls-dlo.c
%canon_reldir%_libtlsdlo_la_LIBADD = src/libmialloc.la
%canon_reldir%_libtlsdlo_la_LDFLAGS = -module $(mi_test_shared)

TESTS += \
	%reldir%/tls \
	%reldir%/tls-conflict \
	%reldir%/tls-copies \
	%reldir%/tls-dlopen \
	%reldir%/configure-options.sh

EXTRA_DIST += %reldir%/configure-options.sh
