/* SPDX-License-Identifier: Apache-2.0 */
/* anycast.h — gslb-anycast: announce the anycast prefixes through BIRD only while gslbd is healthy
 *
 * Every interval one round checks the local gslbd twice, in parallel on the
 * libevent loop: its control endpoint's /healthz must answer 200 (through the
 * project's HTTP client, gslb/http_client.h) and a SOA query for probe_name
 * to its first listen address must answer NOERROR with an answer (through the
 * DNS client, probes/dns_client.h), both within timeout. A round with both
 * good is good. The probe's rise/fall machine (struct probe_sm,
 * probes/probe.h) turns rounds into a state, announced (up) or withdrawn; the
 * state is pushed to BIRD as "enable <protocol>" / "disable <protocol>" on
 * its control socket, the protocol being the static (or BGP) protocol that
 * originates the prefixes.
 * The state is withdrawn from the start until rise good rounds are seen, and
 * it is pushed again every few seconds, so that a restarted BIRD (whose
 * config should say "disabled;") learns it too. A BIRD that is down or
 * refuses the command is logged and retried every round; nothing exits.
 *
 * The program is its own process on purpose: a hung gslbd cannot withdraw
 * its own route.
 */
#ifndef GSLB_ANYCAST_H
#define GSLB_ANYCAST_H

#include <stdbool.h>
#include <stddef.h>

struct conf;
struct event_base;

enum anycast_state {
	ANYCAST_WITHDRAWN = 0,
	ANYCAST_ANNOUNCED,
};

/* "announced" or "withdrawn", for logs. Any thread. */
const char *anycast_state_name(enum anycast_state s);

/* One reply of BIRD's control socket: lines "DDDD-text" (more follow),
 * "DDDD text" (the last), " text" (continues the previous code). */
struct anycast_bird_reply {
	int final_code; /* code of the last line */
	int error_code; /* first code >= 8000 (runtime or syntax error), else 0 */
	int state_code; /* 8 already disabled, 9 disabled, 10 already enabled, 11 enabled; 0 none */
	char text[160]; /* text of the first line, for logs (quotes replaced) */
};

/* Parses the reply in buf[0..len). Returns 1 when it is complete (r filled), 0 when
 * more bytes are needed, -EPROTO when it is not BIRD's format. Any thread. */
int anycast_bird_parse(const char *buf, size_t len, struct anycast_bird_reply *r);

/* Sends "enable NAME" (announce) or "disable NAME" over the unix socket path and
 * waits for the reply, at most timeout seconds per step (blocking: the socket is
 * local and the call is rare). Returns 0 when BIRD confirmed the state (state_code
 * set in r), or a negative errno: -ECONNREFUSED/-ENOENT when BIRD is not there,
 * -ETIMEDOUT, -EPROTO for a reply that is not BIRD's, -EINVAL when BIRD refused
 * the command (r->error_code, r->text say why). */
int anycast_bird_set(const char *path, const char *protocol, bool announce, double timeout,
		     struct anycast_bird_reply *r);

struct anycast;

/* Checks that c has what gslb-anycast needs: the anycast section, a listen address to ask
 * the SOA of and the control endpoint for /healthz. Returns 0, or -EINVAL with
 * "file: field: message" in err. Any thread. */
int anycast_conf_check(const struct conf *c, char *err, size_t errlen);

/* Starts the rounds on base, reading c->anycast, c->listen[0] and c->control.listen
 * (wildcard addresses are asked on loopback). c must outlive the result. Returns NULL
 * with a message in err when the config cannot be used. Loop thread only. */
struct anycast *anycast_new(struct event_base *base, const struct conf *c, char *err,
			    size_t errsize);
/* Withdraws now (for a clean stop: traffic leaves before gslbd stops). Returns 0 or the
 * error of anycast_bird_set. Loop thread. */
int anycast_withdraw(struct anycast *a, const char *reason);
enum anycast_state anycast_state(const struct anycast *a);
/* The BIRD protocols it drives, "a,b", for logs. */
const char *anycast_protocols(const struct anycast *a);
void anycast_free(struct anycast *a);

#endif
