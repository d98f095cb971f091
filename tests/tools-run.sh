#!/bin/sh
# tools-run.sh - test mialloc-run, as built in the build tree, against the
# build tree's library (MIALLOC_RUN_LIB): command line, exit codes, the
# preload list and the environment it sets.  Lints man/mialloc-run.1 when
# mandoc is installed.
#
# Environment (exported by the top-level Makefile):
#   MIALLOC_LIB       the shared library to preload (required)
#   MIALLOC_OVERRIDE  1 if the library replaces malloc; otherwise skip
#   srcdir            top source directory (default: this script's parent)
#   top_builddir      top build directory, where tools/mialloc-run is (default .)
# Exit status: 0 pass, 1 fail, 77 skip, 99 hard error.
#
# shellcheck disable=SC2016 # the sh -c scripts expand in the child, on purpose

LC_ALL=C
export LC_ALL
unset MIALLOC_SHOW_STATS MIALLOC_VERBOSE MIALLOC_RUN_LIB LD_PRELOAD 2>/dev/null || :
me=tools-run.sh

: "${srcdir:=$(dirname "$0")/..}"
: "${top_builddir:=.}"

if test -z "${MIALLOC_LIB:-}" || test ! -f "$MIALLOC_LIB"; then
  echo "$me: SKIP: MIALLOC_LIB ('${MIALLOC_LIB:-}') is not a file"
  exit 77
fi
if test "${MIALLOC_OVERRIDE:-}" != 1; then
  echo "$me: SKIP: the library does not replace malloc (MIALLOC_OVERRIDE='${MIALLOC_OVERRIDE:-}')"
  exit 77
fi
# mialloc-run is a shell script, the same on every host; the programs it
# preloads the library into here are the build machine's
if ! why=$(${MIALLOC_TARGET:-sh "$(dirname "$0")/target.sh"} -l "$MIALLOC_LIB"); then
  echo "$me: SKIP: the build machine's programs cannot load the library: $why"
  exit 77
fi
case $MIALLOC_LIB in
/*) lib=$MIALLOC_LIB ;;
*) lib=$(pwd)/$MIALLOC_LIB ;;
esac

run=$top_builddir/tools/mialloc-run
if test ! -x "$run"; then
  echo "$me: ERROR: $run is missing: run 'make' first"
  exit 99
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mialloc-tools-run.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 99' HUP INT TERM

MIALLOC_RUN_LIB=$lib
export MIALLOC_RUN_LIB

failures=0
checks=0
fail() {
  echo "$me: FAIL: $*"
  failures=$((failures + 1))
}
show() {
  for f in "$@"; do
    test -s "$f" && sed "s|^|  ${f##*/}: |" "$f" | head -20
  done
}

# expect NAME STATUS CMD...: CMD's exit status must be STATUS; stdout and
# stderr are kept in $tmp/NAME.out and $tmp/NAME.err.
expect() {
  name=$1
  want=$2
  shift 2
  checks=$((checks + 1))
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  got=$?
  if test "$got" -ne "$want"; then
    fail "$name: exit status $got, expected $want"
    show "$tmp/$name.out" "$tmp/$name.err"
    return 1
  fi
  return 0
}

# has NAME STREAM TEXT: the out or err file of NAME contains the fixed TEXT.
has() {
  checks=$((checks + 1))
  if ! grep -F -e "$3" "$tmp/$1.$2" >/dev/null; then
    fail "$1: std$2 does not contain '$3'"
    show "$tmp/$1.out" "$tmp/$1.err"
  fi
}

# empty NAME STREAM: the out or err file of NAME is empty.
empty() {
  checks=$((checks + 1))
  if test -s "$tmp/$1.$2"; then
    fail "$1: std$2 is not empty"
    show "$tmp/$1.$2"
  fi
}

# ---- command line ------------------------------------------------------------------
expect noargs 2 "$run" && { has noargs err Usage; empty noargs out; }
expect help 0 "$run" --help && { has help out Usage; has help out --stats; empty help err; }
expect unknown 2 "$run" --no-such-option true && { has unknown err --no-such-option; empty unknown out; }
expect unknown-short 2 "$run" -x true && has unknown-short err "'-x'"

version=
if test -f "$top_builddir/mialloc.pc"; then
  version=$(sed -n 's/^Version: *//p' "$top_builddir/mialloc.pc")
fi
expect version 0 "$run" --version && {
  has version out "mialloc-run (mialloc) $version"
  empty version err
}

expect not-found 127 "$run" mialloc-no-such-program-here && has not-found err mialloc-no-such-program-here
expect not-found-path 127 "$run" "$tmp/nothing/here" && has not-found-path err "$tmp/nothing/here"
: >"$tmp/not-executable"
expect not-executable 126 "$run" "$tmp/not-executable"
# a shell builtin is not a program
expect builtin 127 "$run" cd
# "--" ends the options: "--stats" is then the program
expect dashdash 127 "$run" -- --stats
expect no-lib 125 env MIALLOC_RUN_LIB="$tmp/missing.so" "$run" true && has no-lib err "$tmp/missing.so"

# The program's status and arguments pass through, options included.
expect status 3 "$run" sh -c 'exit 3'
expect args 0 "$run" sh -c 'printf "%s|" "$@"' sh --stats "a b" -- &&
  has args out '--stats|a b|--|'

# ---- the environment -------------------------------------------------------------
expect preload 0 "$run" sh -c 'printf "%s\n" "$LD_PRELOAD"' && has preload out "$lib"
# an existing list is kept, after libmialloc (libc.so.6 is loaded anyway)
expect keep 0 env LD_PRELOAD=libc.so.6 "$run" sh -c 'printf "%s\n" "$LD_PRELOAD"' &&
  has keep out "$lib libc.so.6"
# a relative MIALLOC_RUN_LIB is made absolute
abs_run=$(cd "$(dirname "$run")" && pwd)/mialloc-run
relative_run() {
  (cd "$(dirname "$lib")" &&
    MIALLOC_RUN_LIB=$(basename "$lib") "$abs_run" sh -c 'printf "%s\n" "$LD_PRELOAD"')
}
expect relative 0 relative_run && has relative out "$lib"
expect no-stats-env 0 "$run" sh -c 'echo "stats=${MIALLOC_SHOW_STATS-unset} verbose=${MIALLOC_VERBOSE-unset}"' &&
  has no-stats-env out "stats=unset verbose=unset"
expect verbose-env 0 "$run" --verbose sh -c 'echo "verbose=$MIALLOC_VERBOSE"' && has verbose-env out "verbose=1"

# The library is mapped into the program.
if test -r /proc/self/maps; then
  expect mapped 0 "$run" cat /proc/self/maps && has mapped out "$lib"
fi

# --stats: the statistics are printed on stderr at exit.  true(1) without
# arguments, since the shell (dash leaves with _exit) and most of coreutils
# (they close stderr in an atexit handler, before the library's destructor
# runs) print nothing.
stats_prog=
for p in /bin/true /usr/bin/true; do
  if test -x "$p"; then
    stats_prog=$p
    break
  fi
done
if test -n "$stats_prog"; then
  expect stats 0 "$run" --stats "$stats_prog" && {
    has stats err elapsed
    has stats err mialloc
  }
  expect stats-keep 0 env LD_PRELOAD=libc.so.6 "$run" --stats "$stats_prog" && has stats-keep err elapsed
  expect verbose 0 "$run" --verbose "$stats_prog" && has verbose err mialloc
  expect quiet 0 "$run" "$stats_prog" && empty quiet err
fi

# ---- macOS, with a uname that says Darwin ------------------------------------------
# DYLD_INSERT_LIBRARIES instead of LD_PRELOAD, the .dylib name, and the
# warning for programs that System Integrity Protection strips it from.
mkdir "$tmp/darwin"
printf '#!/bin/sh\necho Darwin\n' >"$tmp/darwin/uname"
chmod +x "$tmp/darwin/uname"
envcopy=$(command -v env)
cp "$envcopy" "$tmp/envcopy" # outside the protected directories
printf '#!/bin/sh\nexit 0\n' >"$tmp/script.sh"
chmod +x "$tmp/script.sh"
darwin() {
  PATH="$tmp/darwin:$PATH" "$@"
}
expect darwin-preload 0 darwin "$run" "$tmp/envcopy" && {
  has darwin-preload out "DYLD_INSERT_LIBRARIES=$lib"
  empty darwin-preload err
  checks=$((checks + 1))
  if grep '^LD_PRELOAD=' "$tmp/darwin-preload.out" >/dev/null; then
    fail "darwin-preload: LD_PRELOAD is set on macOS"
  fi
}
expect darwin-keep 0 env DYLD_INSERT_LIBRARIES=/opt/other.dylib PATH="$tmp/darwin:$PATH" "$run" "$tmp/envcopy" &&
  has darwin-keep out "DYLD_INSERT_LIBRARIES=$lib:/opt/other.dylib"
expect darwin-libname 125 env -u MIALLOC_RUN_LIB PATH="$tmp/darwin:$PATH" "$run" "$tmp/envcopy" &&
  has darwin-libname err "libmialloc.0.dylib"
for p in /bin/true /usr/bin/true; do
  test -x "$p" || continue
  expect darwin-sip 0 darwin "$run" "$p" && {
    has darwin-sip err "$p is protected by System Integrity Protection"
    has darwin-sip err "removes DYLD_INSERT_LIBRARIES"
  }
  break
done
expect darwin-sip-script 0 darwin "$run" "$tmp/script.sh" &&
  has darwin-sip-script err "/bin/sh is protected by System Integrity Protection: macOS removes DYLD_INSERT_LIBRARIES from its environment (the interpreter of $tmp/script.sh)"
# on Linux, nothing of this
expect linux-no-sip 0 "$run" "$p" && empty linux-no-sip err

# ---- the manual page -------------------------------------------------------------
if command -v mandoc >/dev/null 2>&1; then
  checks=$((checks + 1))
  out=$(mandoc -Tlint -W warning "$srcdir/man/mialloc-run.1" 2>&1)
  if test $? -ne 0 || test -n "$out"; then
    fail "mandoc -Tlint -W warning man/mialloc-run.1:"
    printf '%s\n' "$out"
  fi
else
  echo "$me: mandoc is not installed: man/mialloc-run.1 not linted"
fi

echo "$me: $checks checks, $failures failed"
test "$failures" -eq 0
