/* SPDX-License-Identifier: Apache-2.0 */
/* test_zone.c — zone loading: record types, directives, RRsets and load-time errors */
#include "config.h"

#include "unit.h"

#include "dname.h"
#include "zone.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ZDIR TEST_SRCDIR "/tests/unit/zones/"

static struct zone *load(const char *origin, const char *file, char *err, size_t errlen)
{
	return zone_load(origin, file, err, errlen);
}

static const struct zone_node *find(const struct zone *z, const char *name)
{
	uint8_t wire[DNAME_MAXLEN];

	ck_assert_int_gt(dname_from_str(name, wire), 0);
	return zone_find(z, wire);
}

static const struct rrset *rrset(const struct zone *z, const char *name, uint16_t type)
{
	const struct zone_node *n = find(z, name);

	ck_assert_msg(n != NULL, "no node %s", name);
	return node_rrset(n, type);
}

static void assert_rdata(const struct rrset *rs, const uint8_t *want, size_t len)
{
	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(rs->rdata_len, len);
	ck_assert_mem_eq(rs->rdata, want, len);
}

START_TEST(good_types)
{
	char err[512];
	struct zone *z = load("example.org", ZDIR "good.zone", err, sizeof(err));
	const struct rrset *rs;

	ck_assert_msg(z != NULL, "%s", err);
	ck_assert_str_eq(z->name, "example.org.");
	ck_assert_str_eq(z->file, ZDIR "good.zone");
	/* 13 owners + ENTs c, b.c, _tcp, other */
	ck_assert_uint_eq(z->nnodes, 17);

	static const uint8_t a[] = { 0, 4, 192, 0, 2, 10, 0, 4, 192, 0, 2, 11 };
	rs = rrset(z, "www.example.org.", 1);
	assert_rdata(rs, a, sizeof(a));
	ck_assert_uint_eq(rs->count, 2); /* the duplicate is gone */
	ck_assert_uint_eq(rs->ttl, 60);  /* the smallest TTL of the set */

	static const uint8_t mx[] = { 0, 20, 0, 10, 4, 'm', 'a', 'i', 'l', 7, 'e', 'x', 'a', 'm',
				      'p', 'l', 'e', 3, 'o', 'r', 'g', 0 };
	assert_rdata(rrset(z, "example.org.", 15), mx, sizeof(mx));

	static const uint8_t txt[] = { 0, 19, 11, 'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r',
				       'l', 'd', 6, 's', 'e', 'c', 'o', 'n', 'd' };
	assert_rdata(rrset(z, "txt.example.org.", 16), txt, sizeof(txt));

	static const uint8_t unknown[] = { 0, 4, 0x0a, 0x0b, 0x0c, 0x0d };
	assert_rdata(rrset(z, "unknown.example.org.", 65534), unknown, sizeof(unknown));

	static const uint8_t srv[] = { 0, 23, 0, 10, 0, 20, 0x13, 0xc4, 3, 's', 'i', 'p', 7, 'e',
				       'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0 };
	assert_rdata(rrset(z, "_sip._tcp.example.org.", 33), srv, sizeof(srv));

	ck_assert_ptr_nonnull(rrset(z, "example.org.", 257));    /* CAA */
	ck_assert_ptr_nonnull(rrset(z, "host.example.org.", 13)); /* HINFO */
	rs = rrset(z, "host.example.org.", 44);                  /* SSHFP */
	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(rs->rdata_len, 2 + 2 + 20);
	ck_assert_uint_eq(rrset(z, "example.org.", 2)->count, 2);
	/* The upper-case owner was folded into www. */
	ck_assert_ptr_nonnull(rrset(z, "www.example.org.", 28));
	zone_free(z);
}
END_TEST

START_TEST(good_structure)
{
	char err[512];
	struct zone *z = load("example.org.", ZDIR "good.zone", err, sizeof(err));
	const struct zone_node *n;
	size_t i;

	ck_assert_msg(z != NULL, "%s", err);
	ck_assert_ptr_eq(z->apex_node, find(z, "example.org."));
	ck_assert_uint_eq(z->apex_node->flags, NODE_APEX);
	ck_assert_ptr_eq(z->soa, node_rrset(z->apex_node, 6));
	ck_assert_uint_eq(z->soa->ttl, 300);
	ck_assert_uint_eq(z->neg_ttl, 300); /* min(SOA TTL 300, MINIMUM 600) */
	ck_assert(!z->has_delegations);
	for (i = 1; i < z->apex_node->nrrsets; i++)
		ck_assert_uint_lt(z->apex_node->rrsets[i - 1].type, z->apex_node->rrsets[i].type);

	n = find(z, "b.c.example.org.");
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(n->flags, NODE_ENT);
	ck_assert_uint_eq(n->nrrsets, 0);
	ck_assert_uint_eq(find(z, "c.example.org.")->flags, NODE_ENT);
	ck_assert_uint_eq(find(z, "_tcp.example.org.")->flags, NODE_ENT);
	ck_assert_ptr_null(find(z, "nope.example.org."));
	ck_assert_ptr_null(node_rrset(find(z, "www.example.org."), 16));

	/* The hash finds every node. */
	for (i = 0; i < z->nnodes; i++)
		ck_assert_ptr_eq(zone_find(z, z->nodes[i].name), &z->nodes[i]);
	ck_assert_uint_ge(z->nslots, 2 * z->nnodes);
	ck_assert_uint_eq(z->nslots & (z->nslots - 1), 0);
	zone_free(z);
}
END_TEST

START_TEST(directives)
{
	char err[512];
	struct zone *z = load("example.org.", ZDIR "good.zone", err, sizeof(err));
	const struct rrset *rs;

	ck_assert_msg(z != NULL, "%s", err);
	/* $INCLUDE inc/sub.inc sub: the origin argument and the file's own $TTL. */
	rs = rrset(z, "sub.example.org.", 1);
	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(rs->ttl, 86400);
	ck_assert_ptr_nonnull(rrset(z, "host.sub.example.org.", 1));
	/* After the include the including file's origin and $TTL apply again. */
	rs = rrset(z, "after.example.org.", 1);
	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(rs->ttl, 300);
	/* $ORIGIN */
	ck_assert_ptr_nonnull(rrset(z, "x.other.example.org.", 1));
	zone_free(z);
}
END_TEST

START_TEST(demo_zone)
{
	char err[512];
	struct zone *z = load("example.com.", TEST_SRCDIR "/zones/example.com.zone", err,
			      sizeof(err));

	ck_assert_msg(z != NULL, "%s", err);
	ck_assert(z->has_delegations);
	ck_assert_uint_eq(find(z, "dev.example.com.")->flags, NODE_DELEGATION);
	ck_assert_uint_eq(find(z, "ns1.dev.example.com.")->flags, NODE_GLUE);
	ck_assert_uint_eq(find(z, "apps.example.com.")->flags, NODE_ENT | NODE_HAS_WILDCARD);
	ck_assert_uint_eq(z->neg_ttl, 300);
	zone_free(z);
}
END_TEST

struct bad {
	const char *file;
	const char *msg; /* after "DIR/file:" */
};

static const struct bad bad_zones[] = {
	{ "nosoa.zone", " SOA: no SOA at the apex example.org." }, /* no line: the whole file */
	{ "soa_not_apex.zone", "4: sub.example.org. SOA: SOA not at the apex example.org." },
	{ "two_soa.zone", "4: example.org. SOA: more than one SOA" },
	{ "nons.zone", "2: example.org. NS: no NS at the apex" },
	{ "outside.zone", "4: www.example.net. A: owner outside the zone example.org." },
	/* the scanner knows IN only: "CH" reads as an RR type */
	{ "class.zone", "4: syntax: unsupported record type" },
	{ "cname.zone", "5: www.example.org. CNAME: CNAME and other data at the same name" },
	{ "cname2.zone", "6: www.example.org. CNAME: more than one CNAME at the same name" },
	{ "glue.zone", "5: dev.example.org. NS: missing glue for ns1.dev.example.org." },
	{ "occluded.zone",
	  "7: www.dev.example.org. TXT: occluded by the zone cut at dev.example.org." },
	{ "occluded_cut.zone",
	  "6: dev.example.org. MX: occluded by the zone cut at dev.example.org." },
	{ "syntax.zone", "7: syntax: invalid IPv4 address" },
	{ "directive.zone", "2: syntax: invalid directive" },
	/* RFC 1035 leaves it open; NSD and Knot refuse a relative one too */
	{ "include_relative.zone", "3: syntax: invalid origin in include directive" },
	{ "include_missing.zone",
	  "3: $INCLUDE: cannot open " ZDIR "inc/nonexistent.inc: No such file or directory" },
};

START_TEST(errors)
{
	const struct bad *b = &bad_zones[_i];
	char path[512], want[1024], err[1024];
	struct zone *z;

	snprintf(path, sizeof(path), ZDIR "%s", b->file);
	snprintf(want, sizeof(want), "%s:%s", path, b->msg); /* "file:line: ..." or "file: ..." */
	z = load("example.org.", path, err, sizeof(err));
	ck_assert_ptr_null(z);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(missing_file)
{
	char err[512];

	ck_assert_ptr_null(load("example.org.", ZDIR "absent.zone", err, sizeof(err)));
	ck_assert_str_eq(err, ZDIR "absent.zone: file: cannot open: No such file or directory");
}
END_TEST

START_TEST(include_loop)
{
	char err[1024];

	ck_assert_ptr_null(load("example.org.", ZDIR "loop.zone", err, sizeof(err)));
	ck_assert_str_eq(err, ZDIR "inc/loop.inc:2: $INCLUDE: include loop: " ZDIR
				   "inc/../loop.zone");
}
END_TEST

START_TEST(short_err_buffer)
{
	char err[8];

	ck_assert_ptr_null(load("example.org.", ZDIR "nosoa.zone", err, sizeof(err)));
	ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
	ck_assert_ptr_null(load("example.org.", ZDIR "nosoa.zone", NULL, 0));
}
END_TEST

/* zone_attach_service: existing names, new names with their empty non-terminals, errors;
 * all in a view, the loaded zone untouched. */
START_TEST(attach_service)
{
	char err[512];
	struct zone *z = load("example.com.", TEST_SRCDIR "/zones/example.com.zone", err,
			      sizeof(err));
	struct zone *v;
	uint8_t w[DNAME_MAXLEN];
	const struct service *s1 = (const struct service *)&err[0]; /* only compared */
	const struct service *s2 = (const struct service *)&err[1];
	struct lookup_result res;
	size_t before;

	ck_assert_msg(z != NULL, "%s", err);
	before = z->nnodes;
	ck_assert_int_gt(dname_from_str("apps.example.com", w), 0);
	ck_assert_int_eq(zone_attach_service(z, w, s1), -EINVAL); /* not a view */
	v = zone_view_new(z);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(z->refs, 1);
	/* an existing empty non-terminal turns into a plain node */
	ck_assert_int_eq(zone_attach_service(v, w, s1), 0);
	ck_assert_ptr_eq(find(v, "apps.example.com.")->service, s1);
	ck_assert_uint_eq(find(v, "apps.example.com.")->flags, NODE_HAS_WILDCARD);
	ck_assert_ptr_null(find(z, "apps.example.com.")->service);
	ck_assert_uint_eq(find(z, "apps.example.com.")->flags, NODE_ENT | NODE_HAS_WILDCARD);
	ck_assert_int_eq(zone_attach_service(v, w, s2), -EEXIST);

	/* a new name three labels below the closest existing one */
	ck_assert_int_gt(dname_from_str("x.y.z.example.com", w), 0);
	ck_assert_int_eq(zone_attach_service(v, w, s2), 0);
	ck_assert_ptr_eq(find(v, "x.y.z.example.com.")->service, s2);
	ck_assert_uint_eq(find(v, "x.y.z.example.com.")->flags, 0);
	ck_assert_uint_eq(find(v, "y.z.example.com.")->flags, NODE_ENT);
	ck_assert_uint_eq(find(v, "z.example.com.")->flags, NODE_ENT);
	ck_assert_ptr_eq(v->apex_node, find(v, "example.com."));
	ck_assert_ptr_null(find(z, "x.y.z.example.com."));
	ck_assert_ptr_null(find(z, "z.example.com."));
	ck_assert_uint_eq(z->nnodes, before);
	zone_lookup(v, w, 1, &res);
	ck_assert_int_eq(res.kind, LOOKUP_ANSWER);
	ck_assert_ptr_eq(res.node->service, s2);
	zone_lookup(z, w, 1, &res);
	ck_assert_int_eq(res.kind, LOOKUP_NXDOMAIN);
	/* the loaded zone's names are found through the view */
	ck_assert_ptr_nonnull(rrset(v, "www.example.com.", 1));
	ck_assert_ptr_nonnull(rrset(v, "ns1.dev.example.com.", 1));
	ck_assert_int_gt(dname_from_str("a.b.apps.example.com", w), 0);
	zone_lookup(v, w, 1, &res);
	ck_assert(res.wildcard);

	/* at or below a cut, outside the zone, a wildcard */
	ck_assert_int_gt(dname_from_str("dev.example.com", w), 0);
	ck_assert_int_eq(zone_attach_service(v, w, s1), -EINVAL);
	ck_assert_int_gt(dname_from_str("new.ns1.dev.example.com", w), 0);
	ck_assert_int_eq(zone_attach_service(v, w, s1), -EINVAL);
	ck_assert_int_gt(dname_from_str("www.example.org", w), 0);
	ck_assert_int_eq(zone_attach_service(v, w, s1), -EINVAL);
	ck_assert_int_gt(dname_from_str("*.q.example.com", w), 0);
	ck_assert_int_eq(zone_attach_service(v, w, s1), -EINVAL);
	zone_free(v); /* and z, which only v held */
}
END_TEST

/* Two views share one loaded zone, which lives until the last is freed; each has its own
 * services, and many attach in time linear in their number. */
START_TEST(views_share)
{
	char err[512], name[64];
	struct zone *z = load("example.com.", TEST_SRCDIR "/zones/example.com.zone", err,
			      sizeof(err));
	struct zone *a, *b;
	uint8_t w[DNAME_MAXLEN];
	const struct service *s1 = (const struct service *)&err[0];

	ck_assert_msg(z != NULL, "%s", err);
	a = zone_view_new(z);
	b = zone_view_new(z);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_null(zone_view_new(a)); /* a view of a view */
	ck_assert_uint_eq(z->refs, 2);
	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "s%d.svc.example.com", i);
		ck_assert_int_gt(dname_from_str(name, w), 0);
		ck_assert_int_eq(zone_attach_service(a, w, s1), 0);
	}
	ck_assert_ptr_eq(find(a, "s19999.svc.example.com.")->service, s1);
	ck_assert_ptr_eq(find(a, "s0.svc.example.com.")->service, s1);
	ck_assert_uint_eq(find(a, "svc.example.com.")->flags, NODE_ENT);
	ck_assert_ptr_null(find(b, "s0.svc.example.com."));
	ck_assert_ptr_nonnull(rrset(b, "www.example.com.", 1));
	zone_free(a);
	ck_assert_uint_eq(z->refs, 1);
	ck_assert_ptr_nonnull(rrset(b, "www.example.com.", 1));
	zone_free(b); /* the last view frees the loaded zone (valgrind/ASan would see a leak) */
}
END_TEST

/* Every service of many keeps its own node and name while the view's table grows: names
 * short enough to be stored in the node and longer ones, each found with its service. */
START_TEST(many_services)
{
	static char tag[3000]; /* &tag[i]: service i's pointer, only compared */
	char err[512], name[128];
	struct zone *z = load("example.com.", TEST_SRCDIR "/zones/example.com.zone", err,
			      sizeof(err));
	struct zone *v;
	uint8_t w[DNAME_MAXLEN];

	ck_assert_msg(z != NULL, "%s", err);
	v = zone_view_new(z);
	ck_assert_ptr_nonnull(v);
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), i % 2 ? "s%d.svc.example.com" :
			 "a-name-longer-than-thirty-two-bytes-%d.svc.example.com", i);
		ck_assert_int_gt(dname_from_str(name, w), 0);
		ck_assert_int_eq(zone_attach_service(v, w, (const struct service *)&tag[i]), 0);
	}
	for (int i = 0; i < 3000; i++) {
		const struct zone_node *n;

		snprintf(name, sizeof(name), i % 2 ? "s%d.svc.example.com" :
			 "a-name-longer-than-thirty-two-bytes-%d.svc.example.com", i);
		ck_assert_int_gt(dname_from_str(name, w), 0);
		n = find(v, name);
		ck_assert_msg(n != NULL, "no node %s", name);
		ck_assert_ptr_eq(n->service, (const struct service *)&tag[i]);
		ck_assert(dname_equal(n->name, w));
	}
	ck_assert_uint_eq(find(v, "svc.example.com.")->flags, NODE_ENT);
	ck_assert_ptr_eq(v->apex_node, find(v, "example.com."));
	ck_assert_ptr_null(find(v, "s3000.svc.example.com."));
	zone_free(v);
}
END_TEST

/* zone_load lists the files it read: the zone's own, then each $INCLUDE. */
START_TEST(sources)
{
	char err[512];
	struct zone *z = load("example.org.", ZDIR "good.zone", err, sizeof(err));
	size_t n;

	ck_assert_msg(z != NULL, "%s", err);
	ck_assert_uint_eq(z->nsources, 2);
	ck_assert_str_eq(z->sources[0], ZDIR "good.zone");
	n = strlen(z->sources[1]);
	ck_assert_uint_ge(n, strlen("/inc/sub.inc"));
	ck_assert_str_eq(z->sources[1] + n - strlen("/inc/sub.inc"), "/inc/sub.inc");
	zone_free(z);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("zone");
	TCase *tc;

	tc = tcase_create("types");
	tcase_add_test(tc, good_types);
	suite_add_tcase(s, tc);
	tc = tcase_create("structure");
	tcase_add_test(tc, good_structure);
	suite_add_tcase(s, tc);
	tc = tcase_create("directives");
	tcase_add_test(tc, directives);
	suite_add_tcase(s, tc);
	tc = tcase_create("demo");
	tcase_add_test(tc, demo_zone);
	suite_add_tcase(s, tc);
	tc = tcase_create("attach_service");
	tcase_add_test(tc, attach_service);
	tcase_add_test(tc, views_share);
	tcase_add_test(tc, many_services);
	tcase_add_test(tc, sources);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_loop_test(tc, errors, 0, (int)(sizeof(bad_zones) / sizeof(bad_zones[0])));
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, include_loop);
	tcase_add_test(tc, short_err_buffer);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
