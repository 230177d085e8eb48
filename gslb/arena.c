/* SPDX-License-Identifier: Apache-2.0 */
/* arena.c — bump allocation in large blocks, freed all at once */
#include "config.h"

#include "arena.h"

#include <stdlib.h>

/* Blocks double from 16 KiB up to 1 MiB: a zone of a million names takes a few dozen
 * blocks, and a small zone (most of a config's, and every fuzz input) stays below malloc's
 * mmap threshold instead of mapping and faulting in a fresh 1 MiB per load. */
#define ARENA_BLOCK_MIN (16 * 1024)
#define ARENA_BLOCK_MAX (1024 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	unsigned char data[];
};

void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_block *b = a->head;
	void *p;

	if (b == NULL || b->size - b->used < size) {
		size_t cap = b == NULL ? ARENA_BLOCK_MIN : b->size * 2;

		if (cap > ARENA_BLOCK_MAX)
			cap = ARENA_BLOCK_MAX;
		if (cap < size)
			cap = size;

		b = malloc(sizeof(*b) + cap);
		if (b == NULL)
			return NULL;
		b->size = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->used;
	b->used += size;
	return p;
}

void arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	while (a->head != NULL) {
		struct arena_block *b = a->head;

		a->head = b->next;
		free(b);
	}
}
