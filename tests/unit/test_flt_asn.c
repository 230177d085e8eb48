/* SPDX-License-Identifier: Apache-2.0 */
/* test_flt_asn.c — the asn filter: listed AS numbers, the unlisted fallback, fail open */
#include "config.h"

#include "test_flt_common.h"

static struct fx F;
static uint32_t cdn_asns[] = {13335, 15169, 4200000000u}; /* sorted, as the loader keeps them */
static uint32_t isp_asns[] = {3320};

/* m0 cdn (13335 15169 4200000000), m1 isp (3320), m2 rest (no list), m3 cdn. */
static void world(bool with_rest)
{
	fx_init(&F);
	struct region *cdn = fx_region(&F, "cdn", 50.11, 8.68, 100);
	cdn->asns = cdn_asns;
	cdn->nasns = 3;
	struct region *isp = fx_region(&F, "isp", 52.52, 13.40, 100);
	isp->asns = isp_asns;
	isp->nasns = 1;
	struct region *rest = fx_region(&F, "rest", 1.35, 103.82, 100);
	fx_member(&F, cdn, 1);
	fx_member(&F, isp, 1);
	fx_member(&F, with_rest ? rest : isp, 1);
	fx_member(&F, cdn, 1);
}

static size_t from(uint32_t asn)
{
	F.ctx.client.asn = asn;
	return fx_run1(&F, "asn");
}

START_TEST(listed)
{
	world(true);
	ck_assert_uint_eq(from(15169), 2);
	ck_assert_uint_eq(F.m[0]->index, 0);
	ck_assert_uint_eq(F.m[1]->index, 3);
	ck_assert_uint_eq(from(4200000000u), 2); /* 32-bit AS numbers */
	ck_assert_uint_eq(from(3320), 1);
	ck_assert_str_eq(F.m[0]->region->name, "isp");
	ck_assert(flt_asn_listed(&F.regions[0], 13335));
	ck_assert(!flt_asn_listed(&F.regions[0], 13336));
	ck_assert(!flt_asn_listed(&F.regions[2], 13335));
}
END_TEST

START_TEST(unlisted_goes_to_rest)
{
	world(true);
	ck_assert_uint_eq(from(64500), 1);
	ck_assert_str_eq(F.m[0]->region->name, "rest");
	ck_assert_uint_eq(from(0), 1); /* no ASN database, or the address is not in it */
	ck_assert_str_eq(F.m[0]->region->name, "rest");
}
END_TEST

START_TEST(all_listed_fail_open)
{
	world(false);
	ck_assert_uint_eq(from(64500), 4);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(F.m[i]->index, i);
}
END_TEST

UNIT_SUITE("flt_asn", {"listed", listed}, {"unlisted_goes_to_rest", unlisted_goes_to_rest},
	   {"all_listed_fail_open", all_listed_fail_open})
