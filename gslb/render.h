/* SPDX-License-Identifier: Apache-2.0 */
/* render.h — writing a response: header, question, RRsets, OPT
 *
 * A struct render writes into a caller-owned buffer up to a size limit
 * (the client's UDP size, or 65535 over TCP). Names are compressed
 * against names already in the message (owner names, and names inside
 * NS, CNAME, PTR, MX and SOA rdata, RFC 3597 §4). A write that does not
 * fit leaves the message as it was and returns -ENOSPC, so the caller can
 * set TC or drop an optional section. Query path, no allocation.
 */
#ifndef GSLB_RENDER_H
#define GSLB_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zone.h"

#define RENDER_MAX_COMP 96 /* remembered compression targets per message */

enum render_section {
	SEC_ANSWER = 0,
	SEC_AUTHORITY = 1,
	SEC_ADDITIONAL = 2,
};

struct render {
	uint8_t *buf;
	size_t limit;	   /* bytes the message may use */
	size_t len;	   /* bytes used */
	uint16_t count[3]; /* records per section */
	uint16_t ncomp;
	uint16_t comp[RENDER_MAX_COMP]; /* offsets of names (label starts) usable as pointers */
};

/* Starts a message: writes the 12-byte header with id and flags, zero
 * counts. limit must be >= 12. */
void render_init(struct render *r, uint8_t *buf, size_t limit, uint16_t id, uint16_t flags);
/* Sets the rcode (low 4 bits; extended bits go into the OPT record). */
void render_set_rcode(struct render *r, uint16_t rcode);
void render_set_flags(struct render *r, uint16_t set, uint16_t clear);
/* Copies the question: qname as sent (case kept), type, class. */
int render_question(struct render *r, const uint8_t *qname, uint16_t qtype, uint16_t qclass);
/* Writes a name with compression. */
int render_name(struct render *r, const uint8_t *name);
/* Appends every record of rs under owner to a section; all or nothing. */
int render_rrset(struct render *r, enum render_section sec, const uint8_t *owner,
		 const struct rrset *rs);
/* Appends one record of wire rdata (rdlen bytes) under owner. */
int render_rr(struct render *r, enum render_section sec, const uint8_t *owner, uint16_t type,
	      uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);
/* Finishes: writes the section counts into the header; returns the length. */
size_t render_finish(struct render *r);

#endif
