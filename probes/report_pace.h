/* SPDX-License-Identifier: Apache-2.0 */
/* report_pace.h — when gslb-probe sends an event report: debounced, rate-limited per gslbd
 *
 * Besides the full snapshot every health.report_interval, a prober sends one at once when a
 * check instance changes state (up/down, or a load crossing a tenth), so that gslbd hears a
 * failure without waiting for the next period. Reports are full snapshots either way, so
 * the protocol stays idempotent; this module only says when:
 *
 *   - debounce: a change waits REPORT_PACE_DEBOUNCE_MS, so that the flips of one incident
 *     (the checks of a backend failing together) leave in one report;
 *   - rate limit: a destination gets at most one report per REPORT_PACE_MIN_GAP_MS, counting
 *     the periodic snapshots too; changes inside the gap leave at its end, in one report.
 *
 * Pure: time comes in as milliseconds of a monotonic clock; one instance per probe, on the
 * probe's loop thread.
 */
#ifndef GSLB_REPORT_PACE_H
#define GSLB_REPORT_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 20 ms gathers the flips of one incident (checks fail within a few ms of each other on a
 * refused or reset connection) and costs little of a sub-second failover. */
#define REPORT_PACE_DEBOUNCE_MS 20
/* At most ten reports a second to one gslbd from a flapping prober (at 1,000 probers, 10k
 * datagrams a second at worst). */
#define REPORT_PACE_MIN_GAP_MS 100
#define REPORT_PACE_NEVER UINT64_MAX

struct report_pace_dest {
	bool pending;	    /* a change not yet sent to it */
	uint64_t change_ms; /* the first change it has not been sent */
	uint64_t last_ms;   /* its last report, event or periodic */
	bool sent_once;
};

struct report_pace {
	struct report_pace_dest *d;
	size_t n;
	uint64_t debounce_ms, min_gap_ms;
};

/* n destinations, none pending. Returns 0 or -ENOMEM. */
int report_pace_init(struct report_pace *p, size_t n, uint64_t debounce_ms, uint64_t min_gap_ms);
void report_pace_release(struct report_pace *p);

/* A check instance changed at now: every destination has a change pending. */
void report_pace_changed(struct report_pace *p, uint64_t now);
/* When destination i may get its event report: the change plus the debounce, and its last
 * report plus the gap, whichever is later; REPORT_PACE_NEVER when nothing is pending. */
uint64_t report_pace_due(const struct report_pace *p, size_t i);
/* The earliest report_pace_due over every destination. */
uint64_t report_pace_next(const struct report_pace *p);
/* Whether destination i gets an event report at now (pending and due). */
bool report_pace_take(const struct report_pace *p, size_t i, uint64_t now);
/* A report (event or periodic: a snapshot carries every change) went to destination i at
 * now: nothing is pending for it, and the gap counts from now. */
void report_pace_sent(struct report_pace *p, size_t i, uint64_t now);

#endif
