#!/bin/bash
# fastpath.sh - instructions per malloc+free pair, counted with callgrind.
#
#   bench/fastpath.sh [-b BUILDDIR] [-a ALLOCS]
#
# Runs bench/fastpath.c with 100000 and with 200000 pairs and divides the
# difference by 100000, so start-up and exit cancel out.  Prints, for
# mialloc's own API, the instructions of mi_malloc and of mi_free (their
# fast paths), and for every allocator (mialloc, glibc, mimalloc, jemalloc,
# tcmalloc; through LD_PRELOAD, calling malloc and free) the instructions
# of a whole pair: the allocator's, its PLT jumps and the occasional refill
# of a free list, without the 9 instructions of the loop itself.
set -u
BUILDDIR=.
ALLOCS=mialloc,glibc,mimalloc,jemalloc,tcmalloc
while getopts b:a: opt; do
  case $opt in
    b) BUILDDIR=$OPTARG ;;
    a) ALLOCS=$OPTARG ;;
    *) echo "usage: $0 [-b BUILDDIR] [-a ALLOCS]" >&2; exit 2 ;;
  esac
done
SRC=$(cd "$(dirname "$0")" && pwd)
LIBDIR=$BUILDDIR/src/.libs
command -v valgrind >/dev/null || { echo "$0: valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
[ -e "$LIBDIR/libmialloc.so" ] || { echo "$0: no $LIBDIR/libmialloc.so: build first, or use -b" >&2; exit 2; }
TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT
CC=${CC:-cc}
$CC -O2 -DMI_API -I"$SRC/../include" "$SRC/fastpath.c" -o "$TMP/fp-api" -L"$LIBDIR" -lmialloc || exit 2
$CC -O2 "$SRC/fastpath.c" -o "$TMP/fp-libc" || exit 2

LOOP=9 # the loop of fastpath.c around the two calls and its store (see objdump -d)
run() {   # run PROGRAM PRELOAD N -> callgrind output file name
  env ${2:+LD_PRELOAD=$2} LD_LIBRARY_PATH="$LIBDIR" valgrind --tool=callgrind \
    --callgrind-out-file="$TMP/cg.$3" "$1" "$3" >/dev/null 2>&1 || { echo "$0: callgrind failed" >&2; exit 1; }
  echo "$TMP/cg.$3"
}
total() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }
self() {  # self FILE FUNCTION -> instructions in FUNCTION itself
  callgrind_annotate --inclusive=no "$1" 2>/dev/null |
    awk -v f="$2" '{ for (i = 2; i <= NF; i++) if ($i ~ ":" f "$") { gsub(",", "", $1); s += $1 } } END { print s + 0 }'
}
per_pair() { echo $(( ($2 - $1) / 1000 )) | awk '{ printf "%.2f", $1 / 100 }'; }

a=$(run "$TMP/fp-api" "" 100000); b=$(run "$TMP/fp-api" "" 200000)
m=$(( ($(self "$b" mi_malloc) - $(self "$a" mi_malloc)) / 100000 ))
f=$(( ($(self "$b" mi_free) - $(self "$a" mi_free)) / 100000 ))
echo "mi_malloc fast path: $m instructions (its own: TLS calls of the dynamic and pthread mechanisms not counted)"
echo "mi_free fast path:   $f instructions"
echo "together:            $(( m + f ))"
echo
printf "%-10s %s\n" allocator "instructions per malloc+free pair"
multiarch=$($CC -print-multiarch 2>/dev/null)
for alloc in ${ALLOCS//,/ }; do
  case $alloc in
    mialloc) lib=$LIBDIR/libmialloc.so ;;
    glibc) lib= ;;
    mimalloc) lib=/usr/lib/$multiarch/libmimalloc.so.2 ;;
    jemalloc) lib=/usr/lib/$multiarch/libjemalloc.so.2 ;;
    tcmalloc) lib=/usr/lib/$multiarch/libtcmalloc_minimal.so.4 ;;
    *) echo "$0: unknown allocator $alloc" >&2; exit 2 ;;
  esac
  if [ -n "$lib" ] && [ ! -e "$lib" ]; then
    printf "%-10s %s\n" "$alloc" "(not installed)"
    continue
  fi
  a=$(run "$TMP/fp-libc" "$lib" 100000); b=$(run "$TMP/fp-libc" "$lib" 200000)
  printf "%-10s %s\n" "$alloc" "$(per_pair "$(total "$a")" "$(( $(total "$b") - LOOP * 100000 ))")"
done
