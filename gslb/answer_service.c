/* SPDX-License-Identifier: Apache-2.0 */
/* answer_service.c — dynamic answers: client location, filter chain, VIP or CNAME records */
#include "config.h"

#include "answer_service.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "filter.h"
#include "geo.h"
#include "log.h"
#include "netmap.h"
#include "query_record.h"
#include "render.h"
#include "service.h"
#include "snapshot.h"
#include "wire.h"

/* Zeroes the bits of addr past prefix: a longer ECS prefix than the
 * configured maximum is cut before the lookup, as gslb.conf(5) says. */
static void mask_address(uint8_t *addr, uint8_t prefix)
{
	size_t full = prefix / 8u;

	if (full >= 16)
		return;
	if (prefix % 8)
		addr[full++] &= (uint8_t)(0xff << (8 - prefix % 8));
	memset(addr + full, 0, 16 - full);
}

/* The client's address: the ECS address when the resolver sent one with a
 * non-zero source prefix (RFC 7871 §7.1.2: prefix 0 asks for no tailoring,
 * so the resolver's own address stands in), else the packet's source.
 * IPv4-mapped IPv6 sources count as IPv4. */
static void client_address(const struct wire_query *q, const struct sockaddr *src,
			   const struct conf_geoip *g, struct flt_client *c)
{
	if (q->has_ecs && q->ecs.source > 0) {
		c->family = q->ecs.family == 1 ? AF_INET : AF_INET6;
		memcpy(c->addr, q->ecs.addr, sizeof(c->addr));
		uint8_t cap = c->family == AF_INET ? g->ecs_max_prefix_v4 : g->ecs_max_prefix_v6;
		c->prefix = q->ecs.source < cap ? q->ecs.source : cap;
		mask_address(c->addr, c->prefix);
		return;
	}
	c->family = 0;
	if (src && src->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)src;
		c->family = AF_INET;
		memcpy(c->addr, &s4->sin_addr, 4);
	} else if (src && src->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)src;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			c->family = AF_INET;
			memcpy(c->addr, s6->sin6_addr.s6_addr + 12, 4);
		} else {
			c->family = AF_INET6;
			memcpy(c->addr, &s6->sin6_addr, 16);
		}
	}
	c->prefix = c->family == AF_INET ? g->ecs_max_prefix_v4 : g->ecs_max_prefix_v6;
}

/* Fills the location fields of c from the network map, else the GeoIP database (through
 * the thread's cache) or the configured default, and c->loc_prefix: the span of the matched
 * network (the map's span never lets a resolver cache one answer over a longer entry inside
 * it; a GeoIP network counts when the map has none inside it), capped by the configured
 * maxima (0 without a lookup: every client is then alike). Only a chain that reads the
 * location (lookup) pays for the lookup. */
static void client_location(struct answer_ctx *ctx, const struct snapshot *snap, bool lookup,
			    struct flt_client *c)
{
	const struct conf *conf = snap->conf;
	const struct conf_geoip *g = &conf->geoip;
	struct geo_loc loc;
	uint8_t cap = c->family == AF_INET ? g->ecs_max_prefix_v4 : g->ecs_max_prefix_v6;
	uint8_t span = 0;

	c->has_location = false;
	c->loc_source = FLT_LOC_NONE;
	c->region = NULL;
	c->country[0] = c->continent[0] = '\0';
	c->loc_prefix = 0;
	if (!lookup || c->family == 0)
		return;
	if (conf->netmap) {
		uint32_t v = netmap_lookup(conf->netmap, c->family, c->addr, &span);
		if (v != NETMAP_NONE) {
			c->region = &conf->regions[conf->nets[v].region];
			c->has_location = true;
			c->lat = c->region->lat;
			c->lon = c->region->lon;
			c->loc_source = FLT_LOC_NETMAP;
			c->loc_prefix = span < cap ? span : cap;
			return;
		}
	}
	c->loc_prefix = span < cap ? span : cap;
	if (!snap->geo)
		return;
	if (geo_cache_lookup(&ctx->geo, snap->geo, c->family, c->addr, &loc) < 0)
		return;
	if (loc.found) {
		c->has_location = true;
		c->loc_source = FLT_LOC_GEOIP;
		c->lat = loc.lat;
		c->lon = loc.lon;
	} else if (g->has_default_location) {
		c->has_location = true;
		c->loc_source = FLT_LOC_DEFAULT;
		c->lat = g->default_lat;
		c->lon = g->default_lon;
	}
	if (loc.country[0] || !g->has_default_location) {
		memcpy(c->country, loc.country, 3);
		memcpy(c->continent, loc.continent, 3);
	} else {
		memcpy(c->country, g->default_country, 3);
		memcpy(c->continent, g->default_continent, 3);
	}
	if (loc.prefix > span)
		span = loc.prefix;
	c->loc_prefix = span < cap ? span : cap;
}

/* Sets c->asn and c->asn_prefix (the database network's length, capped like
 * client_location's) from the ASN database, only when the chain reads the AS number
 * (lookup) and some region lists AS numbers: the lookup is not free. */
static void client_asn(const struct snapshot *snap, bool lookup, struct flt_client *c)
{
	const struct conf_geoip *g = &snap->conf->geoip;
	uint8_t cap = c->family == AF_INET ? g->ecs_max_prefix_v4 : g->ecs_max_prefix_v6, span;

	c->asn = 0;
	c->asn_prefix = 0;
	if (!lookup || !snap->asn || c->family == 0 || !snap->conf->regions_have_asns)
		return;
	c->asn = geo_asn_lookup(snap->asn, c->family, c->addr, &span);
	c->asn_prefix = span < cap ? span : cap;
}

/* The member's down addresses as the health table says (member_health.down_addrs). */
static uint64_t down_addrs(const struct member_health *health, const struct member *mb)
{
	return health ? member_health_down_addrs(&health[mb->health]) : 0;
}

/* Whether mb has a live address of the family (4 or 6): one not marked down. */
static bool live_family(const struct member *mb, int family, uint64_t down)
{
	size_t first = family == 4 ? 0 : mb->nipv4, n = family == 4 ? mb->nipv4 : mb->nipv6;

	for (size_t j = first; j < first + n; j++)
		if (j >= MEMBER_MAX_MARKED_ADDRS || !(down >> j & 1))
			return true;
	return false;
}

/* Members that can answer qtype: live addresses of its family, or a CNAME.
 * Filtering before the chain is the fall-through rule: an AAAA query is
 * never sent to a v4-only member (or one whose IPv6 addresses are all down
 * while its IPv4 ones are up) while a member with live IPv6 exists, and
 * gets NODATA only when no member at all has IPv6. When no member has a
 * live address of the family, the members with any such address are taken
 * (failing open, as the up filter does). */
static size_t candidates(const struct member *ms, size_t count, const struct member_health *health,
			 uint16_t qtype, const struct member **m)
{
	size_t n = 0;
	bool v4 = qtype == TYPE_A || qtype == TYPE_ANY,
	     v6 = qtype == TYPE_AAAA || qtype == TYPE_ANY;

	for (int strict = 1; strict >= 0 && n == 0; strict--) {
		for (size_t i = 0; i < count; i++) {
			const struct member *mb = &ms[i];
			uint64_t down = strict ? down_addrs(health, mb) : 0;
			bool ok = mb->cname != NULL;
			if (v4)
				ok = ok || live_family(mb, 4, down);
			if (v6)
				ok = ok || live_family(mb, 6, down);
			if (ok)
				m[n++] = mb;
		}
	}
	return n;
}

/* The members' addresses of type, leaving out those marked down (unless all of a member's
 * are: then the member was taken failing open and gives them all). */
static int render_addresses(struct render *r, const uint8_t *owner, uint16_t type, uint32_t ttl,
			    const struct member **m, size_t n, const struct member_health *health)
{
	for (size_t i = 0; i < n; i++) {
		if (m[i]->cname)
			continue; /* a CNAME cannot stand beside addresses */
		size_t count = type == TYPE_A ? m[i]->nipv4 : m[i]->nipv6;
		size_t first = type == TYPE_A ? 0 : m[i]->nipv4;
		uint64_t down = down_addrs(health, m[i]);
		if (!live_family(m[i], type == TYPE_A ? 4 : 6, down))
			down = 0;
		for (size_t j = 0; j < count; j++) {
			size_t bit = first + j;
			if (bit < MEMBER_MAX_MARKED_ADDRS && (down >> bit & 1))
				continue;
			const uint8_t *rd = type == TYPE_A ? m[i]->ipv4[j] : m[i]->ipv6[j];
			if (render_rr(r, SEC_ANSWER, owner, type, CLASS_IN, ttl, rd,
				      type == TYPE_A ? 4 : 16) < 0)
				return -ENOSPC;
		}
	}
	return 0;
}

/* Starts loading the members' per-query lines, their health words and their answer
 * counters at once: among many services, the one asked is seldom in the CPU caches, and
 * without this the health words and counters wait for the members that name their slots.
 * Query path; only hints, nothing is read. */
static void prefetch_service(const struct answer_ctx *ctx, const struct snapshot *snap,
			     const struct service *svc)
{
	const struct member_stats *ms = &snap->answers;
	size_t n = svc->nmembers < 8 ? svc->nmembers : 8;

	__builtin_prefetch(svc->chain.steps); /* the service's second line */
	for (size_t i = 0; i < n; i++)
		__builtin_prefetch(&svc->members[i]);
	if (n == 0)
		return;
	if (snap->health != NULL) {
		const char *h = (const char *)&snap->health[svc->health_first];

		for (size_t off = 0; off < n * sizeof(*snap->health); off += 64)
			__builtin_prefetch(h + off);
		__builtin_prefetch(h + n * sizeof(*snap->health) - 1);
	}
	if (ms->count != NULL && ctx->row < ms->nrows && svc->health_first + n <= ms->nslots) {
		const _Atomic uint64_t *c = &ms->count[ctx->row * ms->stride + svc->health_first];

		__builtin_prefetch(c, 1);
		__builtin_prefetch(c + n - 1, 1);
	}
}

uint32_t service_fail_open_ttl(const struct service *svc)
{
	return svc->fail_open_ttl >= 0 && (uint32_t)svc->fail_open_ttl < svc->ttl
		   ? (uint32_t)svc->fail_open_ttl
		   : svc->ttl;
}

/* Sets up fctx for a query of svc from q (its ECS) or src: the client's address, location
 * and AS number as far as the chain reads them, and health. */
static void client_setup(struct answer_ctx *ctx, const struct snapshot *snap,
			 const struct wire_query *q, const struct sockaddr *src,
			 const struct service *svc, const struct member_health *health,
			 struct flt_ctx *fctx)
{
	if (unlikely(ctx->flt.rng == 0))
		filter_thread_init(&ctx->flt, (uint64_t)(uintptr_t)ctx ^ (uint64_t)time(NULL));
	fctx->service = svc;
	fctx->health = health;
	fctx->thread = &ctx->flt;
	fctx->scope = 0;
	fctx->trace = ctx->trace;
	fctx->all_down = false;
	client_address(q, src, &snap->conf->geoip, &fctx->client);
	client_location(ctx, snap, svc->chain.flags & FLT_READS_LOCATION, &fctx->client);
	client_asn(snap, svc->chain.flags & FLT_READS_ASN, &fctx->client);
}

/* The members the chain chooses for qtype (A, AAAA, ANY, CNAME) over svc's members that can
 * answer it, then, when no member is up, the service's fallback (*empty set for "empty").
 * Returns how many are in m, in answer order. */
static size_t choose(const struct service *svc, struct flt_ctx *fctx, uint16_t qtype,
		     const struct member **m, bool *empty)
{
	uint16_t ctype = qtype == TYPE_CNAME ? TYPE_ANY : qtype;
	size_t n = candidates(svc->members, svc->nmembers, fctx->health, ctype, m);

	*empty = false;
	if (n == 0)
		return 0;
	n = filter_chain_run(&svc->chain, fctx, m, n);
	if (likely(!fctx->all_down))
		return n;
	/* nothing is up: the service's fallback */
	*empty = svc->fallback == SVC_FALLBACK_EMPTY;
	if (svc->fallback != SVC_FALLBACK_MEMBERS)
		return n;
	n = candidates(svc->fallback_members, svc->nfallback, fctx->health, ctype, m);
	if (n == 0)
		return 0;
	fctx->health = NULL; /* not probed: `up` keeps them all */
	fctx->scope = 0;     /* the answer depends on this run only */
	return filter_chain_run(&svc->chain, fctx, m, n);
}

size_t service_choose(struct answer_ctx *ctx, const struct snapshot *snap,
		      const struct service *svc, const struct member_health *health, int family,
		      const uint8_t *addr, uint8_t prefix, uint16_t qtype, const struct member **m,
		      struct flt_client *client)
{
	struct wire_query q = {.qtype = qtype, .has_ecs = true};
	struct flt_ctx fctx;
	bool empty;

	q.ecs.family = family == AF_INET ? 1 : 2;
	q.ecs.source = prefix;
	memcpy(q.ecs.addr, addr, family == AF_INET ? 4 : 16);
	mask_address(q.ecs.addr, prefix);
	client_setup(ctx, snap, &q, NULL, svc, health, &fctx);
	size_t n = choose(svc, &fctx, qtype, m, &empty);
	if (client != NULL)
		*client = fctx.client;
	return empty ? 0 : n;
}

int service_answer(struct answer_ctx *ctx, const struct snapshot *snap, const struct wire_query *q,
		   const struct sockaddr *src, const struct service *svc, const uint8_t *owner,
		   struct render *r, uint8_t *scope, const uint8_t **target)
{
	const struct member *m[SERVICE_MAX_MEMBERS];
	uint16_t qtype = q->qtype;
	struct flt_ctx fctx;
	bool empty;

	if (qtype != TYPE_A && qtype != TYPE_AAAA && qtype != TYPE_ANY && qtype != TYPE_CNAME)
		return SVC_NODATA; /* the service replaces all static data at its name */
	prefetch_service(ctx, snap, svc);
	client_setup(ctx, snap, q, src, svc, snap->health, &fctx);
	if (ctx->qrec != NULL && fctx.client.family != 0)
		qrec_count(ctx->qrec, svc->name_hash, qtype, fctx.client.family, fctx.client.addr,
			   fctx.client.prefix, ctx->qrec_epoch);
	size_t n = choose(svc, &fctx, qtype, m, &empty);
	uint32_t ttl = unlikely(fctx.all_down) ? service_fail_open_ttl(svc) : svc->ttl;
	if (empty)
		return SVC_EMPTY;
	if (n == 0) /* no member can answer the type */
		return SVC_NODATA;
	/* The scope is what the answer depended on (filter_chain_run); a CNAME to another
	 * service here keeps the longer of both. */
	if (q->has_ecs && q->ecs.source > 0 && fctx.scope > *scope)
		*scope = fctx.scope;
	counter_inc(&ctx->stats.service_answers);
	if (m[0]->cname) {
		uint16_t len = (uint16_t)dname_len(m[0]->cname);
		if (render_rr(r, SEC_ANSWER, owner, TYPE_CNAME, CLASS_IN, ttl, m[0]->cname, len) <
		    0)
			return -ENOSPC;
		*target = m[0]->cname;
		if (likely(!ctx->trace))
			member_stats_count(&snap->answers, ctx->row, m[0]->health);
		return SVC_CNAME;
	}
	if (qtype == TYPE_CNAME)
		return SVC_NODATA;
	/* RFC 8482: ANY gets one RRset, the IPv4 one when there is one. */
	uint16_t type = qtype == TYPE_ANY ? TYPE_A : qtype;
	bool any_v4 = false;
	for (size_t i = 0; i < n; i++)
		any_v4 = any_v4 || m[i]->nipv4 > 0;
	if (qtype == TYPE_ANY && !any_v4)
		type = TYPE_AAAA;
	uint16_t before = r->count[SEC_ANSWER];
	if (render_addresses(r, owner, type, ttl, m, n, snap->health) < 0)
		return -ENOSPC;
	for (size_t i = 0; i < n && likely(!ctx->trace); i++)
		if (!m[i]->cname && (type == TYPE_A ? m[i]->nipv4 : m[i]->nipv6) > 0)
			member_stats_count(&snap->answers, ctx->row, m[i]->health);
	return r->count[SEC_ANSWER] > before ? SVC_ANSWERED : SVC_NODATA;
}
