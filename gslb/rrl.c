/* SPDX-License-Identifier: Apache-2.0 */
/* rrl.c — response rate limiting: a shared lock-free table of GCRA token buckets */
#include "config.h"

#include "rrl.h"

#include "conf.h"
#include "dname.h"
#include "log.h"
#include "wire.h"

#include <urcu.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/*
 * One bucket is one 64-bit word, so that a compare-and-swap updates it whole:
 *
 *   63..44  tag: 20 more bits of the key's hash (never 0), to tell keys in one slot apart
 *   43..40  limited answers since the last slip, 0..slip-1
 *   39..0   TAT, the "theoretical arrival time" of GCRA, in µs modulo 2^40 (12.7 days)
 *
 * GCRA holds a token bucket in one time: an answer at now conforms when
 * TAT - now <= tau, and then moves TAT to max(TAT, now) + T, where T = 1/rate
 * and tau = (depth - 1) × T with depth = rate × window. A bucket whose TAT is
 * in the past is full. Limited answers leave TAT alone (tokens, not debt):
 * a sustained flood gets exactly rate answers per second. A word of 0 is an
 * empty slot. The modular TAT is read as a signed difference to now; one
 * further in the future than tau + T cannot be real (a wrap after days of
 * idling) and counts as full.
 */
#define TAT_BITS 40
#define TAT_MASK ((UINT64_C(1) << TAT_BITS) - 1)
#define CNT_SHIFT 40
#define CNT_MASK UINT64_C(0xf)
#define TAG_SHIFT 44

/* The kinds of answer, each its own bucket. */
enum rrl_kind {
	KIND_ANSWER = 0, /* NOERROR with records: qname (or wildcard owner) + qtype */
	KIND_NXDOMAIN,	 /* zone apex, at nxdomain_per_second */
	KIND_ERROR,	 /* other rcodes: the rcode alone */
	KIND_EMPTY,	 /* NOERROR without answers (NODATA, referral): zone or cut, any qtype */
};

struct rrl_counter {
	_Alignas(64) atomic_uint_least64_t dropped; /* own cache line: bumped under a flood */
	atomic_uint_least64_t slipped;
	atomic_uint_least64_t collisions;
};

struct rrl {
	struct conf_rrl conf;  /* copy; conf.exempt owned */
	uint64_t k0, k1;       /* hash secrets */
	uint64_t t_us, tau_us; /* emission interval and tolerance of answers */
	uint64_t t_nx_us, tau_nx_us;
	uint8_t mask4[4], mask6[16];
	struct rrl_counter cnt;
	_Atomic uint64_t *table; /* RRL_BUCKETS words */
};

static void prefix_mask(uint8_t *mask, size_t len, int prefix)
{
	for (size_t i = 0; i < len; i++) {
		int bits = prefix - (int)i * 8;

		mask[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	}
}

static void set_rate(int rate, int window, uint64_t *t, uint64_t *tau)
{
	*t = 1000000u / (uint64_t)rate;
	if (*t == 0)
		*t = 1;
	*tau = (uint64_t)window * 1000000u - *t;
}

struct rrl *rrl_new(const struct conf_rrl *c)
{
	struct rrl *r;
	uint64_t seed[2];

	if (!c || !c->enabled)
		return NULL;
	if (posix_memalign((void **)&r, 64, sizeof(*r)) != 0)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->conf = *c;
	r->conf.exempt = NULL;
	if (c->nexempt) {
		r->conf.exempt = malloc(c->nexempt * sizeof(*c->exempt));
		if (!r->conf.exempt)
			goto fail;
		memcpy(r->conf.exempt, c->exempt, c->nexempt * sizeof(*c->exempt));
	}
	r->table = calloc(RRL_BUCKETS, sizeof(*r->table));
	if (!r->table)
		goto fail;
	/* A secret seed: keys an attacker cannot predict cannot be aimed at one slot
	 * (which would reset a bucket on every answer). */
	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed[0] = (uint64_t)ts.tv_nsec * UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)ts.tv_sec;
		seed[1] = (uint64_t)(uintptr_t)r * UINT64_C(0xc2b2ae3d27d4eb4f) ^ seed[0];
	}
	r->k0 = seed[0] | 1;
	r->k1 = seed[1] | 1;
	set_rate(c->responses_per_second, c->window, &r->t_us, &r->tau_us);
	set_rate(c->nxdomain_per_second ? c->nxdomain_per_second : c->responses_per_second,
		 c->window, &r->t_nx_us, &r->tau_nx_us);
	prefix_mask(r->mask4, sizeof(r->mask4), c->ipv4_prefix);
	prefix_mask(r->mask6, sizeof(r->mask6), c->ipv6_prefix);
	return r;
fail:
	rrl_free(r);
	return NULL;
}

void rrl_free(struct rrl *r)
{
	if (!r)
		return;
	free(r->conf.exempt);
	free(r->table);
	free(r);
}

bool rrl_conf_equal(const struct rrl *r, const struct conf_rrl *c)
{
	const struct conf_rrl *a;

	if (!r || !c || !c->enabled)
		return !r && (!c || !c->enabled);
	a = &r->conf;
	return a->responses_per_second == c->responses_per_second && a->window == c->window &&
	       a->slip == c->slip && a->ipv4_prefix == c->ipv4_prefix &&
	       a->ipv6_prefix == c->ipv6_prefix &&
	       a->nxdomain_per_second == c->nxdomain_per_second && a->nexempt == c->nexempt &&
	       (c->nexempt == 0 || !memcmp(a->exempt, c->exempt, c->nexempt * sizeof(*c->exempt)));
}

/* ---- keys ---- */

static inline uint64_t mum(uint64_t a, uint64_t b)
{
	unsigned __int128 p = (unsigned __int128)a * b;

	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

/* A keyed multiply-fold hash (wyhash style): fast, and without the secrets an
 * attacker cannot choose colliding keys offline. */
static uint64_t key_hash(const struct rrl *r, const uint64_t head[3], const uint8_t *name,
			 size_t nlen)
{
	uint64_t h = r->k0 ^ nlen;
	size_t i;

	for (i = 0; i < 3; i++)
		h = mum(h ^ head[i], r->k1 ^ UINT64_C(0xa0761d6478bd642f));
	for (i = 0; i + 8 <= nlen; i += 8) {
		uint64_t w;

		memcpy(&w, name + i, 8);
		h = mum(h ^ w, r->k1 ^ UINT64_C(0xe7037ed1a0b428db));
	}
	if (i < nlen) {
		uint64_t w = 0;

		memcpy(&w, name + i, nlen - i);
		h = mum(h ^ w, r->k1 ^ UINT64_C(0x8ebc6af09c88c6e3));
	}
	return mum(h, r->k0 ^ UINT64_C(0x589965cc75374cc3));
}

static bool net_match(const struct conf_rrl_net *n, int family, const uint8_t *addr)
{
	int full = n->prefix / 8, rest = n->prefix % 8;

	if (n->family != family || memcmp(n->addr, addr, (size_t)full) != 0)
		return false;
	return rest == 0 || ((addr[full] ^ n->addr[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* ---- the decision ---- */

static inline int64_t tat_diff(uint64_t tat40, uint64_t now40)
{
	/* sign-extend the 40-bit modular difference */
	return (int64_t)(((tat40 - now40) & TAT_MASK) << (64 - TAT_BITS)) >> (64 - TAT_BITS);
}

enum rrl_action rrl_decide(struct rrl *r, const struct sockaddr *client, const uint8_t *name,
			   uint16_t qtype, uint16_t rcode, uint64_t now_ms)
{
	uint64_t head[3] = {0, 0, 0};
	uint8_t addr[16];
	const uint8_t *mask;
	int family = client->sa_family;
	size_t alen, nlen = 0;
	enum rrl_kind kind;
	uint64_t t, tau;

	if (!r)
		return RRL_SEND;
	if (family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)client)->sin_addr, 4);
		alen = 4;
		mask = r->mask4;
	} else if (family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)client)->sin6_addr, 16);
		alen = 16;
		mask = r->mask6;
	} else {
		return RRL_SEND;
	}
	for (size_t i = 0; i < r->conf.nexempt; i++)
		if (net_match(&r->conf.exempt[i], family, addr))
			return RRL_SEND;
	for (size_t i = 0; i < alen; i++)
		addr[i] &= mask[i];

	if (rcode == RCODE_NOERROR && qtype == RRL_QTYPE_EMPTY) {
		kind = KIND_EMPTY;
		qtype = 0;
		t = r->t_us;
		tau = r->tau_us;
	} else if (rcode == RCODE_NOERROR) {
		kind = KIND_ANSWER;
		t = r->t_us;
		tau = r->tau_us;
	} else if (rcode == RCODE_NXDOMAIN) {
		kind = KIND_NXDOMAIN;
		qtype = 0;
		t = r->t_nx_us;
		tau = r->tau_nx_us;
	} else {
		kind = KIND_ERROR;
		qtype = rcode;
		name = NULL;
		t = r->t_us;
		tau = r->tau_us;
	}
	if (name)
		nlen = dname_len(name);
	head[0] = (uint64_t)family | (uint64_t)kind << 8 | (uint64_t)qtype << 16;
	memcpy(&head[1], addr, alen);

	uint64_t h = key_hash(r, head, name, nlen);
	_Atomic uint64_t *slot = &r->table[h & (RRL_BUCKETS - 1)];
	uint64_t tag = ((h >> TAG_SHIFT) | 1) << TAG_SHIFT;
	uint64_t now40 = (now_ms * 1000) & TAT_MASK;
	uint64_t old = atomic_load_explicit(slot, memory_order_relaxed);
	uint64_t nw, cnt;
	enum rrl_action act;
	bool collided;

	do {
		int64_t d = 0;

		collided = false;
		cnt = 0;
		if ((old & ~(TAT_MASK | CNT_MASK << CNT_SHIFT)) == tag) {
			d = tat_diff(old & TAT_MASK, now40);
			cnt = (old >> CNT_SHIFT) & CNT_MASK;
			if (d < 0 || d > (int64_t)(tau + t))
				d = 0; /* full (or a wrapped TAT: counts as full) */
		} else {
			collided = old != 0;
		}
		if (d <= (int64_t)tau) {
			act = RRL_SEND;
			nw = tag | cnt << CNT_SHIFT | ((now40 + (uint64_t)d + t) & TAT_MASK);
		} else {
			cnt++;
			if (r->conf.slip > 0 && cnt >= (uint64_t)r->conf.slip) {
				act = RRL_SLIP;
				cnt = 0;
			} else {
				act = RRL_DROP;
				if (r->conf.slip == 0)
					cnt = 0;
			}
			nw = tag | cnt << CNT_SHIFT | (old & TAT_MASK);
		}
	} while (!atomic_compare_exchange_weak_explicit(slot, &old, nw, memory_order_relaxed,
							memory_order_relaxed));

	if (unlikely(collided))
		atomic_fetch_add_explicit(&r->cnt.collisions, 1, memory_order_relaxed);
	if (act == RRL_DROP)
		atomic_fetch_add_explicit(&r->cnt.dropped, 1, memory_order_relaxed);
	else if (act == RRL_SLIP)
		atomic_fetch_add_explicit(&r->cnt.slipped, 1, memory_order_relaxed);
	return act;
}

/* ---- responses ---- */

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Moves *pos past a possibly compressed name; false when it runs off the packet. */
static bool skip_name(const uint8_t *p, size_t len, size_t *pos)
{
	size_t i = *pos;

	while (i < len) {
		uint8_t b = p[i];

		if (b == 0) {
			*pos = i + 1;
			return true;
		}
		if ((b & 0xc0) == 0xc0) {
			if (i + 2 > len)
				return false;
			*pos = i + 2;
			return true;
		}
		if (b & 0xc0)
			return false;
		i += (size_t)b + 1;
	}
	return false;
}

/* Moves *pos past one resource record; returns its type, or -1 when malformed. */
static int skip_rr(const uint8_t *p, size_t len, size_t *pos)
{
	size_t i = *pos;
	int type;

	if (!skip_name(p, len, &i) || i + 10 > len)
		return -1;
	type = rd16(p + i);
	i += 10 + rd16(p + i + 8);
	if (i > len)
		return -1;
	*pos = i;
	return type;
}

int rrl_parse_response(const uint8_t *resp, size_t len, struct rrl_resp *out)
{
	size_t pos = DNS_HEADER_LEN;

	if (len < DNS_HEADER_LEN)
		return -EBADMSG;
	out->rcode = resp[3] & 0xf;
	out->qtype = 0;
	out->name[0] = 0;
	out->qend = DNS_HEADER_LEN;
	if (rd16(resp + 4) == 0)
		return 0; /* FORMERR and friends may come without a question */
	if (dname_unpack(resp, len, &pos, out->name) < 0 || pos + 4 > len)
		return -EBADMSG;
	dname_lower(out->name);
	out->qtype = rd16(resp + pos);
	pos += 4;
	out->qend = pos;
	unsigned an = rd16(resp + 6), ns = rd16(resp + 8);
	bool empty = out->rcode == RCODE_NOERROR && an == 0;
	if (out->rcode != RCODE_NXDOMAIN && !empty)
		return 0;
	if (empty)
		out->qtype = RRL_QTYPE_EMPTY;

	/* NXDOMAIN, NODATA: the zone is the owner of the SOA in the authority section; a
	 * referral: the cut, owner of the NS records. Random names (NXDOMAIN) or random
	 * qtypes (NODATA) then all land in one bucket. */
	for (unsigned i = 0; i < an; i++)
		if (skip_rr(resp, len, &pos) < 0)
			return 0;
	for (unsigned i = 0; i < ns; i++) {
		uint8_t owner[DNAME_MAXLEN];
		size_t at = pos;
		int type = skip_rr(resp, len, &pos);

		if (type != TYPE_SOA && (type != TYPE_NS || !empty))
			continue;
		if (dname_unpack(resp, len, &at, owner) > 0) {
			dname_copy_lower(out->name, owner);
			break;
		}
	}
	return 0;
}

size_t rrl_slip_response(uint8_t *resp, size_t len, size_t qend)
{
	size_t pos = qend, opt = 0, optlen = 0;
	unsigned n;

	if (len < DNS_HEADER_LEN || qend > len)
		return len;
	n = (unsigned)rd16(resp + 6) + rd16(resp + 8) + rd16(resp + 10);
	for (unsigned i = 0; i < n; i++) {
		size_t at = pos;
		int type = skip_rr(resp, len, &pos);

		if (type < 0)
			break;
		if (type == TYPE_OPT) {
			opt = at;
			optlen = pos - at;
			break;
		}
	}
	if (optlen)
		memmove(resp + qend, resp + opt, optlen);
	resp[2] |= DNS_FLAG_TC >> 8;
	wr16(resp + 6, 0);
	wr16(resp + 8, 0);
	wr16(resp + 10, optlen ? 1 : 0);
	return qend + optlen;
}

size_t rrl_udp(struct rrl *r, uint8_t *resp, size_t len, const struct sockaddr *client,
	       const uint8_t *wildcard, uint64_t now_ms)
{
	struct rrl_resp p;

	if (!r || rrl_parse_response(resp, len, &p) < 0)
		return len;
	if (wildcard && p.rcode == RCODE_NOERROR && p.qtype != RRL_QTYPE_EMPTY)
		dname_copy_lower(p.name, wildcard);
	switch (rrl_decide(r, client, p.name, p.qtype, p.rcode, now_ms)) {
	case RRL_SEND:
		return len;
	case RRL_DROP:
		return 0;
	case RRL_SLIP:
		return rrl_slip_response(resp, len, p.qend);
	}
	return len;
}

void rrl_stats(const struct rrl *r, struct rrl_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!r)
		return;
	st->dropped = atomic_load_explicit(&r->cnt.dropped, memory_order_relaxed);
	st->slipped = atomic_load_explicit(&r->cnt.slipped, memory_order_relaxed);
	st->collisions = atomic_load_explicit(&r->cnt.collisions, memory_order_relaxed);
}

/* ---- the published limiter ---- */

static struct rrl *current;

int rrl_configure(const struct conf_rrl *c)
{
	struct rrl *cur = rcu_dereference(current);
	struct rrl *nr = NULL, *old;

	if (rrl_conf_equal(cur, c))
		return 0;
	if (c && c->enabled) {
		nr = rrl_new(c);
		if (!nr)
			return -ENOMEM;
	}
	old = rcu_xchg_pointer(&current, nr);
	if (old) {
		synchronize_rcu();
		/* keep the counters monotonic for metrics (lost if RRL is turned off) */
		if (nr) {
			atomic_fetch_add(&nr->cnt.dropped, atomic_load(&old->cnt.dropped));
			atomic_fetch_add(&nr->cnt.slipped, atomic_load(&old->cnt.slipped));
			atomic_fetch_add(&nr->cnt.collisions, atomic_load(&old->cnt.collisions));
		}
		rrl_free(old);
	}
	if (nr)
		log_info("event=rrl_configured responses_per_second=%d nxdomain_per_second=%d "
			 "window=%d slip=%d ipv4_prefix=%d ipv6_prefix=%d exempt=%zu",
			 c->responses_per_second, c->nxdomain_per_second, c->window, c->slip,
			 c->ipv4_prefix, c->ipv6_prefix, c->nexempt);
	else
		log_info("event=rrl_configured state=off");
	return 0;
}

struct rrl *rrl_get(void)
{
	return rcu_dereference(current);
}

void rrl_stats_published(struct rrl_stats *st)
{
	rrl_stats(rrl_get(), st);
}

void rrl_shutdown(void)
{
	struct rrl *old = rcu_xchg_pointer(&current, NULL);

	if (old) {
		synchronize_rcu();
		rrl_free(old);
	}
}
