# tests/tools.mk - tests of mialloc-run and of the installed package,
# included from the top-level Makefile.am after tools/local.mk:
#
#     include tests/tools.mk
#
# tools-run.sh is quick and runs in "make check".  install.sh configures,
# builds, installs and uninstalls a second copy of mialloc (with VPATH, so it
# needs a source tree that is not configured in place): .ci/packaging runs it,
# and so can you:
#
#     sh tests/install.sh [SRCDIR]
#
# It is distributed so that a release tarball can check itself the same way.
# tests/formula.sh and its Ruby stand-in for Homebrew are not: they test
# Formula/, which lives in the repository (the tap) but not in the tarball
# whose checksum it records.

TESTS += tests/tools-run.sh

EXTRA_DIST += \
	tests/install.sh \
	tests/tools-run.sh
