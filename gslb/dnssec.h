/* SPDX-License-Identifier: Apache-2.0 */
/* dnssec.h — a zone's signing keys: loading, checks, the apex key RRsets, signing
 *
 * A signed zone (zones[].dnssec) has one or more keys, each a pair of
 * files as ldns-keygen and dnssec-keygen write them (Kzone.+alg+tag.key
 * and .private). Every key is published in the apex DNSKEY RRset. Keys
 * with the SEP flag (257, "KSK") sign DNSKEY, CDS and CDNSKEY and are
 * the ones CDS/CDNSKEY name for the parent; the first key without it
 * (the "ZSK") signs everything else, or the first SEP key when there is
 * none (a combined key). Further non-SEP keys are published only: that
 * is a pre-published ZSK in a rollover (docs/operations.md).
 *
 * Loaded off the query path (snapshot_build); a struct dnssec_zone is
 * immutable afterwards and any number of threads sign with it at once.
 */
#ifndef GSLB_DNSSEC_H
#define GSLB_DNSSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dname.h"

struct conf_zone;
struct zone;

#define DNSSEC_MAX_KEYS 8
#define DNSSEC_SIG_MAX 64	   /* both algorithms: 64-byte signatures */
#define DNSSEC_DNSKEY_MAX (4 + 64) /* flags, protocol, algorithm, public key */
#define DNSSEC_FLAG_ZONE 0x0100
#define DNSSEC_FLAG_SEP 0x0001

struct dnssec_key {
	void *pkey; /* EVP_PKEY (OpenSSL), owned */
	uint16_t tag;
	uint16_t flags;
	uint8_t alg; /* 13 or 15 */
	uint16_t dnskey_len;
	uint8_t dnskey[DNSSEC_DNSKEY_MAX]; /* DNSKEY rdata */
};

struct dnssec_zone {
	uint8_t apex[DNAME_MAXLEN]; /* lowercased wire name: the signer name */
	size_t apex_len;
	uint8_t alg;
	struct dnssec_key keys[DNSSEC_MAX_KEYS];
	size_t nkeys;
	const struct dnssec_key *ksk[DNSSEC_MAX_KEYS]; /* sign DNSKEY, CDS, CDNSKEY */
	size_t nksk;
	const struct dnssec_key *zsk; /* signs the rest */
	uint32_t validity, refresh, inception;
	bool tamper; /* dnssec.test_tamper: flip a bit of every signature */
	uint64_t id; /* unique per load in this process: part of the signature cache key */
};

/* Loads the keys of zone entry cz (cz->dnssec.enabled) for the zone with
 * lowercased apex: every .key must be a DNSKEY of the apex with the zone
 * flag and the configured algorithm, every .private of the same algorithm
 * and the private half of its .key. On error returns NULL and writes
 * "file:line: zones[i].dnssec.keys: message" into err (conf_path gives
 * the "file:line" the config recorded). Caller owns the result. */
struct dnssec_zone *dnssec_zone_load(const struct conf_zone *cz, size_t index, char *err,
				     size_t errlen);
void dnssec_zone_free(struct dnssec_zone *dz);

/* Adds DNSKEY (every key), CDS (SHA-256) and CDNSKEY (the SEP keys) to the
 * apex of z, with the TTL of the SOA, and points z->dnssec at dz. Returns
 * 0 or -ENOMEM. Load time only, before z is published; dz must outlive z. */
int dnssec_zone_attach(struct zone *z, const struct dnssec_zone *dz);

/* Signs data (len bytes) with key into sig (DNSSEC_SIG_MAX bytes), in the
 * DNSSEC wire form (r || s for ECDSA, RFC 6605). Returns the signature
 * length or -EIO. Any thread; allocates inside OpenSSL (cache misses only). */
int dnssec_sign(const struct dnssec_key *key, const uint8_t *data, size_t len, uint8_t *sig);

/* The RFC 4034 Appendix B key tag of DNSKEY rdata. */
uint16_t dnssec_key_tag(const uint8_t *rdata, size_t len);

#endif
