/* SPDX-License-Identifier: Apache-2.0 */
/* test_wire.c — the query parser: header, question, EDNS options, rejections */
#include "config.h"

#include <string.h>

#include "unit.h"
#include "wire.h"

/* A query builder: header, question "\3www\7example\3com", optional OPT. */
struct pkt {
	uint8_t b[512];
	size_t len;
};

static void put(struct pkt *p, const void *data, size_t n)
{
	memcpy(p->b + p->len, data, n);
	p->len += n;
}

static void put16(struct pkt *p, uint16_t v)
{
	wire_put16(p->b + p->len, v);
	p->len += 2;
}

static void query(struct pkt *p, uint16_t flags, uint16_t qtype, uint16_t arcount)
{
	static const uint8_t qname[] = "\3WwW\7example\3com";

	p->len = 0;
	put16(p, 0x1234);
	put16(p, flags);
	put16(p, 1);
	put16(p, 0);
	put16(p, 0);
	put16(p, arcount);
	put(p, qname, sizeof(qname));
	put16(p, qtype);
	put16(p, CLASS_IN);
}

/* OPT header with payload size, version, DO, and rdlength to follow. */
static void opt(struct pkt *p, uint16_t size, uint8_t version, uint16_t rdlen)
{
	uint8_t root = 0;

	put(p, &root, 1);
	put16(p, TYPE_OPT);
	put16(p, size);
	put16(p, version);
	put16(p, EDNS_DO);
	put16(p, rdlen);
}

START_TEST(plain_query)
{
	struct pkt p;
	struct wire_query q;

	query(&p, DNS_FLAG_RD, TYPE_A, 0);
	ck_assert_int_eq(wire_parse_query(p.b, p.len, &q), WIRE_ANSWER);
	ck_assert_uint_eq(q.id, 0x1234);
	ck_assert_uint_eq(q.qtype, TYPE_A);
	ck_assert_uint_eq(q.qclass, CLASS_IN);
	ck_assert(!q.edns);
	ck_assert_uint_eq(q.udp_size, 512);
	ck_assert_mem_eq(q.qname, "\3www\7example\3com", 17);
	ck_assert_mem_eq(q.qname_case, "\3WwW\7example\3com", 17);
	ck_assert_uint_eq(q.question_end, p.len);
}
END_TEST

START_TEST(edns_options)
{
	struct pkt p;
	struct wire_query q;

	query(&p, 0, TYPE_AAAA, 1);
	/* NSID (empty), ECS 192.0.2.0/24, an unknown option, a client cookie */
	opt(&p, 4096, 0, 4 + 11 + 6 + 12);
	put16(&p, EDNS_OPT_NSID);
	put16(&p, 0);
	put16(&p, EDNS_OPT_ECS);
	put16(&p, 7);
	put16(&p, 1);
	put(&p, "\x18\x00\xc0\x00\x02", 5);
	put16(&p, 65001);
	put16(&p, 2);
	put(&p, "\xab\xcd", 2);
	put16(&p, EDNS_OPT_COOKIE);
	put16(&p, 8);
	put(&p, "12345678", 8);
	ck_assert_int_eq(wire_parse_query(p.b, p.len, &q), WIRE_ANSWER);
	ck_assert(q.edns);
	ck_assert_uint_eq(q.udp_size, 4096);
	ck_assert_uint_eq(q.edns_flags & EDNS_DO, EDNS_DO);
	ck_assert(q.nsid);
	ck_assert(q.has_ecs);
	ck_assert_uint_eq(q.ecs.family, 1);
	ck_assert_uint_eq(q.ecs.source, 24);
	ck_assert_mem_eq(q.ecs.addr, "\xc0\x00\x02\x00", 4);
	ck_assert_uint_eq(q.cookie_len, 8);
}
END_TEST

START_TEST(small_payload_raised_to_512)
{
	struct pkt p;
	struct wire_query q;

	query(&p, 0, TYPE_A, 1);
	opt(&p, 100, 0, 0);
	ck_assert_int_eq(wire_parse_query(p.b, p.len, &q), WIRE_ANSWER);
	ck_assert_uint_eq(q.udp_size, 512);
}
END_TEST

START_TEST(verdicts)
{
	struct pkt p;
	struct wire_query q;

	query(&p, 0, TYPE_A, 0);
	ck_assert_int_eq(wire_parse_query(p.b, 11, &q), WIRE_DROP); /* short header */
	query(&p, DNS_FLAG_QR, TYPE_A, 0);
	ck_assert_int_eq(wire_parse_query(p.b, p.len, &q), WIRE_DROP); /* a response */
	query(&p, 2 << 11, TYPE_A, 0);
	ck_assert_int_eq(wire_parse_query(p.b, p.len, &q), WIRE_NOTIMP); /* STATUS */
	ck_assert(q.has_question);
	query(&p, 0, TYPE_A, 0);
	wire_put16(p.b + 4, 2);
	ck_assert_int_eq(wire_parse_query(p.b, p.len, &q), WIRE_FORMERR); /* QDCOUNT 2 */
	wire_put16(p.b + 4, 0);
	ck_assert_int_eq(wire_parse_query(p.b, p.len, &q), WIRE_FORMERR); /* QDCOUNT 0 */
	query(&p, 0, TYPE_A, 0);
	ck_assert_int_eq(wire_parse_query(p.b, p.len - 1, &q), WIRE_FORMERR); /* cut question */
	query(&p, 0, TYPE_A, 1);
	ck_assert_int_eq(wire_parse_query(p.b, p.len, &q), WIRE_FORMERR); /* ARCOUNT lies */
	query(&p, 0, TYPE_A, 1);
	opt(&p, 1232, 1, 0);
	ck_assert_int_eq(wire_parse_query(p.b, p.len, &q), WIRE_BADVERS);
	query(&p, 0, TYPE_A, 2);
	opt(&p, 1232, 0, 0);
	opt(&p, 1232, 0, 0);
	ck_assert_int_eq(wire_parse_query(p.b, p.len, &q), WIRE_FORMERR); /* two OPT */
	query(&p, 0, TYPE_A, 1);
	opt(&p, 1232, 0, 4);
	put16(&p, 65001);
	put16(&p, 10); /* option longer than the OPT rdata */
	ck_assert_int_eq(wire_parse_query(p.b, p.len, &q), WIRE_FORMERR);
	/* an option header cut by the OPT rdata end, with packet bytes after it
	 * (found by fuzz_wire: the length check underflowed) */
	query(&p, 0, TYPE_A, 1);
	opt(&p, 1232, 0, 3);
	put(&p, "\x00\x0a\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 19);
	ck_assert_int_eq(wire_parse_query(p.b, p.len, &q), WIRE_FORMERR);
}
END_TEST

/* RFC 7871 §7.1.1 and §6: malformed Client Subnet options are FORMERR. */
START_TEST(ecs_validation)
{
	static const struct {
		uint16_t family;
		const char *body; /* source, scope, address */
		size_t len;
		enum wire_verdict verdict;
	} cases[] = {
		{ 1, "\x18\x00\xc0\x00\x02", 5, WIRE_ANSWER },
		{ 1, "\x00\x00", 2, WIRE_ANSWER },              /* source 0: no address */
		{ 2, "\x38\x00\x20\x01\x0d\xb8\x00\x01\x02", 9, WIRE_ANSWER },
		{ 3, "\x18\x00\xc0\x00\x02", 5, WIRE_FORMERR }, /* unknown family */
		{ 1, "\x21\x00\xc0\x00\x02\x01\x01", 7, WIRE_FORMERR }, /* source > 32 */
		{ 1, "\x18\x10\xc0\x00\x02", 5, WIRE_FORMERR }, /* scope set in a query */
		{ 1, "\x18\x00\xc0\x00\x02\x00", 6, WIRE_FORMERR }, /* too many bytes */
		{ 1, "\x17\x00\xc0\x00\x03", 5, WIRE_FORMERR }, /* bits past the prefix */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt p;
		struct wire_query q;
		query(&p, 0, TYPE_A, 1);
		opt(&p, 1232, 0, (uint16_t)(4 + 2 + cases[i].len));
		put16(&p, EDNS_OPT_ECS);
		put16(&p, (uint16_t)(2 + cases[i].len));
		put16(&p, cases[i].family);
		put(&p, cases[i].body, cases[i].len);
		ck_assert_msg(wire_parse_query(p.b, p.len, &q) == cases[i].verdict, "case %zu", i);
	}
}
END_TEST

/* The owners of a query's RRs are skipped, not decompressed: a pointer that would be
 * rejected if followed (forward) costs nothing and harms nothing; OPT's owner must still be
 * the root, written as a zero byte or as a pointer to one. */
START_TEST(rr_owners_not_decompressed)
{
	struct pkt p;
	struct wire_query q;

	query(&p, 0, TYPE_A, 0);
	wire_put16(p.b + 6, 1); /* ANCOUNT 1: an A record owned by a forward pointer */
	put(&p, "\xc0\xff", 2);
	put16(&p, TYPE_A);
	put16(&p, CLASS_IN);
	put(&p, "\0\0\0\0\0\4\1\2\3\4", 10);
	ck_assert_int_eq(wire_parse_query(p.b, p.len, &q), WIRE_ANSWER);
	query(&p, 0, TYPE_A, 1); /* OPT owned by a pointer to the root label ending the qname */
	put(&p, "\xc0\x1c", 2);
	put16(&p, TYPE_OPT);
	put16(&p, 1232);
	put16(&p, 0);
	put16(&p, 0);
	put16(&p, 0);
	ck_assert_uint_eq(p.b[0x1c], 0);
	ck_assert_int_eq(wire_parse_query(p.b, p.len, &q), WIRE_ANSWER);
	ck_assert(q.edns);
	query(&p, 0, TYPE_A, 1); /* OPT owned by a pointer to "com" */
	put(&p, "\xc0\x18", 2);
	put16(&p, TYPE_OPT);
	put16(&p, 1232);
	put16(&p, 0);
	put16(&p, 0);
	put16(&p, 0);
	ck_assert_int_eq(wire_parse_query(p.b, p.len, &q), WIRE_FORMERR);
	ck_assert_str_eq(q.reason, "opt owner not root");
}
END_TEST

START_TEST(cursor_is_sticky)
{
	static const uint8_t buf[3] = { 1, 2, 3 };
	struct wire_cursor c;

	wire_cursor_init(&c, buf, sizeof(buf));
	ck_assert_uint_eq(wire_u16(&c), 0x0102);
	ck_assert_uint_eq(wire_u16(&c), 0);
	ck_assert(c.err);
	ck_assert_uint_eq(wire_u8(&c), 0); /* stays failed though a byte is left */
}
END_TEST

UNIT_SUITE("wire", { "plain", plain_query }, { "edns", edns_options },
	   { "payload", small_payload_raised_to_512 }, { "verdicts", verdicts },
	   { "ecs", ecs_validation }, { "owners", rr_owners_not_decompressed },
	   { "cursor", cursor_is_sticky })
