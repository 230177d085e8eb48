/* SPDX-License-Identifier: Apache-2.0 */
/* health.c — combining probe reports into member health, and the overrides it publishes */
#include "config.h"

#include "health.h"

#include "clock.h"

#include "dname.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One prober's last word on one target. */
struct vote {
	uint32_t prober; /* index in s->probers */
	bool up;
	uint32_t rtt_us;
	uint32_t load_permille;
	uint64_t at_ms;		 /* when gslbd received it */
	uint64_t last_change_ms; /* as the prober reported */
};

/* One address of a member (family 0: the member as a whole). */
struct target {
	uint8_t family;
	uint8_t addr[16];
	struct vote *votes;
	size_t nvotes;
	bool up; /* combined */
	bool fresh;
	uint64_t addr_bits; /* the member's addresses it stands for (member_health.down_addrs) */
	uint32_t rtt_us, load_permille; /* means over fresh votes, or REPORT_UNKNOWN */
	uint64_t stale_since_ms;	/* grace runs from here when no vote is fresh */
};

/* One member, by (service, index): survives reloads and holds its votes. Its override is
 * the one kept under its name (struct health_override_entry), copied in when bound. */
struct mrec {
	uint8_t *service; /* lowercased wire name */
	uint32_t index;
	int64_t slot;			     /* in s->pub, or -1 when not in the bound snapshot */
	char name[HEALTH_MEMBER_NAME_MAX];   /* its override key while bound, else "" */
	char region[HEALTH_REGION_NAME_MAX]; /* its region's name while bound */
	uint32_t rweight, mweight;	     /* runtime weights, or MEMBER_WEIGHT_CONFIG */
	struct target *targets;
	size_t ntargets;
	enum health_override ovr;
	bool up, fresh; /* as last published */
};

/* A free slot (an expired prober, kept so that votes' indices stay valid) has id "". */
struct prober {
	char id[CONF_ID_MAX + 1];
	uint64_t last_seq;
	uint64_t parts[REPORT_MAX_PARTS / 64]; /* parts of last_seq seen */
	uint64_t last_ms;
	bool warm; /* known from health.state_file only: no report since the start */
};

struct health_state {
	pthread_mutex_t lock;
	/* parameters, from conf_health */
	int quorum;
	uint64_t stale_ms, grace_ms, skew_ms;
	uint64_t start_ms; /* reports stamped before are rejected */
	bool default_up;
	char *state_file; /* NULL = none */
	/* members: array plus an open-addressing index (size a power of two, > 2 × n) */
	struct mrec *m;
	size_t nm, capm;
	uint32_t *idx; /* m index + 1; 0 = empty */
	size_t nidx;
	/* the overrides in force, in the order first set, by (service, member name): reordering
	 * members in the file does not move one, and it outlives the member leaving the config */
	struct health_override_entry *ov;
	size_t nov;
	struct health_weight_entry *wt; /* the runtime weights (gslbctl weight) */
	size_t nwt;
	struct health_history hist[HEALTH_HISTORY]; /* a ring: entry seq % HEALTH_HISTORY */
	uint64_t nhist;
	struct prober *probers;
	size_t nprobers, capprobers;
	struct member_health *pub; /* the bound snapshot's array */
	size_t npub;
	/* warm starts: what the state file needs (health_save_due) */
	bool present;		  /* a health section: readiness waits for probers */
	bool dirty_change;	  /* a vote or a target changed state, a vote came or went */
	bool dirty_refresh;	  /* votes were refreshed */
	bool eval_due;		  /* a vote changed since the last health_evaluate */
	uint64_t saved_ms;	  /* when health_save_due last said yes */
	bool ready;		  /* latched by health_evaluate (health_readiness) */
	const char *ready_reason; /* "reports", "warm", "no_health" */
};

static uint64_t secs_to_ms(double s)
{
	return s <= 0 ? 0 : (uint64_t)(s * 1000.0 + 0.5);
}

static int set_params(struct health_state *s, const struct conf_health *h)
{
	char *file = NULL;

	if (h->state_file && h->state_file[0]) {
		file = strdup(h->state_file);
		if (!file)
			return -ENOMEM;
	}
	free(s->state_file);
	s->state_file = file;
	s->quorum = h->quorum < 1 ? 1 : h->quorum;
	s->stale_ms = secs_to_ms(h->stale_after);
	s->grace_ms = secs_to_ms(h->grace);
	s->skew_ms = secs_to_ms(h->max_clock_skew);
	s->default_up = h->default_up;
	s->present = h->present;
	return 0;
}

struct health_state *health_new(const struct conf_health *h, uint64_t now_ms)
{
	struct health_state *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return NULL;
	}
	if (set_params(s, h) < 0) {
		health_free(s);
		return NULL;
	}
	s->start_ms = now_ms;
	return s;
}

void health_free(struct health_state *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nm; i++) {
		for (size_t j = 0; j < s->m[i].ntargets; j++)
			free(s->m[i].targets[j].votes);
		free(s->m[i].targets);
		free(s->m[i].service);
	}
	free(s->m);
	free(s->idx);
	free(s->ov);
	free(s->wt);
	free(s->probers);
	free(s->state_file);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int health_configure(struct health_state *s, const struct conf_health *h)
{
	pthread_mutex_lock(&s->lock);
	int ret = set_params(s, h);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/* ---- member index ---- */

static uint32_t mhash(const uint8_t *service, uint32_t index)
{
	uint32_t h = dname_hash(service);

	return (h ^ index) * 2654435761u;
}

/* service must be a well-formed wire name; any case. */
static struct mrec *mfind(struct health_state *s, const uint8_t *name, uint32_t index)
{
	uint8_t service[DNAME_MAXLEN];

	if (!s->nidx)
		return NULL;
	dname_copy_lower(service, name);
	for (size_t i = mhash(service, index) & (s->nidx - 1);; i = (i + 1) & (s->nidx - 1)) {
		uint32_t k = s->idx[i];

		if (!k)
			return NULL;
		struct mrec *m = &s->m[k - 1];
		if (m->index == index && dname_equal(m->service, service))
			return m;
	}
}

static int reindex(struct health_state *s, size_t nidx)
{
	uint32_t *idx = calloc(nidx, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (size_t k = 0; k < s->nm; k++) {
		size_t i = mhash(s->m[k].service, s->m[k].index) & (nidx - 1);

		while (idx[i])
			i = (i + 1) & (nidx - 1);
		idx[i] = (uint32_t)k + 1;
	}
	free(s->idx);
	s->idx = idx;
	s->nidx = nidx;
	return 0;
}

/* Finds or adds the record; NULL when out of memory. Pointers into s->m move on add. */
static struct mrec *mget(struct health_state *s, const uint8_t *service, uint32_t index)
{
	struct mrec *m = mfind(s, service, index);

	if (m)
		return m;
	if (s->nm == s->capm) {
		size_t cap = s->capm ? s->capm * 2 : 64;
		struct mrec *v = realloc(s->m, cap * sizeof(*v));

		if (!v)
			return NULL;
		s->m = v;
		s->capm = cap;
	}
	if ((s->nm + 1) * 2 > s->nidx && reindex(s, s->nidx ? s->nidx * 2 : 128) < 0)
		return NULL;
	m = &s->m[s->nm];
	memset(m, 0, sizeof(*m));
	m->service = malloc(dname_len(service));
	if (!m->service)
		return NULL;
	dname_copy_lower(m->service, service);
	m->index = index;
	m->slot = -1;
	m->rweight = m->mweight = MEMBER_WEIGHT_CONFIG;
	m->up = s->default_up;
	s->nm++;
	size_t i = mhash(m->service, index) & (s->nidx - 1);
	while (s->idx[i])
		i = (i + 1) & (s->nidx - 1);
	s->idx[i] = (uint32_t)s->nm;
	return m;
}

/* ---- publishing ---- */

static void mean_add(uint64_t *sum, size_t *n, uint32_t v)
{
	if (v == REPORT_UNKNOWN)
		return;
	*sum += v;
	(*n)++;
}

static uint32_t mean(uint64_t sum, size_t n)
{
	return n ? (uint32_t)(sum / n) : REPORT_UNKNOWN;
}

/* Combines the member's targets with its override and stores the atomics; returns whether
 * up changed. A member is up while any of its addresses is; the down ones are published in
 * down_addrs and left out of answers. */
static bool publish(struct health_state *s, struct mrec *m)
{
	bool up = false, fresh = false, was = m->up;
	uint64_t rsum = 0, lsum = 0, down = 0;
	size_t rn = 0, ln = 0;

	for (size_t i = 0; i < m->ntargets; i++) {
		const struct target *t = &m->targets[i];

		up = up || t->up;
		if (!t->up)
			down |= t->addr_bits;
		if (!t->fresh)
			continue;
		fresh = true;
		mean_add(&rsum, &rn, t->rtt_us);
		mean_add(&lsum, &ln, t->load_permille);
	}
	if (m->ntargets == 0)
		up = s->default_up;
	if (m->ovr == HEALTH_OVERRIDE_UP)
		up = true;
	else if (m->ovr == HEALTH_OVERRIDE_DOWN || m->ovr == HEALTH_OVERRIDE_DRAIN)
		up = false;
	if (!up || m->ovr == HEALTH_OVERRIDE_UP)
		down = 0; /* forced up: every address; down: failing open hands out every one */
	m->up = up;
	m->fresh = fresh;
	if (m->slot >= 0 && (size_t)m->slot < s->npub) {
		member_health_set_drained(&s->pub[m->slot], m->ovr == HEALTH_OVERRIDE_DRAIN);
		member_health_set_down_addrs(&s->pub[m->slot], down);
		atomic_store_explicit(&s->pub[m->slot].region_weight, m->rweight,
				      memory_order_relaxed);
		atomic_store_explicit(&s->pub[m->slot].member_weight, m->mweight,
				      memory_order_relaxed);
		member_health_set(&s->pub[m->slot], up, fresh, mean(lsum, ln), mean(rsum, rn));
	}
	return up != was;
}

/* ---- binding a snapshot ---- */

static struct target *tfind(struct mrec *m, uint8_t family, const uint8_t *addr)
{
	size_t al = family == 4 ? 4 : family == 6 ? 16 : 0;

	for (size_t i = 0; i < m->ntargets; i++)
		if (m->targets[i].family == family && !memcmp(m->targets[i].addr, addr, al))
			return &m->targets[i];
	return NULL;
}

/* The member's new target list: kept targets keep their votes. */
static int rebind_targets(struct health_state *s, struct mrec *m, const struct member *mb,
			  uint64_t now_ms)
{
	size_t n = mb->nipv4 + mb->nipv6 + (mb->cname ? 1 : 0);
	struct target *v = calloc(n ? n : 1, sizeof(*v));
	size_t k = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct target *t = &v[k];
		uint8_t addr[16] = {0};
		uint8_t family;

		if (i < mb->nipv4) {
			family = 4;
			memcpy(addr, mb->ipv4[i], 4);
		} else if (i < mb->nipv4 + mb->nipv6) {
			family = 6;
			memcpy(addr, mb->ipv6[i - mb->nipv4], 16);
		} else {
			family = 0;
		}
		uint64_t bit = family && i < MEMBER_MAX_MARKED_ADDRS ? UINT64_C(1) << i : 0;
		struct target *old = tfind(m, family, addr);
		bool dup = false;
		for (size_t j = 0; j < k && !dup; j++) {
			dup = v[j].family == family && !memcmp(v[j].addr, addr, 16);
			if (dup)
				v[j].addr_bits |= bit; /* an address listed twice is one target */
		}
		if (dup)
			continue;
		if (old) {
			*t = *old;
			old->votes = NULL; /* moved */
		} else {
			t->family = family;
			memcpy(t->addr, addr, 16);
			t->up = s->default_up;
			t->rtt_us = t->load_permille = REPORT_UNKNOWN;
			t->stale_since_ms = now_ms;
		}
		t->addr_bits = bit;
		k++;
	}
	for (size_t i = 0; i < m->ntargets; i++)
		free(m->targets[i].votes);
	free(m->targets);
	m->targets = v;
	m->ntargets = k;
	return 0;
}

/* ---- overrides by member name ---- */

void health_member_key(const struct member *mb, char out[HEALTH_MEMBER_NAME_MAX])
{
	if (mb->name)
		snprintf(out, HEALTH_MEMBER_NAME_MAX, "%s", mb->name);
	else
		snprintf(out, HEALTH_MEMBER_NAME_MAX, "#%u", mb->index);
}

/* service lowercased */
static struct health_override_entry *ofind(struct health_state *s, const uint8_t *service,
					   const char *member)
{
	for (size_t i = 0; i < s->nov; i++)
		if (!strcmp(s->ov[i].ref.member, member) &&
		    dname_equal(s->ov[i].ref.service, service))
			return &s->ov[i];
	return NULL;
}

/* The bound record of (service, member name), or NULL. */
static struct mrec *mbound(struct health_state *s, const uint8_t *service, const char *member)
{
	for (size_t i = 0; i < s->nm; i++)
		if (s->m[i].slot >= 0 && !strcmp(s->m[i].name, member) &&
		    dname_equal(s->m[i].service, service))
			return &s->m[i];
	return NULL;
}

/* ---- history ---- */

static void remember(struct health_state *s, const struct health_override_meta *meta,
		     const char *was, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void remember(struct health_state *s, const struct health_override_meta *meta,
		     const char *was, const char *fmt, ...)
{
	struct health_history *h = &s->hist[s->nhist % HEALTH_HISTORY];
	va_list ap;

	memset(h, 0, sizeof(*h));
	h->seq = ++s->nhist;
	h->meta = meta ? *meta : (struct health_override_meta){.origin = "local"};
	h->at_ms = h->meta.at_ms ? h->meta.at_ms : clock_wall_ms();
	snprintf(h->was, sizeof(h->was), "%s", was);
	va_start(ap, fmt);
	vsnprintf(h->what, sizeof(h->what), fmt, ap);
	va_end(ap);
}

void health_restore_history(struct health_state *s, const struct health_history *h, size_t n)
{
	/* the newest HEALTH_HISTORY, after what is in memory already: a restart's trail comes
	 * first, then what happened since */
	size_t first = n > HEALTH_HISTORY ? n - HEALTH_HISTORY : 0;
	uint64_t had = s->nhist;
	struct health_history keep[HEALTH_HISTORY];
	size_t nkeep = 0;

	for (uint64_t i = had > HEALTH_HISTORY ? had - HEALTH_HISTORY : 0; i < had; i++)
		keep[nkeep++] = s->hist[i % HEALTH_HISTORY];
	s->nhist = 0;
	for (size_t i = first; i < n; i++) {
		s->hist[s->nhist % HEALTH_HISTORY] = h[i];
		s->hist[s->nhist % HEALTH_HISTORY].seq = s->nhist + 1;
		s->nhist++;
	}
	for (size_t i = 0; i < nkeep; i++) {
		s->hist[s->nhist % HEALTH_HISTORY] = keep[i];
		s->hist[s->nhist % HEALTH_HISTORY].seq = s->nhist + 1;
		s->nhist++;
	}
}

void health_foreach_history(struct health_state *s,
			    void (*fn)(const struct health_history *h, void *arg), void *arg)
{
	uint64_t first = s->nhist > HEALTH_HISTORY ? s->nhist - HEALTH_HISTORY : 0;

	for (uint64_t i = first; i < s->nhist; i++)
		fn(&s->hist[i % HEALTH_HISTORY], arg);
}

/* ---- runtime weights ---- */

static bool wref_equal(const struct health_weight_ref *a, const struct health_weight_ref *b)
{
	return a->kind == b->kind && !strcmp(a->name, b->name) &&
	       (a->kind == HEALTH_WEIGHT_REGION || dname_equal(a->service, b->service));
}

static struct health_weight_entry *wfind(struct health_state *s, const struct health_weight_ref *r)
{
	for (size_t i = 0; i < s->nwt; i++)
		if (wref_equal(&s->wt[i].ref, r))
			return &s->wt[i];
	return NULL;
}

/* m's runtime weights from the table. */
static void weights_of(struct health_state *s, struct mrec *m)
{
	struct health_weight_ref r = {.kind = HEALTH_WEIGHT_REGION};
	const struct health_weight_entry *w;

	snprintf(r.name, sizeof(r.name), "%s", m->region);
	w = wfind(s, &r);
	m->rweight = w ? w->weight : MEMBER_WEIGHT_CONFIG;
	r.kind = HEALTH_WEIGHT_MEMBER;
	dname_copy_lower(r.service, m->service);
	snprintf(r.name, sizeof(r.name), "%s", m->name);
	w = wfind(s, &r);
	m->mweight = w ? w->weight : MEMBER_WEIGHT_CONFIG;
}

static void publish_weights(struct health_state *s)
{
	for (size_t i = 0; i < s->nm; i++) {
		if (s->m[i].slot < 0)
			continue;
		weights_of(s, &s->m[i]);
		publish(s, &s->m[i]);
	}
}

int health_put_weight(struct health_state *s, const struct health_weight_ref *ref, uint32_t weight,
		      const struct health_override_meta *meta)
{
	struct health_weight_ref r = *ref;
	struct health_weight_entry *w;

	if (strlen(ref->name) >= HEALTH_MEMBER_NAME_MAX)
		return -EINVAL;
	if (r.kind == HEALTH_WEIGHT_MEMBER)
		dname_copy_lower(r.service, ref->service);
	else
		memset(r.service, 0, sizeof(r.service));
	w = wfind(s, &r);
	char wtext[16] = "clear", wastext[16] = "config";
	if (w)
		snprintf(wastext, sizeof(wastext), "%u", w->weight);
	if (weight == MEMBER_WEIGHT_CONFIG) {
		if (!w)
			return 0;
		*w = s->wt[--s->nwt];
	} else {
		if (!w) {
			struct health_weight_entry *v = realloc(s->wt, (s->nwt + 1) * sizeof(*v));

			if (!v)
				return -ENOMEM;
			s->wt = v;
			w = &s->wt[s->nwt++];
			w->ref = r;
		}
		w->weight = weight;
		w->meta = meta ? *meta : (struct health_override_meta){.origin = "local"};
	}
	if (weight != MEMBER_WEIGHT_CONFIG)
		snprintf(wtext, sizeof(wtext), "%u", weight);
	remember(s, meta, wastext, "%s %s weight %s",
		 r.kind == HEALTH_WEIGHT_REGION ? "region" : "member", r.name, wtext);
	log_info("event=weight kind=%s name=%s weight=%s%u origin=%s who=\"%s\" why=\"%s\"",
		 r.kind == HEALTH_WEIGHT_REGION ? "region" : "member", r.name,
		 weight == MEMBER_WEIGHT_CONFIG ? "config" : "",
		 weight == MEMBER_WEIGHT_CONFIG ? 0 : weight,
		 meta && meta->origin ? meta->origin : "local", meta ? meta->who : "",
		 meta ? meta->why : "");
	publish_weights(s);
	return 0;
}

uint32_t health_get_weight(struct health_state *s, const struct health_weight_ref *ref,
			   struct health_override_meta *meta)
{
	struct health_weight_ref r = *ref;

	if (r.kind == HEALTH_WEIGHT_MEMBER)
		dname_copy_lower(r.service, ref->service);
	const struct health_weight_entry *w = wfind(s, &r);
	if (meta)
		*meta = w ? w->meta : (struct health_override_meta){0};
	return w ? w->weight : MEMBER_WEIGHT_CONFIG;
}

void health_foreach_weight(struct health_state *s,
			   void (*fn)(const struct health_weight_ref *ref, uint32_t weight,
				      const struct health_override_meta *meta, void *arg),
			   void *arg)
{
	for (size_t i = 0; i < s->nwt; i++)
		fn(&s->wt[i].ref, s->wt[i].weight, &s->wt[i].meta, arg);
}

int health_replace_weights(struct health_state *s, const struct health_weight_entry *w, size_t n)
{
	struct health_weight_entry *v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i] = w[i];
		if (w[i].ref.kind == HEALTH_WEIGHT_MEMBER)
			dname_copy_lower(v[i].ref.service, w[i].ref.service);
	}
	free(s->wt);
	s->wt = v;
	s->nwt = n;
	publish_weights(s);
	return 0;
}

/* A state file written before members had names keys overrides by index ("#<index>"): the
 * first bind gives each such override the name of the member at that index, once. */
static void rename_legacy(struct health_state *s, const struct service *services, size_t n)
{
	for (size_t i = 0; i < s->nov; i++) {
		struct health_override_entry *o = &s->ov[i];
		char *end;

		if (o->ref.member[0] != '#')
			continue;
		unsigned long idx = strtoul(o->ref.member + 1, &end, 10);
		for (size_t k = 0; k < n && !*end; k++) {
			char key[HEALTH_MEMBER_NAME_MAX];

			if (!dname_equal(services[k].name, o->ref.service) ||
			    idx >= services[k].nmembers)
				continue;
			health_member_key(&services[k].members[idx], key);
			if (ofind(s, o->ref.service, key))
				break; /* the name has an override of its own: it wins */
			log_info("event=override_named member=%s name=%s", o->ref.member, key);
			snprintf(o->ref.member, sizeof(o->ref.member), "%s", key);
			break;
		}
	}
}

int health_bind(struct health_state *s, const struct service *services, size_t nservices,
		struct member_health *slots, size_t nslots, uint64_t now_ms)
{
	pthread_mutex_lock(&s->lock);
	/* Records first, so that nothing is half-bound when memory runs out. */
	for (size_t i = 0; i < nservices; i++) {
		for (size_t j = 0; j < services[i].nmembers; j++) {
			if (!mget(s, services[i].name, services[i].members[j].index)) {
				pthread_mutex_unlock(&s->lock);
				return -ENOMEM;
			}
		}
	}
	rename_legacy(s, services, nservices);
	for (size_t i = 0; i < s->nm; i++) {
		s->m[i].slot = -1;
		s->m[i].name[0] = '\0';
		s->m[i].ovr = HEALTH_OVERRIDE_NONE;
	}
	s->pub = slots;
	s->npub = nslots;
	for (size_t i = 0; i < nslots; i++)
		member_health_init(&slots[i]);
	for (size_t i = 0; i < nservices; i++) {
		for (size_t j = 0; j < services[i].nmembers; j++) {
			const struct member *mb = &services[i].members[j];
			struct mrec *m = mfind(s, services[i].name, mb->index);

			if (mb->health >= nslots)
				continue; /* a loader bug; the member reads as never published */
			if (rebind_targets(s, m, mb, now_ms) < 0)
				log_err("event=health_bind error=\"out of memory\"");
			m->slot = mb->health;
			health_member_key(mb, m->name);
			snprintf(m->region, sizeof(m->region), "%s", mb->region->name);
			const struct health_override_entry *o = ofind(s, m->service, m->name);
			m->ovr = o ? o->o : HEALTH_OVERRIDE_NONE;
			weights_of(s, m);
			publish(s, m);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* ---- reports ---- */

static uint64_t idle_limit_ms(const struct health_state *s)
{
	uint64_t ms = s->stale_ms * HEALTH_PROBER_IDLE_STALES;

	if (s->grace_ms > ms)
		ms = s->grace_ms;
	if (s->skew_ms * 2 > ms)
		ms = s->skew_ms * 2;
	return ms;
}

/* Drops prober pi's votes; the grace of a target left without votes keeps counting from
 * them, as evaluate_target would have recorded. */
static void drop_votes(struct health_state *s, uint32_t pi)
{
	for (size_t i = 0; i < s->nm; i++) {
		for (size_t j = 0; j < s->m[i].ntargets; j++) {
			struct target *t = &s->m[i].targets[j];
			size_t k = 0;

			for (size_t n = 0; n < t->nvotes; n++) {
				const struct vote *v = &t->votes[n];

				if (v->prober != pi) {
					t->votes[k++] = *v;
					continue;
				}
				if (v->at_ms + s->stale_ms > t->stale_since_ms)
					t->stale_since_ms = v->at_ms + s->stale_ms;
			}
			t->nvotes = k;
		}
	}
}

static size_t expire(struct health_state *s, uint64_t now_ms)
{
	uint64_t limit = idle_limit_ms(s);
	size_t n = 0;

	for (size_t i = 0; i < s->nprobers; i++) {
		struct prober *p = &s->probers[i];

		if (!p->id[0] || now_ms < p->last_ms || now_ms - p->last_ms <= limit)
			continue;
		log_info("event=prober_expired prober=%s idle_ms=%llu", p->id,
			 (unsigned long long)(now_ms - p->last_ms));
		drop_votes(s, (uint32_t)i);
		memset(p, 0, sizeof(*p));
		s->dirty_change = true;
		n++;
	}
	/* free slots at the end shrink the table; inner ones are reused */
	while (s->nprobers && !s->probers[s->nprobers - 1].id[0])
		s->nprobers--;
	return n;
}

size_t health_expire(struct health_state *s, uint64_t now_ms)
{
	pthread_mutex_lock(&s->lock);
	size_t n = expire(s, now_ms);
	pthread_mutex_unlock(&s->lock);
	return n;
}

static struct prober *prober_get(struct health_state *s, const char *id, size_t len,
				 uint64_t now_ms)
{
	struct prober *free_slot = NULL;

	if (len == 0 || len > CONF_ID_MAX)
		return NULL;
	for (size_t i = 0; i < s->nprobers; i++) {
		if (!s->probers[i].id[0] && !free_slot)
			free_slot = &s->probers[i];
		if (strlen(s->probers[i].id) == len && !memcmp(s->probers[i].id, id, len))
			return &s->probers[i];
	}
	if (!free_slot && s->nprobers == HEALTH_MAX_PROBERS && expire(s, now_ms) > 0)
		return prober_get(s, id, len, now_ms); /* once: the table has room now */
	if (free_slot) {
		memcpy(free_slot->id, id, len);
		return free_slot;
	}
	if (s->nprobers == HEALTH_MAX_PROBERS)
		return NULL;
	if (s->nprobers == s->capprobers) {
		size_t cap = s->capprobers ? s->capprobers * 2 : 8;
		struct prober *v = realloc(s->probers, cap * sizeof(*v));

		if (!v)
			return NULL;
		s->probers = v;
		s->capprobers = cap;
	}
	struct prober *p = &s->probers[s->nprobers++];
	memset(p, 0, sizeof(*p));
	memcpy(p->id, id, len);
	return p;
}

/* Records e as prober's vote on t at now; *changed when it counts differently than before
 * (a first vote, another state, or one that was stale: stale_ms). */
static int vote(struct target *t, uint32_t prober, const struct report_entry *e, uint64_t now,
		uint64_t stale_ms, bool *changed)
{
	struct vote *v = NULL;

	for (size_t i = 0; i < t->nvotes; i++)
		if (t->votes[i].prober == prober)
			v = &t->votes[i];
	if (!v) {
		struct vote *nv = realloc(t->votes, (t->nvotes + 1) * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		t->votes = nv;
		v = &t->votes[t->nvotes++];
		v->prober = prober;
		v->up = !e->up; /* a new vote is a change */
	}
	if (v->up != e->up || now < v->at_ms || now - v->at_ms > stale_ms)
		*changed = true;
	v->up = e->up;
	v->rtt_us = e->rtt_us;
	v->load_permille = e->load_permille;
	v->last_change_ms = e->last_change_ms;
	v->at_ms = now;
	return 0;
}

int health_apply_report(struct health_state *s, const struct report_view *v, uint64_t now_ms,
			const char **reason)
{
	int applied = 0;

	*reason = NULL;
	pthread_mutex_lock(&s->lock);
	/* written so that no sum can wrap, whatever the datagram says */
	if (v->timestamp_ms > now_ms && v->timestamp_ms - now_ms > s->skew_ms) {
		*reason = REPORT_R_FUTURE_TIMESTAMP;
		applied = -ESTALE;
		goto out;
	}
	if (v->timestamp_ms < now_ms && now_ms - v->timestamp_ms > s->skew_ms) {
		*reason = REPORT_R_STALE_TIMESTAMP;
		applied = -ESTALE;
		goto out;
	}
	if (v->timestamp_ms < s->start_ms) {
		*reason = HEALTH_R_BEFORE_START;
		applied = -ESTALE;
		goto out;
	}
	struct prober *p = prober_get(s, v->prober, v->prober_len, now_ms);
	if (!p) {
		*reason = HEALTH_R_TOO_MANY_PROBERS;
		applied = -ENOSPC;
		goto out;
	}
	uint64_t bit = 1ull << (v->part % 64);
	uint64_t *word = &p->parts[v->part / 64];
	if (v->seq < p->last_seq || (v->seq == p->last_seq && (*word & bit))) {
		*reason = REPORT_R_REPLAY;
		applied = -EBADMSG;
		goto out;
	}
	if (v->seq > p->last_seq) {
		p->last_seq = v->seq;
		memset(p->parts, 0, sizeof(p->parts));
	}
	*word |= bit;
	p->last_ms = now_ms;
	p->warm = false;
	s->dirty_refresh = true;
	uint32_t pi = (uint32_t)(p - s->probers);
	bool changed = false;
	for (size_t i = 0; i < v->nentries; i++) {
		const struct report_entry *e = &v->entries[i];
		struct mrec *m = mfind(s, e->service, e->member);
		struct target *t = m && m->slot >= 0 ? tfind(m, e->family, e->addr) : NULL;

		if (!t)
			continue;
		if (vote(t, pi, e, now_ms, s->stale_ms, &changed) < 0) {
			*reason = "out_of_memory";
			applied = -ENOMEM;
			goto out;
		}
		applied++;
	}
	if (changed)
		s->dirty_change = s->eval_due = true;
out:
	pthread_mutex_unlock(&s->lock);
	return applied;
}

/* ---- evaluation ---- */

static void target_text(const struct mrec *m, const struct target *t, char *buf, size_t size)
{
	char name[DNAME_MAXLEN * 4 + 2];
	char addr[INET6_ADDRSTRLEN] = "-";

	if (dname_to_str(m->service, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "?");
	if (t && t->family == 4)
		inet_ntop(AF_INET, t->addr, addr, sizeof(addr));
	else if (t && t->family == 6)
		inet_ntop(AF_INET6, t->addr, addr, sizeof(addr));
	snprintf(buf, size, "service=%s member=%u addr=%s", name, m->index, addr);
}

/* "probe-a:down,probe-b:up(stale)" */
static void votes_text(const struct health_state *s, const struct target *t, uint64_t now,
		       char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < t->nvotes && len < size; i++) {
		const struct vote *v = &t->votes[i];
		bool fresh = now - v->at_ms <= s->stale_ms;

		len += (size_t)snprintf(buf + len, size - len, "%s%s:%s%s", i ? "," : "",
					s->probers[v->prober].id, v->up ? "up" : "down",
					fresh ? "" : "(stale)");
	}
	if (!t->nvotes)
		snprintf(buf, size, "none");
}

static bool evaluate_target(struct health_state *s, struct mrec *m, struct target *t, uint64_t now)
{
	size_t nfresh = 0, ndown = 0, rn = 0, ln = 0;
	uint64_t rsum = 0, lsum = 0, latest = 0;
	bool was = t->up;
	const char *why;

	for (size_t i = 0; i < t->nvotes; i++) {
		const struct vote *v = &t->votes[i];

		if (v->at_ms > latest)
			latest = v->at_ms;
		if (now < v->at_ms || now - v->at_ms > s->stale_ms)
			continue;
		nfresh++;
		ndown += !v->up;
		mean_add(&rsum, &rn, v->rtt_us);
		mean_add(&lsum, &ln, v->load_permille);
	}
	t->fresh = nfresh > 0;
	t->rtt_us = mean(rsum, rn);
	t->load_permille = mean(lsum, ln);
	/* grace counts from when the latest vote went stale, even if no evaluation saw it fresh */
	if (t->nvotes && latest + s->stale_ms > t->stale_since_ms)
		t->stale_since_ms = latest + s->stale_ms;
	if (nfresh) {
		t->up = ndown < (size_t)s->quorum;
		why = "votes";
	} else if (now - t->stale_since_ms <= s->grace_ms || now < t->stale_since_ms) {
		why = "grace";
	} else {
		t->up = s->default_up;
		why = "default";
	}
	if (t->up == was)
		return false;
	char where[DNAME_MAXLEN * 4 + 96], votes[512];
	target_text(m, t, where, sizeof(where));
	votes_text(s, t, now, votes, sizeof(votes));
	log_info("event=health_change %s state=%s was=%s reason=%s fresh=%zu down=%zu "
		 "quorum=%d votes=%s",
		 where, t->up ? "up" : "down", was ? "up" : "down", why, nfresh, ndown, s->quorum,
		 votes);
	return true;
}

/* Probers with a fresh report at now_ms, live or restored from the state file (*nwarm). */
static size_t fresh_probers(const struct health_state *s, uint64_t now_ms, size_t *nwarm)
{
	size_t n = 0;

	*nwarm = 0;
	for (size_t i = 0; i < s->nprobers; i++) {
		const struct prober *p = &s->probers[i];

		if (!p->id[0] || now_ms < p->last_ms || now_ms - p->last_ms > s->stale_ms)
			continue;
		n++;
		*nwarm += p->warm;
	}
	return n;
}

/* Latches readiness the first time quorum probers are fresh (or at once without a health
 * section): the view then says what the probers see, not health.default. */
static void update_ready(struct health_state *s, uint64_t now_ms)
{
	size_t nwarm, n;

	if (s->ready)
		return;
	if (!s->present) {
		s->ready = true;
		s->ready_reason = "no_health";
		return;
	}
	n = fresh_probers(s, now_ms, &nwarm);
	if (n < (size_t)s->quorum)
		return;
	s->ready = true;
	s->ready_reason = n - nwarm >= (size_t)s->quorum ? "reports" : "warm";
	log_info("event=health_ready reason=%s fresh_probers=%zu warm=%zu quorum=%d",
		 s->ready_reason, n, nwarm, s->quorum);
}

int health_evaluate(struct health_state *s, uint64_t now_ms)
{
	int changes = 0;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nm; i++) {
		struct mrec *m = &s->m[i];

		if (m->slot < 0)
			continue;
		for (size_t j = 0; j < m->ntargets; j++)
			changes += evaluate_target(s, m, &m->targets[j], now_ms);
		bool was = m->up;
		if (publish(s, m)) {
			char where[DNAME_MAXLEN * 4 + 96];

			target_text(m, NULL, where, sizeof(where));
			log_info("event=member_change %s state=%s was=%s override=%s", where,
				 m->up ? "up" : "down", was ? "up" : "down",
				 health_override_name(m->ovr));
			changes++;
		}
	}
	expire(s, now_ms);
	s->eval_due = false;
	if (changes)
		s->dirty_change = true;
	update_ready(s, now_ms);
	pthread_mutex_unlock(&s->lock);
	return changes;
}

/* ---- the override store (health_override.c) ---- */

void health_lock(struct health_state *s)
{
	pthread_mutex_lock(&s->lock);
}

void health_unlock(struct health_state *s)
{
	pthread_mutex_unlock(&s->lock);
}

enum health_override health_get_override_meta(struct health_state *s, const uint8_t *service,
					      const char *member, struct health_override_meta *meta)
{
	uint8_t lower[DNAME_MAXLEN];

	dname_copy_lower(lower, service);
	const struct health_override_entry *o = ofind(s, lower, member);
	if (meta)
		*meta = o ? o->meta : (struct health_override_meta){0};
	return o ? o->o : HEALTH_OVERRIDE_NONE;
}

enum health_override health_get_override(struct health_state *s, const uint8_t *service,
					 const char *member)
{
	return health_get_override_meta(s, service, member, NULL);
}

/* Copies o into the bound member it names, if any, and publishes it. */
static void apply_override(struct health_state *s, const uint8_t *service, const char *member,
			   enum health_override o)
{
	struct mrec *m = mbound(s, service, member);

	if (m) {
		m->ovr = o;
		publish(s, m);
	}
}

/* An override of a member the bound config does not have (a typo written straight to etcd,
 * or a member since removed) changes no answer: said once per change, so the operator
 * learns it. */
static void warn_unbound(struct health_state *s, const uint8_t *service, const char *member,
			 enum health_override o, const struct health_override_meta *meta)
{
	char name[DNAME_MAXLEN * 4 + 2];

	if (s->npub == 0 || o == HEALTH_OVERRIDE_NONE || mbound(s, service, member))
		return;
	if (dname_to_str(service, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "?");
	log_warn("event=override_unknown_member service=%s member=%s override=%s origin=%s "
		 "who=\"%s\" note=\"no such member in this site's config: it changes no answer; "
		 "kept for a member of that name (gslbctl clear removes it)\"",
		 name, member, health_override_name(o),
		 meta && meta->origin ? meta->origin : "local", meta ? meta->who : "");
}

int health_put_override(struct health_state *s, const uint8_t *service, const char *member,
			enum health_override o)
{
	return health_put_override_meta(s, service, member, o, NULL);
}

int health_put_override_meta(struct health_state *s, const uint8_t *service, const char *member,
			     enum health_override o, const struct health_override_meta *meta)
{
	uint8_t lower[DNAME_MAXLEN];
	char name[DNAME_MAXLEN * 4 + 2];

	if (strlen(member) >= HEALTH_MEMBER_NAME_MAX)
		return -EINVAL;
	dname_copy_lower(lower, service);
	struct health_override_entry *r = ofind(s, lower, member);
	enum health_override was = r ? r->o : HEALTH_OVERRIDE_NONE;
	if (r && o != HEALTH_OVERRIDE_NONE)
		r->meta = meta ? *meta : (struct health_override_meta){.origin = "local"};
	if (was == o)
		return 0;
	if (!r) {
		struct health_override_entry *v = realloc(s->ov, (s->nov + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->ov = v;
		r = &s->ov[s->nov++];
		memset(r, 0, sizeof(*r));
		dname_copy_lower(r->ref.service, lower);
		snprintf(r->ref.member, sizeof(r->ref.member), "%s", member);
	}
	if (o == HEALTH_OVERRIDE_NONE) {
		size_t i = (size_t)(r - s->ov);

		memmove(r, r + 1, (s->nov - i - 1) * sizeof(*r));
		s->nov--;
	} else {
		r->o = o;
		r->meta = meta ? *meta : (struct health_override_meta){.origin = "local"};
	}
	if (dname_to_str(lower, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "?");
	remember(s, meta, health_override_name(was), "%s %s %s", name, member,
		 health_override_name(o));
	/* the one log line of an override change, whichever path made it (API, region, state
	 * file, store) */
	log_info("event=override service=%s member=%s override=%s was=%s origin=%s who=\"%s\" "
		 "why=\"%s\"",
		 name, member, health_override_name(o), health_override_name(was),
		 meta && meta->origin ? meta->origin : "local", meta ? meta->who : "",
		 meta ? meta->why : "");
	apply_override(s, lower, member, o);
	warn_unbound(s, lower, member, o, meta);
	return 0;
}

void health_foreach_override(struct health_state *s,
			     void (*fn)(const uint8_t *service, const char *member,
					enum health_override o,
					const struct health_override_meta *meta, void *arg),
			     void *arg)
{
	for (size_t i = 0; i < s->nov; i++)
		fn(s->ov[i].ref.service, s->ov[i].ref.member, s->ov[i].o, &s->ov[i].meta, arg);
}

int health_replace_overrides(struct health_state *s, const struct health_override_entry *v,
			     size_t n)
{
	struct health_override_entry *nv = calloc(n ? n : 1, sizeof(*nv));
	size_t k = 0;

	if (!nv)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (v[i].o == HEALTH_OVERRIDE_NONE)
			continue;
		nv[k] = v[i];
		dname_copy_lower(nv[k].ref.service, v[i].ref.service);
		k++;
	}
	free(s->ov);
	s->ov = nv;
	s->nov = k;
	for (size_t i = 0; i < k; i++)
		warn_unbound(s, nv[i].ref.service, nv[i].ref.member, nv[i].o, &nv[i].meta);
	for (size_t i = 0; i < s->nm; i++) {
		struct mrec *m = &s->m[i];

		if (m->slot < 0)
			continue;
		const struct health_override_entry *r = ofind(s, m->service, m->name);
		m->ovr = r ? r->o : HEALTH_OVERRIDE_NONE;
		publish(s, m);
	}
	return 0;
}

const char *health_state_file(struct health_state *s)
{
	return s->state_file;
}

/* ---- introspection ---- */

void health_foreach_member(struct health_state *s,
			   void (*fn)(const struct health_member_info *m, void *arg), void *arg)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nm; i++) {
		const struct mrec *m = &s->m[i];
		struct health_member_info info = {
		    .service = m->service,
		    .name = m->name,
		    .member = m->index,
		    .slot = m->slot,
		    .up = m->up,
		    .fresh = m->fresh,
		    .override = m->ovr,
		    .ntargets = m->ntargets,
		};

		if (m->slot < 0)
			continue;
		for (size_t j = 0; j < m->ntargets; j++)
			info.ntargets_up += m->targets[j].up;
		fn(&info, arg);
	}
	/* overrides on members not in the snapshot: kept for when they come back */
	for (size_t i = 0; i < s->nov; i++) {
		const struct health_override_entry *o = &s->ov[i];
		struct health_member_info info = {
		    .service = o->ref.service,
		    .name = o->ref.member,
		    .member = UINT32_MAX,
		    .slot = -1,
		    .override = o->o,
		};

		if (!mbound(s, o->ref.service, o->ref.member))
			fn(&info, arg);
	}
	pthread_mutex_unlock(&s->lock);
}

static uint64_t age_at(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

static int vote_info_cmp(const void *a, const void *b)
{
	return strcmp(((const struct health_vote_info *)a)->prober,
		      ((const struct health_vote_info *)b)->prober);
}

int health_foreach_target(struct health_state *s, uint64_t now_ms,
			  void (*fn)(const struct health_target_info *t, void *arg), void *arg)
{
	struct health_vote_info *buf = NULL;
	size_t cap = 0;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nm; i++) {
		const struct mrec *m = &s->m[i];

		if (m->slot < 0)
			continue;
		for (size_t j = 0; j < m->ntargets; j++) {
			const struct target *t = &m->targets[j];

			if (t->nvotes > cap) {
				struct health_vote_info *nb = realloc(buf, t->nvotes * sizeof(*nb));

				if (!nb) {
					ret = -ENOMEM;
					goto out;
				}
				buf = nb;
				cap = t->nvotes;
			}
			for (size_t k = 0; k < t->nvotes; k++) {
				const struct vote *v = &t->votes[k];

				buf[k] = (struct health_vote_info){
				    .prober = s->probers[v->prober].id,
				    .up = v->up,
				    .fresh = now_ms >= v->at_ms && now_ms - v->at_ms <= s->stale_ms,
				    .age_ms = age_at(now_ms, v->at_ms),
				    .rtt_us = v->rtt_us,
				    .load_permille = v->load_permille,
				};
			}
			if (t->nvotes > 1)
				qsort(buf, t->nvotes, sizeof(*buf), vote_info_cmp);
			struct health_target_info info = {
			    .service = m->service,
			    .member = m->index,
			    .slot = m->slot,
			    .family = t->family,
			    .addr = t->addr,
			    .up = t->up,
			    .fresh = t->fresh,
			    .rtt_us = t->rtt_us,
			    .load_permille = t->load_permille,
			    .votes = buf,
			    .nvotes = t->nvotes,
			};
			fn(&info, arg);
		}
	}
out:
	pthread_mutex_unlock(&s->lock);
	free(buf);
	return ret;
}

void health_foreach_prober(struct health_state *s, uint64_t now_ms,
			   void (*fn)(const char *id, uint64_t last_seq, uint64_t age_ms,
				      void *arg),
			   void *arg)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nprobers; i++) {
		const struct prober *p = &s->probers[i];

		if (!p->id[0])
			continue;
		fn(p->id, p->last_seq, age_at(now_ms, p->last_ms), arg);
	}
	pthread_mutex_unlock(&s->lock);
}

uint64_t health_stale_after_ms(struct health_state *s)
{
	pthread_mutex_lock(&s->lock);
	uint64_t ms = s->stale_ms;
	pthread_mutex_unlock(&s->lock);
	return ms;
}

/* ---- warm starts (health_file.c) and readiness ---- */

void health_foreach_warm(struct health_state *s,
			 void (*fn)(const struct health_warm_target *t,
				    const struct health_warm_vote *v, void *arg),
			 void *arg)
{
	for (size_t i = 0; i < s->nm; i++) {
		const struct mrec *m = &s->m[i];

		if (m->slot < 0)
			continue; /* not served: nothing to warm up */
		for (size_t j = 0; j < m->ntargets; j++) {
			const struct target *t = &m->targets[j];
			struct health_warm_target wt = {
			    .member = m->index,
			    .family = t->family,
			    .up = t->up,
			    .stale_since_ms = t->stale_since_ms,
			};

			if (!t->nvotes)
				continue;
			dname_copy_lower(wt.service, m->service);
			memcpy(wt.addr, t->addr, sizeof(wt.addr));
			fn(&wt, NULL, arg);
			for (size_t k = 0; k < t->nvotes; k++) {
				const struct vote *v = &t->votes[k];
				struct health_warm_vote wv = {
				    .up = v->up,
				    .at_ms = v->at_ms,
				    .rtt_us = v->rtt_us,
				    .load_permille = v->load_permille,
				};

				memcpy(wv.prober, s->probers[v->prober].id, sizeof(wv.prober));
				fn(&wt, &wv, arg);
			}
		}
	}
}

int health_restore_warm(struct health_state *s, const struct health_warm_target *wt,
			const struct health_warm_vote *wv, size_t nv, uint64_t now_ms,
			size_t *nstale)
{
	struct vote *votes = calloc(nv ? nv : 1, sizeof(*votes));
	size_t k = 0;
	int ret = 0;

	if (!votes)
		return -ENOMEM;
	for (size_t i = 0; i < nv; i++) {
		const struct health_warm_vote *w = &wv[i];
		struct prober *p;

		/* stale, or from a clock that has since gone back: not a vote any more */
		if (w->at_ms > now_ms || now_ms - w->at_ms > s->stale_ms) {
			(*nstale)++;
			continue;
		}
		p = prober_get(s, w->prober, strlen(w->prober), now_ms);
		if (!p) {
			(*nstale)++;
			continue;
		}
		if (p->last_ms < w->at_ms || !p->last_ms) {
			p->last_ms = w->at_ms;
			p->warm = true;
		}
		votes[k++] = (struct vote){
		    .prober = (uint32_t)(p - s->probers),
		    .up = w->up,
		    .rtt_us = w->rtt_us,
		    .load_permille = w->load_permille,
		    .at_ms = w->at_ms,
		};
	}
	/* no fresh vote and its grace over: the target starts afresh in the default state */
	if (!k && (wt->stale_since_ms > now_ms || now_ms - wt->stale_since_ms > s->grace_ms))
		goto out;
	struct mrec *m = mget(s, wt->service, wt->member);
	if (!m) {
		ret = -ENOMEM;
		goto out;
	}
	struct target *t = tfind(m, wt->family, wt->addr);
	if (!t) {
		struct target *nt = realloc(m->targets, (m->ntargets + 1) * sizeof(*nt));

		if (!nt) {
			ret = -ENOMEM;
			goto out;
		}
		m->targets = nt;
		t = &m->targets[m->ntargets++];
		memset(t, 0, sizeof(*t));
		t->family = wt->family;
		memcpy(t->addr, wt->addr, sizeof(t->addr));
		t->rtt_us = t->load_permille = REPORT_UNKNOWN;
	}
	free(t->votes);
	t->votes = votes;
	t->nvotes = k;
	votes = NULL;
	t->up = wt->up;
	t->stale_since_ms = wt->stale_since_ms;
	ret = (int)k;
out:
	free(votes);
	return ret;
}

bool health_save_due(struct health_state *s, uint64_t now_ms)
{
	bool due = false;

	pthread_mutex_lock(&s->lock);
	if (s->state_file && (s->dirty_change || s->dirty_refresh)) {
		uint64_t since = now_ms > s->saved_ms ? now_ms - s->saved_ms : 0;

		due = since >= (s->dirty_change ? HEALTH_SAVE_CHANGE_MS : HEALTH_SAVE_REFRESH_MS);
	}
	if (due) {
		s->dirty_change = s->dirty_refresh = false;
		s->saved_ms = now_ms;
	}
	pthread_mutex_unlock(&s->lock);
	return due;
}

void health_readiness(struct health_state *s, uint64_t now_ms, struct health_readiness *r)
{
	pthread_mutex_lock(&s->lock);
	update_ready(s, now_ms);
	r->ready = s->ready;
	r->reason = s->ready ? s->ready_reason : "waiting";
	r->fresh_probers = fresh_probers(s, now_ms, &r->warm_probers);
	r->quorum = s->quorum;
	pthread_mutex_unlock(&s->lock);
}

bool health_evaluate_due(struct health_state *s)
{
	pthread_mutex_lock(&s->lock);
	bool due = s->eval_due;
	pthread_mutex_unlock(&s->lock);
	return due;
}
