/* SPDX-License-Identifier: Apache-2.0 */
/* dnssec.c — a zone's signing keys: key files (ldns), checks, apex key RRsets, EVP signing */
#include "config.h"

#include "dnssec.h"

#include "conf.h"
#include "wire.h"
#include "zone.h"

#include <ldns/ldns.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic uint64_t next_id = 1;

static const uint8_t conf_algs[] = {
    [CONF_DNSSEC_ECDSAP256] = 13,
    [CONF_DNSSEC_ED25519] = 15,
};

uint16_t dnssec_key_tag(const uint8_t *rdata, size_t len)
{
	uint32_t ac = 0;

	for (size_t i = 0; i < len; i++)
		ac += (i & 1) ? rdata[i] : (uint32_t)rdata[i] << 8;
	ac += ac >> 16 & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

/* Reads base.key: one DNSKEY of the apex. Fills flags, algorithm and rdata of k. */
static int read_public(const char *base, const uint8_t *apex, struct dnssec_key *k, char *msg,
		       size_t msglen)
{
	char path[4096];
	FILE *f;
	ldns_rr *rr = NULL;
	ldns_buffer *buf = NULL;
	int line = 0, ret = -EINVAL;

	snprintf(path, sizeof(path), "%s.key", base);
	f = fopen(path, "r");
	if (!f) {
		snprintf(msg, msglen, "cannot open \"%s\": %s", path, strerror(errno));
		return -EIO;
	}
	ldns_status st;
	do { /* skip comment lines: ldns returns LDNS_STATUS_SYNTAX_EMPTY for them */
		st = ldns_rr_new_frm_fp_l(&rr, f, NULL, NULL, NULL, &line);
	} while (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL ||
		 st == LDNS_STATUS_SYNTAX_ORIGIN);
	fclose(f);
	if (st != LDNS_STATUS_OK || ldns_rr_get_type(rr) != LDNS_RR_TYPE_DNSKEY) {
		snprintf(msg, msglen, "\"%s\" holds no DNSKEY record (%s)", path,
			 st != LDNS_STATUS_OK ? ldns_get_errorstr_by_id(st) : "other type");
		goto out;
	}
	ldns_rdf *owner = ldns_rr_owner(rr);
	uint8_t name[DNAME_MAXLEN];
	if (ldns_rdf_size(owner) > DNAME_MAXLEN) {
		snprintf(msg, msglen, "\"%s\": bad owner name", path);
		goto out;
	}
	dname_copy_lower(name, ldns_rdf_data(owner));
	if (!dname_equal(name, apex)) {
		char *o = ldns_rdf2str(owner);
		snprintf(msg, msglen, "\"%s\" is a key of %s, not of this zone", path,
			 o ? o : "another zone");
		free(o);
		goto out;
	}
	buf = ldns_buffer_new(256);
	if (!buf || ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK ||
	    ldns_buffer_position(buf) > DNSSEC_DNSKEY_MAX || ldns_buffer_position(buf) < 4) {
		snprintf(msg, msglen, "\"%s\": bad DNSKEY data", path);
		goto out;
	}
	k->dnskey_len = (uint16_t)ldns_buffer_position(buf);
	memcpy(k->dnskey, ldns_buffer_begin(buf), k->dnskey_len);
	k->flags = wire_get16(k->dnskey);
	k->alg = k->dnskey[3];
	k->tag = dnssec_key_tag(k->dnskey, k->dnskey_len);
	if (!(k->flags & DNSSEC_FLAG_ZONE) || k->dnskey[2] != 3) {
		snprintf(msg, msglen, "\"%s\": not a zone key (flags %u, want 256 or 257)", path,
			 k->flags);
		goto out;
	}
	ret = 0;
out:
	ldns_buffer_free(buf);
	ldns_rr_free(rr);
	return ret;
}

/* Reads base.private and checks that it is the private half of k's public key. */
static int read_private(const char *base, struct dnssec_key *k, char *msg, size_t msglen)
{
	char path[4096];
	ldns_key *key = NULL;
	ldns_rr *pub = NULL;
	ldns_buffer *buf = NULL;
	int line = 0, ret = -EINVAL;
	FILE *f;

	snprintf(path, sizeof(path), "%s.private", base);
	f = fopen(path, "r");
	if (!f) {
		snprintf(msg, msglen, "cannot open \"%s\": %s", path, strerror(errno));
		return -EIO;
	}
	ldns_status st = ldns_key_new_frm_fp_l(&key, f, &line);
	fclose(f);
	if (st != LDNS_STATUS_OK) {
		snprintf(msg, msglen, "\"%s\" line %d: %s", path, line,
			 ldns_get_errorstr_by_id(st));
		return -EINVAL;
	}
	if ((uint8_t)ldns_key_algorithm(key) != k->alg) {
		snprintf(msg, msglen, "\"%s\" is a key of algorithm %d, its .key says %u", path,
			 (int)ldns_key_algorithm(key), k->alg);
		goto out;
	}
	ldns_key_set_flags(key, k->flags);
	pub = ldns_key2rr(key);
	buf = ldns_buffer_new(256);
	if (!pub || !buf || ldns_rr_rdata2buffer_wire(buf, pub) != LDNS_STATUS_OK ||
	    ldns_buffer_position(buf) != k->dnskey_len ||
	    memcmp(ldns_buffer_begin(buf), k->dnskey, k->dnskey_len) != 0) {
		snprintf(msg, msglen,
			 "\"%s\" does not match the public key in %s.key: give both files of the "
			 "same ldns-keygen run",
			 path, base);
		goto out;
	}
	EVP_PKEY *pk = ldns_key_evp_key(key);
	if (!pk || EVP_PKEY_up_ref(pk) != 1) {
		snprintf(msg, msglen, "\"%s\": no usable private key", path);
		goto out;
	}
	k->pkey = pk;
	ret = 0;
out:
	ldns_buffer_free(buf);
	ldns_rr_free(pub);
	ldns_key_deep_free(key);
	return ret;
}

struct dnssec_zone *dnssec_zone_load(const struct conf_zone *cz, size_t index, char *err,
				     size_t errlen)
{
	const struct conf_dnssec *cd = &cz->dnssec;
	struct dnssec_zone *dz = calloc(1, sizeof(*dz));
	char msg[5000] = "";

	if (!dz) {
		snprintf(err, errlen, "%s: zones[%zu].dnssec: out of memory", cd->keys_at, index);
		return NULL;
	}
	dz->apex_len = dname_copy_lower(dz->apex, cz->apex);
	dz->alg = conf_algs[cd->algorithm];
	dz->validity = (uint32_t)cd->validity;
	dz->refresh = (uint32_t)cd->refresh;
	dz->inception = (uint32_t)cd->inception;
	dz->tamper = cd->tamper;
	dz->id = atomic_fetch_add(&next_id, 1);
	if (cd->nkeys > DNSSEC_MAX_KEYS) {
		snprintf(msg, sizeof(msg), "at most %d keys", DNSSEC_MAX_KEYS);
		goto fail_key;
	}
	for (size_t i = 0; i < cd->nkeys; i++) {
		struct dnssec_key *k = &dz->keys[i];
		if (read_public(cd->keys[i], dz->apex, k, msg, sizeof(msg)) < 0 ||
		    read_private(cd->keys[i], k, msg, sizeof(msg)) < 0)
			goto fail_key;
		dz->nkeys++;
		if (k->alg != dz->alg) {
			snprintf(
			    msg, sizeof(msg),
			    "\"%s\" is a key of algorithm %u, the zone's algorithm is %u (%s); "
			    "set dnssec.algorithm or make a key with ldns-keygen -a",
			    cd->keys[i], k->alg, dz->alg,
			    dz->alg == 13 ? "ECDSAP256SHA256" : "ED25519");
			goto fail_key;
		}
		for (size_t j = 0; j < i; j++)
			if (dz->keys[j].dnskey_len == k->dnskey_len &&
			    !memcmp(dz->keys[j].dnskey, k->dnskey, k->dnskey_len)) {
				snprintf(msg, sizeof(msg), "\"%s\" is listed twice", cd->keys[i]);
				goto fail_key;
			}
		if (k->flags & DNSSEC_FLAG_SEP)
			dz->ksk[dz->nksk++] = k;
		else if (!dz->zsk)
			dz->zsk = k;
	}
	if (dz->nksk == 0) /* no SEP key: the first key signs all, DNSKEY included */
		dz->ksk[dz->nksk++] = &dz->keys[0];
	if (!dz->zsk)
		dz->zsk = dz->ksk[0];
	return dz;
fail_key:
	snprintf(err, errlen, "%s: zones[%zu].dnssec.keys: %s", cd->keys_at, index, msg);
	dnssec_zone_free(dz);
	return NULL;
}

void dnssec_zone_free(struct dnssec_zone *dz)
{
	if (!dz)
		return;
	for (size_t i = 0; i < DNSSEC_MAX_KEYS; i++)
		EVP_PKEY_free(dz->keys[i].pkey);
	free(dz);
}

/* count records of rdlen-prefixed rdata into a new rrset at the apex */
static int add_rrset(struct zone *z, uint16_t type, uint32_t ttl, const uint8_t *rd, size_t len,
		     uint16_t count)
{
	struct rrset rs = {.type = type,
			   .count = count,
			   .ttl = ttl,
			   .rdata_len = (uint32_t)len,
			   .rdata = (uint8_t *)rd}; /* copied by zone_add_rrset */

	return zone_add_rrset(z, z->apex_node, &rs);
}

int dnssec_zone_attach(struct zone *z, const struct dnssec_zone *dz)
{
	uint8_t dnskey[DNSSEC_MAX_KEYS * (2 + DNSSEC_DNSKEY_MAX)];
	uint8_t cdnskey[sizeof(dnskey)];
	uint8_t cds[DNSSEC_MAX_KEYS * (2 + 4 + 32)];
	size_t dl = 0, cl = 0, sl = 0;
	uint32_t ttl = z->soa->ttl;

	for (size_t i = 0; i < dz->nkeys; i++) {
		const struct dnssec_key *k = &dz->keys[i];
		wire_put16(dnskey + dl, k->dnskey_len);
		memcpy(dnskey + dl + 2, k->dnskey, k->dnskey_len);
		dl += 2u + k->dnskey_len;
	}
	for (size_t i = 0; i < dz->nksk; i++) {
		const struct dnssec_key *k = dz->ksk[i];
		uint8_t in[DNAME_MAXLEN + DNSSEC_DNSKEY_MAX];
		unsigned int mdlen = 32;

		wire_put16(cdnskey + cl, k->dnskey_len);
		memcpy(cdnskey + cl + 2, k->dnskey, k->dnskey_len);
		cl += 2u + k->dnskey_len;
		/* RFC 4509: SHA-256 over the owner name and the DNSKEY rdata */
		memcpy(in, dz->apex, dz->apex_len);
		memcpy(in + dz->apex_len, k->dnskey, k->dnskey_len);
		wire_put16(cds + sl, 4 + 32);
		wire_put16(cds + sl + 2, k->tag);
		cds[sl + 4] = k->alg;
		cds[sl + 5] = 2;
		if (EVP_Digest(in, dz->apex_len + k->dnskey_len, cds + sl + 6, &mdlen, EVP_sha256(),
			       NULL) != 1)
			return -EIO;
		sl += 2 + 4 + 32;
	}
	int r = add_rrset(z, TYPE_DNSKEY, ttl, dnskey, dl, (uint16_t)dz->nkeys);
	if (r == 0)
		r = add_rrset(z, TYPE_CDS, ttl, cds, sl, (uint16_t)dz->nksk);
	if (r == 0)
		r = add_rrset(z, TYPE_CDNSKEY, ttl, cdnskey, cl, (uint16_t)dz->nksk);
	if (r == 0)
		z->dnssec = dz;
	return r;
}

int dnssec_sign(const struct dnssec_key *key, const uint8_t *data, size_t len, uint8_t *sig)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[128];
	size_t dlen = sizeof(der);
	int ret = -EIO;

	if (!md)
		return -EIO;
	if (key->alg == 15) {
		dlen = DNSSEC_SIG_MAX;
		if (EVP_DigestSignInit(md, NULL, NULL, NULL, key->pkey) == 1 &&
		    EVP_DigestSign(md, sig, &dlen, data, len) == 1 && dlen == 64)
			ret = 64;
		goto out;
	}
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key->pkey) != 1 ||
	    EVP_DigestSign(md, der, &dlen, data, len) != 1)
		goto out;
	/* RFC 6605 §4: r and s, each 32 bytes, instead of OpenSSL's DER sequence */
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
	if (!es)
		goto out;
	const BIGNUM *r, *s;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, 32) == 32 && BN_bn2binpad(s, sig + 32, 32) == 32)
		ret = 64;
	ECDSA_SIG_free(es);
out:
	EVP_MD_CTX_free(md);
	return ret;
}
