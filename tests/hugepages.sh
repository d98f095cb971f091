#!/bin/sh
# hugepages.sh - huge OS pages reserved through mialloc's API
# (mi_reserve_huge_os_pages_at, _interleave, _at_ex and
# MIALLOC_RESERVE_HUGE_OS_PAGES) really back its blocks: the mapping of
# each block has a KernelPageSize of 2048 kB in /proc/self/smaps, and the
# system's HugePages_Free drops while the program runs.  Needs 2 MiB pages
# in the pool: as root it raises /proc/sys/vm/nr_hugepages for the test and
# puts it back afterwards (also when interrupted).  Skips when it cannot:
# not Linux, not root, or the kernel did not take the new value.
#
# Environment: top_builddir (default .), MIALLOC_TARGET (tests/target.sh:
# the program runs under the emulator of a cross build).  Exit status: 0
# pass, 1 fail, 77 skip, 99 hard error.

me=hugepages.sh
top_builddir=${top_builddir:-.}
prog=$top_builddir/tests/hugepages-prog
target=${MIALLOC_TARGET:-sh $(dirname "$0")/target.sh} # runs it, under an emulator if need be
pool=/proc/sys/vm/nr_hugepages
want=1100 # two GiB of 2 MiB pages and some: the "ex" case maps 2 GiB at once

test -x "$prog" || { echo "$me: no $prog: build it with make check"; exit 99; }
test -w "$pool" || { echo "$me: SKIP: $pool is not writable (not Linux, or not root: uid $(id -u))"; exit 77; }
grep -q '^Hugepagesize: *2048 kB' /proc/meminfo ||
  { echo "$me: SKIP: the system's huge pages are not of 2 MiB"; exit 77; }
saved=$(cat "$pool")
restore() {
  echo "$saved" >"$pool" 2>/dev/null
}
trap 'restore' EXIT
trap 'restore; exit 99' HUP INT TERM
if test "$saved" -lt "$want"; then
  echo "$want" >"$pool" 2>/dev/null
  got=$(cat "$pool")
  if test "$got" -lt "$want"; then
    echo "$me: SKIP: asked for $want huge pages in $pool, the kernel gave $got (memory too fragmented or too small)"
    exit 77
  fi
fi
unset MIALLOC_RESERVE_HUGE_OS_PAGES MIALLOC_RESERVE_HUGE_OS_PAGES_AT MIALLOC_SHOW_STATS LD_PRELOAD

failures=0
# Under an emulator (a cross build's qemu-user), /proc/self/smaps is the
# emulator's account of the guest's mappings, which gives every page as
# 4 kB: there only the pool's drop tells that huge pages back the blocks.
kpk=2048,2048,2048
ok="small, medium and large blocks are in 2 MiB pages, taken from the pool and kept when freed"
if test -n "${MIALLOC_TEST_EMULATOR:-}"; then
  kpk='*'
  ok="huge pages were taken from the pool for the blocks and kept when freed"
  echo "$me: under $MIALLOC_TEST_EMULATOR: page sizes not checked (its smaps says 4 kB), the pool's drop is"
fi
free_pages() {
  sed -n 's/^HugePages_Free: *//p' /proc/meminfo
}

# run NAME ARGS...: the program under those arguments; its blocks must be
# in 2 MiB pages, and the pool must have lost pages while it ran.
run() {
  name=$1
  shift
  before=$(free_pages)
  out=$(MIALLOC_PURGE_DELAY=0 "$@" 2>&1)
  test "$name" = "MIALLOC_RESERVE_HUGE_OS_PAGES=1" && out="$out (reserved at start)" # before main's count
  case $out in
  "reserve=0 kernel_page_kb="$kpk" returned=0 pool_drop="[1-9]* | \
    "reserve=0 kernel_page_kb="$kpk" returned=0 pool_drop="*" (reserved at start)")
    echo "$me: ok: $name: $ok ($out)" ;;
  *)
    echo "$me: FAIL: $name: '$out', expected reserve=0 kernel_page_kb=2048,2048,2048 returned=0 pool_drop=N > 0"
    failures=$((failures + 1)) ;;
  esac
  after=$(free_pages)
  if test "$after" -ne "$before"; then
    echo "$me: FAIL: $name: HugePages_Free $before before, $after after: pages not given back at exit"
    failures=$((failures + 1))
  fi
}

run "mi_reserve_huge_os_pages_at(1)" $target "$prog" at 1
run "mi_reserve_huge_os_pages_interleave(1)" $target "$prog" interleave 1
run "mi_reserve_huge_os_pages_at_ex(2), blocks in its arena" $target "$prog" ex 2
MIALLOC_RESERVE_HUGE_OS_PAGES=1 run "MIALLOC_RESERVE_HUGE_OS_PAGES=1" $target "$prog" option

test "$failures" -eq 0
