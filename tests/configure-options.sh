#!/bin/sh
# configure-options.sh - configure rejects bad values of mialloc's own
# options with a message naming what is allowed.  Each case runs configure
# in a scratch copy of the few files it needs (the source tree itself may be
# configured in place, which forbids a second, out-of-tree configure).
set -u
srcdir=${srcdir:-.}
[ -x "$srcdir/configure" ] || { echo "no $srcdir/configure"; exit 99; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mialloc-confopt.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/src/src"
cp "$srcdir/configure" "$srcdir/Makefile.in" "$srcdir/config.h.in" "$srcdir/mialloc.pc.in" "$srcdir/mialloc-cxx.pc.in" "$tmp/src/"
cp -R "$srcdir/build-aux" "$tmp/src/"
cp "$srcdir/src/alloc.c" "$tmp/src/src/"

failures=0
n=0
# expect_failure NAME EXPECTED-TEXT CONFIGURE-ARGS...
expect_failure() {
  name=$1 expected=$2
  shift 2
  n=$((n + 1))
  dir="$tmp/case$n"
  mkdir "$dir"
  # a cross compiler (CC) needs its --host; a case's own --host comes later and wins
  if (cd "$dir" && CC="${CC:-cc}" "$tmp/src/configure" ${MIALLOC_HOST:+--host="$MIALLOC_HOST"} "$@" >out.log 2>&1); then
    echo "FAIL: $name: configure $* succeeded"
    failures=$((failures + 1))
  elif ! grep -F -e "$expected" "$dir/out.log" >/dev/null; then
    echo "FAIL: $name: configure $* did not say: $expected"
    tail -n 3 "$dir/out.log" | sed 's/^/    /'
    failures=$((failures + 1))
  else
    echo "ok: $name: $(grep -F -e "$expected" "$dir/out.log" | head -n 1 | sed 's/^configure: error: //')"
  fi
}

expect_failure "unknown mechanism" "use auto, initial-exec, dynamic, pthread or slot" --with-tls=fast
# the slots of x86-64 glibc, whatever the machine (configure stops before
# it would need to build for it)
glibc=--host=x86_64-linux-gnu
expect_failure "slot not a number" "not a non-negative integer; use 7 or 8" $glibc --with-tls-slot=seven
expect_failure "negative slot" "not a non-negative integer; use 7 or 8" $glibc --with-tls-slot=-1
expect_failure "glibc stack guard" "stack protector's guard" $glibc --with-tls-slot=5
expect_failure "glibc pointer guard" "pointer guard" $glibc --with-tls-slot=6
expect_failure "slot beyond the header" "outside the control block header" $glibc --with-tls-slot=300
expect_failure "slot with another mechanism" "needs --with-tls=slot" --with-tls=pthread --with-tls-slot=7
expect_failure "no slot on aarch64 Linux" "--with-tls=slot is not available on aarch64" \
  --host=aarch64-linux-gnu --with-tls=slot
expect_failure "macOS system slot" "reserved for libsystem" --host=x86_64-apple-darwin --with-tls-slot=3
expect_failure "macOS pthread_key_create range" "pthread_key_create hands out" \
  --host=aarch64-apple-darwin --with-tls-slot=300
expect_failure "macOS slot needs a number" "needs --with-tls-slot=N" --host=aarch64-apple-darwin --with-tls=slot
# a warning naming the owner (configure then stops: this machine cannot
# build for macOS)
expect_failure "macOS slot owned by CoreData" "assigned to CoreData" --host=x86_64-apple-darwin --with-tls-slot=89
expect_failure "no __thread on macOS" "--with-tls=initial-exec is not available on macOS" \
  --host=aarch64-apple-darwin --with-tls=initial-exec
expect_failure "no dynamic __thread on macOS" "--with-tls=dynamic is not available on macOS" \
  --host=x86_64-apple-darwin --with-tls=dynamic
expect_failure "override yes or no" "for --enable-override: use yes or no" --enable-override=maybe

# --disable-shared: configure says that mialloc-run, which preloads the
# shared library, will not be installed, and the makefile's line that
# would install it is commented out (tests/install.sh checks that the
# default build installs it)
n=$((n + 1))
dir="$tmp/case$n"
mkdir "$dir"
notice="mialloc-run is not built or installed"
if ! (cd "$dir" && CC="${CC:-cc}" "$tmp/src/configure" ${MIALLOC_HOST:+--host="$MIALLOC_HOST"} --disable-shared >out.log 2>&1); then
  echo "FAIL: --disable-shared: configure failed"
  tail -n 3 "$dir/out.log" | sed 's/^/    /'
  failures=$((failures + 1))
elif ! grep -F -e "$notice" "$dir/out.log" >/dev/null; then
  echo "FAIL: --disable-shared: configure did not say: $notice"
  failures=$((failures + 1))
elif grep -E '^[A-Za-z_0-9]+ = tools/mialloc-run$' "$dir/Makefile" >/dev/null; then
  echo "FAIL: --disable-shared: the makefile still installs tools/mialloc-run"
  failures=$((failures + 1))
else
  echo "ok: --disable-shared: $notice, and the makefile does not install it"
fi

# --without-check: the Check suites leave make check, and no-check.sh
# (which stands in for them) reports them skipped, not failed
n=$((n + 1))
dir="$tmp/case$n"
mkdir "$dir"
if ! (cd "$dir" && CC="${CC:-cc}" "$tmp/src/configure" ${MIALLOC_HOST:+--host="$MIALLOC_HOST"} --without-check >out.log 2>&1); then
  echo "FAIL: --without-check: configure failed"
  tail -n 3 "$dir/out.log" | sed 's/^/    /'
  failures=$((failures + 1))
else
  # the copy has no Makefile.am: nothing may be remade (-o); and not the
  # TESTS of the make running this test (MAKEFLAGS)
  tests=" $(cd "$dir" && printf 'print-tests:\n\t@echo $(TESTS)\n' | env -u MAKEFLAGS -u MFLAGS make -s -o Makefile -o "$tmp/src/Makefile.in" -f Makefile -f - print-tests 2>/dev/null | tail -n 1) "
  MIALLOC_WITH_CHECK=$(sed -n 's/^MI_WITH_CHECK = //p' "$dir/Makefile") sh "$srcdir/tests/no-check.sh" >/dev/null 2>&1
  status=$?
  case $tests in
  *" tests/api "* | *" tests/misuse "*) echo "FAIL: --without-check: the Check suites are still in TESTS"
    failures=$((failures + 1)) ;;
  *" tests/no-check.sh "*)
    if test $status -eq 77; then
      echo "ok: --without-check: the Check suites are left out, and no-check.sh skips"
    else
      echo "FAIL: --without-check: no-check.sh exited $status, not 77 (skip)"
      failures=$((failures + 1))
    fi ;;
  *) echo "FAIL: --without-check: tests/no-check.sh is not in TESTS"
    failures=$((failures + 1)) ;;
  esac
fi

echo "configure-options: $n cases, $failures failed"
[ "$failures" -eq 0 ]
