/* SPDX-License-Identifier: Apache-2.0 */
/* whatif.c — a population of clients replayed through the services, now and after a change */
#include "config.h"

#include "whatif.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "answer_service.h"
#include "conf.h"
#include "dname.h"
#include "filter.h"
#include "netmap.h"
#include "query_record.h"
#include "service.h"
#include "snapshot.h"
#include "wire.h"

#define WHATIF_REPS 16 /* replays of a client through a chain with a random filter */

int whatif_client_parse(const char *text, double w, struct whatif_client *c, char *err,
			size_t errlen)
{
	struct netmap_prefix p;
	char e[160];

	memset(c, 0, sizeof(*c));
	if (netmap_parse(text, &p, e, sizeof(e)) != 0) {
		snprintf(err, errlen, "'%.60s': %s", text, e);
		return -1;
	}
	if (!(w > 0)) {
		snprintf(err, errlen, "'%.60s': weight must be above 0", text);
		return -1;
	}
	c->family = p.family;
	c->prefix = p.prefix;
	memcpy(c->addr, p.addr, sizeof(c->addr));
	c->weight = w;
	return 0;
}

/* The hypothetical world: health and regions changed, services pointing at them. */
struct world {
	struct member_health *health; /* after: a copy of the live one, changed */
	struct region *regions;	      /* after: copies with changed weights */
	struct service *services;     /* after: copies whose members point at those regions */
	struct member *members;	      /* the copies' members and fallback members */
};

static void world_free(struct world *w)
{
	free(w->health);
	free(w->regions);
	free(w->services);
	free(w->members);
}

static const struct region *region_named(const struct conf *cf, const char *name)
{
	for (size_t i = 0; i < cf->nregions; i++)
		if (strcmp(cf->regions[i].name, name) == 0)
			return &cf->regions[i];
	return NULL;
}

/* Marks m down or drained in h. */
static void mark(struct member_health *h, const struct member *m, bool down)
{
	struct member_health *mh = &h[m->health];

	if (down)
		member_health_set(mh, false, true, member_health_load(mh), member_health_rtt(mh));
	else
		member_health_set_drained(mh, true);
}

/* Marks the members target names down (or drained): a region (its members in every
 * service) or "SERVICE:INDEX". Returns 0, or -1 with a message. */
static int apply(const struct conf *cf, struct member_health *h, const char *what,
		 const char *target, bool down, char *err, size_t errlen)
{
	const struct region *r = region_named(cf, target);
	const char *colon = strrchr(target, ':');

	if (r != NULL) {
		for (size_t i = 0; i < cf->nservices; i++)
			for (size_t k = 0; k < cf->services[i].nmembers; k++)
				if (cf->services[i].members[k].region == r)
					mark(h, &cf->services[i].members[k], down);
		return 0;
	}
	if (colon != NULL) {
		char name[NAME_TEXT_MAX];
		uint8_t wire[DNAME_MAXLEN];
		char *end;
		unsigned long idx = strtoul(colon + 1, &end, 10);
		snprintf(name, sizeof(name), "%.*s", (int)(colon - target), target);
		for (size_t i = 0; colon[1] != '\0' && *end == '\0' &&
				   dname_from_str(name, wire) > 0 && i < cf->nservices;
		     i++) {
			const struct service *sv = &cf->services[i];
			if (dname_equal(sv->name, wire) && idx < sv->nmembers) {
				mark(h, &sv->members[idx], down);
				return 0;
			}
		}
	}
	snprintf(err, errlen, "%s: '%s' is neither a region nor SERVICE:INDEX of a member", what,
		 target);
	return -1;
}

/* Copies the members of n members at src into dst, pointing them at regions' copies. */
static void copy_members(const struct conf *cf, struct member *dst, const struct member *src,
			 size_t n, struct region *regions)
{
	for (size_t k = 0; k < n; k++) {
		dst[k] = src[k];
		dst[k].region = &regions[src[k].region - cf->regions];
	}
}

static int world_build(const struct snapshot *s, const struct whatif_change *c, struct world *w,
		       char *err, size_t errlen)
{
	const struct conf *cf = s->conf;
	size_t nm = 0, at = 0;

	memset(w, 0, sizeof(*w));
	for (size_t i = 0; i < cf->nservices; i++)
		nm += cf->services[i].nmembers + cf->services[i].nfallback;
	w->health = calloc(s->nhealth ? s->nhealth : 1, sizeof(*w->health));
	w->regions = calloc(cf->nregions ? cf->nregions : 1, sizeof(*w->regions));
	w->services = calloc(cf->nservices ? cf->nservices : 1, sizeof(*w->services));
	w->members = calloc(nm ? nm : 1, sizeof(*w->members));
	if (!w->health || !w->regions || !w->services || !w->members) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < s->nhealth; i++) {
		const struct member_health *lh = s->health ? &s->health[i] : NULL;
		member_health_init(&w->health[i]);
		if (lh == NULL)
			continue;
		member_health_set(&w->health[i], member_health_up(lh),
				  atomic_load_explicit(&lh->fresh, memory_order_relaxed),
				  member_health_load(lh), member_health_rtt(lh));
		member_health_set_drained(&w->health[i], member_health_drained(lh));
		member_health_set_down_addrs(&w->health[i], member_health_down_addrs(lh));
		/* runtime weights (gslbctl weight) replace the config's, as filter_weight reads */
		atomic_store(&w->health[i].region_weight, atomic_load(&lh->region_weight));
		atomic_store(&w->health[i].member_weight, atomic_load(&lh->member_weight));
	}
	memcpy(w->regions, cf->regions, cf->nregions * sizeof(*w->regions));
	for (size_t i = 0; i < c->nweight; i++) {
		const struct region *r = region_named(cf, c->weight_region[i]);
		if (r == NULL) {
			snprintf(err, errlen, "weight: no region '%s'", c->weight_region[i]);
			return -1;
		}
		w->regions[r - cf->regions].weight = c->weight[i];
		/* over a runtime weight of the region too */
		for (size_t k = 0; k < cf->nservices; k++)
			for (size_t x = 0; x < cf->services[k].nmembers; x++)
				if (cf->services[k].members[x].region == r)
					atomic_store(&w->health[cf->services[k].members[x].health]
							  .region_weight,
						     c->weight[i]);
	}
	for (size_t i = 0; i < c->ndown; i++)
		if (apply(cf, w->health, "down", c->down[i], true, err, errlen) != 0)
			return -1;
	for (size_t i = 0; i < c->ndrain; i++)
		if (apply(cf, w->health, "drain", c->drain[i], false, err, errlen) != 0)
			return -1;
	for (size_t i = 0; i < cf->nservices; i++) {
		const struct service *sv = &cf->services[i];
		struct service *cp = &w->services[i];
		*cp = *sv;
		cp->members = &w->members[at];
		copy_members(cf, cp->members, sv->members, sv->nmembers, w->regions);
		at += sv->nmembers;
		cp->fallback_members = &w->members[at];
		copy_members(cf, cp->fallback_members, sv->fallback_members, sv->nfallback,
			     w->regions);
		at += sv->nfallback;
	}
	return 0;
}

/* Per service: answers counted and shares by member, now and after. */
struct tally {
	double answers;
	double *now, *after; /* by member index */
};

struct replay {
	const struct snapshot *s;
	struct world *w;
	struct answer_ctx *ctx;
	struct tally *t;  /* by service index */
	uint32_t *hashes; /* dname_hash of each service's name */
	size_t nclients;
};

static bool chain_is_random(const struct service *sv)
{
	for (size_t i = 0; i < sv->chain.nsteps; i++) {
		const char *n = sv->chain.steps[i].def->name;
		if (!strcmp(n, "weighted") || !strcmp(n, "random") || !strcmp(n, "round_robin") ||
		    !strcmp(n, "least_loaded"))
			return true;
	}
	return false;
}

/* Adds weight to the members chosen for one client of service i, now and after. */
static void replay_one(struct replay *rp, size_t i, int family, const uint8_t *addr, uint8_t prefix,
		       uint16_t qtype, double weight)
{
	const struct service *sv = &rp->s->conf->services[i];
	const struct member *m[SERVICE_MAX_MEMBERS];
	int reps = chain_is_random(sv) ? WHATIF_REPS : 1;
	struct tally *t = &rp->t[i];

	t->answers += weight;
	for (int r = 0; r < reps; r++) {
		size_t n = service_choose(rp->ctx, rp->s, sv, rp->s->health, family, addr, prefix,
					  qtype, m, NULL);
		for (size_t k = 0; k < n; k++)
			if (m[k]->index < sv->nmembers && m[k] == &sv->members[m[k]->index])
				t->now[m[k]->index] += weight / reps / (double)n;
		n = service_choose(rp->ctx, rp->s, &rp->w->services[i], rp->w->health, family, addr,
				   prefix, qtype, m, NULL);
		for (size_t k = 0; k < n; k++)
			if (m[k]->index < sv->nmembers &&
			    m[k] == &rp->w->services[i].members[m[k]->index])
				t->after[m[k]->index] += weight / reps / (double)n;
	}
}

/* qrec_foreach callback: a recorded cell replayed through its service. */
static void replay_cell(const struct qrec_cell *c, uint64_t count, void *arg)
{
	struct replay *rp = arg;
	const struct conf *cf = rp->s->conf;

	for (size_t i = 0; i < cf->nservices; i++) {
		if (rp->hashes[i] != c->svc)
			continue;
		replay_one(rp, i, c->family, c->addr, c->prefix, c->qtype, (double)count);
		rp->nclients++;
		return;
	}
}

static json_t *share(double v, double total)
{
	return json_real(total > 0 ? v / total : 0);
}

static json_t *service_json(const struct service *sv, const struct tally *t, json_t *over)
{
	json_t *j = json_object(), *regions = json_array(), *members = json_array();
	char name[NAME_TEXT_MAX];

	if (dname_to_str(sv->name, name, sizeof(name)) != 0)
		name[0] = '\0';
	json_object_set_new(j, "name", json_string(name));
	json_object_set_new(j, "answers", json_real(t->answers));
	for (size_t k = 0; k < sv->nmembers; k++) {
		const struct member *m = &sv->members[k];
		json_t *mj = json_object();
		bool is_over = m->capacity > 0 && t->answers > 0 &&
			       t->after[k] / t->answers > m->capacity + 1e-9;
		json_object_set_new(mj, "index", json_integer(k));
		json_object_set_new(mj, "region", json_string(m->region->name));
		json_object_set_new(mj, "now", share(t->now[k], t->answers));
		json_object_set_new(mj, "after", share(t->after[k], t->answers));
		json_object_set_new(mj, "capacity",
				    m->capacity > 0 ? json_real(m->capacity) : json_null());
		json_object_set_new(mj, "over", json_boolean(is_over));
		json_array_append_new(members, mj);
		if (is_over) {
			char o[NAME_TEXT_MAX + 80];
			snprintf(o, sizeof(o), "%s #%zu (%s)", name, k, m->region->name);
			json_array_append_new(over, json_string(o));
		}
	}
	/* regions in the order they first appear among the members */
	for (size_t k = 0; k < sv->nmembers; k++) {
		const struct region *r = sv->members[k].region;
		double now = 0, after = 0, cap = 0;
		bool seen = false, capped = true;
		for (size_t x = 0; x < k && !seen; x++)
			seen = sv->members[x].region == r;
		if (seen)
			continue;
		for (size_t x = k; x < sv->nmembers; x++) {
			if (sv->members[x].region != r)
				continue;
			now += t->now[x];
			after += t->after[x];
			cap += sv->members[x].capacity;
			capped = capped && sv->members[x].capacity > 0;
		}
		bool is_over = capped && t->answers > 0 && after / t->answers > cap + 1e-9;
		json_t *rj = json_object();
		json_object_set_new(rj, "region", json_string(r->name));
		json_object_set_new(rj, "now", share(now, t->answers));
		json_object_set_new(rj, "after", share(after, t->answers));
		json_object_set_new(rj, "capacity", capped ? json_real(cap) : json_null());
		json_object_set_new(rj, "over", json_boolean(is_over));
		json_array_append_new(regions, rj);
	}
	json_object_set_new(j, "regions", regions);
	json_object_set_new(j, "members", members);
	return j;
}

json_t *whatif_json(const struct snapshot *s, const struct whatif_change *c, char *err,
		    size_t errlen)
{
	const struct conf *cf = s->conf;
	struct world w;
	struct replay rp = {.s = s, .w = &w};
	json_t *j = NULL;
	double *cells = NULL;
	size_t nm = 0;

	if (world_build(s, c, &w, err, errlen) != 0)
		goto out;
	for (size_t i = 0; i < cf->nservices; i++)
		nm += cf->services[i].nmembers;
	rp.ctx = calloc(1, sizeof(*rp.ctx));
	rp.t = calloc(cf->nservices ? cf->nservices : 1, sizeof(*rp.t));
	rp.hashes = calloc(cf->nservices ? cf->nservices : 1, sizeof(*rp.hashes));
	cells = calloc(2 * (nm ? nm : 1), sizeof(*cells));
	if (!rp.ctx || !rp.t || !rp.hashes || !cells) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0, at = 0; i < cf->nservices; i++) {
		rp.t[i].now = &cells[at];
		rp.t[i].after = &cells[nm + at];
		at += cf->services[i].nmembers;
		rp.hashes[i] = cf->services[i].name_hash;
	}
	if (c->clients != NULL) {
		/* a given population asks every service for A (AAAA from IPv6 clients) */
		for (size_t k = 0; k < c->nclients; k++)
			for (size_t i = 0; i < cf->nservices; i++)
				replay_one(&rp, i, c->clients[k].family, c->clients[k].addr,
					   c->clients[k].prefix, TYPE_A, c->clients[k].weight);
		rp.nclients = c->nclients;
	} else {
		qrec_foreach(qrec_epoch(), replay_cell, &rp);
	}
	j = json_object();
	json_t *services = json_array(), *over = json_array();
	for (size_t i = 0; i < cf->nservices; i++)
		if (rp.t[i].answers > 0)
			json_array_append_new(services,
					      service_json(&cf->services[i], &rp.t[i], over));
	json_object_set_new(j, "population",
			    json_string(c->clients != NULL ? "clients" : "recorded"));
	json_object_set_new(j, "window_seconds", json_integer(QREC_EPOCH_S * 2));
	json_object_set_new(j, "clients", json_integer((json_int_t)rp.nclients));
	json_object_set_new(j, "services", services);
	json_object_set_new(j, "over_capacity", over);
out:
	world_free(&w);
	if (rp.ctx != NULL)
		answer_ctx_release(rp.ctx);
	free(rp.ctx);
	free(rp.t);
	free(rp.hashes);
	free(cells);
	return j;
}

/* ------------------------------------------------------------ flows */

#define FLOWS_MAX 4096 /* distinct (place, region) pairs gathered */

struct flow {
	double lat, lon; /* the client's place, rounded to a degree */
	const struct region *region;
	double answers;
};

struct flows {
	const struct snapshot *s;
	struct answer_ctx *ctx;
	const uint32_t *hashes;
	struct flow *f;
	size_t n;
};

/* qrec_foreach callback: where the cell's clients are and the region answering them now. */
static void flow_cell(const struct qrec_cell *c, uint64_t count, void *arg)
{
	struct flows *fl = arg;
	const struct conf *cf = fl->s->conf;
	const struct member *m[SERVICE_MAX_MEMBERS];
	struct flt_client client;

	for (size_t i = 0; i < cf->nservices; i++) {
		if (fl->hashes[i] != c->svc)
			continue;
		size_t n = service_choose(fl->ctx, fl->s, &cf->services[i], fl->s->health,
					  c->family, c->addr, c->prefix, c->qtype, m, &client);
		if (n == 0 || !client.has_location)
			return;
		double lat = (double)(long)(client.lat + (client.lat < 0 ? -0.5 : 0.5));
		double lon = (double)(long)(client.lon + (client.lon < 0 ? -0.5 : 0.5));
		for (size_t k = 0; k < fl->n; k++)
			if (fl->f[k].lat == lat && fl->f[k].lon == lon &&
			    fl->f[k].region == m[0]->region) {
				fl->f[k].answers += (double)count;
				return;
			}
		if (fl->n < FLOWS_MAX)
			fl->f[fl->n++] = (struct flow){lat, lon, m[0]->region, (double)count};
		return;
	}
}

static int by_answers(const void *a, const void *b)
{
	double x = ((const struct flow *)a)->answers, y = ((const struct flow *)b)->answers;

	return x < y ? 1 : x > y ? -1 : 0;
}

json_t *whatif_flows_json(const struct snapshot *s, size_t max, char *err, size_t errlen)
{
	const struct conf *cf = s->conf;
	struct flows fl = {.s = s};
	uint32_t *hashes = calloc(cf->nservices ? cf->nservices : 1, sizeof(*hashes));
	json_t *j = NULL, *a;

	fl.ctx = calloc(1, sizeof(*fl.ctx));
	fl.f = calloc(FLOWS_MAX, sizeof(*fl.f));
	fl.hashes = hashes;
	if (hashes == NULL || fl.ctx == NULL || fl.f == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < cf->nservices; i++)
		hashes[i] = cf->services[i].name_hash;
	qrec_foreach(qrec_epoch(), flow_cell, &fl);
	qsort(fl.f, fl.n, sizeof(*fl.f), by_answers);
	j = json_object();
	a = json_array();
	for (size_t k = 0; k < fl.n && k < max; k++) {
		json_t *f = json_object();
		json_object_set_new(f, "lat", json_real(fl.f[k].lat));
		json_object_set_new(f, "lon", json_real(fl.f[k].lon));
		json_object_set_new(f, "region", json_string(fl.f[k].region->name));
		json_object_set_new(f, "region_lat", json_real(fl.f[k].region->lat));
		json_object_set_new(f, "region_lon", json_real(fl.f[k].region->lon));
		json_object_set_new(f, "answers", json_real(fl.f[k].answers));
		json_array_append_new(a, f);
	}
	json_object_set_new(j, "window_seconds", json_integer(QREC_EPOCH_S * 2));
	json_object_set_new(j, "flows", a);
out:
	free(hashes);
	if (fl.ctx != NULL)
		answer_ctx_release(fl.ctx);
	free(fl.ctx);
	free(fl.f);
	return j;
}
