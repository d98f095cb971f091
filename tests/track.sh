#!/bin/sh
# track.sh - a memory checker sees the bugs of a program in mialloc's blocks
# (tests/track.c): with --enable-valgrind, memcheck reports a use after
# free, a read past a block, a use of uninitialised memory and a leak, each
# in mialloc's block, and nothing in a clean run; in a build compiled with
# -fsanitize=address, ASan reports the use after free and the read past the
# request (its leak checker knows only its own allocator).  Skipped (77)
# in a build that tells no checker, and for memcheck without valgrind.
track=${top_builddir:-.}/tests/track
[ -x "$track" ] || { echo "no $track"; exit 99; }
run() { "${top_builddir:-.}/libtool" --mode=execute "$@"; }
kind=$(${MIALLOC_TARGET:-sh "$(dirname "$0")/target.sh"} "$track" kind) || exit 99
fail=0
expect() { # expect CASE PATTERN...: the checker's report has every pattern
  case_=$1; shift
  for pat in "$@"; do
    grep -q -e "$pat" "$out" || { echo "FAIL: $case_: no '$pat' in the report:"; cat "$out"; fail=1; return; }
  done
  echo "ok: $case_"
}
out=$(mktemp) || exit 99
trap 'rm -f "$out"' EXIT
case $kind in
valgrind)
  command -v valgrind >/dev/null 2>&1 || { echo "valgrind not installed: skipped"; exit 77; }
  [ -z "${MIALLOC_TEST_EMULATOR:-}" ] ||
    { echo "the tests run under $MIALLOC_TEST_EMULATOR: valgrind runs the build machine's programs only: skipped"; exit 77; }
  [ -z "${MIALLOC_NO_VALGRIND:-}" ] || { echo "MIALLOC_NO_VALGRIND set: skipped"; exit 77; }
  vg() { run valgrind --leak-check=full --errors-for-leak-kinds=definite "$track" "$1" >"$out" 2>&1; }
  vg clean
  expect clean "ERROR SUMMARY: 0 errors" "All heap blocks were freed\|definitely lost: 0 bytes\|no leaks are possible"
  vg uaf
  expect uaf "Invalid read of size 1" "32 bytes inside a block of size 64 free'd" "main (track.c"
  vg overflow
  # the block's usable size: 64, or the 60 bytes asked for in a secure build
  expect overflow "Invalid read of size 1" "0 bytes after a block of size \(64\|60\) alloc'd" "main (track.c"
  vg uninit
  expect uninit "Conditional jump or move depends on uninitialised value"
  vg leak
  expect leak "definitely lost: \(112\|100\) bytes in 1 blocks" "lose_block (track.c"
  ;;
asan)
  asan() { ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 "$track" "$1" >"$out" 2>&1; }
  asan clean && grep -q "clean done" "$out" && echo "ok: clean" || { echo "FAIL: clean:"; cat "$out"; fail=1; }
  asan uaf && { echo "FAIL: uaf ran to the end"; fail=1; }
  expect uaf "use-after-poison" "READ of size 1"
  asan overflow && { echo "FAIL: overflow ran to the end"; fail=1; }
  expect overflow "use-after-poison" "READ of size 1"
  ;;
*)
  echo "this build tells no memory checker about its blocks (configure --enable-valgrind, or -fsanitize=address): skipped"
  exit 77
  ;;
esac
exit $fail
