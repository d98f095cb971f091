#!/bin/sh
# bench-smoke.sh - bench/run.sh and its seven workloads, made small, with
# mialloc preloaded and with glibc: every program verifies the contents of
# its blocks (larson and prodcons free them across threads), and run.sh
# checks that the preload took effect and that each workload prints the
# same checksum under both.  The times mean nothing here (bench/README.md).
if [ "${MIALLOC_OVERRIDE:-0}" != 1 ] || [ ! -e "${MIALLOC_LIB:-}" ]; then
  echo "bench-smoke: needs the shared library with the malloc override: skipped"
  exit 77
fi
if ! command -v bash >/dev/null 2>&1; then
  echo "bench-smoke: bash not found: skipped"
  exit 77
fi
BENCH_ARGS_churn="200000"
BENCH_ARGS_larson="4 20 1000 2000"
BENCH_ARGS_prodcons="2 20000 2 64"
BENCH_ARGS_largewin="600 32"
BENCH_ARGS_cache_scratch="2 2000 100"
BENCH_ARGS_threadchurn="6 4 300"
BENCH_ARGS_hugeblocks="20 3"
export BENCH_ARGS_churn BENCH_ARGS_larson BENCH_ARGS_prodcons BENCH_ARGS_largewin BENCH_ARGS_cache_scratch
export BENCH_ARGS_threadchurn BENCH_ARGS_hugeblocks
out=$(bash "$srcdir/bench/run.sh" -n 2 -a mialloc,glibc -t 120 -b "$top_builddir")
status=$?
echo "$out"
[ "$status" -eq 0 ] || exit 1
# run.sh skips an allocator it cannot preload: mialloc must have run all seven
echo "$out" | grep -Eq '^  mialloc( +[^ ]+){4} +7$' || {
  echo "bench-smoke: mialloc did not complete the seven workloads" >&2
  exit 1
}
# "make bench" runs the peer suite only where it is built: without it,
# bench/peer/peer.sh -q says so and succeeds, and without -q it fails.
empty=$(mktemp -d) || exit 1
skip=$(PEER_DIR=$empty sh "$srcdir/bench/peer/peer.sh" -q "$top_builddir" 2>&1)
qstatus=$?
PEER_DIR=$empty sh "$srcdir/bench/peer/peer.sh" "$top_builddir" >/dev/null 2>&1
fstatus=$?
rmdir "$empty"
echo "$skip"
if [ "$qstatus" -ne 0 ] || [ "$fstatus" -ne 1 ] ||
   ! echo "$skip" | grep -q '^peer benchmark skipped: .*libmimalloc-3.4.3.so is missing'; then
  echo "bench-smoke: peer.sh without a built suite: -q gave $qstatus, plain gave $fstatus" >&2
  exit 1
fi
