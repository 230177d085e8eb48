/* SPDX-License-Identifier: Apache-2.0 */
/* answer_dnssec.c — signed answers: RRSIGs from the thread's cache or made, compact denial NSEC */
#include "config.h"

#include "answer_dnssec.h"

#include "counter.h"
#include "dname.h"
#include "dnssec.h"
#include "log.h"
#include "render.h"
#include "service.h"
#include "wire.h"
#include "zone.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RRSIG_FIXED 18 /* type covered .. key tag */

struct dnssec_thread *answer_dnssec_thread_new(size_t cache_slots)
{
	struct dnssec_thread *t = calloc(1, sizeof(*t));

	if (t && sigcache_init(&t->cache, cache_slots) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

void answer_dnssec_thread_free(struct dnssec_thread *t)
{
	if (!t)
		return;
	sigcache_free(&t->cache);
	free(t);
}

/* ---- compact denial ---- */

static void bit(uint8_t *bm, uint16_t type)
{
	bm[type / 8] |= (uint8_t)(0x80 >> (type % 8));
}

/* The types a service name can answer: A, AAAA from its members and fallback members. A
 * CNAME member is left out on purpose: a validator rejects a NODATA proof whose NSEC has the
 * CNAME bit (the CNAME should have been followed), and a CNAME answer needs no NSEC. */
static void service_types(const struct service *svc, uint8_t *bm)
{
	for (int pass = 0; pass < 2; pass++) {
		const struct member *m = pass ? svc->fallback_members : svc->members;
		size_t n = pass ? svc->nfallback : svc->nmembers;
		for (size_t i = 0; i < n; i++) {
			if (m[i].cname)
				continue;
			if (m[i].nipv4)
				bit(bm, TYPE_A);
			if (m[i].nipv6)
				bit(bm, TYPE_AAAA);
		}
	}
}

int answer_dnssec_nsec(struct render *r, const struct zone *z, const uint8_t *owner,
		       const struct zone_node *n, const struct service *svc, uint16_t qtype,
		       bool nxname)
{
	uint8_t bm[8192] = {0}; /* every type, one bit each */
	uint8_t rd[DNAME_MAXLEN + 1 + 34 * 256];
	size_t len = 0, olen = dname_len(owner);

	bit(bm, TYPE_RRSIG);
	bit(bm, TYPE_NSEC);
	if (nxname) {
		bit(bm, TYPE_NXNAME);
	} else if (svc) {
		service_types(svc, bm);
		bm[qtype / 8] &= (uint8_t) ~(0x80 >> (qtype % 8)); /* it just answered empty */
	} else if (n) {
		for (uint16_t i = 0; i < n->nrrsets; i++)
			bit(bm, n->rrsets[i].type);
	}
	/* next name: the immediate successor, "\000" prepended (RFC 4470 §3.1.2) */
	if (olen + 2 <= DNAME_MAXLEN) {
		rd[0] = 1;
		rd[1] = 0;
		memcpy(rd + 2, owner, olen);
		len = olen + 2;
	} else { /* no room for a label: the successor is the name itself plus \000 in label 1 */
		memcpy(rd, owner, olen);
		len = olen;
	}
	for (unsigned win = 0; win < 256; win++) {
		const uint8_t *w = bm + win * 32;
		int last = -1;
		for (int i = 31; i >= 0 && last < 0; i--)
			if (w[i])
				last = i;
		if (last < 0)
			continue;
		rd[len++] = (uint8_t)win;
		rd[len++] = (uint8_t)(last + 1);
		memcpy(rd + len, w, (size_t)last + 1);
		len += (size_t)last + 1;
	}
	return render_rr(r, SEC_AUTHORITY, owner, TYPE_NSEC, CLASS_IN, z->neg_ttl, rd,
			 (uint16_t)len);
}

/* ---- reading the unsigned message back ---- */

/* Offsets of names inside rdata that is compressed by render.c (and so is decompressed
 * here) and lowercased in the canonical form (RFC 4034 §6.2, as amended by RFC 6840 §5.1). */
static int rdata_names(uint16_t type, size_t *fixed)
{
	*fixed = 0;
	switch (type) {
	case TYPE_NS:
	case TYPE_CNAME:
	case TYPE_PTR:
	case TYPE_DNAME:
		return 1;
	case TYPE_MX:
		*fixed = 2;
		return 1;
	case TYPE_SRV:
		*fixed = 6;
		return 1;
	case TYPE_SOA:
		return 2;
	default:
		return 0;
	}
}

/* Parses the records of in into t->rrs (names and rdata decompressed). Returns the
 * record count, or -EBADMSG (our own message: never expected). */
static int parse(struct dnssec_thread *t, const uint8_t *in, size_t inlen)
{
	size_t pos = DNS_HEADER_LEN, nlen = 0, rlen = 0;
	unsigned counts[3] = {wire_get16(in + 6), wire_get16(in + 8), wire_get16(in + 10)};
	int n = 0;

	if (wire_get16(in + 4) && (dname_skip(in, inlen, &pos) < 0 || (pos += 4) > inlen))
		return -EBADMSG;
	for (unsigned sec = 0; sec < 3; sec++) {
		for (unsigned i = 0; i < counts[sec]; i++) {
			struct dnssec_rr *rr = &t->rrs[n];
			if (n >= DNSSEC_MAX_RRS || nlen + DNAME_MAXLEN > sizeof(t->names))
				return -EBADMSG;
			int l = dname_unpack(in, inlen, &pos, t->names + nlen);
			if (l < 0 || pos + 10 > inlen)
				return -EBADMSG;
			dname_lower(t->names + nlen);
			rr->owner = (uint32_t)nlen;
			nlen += (size_t)l;
			rr->sec = (uint8_t)sec;
			rr->type = wire_get16(in + pos);
			rr->rclass = wire_get16(in + pos + 2);
			rr->ttl =
			    (uint32_t)wire_get16(in + pos + 4) << 16 | wire_get16(in + pos + 6);
			size_t rdlen = wire_get16(in + pos + 8), end;
			pos += 10;
			end = pos + rdlen;
			if (end > inlen || rlen + rdlen + 2 * DNAME_MAXLEN > sizeof(t->rdata))
				return -EBADMSG;
			rr->rdata = (uint32_t)rlen;
			size_t fixed;
			int names = rdata_names(rr->type, &fixed);
			if (names == 0 || rr->type == TYPE_SRV || rr->type == TYPE_DNAME) {
				memcpy(t->rdata + rlen, in + pos, rdlen);
				rlen += rdlen;
			} else {
				memcpy(t->rdata + rlen, in + pos, fixed);
				rlen += fixed;
				pos += fixed;
				for (int k = 0; k < names; k++) {
					int nl = dname_unpack(in, inlen, &pos, t->rdata + rlen);
					if (nl < 0)
						return -EBADMSG;
					rlen += (size_t)nl;
				}
				if (pos > end)
					return -EBADMSG;
				memcpy(t->rdata + rlen, in + pos, end - pos);
				rlen += end - pos;
			}
			rr->rdlen = (uint16_t)(rlen - rr->rdata);
			pos = end;
			n++;
		}
	}
	return n;
}

/* ---- signing ---- */

/* RRsets that are signed: those of a signed zone, but not the NS of a delegation nor glue
 * (RFC 4035 §2.2); DS and the NSEC at a cut belong to the parent and are signed. */
static const struct zone *signer(const struct zonedb *db, const uint8_t *owner, uint16_t type)
{
	const struct zone *z = zonedb_find(db, owner);
	struct lookup_result res;

	if (!z || !z->dnssec || type == TYPE_RRSIG || type == TYPE_OPT)
		return NULL;
	zone_lookup(z, owner, type, &res);
	if (res.kind == LOOKUP_DELEGATION &&
	    !((type == TYPE_DS || type == TYPE_NSEC) && dname_equal(res.node->name, owner)))
		return NULL;
	return z;
}

static int cmp_rdata(const uint8_t *a, const uint8_t *b)
{
	uint16_t la = wire_get16(a), lb = wire_get16(b);
	int c = memcmp(a + 2, b + 2, la < lb ? la : lb);

	return c ? c : (la > lb) - (la < lb);
}

/* Builds the cache key of records rrs[0..n) into t->key: owner, type, class, TTL, then each
 * canonical rdata with its length, sorted and without duplicates (RFC 4034 §6.3). */
static size_t canonical(struct dnssec_thread *t, const struct dnssec_rr *rrs, size_t n)
{
	const uint8_t *owner = t->names + rrs[0].owner;
	size_t olen = dname_len(owner), len = olen + 8;
	uint8_t *sorted[DNSSEC_MAX_RRS];
	uint8_t *k = t->key;

	memcpy(k, owner, olen);
	wire_put16(k + olen, rrs[0].type);
	wire_put16(k + olen + 2, rrs[0].rclass);
	wire_put32(k + olen + 4, rrs[0].ttl);
	/* lay the rdata out first, lowercasing names in place, then sort pointers */
	size_t at = len;
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = k + at;
		wire_put16(p, rrs[i].rdlen);
		memcpy(p + 2, t->rdata + rrs[i].rdata, rrs[i].rdlen);
		size_t fixed;
		int names = rdata_names(rrs[i].type, &fixed);
		uint8_t *nm = p + 2 + fixed;
		for (int j = 0; j < names; j++) {
			dname_lower(nm);
			nm += dname_len(nm);
		}
		sorted[i] = p;
		at += 2u + rrs[i].rdlen;
	}
	for (size_t i = 1; i < n; i++) { /* insertion sort: RRsets are small */
		uint8_t *x = sorted[i];
		size_t j = i;
		while (j > 0 && cmp_rdata(sorted[j - 1], x) > 0) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = x;
	}
	/* rewrite in sorted order through tmp space at the end of key */
	size_t out = len;
	uint8_t *dst = t->tbs; /* free until signing: stage the sorted rdata here */
	size_t staged = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = 2u + wire_get16(sorted[i]);
		if (i > 0 && cmp_rdata(sorted[i - 1], sorted[i]) == 0)
			continue;
		memcpy(dst + staged, sorted[i], l);
		staged += l;
	}
	memcpy(k + out, dst, staged);
	return out + staged;
}

/* The RRSIGs of the canonical RRset in t->key (keylen bytes) by the keys that sign its
 * type, each as u16 length + rdata, into sigs. Returns the bytes written or -EIO. */
static int make_sigs(struct dnssec_thread *t, const struct dnssec_zone *dz, size_t keylen,
		     uint16_t type, uint8_t *sigs, time_t now)
{
	const uint8_t *k = t->key;
	size_t olen = dname_len(k);
	const struct dnssec_key *const *keys = &dz->zsk;
	size_t nkeys = 1, out = 0;
	int labels = dname_labels(k);

	if (type == TYPE_DNSKEY || type == TYPE_CDS || type == TYPE_CDNSKEY) {
		keys = dz->ksk;
		nkeys = dz->nksk;
	}
	if (dname_is_wildcard(k))
		labels--;
	for (size_t i = 0; i < nkeys; i++) {
		uint8_t *rd = t->tbs;
		wire_put16(rd, type);
		rd[2] = dz->alg;
		rd[3] = (uint8_t)labels;
		memcpy(rd + 4, k + olen + 4, 4); /* original TTL */
		wire_put32(rd + 8, (uint32_t)(now + dz->validity));
		wire_put32(rd + 12, (uint32_t)(now - dz->inception));
		wire_put16(rd + 16, keys[i]->tag);
		memcpy(rd + RRSIG_FIXED, dz->apex, dz->apex_len);
		size_t hdr = RRSIG_FIXED + dz->apex_len, len = hdr;
		/* each RR: owner type class ttl, then the rdlength-prefixed rdata as in key */
		for (size_t at = olen + 8; at < keylen;) {
			size_t l = 2u + wire_get16(k + at);
			memcpy(rd + len, k, olen + 8);
			memcpy(rd + len + olen + 8, k + at, l);
			len += olen + 8 + l;
			at += l;
		}
		uint8_t sig[DNSSEC_SIG_MAX];
		int sl = dnssec_sign(keys[i], rd, len, sig);
		if (sl < 0)
			return -EIO;
		if (unlikely(dz->tamper))
			sig[sl - 1] ^= 1; /* a validator must reject this (end-to-end tests) */
		counter_inc(&t->signatures);
		wire_put16(sigs + out, (uint16_t)(hdr + (size_t)sl));
		memcpy(sigs + out + 2, rd, hdr);
		memcpy(sigs + out + 2 + hdr, sig, (size_t)sl);
		out += 2 + hdr + (size_t)sl;
	}
	return (int)out;
}

/* Renders the RRSIGs of the RRset rrs[0..n) (a signed zone's) into out. */
static int render_sigs(struct dnssec_thread *t, const struct zone *z, const struct dnssec_rr *rrs,
		       size_t n, struct render *out)
{
	const struct dnssec_zone *dz = z->dnssec;
	uint8_t made[DNSSEC_MAX_KEYS * (2 + RRSIG_FIXED + DNAME_MAXLEN + DNSSEC_SIG_MAX)];
	time_t now = time(NULL);
	size_t keylen = canonical(t, rrs, n), len;
	const uint8_t *sigs = sigcache_get(&t->cache, dz->id, t->key, keylen, now, &len);

	if (!sigs) {
		size_t olen = dname_len(t->key);
		if (RRSIG_FIXED + DNAME_MAXLEN + keylen + n * (olen + 8) > sizeof(t->tbs))
			return -ENOSPC; /* thousands of records under a long owner: truncate */
		int l = make_sigs(t, dz, keylen, rrs[0].type, made, now);
		if (l < 0)
			return -EIO;
		sigs = made;
		len = (size_t)l;
		sigcache_put(&t->cache, dz->id, t->key, keylen, made, len,
			     (int64_t)now + dz->validity - dz->refresh);
	}
	const uint8_t *owner = t->names + rrs[0].owner;
	for (size_t at = 0; at < len;) {
		uint16_t l = wire_get16(sigs + at);
		if (render_rr(out, rrs[0].sec, owner, TYPE_RRSIG, rrs[0].rclass, rrs[0].ttl,
			      sigs + at + 2, l) < 0)
			return -ENOSPC;
		at += 2u + l;
	}
	return 0;
}

static bool same_rrset(const struct dnssec_thread *t, const struct dnssec_rr *a,
		       const struct dnssec_rr *b)
{
	return a->sec == b->sec && a->type == b->type && a->rclass == b->rclass &&
	       dname_equal(t->names + a->owner, t->names + b->owner);
}

int answer_dnssec_sign(struct dnssec_thread *t, const struct zonedb *db, const uint8_t *in,
		       size_t inlen, struct render *out)
{
	int n = parse(t, in, inlen);
	/* a referral's glue is required (RFC 9471): it truncates like the answer would */
	bool referral = !(wire_get16(in + 2) & DNS_FLAG_AA);

	if (n < 0)
		return -EIO;
	for (int i = 0; i < n;) {
		int j = i + 1;
		while (j < n && same_rrset(t, &t->rrs[i], &t->rrs[j]))
			j++;
		/* the group's TTL is the smallest of its records, as RFC 2181 §5.2 wants */
		for (int k = i + 1; k < j; k++)
			if (t->rrs[k].ttl < t->rrs[i].ttl)
				t->rrs[i].ttl = t->rrs[k].ttl;
		for (int k = i + 1; k < j; k++)
			t->rrs[k].ttl = t->rrs[i].ttl;
		size_t len = out->len;
		uint16_t ncomp = out->ncomp, count = out->count[t->rrs[i].sec];
		int r = 0;
		for (int k = i; k < j && r == 0; k++)
			r = render_rr(out, t->rrs[k].sec, t->names + t->rrs[k].owner,
				      t->rrs[k].type, t->rrs[k].rclass, t->rrs[k].ttl,
				      t->rdata + t->rrs[k].rdata, t->rrs[k].rdlen);
		const struct zone *z =
		    r == 0 ? signer(db, t->names + t->rrs[i].owner, t->rrs[i].type) : NULL;
		if (z)
			r = render_sigs(t, z, &t->rrs[i], (size_t)(j - i), out);
		if (r == -EIO)
			return -EIO;
		if (r < 0) {
			if (t->rrs[i].sec != SEC_ADDITIONAL || referral)
				return -ENOSPC;
			out->len = len; /* leave the RRset and its signatures out */
			out->ncomp = ncomp;
			out->count[SEC_ADDITIONAL] = count;
		}
		i = j;
	}
	return 0;
}
