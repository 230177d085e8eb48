/* SPDX-License-Identifier: Apache-2.0 */
/* control.c — gslbd's HTTP control endpoint: /healthz, /metrics and the gslbctl JSON API */
#include "config.h"

#include "control.h"

#include "clock.h"
#include "conf.h"
#include "dname.h"
#include "filter.h"
#include "health.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "service.h"
#include "snapshot.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <urcu.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
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
#define NAME_TEXT_MAX (DNAME_MAXLEN * 4 + 2)

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

/* ------------------------------------------------------------ replies */

static void reply_text(struct evhttp_request *req, int code, const char *reason, const char *ctype,
		       const char *body, size_t len)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	if (b != NULL && evbuffer_add(b, body, len) == 0) {
		evhttp_send_reply(req, code, reason, b);
	} else {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
	}
	if (b != NULL)
		evbuffer_free(b);
}

static const char *reason_of(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 422:
		return "Unprocessable Entity";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

/* Sends j (reference stolen) as the body. */
static void reply_json(struct evhttp_request *req, int code, json_t *j)
{
	char *text = j != NULL ? json_dumps(j, JSON_INDENT(2)) : NULL;

	json_decref(j);
	if (text == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	/* a final newline for terminals and curl */
	size_t len = strlen(text);
	char *body = realloc(text, len + 2);

	if (body == NULL) {
		free(text);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	body[len] = '\n';
	body[len + 1] = '\0';
	reply_text(req, code, reason_of(code), "application/json", body, len + 1);
	free(body);
}

/* {"result":"failed","errors":[one entry per line of text]} */
static json_t *failed_json(const char *text)
{
	json_t *j = json_object();
	json_t *errs = json_array();
	const char *p = text != NULL ? text : "unknown error";

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);

		if (len > 0)
			json_array_append_new(errs, json_stringn(p, len));
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	json_object_set_new(j, "result", json_string("failed"));
	json_object_set_new(j, "errors", errs);
	return j;
}

static void reply_error(struct evhttp_request *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void reply_error(struct evhttp_request *req, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reply_json(req, code, failed_json(msg));
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
 * anycast.max_snapshot_age. */
static void handle_healthz(struct control *c, struct evhttp_request *req)
{
	long long age = snapshot_age();
	char hdr[24];

	snprintf(hdr, sizeof(hdr), "%lld", age);
	if (atomic_load(&c->serving) && age >= 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "X-Gslb-Snapshot-Age",
				  hdr);
		reply_text(req, 200, "OK", "text/plain; charset=utf-8", "ok\n", 3);
	} else
		reply_text(req, 503, "Service Unavailable", "text/plain; charset=utf-8",
			   "not serving\n", 12);
}

static void handle_metrics(struct control *c, struct evhttp_request *req)
{
	struct metrics_input in;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	memset(&in, 0, sizeof(in));
	net_udp_stats(c->p.udp, &in.dns[METRICS_UDP], &in.udp);
	net_tcp_stats(c->p.tcp, &in.dns[METRICS_TCP], &in.tcp);
	if (c->p.daemon != NULL) {
		in.reloads_ok =
		    atomic_load_explicit(&c->p.daemon->reloads_ok, memory_order_relaxed);
		in.reloads_failed =
		    atomic_load_explicit(&c->p.daemon->reloads_failed, memory_order_relaxed);
	}
	in.serving = atomic_load(&c->serving);
	in.now = time(NULL);
	in.now_ms = clock_wall_ms();
	in.health = c->p.health;
	if (c->p.health_rx != NULL)
		net_health_stats(c->p.health_rx, &in.reports);
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
		reply_text(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", buf, len);
	free(buf);
}

/* ------------------------------------------------------------ /api/v1/state */

static json_t *addr_json(int family, const void *a)
{
	char text[INET6_ADDRSTRLEN];

	if (inet_ntop(family, a, text, sizeof(text)) == NULL)
		return json_null();
	return json_string(text);
}

/* null for REPORT_UNKNOWN, else v / div */
static json_t *measure_json(uint32_t v, double div)
{
	return v == REPORT_UNKNOWN ? json_null() : json_real(v / div);
}

/* Key of a member in the targets object: "<service name> <index>". */
static void member_key(const uint8_t *service, uint32_t index, char *buf, size_t size)
{
	char name[NAME_TEXT_MAX];

	if (dname_to_str(service, name, sizeof(name)) != 0)
		name[0] = '\0';
	snprintf(buf, size, "%s %u", name, index);
}

/* health_foreach_target callback: appends the target to the array of its member in the
 * object arg. */
static void target_json(const struct health_target_info *t, void *arg)
{
	json_t *by_member = arg;
	json_t *tj = json_object();
	json_t *votes = json_array();
	json_t *list;
	char key[NAME_TEXT_MAX + 16];

	json_object_set_new(tj, "family", json_integer(t->family));
	if (t->family == 4)
		json_object_set_new(tj, "address", addr_json(AF_INET, t->addr));
	else if (t->family == 6)
		json_object_set_new(tj, "address", addr_json(AF_INET6, t->addr));
	else
		json_object_set_new(tj, "address", json_null());
	json_object_set_new(tj, "up", json_boolean(t->up));
	json_object_set_new(tj, "fresh", json_boolean(t->fresh));
	json_object_set_new(tj, "rtt_ms", measure_json(t->rtt_us, 1000.0));
	json_object_set_new(tj, "load", measure_json(t->load_permille, 1000.0));
	for (size_t i = 0; i < t->nvotes; i++) {
		const struct health_vote_info *v = &t->votes[i];
		json_t *vj = json_object();

		json_object_set_new(vj, "prober", json_string(v->prober));
		json_object_set_new(vj, "up", json_boolean(v->up));
		json_object_set_new(vj, "fresh", json_boolean(v->fresh));
		json_object_set_new(vj, "age_ms", json_integer((json_int_t)v->age_ms));
		json_object_set_new(vj, "rtt_ms", measure_json(v->rtt_us, 1000.0));
		json_object_set_new(vj, "load", measure_json(v->load_permille, 1000.0));
		json_array_append_new(votes, vj);
	}
	json_object_set_new(tj, "votes", votes);
	member_key(t->service, t->member, key, sizeof(key));
	list = json_object_get(by_member, key);
	if (list == NULL) {
		list = json_array();
		json_object_set_new(by_member, key, list);
	}
	json_array_append_new(list, tj);
}

struct prober_list {
	json_t *array;
	uint64_t stale_ms;
};

/* health_foreach_prober callback: appends the prober to the prober_list arg. */
static void prober_json(const char *id, uint64_t last_seq, uint64_t age_ms, void *arg)
{
	struct prober_list *pl = arg;
	json_t *pj = json_object();

	json_object_set_new(pj, "id", json_string(id));
	json_object_set_new(pj, "last_seq", json_integer((json_int_t)last_seq));
	json_object_set_new(pj, "report_age_ms", json_integer((json_int_t)age_ms));
	json_object_set_new(pj, "fresh", json_boolean(age_ms <= pl->stale_ms));
	json_array_append_new(pl->array, pj);
}

static json_t *member_json(struct control *c, const struct snapshot *s, const struct service *sv,
			   const struct member *m, json_t *targets)
{
	const struct member_health *h =
	    s->health != NULL && m->health < s->nhealth ? &s->health[m->health] : NULL;
	json_t *j = json_object();
	json_t *v4 = json_array();
	json_t *v6 = json_array();
	json_t *hj = json_object();
	char name[NAME_TEXT_MAX];
	char key[NAME_TEXT_MAX + 16];
	enum health_override o = HEALTH_OVERRIDE_NONE;
	json_t *tl;

	json_object_set_new(j, "index", json_integer(m->index));
	json_object_set_new(j, "region", json_string(m->region->name));
	for (size_t i = 0; i < m->nipv4; i++)
		json_array_append_new(v4, addr_json(AF_INET, m->ipv4[i]));
	for (size_t i = 0; i < m->nipv6; i++)
		json_array_append_new(v6, addr_json(AF_INET6, m->ipv6[i]));
	json_object_set_new(j, "ipv4", v4);
	json_object_set_new(j, "ipv6", v6);
	if (m->cname != NULL && dname_to_str(m->cname, name, sizeof(name)) == 0)
		json_object_set_new(j, "cname", json_string(name));
	else
		json_object_set_new(j, "cname", json_null());
	json_object_set_new(j, "weight", json_integer(m->weight));
	json_object_set_new(j, "priority", json_integer(m->priority));
	json_object_set_new(j, "check", m->check != NULL ? json_string(m->check) : json_null());
	json_object_set_new(j, "answers",
			    json_integer((json_int_t)member_stats_total(&s->answers, m->health)));

	json_object_set_new(hj, "up", json_boolean(h == NULL || member_health_up(h)));
	json_object_set_new(
	    hj, "fresh",
	    json_boolean(h != NULL && atomic_load_explicit(&h->fresh, memory_order_relaxed)));
	if (h != NULL && member_health_load(h) != MEMBER_LOAD_UNKNOWN)
		json_object_set_new(hj, "load", json_real(member_health_load(h) / 1000.0));
	else
		json_object_set_new(hj, "load", json_null());
	if (h != NULL && member_health_rtt(h) != MEMBER_RTT_UNKNOWN)
		json_object_set_new(hj, "rtt_ms", json_real(member_health_rtt(h) / 1000.0));
	else
		json_object_set_new(hj, "rtt_ms", json_null());
	json_object_set_new(j, "health", hj);
	if (c->p.health != NULL)
		o = health_override_get(c->p.health, sv->name, m->index);
	json_object_set_new(j, "override", json_string(health_override_name(o)));
	/* per address the combined state and every prober's last vote */
	member_key(sv->name, m->index, key, sizeof(key));
	tl = targets != NULL ? json_object_get(targets, key) : NULL;
	json_object_set_new(j, "targets", tl != NULL ? json_incref(tl) : json_array());
	return j;
}

/* The whole state; caller holds the RCU read lock and s is not NULL. */
static json_t *state_json(struct control *c, const struct snapshot *s)
{
	const struct conf *cf = s->conf;
	json_t *j = json_object();
	json_t *zones = json_array();
	json_t *regions = json_array();
	json_t *services = json_array();
	time_t now = time(NULL);
	uint64_t now_ms = clock_wall_ms();
	json_t *targets = NULL;
	struct prober_list probers = {.array = json_array()};

	/* the health state first, under its lock; the members below pick their targets */
	if (c->p.health != NULL) {
		targets = json_object();
		if (health_foreach_target(c->p.health, now_ms, target_json, targets) != 0)
			log_warn("event=control_state error=\"out of memory listing votes\"");
		probers.stale_ms = health_stale_after_ms(c->p.health);
		health_foreach_prober(c->p.health, now_ms, prober_json, &probers);
	}

	json_object_set_new(j, "version", json_string(PACKAGE_VERSION));
	json_object_set_new(j, "serving", json_boolean(atomic_load(&c->serving)));
	json_object_set_new(j, "generation", json_integer((json_int_t)s->generation));
	json_object_set_new(j, "built_at", json_integer((json_int_t)s->built_at));
	json_object_set_new(j, "age_seconds",
			    json_integer(now > s->built_at ? (json_int_t)(now - s->built_at) : 0));
	json_object_set_new(j, "config", json_string(cf->path));
	json_object_set_new(j, "overrides", json_boolean(c->p.health != NULL));
	if (c->p.health != NULL)
		json_object_set_new(j, "stale_after_ms",
				    json_integer((json_int_t)probers.stale_ms));
	for (size_t i = 0; i < cf->nzones; i++) {
		json_t *z = json_object();

		json_object_set_new(z, "name", json_string(cf->zones[i].name));
		json_object_set_new(z, "file", json_string(cf->zones[i].file));
		json_array_append_new(zones, z);
	}
	for (size_t i = 0; i < cf->nregions; i++) {
		const struct region *r = &cf->regions[i];
		json_t *rj = json_object();

		json_object_set_new(rj, "name", json_string(r->name));
		json_object_set_new(rj, "lat", json_real(r->lat));
		json_object_set_new(rj, "lon", json_real(r->lon));
		json_object_set_new(rj, "weight", json_integer(r->weight));
		json_object_set_new(rj, "bias_km", json_real(r->bias_km));
		json_array_append_new(regions, rj);
	}
	for (size_t i = 0; i < cf->nservices; i++) {
		const struct service *sv = &cf->services[i];
		json_t *sj = json_object();
		json_t *members = json_array();
		char name[NAME_TEXT_MAX];
		char chain[256];

		if (dname_to_str(sv->name, name, sizeof(name)) != 0)
			name[0] = '\0';
		if (filter_chain_format(&sv->chain, chain, sizeof(chain)) != 0)
			chain[0] = '\0';
		json_object_set_new(sj, "name", json_string(name));
		json_object_set_new(sj, "ttl", json_integer(sv->ttl));
		json_object_set_new(sj, "chain", json_string(chain));
		for (size_t k = 0; k < sv->nmembers; k++)
			json_array_append_new(members,
					      member_json(c, s, sv, &sv->members[k], targets));
		json_object_set_new(sj, "members", members);
		json_array_append_new(services, sj);
	}
	json_object_set_new(j, "zones", zones);
	json_object_set_new(j, "regions", regions);
	json_object_set_new(j, "services", services);
	json_object_set_new(j, "probers", probers.array);
	json_decref(targets);
	return j;
}

static void handle_state(struct control *c, struct evhttp_request *req)
{
	const struct snapshot *s;
	json_t *j = NULL;

	rcu_read_lock();
	s = snapshot_get();
	if (s != NULL)
		j = state_json(c, s);
	rcu_read_unlock();
	if (j == NULL) {
		reply_error(req, 503, "no snapshot is published");
		return;
	}
	reply_json(req, 200, j);
}

/* ------------------------------------------------------------ /api/v1/reload */

static void handle_reload(struct control *c, struct evhttp_request *req)
{
	uint64_t gen = 0;
	char *err = NULL;
	json_t *j;

	log_info("event=control_reload");
	if (c->p.reload(c->p.reload_arg, &gen, &err) != 0) {
		reply_json(req, 422, failed_json(err));
		free(err);
		return;
	}
	j = json_object();
	json_object_set_new(j, "result", json_string("ok"));
	json_object_set_new(j, "generation", json_integer((json_int_t)gen));
	reply_json(req, 200, j);
}

/* ------------------------------------------------------------ overrides */

/* Sets o on (service, member), answering with the outcome. undrain only
 * clears a drain: a forced member stays forced. */
static int apply_override(struct control *c, const uint8_t *svc, uint32_t idx, const char *action,
			  enum health_override *result, char *err, size_t errlen)
{
	enum health_override cur = health_override_get(c->p.health, svc, idx);
	enum health_override o;
	int ret;

	if (strcmp(action, "drain") == 0) {
		o = HEALTH_OVERRIDE_DRAIN;
	} else if (strcmp(action, "undrain") == 0) {
		if (cur != HEALTH_OVERRIDE_DRAIN && cur != HEALTH_OVERRIDE_NONE) {
			snprintf(err, errlen, "member is forced %s, not drained (use clear)",
				 health_override_name(cur));
			return -EBUSY;
		}
		o = HEALTH_OVERRIDE_NONE;
	} else if (strcmp(action, "up") == 0) {
		o = HEALTH_OVERRIDE_UP;
	} else if (strcmp(action, "down") == 0) {
		o = HEALTH_OVERRIDE_DOWN;
	} else {
		o = HEALTH_OVERRIDE_NONE; /* clear */
	}
	*result = o;
	if (o == cur)
		return 0;
	ret = health_override_set(c->p.health, svc, idx, o);
	if (ret != 0)
		snprintf(err, errlen,
			 "override %s is in force but not saved to health.state_file: %s",
			 health_override_name(o), strerror(-ret));
	return ret;
}

static bool known_action(const char *a, bool region)
{
	if (strcmp(a, "drain") == 0 || strcmp(a, "undrain") == 0)
		return true;
	return !region &&
	       (strcmp(a, "up") == 0 || strcmp(a, "down") == 0 || strcmp(a, "clear") == 0);
}

static void handle_member(struct control *c, struct evhttp_request *req, const char *service,
			  const char *index, const char *action)
{
	uint8_t wire[DNAME_MAXLEN];
	enum health_override result;
	const struct snapshot *s;
	unsigned long idx;
	char *end;
	char err[256];
	int found = 0; /* 0: no service, 1: no member, 2: found */
	char svcname[NAME_TEXT_MAX];
	json_t *j;
	int ret;

	if (!known_action(action, false)) {
		reply_error(req, 404, "unknown action '%s' (want drain, undrain, up, down, clear)",
			    action);
		return;
	}
	errno = 0;
	idx = strtoul(index, &end, 10);
	if (index[0] < '0' || index[0] > '9' || *end != '\0' || errno != 0 || idx > UINT32_MAX) {
		reply_error(req, 400, "member index '%s' is not a number", index);
		return;
	}
	if (dname_from_str(service, wire) < 0) {
		reply_error(req, 400, "'%s' is not a domain name", service);
		return;
	}
	rcu_read_lock();
	s = snapshot_get();
	for (size_t i = 0; s != NULL && i < s->conf->nservices && found == 0; i++) {
		const struct service *sv = &s->conf->services[i];

		if (dname_equal(sv->name, wire))
			found = idx < sv->nmembers ? 2 : 1;
	}
	rcu_read_unlock();
	if (found == 0) {
		reply_error(req, 404, "no service '%s'", service);
		return;
	}
	if (found == 1) {
		reply_error(req, 404, "service '%s' has no member %lu", service, idx);
		return;
	}
	ret = apply_override(c, wire, (uint32_t)idx, action, &result, err, sizeof(err));
	if (ret == -EBUSY) {
		reply_error(req, 409, "%s", err);
		return;
	}
	if (ret != 0) {
		reply_error(req, 500, "%s", err);
		return;
	}
	if (dname_to_str(wire, svcname, sizeof(svcname)) != 0)
		snprintf(svcname, sizeof(svcname), "%s", service);
	log_info("event=override service=%s member=%lu action=%s override=%s", svcname, idx, action,
		 health_override_name(result));
	j = json_object();
	json_object_set_new(j, "result", json_string("ok"));
	json_object_set_new(j, "service", json_string(svcname));
	json_object_set_new(j, "member", json_integer((json_int_t)idx));
	json_object_set_new(j, "override", json_string(health_override_name(result)));
	reply_json(req, 200, j);
}

struct member_ref {
	uint8_t service[DNAME_MAXLEN];
	uint32_t index;
};

static void handle_region(struct control *c, struct evhttp_request *req, const char *region,
			  const char *action)
{
	struct member_ref *refs = NULL;
	size_t nrefs = 0, cap = 0;
	const struct snapshot *s;
	bool known = false;
	size_t changed = 0, forced = 0;
	char err[256] = "";
	int ret = 0;
	json_t *j;

	if (!known_action(action, true)) {
		reply_error(req, 404, "unknown action '%s' (want drain, undrain)", action);
		return;
	}
	rcu_read_lock();
	s = snapshot_get();
	known = s != NULL && conf_region_find(s->conf, region) != NULL;
	for (size_t i = 0; known && i < s->conf->nservices; i++) {
		const struct service *sv = &s->conf->services[i];

		for (size_t k = 0; k < sv->nmembers; k++) {
			if (strcmp(sv->members[k].region->name, region) != 0)
				continue;
			if (nrefs == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct member_ref *n = realloc(refs, ncap * sizeof(*n));

				if (n == NULL) {
					ret = -ENOMEM;
					break;
				}
				refs = n;
				cap = ncap;
			}
			dname_copy_lower(refs[nrefs].service, sv->name);
			refs[nrefs].index = sv->members[k].index;
			nrefs++;
		}
	}
	rcu_read_unlock();
	if (!known) {
		reply_error(req, 404, "no region '%s'", region);
		goto out;
	}
	if (ret != 0) {
		reply_error(req, 500, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nrefs; i++) {
		enum health_override cur =
		    health_override_get(c->p.health, refs[i].service, refs[i].index);
		enum health_override want = HEALTH_OVERRIDE_DRAIN;
		int r;

		if (strcmp(action, "undrain") == 0) {
			if (cur != HEALTH_OVERRIDE_DRAIN) {
				forced += cur != HEALTH_OVERRIDE_NONE;
				continue;
			}
			want = HEALTH_OVERRIDE_NONE;
		}
		if (cur == want)
			continue;
		r = health_override_set(c->p.health, refs[i].service, refs[i].index, want);
		changed++;
		if (r != 0 && ret == 0) {
			ret = r;
			snprintf(err, sizeof(err),
				 "overrides are in force but not saved to health.state_file: %s",
				 strerror(-r));
		}
	}
	log_info("event=override region=%s action=%s members=%zu changed=%zu", region, action,
		 nrefs, changed);
	if (ret != 0) {
		reply_error(req, 500, "%s", err);
		goto out;
	}
	j = json_object();
	json_object_set_new(j, "result", json_string("ok"));
	json_object_set_new(j, "region", json_string(region));
	json_object_set_new(j, "members", json_integer((json_int_t)nrefs));
	json_object_set_new(j, "changed", json_integer((json_int_t)changed));
	if (forced > 0)
		json_object_set_new(j, "forced_kept", json_integer((json_int_t)forced));
	reply_json(req, 200, j);
out:
	free(refs);
}

/* ------------------------------------------------------------ routing */

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
	reply_error(req, 405, "method not allowed (use %s)", allow);
	return false;
}

static void handle_api(struct control *c, struct evhttp_request *req, const char *path)
{
	char *seg[8];
	int n = split_path(path, seg, 8);

	if (!authorized(req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
				  "Bearer realm=\"gslbd\"");
		reply_error(req, 401, "missing or wrong token (Authorization: Bearer <token>)");
		goto out;
	}
	/* seg[0] = "api", seg[1] = "v1" */
	if (n < 3 || strcmp(seg[1], "v1") != 0) {
		reply_error(req, 404, "no such endpoint");
	} else if (n == 3 && strcmp(seg[2], "state") == 0) {
		if (method_is(req, EVHTTP_REQ_GET, "GET"))
			handle_state(c, req);
	} else if (n == 3 && strcmp(seg[2], "reload") == 0) {
		if (method_is(req, EVHTTP_REQ_POST, "POST"))
			handle_reload(c, req);
	} else if (n == 6 && strcmp(seg[2], "members") == 0) {
		if (!method_is(req, EVHTTP_REQ_POST, "POST"))
			goto out;
		if (c->p.health == NULL)
			reply_error(req, 503, "overrides are not available: no health state");
		else
			handle_member(c, req, seg[3], seg[4], seg[5]);
	} else if (n == 5 && strcmp(seg[2], "regions") == 0) {
		if (!method_is(req, EVHTTP_REQ_POST, "POST"))
			goto out;
		if (c->p.health == NULL)
			reply_error(req, 503, "overrides are not available: no health state");
		else
			handle_region(c, req, seg[3], seg[4]);
	} else {
		reply_error(req, 404, "no such endpoint");
	}
out:
	while (n > 0)
		free(seg[--n]);
}

static void handle(struct evhttp_request *req, void *arg)
{
	struct control *c = arg;
	struct evhttp_uri *u = evhttp_uri_parse(evhttp_request_get_uri(req));
	const char *path = u != NULL ? evhttp_uri_get_path(u) : NULL;

	if (path == NULL) {
		reply_error(req, 400, "bad request URI");
	} else if (strcmp(path, "/healthz") == 0) {
		if (method_is(req, EVHTTP_REQ_GET, "GET"))
			handle_healthz(c, req);
	} else if (strcmp(path, "/metrics") == 0) {
		if (method_is(req, EVHTTP_REQ_GET, "GET"))
			handle_metrics(c, req);
	} else if (strncmp(path, "/api/", 5) == 0) {
		handle_api(c, req, path);
	} else {
		reply_error(req, 404, "no such endpoint (try /healthz, /metrics, /api/v1/state)");
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
