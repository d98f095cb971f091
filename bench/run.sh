#!/usr/bin/env bash
# run.sh - run the mialloc benchmark suite against several allocators.
#
# Usage: bench/run.sh [-n RUNS] [-b BUILDDIR] [-a ALLOCS] [-t SECS] [-o FILE] [--plot FILE] [workload...]
#
#   -n RUNS      runs per (workload, allocator) pair (default 3); the
#                medians are reported
#   -b BUILDDIR  build directory (default: .).  mialloc is preloaded from
#                BUILDDIR/src/.libs/libmialloc.so, the benchmark programs
#                are taken from BUILDDIR/bench/ (override: BENCH_BINDIR).
#                Programs missing there are compiled from the sources next
#                to this script into a temporary directory.
#   -a ALLOCS    comma-separated subset of: mialloc,glibc,mimalloc,jemalloc,tcmalloc
#   -t SECS      kill a run after SECS seconds of wall time (default 120)
#   -o FILE      also write the raw measurements (one line per run) to FILE
#   --plot FILE  also draw the ratio table as a chart (.png, .svg or .pdf),
#                with tools/mialloc-stats --bench (needs python3-matplotlib)
#   workload     any of: churn larson prodcons largewin cache-scratch
#                threadchurn hugeblocks (default: all of them)
#
# Environment:
#   MIALLOC_LIB, MIMALLOC_LIB, JEMALLOC_LIB, TCMALLOC_LIB
#                explicit path of a preload library (overrides the search)
#   BENCH_ARGS_<workload>   extra arguments for one workload, e.g.
#                BENCH_ARGS_churn="2000000" or BENCH_ARGS_cache_scratch="2"
#   CC, CFLAGS   used only when programs have to be compiled here
#
# Runs are interleaved (run index, then workload, then allocator) so that
# drifting machine load affects every allocator alike.  Every program
# verifies the memory it wrote and prints a deterministic checksum line; a
# run fails if it exits non-zero, if the preload did not take effect, or if
# its output differs from the first run of the same workload.  The script
# exits 1 if any run failed, 2 on usage errors.

set -u

ALL_WORKLOADS="churn larson prodcons largewin cache-scratch threadchurn hugeblocks"
ALL_ALLOCS="mialloc glibc mimalloc jemalloc tcmalloc"

RUNS=3
BUILDDIR=.
ALLOCS=$ALL_ALLOCS
TIMEOUT=120
RAWOUT=

usage() {
    sed -n '3,20s/^# \{0,1\}//p' "$0" >&2
    exit 2
}

# --plot FILE, the one long option, is taken out before getopts.
PLOT=
ARGS=()
while [ $# -gt 0 ]; do
    case $1 in
        --plot) [ $# -ge 2 ] || { echo "run.sh: --plot wants a file name" >&2; exit 2; }; PLOT=$2; shift 2 ;;
        --plot=*) PLOT=${1#--plot=}; shift ;;
        *) ARGS+=("$1"); shift ;;
    esac
done
set -- ${ARGS[@]+"${ARGS[@]}"}

while getopts ':n:b:a:t:o:h' opt; do
    case $opt in
        n) RUNS=$OPTARG ;;
        b) BUILDDIR=$OPTARG ;;
        a) ALLOCS=${OPTARG//,/ } ;;
        t) TIMEOUT=$OPTARG ;;
        o) RAWOUT=$OPTARG ;;
        h) usage ;;
        *) echo "run.sh: bad option -$OPTARG" >&2; usage ;;
    esac
done
shift $((OPTIND - 1))

case $RUNS in ''|*[!0-9]*|0) echo "run.sh: -n wants a positive integer" >&2; exit 2 ;; esac
case $TIMEOUT in ''|*[!0-9]*) echo "run.sh: -t wants a number of seconds" >&2; exit 2 ;; esac

WORKLOADS=${*:-$ALL_WORKLOADS}
for w in $WORKLOADS; do
    case " $ALL_WORKLOADS " in *" $w "*) ;; *) echo "run.sh: unknown workload '$w' (known: $ALL_WORKLOADS)" >&2; exit 2 ;; esac
done
for a in $ALLOCS; do
    case " $ALL_ALLOCS " in *" $a "*) ;; *) echo "run.sh: unknown allocator '$a' (known: $ALL_ALLOCS)" >&2; exit 2 ;; esac
done

SRCDIR=$(cd "$(dirname "$0")" && pwd)
# A Python that has matplotlib, for --plot: checked before the runs.
PLOTTER=
if [ -n "$PLOT" ]; then
    case $PLOT in *.png|*.svg|*.pdf) ;; *) echo "run.sh: --plot wants a .png, .svg or .pdf file: $PLOT" >&2; exit 2 ;; esac
    for py in python3 /usr/bin/python3; do
        if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import matplotlib' 2>/dev/null; then
            PLOTTER=$py
            break
        fi
    done
    if [ -z "$PLOTTER" ]; then
        echo "run.sh: --plot needs python3 with matplotlib (apt-get install python3-matplotlib)" >&2
        exit 2
    fi
fi
if [ ! -d "$BUILDDIR" ]; then
    echo "run.sh: build directory '$BUILDDIR' does not exist" >&2
    exit 2
fi
BUILDDIR=$(cd "$BUILDDIR" && pwd)
BINDIR=${BENCH_BINDIR:-$BUILDDIR/bench}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mialloc-bench.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
# Run the workloads from a scratch directory, so a core dump or stray file
# never lands in the source tree.
RUNDIR=$TMP/run
mkdir -p "$RUNDIR"

note() { printf 'run.sh: %s\n' "$*" >&2; }

# ---- programs -------------------------------------------------------------

compile() {   # compile NAME from $SRCDIR/NAME.c into $TMP/bin/NAME
    mkdir -p "$TMP/bin"
    # shellcheck disable=SC2086  # CC and CFLAGS may hold several words
    ${CC:-cc} -std=c11 ${CFLAGS:--O2} -pthread -o "$TMP/bin/$1" "$SRCDIR/$1.c" 2>"$TMP/cc.err"
}

declare -A BIN
for w in $WORKLOADS; do
    if [ -x "$BINDIR/$w" ]; then
        BIN[$w]=$BINDIR/$w
    elif [ -f "$SRCDIR/$w.c" ] && compile "$w"; then
        note "$BINDIR/$w not built; compiled $w.c with ${CC:-cc} ${CFLAGS:--O2} into a temporary directory"
        BIN[$w]=$TMP/bin/$w
    else
        note "cannot find or build the '$w' benchmark"; cat "$TMP/cc.err" >&2 2>/dev/null
        exit 1
    fi
done

# Programs of another machine (make check of a cross build: tests/bench-smoke.sh
# with MIALLOC_TEST_EMULATOR set) run through MIALLOC_TARGET (tests/target.sh),
# which preloads inside the emulator; timeit is then compiled for the build
# machine, with BUILD_CC (default cc).
EMULATE=()
if [ -n "${MIALLOC_TEST_EMULATOR:-}" ] && [ -n "${MIALLOC_TARGET:-}" ]; then
    # shellcheck disable=SC2206  # MIALLOC_TARGET is a command with its arguments
    EMULATE=($MIALLOC_TARGET)
fi

# Timing: prefer our own helper (no package needed, LD_PRELOAD only in the
# child), fall back to GNU time.
TIMEIT=
if [ ${#EMULATE[@]} -gt 0 ]; then
    CC=${BUILD_CC:-cc} CFLAGS= compile timeit && TIMEIT=$TMP/bin/timeit ||
        { note "cannot build bench/timeit.c with ${BUILD_CC:-cc}"; exit 1; }
elif [ -x "$BINDIR/timeit" ]; then
    TIMEIT=$BINDIR/timeit
elif compile timeit; then
    TIMEIT=$TMP/bin/timeit
elif [ -x /usr/bin/time ]; then
    note "cannot build bench/timeit.c; falling back to /usr/bin/time"
else
    note "need a C compiler (for bench/timeit.c) or /usr/bin/time"
    exit 1
fi

# ---- allocators -------------------------------------------------------------

MULTIARCH=$( (${CC:-cc} -print-multiarch || dpkg-architecture -qDEB_HOST_MULTIARCH) 2>/dev/null | head -n1)
[ -n "$MULTIARCH" ] || MULTIARCH=$(uname -m)-linux-gnu

find_lib() {   # find_lib SONAME -> path on stdout, or nothing
    local d p
    for d in "/usr/lib/$MULTIARCH" "/lib/$MULTIARCH" /usr/lib64 /usr/lib /usr/local/lib; do
        if [ -e "$d/$1" ]; then echo "$d/$1"; return; fi
    done
    p=$( (ldconfig -p || /sbin/ldconfig -p) 2>/dev/null | awk -v n="$1" '$1 == n { print $NF; exit }')
    [ -n "$p" ] && [ -e "$p" ] && echo "$p"
}

declare -A LIB
ACTIVE=
for a in $ALLOCS; do
    case $a in
        glibc)    ACTIVE="$ACTIVE glibc"; LIB[glibc]=; continue ;;
        mialloc)  p=${MIALLOC_LIB:-$BUILDDIR/src/.libs/libmialloc.so}; [ -e "$p" ] || p= ;;
        mimalloc) p=${MIMALLOC_LIB:-$(find_lib libmimalloc.so.2)} ;;
        jemalloc) p=${JEMALLOC_LIB:-$(find_lib libjemalloc.so.2)} ;;
        tcmalloc) p=${TCMALLOC_LIB:-$(find_lib libtcmalloc_minimal.so.4)} ;;
    esac
    if [ -z "$p" ] || [ ! -e "$p" ]; then
        case $a in
            mialloc)  hint="build it first (make), or set MIALLOC_LIB" ;;
            mimalloc) hint="apt-get install libmimalloc2.0" ;;
            jemalloc) hint="apt-get install libjemalloc2" ;;
            tcmalloc) hint="apt-get install libtcmalloc-minimal4" ;;
        esac
        note "skipping $a: library not found ($hint)"
        continue
    fi
    # A library that does not define malloc would silently measure glibc.
    if command -v nm >/dev/null 2>&1 && nm -D --defined-only "$p" >"$TMP/nm" 2>/dev/null &&
        ! grep -qE ' [TWi] malloc(@.*)?$' "$TMP/nm"; then
        note "skipping $a: $p does not define malloc (for mialloc: configure with --enable-override)"
        continue
    fi
    LIB[$a]=$(cd "$(dirname "$p")" && pwd)/$(basename "$p")
    ACTIVE="$ACTIVE $a"
done
ACTIVE=${ACTIVE# }
if [ -z "$ACTIVE" ]; then
    note "no allocator left to measure"
    exit 1
fi

# ---- run ------------------------------------------------------------------

echo "mialloc benchmark suite: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -srm), $(nproc 2>/dev/null || echo '?') CPUs"
echo "runs per cell: $RUNS (interleaved; medians reported); timer: ${TIMEIT:-/usr/bin/time}"
for a in $ACTIVE; do
    printf '  %-9s %s\n' "$a" "${LIB[$a]:-(no preload: system malloc)}"
done
echo

RESULTS=$TMP/results   # workload alloc run wall_s maxrss_kib status
: >"$RESULTS"
FAILED=0
declare -A REFOUT REFOUT_BY
total=$((RUNS * $(echo "$WORKLOADS" | wc -w) * $(echo "$ACTIVE" | wc -w)))
done_runs=0

for ((r = 1; r <= RUNS; r++)); do
    for w in $WORKLOADS; do
        argvar=BENCH_ARGS_${w//-/_}
        # shellcheck disable=SC2206  # word splitting of the extra args is intended
        extra=(${!argvar:-})
        for a in $ACTIVE; do
            done_runs=$((done_runs + 1))
            lib=${LIB[$a]}
            out=$TMP/out err=$TMP/err res=$TMP/res
            rm -f "$res"
            if [ -n "$TIMEIT" ]; then
                if [ ${#EMULATE[@]} -gt 0 ]; then
                    run=("${EMULATE[@]}" ${lib:+-p "$lib"}) tlib=
                else
                    run=() tlib=$lib
                fi
                (cd "$RUNDIR" && "$TIMEIT" -p "$tlib" -t "$TIMEOUT" -o "$res" -- "${run[@]}" "${BIN[$w]}" "${extra[@]}") >"$out" 2>"$err"
                status=$?
                read -r wall rss st <"$res" 2>/dev/null || { wall=0; rss=0; st=$status; }
            else
                tmo=()
                command -v timeout >/dev/null && tmo=(timeout -s KILL "$TIMEOUT")
                (cd "$RUNDIR" && /usr/bin/time -f '%e %M %x' -o "$res" \
                    env ${lib:+LD_PRELOAD="$lib"} "${tmo[@]}" "${BIN[$w]}" "${extra[@]}") >"$out" 2>"$err"
                status=$?
                # GNU time prepends "Command exited with non-zero status N".
                read -r wall rss st < <(tail -n1 "$res" 2>/dev/null) || { wall=0; rss=0; st=$status; }
            fi
            why=
            if [ "$status" -ne 0 ]; then
                why="exit status $status"
            elif grep -q 'cannot be preloaded' "$err"; then
                why="LD_PRELOAD of $lib failed"
            elif [ -z "${REFOUT[$w]:-}" ]; then
                REFOUT[$w]=$(cat "$out")
                REFOUT_BY[$w]=$a
            elif [ "$(cat "$out")" != "${REFOUT[$w]}" ]; then
                why="output differs from the ${REFOUT_BY[$w]} run: $(head -c 300 "$out")"
            fi
            if [ -n "$why" ]; then
                FAILED=1
                st=${st:-1}; [ "$st" -eq 0 ] && st=1
                printf '[%d/%d] %-13s %-9s FAILED: %s\n' "$done_runs" "$total" "$w" "$a" "$why" >&2
                sed 's/^/    | /' "$err" | tail -n 8 >&2
            else
                printf '[%d/%d] %-13s %-9s %7.3f s %8.1f MiB\n' "$done_runs" "$total" "$w" "$a" \
                    "$wall" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" >&2
            fi
            echo "$w $a $r $wall $rss $st" >>"$RESULTS"
        done
    done
done

if [ -n "$RAWOUT" ]; then
    { echo "# workload allocator run wall_s maxrss_kib status"; cat "$RESULTS"; } >"$RAWOUT"
fi

# ---- report ---------------------------------------------------------------

echo
awk -v workloads="$WORKLOADS" -v allocs="$ACTIVE" '
function median(key,    n, i, j, t, v) {
    n = cnt[key]
    if (n == 0) return -1
    for (i = 1; i <= n; i++) v[i] = val[key, i]
    for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function ratio(x, y) { return (x > 0 && y > 0) ? sprintf("%.2f", x / y) : "-" }
{
    if ($6 != 0) { fail[$1, $2]++; next }
    k = "t" SUBSEP $1 SUBSEP $2; val[k, ++cnt[k]] = $4
    k = "m" SUBSEP $1 SUBSEP $2; val[k, ++cnt[k]] = $5 / 1024
}
END {
    nw = split(workloads, W, " "); na = split(allocs, A, " ")
    for (i = 1; i <= nw; i++) {
        w = W[i]
        for (j = 1; j <= na; j++) {
            a = A[j]
            T[w, a] = (fail[w, a] ? -1 : median("t" SUBSEP w SUBSEP a))
            M[w, a] = (fail[w, a] ? -1 : median("m" SUBSEP w SUBSEP a))
        }
        printf "%s\n", w
        printf "  %-10s %9s %9s %12s %9s\n", "allocator", "time(s)", "vs-mimal", "peakRSS(MiB)", "vs-mimal"
        for (j = 1; j <= na; j++) {
            a = A[j]
            if (T[w, a] < 0) { printf "  %-10s %9s   (%d of its runs failed)\n", a, "FAIL", fail[w, a]; continue }
            printf "  %-10s %9.3f %9s %12.1f %9s\n", a, T[w, a], ratio(T[w, a], T[w, "mimalloc"]), \
                M[w, a], ratio(M[w, a], M[w, "mimalloc"])
        }
        printf "\n"
    }
    printf "geometric mean of ratios over all workloads (lower is better)\n"
    printf "  %-10s %10s %10s %10s %10s %4s\n", "allocator", "time/mimal", "rss/mimal", "time/glibc", "rss/glibc", "n"
    for (j = 1; j <= na; j++) {
        a = A[j]
        split("", S); split("", N)
        for (i = 1; i <= nw; i++) {
            w = W[i]
            if (T[w, a] <= 0) continue
            if (T[w, "mimalloc"] > 0) { S["tm"] += log(T[w, a] / T[w, "mimalloc"]); N["tm"]++ }
            if (M[w, "mimalloc"] > 0) { S["mm"] += log(M[w, a] / M[w, "mimalloc"]); N["mm"]++ }
            if (T[w, "glibc"] > 0)    { S["tg"] += log(T[w, a] / T[w, "glibc"]);    N["tg"]++ }
            if (M[w, "glibc"] > 0)    { S["mg"] += log(M[w, a] / M[w, "glibc"]);    N["mg"]++ }
        }
        line = sprintf("  %-10s", a)
        split("tm mm tg mg", K, " ")
        for (q = 1; q <= 4; q++)
            line = line sprintf(" %10s", N[K[q]] ? sprintf("%.2f", exp(S[K[q]] / N[K[q]])) : "-")
        cntw = 0
        for (i = 1; i <= nw; i++) if (T[W[i], a] > 0) cntw++
        printf "%s %4d\n", line, cntw
    }
    printf "(n = workloads with successful runs; ratios only over workloads where both sides succeeded)\n"
}' "$RESULTS"

if [ -n "$PLOT" ]; then
    "$PLOTTER" "$SRCDIR/../tools/mialloc-stats" --bench -o "$PLOT" \
        --title "bench/run.sh: medians of $RUNS runs, $(uname -sm), $(date -u '+%Y-%m-%d')" "$RESULTS" >&2 || FAILED=1
fi

if [ "$FAILED" -ne 0 ]; then
    echo
    echo "run.sh: some runs FAILED (see the messages above)" >&2
    exit 1
fi
exit 0
