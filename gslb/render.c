/* SPDX-License-Identifier: Apache-2.0 */
/* render.c — writing a response: header, question, RRsets with name compression */
#include "config.h"

#include "render.h"

#include <errno.h>
#include <string.h>

#include "wire.h"

#define COMP_MAX_OFFSET 0x3fff /* a pointer has 14 bits */

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
}

void render_init(struct render *r, uint8_t *buf, size_t limit, uint16_t id, uint16_t flags)
{
	r->buf = buf;
	r->limit = limit;
	r->len = DNS_HEADER_LEN;
	r->count[0] = r->count[1] = r->count[2] = 0;
	r->ncomp = 0;
	memset(buf, 0, DNS_HEADER_LEN);
	wire_put16(buf, id);
	wire_put16(buf + 2, flags);
}

void render_set_rcode(struct render *r, uint16_t rcode)
{
	r->buf[3] = (uint8_t)((r->buf[3] & 0xf0) | (rcode & 0x0f));
}

void render_set_flags(struct render *r, uint16_t set, uint16_t clear)
{
	uint16_t f = wire_get16(r->buf + 2);

	wire_put16(r->buf + 2, (uint16_t)((f & ~clear) | set));
}

/* True when the name stored at off in the message equals name (which is
 * uncompressed), case-insensitively. Stored names are ours, so pointers
 * in them are valid and point backwards. */
static bool name_at(const uint8_t *msg, size_t off, const uint8_t *name)
{
	for (;;) {
		uint8_t l = msg[off];
		while ((l & 0xc0) == 0xc0) {
			size_t to = (size_t)(l & 0x3f) << 8 | msg[off + 1];
			if (to >= off)
				return false; /* our pointers only go back; never loop */
			off = to;
			l = msg[off];
		}
		if (l != *name)
			return false;
		if (l == 0)
			return true;
		for (uint8_t i = 1; i <= l; i++)
			if (lower(msg[off + i]) != lower(name[i]))
				return false;
		off += (size_t)l + 1;
		name += l + 1;
	}
}

static int find_comp(const struct render *r, const uint8_t *suffix)
{
	for (uint16_t i = 0; i < r->ncomp; i++)
		if (r->buf[r->comp[i]] == *suffix && name_at(r->buf, r->comp[i], suffix))
			return r->comp[i];
	return -1;
}

int render_name(struct render *r, const uint8_t *name)
{
	size_t start = r->len;
	uint16_t labels[DNAME_MAXLABELS];
	size_t nlabels = 0;
	const uint8_t *s = name;
	int ptr = -1;

	while (*s) {
		ptr = find_comp(r, s);
		if (ptr >= 0)
			break;
		size_t l = (size_t)*s + 1;
		if (r->len + l > r->limit)
			goto nospace;
		if (r->len <= COMP_MAX_OFFSET)
			labels[nlabels++] = (uint16_t)r->len;
		memcpy(r->buf + r->len, s, l);
		r->len += l;
		s += l;
	}
	if (ptr >= 0) {
		if (r->len + 2 > r->limit)
			goto nospace;
		wire_put16(r->buf + r->len, (uint16_t)(0xc000 | ptr));
		r->len += 2;
	} else {
		if (r->len + 1 > r->limit)
			goto nospace;
		r->buf[r->len++] = 0;
	}
	/* Only a complete name may serve as a compression target: a label
	 * whose tail is not written yet would compare against stale bytes. */
	for (size_t i = 0; i < nlabels && r->ncomp < RENDER_MAX_COMP; i++)
		r->comp[r->ncomp++] = labels[i];
	return 0;
nospace:
	r->len = start;
	return -ENOSPC;
}

int render_question(struct render *r, const uint8_t *qname, uint16_t qtype, uint16_t qclass)
{
	if (render_name(r, qname) < 0 || r->len + 4 > r->limit)
		return -ENOSPC;
	wire_put16(r->buf + r->len, qtype);
	wire_put16(r->buf + r->len + 2, qclass);
	r->len += 4;
	wire_put16(r->buf + 4, 1);
	return 0;
}

/* Writes rdata, compressing the names of the RFC 1035 types that may be
 * compressed (RFC 3597 §4); other types are copied as they are. */
static int render_rdata(struct render *r, uint16_t type, const uint8_t *rd, uint16_t rdlen)
{
	size_t fixed = 0; /* bytes before the first name */
	int names = 0;

	switch (type) {
	case TYPE_NS:
	case TYPE_CNAME:
	case TYPE_PTR:
		names = 1;
		break;
	case TYPE_MX:
		fixed = 2;
		names = 1;
		break;
	case TYPE_SOA:
		names = 2;
		break;
	default:
		break;
	}
	if (names == 0) {
		if (r->len + rdlen > r->limit)
			return -ENOSPC;
		memcpy(r->buf + r->len, rd, rdlen);
		r->len += rdlen;
		return 0;
	}
	if (r->len + fixed > r->limit)
		return -ENOSPC;
	memcpy(r->buf + r->len, rd, fixed);
	r->len += fixed;
	const uint8_t *p = rd + fixed;
	for (int i = 0; i < names; i++) {
		if (render_name(r, p) < 0)
			return -ENOSPC;
		p += dname_len(p);
	}
	size_t rest = rdlen - (size_t)(p - rd);
	if (r->len + rest > r->limit)
		return -ENOSPC;
	memcpy(r->buf + r->len, p, rest);
	r->len += rest;
	return 0;
}

static int render_one(struct render *r, const uint8_t *owner, uint16_t type, uint16_t rclass,
		      uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	if (render_name(r, owner) < 0 || r->len + 10 > r->limit)
		return -ENOSPC;
	uint8_t *hdr = r->buf + r->len;
	wire_put16(hdr, type);
	wire_put16(hdr + 2, rclass);
	wire_put32(hdr + 4, ttl);
	r->len += 10;
	size_t rdstart = r->len;
	if (render_rdata(r, type, rdata, rdlen) < 0)
		return -ENOSPC;
	wire_put16(hdr + 8, (uint16_t)(r->len - rdstart));
	return 0;
}

int render_rr(struct render *r, enum render_section sec, const uint8_t *owner, uint16_t type,
	      uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	size_t len = r->len;
	uint16_t ncomp = r->ncomp;

	if (render_one(r, owner, type, rclass, ttl, rdata, rdlen) < 0) {
		r->len = len;
		r->ncomp = ncomp;
		return -ENOSPC;
	}
	r->count[sec]++;
	return 0;
}

int render_rrset(struct render *r, enum render_section sec, const uint8_t *owner,
		 const struct rrset *rs)
{
	size_t len = r->len;
	uint16_t ncomp = r->ncomp;
	const uint8_t *p = rs->rdata;

	for (uint16_t i = 0; i < rs->count; i++) {
		uint16_t rdlen = wire_get16(p);
		if (render_one(r, owner, rs->type, CLASS_IN, rs->ttl, p + 2, rdlen) < 0) {
			r->len = len;
			r->ncomp = ncomp;
			return -ENOSPC;
		}
		p += 2 + rdlen;
	}
	r->count[sec] = (uint16_t)(r->count[sec] + rs->count);
	return 0;
}

size_t render_finish(struct render *r)
{
	wire_put16(r->buf + 6, r->count[SEC_ANSWER]);
	wire_put16(r->buf + 8, r->count[SEC_AUTHORITY]);
	wire_put16(r->buf + 10, r->count[SEC_ADDITIONAL]);
	return r->len;
}
