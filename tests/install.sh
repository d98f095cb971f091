#!/bin/sh
# install.sh - configure, build and install mialloc into a temporary prefix,
# use the installed package the way its users do, then uninstall it.
#
#   sh tests/install.sh [SRCDIR]
#
# SRCDIR (default: $abs_top_srcdir, or the parent of this script's directory)
# must have a configure script (run ./autogen.sh in a git checkout) and must
# not be configured in place: the build is a separate VPATH build with
# --prefix=TMP/prefix.  It checks that
#   - the installed files are the expected ones, and only the public headers
#     (mialloc.h, and mialloc.hpp and mialloc-new-delete.h for C++);
#   - libmialloc.so.0 needs no C++ runtime; a C++ program built with
#     `pkg-config --cflags --libs mialloc-cxx` gets operator new from the
#     installed libmialloc-cxx, and a C++ object linked by the C compiler
#     with `pkg-config --static --libs mialloc-cxx` from libmialloc-cxx.a
#     (when built; mialloc-cxx.pc is installed only then);
#   - a program compiled with `pkg-config --cflags --libs mialloc` links the
#     installed libmialloc.so.0 and gets its malloc from mialloc;
#   - the same program linked statically against libmialloc.a through
#     `pkg-config --static --libs` does too, without needing libmialloc.so;
#   - the installed mialloc-run preloads the installed library;
#   - `pkg-config --variable=tls_mechanism mialloc` is set;
#   - man finds and renders the installed pages, aliases included;
#   - `make uninstall` removes every file it installed.
# A full build: about 15 s on 2 cores.  Not part of `make check`; .ci/packaging
# runs it.  Environment: CC, PKG_CONFIG, MAKE, CONFIGURE_FLAGS (extra
# arguments to configure), KEEP=1 to keep the temporary directory.
# Exit status: 0 pass, 1 fail, 77 skip, 99 hard error.

LC_ALL=C
export LC_ALL
unset MIALLOC_SHOW_STATS MIALLOC_VERBOSE MIALLOC_RUN_LIB LD_PRELOAD 2>/dev/null || :
me=install.sh

srcdir=${1:-${abs_top_srcdir:-$(dirname "$0")/..}}
srcdir=$(cd "$srcdir" && pwd) || exit 99
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
MAKE=${MAKE:-make}
jobs=$(nproc 2>/dev/null || echo 2)

hard_error() {
  echo "$me: ERROR: $*"
  exit 99
}
test -x "$srcdir/configure" || hard_error "$srcdir/configure is missing: run ./autogen.sh in $srcdir"
test ! -f "$srcdir/config.status" ||
  hard_error "$srcdir is configured in place, so a VPATH build from it is impossible: use a clean copy of the tree, or run 'make distclean' there"
for tool in "$CC" "$PKG_CONFIG" "$MAKE"; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "$me: SKIP: $tool is not installed"
    exit 77
  }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mialloc-install.XXXXXX") || exit 99
if test "${KEEP:-0}" = 1; then
  echo "$me: keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi
trap 'rm -rf "$tmp"; exit 99' HUP INT TERM
prefix=$tmp/prefix
build=$tmp/build
mkdir "$build" "$tmp/work" || exit 99

failures=0
checks=0
fail() {
  echo "$me: FAIL: $*"
  failures=$((failures + 1))
}
ok() {
  checks=$((checks + 1))
  echo "$me: ok: $*"
}
# step NAME CMD...: run CMD with its output in $tmp/NAME.log; a failure ends
# the test, since what follows depends on it.
step() {
  name=$1
  shift
  start=$(date +%s)
  if ! "$@" >"$tmp/$name.log" 2>&1; then
    echo "$me: FAIL: $name: '$*' failed:"
    tail -n 40 "$tmp/$name.log"
    exit 1
  fi
  echo "$me: $name: done in $(($(date +%s) - start)) s"
}

# ---- build and install -------------------------------------------------------------
# shellcheck disable=SC2086,SC2016 # CONFIGURE_FLAGS is a list of words
step configure sh -c 'cd "$1" && shift && "$@"' sh "$build" \
  "$srcdir/configure" --prefix="$prefix" ${CONFIGURE_FLAGS:-}
step build "$MAKE" -C "$build" -j"$jobs"
step install "$MAKE" -C "$build" install

libdir=$prefix/lib
for f in \
  bin/mialloc-run \
  bin/mialloc-stats \
  include/mialloc.h \
  lib/libmialloc.a \
  lib/libmialloc.so \
  lib/libmialloc.so.0 \
  lib/pkgconfig/mialloc.pc \
  share/man/man1/mialloc-run.1 \
  share/man/man1/mialloc-stats.1 \
  share/man/man3/mialloc.3 \
  share/man/man3/mi_malloc.3 \
  share/man/man3/mi_calloc.3; do
  if test -f "$prefix/$f"; then
    checks=$((checks + 1))
  else
    fail "$prefix/$f was not installed"
  fi
done
headers=$(cd "$prefix/include" && ls | tr '\n' ' ')
if test "$headers" = "mialloc-new-delete.h mialloc.h mialloc.hpp "; then
  ok "the installed headers are mialloc.h and its two C++ companions"
else
  fail "installed headers are not mialloc-new-delete.h mialloc.h mialloc.hpp:" "$headers"
fi
for f in "$libdir"/*micore*; do
  if test -e "$f"; then
    fail "the internal convenience library was installed: $f"
  fi
done

# ---- pkg-config ---------------------------------------------------------------------
# PKG_CONFIG_LIBDIR, not PKG_CONFIG_PATH: only this prefix's mialloc.pc may
# answer, even if a mialloc package is installed on the system.
PKG_CONFIG_LIBDIR=$libdir/pkgconfig
export PKG_CONFIG_LIBDIR
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR 2>/dev/null || :

header_version=$(sed -n 's/^#define MIALLOC_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' \
  "$prefix/include/mialloc.h" | paste -s -d. -)
pc_version=$("$PKG_CONFIG" --modversion mialloc)
if test -n "$pc_version" && test "$pc_version" = "$header_version"; then
  ok "pkg-config --modversion mialloc: $pc_version"
else
  fail "pkg-config --modversion mialloc is '$pc_version', mialloc.h says '$header_version'"
fi
tls=$("$PKG_CONFIG" --variable=tls_mechanism mialloc)
if test -n "$tls"; then
  ok "tls_mechanism=$tls"
else
  fail "pkg-config --variable=tls_mechanism mialloc is empty"
fi
cflags=$("$PKG_CONFIG" --cflags mialloc)
libs=$("$PKG_CONFIG" --libs mialloc)
static_libs=$("$PKG_CONFIG" --static --libs mialloc)
case " $static_libs " in
*" -pthread "* | *" -lpthread "*) ok "pkg-config --static --libs: $static_libs" ;;
*) fail "pkg-config --static --libs mialloc has no thread library: '$static_libs'" ;;
esac

# ---- programs built against the installed library --------------------------------------
cat >"$tmp/work/prog.c" <<'EOF'
#include <mialloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *p = malloc(16);
  if (p == NULL)
    return 2;
  strcpy(p, "fifteen chars..");
  /* mialloc must own what malloc returned: the program uses its malloc */
  int owned = mi_check_owned(p) && mi_usable_size(p) >= 16;
  free(p);
  void *q = mi_malloc(100);
  int api = q != NULL && mi_check_owned(q);
  mi_free(q);
  printf("header=%d library=%d owned=%d api=%d\n", MIALLOC_VERSION, mi_version(), owned, api);
  return 0;
}
EOF

# check_prog NAME: run $tmp/work/NAME and check what it printed.
check_prog() {
  if ! "$tmp/work/$1" >"$tmp/$1.out" 2>"$tmp/$1.err"; then
    fail "$1 failed:"
    cat "$tmp/$1.out" "$tmp/$1.err"
    return
  fi
  read -r out <"$tmp/$1.out"
  # shellcheck disable=SC2086 # split the words of the program's output
  set -- "$1" $out
  want_version=${2#header=}
  if test "$3" = "library=$want_version" && test "$4" = owned=1 && test "$5" = api=1; then
    ok "$1: $2 $3 $4 $5"
  else
    fail "$1 printed '$out', expected library=$want_version owned=1 api=1"
  fi
}

# shellcheck disable=SC2086 # flags from pkg-config are lists of words
if "$CC" -o "$tmp/work/prog-shared" "$tmp/work/prog.c" $cflags $libs -Wl,-rpath,"$libdir" \
  >"$tmp/cc-shared.log" 2>&1; then
  if ldd "$tmp/work/prog-shared" 2>/dev/null | grep -F "$libdir/libmialloc.so.0" >/dev/null; then
    ok "prog-shared links $libdir/libmialloc.so.0"
  else
    fail "prog-shared does not load $libdir/libmialloc.so.0:"
    ldd "$tmp/work/prog-shared"
  fi
  check_prog prog-shared
else
  fail "cannot compile with \`pkg-config --cflags --libs mialloc\`:"
  cat "$tmp/cc-shared.log"
fi

# C programs need no C++ runtime; C++ ones get operator new from
# libmialloc-cxx (built when configure found a C++ compiler)
if readelf -d "$libdir/libmialloc.so.0" 2>/dev/null | grep 'NEEDED.*libstdc++' >/dev/null; then
  fail "libmialloc.so.0 needs libstdc++"
else
  ok "libmialloc.so.0 needs no C++ runtime"
fi
if test -f "$libdir/libmialloc-cxx.so.0"; then
  test -f "$libdir/pkgconfig/mialloc-cxx.pc" || fail "libmialloc-cxx is installed, mialloc-cxx.pc is not"
  printf '%s\n' '#include <mialloc.h>' '#include <cstdio>' \
    'int main() { int *p = new int[10]; std::printf("%d\n", mi_check_owned(p) ? 1 : 0); delete[] p; }' \
    >"$tmp/work/prog.cpp"
  cxx_flags=$("$PKG_CONFIG" --cflags --libs mialloc-cxx)
  # shellcheck disable=SC2086
  if ${CXX:-c++} -o "$tmp/work/prog-cxx" "$tmp/work/prog.cpp" $cxx_flags \
    -Wl,-rpath,"$libdir" >"$tmp/cxx.log" 2>&1 &&
    ldd "$tmp/work/prog-cxx" | grep -F "$libdir/libmialloc-cxx.so.0" >/dev/null &&
    test "$("$tmp/work/prog-cxx")" = 1; then
    ok "a C++ program built with \`pkg-config --cflags --libs mialloc-cxx\` ($cxx_flags) links the installed libmialloc-cxx.so.0, and new[] is mialloc's"
  else
    fail "a C++ program with \`pkg-config --cflags --libs mialloc-cxx\` ($cxx_flags):"
    cat "$tmp/cxx.log"
  fi
  # statically, linked by the C compiler: the C++ runtime must come from
  # Libs.private
  cxx_static=$("$PKG_CONFIG" --static --libs mialloc-cxx |
    sed 's/-lmialloc-cxx/-Wl,-Bstatic -lmialloc-cxx -Wl,-Bdynamic/; s/-lmialloc /-Wl,-Bstatic -lmialloc -Wl,-Bdynamic /')
  # shellcheck disable=SC2086
  if ${CXX:-c++} -c -o "$tmp/work/prog-cxx.o" "$tmp/work/prog.cpp" $cflags >"$tmp/cxx-static.log" 2>&1 &&
    "$CC" -o "$tmp/work/prog-cxx-static" "$tmp/work/prog-cxx.o" $cxx_static >>"$tmp/cxx-static.log" 2>&1 &&
    ! readelf -d "$tmp/work/prog-cxx-static" | grep 'NEEDED.*libmialloc' >/dev/null &&
    test "$("$tmp/work/prog-cxx-static")" = 1; then
    ok "a C++ object linked by $CC with \`pkg-config --static --libs mialloc-cxx\` ($cxx_static) gets new[] from libmialloc-cxx.a"
  else
    fail "a C++ object linked by $CC with \`pkg-config --static --libs mialloc-cxx\` ($cxx_static):"
    cat "$tmp/cxx-static.log"
  fi
elif test -f "$libdir/pkgconfig/mialloc-cxx.pc"; then
  fail "mialloc-cxx.pc is installed without libmialloc-cxx"
fi

# The static library: -Bstatic around -lmialloc, so that the linker takes
# libmialloc.a although libmialloc.so is next to it, and the rest (libc,
# libpthread) stays dynamic.
static_link=$(printf '%s\n' "$static_libs" | sed 's/-lmialloc/-Wl,-Bstatic -lmialloc -Wl,-Bdynamic/')
# shellcheck disable=SC2086
if "$CC" -o "$tmp/work/prog-static" "$tmp/work/prog.c" $cflags $static_link \
  >"$tmp/cc-static.log" 2>&1; then
  if readelf -d "$tmp/work/prog-static" 2>/dev/null | grep 'NEEDED.*libmialloc' >/dev/null; then
    fail "prog-static needs a shared libmialloc"
  else
    ok "prog-static has libmialloc.a linked in"
  fi
  check_prog prog-static
else
  fail "cannot link libmialloc.a with \`pkg-config --static --libs mialloc\`:"
  cat "$tmp/cc-static.log"
fi

# ---- mialloc-run ---------------------------------------------------------------------
run=$prefix/bin/mialloc-run
if grep -F "libdir='$libdir'" "$run" >/dev/null; then
  ok "mialloc-run preloads from $libdir"
else
  fail "mialloc-run does not refer to $libdir: $(grep '^libdir=' "$run")"
fi
if "$run" --version | grep -F "mialloc-run (mialloc) $pc_version" >/dev/null; then
  ok "mialloc-run --version"
else
  fail "mialloc-run --version: $("$run" --version 2>&1)"
fi
true_prog=$(command -v true)
case $true_prog in
/*) ;;
*) true_prog=/bin/true ;;
esac
if "$run" --stats "$true_prog" 2>"$tmp/stats.err" && grep elapsed "$tmp/stats.err" >/dev/null; then
  ok "mialloc-run --stats $true_prog printed the statistics"
else
  fail "mialloc-run --stats $true_prog printed no statistics:"
  cat "$tmp/stats.err"
fi
if test -r /proc/self/maps; then
  if "$run" cat /proc/self/maps | grep -F "$libdir/libmialloc.so.0" >/dev/null; then
    ok "mialloc-run maps $libdir/libmialloc.so.0"
  else
    fail "mialloc-run cat /proc/self/maps does not show $libdir/libmialloc.so.0"
  fi
fi

# ---- manual pages -------------------------------------------------------------------
if command -v man >/dev/null 2>&1 && command -v nroff >/dev/null 2>&1; then
  for page in "3 mi_malloc" "3 mi_calloc" "3 mialloc" "1 mialloc-run"; do
    # shellcheck disable=SC2086 # "SECTION NAME"
    set -- $page
    # man can exit 0 after an error, so stderr counts too
    if MANPAGER=cat PAGER=cat MANWIDTH=80 man -M "$prefix/share/man" "$1" "$2" \
      >"$tmp/man.out" 2>"$tmp/man.err" && test ! -s "$tmp/man.err" &&
      grep -i "$2" "$tmp/man.out" >/dev/null; then
      ok "man -M PREFIX/share/man $1 $2 renders ($(wc -l <"$tmp/man.out") lines)"
    else
      fail "man -M $prefix/share/man $1 $2 does not render:"
      head -5 "$tmp/man.err" "$tmp/man.out"
    fi
  done
else
  echo "$me: man or nroff is not installed: pages not rendered"
fi

# ---- uninstall -----------------------------------------------------------------------
step uninstall "$MAKE" -C "$build" uninstall
left=$(find "$prefix" ! -type d)
if test -z "$left"; then
  ok "make uninstall removed every installed file"
else
  fail "files left after make uninstall:"
  printf '%s\n' "$left" | sed 's/^/  /'
fi

echo "$me: $checks checks, $failures failed"
test "$failures" -eq 0
