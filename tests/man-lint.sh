#!/bin/sh
# man-lint.sh - lint the hand-written man pages.
#
# Full pages must pass `mandoc -Tlint -W warning` without a message and
# render with `man -l` without an error.  One-line alias pages
# (".so man3/TARGET.3") are not linted, since mandoc warns about every .so
# and cannot resolve man3/ in the source tree; instead the target must
# exist in man/ and be a full page.  Skipped (exit 77) without mandoc.
#
# Run by `make check` with srcdir in the environment; by hand:
#   srcdir=/path/to/mialloc sh tests/man-lint.sh

LC_ALL=C
export LC_ALL

: "${srcdir:=.}"
mandir=$srcdir/man

if ! command -v mandoc >/dev/null 2>&1; then
  echo "man-lint: mandoc is not installed; skipping"
  exit 77
fi

# man -l needs man-db (or a compatible man) and a formatter behind it.
render=no
if command -v man >/dev/null 2>&1 && command -v nroff >/dev/null 2>&1; then
  render=yes
else
  echo "man-lint: man or nroff not installed; checking with mandoc only"
fi

fail=0
complain() {
  echo "man-lint: $*" >&2
  fail=1
}

npages=0
naliases=0
for page in "$mandir"/*.3; do
  if [ ! -f "$page" ]; then
    complain "no man pages found in $mandir"
    break
  fi
  first=$(sed -n '1p' "$page")
  case $first in
  .so\ *)
    naliases=$((naliases + 1))
    target=${first#.so }
    lines=$(wc -l <"$page")
    case $target in
    man3/*.3) ;;
    *) complain "$page: alias target $target is not of the form man3/NAME.3" ;;
    esac
    if [ "$lines" -ne 1 ]; then
      complain "$page: an alias page must be the single .so line"
    fi
    file=$mandir/${target##*/}
    if [ ! -f "$file" ]; then
      complain "$page: alias target $file does not exist"
    else
      case $(sed -n '1p' "$file") in
      .so\ *) complain "$page: alias target $file is itself an alias" ;;
      esac
    fi
    ;;
  *)
    npages=$((npages + 1))
    out=$(mandoc -Tlint -W warning "$page" 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
      complain "$page: mandoc -Tlint -W warning failed (exit $rc):"
      printf '%s\n' "$out" >&2
    fi
    if [ "$render" = yes ]; then
      # man -l can exit 0 after a failure, so its stderr counts too.
      err=$(MANPAGER=cat PAGER=cat man -l "$page" 2>&1 >/dev/null)
      rc=$?
      if [ "$rc" -ne 0 ] || [ -n "$err" ]; then
        complain "$page: man -l failed (exit $rc):"
        printf '%s\n' "$err" >&2
      fi
    fi
    ;;
  esac
done

if [ "$fail" -eq 0 ]; then
  echo "man-lint: $npages pages clean, $naliases aliases resolve"
fi
exit $fail
