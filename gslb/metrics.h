/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.h — gslbd's counters in the Prometheus text exposition format
 *
 * The control endpoint (control.h) gathers one struct metrics_input — the
 * listeners' summed per-thread counters, the daemon's reload counters, the
 * published snapshot with its member health — and metrics_render() writes
 * it as Prometheus text format 0.0.4: "# HELP" and "# TYPE" once per
 * family, counters named *_total, label values escaped. Rendering is pure
 * formatting: no clock, no lock, no global, so tests feed it made-up input.
 */
#ifndef GSLB_METRICS_H
#define GSLB_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "answer.h"
#include "health.h"
#include "net.h"
#include "net_health.h"
#include "rrl.h"

struct snapshot;

/* Daemon-wide counters outside the query path, written by whichever thread
 * reloads (SIGHUP on the main thread, the API on the control thread) and
 * read by the renderer: relaxed atomics. Zero-initialise. */
struct metrics_daemon {
	atomic_uint_least64_t reloads_ok;
	atomic_uint_least64_t reloads_failed;
	atomic_int_least64_t last_reload; /* unix time of the last attempt, 0 = none */
};

enum metrics_proto {
	METRICS_UDP = 0,
	METRICS_TCP,
	METRICS_NPROTO,
};

struct store;

struct metrics_input {
	struct answer_stats dns[METRICS_NPROTO]; /* summed answer counters per protocol */
	struct net_udp_stats udp;
	struct net_tcp_stats tcp;
	struct rrl_stats rrl;		 /* response rate limiting; zeros when off */
	struct net_health_stats reports; /* probe report receiver; zeros without one */
	uint64_t reloads_ok, reloads_failed;
	bool serving;	 /* UDP workers running and not shutting down */
	time_t now;	 /* for the snapshot's age */
	uint64_t now_ms; /* unix ms (the health clock), for the probers' report ages */
	/* The published snapshot, or NULL; the caller holds the RCU read lock
	 * while metrics_render runs. */
	const struct snapshot *snap;
	/* Operator overrides and the probers' report ages; NULL when the daemon runs
	 * without health state. */
	struct health_state *health;
	/* the operator state's store (store.h); NULL: overrides are local */
	struct store *store;
};

/* Writes every metric family of in to out. Returns 0, or -EIO when out
 * reports a write error. Any thread; it reads member health atomics and
 * takes the health state's lock once per member for its override and once
 * for the probers. */
int metrics_render(FILE *out, const struct metrics_input *in);

/* "NOERROR", "NXDOMAIN", ... for rcode 0..23; NULL for rcodes without a
 * mnemonic. Index 23 also counts the rcodes above it (answer.h). */
const char *metrics_rcode_name(unsigned rcode);

/* Writes s to out escaped for a label value (backslash, double quote,
 * newline). */
void metrics_label_escape(FILE *out, const char *s);

#endif
