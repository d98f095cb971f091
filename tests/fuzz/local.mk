# tests/fuzz/local.mk - automake fragment for the fuzzer, included by the
# top-level Makefile.am.  `make fuzz` builds tests/fuzz/fuzz-alloc with
# clang's libFuzzer (mialloc's core compiled in, with ASan and UBSan) and
# runs it for FUZZ_TIME seconds from the seed corpus; .ci/run runs it too.
# Not part of `make check`: it needs clang and takes minutes.

FUZZ_TIME = 60

## without clang's libFuzzer it says so and skips (status 0)
fuzz:
	FUZZ_TIME='$(FUZZ_TIME)' $(SHELL) $(srcdir)/%reldir%/fuzz.sh '$(abs_top_srcdir)' '$(abs_top_builddir)' \
	  $(src_libmicore_la_SOURCES) || test $$? -eq 77
.PHONY: fuzz

clean-local: clean-fuzz
clean-fuzz:
	rm -rf %reldir%/work
.PHONY: clean-fuzz

EXTRA_DIST += \
	%reldir%/corpus/aligned \
	%reldir%/corpus/calloc-overflow-collect \
	%reldir%/corpus/calloc-zero \
	%reldir%/corpus/heaps \
	%reldir%/corpus/random \
	%reldir%/corpus/realloc-chain \
	%reldir%/corpus/remote-free \
	%reldir%/corpus/small-reuse \
	%reldir%/fuzz-alloc.c \
	%reldir%/fuzz.sh
