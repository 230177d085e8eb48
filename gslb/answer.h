/* SPDX-License-Identifier: Apache-2.0 */
/* answer.h — from a query packet to a response packet
 *
 * answer_packet() is the whole per-query logic shared by UDP and TCP:
 * parse, find the zone, look up (CNAME chains, wildcards, delegations,
 * NXDOMAIN/NODATA with SOA), CHAOS identity, EDNS (payload size, NSID,
 * Client Subnet echo, BADVERS), and truncation. Each thread owns one
 * struct answer_ctx with its counters; nothing is locked or allocated.
 */
#ifndef GSLB_ANSWER_H
#define GSLB_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "counter.h"
#include "filter.h"
#include "geo.h"

struct qrec;
struct dnssec_thread;
struct snapshot;

#define ANSWER_MAX_TCP 65535

/* Query types counted one by one; the rest go to the last slot ("other"). */
#define ANSWER_QTYPE_SLOTS 10
extern const char *const answer_qtype_names[ANSWER_QTYPE_SLOTS];

/* Per-thread counters: written by the one query thread that owns the answer_ctx, read by
 * the metrics reader on another thread (answer_stats_add), hence atomic (counter.h). */
struct answer_counters {
	_Atomic uint64_t queries;
	_Atomic uint64_t dropped;
	_Atomic uint64_t truncated;
	_Atomic uint64_t rcode[24];
	_Atomic uint64_t edns;
	_Atomic uint64_t ecs;
	_Atomic uint64_t service_answers;
	_Atomic uint64_t qtype[ANSWER_QTYPE_SLOTS];
};

/* A sum of threads' answer_counters and filter counters, plain: owned by the summing thread. */
struct answer_stats {
	uint64_t queries;
	uint64_t dropped;
	uint64_t truncated;
	uint64_t rcode[24]; /* by response rcode (extended included) */
	uint64_t edns;
	uint64_t ecs;
	uint64_t service_answers;	    /* answers chosen by a filter chain */
	uint64_t qtype[ANSWER_QTYPE_SLOTS]; /* by answer_qtype_names */
	uint64_t fail_open;		    /* filter `up` found no member up and kept all */
	uint64_t geofence_fallback;	    /* filter `geofence` matched no region */
	uint64_t sig_hits;		    /* RRsets whose RRSIGs the signature cache held */
	uint64_t sig_misses;		    /* RRsets signed anew (cold, changed or due) */
	uint64_t signatures;		    /* RRSIGs made */
	uint64_t sig_entries;		    /* RRsets in the signature caches now */
	uint64_t sig_bytes;		    /* bytes the signature caches hold */
};

/* Zero-initialise (calloc) before first use; the filter PRNG seeds itself. */
struct answer_ctx {
	struct answer_counters stats;
	unsigned row;	       /* this thread's row in snapshot->answers (member_stats.h) */
	struct flt_thread flt; /* round-robin counters, PRNG, filter counters */
	struct geo_cache geo;  /* client locations by network; clears itself on a new db */
	/* Set by answer_packet for the caller's rate limiter: the wildcard owner ("*.zone")
	 * an answer was synthesised from, so that random labels under a wildcard share one
	 * RRL bucket; NULL otherwise. Points into the snapshot: valid under the same RCU
	 * read lock as the call. */
	const uint8_t *rrl_owner;
	/* NULL when serving. `gslbctl explain` answers a made-up query on its own answer_ctx with
	 * this set: each filter chain run is recorded in it (filter.h), and the answer is not
	 * counted in the snapshot's per-member answer counts. */
	struct flt_trace *trace;
	/* where service queries come from (query_record.h): counted when set (the serving
	 * threads set it; explain and what-if leave it NULL) */
	struct qrec *qrec;
	uint32_t qrec_epoch; /* qrec_epoch(), refreshed by the caller once per batch */
	/* Signing state (answer_dnssec.h): made by this thread on its first signed answer,
	 * read by the metrics reader, hence atomic; freed by answer_ctx_release. */
	struct dnssec_thread *_Atomic dnssec;
};

/* Frees what ctx allocated for itself (the signing state). Owning thread, once it stopped
 * answering and no reader sums its counters any more. */
void answer_ctx_release(struct answer_ctx *ctx);

/* Adds the counters of ctx (its stats and its filter counters) to dst.
 * Any thread: reads another thread's counters without a lock, so a sum
 * may be a few queries behind. */
void answer_stats_add(struct answer_stats *dst, const struct answer_ctx *ctx);

/* Answers req (reqlen bytes) from client src into resp (respcap bytes,
 * at least 512; 65535 for TCP). tcp selects full answers; over UDP the
 * answer is limited to the client's EDNS payload size clamped to the
 * config's max_udp_size (512 without EDNS) and truncated with TC=1.
 * Returns the response length, or 0 when nothing must be sent.
 * Query path: reads snap under the caller's RCU read lock. */
size_t answer_packet(struct answer_ctx *ctx, const struct snapshot *snap, const uint8_t *req,
		     size_t reqlen, uint8_t *resp, size_t respcap, const struct sockaddr *src,
		     bool tcp);

#endif
