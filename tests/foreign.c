/* foreign.c - Check suite for the one answer to "whose is this pointer,
 * and who frees it" (src/free.c).  On macOS the malloc zones that were
 * there before mialloc own the blocks allocated before it loaded; here a
 * fake foreign allocator stands in for them, so that the dispatch runs on
 * every platform.  Links the allocator's internals (src/libmicore.la). */
#include "internal.h"

#include <check.h>
#include <stdlib.h>

#define FAKE_BLOCKS 4
#define FAKE_SIZE 48

/* The fake allocator: a few static blocks, live until it frees them. */
static _Alignas(16) unsigned char fake_arena[FAKE_BLOCKS][64];
static bool fake_live[FAKE_BLOCKS];
static int fake_size_calls, fake_frees;

static int fake_index(const void *p) {
  for (int i = 0; i < FAKE_BLOCKS; i++)
    if (p == fake_arena[i])
      return i;
  return -1;
}

static size_t fake_size(const void *p, void **owner) {
  fake_size_calls++;
  int i = fake_index(p);
  if (i < 0 || !fake_live[i])
    return 0;
  *owner = &fake_live[i];
  return FAKE_SIZE;
}

static void fake_free(void *p, void *owner) {
  int i = fake_index(p);
  ck_assert_int_ge(i, 0);
  ck_assert_ptr_eq(owner, &fake_live[i]);
  ck_assert_msg(fake_live[i], "the fake allocator's block %d was freed twice", i);
  fake_live[i] = false;
  fake_frees++;
}

static const mi_foreign_t fake = {fake_size, fake_free};

static int errors, last_error;
static void record_error(int err, void *arg) {
  (void)arg;
  errors++;
  last_error = err;
}

static void setup(void) {
  for (int i = 0; i < FAKE_BLOCKS; i++)
    fake_live[i] = true;
  fake_size_calls = fake_frees = errors = last_error = 0;
  mi_register_error(record_error, NULL);
  _mi_foreign_register(&fake);
}

static void teardown(void) {
  _mi_foreign_register(NULL);
  mi_register_error(NULL, NULL);
}

START_TEST(free_hands_a_foreign_block_back) {
  mi_free(fake_arena[0]);
  ck_assert_int_eq(fake_frees, 1);
  ck_assert(!fake_live[0]);
  ck_assert_int_eq(errors, 0);
}
END_TEST

START_TEST(realloc_moves_a_foreign_block_into_mialloc) {
  for (int i = 0; i < FAKE_SIZE; i++)
    fake_arena[1][i] = (unsigned char)(i * 7 + 1);
  unsigned char *q = mi_realloc(fake_arena[1], 200);
  ck_assert_ptr_nonnull(q);
  ck_assert_ptr_ne(q, fake_arena[1]);
  ck_assert_ptr_nonnull(_mi_segment_of_checked(q));
  ck_assert_uint_ge(mi_usable_size(q), 200);
  for (int i = 0; i < FAKE_SIZE; i++)
    ck_assert_uint_eq(q[i], (unsigned char)(i * 7 + 1));
  ck_assert(!fake_live[1]); /* given back once copied */
  ck_assert_int_eq(fake_frees, 1);
  ck_assert_int_eq(errors, 0);
  mi_free(q);
}
END_TEST

START_TEST(realloc_that_fits_keeps_the_foreign_block) {
  ck_assert_ptr_eq(mi_realloc(fake_arena[1], FAKE_SIZE - 8), fake_arena[1]);
  ck_assert(fake_live[1]);
  mi_free(fake_arena[1]);
  ck_assert_int_eq(fake_frees, 1);
  ck_assert_int_eq(errors, 0);
}
END_TEST

START_TEST(usable_size_of_a_foreign_block) {
  ck_assert_uint_eq(mi_usable_size(fake_arena[2]), FAKE_SIZE);
  ck_assert_uint_eq(_mi_usable_size_of(fake_arena[2], true, NULL), FAKE_SIZE);
  /* the zone's own size query answers for mialloc's blocks only */
  ck_assert_uint_eq(_mi_usable_size_of(fake_arena[2], false, NULL), 0);
  ck_assert_int_eq(errors, 0);
}
END_TEST

START_TEST(nobodys_pointer_is_still_reported) {
  int local = 0;
  mi_free(&local);
  ck_assert_int_eq(errors, 1);
  ck_assert_int_eq(last_error, EINVAL);
  ck_assert_int_eq(fake_frees, 0);
  ck_assert_int_ge(fake_size_calls, 1); /* it was asked, and said no */
  /* a block the fake allocator already freed is nobody's */
  mi_free(fake_arena[3]);
  mi_free(fake_arena[3]);
  ck_assert_int_eq(fake_frees, 1);
  ck_assert_int_eq(errors, 2);
  /* the quiet size query reports nothing */
  ck_assert_uint_eq(_mi_usable_size_of(&local, true, NULL), 0);
  ck_assert_int_eq(errors, 2);
}
END_TEST

START_TEST(mialloc_blocks_never_reach_the_foreign_allocator) {
  static const size_t sizes[] = {16, 5000, 200000, 3 << 20, 9 << 20};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    void *p = mi_malloc(sizes[i]);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_ge(mi_usable_size(p), sizes[i]);
    ck_assert_uint_ge(_mi_usable_size_of(p, false, NULL), sizes[i]);
    p = mi_realloc(p, sizes[i] * 2);
    ck_assert_ptr_nonnull(p);
    mi_free(p);
  }
  ck_assert_int_eq(fake_size_calls, 0);
  ck_assert_int_eq(fake_frees, 0);
  ck_assert_int_eq(errors, 0);
}
END_TEST

START_TEST(no_foreign_allocator_means_invalid) {
  _mi_foreign_register(NULL);
  mi_free(fake_arena[0]);
  ck_assert_int_eq(errors, 1);
  ck_assert_int_eq(last_error, EINVAL);
  ck_assert_int_eq(fake_size_calls, 0);
  ck_assert(fake_live[0]);
}
END_TEST

static Suite *foreign_suite(void) {
  Suite *s = suite_create("foreign");
  TCase *tc = tcase_create("dispatch");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, free_hands_a_foreign_block_back);
  tcase_add_test(tc, realloc_moves_a_foreign_block_into_mialloc);
  tcase_add_test(tc, realloc_that_fits_keeps_the_foreign_block);
  tcase_add_test(tc, usable_size_of_a_foreign_block);
  tcase_add_test(tc, nobodys_pointer_is_still_reported);
  tcase_add_test(tc, mialloc_blocks_never_reach_the_foreign_allocator);
  tcase_add_test(tc, no_foreign_allocator_means_invalid);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(foreign_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
