#!/bin/sh
# stats-chart.sh - tools/mialloc-stats draws charts: from the JSON of one
# run (tests/stats-prog.c), of several runs (appended to one file, and in
# two), and from bench/run.sh's raw results; bad input gets a message that
# names the file.  bench/run.sh --plot FILE draws its table.
#
# Environment: srcdir, top_builddir, MIALLOC_OVERRIDE, MIALLOC_LIB.  Exit
# status: 0 pass, 1 fail, 77 skip (no python3 with matplotlib), 99 hard error.

me=stats-chart.sh
srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
tool=$srcdir/tools/mialloc-stats
prog=$top_builddir/tests/stats-prog
target=${MIALLOC_TARGET:-sh $(dirname "$0")/target.sh} # runs it, under an emulator if need be
py=
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import matplotlib' 2>/dev/null; then
    py=$p
    break
  fi
done
if test -z "$py"; then
  echo "$me: SKIP: no python3 with matplotlib (apt-get install python3-matplotlib)"
  exit 77
fi
test -x "$prog" || { echo "$me: no $prog: build it with make check"; exit 99; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mialloc-chart.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  echo "$me: FAIL: $*"
  failures=$((failures + 1))
}
unset MIALLOC_SHOW_STATS MIALLOC_VERBOSE MIALLOC_STATS_FILE MIALLOC_STATS_FORMAT

# is_png FILE / is_svg FILE
is_png() { test "$(head -c 8 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a; }
is_svg() { grep -q '<svg' "$1" 2>/dev/null; }

# chart WHAT CHECK FILE SAYS ARGS...: the tool must write FILE, of the right
# kind, and say what it drew
chart() {
  what=$1 check=$2 out=$3 says=$4
  shift 4
  if "$py" "$tool" -o "$out" "$@" >"$tmp/tool.out" 2>&1 && $check "$out" &&
    grep -q "^mialloc-stats: wrote $out: $says\$" "$tmp/tool.out"; then
    echo "$me: ok: $what"
  else
    fail "$what: $(cat "$tmp/tool.out")"
  fi
}

$target "$prog" counts "$tmp/a.json" "$tmp/b.json" >/dev/null || { echo "$me: stats-prog failed"; exit 99; }
chart "one run: size classes (PNG)" is_png "$tmp/one.png" "the size classes of 1 run" "$tmp/b.json"
chart "two runs compared (SVG)" is_svg "$tmp/two.svg" "2 runs compared" "$tmp/a.json" "$tmp/b.json"
MIALLOC_SHOW_STATS=1 MIALLOC_STATS_FORMAT=json MIALLOC_STATS_FILE="$tmp/appended.json" $target "$prog" exit >/dev/null
MIALLOC_SHOW_STATS=1 MIALLOC_STATS_FORMAT=json MIALLOC_STATS_FILE="$tmp/appended.json" $target "$prog" exit >/dev/null
chart "the reports appended to one MIALLOC_STATS_FILE" is_png "$tmp/appended.png" "2 runs compared" \
  "$tmp/appended.json"

cat >"$tmp/raw" <<'RAW'
# workload allocator run wall_s maxrss_kib status
churn mialloc 1 0.50 10240 0
churn glibc 1 0.60 12288 0
larson mialloc 1 1.00 20480 0
larson glibc 1 0.90 30720 0
RAW
chart "bench/run.sh's raw results (--bench)" is_png "$tmp/bench.png" "the ratios of 2 workloads" \
  --bench "$tmp/raw"

# bad input: exit status 1 and the file named, no chart
bad() {
  what=$1 file=$2
  shift 2
  "$py" "$tool" -o "$tmp/bad.png" "$@" "$file" >"$tmp/bad.out" 2>&1
  status=$?
  if test "$status" = 1 && grep -q "mialloc-stats: $file:" "$tmp/bad.out" && test ! -e "$tmp/bad.png"; then
    echo "$me: ok: $what is refused: $(cat "$tmp/bad.out")"
  else
    fail "$what: exit status $status: $(cat "$tmp/bad.out")"
  fi
  rm -f "$tmp/bad.png"
}
echo 'not json' >"$tmp/text"
bad "a file that is not JSON" "$tmp/text"
echo '{"schema": "mialloc-stats", "schema_version": 99}' >"$tmp/v99.json"
bad "another schema version" "$tmp/v99.json"
echo '{"a": 1}' >"$tmp/other.json"
bad "JSON that is not mialloc's" "$tmp/other.json"
bad "a missing file" "$tmp/missing.json"
bad "raw results that are not" "$tmp/text" --bench

# bench/run.sh --plot, with one small workload
if test "${MIALLOC_OVERRIDE:-0}" = 1 && test -e "${MIALLOC_LIB:-}" && command -v bash >/dev/null 2>&1; then
  if BENCH_ARGS_churn=100000 bash "$srcdir/bench/run.sh" -n 1 -a mialloc,glibc -b "$top_builddir" \
    --plot "$tmp/run.png" churn >"$tmp/run.out" 2>&1 && is_png "$tmp/run.png"; then
    echo "$me: ok: bench/run.sh --plot drew its table"
  else
    fail "bench/run.sh --plot: $(tail -5 "$tmp/run.out")"
  fi
else
  echo "$me: bench/run.sh --plot not tried: it needs the shared library with the malloc override"
fi

test "$failures" -eq 0
