#!/bin/sh
# stats.sh - the statistics as a user reads them: the JSON of
# mi_stats_get_json around known calls (tests/stats-prog.c), parsed with
# python3's json module and compared with what the calls did; the report
# at exit (MIALLOC_SHOW_STATS) as text and JSON, in MIALLOC_STATS_FILE, for
# a process that never allocated too; the peak of bytes in use that
# MIALLOC_SHOW_STATS counts.
#
# Environment: top_builddir (default .).  Exit status: 0 pass, 1 fail, 77
# skip (no python3), 99 hard error.

me=stats.sh
top_builddir=${top_builddir:-.}
prog=$top_builddir/tests/stats-prog
target=${MIALLOC_TARGET:-sh $(dirname "$0")/target.sh} # runs it, under an emulator if need be
command -v python3 >/dev/null 2>&1 || { echo "$me: SKIP: python3 is needed to parse the JSON"; exit 77; }
test -x "$prog" || { echo "$me: no $prog: build it with make check"; exit 99; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mialloc-stats.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  echo "$me: FAIL: $*"
  failures=$((failures + 1))
}
ok() {
  echo "$me: ok: $*"
}
unset MIALLOC_SHOW_STATS MIALLOC_VERBOSE MIALLOC_STATS_FILE MIALLOC_STATS_FORMAT

# ---- the counts: JSON before and after known calls ------------------------------
if $target "$prog" counts "$tmp/before.json" "$tmp/after.json" >/dev/null &&
  python3 - "$tmp/before.json" "$tmp/after.json" <<'EOF'; then
import json, sys
b, a = (json.load(open(f)) for f in sys.argv[1:3])
bad = []
def want(what, got, expected):
    if got != expected:
        bad.append("%s: %r, expected %r" % (what, got, expected))
for doc in (b, a):
    want("schema", doc["schema"], "mialloc-stats")
    want("schema_version", doc["schema_version"], 1)
def delta(*keys):
    x, y = b, a
    for k in keys:
        x, y = x[k], y[k]
    return y - x
# 1000 + 100 calloc + 50 moving reallocs + 200 + 10 in the thread + 2 huge
want("allocations", delta("calls", "allocations"), 1362)
# 500 + 50 moved by realloc + 200 by the other thread + 1 huge
want("frees", delta("calls", "frees"), 751)
want("callocs", delta("calls", "callocs"), 100)
want("reallocs", delta("calls", "reallocs"), 50)
want("cross_thread_frees", delta("calls", "cross_thread_frees"), 200)
want("blocks in use", delta("in_use", "blocks"), 500 + 100 + 10 + 1)
def cls(doc, size):
    for c in doc["size_classes"]:
        if c["block_size"] == size and not c["huge"]:
            return c
    return {"in_use_blocks": 0, "in_use_bytes": 0, "allocations": 0}
for size, blocks in ((48, 450), (224, 50), (80, 100), (2048, 10)):
    want("%d-byte blocks in use" % size, cls(a, size)["in_use_blocks"] - cls(b, size)["in_use_blocks"], blocks)
    want("%d-byte bytes in use" % size, cls(a, size)["in_use_bytes"] - cls(b, size)["in_use_bytes"], blocks * size)
small = 450 * 48 + 50 * 224 + 100 * 80 + 10 * 2048
got = delta("in_use", "bytes")
if not (small + (3 << 20) <= got <= small + (3 << 20) + 65536):
    bad.append("bytes in use grew by %d, expected %d plus a 3 MiB huge block" % (got, small))
want("huge bytes", delta("in_use", "huge_bytes") >= 3 << 20, True)
if not (0 < a["in_use"]["requested_bytes"] <= a["in_use"]["bytes"]):
    bad.append("requested bytes %d not in (0, in use]" % a["in_use"]["requested_bytes"])
if a["in_use"]["page_bytes_peak"] < a["in_use"]["bytes"]:
    bad.append("peak of page bytes below the bytes in use")
for k in ("reserved", "committed", "resident"):
    if not (0 < a["memory"][k] <= a["memory"][k + "_peak"]):
        bad.append("memory.%s not in (0, peak]" % k)
for m in bad:
    print("  " + m)
sys.exit(1 if bad else 0)
EOF
  ok "JSON around known calls: allocations, frees, calloc, realloc, cross-thread frees, blocks and bytes in use"
else
  fail "the JSON of mi_stats_get_json does not match the calls made"
fi

# ---- the peak of bytes in use: counted with MIALLOC_SHOW_STATS, else null ---------
if MIALLOC_SHOW_STATS=1 $target "$prog" peak "$tmp/peak.json" >/dev/null 2>"$tmp/peak.err" &&
  python3 - "$tmp/peak.json" <<'EOF'; then
import json, sys
u = json.load(open(sys.argv[1]))["in_use"]
MiB = 1 << 20
# 10 MiB of 64-byte blocks were in use at once; now 8 MiB in 16 KiB blocks
# (a quarter of the frees not counted, of written or untouched blocks, by
# either thread, would take the peak above 10.5 MiB)
assert 10 * MiB <= u["bytes_peak"] <= 10 * MiB + 256 * 1024, u
assert 8 * MiB <= u["bytes"] <= 8 * MiB + 64 * 1024, u
assert u["bytes_peak"] >= u["bytes"], u
EOF
  ok "MIALLOC_SHOW_STATS=1: bytes_peak counts the 10 MiB in use before they were freed, bytes the 8 MiB now"
else
  fail "the peak of bytes in use in $tmp/peak.json is wrong: $(cat "$tmp/peak.json" "$tmp/peak.err")"
fi
if grep '^in use: .*8.0 MiB in .* at peak 10\.0 MiB' "$tmp/peak.err" >/dev/null; then
  ok "the report at exit says 'at peak 10.0 MiB'"
else
  fail "the report at exit has no 'at peak 10.0 MiB': $(grep '^in use' "$tmp/peak.err")"
fi
if $target "$prog" peak "$tmp/nopeak.json" >/dev/null &&
  python3 -c 'import json, sys; u = json.load(open(sys.argv[1]))["in_use"]; sys.exit(u["bytes_peak"] is not None)' \
    "$tmp/nopeak.json"; then
  ok "without MIALLOC_SHOW_STATS bytes_peak is null (not counted)"
else
  fail "without MIALLOC_SHOW_STATS bytes_peak is not null: $(cat "$tmp/nopeak.json")"
fi

# ---- at exit: JSON into a file named with %p -------------------------------------
pid=$(MIALLOC_SHOW_STATS=1 MIALLOC_STATS_FORMAT=json MIALLOC_STATS_FILE="$tmp/exit.%p.json" $target "$prog" exit 2>"$tmp/exit.err")
if test -f "$tmp/exit.$pid.json" && python3 - "$tmp/exit.$pid.json" "$pid" <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema_version"] == 1, d["schema_version"]
assert d["pid"] == int(sys.argv[2]), (d["pid"], sys.argv[2])
assert "stats-prog" in d["program"], d["program"]
assert d["calls"]["allocations"] >= 1 and d["in_use"]["blocks"] >= 1
assert d["config"]["tls"] and isinstance(d["config"]["override"], bool)
EOF
  ok "MIALLOC_STATS_FORMAT=json MIALLOC_STATS_FILE=...%p...: parsed, pid $pid, program named"
else
  fail "no JSON report in $tmp/exit.$pid.json at exit (stderr: $(cat "$tmp/exit.err"))"
fi
test -s "$tmp/exit.err" && fail "the report went to a file, yet stderr has: $(head -3 "$tmp/exit.err")"

# ---- appended to a file that exists ------------------------------------------------
MIALLOC_SHOW_STATS=1 MIALLOC_STATS_FILE="$tmp/twice.txt" $target "$prog" exit >/dev/null
MIALLOC_SHOW_STATS=1 MIALLOC_STATS_FILE="$tmp/twice.txt" $target "$prog" exit >/dev/null
n=$(grep -c '^mialloc .* statistics: ' "$tmp/twice.txt" 2>/dev/null)
if test "$n" = 2; then
  ok "MIALLOC_STATS_FILE is appended to"
else
  fail "two runs left ${n:-no} reports in MIALLOC_STATS_FILE, not 2"
fi

# ---- text at exit, for a process that never allocated ------------------------------
# (its C library may have: musl's does, at exit, so the count is not tested)
pid=$(MIALLOC_SHOW_STATS=1 $target "$prog" none 2>"$tmp/none.err")
if grep "^mialloc .* statistics: .*stats-prog (pid $pid), .* elapsed; thread-local heap: " "$tmp/none.err" >/dev/null &&
  grep '^in use: .* blocks' "$tmp/none.err" >/dev/null && grep '^calls: ' "$tmp/none.err" >/dev/null &&
  grep '^ *block size  *in use  *blocks' "$tmp/none.err" >/dev/null; then
  ok "a process that never allocated prints the report, named and with its pid"
else
  fail "MIALLOC_SHOW_STATS=1 and no allocation: no report, or not as expected:"
  sed 's/^/  /' "$tmp/none.err"
fi

# ---- text: the size table has units and live blocks -------------------------------
MIALLOC_SHOW_STATS=1 $target "$prog" exit >/dev/null 2>"$tmp/text.err"
if grep '^ *112 B  *112 B  *1 ' "$tmp/text.err" >/dev/null; then
  ok "the size table shows the 100-byte block in use as '112 B ... 1'"
else
  fail "no row '112 B  112 B  1' for the one block of 100 bytes in use:"
  sed 's/^/  /' "$tmp/text.err"
fi

# ---- bad values: a clear message, and the report is not lost -------------------------
MIALLOC_SHOW_STATS=1 MIALLOC_STATS_FILE="$tmp/no/such/dir/s.txt" $target "$prog" exit >/dev/null 2>"$tmp/bad.err"
if grep "cannot open MIALLOC_STATS_FILE '$tmp/no/such/dir/s.txt'" "$tmp/bad.err" >/dev/null &&
  grep '^in use: ' "$tmp/bad.err" >/dev/null; then
  ok "an unwritable MIALLOC_STATS_FILE is reported, and the statistics go to stderr"
else
  fail "an unwritable MIALLOC_STATS_FILE: $(cat "$tmp/bad.err")"
fi
MIALLOC_SHOW_STATS=1 MIALLOC_STATS_FORMAT=xml $target "$prog" exit >/dev/null 2>"$tmp/fmt.err"
if grep "MIALLOC_STATS_FORMAT must be 'text' or 'json'" "$tmp/fmt.err" >/dev/null &&
  grep '^in use: ' "$tmp/fmt.err" >/dev/null; then
  ok "an unknown MIALLOC_STATS_FORMAT is reported, and the text printed"
else
  fail "MIALLOC_STATS_FORMAT=xml: $(cat "$tmp/fmt.err")"
fi

test "$failures" -eq 0
