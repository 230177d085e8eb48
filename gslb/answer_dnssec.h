/* SPDX-License-Identifier: Apache-2.0 */
/* answer_dnssec.h — signed answers: RRSIGs for every RRset, compact denial (RFC 9824)
 *
 * A query with DO=1 for a signed zone is answered in two passes: answer.c
 * writes the unsigned response into the thread's scratch buffer (adding the
 * NSEC records of compact denial), then answer_dnssec_sign() copies it into
 * the client's buffer RRset by RRset, each followed by its RRSIGs, found in
 * the thread's signature cache (sigcache.h) or made on a miss. Sections that
 * do not fit the client's size truncate (answer, authority) or are left out
 * (additional). Query path: no lock; allocation only on a cache miss.
 *
 * Denial: NXDOMAIN becomes NOERROR with an NSEC at the query name whose
 * next name is its immediate successor ("\000.qname") and whose bitmap is
 * RRSIG, NSEC, NXNAME; NODATA has an NSEC at the name listing its types.
 * For a service name the types are the ones its members can give (A when
 * one has IPv4, AAAA when one has IPv6), less the query type when the
 * dynamic answer for it was empty, so no NSEC contradicts an answer.
 */
#ifndef GSLB_ANSWER_DNSSEC_H
#define GSLB_ANSWER_DNSSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigcache.h"

struct render;
struct service;
struct zone;
struct zone_node;
struct zonedb;

#define DNSSEC_SCRATCH 65536
#define DNSSEC_MAX_RRS 2048 /* records of a 64 KiB message, at least 30 bytes each */

struct dnssec_rr {
	uint8_t sec;
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlen;
	uint32_t owner; /* offset into names */
	uint32_t rdata; /* offset into rdata */
};

/* One per query thread, allocated on its first signed answer. */
struct dnssec_thread {
	struct sigcache cache;
	_Atomic uint64_t signatures;	 /* RRSIGs made */
	uint8_t msg[DNSSEC_SCRATCH];	 /* the unsigned response */
	uint8_t key[DNSSEC_SCRATCH];	 /* canonical RRset (the cache key) */
	uint8_t tbs[4 * DNSSEC_SCRATCH]; /* RRSIG rdata + the RRset's records: what is signed */
	uint8_t names[DNSSEC_MAX_RRS * 64];
	uint8_t rdata[2 * DNSSEC_SCRATCH]; /* decompressed rdata */
	struct dnssec_rr rrs[DNSSEC_MAX_RRS];
};

/* Allocates a thread's state with a cache of cache_slots (server.dnssec_cache). NULL when
 * out of memory. */
struct dnssec_thread *answer_dnssec_thread_new(size_t cache_slots);
void answer_dnssec_thread_free(struct dnssec_thread *t);

/* Renders the compact-denial NSEC for owner (lowercased) in zone z into the
 * authority section, TTL z->neg_ttl. nxname: the name does not exist.
 * Otherwise the bitmap holds the types of node n (may be NULL: none), or,
 * when svc is set, the types svc can answer less qtype. Query path. */
int answer_dnssec_nsec(struct render *r, const struct zone *z, const uint8_t *owner,
		       const struct zone_node *n, const struct service *svc, uint16_t qtype,
		       bool nxname);

/* Copies the records of the unsigned message in (inlen bytes: header,
 * question, sections; no OPT) into out (header and question written) with
 * the RRSIGs of every RRset of a signed zone, except the NS and glue of
 * delegations. Returns 0, or -ENOSPC when the answer or authority section
 * (or a referral's glue) does not fit (the caller sets TC); other additional
 * RRsets that do not fit are left out with their RRSIGs. Query path: owning thread's t. */
int answer_dnssec_sign(struct dnssec_thread *t, const struct zonedb *db, const uint8_t *in,
		       size_t inlen, struct render *out);

#endif
