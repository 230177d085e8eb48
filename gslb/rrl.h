/* SPDX-License-Identifier: Apache-2.0 */
/* rrl.h — response rate limiting (RRL) of UDP answers against reflection attacks
 *
 * Every UDP answer is charged to a bucket keyed by (client network, name,
 * kind of answer), as BIND and Knot do: the client's address cut to
 * ipv4_prefix/ipv6_prefix; for a NOERROR answer the qname (the wildcard's
 * owner for a synthesised one) and qtype; for NODATA the zone apex and for a
 * referral the cut, whatever the qtype; for NXDOMAIN the zone apex at its own
 * rate; for other rcodes the rcode alone. So random names, random qtypes and
 * random labels under a wildcard cannot spread a flood over buckets.
 *
 * A bucket is a token bucket in GCRA form: one "theoretical arrival time"
 * per bucket. It refills at rate per second and holds at most rate × window
 * answers, so a client may burst window seconds' worth and then gets rate
 * answers per second. An answer over the limit is dropped, except every
 * slip-th one, which goes out truncated (TC=1, no records) so that a real
 * client behind a spoofed flood retries over TCP. Exempt networks and TCP
 * are never limited.
 *
 * The table is a fixed array of 64-bit words allocated by rrl_new(), shared
 * by all UDP workers (SO_REUSEPORT spreads a flood from many ports over
 * every thread, so per-thread tables would each allow the full rate) and
 * updated by compare-and-swap: no lock, no allocation. Two keys that land
 * in one slot simply reset it, as NSD does. Time is passed in (ms), so
 * tests run without sleeping.
 *
 * The daemon publishes its current limiter with rrl_configure(), an RCU
 * pointer like the snapshot's; UDP workers read it with rrl_get() inside
 * their read-side section.
 */
#ifndef GSLB_RRL_H
#define GSLB_RRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dname.h"

struct conf_rrl;
struct rrl;

/* Slots in the bucket table (a power of two): 512 KiB of 64-bit words. */
#define RRL_BUCKETS 65536

enum rrl_action {
	RRL_SEND = 0, /* within the limit, exempt, or RRL off */
	RRL_DROP,     /* over the limit: send nothing */
	RRL_SLIP,     /* over the limit: send the truncated form (rrl_slip_response) */
};

struct rrl_stats {
	uint64_t dropped;    /* RRL_DROP */
	uint64_t slipped;    /* RRL_SLIP */
	uint64_t collisions; /* a slot taken over from another key */
};

/* What rrl_decide needs from a rendered response. */
struct rrl_resp {
	uint8_t name[DNAME_MAXLEN]; /* lowercased qname; for NXDOMAIN the zone apex */
	uint16_t qtype;
	uint16_t rcode; /* header rcode (4 bits) */
	size_t qend;	/* offset just past the question (12 without one) */
};

/* Makes a limiter for c (copied: c may be freed afterwards), with a random
 * hash seed and an empty table. Returns NULL when c is not enabled or out of
 * memory. Control thread; free with rrl_free(). */
struct rrl *rrl_new(const struct conf_rrl *c);
void rrl_free(struct rrl *r);
/* True when r was made from a config equal to c (both NULL/disabled counts). */
bool rrl_conf_equal(const struct rrl *r, const struct conf_rrl *c);

/* qtype given to rrl_decide for a NOERROR response without answers (NODATA, referral):
 * keyed on the zone or cut for any qtype, as NXDOMAIN is for any name. 0 is no real qtype. */
#define RRL_QTYPE_EMPTY 0

/* Charges one answer to the bucket of (client network, name, qtype, rcode)
 * at now_ms (any monotonic clock) and says what to do with it. name is a
 * lowercased uncompressed wire name: the qname (the wildcard owner for a
 * synthesised answer), or the zone apex for NXDOMAIN and NODATA (qtype
 * RRL_QTYPE_EMPTY), the cut for a referral; it is ignored for other rcodes.
 * Query path: lock-free, no allocation; any thread, concurrently. */
enum rrl_action rrl_decide(struct rrl *r, const struct sockaddr *client, const uint8_t *name,
			   uint16_t qtype, uint16_t rcode, uint64_t now_ms);

/* Reads the rcode, qname and qtype of a response; for NXDOMAIN and NOERROR without answers
 * (whose qtype becomes RRL_QTYPE_EMPTY) the name becomes the owner of the first SOA in the
 * authority section (the zone apex), or for a referral of its NS records (the cut); the
 * qname if there is none. Returns 0 or -EBADMSG. Query path. */
int rrl_parse_response(const uint8_t *resp, size_t len, struct rrl_resp *out);

/* Rewrites the response resp[0..len) in place into its slip form: TC=1,
 * header and question kept, answer and authority removed, the OPT record
 * (if any) kept as the only additional record. qend is rrl_resp.qend.
 * Returns the new length (<= len). Query path. */
size_t rrl_slip_response(uint8_t *resp, size_t len, size_t qend);

/* The whole UDP step: parses resp, decides for client at now_ms, and
 * returns len (send as is), the shorter slip length (send that), or 0
 * (drop). wildcard is the owner of the wildcard a positive answer was
 * synthesised from (answer_ctx.rrl_owner), else NULL. An unparsable
 * response is sent as is. Query path. */
size_t rrl_udp(struct rrl *r, uint8_t *resp, size_t len, const struct sockaddr *client,
	       const uint8_t *wildcard, uint64_t now_ms);

/* Sums r's counters into st (overwritten); NULL r gives zeros. Any thread,
 * relaxed reads. */
void rrl_stats(const struct rrl *r, struct rrl_stats *st);
/* The published limiter's counters (carried across reloads) into st; zeros
 * when RRL is off. Call inside an RCU read-side section. For metrics. */
void rrl_stats_published(struct rrl_stats *st);

/* Makes the published limiter match c: keeps the current one when its
 * config is equal (its buckets and counters with it), else publishes a new
 * one (NULL when c is not enabled), carrying the counters over, and frees
 * the old one after an RCU grace period. Returns 0 or -ENOMEM (the old one
 * stays). Control thread only. */
int rrl_configure(const struct conf_rrl *c);
/* The published limiter or NULL; call inside an RCU read-side section and
 * do not keep the pointer past its end. */
struct rrl *rrl_get(void);
/* Unpublishes and frees the limiter at shutdown, after the workers stopped. */
void rrl_shutdown(void);

#endif
