#!/bin/sh
# options.sh - environment options with bad or extreme values: full 64-bit
# numbers, K/M/G (KiB/MiB/GiB) suffixes, each option's range, one warning
# per rejected or clamped value (always printed: no MIALLOC_SHOW_ERRORS)
# naming the option, the value and what is used instead; MIALLOC_VERBOSE
# lists every option.  Runs tests/options (prints option values).
me=options.sh
top_builddir=${top_builddir:-.}
prog=$top_builddir/tests/options
target=${MIALLOC_TARGET:-sh $(dirname "$0")/target.sh} # runs it, under an emulator if need be
unset MIALLOC_SHOW_ERRORS MIALLOC_VERBOSE MIALLOC_SHOW_STATS 2>/dev/null || :
tmp=${TMPDIR:-/tmp}/mialloc-options.$$
trap 'rm -f "$tmp".out "$tmp".err' EXIT
fails=0

fail() {
  echo "$me: FAIL: $*"
  sed 's/^/  stderr: /' "$tmp.err"
  fails=$((fails + 1))
}

# check 'VAR=value' option expected-value [warning-pattern]: with only that
# variable set, the option reads expected-value; stderr holds exactly one
# line matching the pattern, or nothing at all without one
check() {
  env "$1" $target "$prog" "$2" >"$tmp.out" 2>"$tmp.err" || { fail "$1: exit status $?"; return; }
  got=$(sed -n "s/^$2=//p" "$tmp.out")
  [ "$got" = "$3" ] || { fail "$1: $2 is '$got', not '$3'"; return; }
  if [ $# -lt 4 ]; then
    [ -s "$tmp.err" ] && fail "$1: a message where none was due"
  elif [ "$(grep -c -e "$4" "$tmp.err")" != 1 ] || [ "$(wc -l <"$tmp.err")" != 1 ]; then
    fail "$1: not one warning matching: $4"
  fi
  return 0
}

# full 64-bit values, not cut
# a long's range (options are longs) and the largest size, in KiB: 128 TiB
# where a long has 64 bits, 1 TiB where it has 32 (i686, armhf)
if env MIALLOC_RESERVE_OS_MEMORY=9000000000000G $target "$prog" reserve_os_memory 2>/dev/null |
  grep -q '^reserve_os_memory=1073741824$'; then
  long_max=2147483647 kib_max=1073741824 g_max=1024G
else
  long_max=9223372036854775807 kib_max=137438953472 g_max=131072G
fi
if [ $long_max = 9223372036854775807 ]; then
  check MIALLOC_PURGE_DELAY=9223372036854775807 purge_delay 9223372036854775807
else
  check MIALLOC_PURGE_DELAY=9223372036854775807 purge_delay $long_max \
    "warning: MIALLOC_PURGE_DELAY=9223372036854775807 is out of range (-1 to $long_max): using $long_max\$"
fi
check MIALLOC_PURGE_DELAY=-1 purge_delay -1
check MIALLOC_PURGE_DELAY=99999999999999999999 purge_delay $long_max \
  "warning: MIALLOC_PURGE_DELAY=99999999999999999999 is out of range (-1 to $long_max): using $long_max\$"
check MIALLOC_PURGE_DELAY=-2 purge_delay -1 'MIALLOC_PURGE_DELAY=-2 is out of range .*: using -1$'
# sizes: bytes rounded up to KiB, the suffixes in any case, overflow clamped
check MIALLOC_RESERVE_OS_MEMORY=4097 reserve_os_memory 5
check MIALLOC_RESERVE_OS_MEMORY=64k reserve_os_memory 64
check MIALLOC_RESERVE_OS_MEMORY=2MiB reserve_os_memory 2048
check MIALLOC_RESERVE_OS_MEMORY=3gb reserve_os_memory 3145728
check MIALLOC_RESERVE_OS_MEMORY=9000000000000G reserve_os_memory $kib_max \
  "warning: MIALLOC_RESERVE_OS_MEMORY=9000000000000G is out of range (0 to $g_max): using $g_max\$"
check MIALLOC_RESERVE_OS_MEMORY=-3 reserve_os_memory 0 "MIALLOC_RESERVE_OS_MEMORY=-3 is out of range (0 to $g_max): using 0\$"
check MIALLOC_RESERVE_OS_MEMORY=12X reserve_os_memory 0 \
  'MIALLOC_RESERVE_OS_MEMORY="12X" is not a valid size .*: using the default, 0$'
# unsigned and bounded numbers, booleans
check MIALLOC_MAX_ERRORS=-3 max_errors 0 'warning: MIALLOC_MAX_ERRORS=-3 is out of range (0 to .*): using 0$'
check MIALLOC_ARENA_PURGE_MULT=5000 arena_purge_mult 1000 'MIALLOC_ARENA_PURGE_MULT=5000 is out of range (0 to 1000): using 1000$'
check MIALLOC_ARENA_PURGE_MULT=abc arena_purge_mult 10 'MIALLOC_ARENA_PURGE_MULT="abc" is not a valid number: using the default, 10$'
check MIALLOC_ARENA_EAGER_COMMIT=3 arena_eager_commit 2 'MIALLOC_ARENA_EAGER_COMMIT=3 is out of range (0 to 2): using 2$'
check MIALLOC_EAGER_COMMIT=off eager_commit 0
check MIALLOC_EAGER_COMMIT=2 eager_commit 1 'MIALLOC_EAGER_COMMIT=2 is out of range (0 to 1): using 1$'
check MIALLOC_ABORT_ON_ERROR=Yes abort_on_error 1
check MIALLOC_LIMIT_OS_ALLOC=maybe limit_os_alloc 0 'MIALLOC_LIMIT_OS_ALLOC="maybe" is not a valid boolean'
long=$(printf '%0200d' 1)
check MIALLOC_PURGE_DELAY=$long purge_delay 100 'MIALLOC_PURGE_DELAY=".*" is not a valid number: using the default, 100$'

# mimalloc's options that mialloc only keeps: read and range-checked too
# (also by their MIMALLOC_ names), with mimalloc's defaults
check MIMALLOC_PAGE_MAX_CANDIDATES=7 page_max_candidates 7
check MIALLOC_ARENA_RESERVE=64M arena_reserve 65536
check MIALLOC_MAX_VABITS=99 max_vabits 64 'MIALLOC_MAX_VABITS=99 is out of range (0 to 64): using 64$'
check MIALLOC_VERBOSE=0 generic_collect 10000

# MIALLOC_VERBOSE=1: one line per option, with its effective value; of
# mimalloc's options only those set, marked as having no effect
MIALLOC_VERBOSE=1 MIALLOC_PURGE_DELAY=250 MIMALLOC_GUARDED_MIN=16 $target "$prog" >"$tmp.out" 2>"$tmp.err"
n=$(grep -c '^mialloc: option MIALLOC_[A-Z_]*=' "$tmp.err")
[ "$n" = 18 ] || fail "MIALLOC_VERBOSE=1: $n option lines, not 17 and 1 of mimalloc's"
grep -q "^mialloc: option MIALLOC_GUARDED_MIN=16 (mimalloc's option: no effect in mialloc)\$" "$tmp.err" ||
  fail "MIALLOC_VERBOSE=1: MIMALLOC_GUARDED_MIN=16 not listed as having no effect"
grep -q '^mialloc: option MIALLOC_PURGE_DELAY=250$' "$tmp.err" || fail "MIALLOC_VERBOSE=1: no MIALLOC_PURGE_DELAY=250"
grep -q '^mialloc: option MIALLOC_MAX_ERRORS=16 (default)$' "$tmp.err" || fail "MIALLOC_VERBOSE=1: no default MAX_ERRORS"

[ "$fails" = 0 ] || exit 1
echo "$me: option values parsed, range-checked and reported"
