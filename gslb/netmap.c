/* SPDX-License-Identifier: Apache-2.0 */
/* netmap.c — longest-prefix match of client addresses against a network map (PATRICIA trie) */
#include "config.h"

#include "netmap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A node is the prefix (hi, lo)/len: an address as two big-endian 64-bit words, IPv4 in
 * the top 32 bits of hi. child[b] is the subtree whose next bit (bit len) is b; index 0
 * means none (node 0 is a root, never a child). */
struct node {
	uint64_t hi, lo;
	uint32_t child[2];
	uint32_t value; /* NETMAP_NONE: a join node, not an inserted prefix */
	uint8_t len;
};

/* Where a lookup whose address starts with 16 given bits resumes the walk: the top levels
 * of a big map are a nearly complete binary tree, one cache miss per level, which this
 * table replaces with one. best: the value of the longest prefix above node. */
struct jump {
	uint32_t node;
	uint32_t best;
};

#define JUMP_BITS 16
#define JUMP_MIN_COUNT 1024 /* smaller maps fit in the cache: no table (2 × 512 KiB) */

struct netmap {
	struct node *nodes;
	size_t n, cap;
	size_t count;	   /* inserted prefixes */
	struct jump *jump; /* [2 << JUMP_BITS]: IPv4 then IPv6 by their first 16 bits; or NULL */
};

enum { ROOT4 = 0, ROOT6 = 1 };

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static uint64_t load64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The key of addr as two words; IPv4 goes to the top of hi. */
static void key_of(int family, const uint8_t *addr, uint64_t *hi, uint64_t *lo)
{
	if (family == AF_INET) {
		*hi = (uint64_t)addr[0] << 56 | (uint64_t)addr[1] << 48 | (uint64_t)addr[2] << 40 |
		      (uint64_t)addr[3] << 32;
		*lo = 0;
	} else {
		*hi = load64(addr);
		*lo = load64(addr + 8);
	}
}

static uint64_t mask_hi(unsigned len)
{
	return len >= 64 ? ~0ull : len == 0 ? 0 : ~0ull << (64 - len);
}

static uint64_t mask_lo(unsigned len)
{
	return len <= 64 ? 0 : len >= 128 ? ~0ull : ~0ull << (128 - len);
}

static bool covers(const struct node *nd, uint64_t hi, uint64_t lo)
{
	return ((hi ^ nd->hi) & mask_hi(nd->len)) == 0 && ((lo ^ nd->lo) & mask_lo(nd->len)) == 0;
}

static unsigned bit_at(uint64_t hi, uint64_t lo, unsigned i)
{
	return i < 64 ? (unsigned)(hi >> (63 - i)) & 1 : (unsigned)(lo >> (127 - i)) & 1;
}

/* Leading bits two keys share, at most limit. */
static unsigned common_len(uint64_t h1, uint64_t l1, uint64_t h2, uint64_t l2, unsigned limit)
{
	unsigned c;

	if (h1 != h2)
		c = (unsigned)__builtin_clzll(h1 ^ h2);
	else if (l1 != l2)
		c = 64 + (unsigned)__builtin_clzll(l1 ^ l2);
	else
		c = 128;
	return c < limit ? c : limit;
}

int addr_prefix_parse(const char *text, int *family, uint8_t addr[16], long *len)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long max;

	memset(addr, 0, 16);
	*len = -1;
	if (strlen(text) >= sizeof(buf))
		return ADDR_BAD_ADDRESS;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = AF_INET6;
	else
		return ADDR_BAD_ADDRESS;
	if (slash) {
		max = *family == AF_INET ? 32 : 128;
		errno = 0;
		*len = slash[1] >= '0' && slash[1] <= '9' ? strtol(slash + 1, &end, 10) : -1;
		if (*len < 0 || errno || *end || *len > max)
			return ADDR_BAD_PREFIX;
	}
	return 0;
}

int netmap_parse(const char *text, struct netmap_prefix *out, char *err, size_t errlen)
{
	unsigned max;
	long len;
	int r;

	memset(out, 0, sizeof(*out));
	r = addr_prefix_parse(text, &out->family, out->addr, &len);
	if (r == ADDR_BAD_ADDRESS && strlen(text) >= INET6_ADDRSTRLEN + 8) {
		snprintf(err, errlen, "bad network \"%.60s...\" (want ADDRESS/LENGTH)", text);
		return -EINVAL;
	}
	if (r == ADDR_BAD_ADDRESS) {
		snprintf(err, errlen, "bad network \"%s\" (want ADDRESS/LENGTH, e.g. 192.0.2.0/24)",
			 text);
		return -EINVAL;
	}
	max = out->family == AF_INET ? 32 : 128;
	if (r == ADDR_BAD_PREFIX) {
		snprintf(err, errlen, "bad prefix length in \"%s\" (want 0..%u)", text, max);
		return -EINVAL;
	}
	if (len < 0)
		len = max;
	out->prefix = (uint8_t)len;
	/* host bits set: a typo more often than not, so say what the network would be */
	uint8_t net[16];
	memcpy(net, out->addr, sizeof(net));
	size_t bytes = max / 8, full = (size_t)len / 8;
	if (len % 8)
		net[full++] &= (uint8_t)(0xff << (8 - len % 8));
	memset(net + full, 0, bytes - full);
	if (memcmp(net, out->addr, bytes) != 0) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(out->family, net, a, sizeof(a));
		snprintf(err, errlen, "\"%s\" has host bits set (did you mean %s/%ld?)", text, a,
			 len);
		return -EINVAL;
	}
	if (out->family == AF_INET6 && len >= 96 && !memcmp(out->addr, v4mapped, 12)) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		out->family = AF_INET;
		out->prefix = (uint8_t)(len - 96);
	}
	return 0;
}

/* Appends a node; its index, or 0 on ENOMEM (0 is a root, never a new node: netmap_new
 * makes both roots). */
static uint32_t add_node(struct netmap *map, uint64_t hi, uint64_t lo, unsigned len, uint32_t value)
{
	if (map->n == map->cap) {
		size_t cap = map->cap ? map->cap * 2 : 64;
		struct node *nn = realloc(map->nodes, cap * sizeof(*nn));
		if (!nn)
			return 0;
		map->nodes = nn;
		map->cap = cap;
	}
	struct node *nd = &map->nodes[map->n];
	nd->hi = hi & mask_hi(len);
	nd->lo = lo & mask_lo(len);
	nd->len = (uint8_t)len;
	nd->value = value;
	nd->child[0] = nd->child[1] = 0;
	return (uint32_t)map->n++;
}

struct netmap *netmap_new(void)
{
	struct netmap *map = calloc(1, sizeof(*map));

	if (!map)
		return NULL;
	map->cap = 64;
	map->nodes = malloc(map->cap * sizeof(*map->nodes));
	if (!map->nodes) {
		free(map);
		return NULL;
	}
	/* the two roots, ROOT4 and ROOT6: ::/0 and 0.0.0.0/0, values only if inserted */
	for (map->n = 0; map->n < 2; map->n++)
		map->nodes[map->n] = (struct node){.value = NETMAP_NONE};
	return map;
}

void netmap_free(struct netmap *map)
{
	if (!map)
		return;
	free(map->nodes);
	free(map->jump);
	free(map);
}

int netmap_insert(struct netmap *map, const struct netmap_prefix *p, uint32_t value, uint32_t *old)
{
	uint64_t hi, lo;
	unsigned len = p->prefix;
	uint32_t at = p->family == AF_INET ? ROOT4 : ROOT6;

	if (value == NETMAP_NONE || (p->family != AF_INET && p->family != AF_INET6))
		return -EINVAL;
	key_of(p->family, p->addr, &hi, &lo);
	hi &= mask_hi(len);
	lo &= mask_lo(len);
	/* invariant: node `at` is a prefix of the key, at most len bits long */
	for (;;) {
		struct node *nd = &map->nodes[at];
		if (nd->len == len) {
			if (nd->value != NETMAP_NONE) {
				if (old)
					*old = nd->value;
				return -EEXIST;
			}
			nd->value = value;
			map->count++;
			return 0;
		}
		unsigned b = bit_at(hi, lo, nd->len);
		uint32_t c = nd->child[b];
		if (c == 0) {
			uint32_t leaf = add_node(map, hi, lo, len, value);
			if (!leaf)
				return -ENOMEM;
			map->nodes[at].child[b] = leaf;
			map->count++;
			return 0;
		}
		const struct node *cn = &map->nodes[c];
		unsigned cl = cn->len < len ? cn->len : len;
		unsigned common = common_len(hi, lo, cn->hi, cn->lo, cl);
		if (common == cn->len) {
			at = c; /* the child is a prefix of the key: go down */
			continue;
		}
		/* the key leaves the child's path at bit common: a node there joins them */
		uint64_t chi = cn->hi, clo = cn->lo;
		uint32_t mid = add_node(map, hi, lo, common, common == len ? value : NETMAP_NONE);
		if (!mid)
			return -ENOMEM;
		map->nodes[mid].child[bit_at(chi, clo, common)] = c;
		if (common < len) {
			uint32_t leaf = add_node(map, hi, lo, len, value);
			if (!leaf)
				return -ENOMEM;
			map->nodes[mid].child[bit_at(hi, lo, common)] = leaf;
		}
		map->nodes[at].child[b] = mid;
		map->count++;
		return 0;
	}
}

/* Renumbers the nodes in depth-first order, so that a subtree (what one lookup walks
 * below the jump table) is one stretch of memory rather than scattered by insertion order.
 * Returns false on ENOMEM (the map stays as it was). */
static bool relayout(struct netmap *map)
{
	struct node *nn = malloc(map->n * sizeof(*nn));
	uint32_t *stack = malloc((map->n + 2) * sizeof(*stack) * 2);
	size_t sp = 0, out = 0;

	if (!nn || !stack) {
		free(nn);
		free(stack);
		return false;
	}
	/* stack of (old index, parent's new index << 1 | side); roots first, in order */
	stack[sp++] = ROOT6, stack[sp++] = UINT32_MAX;
	stack[sp++] = ROOT4, stack[sp++] = UINT32_MAX;
	while (sp > 0) {
		uint32_t link = stack[--sp], old = stack[--sp];
		uint32_t at = (uint32_t)out++;

		nn[at] = map->nodes[old];
		if (link != UINT32_MAX)
			nn[link >> 1].child[link & 1] = at;
		for (int b = 1; b >= 0; b--)
			if (map->nodes[old].child[b]) {
				stack[sp++] = map->nodes[old].child[b];
				stack[sp++] = at << 1 | (uint32_t)b;
			}
	}
	free(stack);
	free(map->nodes);
	map->nodes = nn;
	map->cap = map->n;
	return true;
}

/* Fills the jump table: for each 16-bit start, the walk of netmap_lookup down to the
 * first node of 16 bits or more, or to where it would stop. */
static void build_jump(struct netmap *map)
{
	map->jump = malloc(sizeof(*map->jump) << (JUMP_BITS + 1));
	if (!map->jump)
		return; /* lookups walk from the roots */
	for (uint32_t fam = 0; fam < 2; fam++) {
		for (uint32_t x = 0; x < 1u << JUMP_BITS; x++) {
			uint64_t hi = (uint64_t)x << (64 - JUMP_BITS);
			uint32_t at = fam == 0 ? ROOT4 : ROOT6, best = NETMAP_NONE;

			for (;;) {
				const struct node *nd = &map->nodes[at];
				if (nd->len >= JUMP_BITS || !covers(nd, hi, 0))
					break;
				uint32_t c = nd->child[bit_at(hi, 0, nd->len)];
				if (c == 0)
					break;
				if (nd->value != NETMAP_NONE)
					best = nd->value;
				at = c;
			}
			map->jump[fam << JUMP_BITS | x] = (struct jump){.node = at, .best = best};
		}
	}
}

void netmap_seal(struct netmap *map)
{
	if (map->count >= JUMP_MIN_COUNT && relayout(map))
		build_jump(map);
	else {
		struct node *nn = realloc(map->nodes, map->n * sizeof(*nn));
		if (nn) {
			map->nodes = nn;
			map->cap = map->n;
		}
	}
}

size_t netmap_count(const struct netmap *map)
{
	return map ? map->count : 0;
}

size_t netmap_nodes(const struct netmap *map)
{
	return map ? map->n : 0;
}

uint32_t netmap_lookup(const struct netmap *map, int family, const uint8_t *addr, uint8_t *prefix)
{
	uint64_t hi, lo;
	unsigned max, extra = 0, span;
	uint32_t at, best = NETMAP_NONE;

	*prefix = 0;
	if (!map || map->count == 0)
		return NETMAP_NONE;
	if (family == AF_INET6 && !memcmp(addr, v4mapped, 12)) {
		family = AF_INET;
		addr += 12;
		extra = 96;
	} else if (family != AF_INET && family != AF_INET6) {
		return NETMAP_NONE;
	}
	key_of(family, addr, &hi, &lo);
	max = family == AF_INET ? 32 : 128;
	at = family == AF_INET ? ROOT4 : ROOT6;
	if (map->jump) {
		const struct jump *j =
		    &map->jump[(family == AF_INET6 ? 1u << JUMP_BITS : 0) | (uint32_t)(hi >> 48)];
		at = j->node;
		best = j->best;
	}
	/* One node per step down, each at least one bit longer: at most max + 1 steps. The
	 * walk ends where the address leaves the tree, which also bounds the span of addresses
	 * that share its answer: a child it missed splits from it at bit common + 1. */
	for (;;) {
		const struct node *nd = &map->nodes[at];
		if (!covers(nd, hi, lo)) {
			span = common_len(hi, lo, nd->hi, nd->lo, nd->len) + 1;
			break;
		}
		if (nd->value != NETMAP_NONE)
			best = nd->value;
		if (nd->len >= max) {
			span = max;
			break;
		}
		unsigned b = bit_at(hi, lo, nd->len);
		at = nd->child[b];
		if (at == 0) { /* a subtree beside the address splits from it right after nd */
			span = nd->len + (nd->child[!b] ? 1u : 0u);
			break;
		}
	}
	*prefix = (uint8_t)(span + extra);
	return best;
}
