/* SPDX-License-Identifier: Apache-2.0 */
/* flt_sticky.c — weighted rendezvous hashing of the client subnet (consistent hashing) */
#include "config.h"

#include "filter.h"
#include "dname.h"
#include "service.h"

#include <math.h>
#include <string.h>
#include <sys/socket.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * FNV_PRIME;
	return h;
}

/* splitmix64's finaliser: FNV alone mixes the high bits poorly. */
static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t subnet_hash(const struct flt_client *c)
{
	uint8_t addr[16] = {0};
	size_t len = c->family == AF_INET ? 4 : c->family == AF_INET6 ? 16 : 0;
	unsigned bits = c->prefix > len * 8 ? (unsigned)len * 8 : c->prefix;
	uint8_t hdr[2] = {(uint8_t)c->family, (uint8_t)bits};

	memcpy(addr, c->addr, bits / 8);
	if (bits % 8)
		addr[bits / 8] = c->addr[bits / 8] & (uint8_t)(0xff << (8 - bits % 8));
	return mix(fnv(fnv(FNV_OFFSET, hdr, sizeof(hdr)), addr, len));
}

/* A member's identity is what it is, not where it sits in the list, so
 * that removing or adding other members (or a reload) moves nobody else. */
static uint64_t member_hash(const struct member *m)
{
	uint64_t h = fnv(FNV_OFFSET, m->region->name, strlen(m->region->name) + 1);

	h = fnv(h, m->ipv4, m->nipv4 * sizeof(m->ipv4[0]));
	h = fnv(h, m->ipv6, m->nipv6 * sizeof(m->ipv6[0]));
	if (m->cname)
		h = fnv(h, m->cname, dname_len(m->cname));
	return mix(h);
}

size_t flt_sticky_run(struct flt_ctx *ctx, const struct flt_step *step, const struct member **m,
		      size_t n)
{
	double key[FLT_MAX_MEMBERS];
	uint64_t sub = subnet_hash(&ctx->client);
	bool any_weight = false;

	/* The chain runner left either members of positive weight only or only drained ones
	 * (filter.h): all drained hash with equal weights. */
	for (size_t i = 0; i < n && !any_weight; i++)
		any_weight = filter_weight(ctx->health, m[i]) > 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t w = any_weight ? filter_weight(ctx->health, m[i]) : 1;
		uint64_t h = mix(sub ^ member_hash(m[i]));
		double u = ((double)(h >> 11) + 0.5) * 0x1.0p-53; /* (0, 1) */
		/* Weighted rendezvous (Schindler): score = -w / ln(u), highest
		 * wins with probability w / sum(w). Sorting ascending by -score. */
		key[i] = w ? (double)w / log(u) : INFINITY;
	}
	filter_sort(m, key, n);
	return n;
}
