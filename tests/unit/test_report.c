/* SPDX-License-Identifier: Apache-2.0 */
/* test_report.c — probe report datagrams: round trip, signatures, keys, splitting, bad input */
#include "config.h"

#include "report.h"

#include "unit.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t secret1[] = "0123456789abcdef0123456789abcdef-one";
static uint8_t secret2[] = "0123456789abcdef0123456789abcdef-two";
static uint8_t secret_bad[] = "0123456789abcdef0123456789abcdef-bad";

static char *any[] = { "*" };
static char *eu[] = { "probe-eu-1", "probe-eu-2" };

static struct conf_health_key keys[] = {
	{ .id = "k1", .secret = secret1, .secret_len = sizeof(secret1) - 1, .probers = any,
	  .nprobers = 1 },
	{ .id = "k2", .secret = secret2, .secret_len = sizeof(secret2) - 1, .probers = eu,
	  .nprobers = 2 },
};
static struct conf_health both = { .present = true, .keys = keys, .nkeys = 2 };
static struct conf_health only_k2 = { .present = true, .keys = keys + 1, .nkeys = 1 };

static const uint8_t www[] = "\3www\7example\3com"; /* the literal's NUL is the root label */
static const uint8_t WWW[] = "\3WWW\7Example\3COM";
static const uint8_t api[] = "\3api\7example\3com";

static uint8_t bufs[REPORT_MAX_PARTS][REPORT_MAX_DATAGRAM];
static size_t lens[REPORT_MAX_PARTS];
static struct report_view view;

static const struct report_meta meta = { .prober = "probe-eu-1", .seq = 1700000000000001ULL,
					 .timestamp_ms = 1700000000123ULL };

static void sample(struct report_entry e[3])
{
	memset(e, 0, 3 * sizeof(*e));
	e[0] = (struct report_entry){ .service = WWW, .member = 0, .family = 4,
				      .addr = { 192, 0, 2, 1 }, .up = true, .rtt_us = 1500,
				      .load_permille = 250, .last_change_ms = 1699999999000ULL };
	e[1] = (struct report_entry){ .service = www, .member = 7, .family = 6,
				      .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, .up = false,
				      .rtt_us = REPORT_UNKNOWN, .load_permille = 1200 };
	e[2] = (struct report_entry){ .service = api, .member = 65535, .family = 0, .up = true,
				      .rtt_us = 0, .load_permille = REPORT_UNKNOWN,
				      .last_change_ms = UINT64_MAX };
}

/* Encodes sample() with m as one datagram signed with key k; returns its length. */
static size_t encode_meta(const struct report_meta *m, const struct conf_health_key *k)
{
	struct report_entry e[3];
	size_t nparts = 0;

	sample(e);
	ck_assert_int_eq(report_encode(m, k, e, 3, bufs, lens, REPORT_MAX_PARTS, &nparts), 0);
	ck_assert_uint_eq(nparts, 1);
	return lens[0];
}

static size_t encode_one(const struct conf_health_key *k)
{
	return encode_meta(&meta, k);
}

static int verify(const uint8_t *buf, size_t len, const struct conf_health *h,
		  const char **reason)
{
	return report_verify_parse(buf, len, h, &view, reason);
}

/* Re-signs buf[0..len - MAC) with k, for tests of content behind a valid signature. */
static void resign(uint8_t *buf, size_t len, const struct conf_health_key *k)
{
	unsigned int olen = 0;

	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), k->secret, (int)k->secret_len, buf,
				   len - REPORT_MAC_LEN, buf + len - REPORT_MAC_LEN, &olen));
	ck_assert_uint_eq(olen, REPORT_MAC_LEN);
}

START_TEST(round_trip)
{
	struct report_entry e[3];
	const char *reason = "unset";
	size_t len = encode_one(&keys[0]);

	sample(e);
	ck_assert_int_eq(verify(bufs[0], len, &both, &reason), 0);
	ck_assert_ptr_null(reason);
	ck_assert_ptr_eq(view.key, &keys[0]);
	ck_assert_uint_eq(view.prober_len, strlen(meta.prober));
	ck_assert_mem_eq(view.prober, meta.prober, view.prober_len);
	ck_assert_uint_eq(view.seq, meta.seq);
	ck_assert_uint_eq(view.timestamp_ms, meta.timestamp_ms);
	ck_assert_uint_eq(view.part, 0);
	ck_assert_uint_eq(view.nparts, 1);
	ck_assert_uint_eq(view.nentries, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct report_entry *g = &view.entries[i];

		ck_assert_uint_eq(g->member, e[i].member);
		ck_assert_uint_eq(g->family, e[i].family);
		ck_assert_mem_eq(g->addr, e[i].addr, 16);
		ck_assert_int_eq(g->up, e[i].up);
		ck_assert_uint_eq(g->rtt_us, e[i].rtt_us);
		ck_assert_uint_eq(g->load_permille, e[i].load_permille);
		ck_assert_uint_eq(g->last_change_ms, e[i].last_change_ms);
		ck_assert(g->service > bufs[0] && g->service < bufs[0] + len);
	}
	/* names travel lowercased */
	ck_assert_mem_eq(view.entries[0].service, www, sizeof(www));
	ck_assert_mem_eq(view.entries[2].service, api, sizeof(api));

	/* a heartbeat: no entries, still one signed part */
	size_t nparts = 0;
	ck_assert_int_eq(report_encode(&meta, &keys[1], NULL, 0, bufs, lens, 1, &nparts), 0);
	ck_assert_uint_eq(nparts, 1);
	ck_assert_int_eq(verify(bufs[0], lens[0], &both, &reason), 0);
	ck_assert_uint_eq(view.nentries, 0);
	ck_assert_ptr_eq(view.key, &keys[1]);
	ck_assert_uint_eq(report_seq_start(1700000000123456ULL), 1700000000123456ULL);
}
END_TEST

START_TEST(tamper_any_byte)
{
	size_t len = encode_one(&keys[0]);
	const char *reason;
	/* magic 4, version, flags, key id length, "k1" */
	const size_t key_end = REPORT_MAGIC_LEN + 3 + 2;

	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			uint8_t copy[REPORT_MAX_DATAGRAM];

			memcpy(copy, bufs[0], len);
			copy[i] ^= (uint8_t)(1u << bit);
			reason = NULL;
			ck_assert_int_lt(verify(copy, len, &both, &reason), 0);
			ck_assert_ptr_nonnull(reason);
			if (i < REPORT_MAGIC_LEN)
				ck_assert_str_eq(reason, REPORT_R_MALFORMED);
			else if (i == REPORT_MAGIC_LEN)
				ck_assert_str_eq(reason, REPORT_R_BAD_VERSION);
			else if (i >= key_end || i == REPORT_MAGIC_LEN + 1)
				ck_assert_msg(!strcmp(reason, REPORT_R_BAD_MAC), "byte %zu: %s", i,
					      reason);
			else /* key id or its length: another (unknown) key, or not an id */
				ck_assert_msg(!strcmp(reason, REPORT_R_UNKNOWN_KEY) ||
						      !strcmp(reason, REPORT_R_MALFORMED) ||
						      !strcmp(reason, REPORT_R_BAD_MAC),
					      "byte %zu: %s", i, reason);
		}
	}
	ck_assert_int_eq(verify(bufs[0], len, &both, &reason), 0);
}
END_TEST

START_TEST(wrong_key)
{
	struct conf_health_key forged = { .id = "k1", .secret = secret_bad,
					   .secret_len = sizeof(secret_bad) - 1 };
	struct conf_health_key unknown = { .id = "k3", .secret = secret1,
					   .secret_len = sizeof(secret1) - 1 };
	const char *reason;
	size_t len;

	len = encode_one(&forged);
	ck_assert_int_eq(verify(bufs[0], len, &both, &reason), -EBADMSG);
	ck_assert_str_eq(reason, REPORT_R_BAD_MAC);
	len = encode_one(&unknown);
	ck_assert_int_eq(verify(bufs[0], len, &both, &reason), -ENOKEY);
	ck_assert_str_eq(reason, REPORT_R_UNKNOWN_KEY);
	/* k2's id with k1's secret */
	struct conf_health_key swapped = { .id = "k2", .secret = secret1,
					   .secret_len = sizeof(secret1) - 1 };
	len = encode_one(&swapped);
	ck_assert_int_eq(verify(bufs[0], len, &both, &reason), -EBADMSG);
	ck_assert_str_eq(reason, REPORT_R_BAD_MAC);
}
END_TEST

START_TEST(truncated_and_oversized)
{
	size_t len = encode_one(&keys[0]);
	uint8_t big[REPORT_MAX_DATAGRAM + 1];
	const char *reason;

	for (size_t n = 0; n < len; n++) {
		reason = NULL;
		ck_assert_int_lt(verify(bufs[0], n, &both, &reason), 0);
		ck_assert_msg(!strcmp(reason, REPORT_R_MALFORMED) || !strcmp(reason, REPORT_R_BAD_MAC),
			      "length %zu: %s", n, reason);
	}
	/* one byte more, signed: the parser finds the trailing byte */
	memcpy(big, bufs[0], len);
	memmove(big + len - REPORT_MAC_LEN + 1, big + len - REPORT_MAC_LEN, REPORT_MAC_LEN);
	big[len - REPORT_MAC_LEN] = 0;
	resign(big, len + 1, &keys[0]);
	ck_assert_int_eq(verify(big, len + 1, &both, &reason), -EBADMSG);
	ck_assert_str_eq(reason, REPORT_R_MALFORMED);

	memset(big, 0, sizeof(big));
	memcpy(big, bufs[0], len);
	ck_assert_int_eq(verify(big, sizeof(big), &both, &reason), -EMSGSIZE);
	ck_assert_str_eq(reason, REPORT_R_OVERSIZED);
}
END_TEST

/* Content that is signed but wrong is still rejected, by the parser. */
START_TEST(signed_but_malformed)
{
	/* offsets in encode_one's datagram: header 4+1+1+1+2+1+10+8+8 = 36, then part (2),
	 * nparts (2), nentries (2); the first entry starts at 42 */
	const size_t off_part = 36, off_nentries = 40, e0 = 42;
	struct {
		size_t off;
		uint8_t val;
	} cases[] = {
		{ REPORT_MAGIC_LEN + 1, 1 }, /* flags */
		{ off_part + 1, 1 },         /* part 1 of 1 */
		{ off_part + 3, 0 },         /* nparts 0 */
		{ off_nentries + 1, 4 },     /* more entries than present */
		{ off_nentries + 1, 2 },     /* fewer: trailing bytes */
		{ e0, 0x02 },                /* unknown entry flag */
		{ e0 + 1, 5 },               /* family 5 */
		{ e0 + 4, 18 },              /* name length past the name */
		{ e0 + 4, 0 },               /* empty name (fuzz_report: read as a name past it) */
		{ e0 + 5, 64 },              /* label too long */
		{ e0 + 6, 'W' },             /* uppercase name */
		{ 11, '!' },                 /* prober id not an id */
	};
	const char *reason;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = encode_one(&keys[0]);

		bufs[0][cases[i].off] = cases[i].val;
		resign(bufs[0], len, &keys[0]);
		reason = NULL;
		ck_assert_msg(verify(bufs[0], len, &both, &reason) == -EBADMSG, "case %zu", i);
		ck_assert_str_eq(reason, REPORT_R_MALFORMED);
	}
	/* the encoder refuses what it cannot encode */
	struct report_entry e[3];
	size_t nparts;
	sample(e);
	e[1].family = 5;
	ck_assert_int_eq(report_encode(&meta, &keys[0], e, 3, bufs, lens, 4, &nparts), -EINVAL);
	sample(e);
	e[2].service = (const uint8_t *)"";
	ck_assert_int_eq(report_encode(&meta, &keys[0], e, 3, bufs, lens, 4, &nparts), -EINVAL);
	sample(e);
	struct report_meta bad = meta;
	bad.prober = "no spaces";
	ck_assert_int_eq(report_encode(&bad, &keys[0], e, 3, bufs, lens, 4, &nparts), -EINVAL);
	ck_assert_int_eq(report_parts_needed("k1", "", e, 3), -EINVAL);
}
END_TEST

START_TEST(split_over_parts)
{
	enum { N = 300 };
	static struct report_entry e[N];
	static uint8_t names[N][64];
	const char *reason;
	size_t nparts = 0, seen = 0;

	for (size_t i = 0; i < N; i++) {
		int n = snprintf((char *)names[i] + 1, 40, "service-number-%zu", i);

		names[i][0] = (uint8_t)n;
		memcpy(names[i] + 1 + n, "\7example\3com", 13);
		e[i] = (struct report_entry){ .service = names[i], .member = (uint16_t)i,
					      .family = (uint8_t)(i % 2 ? 6 : 4),
					      .up = i % 3 == 0, .rtt_us = (uint32_t)i * 10,
					      .load_permille = (uint32_t)i };
		e[i].addr[0] = (uint8_t)i;
	}
	int need = report_parts_needed("k1", meta.prober, e, N);
	ck_assert_int_gt(need, 1);
	ck_assert_int_eq(report_encode(&meta, &keys[0], e, N, bufs, lens, (size_t)need - 1,
				       &nparts),
			 -EMSGSIZE);
	ck_assert_int_eq(report_encode(&meta, &keys[0], e, N, bufs, lens, REPORT_MAX_PARTS,
				       &nparts),
			 0);
	ck_assert_uint_eq(nparts, (size_t)need);
	for (size_t p = 0; p < nparts; p++) {
		ck_assert_uint_le(lens[p], REPORT_MAX_DATAGRAM);
		ck_assert_int_eq(verify(bufs[p], lens[p], &both, &reason), 0);
		ck_assert_uint_eq(view.part, p);
		ck_assert_uint_eq(view.nparts, nparts);
		ck_assert_uint_eq(view.seq, meta.seq);
		ck_assert_uint_gt(view.nentries, 0);
		/* parts are filled: the next entry would not have fitted */
		if (p + 1 < nparts)
			ck_assert_uint_gt(lens[p] + 21 + 19 + 13 + 16, REPORT_MAX_DATAGRAM);
		for (size_t i = 0; i < view.nentries; i++, seen++) {
			ck_assert_uint_eq(view.entries[i].member, seen);
			ck_assert_mem_eq(view.entries[i].service, names[seen],
					 (size_t)names[seen][0] + 14);
			ck_assert_uint_eq(view.entries[i].addr[0], (uint8_t)seen);
			ck_assert_int_eq(view.entries[i].up, seen % 3 == 0);
		}
	}
	ck_assert_uint_eq(seen, N);

	/* a snapshot beyond REPORT_MAX_PARTS datagrams */
	static struct report_entry many[REPORT_MAX_PARTS * REPORT_MAX_ENTRIES];
	for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++)
		many[i] = e[i % N];
	ck_assert_int_eq(report_parts_needed("k1", meta.prober, many,
					     sizeof(many) / sizeof(many[0])),
			 -EMSGSIZE);
}
END_TEST

START_TEST(key_rotation)
{
	const char *reason;
	size_t len;

	len = encode_one(&keys[0]);
	ck_assert_int_eq(verify(bufs[0], len, &both, &reason), 0);
	ck_assert_ptr_eq(view.key, &keys[0]);
	len = encode_one(&keys[1]);
	ck_assert_int_eq(verify(bufs[0], len, &both, &reason), 0);
	ck_assert_ptr_eq(view.key, &keys[1]);
	/* the old key removed after the rotation */
	ck_assert_int_eq(verify(bufs[0], len, &only_k2, &reason), 0);
	len = encode_one(&keys[0]);
	ck_assert_int_eq(verify(bufs[0], len, &only_k2, &reason), -ENOKEY);
	ck_assert_str_eq(reason, REPORT_R_UNKNOWN_KEY);
}
END_TEST

/* A key signs only for the prober ids it lists: a holder of k2 cannot vote as probe-us-1
 * nor invent ids; "*" allows any. The MAC is right in every case. */
START_TEST(key_bound_to_probers)
{
	struct report_meta m = meta;
	const char *reason;
	size_t len;

	m.prober = "probe-eu-2";
	len = encode_meta(&m, &keys[1]);
	ck_assert_int_eq(verify(bufs[0], len, &both, &reason), 0);
	ck_assert_uint_eq(view.prober_len, strlen("probe-eu-2"));
	ck_assert(!memcmp(view.prober, "probe-eu-2", view.prober_len));
	const char *others[] = { "probe-us-1", "probe-eu-", "probe-eu-10", "invented-7" };
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		m.prober = others[i];
		len = encode_meta(&m, &keys[1]);
		reason = NULL;
		ck_assert_int_eq(verify(bufs[0], len, &both, &reason), -EPERM);
		ck_assert_str_eq(reason, REPORT_R_PROBER_NOT_ALLOWED);
		len = encode_meta(&m, &keys[0]); /* "*" */
		ck_assert_int_eq(verify(bufs[0], len, &both, &reason), 0);
	}
}
END_TEST

/* seq starts at the prober's start in µs and grows by one per snapshot: one above the
 * timestamp in µs plus the skew is a lie, and 2^64 - 1 would lock the prober out. */
START_TEST(implausible_seq)
{
	struct conf_health h = both;
	struct report_meta m = meta;
	const char *reason;
	size_t len;

	h.max_clock_skew = 30;
	m.seq = m.timestamp_ms * 1000 + 30000000;
	len = encode_meta(&m, &keys[0]);
	ck_assert_int_eq(verify(bufs[0], len, &h, &reason), 0);
	const uint64_t bad[] = { m.seq + 1, UINT64_MAX, UINT64_MAX / 2 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.seq = bad[i];
		len = encode_meta(&m, &keys[0]);
		reason = NULL;
		ck_assert_int_eq(verify(bufs[0], len, &h, &reason), -ERANGE);
		ck_assert_str_eq(reason, REPORT_R_IMPLAUSIBLE_SEQ);
	}
	/* a prober that just started: seq is its start in µs */
	m.seq = report_seq_start(m.timestamp_ms * 1000);
	len = encode_meta(&m, &keys[0]);
	ck_assert_int_eq(verify(bufs[0], len, &h, &reason), 0);
}
END_TEST

UNIT_SUITE("report", { "round_trip", round_trip }, { "tamper_any_byte", tamper_any_byte },
	   { "wrong_key", wrong_key }, { "truncated_and_oversized", truncated_and_oversized },
	   { "signed_but_malformed", signed_but_malformed },
	   { "split_over_parts", split_over_parts }, { "key_rotation", key_rotation },
	   { "key_bound_to_probers", key_bound_to_probers },
	   { "implausible_seq", implausible_seq })
