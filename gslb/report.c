/* SPDX-License-Identifier: Apache-2.0 */
/* report.c — signed probe reports: encoder and verifying parser of the datagrams */
#include "config.h"

#include "report.h"

#include "wire.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <errno.h>
#include <string.h>

/* Fixed part of the header: magic, version, flags, 2 id lengths, seq, timestamp, part, nparts,
 * nentries. The ids follow their lengths. */
#define HDR_FIXED (REPORT_MAGIC_LEN + 1 + 1 + 1 + 1 + 8 + 8 + 2 + 2 + 2)
/* Entry without name and address: flags, family, member, name length, rtt, load, change. */
#define ENTRY_FIXED (1 + 1 + 2 + 1 + 4 + 4 + 8)
#define ENTRY_UP 0x01

uint64_t report_seq_start(uint64_t now_us)
{
	return now_us;
}

static bool id_ok(const uint8_t *v, size_t n)
{
	if (n == 0 || n > CONF_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = v[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

/* Length of a well-formed uncompressed name of at least one label within max bytes, or 0. */
static size_t name_len(const uint8_t *name, size_t max)
{
	size_t pos = 0;

	while (pos < max) {
		uint8_t l = name[pos];

		if (l == 0)
			return pos == 0 ? 0 : pos + 1;
		if (l > DNAME_MAXLABEL)
			return 0;
		pos += 1 + (size_t)l;
	}
	return 0;
}

static size_t addr_len(uint8_t family)
{
	return family == 4 ? 4 : family == 6 ? 16 : 0;
}

/* Bytes the entry takes on the wire, or 0 if it cannot be encoded. */
static size_t entry_size(const struct report_entry *e)
{
	size_t nl;

	if (!e->service || (e->family != 0 && e->family != 4 && e->family != 6))
		return 0;
	nl = name_len(e->service, DNAME_MAXLEN);
	return nl ? ENTRY_FIXED + nl + addr_len(e->family) : 0;
}

static size_t header_size(size_t klen, size_t plen)
{
	return HDR_FIXED + klen + plen;
}

/* Splits n entries into parts: first[i] = index of part i's first entry. Returns the number
 * of parts or a negative errno. */
static int split(size_t hdr, const struct report_entry *e, size_t n, size_t *first,
		 size_t max_first)
{
	size_t room = REPORT_MAX_DATAGRAM - hdr - REPORT_MAC_LEN;
	size_t used = 0;
	int parts = 1;

	if (first && max_first)
		first[0] = 0;
	for (size_t i = 0; i < n; i++) {
		size_t sz = entry_size(&e[i]);

		if (sz == 0)
			return -EINVAL;
		if (used + sz > room) {
			if (parts == REPORT_MAX_PARTS)
				return -EMSGSIZE;
			if (first && (size_t)parts < max_first)
				first[parts] = i;
			parts++;
			used = 0;
		}
		used += sz;
	}
	return parts;
}

int report_parts_needed(const char *key_id, const char *prober, const struct report_entry *e,
			size_t n)
{
	size_t klen = strlen(key_id), plen = strlen(prober);

	if (!id_ok((const uint8_t *)key_id, klen) || !id_ok((const uint8_t *)prober, plen))
		return -EINVAL;
	return split(header_size(klen, plen), e, n, NULL, 0);
}

static void put64(uint8_t *p, uint64_t v)
{
	wire_put32(p, (uint32_t)(v >> 32));
	wire_put32(p + 4, (uint32_t)v);
}

static uint64_t get64(struct wire_cursor *c)
{
	uint64_t hi = wire_u32(c);

	return hi << 32 | wire_u32(c);
}

static int mac(const struct conf_health_key *key, const uint8_t *data, size_t len,
	       uint8_t out[REPORT_MAC_LEN])
{
	unsigned int olen = 0;

	if (!HMAC(EVP_sha256(), key->secret, (int)key->secret_len, data, len, out, &olen) ||
	    olen != REPORT_MAC_LEN)
		return -EIO;
	return 0;
}

int report_encode(const struct report_meta *m, const struct conf_health_key *key,
		  const struct report_entry *e, size_t n, uint8_t (*bufs)[REPORT_MAX_DATAGRAM],
		  size_t *lens, size_t max_parts, size_t *nparts)
{
	size_t klen = key->id ? strlen(key->id) : 0, plen = m->prober ? strlen(m->prober) : 0;
	size_t first[REPORT_MAX_PARTS];
	size_t hdr = header_size(klen, plen);
	int parts;

	*nparts = 0;
	if (!id_ok((const uint8_t *)key->id, klen) || !id_ok((const uint8_t *)m->prober, plen) ||
	    !key->secret || key->secret_len == 0)
		return -EINVAL;
	parts = split(hdr, e, n, first, REPORT_MAX_PARTS);
	if (parts < 0)
		return parts;
	if ((size_t)parts > max_parts)
		return -EMSGSIZE;
	for (int p = 0; p < parts; p++) {
		size_t end = p + 1 < parts ? first[p + 1] : n;
		uint8_t *b = bufs[p];
		size_t pos = 0;

		memcpy(b, REPORT_MAGIC, REPORT_MAGIC_LEN);
		pos += REPORT_MAGIC_LEN;
		b[pos++] = REPORT_VERSION;
		b[pos++] = 0; /* flags */
		b[pos++] = (uint8_t)klen;
		memcpy(b + pos, key->id, klen);
		pos += klen;
		b[pos++] = (uint8_t)plen;
		memcpy(b + pos, m->prober, plen);
		pos += plen;
		put64(b + pos, m->seq);
		pos += 8;
		put64(b + pos, m->timestamp_ms);
		pos += 8;
		wire_put16(b + pos, (uint16_t)p);
		wire_put16(b + pos + 2, (uint16_t)parts);
		wire_put16(b + pos + 4, (uint16_t)(end - first[p]));
		pos += 6;
		for (size_t i = first[p]; i < end; i++) {
			const struct report_entry *x = &e[i];
			size_t nl = name_len(x->service, DNAME_MAXLEN), al = addr_len(x->family);

			b[pos++] = x->up ? ENTRY_UP : 0;
			b[pos++] = x->family;
			wire_put16(b + pos, x->member);
			pos += 2;
			b[pos++] = (uint8_t)nl;
			/* lowercased, so that the receiver compares bytes */
			for (size_t j = 0; j < nl; j++) {
				uint8_t ch = x->service[j];

				b[pos++] = ch >= 'A' && ch <= 'Z' ? (uint8_t)(ch + 32) : ch;
			}
			memcpy(b + pos, x->addr, al);
			pos += al;
			wire_put32(b + pos, x->rtt_us);
			wire_put32(b + pos + 4, x->load_permille);
			put64(b + pos + 8, x->last_change_ms);
			pos += 16;
		}
		if (mac(key, b, pos, b + pos) < 0)
			return -EIO;
		lens[p] = pos + REPORT_MAC_LEN;
	}
	*nparts = (size_t)parts;
	return 0;
}

/* seq <= timestamp in µs + skew (see report_seq_start), written so that nothing wraps. */
static bool seq_plausible(uint64_t seq, uint64_t timestamp_ms, double skew_s)
{
	uint64_t margin = skew_s > 0 ? (uint64_t)(skew_s * 1e6) : 0;

	if (timestamp_ms > (UINT64_MAX - margin) / 1000)
		return true; /* beyond any clock: health.c rejects the timestamp */
	return seq <= timestamp_ms * 1000 + margin;
}

static int reject(const char **reason, const char *why, int ret)
{
	*reason = why;
	return ret;
}

/* Reads one entry; false if malformed. */
static bool parse_entry(struct wire_cursor *c, struct report_entry *e)
{
	uint8_t flags = wire_u8(c);
	size_t nl, al;

	e->family = wire_u8(c);
	e->member = wire_u16(c);
	nl = wire_u8(c);
	if (c->err || (flags & ~ENTRY_UP) || (e->family != 0 && e->family != 4 && e->family != 6))
		return false;
	e->up = flags & ENTRY_UP;
	/* name_len() says 0 for a bad name: a zero length must not pass as a match */
	if (nl == 0 || !wire_avail(c, nl) || name_len(c->buf + c->pos, nl) != nl)
		return false;
	e->service = c->buf + c->pos;
	for (size_t i = 0; i < nl; i++)
		if (e->service[i] >= 'A' && e->service[i] <= 'Z')
			return false; /* the encoder lowercases */
	c->pos += nl;
	al = addr_len(e->family);
	memset(e->addr, 0, sizeof(e->addr));
	if (!wire_avail(c, al))
		return false;
	memcpy(e->addr, c->buf + c->pos, al);
	c->pos += al;
	e->rtt_us = wire_u32(c);
	e->load_permille = wire_u32(c);
	e->last_change_ms = get64(c);
	return !c->err;
}

int report_verify_parse(const uint8_t *buf, size_t len, const struct conf_health *h,
			struct report_view *out, const char **reason)
{
	struct wire_cursor c;
	uint8_t want[REPORT_MAC_LEN];
	size_t klen, body;

	*reason = NULL;
	if (len > REPORT_MAX_DATAGRAM)
		return reject(reason, REPORT_R_OVERSIZED, -EMSGSIZE);
	if (len < header_size(1, 1) + REPORT_MAC_LEN ||
	    memcmp(buf, REPORT_MAGIC, REPORT_MAGIC_LEN) != 0)
		return reject(reason, REPORT_R_MALFORMED, -EBADMSG);
	if (buf[REPORT_MAGIC_LEN] != REPORT_VERSION)
		return reject(reason, REPORT_R_BAD_VERSION, -EPROTONOSUPPORT);

	body = len - REPORT_MAC_LEN;
	wire_cursor_init(&c, buf, body);
	wire_skip(&c, REPORT_MAGIC_LEN + 1);
	uint8_t flags = wire_u8(&c);
	klen = wire_u8(&c);
	if (c.err || !wire_avail(&c, klen) || !id_ok(buf + c.pos, klen))
		return reject(reason, REPORT_R_MALFORMED, -EBADMSG);
	out->key = conf_health_key_find(h, (const char *)buf + c.pos, klen);
	if (!out->key)
		return reject(reason, REPORT_R_UNKNOWN_KEY, -ENOKEY);
	c.pos += klen;

	/* Nothing past this point is read before the signature is checked. */
	if (mac(out->key, buf, body, want) < 0 ||
	    CRYPTO_memcmp(want, buf + body, REPORT_MAC_LEN) != 0)
		return reject(reason, REPORT_R_BAD_MAC, -EBADMSG);

	out->prober_len = wire_u8(&c);
	if (c.err || flags != 0 || !wire_avail(&c, out->prober_len) ||
	    !id_ok(buf + c.pos, out->prober_len))
		return reject(reason, REPORT_R_MALFORMED, -EBADMSG);
	out->prober = (const char *)buf + c.pos;
	c.pos += out->prober_len;
	out->seq = get64(&c);
	out->timestamp_ms = get64(&c);
	out->part = wire_u16(&c);
	out->nparts = wire_u16(&c);
	out->nentries = wire_u16(&c);
	if (c.err || out->nparts == 0 || out->nparts > REPORT_MAX_PARTS ||
	    out->part >= out->nparts || out->nentries > REPORT_MAX_ENTRIES)
		return reject(reason, REPORT_R_MALFORMED, -EBADMSG);
	for (size_t i = 0; i < out->nentries; i++)
		if (!parse_entry(&c, &out->entries[i]))
			return reject(reason, REPORT_R_MALFORMED, -EBADMSG);
	if (c.pos != body)
		return reject(reason, REPORT_R_MALFORMED, -EBADMSG); /* trailing bytes */
	if (!conf_health_key_allows(out->key, out->prober, out->prober_len))
		return reject(reason, REPORT_R_PROBER_NOT_ALLOWED, -EPERM);
	if (!seq_plausible(out->seq, out->timestamp_ms, h->max_clock_skew))
		return reject(reason, REPORT_R_IMPLAUSIBLE_SEQ, -ERANGE);
	return 0;
}
