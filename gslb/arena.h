/* SPDX-License-Identifier: Apache-2.0 */
/* arena.h — bump allocation in large blocks, freed all at once
 *
 * A zone holds millions of small pieces (names, rdata) that live and die
 * together: one malloc each costs time and, as the heap grows and shrinks,
 * page-table work. An arena hands them out of blocks (16 KiB doubling to 1 MiB)
 * and frees them in one pass.
 */
#ifndef GSLB_ARENA_H
#define GSLB_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head; /* the block being filled, then older ones */
};

/* size bytes living until arena_free(a), NULL on ENOMEM. No alignment: for byte strings
 * (wire names, rdata), packed back to back. Not thread-safe: load time only. */
void *arena_alloc(struct arena *a, size_t size);
/* Frees every block of a and leaves it empty (reusable); NULL is fine. */
void arena_free(struct arena *a);

#endif
