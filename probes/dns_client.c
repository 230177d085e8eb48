/* SPDX-License-Identifier: Apache-2.0 */
/* dns_client.c — c-ares on a libevent loop: queries to one server or the system's resolvers */
#include "config.h"

#include "dns_client.h"

#include "log.h"

#include <ares.h>
#include <event2/event.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DNS_CLIENT_MAX_SOCKS 16 /* UDP and TCP to each server c-ares uses at once */

struct dns_client_sock {
	ares_socket_t fd;
	struct event *ev;
};

struct dns_client {
	struct event_base *base;
	ares_channel ch;
	struct event *timer; /* c-ares' own timeouts */
	struct dns_client_sock socks[DNS_CLIENT_MAX_SOCKS];
};

/* One pending query or lookup: c-ares' callback argument. */
struct dns_client_q {
	dns_client_cb cb;
	dns_client_addr_cb addr_cb;
	void *arg;
};

/* Arms the timer for c-ares' next timeout; after every submission and every event. */
static void kick(struct dns_client *d)
{
	struct timeval tv, *t = ares_timeout(d->ch, NULL, &tv);

	if (t)
		evtimer_add(d->timer, t);
	else
		evtimer_del(d->timer);
}

static void sock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dns_client *d = arg;

	ares_process_fd(d->ch, (what & EV_READ) ? fd : ARES_SOCKET_BAD,
			(what & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	kick(d);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dns_client *d = arg;

	ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	kick(d);
}

/* c-ares opens, changes or closes a socket: keep one event per socket in step. */
static void sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns_client *d = data;
	struct dns_client_sock *slot = NULL, *free_slot = NULL;

	for (size_t i = 0; i < DNS_CLIENT_MAX_SOCKS; i++) {
		if (d->socks[i].ev && d->socks[i].fd == fd)
			slot = &d->socks[i];
		else if (!d->socks[i].ev && !free_slot)
			free_slot = &d->socks[i];
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
		log_warn("event=dns_sockets_exhausted max=%d", DNS_CLIENT_MAX_SOCKS);
		return;
	}
	slot->fd = fd;
	slot->ev = event_new(d->base, fd,
			     EV_PERSIST | (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0),
			     sock_cb, d);
	if (slot->ev)
		event_add(slot->ev, NULL);
}

static int set_server(struct dns_client *d, const struct sockaddr *sa, socklen_t len)
{
	struct ares_addr_port_node srv;

	memset(&srv, 0, sizeof(srv));
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		srv.family = AF_INET;
		memcpy(&srv.addr.addr4, &s->sin_addr, 4);
		srv.udp_port = srv.tcp_port = ntohs(s->sin_port);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		srv.family = AF_INET6;
		memcpy(&srv.addr.addr6, &s->sin6_addr, 16);
		srv.udp_port = srv.tcp_port = ntohs(s->sin6_port);
	} else {
		return -EAFNOSUPPORT;
	}
	return ares_set_servers_ports(d->ch, &srv) == ARES_SUCCESS ? 0 : -EINVAL;
}

struct dns_client *dns_client_new(struct event_base *base, const struct sockaddr *server,
				  socklen_t len, double timeout, char *err, size_t errlen)
{
	struct dns_client *d = calloc(1, sizeof(*d));
	struct ares_options o;
	int r;

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->base = base;
	d->timer = evtimer_new(base, timer_cb, d);
	if (!d->timer) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(&o, 0, sizeof(o));
	o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	/* Asking one server is asking for its answer: SERVFAIL and REFUSED come back as rcodes
	 * instead of sending c-ares on to another server. */
	if (server)
		o.flags |= ARES_FLAG_NOCHECKRESP;
	o.timeout = (int)(timeout * 1000);
	if (o.timeout < 1)
		o.timeout = 1;
	o.tries = 1;
	o.sock_state_cb = sock_state_cb;
	o.sock_state_cb_data = d;
	r = ares_init_options(&d->ch, &o,
			      ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
				  ARES_OPT_SOCK_STATE_CB);
	if (r != ARES_SUCCESS) {
		event_free(d->timer);
		free(d);
		snprintf(err, errlen, "c-ares: %s", ares_strerror(r));
		return NULL;
	}
	if (server && set_server(d, server, len) < 0) {
		dns_client_free(d);
		snprintf(err, errlen, "c-ares: cannot use the server address");
		return NULL;
	}
	return d;
}

static bool silent(int status)
{
	return status == ARES_ECANCELLED || status == ARES_EDESTRUCTION;
}

static const char *reason(int status)
{
	return status == ARES_ETIMEOUT ? "timeout" : ares_strerror(status);
}

static void query_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_client_q *q = arg;

	/* c-ares hands over the response for rcodes it maps to errors too */
	if (silent(status))
		;
	else if (abuf && alen >= 12)
		q->cb(q->arg, abuf[3] & 0x0f, (unsigned)abuf[6] << 8 | abuf[7], NULL);
	else
		q->cb(q->arg, -1, 0, reason(status == ARES_SUCCESS ? ARES_EBADRESP : status));
	free(q);
}

int dns_client_query(struct dns_client *d, const char *qname, int qclass, int qtype,
		     dns_client_cb cb, void *arg)
{
	struct dns_client_q *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	q->cb = cb;
	q->arg = arg;
	ares_query(d->ch, qname, qclass, qtype, query_cb, q);
	kick(d);
	return 0;
}

static void addr_cb(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct dns_client_q *q = arg;

	if (silent(status))
		;
	else if (status == ARES_SUCCESS && res && res->nodes)
		q->addr_cb(q->arg, res->nodes->ai_addr, (socklen_t)res->nodes->ai_addrlen, NULL);
	else
		q->addr_cb(q->arg, NULL, 0, status == ARES_SUCCESS ? "no address" : reason(status));
	ares_freeaddrinfo(res);
	free(q);
}

int dns_client_resolve(struct dns_client *d, const char *host, uint16_t port, dns_client_addr_cb cb,
		       void *arg)
{
	struct dns_client_q *q = calloc(1, sizeof(*q));
	struct ares_addrinfo_hints hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	char service[8];

	if (!q)
		return -ENOMEM;
	q->addr_cb = cb;
	q->arg = arg;
	snprintf(service, sizeof(service), "%u", port);
	ares_getaddrinfo(d->ch, host, service, &hints, addr_cb, q);
	kick(d);
	return 0;
}

void dns_client_cancel(struct dns_client *d)
{
	ares_cancel(d->ch); /* callbacks run now with ARES_ECANCELLED: silent */
	kick(d);
}

void dns_client_free(struct dns_client *d)
{
	if (!d)
		return;
	ares_destroy(d->ch); /* callbacks with ARES_EDESTRUCTION: silent; sockets closed */
	for (size_t i = 0; i < DNS_CLIENT_MAX_SOCKS; i++)
		if (d->socks[i].ev)
			event_free(d->socks[i].ev);
	event_free(d->timer);
	free(d);
}
