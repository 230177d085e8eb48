/* SPDX-License-Identifier: Apache-2.0 */
/* control.c — gslbd's HTTP control endpoint: server, routing, token, /healthz and /metrics */
#include "config.h"

#include "control.h"

#include "clock.h"
#include "conf.h"
#include "control_api.h"
#include "health.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "snapshot.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <urcu.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Requests are small (no body is read) and come from one operator or one
 * scraper: tight limits keep a stray client from holding memory. */
#define CONTROL_BACKLOG 64
#define CONTROL_MAX_HEADERS 8192
#define CONTROL_MAX_BODY 4096
#define CONTROL_TIMEOUT_S 10

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
};

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
 * anycast.max_snapshot_age. */
static void handle_healthz(struct control *c, struct evhttp_request *req)
{
	long long age = snapshot_age();
	char hdr[24];

	snprintf(hdr, sizeof(hdr), "%lld", age);
	if (atomic_load(&c->serving) && age >= 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "X-Gslb-Snapshot-Age",
				  hdr);
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
	net_udp_stats(c->p.udp, &in->dns[METRICS_UDP], &in->udp);
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

static bool authorized(struct evhttp_request *req)
{
	const char *hdr =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	const struct snapshot *s;
	char *token = NULL;
	bool open = false;
	bool ok;

	rcu_read_lock();
	s = snapshot_get();
	if (s != NULL) {
		const char *t = s->conf->control.token;

		if (t == NULL || t[0] == '\0')
			open = true;
		else
			token = strdup(t);
	}
	rcu_read_unlock();
	if (open)
		return true;
	/* no snapshot (or no memory): the token is unknown, deny */
	ok = token != NULL && hdr != NULL && strncasecmp(hdr, "Bearer ", 7) == 0 &&
	     token_equal(hdr + 7, token);
	free(token);
	return ok;
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

static void route_reload(struct control *c, struct evhttp_request *req, char **seg)
{
	(void)seg;
	control_api_reload(&c->p, req);
}

static void route_member(struct control *c, struct evhttp_request *req, char **seg)
{
	control_api_member(&c->p, req, seg[3], seg[4], seg[5]);
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
} routes[] = {
    {"state", 3, EVHTTP_REQ_GET, "GET", false, false, route_state},
    {"stats", 3, EVHTTP_REQ_GET, "GET", true, false, route_stats},
    {"reload", 3, EVHTTP_REQ_POST, "POST", false, false, route_reload},
    {"members", 6, EVHTTP_REQ_POST, "POST", false, true, route_member}, /* SERVICE/INDEX/ACTION */
    {"regions", 5, EVHTTP_REQ_POST, "POST", false, true, route_region}, /* REGION/ACTION */
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
	bool open = r != NULL && r->open && (cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD);

	/* the token first: without it, even a wrong path answers 401 */
	if (!open && !authorized(req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
				  "Bearer realm=\"gslbd\"");
		control_api_reply_error(req, 401,
					"missing or wrong token (Authorization: Bearer <token>)");
	} else if (r == NULL) {
		control_api_reply_error(req, 404, "no such endpoint");
	} else if (!method_is(req, r->method, r->allow)) {
		/* answered 405 */
	} else if (r->overrides && c->p.health == NULL) {
		control_api_reply_error(req, 503, "overrides are not available: no health state");
	} else {
		r->fn(c, req, seg);
	}
	while (n > 0)
		free(seg[--n]);
}

static void handle(struct evhttp_request *req, void *arg)
{
	struct control *c = arg;
	struct evhttp_uri *u = evhttp_uri_parse(evhttp_request_get_uri(req));
	const char *path = u != NULL ? evhttp_uri_get_path(u) : NULL;

	if (path == NULL) {
		control_api_reply_error(req, 400, "bad request URI");
	} else if (strcmp(path, "/healthz") == 0) {
		if (method_is(req, EVHTTP_REQ_GET, "GET"))
			handle_healthz(c, req);
	} else if (strcmp(path, "/metrics") == 0) {
		if (method_is(req, EVHTTP_REQ_GET, "GET"))
			handle_metrics(c, req);
	} else if (strncmp(path, "/api/", 5) == 0) {
		handle_api(c, req, path);
	} else {
		control_api_reply_error(req, 404,
					"no such endpoint (try /healthz, /metrics, /api/v1/state)");
	}
	if (u != NULL)
		evhttp_uri_free(u);
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
	char berr[256];

	if (c == NULL) {
		snprintf(err, errlen, "control: out of memory");
		return NULL;
	}
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
	if (evhttp_accept_socket(c->http, c->fd) != 0) {
		snprintf(err, errlen, "server.control: cannot accept on %s", c->listen.text);
		goto fail;
	}
	c->fd = -1; /* the listener owns it now */
	return c;
fail:
	control_free(c);
	return NULL;
}

static void *control_thread(void *arg)
{
	struct control *c = arg;

	rcu_register_thread();
	event_base_dispatch(c->base);
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
	if (c->http != NULL)
		evhttp_free(c->http);
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
