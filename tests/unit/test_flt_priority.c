/* SPDX-License-Identifier: Apache-2.0 */
/* test_flt_priority.c — the priority filter: lowest value only */
#include "config.h"

#include "test_flt_common.h"

static struct fx F;

static void setup(const int32_t *prio, int n)
{
	fx_init(&F);
	struct region *r = fx_region(&F, "eu-west", 51.51, -0.13, 100);
	for (int i = 0; i < n; i++)
		fx_member(&F, r, 1)->priority = prio[i];
}

START_TEST(lowest_only)
{
	const int32_t prio[] = { 1, 0, 2, 0, 1 };

	setup(prio, 5);
	ck_assert_uint_eq(fx_run1(&F, "priority"), 2);
	ck_assert_uint_eq(F.m[0]->index, 1);
	ck_assert_uint_eq(F.m[1]->index, 3);
}
END_TEST

START_TEST(negative_and_equal)
{
	const int32_t neg[] = { 5, -3, 0 };
	const int32_t eq[] = { 7, 7, 7 };

	setup(neg, 3);
	ck_assert_uint_eq(fx_run1(&F, "priority"), 1);
	ck_assert_uint_eq(F.m[0]->index, 1);
	setup(eq, 3);
	ck_assert_uint_eq(fx_run1(&F, "priority"), 3);
}
END_TEST

START_TEST(failover_after_up)
{
	/* active/passive: up then priority fails over to the next level. */
	const int32_t prio[] = { 0, 1, 1 };
	const char *names[] = { "up", "priority" };

	setup(prio, 3);
	fx_chain(&F, names, 2);
	ck_assert_uint_eq(fx_run(&F), 1);
	ck_assert_uint_eq(F.m[0]->index, 0);
	member_health_set(&F.health[0], false, true, 0, 0);
	ck_assert_uint_eq(fx_run(&F), 2);
	ck_assert_uint_eq(F.m[0]->index, 1);
	ck_assert_uint_eq(F.m[1]->index, 2);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("flt_priority");
	TCase *tc;

	tc = tcase_create("lowest");
	tcase_add_test(tc, lowest_only);
	tcase_add_test(tc, negative_and_equal);
	suite_add_tcase(s, tc);
	tc = tcase_create("failover");
	tcase_add_test(tc, failover_after_up);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
