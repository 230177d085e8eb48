/* SPDX-License-Identifier: Apache-2.0 */
/* test_flt_first.c — the first:N filter */
#include "config.h"

#include "test_flt_common.h"

static struct fx F;

static void setup(int n)
{
	fx_init(&F);
	struct region *r = fx_region(&F, "eu-west", 51.51, -0.13, 100);
	for (int i = 0; i < n; i++)
		fx_member(&F, r, 1);
}

START_TEST(counts)
{
	setup(5);
	ck_assert_uint_eq(fx_run1(&F, "first"), 1);
	ck_assert_uint_eq(F.m[0]->index, 0);
	ck_assert_uint_eq(fx_run1(&F, "first:1"), 1);
	ck_assert_uint_eq(fx_run1(&F, "first:3"), 3);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(F.m[i]->index, i);
	ck_assert_uint_eq(fx_run1(&F, "first:5"), 5);
	ck_assert_uint_eq(fx_run1(&F, "first:64"), 5);
}
END_TEST

START_TEST(after_reorder)
{
	/* first keeps the head of whatever order the chain produced. */
	const char *names[] = { "round_robin", "first:2" };

	setup(4);
	fx_chain(&F, names, 2);
	ck_assert_uint_eq(fx_run(&F), 2);
	ck_assert_uint_eq(F.m[0]->index, 0);
	ck_assert_uint_eq(F.m[1]->index, 1);
	ck_assert_uint_eq(fx_run(&F), 2);
	ck_assert_uint_eq(F.m[0]->index, 1);
	ck_assert_uint_eq(F.m[1]->index, 2);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("flt_first");
	TCase *tc;

	tc = tcase_create("counts");
	tcase_add_test(tc, counts);
	suite_add_tcase(s, tc);
	tc = tcase_create("after_reorder");
	tcase_add_test(tc, after_reorder);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
