/* SPDX-License-Identifier: Apache-2.0 */
/* test_lookup.c — zone_lookup (exact, ENT, CNAME, wildcard, cut, NXDOMAIN) and zonedb_find */
#include "config.h"

#include "unit.h"

#include "dname.h"
#include "zone.h"

#include <stdlib.h>

#define ZDIR TEST_SRCDIR "/tests/unit/zones/"
#define T_A 1
#define T_NS 2
#define T_CNAME 5
#define T_TXT 16
#define T_DS 43

static struct zone *zone; /* lookup.zone: example.test., with a cut at dev */
static struct zone *sub;  /* sub.zone: sub.example.test., no cuts */

static struct zone *load(const char *origin, const char *file)
{
	char err[512];
	struct zone *z = zone_load(origin, file, err, sizeof(err));

	ck_assert_msg(z != NULL, "%s", err);
	return z;
}

static void setup(void)
{
	zone = load("example.test.", ZDIR "lookup.zone");
	sub = load("sub.example.test.", ZDIR "sub.zone");
}

static void teardown(void)
{
	zone_free(zone);
	zone_free(sub);
	zone = sub = NULL;
}

static void name(const char *str, uint8_t *wire)
{
	ck_assert_int_gt(dname_from_str(str, wire), 0);
}

/* Looks qname up and checks the kind and the node's name. */
static struct lookup_result lookup(const struct zone *z, const char *qname, uint16_t qtype,
				   enum lookup_kind kind, const char *node)
{
	uint8_t q[DNAME_MAXLEN], n[DNAME_MAXLEN];
	struct lookup_result res = { .kind = 99 };

	name(qname, q);
	name(node, n);
	zone_lookup(z, q, qtype, &res);
	ck_assert_msg(res.kind == kind, "%s: kind %d, want %d", qname, res.kind, kind);
	ck_assert_ptr_nonnull(res.node);
	ck_assert_msg(dname_equal(res.node->name, n), "%s: wrong node", qname);
	return res;
}

START_TEST(exact)
{
	struct lookup_result r;

	r = lookup(zone, "www.example.test.", T_A, LOOKUP_ANSWER, "www.example.test.");
	ck_assert(!r.wildcard);
	ck_assert_ptr_nonnull(node_rrset(r.node, T_A));
	ck_assert_ptr_null(node_rrset(r.node, T_TXT)); /* NODATA */
	r = lookup(zone, "example.test.", T_NS, LOOKUP_ANSWER, "example.test.");
	ck_assert(r.node->flags & NODE_APEX);
	r = lookup(sub, "www.sub.example.test.", T_A, LOOKUP_ANSWER, "www.sub.example.test.");
	ck_assert(!r.wildcard);
}
END_TEST

START_TEST(ent)
{
	struct lookup_result r;

	r = lookup(zone, "y.ent.example.test.", T_A, LOOKUP_ANSWER, "y.ent.example.test.");
	ck_assert(r.node->flags & NODE_ENT);
	ck_assert_uint_eq(r.node->nrrsets, 0);
	lookup(zone, "ent.example.test.", T_A, LOOKUP_ANSWER, "ent.example.test.");
	lookup(sub, "b.sub.example.test.", T_A, LOOKUP_ANSWER, "b.sub.example.test.");
}
END_TEST

START_TEST(cname)
{
	struct lookup_result r;

	r = lookup(zone, "alias.example.test.", T_A, LOOKUP_ANSWER, "alias.example.test.");
	ck_assert_ptr_nonnull(node_rrset(r.node, T_CNAME));
	ck_assert_ptr_null(node_rrset(r.node, T_A));
}
END_TEST

START_TEST(wildcard)
{
	struct lookup_result r;

	r = lookup(zone, "foo.apps.example.test.", T_A, LOOKUP_ANSWER, "*.apps.example.test.");
	ck_assert(r.wildcard);
	ck_assert_ptr_nonnull(node_rrset(r.node, T_TXT));
	/* RFC 4592: the wildcard covers several labels below the closest encloser. */
	r = lookup(zone, "x.y.apps.example.test.", T_A, LOOKUP_ANSWER, "*.apps.example.test.");
	ck_assert(r.wildcard);
	/* The literal "*" is an exact match. */
	r = lookup(zone, "*.apps.example.test.", T_A, LOOKUP_ANSWER, "*.apps.example.test.");
	ck_assert(!r.wildcard);
	/* An existing name blocks the wildcard, for itself and below it. */
	r = lookup(zone, "b.apps.example.test.", T_A, LOOKUP_ANSWER, "b.apps.example.test.");
	ck_assert(!r.wildcard);
	lookup(zone, "a.b.apps.example.test.", T_A, LOOKUP_NXDOMAIN, "b.apps.example.test.");
	/* *.apps does not match apps itself: an empty non-terminal, NODATA. */
	r = lookup(zone, "apps.example.test.", T_A, LOOKUP_ANSWER, "apps.example.test.");
	ck_assert(!r.wildcard);
	ck_assert_uint_eq(r.node->flags, NODE_ENT | NODE_HAS_WILDCARD);
	/* Zone without cuts: a wildcard at the apex. */
	r = lookup(sub, "x.y.sub.example.test.", T_A, LOOKUP_ANSWER, "*.sub.example.test.");
	ck_assert(r.wildcard);
	lookup(sub, "x.b.sub.example.test.", T_A, LOOKUP_NXDOMAIN, "b.sub.example.test.");
}
END_TEST

START_TEST(delegation)
{
	struct lookup_result r;

	r = lookup(zone, "www.dev.example.test.", T_A, LOOKUP_DELEGATION, "dev.example.test.");
	ck_assert(r.node->flags & NODE_DELEGATION);
	lookup(zone, "a.b.c.dev.example.test.", T_A, LOOKUP_DELEGATION, "dev.example.test.");
	lookup(zone, "dev.example.test.", T_A, LOOKUP_DELEGATION, "dev.example.test.");
	lookup(zone, "dev.example.test.", T_NS, LOOKUP_DELEGATION, "dev.example.test.");
	/* Glue is never answered: the child owns the name. */
	lookup(zone, "ns1.dev.example.test.", T_A, LOOKUP_DELEGATION, "dev.example.test.");
	/* DS at the cut belongs to the parent; below it, to the child. */
	r = lookup(zone, "dev.example.test.", T_DS, LOOKUP_ANSWER, "dev.example.test.");
	ck_assert_ptr_nonnull(node_rrset(r.node, T_DS));
	lookup(zone, "x.dev.example.test.", T_DS, LOOKUP_DELEGATION, "dev.example.test.");
	/* Names beside the cut are unaffected. */
	lookup(zone, "www.example.test.", T_A, LOOKUP_ANSWER, "www.example.test.");
}
END_TEST

START_TEST(nxdomain)
{
	lookup(zone, "nope.example.test.", T_A, LOOKUP_NXDOMAIN, "example.test.");
	lookup(zone, "a.b.nope.example.test.", T_A, LOOKUP_NXDOMAIN, "example.test.");
	lookup(zone, "q.x.y.ent.example.test.", T_A, LOOKUP_NXDOMAIN, "x.y.ent.example.test.");
	lookup(zone, "q.www.example.test.", T_A, LOOKUP_NXDOMAIN, "www.example.test.");
	lookup(sub, "q.www.sub.example.test.", T_A, LOOKUP_NXDOMAIN, "www.sub.example.test.");
}
END_TEST

static const struct zone *dbfind(const struct zonedb *db, const char *str)
{
	uint8_t n[DNAME_MAXLEN];

	name(str, n);
	return zonedb_find(db, n);
}

START_TEST(zonedb_longest)
{
	struct zone **zones = calloc(3, sizeof(*zones));
	struct zonedb *db;
	struct zone *test, *s, *org;

	ck_assert_ptr_nonnull(zones);
	test = zones[0] = load("example.test.", ZDIR "lookup.zone");
	s = zones[1] = load("sub.example.test.", ZDIR "sub.zone");
	org = zones[2] = load("example.org.", ZDIR "good.zone");
	db = zonedb_new(zones, 3);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(db->max_apex_labels, 3);

	ck_assert_ptr_eq(dbfind(db, "example.test."), test);
	ck_assert_ptr_eq(dbfind(db, "www.example.test."), test);
	ck_assert_ptr_eq(dbfind(db, "sub.example.test."), s);
	ck_assert_ptr_eq(dbfind(db, "www.sub.example.test."), s);
	ck_assert_ptr_eq(dbfind(db, "a.b.c.d.e.f.www.sub.example.test."), s);
	ck_assert_ptr_eq(dbfind(db, "xsub.example.test."), test);
	ck_assert_ptr_eq(dbfind(db, "www.example.org."), org);
	ck_assert_ptr_null(dbfind(db, "test."));
	ck_assert_ptr_null(dbfind(db, "."));
	ck_assert_ptr_null(dbfind(db, "example.net."));
	ck_assert_ptr_null(dbfind(db, "sub.example.net."));
	zonedb_free(db);
	zonedb_free(NULL);
}
END_TEST

START_TEST(zonedb_empty)
{
	struct zonedb *db = zonedb_new(NULL, 0);

	ck_assert_ptr_nonnull(db);
	ck_assert_ptr_null(dbfind(db, "example.test."));
	zonedb_free(db);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("lookup");
	TCase *tc;

#define CASE(fn)                                                                                   \
	tc = tcase_create(#fn);                                                                    \
	tcase_add_checked_fixture(tc, setup, teardown);                                            \
	tcase_add_test(tc, fn);                                                                    \
	suite_add_tcase(s, tc)
	CASE(exact);
	CASE(ent);
	CASE(cname);
	CASE(wildcard);
	CASE(delegation);
	CASE(nxdomain);
#undef CASE
	tc = tcase_create("zonedb");
	tcase_add_test(tc, zonedb_longest);
	tcase_add_test(tc, zonedb_empty);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
