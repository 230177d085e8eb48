/* SPDX-License-Identifier: Apache-2.0 */
/* probe.h — gslb-probe: check instances, their rise/fall state, scheduler and reports
 *
 * One check instance is one (service, member, address) whose member names a
 * check. Every instance runs on one libevent loop: its first run starts at a
 * random offset within its interval (so that a thousand instances do not fire
 * together), then once per interval, each run bounded by the check's timeout.
 * A run's result feeds the instance's rise/fall state machine; every
 * health.report_interval the probe sends each probe.report_to address a
 * signed snapshot of all instances (report.h).
 *
 * State machine: an instance starts in the state health.default says (up
 * unless "down"), and only consecutive results move it: `fall` failures in a
 * row turn an up instance down, `rise` successes in a row turn a down one up.
 * A result that agrees with the state resets the opposite run.
 *
 * Everything here runs on the loop's thread.
 */
#ifndef GSLB_PROBE_H
#define GSLB_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct service;

/* Rise/fall state of one instance. Pure: time is passed in. */
struct probe_sm {
	bool up;
	int run;		 /* consecutive results that disagree with up */
	uint64_t last_change_ms; /* unix ms of the last flip; 0 = none yet */
	uint64_t results;	 /* results seen */
};

/* Sets sm to state up (health.default) with no results. */
void probe_sm_init(struct probe_sm *sm, bool up);
/* Feeds one result taken at now_ms. Returns true when the state flipped. */
bool probe_sm_result(struct probe_sm *sm, bool ok, int rise, int fall, uint64_t now_ms);

/* What to check: built from the config's services by probe_targets_build. */
struct probe_target {
	const uint8_t *service; /* wire name, lowercased, points into the conf */
	uint16_t member;
	uint8_t family; /* 4, 6, or 0: the member as a whole (haproxy, CNAME member) */
	uint8_t addr[16];
	const struct conf_check *check; /* points into the conf */
};

/* Lists the instances of services[0..n) under the checks of c: one per address of every
 * member naming a check; a member without addresses (CNAME) only for a haproxy check, whose
 * URL does not depend on the address (family 0), else skipped with a log line. A member
 * naming an unknown check is skipped with a warning. Sets *out (caller frees with free())
 * and *nout; returns 0 or -ENOMEM. */
int probe_targets_build(const struct conf *c, const struct service *services, size_t n,
			struct probe_target **out, size_t *nout);

/* Checks that c can run a prober named id: the probe section with its key, a valid id, and
 * a key that may sign for that id (health.keys[].probers). Returns 0 or -EINVAL with
 * "file: field: message" in err. Any thread. */
int probe_conf_check(const struct conf *c, const char *id, char *err, size_t errlen);

struct probe;
struct event_base;

/* A probe running on base with config c (which it does not own: the caller keeps c alive
 * until probe_reload replaces it or probe_free) and targets t[0..n) (copied; their pointers
 * must live as long as c). id is the prober id (probe.id or -i). Returns NULL with a message
 * in err on failure. */
struct probe *probe_new(struct event_base *base, const struct conf *c, const char *id,
			const struct probe_target *t, size_t n, char *err, size_t errlen);
/* Switches to config c and targets t: instances with the same service, member, address and
 * check name keep their state; the rest start afresh. Same ownership as probe_new.
 * Returns 0 or a negative errno (the old config stays in use). */
int probe_reload(struct probe *p, const struct conf *c, const char *id,
		 const struct probe_target *t, size_t n, char *err, size_t errlen);
/* Stops every check and frees p; NULL is fine. */
void probe_free(struct probe *p);
/* Number of instances. */
size_t probe_count(const struct probe *p);

/* One check instance as the metrics endpoint shows it; strings valid during the call. */
struct probe_inst_info {
	const char *service, *addr, *check, *type;
	uint16_t member;
	bool up;      /* the rise/fall state reported */
	bool running; /* a run is in flight */
	uint64_t runs;
	uint64_t last_run_ms; /* unix ms the last run ended; 0 = none yet */
	bool last_ok;
	uint32_t last_duration_us;
	uint32_t consecutive_failures;
	uint64_t failures;
	double interval; /* seconds */
};
/* Calls fn for every instance. Loop thread. */
void probe_foreach_inst(const struct probe *p,
			void (*fn)(const struct probe_inst_info *i, void *arg), void *arg);

/* Reports sent, counted per destination: periodic snapshots and event reports
 * (report_pace.h), and those with a datagram sendto refused. */
struct probe_report_stats {
	uint64_t periodic, change, send_errors;
	uint64_t seq; /* the next sequence number */
};
void probe_report_stats(const struct probe *p, struct probe_report_stats *st);

#endif
