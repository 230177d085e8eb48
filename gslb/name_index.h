/* SPDX-License-Identifier: Apache-2.0 */
/* name_index.h — a hash index from names (byte strings) to positions in the caller's array
 *
 * The config has thousands of services and regions; finding one by name (a member's
 * region, a duplicate, a CNAME member's target service, a service across a reload) must
 * not scan them all. The index keeps pointers to the caller's keys, which must outlive
 * it, and compares them bytewise: lowercase wire names before adding them. Built once,
 * then read by any number of threads.
 */
#ifndef GSLB_NAME_INDEX_H
#define GSLB_NAME_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct name_index_slot {
	const void *key; /* NULL = empty */
	uint32_t len;
	uint32_t pos;
};

struct name_index {
	struct name_index_slot *slots; /* NULL: an empty index (every lookup misses) */
	size_t mask;		       /* slots - 1, a power of two minus one */
};

/* Sizes an empty index for up to n keys. 0 or -ENOMEM. */
int name_index_init(struct name_index *ix, size_t n);
/* Adds key (len bytes) at position pos, unless an equal key is in: returns -1 when added,
 * else the position of the one already in (a duplicate; nothing added). At most the n
 * keys of name_index_init. */
long name_index_put(struct name_index *ix, const void *key, size_t len, uint32_t pos);
/* The position of key, or -1. */
long name_index_get(const struct name_index *ix, const void *key, size_t len);
void name_index_free(struct name_index *ix);

#endif
