#!/bin/sh
# Stands in for the Check-based suites when configure did not find Check:
# 'make check' must fail loudly rather than run nothing, unless configure
# was told --without-check (MIALLOC_WITH_CHECK=no): then they are skipped.
if test "${MIALLOC_WITH_CHECK:-yes}" = no; then
  echo "SKIP: configured --without-check: the Check suites (api, misuse, addrmap, page, foreign) are not built"
  exit 77
fi
echo "FAIL: the Check unit-test framework was not found when configure ran." >&2
echo "      Install it (Debian/Ubuntu: apt-get install check), then run ./configure again," >&2
echo "      or configure --without-check where no Check is built for the host." >&2
exit 1
