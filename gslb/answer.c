/* SPDX-License-Identifier: Apache-2.0 */
/* answer.c — from a query packet to a response packet (authoritative semantics) */
#include "config.h"

#include "answer.h"

#include <errno.h>
#include <string.h>

#include "answer_dnssec.h"
#include "answer_service.h"
#include "conf.h"
#include "log.h"
#include "render.h"
#include "snapshot.h"
#include "wire.h"
#include "zone.h"

#define MAX_CNAME_HOPS 8 /* chains longer than this are cut, like BIND and NSD do */
#define OPT_FIXED_LEN 11 /* root owner, type, class, ttl, rdlength */

const char *const answer_qtype_names[ANSWER_QTYPE_SLOTS] = {
    "A", "AAAA", "CNAME", "MX", "NS", "SOA", "TXT", "SRV", "ANY", "other",
};

static unsigned qtype_slot(uint16_t qtype)
{
	switch (qtype) {
	case TYPE_A:
		return 0;
	case TYPE_AAAA:
		return 1;
	case TYPE_CNAME:
		return 2;
	case TYPE_MX:
		return 3;
	case TYPE_NS:
		return 4;
	case TYPE_SOA:
		return 5;
	case TYPE_TXT:
		return 6;
	case TYPE_SRV:
		return 7;
	case TYPE_ANY:
		return 8;
	default:
		return ANSWER_QTYPE_SLOTS - 1;
	}
}

void answer_stats_add(struct answer_stats *dst, const struct answer_ctx *ctx)
{
	const struct answer_counters *s = &ctx->stats;

	dst->queries += counter_get(&s->queries);
	dst->dropped += counter_get(&s->dropped);
	dst->truncated += counter_get(&s->truncated);
	for (size_t i = 0; i < sizeof(dst->rcode) / sizeof(dst->rcode[0]); i++)
		dst->rcode[i] += counter_get(&s->rcode[i]);
	dst->edns += counter_get(&s->edns);
	dst->ecs += counter_get(&s->ecs);
	dst->service_answers += counter_get(&s->service_answers);
	for (size_t i = 0; i < ANSWER_QTYPE_SLOTS; i++)
		dst->qtype[i] += counter_get(&s->qtype[i]);
	dst->fail_open += counter_get(&ctx->flt.stats.fail_open);
	dst->geofence_fallback += counter_get(&ctx->flt.stats.geofence_fallback);
	const struct dnssec_thread *t = atomic_load_explicit(&ctx->dnssec, memory_order_acquire);
	if (t) {
		dst->sig_hits += counter_get(&t->cache.hits);
		dst->sig_misses += counter_get(&t->cache.misses);
		dst->signatures += counter_get(&t->signatures);
		dst->sig_entries += counter_get(&t->cache.entries);
		dst->sig_bytes += counter_get(&t->cache.bytes) + sizeof(*t);
	}
}

void answer_ctx_release(struct answer_ctx *ctx)
{
	answer_dnssec_thread_free(atomic_exchange(&ctx->dnssec, NULL));
}

/* Everything one answer needs, kept on the stack of answer_packet(). */
struct answer {
	struct render r;
	struct answer_ctx *ctx;
	const struct snapshot *snap;
	const struct sockaddr *src;
	const struct wire_query *q;
	const struct conf *conf;
	const struct zonedb *db;
	uint16_t rcode;
	uint8_t ecs_scope; /* RFC 7871 scope: 0 for static data */
	bool truncated;
	bool dnssec; /* DO=1 for a signed zone: add the NSEC and DS records of signed answers */
};

static void fail_tc(struct answer *a, size_t body_start)
{
	/* RFC 2181 §9: data that must be there does not fit: send the
	 * question only, with TC, and let the client retry over TCP. */
	a->r.len = body_start;
	a->r.count[SEC_ANSWER] = a->r.count[SEC_AUTHORITY] = a->r.count[SEC_ADDITIONAL] = 0;
	a->truncated = true;
}

/* A/AAAA of an in-zone target name into the additional section, best
 * effort: what does not fit is left out, never truncating the answer. */
static void add_address_records(struct answer *a, const uint8_t *target)
{
	uint8_t name[DNAME_MAXLEN];
	const struct zone *z;
	const struct zone_node *n;

	dname_copy_lower(name, target);
	z = zonedb_find(a->db, name);
	if (!z || !(n = zone_find(z, name)))
		return;
	const struct rrset *rs = node_rrset(n, TYPE_A);
	if (rs)
		render_rrset(&a->r, SEC_ADDITIONAL, name, rs);
	rs = node_rrset(n, TYPE_AAAA);
	if (rs)
		render_rrset(&a->r, SEC_ADDITIONAL, name, rs);
}

/* Additional section processing (RFC 1035 §3.3) for NS, MX and SRV. */
static void add_additional(struct answer *a, const struct rrset *rs)
{
	size_t skip;

	switch (rs->type) {
	case TYPE_NS:
		skip = 0;
		break;
	case TYPE_MX:
		skip = 2;
		break;
	case TYPE_SRV:
		skip = 6;
		break;
	default:
		return;
	}
	const uint8_t *p = rs->rdata;
	for (uint16_t i = 0; i < rs->count; i++) {
		uint16_t rdlen = wire_get16(p);
		if (rdlen > skip)
			add_address_records(a, p + 2 + skip);
		p += 2 + rdlen;
	}
}

/* Referral: the cut's NS in authority, glue in additional, AA clear
 * unless the referral ends a CNAME chain we answered. */
static int add_referral(struct answer *a, const struct zone *z, const struct zone_node *cut,
			bool keep_aa)
{
	const struct rrset *ns = node_rrset(cut, TYPE_NS);

	if (!keep_aa)
		render_set_flags(&a->r, 0, DNS_FLAG_AA);
	if (render_rrset(&a->r, SEC_AUTHORITY, cut->name, ns) < 0)
		return -ENOSPC;
	if (a->dnssec && z->dnssec) {
		/* RFC 4035 §3.1.4: the DS of a signed child, else the NSEC proving there is none */
		const struct rrset *ds = node_rrset(cut, TYPE_DS);
		int r = ds ? render_rrset(&a->r, SEC_AUTHORITY, cut->name, ds)
			   : answer_dnssec_nsec(&a->r, z, cut->name, cut, NULL, TYPE_DS, false);
		if (r < 0)
			return -ENOSPC;
	}
	/* Glue for in-bailiwick names must fit (RFC 9471); the rest is optional. */
	const uint8_t *p = ns->rdata;
	for (uint16_t i = 0; i < ns->count; i++) {
		uint16_t rdlen = wire_get16(p);
		const uint8_t *target = p + 2;
		p += 2 + rdlen;
		if (!dname_is_sub(target, cut->name)) {
			add_address_records(a, target);
			continue;
		}
		uint8_t name[DNAME_MAXLEN];
		dname_copy_lower(name, target);
		const struct zone *gz = zonedb_find(a->db, name);
		const struct zone_node *n = gz ? zone_find(gz, name) : NULL;
		if (!n)
			continue;
		const struct rrset *rs = node_rrset(n, TYPE_A);
		if (rs && render_rrset(&a->r, SEC_ADDITIONAL, name, rs) < 0)
			return -ENOSPC;
		rs = node_rrset(n, TYPE_AAAA);
		if (rs && render_rrset(&a->r, SEC_ADDITIONAL, name, rs) < 0)
			return -ENOSPC;
	}
	return 0;
}

/* NXDOMAIN/NODATA: the zone's SOA in authority with the negative TTL, at most max_ttl. */
static int add_negative_soa_ttl(struct answer *a, const struct zone *z, uint32_t max_ttl)
{
	struct rrset soa = *z->soa;

	soa.ttl = z->neg_ttl < max_ttl ? z->neg_ttl : max_ttl;
	return render_rrset(&a->r, SEC_AUTHORITY, z->apex, &soa);
}

/* NXDOMAIN (n NULL and nxname) or NODATA at name: the SOA, and in a signed answer the
 * compact-denial NSEC (answer_dnssec.h), which turns NXDOMAIN into NOERROR (RFC 9824). */
static int add_denial(struct answer *a, const struct zone *z, const uint8_t *name,
		      const struct zone_node *n, const struct service *svc, bool nxname,
		      uint32_t max_ttl)
{
	bool sign = a->dnssec && z->dnssec;

	if (nxname && !sign)
		a->rcode = RCODE_NXDOMAIN;
	if (add_negative_soa_ttl(a, z, max_ttl) < 0)
		return -ENOSPC;
	if (sign && answer_dnssec_nsec(&a->r, z, name, n, svc, a->q->qtype, nxname) < 0)
		return -ENOSPC;
	return 0;
}

/* RFC 8482: ANY gets one RRset of the node, the lowest type present. */
static const struct rrset *any_rrset(const struct zone_node *n)
{
	return n->nrrsets ? &n->rrsets[0] : NULL;
}

/* The IN lookup: zone, node, CNAME chain, wildcard, delegation, negative
 * answers. Returns -ENOSPC when required data did not fit. */
static int answer_in(struct answer *a)
{
	const struct wire_query *q = a->q;
	const struct zone *z = zonedb_find(a->db, q->qname);
	uint8_t cur[DNAME_MAXLEN];

	if (!z) {
		a->rcode = RCODE_REFUSED;
		render_set_flags(&a->r, 0, DNS_FLAG_AA);
		return 0;
	}
	memcpy(cur, q->qname, q->qname_len);
	for (int hops = 0;; hops++) {
		struct lookup_result res;
		zone_lookup(z, cur, q->qtype, &res);
		if (res.kind == LOOKUP_DELEGATION)
			return add_referral(a, z, res.node, hops > 0);
		if (res.kind == LOOKUP_NXDOMAIN)
			return add_denial(a, z, cur, NULL, NULL, true, UINT32_MAX);
		const struct zone_node *n = res.node;
		const uint8_t *owner = res.wildcard ? cur : n->name;
		if (res.wildcard && !a->ctx->rrl_owner)
			a->ctx->rrl_owner = n->name;
		if (n->service && !res.wildcard) {
			const uint8_t *target = NULL;
			int sr = service_answer(a->ctx, a->snap, q, a->src, n->service, owner,
						&a->r, &a->ecs_scope, &target);
			if (sr < 0)
				return sr;
			if (sr == SVC_NODATA)
				return add_denial(a, z, cur, n, n->service, false, UINT32_MAX);
			if (sr == SVC_EMPTY) /* nothing up: resolvers come back soon */
				return add_denial(a, z, cur, n, n->service, false,
						  service_fail_open_ttl(n->service));
			if (sr == SVC_ANSWERED || hops + 1 >= MAX_CNAME_HOPS)
				return 0;
			memcpy(cur, target, dname_len(target));
			z = zonedb_find(a->db, cur);
			if (!z)
				return 0;
			continue;
		}
		const struct rrset *rs =
		    q->qtype == TYPE_ANY ? any_rrset(n) : node_rrset(n, q->qtype);
		if (rs) {
			if (render_rrset(&a->r, SEC_ANSWER, owner, rs) < 0)
				return -ENOSPC;
			add_additional(a, rs);
			return 0;
		}
		const struct rrset *cname = node_rrset(n, TYPE_CNAME);
		if (!cname)
			return add_denial(a, z, cur, n, NULL, false, UINT32_MAX); /* NODATA */
		if (render_rrset(&a->r, SEC_ANSWER, owner, cname) < 0)
			return -ENOSPC;
		if (hops + 1 >= MAX_CNAME_HOPS)
			return 0;
		dname_copy_lower(cur, cname->rdata + 2);
		z = zonedb_find(a->db, cur);
		if (!z)
			return 0; /* target outside our zones: the resolver goes on */
	}
}

/* CHAOS TXT id.server/hostname.bind and version.bind/version.server. */
static void answer_chaos(struct answer *a)
{
	static const uint8_t id_server[] = "\2id\6server";
	static const uint8_t hostname_bind[] = "\10hostname\4bind";
	static const uint8_t version_bind[] = "\7version\4bind";
	static const uint8_t version_server[] = "\7version\6server";
	const struct wire_query *q = a->q;
	const char *text = NULL;

	if (dname_equal(q->qname, id_server) || dname_equal(q->qname, hostname_bind))
		text = a->conf->identity;
	else if (dname_equal(q->qname, version_bind) || dname_equal(q->qname, version_server))
		text = a->conf->version;
	if (!text || !*text || (q->qtype != TYPE_TXT && q->qtype != TYPE_ANY)) {
		a->rcode = RCODE_REFUSED;
		render_set_flags(&a->r, 0, DNS_FLAG_AA);
		return;
	}
	uint8_t rdata[256];
	size_t tlen = strlen(text);
	if (tlen > 255)
		tlen = 255;
	rdata[0] = (uint8_t)tlen;
	memcpy(rdata + 1, text, tlen);
	if (render_rr(&a->r, SEC_ANSWER, q->qname, TYPE_TXT, CLASS_CH, 0, rdata,
		      (uint16_t)(tlen + 1)) < 0)
		a->truncated = true;
}

static size_t opt_len(const struct answer *a)
{
	const struct wire_query *q = a->q;
	size_t len = OPT_FIXED_LEN;

	if (q->nsid && a->conf->identity[0])
		len += 4 + strlen(a->conf->identity);
	if (q->has_ecs)
		len += 4 + 4 + (q->ecs.source + 7u) / 8u;
	return len;
}

/* The OPT record (RFC 6891 §6.1), with NSID and the ECS echo (scope 0 for
 * static data, the same for every client, RFC 7871 §7.2.1; for service
 * answers the prefix the chain's decision depended on, service_answer). */
static void add_opt(struct answer *a, uint16_t ext_rcode)
{
	const struct wire_query *q = a->q;
	uint8_t rd[4 + 255 + 8 + 16];
	size_t n = 0;

	if (q->nsid && a->conf->identity[0]) {
		size_t ilen = strlen(a->conf->identity);
		if (ilen > 255)
			ilen = 255;
		wire_put16(rd, EDNS_OPT_NSID);
		wire_put16(rd + 2, (uint16_t)ilen);
		memcpy(rd + 4, a->conf->identity, ilen);
		n = 4 + ilen;
	}
	if (q->has_ecs) {
		size_t abytes = (q->ecs.source + 7u) / 8u;
		wire_put16(rd + n, EDNS_OPT_ECS);
		wire_put16(rd + n + 2, (uint16_t)(4 + abytes));
		wire_put16(rd + n + 4, q->ecs.family);
		rd[n + 6] = q->ecs.source;
		rd[n + 7] = a->ecs_scope;
		memcpy(rd + n + 8, q->ecs.addr, abytes);
		n += 8 + abytes;
	}
	static const uint8_t root[] = "";
	uint32_t ttl = (uint32_t)(ext_rcode >> 4) << 24 | (q->edns_flags & EDNS_DO);
	render_rr(&a->r, SEC_ADDITIONAL, root, TYPE_OPT, a->conf->max_udp_size, ttl, rd,
		  (uint16_t)n);
}

/* The thread's signing state when the answer must be signed (DO=1, an IN query for a
 * signed zone), made on the first such query; NULL otherwise. *oom: it could not be made. */
static struct dnssec_thread *signing(struct answer_ctx *ctx, const struct snapshot *snap,
				     const struct wire_query *q, bool *oom)
{
	const struct zonedb *db = snap->zones;
	size_t slots = snap->conf->dnssec_cache;
	struct dnssec_thread *t;
	const struct zone *z;

	*oom = false;
	if (!q->edns || !(q->edns_flags & EDNS_DO) || !q->has_question || q->qclass != CLASS_IN ||
	    !(z = zonedb_find(db, q->qname)) || !z->dnssec)
		return NULL;
	t = atomic_load_explicit(&ctx->dnssec, memory_order_relaxed);
	if (unlikely(!t)) {
		t = answer_dnssec_thread_new(slots);
		if (!t) {
			*oom = true;
			return NULL;
		}
		atomic_store_explicit(&ctx->dnssec, t, memory_order_release);
	} else if (unlikely(t->cache.mask + 1 != sigcache_slots(slots))) {
		/* a reload changed server.dnssec_cache: start over at the new size */
		if (sigcache_init(&t->cache, slots) < 0) {
			*oom = true;
			return NULL;
		}
	}
	return t;
}

/* Second pass of a signed answer: the unsigned message in t->msg (a->r) is copied into
 * resp with the RRSIGs, within limit; a->r then describes resp. */
static void sign_into(struct answer *a, struct dnssec_thread *t, uint8_t *resp, size_t limit,
		      size_t reserve)
{
	struct render out;
	size_t inlen = render_finish(&a->r);

	render_init(&out, resp, limit, a->q->id, wire_get16(t->msg + 2));
	render_question(&out, a->q->qname_case, a->q->qtype, a->q->qclass);
	size_t body_start = out.len;
	out.limit = limit >= body_start + reserve ? limit - reserve : body_start;
	int r = a->truncated ? -ENOSPC : answer_dnssec_sign(t, a->db, t->msg, inlen, &out);
	out.limit = limit;
	a->r = out;
	if (r == -ENOSPC) {
		fail_tc(a, body_start);
	} else if (r < 0) {
		/* OpenSSL failed (out of memory): the keys were checked at load */
		log_debug("event=dnssec_sign_failed");
		a->rcode = RCODE_SERVFAIL;
		fail_tc(a, body_start);
		a->truncated = false;
	}
}

static size_t udp_limit(const struct wire_query *q, const struct conf *conf)
{
	if (!q->edns)
		return DNS_MIN_UDP;
	size_t lim = q->udp_size < conf->max_udp_size ? q->udp_size : conf->max_udp_size;
	return lim < DNS_MIN_UDP ? DNS_MIN_UDP : lim;
}

static uint16_t verdict_rcode(enum wire_verdict v)
{
	switch (v) {
	case WIRE_FORMERR:
		return RCODE_FORMERR;
	case WIRE_NOTIMP:
		return RCODE_NOTIMP;
	case WIRE_BADVERS:
		return RCODE_BADVERS;
	default:
		return RCODE_NOERROR;
	}
}

size_t answer_packet(struct answer_ctx *ctx, const struct snapshot *snap, const uint8_t *req,
		     size_t reqlen, uint8_t *resp, size_t respcap, const struct sockaddr *src,
		     bool tcp)
{
	struct wire_query q;
	struct answer a;
	enum wire_verdict v = wire_parse_query(req, reqlen, &q);

	counter_inc(&ctx->stats.queries);
	ctx->rrl_owner = NULL;
	if (unlikely(v == WIRE_DROP)) {
		counter_inc(&ctx->stats.dropped);
		log_debug("event=drop reason=\"%s\"", q.reason);
		return 0;
	}
	if (q.has_question)
		counter_inc(&ctx->stats.qtype[qtype_slot(q.qtype)]);
	a.ctx = ctx;
	a.snap = snap;
	a.src = src;
	a.ecs_scope = 0;
	a.q = &q;
	a.conf = snap->conf;
	a.db = snap->zones;
	a.rcode = verdict_rcode(v);
	a.truncated = false;

	size_t limit = tcp ? ANSWER_MAX_TCP : udp_limit(&q, a.conf);
	if (limit > respcap)
		limit = respcap;
	uint16_t flags =
	    DNS_FLAG_QR | DNS_FLAG_AA | (q.flags & (DNS_FLAG_RD | DNS_FLAG_CD | 0x7800));
	bool oom;
	struct dnssec_thread *sign = signing(ctx, snap, &q, &oom);
	a.dnssec = sign != NULL;
	if (unlikely(oom))
		a.rcode = RCODE_SERVFAIL;
	/* a signed answer is first written whole, unsigned, into the thread's scratch */
	render_init(&a.r, sign ? sign->msg : resp, sign ? DNSSEC_SCRATCH : limit, q.id, flags);
	if (q.has_question)
		render_question(&a.r, q.qname_case, q.qtype, q.qclass);
	if (q.edns) {
		counter_inc(&ctx->stats.edns);
		if (q.has_ecs)
			counter_inc(&ctx->stats.ecs);
	}

	size_t reserve = q.edns ? opt_len(&a) : 0;
	size_t body_start = a.r.len;
	if (a.rcode == RCODE_NOERROR && a.r.limit >= body_start + reserve) {
		a.r.limit -= reserve;
		if (q.qtype == TYPE_AXFR || q.qtype == TYPE_IXFR) {
			a.rcode = RCODE_REFUSED; /* no zone transfers */
		} else if (q.qtype == TYPE_OPT || q.qtype == TYPE_MAILA || q.qtype == TYPE_MAILB) {
			a.rcode = q.qtype == TYPE_OPT ? RCODE_FORMERR : RCODE_NOTIMP;
		} else if (q.qclass == CLASS_IN || q.qclass == CLASS_ANY) {
			if (answer_in(&a) < 0)
				fail_tc(&a, body_start);
		} else if (q.qclass == CLASS_CH) {
			answer_chaos(&a);
		} else {
			a.rcode = RCODE_REFUSED;
		}
		a.r.limit += reserve;
	}
	if (sign)
		sign_into(&a, sign, resp, limit, reserve);
	if (a.rcode != RCODE_NOERROR && a.rcode != RCODE_NXDOMAIN)
		render_set_flags(&a.r, 0, DNS_FLAG_AA); /* errors are not authoritative data */
	if (a.truncated) {
		render_set_flags(&a.r, DNS_FLAG_TC, 0);
		counter_inc(&ctx->stats.truncated);
	}
	render_set_rcode(&a.r, a.rcode);
	if (q.edns)
		add_opt(&a, a.rcode);
	counter_inc(&ctx->stats.rcode[a.rcode < 24 ? a.rcode : 23]);
	return render_finish(&a.r);
}
