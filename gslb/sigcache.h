/* SPDX-License-Identifier: Apache-2.0 */
/* sigcache.h — RRSIGs by the exact RRset they sign, one cache per query thread
 *
 * The key is the RRset in canonical form (owner, type, class, TTL, the
 * sorted rdata set: answer_dnssec.c builds it) and the id of the zone's
 * key set (dnssec.h), so a geo answer, which varies over a few member
 * combinations, is signed once per refresh period and then found again.
 * Each query thread owns its cache: no lock, no sharing, no false
 * sharing; the counters are single-writer atomics summed by the metrics
 * reader. Memory is bounded: server.dnssec_cache direct-mapped slots per
 * thread (rounded up to a power of two), an RRset of more than SIGCACHE_MAX_KEY bytes is signed
 * every time. A miss allocates (the new entry, OpenSSL's signing); a hit does not.
 */
#ifndef GSLB_SIGCACHE_H
#define GSLB_SIGCACHE_H

#include <stddef.h>
#include <stdint.h>

#define SIGCACHE_SLOTS 32768 /* default server.dnssec_cache: 256 KiB of pointers per thread */
#define SIGCACHE_MAX_KEY 4096

struct sigcache_entry;

struct sigcache {
	struct sigcache_entry **slots; /* NULL until sigcache_init */
	size_t mask;
	_Atomic uint64_t hits;
	_Atomic uint64_t misses;
	_Atomic uint64_t entries; /* live entries */
	_Atomic uint64_t bytes;	  /* bytes of live entries, slots included */
};

/* Allocates nslots empty slots (rounded up to a power of two); a cache that has slots is
 * freed first. Returns 0 or -ENOMEM (the cache is then empty). Owning thread. */
int sigcache_init(struct sigcache *c, size_t nslots);
/* The slot count sigcache_init makes of nslots. */
size_t sigcache_slots(size_t nslots);
/* Frees every entry and the slots; a zeroed or freed cache is fine. */
void sigcache_free(struct sigcache *c);

/* The cached RRSIG rdatas (each prefixed by its u16 length) of the RRset
 * key (keylen bytes) under the key set id, if present and not due for
 * remaking at now; sets *len. Counts a hit or a miss. Owning thread, query path. */
const uint8_t *sigcache_get(struct sigcache *c, uint64_t id, const uint8_t *key, size_t keylen,
			    int64_t now, size_t *len);
/* Stores sigs (len bytes) for key until remake_at, replacing whatever held
 * the slot. Returns 0, -E2BIG (key too long: not cached) or -ENOMEM. Owning thread. */
int sigcache_put(struct sigcache *c, uint64_t id, const uint8_t *key, size_t keylen,
		 const uint8_t *sigs, size_t len, int64_t remake_at);

#endif
