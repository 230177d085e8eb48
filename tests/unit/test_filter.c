/* SPDX-License-Identifier: Apache-2.0 */
/* test_filter.c — filter table, chain parsing and formatting, chain execution */
#include "config.h"

#include "test_flt_common.h"

#include <errno.h>

static struct fx F;

static int parse(const char *const *names, size_t n, char *err)
{
	return filter_chain_parse(names, n, &F.chain, err, 256);
}

START_TEST(parse_valid)
{
	const char *names[] = { "up", "nearest:2", "geofence", "priority", "weighted",
				"round_robin", "random", "least_loaded", "fastest", "sticky",
				"first:3", "first" };
	char err[256] = "";

	ck_assert_int_eq(parse(names, 12, err), 0);
	ck_assert_uint_eq(F.chain.nsteps, 12);
	ck_assert_str_eq(F.chain.steps[0].def->name, "up");
	ck_assert_ptr_eq(F.chain.steps[0].def->fn, flt_up_run);
	ck_assert_uint_eq(F.chain.steps[1].arg, 2);
	ck_assert_ptr_eq(F.chain.steps[1].def->fn, flt_nearest_run);
	ck_assert_uint_eq(F.chain.steps[10].arg, 3);
	ck_assert_uint_eq(F.chain.steps[11].arg, 1); /* default */
	ck_assert_ptr_eq(F.chain.steps[9].def->fn, flt_sticky_run);

	/* Every row of the table is reachable by its name. */
	for (size_t i = 0; i < filter_table_len; i++)
		ck_assert_ptr_eq(filter_find(filter_table[i].name), &filter_table[i]);
	ck_assert_ptr_null(filter_find("Up"));
}
END_TEST

#define FILTERS                                                                                    \
	"filters: up, nearest, geofence, priority, weighted, round_robin, random, least_loaded, "   \
	"fastest, sticky, first)"

START_TEST(parse_errors)
{
	static const struct {
		const char *entry;
		const char *msg;
	} cases[] = {
		/* the closest name when one is near, then every valid one */
		{ "nearst", "unknown filter 'nearst' (did you mean 'nearest'? " FILTERS },
		{ "nearst:2", "unknown filter 'nearst' (did you mean 'nearest'? " FILTERS },
		{ "weigthed", "unknown filter 'weigthed' (did you mean 'weighted'? " FILTERS },
		{ "closest", "unknown filter 'closest' (" FILTERS },
		{ "", "unknown filter '' (" FILTERS },
		{ ":3", "unknown filter ':3' (" FILTERS },
		{ "first:0", "first takes a count 1..64" },
		{ "first:65", "first takes a count 1..64" },
		{ "first:", "first takes a count 1..64" },
		{ "first:2x", "first takes a count 1..64" },
		{ "first:-1", "first takes a count 1..64" },
		{ "first: 2", "first takes a count 1..64" },
		{ "nearest:99999999999999999999", "nearest takes a region count 1..64" },
		{ "up:1", "'up' takes no argument" },
		{ "weighted:", "'weighted' takes no argument" },
	};
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *names[] = { "up", cases[i].entry };
		err[0] = '\0';
		ck_assert_int_eq(parse(names, 2, err), -EINVAL);
		ck_assert_str_eq(err, cases[i].msg);
	}
	ck_assert_int_eq(parse(NULL, 0, err), -EINVAL);
	ck_assert_str_eq(err, "chain is empty");

	const char *many[FLT_CHAIN_MAX + 1];
	for (size_t i = 0; i <= FLT_CHAIN_MAX; i++)
		many[i] = "up";
	ck_assert_int_eq(parse(many, FLT_CHAIN_MAX, err), 0);
	ck_assert_int_eq(parse(many, FLT_CHAIN_MAX + 1, err), -EINVAL);
	ck_assert_str_eq(err, "chain has more than 16 filters");
}
END_TEST

START_TEST(parse_failure_keeps_out)
{
	const char *good[] = { "random" };
	const char *bad[] = { "up", "bogus" };
	char err[256];

	ck_assert_int_eq(parse(good, 1, err), 0);
	ck_assert_int_eq(parse(bad, 2, err), -EINVAL);
	ck_assert_uint_eq(F.chain.nsteps, 1);
	ck_assert_ptr_eq(F.chain.steps[0].def->fn, flt_random_run);
}
END_TEST

START_TEST(default_and_format)
{
	char buf[128];

	filter_chain_default(&F.chain);
	ck_assert_int_eq(filter_chain_format(&F.chain, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "up nearest:1 weighted first:1");
	ck_assert_int_eq(filter_chain_format(&F.chain, buf, 10), -ENOSPC);
	ck_assert_int_eq(filter_chain_format(&F.chain, buf, 0), -ENOSPC);

	const char *names[] = { "geofence", "sticky", "first:4" };
	fx_chain(&F, names, 3);
	ck_assert_int_eq(filter_chain_format(&F.chain, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "geofence sticky first:4");
}
END_TEST

/* The default chain end to end: a London client gets eu-west unless it is
 * down, then us-east; the drained member is never returned. */
START_TEST(default_chain_runs)
{
	fx_init(&F);
	struct region *eu = fx_region(&F, "eu-west", 51.51, -0.13, 100);
	struct region *us = fx_region(&F, "us-east", 40.71, -74.01, 100);
	fx_member(&F, eu, 1);
	fx_member(&F, us, 1);
	fx_member(&F, us, 1);
	fx_member(&F, eu, 0); /* drained */
	filter_chain_default(&F.chain);
	fx_locate(&F, 51.5, -0.1);

	for (int i = 0; i < 1000; i++) {
		ck_assert_uint_eq(fx_run(&F), 1);
		ck_assert_ptr_eq(F.m[0], &F.members[0]);
	}
	member_health_set(&F.health[0], false, true, 0, 0);
	int seen[4] = { 0 };
	for (int i = 0; i < 1000; i++) {
		ck_assert_uint_eq(fx_run(&F), 1);
		seen[F.m[0]->index]++;
	}
	/* With m0 down, eu-west only has the drained m3: nearest skips it and
	 * the London client fails over to us-east. */
	ck_assert_int_eq(seen[0] + seen[3], 0);
	ck_assert_int_gt(seen[1], 400);
	ck_assert_int_gt(seen[2], 400);
	ck_assert_uint_eq(F.thr.stats.fail_open, 0);
	ck_assert_uint_eq(F.thr.stats.runs, 2000);

	/* Everything down: fail open, counted; nearest then sees eu-west live. */
	for (int i = 0; i < 4; i++)
		member_health_set(&F.health[i], false, true, 0, 0);
	ck_assert_uint_eq(fx_run(&F), 1);
	ck_assert_ptr_eq(F.m[0], &F.members[0]);
	ck_assert_uint_eq(F.thr.stats.fail_open, 1);
}
END_TEST

START_TEST(select_and_limits)
{
	const struct member *out[FLT_MAX_MEMBERS];

	fx_init(&F);
	struct region *eu = fx_region(&F, "eu-west", 51.51, -0.13, 1);
	for (int i = 0; i < 10; i++)
		fx_member(&F, eu, 1);
	const char *names[] = { "first:3" };
	fx_chain(&F, names, 1);
	F.svc.chain = F.chain;
	F.ctx.service = NULL;
	ck_assert_uint_eq(filter_select(&F.svc, &F.ctx, out, FLT_MAX_MEMBERS), 3);
	ck_assert_ptr_eq(F.ctx.service, &F.svc);
	ck_assert_ptr_eq(out[0], &F.members[0]);
	ck_assert_ptr_eq(out[2], &F.members[2]);
	/* cap limits the candidates */
	ck_assert_uint_eq(filter_select(&F.svc, &F.ctx, out, 2), 2);
	/* empty in, empty out */
	ck_assert_uint_eq(filter_chain_run(&F.chain, &F.ctx, out, 0), 0);
}
END_TEST

START_TEST(sort_is_stable)
{
	const struct member *m[6];
	double key[6] = { 3, 1, 2, 1, INFINITY, 1 };

	fx_init(&F);
	struct region *r = fx_region(&F, "r", 0, 0, 1);
	for (int i = 0; i < 6; i++)
		m[i] = fx_member(&F, r, 1);
	filter_sort(m, key, 6);
	const int want[6] = { 1, 3, 5, 2, 0, 4 };
	for (int i = 0; i < 6; i++)
		ck_assert_uint_eq(m[i]->index, want[i]);
	for (int i = 1; i < 6; i++)
		ck_assert(key[i - 1] <= key[i]);
}
END_TEST

START_TEST(rng_helpers)
{
	struct flt_thread a, b;
	int count[7] = { 0 };

	filter_thread_init(&a, 42);
	filter_thread_init(&b, 42);
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(filter_rand64(&a), filter_rand64(&b));
	for (int i = 0; i < 70000; i++) {
		double u = filter_rand_unit(&a);
		ck_assert(u > 0.0 && u < 1.0);
		uint32_t r = filter_rand_below(&a, 7);
		ck_assert_uint_lt(r, 7);
		count[r]++;
	}
	for (int i = 0; i < 7; i++)
		ck_assert_int_lt(abs(count[i] - 10000), 400);
	ck_assert_uint_eq(filter_rand_below(&a, 1), 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, parse_valid);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, parse_failure_keeps_out);
	suite_add_tcase(s, tc);
	tc = tcase_create("default_and_format");
	tcase_add_test(tc, default_and_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("run");
	tcase_add_test(tc, default_chain_runs);
	tcase_add_test(tc, select_and_limits);
	suite_add_tcase(s, tc);
	tc = tcase_create("helpers");
	tcase_add_test(tc, sort_is_stable);
	tcase_add_test(tc, rng_helpers);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
