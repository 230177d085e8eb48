/* SPDX-License-Identifier: Apache-2.0 */
/* control.h — gslbd's HTTP control endpoint: /healthz, /metrics and the gslbctl JSON API
 *
 * One libevent evhttp server on its own thread and event loop (the TCP DNS
 * loop is another), bound to server.control.listen at startup, before
 * privileges are dropped; a reload does not rebind it. The thread is an RCU
 * reader of the published snapshot.
 *
 *   GET  /healthz                 200 "ok" while serving, else 503 (BIRD's check)
 *   GET  /metrics                 Prometheus text (metrics.h)
 *   GET  /api/v1/state            snapshot, zones, regions, services, members, health
 *   GET  /api/v1/stats            the figures of gslbctl stats as JSON (no token needed)
 *   POST /api/v1/reload           the daemon's reload; 200 ok or 422 with the errors
 *   POST /api/v1/members/SERVICE/INDEX/drain|undrain|up|down|clear
 *   POST /api/v1/regions/REGION/drain|undrain
 *
 * Every POST needs "Authorization: Bearer <token>" (server.control.token_file)
 * and Content-Type: application/json; without a configured token POSTs answer
 * 403. With one, GET /api/v1/state needs it too; /healthz, /metrics and GET
 * /api/v1/stats never do. Requests with an Origin header (web pages) get 403,
 * a Host that names neither localhost, loopback nor the endpoint (DNS
 * rebinding) 421. At most server.control.max_clients connections are held (a
 * new one closes the least recently active), each with header_timeout to send
 * a whole request. The token and limits are read from the published snapshot,
 * so a reload changes them. This file is the server: lifecycle, connection
 * limits, routing, the token check, /healthz and /metrics; the /api/v1
 * handlers are control_api.h's, and what an override action means is
 * health_override.h's.
 */
#ifndef GSLB_CONTROL_H
#define GSLB_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf_addr;
struct control;
struct health_state;
struct metrics_daemon;
struct net_tcp;
struct net_health;
struct net_udp;

/* Settings a reload reads but cannot apply: sockets and threads are made at startup,
 * before the privileges go. The running daemon keeps the old values until a restart. */
#define CONTROL_RESTART_LISTEN 0x1u	    /* server.listen */
#define CONTROL_RESTART_THREADS 0x2u	    /* server.threads */
#define CONTROL_RESTART_CONTROL_LISTEN 0x4u /* server.control.listen */
#define CONTROL_RESTART_HEALTH_LISTEN 0x8u  /* health.listen */
#define CONTROL_RESTART_USER 0x10u	    /* server.user */
#define CONTROL_RESTART_STORE 0x20u	    /* store (any of its settings) */

/* The setting a CONTROL_RESTART_* bit stands for ("server.listen"), or NULL. */
const char *control_restart_setting(unsigned bit);

/* The daemon's reload, shared with SIGHUP: returns 0, the published generation and in
 * *restart the CONTROL_RESTART_* bits of the settings that changed but wait for a restart,
 * or a negative errno with the "file:line: ..." lines in err (errlen bytes; CONF_ERRLEN
 * holds every line of a bad file) and the old snapshot kept. Called on the control
 * thread, outside any RCU read-side section. */
typedef int control_reload_fn(void *arg, uint64_t *generation, unsigned *restart, char *err,
			      size_t errlen);

struct store;

struct control_params {
	const struct conf_addr *listen; /* copied */
	struct net_udp *udp;		/* counters; must outlive control_stop(); NULL: 0 */
	struct net_tcp *tcp;		/* the same (NULL in the endpoint's fuzz target) */
	struct health_state *health;	/* overrides; NULL answers them with 503 */
	struct store *store;		/* overrides go through etcd (store.h); NULL: local */
	struct net_health *health_rx;	/* probe report counters; may be NULL */
	struct metrics_daemon *daemon;	/* reload counters */
	control_reload_fn *reload;
	void *reload_arg;
};

/* Binds and listens on p->listen. Returns NULL with "control listen ADDR:
 * why" in err on failure. Main thread, before privileges are dropped; the
 * caller frees with control_free(). */
struct control *control_new(const struct control_params *p, char *err, size_t errlen);
/* Starts the endpoint's thread (the caller masks signals first). Returns 0
 * or a negative errno. Main thread. */
int control_start(struct control *c);
/* Marks the daemon serving or not: /healthz answers 200 only while true and
 * a snapshot is published. Any thread. */
void control_set_serving(struct control *c, bool serving);
/* Stops the loop and joins the thread; safe if never started or NULL. */
void control_stop(struct control *c);
void control_free(struct control *c);

#endif
