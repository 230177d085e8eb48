/* SPDX-License-Identifier: Apache-2.0 */
/* test_flt_least_loaded.c — the least_loaded filter: shedding between the load watermarks */
#include "config.h"

#include "test_flt_common.h"

#include <math.h>

#define DRAWS 100000

static struct fx F;

/* Sets member i's load (fresh unless UNKNOWN; up either way). */
static void set(int i, uint32_t v)
{
	bool fresh = v != MEMBER_LOAD_UNKNOWN;

	member_health_set(&F.health[i], true, fresh, v, 50);
}

/* n members of weights w[] (region weight 100) with loads v[]; watermarks left at 0/0, which
 * the filter reads as the defaults 700/900. */
static void setup(const uint32_t *w, const uint32_t *v, int n)
{
	fx_init(&F);
	struct region *r = fx_region(&F, "eu-west", 51.51, -0.13, 100);
	for (int i = 0; i < n; i++) {
		fx_member(&F, r, w[i]);
		set(i, v[i]);
	}
}

static void watermarks(int i, uint32_t lo, uint32_t hi)
{
	F.members[i].load_low = lo;
	F.members[i].load_high = hi;
}

/* Runs chain DRAWS times and stores how often each member came first, as a fraction. */
static void shares(const char *const *chain, size_t nsteps, double *out)
{
	unsigned long cnt[FLT_MAX_MEMBERS] = { 0 };

	fx_chain(&F, chain, nsteps);
	for (int d = 0; d < DRAWS; d++) {
		size_t k = fx_run(&F);
		ck_assert_uint_ge(k, 1);
		cnt[F.m[0]->index]++;
	}
	for (size_t i = 0; i < F.nmembers; i++)
		out[i] = (double)cnt[i] / DRAWS;
}

/* Within 2 % of want (relative), or 0.002 absolute for tiny shares. */
static void near(double got, double want, size_t i, const char *what)
{
	double tol = fmax(0.02 * want, 0.002);

	ck_assert_msg(fabs(got - want) <= tol, "%s: member %zu share %.4f, want %.4f", what, i, got,
		      want);
}

static const char *const alone[] = { "least_loaded", "first:1" };
static const char *const then_weighted[] = { "least_loaded", "weighted", "first:1" };

START_TEST(below_low_by_weight)
{
	/* Idle, just below the default low, at low exactly, and unknown: all full shares. */
	const uint32_t w[] = { 1, 2, 3, 4 };
	const uint32_t v[] = { 0, 699, 700, MEMBER_LOAD_UNKNOWN };
	double s[4];

	setup(w, v, 4);
	shares(alone, 2, s);
	for (size_t i = 0; i < 4; i++)
		near(s[i], w[i] / 10.0, i, "alone");
	shares(then_weighted, 3, s);
	for (size_t i = 0; i < 4; i++)
		near(s[i], w[i] / 10.0, i, "then weighted");
	/* Nothing is dropped below low. */
	ck_assert_uint_eq(fx_run1(&F, "least_loaded"), 4);
}
END_TEST

/* Member 0 (weight 1) at 25/50/75 % of its band 600..1000, the others (weights 1, 2) idle:
 * member 0's share is f × 1/4 with f = 0.75, 0.5, 0.25, the rest split by weight. */
START_TEST(band_linear)
{
	const uint32_t w[] = { 1, 1, 2 };
	const uint32_t v[] = { 0, 100, 200 };
	const uint32_t load[] = { 700, 800, 900 };
	const double f[] = { 0.75, 0.5, 0.25 };
	double s[3];

	setup(w, v, 3);
	watermarks(0, 600, 1000);
	for (size_t t = 0; t < 3; t++) {
		double s0 = f[t] / 4;
		set(0, load[t]);
		for (int c = 0; c < 2; c++) {
			if (c == 0)
				shares(alone, 2, s);
			else
				shares(then_weighted, 3, s);
			near(s[0], s0, 0, c ? "then weighted" : "alone");
			near(s[1], (1 - s0) / 3, 1, c ? "then weighted" : "alone");
			near(s[2], (1 - s0) * 2 / 3, 2, c ? "then weighted" : "alone");
		}
	}
}
END_TEST

/* Default watermarks 700/900: 800 is half the band. */
START_TEST(band_defaults)
{
	const uint32_t w[] = { 1, 1 };
	const uint32_t v[] = { 800, 10 };
	double s[2];

	setup(w, v, 2);
	shares(alone, 2, s);
	near(s[0], 0.25, 0, "default band");
	near(s[1], 0.75, 1, "default band");
}
END_TEST

/* Above high: never in the output while any member has a share left, whatever the weights. */
START_TEST(above_high_shed)
{
	const uint32_t w[] = { 100, 1, 1 };
	const uint32_t v[] = { 950, 100, 850 };

	setup(w, v, 3);
	for (int d = 0; d < 10000; d++) {
		size_t k = fx_run1(&F, "least_loaded");
		bool saw1 = false;
		ck_assert_uint_ge(k, 1);
		for (size_t i = 0; i < k; i++) {
			ck_assert_uint_ne(F.m[i]->index, 0);
			saw1 |= F.m[i]->index == 1;
		}
		ck_assert(saw1); /* below low: always kept */
	}
	/* Exactly at high is none too; one permille below it is a sliver. */
	set(0, 900);
	for (int d = 0; d < 1000; d++) {
		size_t k = fx_run1(&F, "least_loaded");
		for (size_t i = 0; i < k; i++)
			ck_assert_uint_ne(F.m[i]->index, 0);
	}
	set(0, 899);
	set(2, 950);
	double s[3];
	shares(alone, 2, s);
	near(s[0], 0.005 * 100 / 101, 0, "sliver");
	ck_assert(s[2] == 0.0);
}
END_TEST

/* Everyone above high: nobody is cut, least loaded first, ties keep order. */
START_TEST(all_above_high)
{
	const uint32_t w[] = { 1, 1, 1, 1, 1 };
	const uint32_t v[] = { 1200, 950, 901, 3000, 950 };
	const uint32_t want[] = { 2, 1, 4, 0, 3 };

	setup(w, v, 5);
	watermarks(3, 100, 2000); /* per member: 3000 is above its own high too */
	ck_assert_uint_eq(fx_run1(&F, "least_loaded"), 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert_msg(F.m[i]->index == want[i], "position %zu: member %u, want %u", i,
			      F.m[i]->index, want[i]);
}
END_TEST

/* Per-member watermarks: the same load is full share for one and none for another. */
START_TEST(per_member)
{
	const uint32_t w[] = { 1, 1 };
	const uint32_t v[] = { 500, 500 };

	setup(w, v, 2);
	watermarks(0, 300, 400);
	watermarks(1, 600, 800);
	for (int d = 0; d < 1000; d++) {
		ck_assert_uint_eq(fx_run1(&F, "least_loaded"), 1);
		ck_assert_uint_eq(F.m[0]->index, 1);
	}
}
END_TEST

/* Unknown load (never reported, stale, or no health array) is a full share. */
START_TEST(unknown_full_share)
{
	const uint32_t w[] = { 1, 1, 2 };
	const uint32_t v[] = { MEMBER_LOAD_UNKNOWN, 0, 500 };
	double s[3];

	setup(w, v, 3);
	shares(alone, 2, s);
	near(s[0], 0.25, 0, "unknown");
	near(s[1], 0.25, 1, "unknown");
	near(s[2], 0.5, 2, "unknown");
	/* Stale: an old overload no longer counts. */
	set(2, 5000);
	atomic_store(&F.health[2].fresh, false);
	shares(alone, 2, s);
	near(s[2], 0.5, 2, "stale");
	set(2, 5000);
	F.ctx.health = NULL;
	shares(alone, 2, s);
	near(s[2], 0.5, 2, "no health");
}
END_TEST

/* Everyone in the band: the draw may keep nobody, and then every member with a share left is
 * kept, ordered by weight × f. Member 0 (f 0.5) is first with probability
 * P(only 0) + P(both) / 2 + P(neither) × 0.5 / 0.75 = 0.375 + 0.0625 + 0.25 = 0.6875. */
START_TEST(all_in_band)
{
	const uint32_t w[] = { 1, 1 };
	const uint32_t v[] = { 800, 850 };
	double s[2];

	setup(w, v, 2);
	shares(alone, 2, s);
	near(s[0], 0.6875, 0, "all in band");
	near(s[1], 0.3125, 1, "all in band");
}
END_TEST

/* A member of weight 0 is never first while a weighted member has a share left, even when the
 * draw dropped that one. */
START_TEST(weight_zero_last)
{
	const uint32_t w[] = { 0, 1 };
	const uint32_t v[] = { 0, 800 };

	setup(w, v, 2);
	for (int d = 0; d < 10000; d++) {
		ck_assert_uint_ge(fx_run1(&F, "least_loaded"), 1);
		ck_assert_uint_eq(F.m[0]->index, 1);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("flt_least_loaded");
	TCase *tc;

	tc = tcase_create("below_low");
	tcase_add_test(tc, below_low_by_weight);
	suite_add_tcase(s, tc);
	tc = tcase_create("band");
	tcase_add_test(tc, band_linear);
	tcase_add_test(tc, band_defaults);
	tcase_add_test(tc, per_member);
	suite_add_tcase(s, tc);
	tc = tcase_create("above_high");
	tcase_add_test(tc, above_high_shed);
	tcase_add_test(tc, all_above_high);
	suite_add_tcase(s, tc);
	tc = tcase_create("unknown");
	tcase_add_test(tc, unknown_full_share);
	suite_add_tcase(s, tc);
	tc = tcase_create("never_empty");
	tcase_add_test(tc, all_in_band);
	tcase_add_test(tc, weight_zero_last);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
