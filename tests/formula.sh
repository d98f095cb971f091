#!/bin/sh
# formula.sh - check the Homebrew formula Formula/mialloc.rb against a
# release tarball, without Homebrew.
#
#   sh tests/formula.sh TARBALL      # a mialloc-VERSION.tar.gz
#   sh tests/formula.sh BUILDDIR     # runs "make dist" there first
#
# 1. ruby -c: the formula parses.
# 2. scripts/update-formula.sh, run on a copy of the formula, sets the url
#    to the tarball's version and the sha256 to the tarball's checksum, and
#    changes nothing else.  (The checked-in sha256 is that of the published
#    tarball; a fresh "make dist" never reproduces it byte for byte, so a
#    difference is reported but is not a failure.)
# 3. tests/formula-stub.rb, a stand-in for the few Homebrew methods the
#    formula uses, runs the formula's install block in the unpacked tarball
#    (configure with std_configure_args, make, make install into a
#    temporary keg; no make check: Homebrew runs tests in `test do`) and
#    then its test block, which builds through pkg-config and runs a program
#    with the library preloaded.
# 4. The same as a HEAD build (`brew install --HEAD`): autogen.sh first, and
#    the version "HEAD-<commit>", which the test block must cope with.
# Not part of "make check" (Formula/ is not in the release tarball, and this
# builds mialloc once more): .ci/packaging runs it.
# Exit status: 0 pass, 1 fail, 77 skip, 99 hard error.

LC_ALL=C
export LC_ALL
unset MIALLOC_SHOW_STATS MIALLOC_VERBOSE MIALLOC_RUN_LIB LD_PRELOAD 2>/dev/null || :
me=formula.sh

top=$(cd "$(dirname "$0")/.." && pwd) || exit 99
formula=$top/Formula/mialloc.rb
stub=$top/tests/formula-stub.rb
update=$top/scripts/update-formula.sh

if [ $# -ne 1 ]; then
  echo "usage: $me TARBALL|BUILDDIR" >&2
  exit 99
fi
for f in "$formula" "$stub" "$update"; do
  [ -f "$f" ] || { echo "$me: ERROR: $f is missing"; exit 99; }
done
if ! command -v ruby >/dev/null 2>&1; then
  echo "$me: SKIP: ruby is not installed"
  exit 77
fi

if [ -d "$1" ]; then
  echo "$me: make dist in $1"
  make -C "$1" dist >/dev/null || { echo "$me: ERROR: make dist failed in $1"; exit 99; }
  # shellcheck disable=SC2012 # the newest; the names have no odd characters
  tarball=$(ls -t "$1"/mialloc-*.tar.gz 2>/dev/null | head -n 1)
else
  tarball=$1
fi
[ -f "$tarball" ] || { echo "$me: ERROR: no tarball '$tarball'"; exit 99; }
tarball=$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mialloc-formula.XXXXXX") || exit 99
if [ "${KEEP:-0}" = 1 ]; then
  echo "$me: keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi
trap 'rm -rf "$tmp"; exit 99' HUP INT TERM

failures=0
fail() {
  echo "$me: FAIL: $*"
  failures=$((failures + 1))
}

# ---- 1. syntax -------------------------------------------------------------------------
if ruby -c "$formula" >/dev/null; then
  echo "$me: ok: ruby -c Formula/mialloc.rb"
else
  fail "ruby -c Formula/mialloc.rb"
fi
ruby -c "$stub" >/dev/null || fail "ruby -c tests/formula-stub.rb"

# ---- 2. url and checksum -----------------------------------------------------------------
name=$(basename "$tarball")
version=${name#mialloc-}
version=${version%.tar.gz}
sha=$(sha256sum "$tarball" | cut -d' ' -f1)
cp "$formula" "$tmp/mialloc.rb"
if ! sh "$update" "$tarball" "$tmp/mialloc.rb" >"$tmp/update.log" 2>&1; then
  fail "update-formula.sh failed:"
  cat "$tmp/update.log"
fi
formula_url=$(sed -n 's/^  url "\(.*\)"$/\1/p' "$tmp/mialloc.rb")
formula_sha=$(sed -n 's/^  sha256 "\(.*\)"$/\1/p' "$tmp/mialloc.rb")
want_url=https://github.com/mialloc/mialloc/releases/download/v$version/$name
if [ "$formula_sha" = "$sha" ] && [ "$formula_url" = "$want_url" ]; then
  echo "$me: ok: the updated formula has the tarball's url and sha256 ($sha)"
else
  fail "after update-formula.sh: url '$formula_url' sha256 '$formula_sha', expected '$want_url' '$sha'"
fi
# nothing but the url and sha256 lines may change
changed=$(diff "$formula" "$tmp/mialloc.rb" | grep '^[<>]' | grep -v -e '^[<>]   url "' -e '^[<>]   sha256 "')
if [ -n "$changed" ]; then
  fail "update-formula.sh changed more than the url and sha256:"
  printf '%s\n' "$changed"
fi
checked_in=$(sed -n 's/^  sha256 "\(.*\)"$/\1/p' "$formula")
if [ "$checked_in" != "$sha" ]; then
  echo "$me: note: Formula/mialloc.rb records sha256 $checked_in, this tarball has $sha" \
    "(expected unless it is the published tarball)"
fi

# ---- 3. and 4. install and test, as a release and as HEAD ------------------------------------
# run_formula NAME KEG [HEAD-COMMIT]
run_formula() {
  mkdir "$tmp/src-$1" "$tmp/test-$1" || exit 99
  tar -xzf "$tarball" -C "$tmp/src-$1" || { echo "$me: ERROR: cannot unpack $tarball"; exit 99; }
  buildpath=$tmp/src-$1/mialloc-$version
  [ -d "$buildpath" ] || { echo "$me: ERROR: $tarball does not unpack to mialloc-$version/"; exit 99; }
  start=$(date +%s)
  if ruby "$stub" "$tmp/mialloc.rb" "$buildpath" "$2" "$tmp/test-$1" ${3:+"$3"} >"$tmp/stub-$1.log" 2>&1; then
    echo "$me: ok: $1: the formula's install and test blocks passed ($(($(date +%s) - start)) s)"
    grep -e '^==> ' -e 'matched' -e 'playing' "$tmp/stub-$1.log" | sed 's/^/  /'
  else
    fail "$1: the formula's install or test block failed:"
    tail -n 60 "$tmp/stub-$1.log"
  fi
  if grep -q '^==> make check' "$tmp/stub-$1.log"; then
    fail "$1: the install block runs make check (Homebrew runs tests in test do)"
  fi
  for f in bin/mialloc-run include/mialloc.h lib/libmialloc.a lib/pkgconfig/mialloc.pc \
    share/man/man1/mialloc-run.1 share/man/man3/mi_malloc.3; do
    [ -f "$2/$f" ] || fail "$1: the keg has no $f"
  done
}
run_formula release "$tmp/Cellar/mialloc/$version"
head_commit=$(git -C "$top" rev-parse --short=7 HEAD 2>/dev/null) || head_commit=1a96bee
run_formula head "$tmp/Cellar/mialloc/HEAD-$head_commit" "$head_commit"
if grep -q 'playing a HEAD build, version HEAD-' "$tmp/stub-head.log" && grep -q '^==> ./autogen.sh' "$tmp/stub-head.log"; then
  echo "$me: ok: head: built with autogen.sh as version HEAD-$head_commit"
else
  fail "head: the stub did not play a HEAD build"
fi

echo "$me: $failures failed"
[ "$failures" -eq 0 ]
