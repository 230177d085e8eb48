/* SPDX-License-Identifier: Apache-2.0 */
/* control_api.c — gslbd's /api/v1 handlers: state, stats, reload, member and region overrides */
#include "config.h"

#include "control_api.h"

#include "clock.h"
#include "conf.h"
#include "dname.h"
#include "explain.h"
#include "filter.h"
#include "health.h"
#include "health_file.h"
#include "log.h"
#include "metrics.h"
#include "service.h"
#include "snapshot.h"
#include "store.h"
#include "whatif.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <urcu.h>

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>

/* ------------------------------------------------------------ replies */

void control_api_reply_text(struct evhttp_request *req, int code, const char *reason,
			    const char *ctype, const char *body, size_t len)
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
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 415:
		return "Unsupported Media Type";
	case 421:
		return "Misdirected Request";
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
	control_api_reply_text(req, code, reason_of(code), "application/json", body, len + 1);
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

void control_api_reply_error(struct evhttp_request *req, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reply_json(req, code, failed_json(msg));
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

static json_t *member_json(const struct control_params *p, const struct snapshot *s,
			   const struct service *sv, const struct member *m, json_t *targets)
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

	char mkey[HEALTH_MEMBER_NAME_MAX];

	health_member_key(m, mkey);
	json_object_set_new(j, "index", json_integer(m->index));
	json_object_set_new(j, "name", json_string(mkey));
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
	/* what the weighted filter uses: the region's weight times the member's; 0 drains */
	json_object_set_new(j, "effective_weight",
			    json_integer((json_int_t)filter_weight(s->health, m)));
	json_object_set_new(j, "priority", json_integer(m->priority));
	/* least_loaded's watermarks, as shares of capacity */
	json_object_set_new(j, "load_low", json_real(m->load_low / 1000.0));
	json_object_set_new(j, "load_high", json_real(m->load_high / 1000.0));
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
	struct health_override_meta meta = {0};

	if (p->health != NULL) {
		health_lock(p->health);
		o = health_get_override_meta(p->health, sv->name, mkey, &meta);
		health_unlock(p->health);
	}
	json_object_set_new(j, "override", json_string(health_override_name(o)));
	if (o != HEALTH_OVERRIDE_NONE) {
		/* who, when, why, until when, and from where (gslbctl status) */
		json_t *oi = json_object();

		json_object_set_new(oi, "origin", json_string(meta.origin ? meta.origin : "local"));
		json_object_set_new(oi, "who", json_string(meta.who));
		json_object_set_new(oi, "why", json_string(meta.why));
		json_object_set_new(oi, "at_ms", json_integer((json_int_t)meta.at_ms));
		json_object_set_new(oi, "expires_ms", json_integer((json_int_t)meta.expires_ms));
		json_object_set_new(oi, "revision", json_integer((json_int_t)meta.mod_rev));
		json_object_set_new(j, "override_info", oi);
	}
	/* per address the combined state and every prober's last vote */
	member_key(sv->name, m->index, key, sizeof(key));
	tl = targets != NULL ? json_object_get(targets, key) : NULL;
	json_object_set_new(j, "targets", tl != NULL ? json_incref(tl) : json_array());
	return j;
}

static void weight_json(const struct health_weight_ref *ref, uint32_t weight,
			const struct health_override_meta *m, void *arg)
{
	json_t *w = json_object();
	char svc[NAME_TEXT_MAX];

	json_object_set_new(w, "kind",
			    json_string(ref->kind == HEALTH_WEIGHT_REGION ? "region" : "member"));
	if (ref->kind == HEALTH_WEIGHT_MEMBER && dname_to_str(ref->service, svc, sizeof(svc)) == 0)
		json_object_set_new(w, "service", json_string(svc));
	json_object_set_new(w, "name", json_string(ref->name));
	json_object_set_new(w, "weight", json_integer(weight));
	json_object_set_new(w, "origin", json_string(m->origin ? m->origin : "local"));
	json_object_set_new(w, "who", json_string(m->who));
	json_object_set_new(w, "why", json_string(m->why));
	json_object_set_new(w, "at_ms", json_integer((json_int_t)m->at_ms));
	json_object_set_new(w, "expires_ms", json_integer((json_int_t)m->expires_ms));
	json_object_set_new(w, "revision", json_integer((json_int_t)m->mod_rev));
	json_array_append_new(arg, w);
}

/* Where operator state lives: {"backend":"local"} or etcd's connection state. */
static json_t *store_json(const struct control_params *p)
{
	json_t *j = json_object();
	struct store_status st;

	if (p->store == NULL) {
		json_object_set_new(j, "backend", json_string("local"));
		return j;
	}
	store_get_status(p->store, &st);
	json_object_set_new(j, "backend", json_string("etcd"));
	json_object_set_new(j, "connected", json_boolean(st.connected));
	json_object_set_new(j, "revision", json_integer((json_int_t)st.revision));
	json_object_set_new(j, "since_ms", json_integer((json_int_t)st.since_ms));
	json_object_set_new(j, "endpoint", json_string(st.endpoint));
	json_object_set_new(j, "error", json_string(st.error));
	json_object_set_new(j, "cache_error", json_string(st.cache_error));
	return j;
}

/* The whole state; caller holds the RCU read lock and s is not NULL. */
static json_t *state_json(const struct control_params *p, bool serving, const struct snapshot *s)
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
	if (p->health != NULL) {
		targets = json_object();
		if (health_foreach_target(p->health, now_ms, target_json, targets) != 0)
			log_warn("event=control_state error=\"out of memory listing votes\"");
		probers.stale_ms = health_stale_after_ms(p->health);
		health_foreach_prober(p->health, now_ms, prober_json, &probers);
	}

	json_object_set_new(j, "version", json_string(PACKAGE_VERSION));
	json_object_set_new(j, "serving", json_boolean(serving));
	json_object_set_new(j, "generation", json_integer((json_int_t)s->generation));
	json_object_set_new(j, "built_at", json_integer((json_int_t)s->built_at));
	json_object_set_new(j, "age_seconds",
			    json_integer(now > s->built_at ? (json_int_t)(now - s->built_at) : 0));
	json_object_set_new(j, "config", json_string(cf->path));
	json_object_set_new(j, "overrides", json_boolean(p->health != NULL));
	json_object_set_new(j, "store", store_json(p));
	if (p->health != NULL) {
		json_t *wl = json_array();

		health_lock(p->health);
		health_foreach_weight(p->health, weight_json, wl);
		health_unlock(p->health);
		json_object_set_new(j, "weights", wl);
	}
	if (p->health != NULL) {
		struct health_readiness r;
		json_t *hv = json_object();

		json_object_set_new(j, "stale_after_ms",
				    json_integer((json_int_t)probers.stale_ms));
		/* readiness of the health view: what gslb-anycast waits for after a start */
		health_readiness(p->health, now_ms, &r);
		json_object_set_new(hv, "ready", json_boolean(r.ready));
		json_object_set_new(hv, "reason", json_string(r.reason));
		json_object_set_new(hv, "fresh_probers", json_integer((json_int_t)r.fresh_probers));
		json_object_set_new(hv, "warm_probers", json_integer((json_int_t)r.warm_probers));
		json_object_set_new(hv, "quorum", json_integer(r.quorum));
		json_object_set_new(j, "health_ready", json_boolean(r.ready));
		json_object_set_new(j, "health_view", hv);
	}
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
					      member_json(p, s, sv, &sv->members[k], targets));
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

void control_api_state(const struct control_params *p, bool serving, struct evhttp_request *req)
{
	const struct snapshot *s;
	json_t *j = NULL;

	rcu_read_lock();
	s = snapshot_get();
	if (s != NULL)
		j = state_json(p, serving, s);
	rcu_read_unlock();
	if (j == NULL) {
		control_api_reply_error(req, 503, "no snapshot is published");
		return;
	}
	reply_json(req, 200, j);
}

/* ------------------------------------------------------------ /api/v1/explain */

struct explain_members {
	const struct control_params *p;
	const struct snapshot *s;
	json_t *targets;
};

/* explain_member_fn: the member as the state shows it, votes included */
static json_t *explain_member(const struct service *sv, const struct member *m, void *arg)
{
	const struct explain_members *em = arg;
	json_t *j = member_json(em->p, em->s, sv, m, em->targets);
	char name[NAME_TEXT_MAX];

	if (dname_to_str(sv->name, name, sizeof(name)) != 0)
		name[0] = '\0';
	json_object_set_new(j, "service", json_string(name));
	return j;
}

void control_api_explain(const struct control_params *p, struct evhttp_request *req)
{
	struct evkeyvalq args;
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct explain_query q;
	struct explain_members em = {.p = p};
	char err[256];
	json_t *j = NULL;

	if (query == NULL || evhttp_parse_query_str(query, &args) != 0) {
		control_api_reply_error(req, 400,
					"give ?name=NAME[&client=ADDRESS[/PREFIX]]"
					"[&qtype=TYPE]");
		return;
	}
	if (explain_parse(evhttp_find_header(&args, "name"), evhttp_find_header(&args, "client"),
			  evhttp_find_header(&args, "qtype"), &q, err, sizeof(err)) != 0) {
		evhttp_clear_headers(&args);
		control_api_reply_error(req, 400, "%s", err);
		return;
	}
	evhttp_clear_headers(&args);
	if (p->health != NULL) {
		em.targets = json_object();
		if (health_foreach_target(p->health, clock_wall_ms(), target_json, em.targets) != 0)
			log_warn("event=control_explain error=\"out of memory listing votes\"");
	}
	rcu_read_lock();
	em.s = snapshot_get();
	if (em.s != NULL)
		j = explain_json(em.s, &q, explain_member, &em, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "no snapshot is published");
	rcu_read_unlock();
	json_decref(em.targets);
	if (j == NULL) {
		control_api_reply_error(req, 503, "%s", err);
		return;
	}
	reply_json(req, 200, j);
}

/* ------------------------------------------------------------ /api/v1/whatif */

#define WHATIF_MAX_ITEMS 256	   /* downs, drains, weights */
#define WHATIF_MAX_CLIENTS 1000000 /* a given population */

/* The strings of the array at key of body into out (up to max). Returns the count, or -1
 * with a message. */
static int strings_of(json_t *body, const char *key, const char **out, size_t max, char *err,
		      size_t errlen)
{
	json_t *a = json_object_get(body, key), *v;
	size_t i;

	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > max) {
		snprintf(err, errlen, "%s: an array of at most %zu strings", key, max);
		return -1;
	}
	json_array_foreach (a, i, v) {
		if (!json_is_string(v)) {
			snprintf(err, errlen, "%s: an array of strings", key);
			return -1;
		}
		out[i] = json_string_value(v);
	}
	return (int)i;
}

/* The change described by body into c (arrays in the caller's buffers, the strings in
 * body). Returns 0, or -1 with a message. */
static int whatif_request(json_t *body, struct whatif_change *c, const char **down,
			  const char **drain, const char **wregion, uint32_t *weight,
			  struct whatif_client **clients, char *err, size_t errlen)
{
	json_t *w = json_object_get(body, "weight"), *v, *cl = json_object_get(body, "clients");
	const char *key;
	int n;
	size_t i = 0;

	memset(c, 0, sizeof(*c));
	if ((n = strings_of(body, "down", down, WHATIF_MAX_ITEMS, err, errlen)) < 0)
		return -1;
	c->down = down;
	c->ndown = (size_t)n;
	if ((n = strings_of(body, "drain", drain, WHATIF_MAX_ITEMS, err, errlen)) < 0)
		return -1;
	c->drain = drain;
	c->ndrain = (size_t)n;
	if (w != NULL && (!json_is_object(w) || json_object_size(w) > WHATIF_MAX_ITEMS)) {
		snprintf(err, errlen, "weight: an object of region names to weights");
		return -1;
	}
	json_object_foreach (w, key, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 1000000) {
			snprintf(err, errlen, "weight: %s: an integer 0..1000000", key);
			return -1;
		}
		wregion[i] = key;
		weight[i++] = (uint32_t)json_integer_value(v);
	}
	c->weight_region = wregion;
	c->weight = weight;
	c->nweight = i;
	if (cl == NULL)
		return 0;
	if (!json_is_array(cl) || json_array_size(cl) == 0 ||
	    json_array_size(cl) > WHATIF_MAX_CLIENTS) {
		snprintf(err, errlen, "clients: an array of 1..%d [\"PREFIX\", WEIGHT]",
			 WHATIF_MAX_CLIENTS);
		return -1;
	}
	*clients = calloc(json_array_size(cl), sizeof(**clients));
	if (*clients == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_array_foreach (cl, i, v) {
		char e[160];
		json_t *p = json_array_get(v, 0), *wt = json_array_get(v, 1);
		if (!json_is_string(p) || !json_is_number(wt) ||
		    whatif_client_parse(json_string_value(p), json_number_value(wt), &(*clients)[i],
					e, sizeof(e)) != 0) {
			snprintf(err, errlen, "clients[%zu]: %s", i,
				 json_is_string(p) && json_is_number(wt) ? e
									 : "[\"PREFIX\", WEIGHT]");
			return -1;
		}
	}
	c->clients = *clients;
	c->nclients = json_array_size(cl);
	return 0;
}

void control_api_whatif(const struct control_params *p, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *down[WHATIF_MAX_ITEMS], *drain[WHATIF_MAX_ITEMS], *wregion[WHATIF_MAX_ITEMS];
	uint32_t weight[WHATIF_MAX_ITEMS];
	struct whatif_client *clients = NULL;
	struct whatif_change c;
	json_error_t jerr;
	char err[256];
	json_t *body, *j = NULL;

	(void)p;
	body = len == 0 ? json_object()
			: json_loadb((const char *)evbuffer_pullup(in, -1), len, 0, &jerr);
	if (!json_is_object(body)) {
		json_decref(body);
		control_api_reply_error(req, 400, "the body must be a JSON object (%s)",
					len ? jerr.text : "empty");
		return;
	}
	if (whatif_request(body, &c, down, drain, wregion, weight, &clients, err, sizeof(err)) !=
	    0) {
		control_api_reply_error(req, 400, "%s", err);
		goto out;
	}
	rcu_read_lock();
	const struct snapshot *s = snapshot_get();
	if (s != NULL)
		j = whatif_json(s, &c, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "no snapshot is published");
	rcu_read_unlock();
	if (j == NULL)
		control_api_reply_error(req, s == NULL ? 503 : 400, "%s", err);
	else
		reply_json(req, 200, j);
out:
	free(clients);
	json_decref(body);
}

/* ------------------------------------------------------------ /api/v1/flows */

#define FLOWS_SHOWN 300 /* the map draws the largest */

void control_api_flows(const struct control_params *p, struct evhttp_request *req)
{
	char err[128] = "no snapshot is published";
	json_t *j = NULL;

	(void)p;
	rcu_read_lock();
	const struct snapshot *s = snapshot_get();
	if (s != NULL)
		j = whatif_flows_json(s, FLOWS_SHOWN, err, sizeof(err));
	rcu_read_unlock();
	if (j == NULL)
		control_api_reply_error(req, 503, "%s", err);
	else
		reply_json(req, 200, j);
}

/* ------------------------------------------------------------ /api/v1/reload */

const char *control_restart_setting(unsigned bit)
{
	switch (bit) {
	case CONTROL_RESTART_LISTEN:
		return "server.listen";
	case CONTROL_RESTART_THREADS:
		return "server.threads";
	case CONTROL_RESTART_CONTROL_LISTEN:
		return "server.control.listen";
	case CONTROL_RESTART_HEALTH_LISTEN:
		return "health.listen";
	case CONTROL_RESTART_USER:
		return "server.user";
	case CONTROL_RESTART_STORE:
		return "store";
	}
	return NULL;
}

json_t *control_api_reload_json(uint64_t generation, unsigned restart)
{
	json_t *j = json_object();
	json_t *settings = json_array();

	for (unsigned bit = 1; bit != 0 && bit <= restart; bit <<= 1)
		if ((restart & bit) && control_restart_setting(bit))
			json_array_append_new(settings, json_string(control_restart_setting(bit)));
	/* the reload happened (200): the new zones and services answer; these wait */
	json_object_set_new(j, "result", json_string(restart ? "restart_needed" : "ok"));
	json_object_set_new(j, "generation", json_integer((json_int_t)generation));
	json_object_set_new(j, "restart_needed", settings);
	return j;
}

void control_api_reload(const struct control_params *p, struct evhttp_request *req)
{
	uint64_t gen = 0;
	unsigned restart = 0;
	char err[CONF_ERRLEN]; /* the control thread's stack: every line of a bad file */

	log_info("event=control_reload");
	if (p->reload(p->reload_arg, &gen, &restart, err, sizeof(err)) != 0) {
		reply_json(req, 422, failed_json(err));
		return;
	}
	reply_json(req, 200, control_api_reload_json(gen, restart));
}

/* ------------------------------------------------------------ overrides */

/* Who, why and until when, from the request (?reason=TEXT&for=SECONDS) and the token's name.
 * Returns 0, or replies 400 and returns -1. *ttl_s: 0 = no expiry. */
static int change_meta(const struct control_params *p, struct evhttp_request *req,
		       struct health_override_meta *m, uint64_t *ttl_s, int64_t *if_rev)
{
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *q = u != NULL ? evhttp_uri_get_query(u) : NULL;
	struct evkeyvalq params;
	const char *reason = NULL, *dur = NULL, *rev;
	const struct snapshot *s;
	int ret = 0;

	TAILQ_INIT(&params);
	*m = (struct health_override_meta){.origin = p->store != NULL ? "etcd" : "local"};
	*ttl_s = 0;
	if (q != NULL && evhttp_parse_query_str(q, &params) != 0) {
		control_api_reply_error(req, 400, "bad query string");
		return -1;
	}
	reason = evhttp_find_header(&params, "reason");
	dur = evhttp_find_header(&params, "for");
	*if_rev = -1;
	if ((rev = evhttp_find_header(&params, "if_revision")) != NULL) {
		char *end;

		errno = 0;
		*if_rev = strtoll(rev, &end, 10);
		if (rev[0] < '0' || rev[0] > '9' || *end != '\0' || errno) {
			control_api_reply_error(
			    req, 400, "if_revision=%s: want a revision (0: the key must be absent)",
			    rev);
			ret = -1;
			goto out;
		}
		if (p->store == NULL) {
			control_api_reply_error(
			    req, 400,
			    "if_revision: revisions are etcd's (store.etcd); this "
			    "site keeps its state in health.state_file");
			ret = -1;
			goto out;
		}
	}
	if (reason != NULL)
		snprintf(m->why, sizeof(m->why), "%s", reason);
	if (dur != NULL) {
		char *end;
		unsigned long long v = strtoull(dur, &end, 10);

		if (dur[0] < '0' || dur[0] > '9' || *end != '\0' || v == 0 || v > 31536000) {
			control_api_reply_error(req, 400,
						"for=%s: want seconds, 1..31536000 (gslbctl --for "
						"30m)",
						dur);
			ret = -1;
			goto out;
		}
		*ttl_s = v;
	}
	if (p->store != NULL && m->why[0] == '\0') {
		struct store_status st;

		store_get_status(p->store, &st);
		if (st.require_reason) {
			control_api_reply_error(req, 400,
						"a reason is required (store.require_reason): "
						"gslbctl --reason TEXT ...");
			ret = -1;
			goto out;
		}
	}
	m->at_ms = clock_wall_ms();
	if (*ttl_s)
		m->expires_ms = m->at_ms + *ttl_s * 1000;
	rcu_read_lock();
	s = snapshot_get();
	snprintf(m->who, sizeof(m->who), "%s",
		 s != NULL && s->conf->control.token_name ? s->conf->control.token_name : "");
	rcu_read_unlock();
out:
	evhttp_clear_headers(&params);
	return ret;
}

/* A store write's reply: the JSON prepared for success, or the error; its request, NULL
 * once the client's connection went away while etcd answered. Listed per control thread
 * (each endpoint has its own) while the write runs. */
struct pending {
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	json_t *ok;
	struct pending *next;
};
static _Thread_local struct pending *pendings;

void control_api_conn_closed(struct evhttp_connection *evcon)
{
	for (struct pending *pd = pendings; pd != NULL; pd = pd->next) {
		if (pd->evcon != evcon || pd->req == NULL)
			continue;
		/* evhttp frees a request still on the connection right after this; one it has
		 * detached (the client hung up before the answer) it leaves to its user */
		if (evhttp_request_get_connection(pd->req) != evcon)
			evhttp_request_free(pd->req);
		pd->req = NULL;
	}
}

bool control_api_conn_waiting(const struct evhttp_connection *evcon)
{
	for (struct pending *pd = pendings; pd != NULL; pd = pd->next)
		if (pd->evcon == evcon && pd->req != NULL)
			return true;
	return false;
}

size_t control_api_pending(void)
{
	size_t n = 0;

	for (const struct pending *pd = pendings; pd != NULL; pd = pd->next)
		n++;
	return n;
}

/* A reply that comes later (from etcd): listed, so that a closed connection clears its
 * request (control_api_conn_closed). NULL on ENOMEM. */
static struct pending *pending_add(struct evhttp_request *req, json_t *ok)
{
	struct pending *pd = calloc(1, sizeof(*pd));

	if (pd == NULL)
		return NULL;
	pd->req = req;
	pd->evcon = evhttp_request_get_connection(req);
	pd->ok = ok;
	pd->next = pendings;
	pendings = pd;
	return pd;
}

/* Unlists pd; its request, NULL when the connection went away meanwhile. */
static struct evhttp_request *pending_take(struct pending *pd)
{
	for (struct pending **p = &pendings; *p != NULL; p = &(*p)->next) {
		if (*p == pd) {
			*p = pd->next;
			break;
		}
	}
	return pd->req;
}

static void store_replied(void *arg, int status, const char *err)
{
	struct pending *pd = arg;
	struct evhttp_request *req = pending_take(pd);

	if (req == NULL) {
		log_warn("event=store_reply_dropped status=%d error=\"%s\" note=\"the client's "
			 "connection closed before the write ended (it hung up, or max_clients "
			 "evicted it); the write %s\"",
			 status, err != NULL ? err : "", status == 200 ? "is done" : "failed");
		json_decref(pd->ok);
	} else if (status == 200) {
		reply_json(req, 200, pd->ok);
	} else {
		control_api_reply_error(req, status, "%s", err);
		json_decref(pd->ok);
	}
	free(pd);
}

/* Sends ops through the store; the reply (ok on success) comes when the write is done. */
static void store_submit(const struct control_params *p, struct evhttp_request *req,
			 const struct store_op *ops, size_t n, const struct health_override_meta *m,
			 uint64_t ttl_s, json_t *ok)
{
	struct pending *pd = pending_add(req, ok);
	char err[256];

	if (pd == NULL) {
		json_decref(ok);
		control_api_reply_error(req, 500, "out of memory");
		return;
	}
	if (n == 0) {
		store_replied(pd, 200, NULL);
		return;
	}
	if (store_write(p->store, evhttp_connection_get_base(evhttp_request_get_connection(req)),
			ops, n, m, ttl_s, store_replied, pd, err, sizeof(err)) != 0) {
		pendings = pd->next;
		json_decref(ok);
		free(pd);
		control_api_reply_error(req, 503, "%s", err);
	}
}

/* The member of sv that arg names: its name, or its index when arg is a number (names start
 * with a letter); NULL when none. */
static const struct member *member_by_arg(const struct service *sv, const char *arg)
{
	char *end;

	if (arg[0] >= '0' && arg[0] <= '9') {
		errno = 0;
		unsigned long idx = strtoul(arg, &end, 10);

		return *end == '\0' && errno == 0 && idx < sv->nmembers ? &sv->members[idx] : NULL;
	}
	for (size_t k = 0; k < sv->nmembers; k++) {
		char key[HEALTH_MEMBER_NAME_MAX];

		health_member_key(&sv->members[k], key);
		if (strcmp(key, arg) == 0)
			return &sv->members[k];
	}
	return NULL;
}

/* A member action's answer: {"result":"ok","service":...,"member":i,"name":...,"override":...} */
static json_t *member_reply(const uint8_t *wire, const char *service, uint32_t idx, const char *key,
			    enum health_override o)
{
	char svcname[NAME_TEXT_MAX];
	json_t *j = json_object();

	if (dname_to_str(wire, svcname, sizeof(svcname)) != 0)
		snprintf(svcname, sizeof(svcname), "%s", service);
	json_object_set_new(j, "result", json_string("ok"));
	json_object_set_new(j, "service", json_string(svcname));
	json_object_set_new(j, "member", json_integer((json_int_t)idx));
	json_object_set_new(j, "name", json_string(key));
	json_object_set_new(j, "override", json_string(health_override_name(o)));
	return j;
}

void control_api_member(const struct control_params *p, struct evhttp_request *req,
			const char *service, const char *member, const char *action)
{
	uint8_t wire[DNAME_MAXLEN];
	enum health_override result;
	const struct snapshot *s;
	char key[HEALTH_MEMBER_NAME_MAX];
	uint32_t idx = 0;
	char err[256];
	int found = 0; /* 0: no service, 1: no member, 2: found */
	json_t *j;
	int a = health_override_action_parse(action);
	int ret;

	if (a < 0) {
		control_api_reply_error(
		    req, 404, "unknown action '%s' (want drain, undrain, up, down, clear)", action);
		return;
	}
	if (dname_from_str(service, wire) < 0) {
		control_api_reply_error(req, 400, "'%s' is not a domain name", service);
		return;
	}
	rcu_read_lock();
	s = snapshot_get();
	for (size_t i = 0; s != NULL && i < s->conf->nservices && found == 0; i++) {
		const struct service *sv = &s->conf->services[i];

		if (dname_equal(sv->name, wire)) {
			const struct member *m = member_by_arg(sv, member);

			found = m != NULL ? 2 : 1;
			if (m != NULL) {
				health_member_key(m, key);
				idx = m->index;
			}
		}
	}
	rcu_read_unlock();
	if (found == 0) {
		control_api_reply_error(req, 404, "no service '%s'", service);
		return;
	}
	if (found == 1) {
		control_api_reply_error(req, 404,
					"service '%s' has no member '%s' (give its name or index, "
					"as gslbctl status shows them)",
					service, member);
		return;
	}
	struct health_override_meta meta;
	uint64_t ttl_s;
	int64_t if_rev;

	if (change_meta(p, req, &meta, &ttl_s, &if_rev) != 0)
		return;
	if (p->store != NULL) {
		/* the policy on the state this site saw; the write fails if etcd's moved on (or,
		 * with if_revision, moved from the revision the operator saw) */
		struct health_override_meta seen;
		struct store_op op = {.expect_rev = if_rev, .expect_given = if_rev >= 0};

		health_lock(p->health);
		enum health_override cur = health_get_override_meta(p->health, wire, key, &seen);
		health_unlock(p->health);
		int o = health_override_after((enum health_override_action)a, cur);
		if (o == -EBUSY) {
			control_api_reply_error(req, 409,
						"member is forced %s, not drained (use clear)",
						health_override_name(cur));
			return;
		}
		dname_copy_lower(op.ref.service, wire);
		snprintf(op.ref.member, sizeof(op.ref.member), "%s", key);
		op.o = (enum health_override)o;
		j = member_reply(wire, service, idx, key, op.o);
		json_object_set_new(j, "store", json_string("etcd"));
		/* a clear of nothing writes nothing */
		store_submit(p, req, &op,
			     o == (int)cur && o == HEALTH_OVERRIDE_NONE && if_rev < 0 ? 0 : 1,
			     &meta, ttl_s, j);
		return;
	}
	ret = health_override_member_meta(p->health, wire, key, (enum health_override_action)a,
					  &meta, &result, err, sizeof(err));
	if (ret == -EBUSY) {
		control_api_reply_error(req, 409, "%s", err);
		return;
	}
	if (ret != 0) {
		control_api_reply_error(req, 500, "%s", err);
		return;
	}
	reply_json(req, 200, member_reply(wire, service, idx, key, result));
}

/* A region's drain or undrain through the store: the same policy as
 * health_override_region, on the state this site saw, as one transaction. */
static void region_store(const struct control_params *p, struct evhttp_request *req,
			 const char *region, bool drain, const struct health_member_ref *refs,
			 size_t nrefs, const struct health_override_meta *meta, uint64_t ttl_s)
{
	struct store_op *ops = calloc(nrefs ? nrefs : 1, sizeof(*ops));
	size_t n = 0, forced = 0;
	json_t *j;

	if (ops == NULL) {
		control_api_reply_error(req, 500, "out of memory");
		return;
	}
	health_lock(p->health);
	for (size_t i = 0; i < nrefs; i++) {
		struct health_override_meta seen;
		enum health_override cur =
		    health_get_override_meta(p->health, refs[i].service, refs[i].member, &seen);
		int o =
		    health_override_after(drain ? HEALTH_ACTION_DRAIN : HEALTH_ACTION_UNDRAIN, cur);

		if (o < 0 || cur == HEALTH_OVERRIDE_UP || cur == HEALTH_OVERRIDE_DOWN)
			forced++;
		if (o < 0 || (enum health_override)o == cur)
			continue;
		ops[n].ref = refs[i];
		ops[n].o = (enum health_override)o;
		n++;
	}
	health_unlock(p->health);
	log_info("event=override_region region=%s action=%s members=%zu changed=%zu forced=%zu "
		 "store=etcd",
		 region, drain ? "drain" : "undrain", nrefs, n, forced);
	j = json_object();
	json_object_set_new(j, "result", json_string("ok"));
	json_object_set_new(j, "region", json_string(region));
	json_object_set_new(j, "members", json_integer((json_int_t)nrefs));
	json_object_set_new(j, "changed", json_integer((json_int_t)n));
	if (forced > 0)
		json_object_set_new(j, drain ? "forced_replaced" : "forced_kept",
				    json_integer((json_int_t)forced));
	json_object_set_new(j, "store", json_string("etcd"));
	store_submit(p, req, ops, n, meta, ttl_s, j);
	free(ops);
}

void control_api_region(const struct control_params *p, struct evhttp_request *req,
			const char *region, const char *action)
{
	struct health_member_ref *refs = NULL;
	size_t nrefs = 0, cap = 0;
	const struct snapshot *s;
	bool known = false;
	size_t changed = 0, forced = 0;
	int a = health_override_action_parse(action);
	char err[256] = "";
	int ret = 0;
	json_t *j;

	if (a != HEALTH_ACTION_DRAIN && a != HEALTH_ACTION_UNDRAIN) {
		control_api_reply_error(req, 404, "unknown action '%s' (want drain, undrain)",
					action);
		return;
	}
	/* the members are copied out: the state file is not written under the RCU read lock */
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
				struct health_member_ref *n = realloc(refs, ncap * sizeof(*n));

				if (n == NULL) {
					ret = -ENOMEM;
					break;
				}
				refs = n;
				cap = ncap;
			}
			dname_copy_lower(refs[nrefs].service, sv->name);
			health_member_key(&sv->members[k], refs[nrefs].member);
			nrefs++;
		}
	}
	rcu_read_unlock();
	if (!known) {
		control_api_reply_error(req, 404, "no region '%s'", region);
		goto out;
	}
	if (ret != 0) {
		control_api_reply_error(req, 500, "out of memory");
		goto out;
	}
	struct health_override_meta meta;
	uint64_t ttl_s;
	int64_t if_rev;

	if (change_meta(p, req, &meta, &ttl_s, &if_rev) != 0)
		goto out;
	if (if_rev >= 0) {
		control_api_reply_error(req, 400,
					"if_revision names one key: a region's change writes one "
					"per member (drain or force the member instead)");
		goto out;
	}
	if (p->store != NULL) {
		region_store(p, req, region, a == HEALTH_ACTION_DRAIN, refs, nrefs, &meta, ttl_s);
		goto out;
	}
	ret = health_override_region(p->health, refs, nrefs, a == HEALTH_ACTION_DRAIN, &meta,
				     &changed, &forced, err, sizeof(err));
	/* each member's change is logged by the health state (event=override); this is the
	 * request's summary */
	log_info("event=override_region region=%s action=%s members=%zu changed=%zu forced=%zu",
		 region, action, nrefs, changed, forced);
	if (ret != 0) {
		control_api_reply_error(req, 500, "%s", err);
		goto out;
	}
	j = json_object();
	json_object_set_new(j, "result", json_string("ok"));
	json_object_set_new(j, "region", json_string(region));
	json_object_set_new(j, "members", json_integer((json_int_t)nrefs));
	json_object_set_new(j, "changed", json_integer((json_int_t)changed));
	/* the operator must know: a replaced force does not come back with the undrain */
	if (forced > 0)
		json_object_set_new(j, a == HEALTH_ACTION_DRAIN ? "forced_replaced" : "forced_kept",
				    json_integer((json_int_t)forced));
	reply_json(req, 200, j);
out:
	free(refs);
}

/* ------------------------------------------------------------ history */

static void history_json(const struct health_history *h, void *arg)
{
	json_t *e = json_object();

	json_object_set_new(e, "seq", json_integer((json_int_t)h->seq));
	json_object_set_new(e, "at_ms", json_integer((json_int_t)h->at_ms));
	json_object_set_new(e, "change", json_string(h->what));
	json_object_set_new(e, "was", json_string(h->was));
	json_object_set_new(e, "origin", json_string(h->meta.origin ? h->meta.origin : "local"));
	json_object_set_new(e, "revision", json_integer((json_int_t)h->meta.mod_rev));
	json_object_set_new(e, "who", json_string(h->meta.who));
	json_object_set_new(e, "why", json_string(h->meta.why));
	json_object_set_new(e, "expires_ms", json_integer((json_int_t)h->meta.expires_ms));
	json_array_append_new(arg, e);
}

/* The fleet's trail read from etcd; pd->ok is {"history": this site's, "store": ...}, the
 * fallback. */
static void history_read(void *arg, json_t *history, const char *err)
{
	struct pending *pd = arg;
	struct evhttp_request *req = pending_take(pd);

	if (history != NULL) {
		json_object_set(pd->ok, "history", history);
		json_object_set_new(pd->ok, "source", json_string("etcd"));
	} else {
		json_object_set_new(
		    pd->ok, "note",
		    json_pack("s++", "etcd not read (", err ? err : "?",
			      "): the changes this gslbd applied since it started"));
	}
	if (req != NULL)
		reply_json(req, 200, pd->ok); /* else the client went away: nothing to answer */
	else
		json_decref(pd->ok);
	free(pd);
}

void control_api_history(const struct control_params *p, struct evhttp_request *req)
{
	json_t *j = json_object(), *l = json_array();
	struct pending *pd;
	char err[256];

	health_lock(p->health);
	health_foreach_history(p->health, history_json, l);
	health_unlock(p->health);
	json_object_set_new(j, "history", l);
	json_object_set_new(j, "store", store_json(p));
	json_object_set_new(j, "source", json_string(p->store != NULL ? "memory" : "local"));
	if (p->store == NULL) {
		reply_json(req, 200, j);
		return;
	}
	/* with a store, the fleet's trail from etcd: every site's changes and gslbctl's
	 * direct ones, kept across restarts */
	pd = pending_add(req, j);
	if (pd == NULL) {
		reply_json(req, 200, j);
		return;
	}
	if (store_history(p->store, evhttp_connection_get_base(evhttp_request_get_connection(req)),
			  HEALTH_HISTORY, history_read, pd, err, sizeof(err)) != 0)
		history_read(pd, NULL, err);
}

/* ------------------------------------------------------------ runtime weights */

void control_api_weight(const struct control_params *p, struct evhttp_request *req,
			const char *kind, const char *service, const char *name, const char *value)
{
	struct health_weight_ref ref = {.kind = HEALTH_WEIGHT_REGION};
	struct health_override_meta meta, seen;
	const struct snapshot *s;
	uint32_t weight = MEMBER_WEIGHT_CONFIG;
	uint64_t ttl_s;
	int64_t if_rev;
	bool found = false;
	char err[256];
	int ret;
	json_t *j;

	if (strcmp(value, "clear") != 0) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(value, &end, 10);
		if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 || v > 1000000) {
			control_api_reply_error(req, 400,
						"weight '%s': want 0..1000000 or clear (0 drains, "
						"as in gslb.conf(5))",
						value);
			return;
		}
		weight = (uint32_t)v;
	}
	if (strcmp(kind, "member") == 0) {
		ref.kind = HEALTH_WEIGHT_MEMBER;
		if (dname_from_str(service, ref.service) < 0) {
			control_api_reply_error(req, 400, "'%s' is not a domain name", service);
			return;
		}
	}
	rcu_read_lock();
	s = snapshot_get();
	if (s != NULL && ref.kind == HEALTH_WEIGHT_REGION) {
		found = conf_region_find(s->conf, name) != NULL;
		snprintf(ref.name, sizeof(ref.name), "%s", name);
	}
	for (size_t i = 0; s != NULL && ref.kind == HEALTH_WEIGHT_MEMBER && i < s->conf->nservices;
	     i++) {
		const struct service *sv = &s->conf->services[i];
		const struct member *m =
		    dname_equal(sv->name, ref.service) ? member_by_arg(sv, name) : NULL;

		if (m != NULL) {
			char key[HEALTH_MEMBER_NAME_MAX];

			health_member_key(m, key);
			snprintf(ref.name, sizeof(ref.name), "%s", key);
			dname_copy_lower(ref.service, sv->name);
			found = true;
		}
	}
	rcu_read_unlock();
	if (!found) {
		if (ref.kind == HEALTH_WEIGHT_REGION)
			control_api_reply_error(req, 404, "no region '%s'", name);
		else
			control_api_reply_error(req, 404, "no member '%s' in service '%s'", name,
						service);
		return;
	}
	if (change_meta(p, req, &meta, &ttl_s, &if_rev) != 0)
		return;
	j = json_object();
	json_object_set_new(j, "result", json_string("ok"));
	json_object_set_new(j, "kind", json_string(kind));
	if (ref.kind == HEALTH_WEIGHT_MEMBER)
		json_object_set_new(j, "service", json_string(service));
	json_object_set_new(j, "name", json_string(ref.name));
	json_object_set_new(j, "weight",
			    weight == MEMBER_WEIGHT_CONFIG ? json_null() : json_integer(weight));
	health_lock(p->health);
	uint32_t cur = health_get_weight(p->health, &ref, &seen);
	if (p->store != NULL) {
		struct store_op op = {.is_weight = true,
				      .wref = ref,
				      .weight = weight,
				      .expect_rev = if_rev,
				      .expect_given = if_rev >= 0};

		health_unlock(p->health);
		json_object_set_new(j, "store", json_string("etcd"));
		store_submit(p, req, &op,
			     cur == weight && weight == MEMBER_WEIGHT_CONFIG && if_rev < 0 ? 0 : 1,
			     &meta, ttl_s, j);
		return;
	}
	ret = health_put_weight(p->health, &ref, weight, &meta);
	if (ret == 0)
		ret = health_file_save_locked(p->health);
	health_unlock(p->health);
	if (ret != 0) {
		snprintf(err, sizeof(err), "weight in force but not saved to health.state_file: %s",
			 strerror(-ret));
		json_decref(j);
		control_api_reply_error(req, 500, "%s", err);
		return;
	}
	reply_json(req, 200, j);
}

/* ------------------------------------------------------------ /api/v1/stats */

/* {"udp": u, "tcp": t, "total": u + t} */
static json_t *per_proto_json(uint64_t udp, uint64_t tcp)
{
	json_t *j = json_object();

	json_object_set_new(j, "udp", json_integer((json_int_t)udp));
	json_object_set_new(j, "tcp", json_integer((json_int_t)tcp));
	json_object_set_new(j, "total", json_integer((json_int_t)(udp + tcp)));
	return j;
}

#define PER_PROTO(in, field)                                                                       \
	per_proto_json((in)->dns[METRICS_UDP].field, (in)->dns[METRICS_TCP].field)

static json_t *dns_json(const struct metrics_input *in)
{
	json_t *j = json_object();
	json_t *rcodes = json_object();
	json_t *qtypes = json_object();

	json_object_set_new(j, "queries", PER_PROTO(in, queries));
	json_object_set_new(j, "dropped", PER_PROTO(in, dropped));
	json_object_set_new(j, "truncated", PER_PROTO(in, truncated));
	json_object_set_new(j, "edns", PER_PROTO(in, edns));
	json_object_set_new(j, "ecs", PER_PROTO(in, ecs));
	json_object_set_new(j, "service_answers", PER_PROTO(in, service_answers));
	json_object_set_new(j, "fail_open", PER_PROTO(in, fail_open));
	json_object_set_new(j, "geofence_fallback", PER_PROTO(in, geofence_fallback));
	/* every rcode with a mnemonic, as gslb_dns_responses_total names them */
	for (unsigned r = 0; r < 24; r++) {
		char buf[16];
		const char *name = metrics_rcode_name(r);

		if (name == NULL) {
			if (in->dns[METRICS_UDP].rcode[r] == 0 &&
			    in->dns[METRICS_TCP].rcode[r] == 0)
				continue;
			snprintf(buf, sizeof(buf), "RCODE%u", r);
			name = buf;
		}
		json_object_set_new(rcodes, name, PER_PROTO(in, rcode[r]));
	}
	json_object_set_new(j, "responses", rcodes);
	for (unsigned t = 0; t < ANSWER_QTYPE_SLOTS; t++)
		json_object_set_new(qtypes, answer_qtype_names[t], PER_PROTO(in, qtype[t]));
	json_object_set_new(j, "queries_by_type", qtypes);
	return j;
}

static json_t *transport_json(const struct metrics_input *in)
{
	json_t *j = json_object();
	json_t *tcp = json_object();
	json_t *udp = json_object();

	json_object_set_new(tcp, "open", json_integer((json_int_t)in->tcp.open));
	json_object_set_new(tcp, "accepted", json_integer((json_int_t)in->tcp.accepted));
	json_object_set_new(tcp, "refused", json_integer((json_int_t)in->tcp.rejected));
	json_object_set_new(tcp, "idle_timeouts", json_integer((json_int_t)in->tcp.timeouts));
	json_object_set_new(tcp, "bad_length", json_integer((json_int_t)in->tcp.bad_length));
	json_object_set_new(udp, "recv_truncated",
			    json_integer((json_int_t)in->udp.recv_truncated));
	json_object_set_new(udp, "send_errors", json_integer((json_int_t)in->udp.send_errors));
	json_object_set_new(j, "tcp", tcp);
	json_object_set_new(j, "udp", udp);
	return j;
}

/* The snapshot's members: how many are up and overridden, and the answers per region in
 * the order regions first appear among the services' members. */
static void members_json(json_t *j, const struct metrics_input *in)
{
	const struct snapshot *s = in->snap;
	json_t *regions = json_array();
	json_t *by_name = json_object(); /* region name -> its entry in regions */
	json_int_t total = 0, up = 0, overridden = 0;
	json_t *mj = json_object();

	for (size_t i = 0; i < s->conf->nservices; i++) {
		const struct service *sv = &s->conf->services[i];

		for (size_t k = 0; k < sv->nmembers; k++) {
			const struct member *m = &sv->members[k];
			const struct member_health *h = s->health != NULL && m->health < s->nhealth
							    ? &s->health[m->health]
							    : NULL;
			json_int_t answers = (json_int_t)member_stats_total(&s->answers, m->health);
			json_t *r = json_object_get(by_name, m->region->name);
			char key[HEALTH_MEMBER_NAME_MAX];

			health_member_key(m, key);
			total++;
			up += h == NULL || member_health_up(h);
			overridden +=
			    in->health != NULL &&
			    health_override_get(in->health, sv->name, key) != HEALTH_OVERRIDE_NONE;
			if (r == NULL) {
				r = json_object();
				json_object_set_new(r, "region", json_string(m->region->name));
				json_object_set_new(r, "answers", json_integer(0));
				json_array_append_new(regions, r);
				json_object_set(by_name, m->region->name, r);
			}
			json_integer_set(json_object_get(r, "answers"),
					 json_integer_value(json_object_get(r, "answers")) +
					     answers);
		}
	}
	json_decref(by_name);
	json_object_set_new(mj, "total", json_integer(total));
	json_object_set_new(mj, "up", json_integer(up));
	json_object_set_new(mj, "overridden",
			    in->health != NULL ? json_integer(overridden) : json_null());
	json_object_set_new(j, "members", mj);
	json_object_set_new(j, "answers_by_region", regions);
}

json_t *control_api_stats_json(const struct metrics_input *in)
{
	json_t *j = json_object();
	json_t *reloads = json_object();
	json_t *rrl = json_object();
	const struct snapshot *s = in->snap;

	json_object_set_new(j, "version", json_string(PACKAGE_VERSION));
	json_object_set_new(j, "serving", json_boolean(in->serving && s != NULL));
	json_object_set_new(j, "generation",
			    s != NULL ? json_integer((json_int_t)s->generation) : json_null());
	json_object_set_new(j, "age_seconds",
			    s == NULL ? json_null()
			    : in->now > s->built_at
				? json_integer((json_int_t)(in->now - s->built_at))
				: json_integer(0));
	json_object_set_new(j, "dns", dns_json(in));
	json_object_set_new(j, "transport", transport_json(in));
	json_object_set_new(reloads, "ok", json_integer((json_int_t)in->reloads_ok));
	json_object_set_new(reloads, "failed", json_integer((json_int_t)in->reloads_failed));
	json_object_set_new(j, "reloads", reloads);
	json_object_set_new(rrl, "dropped", json_integer((json_int_t)in->rrl.dropped));
	json_object_set_new(rrl, "slipped", json_integer((json_int_t)in->rrl.slipped));
	json_object_set_new(j, "rrl", rrl);
	if (s != NULL)
		members_json(j, in);
	else {
		json_object_set_new(j, "members", json_null());
		json_object_set_new(j, "answers_by_region", json_array());
	}
	return j;
}

void control_api_stats(struct metrics_input *in, struct evhttp_request *req)
{
	json_t *j;

	rcu_read_lock();
	in->snap = snapshot_get();
	rrl_stats_published(&in->rrl);
	j = control_api_stats_json(in);
	rcu_read_unlock();
	in->snap = NULL;
	reply_json(req, 200, j);
}
