/* SPDX-License-Identifier: Apache-2.0 */
/* test_answer.c — the answer path from query bytes to response bytes
 *
 * Queries are built with ldns, answered by answer_packet() from a snapshot
 * of tests/unit/answer/answer.conf (the demo zone and a zone of big
 * RRsets), and the responses parsed back with ldns.
 */
#include "config.h"

#include <ldns/ldns.h>
#include <netinet/in.h>
#include <string.h>

#include "answer.h"
#include "conf.h"
#include "dname.h"
#include "service.h"
#include "snapshot.h"
#include "unit.h"
#include "wire.h"

static struct snapshot *snap;
static struct answer_ctx actx;

static void setup(void)
{
	char err[CONF_ERRLEN];

	snap = snapshot_build(TEST_SRCDIR "/tests/unit/answer/answer.conf", NULL, err, sizeof(err));
	ck_assert_msg(snap != NULL, "snapshot: %s", err);
}

static void teardown(void)
{
	snapshot_free(snap);
	snap = NULL;
}

/* Answers raw bytes; returns the response length (0 = dropped). */
static size_t answer_raw(const uint8_t *q, size_t qlen, uint8_t *resp, bool tcp)
{
	static const struct sockaddr_in src = { .sin_family = AF_INET };

	return answer_packet(&actx, snap, q, qlen, resp, ANSWER_MAX_TCP,
			     (const struct sockaddr *)&src, tcp);
}

struct ask {
	const char *name;
	ldns_rr_type type;
	ldns_rr_class cls;
	bool tcp;
	int edns_size;        /* 0: no EDNS */
	const uint8_t *opts;  /* raw EDNS options */
	size_t optslen;
	uint8_t edns_version;
	size_t resp_len;      /* out */
};

static ldns_pkt *ask(struct ask *a)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(a->name), a->type,
					 a->cls ? a->cls : LDNS_RR_CLASS_IN, LDNS_RD);
	uint8_t *wire = NULL;
	size_t wlen = 0;
	static uint8_t resp[ANSWER_MAX_TCP];
	ldns_pkt *r = NULL;

	ldns_pkt_set_id(q, 4242);
	if (a->edns_size) {
		ldns_pkt_set_edns_udp_size(q, (uint16_t)a->edns_size);
		ldns_pkt_set_edns_version(q, a->edns_version);
		if (a->optslen)
			ldns_pkt_set_edns_data(q, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN,
									a->optslen, a->opts));
		else
			ldns_pkt_set_edns_do(q, true);
	}
	ck_assert_int_eq(ldns_pkt2wire(&wire, q, &wlen), LDNS_STATUS_OK);
	a->resp_len = answer_raw(wire, wlen, resp, a->tcp);
	ck_assert_uint_gt(a->resp_len, 0);
	ck_assert_int_eq(ldns_wire2pkt(&r, resp, a->resp_len), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_id(r), 4242);
	ck_assert(ldns_pkt_qr(r));
	free(wire);
	ldns_pkt_free(q);
	return r;
}

/* The text of record i of a section, "owner ttl class type rdata". */
static char *rr_text(ldns_rr_list *l, size_t i)
{
	char *s = ldns_rr2str(ldns_rr_list_rr(l, i));
	s[strcspn(s, "\n")] = 0;
	return s;
}

static void assert_rr(ldns_rr_list *l, size_t i, const char *expect)
{
	ck_assert_uint_gt(ldns_rr_list_rr_count(l), i);
	char *s = rr_text(l, i);
	ck_assert_str_eq(s, expect);
	free(s);
}

START_TEST(exact_answer_is_authoritative)
{
	struct ask a = { "www.example.com", LDNS_RR_TYPE_A };
	ldns_pkt *r = ask(&a);

	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	ck_assert(ldns_pkt_aa(r));
	ck_assert(ldns_pkt_rd(r));
	ck_assert_uint_eq(ldns_pkt_ancount(r), 1);
	assert_rr(ldns_pkt_answer(r), 0, "www.example.com.\t3600\tIN\tA\t192.0.2.80");
	ldns_pkt_free(r);
}
END_TEST

START_TEST(cname_chain_followed)
{
	struct ask a = { "docs.example.com", LDNS_RR_TYPE_A };
	ldns_pkt *r = ask(&a);

	ck_assert_uint_eq(ldns_pkt_ancount(r), 3);
	assert_rr(ldns_pkt_answer(r), 0, "docs.example.com.\t3600\tIN\tCNAME\tapi.example.com.");
	assert_rr(ldns_pkt_answer(r), 1, "api.example.com.\t3600\tIN\tCNAME\twww.example.com.");
	assert_rr(ldns_pkt_answer(r), 2, "www.example.com.\t3600\tIN\tA\t192.0.2.80");
	ldns_pkt_free(r);
	/* asking for the CNAME itself does not follow it */
	struct ask c = { "docs.example.com", LDNS_RR_TYPE_CNAME };
	r = ask(&c);
	ck_assert_uint_eq(ldns_pkt_ancount(r), 1);
	ldns_pkt_free(r);
}
END_TEST

START_TEST(wildcard_synthesis)
{
	struct ask a = { "Host.apps.example.com", LDNS_RR_TYPE_TXT };
	ldns_pkt *r = ask(&a);

	ck_assert(ldns_pkt_aa(r));
	assert_rr(ldns_pkt_answer(r), 0, "Host.apps.example.com.\t3600\tIN\tTXT\t\"wildcard\"");
	ldns_pkt_free(r);
	/* the wildcard does not cover its own parent, an empty non-terminal: NODATA */
	struct ask b = { "apps.example.com", LDNS_RR_TYPE_A };
	r = ask(&b);
	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(r), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(r), 1);
	ldns_pkt_free(r);
}
END_TEST

START_TEST(delegation_with_glue)
{
	struct ask a = { "host.dev.example.com", LDNS_RR_TYPE_A };
	ldns_pkt *r = ask(&a);

	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	ck_assert(!ldns_pkt_aa(r));
	ck_assert_uint_eq(ldns_pkt_ancount(r), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(r), 2);
	ck_assert_uint_eq(ldns_pkt_arcount(r), 1);
	assert_rr(ldns_pkt_additional(r), 0, "ns1.dev.example.com.\t3600\tIN\tA\t192.0.2.153");
	ldns_pkt_free(r);
}
END_TEST

START_TEST(negative_answers_carry_soa)
{
	struct ask a = { "nothere.example.com", LDNS_RR_TYPE_A };
	ldns_pkt *r = ask(&a);

	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
	ck_assert(ldns_pkt_aa(r));
	ck_assert_uint_eq(ldns_pkt_nscount(r), 1);
	/* RFC 2308: TTL = min(SOA TTL 3600, MINIMUM 300) */
	ck_assert_uint_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_authority(r), 0)), 300);
	ldns_pkt_free(r);

	struct ask b = { "mail.example.com", LDNS_RR_TYPE_AAAA };
	r = ask(&b);
	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(r), 0);
	ck_assert_uint_eq(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_authority(r), 0)),
			  LDNS_RR_TYPE_SOA);
	ldns_pkt_free(r);
}
END_TEST

START_TEST(outside_zones_refused)
{
	struct ask a = { "www.example.org", LDNS_RR_TYPE_A };
	ldns_pkt *r = ask(&a);

	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_REFUSED);
	ck_assert(!ldns_pkt_aa(r));
	ldns_pkt_free(r);
}
END_TEST

START_TEST(any_gets_one_rrset)
{
	struct ask a = { "example.com", LDNS_RR_TYPE_ANY };
	ldns_pkt *r = ask(&a);

	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	ldns_rr_list *an = ldns_pkt_answer(r);
	ck_assert_uint_ge(ldns_rr_list_rr_count(an), 1);
	for (size_t i = 1; i < ldns_rr_list_rr_count(an); i++)
		ck_assert_int_eq(ldns_rr_get_type(ldns_rr_list_rr(an, i)),
				 ldns_rr_get_type(ldns_rr_list_rr(an, 0)));
	ldns_pkt_free(r);
}
END_TEST

START_TEST(edns_echo_nsid_ecs)
{
	/* NSID request + ECS 198.51.100.0/24 */
	static const uint8_t opts[] = { 0, 3, 0, 0, 0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100 };
	struct ask a = { "www.example.com", LDNS_RR_TYPE_A, 0, false, 4096, opts, sizeof(opts) };
	ldns_pkt *r = ask(&a);

	ck_assert_uint_eq(ldns_pkt_edns_udp_size(r), 1232);
	ldns_rdf *d = ldns_pkt_edns_data(r);
	ck_assert_ptr_nonnull(d);
	static const uint8_t expect[] = { 0, 3, 0, 6, 'u', 'n', 'i', 't', '-', '1',
					  0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100 };
	ck_assert_uint_eq(ldns_rdf_size(d), sizeof(expect));
	ck_assert_mem_eq(ldns_rdf_data(d), expect, sizeof(expect));
	ldns_pkt_free(r);
}
END_TEST

START_TEST(badvers)
{
	struct ask a = { "www.example.com", LDNS_RR_TYPE_A, 0, false, 1232 };
	a.edns_version = 1;
	ldns_pkt *r = ask(&a);

	ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(r), 1); /* BADVERS = 16 */
	ck_assert_uint_eq(ldns_pkt_ancount(r), 0);
	ldns_pkt_free(r);
}
END_TEST

START_TEST(truncation_over_udp_full_over_tcp)
{
	struct ask a = { "txt.big.test", LDNS_RR_TYPE_TXT };
	ldns_pkt *r = ask(&a);

	ck_assert(ldns_pkt_tc(r));
	ck_assert_uint_eq(ldns_pkt_qdcount(r), 1);
	ck_assert_uint_le(a.resp_len, 512);
	ldns_pkt_free(r);

	struct ask e = { "txt.big.test", LDNS_RR_TYPE_TXT, 0, false, 4096 };
	r = ask(&e);
	ck_assert(ldns_pkt_tc(r)); /* ~2 KB does not fit the 1232 clamp */
	ck_assert_uint_le(e.resp_len, 1232);
	ldns_pkt_free(r);

	struct ask t = { "txt.big.test", LDNS_RR_TYPE_TXT, 0, true };
	r = ask(&t);
	ck_assert(!ldns_pkt_tc(r));
	ck_assert_uint_eq(ldns_pkt_ancount(r), 40);
	ldns_pkt_free(r);
}
END_TEST

START_TEST(chaos_identity)
{
	struct ask a = { "id.server", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_CH };
	ldns_pkt *r = ask(&a);
	assert_rr(ldns_pkt_answer(r), 0, "id.server.\t0\tCH\tTXT\t\"unit-1\"");
	ldns_pkt_free(r);
	struct ask v = { "version.bind", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_CH };
	r = ask(&v);
	assert_rr(ldns_pkt_answer(r), 0, "version.bind.\t0\tCH\tTXT\t\"gslb-test\"");
	ldns_pkt_free(r);
	struct ask o = { "other.bind", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_CH };
	r = ask(&o);
	ck_assert_int_eq(ldns_pkt_get_rcode(r), LDNS_RCODE_REFUSED);
	ldns_pkt_free(r);
}
END_TEST

START_TEST(malformed_and_unusual)
{
	uint8_t resp[ANSWER_MAX_TCP];
	/* a response is never answered */
	static const uint8_t response[] = { 0, 1, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0,
					    3, 'c', 'o', 'm', 0, 0, 1, 0, 1 };
	ck_assert_uint_eq(answer_raw(response, sizeof(response), resp, false), 0);
	/* QDCOUNT 0: FORMERR, id echoed */
	static const uint8_t noq[] = { 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	size_t n = answer_raw(noq, sizeof(noq), resp, false);
	ck_assert_uint_eq(n, 12);
	ck_assert_uint_eq(resp[3] & 0xf, RCODE_FORMERR);
	/* opcode STATUS: NOTIMP */
	static const uint8_t status[] = { 0, 3, 0x10, 0, 0, 1, 0, 0, 0, 0, 0, 0,
					  3, 'c', 'o', 'm', 0, 0, 1, 0, 1 };
	n = answer_raw(status, sizeof(status), resp, false);
	ck_assert_uint_gt(n, 12);
	ck_assert_uint_eq(resp[3] & 0xf, RCODE_NOTIMP);
	/* a pointer loop in the question: FORMERR */
	static const uint8_t loop[] = { 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1 };
	n = answer_raw(loop, sizeof(loop), resp, false);
	ck_assert_uint_eq(resp[3] & 0xf, RCODE_FORMERR);
	/* question case is preserved */
	struct ask a = { "WwW.ExAmPlE.cOm", LDNS_RR_TYPE_A };
	ldns_pkt *r = ask(&a);
	char *q = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(r), 0)));
	ck_assert_str_eq(q, "WwW.ExAmPlE.cOm.");
	free(q);
	ldns_pkt_free(r);
}
END_TEST

/* Sets member i of the service named name up or down. */
static void set_up(const char *name, size_t i, bool up)
{
	uint8_t wire[DNAME_MAXLEN];
	const struct conf *c = snap->conf;

	ck_assert_int_gt(dname_from_str(name, wire), 0);
	for (size_t k = 0; k < c->nservices; k++) {
		if (!dname_equal(c->services[k].name, wire))
			continue;
		ck_assert_uint_lt(i, c->services[k].nmembers);
		member_health_set(&snap->health[c->services[k].members[i].health], up, true, 0, 0);
		return;
	}
	ck_abort_msg("no service %s", name);
}

/* The single answer record's text, or "" when the answer section is empty. */
static void expect_answer(const char *name, ldns_rr_type type, const char *want, size_t nauth)
{
	struct ask a = { name, type };
	ldns_pkt *r = ask(&a);

	char *txt = ldns_pkt2str(r);
	ck_assert_msg(ldns_pkt_get_rcode(r) == LDNS_RCODE_NOERROR &&
			  ldns_rr_list_rr_count(ldns_pkt_answer(r)) == (want[0] ? 1u : 0u),
		      "%s %d: want %s, got %s", name, type, want, txt);
	free(txt);
	if (want[0])
		assert_rr(ldns_pkt_answer(r), 0, want);
	else
		ck_assert_uint_eq(ldns_rr_list_rr_count(ldns_pkt_answer(r)), 0);
	ck_assert_uint_eq(ldns_rr_list_rr_count(ldns_pkt_authority(r)), nauth);
	ldns_pkt_free(r);
}

/* fallback "open" (the default): every member, with the fail_open_ttl. */
START_TEST(fallback_open)
{
	set_up("open.example.com", 0, false);
	expect_answer("open.example.com", LDNS_RR_TYPE_A, "open.example.com.\t30\tIN\tA\t192.0.2.102",
		      0);
	set_up("open.example.com", 1, false);
	struct ask a = { "open.example.com", LDNS_RR_TYPE_A };
	ldns_pkt *r = ask(&a);
	ck_assert_uint_eq(ldns_rr_list_rr_count(ldns_pkt_answer(r)), 2);
	assert_rr(ldns_pkt_answer(r), 0, "open.example.com.\t5\tIN\tA\t192.0.2.101");
	assert_rr(ldns_pkt_answer(r), 1, "open.example.com.\t5\tIN\tA\t192.0.2.102");
	ldns_pkt_free(r);
}
END_TEST

/* fallback "empty": NOERROR without answer, the SOA's TTL cut to fail_open_ttl. */
START_TEST(fallback_empty)
{
	expect_answer("empty.example.com", LDNS_RR_TYPE_A, "empty.example.com.\t30\tIN\tA\t192.0.2.111",
		      0);
	set_up("empty.example.com", 0, false);
	expect_answer("empty.example.com", LDNS_RR_TYPE_A, "", 1);
	struct ask a = { "empty.example.com", LDNS_RR_TYPE_A };
	ldns_pkt *r = ask(&a);
	ldns_rr *soa = ldns_rr_list_rr(ldns_pkt_authority(r), 0);
	ck_assert_int_eq(ldns_rr_get_type(soa), LDNS_RR_TYPE_SOA);
	ck_assert_uint_eq(ldns_rr_ttl(soa), 7);
	ldns_pkt_free(r);
}
END_TEST

/* a fallback member list: answered through the chain when nothing is up, for the types the
 * members answer. */
START_TEST(fallback_members)
{
	expect_answer("pool.example.com", LDNS_RR_TYPE_A, "pool.example.com.\t30\tIN\tA\t192.0.2.121",
		      0);
	expect_answer("pool.example.com", LDNS_RR_TYPE_AAAA, "", 1); /* the member has no IPv6 */
	set_up("pool.example.com", 0, false);
	expect_answer("pool.example.com", LDNS_RR_TYPE_A,
		      "pool.example.com.\t10\tIN\tA\t203.0.113.121", 0);
	/* the service has no IPv6: NODATA still, whatever the fallback has */
	expect_answer("pool.example.com", LDNS_RR_TYPE_AAAA, "", 1);
	set_up("pool.example.com", 0, true);
	expect_answer("pool.example.com", LDNS_RR_TYPE_A, "pool.example.com.\t30\tIN\tA\t192.0.2.121",
		      0);
}
END_TEST

/* up_threshold 0.6: eu with one of two members up counts as down, us answers. */
START_TEST(up_threshold_region)
{
	const char *eu = "thresh.example.com.\t30\tIN\tA\t192.0.2.131";

	expect_answer("thresh.example.com", LDNS_RR_TYPE_A, eu, 0);
	set_up("thresh.example.com", 1, false);
	expect_answer("thresh.example.com", LDNS_RR_TYPE_A,
		      "thresh.example.com.\t30\tIN\tA\t192.0.2.133", 0);
	set_up("thresh.example.com", 1, true);
	expect_answer("thresh.example.com", LDNS_RR_TYPE_A, eu, 0);
	/* us down too: no region is up, fail open over the members up (priority 0 first) */
	set_up("thresh.example.com", 1, false);
	set_up("thresh.example.com", 2, false);
	expect_answer("thresh.example.com", LDNS_RR_TYPE_A, eu, 0);
}
END_TEST

/* outer's CNAME member to inner is down while inner has no member up. */
START_TEST(nested_service_down)
{
	struct ask a = { "outer.example.com", LDNS_RR_TYPE_A };
	ldns_pkt *r = ask(&a);

	assert_rr(ldns_pkt_answer(r), 0, "outer.example.com.\t30\tIN\tCNAME\tinner.example.com.");
	assert_rr(ldns_pkt_answer(r), 1, "inner.example.com.\t30\tIN\tA\t192.0.2.151");
	ldns_pkt_free(r);
	set_up("inner.example.com", 0, false);
	expect_answer("outer.example.com", LDNS_RR_TYPE_A,
		      "outer.example.com.\t30\tIN\tA\t192.0.2.141", 0);
}
END_TEST

/* The scope byte of the ECS option answering ECS 198.51.100.0/24 for name. */
static uint8_t scope_of(const char *name)
{
	static const uint8_t opts[] = { 0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100 };
	struct ask a = { name, LDNS_RR_TYPE_A, 0, false, 4096, opts, sizeof(opts) };
	ldns_pkt *r = ask(&a);
	ldns_rdf *d = ldns_pkt_edns_data(r);

	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(ldns_rdf_size(d), sizeof(opts));
	uint8_t sc = ldns_rdf_data(d)[7];
	ldns_pkt_free(r);
	return sc;
}

/* The answer path echoes the chain's scope: sticky the /24 it hashed, a chain that reads
 * nothing of the client 0, static data 0. */
START_TEST(ecs_scope_by_chain)
{
	ck_assert_uint_eq(scope_of("sticky.example.com"), 24);
	ck_assert_uint_eq(scope_of("flat.example.com"), 0);
	ck_assert_uint_eq(scope_of("www.example.com"), 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("answer");
	const struct unit_case cases[] = {
		{ "exact", exact_answer_is_authoritative },
		{ "cname", cname_chain_followed },
		{ "wildcard", wildcard_synthesis },
		{ "delegation", delegation_with_glue },
		{ "negative", negative_answers_carry_soa },
		{ "refused", outside_zones_refused },
		{ "any", any_gets_one_rrset },
		{ "edns", edns_echo_nsid_ecs },
		{ "badvers", badvers },
		{ "truncation", truncation_over_udp_full_over_tcp },
		{ "chaos", chaos_identity },
		{ "malformed", malformed_and_unusual },
		{ "fallback_open", fallback_open },
		{ "fallback_empty", fallback_empty },
		{ "fallback_members", fallback_members },
		{ "up_threshold", up_threshold_region },
		{ "nested", nested_service_down },
		{ "ecs_scope", ecs_scope_by_chain },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_add_unchecked_fixture(tc, setup, teardown);
		tcase_add_test(tc, cases[i].fn);
		suite_add_tcase(s, tc);
	}
	return s;
}

UNIT_MAIN(make_suite)
