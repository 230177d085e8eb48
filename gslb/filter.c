/* SPDX-License-Identifier: Apache-2.0 */
/* filter.c — the filter table, chain parsing and order check, chain execution (drain, ECS scope) */
#include "config.h"

#include "filter.h"
#include "conf.h"
#include "log.h"
#include "service.h"

#include <assert.h>
#include <stddef.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One row per filter; a new filter adds its row here, with its flags (enum flt_flag: what it
 * reads of the client, for the ECS scope) and what it narrows by (it must run after up). */
const struct flt_def filter_table[] = {
    {"up", flt_up_run, false, 0, 0, 0, NULL, FLT_SEES_DRAINED, NULL},
    {"nearest", flt_nearest_run, true, 1, 1, FLT_ARG_MAX, "a region count", FLT_READS_LOCATION,
     "place"},
    {"geofence", flt_geofence_run, false, 0, 0, 0, NULL, FLT_READS_LOCATION | FLT_READS_ASN,
     "place"},
    {"priority", flt_priority_run, false, 0, 0, 0, NULL, 0, "priority"},
    {"weighted", flt_weighted_run, false, 0, 0, 0, NULL, 0, NULL},
    {"round_robin", flt_round_robin_run, false, 0, 0, 0, NULL, 0, NULL},
    {"random", flt_random_run, false, 0, 0, 0, NULL, 0, NULL},
    {"least_loaded", flt_least_loaded_run, false, 0, 0, 0, NULL, 0, "load"},
    {"fastest", flt_fastest_run, false, 0, 0, 0, NULL, 0, NULL},
    {"sticky", flt_sticky_run, false, 0, 0, 0, NULL, FLT_READS_SUBNET, NULL},
    {"asn", flt_asn_run, false, 0, 0, 0, NULL, FLT_READS_ASN, "network"},
    {"first", flt_first_run, true, 1, 1, FLT_ARG_MAX, "a count", 0, "count"},
};
const size_t filter_table_len = sizeof(filter_table) / sizeof(filter_table[0]);

const struct flt_def *filter_find(const char *name)
{
	for (size_t i = 0; i < filter_table_len; i++)
		if (strcmp(filter_table[i].name, name) == 0)
			return &filter_table[i];
	return NULL;
}

/* "unknown filter 'x' (did you mean 'y'? filters: up, nearest, ...)": the valid names, the
 * closest first when one is near. */
static void unknown_filter(const char *name, char *err, size_t errlen)
{
	const char *close = NULL;
	unsigned closed = UINT_MAX;
	size_t len;

	for (size_t i = 0; i < filter_table_len; i++) {
		unsigned d = conf_edit_distance(name, filter_table[i].name);

		if (d < closed && conf_suggestion_close(name, filter_table[i].name)) {
			close = filter_table[i].name;
			closed = d;
		}
	}
	len = (size_t)snprintf(err, errlen, "unknown filter '%s' (", name);
	if (close && len < errlen)
		len += (size_t)snprintf(err + len, errlen - len, "did you mean '%s'? ", close);
	for (size_t i = 0; i < filter_table_len && len < errlen; i++)
		len += (size_t)snprintf(err + len, errlen - len, "%s%s",
					i ? ", " : "filters: ", filter_table[i].name);
	if (len < errlen)
		snprintf(err + len, errlen - len, ")");
}

/* Parses one "name" or "name:N" entry. */
static int parse_step(const char *s, struct flt_step *step, char *err, size_t errlen)
{
	char name[32];
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);

	if (len == 0 || len >= sizeof(name)) {
		unknown_filter(s, err, errlen);
		return -EINVAL;
	}
	memcpy(name, s, len);
	name[len] = '\0';
	const struct flt_def *def = filter_find(name);
	if (!def) {
		unknown_filter(name, err, errlen);
		return -EINVAL;
	}
	step->def = def;
	step->arg = def->arg_default;
	if (!colon)
		return 0;
	if (!def->takes_arg) {
		snprintf(err, errlen, "'%s' takes no argument", def->name);
		return -EINVAL;
	}
	const char *num = colon + 1;
	char *end;
	errno = 0;
	long v = (*num >= '0' && *num <= '9') ? strtol(num, &end, 10) : -1;
	if (v < 0 || errno || *end || v < (long)def->arg_min || v > (long)def->arg_max) {
		snprintf(err, errlen, "%s takes %s %u..%u", def->name, def->arg_what, def->arg_min,
			 def->arg_max);
		return -EINVAL;
	}
	step->arg = (uint32_t)v;
	return 0;
}

int filter_chain_parse(const char *const *names, size_t n, struct flt_chain *out, char *err,
		       size_t errlen)
{
	if (n == 0) {
		snprintf(err, errlen, "chain is empty");
		return -EINVAL;
	}
	if (n > FLT_CHAIN_MAX) {
		snprintf(err, errlen, "chain has more than %d filters", FLT_CHAIN_MAX);
		return -EINVAL;
	}
	struct flt_chain c = {.nsteps = n};
	for (size_t i = 0; i < n; i++) {
		int ret = parse_step(names[i], &c.steps[i], err, errlen);
		if (ret)
			return ret;
		c.flags |= c.steps[i].def->flags;
	}
	*out = c;
	return 0;
}

/* One step as written in the config: "up", "nearest:1". */
static int format_step(const struct flt_step *st, char *buf, size_t size)
{
	int w = st->def->takes_arg ? snprintf(buf, size, "%s:%u", st->def->name, st->arg)
				   : snprintf(buf, size, "%s", st->def->name);

	return w < 0 || (size_t)w >= size ? -ENOSPC : w;
}

int filter_chain_check(const struct flt_chain *chain, char *err, size_t errlen)
{
	size_t up = chain->nsteps, bad = chain->nsteps, off;
	char step[48];

	for (size_t i = 0; i < chain->nsteps && up == chain->nsteps; i++) {
		if (chain->steps[i].def->fn == flt_up_run)
			up = i;
		else if (chain->steps[i].def->narrows && bad == chain->nsteps)
			bad = i;
	}
	if (up == chain->nsteps || bad == chain->nsteps)
		return 0;
	/* The order to use: up first, the others as written. */
	int w = snprintf(err, errlen,
			 "'%s' narrows by %s before 'up' checks health, so a dead member would be "
			 "answered; use [ \"up\"",
			 chain->steps[bad].def->name, chain->steps[bad].def->narrows);
	off = w > 0 ? (size_t)w : 0;
	for (size_t i = 0; i < chain->nsteps && off < errlen; i++) {
		if (i == up || format_step(&chain->steps[i], step, sizeof(step)) < 0)
			continue;
		w = snprintf(err + off, errlen - off, ", \"%s\"", step);
		off += w > 0 ? (size_t)w : 0;
	}
	if (off < errlen)
		snprintf(err + off, errlen - off, " ]");
	return -EINVAL;
}

void filter_chain_default(struct flt_chain *out)
{
	static const char *const names[] = {"up", "nearest", "weighted", "first:1"};
	char err[64];
	int ret = filter_chain_parse(names, 4, out, err, sizeof(err));

	assert(ret == 0);
	(void)ret;
}

int filter_chain_format(const struct flt_chain *chain, char *buf, size_t size)
{
	size_t off = 0;

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (size_t i = 0; i < chain->nsteps; i++) {
		if (i) {
			if (size - off < 2)
				return -ENOSPC;
			buf[off++] = ' ';
			buf[off] = '\0';
		}
		int w = format_step(&chain->steps[i], buf + off, size - off);
		if (w < 0)
			return -ENOSPC;
		off += (size_t)w;
	}
	return 0;
}

/* The drain rule (filter.h): while a member of positive effective weight is in m[0..n), the
 * members of weight 0 are dropped (order kept); when none is, all stay. Query path. */
static size_t drain(const struct member_health *h, const struct member **m, size_t n)
{
	size_t k = 0, i = 0;

	while (i < n && filter_weight(h, m[i]) == 0)
		i++;
	if (i == n)
		return n;
	for (; i < n; i++)
		if (filter_weight(h, m[i]) > 0)
			m[k++] = m[i];
	return k;
}

/* The client prefix step's outcome depends on over m[0..n) (filter_chain_run), 0 for none.
 * Location and AS filters decide per region, so one region leaves nothing to decide. */
static uint8_t step_scope(const struct flt_ctx *ctx, unsigned flags, const struct member **m,
			  size_t n)
{
	uint8_t sc = 0;

	if (n < 2)
		return 0;
	if (flags & FLT_READS_SUBNET)
		sc = ctx->client.prefix;
	if (flags & (FLT_READS_LOCATION | FLT_READS_ASN)) {
		size_t i = 1;
		while (i < n && m[i]->region == m[0]->region)
			i++;
		if (i == n)
			return sc;
		if ((flags & FLT_READS_LOCATION) && ctx->client.loc_prefix > sc)
			sc = ctx->client.loc_prefix;
		if ((flags & FLT_READS_ASN) && ctx->client.asn_prefix > sc)
			sc = ctx->client.asn_prefix;
	}
	return sc;
}

/* The next run's record in ctx->trace, with the client and the input, or NULL when the
 * trace is full (counted). Explain only. */
static struct flt_trace_run *trace_begin(struct flt_ctx *ctx, const struct member **m, size_t n)
{
	struct flt_trace *t = ctx->trace;

	if (t->nruns >= FLT_TRACE_RUNS) {
		t->dropped++;
		return NULL;
	}
	struct flt_trace_run *tr = &t->runs[t->nruns++];
	memset(tr, 0, offsetof(struct flt_trace_run, cand));
	tr->service = ctx->service;
	tr->client = ctx->client;
	tr->ncand = n;
	memcpy(tr->cand, m, n * sizeof(*m));
	tr->nsteps = 0;
	return tr;
}

size_t filter_chain_run(const struct flt_chain *chain, struct flt_ctx *ctx, const struct member **m,
			size_t n)
{
	struct flt_trace_run *tr = NULL;

	if (n > FLT_MAX_MEMBERS)
		n = FLT_MAX_MEMBERS;
	counter_inc(&ctx->thread->stats.runs);
	if (unlikely(ctx->trace))
		tr = trace_begin(ctx, m, n);
	for (size_t i = 0; i < chain->nsteps && n > 0; i++) {
		const struct flt_step *st = &chain->steps[i];
		if (!(st->def->flags & FLT_SEES_DRAINED))
			n = drain(ctx->health, m, n);
		if (st->def->flags & (FLT_READS_LOCATION | FLT_READS_SUBNET | FLT_READS_ASN)) {
			uint8_t sc = step_scope(ctx, st->def->flags, m, n);
			if (sc > ctx->scope)
				ctx->scope = sc;
		}
		struct flt_trace_step *ts = tr ? &tr->steps[tr->nsteps++] : NULL;
		if (ts) {
			ts->step = st;
			ts->nin = n;
			memcpy(ts->in, m, n * sizeof(*m));
		}
		size_t k = st->def->fn(ctx, st, m, n);
		assert(k >= 1 && k <= n);
		n = k;
		if (ts) {
			ts->nout = n;
			memcpy(ts->out, m, n * sizeof(*m));
		}
	}
	n = drain(ctx->health, m, n);
	if (tr) {
		tr->nfinal = n;
		memcpy(tr->final, m, n * sizeof(*m));
		tr->scope = ctx->scope;
		tr->all_down = ctx->all_down;
	}
	return n;
}

size_t filter_select(const struct service *svc, struct flt_ctx *ctx, const struct member **out,
		     size_t cap)
{
	size_t n = svc->nmembers;

	if (n > cap)
		n = cap;
	for (size_t i = 0; i < n; i++)
		out[i] = &svc->members[i];
	ctx->service = svc;
	return filter_chain_run(&svc->chain, ctx, out, n);
}

void filter_thread_init(struct flt_thread *t, uint64_t seed)
{
	memset(t, 0, sizeof(*t));
	t->rng = seed;
}

uint64_t filter_rand64(struct flt_thread *t)
{
	uint64_t z = (t->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double filter_rand_unit(struct flt_thread *t)
{
	/* 53 random bits, shifted half a step off 0 so that log() is finite. */
	return ((double)(filter_rand64(t) >> 11) + 0.5) * 0x1.0p-53;
}

uint32_t filter_rand_below(struct flt_thread *t, uint32_t bound)
{
	/* Lemire's multiply-shift with rejection: no modulo bias. */
	uint64_t x = (uint32_t)filter_rand64(t);
	uint64_t mul = x * bound;
	uint32_t low = (uint32_t)mul;

	if (low < bound) {
		uint32_t thresh = (uint32_t)-bound % bound;
		while (low < thresh) {
			x = (uint32_t)filter_rand64(t);
			mul = x * bound;
			low = (uint32_t)mul;
		}
	}
	return (uint32_t)(mul >> 32);
}

uint64_t filter_weight(const struct member_health *health, const struct member *m)
{
	uint64_t rw = m->region->weight, mw = m->weight;

	if (health) {
		uint32_t r =
		    atomic_load_explicit(&health[m->health].region_weight, memory_order_relaxed);
		uint32_t w =
		    atomic_load_explicit(&health[m->health].member_weight, memory_order_relaxed);

		if (r != MEMBER_WEIGHT_CONFIG)
			rw = r;
		if (w != MEMBER_WEIGHT_CONFIG)
			mw = w;
	}
	return rw * mw;
}

void filter_sort(const struct member **m, double *key, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		const struct member *mv = m[i];
		double kv = key[i];
		size_t j = i;
		while (j > 0 && key[j - 1] > kv) {
			m[j] = m[j - 1];
			key[j] = key[j - 1];
			j--;
		}
		m[j] = mv;
		key[j] = kv;
	}
}
