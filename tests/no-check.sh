#!/bin/sh
# Stands in for the Check-based suites when configure did not find Check:
# 'make check' must fail loudly rather than run nothing.
echo "FAIL: the Check unit-test framework was not found when configure ran." >&2
echo "      Install it (Debian/Ubuntu: apt-get install check), then run ./configure again." >&2
exit 1
