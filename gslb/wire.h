/* SPDX-License-Identifier: Apache-2.0 */
/* wire.h — DNS message constants, a bounds-checked cursor, and the query parser
 *
 * The cursor never reads past its buffer: a read that would sets a sticky
 * error and returns zero, so a parser checks the error once after a group
 * of reads. wire_parse_query() reads the header, the single question and
 * the OPT record (EDNS version, payload size, DO, NSID, Client Subnet,
 * cookie) in RFC order and says how the packet must be handled.
 */
#ifndef GSLB_WIRE_H
#define GSLB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dname.h"

#define DNS_HEADER_LEN 12
#define DNS_MAX_UDP_DEFAULT 1232 /* DNS flag day 2020 */
#define DNS_MIN_UDP 512

enum dns_rcode {
	RCODE_NOERROR = 0,
	RCODE_FORMERR = 1,
	RCODE_SERVFAIL = 2,
	RCODE_NXDOMAIN = 3,
	RCODE_NOTIMP = 4,
	RCODE_REFUSED = 5,
	RCODE_BADVERS = 16, /* extended: upper 8 bits go in OPT */
};

enum dns_type {
	TYPE_A = 1,
	TYPE_NS = 2,
	TYPE_CNAME = 5,
	TYPE_SOA = 6,
	TYPE_PTR = 12,
	TYPE_HINFO = 13,
	TYPE_MX = 15,
	TYPE_TXT = 16,
	TYPE_AAAA = 28,
	TYPE_SRV = 33,
	TYPE_DNAME = 39,
	TYPE_OPT = 41,
	TYPE_DS = 43,
	TYPE_RRSIG = 46,
	TYPE_NSEC = 47,
	TYPE_DNSKEY = 48,
	TYPE_CDS = 59,
	TYPE_CDNSKEY = 60,
	TYPE_NXNAME = 128, /* RFC 9824: the "name does not exist" bit of compact denial */
	TYPE_IXFR = 251,
	TYPE_AXFR = 252,
	TYPE_MAILB = 253,
	TYPE_MAILA = 254,
	TYPE_ANY = 255,
};

enum dns_class {
	CLASS_IN = 1,
	CLASS_CH = 3,
	CLASS_NONE = 254,
	CLASS_ANY = 255,
};

enum edns_option {
	EDNS_OPT_NSID = 3,
	EDNS_OPT_ECS = 8,
	EDNS_OPT_COOKIE = 10,
};

/* Header flag bits in the 16-bit flags word. */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_AD 0x0020
#define DNS_FLAG_CD 0x0010
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define EDNS_DO 0x8000

struct wire_cursor {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	bool err;
};

static inline void wire_cursor_init(struct wire_cursor *c, const uint8_t *buf, size_t len)
{
	c->buf = buf;
	c->len = len;
	c->pos = 0;
	c->err = false;
}

static inline bool wire_avail(struct wire_cursor *c, size_t n)
{
	if (c->err || c->len - c->pos < n) {
		c->err = true;
		return false;
	}
	return true;
}

static inline uint8_t wire_u8(struct wire_cursor *c)
{
	if (!wire_avail(c, 1))
		return 0;
	return c->buf[c->pos++];
}

static inline uint16_t wire_u16(struct wire_cursor *c)
{
	if (!wire_avail(c, 2))
		return 0;
	uint16_t v = (uint16_t)(c->buf[c->pos] << 8 | c->buf[c->pos + 1]);
	c->pos += 2;
	return v;
}

static inline uint32_t wire_u32(struct wire_cursor *c)
{
	uint32_t hi = wire_u16(c);
	return hi << 16 | wire_u16(c);
}

static inline void wire_skip(struct wire_cursor *c, size_t n)
{
	if (wire_avail(c, n))
		c->pos += n;
}

static inline void wire_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wire_put32(uint8_t *p, uint32_t v)
{
	wire_put16(p, (uint16_t)(v >> 16));
	wire_put16(p + 2, (uint16_t)v);
}

static inline uint16_t wire_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t wire_get32(const uint8_t *p)
{
	return (uint32_t)wire_get16(p) << 16 | wire_get16(p + 2);
}

/* What to do with a packet after parsing. */
enum wire_verdict {
	WIRE_ANSWER = 0,  /* well-formed query: look it up */
	WIRE_DROP = 1,	  /* too short to answer, or a response: send nothing */
	WIRE_FORMERR = 2, /* reply FORMERR (question echoed if q->has_question) */
	WIRE_NOTIMP = 3,  /* opcode other than QUERY */
	WIRE_BADVERS = 4, /* EDNS version > 0 */
};

/* Client Subnet option as sent (RFC 7871). */
struct wire_ecs {
	uint16_t family;  /* 1 = IPv4, 2 = IPv6 */
	uint8_t source;	  /* source prefix length */
	uint8_t scope;	  /* scope prefix length as sent (must be 0) */
	uint8_t addr[16]; /* address, bits beyond source zeroed */
};

struct wire_query {
	uint16_t id;
	uint16_t flags; /* header flags as received */
	bool has_question;
	uint8_t qname[DNAME_MAXLEN]; /* lowercased for lookup */
	uint8_t qname_len;
	uint8_t qname_case[DNAME_MAXLEN]; /* as sent, case kept, for the echoed question */
	uint16_t qtype;
	uint16_t qclass;
	size_t question_end; /* offset just after the question */
	/* EDNS (RFC 6891) */
	bool edns;
	uint8_t edns_version;
	uint16_t edns_flags; /* DO bit etc. */
	uint16_t udp_size;   /* requestor's payload size, >= 512 */
	bool nsid;	     /* NSID requested (RFC 5001) */
	bool has_ecs;	     /* valid Client Subnet present */
	struct wire_ecs ecs;
	uint8_t cookie_len; /* client cookie (8 bytes) + server cookie */
	uint8_t cookie[40];
	const char *reason; /* why the packet was rejected, for debug logs */
};

/* Parses a query of len bytes. Fills q as far as it could read and returns
 * the verdict. Never reads past pkt + len. Query path, no allocation. */
enum wire_verdict wire_parse_query(const uint8_t *pkt, size_t len, struct wire_query *q);

#endif
