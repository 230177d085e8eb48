/* SPDX-License-Identifier: Apache-2.0 */
/* control.c — gslbd's HTTP control endpoint: server, routing, token, /healthz and /metrics */
#include "config.h"

#include "control.h"

#include "clock.h"
#include "conf.h"
#include "control_api.h"
#include "ui_files.h"
#include "health.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "snapshot.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <urcu.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Requests are small (no body is read) and come from one operator or one
 * scraper: tight limits keep a stray client from holding memory. */
#define CONTROL_BACKLOG 64
#define CONTROL_MAX_HEADERS 8192
#define CONTROL_MAX_BODY 4096
#define CONTROL_TIMEOUT_S 10
/* Out of descriptors, accepting waits this long instead of spinning on accept(). */
#define CONTROL_ACCEPT_PAUSE_MS 100
/* At stop, answers still waiting on etcd get this long (a write: 1.2 s per etcd request, up
 * to 1 s for this site to apply it) */
#define CONTROL_DRAIN_MS 3000
/* The limits when no snapshot is published yet (conf.c's defaults). */
#define CONTROL_MAX_CLIENTS 64
#define CONTROL_HEADER_TIMEOUT_S 5.0

/* One kind of repeated log line: at most one a second, with the count held back. */
struct control_limit {
	uint64_t last_ms;
	unsigned long suppressed;
};

/* One accepted connection, from evhttp's bufferevent callback to evhttp's close callback.
 * evhttp 2.1 tells neither the connection's birth nor its handle, so the bufferevent we
 * give it is held (a reference) until the connection is found through it. */
struct control_conn {
	struct control *c;
	struct bufferevent *bev;	 /* referenced while evcon is NULL */
	struct evhttp_connection *evcon; /* NULL until attached */
	struct event *deadline;		 /* first the attach (at once), then the deadline */
	TAILQ_ENTRY(control_conn) link;	 /* c->conns, least recently active first */
};

struct control {
	struct control_params p;
	struct conf_addr listen; /* copy of p.listen, text owned */
	struct event_base *base;
	struct evhttp *http;
	struct event *stop_ev;
	int fd;
	int stop_fd; /* eventfd: control_stop() wakes the loop */
	pthread_t thread;
	bool started;
	atomic_bool serving;
	struct evconnlistener *lev; /* evhttp's; paused out of descriptors */
	struct event *resume_ev;
	TAILQ_HEAD(, control_conn) conns;
	size_t nconns;
	struct control_limit lim_accept, lim_evict, lim_deadline;
	struct control *next_endpoint; /* endpoints */
};

/* evconnlistener's error callback gets evhttp's argument, not ours: the endpoint is found
 * by its listener here (one per daemon; the list keeps it correct for more). */
static struct control *endpoints;
static pthread_mutex_t endpoints_lock = PTHREAD_MUTEX_INITIALIZER;

static struct control *endpoint_of(const struct evconnlistener *l)
{
	struct control *c;

	pthread_mutex_lock(&endpoints_lock);
	for (c = endpoints; c != NULL && c->lev != l; c = c->next_endpoint)
		;
	pthread_mutex_unlock(&endpoints_lock);
	return c;
}

static void endpoint_remove(struct control *c)
{
	pthread_mutex_lock(&endpoints_lock);
	for (struct control **p = &endpoints; *p != NULL; p = &(*p)->next_endpoint) {
		if (*p == c) {
			*p = c->next_endpoint;
			break;
		}
	}
	pthread_mutex_unlock(&endpoints_lock);
}

/* ------------------------------------------------------------ connections */

/* True when a line of kind l may be logged now; *held gets the lines held back since. */
static bool limit_pass(struct control_limit *l, unsigned long *held)
{
	uint64_t now = clock_mono_ms();

	if (l->last_ms != 0 && now - l->last_ms < 1000) {
		l->suppressed++;
		return false;
	}
	l->last_ms = now;
	*held = l->suppressed;
	l->suppressed = 0;
	return true;
}

/* The limits of the published config (a reload changes them for new connections). */
static void conn_limits(size_t *max, struct timeval *tv)
{
	const struct snapshot *s;
	double t = CONTROL_HEADER_TIMEOUT_S;

	*max = CONTROL_MAX_CLIENTS;
	rcu_read_lock();
	s = snapshot_get();
	if (s != NULL) {
		*max = (size_t)s->conf->control.max_clients;
		t = s->conf->control.header_timeout;
	}
	rcu_read_unlock();
	tv->tv_sec = (time_t)t;
	tv->tv_usec = (suseconds_t)((t - (double)tv->tv_sec) * 1e6);
}

static void conn_free(struct control_conn *cc)
{
	TAILQ_REMOVE(&cc->c->conns, cc, link);
	cc->c->nconns--;
	event_free(cc->deadline);
	if (cc->evcon == NULL)
		bufferevent_decref(cc->bev);
	free(cc);
}

/* evhttp frees the connection: forget it (and a late answer for it, control_api.c). */
static void conn_closed_cb(struct evhttp_connection *evcon, void *arg)
{
	control_api_conn_closed(evcon);
	conn_free(arg);
}

/* Finds the connection behind the bufferevent (its callbacks' argument) and watches its
 * close. Returns false, with cc freed, when evhttp already dropped it. */
static bool conn_attach(struct control_conn *cc)
{
	bufferevent_event_cb eventcb = NULL;
	void *arg = NULL;

	if (cc->evcon != NULL)
		return true;
	bufferevent_getcb(cc->bev, NULL, NULL, &eventcb, &arg);
	if (eventcb == NULL || arg == NULL) { /* bufferevent_free() clears them */
		conn_free(cc);
		return false;
	}
	cc->evcon = arg;
	evhttp_connection_set_closecb(cc->evcon, conn_closed_cb, cc);
	bufferevent_decref(cc->bev);
	return true;
}

/* Closes the connection; cc is freed. */
static void conn_close(struct control_conn *cc)
{
	if (conn_attach(cc))
		evhttp_connection_free(cc->evcon); /* calls conn_closed_cb */
}

/* Its request is late (or, the first time, evhttp has just set it up). */
static void conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control_conn *cc = arg;
	struct control *c = cc->c;
	struct timeval tv;
	unsigned long held;
	size_t max;

	(void)fd;
	(void)what;
	if (cc->evcon == NULL) {
		if (conn_attach(cc)) {
			conn_limits(&max, &tv);
			event_add(cc->deadline, &tv);
		}
		return;
	}
	/* the request came whole and waits for a store write (bounded): not the client's delay */
	if (control_api_conn_waiting(cc->evcon)) {
		conn_limits(&max, &tv);
		event_add(cc->deadline, &tv);
		return;
	}
	if (limit_pass(&c->lim_deadline, &held))
		log_warn("event=control_request_timeout open=%zu suppressed=%lu", c->nconns, held);
	conn_close(cc);
}

/* evhttp's hook for a new connection's bufferevent: where connections are counted. At
 * max_clients the least recently active one is closed, so a crowd of slow clients cannot
 * lock out an operator: each must send a whole request within header_timeout. */
static struct bufferevent *conn_new_cb(struct event_base *base, void *arg)
{
	static const struct timeval now = {0, 0};
	struct control *c = arg;
	struct control_conn *cc;
	struct timeval tv;
	unsigned long held;
	size_t max;

	conn_limits(&max, &tv);
	while (c->nconns >= max && !TAILQ_EMPTY(&c->conns)) {
		if (limit_pass(&c->lim_evict, &held))
			log_warn("event=control_conn_evicted max_clients=%zu suppressed=%lu", max,
				 held);
		conn_close(TAILQ_FIRST(&c->conns));
	}
	cc = calloc(1, sizeof(*cc));
	if (cc == NULL)
		return NULL; /* evhttp makes its own, uncounted */
	cc->c = c;
	cc->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	cc->deadline = event_new(base, -1, 0, conn_deadline_cb, cc);
	if (cc->bev == NULL || cc->deadline == NULL || event_add(cc->deadline, &now) != 0) {
		if (cc->deadline != NULL)
			event_free(cc->deadline);
		if (cc->bev != NULL)
			bufferevent_free(cc->bev);
		free(cc);
		return NULL;
	}
	bufferevent_incref(cc->bev); /* kept until conn_attach */
	TAILQ_INSERT_TAIL(&c->conns, cc, link);
	c->nconns++;
	return cc->bev;
}

/* A request was answered: the next must come whole within header_timeout again. */
static void conn_answered(struct control *c, struct evhttp_connection *evcon)
{
	struct control_conn *cc;
	struct timeval tv;
	size_t max;

	TAILQ_FOREACH (cc, &c->conns, link) {
		if (cc->evcon != evcon)
			continue;
		conn_limits(&max, &tv);
		event_add(cc->deadline, &tv);
		TAILQ_REMOVE(&c->conns, cc, link);
		TAILQ_INSERT_TAIL(&c->conns, cc, link);
		return;
	}
}

static void accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control *c = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(c->lev);
}

/* accept() failed. Out of descriptors the listening socket stays readable: without a
 * pause the loop would spin on it (and log each time) while the process has no
 * descriptor left for a reload's files. */
static void accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct control *c = endpoint_of(l);
	struct timeval pause = {0, CONTROL_ACCEPT_PAUSE_MS * 1000};
	int err = EVUTIL_SOCKET_ERROR();
	bool out_of_fds = err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
	unsigned long held;

	(void)arg; /* evhttp's */
	if (c == NULL)
		return;
	if (limit_pass(&c->lim_accept, &held))
		log_warn("event=control_accept_failed error=\"%s\" open=%zu paused=%s "
			 "suppressed=%lu",
			 evutil_socket_error_to_string(err), c->nconns, out_of_fds ? "yes" : "no",
			 held);
	if (out_of_fds) {
		evconnlistener_disable(l);
		event_add(c->resume_ev, &pause);
	}
}

/* ------------------------------------------------------------ /healthz, /metrics */

/* Seconds since the published snapshot was built, or -1 when there is none. */
static long long snapshot_age(void)
{
	const struct snapshot *s;
	time_t now = time(NULL);
	long long age = -1;

	rcu_read_lock();
	s = snapshot_get();
	if (s != NULL)
		age = now > s->built_at ? (long long)(now - s->built_at) : 0;
	rcu_read_unlock();
	return age;
}

/* 200 while serving; X-Gslb-Snapshot-Age tells gslb-anycast how old the data is, for
 * anycast.max_snapshot_age, and X-Gslb-Health-Ready whether the health view is ready
 * ("yes" or "no", then why), for anycast.wait_for_health. */
static void handle_healthz(struct control *c, struct evhttp_request *req)
{
	struct health_readiness r = {.ready = true, .reason = "no_health"};
	long long age = snapshot_age();
	char hdr[24], ready[128];

	snprintf(hdr, sizeof(hdr), "%lld", age);
	if (c->p.health != NULL)
		health_readiness(c->p.health, clock_wall_ms(), &r);
	snprintf(ready, sizeof(ready), "%s; reason=%s; fresh_probers=%zu; quorum=%d",
		 r.ready ? "yes" : "no", r.reason, r.fresh_probers, r.quorum);
	if (atomic_load(&c->serving) && age >= 0) {
		struct evkeyvalq *h = evhttp_request_get_output_headers(req);

		evhttp_add_header(h, "X-Gslb-Snapshot-Age", hdr);
		evhttp_add_header(h, "X-Gslb-Health-Ready", ready);
		control_api_reply_text(req, 200, "OK", "text/plain; charset=utf-8", "ok\n", 3);
	} else
		control_api_reply_text(req, 503, "Service Unavailable", "text/plain; charset=utf-8",
				       "not serving\n", 12);
}

/* What /metrics and /api/v1/stats show, but the snapshot and RRL figures, which the caller
 * reads under the RCU read lock. */
static void gather(struct control *c, struct metrics_input *in)
{
	memset(in, 0, sizeof(*in));
	if (c->p.udp != NULL)
		net_udp_stats(c->p.udp, &in->dns[METRICS_UDP], &in->udp);
	if (c->p.tcp != NULL)
		net_tcp_stats(c->p.tcp, &in->dns[METRICS_TCP], &in->tcp);
	if (c->p.daemon != NULL) {
		in->reloads_ok =
		    atomic_load_explicit(&c->p.daemon->reloads_ok, memory_order_relaxed);
		in->reloads_failed =
		    atomic_load_explicit(&c->p.daemon->reloads_failed, memory_order_relaxed);
	}
	in->serving = atomic_load(&c->serving);
	in->now = time(NULL);
	in->now_ms = clock_wall_ms();
	in->health = c->p.health;
	in->store = c->p.store;
	if (c->p.health_rx != NULL)
		net_health_stats(c->p.health_rx, &in->reports);
}

static void handle_metrics(struct control *c, struct evhttp_request *req)
{
	struct metrics_input in;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	gather(c, &in);
	f = open_memstream(&buf, &len);
	if (f == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	rcu_read_lock();
	in.snap = snapshot_get();
	rrl_stats_published(&in.rrl);
	ret = metrics_render(f, &in);
	rcu_read_unlock();
	if (fclose(f) != 0)
		ret = -EIO;
	if (ret != 0)
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
	else
		control_api_reply_text(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8",
				       buf, len);
	free(buf);
}

/* Constant-time comparison: the token must not leak through timing. */
static bool token_equal(const char *got, const char *want)
{
	size_t lg = strlen(got), lw = strlen(want);
	unsigned char d = lg != lw;

	for (size_t i = 0; i < lw; i++)
		d |= (unsigned char)want[i] ^ (unsigned char)(i < lg ? got[i] : 0);
	return d == 0;
}

enum control_auth {
	AUTH_OK = 0,
	AUTH_NO_TOKEN, /* none configured: only GET and HEAD pass */
	AUTH_DENIED,   /* a token is configured and the request lacks it */
};

/* Whether the request carries the configured token. Without a configured token every
 * request is AUTH_NO_TOKEN: the caller lets reads through and refuses changes, which a
 * web page or another local user could otherwise make. */
static enum control_auth authorized(struct evhttp_request *req)
{
	const char *hdr =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	const struct snapshot *s;
	char *token = NULL;
	bool none = false;
	bool ok;

	rcu_read_lock();
	s = snapshot_get();
	if (s != NULL) {
		const char *t = s->conf->control.token;

		if (t == NULL || t[0] == '\0')
			none = true;
		else
			token = strdup(t);
	}
	rcu_read_unlock();
	if (none)
		return AUTH_NO_TOKEN;
	/* no snapshot (or no memory): the token is unknown, deny */
	ok = token != NULL && hdr != NULL && strncasecmp(hdr, "Bearer ", 7) == 0 &&
	     token_equal(hdr + 7, token);
	free(token);
	return ok ? AUTH_OK : AUTH_DENIED;
}

/* True when host (a Host header's name, brackets removed) names this endpoint: localhost
 * or an address literal that is loopback or the connection's own. A name that only
 * resolves here (DNS rebinding) is refused. */
static bool host_name_ok(const char *host, const struct sockaddr_storage *local)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127 ||
		       (local->ss_family == AF_INET &&
			((const struct sockaddr_in *)local)->sin_addr.s_addr == a4.s_addr);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (local->ss_family == AF_INET6 &&
			memcmp(&((const struct sockaddr_in6 *)local)->sin6_addr, &a6, sizeof(a6)) ==
			    0);
	return false;
}

/* The Host header, when there is one, must name this endpoint with its port. */
static bool host_ok(struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	const char *port = NULL;
	unsigned long want, got = 80;
	char name[64];
	char *end;
	int fd;

	if (h == NULL)
		return true; /* HTTP/1.0 tools; a browser always sends one */
	fd = evcon != NULL ? bufferevent_getfd(evhttp_connection_get_bufferevent(evcon)) : -1;
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&local, &len) != 0)
		return false;
	want = ntohs(local.ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)&local)->sin6_port
						 : ((const struct sockaddr_in *)&local)->sin_port);
	if (h[0] == '[') {
		const char *rb = strchr(h, ']');

		if (rb == NULL || (rb[1] != '\0' && rb[1] != ':') ||
		    (size_t)(rb - h - 1) >= sizeof(name))
			return false;
		snprintf(name, sizeof(name), "%.*s", (int)(rb - h - 1), h + 1);
		port = rb[1] == ':' ? rb + 2 : NULL;
	} else {
		const char *colon = strchr(h, ':');
		size_t n = colon != NULL ? (size_t)(colon - h) : strlen(h);

		if (n >= sizeof(name) || (colon != NULL && strchr(colon + 1, ':') != NULL))
			return false;
		snprintf(name, sizeof(name), "%.*s", (int)n, h);
		port = colon != NULL ? colon + 1 : NULL;
	}
	if (port != NULL) {
		got = strtoul(port, &end, 10);
		if (port[0] < '0' || port[0] > '9' || *end != '\0')
			return false;
	}
	return got == want && host_name_ok(name, &local);
}

/* A POST body, if any, is JSON: an HTML form cannot send that type without CORS. */
static bool content_type_ok(struct evhttp_request *req)
{
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	size_t n = strlen("application/json");

	return ct != NULL && strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Splits path into at most max segments (decoded, malloc'd). Returns the count, or -1 when
 * there are more or a segment does not decode. */
static int split_path(const char *path, char **seg, int max)
{
	int n = 0;

	while (*path == '/')
		path++;
	while (*path != '\0') {
		const char *slash = strchr(path, '/');
		size_t len = slash != NULL ? (size_t)(slash - path) : strlen(path);
		size_t dlen = 0;
		char *raw;

		if (n == max)
			goto fail;
		raw = strndup(path, len);
		seg[n] = raw != NULL ? evhttp_uridecode(raw, 0, &dlen) : NULL;
		free(raw);
		/* an encoded NUL would cut the name short */
		if (seg[n] == NULL || seg[n][0] == '\0' || strlen(seg[n]) != dlen) {
			free(seg[n]);
			goto fail;
		}
		n++;
		path += len;
		while (*path == '/')
			path++;
	}
	return n;
fail:
	while (n > 0)
		free(seg[--n]);
	return -1;
}

static bool method_is(struct evhttp_request *req, enum evhttp_cmd_type want, const char *allow)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	if (cmd == want || (want == EVHTTP_REQ_GET && cmd == EVHTTP_REQ_HEAD))
		return true;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
	control_api_reply_error(req, 405, "method not allowed (use %s)", allow);
	return false;
}

/* ------------------------------------------------------------ /api/v1 routes */

/* Each gets the path's segments: seg[0] "api", seg[1] "v1", seg[2] the route's name. */
static void route_state(struct control *c, struct evhttp_request *req, char **seg)
{
	(void)seg;
	control_api_state(&c->p, atomic_load(&c->serving), req);
}

static void route_stats(struct control *c, struct evhttp_request *req, char **seg)
{
	struct metrics_input in;

	(void)seg;
	gather(c, &in);
	control_api_stats(&in, req);
}

static void route_explain(struct control *c, struct evhttp_request *req, char **seg)
{
	(void)seg;
	control_api_explain(&c->p, req);
}

static void route_whatif(struct control *c, struct evhttp_request *req, char **seg)
{
	(void)seg;
	control_api_whatif(&c->p, req);
}

static void route_flows(struct control *c, struct evhttp_request *req, char **seg)
{
	(void)seg;
	control_api_flows(&c->p, req);
}

static void route_reload(struct control *c, struct evhttp_request *req, char **seg)
{
	(void)seg;
	control_api_reload(&c->p, req);
}

static void route_member(struct control *c, struct evhttp_request *req, char **seg)
{
	control_api_member(&c->p, req, seg[3], seg[4], seg[5]);
}

static void route_history(struct control *c, struct evhttp_request *req, char **seg)
{
	(void)seg;
	control_api_history(&c->p, req);
}

static void route_weight_region(struct control *c, struct evhttp_request *req, char **seg)
{
	if (strcmp(seg[3], "region") != 0) {
		control_api_reply_error(req, 404, "no such endpoint (weights/region/REGION/N)");
		return;
	}
	control_api_weight(&c->p, req, "region", NULL, seg[4], seg[5]);
}

static void route_weight_member(struct control *c, struct evhttp_request *req, char **seg)
{
	if (strcmp(seg[3], "member") != 0) {
		control_api_reply_error(req, 404,
					"no such endpoint (weights/member/SERVICE/MEMBER/N)");
		return;
	}
	control_api_weight(&c->p, req, "member", seg[4], seg[5], seg[6]);
}

static void route_region(struct control *c, struct evhttp_request *req, char **seg)
{
	control_api_region(&c->p, req, seg[3], seg[4]);
}

static const struct route {
	const char *name;	     /* seg[2] */
	int nseg;		     /* segments in the path, "api" and "v1" included */
	enum evhttp_cmd_type method; /* GET also answers HEAD */
	const char *allow;
	bool open;	/* no token needed: GET /api/v1/stats shows /metrics' figures */
	bool overrides; /* needs the health state (503 without) */
	void (*fn)(struct control *c, struct evhttp_request *req, char **seg);
	bool question; /* a POST that changes nothing: a GET for the token rule */
} routes[] = {
    {"state", 3, EVHTTP_REQ_GET, "GET", false, false, route_state},
    {"stats", 3, EVHTTP_REQ_GET, "GET", true, false, route_stats},
    {"explain", 3, EVHTTP_REQ_GET, "GET", false, false, route_explain},
    {"flows", 3, EVHTTP_REQ_GET, "GET", false, false, route_flows},
    {"whatif", 3, EVHTTP_REQ_POST, "POST", false, false, route_whatif, true},
    {"reload", 3, EVHTTP_REQ_POST, "POST", false, false, route_reload},
    {"members", 6, EVHTTP_REQ_POST, "POST", false, true, route_member}, /* SERVICE/INDEX/ACTION */
    {"regions", 5, EVHTTP_REQ_POST, "POST", false, true, route_region}, /* REGION/ACTION */
    {"history", 3, EVHTTP_REQ_GET, "GET", false, true, route_history},
    {"weights", 6, EVHTTP_REQ_POST, "POST", false, true, route_weight_region},
    {"weights", 7, EVHTTP_REQ_POST, "POST", false, true, route_weight_member},
};

static const struct route *route_find(char **seg, int n)
{
	if (n < 3 || strcmp(seg[1], "v1") != 0)
		return NULL;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (routes[i].nseg == n && strcmp(routes[i].name, seg[2]) == 0)
			return &routes[i];
	return NULL;
}

static void handle_api(struct control *c, struct evhttp_request *req, const char *path)
{
	char *seg[8];
	int n = split_path(path, seg, 8);
	const struct route *r = route_find(seg, n);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	bool read = cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD || (r != NULL && r->question);
	bool open = r != NULL && r->open && read;
	enum control_auth auth = open ? AUTH_OK : authorized(req);

	/* the token first: without it, even a wrong path answers 401 (or 403) */
	if (auth == AUTH_NO_TOKEN && !read) {
		control_api_reply_error(req, 403,
					"changes through the control API need a token: put one "
					"in a file (head -c 24 /dev/urandom | base64 > FILE; chmod "
					"600 FILE), set server.control.token_file = \"FILE\" and "
					"reload; gslbctl reads it with -c CONFIG or --token-file");
	} else if (auth == AUTH_DENIED) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
				  "Bearer realm=\"gslbd\"");
		control_api_reply_error(req, 401,
					"missing or wrong token (Authorization: Bearer <token>)");
	} else if (r == NULL) {
		control_api_reply_error(req, 404, "no such endpoint");
	} else if (!method_is(req, r->method, r->allow)) {
		/* answered 405 */
	} else if (cmd == EVHTTP_REQ_POST && !content_type_ok(req)) {
		control_api_reply_error(req, 415, "a %s needs Content-Type: application/json",
					r->allow);
	} else if (r->overrides && c->p.health == NULL) {
		control_api_reply_error(req, 503, "overrides are not available: no health state");
	} else {
		r->fn(c, req, seg);
	}
	while (n > 0)
		free(seg[--n]);
}

/* The map page's own requests: a browser names the page's origin in Origin on a POST
 * (what-if), and that is this endpoint as the Host header names it (host_ok has checked
 * it). Any other page is refused: a cross-site form must not drain a region. */
static bool origin_ok(struct evhttp_request *req)
{
	const char *o = evhttp_find_header(evhttp_request_get_input_headers(req), "Origin");
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");

	if (o == NULL)
		return true;
	return h != NULL && strncmp(o, "http://", 7) == 0 && strcmp(o + 7, h) == 0;
}

/* GET /ui/FILE: the map page (ui/, built in: gslb/ui_files.c). */
static void handle_ui(struct evhttp_request *req, const char *path)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);

	if (strcmp(path, "/ui") == 0 || strcmp(path, "/ui/") == 0)
		path = "/ui/index.html";
	for (const struct ui_file *f = ui_files; f->path != NULL; f++) {
		if (strcmp(f->path, path) != 0)
			continue;
		/* the page's own files and API only, and never inside another page */
		evhttp_add_header(out, "Content-Security-Policy",
				  "default-src 'self'; frame-ancestors 'none'");
		evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
		control_api_reply_text(req, 200, "OK", f->type, (const char *)f->data, f->len);
		return;
	}
	control_api_reply_error(req, 404, "no such file in the map page");
}

static void handle(struct evhttp_request *req, void *arg)
{
	struct control *c = arg;
	struct evhttp_uri *u = evhttp_uri_parse(evhttp_request_get_uri(req));
	const char *path = u != NULL ? evhttp_uri_get_path(u) : NULL;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);

	/* Web pages: a browser names its page in Origin (on every POST and every
	 * cross-origin fetch), and a page reaching us through a name of its own (DNS
	 * rebinding) shows that name in Host. Neither has any business here. */
	if (!host_ok(req)) {
		control_api_reply_error(req, 421,
					"Host must be localhost or this endpoint's address, "
					"with its port");
	} else if (!origin_ok(req)) {
		control_api_reply_error(req, 403, "requests from other web pages are refused");
	} else if (path == NULL) {
		control_api_reply_error(req, 400, "bad request URI");
	} else if (strcmp(path, "/healthz") == 0) {
		if (method_is(req, EVHTTP_REQ_GET, "GET"))
			handle_healthz(c, req);
	} else if (strcmp(path, "/metrics") == 0) {
		if (method_is(req, EVHTTP_REQ_GET, "GET"))
			handle_metrics(c, req);
	} else if (strncmp(path, "/api/", 5) == 0) {
		handle_api(c, req, path);
	} else if (strcmp(path, "/ui") == 0 || strncmp(path, "/ui/", 4) == 0) {
		if (method_is(req, EVHTTP_REQ_GET, "GET"))
			handle_ui(req, path);
	} else {
		control_api_reply_error(req, 404,
					"no such endpoint (try /healthz, /metrics, "
					"/api/v1/state, /ui/)");
	}
	if (u != NULL)
		evhttp_uri_free(u);
	conn_answered(c, evcon);
}

/* ------------------------------------------------------------ lifecycle */

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control *c = arg;
	uint64_t v;

	(void)what;
	if (read(fd, &v, sizeof(v)) == -1 && errno != EAGAIN)
		log_warn("event=control_stop_read error=\"%s\"", strerror(errno));
	event_base_loopbreak(c->base);
}

struct control *control_new(const struct control_params *p, char *err, size_t errlen)
{
	struct control *c = calloc(1, sizeof(*c));
	struct evhttp_bound_socket *bound;
	char berr[256];

	if (c == NULL) {
		snprintf(err, errlen, "control: out of memory");
		return NULL;
	}
	TAILQ_INIT(&c->conns);
	c->p = *p;
	c->fd = -1;
	c->stop_fd = -1;
	atomic_init(&c->serving, false);
	c->listen = *p->listen;
	c->listen.text = strdup(p->listen->text);
	c->p.listen = &c->listen;
	if (c->listen.text == NULL) {
		snprintf(err, errlen, "control: out of memory");
		goto fail;
	}
	c->fd = net_bind(&c->listen, SOCK_STREAM, berr, sizeof(berr));
	if (c->fd == -1) {
		snprintf(err, errlen, "server.control: %s", berr);
		goto fail;
	}
	if (listen(c->fd, CONTROL_BACKLOG) == -1) {
		snprintf(err, errlen, "server.control: listen %s: tcp: listen: %s", c->listen.text,
			 strerror(errno));
		goto fail;
	}
	c->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	c->base = event_base_new();
	c->http = c->base != NULL ? evhttp_new(c->base) : NULL;
	if (c->stop_fd == -1 || c->http == NULL) {
		snprintf(err, errlen, "server.control: cannot set up the HTTP server");
		goto fail;
	}
	c->stop_ev = event_new(c->base, c->stop_fd, EV_READ | EV_PERSIST, stop_cb, c);
	if (c->stop_ev == NULL || event_add(c->stop_ev, NULL) != 0) {
		snprintf(err, errlen, "server.control: cannot set up the HTTP server");
		goto fail;
	}
	evhttp_set_allowed_methods(c->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
	evhttp_set_max_headers_size(c->http, CONTROL_MAX_HEADERS);
	evhttp_set_max_body_size(c->http, CONTROL_MAX_BODY);
	evhttp_set_timeout(c->http, CONTROL_TIMEOUT_S);
	evhttp_set_gencb(c->http, handle, c);
	evhttp_set_bevcb(c->http, conn_new_cb, c);
	c->resume_ev = event_new(c->base, -1, 0, accept_resume_cb, c);
	bound = c->resume_ev != NULL ? evhttp_accept_socket_with_handle(c->http, c->fd) : NULL;
	if (bound == NULL) {
		snprintf(err, errlen, "server.control: cannot accept on %s", c->listen.text);
		goto fail;
	}
	c->fd = -1; /* the listener owns it now */
	c->lev = evhttp_bound_socket_get_listener(bound);
	evconnlistener_set_error_cb(c->lev, accept_error_cb);
	pthread_mutex_lock(&endpoints_lock);
	c->next_endpoint = endpoints;
	endpoints = c;
	pthread_mutex_unlock(&endpoints_lock);
	return c;
fail:
	control_free(c);
	return NULL;
}

/* At stop, store writes and history reads still waiting on etcd (each bounded by the store's
 * timeouts) get CONTROL_DRAIN_MS to end while nothing new is accepted: the operator whose
 * change etcd may already hold gets its answer, and nothing is left in flight when the
 * loop is freed. */
static void drain_pending(struct control *c)
{
	struct timeval limit = {CONTROL_DRAIN_MS / 1000, (CONTROL_DRAIN_MS % 1000) * 1000};
	size_t n = control_api_pending();

	if (n == 0)
		return;
	log_info("event=control_draining pending=%zu limit_ms=%d", n, CONTROL_DRAIN_MS);
	if (c->lev != NULL)
		evconnlistener_disable(c->lev);
	event_base_loopexit(c->base, &limit);
	while (control_api_pending() > 0 && !event_base_got_exit(c->base))
		event_base_loop(c->base, EVLOOP_ONCE);
	n = control_api_pending();
	/* the last answers are queued on their connections: a few more turns write them out */
	for (int i = 0; i < 4 && !event_base_got_exit(c->base); i++)
		event_base_loop(c->base, EVLOOP_NONBLOCK);
	if (n > 0)
		log_warn(
		    "event=control_drain_expired pending=%zu note=\"etcd did not answer within "
		    "%d ms: those clients get no answer; gslbctl status shows whether the "
		    "change was written\"",
		    n, CONTROL_DRAIN_MS);
}

static void *control_thread(void *arg)
{
	struct control *c = arg;

	rcu_register_thread();
	event_base_dispatch(c->base);
	drain_pending(c);
	rcu_unregister_thread();
	return NULL;
}

int control_start(struct control *c)
{
	int ret = pthread_create(&c->thread, NULL, control_thread, c);

	if (ret != 0)
		return -ret;
	c->started = true;
	log_info("event=control_listening listen=%s", c->listen.text);
	return 0;
}

void control_set_serving(struct control *c, bool serving)
{
	if (c != NULL)
		atomic_store(&c->serving, serving);
}

void control_stop(struct control *c)
{
	uint64_t one = 1;

	if (c == NULL || !c->started)
		return;
	if (write(c->stop_fd, &one, sizeof(one)) == -1)
		log_warn("event=control_stop_write error=\"%s\"", strerror(errno));
	pthread_join(c->thread, NULL);
	c->started = false;
}

void control_free(struct control *c)
{
	if (c == NULL)
		return;
	control_stop(c);
	endpoint_remove(c);
	if (c->http != NULL)
		evhttp_free(c->http);	/* closes the connections: conn_closed_cb */
	while (!TAILQ_EMPTY(&c->conns)) /* never attached */
		conn_free(TAILQ_FIRST(&c->conns));
	if (c->resume_ev != NULL)
		event_free(c->resume_ev);
	if (c->stop_ev != NULL)
		event_free(c->stop_ev);
	if (c->base != NULL)
		event_base_free(c->base);
	if (c->fd != -1)
		close(c->fd);
	if (c->stop_fd != -1)
		close(c->stop_fd);
	free(c->listen.text);
	free(c);
}
