/* SPDX-License-Identifier: Apache-2.0 */
/* test_netmap.c — network map: parsing, longest-prefix match, span, families, a random check */
#include "config.h"

#include "netmap.h"

#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static struct netmap *build(const char *const *nets, size_t n)
{
	struct netmap *m = netmap_new();
	char err[256];

	ck_assert_ptr_nonnull(m);
	for (size_t i = 0; i < n; i++) {
		struct netmap_prefix p;
		ck_assert_msg(netmap_parse(nets[i], &p, err, sizeof(err)) == 0, "%s: %s", nets[i],
			      err);
		ck_assert_int_eq(netmap_insert(m, &p, (uint32_t)i, NULL), 0);
	}
	netmap_seal(m);
	ck_assert_uint_eq(netmap_count(m), n);
	return m;
}

/* The value the map gives text (an address), and the span in *span. */
static uint32_t look(const struct netmap *m, const char *text, unsigned *span)
{
	uint8_t a[16], p;
	int fam = strchr(text, ':') ? AF_INET6 : AF_INET;

	ck_assert_int_eq(inet_pton(fam, text, a), 1);
	uint32_t v = netmap_lookup(m, fam, a, &p);
	if (span)
		*span = p;
	return v;
}

START_TEST(parse_good_and_bad)
{
	struct netmap_prefix p;
	char err[256];

	ck_assert_int_eq(netmap_parse("192.0.2.0/24", &p, err, sizeof(err)), 0);
	ck_assert_int_eq(p.family, AF_INET);
	ck_assert_uint_eq(p.prefix, 24);
	ck_assert_int_eq(netmap_parse("2001:db8::/32", &p, err, sizeof(err)), 0);
	ck_assert_int_eq(p.family, AF_INET6);
	ck_assert_int_eq(netmap_parse("192.0.2.7", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.prefix, 32);
	ck_assert_int_eq(netmap_parse("::1", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.prefix, 128);
	/* v4-mapped: stored as the IPv4 network */
	ck_assert_int_eq(netmap_parse("::ffff:10.0.0.0/104", &p, err, sizeof(err)), 0);
	ck_assert_int_eq(p.family, AF_INET);
	ck_assert_uint_eq(p.prefix, 8);
	ck_assert_uint_eq(p.addr[0], 10);

	ck_assert_int_eq(netmap_parse("10.0.0.1/8", &p, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "\"10.0.0.1/8\" has host bits set (did you mean 10.0.0.0/8?)");
	ck_assert_int_eq(netmap_parse("10.0.0.0/33", &p, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "bad prefix length in \"10.0.0.0/33\" (want 0..32)");
	ck_assert_int_eq(netmap_parse("2001:db8::/129", &p, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(netmap_parse("10.0.0.0/", &p, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(netmap_parse("10.0.0.0/8x", &p, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(netmap_parse("10.0.0.0/-1", &p, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(netmap_parse("example.com/8", &p, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "bad network \"example.com/8\" (want ADDRESS/LENGTH, e.g. "
			      "192.0.2.0/24)");
	ck_assert_int_eq(netmap_parse("", &p, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(default_routes)
{
	const char *nets[] = {"0.0.0.0/0", "::/0"};
	struct netmap *m = build(nets, 2);
	unsigned span;

	ck_assert_uint_eq(look(m, "198.51.100.1", &span), 0);
	ck_assert_uint_eq(span, 0);
	ck_assert_uint_eq(look(m, "2001:db8::1", &span), 1);
	ck_assert_uint_eq(span, 0);
	netmap_free(m);
}
END_TEST

START_TEST(host_routes)
{
	const char *nets[] = {"192.0.2.1/32", "2001:db8::1/128"};
	struct netmap *m = build(nets, 2);
	unsigned span;

	ck_assert_uint_eq(look(m, "192.0.2.1", &span), 0);
	ck_assert_uint_eq(span, 32);
	ck_assert_uint_eq(look(m, "192.0.2.0", &span), NETMAP_NONE);
	ck_assert_uint_eq(span, 32); /* differs from the /32 in the last bit only */
	ck_assert_uint_eq(look(m, "192.0.2.3", &span), NETMAP_NONE);
	ck_assert_uint_eq(span, 31);
	ck_assert_uint_eq(look(m, "2001:db8::1", &span), 1);
	ck_assert_uint_eq(span, 128);
	ck_assert_uint_eq(look(m, "2001:db8::2", &span), NETMAP_NONE);
	ck_assert_uint_eq(span, 127);
	netmap_free(m);
}
END_TEST

/* Longest prefix wins whatever the insertion order; the span never lets a resolver cache
 * the short entry's answer over a longer one inside it. */
START_TEST(overlapping)
{
	const char *nets[] = {"10.1.2.0/24", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.128/25"};
	struct netmap *m = build(nets, 4);
	unsigned span;

	ck_assert_uint_eq(look(m, "10.1.2.200", &span), 3);
	ck_assert_uint_eq(span, 25);
	ck_assert_uint_eq(look(m, "10.1.2.1", &span), 0);
	ck_assert_uint_eq(span, 25); /* 10.1.2.0/25: the /25 beside it is another answer */
	ck_assert_uint_eq(look(m, "10.1.3.1", &span), 2);
	ck_assert_uint_eq(span, 24);
	ck_assert_uint_eq(look(m, "10.1.128.1", &span), 2);
	ck_assert_uint_eq(span, 17);
	ck_assert_uint_eq(look(m, "10.200.0.1", &span), 1);
	ck_assert_uint_eq(span, 9); /* 10.128.0.0/9 holds no longer entry */
	ck_assert_uint_eq(look(m, "11.0.0.1", &span), NETMAP_NONE);
	ck_assert_uint_eq(span, 8);
	netmap_free(m);
}
END_TEST

/* IPv4 and IPv6 are two trees: ::/0 is not a default for IPv4, and a v4-mapped IPv6
 * address (or entry) is IPv4. */
START_TEST(families)
{
	const char *nets[] = {"::/0", "::ffff:192.0.2.0/120", "198.51.100.0/24"};
	struct netmap *m = build(nets, 3);
	unsigned span;

	ck_assert_uint_eq(look(m, "203.0.113.1", &span), NETMAP_NONE);
	ck_assert_uint_eq(look(m, "192.0.2.9", &span), 1);
	ck_assert_uint_eq(span, 24);
	ck_assert_uint_eq(look(m, "::ffff:198.51.100.9", &span), 2);
	ck_assert_uint_eq(span, 120);
	ck_assert_uint_eq(look(m, "::ffff:203.0.113.1", &span), NETMAP_NONE);
	ck_assert_uint_eq(look(m, "2001:db8::1", &span), 0);
	/* 0.0.0.0/8 is not ::/8 */
	ck_assert_uint_eq(look(m, "::c000:209", &span), 0);
	uint8_t a[16] = {0}, p;
	ck_assert_uint_eq(netmap_lookup(m, AF_UNIX, a, &p), NETMAP_NONE);
	ck_assert_uint_eq(netmap_lookup(NULL, AF_INET, a, &p), NETMAP_NONE);
	netmap_free(m);
}
END_TEST

START_TEST(duplicates)
{
	struct netmap *m = netmap_new();
	struct netmap_prefix p;
	uint32_t old = 0;
	char err[128];

	ck_assert_int_eq(netmap_parse("10.0.0.0/8", &p, err, sizeof(err)), 0);
	ck_assert_int_eq(netmap_insert(m, &p, 7, &old), 0);
	ck_assert_int_eq(netmap_insert(m, &p, 8, &old), -EEXIST);
	ck_assert_uint_eq(old, 7);
	/* a join node made by two longer entries takes a value later */
	netmap_free(m);
	m = netmap_new();
	ck_assert_int_eq(netmap_parse("10.0.0.0/16", &p, err, sizeof(err)), 0);
	ck_assert_int_eq(netmap_insert(m, &p, 1, NULL), 0);
	ck_assert_int_eq(netmap_parse("10.128.0.0/16", &p, err, sizeof(err)), 0);
	ck_assert_int_eq(netmap_insert(m, &p, 2, NULL), 0);
	ck_assert_int_eq(netmap_parse("10.0.0.0/8", &p, err, sizeof(err)), 0);
	ck_assert_int_eq(netmap_insert(m, &p, 3, NULL), 0);
	ck_assert_int_eq(netmap_insert(m, &p, 4, &old), -EEXIST);
	ck_assert_uint_eq(old, 3);
	ck_assert_uint_eq(look(m, "10.64.0.1", NULL), 3);
	ck_assert_uint_eq(look(m, "10.128.9.9", NULL), 2);
	ck_assert_uint_eq(netmap_count(m), 3);
	netmap_free(m);
}
END_TEST

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random prefixes of a family (IPv6 clustered in three /16s, IPv4 anywhere), checked
 * against a linear scan: the value, and that the span is uniform (its first and last
 * address agree). N >= 1024 takes the jump table and the depth-first layout. */
static void random_against_scan(int family, size_t N)
{
	enum { Q = 20000 };
	static struct netmap_prefix ps[4000];
	struct netmap *m = netmap_new();
	size_t n = 0;
	unsigned max = family == AF_INET ? 32 : 128, bytes = max / 8;

	ck_assert_uint_le(N, 4000);
	for (size_t i = 0; i < N; i++) {
		struct netmap_prefix *p = &ps[n];
		uint64_t r = next(), r2 = next();
		memset(p, 0, sizeof(*p));
		p->family = family;
		memcpy(p->addr, &r2, 8);
		memcpy(p->addr + 8, &r, 8);
		if (family == AF_INET6) {
			p->prefix = (uint8_t)(16 + r % 113);
			p->addr[0] = 0x20;
			p->addr[1] = (uint8_t)(r2 % 3);
		} else {
			p->prefix = (uint8_t)(r % 33);
			memset(p->addr + 4, 0, 12);
		}
		for (unsigned b = p->prefix; b < max; b++)
			p->addr[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
		if (netmap_insert(m, p, (uint32_t)n, NULL) == 0)
			n++;
	}
	netmap_seal(m);
	ck_assert_uint_lt(netmap_nodes(m), 2 * n + 2);
	for (size_t q = 0; q < Q; q++) {
		uint8_t a[16] = {0}, p;
		uint64_t r = next(), r2 = next();
		if (q % 2) { /* an address inside an entry, so that hits are common */
			memcpy(a, ps[r % n].addr, bytes);
			a[bytes - 1] ^= (uint8_t)r2;
			a[(r2 >> 8) % bytes] ^= (uint8_t)(r2 >> 16) & 1;
		} else {
			memcpy(a, &r, 8);
			memcpy(a + 8, &r2, 8);
			if (family == AF_INET6) {
				a[0] = 0x20;
				a[1] = (uint8_t)(r % 3);
			}
		}
		uint32_t want = NETMAP_NONE;
		int best = -1;
		for (size_t i = 0; i < n; i++) {
			unsigned len = ps[i].prefix, full = len / 8;
			bool in = memcmp(a, ps[i].addr, full) == 0 &&
				  (len % 8 == 0 ||
				   ((a[full] ^ ps[i].addr[full]) & (0xff << (8 - len % 8))) == 0);
			if (in && (int)len > best) {
				best = (int)len;
				want = (uint32_t)i;
			}
		}
		uint32_t got = netmap_lookup(m, family, a, &p);
		ck_assert_uint_eq(got, want);
		ck_assert_int_ge(p, best < 0 ? 0 : best);
		ck_assert_uint_le(p, max);
		/* the span's lowest and highest addresses get the same value */
		uint8_t lo[16], hi[16], pl;
		memcpy(lo, a, 16);
		memcpy(hi, a, 16);
		for (unsigned b = p; b < max; b++) {
			lo[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
			hi[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		}
		ck_assert_uint_eq(netmap_lookup(m, family, lo, &pl), want);
		ck_assert_uint_eq(netmap_lookup(m, family, hi, &pl), want);
	}
	netmap_free(m);
}

START_TEST(random_v6_small)
{
	random_against_scan(AF_INET6, 600);
}
END_TEST

START_TEST(random_v6_big)
{
	random_against_scan(AF_INET6, 3000);
}
END_TEST

START_TEST(random_v4_small)
{
	random_against_scan(AF_INET, 600);
}
END_TEST

START_TEST(random_v4_big)
{
	random_against_scan(AF_INET, 4000);
}
END_TEST

UNIT_SUITE("netmap", {"parse_good_and_bad", parse_good_and_bad}, {"default_routes", default_routes},
	   {"host_routes", host_routes}, {"overlapping", overlapping}, {"families", families},
	   {"duplicates", duplicates}, {"random_v6_small", random_v6_small},
	   {"random_v6_big", random_v6_big}, {"random_v4_small", random_v4_small},
	   {"random_v4_big", random_v4_big})
