/* SPDX-License-Identifier: Apache-2.0 */
/* wire.c — the query parser: header, question, OPT (EDNS, NSID, ECS, cookie) */
#include "config.h"

#include "wire.h"

#include <string.h>

#include "log.h"

#define REJECT(q, why, verdict)                                                                    \
	do {                                                                                       \
		(q)->reason = (why);                                                               \
		return (verdict);                                                                  \
	} while (0)

/* RFC 7871 §6: FAMILY, SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH, ADDRESS
 * truncated to the source prefix; bits past it must be zero. */
static bool parse_ecs(struct wire_cursor *c, uint16_t optlen, struct wire_ecs *ecs,
		      const char **reason)
{
	if (optlen < 4) {
		*reason = "ecs option too short";
		return false;
	}
	ecs->family = wire_u16(c);
	ecs->source = wire_u8(c);
	ecs->scope = wire_u8(c);
	size_t maxbits = ecs->family == 1 ? 32 : ecs->family == 2 ? 128 : 0;
	if (maxbits == 0) {
		*reason = "ecs unknown family";
		return false;
	}
	if (ecs->source > maxbits) {
		*reason = "ecs source prefix too long";
		return false;
	}
	if (ecs->scope != 0) {
		*reason = "ecs scope prefix not zero in query";
		return false;
	}
	size_t nbytes = (ecs->source + 7u) / 8u;
	if (optlen - 4u != nbytes) {
		*reason = "ecs address length does not match source prefix";
		return false;
	}
	memset(ecs->addr, 0, sizeof(ecs->addr));
	if (!wire_avail(c, nbytes))
		return false;
	memcpy(ecs->addr, c->buf + c->pos, nbytes);
	c->pos += nbytes;
	if (ecs->source % 8) {
		uint8_t mask = (uint8_t)(0xff >> (ecs->source % 8));
		if (ecs->addr[nbytes - 1] & mask) {
			*reason = "ecs address bits set beyond source prefix";
			return false;
		}
	}
	return true;
}

/* Reads the OPT RR's rdata (RFC 6891 §6.1.2); the cursor is at RDLENGTH. */
static enum wire_verdict parse_opt(struct wire_cursor *c, struct wire_query *q)
{
	uint16_t rdlen = wire_u16(c);

	if (!wire_avail(c, rdlen))
		REJECT(q, "opt rdata past end", WIRE_FORMERR);
	size_t end = c->pos + rdlen;
	while (c->pos < end) {
		if (end - c->pos < 4)
			REJECT(q, "edns option header past end of opt", WIRE_FORMERR);
		uint16_t code = wire_u16(c);
		uint16_t optlen = wire_u16(c);
		if (c->err || end - c->pos < optlen)
			REJECT(q, "edns option past end of opt", WIRE_FORMERR);
		size_t next = c->pos + optlen;
		switch (code) {
		case EDNS_OPT_NSID:
			q->nsid = true;
			break;
		case EDNS_OPT_ECS:
			if (q->has_ecs)
				REJECT(q, "more than one ecs option", WIRE_FORMERR);
			if (!parse_ecs(c, optlen, &q->ecs, &q->reason))
				return WIRE_FORMERR;
			q->has_ecs = true;
			break;
		case EDNS_OPT_COOKIE:
			/* RFC 7873 §5.2.2: client cookie alone, or 16..40 with a server cookie */
			if (optlen != 8 && (optlen < 16 || optlen > 40))
				REJECT(q, "malformed cookie", WIRE_FORMERR);
			memcpy(q->cookie, c->buf + c->pos, optlen);
			q->cookie_len = (uint8_t)optlen;
			break;
		default:
			break; /* unknown options are ignored (RFC 6891 §6.1.2) */
		}
		c->pos = next;
	}
	return WIRE_ANSWER;
}

/* True when the owner name stored at pos is the root: a zero byte, or a pointer to one. */
static bool owner_is_root(const struct wire_cursor *c, size_t pos)
{
	uint8_t l = c->buf[pos];

	if ((l & 0xc0) != 0xc0)
		return l == 0;
	size_t target = (size_t)(l & 0x3f) << 8 | c->buf[pos + 1];
	return target < pos && c->buf[target] == 0;
}

/* Skips one RR of the answer, authority or additional section; reads OPT. Owner names are
 * skipped, never decompressed: only OPT's matters, and it must be the root. Decompressing
 * every owner let one query of 4,096 RRs pointing at the end of a long backward pointer
 * chain cost tens of millions of reads. */
static enum wire_verdict parse_rr(struct wire_cursor *c, struct wire_query *q, bool additional)
{
	size_t owner = c->pos;

	if (dname_skip(c->buf, c->len, &c->pos) < 0)
		REJECT(q, "bad owner name", WIRE_FORMERR);
	uint16_t type = wire_u16(c);
	uint16_t rclass = wire_u16(c);
	uint32_t ttl = wire_u32(c);
	if (c->err)
		REJECT(q, "rr header past end", WIRE_FORMERR);
	if (type != TYPE_OPT || !additional) {
		uint16_t rdlen = wire_u16(c);
		wire_skip(c, rdlen);
		if (c->err)
			REJECT(q, "rdata past end", WIRE_FORMERR);
		return WIRE_ANSWER;
	}
	if (q->edns)
		REJECT(q, "more than one opt", WIRE_FORMERR);
	if (!owner_is_root(c, owner))
		REJECT(q, "opt owner not root", WIRE_FORMERR);
	q->edns = true;
	q->udp_size = rclass < DNS_MIN_UDP ? DNS_MIN_UDP : rclass;
	q->edns_version = (uint8_t)(ttl >> 16);
	q->edns_flags = (uint16_t)ttl;
	return parse_opt(c, q);
}

enum wire_verdict wire_parse_query(const uint8_t *pkt, size_t len, struct wire_query *q)
{
	struct wire_cursor c;

	q->has_question = false;
	q->edns = false;
	q->nsid = false;
	q->has_ecs = false;
	q->cookie_len = 0;
	q->udp_size = DNS_MIN_UDP;
	q->reason = NULL;
	if (len < DNS_HEADER_LEN)
		REJECT(q, "short header", WIRE_DROP);
	wire_cursor_init(&c, pkt, len);
	q->id = wire_u16(&c);
	q->flags = wire_u16(&c);
	uint16_t qdcount = wire_u16(&c);
	uint16_t ancount = wire_u16(&c);
	uint16_t nscount = wire_u16(&c);
	uint16_t arcount = wire_u16(&c);
	if (q->flags & DNS_FLAG_QR)
		REJECT(q, "response", WIRE_DROP);
	if (qdcount != 1)
		REJECT(q, "qdcount not 1", DNS_OPCODE(q->flags) ? WIRE_NOTIMP : WIRE_FORMERR);

	int nlen = dname_unpack(pkt, len, &c.pos, q->qname_case);
	if (nlen < 0)
		REJECT(q, "bad qname", WIRE_FORMERR);
	q->qtype = wire_u16(&c);
	q->qclass = wire_u16(&c);
	if (c.err)
		REJECT(q, "question past end", WIRE_FORMERR);
	dname_copy_lower(q->qname, q->qname_case);
	q->qname_len = (uint8_t)nlen;
	q->question_end = c.pos;
	q->has_question = true;
	if (DNS_OPCODE(q->flags) != 0)
		REJECT(q, "opcode not query", WIRE_NOTIMP);

	uint32_t nrr = (uint32_t)ancount + nscount + arcount;
	for (uint32_t i = 0; i < nrr; i++) {
		enum wire_verdict v = parse_rr(&c, q, i >= (uint32_t)ancount + nscount);
		if (v != WIRE_ANSWER)
			return v;
	}
	if (q->edns && q->edns_version > 0)
		REJECT(q, "edns version not 0", WIRE_BADVERS);
	return WIRE_ANSWER;
}
