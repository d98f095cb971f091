#!/bin/sh
# fuzz.sh - builds the libFuzzer target tests/fuzz/fuzz-alloc.c with mialloc's
# core compiled in (no libc names: ASan keeps its own malloc; assertions on)
# and runs it for FUZZ_TIME seconds (default 60), seeded from the corpus in
# tests/fuzz/corpus/.  Any finding (a crash, a sanitizer report, a failed
# model check, a hang of FUZZ_HANG seconds) fails, leaving its input in
# $top_builddir/tests/fuzz/work/findings/ (crash-*, timeout-*, ...).  Exits 77 when
# clang or its libFuzzer runtime is missing.
#
#   sh fuzz.sh SRCDIR BUILDDIR SOURCE...   (make fuzz passes these)
#
# FUZZ_CC (default: clang-14, else clang), FUZZ_JOBS: parallel compiles.
set -eu
srcdir=$1 builddir=$2
shift 2
out=$builddir/tests/fuzz/work
time=${FUZZ_TIME:-60}
hang=${FUZZ_HANG:-30}
case $time$hang in *[!0-9]*) echo "fuzz.sh: FUZZ_TIME and FUZZ_HANG are seconds" >&2; exit 99 ;; esac

cc=${FUZZ_CC:-}
if [ -z "$cc" ]; then
  for c in clang-14 clang; do
    command -v "$c" >/dev/null 2>&1 && { cc=$c; break; }
  done
fi
if [ -z "$cc" ]; then
  echo "SKIP: no clang: the fuzzer needs clang's libFuzzer (Debian: clang, libclang-rt-14-dev)"
  exit 77
fi
rm -rf "$out/findings" # of an earlier run
mkdir -p "$out/obj" "$out/findings"
flags="-fsanitize=address,undefined -fno-sanitize-recover=all -g -O1 -fno-omit-frame-pointer"
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d[0] == n; }' >"$out/probe.c"
if ! "$cc" -fsanitize=fuzzer $flags -o "$out/probe" "$out/probe.c" >"$out/probe.log" 2>&1; then
  echo "SKIP: $cc cannot link -fsanitize=fuzzer (Debian: libclang-rt-14-dev):"
  cat "$out/probe.log"
  exit 77
fi

# the configuration: the build's, with assertions on, no override (not
# compiled in anyway), and no valgrind requests (ASan's poisoning instead)
cat >"$out/obj/config.h" <<EOF
#include "$builddir/config.h"
#undef MI_DEBUG
#define MI_DEBUG 1
#undef MI_OVERRIDE
#undef MI_TRACK_VALGRIND
#define MI_TRACK_VALGRIND 0
EOF
objs=
for src in "$@"; do
  case $src in *.c) ;; *) continue ;; esac
  obj=$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
  objs="$objs $obj"
  echo "$cc -c $srcdir/$src"
  "$cc" $flags -fsanitize=fuzzer-no-link -std=gnu11 -pthread -DMIALLOC_BUILD -I"$out/obj" \
    -I"$srcdir/include" -I"$srcdir/src" -c "$srcdir/$src" -o "$obj"
done
"$cc" -fsanitize=fuzzer $flags -std=gnu11 -pthread -I"$srcdir/include" -o "$out/fuzz-alloc" \
  "$srcdir/tests/fuzz/fuzz-alloc.c" $objs

# the run: the seed corpus, copied into $out/corpus, which keeps what the
# runs find (a later run goes on from there)
mkdir -p "$out/corpus"
cp "$srcdir"/tests/fuzz/corpus/* "$out/corpus/"
echo "fuzzing for $time s: $out/fuzz-alloc (log: $out/fuzz.log)"
cd "$out/findings"
status=0
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
  "$out/fuzz-alloc" -max_total_time="$time" -timeout="$hang" -error_exitcode=1 -rss_limit_mb=2048 -max_len=4096 \
  -print_final_stats=1 "$out/corpus" >"$out/fuzz.log" 2>&1 || status=$?
tail -n 30 "$out/fuzz.log"
if [ "$status" -ne 0 ] || ls "$out/findings" | grep -q .; then
  echo "FAIL: the fuzzer found something (exit $status); inputs in $out/findings:"
  ls -l "$out/findings"
  grep -m 5 -e '^fuzz-alloc:' -e 'ERROR:' -e 'runtime error' "$out/fuzz.log"
  exit 1
fi
echo "PASS: no findings"
