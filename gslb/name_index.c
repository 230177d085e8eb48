/* SPDX-License-Identifier: Apache-2.0 */
/* name_index.c — open-addressing hash index from names to array positions */
#include "config.h"

#include "name_index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a, 32 bits: names are short and the index is built off the query path. */
static uint32_t hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

int name_index_init(struct name_index *ix, size_t n)
{
	size_t nslots = 8;

	while (nslots < 2 * n)
		nslots *= 2;
	ix->slots = calloc(nslots, sizeof(*ix->slots));
	if (ix->slots == NULL) {
		ix->mask = 0;
		return -ENOMEM;
	}
	ix->mask = nslots - 1;
	return 0;
}

/* The slot of key, or the empty slot where it would go. */
static struct name_index_slot *slot_of(const struct name_index *ix, const void *key, size_t len)
{
	size_t h = hash_bytes(key, len) & ix->mask;

	for (;; h = (h + 1) & ix->mask) {
		struct name_index_slot *s = &ix->slots[h];

		if (s->key == NULL || (s->len == len && memcmp(s->key, key, len) == 0))
			return s;
	}
}

long name_index_put(struct name_index *ix, const void *key, size_t len, uint32_t pos)
{
	struct name_index_slot *s = slot_of(ix, key, len);

	if (s->key != NULL)
		return s->pos;
	*s = (struct name_index_slot){.key = key, .len = (uint32_t)len, .pos = pos};
	return -1;
}

long name_index_get(const struct name_index *ix, const void *key, size_t len)
{
	const struct name_index_slot *s;

	if (ix->slots == NULL)
		return -1;
	s = slot_of(ix, key, len);
	return s->key != NULL ? (long)s->pos : -1;
}

void name_index_free(struct name_index *ix)
{
	free(ix->slots);
	ix->slots = NULL;
	ix->mask = 0;
}
