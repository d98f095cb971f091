/* api-compat.c - Check tests of the part of mialloc's interface that
 * mimalloc's users port with: the C++-style mi_new family, the u-forms,
 * heap and aligned variants of rezalloc/recalloc, reserving memory, the
 * region and redirection queries, mi_thread_stats_print_out and the
 * MIMALLOC_ environment names; and, where libmialloc defines them, C++'s
 * operators called from C.  Public interface only (mialloc.h). */
#define _GNU_SOURCE 1

#include "config.h"

#include "mialloc.h"

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

static bool all_zero(const void *p, size_t n) {
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++)
    if (c[i] != 0)
      return false;
  return true;
}

START_TEST(new_family) {
  void *p = mi_new(100);
  ck_assert(p != NULL && mi_usable_size(p) >= 100 && mi_is_in_heap_region(p));
  mi_free(p);
  p = mi_new_aligned(100, 4096);
  ck_assert(p != NULL && ((uintptr_t)p & 4095) == 0);
  mi_free(p);
  p = mi_new_n(10, 8);
  ck_assert(p != NULL && mi_usable_size(p) >= 80);
  p = mi_new_reallocn(p, 1000, 8);
  ck_assert(p != NULL && mi_usable_size(p) >= 8000);
  p = mi_new_realloc(p, 10);
  ck_assert(p != NULL);
  mi_free(p);
  mi_heap_t *heap = mi_heap_new();
  p = mi_heap_alloc_new_n(heap, 4, 4);
  ck_assert(mi_heap_contains_block(heap, p));
  mi_heap_destroy(heap);
  /* nothrow: NULL with ENOMEM, no abort */
  ck_assert_ptr_eq(mi_new_nothrow(SIZE_MAX / 2), NULL);
  ck_assert_ptr_eq(mi_new_aligned_nothrow(SIZE_MAX / 2, 64), NULL);
}
END_TEST

/* Without a C++ new handler the throwing forms cannot throw: they abort. */
START_TEST(new_aborts_without_handler) {
  void *p = mi_new(SIZE_MAX / 2);
  (void)p;
}
END_TEST

START_TEST(new_n_overflow_aborts) {
  void *p = mi_new_n(SIZE_MAX / 2, 4);
  (void)p;
}
END_TEST

START_TEST(u_forms) {
  size_t bs = 0, pre = 0, post = 0;
  void *p = mi_umalloc(100, &bs);
  ck_assert(p != NULL && bs == mi_usable_size(p) && bs >= 100);
  p = mi_urealloc(p, 5000, &pre, &post);
  ck_assert(pre == bs && post == mi_usable_size(p) && post >= 5000);
  mi_ufree(p, &bs);
  ck_assert_uint_eq(bs, post);
  p = mi_ucalloc(10, 10, &bs);
  ck_assert(all_zero(p, 100) && bs >= 100);
  mi_free(p);
  p = mi_uzalloc_aligned(300, 256, &bs);
  ck_assert(((uintptr_t)p & 255) == 0 && all_zero(p, 300) && bs >= 300);
  mi_free(p);
  p = mi_umalloc_aligned(300, 256, NULL);
  ck_assert(((uintptr_t)p & 255) == 0);
  mi_free(p);
  p = mi_uzalloc_small(50, &bs);
  ck_assert(all_zero(p, 50) && bs >= 50);
  mi_free_small(p);
  p = mi_umalloc_small(50, &bs);
  ck_assert(bs == mi_malloc_size(p) && mi_malloc_good_size(50) >= 50);
  mi_free(p);
  mi_ufree(NULL, &bs);
  ck_assert_uint_eq(bs, 0);
}
END_TEST

START_TEST(other_names) {
  void *p = mi_malloc(100);
  ck_assert_ptr_eq(mi__expand(p, 10), p);
  errno = 0;
  ck_assert_ptr_eq(mi__expand(p, 1 << 20), NULL);
  ck_assert_int_eq(errno, ENOMEM);
  ck_assert_int_eq(mi_reallocarr(&p, 100, 100), 0);
  ck_assert(mi_usable_size(p) >= 10000);
  void *q = p;
  ck_assert_int_eq(mi_reallocarr(&p, SIZE_MAX / 2, 4), EOVERFLOW);
  ck_assert_ptr_eq(p, q);
  ck_assert_int_eq(mi_reallocarr(NULL, 1, 1), EINVAL);
  mi_free(p);
  wchar_t *w = mi_wcsdup(L"wide");
  ck_assert(w != NULL && wcscmp(w, L"wide") == 0);
  mi_free(w);
  unsigned char *m = mi_mbsdup((const unsigned char *)"mb");
  ck_assert(m != NULL && strcmp((char *)m, "mb") == 0);
  mi_free(m);
}
END_TEST

START_TEST(heap_and_aligned_variants) {
  mi_heap_t *heap = mi_heap_new();
  char *p = mi_heap_zalloc_small(heap, 40);
  ck_assert(all_zero(p, 40) && mi_heap_contains_block(heap, p));
  p = mi_heap_rezalloc(heap, p, 4000);
  ck_assert(all_zero(p, 4000));
  p = mi_heap_recalloc(heap, p, 100, 100);
  ck_assert(all_zero(p, 10000) && mi_heap_contains_block(heap, p));
  mi_free(p);
  p = mi_heap_zalloc_aligned_at(heap, 100, 64, 16);
  ck_assert((((uintptr_t)p + 16) & 63) == 0 && all_zero(p, 100));
  p = mi_heap_realloc_aligned_at(heap, p, 5000, 128, 8);
  ck_assert((((uintptr_t)p + 8) & 127) == 0);
  mi_free(p);
  p = mi_heap_calloc_aligned_at(heap, 10, 10, 256, 0);
  ck_assert(((uintptr_t)p & 255) == 0 && all_zero(p, 100));
  p = mi_heap_rezalloc_aligned(heap, p, 3000, 512);
  ck_assert(((uintptr_t)p & 511) == 0 && all_zero(p, 3000));
  p = mi_heap_rezalloc_aligned_at(heap, p, 6000, 512, 32);
  ck_assert((((uintptr_t)p + 32) & 511) == 0 && all_zero(p, 6000));
  p = mi_heap_recalloc_aligned(heap, p, 100, 80, 1024);
  ck_assert(((uintptr_t)p & 1023) == 0 && all_zero(p, 8000) && mi_heap_contains_block(heap, p));
  p = mi_heap_recalloc_aligned_at(heap, p, 100, 90, 1024, 16);
  ck_assert((((uintptr_t)p + 16) & 1023) == 0 && all_zero(p, 9000));
  mi_free(p);
  mi_heap_delete(heap);
  p = mi_zalloc_aligned(10, 64);
  p = mi_rezalloc_aligned(p, 2000, 64);
  ck_assert(((uintptr_t)p & 63) == 0 && all_zero(p, 2000));
  p = mi_rezalloc_aligned_at(p, 3000, 64, 8);
  ck_assert((((uintptr_t)p + 8) & 63) == 0 && all_zero(p, 3000));
  p = mi_recalloc_aligned(p, 50, 100, 128);
  ck_assert(((uintptr_t)p & 127) == 0 && all_zero(p, 5000));
  p = mi_recalloc_aligned_at(p, 60, 100, 128, 8);
  ck_assert((((uintptr_t)p + 8) & 127) == 0 && all_zero(p, 6000));
  p = mi_aligned_recalloc(p, 70, 100, 256);
  ck_assert(((uintptr_t)p & 255) == 0 && all_zero(p, 7000));
  p = mi_aligned_offset_recalloc(p, 80, 100, 256, 16);
  ck_assert((((uintptr_t)p + 16) & 255) == 0 && all_zero(p, 8000));
  mi_free(p);
  errno = 0;
  ck_assert_ptr_eq(mi_rezalloc_aligned(NULL, 10, 3), NULL);
  ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(region_and_redirect) {
  int local = 0;
  char *p = mi_malloc(1000);
  ck_assert(mi_is_in_heap_region(p) && mi_is_in_heap_region(p + 500));
  ck_assert(!mi_is_in_heap_region(&local) && !mi_is_in_heap_region(NULL));
  char *big = mi_malloc(5 << 20);
  ck_assert(mi_is_in_heap_region(big + (4 << 20)));
  mi_free(big);
  mi_free(p);
  /* this program is linked with libmialloc: with the override its malloc
   * is mialloc's (tests/local.mk passes MIALLOC_OVERRIDE) */
  const char *override = getenv("MIALLOC_OVERRIDE");
  bool expect = override != NULL && strcmp(override, "1") == 0;
  ck_assert_int_eq(mi_is_redirected(), expect);
  if (expect) {
    void *m = malloc(10);
    ck_assert(mi_is_in_heap_region(m));
    free(m);
  }
}
END_TEST

START_TEST(reserve_os_memory) {
  ck_assert_int_eq(mi_reserve_os_memory(16 << 20, false, false), 0);
  size_t commit0 = 0;
  mi_process_info(NULL, NULL, NULL, NULL, NULL, &commit0, NULL, NULL);
  ck_assert(commit0 >= (16u << 20));
  /* allocations take the reservation */
  void *p = mi_malloc(100);
  ck_assert(p != NULL);
  mi_free(p);
  ck_assert_int_eq(mi_reserve_os_memory(0, true, true), 0);
}
END_TEST

/* Huge pages: 0 only when the system has a pool of 2 MiB pages free. */
START_TEST(reserve_huge_pages) {
  long free_pages = 0;
  FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
  if (f != NULL) {
    if (fscanf(f, "%ld", &free_pages) != 1)
      free_pages = 0;
    fclose(f);
  }
  int rc = mi_reserve_huge_os_pages_at(1, -1, 1000);
  if (free_pages >= 512) {
    ck_assert_int_eq(rc, 0);
  } else {
    ck_assert_int_eq(rc, ENOMEM);
    size_t got = 99;
    ck_assert_int_eq(mi_reserve_huge_os_pages(2, 0.5, &got), ENOMEM);
    ck_assert_uint_eq(got, 0);
    ck_assert_int_eq(mi_reserve_huge_os_pages_interleave(1, 2, 0), ENOMEM);
  }
  ck_assert_int_eq(mi_reserve_huge_os_pages_at(0, 0, 0), 0);
  void *p = mi_malloc(64); /* still allocates */
  ck_assert(p != NULL);
  mi_free(p);
}
END_TEST

static void collect(const char *msg, void *arg) {
  strncat(arg, msg, 4095 - strlen(arg));
}

START_TEST(thread_stats) {
  static char out[4096];
  void *blocks[100];
  for (int i = 0; i < 100; i++)
    blocks[i] = mi_malloc(MI_SECURE ? 40 : 48); /* 48-byte blocks (secure: with an 8-byte trailer) */
  mi_thread_stats_print_out(collect, out);
  ck_assert_msg(strstr(out, "blocks in use") != NULL, "%s", out);
  ck_assert_msg(strstr(out, "            48            100             4800\n") != NULL ||
                    strstr(out, "            48            1") != NULL,
                "%s", out);
  for (int i = 0; i < 100; i++)
    mi_free(blocks[i]);
}
END_TEST

#if MI_OVERRIDE && !defined(__APPLE__)
/* C++'s operators by their mangled names (src/override-new.c), called from
 * C as compiled C++ calls them.  This program has no C++ runtime, so a
 * failed nothrow form returns NULL and a throwing one aborts.  A
 * sanitizer's runtime defines the operators too, and comes first. */
#if SIZE_MAX == UINT64_MAX
#define MI_SZ "m"
#else
#define MI_SZ "j"
#endif
void *cxx_new(size_t size) __asm__("_Znw" MI_SZ);
void *cxx_new_array(size_t size) __asm__("_Zna" MI_SZ);
void *cxx_new_nothrow(size_t size, const void *nt) __asm__("_Znw" MI_SZ "RKSt9nothrow_t");
void *cxx_new_aligned(size_t size, size_t alignment) __asm__("_Znw" MI_SZ "St11align_val_t");
void cxx_delete(void *p) __asm__("_ZdlPv");
void cxx_delete_array_sized(void *p, size_t size) __asm__("_ZdaPv" MI_SZ);
void cxx_delete_aligned(void *p, size_t alignment) __asm__("_ZdlPvSt11align_val_t");

static bool sanitizer_loaded(void) {
  return dlsym(RTLD_DEFAULT, "__asan_init") != NULL || dlsym(RTLD_DEFAULT, "__tsan_init") != NULL;
}

START_TEST(cxx_operators) {
  if (sanitizer_loaded())
    return;
  void *p = cxx_new(100);
  ck_assert(mi_is_in_heap_region(p) && mi_usable_size(p) >= 100);
  cxx_delete(p);
  void *q = cxx_new_array(0);
  ck_assert(q != NULL && mi_is_in_heap_region(q));
  cxx_delete_array_sized(q, 0);
  p = cxx_new_aligned(100, 4096);
  ck_assert(mi_is_in_heap_region(p) && (uintptr_t)p % 4096 == 0);
  cxx_delete_aligned(p, 4096);
  ck_assert_ptr_null(cxx_new_nothrow(SIZE_MAX / 2, NULL));
}
END_TEST

START_TEST(cxx_new_aborts_without_runtime) {
  if (sanitizer_loaded())
    raise(SIGABRT); /* the sanitizer's operator would not */
  void *p = cxx_new(SIZE_MAX / 2);
  (void)p;
}
END_TEST
#endif

/* MIMALLOC_<NAME> is read when MIALLOC_<NAME> is unset (mialloc.3);
 * main runs this program again with the environment of with_mimalloc_env. */
START_TEST(mimalloc_environment) {
  ck_assert_int_eq(mi_option_get(mi_option_max_errors), 7);
  ck_assert_int_eq(mi_option_get(mi_option_max_warnings), 5);
  ck_assert_int_eq(mi_option_get(mi_option_disallow_os_alloc), 0);
  ck_assert_int_eq(mi_option_large_os_pages, mi_option_allow_large_os_pages);
  ck_assert_int_eq(mi_option_get(mi_option_reserve_huge_os_pages_at), -1);
}
END_TEST

#define ADD(s, name, fn, signal)                  \
  do {                                            \
    TCase *tc_ = tcase_create(name);              \
    tcase_set_timeout(tc_, 300);                  \
    if (signal)                                   \
      tcase_add_test_raise_signal(tc_, fn, signal); \
    else                                          \
      tcase_add_test(tc_, fn);                    \
    suite_add_tcase((s), tc_);                    \
  } while (0)

/* Options are read at process start: set them, and start again. */
static void with_mimalloc_env(char **argv) {
  if (getenv("MIMALLOC_MAX_ERRORS") != NULL)
    return;
  setenv("MIMALLOC_MAX_ERRORS", "7", 1);
  setenv("MIALLOC_MAX_WARNINGS", "5", 1);
  setenv("MIMALLOC_MAX_WARNINGS", "9", 1);
  setenv("MIMALLOC_DISALLOW_OS_ALLOC", "0", 1);
  unsetenv("MIALLOC_MAX_ERRORS");
  unsetenv("MIALLOC_LIMIT_OS_ALLOC");
  /* under an emulator (tests/target.sh), which the kernel does not know:
   * it again, with the program's path (the emulator's /proc/self/exe) */
  const char *emulator = getenv("MIALLOC_TEST_EMULATOR"), *sysroot = getenv("MIALLOC_TEST_SYSROOT");
  static char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (emulator != NULL && *emulator != '\0' && n > 0) {
    char *args[256] = {(char *)emulator};
    int i = 1;
    if (sysroot != NULL && *sysroot != '\0') {
      args[i++] = "-L";
      args[i++] = (char *)sysroot;
    }
    self[n] = '\0';
    args[i++] = self;
    for (int j = 1; argv[j] != NULL && i < 255; j++)
      args[i++] = argv[j];
    execvp(emulator, args);
  }
  execv("/proc/self/exe", argv);
  perror("api-compat: execv /proc/self/exe");
  exit(99);
}

int main(int argc, char **argv) {
  (void)argc;
  with_mimalloc_env(argv);
  Suite *s = suite_create("mimalloc's interface");
  ADD(s, "mi_new and its forms", new_family, 0);
  ADD(s, "mi_new aborts without a new handler", new_aborts_without_handler, SIGABRT);
  ADD(s, "mi_new_n aborts on an overflowing count", new_n_overflow_aborts, SIGABRT);
#if MI_OVERRIDE && !defined(__APPLE__)
  ADD(s, "C++'s operators from libmialloc", cxx_operators, 0);
  ADD(s, "its operator new aborts without a C++ runtime", cxx_new_aborts_without_runtime, SIGABRT);
#endif
  ADD(s, "the u-forms report the usable size", u_forms, 0);
  ADD(s, "other systems' names", other_names, 0);
  ADD(s, "heap and aligned rezalloc/recalloc", heap_and_aligned_variants, 0);
  ADD(s, "mi_is_in_heap_region, mi_is_redirected", region_and_redirect, 0);
  ADD(s, "mi_reserve_os_memory", reserve_os_memory, 0);
  ADD(s, "mi_reserve_huge_os_pages_*", reserve_huge_pages, 0);
  ADD(s, "mi_thread_stats_print_out", thread_stats, 0);
  ADD(s, "MIMALLOC_ environment names", mimalloc_environment, 0);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}
