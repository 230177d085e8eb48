/* SPDX-License-Identifier: Apache-2.0 */
/* anycast.c — health rounds against the local gslbd and the BIRD control socket client */
#include "config.h"

#include "anycast.h"

#include "clock.h"
#include "conf.h"
#include "dns_client.h"
#include "http_client.h"
#include "log.h"
#include "probe.h"

#include <event2/event.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Seconds between pushes of an unchanged state: a restarted BIRD learns it within this. */
#define REASSERT_EVERY 5.0
/* Seconds a BIRD command may take per step; BIRD is local and answers in microseconds. */
#define BIRD_TIMEOUT 2.0
/* The SOA question of the DNS check (RFC 1035 3.2.2, 3.2.4). */
#define DNS_CLASS_IN 1
#define DNS_TYPE_SOA 6

/* ---------------------------------------------------------------- state */

const char *anycast_state_name(enum anycast_state s)
{
	return s == ANYCAST_ANNOUNCED ? "announced" : "withdrawn";
}

/* ---------------------------------------------------------------- BIRD client */

int anycast_bird_parse(const char *buf, size_t len, struct anycast_bird_reply *r)
{
	size_t pos = 0;
	bool first = true;

	memset(r, 0, sizeof(*r));
	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen;
		int code = 0;

		if (!nl)
			return 0;
		llen = (size_t)(nl - line);
		pos += llen + 1;
		if (llen >= 1 && line[0] == ' ')
			continue; /* continues the previous code */
		if (llen < 5)
			return -EPROTO;
		for (int i = 0; i < 4; i++) {
			if (line[i] < '0' || line[i] > '9')
				return -EPROTO;
			code = code * 10 + (line[i] - '0');
		}
		if (line[4] != ' ' && line[4] != '-')
			return -EPROTO;
		if (code >= 8000 && !r->error_code)
			r->error_code = code;
		if (code >= 8 && code <= 11 && !r->state_code)
			r->state_code = code;
		if (first && llen > 5) {
			size_t n = llen - 5 < sizeof(r->text) - 1 ? llen - 5 : sizeof(r->text) - 1;

			for (size_t i = 0; i < n; i++)
				r->text[i] = line[5 + i] == '"' ? '\'' : line[5 + i];
			r->text[n] = '\0';
			first = false;
		}
		if (line[4] == ' ') {
			r->final_code = code;
			return 1;
		}
	}
	return 0;
}

/* Reads one complete reply into buf; returns 0 or a negative errno. */
static int bird_read(int fd, char *buf, size_t size, double timeout, struct anycast_bird_reply *r)
{
	size_t len = 0;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int ret = poll(&p, 1, (int)(timeout * 1000));
		ssize_t n;

		if (ret == -1 && errno == EINTR)
			continue;
		if (ret == -1)
			return -errno;
		if (ret == 0)
			return -ETIMEDOUT;
		if (len >= size)
			return -EPROTO; /* longer than any reply to enable/disable */
		n = read(fd, buf + len, size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		len += (size_t)n;
		ret = anycast_bird_parse(buf, len, r);
		if (ret != 0)
			return ret < 0 ? ret : 0;
	}
}

int anycast_bird_set(const char *path, const char *protocol, bool announce, double timeout,
		     struct anycast_bird_reply *r)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char buf[4096];
	char cmd[128];
	int fd, ret, n;

	memset(r, 0, sizeof(*r));
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	n = snprintf(cmd, sizeof(cmd), "%s %s\n", announce ? "enable" : "disable", protocol);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -EINVAL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -errno;
	/* A local stream socket connects at once or fails (EAGAIN: BIRD's backlog is full). */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		ret = errno == EAGAIN ? -ETIMEDOUT : -errno;
		goto out;
	}
	ret = bird_read(fd, buf, sizeof(buf), timeout, r); /* the "0001 BIRD x ready." greeting */
	if (ret < 0)
		goto out;
	if (r->final_code != 1) {
		ret = -EPROTO;
		goto out;
	}
	if (send(fd, cmd, (size_t)n, MSG_NOSIGNAL) != n) {
		ret = errno ? -errno : -EIO;
		goto out;
	}
	ret = bird_read(fd, buf, sizeof(buf), timeout, r);
	if (ret < 0)
		goto out;
	if (r->error_code || r->final_code != 0)
		ret = -EINVAL;
	else if (announce ? (r->state_code != 10 && r->state_code != 11)
			  : (r->state_code != 8 && r->state_code != 9))
		ret = -EINVAL; /* e.g. "enable" on something that is not a protocol */
out:
	close(fd);
	return ret;
}

/* ---------------------------------------------------------------- health rounds */

/* One check of the current round. */
struct check {
	bool done, ok;
	char why[160]; /* "healthz status 503", "dns rcode REFUSED": the reason when it failed */
};

struct anycast {
	struct event_base *base;
	const struct conf *conf;
	const struct conf_anycast *ac;
	struct probe_sm sm; /* up = announced; starts withdrawn */
	struct sockaddr_storage http_ss, dns_ss;
	socklen_t http_len, dns_len;
	struct event *tick;	/* starts a round */
	struct event *deadline; /* ends a round that is still waiting */
	struct event *finish;	/* ends a round off the I/O callbacks */
	double round_start;
	bool in_round;
	/* the round's GET /healthz, through the project's HTTP client */
	struct http_client_env http_env;
	struct http_client *http_req; /* in flight; the client frees it after its callback */
	struct check http;
	/* the round's SOA query, through the project's DNS client */
	struct dns_client *dns_client;
	struct check dns;
	/* what BIRD was told */
	bool bird_synced;  /* BIRD confirmed sm.up */
	double bird_last;  /* when it last confirmed */
	int bird_last_err; /* last error logged, to log a persistent one once */
	/* wait_for_health: gslbd's health view (X-Gslb-Health-Ready) */
	double health_wait_since; /* when the rounds began to wait for it; 0 = not waiting */
	bool health_waived;	  /* max_health_wait ran out: announce without it */
	char health_note[160];	  /* how the wait ended, for the announce log */
	char reason[192];	  /* why the state is what it is */
	char protocols[256];	  /* anycast.bird_protocol joined by ",", for logs */
};

/* What BIRD said to one enable/disable of every protocol. */
struct bird_result {
	int ret;		     /* 0, or the first error of anycast_bird_set */
	const char *protocol;	     /* the protocol that failed first */
	struct anycast_bird_reply r; /* its reply, or the last good one */
	bool changed;		     /* some protocol changed state (not "already ...") */
	char text[320];		     /* the first lines of the good replies, "; " between */
};

/* Enables (announce) or disables every protocol: dual stack takes one per address
 * family. Each is tried even when another failed, so a withdrawal goes as far as it can. */
static void bird_set_all(const struct anycast *a, bool announce, struct bird_result *res)
{
	size_t len = 0;

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < a->ac->nbird_protocols; i++) {
		const char *p = a->ac->bird_protocols[i];
		struct anycast_bird_reply r;
		int ret = anycast_bird_set(a->ac->bird_socket, p, announce, BIRD_TIMEOUT, &r);

		if (ret < 0) {
			if (res->ret == 0) {
				res->ret = ret;
				res->protocol = p;
				res->r = r;
			}
			continue;
		}
		if (res->ret == 0)
			res->r = r;
		res->changed |= r.state_code == 9 || r.state_code == 11;
		if (len < sizeof(res->text))
			len += (size_t)snprintf(res->text + len, sizeof(res->text) - len, "%s%s",
						len ? "; " : "", r.text);
	}
}

static struct timeval tv_of(double s)
{
	struct timeval tv;

	if (s < 0)
		s = 0;
	tv.tv_sec = (time_t)s;
	tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
	return tv;
}

/* Replaces a wildcard address with loopback of its family: the check is local. */
static void localize(struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		if (in->sin_addr.s_addr == htonl(INADDR_ANY))
			in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (ss->ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
			in6->sin6_addr = in6addr_loopback;
	}
}

static void round_end(struct anycast *a);

static void maybe_finish(struct anycast *a)
{
	if (a->in_round && a->http.done && a->dns.done)
		event_active(a->finish, EV_TIMEOUT, 0);
}

/* Ends one check of the round: ok, or failed with "what why" as its reason. */
static void check_end(struct anycast *a, struct check *ck, bool ok, const char *what,
		      const char *why)
{
	if (ck->done)
		return;
	ck->done = true;
	ck->ok = ok;
	if (!ok)
		snprintf(ck->why, sizeof(ck->why), "%s %s", what, why);
	maybe_finish(a);
}

static void http_fail(struct anycast *a, const char *why)
{
	check_end(a, &a->http, false, "healthz", why);
}

/* A gslbd that does not answer /healthz is restarting or gone: when it is back its health
 * view is waited for again. */
static void health_wait_reset(struct anycast *a)
{
	a->health_wait_since = 0;
	a->health_waived = false;
}

/* With wait_for_health: whether gslbd's health view is ready (X-Gslb-Health-Ready: "yes;
 * reason=..."), or max_health_wait has run out since the rounds began to wait; fails the
 * check otherwise. Logs when the wait begins and how it ends. */
static bool health_ready(struct anycast *a, const struct http_response *r)
{
	const char *hdr = http_response_header(r, "X-Gslb-Health-Ready");
	double now = clock_mono_s(), max = a->ac->max_health_wait;
	double waited = a->health_wait_since ? now - a->health_wait_since : 0;
	char why[200];

	if (hdr && !strncmp(hdr, "yes", 3)) {
		if (a->health_wait_since || a->health_waived || !a->health_note[0])
			log_info("event=anycast_health state=ready waited=%.1fs gslbd=\"%s\"",
				 waited, hdr);
		snprintf(a->health_note, sizeof(a->health_note), "health view ready (%s)", hdr);
		health_wait_reset(a);
		return true;
	}
	if (a->health_waived)
		return true;
	if (!a->health_wait_since) {
		a->health_wait_since = now;
		log_info("event=anycast_health state=waiting max_health_wait=%g gslbd=\"%s\"", max,
			 hdr ? hdr : "no X-Gslb-Health-Ready header");
	}
	if (max > 0 && waited >= max) {
		log_warn("event=anycast_health state=gave_up waited=%.1fs max_health_wait=%g "
			 "gslbd=\"%s\" note=\"announcing without a ready health view\"",
			 waited, max, hdr ? hdr : "no X-Gslb-Health-Ready header");
		snprintf(a->health_note, sizeof(a->health_note),
			 "health view not ready after max_health_wait %g s", max);
		a->health_waived = true;
		return true;
	}
	snprintf(why, sizeof(why), "health view not ready (%s)",
		 hdr ? hdr
		     : "no X-Gslb-Health-Ready header: gslbd too old? set wait_for_health = false");
	http_fail(a, why);
	return false;
}

/* The answer to GET /healthz: good when 200 and, with max_snapshot_age, when gslbd's data
 * is young enough (X-Gslb-Snapshot-Age, whole seconds), and with wait_for_health, when its
 * health view is ready. */
static void http_cb(void *arg, const struct http_response *r)
{
	struct anycast *a = arg;
	double max = a->ac->max_snapshot_age;
	const char *hdr;
	long long age = -1;
	char why[80];

	a->http_req = NULL;
	if (r->status == 0) {
		health_wait_reset(a);
		http_fail(a, r->err);
		return;
	}
	if (r->status != 200) {
		health_wait_reset(a);
		snprintf(why, sizeof(why), "status %d", r->status);
		http_fail(a, why);
		return;
	}
	hdr = http_response_header(r, "X-Gslb-Snapshot-Age");
	if (hdr) {
		char *end;
		long long v = strtoll(hdr, &end, 10);

		age = end != hdr && v >= 0 ? v : -1;
	}
	if (max > 0 && age < 0) {
		http_fail(a, "no X-Gslb-Snapshot-Age header (gslbd too old for max_snapshot_age?)");
		return;
	}
	if (max > 0 && (double)age > max) {
		snprintf(why, sizeof(why), "snapshot %lld s old (max_snapshot_age %g)", age, max);
		http_fail(a, why);
		return;
	}
	if (a->ac->wait_for_health && !health_ready(a, r))
		return;
	check_end(a, &a->http, true, "healthz", NULL);
}

static void http_start(struct anycast *a)
{
	static const char *const headers[] = {"User-Agent", "gslb-anycast", NULL};
	const struct http_request req = {
	    .sa = (const struct sockaddr *)&a->http_ss,
	    .salen = a->http_len,
	    .path = "/healthz",
	    .headers = headers,
	    .timeout = a->ac->timeout,
	};
	char err[256] = "cannot start the request";

	a->http_req = http_client_start(&a->http_env, &req, http_cb, a, err, sizeof(err));
	if (!a->http_req)
		http_fail(a, err);
}

static void dns_fail(struct anycast *a, const char *why)
{
	check_end(a, &a->dns, false, "dns", why);
}

/* The answer to the SOA query: good when NOERROR with an answer. */
static void dns_cb(void *arg, int rcode, unsigned ancount, const char *err)
{
	/* RFC 1035 and RFC 2136 names, as dig prints them */
	static const char *const rcodes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP",	"REFUSED", "YXDOMAIN", "YXRRSET",
					     "NXRRSET", "NOTAUTH", "NOTZONE"};
	struct anycast *a = arg;
	char why[48];

	if (rcode < 0) {
		dns_fail(a, err);
	} else if (rcode != 0) {
		snprintf(why, sizeof(why), "rcode %s",
			 (size_t)rcode < sizeof(rcodes) / sizeof(rcodes[0]) ? rcodes[rcode] : "?");
		dns_fail(a, why);
	} else if (ancount == 0) {
		dns_fail(a, "empty answer");
	} else {
		check_end(a, &a->dns, true, "dns", NULL);
	}
}

static void dns_start(struct anycast *a)
{
	if (dns_client_query(a->dns_client, a->ac->probe_name, DNS_CLASS_IN, DNS_TYPE_SOA, dns_cb,
			     a) < 0)
		dns_fail(a, "out of memory");
}

/* Pushes the state to BIRD when it is not confirmed yet or is due again. */
static void bird_sync(struct anycast *a, double now)
{
	struct bird_result res;
	bool announce = a->sm.up;

	if (a->bird_synced && now - a->bird_last < REASSERT_EVERY)
		return;
	bird_set_all(a, announce, &res);
	if (res.ret < 0) {
		a->bird_synced = false;
		/* A BIRD that stays away is logged once per kind of error, then on recovery. */
		if (res.ret != a->bird_last_err) {
			if (res.ret == -EINVAL)
				log_err("event=bird_refused socket=%s protocol=%s command=%s "
					"code=%d reply=\"%s\"",
					a->ac->bird_socket, res.protocol,
					announce ? "enable" : "disable",
					res.r.error_code ? res.r.error_code : res.r.final_code,
					res.r.text);
			else
				log_err("event=bird_unreachable socket=%s protocol=%s error=\"%s\" "
					"retry_every=%.2fs",
					a->ac->bird_socket, res.protocol, strerror(-res.ret),
					a->ac->interval);
		}
		a->bird_last_err = res.ret;
		return;
	}
	if (!a->bird_synced || a->bird_last_err || res.changed)
		log_info("event=bird_%s protocol=%s state=%s reply=\"%s\"",
			 a->bird_last_err ? "recovered" : "set", a->protocols,
			 anycast_state_name(anycast_state(a)), res.text);
	a->bird_synced = true;
	a->bird_last = now;
	a->bird_last_err = 0;
}

static void round_start_cb(evutil_socket_t fd, short what, void *arg)
{
	struct anycast *a = arg;
	struct timeval tv = tv_of(a->ac->timeout);

	(void)fd;
	(void)what;
	a->in_round = true;
	a->round_start = clock_mono_s();
	a->http = (struct check){0};
	a->dns = (struct check){0};
	event_add(a->deadline, &tv);
	http_start(a);
	dns_start(a);
}

static void round_end(struct anycast *a)
{
	double now = clock_mono_s();
	bool good;
	struct timeval tv;

	if (!a->in_round)
		return;
	a->in_round = false;
	event_del(a->deadline);
	http_client_cancel(a->http_req);
	a->http_req = NULL;
	dns_client_cancel(a->dns_client);
	http_fail(a, "timeout"); /* each only when still waiting */
	dns_fail(a, "timeout");
	good = a->http.ok && a->dns.ok;
	log_debug("event=anycast_round good=%d healthz=\"%s\" dns=\"%s\" ms=%.1f", good,
		  a->http.ok ? "ok" : a->http.why, a->dns.ok ? "ok" : a->dns.why,
		  (now - a->round_start) * 1000);
	if (probe_sm_result(&a->sm, good, a->ac->rise, a->ac->fall, clock_wall_ms())) {
		if (good && a->ac->wait_for_health)
			snprintf(a->reason, sizeof(a->reason), "%d checks passed, %s", a->ac->rise,
				 a->health_note);
		else if (good)
			snprintf(a->reason, sizeof(a->reason), "%d checks passed", a->ac->rise);
		else
			snprintf(a->reason, sizeof(a->reason), "%s",
				 a->http.ok ? a->dns.why : a->http.why);
		log_info("event=anycast_state state=%s reason=\"%s\" protocol=%s",
			 anycast_state_name(anycast_state(a)), a->reason, a->protocols);
		a->bird_synced = false;
	}
	bird_sync(a, now);
	tv = tv_of(a->round_start + a->ac->interval - clock_mono_s());
	event_add(a->tick, &tv);
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	round_end(arg);
}

static void finish_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	round_end(arg);
}

int anycast_conf_check(const struct conf *c, char *err, size_t errlen)
{
	if (!c->anycast.present) {
		snprintf(err, errlen, "%s: anycast: missing section", c->path);
		return -EINVAL;
	}
	if (c->nlisten == 0) {
		snprintf(err, errlen, "%s: server.listen: no address to query", c->path);
		return -EINVAL;
	}
	if (c->control.listen.len == 0) {
		snprintf(err, errlen,
			 "%s: server.control.listen: disabled; gslb-anycast needs /healthz",
			 c->path);
		return -EINVAL;
	}
	return 0;
}

struct anycast *anycast_new(struct event_base *base, const struct conf *c, char *err,
			    size_t errsize)
{
	struct anycast *a;
	struct bird_result res;
	struct timeval zero = {0, 0};
	size_t len = 0;

	if (anycast_conf_check(c, err, errsize) != 0)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	a->base = base;
	a->conf = c;
	a->ac = &c->anycast;
	probe_sm_init(&a->sm, false);
	memcpy(&a->http_ss, &c->control.listen.ss, c->control.listen.len);
	a->http_len = c->control.listen.len;
	memcpy(&a->dns_ss, &c->listen[0].ss, c->listen[0].len);
	a->dns_len = c->listen[0].len;
	localize(&a->http_ss);
	localize(&a->dns_ss);
	if (http_client_env_init(&a->http_env, base, err, errsize) != 0) {
		anycast_free(a);
		return NULL;
	}
	a->dns_client = dns_client_new(base, (const struct sockaddr *)&a->dns_ss, a->dns_len,
				       a->ac->timeout, err, errsize);
	if (!a->dns_client) {
		anycast_free(a);
		return NULL;
	}
	a->tick = evtimer_new(base, round_start_cb, a);
	a->deadline = evtimer_new(base, deadline_cb, a);
	a->finish = event_new(base, -1, 0, finish_cb, a);
	if (!a->tick || !a->deadline || !a->finish) {
		snprintf(err, errsize, "out of memory");
		anycast_free(a);
		return NULL;
	}
	for (size_t i = 0; i < a->ac->nbird_protocols && len < sizeof(a->protocols); i++)
		len += (size_t)snprintf(a->protocols + len, sizeof(a->protocols) - len, "%s%s",
					i ? "," : "", a->ac->bird_protocols[i]);
	snprintf(a->reason, sizeof(a->reason), "starting: %d checks needed", a->ac->rise);
	log_info("event=anycast_state state=withdrawn reason=\"%s\" protocol=%s", a->reason,
		 a->protocols);
	/* Force the computed state at once: a route left enabled by an earlier run goes. */
	bird_set_all(a, false, &res);
	if (res.ret == 0) {
		a->bird_synced = true;
		a->bird_last = clock_mono_s();
		log_info("event=bird_set protocol=%s state=withdrawn reply=\"%s\"", a->protocols,
			 res.text);
	} else {
		bird_sync(a, clock_mono_s()); /* logs the error; the rounds retry */
	}
	event_add(a->tick, &zero);
	return a;
}

int anycast_withdraw(struct anycast *a, const char *reason)
{
	struct bird_result res;

	probe_sm_init(&a->sm, false); /* and rise good rounds again to announce */
	snprintf(a->reason, sizeof(a->reason), "%s", reason);
	log_info("event=anycast_state state=withdrawn reason=\"%s\" protocol=%s", reason,
		 a->protocols);
	bird_set_all(a, false, &res);
	if (res.ret < 0)
		log_err("event=bird_withdraw_failed socket=%s protocol=%s error=\"%s\" "
			"reply=\"%s\"",
			a->ac->bird_socket, res.protocol, strerror(-res.ret), res.r.text);
	else
		a->bird_synced = true;
	return res.ret;
}

enum anycast_state anycast_state(const struct anycast *a)
{
	return a->sm.up ? ANYCAST_ANNOUNCED : ANYCAST_WITHDRAWN;
}

const char *anycast_protocols(const struct anycast *a)
{
	return a->protocols;
}

void anycast_free(struct anycast *a)
{
	if (!a)
		return;
	http_client_cancel(a->http_req);
	http_client_env_release(&a->http_env);
	dns_client_free(a->dns_client);
	if (a->tick)
		event_free(a->tick);
	if (a->deadline)
		event_free(a->deadline);
	if (a->finish)
		event_free(a->finish);
	free(a);
}
