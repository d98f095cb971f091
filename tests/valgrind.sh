#!/bin/sh
# valgrind.sh - the stress test under valgrind's memcheck: no invalid reads
# or writes, no use of uninitialised values, in the allocator itself.
# Skipped (77) when valgrind is not installed or MIALLOC_NO_VALGRIND is set
# (the sanitizer build sets it: ASan and valgrind do not mix).
command -v valgrind >/dev/null 2>&1 || { echo "valgrind not installed: skipped"; exit 77; }
[ -z "${MIALLOC_NO_VALGRIND:-}" ] || { echo "MIALLOC_NO_VALGRIND set: skipped"; exit 77; }
[ -z "${MIALLOC_TEST_EMULATOR:-}" ] ||
  { echo "the tests run under $MIALLOC_TEST_EMULATOR: valgrind runs the build machine's programs only: skipped"; exit 77; }
stress=${top_builddir:-.}/tests/stress
[ -x "$stress" ] || { echo "no $stress"; exit 99; }
# libtool wrapper scripts need --trace-children; the real binary is in .libs
exec env STRESS_SCALE=0.5 "${top_builddir:-.}/libtool" --mode=execute \
  valgrind --error-exitcode=3 --quiet --track-origins=no "$stress"
