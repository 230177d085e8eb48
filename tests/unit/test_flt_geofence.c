/* SPDX-License-Identifier: Apache-2.0 */
/* test_flt_geofence.c — the geofence filter: country, continent, fallbacks */
#include "config.h"

#include "test_flt_common.h"

#include <stdio.h>

static struct fx F;
static char eu_countries[][3] = { "GB", "IE" };
static char eu_continents[][3] = { "EU" };
static char us_countries[][3] = { "US", "CA" };

/* m0 eu-west (GB IE / EU), m1 us-east (US CA), m2 rest (no fence), m3 eu-west. */
static void world(bool with_rest)
{
	fx_init(&F);
	struct region *eu = fx_region(&F, "eu-west", 51.51, -0.13, 100);
	eu->countries = eu_countries;
	eu->ncountries = 2;
	eu->continents = eu_continents;
	eu->ncontinents = 1;
	struct region *us = fx_region(&F, "us-east", 40.71, -74.01, 100);
	us->countries = us_countries;
	us->ncountries = 2;
	struct region *rest = fx_region(&F, "rest", 1.35, 103.82, 100);
	fx_member(&F, eu, 1);
	fx_member(&F, us, 1);
	fx_member(&F, with_rest ? rest : us, 1);
	fx_member(&F, eu, 1);
}

static size_t from(const char *country, const char *continent)
{
	snprintf(F.ctx.client.country, sizeof(F.ctx.client.country), "%s", country);
	snprintf(F.ctx.client.continent, sizeof(F.ctx.client.continent), "%s", continent);
	return fx_run1(&F, "geofence");
}

START_TEST(by_country)
{
	world(true);
	ck_assert_uint_eq(from("GB", "EU"), 2);
	ck_assert_uint_eq(F.m[0]->index, 0);
	ck_assert_uint_eq(F.m[1]->index, 3);
	ck_assert_uint_eq(from("CA", "NA"), 1);
	ck_assert_uint_eq(F.m[0]->index, 1);
	ck_assert_uint_eq(F.thr.stats.geofence_fallback, 0);
}
END_TEST

START_TEST(by_continent)
{
	world(true);
	ck_assert_uint_eq(from("FR", "EU"), 2); /* not listed, but in Europe */
	ck_assert_str_eq(F.m[0]->region->name, "eu-west");
	ck_assert_str_eq(F.m[1]->region->name, "eu-west");
	ck_assert_uint_eq(from("", "EU"), 2); /* continent only */
}
END_TEST

START_TEST(unfenced_fallback)
{
	world(true);
	ck_assert_uint_eq(from("JP", "AS"), 1);
	ck_assert_str_eq(F.m[0]->region->name, "rest");
	ck_assert_uint_eq(from("MX", "NA"), 1); /* NA is not a listed continent */
	ck_assert_str_eq(F.m[0]->region->name, "rest");
	ck_assert_uint_eq(from("", ""), 1); /* unknown client */
	ck_assert_str_eq(F.m[0]->region->name, "rest");
	ck_assert_uint_eq(F.thr.stats.geofence_fallback, 3);
}
END_TEST

START_TEST(all_fenced_fail_open)
{
	world(false);
	ck_assert_uint_eq(from("JP", "AS"), 4);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(F.m[i]->index, i);
	ck_assert_uint_eq(from("US", "NA"), 2);
}
END_TEST

/* A network map pins the client to a region: geofence keeps it whatever the codes say. */
START_TEST(pinned_region)
{
	world(true);
	F.ctx.client.region = &F.regions[1];
	ck_assert_uint_eq(from("GB", "EU"), 3); /* us-east by the map, eu-west by country */
	ck_assert_uint_eq(from("", ""), 1);
	ck_assert_str_eq(F.m[0]->region->name, "us-east");
	ck_assert_uint_eq(F.thr.stats.geofence_fallback, 0);
}
END_TEST

/* A region's asns are a fence like its countries. */
START_TEST(by_asn)
{
	static uint32_t asns[] = {64500};

	world(true);
	F.regions[2].asns = asns;
	F.regions[2].nasns = 1;
	F.ctx.client.asn = 64500;
	ck_assert_uint_eq(from("JP", "AS"), 1);
	ck_assert_str_eq(F.m[0]->region->name, "rest");
	F.ctx.client.asn = 64501; /* rest is fenced now: nothing unfenced left */
	ck_assert_uint_eq(from("JP", "AS"), 4);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("flt_geofence");
	TCase *tc;

	tc = tcase_create("match");
	tcase_add_test(tc, by_country);
	tcase_add_test(tc, by_continent);
	tcase_add_test(tc, pinned_region);
	tcase_add_test(tc, by_asn);
	suite_add_tcase(s, tc);
	tc = tcase_create("fallback");
	tcase_add_test(tc, unfenced_fallback);
	tcase_add_test(tc, all_fenced_fail_open);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
