/* SPDX-License-Identifier: Apache-2.0 */
/* test_flt_nearest.c — the nearest filter: great-circle distance, N regions, bias */
#include "config.h"

#include "test_flt_common.h"

#include <math.h>

static struct fx F;

static const struct {
	const char *name;
	double lat, lon;
} cities[] = {
	{ "eu-west", 51.51, -0.13 },      /* London */
	{ "us-east", 40.71, -74.01 },     /* New York */
	{ "ap-northeast", 35.68, 139.69 }, /* Tokyo */
	{ "eu-central", 50.11, 8.68 },    /* Frankfurt */
	{ "us-west", 37.77, -122.42 },    /* San Francisco */
	{ "sa-east", -23.55, -46.63 },    /* São Paulo */
};
#define NCITIES (sizeof(cities) / sizeof(cities[0]))

/* One member per region, in the table's order, regions[0..nregions). */
static void world(size_t nregions)
{
	fx_init(&F);
	for (size_t i = 0; i < nregions; i++) {
		struct region *r = fx_region(&F, cities[i].name, cities[i].lat, cities[i].lon, 100);
		fx_member(&F, r, 1);
	}
}

static const char *nearest_from(double lat, double lon)
{
	fx_locate(&F, lat, lon);
	ck_assert_uint_eq(fx_run1(&F, "nearest"), 1);
	return F.m[0]->region->name;
}

START_TEST(haversine)
{
	/* Reference great-circle distances (R = 6371 km), within 0.5 %. */
	double d = flt_nearest_distance_km(51.51, -0.13, 40.71, -74.01);
	ck_assert_double_eq_tol(d, 5570, 28);
	d = flt_nearest_distance_km(51.51, -0.13, 50.11, 8.68);
	ck_assert_double_eq_tol(d, 637, 4);
	d = flt_nearest_distance_km(35.68, 139.69, 37.77, -122.42); /* across the date line */
	ck_assert_double_eq_tol(d, 8270, 42);
	ck_assert_double_eq_tol(flt_nearest_distance_km(10, 20, 10, 20), 0, 1e-9);
	d = flt_nearest_distance_km(0, 0, 0, 180); /* antipodes: half the circumference */
	ck_assert(!isnan(d));
	ck_assert_double_eq_tol(d, M_PI * 6371, 1);
}
END_TEST

START_TEST(city_pairs)
{
	/* Two regions first, as in the example config. */
	world(2);
	ck_assert_str_eq(nearest_from(51.5, -0.1), "eu-west");   /* London */
	ck_assert_str_eq(nearest_from(40.7, -74.0), "us-east");  /* New York */
	ck_assert_str_eq(nearest_from(48.86, 2.35), "eu-west");  /* Paris */
	ck_assert_str_eq(nearest_from(41.88, -87.63), "us-east"); /* Chicago */
	/* Tokyo: London is 9 560 km away, New York 10 850 km. */
	ck_assert_str_eq(nearest_from(35.68, 139.69), "eu-west");
}
END_TEST

START_TEST(city_pairs_world)
{
	world(NCITIES);
	ck_assert_str_eq(nearest_from(51.5, -0.1), "eu-west");        /* London */
	ck_assert_str_eq(nearest_from(40.7, -74.0), "us-east");       /* New York */
	ck_assert_str_eq(nearest_from(35.68, 139.69), "ap-northeast"); /* Tokyo */
	ck_assert_str_eq(nearest_from(37.57, 126.98), "ap-northeast"); /* Seoul */
	ck_assert_str_eq(nearest_from(-33.87, 151.21), "ap-northeast"); /* Sydney */
	ck_assert_str_eq(nearest_from(50.11, 8.68), "eu-central");    /* Frankfurt */
	ck_assert_str_eq(nearest_from(52.52, 13.40), "eu-central");   /* Berlin */
	ck_assert_str_eq(nearest_from(48.86, 2.35), "eu-west");       /* Paris */
	ck_assert_str_eq(nearest_from(53.35, -6.26), "eu-west");      /* Dublin */
	ck_assert_str_eq(nearest_from(34.05, -118.24), "us-west");    /* Los Angeles */
	ck_assert_str_eq(nearest_from(-34.60, -58.38), "sa-east");    /* Buenos Aires */
	ck_assert_str_eq(nearest_from(25.76, -80.19), "us-east");     /* Miami */
}
END_TEST

START_TEST(keeps_n_regions)
{
	world(NCITIES);
	/* A second member in eu-west, added last. */
	fx_member(&F, &F.regions[0], 1);
	fx_locate(&F, 51.5, -0.1); /* London: eu-west, then eu-central */
	ck_assert_uint_eq(fx_run1(&F, "nearest:2"), 3);
	ck_assert_str_eq(F.m[0]->region->name, "eu-west");
	ck_assert_uint_eq(F.m[0]->index, 0);
	ck_assert_str_eq(F.m[1]->region->name, "eu-west");
	ck_assert_uint_eq(F.m[1]->index, NCITIES);
	ck_assert_str_eq(F.m[2]->region->name, "eu-central");

	ck_assert_uint_eq(fx_run1(&F, "nearest:3"), 4);
	ck_assert_str_eq(F.m[3]->region->name, "us-east");
	ck_assert_uint_eq(fx_run1(&F, "nearest:64"), NCITIES + 1);
	ck_assert_uint_eq(fx_run1(&F, "nearest:1"), 2);
}
END_TEST

START_TEST(no_location_keeps_all)
{
	world(NCITIES);
	ck_assert(!F.ctx.client.has_location);
	ck_assert_uint_eq(fx_run1(&F, "nearest"), NCITIES);
	for (size_t i = 0; i < NCITIES; i++)
		ck_assert_uint_eq(F.m[i]->index, i);
}
END_TEST

START_TEST(bias_moves_boundary)
{
	/* A client in the mid-Atlantic, somewhat nearer London than New York. */
	const double lat = 47.0, lon = -35.0;

	world(2);
	double d_eu = flt_nearest_distance_km(lat, lon, cities[0].lat, cities[0].lon);
	double d_us = flt_nearest_distance_km(lat, lon, cities[1].lat, cities[1].lon);
	double gap = d_us - d_eu;
	ck_assert_double_gt(gap, 100);
	ck_assert_double_lt(gap, 1500);
	ck_assert_str_eq(nearest_from(lat, lon), "eu-west");

	/* Attract to us-east: a bias just short of the gap does not flip... */
	F.regions[1].bias_km = gap - 50;
	ck_assert_str_eq(nearest_from(lat, lon), "eu-west");
	/* ...just past it does. */
	F.regions[1].bias_km = gap + 50;
	ck_assert_str_eq(nearest_from(lat, lon), "us-east");
	/* A London client stays in eu-west: only the boundary moved. */
	ck_assert_str_eq(nearest_from(51.5, -0.1), "eu-west");

	/* Negative bias repels. */
	F.regions[1].bias_km = 0;
	F.regions[0].bias_km = -(gap + 50);
	ck_assert_str_eq(nearest_from(lat, lon), "us-east");
	F.regions[0].bias_km = -(gap - 50);
	ck_assert_str_eq(nearest_from(lat, lon), "eu-west");
}
END_TEST

START_TEST(drained_region_skipped)
{
	world(NCITIES);
	fx_locate(&F, 51.5, -0.1);
	F.regions[0].weight = 0; /* drain eu-west */
	ck_assert_uint_eq(fx_run1(&F, "nearest"), 1);
	ck_assert_str_eq(F.m[0]->region->name, "eu-central");
	ck_assert_uint_eq(fx_run1(&F, "nearest:2"), 2);
	ck_assert_str_eq(F.m[1]->region->name, "us-east");

	/* Everything drained: distance alone decides again. */
	for (size_t i = 0; i < NCITIES; i++)
		F.regions[i].weight = 0;
	ck_assert_uint_eq(fx_run1(&F, "nearest"), 1);
	ck_assert_str_eq(F.m[0]->region->name, "eu-west");
}
END_TEST

/* A network map entry pins the client to a region: first whatever the distances and biases,
 * the rest by distance from it; drained, it is skipped like any other. */
START_TEST(pinned_region_first)
{
	world(NCITIES);
	fx_locate(&F, F.regions[1].lat, F.regions[1].lon);
	F.ctx.client.region = &F.regions[1];
	F.regions[0].bias_km = 20000; /* would attract anyone */
	ck_assert_uint_eq(fx_run1(&F, "nearest:2"), 2);
	ck_assert_str_eq(F.m[0]->region->name, F.regions[1].name);
	ck_assert_str_eq(F.m[1]->region->name, F.regions[0].name);
	F.regions[1].weight = 0;
	ck_assert_uint_eq(fx_run1(&F, "nearest"), 1);
	ck_assert_str_eq(F.m[0]->region->name, F.regions[0].name);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("flt_nearest");
	TCase *tc;

	tc = tcase_create("distance");
	tcase_add_test(tc, haversine);
	suite_add_tcase(s, tc);
	tc = tcase_create("city_pairs");
	tcase_add_test(tc, city_pairs);
	tcase_add_test(tc, city_pairs_world);
	suite_add_tcase(s, tc);
	tc = tcase_create("n_regions");
	tcase_add_test(tc, keeps_n_regions);
	suite_add_tcase(s, tc);
	tc = tcase_create("no_location");
	tcase_add_test(tc, no_location_keeps_all);
	suite_add_tcase(s, tc);
	tc = tcase_create("bias");
	tcase_add_test(tc, bias_moves_boundary);
	tcase_add_test(tc, pinned_region_first);
	suite_add_tcase(s, tc);
	tc = tcase_create("drain");
	tcase_add_test(tc, drained_region_skipped);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
