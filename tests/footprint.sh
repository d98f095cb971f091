#!/bin/sh
# footprint.sh - what preloading mialloc costs a process that barely
# allocates: its address maps are reserved, not committed, so
#   - libmialloc.so has kilobytes of .bss, not the maps' 80 MiB;
#   - a preloaded program's private writable memory (VmData, what a strict
#     overcommit policy charges) grows by a segment or two, not by
#     hundreds of MiB;
#   - its resident set grows by less than 1 MiB.
# Linux only (/proc/self/status).  The program is grep, or tests/status
# when the build machine's programs cannot load the library (a cross or a
# musl build).  Under an emulator, the process is the emulator's: what it
# adds is mialloc's and the emulator's translation of mialloc's code.
#
# Environment: MIALLOC_LIB (the shared library), MIALLOC_OVERRIDE (1 if it
# replaces malloc), MIALLOC_TARGET (tests/target.sh), top_builddir.
# Exit status: 0 pass, 1 fail, 77 skip.

LC_ALL=C
export LC_ALL
me=footprint.sh
unset LD_PRELOAD MIALLOC_SHOW_STATS MIALLOC_VERBOSE MIALLOC_RESERVE_OS_MEMORY 2>/dev/null || :

if test -z "${MIALLOC_LIB:-}" || test ! -f "$MIALLOC_LIB"; then
  echo "$me: SKIP: MIALLOC_LIB ('${MIALLOC_LIB:-}') is not a file"
  exit 77
fi
if test "${MIALLOC_OVERRIDE:-0}" != 1; then
  echo "$me: SKIP: the library does not replace malloc"
  exit 77
fi
if ! grep -q '^VmData:' /proc/self/status 2>/dev/null; then
  echo "$me: SKIP: no /proc/self/status with VmData"
  exit 77
fi

failures=0
check() { # check WHAT VALUE LIMIT UNIT
  if test "$2" -le "$3"; then
    echo "$me: ok: $1: $2 $4 (limit $3)"
  else
    echo "$me: FAIL: $1: $2 $4, more than $3"
    failures=$((failures + 1))
  fi
}

# ---- .bss ----------------------------------------------------------------------------
if command -v "${READELF:-readelf}" >/dev/null 2>&1; then
  bss=$("${READELF:-readelf}" -S -W "$MIALLOC_LIB" |
    awk '$2 == ".bss" { print $6 } $3 == ".bss" { print $7 }' | head -n 1)
  if test -n "$bss"; then
    check ".bss of $(basename "$MIALLOC_LIB")" $((0x$bss / 1024)) 64 KiB
  fi
else
  echo "$me: no readelf: .bss not checked"
fi

# ---- a preloaded program ----------------------------------------------------------------
# the same command without and with the library; each prints its own status
target=${MIALLOC_TARGET:-sh $(dirname "$0")/target.sh}
if why=$($target -l "$MIALLOC_LIB"); then
  status() { # status FIELD [PRELOAD]
    LD_PRELOAD=${2:-} sh -c "exec grep '^$1:' /proc/self/status" | awk '{ print $2 }'
  }
else
  echo "$me: the build machine's programs cannot load the library ($why): measuring tests/status"
  status() {
    $target ${2:+-p "$2"} "${top_builddir:-.}/tests/status" "$1"
  }
fi
data_plain=$(status VmData)
data_mialloc=$(status VmData "$MIALLOC_LIB")
rss_plain=$(status VmRSS)
rss_mialloc=$(status VmRSS "$MIALLOC_LIB")
echo "$me: VmData $data_plain KiB alone, $data_mialloc KiB with mialloc;" \
  "VmRSS $rss_plain KiB alone, $rss_mialloc KiB with mialloc"
check "private writable memory added by mialloc (VmData)" $((data_mialloc - data_plain)) 16384 KiB
check "resident memory added by mialloc (VmRSS)" $((rss_mialloc - rss_plain)) 1024 KiB

echo "$me: $failures failed"
test "$failures" -eq 0
