#!/bin/sh
# glibc.sh - glibc's malloc interfaces (mallinfo2, mallinfo, malloc_trim,
# malloc_stats, malloc_info, mallopt) answer from mialloc's memory under
# the override: tests/glibc-api linked with libmialloc, the same program
# linked with nothing and run with LD_PRELOAD, and python3 calling
# mallinfo2 and malloc_trim through ctypes in a preloaded interpreter.
#
# Environment: MIALLOC_LIB (the shared library), MIALLOC_OVERRIDE.
# Exit status: 0 pass, 1 fail, 77 skip.

LC_ALL=C
export LC_ALL
unset MIALLOC_SHOW_STATS MIALLOC_VERBOSE MIALLOC_SHOW_ERRORS 2>/dev/null || :
me=glibc.sh
dir=${top_builddir:-.}/tests

skip() {
  echo "$me: SKIP: $*"
  exit 77
}
test "${MIALLOC_OVERRIDE:-0}" = 1 || skip "the library is built without the malloc override"
test -f "${MIALLOC_LIB:-}" || skip "MIALLOC_LIB ('${MIALLOC_LIB:-}') is not a file"
test -x "$dir/glibc-api" && test -x "$dir/glibc-api-plain" || skip "no glibc-api programs: not an ELF override build, or a C library without glibc's malloc interfaces (musl)"
case $MIALLOC_LIB in
/*) lib=$MIALLOC_LIB ;;
*) lib=$(pwd)/$MIALLOC_LIB ;;
esac

target=${MIALLOC_TARGET:-sh $(dirname "$0")/target.sh} # runs the build's programs

failures=0
fail() {
  echo "$me: FAIL: $*"
  failures=$((failures + 1))
}

# 1. linked with libmialloc, and 2. preloaded into a program that is not
for run in linked preloaded; do
  if test $run = linked; then
    out=$($target "$dir/glibc-api" 2>"$dir/glibc-api.$run.err")
  else
    out=$($target -p "$lib" "$dir/glibc-api-plain" 2>"$dir/glibc-api.$run.err")
  fi
  status=$?
  cat "$dir/glibc-api.$run.err"
  test $status -eq 0 && test "$out" = "glibc-api: ok" || fail "glibc-api ($run) exited $status: $out"
  # malloc_stats: glibc's layout on stderr, with mialloc's numbers
  grep -q '^Arena 0:$' "$dir/glibc-api.$run.err" &&
    grep -q '^max mmap bytes   = *[1-9][0-9]*$' "$dir/glibc-api.$run.err" ||
    fail "malloc_stats ($run) did not print glibc's report with mialloc's huge blocks"
  rm -f "$dir/glibc-api.$run.err"
done

# 3. python3 with ctypes, preloaded: 50 MB of bytes objects in use, then
# freed and trimmed
if ! why=$($target -l "$lib"); then
  echo "$me: python3 not run: the build machine's programs cannot load the library: $why"
elif command -v python3 >/dev/null 2>&1; then
  out=$(LD_PRELOAD=$lib python3 - <<'PY'
import ctypes, sys

class Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                 "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Mallinfo2
libc.malloc_trim.argtypes = [ctypes.c_size_t]
start = libc.mallinfo2()
data = [bytes(1000) for _ in range(50000)]
held = libc.mallinfo2()
del data
freed = libc.mallinfo2()
trimmed = libc.malloc_trim(0)
print("in-use-grew", held.uordblks - start.uordblks >= 50000 * 1000)
print("in-use-fell", held.uordblks - freed.uordblks >= 50000 * 1000)
print("trim", trimmed)
PY
)
  expected='in-use-grew True
in-use-fell True
trim 1'
  test "$out" = "$expected" || fail "python3 ctypes mallinfo2/malloc_trim printed: $out"
else
  echo "$me: python3 not installed: its part skipped"
fi

test $failures -eq 0 || exit 1
echo "$me: ok"
