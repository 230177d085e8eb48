/* SPDX-License-Identifier: Apache-2.0 */
/* report.h — signed probe reports: encoder and verifying parser of the datagrams
 *
 * A prober sends every gslbd a full snapshot of its view every
 * report_interval: one entry per (member, address) it checks, with the
 * state, RTT, load and the time of the last state change. A snapshot is
 * split over as many datagrams ("parts") of at most REPORT_MAX_DATAGRAM
 * bytes as it needs; every part carries the snapshot's sequence number and
 * timestamp, is signed on its own with HMAC-SHA256 under a named key
 * (health.keys), and is useful on its own, so a lost part costs only its
 * entries until the next snapshot. The format is in docs/probe-protocol.md.
 *
 * A member is named the same way on both sides from the shared config: the
 * service's wire name (lowercased), the member's index in the service, and
 * the address (family 4 or 6 and its bytes), or family 0 and no address for
 * a member checked as a whole (a CNAME member).
 *
 * This module is pure: no sockets, no clock, no state. Replay and timestamp
 * checks need the receiver's memory and live in health.c; their reasons are
 * listed here so that every rejection has one name.
 */
#ifndef GSLB_REPORT_H
#define GSLB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define REPORT_MAGIC "GSHR" /* gslb health report */
#define REPORT_MAGIC_LEN 4
#define REPORT_VERSION 1
#define REPORT_MAX_DATAGRAM 1400 /* fits any path with a 1500-byte MTU, tunnels included */
#define REPORT_MAC_LEN 32	 /* HMAC-SHA256 */
#define REPORT_MAX_PARTS 256	 /* per snapshot; the receiver tracks parts in a bitmap */
/* Smallest entry: flags, family, member, name "\1a\0" (3 bytes, length-prefixed), rtt, load,
 * last change: 1 + 1 + 2 + 1 + 3 + 4 + 4 + 8 = 24 bytes. */
#define REPORT_MIN_ENTRY 24
#define REPORT_MAX_ENTRIES (REPORT_MAX_DATAGRAM / REPORT_MIN_ENTRY)
#define REPORT_UNKNOWN UINT32_MAX /* rtt_us or load_permille not measured */

/* Rejection reasons, as logged and counted. */
#define REPORT_R_OVERSIZED "oversized"
#define REPORT_R_MALFORMED "malformed"
#define REPORT_R_BAD_VERSION "bad_version"
#define REPORT_R_UNKNOWN_KEY "unknown_key"
#define REPORT_R_BAD_MAC "bad_mac"
#define REPORT_R_PROBER_NOT_ALLOWED "prober_not_allowed" /* not in the key's probers */
#define REPORT_R_IMPLAUSIBLE_SEQ "implausible_seq"	 /* seq ahead of the timestamp */
#define REPORT_R_REPLAY "replay"			 /* health.c */
#define REPORT_R_STALE_TIMESTAMP "stale_timestamp"	 /* health.c */
#define REPORT_R_FUTURE_TIMESTAMP "future_timestamp"	 /* health.c */

/* One (member, address) as seen by one prober. */
struct report_entry {
	const uint8_t *service; /* uncompressed wire name, lowercased; in a parsed view it
				 * points into the datagram */
	uint16_t member;	/* index in the service's member list */
	uint8_t family;		/* 4, 6, or 0 = the member as a whole (no address) */
	uint8_t addr[16];	/* 4 or 16 bytes used, network order; zeroed beyond */
	bool up;
	uint32_t rtt_us;	 /* REPORT_UNKNOWN if not measured */
	uint32_t load_permille;	 /* REPORT_UNKNOWN if not measured; may exceed 1000 */
	uint64_t last_change_ms; /* unix ms of the last up/down change the prober saw; 0 = none */
};

/* What identifies a snapshot; the same for all its parts. */
struct report_meta {
	const char *prober;    /* the prober's id (conf_probe.id rules), NUL-terminated */
	uint64_t seq;	       /* strictly increasing per prober, also across restarts */
	uint64_t timestamp_ms; /* unix ms when the snapshot was taken */
};

/* One verified datagram. Pointers point into the datagram buffer, which must outlive the
 * view; key points into the conf_health it was verified against. */
struct report_view {
	const struct conf_health_key *key;
	const char *prober; /* not NUL-terminated: prober_len bytes of [A-Za-z0-9._-] */
	size_t prober_len;
	uint64_t seq;
	uint64_t timestamp_ms;
	uint16_t part;	 /* 0 .. nparts - 1 */
	uint16_t nparts; /* 1 .. REPORT_MAX_PARTS */
	size_t nentries;
	struct report_entry entries[REPORT_MAX_ENTRIES];
};

/* The starting sequence number of a prober process: unix time in µs, so that a restarted
 * prober continues above its last number without keeping state. Then +1 per snapshot,
 * and snapshots are at least CONF report_interval >= 50 ms apart: a genuine seq never
 * exceeds its snapshot's timestamp in µs, give or take a clock stepped back since the
 * start. */
uint64_t report_seq_start(uint64_t now_us);

/* Number of datagrams the snapshot of n entries needs under key id key_id and prober id
 * prober, or -EINVAL for a bad id or entry, -EMSGSIZE beyond REPORT_MAX_PARTS. */
int report_parts_needed(const char *key_id, const char *prober, const struct report_entry *e,
			size_t n);

/* Encodes the snapshot of n entries (n may be 0: a heartbeat with one empty part) into
 * datagrams signed with key: bufs[i] (REPORT_MAX_DATAGRAM bytes each, caller-owned) gets
 * part i, lens[i] its length, for i < *nparts. max_parts is the number of buffers. Returns 0,
 * -EINVAL for a bad id, entry or service name, -EMSGSIZE when max_parts buffers are too
 * few, -EIO when OpenSSL fails. Thread-safe (no shared state). */
int report_encode(const struct report_meta *m, const struct conf_health_key *key,
		  const struct report_entry *e, size_t n, uint8_t (*bufs)[REPORT_MAX_DATAGRAM],
		  size_t *lens, size_t max_parts, size_t *nparts);

/* Checks one received datagram in this order: size (REPORT_R_OVERSIZED,
 * REPORT_R_MALFORMED if shorter than a header), magic (REPORT_R_MALFORMED), version
 * (REPORT_R_BAD_VERSION), key id among h->keys (REPORT_R_UNKNOWN_KEY), the MAC in constant
 * time (REPORT_R_BAD_MAC), then parses the signed content with a bounds-checked cursor
 * (REPORT_R_MALFORMED), then checks that the key may sign for the prober id
 * (conf_health_key_allows; REPORT_R_PROBER_NOT_ALLOWED) and that seq is at most the
 * timestamp in µs plus h->max_clock_skew (REPORT_R_IMPLAUSIBLE_SEQ: such a number would
 * lock the prober's later genuine reports out as replays). Returns 0 and fills *out, or a
 * negative errno (-EMSGSIZE, -EBADMSG, -EPROTONOSUPPORT, -ENOKEY, -EPERM for a prober the
 * key may not sign for, -ERANGE for the seq) and sets *reason to one of the REPORT_R_*
 * strings (static).
 * No allocation; out is large (REPORT_MAX_ENTRIES entries): keep one per thread.
 * Thread-safe. */
int report_verify_parse(const uint8_t *buf, size_t len, const struct conf_health *h,
			struct report_view *out, const char **reason);

#endif
