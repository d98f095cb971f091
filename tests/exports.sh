#!/bin/sh
# exports.sh - the functions libmialloc.so exports must be exactly those
# declared in include/mialloc.h, plus the libc allocation functions when the
# library overrides malloc (MIALLOC_OVERRIDE=1) on an ELF system, and then
# C++'s operators new and delete under their mangled names, size_t mangled
# as the library's ELF class says (src/override-new.c).  Reads an ELF shared
# library or a macOS dylib (with an NM that knows Mach-O).
#
# Environment:
#   srcdir            top source directory (default: the parent of this script's)
#   MIALLOC_LIB       the shared library to inspect (required)
#   MIALLOC_OVERRIDE  1 if the library replaces malloc and friends
# Exit status: 0 pass, 1 fail, 77 skip, 99 hard error.

LC_ALL=C
export LC_ALL
me=exports.sh

if test -z "${srcdir:-}"; then
  srcdir=$(dirname "$0")/..
fi
header=$srcdir/include/mialloc.h
if test ! -f "$header"; then
  echo "$me: ERROR: cannot find $header (set srcdir)"
  exit 99
fi
if test -z "${MIALLOC_LIB:-}" || test ! -f "$MIALLOC_LIB"; then
  echo "$me: SKIP: MIALLOC_LIB ('${MIALLOC_LIB:-}') is not a file"
  exit 77
fi
# NM may carry options ("nm -B"), so it is used unquoted
NM=${NM:-nm}
set -- $NM
if ! command -v "$1" >/dev/null 2>&1; then
  echo "$me: SKIP: no nm ('$NM')"
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mialloc-exports.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 99' HUP INT TERM

# ---- declared in the header --------------------------------------------------
# Comments and preprocessor lines are dropped (macros such as
# mi_attr_alloc_size(1) are not functions), as are typedefs (mi_output_fun and
# the other function types).  What remains of each declaration line is searched
# for mi_ names directly followed by "(".
awk '
  { text = text $0 "\n" }
  END {
    # remove /* comments */, keeping their newlines
    out = ""
    while ((i = index(text, "/*")) > 0) {
      rest = substr(text, i + 2)
      j = index(rest, "*/")
      if (j == 0) { text = substr(text, 1, i - 1); break }
      c = substr(rest, 1, j - 1)
      gsub(/[^\n]/, "", c)
      out = out substr(text, 1, i - 1) " " c
      text = substr(rest, j + 2)
    }
    printf "%s", out text
  }' "$header" |
  sed 's|//.*||' |
  awk '
    # preprocessor lines, with their continuations
    cont { cont = /\\$/; next }
    /^[ \t]*#/ { cont = /\\$/; next }
    # typedefs, up to the ";" outside braces
    /^[ \t]*typedef/ { intypedef = 1; depth = 0 }
    intypedef {
      line = $0
      while (line != "") {
        ch = substr(line, 1, 1); line = substr(line, 2)
        if (ch == "{") depth++
        else if (ch == "}") depth--
        else if (ch == ";" && depth == 0) { intypedef = 0; break }
      }
      next
    }
    { print }
  ' >"$tmp/decls"

# names of function-like macros, which are not exported functions
sed -n 's/^[ \t]*#[ \t]*define[ \t][ \t]*\(mi_[A-Za-z_0-9]*\)(.*/\1/p' "$header" | sort -u >"$tmp/macros"

grep -o 'mi_[a-z_0-9]*[ \t]*(' "$tmp/decls" | sed 's/[ \t]*($//' | sort -u >"$tmp/names"
comm -23 "$tmp/names" "$tmp/macros" >"$tmp/expected"

if test ! -s "$tmp/expected"; then
  echo "$me: ERROR: found no function declarations in $header"
  exit 99
fi

# ---- exported by the library ---------------------------------------------------
# ELF: nm -D --defined-only, "ADDRESS TYPE NAME[@[@]VERSION]".  Mach-O (a
# macOS dylib; NM must read it, e.g. llvm-nm): nm -g --defined-only, names
# with the underscore that C names get there.  Functions are T, t, W, w and
# i (indirect); data, absolute symbols (version nodes) and the toolchain's
# _init/_fini are not part of the interface.
magic=$(od -An -tx1 -N4 "$MIALLOC_LIB" | tr -d ' \n')
case $magic in
cffaedfe | feedfacf) format=mach-o nm_flags=-g ;;
*) format=elf nm_flags=-D ;;
esac
# ELF: 32 or 64 bits (EI_CLASS), which is how size_t is mangled: unsigned
# int (j) or unsigned long (m); x32 is a 32-bit class
bits=
if test $format = elf; then
  case $(od -An -tx1 -j4 -N1 "$MIALLOC_LIB" | tr -d ' \n') in
  01) bits=32 sz=j ;;
  02) bits=64 sz=m ;;
  esac
fi
if ! $NM $nm_flags --defined-only "$MIALLOC_LIB" >"$tmp/nm.out" 2>"$tmp/nm.err"; then
  echo "$me: ERROR: $NM $nm_flags --defined-only $MIALLOC_LIB failed:"
  cat "$tmp/nm.err"
  exit 99
fi
awk 'NF >= 3 && $2 ~ /^[TtWwi]$/ { print $3 } NF == 2 && $1 ~ /^[TtWwi]$/ { print $2 }' \
  "$tmp/nm.out" | sed 's/@.*//' | grep -v -x -e _init -e _fini >"$tmp/names"
if test $format = mach-o; then
  sed -n 's/^_//p' "$tmp/names"
else
  cat "$tmp/names"
fi | sort -u >"$tmp/exported"

# On macOS the override interposes libc's functions (src/override-darwin.c)
# and defines none of them.
if test "${MIALLOC_OVERRIDE:-0}" = 1 && test $format = elf; then
  for f in malloc free calloc realloc reallocarray posix_memalign aligned_alloc memalign \
    valloc pvalloc malloc_usable_size cfree; do
    echo "$f"
  done >>"$tmp/expected"
  # glibc's own interfaces, where the C library declares them (not musl)
  if test "${MIALLOC_GLIBC_API:-0}" = 1; then
    for f in mallinfo mallinfo2 malloc_trim malloc_stats malloc_info mallopt; do
      echo "$f"
    done >>"$tmp/expected"
  fi
  # glibc's internal entry points, whichever of them the library provides
  grep '^__libc_' "$tmp/exported" >>"$tmp/expected"
  # C++'s operators: new and new[] (plain, nothrow, aligned, aligned
  # nothrow), delete and delete[] (plain, nothrow, sized, aligned, aligned
  # nothrow, sized aligned)
  if test -z "$bits"; then
    echo "$me: ERROR: cannot tell the ELF class of $MIALLOC_LIB"
    exit 99
  fi
  for op in nw na; do
    for form in "" RKSt9nothrow_t St11align_val_t St11align_val_tRKSt9nothrow_t; do
      echo "_Z$op$sz$form"
    done
  done >>"$tmp/expected"
  for op in dl da; do
    for form in "" RKSt9nothrow_t $sz St11align_val_t St11align_val_tRKSt9nothrow_t ${sz}St11align_val_t; do
      echo "_Z${op}Pv$form"
    done
  done >>"$tmp/expected"
  sort -u "$tmp/expected" -o "$tmp/expected"
fi

comm -23 "$tmp/expected" "$tmp/exported" >"$tmp/missing"
comm -13 "$tmp/expected" "$tmp/exported" >"$tmp/extra"

status=0
if test -s "$tmp/missing"; then
  echo "$me: FAIL: declared but not exported by $MIALLOC_LIB:"
  sed 's/^/  /' "$tmp/missing"
  status=1
fi
if test -s "$tmp/extra"; then
  echo "$me: FAIL: exported by $MIALLOC_LIB but not declared in $header:"
  sed 's/^/  /' "$tmp/extra"
  status=1
fi
# the Debian symbols file lists the same set (the git tree only: debian/
# is not in the release tarball); its list assumes the default override on
# glibc, as Debian builds it (a musl build has no glibc interfaces), and
# tags the names that hold size_t with the architecture bits they are for
symbols="$srcdir/debian/libmialloc0.symbols"
if test -f "$symbols" && test "${MIALLOC_OVERRIDE:-0}" = 1 && test $format = elf &&
  test "${MIALLOC_GLIBC_API:-0}" = 1; then
  sed -n -e 's/^ \([A-Za-z_0-9]*\)@Base .*/\1/p' -e "s/^ (arch-bits=$bits)\([A-Za-z_0-9]*\)@Base .*/\1/p" \
    "$symbols" | sort -u >"$tmp/symbols"
  if ! cmp -s "$tmp/symbols" "$tmp/exported"; then
    echo "$me: FAIL: $symbols differs from the library's exports (< symbols file, > library):"
    diff "$tmp/symbols" "$tmp/exported" | grep '^[<>]' | sed 's/^/  /'
    status=1
  fi
fi
if test $status -eq 0; then
  echo "$me: ok: $(wc -l <"$tmp/expected" | tr -d ' ') functions ($format), override=${MIALLOC_OVERRIDE:-0}"
fi
exit $status
