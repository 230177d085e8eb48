/* SPDX-License-Identifier: Apache-2.0 */
/* sigcache.c — RRSIGs by the exact RRset they sign, one direct-mapped cache per query thread */
#include "config.h"

#include "sigcache.h"

#include "counter.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct sigcache_entry {
	uint64_t hash;
	uint64_t id;
	int64_t remake_at;
	uint32_t keylen;
	uint32_t len;
	uint8_t data[]; /* key, then the signatures */
};

/* 64-bit FNV-1a over 8-byte words with a final mix: fast enough for a few hundred bytes,
 * and the key is compared in full on a hit, so the hash only spreads. */
static uint64_t hash_key(uint64_t id, const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ id;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

size_t sigcache_slots(size_t nslots)
{
	size_t n = 1;

	while (n < nslots)
		n <<= 1;
	return n;
}

int sigcache_init(struct sigcache *c, size_t nslots)
{
	sigcache_free(c);
	nslots = sigcache_slots(nslots);
	c->slots = calloc(nslots, sizeof(*c->slots));
	if (!c->slots)
		return -ENOMEM;
	c->mask = nslots - 1;
	counter_set(&c->bytes, nslots * sizeof(*c->slots));
	counter_set(&c->entries, 0);
	return 0;
}

void sigcache_free(struct sigcache *c)
{
	if (!c->slots)
		return;
	for (size_t i = 0; i <= c->mask; i++)
		free(c->slots[i]);
	free(c->slots);
	c->slots = NULL;
	counter_set(&c->bytes, 0);
	counter_set(&c->entries, 0);
}

static bool same(const struct sigcache_entry *e, uint64_t h, uint64_t id, const uint8_t *key,
		 size_t keylen)
{
	return e && e->hash == h && e->id == id && e->keylen == keylen &&
	       memcmp(e->data, key, keylen) == 0;
}

const uint8_t *sigcache_get(struct sigcache *c, uint64_t id, const uint8_t *key, size_t keylen,
			    int64_t now, size_t *len)
{
	uint64_t h = hash_key(id, key, keylen);
	const struct sigcache_entry *e = c->slots[h & c->mask];

	if (same(e, h, id, key, keylen) && now < e->remake_at) {
		counter_inc(&c->hits);
		*len = e->len;
		return e->data + e->keylen;
	}
	counter_inc(&c->misses);
	return NULL;
}

int sigcache_put(struct sigcache *c, uint64_t id, const uint8_t *key, size_t keylen,
		 const uint8_t *sigs, size_t len, int64_t remake_at)
{
	if (keylen > SIGCACHE_MAX_KEY)
		return -E2BIG;
	uint64_t h = hash_key(id, key, keylen);
	struct sigcache_entry **slot = &c->slots[h & c->mask];
	size_t size = sizeof(**slot) + keylen + len;
	struct sigcache_entry *e = malloc(size);

	if (!e)
		return -ENOMEM;
	e->hash = h;
	e->id = id;
	e->remake_at = remake_at;
	e->keylen = (uint32_t)keylen;
	e->len = (uint32_t)len;
	memcpy(e->data, key, keylen);
	memcpy(e->data + keylen, sigs, len);
	if (*slot) {
		counter_set(&c->bytes, counter_get(&c->bytes) - sizeof(**slot) - (*slot)->keylen -
					   (*slot)->len);
		counter_set(&c->entries, counter_get(&c->entries) - 1);
		free(*slot);
	}
	*slot = e;
	counter_set(&c->bytes, counter_get(&c->bytes) + size);
	counter_set(&c->entries, counter_get(&c->entries) + 1);
	return 0;
}
