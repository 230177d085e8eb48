/* SPDX-License-Identifier: Apache-2.0 */
/* check_dns.c — dns check: query/qtype to the address via c-ares, up on NOERROR with an answer
 *
 * Each instance keeps one c-ares channel whose only server is the member's
 * address and the check's port, one try, the check's timeout. c-ares tells
 * which sockets it wants watched (sock_state_cb); each gets a libevent
 * event that hands readiness back with ares_process_fd (evares, also used
 * to resolve the host names of HAProxy stats URLs). The scheduler's
 * deadline ends a run that c-ares has not finished (ares_cancel).
 */
#include "config.h"

#include "checks.h"

#include "log.h"
#include "report.h"

#include <ares.h>
#include <event2/event.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVARES_MAX_SOCKS 16 /* UDP and TCP to each server c-ares uses at once */

struct evares_sock {
	ares_socket_t fd;
	struct event *ev;
};

struct evares {
	struct event_base *base;
	ares_channel ch;
	struct event *timer; /* c-ares' own timeouts and retries */
	struct evares_sock socks[EVARES_MAX_SOCKS];
};

struct dns_priv {
	struct check_inst *ci;
	struct evares *ea;
	bool in_flight;
	bool cancelling;
};

static const char *const rcode_names[] = {"NOERROR",  "FORMERR", "SERVFAIL",
					  "NXDOMAIN", "NOTIMP",	 "REFUSED"};

void evares_kick(struct evares *e)
{
	struct timeval tv, *t = ares_timeout(e->ch, NULL, &tv);

	if (t)
		evtimer_add(e->timer, t);
	else
		evtimer_del(e->timer);
}

static void sock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evares *e = arg;

	ares_process_fd(e->ch, (what & EV_READ) ? fd : ARES_SOCKET_BAD,
			(what & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	evares_kick(e);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evares *e = arg;

	ares_process_fd(e->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	evares_kick(e);
}

static void sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct evares *e = data;
	struct evares_sock *slot = NULL, *free_slot = NULL;

	for (size_t i = 0; i < EVARES_MAX_SOCKS; i++) {
		if (e->socks[i].ev && e->socks[i].fd == fd)
			slot = &e->socks[i];
		else if (!e->socks[i].ev && !free_slot)
			free_slot = &e->socks[i];
	}
	if (slot) {
		event_free(slot->ev);
		slot->ev = NULL;
	}
	if (!readable && !writable)
		return;
	if (!slot)
		slot = free_slot;
	if (!slot) {
		log_warn("event=dns_sockets_exhausted max=%d", EVARES_MAX_SOCKS);
		return;
	}
	slot->fd = fd;
	slot->ev = event_new(e->base, fd,
			     EV_PERSIST | (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0),
			     sock_cb, e);
	if (slot->ev)
		event_add(slot->ev, NULL);
}

struct evares *evares_new(struct event_base *base, struct ares_options *o, int mask)
{
	struct evares *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->base = base;
	e->timer = evtimer_new(base, timer_cb, e);
	if (!e->timer) {
		free(e);
		return NULL;
	}
	o->sock_state_cb = sock_state_cb;
	o->sock_state_cb_data = e;
	if (ares_init_options(&e->ch, o, mask | ARES_OPT_SOCK_STATE_CB) != ARES_SUCCESS) {
		event_free(e->timer);
		free(e);
		return NULL;
	}
	return e;
}

struct ares_channeldata *evares_channel(struct evares *e)
{
	return e->ch;
}

void evares_free(struct evares *e)
{
	if (!e)
		return;
	ares_destroy(e->ch); /* runs sock_state_cb for open sockets */
	for (size_t i = 0; i < EVARES_MAX_SOCKS; i++)
		if (e->socks[i].ev)
			event_free(e->socks[i].ev);
	event_free(e->timer);
	free(e);
}

static void query_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_priv *d = arg;
	struct check_inst *ci = d->ci;
	char reason[128];
	bool ok = false;

	if (d->cancelling || status == ARES_EDESTRUCTION)
		return;
	d->in_flight = false;
	ci->run = NULL;
	if (abuf && alen >= 12) {
		unsigned rcode = abuf[3] & 0x0f;
		unsigned ancount = (unsigned)abuf[6] << 8 | abuf[7];

		if (rcode != 0)
			snprintf(reason, sizeof(reason), "rcode %s",
				 rcode < sizeof(rcode_names) / sizeof(rcode_names[0])
				     ? rcode_names[rcode]
				     : "other");
		else if (ancount == 0)
			snprintf(reason, sizeof(reason), "no answer");
		else
			ok = true;
	} else {
		snprintf(reason, sizeof(reason), "%s", ares_strerror(status));
	}
	check_done(ci, ok, REPORT_UNKNOWN, ok ? NULL : reason);
}

static int make_channel(struct check_inst *ci, struct dns_priv *d)
{
	struct ares_options o;
	struct ares_addr_port_node srv;
	int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;

	memset(&o, 0, sizeof(o));
	o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	o.timeout = (int)(ci->ck->timeout * 1000);
	if (o.timeout < 1)
		o.timeout = 1;
	o.tries = 1;
	d->ea = evares_new(ci->env->base, &o, mask);
	if (!d->ea)
		return -ENOMEM;
	memset(&srv, 0, sizeof(srv));
	srv.family = ci->family == 4 ? AF_INET : AF_INET6;
	memcpy(&srv.addr, ci->addr, ci->family == 4 ? 4 : 16);
	srv.udp_port = ci->ck->port;
	srv.tcp_port = ci->ck->port;
	if (ares_set_servers_ports(d->ea->ch, &srv) != ARES_SUCCESS) {
		evares_free(d->ea);
		d->ea = NULL;
		return -EINVAL;
	}
	return 0;
}

static int dns_start(struct check_inst *ci, const char **reason)
{
	struct dns_priv *d = ci->priv;

	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d) {
			*reason = "out of memory";
			return -ENOMEM;
		}
		d->ci = ci;
		if (make_channel(ci, d) < 0) {
			free(d);
			*reason = "cannot set up c-ares";
			return -ENOMEM;
		}
		ci->priv = d;
	}
	d->in_flight = true;
	ci->run = d;
	ares_query(d->ea->ch, ci->ck->query, 1 /* IN */, ci->ck->qtype_num, query_cb, d);
	evares_kick(d->ea);
	return 0;
}

static void dns_cancel(struct check_inst *ci)
{
	struct dns_priv *d = ci->priv;

	ci->run = NULL;
	if (!d || !d->in_flight)
		return;
	d->cancelling = true;
	ares_cancel(d->ea->ch);
	d->cancelling = false;
	d->in_flight = false;
}

static void dns_release(struct check_inst *ci)
{
	struct dns_priv *d = ci->priv;

	if (!d)
		return;
	d->cancelling = true;
	evares_free(d->ea);
	free(d);
	ci->priv = NULL;
}

const struct check_ops check_dns_ops = {
    .start = dns_start,
    .cancel = dns_cancel,
    .release = dns_release,
};
