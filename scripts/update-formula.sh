#!/bin/sh
# update-formula.sh - point Formula/mialloc.rb at a new release tarball.
#
#   scripts/update-formula.sh TARBALL [FORMULA]
#
# TARBALL is the mialloc-VERSION.tar.gz that "make dist" made and that is (or
# will be) uploaded as the GitHub release asset of tag vVERSION.  The url line
# gets VERSION and the sha256 line the tarball's checksum; nothing else
# changes.  Only the formula's own url and sha256 (indented by two spaces) are
# touched, not those of the head block or of bottles.  FORMULA defaults to
# Formula/mialloc.rb next to this script.  Run it on the very tarball you
# upload: two "make dist" runs never give the same bytes.

set -eu
me=update-formula.sh

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $me TARBALL [FORMULA]" >&2
  exit 2
fi
tarball=$1
formula=${2:-$(dirname "$0")/../Formula/mialloc.rb}
[ -f "$tarball" ] || { echo "$me: $tarball: no such file" >&2; exit 1; }
[ -f "$formula" ] || { echo "$me: $formula: no such file" >&2; exit 1; }

name=$(basename "$tarball")
version=${name#mialloc-}
version=${version%.tar.gz}
case $name:$version in
mialloc-*.tar.gz:[0-9]*) ;;
*)
  echo "$me: $name is not named mialloc-VERSION.tar.gz" >&2
  exit 1
  ;;
esac
case $version in
*[!0-9A-Za-z.~+-]*)
  echo "$me: unexpected characters in version '$version'" >&2
  exit 1
  ;;
esac

if command -v sha256sum >/dev/null 2>&1; then
  sha=$(sha256sum "$tarball" | cut -d' ' -f1)
elif command -v shasum >/dev/null 2>&1; then
  sha=$(shasum -a 256 "$tarball" | cut -d' ' -f1)
else
  sha=$(openssl dgst -sha256 -r "$tarball" | cut -d' ' -f1)
fi
case $sha in
????????????????????????????????????????????????????????????????) ;;
*)
  echo "$me: could not compute the SHA-256 of $tarball" >&2
  exit 1
  ;;
esac

url_re='^\(  url "https://[^"]*/releases/download/v\)[^/"]*/mialloc-[^/"]*\.tar\.gz"$'
sha_re='^\(  sha256 "\)[0-9a-f]\{64\}"$'
for re in "$url_re" "$sha_re"; do
  n=$(grep -c "$re" "$formula" || :)
  if [ "$n" -ne 1 ]; then
    echo "$me: $formula: expected one line matching $re, found $n" >&2
    exit 1
  fi
done

tmp=$formula.tmp.$$
trap 'rm -f "$tmp"' EXIT
sed -e "s|$url_re|\\1$version/mialloc-$version.tar.gz\"|" \
  -e "s|$sha_re|\\1$sha\"|" "$formula" >"$tmp"
cat "$tmp" >"$formula"
echo "$me: $formula: version $version, sha256 $sha"
