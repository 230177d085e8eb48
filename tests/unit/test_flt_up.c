/* SPDX-License-Identifier: Apache-2.0 */
/* test_flt_up.c — the up filter: health, fail-open */
#include "config.h"

#include "test_flt_common.h"

static struct fx F;

static void setup4(void)
{
	fx_init(&F);
	struct region *r = fx_region(&F, "eu-west", 51.51, -0.13, 100);
	for (int i = 0; i < 4; i++)
		fx_member(&F, r, 1);
}

START_TEST(keeps_up_in_order)
{
	setup4();
	member_health_set(&F.health[1], false, true, 0, 0);
	ck_assert_uint_eq(fx_run1(&F, "up"), 3);
	ck_assert_uint_eq(F.m[0]->index, 0);
	ck_assert_uint_eq(F.m[1]->index, 2);
	ck_assert_uint_eq(F.m[2]->index, 3);

	member_health_set(&F.health[1], true, true, 0, 0);
	ck_assert_uint_eq(fx_run(&F), 4);
	ck_assert_uint_eq(F.thr.stats.fail_open, 0);
}
END_TEST

START_TEST(health_slot_not_index)
{
	/* The filter reads member->health, not the member's position. */
	setup4();
	F.members[0].health = 7;
	member_health_set(&F.health[0], false, true, 0, 0);
	ck_assert_uint_eq(fx_run1(&F, "up"), 4);
	member_health_set(&F.health[7], false, true, 0, 0);
	ck_assert_uint_eq(fx_run(&F), 3);
	ck_assert_uint_eq(F.m[0]->index, 1);
}
END_TEST

START_TEST(fail_open)
{
	setup4();
	for (int i = 0; i < 4; i++)
		member_health_set(&F.health[i], false, true, 0, 0);
	ck_assert_uint_eq(fx_run1(&F, "up"), 4);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(F.m[i]->index, i);
	ck_assert_uint_eq(F.thr.stats.fail_open, 1);
	fx_run(&F);
	ck_assert_uint_eq(F.thr.stats.fail_open, 2);
}
END_TEST

START_TEST(no_health_all_up)
{
	setup4();
	member_health_set(&F.health[0], false, true, 0, 0);
	F.ctx.health = NULL;
	ck_assert_uint_eq(fx_run1(&F, "up"), 4);
	ck_assert_uint_eq(F.thr.stats.fail_open, 0);
}
END_TEST

START_TEST(drained_out)
{
	/* Drained is out even when its up bit says up (the bits are stored separately). */
	setup4();
	member_health_set_drained(&F.health[2], true);
	ck_assert_uint_eq(fx_run1(&F, "up"), 3);
	ck_assert_uint_eq(F.m[0]->index, 0);
	ck_assert_uint_eq(F.m[1]->index, 1);
	ck_assert_uint_eq(F.m[2]->index, 3);
	ck_assert_uint_eq(F.thr.stats.fail_open, 0);
}
END_TEST

START_TEST(drained_out_when_failing_open)
{
	/* Everything down: fail open over the members that are not drained. */
	setup4();
	for (int i = 0; i < 4; i++)
		member_health_set(&F.health[i], false, true, 0, 0);
	member_health_set_drained(&F.health[0], true);
	member_health_set_drained(&F.health[3], true);
	ck_assert_uint_eq(fx_run1(&F, "up"), 2);
	ck_assert_uint_eq(F.m[0]->index, 1);
	ck_assert_uint_eq(F.m[1]->index, 2);
	ck_assert_uint_eq(F.thr.stats.fail_open, 1);
}
END_TEST

START_TEST(drained_up_rest_down)
{
	/* The only up member drained, the rest down: the rest, not the drained one. */
	setup4();
	for (int i = 1; i < 4; i++)
		member_health_set(&F.health[i], false, true, 0, 0);
	member_health_set_drained(&F.health[0], true);
	ck_assert_uint_eq(fx_run1(&F, "up"), 3);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(F.m[i]->index, i + 1);
}
END_TEST

START_TEST(all_drained_keeps_all)
{
	/* Last resort: every member drained keeps them all rather than answer NODATA. */
	setup4();
	for (int i = 0; i < 4; i++) {
		member_health_set(&F.health[i], false, true, 0, 0);
		member_health_set_drained(&F.health[i], true);
	}
	ck_assert_uint_eq(fx_run1(&F, "up"), 4);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(F.m[i]->index, i);
	ck_assert_uint_eq(F.thr.stats.fail_open, 1);
	member_health_set_drained(&F.health[2], false);
	ck_assert_uint_eq(fx_run(&F), 1);
	ck_assert_uint_eq(F.m[0]->index, 2);
}
END_TEST

/* Nested services (gdnsd #48): outer member 0 is a CNAME to a service of this server, whose
 * members 0 and 1 (health slots 10, 11) are themselves a CNAME to a third service (slot 12)
 * and an address member. */
static struct member inner_m[2], third_m[1];
static struct service inner = { .members = inner_m, .nmembers = 2 };
static struct service third = { .members = third_m, .nmembers = 1 };

static void nested(void)
{
	setup4();
	F.members[0].target = &inner;
	inner_m[0] = (struct member){ .region = F.members[0].region, .health = 10,
				      .target = &third };
	inner_m[1] = (struct member){ .region = F.members[0].region, .health = 11 };
	third_m[0] = (struct member){ .region = F.members[0].region, .health = 12 };
}

START_TEST(nested_down_when_target_down)
{
	nested();
	ck_assert_uint_eq(fx_run1(&F, "up"), 4);
	ck_assert(flt_up_service_live(&inner, F.health));
	member_health_set(&F.health[11], false, true, 0, 0);
	ck_assert_uint_eq(fx_run(&F), 4); /* inner still has its CNAME to a live third */
	member_health_set(&F.health[12], false, true, 0, 0);
	ck_assert(!flt_up_service_live(&third, F.health));
	ck_assert(!flt_up_service_live(&inner, F.health));
	ck_assert_uint_eq(fx_run(&F), 3); /* all down passes through every tier */
	ck_assert_uint_eq(F.m[0]->index, 1);
	ck_assert_uint_eq(F.thr.stats.fail_open, 0);
	/* a drained inner member does not keep the tier up either */
	member_health_set(&F.health[11], true, true, 0, 0);
	ck_assert_uint_eq(fx_run(&F), 4);
	member_health_set_drained(&F.health[11], true);
	ck_assert_uint_eq(fx_run(&F), 3);
	/* outer members all down too: fail open as before, the CNAME member included */
	for (int i = 1; i < 4; i++)
		member_health_set(&F.health[i], false, true, 0, 0);
	ck_assert_uint_eq(fx_run(&F), 4);
	ck_assert_uint_eq(F.thr.stats.fail_open, 1);
	ck_assert(flt_up_service_live(&inner, NULL));
}
END_TEST

/* up_threshold: a region whose share of members up is below it counts as down (gdnsd's
 * up_thresh); all_down tells the answer path that up failed open. */
START_TEST(up_threshold_by_region)
{
	fx_init(&F);
	struct region *eu = fx_region(&F, "eu-west", 51.51, -0.13, 100);
	struct region *us = fx_region(&F, "us-east", 40.71, -74.01, 100);
	for (int i = 0; i < 4; i++)
		fx_member(&F, eu, 1)->rslot = 0;
	fx_member(&F, us, 1)->rslot = 1;
	F.svc.nrslots = 2;
	F.svc.up_threshold = 0.5;
	member_health_set(&F.health[0], false, true, 0, 0);
	member_health_set(&F.health[1], false, true, 0, 0);
	ck_assert_uint_eq(fx_run1(&F, "up"), 3); /* eu: 2 of 4 up, not below half */
	ck_assert(!F.ctx.all_down);
	member_health_set(&F.health[2], false, true, 0, 0);
	ck_assert_uint_eq(fx_run(&F), 1); /* eu: 1 of 4 up: down as a whole */
	ck_assert_uint_eq(F.m[0]->index, 4);
	member_health_set_drained(&F.health[3], false);
	member_health_set(&F.health[4], false, true, 0, 0);
	ck_assert_uint_eq(fx_run(&F), 5); /* nothing counts as up: fail open */
	ck_assert(F.ctx.all_down);
	ck_assert_uint_eq(F.thr.stats.fail_open, 1);
	F.svc.up_threshold = 0;
	F.ctx.all_down = false;
	ck_assert_uint_eq(fx_run(&F), 1); /* member by member: the one up */
	ck_assert_uint_eq(F.m[0]->index, 3);
	ck_assert(!F.ctx.all_down);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("flt_up");
	TCase *tc;

	tc = tcase_create("keeps_up");
	tcase_add_test(tc, keeps_up_in_order);
	tcase_add_test(tc, health_slot_not_index);
	suite_add_tcase(s, tc);
	tc = tcase_create("fail_open");
	tcase_add_test(tc, fail_open);
	tcase_add_test(tc, no_health_all_up);
	suite_add_tcase(s, tc);
	tc = tcase_create("drain");
	tcase_add_test(tc, drained_out);
	tcase_add_test(tc, drained_out_when_failing_open);
	tcase_add_test(tc, drained_up_rest_down);
	tcase_add_test(tc, all_drained_keeps_all);
	suite_add_tcase(s, tc);
	tc = tcase_create("up_threshold");
	tcase_add_test(tc, up_threshold_by_region);
	suite_add_tcase(s, tc);
	tc = tcase_create("nested");
	tcase_add_test(tc, nested_down_when_target_down);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
