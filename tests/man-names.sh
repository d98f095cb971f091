#!/bin/sh
# man-names.sh - check that the man pages and the public header agree.
#
# Every function declared in include/mialloc.h must have man/NAME.3 (a full
# page or a one-line .so alias) and must be listed in the NAME section of the
# page that file leads to.  In the other direction, every mi_* page file,
# every mi_* name in a NAME section and every mi_*(3) cross-reference must
# be a function of the header.  man/local.mk must list every page in man/.
#
# Run by `make check` with srcdir in the environment; by hand:
#   srcdir=/path/to/mialloc sh tests/man-names.sh

LC_ALL=C
export LC_ALL

: "${srcdir:=.}"
header=$srcdir/include/mialloc.h
mandir=$srcdir/man

if [ ! -f "$header" ] || [ ! -d "$mandir" ]; then
  echo "man-names: $header or $mandir not found (is srcdir set?)" >&2
  exit 1
fi

tmp=${TMPDIR:-/tmp}/man-names.$$
mkdir "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Declarations start with an mi_decl_ export macro; the function name is
# the mi_ identifier in front of the first parenthesis on that line.
grep '^mi_decl_' "$header" >"$tmp/decls"
sed -n 's/^[^(]*[^a-z_]\(mi_[a-z_]*\)(.*/\1/p' "$tmp/decls" | sort -u >"$tmp/header"

ndecls=$(wc -l <"$tmp/decls")
nnames=$(wc -l <"$tmp/header")
if [ "$nnames" -eq 0 ] || [ "$ndecls" -ne "$nnames" ]; then
  echo "man-names: found $nnames function names on $ndecls declaration lines of $header" >&2
  exit 1
fi

# The names in the NAME section of a page: everything before "\-".
name_section() {
  awk '
    /^\.SH[ \t]+"?NAME"?[ \t]*$/ { inname = 1; next }
    /^\.S[Hh]/ { inname = 0 }
    inname && !done {
      line = $0
      i = index(line, "\\-")
      if (i > 0) { line = substr(line, 1, i - 1); done = 1 }
      gsub(/,/, " ", line)
      n = split(line, w, /[ \t]+/)
      for (k = 1; k <= n; k++) if (w[k] != "") print w[k]
    }
  ' "$1"
}

# The page a man file leads to: itself, or the target of its .so line.
resolve() {
  first=$(sed -n '1p' "$1")
  case $first in
  .so\ *) echo "$mandir/${first##*/}" ;;
  *) echo "$1" ;;
  esac
}

fail=0
complain() {
  echo "man-names: $*" >&2
  fail=1
}

# 1. Every header function has a page that documents it.
while read -r name; do
  page=$mandir/$name.3
  if [ ! -f "$page" ]; then
    complain "$name is declared in the header but $page does not exist"
    continue
  fi
  target=$(resolve "$page")
  if [ ! -f "$target" ]; then
    complain "$page refers to $target, which does not exist"
    continue
  fi
  if ! name_section "$target" | grep -qx "$name"; then
    complain "$name is not listed in the NAME section of $target"
  fi
done <"$tmp/header"

# 2. Every mi_ page file, NAME entry and cross-reference is a header function.
for page in "$mandir"/*.3; do
  [ -f "$page" ] || continue
  base=${page##*/}
  base=${base%.3}
  case $base in
  mi_*) echo "$base $page (file name)" ;;
  esac
  name_section "$page" | sed -n "s|^\\(mi_.*\\)|\\1 $page (NAME section)|p"
  sed -n 's/^\.BR* \(mi_[a-z_]*\) (3).*/\1/p' "$page" |
    sed "s|\$| $page (cross-reference)|"
done >"$tmp/used"

while read -r name where; do
  if ! grep -qx "$name" "$tmp/header"; then
    complain "$name in $where is not a function of $header"
  fi
done <"$tmp/used"

# 3. man/local.mk lists exactly the pages in man/, so all get installed.
if [ -f "$mandir/local.mk" ]; then
  sed -n 's|^[[:blank:]]*%reldir%/\([^[:blank:]]*\.3\).*|\1|p' "$mandir/local.mk" |
    sort >"$tmp/listed"
  (cd "$mandir" && ls -- *.3) | sort >"$tmp/present"
  comm -23 "$tmp/present" "$tmp/listed" | while read -r f; do
    echo "man-names: man/$f is not listed in man/local.mk" >&2
  done
  comm -13 "$tmp/present" "$tmp/listed" | while read -r f; do
    echo "man-names: man/local.mk lists $f, which is not in man/" >&2
  done
  if ! cmp -s "$tmp/present" "$tmp/listed"; then
    fail=1
  fi
fi

if [ "$fail" -eq 0 ]; then
  echo "man-names: all $nnames functions of the header are documented"
fi
exit $fail
