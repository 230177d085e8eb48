/* SPDX-License-Identifier: Apache-2.0 */
/* net_health.h — gslbd's probe report receiver: UDP sockets and one thread
 *
 * The receiver feeds gslbd's health state (health.h) from the UDP sockets
 * of health.listen. One thread reads the datagrams, verifies each against the
 * keys of the published snapshot (report_verify_parse, under the RCU read
 * lock, so that a reload rotates keys), applies it with the current time
 * (health_apply_report), evaluates at once when a report changed a vote
 * (health_evaluate_due), so that a flip is published on the report's arrival,
 * and every NET_HEALTH_TICK_MS re-evaluates the state (health_evaluate), so
 * that grace and staleness run on time. The evaluations also save the votes
 * to health.state_file when due (health_save_due).
 *
 * gslbd binds every snapshot to the state (health_bind) before publishing
 * it, so states, votes and overrides of the members that still exist
 * survive a reload. Without a health section there are no sockets and no reports:
 * every member stays up, and only overrides can change that.
 *
 * Sockets are bound by net_health_new(), before privileges are dropped;
 * health.listen is fixed at startup (a reload that changes it logs
 * restart_needed). Counters are written by the receiver thread only and
 * read with net_health_stats().
 */
#ifndef GSLB_NET_HEALTH_H
#define GSLB_NET_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf;
struct health_state;
struct net_health;

/* Evaluation period: a tenth of a second bounds how late staleness and grace take effect
 * (and a flip whose report only refreshed votes), at the cost of one pass over the members
 * (under the state's lock) per tick. A report that changes a vote is evaluated on arrival. */
#define NET_HEALTH_TICK_MS 100

/* Why a datagram was dropped, as counted. */
enum net_health_reason {
	NET_HEALTH_R_OVERSIZED = 0,
	NET_HEALTH_R_MALFORMED,
	NET_HEALTH_R_BAD_VERSION,
	NET_HEALTH_R_UNKNOWN_KEY,
	NET_HEALTH_R_BAD_MAC,
	NET_HEALTH_R_REPLAY,
	NET_HEALTH_R_STALE_TIMESTAMP,
	NET_HEALTH_R_FUTURE_TIMESTAMP,
	NET_HEALTH_R_TOO_MANY_PROBERS,
	NET_HEALTH_R_PROBER_NOT_ALLOWED,
	NET_HEALTH_R_IMPLAUSIBLE_SEQ,
	NET_HEALTH_R_BEFORE_START,
	NET_HEALTH_R_OTHER, /* out of memory, no snapshot yet */
	NET_HEALTH_R_COUNT,
};

struct net_health_stats {
	uint64_t accepted;		       /* datagrams applied */
	uint64_t entries;		       /* their entries that named a bound target */
	uint64_t rejected[NET_HEALTH_R_COUNT]; /* datagrams dropped, by reason */
	uint64_t evaluations;		       /* health_evaluate calls */
	uint64_t changes;		       /* state flips they published */
};

/* The reason's name as logged ("bad_mac", ...), the REPORT_R_* string. */
const char *net_health_reason_name(enum net_health_reason r);

/* Binds a UDP socket per health.listen address of conf (none without a health section)
 * for a receiver that feeds hs, which the caller made (health_new, health_file_load), binds to
 * every snapshot before publishing it (health_bind), and frees after net_health_free(). On
 * failure returns NULL with "health.listen ADDR: udp: what: why" in err. Control thread. */
struct net_health *net_health_new(const struct conf *conf, struct health_state *hs, char *err,
				  size_t errlen);

/* True when a reloaded conf changes health.listen: the sockets stay as bound until a
 * restart. */
bool net_health_listen_changed(const struct net_health *nh, const struct conf *conf);

/* Starts the receiver thread (blocking no signals itself: the caller masks them first).
 * Returns 0 or a negative errno. Control thread. */
int net_health_start(struct net_health *nh);
/* Stops and joins the thread, logs the counters; safe if never started, and with NULL.
 * The caller may free the health state afterwards. */
void net_health_stop(struct net_health *nh);
void net_health_free(struct net_health *nh);

/* Copies the counters into st. Any thread; lock-free reads, may be a moment old. */
void net_health_stats(const struct net_health *nh, struct net_health_stats *st);

#endif
