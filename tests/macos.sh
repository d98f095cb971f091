#!/bin/sh
# macos.sh - mialloc for macOS, cross-built here with configure --host and
# inspected (it cannot run here).  Eight builds of libmialloc, from a copy
# of the tree made by `make distdir`, with tests/macos-toolchain.sh:
#
#   arch     toolchain  TLS                   also
#   aarch64  lld        pthread (the default) the library version 3:2:1
#   aarch64  lld        slot 130
#   aarch64  zig        pthread
#   aarch64  zig        slot 231
#   x86_64   the same four, the lld slot build without <malloc/malloc.h>
#
# Each build must compile without a warning and give a Mach-O dylib and a
# static library for its architecture whose dylib
#   - has the install name $prefix/lib/libmialloc.0.dylib (compatibility and
#     current version from the libtool version: checked with lld, whose
#     output they can be read from),
#   - exports exactly the functions of mialloc.h (tests/exports.sh reading
#     Mach-O; with zig, whose linker exports everything, configure must
#     have said so and the API must be among the exports),
#   - has an __interpose section whose pairs map each libc function to
#     mialloc's,
#   - imports from libSystem only, and uses no thread-local variables,
#   - never reads TPIDR_EL0 (the CPU number on macOS, not a thread id),
#   - in slot builds, reads the heap pointer from TSD slot N: %gs:8*N on
#     x86-64, [TPIDRRO_EL0 & ~7, #8*N] on arm64, in mi_malloc;
# and the objects (with zone.c and override-darwin.c) call only downwards
# (tests/layers.sh).
# tests/macos-zone-layout.c checks src/malloc-zone.h against the SDK's
# <malloc/malloc.h> for both architectures.
#
# Exit status: 0 pass, 1 fail, 77 when the cross toolchain is missing (see
# tests/macos-toolchain.sh), 99 hard error.  MIALLOC_SKIP_MACOS=1 skips it
# (CI's other configurations, which would repeat it).  About a minute.

LC_ALL=C
export LC_ALL
me=macos.sh

if test "${MIALLOC_SKIP_MACOS:-0}" = 1; then
  echo "$me: SKIP: MIALLOC_SKIP_MACOS=1"
  exit 77
fi
here=$(cd "$(dirname "$0")" && pwd) || exit 99
srcdir=${srcdir:-$here/..}
srcdir=$(cd "$srcdir" && pwd) || exit 99
top_builddir=$(cd "${top_builddir:-.}" && pwd) || exit 99
MAKE=${MAKE:-make}
. "$here/macos-toolchain.sh"
if ! macos_toolchain_find; then
  echo "$me: SKIP: no macOS cross toolchain here (missing:$macos_missing)"
  exit 77
fi
# nothing of the test run's own configuration may leak into the builds
# (nor make's jobserver: they are make runs of their own)
unset CC CFLAGS CPPFLAGS LDFLAGS NM MIALLOC_LIB MIALLOC_OVERRIDE MIALLOC_EXPECT_TLS MIALLOC_EXPECT_TLS_SLOT \
  MAKEFLAGS MFLAGS MAKELEVEL
jobs=$(nproc 2>/dev/null || echo 2)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mialloc-macos.XXXXXX") || exit 99
if test "${KEEP:-0}" = 1; then
  echo "$me: keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi
trap 'rm -rf "$tmp"; exit 99' HUP INT TERM
prefix=/opt/mialloc-macos-test

failures=0
fail() {
  echo "$me: FAIL: $build: $*"
  failures=$((failures + 1))
}
ok() {
  echo "$me: ok: $build: $*"
}

if ! $MAKE -C "$top_builddir" distdir distdir="$tmp/src" >"$tmp/distdir.log" 2>&1; then
  tail -n 20 "$tmp/distdir.log"
  echo "$me: ERROR: make distdir failed"
  exit 99
fi
for arch in aarch64 x86_64; do
  macos_sdk $arch "$tmp/sdk-$arch" || { echo "$me: ERROR: cannot lay out the SDK"; exit 99; }
done

# ---- checks of one dylib ----------------------------------------------------------------

objdump() {
  "$LLVM_OBJDUMP" --macho "$@"
}

# check_header DYLIB ARCH
check_header() {
  case $2 in
  aarch64) want=ARM64 ;;
  x86_64) want=X86_64 ;;
  esac
  header=$(objdump --private-header "$1" | awk '$1 ~ /^MH_MAGIC/ { print $2, $5 }')
  if test "$header" = "$want DYLIB"; then ok "Mach-O $want dylib"; else fail "header '$header', not '$want DYLIB'"; fi
}

# check_id DYLIB NAME [COMPAT CURRENT]
check_id() {
  id=$(objdump --dylib-id "$1" | sed -n 2p)
  test "$id" = "$prefix/lib/$2" || fail "install name '$id', not $prefix/lib/$2"
  test -z "$3" && { ok "install name $id"; return; }
  versions=$(objdump --private-headers "$1" |
    awk '/cmd LC_ID_DYLIB/ { on = 1 } on && /current version/ && !/compat/ { cur = $3 }
         on && /compatibility version/ { print $3, cur; exit }')
  if test "$versions" = "$3 $4"; then
    ok "install name $id, compatibility version $3, current version $4"
  else
    fail "LC_ID_DYLIB versions '$versions', not '$3 $4'"
  fi
}

# check_exports DYLIB TOOLCHAIN: the API, exactly (zig: at least, as configure warned)
check_exports() {
  if MIALLOC_LIB=$1 NM=$LLVM_NM MIALLOC_OVERRIDE=1 srcdir=$srcdir sh "$here/exports.sh" >"$dir/exports.log" 2>&1; then
    ok "$(tail -n 1 "$dir/exports.log")"
  elif test "$2" = zig && grep -q 'the linker ignores export lists' "$dir/configure.log" &&
    ! grep -q 'declared but not exported' "$dir/exports.log"; then
    ok "exports the API, and internals as configure warned (zig's linker)"
  else
    fail "exports:"
    cat "$dir/exports.log"
  fi
}

# The interposed pairs of DYLIB as "libc_name replacement" lines.
interpose_pairs() {
  section=$(objdump --section-headers "$1" | awk '$2 == "__interpose" { print $4, $3 }')
  test -n "$section" || return 1
  set -- "$1" $section
  # the replacement is a rebased pointer whose value is a function of the
  # library; the replaced function is bound to a symbol of libSystem
  objdump --bind "$1" | awk '$2 == "__interpose" { print $3, $NF }' >"$dir/binds"
  # the section's pointers, one per line, in hex: llvm-objdump shows the
  # contents as 32-bit little-endian words (arm64) or as bytes (x86-64)
  objdump -s --section=__DATA,__interpose "$1" | awk '
    NF == 5 && $1 ~ /^[0-9a-f]+$/ { print $3 $2; print $5 $4 }
    NF == 17 && $1 ~ /^[0-9a-f]+$/ {
      for (p = 0; p < 2; p++) { v = ""; for (i = 8; i >= 1; i--) v = v $(1 + 8 * p + i); print v }
    }' >"$dir/words"
  "$LLVM_NM" --defined-only "$1" | awk '{ print $1, $3 }' >"$dir/symbols"
  awk -v base="$2" -v size="$3" '
    function hex(s,   n, i, c) { n = 0; s = tolower(s); sub(/^0x/, "", s)
      for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; n = n * 16 + c }
      return n }
    FILENAME ~ /binds$/ { bound[hex($1)] = $2; next }
    FILENAME ~ /symbols$/ { name[hex($1)] = $2; next }
    { w[nw++] = hex($1) }
    END {
      b = hex(base)
      for (i = 0; 16 * i < hex(size); i++) {
        repl = w[2 * i]
        libc = bound[b + 16 * i + 8]
        print (libc == "" ? "?" : libc), (repl in name ? name[repl] : "?")
      }
    }' "$dir/binds" "$dir/symbols" "$dir/words"
}

check_interpose() {
  if ! interpose_pairs "$1" >"$dir/pairs"; then
    fail "no __interpose section"
    return
  fi
  missing=
  for pair in _malloc:_mi_malloc _calloc:_mi_calloc _realloc:_mi_realloc _free:_mi_free _valloc:_mi_valloc \
    _posix_memalign:_mi_posix_memalign _aligned_alloc:_mi_aligned_alloc _reallocf:_mi_reallocf \
    _malloc_size:_mi_darwin_malloc_size _malloc_good_size:_mi_good_size; do
    grep -q -x "${pair%%:*} ${pair#*:}" "$dir/pairs" || missing="$missing ${pair%%:*}->${pair#*:}"
  done
  n=$(wc -l <"$dir/pairs" | tr -d ' ')
  if test -z "$missing" && test "$n" = 10; then
    ok "__interpose: $(sed 's/^_\([a-z_]*\) _\(.*\)/\1->\2/' "$dir/pairs" | tr '\n' ' ')"
  else
    fail "__interpose pairs ($n) lack:$missing; found:"
    sed 's/^/    /' "$dir/pairs"
  fi
}

check_imports() {
  others=$(objdump --dylibs-used "$1" | sed 1d | grep -v -e "$prefix/lib/libmialloc" -e '/usr/lib/libSystem.B.dylib')
  foreign=$("$LLVM_NM" -m --undefined-only "$1" | grep -v '(from libSystem)')
  if test -z "$others" && test -z "$foreign"; then
    ok "imports from libSystem only ($("$LLVM_NM" -u "$1" | wc -l | tr -d ' ') symbols)"
  else
    fail "imports from elsewhere than libSystem: $others $foreign"
  fi
}

check_no_tlv() {
  flags=$(objdump --private-header "$1" | awk '$1 ~ /^MH_MAGIC/')
  tlv=$(objdump --section-headers "$1" | awk '$2 ~ /^__thread_/ { print $2 }')
  tlvimport=$("$LLVM_NM" -u "$1" | grep -c '_tlv_bootstrap')
  case $flags in
  *TLV*) fail "the header says thread-local variables: $flags" ;;
  *) if test -z "$tlv" && test "$tlvimport" = 0; then ok "no thread-local variables"; else
       fail "thread-local variable sections '$tlv', __tlv_bootstrap imports $tlvimport"; fi ;;
  esac
}

# the thread id and the TSD reads use TPIDRRO_EL0; TPIDR_EL0 is the CPU number
check_no_tpidr() {
  n=$("$LLVM_OBJDUMP" -d --no-show-raw-insn "$1" | grep -c -w 'TPIDR_EL0')
  if test "$n" = 0; then ok "never reads TPIDR_EL0"; else fail "$n reads of TPIDR_EL0"; fi
}

# check_slot DYLIB ARCH N: mi_malloc reads TSD slot N
check_slot() {
  disp=$(($3 * 8))
  "$LLVM_OBJDUMP" -d --no-show-raw-insn --disassemble-symbols=_mi_malloc "$1" >"$dir/mi_malloc.s"
  case $2 in
  x86_64) found=$(grep -c "%gs:$disp," "$dir/mi_malloc.s") ;;
  aarch64)
    found=$(awk -v disp="#$disp]" '
      $2 == "mrs" && $4 == "TPIDRRO_EL0" { r = $3; sub(/,$/, "", r); masked = "" }
      r != "" && $2 == "and" && $4 == r "," && $5 == "#0xfffffffffffffff8" { masked = $3; sub(/,$/, "", masked) }
      masked != "" && $2 == "ldr" && $4 == "[" masked "," && $5 == disp { n++ }
      END { print n + 0 }' "$dir/mi_malloc.s")
    ;;
  esac
  if test "$found" -ge 1; then
    ok "mi_malloc reads TSD slot $3 (displacement $disp)"
  else
    fail "mi_malloc does not read TSD slot $3 at displacement $disp:"
    head -n 12 "$dir/mi_malloc.s" | sed 's/^/    /'
  fi
}

check_static() {
  members=$(objdump --private-header "$1" 2>/dev/null | grep -c 'MH_MAGIC_64')
  if test "$members" -ge 10 && "$LLVM_NM" --defined-only "$1" 2>/dev/null | grep -q ' T _mi_malloc$'; then
    ok "libmialloc.a: $members Mach-O objects"
  else
    fail "libmialloc.a is not a Mach-O archive with mi_malloc ($members objects)"
  fi
}

# ---- the builds ------------------------------------------------------------------------------

# build_one ARCH TOOLCHAIN TLS [CONFIGURE-ARG...]
build_one() {
  arch=$1 tc=$2 tls=$3
  shift 3
  build="$arch $tc $tls"
  dir="$tmp/build-$arch-$tc-$tls"
  mkdir "$dir" || exit 99
  case $tls in
  pthread) tls_args= ;;
  slot*) tls_args=--with-tls-slot=${tls#slot} ;;
  esac
  if ! (cd "$dir" && macos_configure "$tc" "$arch" "$tmp/sdk-$arch" "$tmp/src" --prefix="$prefix" \
    $tls_args "$@" >configure.log 2>&1); then
    fail "configure failed:"
    tail -n 15 "$dir/configure.log"
    return 1
  fi
  if ! $MAKE -C "$dir" -j"$jobs" src/libmialloc.la >"$dir/make.log" 2>&1; then
    fail "make failed:"
    grep -e 'error' -e 'warning' "$dir/make.log" | head -n 20
    return 1
  fi
  warnings=$(grep -c 'warning:' "$dir/make.log")
  if test "$warnings" = 0; then ok "built without warnings"; else
    fail "$warnings warnings:"
    grep 'warning:' "$dir/make.log" | head -n 20
  fi
  lib=$dir/src/.libs/libmialloc.0.dylib
  if test ! -f "$lib"; then
    fail "no libmialloc.0.dylib"
    return 1
  fi
  check_header "$lib" "$arch"
  check_static "$dir/src/.libs/libmialloc.a"
  check_exports "$lib" "$tc"
  check_interpose "$lib"
  check_imports "$lib"
  check_no_tlv "$lib"
  test "$arch" = aarch64 && check_no_tpidr "$lib"
  case $tls in slot*) check_slot "$lib" "$arch" "${tls#slot}" ;; esac
  if test "$tc" = lld; then check_id "$lib" libmialloc.0.dylib 1.0.0 1.0.0; else check_id "$lib" libmialloc.0.dylib; fi
  if top_builddir=$dir NM=$LLVM_NM sh "$here/layers.sh" >"$dir/layers.log" 2>&1; then
    ok "$(cat "$dir/layers.log")"
  else
    fail "the layering (with the macOS files):"
    cat "$dir/layers.log"
  fi
  return 0
}

# The install name and versions follow the libtool version (CURRENT:REVISION:AGE
# 3:2:1: libmialloc.2.dylib, compatibility version 4, current version 4.2).
relink_versioned() {
  build="$1 lld pthread, -version-info 3:2:1"
  rm -f "$dir/src/libmialloc.la"
  if $MAKE -C "$dir" src/libmialloc.la MI_LT_VERSION=3:2:1 >"$dir/relink.log" 2>&1; then
    check_id "$dir/src/.libs/libmialloc.2.dylib" libmialloc.2.dylib 4.0.0 4.2.0
  else
    fail "relink failed:"
    tail -n 10 "$dir/relink.log"
  fi
}

for arch in aarch64 x86_64; do
  build_one $arch lld pthread && test $arch = aarch64 && relink_versioned $arch
  if test $arch = x86_64; then
    build_one $arch lld slot130 ac_cv_header_malloc_malloc_h=no &&
      grep -q 'HAVE_MALLOC_MALLOC_H' "$dir/config.h" && ! grep -q '^#define HAVE_MALLOC_MALLOC_H' "$dir/config.h" &&
      ok "built with src/malloc-zone.h instead of the SDK's <malloc/malloc.h>"
  else
    build_one $arch lld slot130
  fi
  build_one $arch zig pthread
  build_one $arch zig slot231
  build="$arch zone layout"
  case $arch in aarch64) carch=arm64 ;; *) carch=$arch ;; esac
  if "$CLANG" -target $carch-apple-macos11 -isysroot "$tmp/sdk-$arch" -fsyntax-only -Wall -Werror \
    -I"$srcdir/src" "$here/macos-zone-layout.c" >"$tmp/layout-$arch.log" 2>&1; then
    ok "src/malloc-zone.h matches the SDK's <malloc/malloc.h>"
  else
    fail "src/malloc-zone.h differs from the SDK's <malloc/malloc.h>:"
    head -n 20 "$tmp/layout-$arch.log"
  fi
done

echo "$me: $failures failed"
test "$failures" -eq 0
