/* SPDX-License-Identifier: Apache-2.0 */
/* test_flt_weighted.c — the weighted filter: shares, region weights, drain */
#include "config.h"

#include "test_flt_common.h"

#define DRAWS 100000

static struct fx F;

/* Runs weighted → first:1 DRAWS times; count[i] = times member i won. */
static void draw(int *count)
{
	const char *names[] = { "weighted", "first:1" };

	fx_chain(&F, names, 2);
	for (size_t i = 0; i < F.nmembers; i++)
		count[i] = 0;
	for (int d = 0; d < DRAWS; d++) {
		ck_assert_uint_eq(fx_run(&F), 1);
		count[F.m[0]->index]++;
	}
}

static void assert_share(int got, double want)
{
	double share = (double)got / DRAWS;
	ck_assert_msg(share > want - 0.02 && share < want + 0.02, "share %.4f, want %.4f", share,
		      want);
}

START_TEST(member_weights)
{
	int count[4];

	fx_init(&F);
	struct region *r = fx_region(&F, "eu-west", 51.51, -0.13, 100);
	fx_member(&F, r, 1);
	fx_member(&F, r, 2);
	fx_member(&F, r, 3);
	fx_member(&F, r, 4);
	draw(count);
	for (int i = 0; i < 4; i++)
		assert_share(count[i], (i + 1) / 10.0);
}
END_TEST

START_TEST(region_times_member)
{
	int count[6];

	fx_init(&F);
	struct region *a = fx_region(&F, "a", 0, 0, 100);
	struct region *b = fx_region(&F, "b", 0, 0, 50);
	struct region *c = fx_region(&F, "c", 0, 0, 0); /* drained */
	fx_member(&F, a, 1); /* 100 */
	fx_member(&F, a, 2); /* 200 */
	fx_member(&F, b, 1); /*  50 */
	fx_member(&F, c, 5); /*   0 */
	fx_member(&F, b, 3); /* 150 */
	fx_member(&F, c, 1); /*   0 */
	draw(count);
	assert_share(count[0], 0.2);
	assert_share(count[1], 0.4);
	assert_share(count[2], 0.1);
	assert_share(count[4], 0.3);
	ck_assert_int_eq(count[3], 0);
	ck_assert_int_eq(count[5], 0);
}
END_TEST

START_TEST(drained_dropped)
{
	fx_init(&F);
	struct region *a = fx_region(&F, "a", 0, 0, 1);
	struct region *c = fx_region(&F, "c", 0, 0, 0);
	fx_member(&F, a, 1);
	fx_member(&F, c, 1);
	fx_member(&F, a, 0);
	fx_member(&F, a, 3);
	for (int i = 0; i < 1000; i++) {
		ck_assert_uint_eq(fx_run1(&F, "weighted"), 2);
		for (int j = 0; j < 2; j++)
			ck_assert(F.m[j]->index == 0 || F.m[j]->index == 3);
		ck_assert_ptr_ne(F.m[0], F.m[1]);
	}
}
END_TEST

START_TEST(all_drained_fail_open)
{
	int count[3] = { 0 };

	fx_init(&F);
	struct region *c = fx_region(&F, "c", 0, 0, 0);
	for (int i = 0; i < 3; i++)
		fx_member(&F, c, 1);
	for (int i = 0; i < 30000; i++) {
		ck_assert_uint_eq(fx_run1(&F, "weighted"), 3);
		count[F.m[0]->index]++;
	}
	for (int i = 0; i < 3; i++)
		ck_assert_int_lt(abs(count[i] - 10000), 600);
}
END_TEST

START_TEST(second_place)
{
	/* The whole order is a weighted sample without replacement: with
	 * weights 1, 2, 3 the second place goes to each with probability
	 * 1/4, 2/5 and 7/20 (e.g. P(m0 second) = 2/6 · 1/4 + 3/6 · 1/3). */
	int second[3] = { 0 };

	fx_init(&F);
	struct region *r = fx_region(&F, "r", 0, 0, 1);
	fx_member(&F, r, 1);
	fx_member(&F, r, 2);
	fx_member(&F, r, 3);
	for (int i = 0; i < DRAWS; i++) {
		ck_assert_uint_eq(fx_run1(&F, "weighted"), 3);
		second[F.m[1]->index]++;
	}
	assert_share(second[0], 0.25);
	assert_share(second[1], 0.40);
	assert_share(second[2], 0.35);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("flt_weighted");
	TCase *tc;

	tc = tcase_create("shares");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, member_weights);
	tcase_add_test(tc, region_times_member);
	tcase_add_test(tc, second_place);
	suite_add_tcase(s, tc);
	tc = tcase_create("drain");
	tcase_add_test(tc, drained_dropped);
	tcase_add_test(tc, all_drained_fail_open);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
