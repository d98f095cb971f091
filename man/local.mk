# man/local.mk - the manual pages, included from the top-level Makefile.am.
#
# Full pages are written by hand; every other public name is a one-line
# ".so man3/PAGE.3" alias.  tests/man-names.sh checks this list of pages
# against include/mialloc.h, tests/man-lint.sh runs mandoc -Tlint on them.
# Keep the list sorted, one file per line.

dist_man_MANS += \
	%reldir%/mi__expand.3 \
	%reldir%/mi_aligned_alloc.3 \
	%reldir%/mi_aligned_offset_recalloc.3 \
	%reldir%/mi_aligned_recalloc.3 \
	%reldir%/mi_calloc.3 \
	%reldir%/mi_calloc_aligned.3 \
	%reldir%/mi_calloc_aligned_at.3 \
	%reldir%/mi_cfree.3 \
	%reldir%/mi_check_owned.3 \
	%reldir%/mi_collect.3 \
	%reldir%/mi_expand.3 \
	%reldir%/mi_free.3 \
	%reldir%/mi_free_aligned.3 \
	%reldir%/mi_free_size.3 \
	%reldir%/mi_free_size_aligned.3 \
	%reldir%/mi_free_small.3 \
	%reldir%/mi_good_size.3 \
	%reldir%/mi_heap_alloc_new.3 \
	%reldir%/mi_heap_alloc_new_n.3 \
	%reldir%/mi_heap_calloc.3 \
	%reldir%/mi_heap_calloc_aligned.3 \
	%reldir%/mi_heap_calloc_aligned_at.3 \
	%reldir%/mi_heap_check_owned.3 \
	%reldir%/mi_heap_collect.3 \
	%reldir%/mi_heap_contains_block.3 \
	%reldir%/mi_heap_delete.3 \
	%reldir%/mi_heap_destroy.3 \
	%reldir%/mi_heap_get_backing.3 \
	%reldir%/mi_heap_get_default.3 \
	%reldir%/mi_heap_malloc.3 \
	%reldir%/mi_heap_malloc_aligned.3 \
	%reldir%/mi_heap_malloc_aligned_at.3 \
	%reldir%/mi_heap_malloc_small.3 \
	%reldir%/mi_heap_mallocn.3 \
	%reldir%/mi_heap_new.3 \
	%reldir%/mi_heap_realloc.3 \
	%reldir%/mi_heap_realloc_aligned.3 \
	%reldir%/mi_heap_realloc_aligned_at.3 \
	%reldir%/mi_heap_reallocf.3 \
	%reldir%/mi_heap_reallocn.3 \
	%reldir%/mi_heap_realpath.3 \
	%reldir%/mi_heap_recalloc.3 \
	%reldir%/mi_heap_recalloc_aligned.3 \
	%reldir%/mi_heap_recalloc_aligned_at.3 \
	%reldir%/mi_heap_rezalloc.3 \
	%reldir%/mi_heap_rezalloc_aligned.3 \
	%reldir%/mi_heap_rezalloc_aligned_at.3 \
	%reldir%/mi_heap_set_default.3 \
	%reldir%/mi_heap_strdup.3 \
	%reldir%/mi_heap_strndup.3 \
	%reldir%/mi_heap_visit_blocks.3 \
	%reldir%/mi_heap_zalloc.3 \
	%reldir%/mi_heap_zalloc_aligned.3 \
	%reldir%/mi_heap_zalloc_aligned_at.3 \
	%reldir%/mi_heap_zalloc_small.3 \
	%reldir%/mi_is_in_heap_region.3 \
	%reldir%/mi_is_redirected.3 \
	%reldir%/mi_malloc.3 \
	%reldir%/mi_malloc_aligned.3 \
	%reldir%/mi_malloc_aligned_at.3 \
	%reldir%/mi_malloc_good_size.3 \
	%reldir%/mi_malloc_size.3 \
	%reldir%/mi_malloc_small.3 \
	%reldir%/mi_malloc_usable_size.3 \
	%reldir%/mi_mallocn.3 \
	%reldir%/mi_mbsdup.3 \
	%reldir%/mi_memalign.3 \
	%reldir%/mi_new.3 \
	%reldir%/mi_new_aligned.3 \
	%reldir%/mi_new_aligned_nothrow.3 \
	%reldir%/mi_new_n.3 \
	%reldir%/mi_new_nothrow.3 \
	%reldir%/mi_new_realloc.3 \
	%reldir%/mi_new_reallocn.3 \
	%reldir%/mi_option_disable.3 \
	%reldir%/mi_option_enable.3 \
	%reldir%/mi_option_get.3 \
	%reldir%/mi_option_get_clamp.3 \
	%reldir%/mi_option_get_size.3 \
	%reldir%/mi_option_is_enabled.3 \
	%reldir%/mi_option_set.3 \
	%reldir%/mi_option_set_default.3 \
	%reldir%/mi_option_set_enabled.3 \
	%reldir%/mi_option_set_enabled_default.3 \
	%reldir%/mi_posix_memalign.3 \
	%reldir%/mi_process_info.3 \
	%reldir%/mi_process_init.3 \
	%reldir%/mi_pvalloc.3 \
	%reldir%/mi_realloc.3 \
	%reldir%/mi_realloc_aligned.3 \
	%reldir%/mi_realloc_aligned_at.3 \
	%reldir%/mi_reallocarr.3 \
	%reldir%/mi_reallocarray.3 \
	%reldir%/mi_reallocf.3 \
	%reldir%/mi_reallocn.3 \
	%reldir%/mi_realpath.3 \
	%reldir%/mi_recalloc.3 \
	%reldir%/mi_recalloc_aligned.3 \
	%reldir%/mi_recalloc_aligned_at.3 \
	%reldir%/mi_register_deferred_free.3 \
	%reldir%/mi_register_error.3 \
	%reldir%/mi_register_output.3 \
	%reldir%/mi_reserve_huge_os_pages.3 \
	%reldir%/mi_reserve_huge_os_pages_at.3 \
	%reldir%/mi_reserve_huge_os_pages_interleave.3 \
	%reldir%/mi_reserve_os_memory.3 \
	%reldir%/mi_rezalloc.3 \
	%reldir%/mi_rezalloc_aligned.3 \
	%reldir%/mi_rezalloc_aligned_at.3 \
	%reldir%/mi_stats_get_json.3 \
	%reldir%/mi_stats_merge.3 \
	%reldir%/mi_stats_print.3 \
	%reldir%/mi_stats_print_json.3 \
	%reldir%/mi_stats_print_out.3 \
	%reldir%/mi_stats_reset.3 \
	%reldir%/mi_strdup.3 \
	%reldir%/mi_strndup.3 \
	%reldir%/mi_thread_done.3 \
	%reldir%/mi_thread_init.3 \
	%reldir%/mi_thread_stats_print_out.3 \
	%reldir%/mi_tls_conflicts.3 \
	%reldir%/mi_tls_mechanism.3 \
	%reldir%/mi_tls_slot.3 \
	%reldir%/mi_ucalloc.3 \
	%reldir%/mi_ufree.3 \
	%reldir%/mi_umalloc.3 \
	%reldir%/mi_umalloc_aligned.3 \
	%reldir%/mi_umalloc_small.3 \
	%reldir%/mi_urealloc.3 \
	%reldir%/mi_usable_size.3 \
	%reldir%/mi_uzalloc_aligned.3 \
	%reldir%/mi_uzalloc_small.3 \
	%reldir%/mi_valloc.3 \
	%reldir%/mi_version.3 \
	%reldir%/mi_wcsdup.3 \
	%reldir%/mi_zalloc.3 \
	%reldir%/mi_zalloc_aligned.3 \
	%reldir%/mi_zalloc_aligned_at.3 \
	%reldir%/mi_zalloc_small.3 \
	%reldir%/mialloc-glibc.3 \
	%reldir%/mialloc.3

TESTS += \
	tests/man-lint.sh \
	tests/man-names.sh

EXTRA_DIST += \
	tests/man-lint.sh \
	tests/man-names.sh
