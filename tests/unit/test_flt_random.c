/* SPDX-License-Identifier: Apache-2.0 */
/* test_flt_random.c — the random filter: uniform permutations */
#include "config.h"

#include "test_flt_common.h"

#define DRAWS 60000

static struct fx F;

START_TEST(uniform_positions)
{
	/* pos[i][p] = times member i landed at position p; each should be
	 * DRAWS / 4 = 15000 (sd ~ 106); allow ±3 %. */
	int pos[4][4] = { { 0 } };

	fx_init(&F);
	struct region *r = fx_region(&F, "eu-west", 51.51, -0.13, 100);
	for (int i = 0; i < 4; i++)
		fx_member(&F, r, 1 + i * 10); /* weights must not matter */
	for (int d = 0; d < DRAWS; d++) {
		bool seen[4] = { false };
		ck_assert_uint_eq(fx_run1(&F, "random"), 4);
		for (int p = 0; p < 4; p++) {
			ck_assert(!seen[F.m[p]->index]); /* a permutation */
			seen[F.m[p]->index] = true;
			pos[F.m[p]->index][p]++;
		}
	}
	for (int i = 0; i < 4; i++)
		for (int p = 0; p < 4; p++)
			ck_assert_int_lt(abs(pos[i][p] - DRAWS / 4), DRAWS / 4 * 3 / 100);
}
END_TEST

START_TEST(all_orders_occur)
{
	/* 3 members: all 6 orders, each about 1/6. */
	int order[27] = { 0 };

	fx_init(&F);
	struct region *r = fx_region(&F, "eu-west", 51.51, -0.13, 100);
	for (int i = 0; i < 3; i++)
		fx_member(&F, r, 1);
	for (int d = 0; d < DRAWS; d++) {
		fx_run1(&F, "random");
		order[F.m[0]->index * 9 + F.m[1]->index * 3 + F.m[2]->index]++;
	}
	int nonzero = 0;
	for (int i = 0; i < 27; i++) {
		if (!order[i])
			continue;
		nonzero++;
		ck_assert_int_lt(abs(order[i] - DRAWS / 6), DRAWS / 6 * 5 / 100);
	}
	ck_assert_int_eq(nonzero, 6);
}
END_TEST

START_TEST(seeded_is_deterministic)
{
	uint32_t a[8], b[8];

	fx_init(&F);
	struct region *r = fx_region(&F, "eu-west", 51.51, -0.13, 100);
	for (int i = 0; i < 8; i++)
		fx_member(&F, r, 1);
	fx_run1(&F, "random");
	for (int i = 0; i < 8; i++)
		a[i] = F.m[i]->index;
	filter_thread_init(&F.thr, FX_SEED);
	fx_run(&F);
	for (int i = 0; i < 8; i++)
		b[i] = F.m[i]->index;
	ck_assert_mem_eq(a, b, sizeof(a));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("flt_random");
	TCase *tc;

	tc = tcase_create("uniform");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, uniform_positions);
	tcase_add_test(tc, all_orders_occur);
	suite_add_tcase(s, tc);
	tc = tcase_create("seed");
	tcase_add_test(tc, seeded_is_deterministic);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
