/* SPDX-License-Identifier: Apache-2.0 */
/* netmap.h — longest-prefix match of client addresses against a network map
 *
 * A netmap maps IPv4 and IPv6 prefixes (CIDRs) to a 32-bit value (the config
 * stores the index of the entry, which names the region). It is a binary trie
 * with path compression (a PATRICIA tree): every node is a prefix; a node
 * carries a value when that prefix was inserted, and otherwise only joins two
 * subtrees, so there are fewer than two nodes per prefix, all in one array
 * linked by index. IPv4 and IPv6 live under two roots, so "::/0" never
 * matches an IPv4 client. An IPv4-mapped IPv6 prefix (::ffff:a.b.c.d/96+n) is
 * stored as the IPv4 prefix a.b.c.d/n, and an IPv4-mapped IPv6 address is
 * looked up as IPv4, the way geo.h treats both.
 *
 * Lookups walk at most one node per bit of the address (fewer: big maps jump over the
 * first 16 bits, netmap_seal), compare a node's prefix with two masked 64-bit words, and
 * neither allocate nor lock: a built
 * netmap is immutable, belongs to the config snapshot and is read by any
 * number of query threads at once.
 */
#ifndef GSLB_NETMAP_H
#define GSLB_NETMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netmap;

/* A parsed prefix: family AF_INET (addr[0..4)) or AF_INET6, bits past prefix zero. */
struct netmap_prefix {
	int family;
	uint8_t prefix; /* 0..32 or 0..128 */
	uint8_t addr[16];
};

/* Parses "ADDR" or "ADDR/LEN" (IPv4 or IPv6) into family, addr (network order, zero-padded)
 * and len (-1 when there is no "/LEN"). Host bits are left as given. Returns 0,
 * ADDR_BAD_ADDRESS or ADDR_BAD_PREFIX (not a number, or above 32/128); callers word the
 * error for their setting. Any thread. */
enum { ADDR_BAD_ADDRESS = -1, ADDR_BAD_PREFIX = -2 };
int addr_prefix_parse(const char *text, int *family, uint8_t addr[16], long *len);

/* Parses "ADDR/LEN" (or a bare address: /32, /128) into out. An IPv4-mapped IPv6 prefix of
 * length >= 96 becomes the IPv4 one. Returns 0, or -EINVAL with a message in err (errlen
 * bytes) that names the fix: "bad address", "prefix length 33 is more than 32", "host bits
 * set: did you mean 10.0.0.0/8?". Any thread. */
int netmap_parse(const char *text, struct netmap_prefix *out, char *err, size_t errlen);

/* An empty map, ready for netmap_insert; NULL on ENOMEM. The caller owns it (netmap_free). */
struct netmap *netmap_new(void);

/* Frees map; NULL is fine. Only after every reader is done (RCU grace period). */
void netmap_free(struct netmap *map);

/* Adds p with value (any but NETMAP_NONE). Returns 0; -EEXIST when the same prefix is
 * already in the map (*old gets its value, old may be NULL); -ENOMEM. Building thread only,
 * before the map is shared. */
#define NETMAP_NONE UINT32_MAX
int netmap_insert(struct netmap *map, const struct netmap_prefix *p, uint32_t value, uint32_t *old);

/* Once the last prefix is in: trims the node array and, for maps of 1024 prefixes or
 * more, lays the nodes out depth first and builds a table of where a lookup resumes for
 * each first 16 bits (1 MiB), so that the nearly complete top of a big trie costs one
 * memory access instead of one per level. Nothing may be inserted after. Building
 * thread. */
void netmap_seal(struct netmap *map);

/* Prefixes in the map, and nodes (for tests and the load log). */
size_t netmap_count(const struct netmap *map);
size_t netmap_nodes(const struct netmap *map);

/* Looks up addr (4 bytes for AF_INET, 16 for AF_INET6, network order): the value of the
 * longest prefix containing it, or NETMAP_NONE (also for an unknown family). *prefix gets
 * the length of the largest network around addr whose every address gets the same result:
 * the matched entry's length, or longer when a more specific entry lies inside it (then
 * the answer must not be cached for the whole entry: this is the ECS scope the map
 * allows); on a miss, the span with no entry. In the address's own family: an IPv4 entry
 * matched by a v4-mapped IPv6 address adds 96. An empty or NULL map gives NETMAP_NONE and
 * 0. Query path: no allocation, no lock; any thread, concurrently. */
uint32_t netmap_lookup(const struct netmap *map, int family, const uint8_t *addr, uint8_t *prefix);

#endif
