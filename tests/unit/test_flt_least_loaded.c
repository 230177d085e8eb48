/* SPDX-License-Identifier: Apache-2.0 */
/* test_flt_least_loaded.c — the least_loaded filter: ascending reported load, unknown last */
#include "config.h"

#include "test_flt_common.h"

static struct fx F;

/* Sets member i's load (fresh unless UNKNOWN; up either way). */
static void set(int i, uint32_t v)
{
	bool fresh = v != MEMBER_LOAD_UNKNOWN;

	member_health_set(&F.health[i], true, fresh, v, 50);
}

static void setup(const uint32_t *v, int n)
{
	fx_init(&F);
	struct region *r = fx_region(&F, "eu-west", 51.51, -0.13, 100);
	for (int i = 0; i < n; i++) {
		fx_member(&F, r, 1);
		set(i, v[i]);
	}
}

static void assert_order(const uint32_t *want, size_t n)
{
	ck_assert_uint_eq(fx_run1(&F, "least_loaded"), n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(F.m[i]->index == want[i], "position %zu: member %u, want %u", i,
			      F.m[i]->index, want[i]);
}

START_TEST(ascending)
{
	const uint32_t v[] = { 500, 100, MEMBER_LOAD_UNKNOWN, 100, 900, 0 };
	const uint32_t want[] = { 5, 1, 3, 0, 4, 2 }; /* ties (1, 3) keep order */

	setup(v, 6);
	assert_order(want, 6);
}
END_TEST

START_TEST(follows_updates)
{
	const uint32_t v[] = { 300, 200, 100 };
	const uint32_t want1[] = { 2, 1, 0 };
	const uint32_t want2[] = { 0, 1, 2 };

	setup(v, 3);
	assert_order(want1, 3);
	set(0, 10);
	set(2, 1000);
	assert_order(want2, 3);
}
END_TEST

START_TEST(unknown_and_stale_last)
{
	const uint32_t v[] = { 400, 100, 200 };
	const uint32_t want[] = { 2, 0, 1 };
	const uint32_t all[] = { 0, 1, 2 };

	setup(v, 3);
	/* A member whose reports went stale: its old value no longer counts. */
	atomic_store(&F.health[1].fresh, false);
	assert_order(want, 3);
	/* Nothing known at all, or no health array: order unchanged. */
	set(0, MEMBER_LOAD_UNKNOWN);
	set(2, MEMBER_LOAD_UNKNOWN);
	assert_order(all, 3);
	set(0, 1);
	set(2, 0);
	F.ctx.health = NULL;
	assert_order(all, 3);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("flt_least_loaded");
	TCase *tc;

	tc = tcase_create("order");
	tcase_add_test(tc, ascending);
	tcase_add_test(tc, follows_updates);
	suite_add_tcase(s, tc);
	tc = tcase_create("unknown");
	tcase_add_test(tc, unknown_and_stale_last);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
