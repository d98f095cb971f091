#!/bin/sh
# target.sh - run a program built for configure's host: directly, or, when
# cross-compiling, under an emulator of the host (qemu-user).  The test
# driver (LOG_COMPILER, through timeout.sh) runs every test with it, and
# tests that run programs themselves do too.
#
#   target.sh [-p LIB] PROGRAM [ARG...]
#   target.sh -l LIB
#
#   -p LIB   preload LIB into PROGRAM: LD_PRELOAD for PROGRAM only, not for
#            the emulator, which is a program of the build machine
#   -l LIB   can the build machine's programs load LIB?  Exit status 0 if
#            so, else 1 with the reason on stdout (LIB is built for
#            another machine, or for another C library: musl)
#
# PROGRAM may be a libtool wrapper script (then its real binary runs, with
# the build tree's libraries found) or a host ELF file; anything else, such
# as a test written in shell, runs as it is, on the build machine.
#
# Environment (exported by the top-level Makefile from configure's
# MI_TEST_EMULATOR and MI_TEST_SYSROOT):
#   MIALLOC_TEST_EMULATOR  e.g. qemu-aarch64; empty: run programs directly
#   MIALLOC_TEST_SYSROOT   the host's libraries (e.g. /usr/aarch64-linux-gnu):
#                          the emulator's -L, and its lib/ goes last on the
#                          program's LD_LIBRARY_PATH (i686: else the loader
#                          takes the build machine's /lib32 glibc)
#   top_builddir           where libtool is (default .)
# Exit status: the program's; 126 if it cannot be run.

if test "x${1:-}" = x-l && test $# -eq 2; then
  if test -n "${MIALLOC_TEST_EMULATOR:-}"; then
    echo "it is built for another machine (run under $MIALLOC_TEST_EMULATOR)"
    exit 1
  fi
  why=$(LD_PRELOAD=$2 sh -c : 2>&1) && test -z "$why" && exit 0
  echo "${why:-sh exits with an error when it is preloaded}" | head -n 1
  exit 1
fi

preload=
if test "x${1:-}" = x-p; then
  preload=$2
  shift 2
fi
test $# -gt 0 || { echo "usage: target.sh [-p LIB] PROGRAM [ARG...]" >&2; exit 126; }

# the first line of a libtool wrapper script names it so
wrapper=no
case $(sed -n '1,5{/temporary wrapper script for/p;}' "$1" 2>/dev/null) in
  ?*) wrapper=yes ;;
esac

emulator=${MIALLOC_TEST_EMULATOR:-}
if test -n "$emulator" && test "$wrapper" = no &&
  test "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" != 177ELF; then
  emulator= # not a program of the host
fi
if test -z "$emulator"; then
  if test -n "$preload"; then
    LD_PRELOAD=$preload
    export LD_PRELOAD
  fi
  exec "$@"
fi

# Check's per-test timeouts (4 s) are for programs that run at full speed
CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-10}
export CK_TIMEOUT_MULTIPLIER
set -- ${preload:+-E "LD_PRELOAD=$preload"} "$@"
if test -n "${MIALLOC_TEST_SYSROOT:-}"; then
  set -- -L "$MIALLOC_TEST_SYSROOT" "$@"
  LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$MIALLOC_TEST_SYSROOT/lib
  export LD_LIBRARY_PATH
fi
if test "$wrapper" = yes; then
  exec "${top_builddir:-.}/libtool" --mode=execute $emulator "$@"
fi
exec $emulator "$@"
