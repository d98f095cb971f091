#!/bin/sh
# peer.sh - the peer benchmark for "make bench" and "make bench-peer": mialloc of a build tree
# against mimalloc 3.4.3 and snmalloc 0.7.5 (and rpmalloc 2.0.1 with PEER_ALLOCS=all), ratios to
# mimalloc 3.4.3.
#
# usage: peer.sh [-q] BUILDDIR [run.sh options...]
#   -q        when the suite is not built and cannot be, say so and exit 0 (what "make bench" wants)
#   BUILDDIR  the build tree whose src/.libs/libmialloc.so is measured
#
# The suite is built first (build.sh) when the four source git dirs are named (MIBENCH_GIT,
# MIMALLOC_GIT, SNMALLOC_GIT, RPMALLOC_GIT); otherwise an earlier build in PEER_DIR (default
# ~/.cache/mialloc-peer) is used. The report goes to stdout and to BUILDDIR/bench/peer-report.md
# (raw runs in peer-report.tsv beside it); run.sh's options (default: -n 3) pass through.
set -u

here=$(dirname "$(readlink -f "$0")")
quiet_skip=0
if [ "${1-}" = -q ]; then quiet_skip=1; shift; fi
[ $# -ge 1 ] || { echo "usage: peer.sh [-q] BUILDDIR [run.sh options...]" >&2; exit 2; }
builddir=$1; shift
peer=${PEER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mialloc-peer}
lib=$peer/lib

unavailable() {
	if [ $quiet_skip = 1 ]; then
		echo "peer benchmark skipped: $*"
		echo "  (bench/peer/README.md says how to build it; then: make bench-peer)"
		exit 0
	fi
	echo "peer.sh: $*; bench/peer/README.md says how to build the suite" >&2
	exit 1
}

if [ -n "${MIBENCH_GIT-}${MIMALLOC_GIT-}${SNMALLOC_GIT-}${RPMALLOC_GIT-}" ]; then
	bash "$here/build.sh" || exit 1
fi
for f in "$lib/libmimalloc-3.4.3.so" "$lib/libsnmallocshim-0.7.5.so" "$peer/bench/preload-probe"; do
	[ -e "$f" ] || unavailable "$f is missing (PEER_DIR=$peer)"
done
mialloc=$builddir/src/.libs/libmialloc.so
[ -e "$mialloc" ] || { echo "peer.sh: $mialloc is missing: build the library first" >&2; exit 1; }

case " $* " in *" -n "*) ;; *) set -- -n 3 "$@" ;; esac
# run.sh takes its options first, then the allocators, the reference (mimalloc 3.4.3) first
set -- -o "$builddir/bench/peer-report.md" "$@" mi343="$lib/libmimalloc-3.4.3.so" \
	mialloc="$(readlink -f "$mialloc")" sn="$lib/libsnmallocshim-0.7.5.so"
if [ "${PEER_ALLOCS-}" = all ] && [ -e "$lib/librpmalloc-2.0.1.so" ]; then
	set -- "$@" rp="$lib/librpmalloc-2.0.1.so"
fi
mkdir -p "$builddir/bench" || exit 1
exec bash "$here/run.sh" "$@"
