/* SPDX-License-Identifier: Apache-2.0 */
/* test_flt_round_robin.c — the round_robin filter: rotation per service */
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

START_TEST(rotates)
{
	setup(4);
	for (int q = 0; q < 12; q++) {
		ck_assert_uint_eq(fx_run1(&F, "round_robin"), 4);
		/* starts at q mod 4 and keeps the cyclic order */
		for (int i = 0; i < 4; i++)
			ck_assert_uint_eq(F.m[i]->index, (q + i) % 4);
	}
}
END_TEST

START_TEST(even_cycle)
{
	const char *names[] = { "round_robin", "first:1" };
	int count[5] = { 0 };

	setup(5);
	fx_chain(&F, names, 2);
	for (int q = 0; q < 5000; q++) {
		ck_assert_uint_eq(fx_run(&F), 1);
		count[F.m[0]->index]++;
	}
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(count[i], 1000);
}
END_TEST

START_TEST(per_service_counter)
{
	setup(3);
	F.svc.index = 1;
	ck_assert_uint_eq(fx_run1(&F, "round_robin"), 3);
	ck_assert_uint_eq(F.m[0]->index, 0);
	fx_run(&F);
	ck_assert_uint_eq(F.m[0]->index, 1);
	/* Another service starts its own rotation. */
	F.svc.index = 2;
	fx_run(&F);
	ck_assert_uint_eq(F.m[0]->index, 0);
	F.svc.index = 1;
	fx_run(&F);
	ck_assert_uint_eq(F.m[0]->index, 2);
	ck_assert_uint_eq(F.thr.rr[1], 3);
	ck_assert_uint_eq(F.thr.rr[2], 1);
	/* No service: slot 0; one member: unchanged. */
	F.ctx.service = NULL;
	fx_run(&F);
	ck_assert_uint_eq(F.thr.rr[0], 1);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("flt_round_robin");
	TCase *tc;

	tc = tcase_create("rotation");
	tcase_add_test(tc, rotates);
	tcase_add_test(tc, even_cycle);
	suite_add_tcase(s, tc);
	tc = tcase_create("counters");
	tcase_add_test(tc, per_service_counter);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
