/* SPDX-License-Identifier: Apache-2.0 */
/* probe_metrics.h — gslb-probe's metrics endpoint: every check instance and the reports sent
 *
 * GET /metrics on probe.metrics answers the Prometheus text format: per check instance its
 * state, when its last run ended, how long it took, whether it passed, its failures in a
 * row and whether a run is in flight, so that a checker stuck inside a live prober (its last
 * run growing old) is visible; and the reports sent (periodic, change) and the sends that
 * failed. GET /healthz answers 200 "ok". Read-only, no token: bind it to loopback or a
 * monitoring network.
 *
 * Runs on the probe's libevent loop: no locks; the probe is read between its events.
 */
#ifndef GSLB_PROBE_METRICS_H
#define GSLB_PROBE_METRICS_H

#include <stddef.h>

struct conf_addr;
struct event_base;
struct probe;

struct probe_metrics;

/* Listens on addr for p (which must outlive the result; probe_reload keeps it). Returns NULL
 * with "probe.metrics ADDR: what: why" in err. Loop thread. */
struct probe_metrics *probe_metrics_new(struct event_base *base, const struct conf_addr *addr,
					const struct probe *p, const char *id, char *err,
					size_t errlen);
void probe_metrics_free(struct probe_metrics *m);

#endif
