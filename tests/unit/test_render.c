/* SPDX-License-Identifier: Apache-2.0 */
/* test_render.c — response writing: compression, sections, all-or-nothing RRsets */
#include "config.h"

#include <errno.h>
#include <ldns/ldns.h>
#include <string.h>

#include "render.h"
#include "unit.h"
#include "wire.h"

static const uint8_t www[] = "\3www\7example\3com";
static const uint8_t apex[] = "\7example\3com";

/* An NS RRset of two targets inside example.com, in zone.h's rdata form. */
static uint8_t ns_rdata[] = { 0, 17, 3, 'n', 's', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
			      3,  'c', 'o', 'm', 0, 0, 17, 3, 'n', 's', '2', 7, 'e', 'x',
			      'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0 };
static const struct rrset ns = { TYPE_NS, 2, 3600, sizeof(ns_rdata), ns_rdata };

static uint8_t a_rdata[] = { 0, 4, 192, 0, 2, 80 };
static const struct rrset a = { TYPE_A, 1, 300, sizeof(a_rdata), a_rdata };

static ldns_pkt *parse(const uint8_t *buf, size_t len)
{
	ldns_pkt *pkt = NULL;

	ck_assert_int_eq(ldns_wire2pkt(&pkt, buf, len), LDNS_STATUS_OK);
	return pkt;
}

START_TEST(compresses_owner_and_rdata_names)
{
	uint8_t buf[512];
	struct render r;

	render_init(&r, buf, sizeof(buf), 7, DNS_FLAG_QR | DNS_FLAG_AA);
	ck_assert_int_eq(render_question(&r, www, TYPE_A, CLASS_IN), 0);
	ck_assert_int_eq(render_rrset(&r, SEC_ANSWER, www, &a), 0);
	size_t after_a = r.len;
	ck_assert_int_eq(render_rrset(&r, SEC_AUTHORITY, apex, &ns), 0);
	size_t len = render_finish(&r);

	/* The A record's owner is a pointer to the question name at 12. */
	ck_assert_uint_eq(wire_get16(buf + 12 + 17 + 4), 0xc000 | 12);
	/* Each NS record: owner pointer (2) + header (10) + "ns1" + pointer (6). */
	ck_assert_uint_eq(len - after_a, 2 * (2 + 10 + 6));

	ldns_pkt *pkt = parse(buf, len);
	ck_assert_uint_eq(ldns_pkt_ancount(pkt), 1);
	ck_assert_uint_eq(ldns_pkt_nscount(pkt), 2);
	char *text = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_authority(pkt), 1));
	ck_assert_str_eq(text, "example.com.\t3600\tIN\tNS\tns2.example.com.\n");
	free(text);
	ldns_pkt_free(pkt);
}
END_TEST

START_TEST(rrset_is_all_or_nothing)
{
	uint8_t buf[512];
	struct render r;

	/* Room for the question and one NS record, not two. */
	render_init(&r, buf, 12 + 21 + 2 + 10 + 6 + 5, 7, DNS_FLAG_QR);
	ck_assert_int_eq(render_question(&r, www, TYPE_NS, CLASS_IN), 0);
	size_t before = r.len;
	ck_assert_int_eq(render_rrset(&r, SEC_ANSWER, apex, &ns), -ENOSPC);
	ck_assert_uint_eq(r.len, before);
	ck_assert_uint_eq(r.count[SEC_ANSWER], 0);
	ck_assert_int_eq(render_rrset(&r, SEC_ANSWER, www, &a), 0);
	size_t len = render_finish(&r);
	ldns_pkt *pkt = parse(buf, len);
	ck_assert_uint_eq(ldns_pkt_ancount(pkt), 1);
	ldns_pkt_free(pkt);
}
END_TEST

START_TEST(header_flags_and_rcode)
{
	uint8_t buf[64];
	struct render r;

	render_init(&r, buf, sizeof(buf), 0xbeef, DNS_FLAG_QR | DNS_FLAG_AA | DNS_FLAG_RD);
	render_set_flags(&r, DNS_FLAG_TC, DNS_FLAG_AA);
	render_set_rcode(&r, RCODE_NXDOMAIN);
	size_t len = render_finish(&r);
	ck_assert_uint_eq(len, 12);
	ck_assert_uint_eq(wire_get16(buf), 0xbeef);
	ck_assert_uint_eq(wire_get16(buf + 2),
			  DNS_FLAG_QR | DNS_FLAG_TC | DNS_FLAG_RD | RCODE_NXDOMAIN);
}
END_TEST

START_TEST(compression_is_case_insensitive)
{
	uint8_t buf[512];
	struct render r;
	static const uint8_t upper[] = "\3WWW\7EXAMPLE\3COM";

	render_init(&r, buf, sizeof(buf), 1, DNS_FLAG_QR);
	render_question(&r, upper, TYPE_A, CLASS_IN);
	render_rrset(&r, SEC_ANSWER, www, &a);
	size_t len = render_finish(&r);
	/* The owner points at the question, so the client sees its own case. */
	ck_assert_uint_eq(wire_get16(buf + 12 + 17 + 4), 0xc000 | 12);
	ck_assert_uint_eq(len, 12 + 17 + 4 + 2 + 10 + 4);
}
END_TEST

/* A reused buffer holds stale bytes past what is written; a name being
 * written must not be compared against its own unwritten tail (found by
 * fuzz_wire: a stale self-pointer made the compressor loop forever). */
START_TEST(stale_buffer_bytes_are_never_read)
{
	uint8_t buf[512];
	struct render r;
	static const uint8_t aa[] = "\1a\1a";

	for (size_t i = 0; i + 1 < sizeof(buf); i += 2) {
		buf[i] = 0xc0;
		buf[i + 1] = (uint8_t)i; /* a pointer to itself */
	}
	render_init(&r, buf, sizeof(buf), 1, DNS_FLAG_QR);
	ck_assert_int_eq(render_question(&r, aa, TYPE_A, CLASS_IN), 0);
	size_t len = render_finish(&r);
	ck_assert_uint_eq(len, 12 + 5 + 4);
	ldns_pkt *pkt = parse(buf, len);
	ldns_pkt_free(pkt);
}
END_TEST

UNIT_SUITE("render", { "stale", stale_buffer_bytes_are_never_read }, { "compression", compresses_owner_and_rdata_names },
	   { "all-or-nothing", rrset_is_all_or_nothing }, { "header", header_flags_and_rcode },
	   { "case", compression_is_case_insensitive })
