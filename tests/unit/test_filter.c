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
	"fastest, sticky, asn, first)"

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
/* eu-west (m0, and m3 drained) and us-east (m1, m2), the default chain, a London client. */
static void london_world(void)
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
}

START_TEST(default_chain_runs)
{
	london_world();

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

/* A trace (gslbctl explain) records what each step got and kept, the drain rule's work
 * between them, and the answer, without changing the outcome. */
START_TEST(trace_records_steps)
{
	static struct flt_trace tr;
	london_world();
	memset(&tr, 0, sizeof(tr));
	F.ctx.trace = &tr;

	ck_assert_uint_eq(fx_run(&F), 1);
	ck_assert_ptr_eq(F.m[0], &F.members[0]);
	ck_assert_uint_eq(tr.nruns, 1);
	const struct flt_trace_run *r = &tr.runs[0];
	ck_assert_uint_eq(r->ncand, 4);
	ck_assert_uint_eq(r->nsteps, 4);
	ck_assert_str_eq(r->steps[0].step->def->name, "up"); /* sees the drained member */
	ck_assert_uint_eq(r->steps[0].nin, 4);
	ck_assert_uint_eq(r->steps[0].nout, 4);
	ck_assert_str_eq(r->steps[1].step->def->name, "nearest");
	ck_assert_uint_eq(r->steps[1].nin, 3); /* the drain rule took m3 */
	ck_assert_uint_eq(r->steps[1].nout, 1);
	ck_assert_ptr_eq(r->steps[1].out[0], &F.members[0]);
	ck_assert_uint_eq(r->nfinal, 1);
	ck_assert_ptr_eq(r->final[0], &F.members[0]);
	ck_assert(r->client.has_location);

	/* runs past FLT_TRACE_RUNS are counted, not written */
	for (int i = 0; i < FLT_TRACE_RUNS; i++)
		fx_run(&F);
	ck_assert_uint_eq(tr.nruns, FLT_TRACE_RUNS);
	ck_assert_uint_eq(tr.dropped, 1);
	F.ctx.trace = NULL;
}
END_TEST

/* m0 is every filter's favourite but drained (weight 0): in eu-west, nearest to the London
 * client, fenced to GB, priority 0, fastest, first in the list. m1 has weight 1 in us-east. */
static char gb[][3] = { "GB" };

static void drain_world(void)
{
	fx_init(&F);
	struct region *eu = fx_region(&F, "eu-west", 51.51, -0.13, 100);
	struct region *us = fx_region(&F, "us-east", 40.71, -74.01, 100);
	eu->countries = gb;
	eu->ncountries = 1;
	fx_member(&F, eu, 0)->priority = 0;
	fx_member(&F, us, 1)->priority = 1;
	member_health_set(&F.health[0], true, true, 0, 1);
	member_health_set(&F.health[1], true, true, 0, 1000);
	fx_locate(&F, 51.5, -0.1);
	memcpy(F.ctx.client.country, "GB", 3);
	memcpy(F.ctx.client.continent, "EU", 3);
}

/* Weight 0 means the same in every filter of the table (a new row is covered as it lands):
 * never answered while a member of positive weight is left; answered once all are drained. */
START_TEST(weight0_every_filter)
{
	for (size_t f = 0; f < filter_table_len; f++) {
		const char *name = filter_table[f].name;
		bool seen0 = false;

		drain_world();
		for (int i = 0; i < 50; i++) {
			size_t n = fx_run1(&F, name);
			ck_assert_msg(n == 1 && F.m[0] == &F.members[1],
				      "%s answered the drained member (n=%zu)", name, n);
		}
		F.members[1].weight = 0; /* everything drained: both may be answered again */
		for (int i = 0; i < 50; i++) {
			size_t n = fx_run1(&F, name);
			ck_assert_uint_ge(n, 1);
			for (size_t j = 0; j < n; j++)
				seen0 |= F.m[j] == &F.members[0];
		}
		ck_assert_msg(seen0, "%s: all drained, the favourite never answered", name);
	}
}
END_TEST

/* "left after the filters before it": up, priority, first:1 answers the priority-1 member of
 * weight 1 over the drained priority-0 one, and the drained one once the other is down. */
START_TEST(weight0_after_up)
{
	const char *names[] = { "up", "priority", "first:1" };

	drain_world();
	fx_chain(&F, names, 3);
	ck_assert_uint_eq(fx_run(&F), 1);
	ck_assert_ptr_eq(F.m[0], &F.members[1]);
	member_health_set(&F.health[1], false, true, 0, 0);
	ck_assert_uint_eq(fx_run(&F), 1);
	ck_assert_ptr_eq(F.m[0], &F.members[0]);
	ck_assert_uint_eq(F.thr.stats.fail_open, 0);
	/* up alone: the answer itself follows the rule */
	const char *up[] = { "up" };
	member_health_set(&F.health[1], true, true, 0, 0);
	fx_chain(&F, up, 1);
	ck_assert_uint_eq(fx_run(&F), 1);
	ck_assert_ptr_eq(F.m[0], &F.members[1]);
}
END_TEST

/* Two regions of two members each; the client's location holds over a /16, its AS network
 * over a /12, and sticky hashes its /24 (loc 28 over a /24 checks that the longest wins). */
static void scope_world(uint8_t loc, uint8_t subnet, bool one_region)
{
	fx_init(&F);
	struct region *eu = fx_region(&F, "eu-west", 51.51, -0.13, 100);
	struct region *us = one_region ? eu : fx_region(&F, "us-east", 40.71, -74.01, 100);
	fx_member(&F, eu, 1);
	fx_member(&F, eu, 1);
	fx_member(&F, us, 1);
	fx_member(&F, us, 1);
	fx_locate(&F, 51.5, -0.1);
	F.ctx.client.loc_prefix = loc;
	F.ctx.client.prefix = subnet;
	F.ctx.client.asn_prefix = 12;
}

static const struct {
	const char *chain[4];
	uint8_t loc, subnet;
	bool one_region;
	uint8_t want;
	const char *why;
} scopes[] = {
	{ { "up", "weighted", "first:1" }, 16, 24, false, 0, "reads nothing of the client" },
	{ { "up", "priority", "round_robin" }, 16, 24, false, 0, "priority, round_robin: no" },
	{ { "random", "least_loaded", "fastest", "first:2" }, 16, 24, false, 0, "load, RTT: no" },
	{ { "up", "nearest", "weighted", "first:1" }, 16, 24, false, 16, "nearest: location" },
	{ { "up", "geofence", "first:1" }, 16, 24, false, 16, "geofence: location" },
	{ { "up", "sticky", "first:1" }, 16, 24, false, 24, "sticky: the hashed subnet" },
	{ { "up", "nearest", "sticky", "first:1" }, 16, 24, false, 24, "longest of both" },
	{ { "up", "nearest", "sticky", "first:1" }, 28, 24, false, 28, "longest of both" },
	{ { "up", "nearest", "weighted", "first:1" }, 16, 24, true, 0, "one region: no choice" },
	{ { "geofence", "nearest:2", "first:1" }, 16, 24, true, 0, "one region: no choice" },
	{ { "up", "first:1", "sticky", "nearest" }, 16, 24, false, 0, "one member left" },
	{ { "up", "nearest", "first:1", "sticky" }, 16, 24, false, 16, "sticky after first:1" },
	{ { "up", "nearest", "sticky" }, 20, 0, false, 20, "sticky over /0" },
	{ { "up", "asn", "first:1" }, 16, 24, false, 12, "asn: the AS network" },
	{ { "up", "geofence", "first:1" }, 8, 24, false, 12, "geofence: location or AS" },
	{ { "up", "asn", "first:1" }, 16, 24, true, 0, "asn, one region: no choice" },
};

/* The ECS scope is the longest prefix a step depended on, per filter combination. */
START_TEST(scope_per_chain)
{
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		size_t n = 0;
		while (n < 4 && scopes[i].chain[n])
			n++;
		scope_world(scopes[i].loc, scopes[i].subnet, scopes[i].one_region);
		fx_chain(&F, scopes[i].chain, n);
		fx_run(&F);
		ck_assert_msg(F.ctx.scope == scopes[i].want, "case %zu (%s): scope %u, want %u", i,
			      scopes[i].why, F.ctx.scope, scopes[i].want);
	}
}
END_TEST

/* Draining leaves the location filter one region: no longer client-dependent. The scope is
 * only raised: a second run (a nested service) keeps the longer. */
START_TEST(scope_after_drain_and_raised_only)
{
	const char *names[] = { "up", "nearest", "weighted", "first:1" };

	scope_world(16, 24, false);
	fx_chain(&F, names, 4);
	F.regions[1].weight = 0;
	fx_run(&F);
	ck_assert_uint_eq(F.ctx.scope, 0);
	F.regions[1].weight = 100;
	fx_run(&F);
	ck_assert_uint_eq(F.ctx.scope, 16);
	F.ctx.client.loc_prefix = 8;
	fx_run(&F);
	ck_assert_uint_eq(F.ctx.scope, 16);
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
	tc = tcase_create("scope");
	tcase_add_test(tc, scope_per_chain);
	tcase_add_test(tc, scope_after_drain_and_raised_only);
	suite_add_tcase(s, tc);
	tc = tcase_create("weight0");
	tcase_add_test(tc, weight0_every_filter);
	tcase_add_test(tc, weight0_after_up);
	tcase_add_test(tc, trace_records_steps);
	suite_add_tcase(s, tc);
	tc = tcase_create("helpers");
	tcase_add_test(tc, sort_is_stable);
	tcase_add_test(tc, rng_helpers);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
