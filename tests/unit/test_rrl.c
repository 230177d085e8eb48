/* SPDX-License-Identifier: Apache-2.0 */
/* test_rrl.c — response rate limiting: buckets, slip, exempt, refill, responses, config */
#include "config.h"

#include "rrl.h"

#include "conf.h"
#include "dname.h"
#include "unit.h"
#include "wire.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 1000000 /* ms: an arbitrary monotonic start */

static struct conf_rrl base_conf(int rate, int window, int slip)
{
	struct conf_rrl c = {
		.enabled = true,
		.responses_per_second = rate,
		.window = window,
		.slip = slip,
		.ipv4_prefix = 24,
		.ipv6_prefix = 56,
	};
	return c;
}

static struct sockaddr_storage v4(const char *a)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(4242);
	ck_assert_int_eq(inet_pton(AF_INET, a, &sin->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage v6(const char *a)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, a, &sin6->sin6_addr), 1);
	return ss;
}

static const uint8_t *name(const char *s)
{
	static uint8_t buf[4][DNAME_MAXLEN];
	static int i;
	uint8_t *b = buf[i++ % 4];

	ck_assert_int_gt(dname_from_str(s, b), 0);
	return b;
}

/* n decisions for one key at one instant; counts each action. */
static void burst(struct rrl *r, const struct sockaddr_storage *ss, const uint8_t *nm,
		  uint16_t qtype, uint16_t rcode, uint64_t now, int n, int count[3])
{
	for (int i = 0; i < n; i++) {
		enum rrl_action a =
			rrl_decide(r, (const struct sockaddr *)ss, nm, qtype, rcode, now);

		ck_assert_int_le(a, RRL_SLIP);
		count[a]++;
	}
}

START_TEST(flood_slip_ratio)
{
	struct conf_rrl c = base_conf(10, 1, 2);
	struct rrl *r = rrl_new(&c);
	struct sockaddr_storage cl = v4("192.0.2.1");
	const uint8_t *nm = name("www.example.com");
	struct rrl_stats st;
	int count[3] = { 0 };

	ck_assert_ptr_nonnull(r);
	/* depth = rate × window = 10 answers; the rest alternate drop, slip */
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(rrl_decide(r, (struct sockaddr *)&cl, nm, TYPE_A, 0, T0), RRL_SEND);
	for (int i = 0; i < 990; i++)
		ck_assert_int_eq(rrl_decide(r, (struct sockaddr *)&cl, nm, TYPE_A, 0, T0),
				 i % 2 == 0 ? RRL_DROP : RRL_SLIP);
	/* other hosts of the /24 share the bucket */
	struct sockaddr_storage same = v4("192.0.2.200");
	burst(r, &same, nm, TYPE_A, 0, T0, 100, count);
	ck_assert_int_eq(count[RRL_SEND], 0);
	ck_assert_int_eq(count[RRL_SLIP], 50);
	rrl_stats(r, &st);
	ck_assert_uint_eq(st.dropped, 495 + 50);
	ck_assert_uint_eq(st.slipped, 495 + 50);
	rrl_free(r);
}
END_TEST

START_TEST(slip_zero_and_one)
{
	for (int slip = 0; slip <= 3; slip++) {
		struct conf_rrl c = base_conf(5, 2, slip);
		struct rrl *r = rrl_new(&c);
		struct sockaddr_storage cl = v4("198.51.100.7");
		int count[3] = { 0 };

		burst(r, &cl, name("a.example"), TYPE_A, 0, T0, 10 + 600, count);
		ck_assert_int_eq(count[RRL_SEND], 10);
		ck_assert_int_eq(count[RRL_SLIP], slip ? 600 / slip : 0);
		ck_assert_int_eq(count[RRL_DROP], 600 - (slip ? 600 / slip : 0));
		rrl_free(r);
	}
}
END_TEST

START_TEST(other_network_unaffected)
{
	struct conf_rrl c = base_conf(10, 1, 2);
	struct rrl *r = rrl_new(&c);
	struct sockaddr_storage a = v4("192.0.2.1"), b = v4("192.0.3.1");
	const uint8_t *nm = name("www.example.com");
	int ca[3] = { 0 }, cb[3] = { 0 };

	burst(r, &a, nm, TYPE_A, 0, T0, 1000, ca);
	burst(r, &b, nm, TYPE_A, 0, T0, 10, cb);
	ck_assert_int_eq(ca[RRL_SEND], 10);
	ck_assert_int_eq(cb[RRL_SEND], 10);

	/* IPv6 /56: 2001:db8:0:1:: and 2001:db8:0:ff:: share, 2001:db8:0:100:: does not */
	struct sockaddr_storage x = v6("2001:db8:0:1::1"), y = v6("2001:db8:0:ff:1::9"),
				z = v6("2001:db8:0:100::1");
	int cx[3] = { 0 }, cy[3] = { 0 }, cz[3] = { 0 };
	burst(r, &x, nm, TYPE_AAAA, 0, T0, 10, cx);
	burst(r, &y, nm, TYPE_AAAA, 0, T0, 10, cy);
	burst(r, &z, nm, TYPE_AAAA, 0, T0, 10, cz);
	ck_assert_int_eq(cx[RRL_SEND], 10);
	ck_assert_int_eq(cy[RRL_SEND], 0);
	ck_assert_int_eq(cz[RRL_SEND], 10);
	rrl_free(r);
}
END_TEST

START_TEST(name_and_type_are_buckets)
{
	struct conf_rrl c = base_conf(10, 1, 2);
	struct rrl *r = rrl_new(&c);
	struct sockaddr_storage a = v4("192.0.2.1");
	int c1[3] = { 0 }, c2[3] = { 0 }, c3[3] = { 0 }, c4[3] = { 0 };

	burst(r, &a, name("www.example.com"), TYPE_A, 0, T0, 100, c1);
	burst(r, &a, name("ftp.example.com"), TYPE_A, 0, T0, 100, c2);
	burst(r, &a, name("www.example.com"), TYPE_AAAA, 0, T0, 100, c3);
	/* names come lowercased; the same name is the same bucket */
	burst(r, &a, name("WWW.Example.COM"), TYPE_A, 0, T0, 100, c4);
	ck_assert_int_eq(c1[RRL_SEND], 10);
	ck_assert_int_eq(c2[RRL_SEND], 10);
	ck_assert_int_eq(c3[RRL_SEND], 10);
	ck_assert_int_eq(c4[RRL_SEND], 0);
	rrl_free(r);
}
END_TEST

START_TEST(nxdomain_and_errors)
{
	struct conf_rrl c = base_conf(10, 1, 0);
	struct rrl *r;
	struct sockaddr_storage a = v4("192.0.2.1");
	const uint8_t *zone = name("example.com");
	int nx[3] = { 0 }, ok[3] = { 0 }, ref[3] = { 0 };
	char buf[64];

	c.nxdomain_per_second = 3;
	r = rrl_new(&c);
	/* NXDOMAIN is keyed by the zone whatever the qtype, at its own rate (3 × 1 s) */
	for (int i = 0; i < 50; i++)
		burst(r, &a, zone, (uint16_t)(i + 1), RCODE_NXDOMAIN, T0, 1, nx);
	ck_assert_int_eq(nx[RRL_SEND], 3);
	/* positive answers at the zone apex are another bucket, at the normal rate */
	burst(r, &a, zone, TYPE_SOA, RCODE_NOERROR, T0, 50, ok);
	ck_assert_int_eq(ok[RRL_SEND], 10);
	/* REFUSED for random names: one bucket per network and rcode */
	for (int i = 0; i < 50; i++) {
		snprintf(buf, sizeof(buf), "r%d.elsewhere.example", i);
		burst(r, &a, name(buf), TYPE_A, RCODE_REFUSED, T0, 1, ref);
	}
	ck_assert_int_eq(ref[RRL_SEND], 10);
	rrl_free(r);
}
END_TEST

START_TEST(exempt_never_limited)
{
	struct conf_rrl c = base_conf(1, 1, 2);
	struct conf_rrl_net ex[2] = { { .family = AF_INET, .prefix = 24 },
				      { .family = AF_INET6, .prefix = 32 } };
	struct rrl *r;
	struct sockaddr_storage a = v4("192.0.2.99"), b = v6("2001:db8:ffff::1"),
				out = v4("192.0.1.255");
	int ca[3] = { 0 }, cb[3] = { 0 }, co[3] = { 0 };

	inet_pton(AF_INET, "192.0.2.0", ex[0].addr);
	inet_pton(AF_INET6, "2001:db8::", ex[1].addr);
	c.exempt = ex;
	c.nexempt = 2;
	r = rrl_new(&c);
	burst(r, &a, name("x.example"), TYPE_A, 0, T0, 1000, ca);
	burst(r, &b, name("x.example"), TYPE_A, 0, T0, 1000, cb);
	burst(r, &out, name("x.example"), TYPE_A, 0, T0, 1000, co);
	ck_assert_int_eq(ca[RRL_SEND], 1000);
	ck_assert_int_eq(cb[RRL_SEND], 1000);
	ck_assert_int_eq(co[RRL_SEND], 1);
	rrl_free(r);
}
END_TEST

START_TEST(window_refill)
{
	struct conf_rrl c = base_conf(10, 2, 2); /* T = 100 ms, depth 20 */
	struct rrl *r = rrl_new(&c);
	struct sockaddr_storage a = v4("203.0.113.5");
	const uint8_t *nm = name("www.example.com");
	int c0[3] = { 0 }, c1[3] = { 0 }, c2[3] = { 0 }, c3[3] = { 0 }, c4[3] = { 0 };

	burst(r, &a, nm, TYPE_A, 0, T0, 100, c0);
	ck_assert_int_eq(c0[RRL_SEND], 20);
	/* limited answers do not dig a debt: 100 ms later exactly one token is back */
	burst(r, &a, nm, TYPE_A, 0, T0 + 99, 10, c1);
	ck_assert_int_eq(c1[RRL_SEND], 0);
	burst(r, &a, nm, TYPE_A, 0, T0 + 100, 10, c2);
	ck_assert_int_eq(c2[RRL_SEND], 1);
	/* a sustained flood gets the rate: 5 s of 50 qps → 50 answers */
	for (int ms = 200; ms <= 5100; ms += 20)
		burst(r, &a, nm, TYPE_A, 0, T0 + (uint64_t)ms, 1, c3);
	ck_assert_int_eq(c3[RRL_SEND], 50);
	/* idle for the window: the bucket is full again, and no more than full */
	burst(r, &a, nm, TYPE_A, 0, T0 + 60000, 100, c4);
	ck_assert_int_eq(c4[RRL_SEND], 20);
	rrl_free(r);
}
END_TEST

START_TEST(clock_wrap)
{
	/* the TAT is kept modulo 2^40 µs: decisions across that boundary stay right */
	struct conf_rrl c = base_conf(10, 1, 2);
	struct rrl *r = rrl_new(&c);
	struct sockaddr_storage a = v4("203.0.113.5");
	const uint8_t *nm = name("www.example.com");
	uint64_t wrap = (UINT64_C(1) << 40) / 1000; /* ms */
	int c0[3] = { 0 }, c1[3] = { 0 }, c2[3] = { 0 };

	burst(r, &a, nm, TYPE_A, 0, wrap - 50, 100, c0);
	ck_assert_int_eq(c0[RRL_SEND], 10);
	burst(r, &a, nm, TYPE_A, 0, wrap + 10, 100, c1); /* 60 ms later: nothing back */
	ck_assert_int_eq(c1[RRL_SEND], 0);
	burst(r, &a, nm, TYPE_A, 0, wrap + 50, 100, c2); /* 100 ms: one */
	ck_assert_int_eq(c2[RRL_SEND], 1);
	/* a bucket idle for many wraps counts as full, never as far in the future */
	int c3[3] = { 0 };
	burst(r, &a, nm, TYPE_A, 0, wrap * 7 + 12345, 100, c3);
	ck_assert_int_eq(c3[RRL_SEND], 10);
	rrl_free(r);
}
END_TEST

START_TEST(collisions_reset)
{
	struct conf_rrl c = base_conf(1, 1, 2);
	struct rrl *r = rrl_new(&c);
	struct rrl_stats st;
	char buf[64];
	int count[3] = { 0 };

	struct sockaddr_storage a = v4("10.0.0.1");
	uint8_t nm[DNAME_MAXLEN];

	/* four times more keys than slots: slots are taken over, nothing breaks (no ck_assert
	 * in the loop: Check makes each one a write to a pipe) */
	for (int i = 0; i < 4 * RRL_BUCKETS; i++) {
		((struct sockaddr_in *)&a)->sin_addr.s_addr = htonl(0x0a000000u + ((unsigned)i << 8));
		snprintf(buf, sizeof(buf), "n%d.example", i % 1000);
		dname_from_str(buf, nm);
		enum rrl_action act = rrl_decide(r, (struct sockaddr *)&a, nm, TYPE_A, 0, T0);
		count[act <= RRL_SLIP ? act : RRL_DROP]++;
	}
	rrl_stats(r, &st);
	ck_assert_uint_gt(st.collisions, 0);
	/* each key appears once: only a (rare) equal tag in a slot can limit one */
	ck_assert_int_ge(count[RRL_SEND], 4 * RRL_BUCKETS - 16);
	rrl_free(r);
}
END_TEST

struct hammer {
	struct rrl *r;
	int sent;
};

static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	struct sockaddr_storage a = v4("192.0.2.1");
	uint8_t nm[DNAME_MAXLEN];

	dname_from_str("www.example.com", nm);
	for (int i = 0; i < 200000; i++)
		if (rrl_decide(h->r, (struct sockaddr *)&a, nm, TYPE_A, 0, T0) == RRL_SEND)
			h->sent++;
	return NULL;
}

START_TEST(threads_share_exactly)
{
	struct conf_rrl c = base_conf(100, 3, 2);
	struct rrl *r = rrl_new(&c);
	struct hammer h[4];
	pthread_t t[4];
	int sent = 0;

	for (int i = 0; i < 4; i++) {
		h[i] = (struct hammer){ .r = r };
		ck_assert_int_eq(pthread_create(&t[i], NULL, hammer_main, &h[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		sent += h[i].sent;
	}
	/* compare-and-swap: the shared bucket hands out its depth, not a token more */
	ck_assert_int_eq(sent, 300);
	rrl_free(r);
}
END_TEST

/* ---- responses ---- */

static size_t put_name(uint8_t *p, const char *s)
{
	return (size_t)dname_from_str(s, p);
}

static size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/* www.Example.COM A, one A answer (compressed owner), an NS in authority,
 * then OPT in additional. */
static size_t build_answer(uint8_t *p, size_t *qend)
{
	size_t n = 0;

	n += put16(p + n, 0x1234);
	n += put16(p + n, 0x8400);
	n += put16(p + n, 1);
	n += put16(p + n, 1);
	n += put16(p + n, 1);
	n += put16(p + n, 1);
	n += put_name(p + n, "www.Example.COM");
	n += put16(p + n, TYPE_A);
	n += put16(p + n, CLASS_IN);
	*qend = n;
	n += put16(p + n, 0xc00c);
	n += put16(p + n, TYPE_A);
	n += put16(p + n, CLASS_IN);
	n += put16(p + n, 0);
	n += put16(p + n, 60);
	n += put16(p + n, 4);
	memcpy(p + n, "\xc0\x00\x02\x01", 4);
	n += 4;
	n += put16(p + n, 0xc010); /* example.com */
	n += put16(p + n, TYPE_NS);
	n += put16(p + n, CLASS_IN);
	n += put16(p + n, 0);
	n += put16(p + n, 60);
	n += put16(p + n, 2);
	n += put16(p + n, 0xc00c);
	p[n++] = 0; /* OPT: root owner */
	n += put16(p + n, TYPE_OPT);
	n += put16(p + n, 1232);
	n += put16(p + n, 0);
	n += put16(p + n, 0);
	n += put16(p + n, 4); /* one empty option */
	n += put16(p + n, 3); /* NSID */
	n += put16(p + n, 0);
	return n;
}

START_TEST(parse_and_slip)
{
	uint8_t p[512];
	size_t qend;
	size_t len = build_answer(p, &qend);
	struct rrl_resp rr;

	ck_assert_int_eq(rrl_parse_response(p, len, &rr), 0);
	ck_assert_uint_eq(rr.rcode, 0);
	ck_assert_uint_eq(rr.qtype, TYPE_A);
	ck_assert_uint_eq(rr.qend, qend);
	ck_assert(dname_equal(rr.name, name("www.example.com")));
	ck_assert_int_eq(memcmp(rr.name, name("www.example.com"), 17), 0); /* lowercased */

	size_t slen = rrl_slip_response(p, len, rr.qend);
	ck_assert_uint_eq(slen, qend + 15);
	ck_assert_uint_eq(p[2] & 0x02, 0x02);  /* TC */
	ck_assert_uint_eq(p[2] & 0x04, 0x04);  /* AA kept */
	ck_assert_uint_eq(p[6] << 8 | p[7], 0);
	ck_assert_uint_eq(p[8] << 8 | p[9], 0);
	ck_assert_uint_eq(p[10] << 8 | p[11], 1);
	ck_assert_uint_eq(p[qend], 0);
	ck_assert_uint_eq(p[qend + 1] << 8 | p[qend + 2], TYPE_OPT);
	ck_assert_uint_eq(p[qend + 3] << 8 | p[qend + 4], 1232);

	/* without OPT: header and question only */
	len = build_answer(p, &qend);
	p[11] = 0;
	ck_assert_uint_eq(rrl_slip_response(p, len - 15, qend), qend);
	ck_assert_uint_eq(p[10] << 8 | p[11], 0);
}
END_TEST

START_TEST(parse_nxdomain_zone)
{
	uint8_t p[512];
	size_t n = 0, qend;

	n += put16(p + n, 1);
	n += put16(p + n, 0x8403); /* NXDOMAIN */
	n += put16(p + n, 1);
	n += put16(p + n, 0);
	n += put16(p + n, 1);
	n += put16(p + n, 0);
	n += put_name(p + n, "nope.sub.example.com");
	n += put16(p + n, TYPE_AAAA);
	n += put16(p + n, CLASS_IN);
	qend = n;
	n += put16(p + n, 0xc00c + 9); /* example.com inside the qname */
	n += put16(p + n, TYPE_SOA);
	n += put16(p + n, CLASS_IN);
	n += put16(p + n, 0);
	n += put16(p + n, 60);
	n += put16(p + n, 2 + 2 + 20);
	n += put16(p + n, 0xc00c + 9);
	n += put16(p + n, 0xc00c + 9);
	memset(p + n, 0, 20);
	n += 20;

	struct rrl_resp rr;
	ck_assert_int_eq(rrl_parse_response(p, n, &rr), 0);
	ck_assert_uint_eq(rr.rcode, RCODE_NXDOMAIN);
	ck_assert_uint_eq(rr.qend, qend);
	ck_assert(dname_equal(rr.name, name("example.com")));

	/* truncated and garbage responses are refused, never overrun */
	for (size_t cut = 0; cut < qend; cut++)
		ck_assert_int_eq(rrl_parse_response(p, cut, &rr) < 0 || cut >= qend, 1);
	for (size_t cut = qend; cut < n; cut++) {
		uint8_t q[512];

		memcpy(q, p, n);
		ck_assert_int_eq(rrl_parse_response(q, cut, &rr), 0);
		ck_assert_uint_le(rrl_slip_response(q, cut, rr.qend), cut);
	}
}
END_TEST

/* A NOERROR response to qname/qtype: with one A answer (answer), else empty with the SOA
 * of example.com in authority (NODATA) or, with ns, a referral to ns (an NS record). */
static size_t build_response(uint8_t *p, const char *qname, uint16_t qtype, bool answer,
			     const char *ns)
{
	size_t n = 0;

	n += put16(p + n, 7);
	n += put16(p + n, 0x8400);
	n += put16(p + n, 1);
	n += put16(p + n, answer ? 1 : 0);
	n += put16(p + n, answer ? 0 : 1);
	n += put16(p + n, 0);
	n += put_name(p + n, qname);
	n += put16(p + n, qtype);
	n += put16(p + n, CLASS_IN);
	if (answer) {
		n += put16(p + n, 0xc00c);
		n += put16(p + n, TYPE_A);
		n += put16(p + n, CLASS_IN);
		n += put16(p + n, 0);
		n += put16(p + n, 60);
		n += put16(p + n, 4);
		memcpy(p + n, "\xc0\x00\x02\x01", 4);
		return n + 4;
	}
	n += put_name(p + n, ns ? ns : "example.com");
	n += put16(p + n, ns ? TYPE_NS : TYPE_SOA);
	n += put16(p + n, CLASS_IN);
	n += put16(p + n, 0);
	n += put16(p + n, 60);
	n += put16(p + n, ns ? 2 : 24);
	n += put16(p + n, 0xc00c);
	if (!ns) {
		n += put16(p + n, 0xc00c);
		memset(p + n, 0, 20);
		n += 20;
	}
	return n;
}

/* Sends k responses built by mk(i) from one client through rrl_udp (rate 2, window 1, no
 * slip) and returns how many went out unchanged. */
static int sent_of(struct rrl *r, int k, size_t (*mk)(uint8_t *p, int i),
		   const uint8_t *wildcard)
{
	struct sockaddr_storage a = v4("192.0.2.9");
	uint8_t p[512];
	int sent = 0;

	for (int i = 0; i < k; i++) {
		size_t len = mk(p, i);
		sent += rrl_udp(r, p, len, (struct sockaddr *)&a, wildcard, T0) == len;
	}
	return sent;
}

static size_t nodata_any_type(uint8_t *p, int i)
{
	return build_response(p, "example.com", (uint16_t)(100 + i), false, NULL);
}

static size_t random_label(uint8_t *p, int i)
{
	char q[64];

	snprintf(q, sizeof(q), "r%d.apps.example.com", i);
	return build_response(p, q, TYPE_A, true, NULL);
}

static size_t referral_below_cut(uint8_t *p, int i)
{
	char q[64];

	snprintf(q, sizeof(q), "x%d.sub.example.com", i);
	return build_response(p, q, TYPE_A, false, "sub.example.com");
}

/* Random qtypes at the apex (NODATA), random labels under a wildcard and random names below
 * a delegation are each one bucket: they used to be one bucket per qname and qtype, so a
 * flood of them was never limited. Distinct real answers still get a bucket each. */
START_TEST(empty_wildcard_referral_buckets)
{
	struct conf_rrl c = base_conf(2, 1, 0);
	struct rrl *r = rrl_new(&c);
	struct rrl_resp rr;
	uint8_t p[512];
	size_t len = nodata_any_type(p, 0);

	ck_assert_int_eq(rrl_parse_response(p, len, &rr), 0);
	ck_assert_uint_eq(rr.qtype, RRL_QTYPE_EMPTY);
	ck_assert(dname_equal(rr.name, name("example.com")));
	ck_assert_int_eq(sent_of(r, 10, nodata_any_type, NULL), 2);
	ck_assert_int_eq(sent_of(r, 10, random_label, name("*.apps.example.com")), 2);
	ck_assert_int_eq(sent_of(r, 10, referral_below_cut, NULL), 2);
	ck_assert_int_eq(sent_of(r, 10, random_label, NULL), 10); /* no wildcard: real names */
	rrl_free(r);
}
END_TEST

START_TEST(udp_step)
{
	struct conf_rrl c = base_conf(2, 1, 2);
	struct rrl *r = rrl_new(&c);
	struct sockaddr_storage a = v4("192.0.2.1");
	uint8_t p[512];
	size_t qend, len, got[6];

	for (int i = 0; i < 6; i++) {
		len = build_answer(p, &qend);
		got[i] = rrl_udp(r, p, len, (struct sockaddr *)&a, NULL, T0);
	}
	ck_assert_uint_eq(got[0], len);
	ck_assert_uint_eq(got[1], len);
	ck_assert_uint_eq(got[2], 0);
	ck_assert_uint_eq(got[3], qend + 15);
	ck_assert_uint_eq(got[4], 0);
	ck_assert_uint_eq(got[5], qend + 15);
	/* RRL off: everything goes */
	len = build_answer(p, &qend);
	ck_assert_uint_eq(rrl_udp(NULL, p, len, (struct sockaddr *)&a, NULL, T0), len);
	rrl_free(r);
}
END_TEST

/* ---- config ---- */

static struct conf *load_text(const char *rrl, char **err)
{
	char path[] = "/tmp/test_rrl.XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	struct conf *c;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fprintf(f,
		"server: { listen = [ \"127.0.0.1:5300\" ]; };\n"
		"zones = ( { name = \"example.com\"; file = \"%s/zones/example.com.zone\"; } );\n"
		"%s\n",
		TEST_SRCDIR, rrl);
	fclose(f);
	char buf[CONF_ERRLEN];
	c = conf_load(path, CONF_S_GSLBD, buf, sizeof(buf));
	*err = c ? NULL : strdup(buf);
	unlink(path);
	return c;
}

START_TEST(conf_section)
{
	char *err;
	struct conf *c = load_text("", &err);

	ck_assert_ptr_nonnull(c);
	ck_assert(!c->rrl.enabled);
	ck_assert_ptr_null(rrl_new(&c->rrl));
	conf_free(c);

	c = load_text("rrl: { };", &err);
	ck_assert_ptr_nonnull(c);
	ck_assert(c->rrl.enabled);
	ck_assert_int_eq(c->rrl.responses_per_second, 20);
	ck_assert_int_eq(c->rrl.window, 15);
	ck_assert_int_eq(c->rrl.slip, 2);
	ck_assert_int_eq(c->rrl.ipv4_prefix, 24);
	ck_assert_int_eq(c->rrl.ipv6_prefix, 56);
	ck_assert_int_eq(c->rrl.nxdomain_per_second, 0);
	ck_assert_uint_eq(c->rrl.nexempt, 0);
	conf_free(c);

	c = load_text("rrl: { responses_per_second = 0; };", &err);
	ck_assert_ptr_nonnull(c);
	ck_assert(!c->rrl.enabled);
	conf_free(c);

	c = load_text("rrl: { responses_per_second = 5; window = 3; slip = 1; ipv4_prefix = 32;\n"
		      "  ipv6_prefix = 64; nxdomain_per_second = 1;\n"
		      "  exempt = [ \"192.0.2.0/24\", \"2001:db8::/32\", \"10.1.2.3\" ]; };",
		      &err);
	ck_assert_msg(c != NULL, "%s", err ? err : "");
	ck_assert_int_eq(c->rrl.responses_per_second, 5);
	ck_assert_int_eq(c->rrl.window, 3);
	ck_assert_int_eq(c->rrl.slip, 1);
	ck_assert_int_eq(c->rrl.ipv4_prefix, 32);
	ck_assert_int_eq(c->rrl.ipv6_prefix, 64);
	ck_assert_int_eq(c->rrl.nxdomain_per_second, 1);
	ck_assert_uint_eq(c->rrl.nexempt, 3);
	ck_assert_int_eq(c->rrl.exempt[1].family, AF_INET6);
	ck_assert_int_eq(c->rrl.exempt[1].prefix, 32);
	ck_assert_int_eq(c->rrl.exempt[2].prefix, 32);

	struct rrl *r = rrl_new(&c->rrl);
	struct conf_rrl other = c->rrl;
	ck_assert(rrl_conf_equal(r, &c->rrl));
	other.slip = 2;
	ck_assert(!rrl_conf_equal(r, &other));
	other = c->rrl;
	other.nexempt = 2;
	ck_assert(!rrl_conf_equal(r, &other));
	ck_assert(!rrl_conf_equal(NULL, &c->rrl));
	other.enabled = false;
	ck_assert(rrl_conf_equal(NULL, &other));
	rrl_free(r);
	conf_free(c);
}
END_TEST

START_TEST(conf_errors)
{
	char *err;
	struct conf *c;

	c = load_text("rrl: { exempt = [ \"192.0.2.1/24\", \"nonsense\", \"::/129\" ]; slip = 11; };",
		      &err);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err, ":3: rrl.exempt[0]: bad network \"192.0.2.1/24\""));
	ck_assert_ptr_nonnull(strstr(err, "rrl.exempt[1]: bad network \"nonsense\""));
	ck_assert_ptr_nonnull(strstr(err, "rrl.exempt[2]: bad network \"::/129\""));
	ck_assert_ptr_nonnull(strstr(err, "rrl.slip: 11 is out of range 0..10"));
	free(err);

	c = load_text("rrl: { window = 0; ipv6_prefix = 200; colour = \"red\"; };", &err);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err, "rrl.window: 0 is out of range 1..3600"));
	ck_assert_ptr_nonnull(strstr(err, "rrl.ipv6_prefix: 200 is out of range 0..128"));
	ck_assert_ptr_nonnull(strstr(err, "rrl.colour: unknown setting"));
	free(err);
}
END_TEST

UNIT_SUITE("rrl", { "flood_slip_ratio", flood_slip_ratio }, { "slip_zero_and_one", slip_zero_and_one },
	   { "other_network_unaffected", other_network_unaffected },
	   { "name_and_type_are_buckets", name_and_type_are_buckets },
	   { "nxdomain_and_errors", nxdomain_and_errors },
	   { "exempt_never_limited", exempt_never_limited }, { "window_refill", window_refill },
	   { "clock_wrap", clock_wrap }, { "collisions_reset", collisions_reset },
	   { "threads_share_exactly", threads_share_exactly },
	   { "parse_and_slip", parse_and_slip }, { "parse_nxdomain_zone", parse_nxdomain_zone },
	   { "empty_wildcard_referral", empty_wildcard_referral_buckets },
	   { "udp_step", udp_step }, { "conf_section", conf_section },
	   { "conf_errors", conf_errors })
