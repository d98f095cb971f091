#!/usr/bin/env bash
# run.sh - run the mimalloc-bench programs under several allocators (LD_PRELOAD) and tabulate.
#
# usage: ./run.sh [-n REPS] [-w BENCH,...] [-o OUT.md] [-r RAW.tsv] [-T SECONDS] [-p T,...] NAME=LIBPATH ...
#   NAME=LIBPATH  an allocator to preload; an empty LIBPATH (e.g. `glibc=`) means no preload.
#                 The FIRST allocator named is the reference of every ratio.
#   -n REPS       runs of every bench under every allocator, interleaved A B C A B C (default 3)
#   -w LIST       only these benches (comma-separated; `-w list` prints the names)
#   -o OUT.md     also write the report (markdown) to OUT.md
#   -r RAW.tsv    raw runs, one line each (default: OUT.tsv beside -o, else PEER_DIR/last-run.tsv)
#   -T SECONDS    time limit of one run (default 300); a run over it is FAIL(timeout)
#   -p T[,T...]   threads of the multi-threaded benches (default 2); several counts: a row per count
#
# Needs the programs that build.sh makes (PEER_DIR, default ~/.cache/mialloc-peer).
# Time is /usr/bin/time's %e (wall, 10 ms resolution), except for the four throughput benches,
# which run for a fixed time and report a rate: as mimalloc-bench's bench.sh does, their time is
# the relative time computed from the rate (larson: its own "relative time", xmalloc-test: its
# "rtime", rptest: 2e6 / ops-per-CPU-second, glibc-thread: 1e9 / iterations). Peak RSS is %M.
# A run that exits non-zero, dies of a signal, passes -T, fails to preload, or prints no rate is a
# FAIL, and so is the cell of any allocator with a failed run. Cells are medians; the bracket is
# this allocator / the first one (below 1: less time or memory than the first); the geomean row is
# taken over the benches where both passed.
set -u
export LC_ALL=C

here=$(dirname "$(readlink -f "$0")")
peer=${PEER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mialloc-peer}
B=$peer/bench D=$peer/bench/data

# name: kind, then the command (B = program folder, D = inputs). kind: wall, or the rate to read.
ALL_BENCHES=(cfrac espresso barnes larsonN larsonN-sized alloc-test1 alloc-testN xmalloc-testN
	cache-thrash1 cache-thrashN cache-scratch1 cache-scratchN malloc-large mstressN mleak10 mleak100
	rptestN glibc-simple glibc-thread z3 rbstress1 rbstressN)
# the multi-threaded ones: -p sets their thread count (NAME@T in the report when -p gives several)
MT_BENCHES=" larsonN larsonN-sized alloc-testN xmalloc-testN cache-thrashN cache-scratchN mstressN rptestN
	glibc-thread rbstressN "
bench_def() { # sets kind, cmd (array) and input for bench $1 (NAME or NAME@THREADS)
	input=/dev/null kind=wall
	local name=${1%@*} n=${threads%%,*}
	[[ $1 != *@* ]] || n=${1##*@}
	case $name in
	cfrac) cmd=("$B/cfrac" 17545186520507317056371138836327483792789528) ;;
	espresso) cmd=("$B/espresso" "$D/largest.espresso") ;;
	barnes) cmd=("$B/barnes") input=$D/barnes.input ;;
	larsonN) kind=larson cmd=("$B/larson" 5 8 1000 5000 100 4141 "$n") ;;
	larsonN-sized) kind=larson cmd=("$B/larson-sized" 5 8 1000 5000 100 4141 "$n") ;;
	alloc-test1) cmd=("$B/alloc-test" 1) ;;
	alloc-testN) cmd=("$B/alloc-test" "$n") ;;
	xmalloc-testN) kind=xmalloc cmd=("$B/xmalloc-test" -w "$n" -t 5 -s 64) ;;
	# nthreads iterations objSize repetitions concurrency
	cache-thrash1) cmd=("$B/cache-thrash" 1 1000 1 4000000 2) ;;
	cache-thrashN) cmd=("$B/cache-thrash" "$n" 1000 1 4000000 2) ;;
	cache-scratch1) cmd=("$B/cache-scratch" 1 1000 1 4000000 2) ;;
	cache-scratchN) cmd=("$B/cache-scratch" "$n" 1000 1 4000000 2) ;;
	malloc-large) cmd=("$B/malloc-large") ;;
	mstressN) cmd=("$B/mstress" "$n" 100 400) ;; # threads scale% iterations
	mleak10) cmd=("$B/mleak" 5) ;;
	mleak100) cmd=("$B/mleak" 50) ;;
	rptestN) kind=rptest cmd=("$B/rptest" "$n" 0 1 2 500 1000 100 8 16000) ;;
	glibc-simple) cmd=("$B/glibc-simple") ;;
	glibc-thread) kind=glibc-thread cmd=("$B/glibc-thread" "$n") ;;
	z3) cmd=(z3 -smt2 "$D/test1.smt2") ;;
	rbstress1) cmd=(ruby "$D/stress_mem.rb" 1) ;;
	rbstressN) cmd=(ruby "$D/stress_mem.rb" "$n") ;;
	*) return 1 ;;
	esac
}

usage() { sed -n '4,12s/^# \{0,1\}//p' "$0" >&2; exit 2; }
die() { echo "run.sh: $*" >&2; exit 1; }

reps=3 only='' out='' raw='' limit=300 threads=2
while getopts "n:w:o:r:T:p:h" opt; do
	case $opt in
	n) reps=$OPTARG ;;
	w) only=$OPTARG ;;
	o) out=$OPTARG ;;
	r) raw=$OPTARG ;;
	T) limit=$OPTARG ;;
	p) threads=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
if [ "$only" = list ]; then echo "${ALL_BENCHES[*]}"; exit 0; fi
[ $# -ge 1 ] || usage
[[ $reps =~ ^[1-9][0-9]*$ ]] || die "-n wants a positive integer, not '$reps'"
[[ $limit =~ ^[1-9][0-9]*$ ]] || die "-T wants a positive integer, not '$limit'"
[[ $threads =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "-p wants thread counts (N or N,M,...), not '$threads'"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
command -v timeout >/dev/null || die "timeout (coreutils) is missing"
probe=$B/preload-probe
[ -x "$probe" ] || die "$probe is missing: run build.sh first (see README.md)"
if [ -n "$out" ]; then
	[ -z "$raw" ] && raw=${out%.md}.tsv
	[ "$raw" != "$out" ] || raw=$out.tsv
fi
[ -n "$raw" ] || raw=$peer/last-run.tsv

# ---- benches -----------------------------------------------------------------------------------
selected=()
if [ -z "$only" ]; then
	selected=("${ALL_BENCHES[@]}")
else
	IFS=, read -r -a want <<<"$only"
	for w in "${want[@]}"; do
		bench_def "$w" || die "unknown bench '$w' (have: ${ALL_BENCHES[*]})"
		selected+=("$w")
	done
fi
if [[ $threads == *,* ]]; then
	IFS=, read -r -a counts <<<"$threads"
	expanded=()
	for w in "${selected[@]}"; do
		if [[ $MT_BENCHES == *" $w "* ]]; then
			for c in "${counts[@]}"; do expanded+=("$w@$c"); done
		else
			expanded+=("$w")
		fi
	done
	selected=("${expanded[@]}")
fi
for w in "${selected[@]}"; do
	bench_def "$w"
	prog=$(command -v "${cmd[0]}") || die "$w: '${cmd[0]}' not found (run build.sh; z3 and ruby come from Debian)"
	# LD_PRELOAD reaches only dynamically linked programs
	LC_ALL=C readelf -l "$(readlink -f "$prog")" 2>/dev/null | grep -q 'program interpreter' ||
		die "$w: '$prog' is not a dynamically linked program, so no allocator could be preloaded into it"
	[ "$input" = /dev/null ] || [ -r "$input" ] || die "$w: input '$input' missing (run build.sh)"
done

# ---- allocators: each must really preload ------------------------------------------------------
libc_file=$(env -u LD_PRELOAD "$probe" | sed -n 's/^malloc=\([^ ]*\) .*/\1/p')
[ -n "$libc_file" ] || die "preload-probe does not run"
names=() libs=() probes=()
for spec in "$@"; do
	[[ $spec == *=* ]] || die "'$spec' is not NAME=LIBPATH"
	name=${spec%%=*} lib=${spec#*=}
	[[ $name =~ ^[A-Za-z0-9._+-]+$ ]] || die "bad allocator name '$name' (letters, digits, . _ + -)"
	for n in "${names[@]}"; do [ "$n" != "$name" ] || die "allocator '$name' named twice"; done
	if [ -z "$lib" ]; then
		got=$libc_file
	else
		if [ ! -f "$lib" ] || [ ! -r "$lib" ]; then die "refusing $name: cannot read '$lib'"; fi
		lib=$(readlink -f "$lib")
		err=$(LD_PRELOAD=$lib "$probe" 2>&1 >/dev/null)
		line=$(LD_PRELOAD=$lib "$probe" 2>/dev/null)
		[ -z "$err" ] || die "refusing $name: '$lib' cannot be preloaded: $err"
		m=$(sed -n 's/^malloc=\([^ ]*\) .*/\1/p' <<<"$line") f=$(sed -n 's/.* free=\(.*\)$/\1/p' <<<"$line")
		if [ -z "$m" ] || [ "$(readlink -f "$m")" != "$lib" ] || [ "$(readlink -f "$f")" != "$lib" ]; then
			die "refusing $name: preloading '$lib' does not replace malloc/free (probe: ${line:-no output})"
		fi
		got=$lib
	fi
	names+=("$name") libs+=("$lib") probes+=("$got")
	printf 'allocator %-10s malloc/free from %s\n' "$name" "$got" >&2
done

# ---- run, interleaved: for each bench, REPS rounds of A B C ... ---------------------------------
mkdir -p "$(dirname "$raw")" || die "cannot create the folder of $raw"
tmp=$(mktemp -d) || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
printf 'bench\talloc\trep\tstatus\ttime_s\twall_s\trss_kib\tkind\texit\n' >"$raw"
total=$((${#selected[@]} * reps * ${#names[@]})) k=0 start=$SECONDS
for w in "${selected[@]}"; do
	bench_def "$w"
	for ((rep = 1; rep <= reps; rep++)); do
		for i in "${!names[@]}"; do
			name=${names[$i]} lib=${libs[$i]}
			k=$((k + 1))
			if [ -z "$lib" ]; then env=(env -u LD_PRELOAD); else env=(env "LD_PRELOAD=$lib"); fi
			rm -rf "$tmp/wd" && mkdir "$tmp/wd" # rptest writes a result file into its cwd
			(cd "$tmp/wd" && exec /usr/bin/time -f '%e %M' -o "$tmp/time" timeout -k 5 "$limit" \
				"${env[@]}" "${cmd[@]}" <"$input" >"$tmp/out" 2>"$tmp/err")
			rc=$?
			read -r wall rss < <(tail -n 1 "$tmp/time" 2>/dev/null)
			[[ $wall =~ ^[0-9.]+$ ]] || wall=-
			[[ $rss =~ ^[0-9]+$ ]] || rss=-
			sig=$(sed -n 's/^Command terminated by signal \([0-9]*\).*/\1/p' "$tmp/time" 2>/dev/null)
			status=ok t=-
			if [ $rc -eq 124 ] || { [ $rc -eq 137 ] && awk -v w="$wall" -v l="$limit" 'BEGIN { exit !(w + 0 >= l) }'; }; then
				status="FAIL(timeout)"
			elif [ -n "$sig" ]; then
				status="FAIL(signal $sig)"
			elif [ $rc -ne 0 ]; then
				status="FAIL(exit $rc)"
			elif grep -q 'cannot be preloaded' "$tmp/err"; then
				status="FAIL(preload)"
			else
				case $kind in
				wall) t=$wall ;;
				larson) t=$(sed -n 's/.*relative time: \([0-9.]*\)s.*/\1/p' "$tmp/out" | tail -n 1) ;;
				xmalloc) t=$(sed -n 's/^rtime: \([0-9.]*\).*/\1/p' "$tmp/out" | tail -n 1) ;;
				rptest)
					t=$(sed -n 's/.*[^0-9]\([0-9][0-9]*\) memory ops\/CPU second.*/\1/p' "$tmp/out" | tail -n 1)
					[ -z "$t" ] || t=$(awk -v n="$t" 'BEGIN { if (n > 0) printf "%.4f", 2000000 / n }') ;;
				glibc-thread)
					t=$(sed -n 's/^\([0-9][0-9]*\) iterations.*/\1/p' "$tmp/out" | tail -n 1)
					[ -z "$t" ] || t=$(awk -v n="$t" 'BEGIN { if (n > 0) printf "%.4f", 1e9 / n }') ;;
				esac
				[[ $t =~ ^[0-9]*\.?[0-9]+$ ]] || { status="FAIL(output)" t=-; }
				[ "$rss" != - ] || status="FAIL(no rss)"
			fi
			printf '%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%d\n' "$w" "$name" "$rep" "$status" "$t" \
				"$wall" "$rss" "$kind" "$rc" >>"$raw"
			if [ "$status" = ok ]; then
				printf '[%3d/%d] %-14s %-10s %8.3f s %8.1f MiB  (%ds)\n' $k $total "$w" "$name" "$t" \
					"$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" $((SECONDS - start)) >&2
			else
				printf '[%3d/%d] %-14s %-10s %s: %s\n' $k $total "$w" "$name" "$status" \
					"$(tail -c 300 "$tmp/err" | tr '\n' ' ')" >&2
			fi
		done
	done
done
elapsed=$((SECONDS - start))

# ---- report ------------------------------------------------------------------------------------
report() {
	echo "# Peer benchmark (mimalloc-bench programs), $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "$(nproc) cores, $(uname -sr), glibc $(ldd --version 2>/dev/null | head -n 1 | awk '{ print $NF }');" \
		"$reps interleaved run(s) per cell, ${elapsed}s in all; threads of the multi-threaded benches: $threads;" \
		"raw runs: $(basename "$raw")."
	echo "Time: wall seconds (/usr/bin/time %e), except larsonN, larsonN-sized, xmalloc-testN, rptestN"
	echo "and glibc-thread: relative time from the reported rate, as in mimalloc-bench's bench.sh."
	echo "Bracket: this allocator / ${names[0]} (below 1: less time or memory than ${names[0]})."
	echo
	for i in "${!names[@]}"; do
		pkg=$(dpkg-query -S "${probes[$i]}" 2>/dev/null | head -n 1 | cut -d: -f1)
		[ -z "$pkg" ] || pkg=" (Debian $pkg $(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null))"
		echo "- ${names[$i]}: ${libs[$i]:-no preload, $libc_file}$pkg"
	done
	if [ -f "$peer/VERSIONS" ]; then
		echo
		echo "Built by build.sh from: $(awk -F'\t' 'NR > 1 && $3 != "-" { printf "%s%s %s (%s)", n++ ? ", " : "", $1, $2, substr($3, 1, 12) }' "$peer/VERSIONS")."
	fi
	awk -F'\t' -v names="${names[*]}" '
	function median(list,   v, n, i, j, t) {
		n = split(list, v, " ")
		for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	NR == 1 { next }
	{
		w = $1; a = $2
		if (!(w in seen)) { seen[w] = 1; order[++nw] = w }
		if ($4 != "ok") { if (!((w, a) in fail)) fail[w, a] = $4; next }
		t[w, a] = t[w, a] " " $5; r[w, a] = r[w, a] " " $7 / 1024
	}
	function table(title, arr, fmt,   wi, w, ai, a, v, v1, ok1, lg, ng, line) {
		printf "\n## %s\n\n| bench |", title
		for (ai = 1; ai <= na; ai++) printf " %s |", A[ai]
		printf "\n|---|"
		for (ai = 1; ai <= na; ai++) printf "---|"
		printf "\n"
		for (ai = 1; ai <= na; ai++) { lg[ai] = 0; ng[ai] = 0 }
		for (wi = 1; wi <= nw; wi++) {
			w = order[wi]
			ok1 = !((w, A[1]) in fail) && ((w, A[1]) in arr)
			if (ok1) v1 = median(arr[w, A[1]])
			printf "| %s |", w
			for (ai = 1; ai <= na; ai++) {
				a = A[ai]
				if ((w, a) in fail) { printf " %s |", fail[w, a]; continue }
				if (!((w, a) in arr)) { printf " - |"; continue }
				v = median(arr[w, a])
				if (ok1 && v1 > 0 && v > 0) {
					printf " " fmt " (%.2f) |", v, v / v1
					lg[ai] += log(v / v1); ng[ai]++
				} else printf " " fmt " |", v
			}
			printf "\n"
		}
		printf "| **geomean ratio** |"
		for (ai = 1; ai <= na; ai++)
			if (ng[ai] > 0) printf " **%.3f** (n=%d) |", exp(lg[ai] / ng[ai]), ng[ai]
			else printf " n/a |"
		printf "\n"
	}
	END {
		na = split(names, A, " ")
		table("median time (s); ratio to " A[1] " in brackets", t, "%.3f")
		table("median peak RSS (MiB); ratio to " A[1] " in brackets", r, "%.1f")
	}' "$raw"
}
if [ -n "$out" ]; then
	mkdir -p "$(dirname "$out")" || die "cannot create the folder of $out"
	report | tee "$out"
else
	report
fi
echo "raw runs: $raw" >&2
# exit 3 tells a caller that some run failed (the report is complete all the same)
if grep -q $'\tFAIL' "$raw"; then exit 3; fi
