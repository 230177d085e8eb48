/* SPDX-License-Identifier: Apache-2.0 */
/* test_arena.c — bump allocation: pieces packed and kept, large ones, free and reuse */
#include "config.h"

#include "arena.h"

#include "unit.h"

#include <stdint.h>
#include <string.h>

START_TEST(pieces_packed_and_kept)
{
	struct arena a = {0};
	uint8_t *p[3000];
	size_t i;

	/* 3000 × 1000 bytes: more than two blocks, every piece keeps its bytes */
	for (i = 0; i < 3000; i++) {
		p[i] = arena_alloc(&a, 1000);
		ck_assert_ptr_nonnull(p[i]);
		memset(p[i], (int)(i & 0xff), 1000);
	}
	for (i = 0; i < 3000; i++) {
		ck_assert_uint_eq(p[i][0], i & 0xff);
		ck_assert_uint_eq(p[i][999], i & 0xff);
	}
	/* small pieces follow each other without padding */
	uint8_t *x = arena_alloc(&a, 3), *y = arena_alloc(&a, 5);

	ck_assert_ptr_eq(y, x + 3);
	arena_free(&a);
	ck_assert_ptr_null(a.head);
}
END_TEST

START_TEST(large_piece_and_reuse)
{
	struct arena a = {0};
	uint8_t *big, *small;

	small = arena_alloc(&a, 10);
	big = arena_alloc(&a, 3 * 1024 * 1024); /* larger than a block: a block of its own */
	ck_assert_ptr_nonnull(small);
	ck_assert_ptr_nonnull(big);
	memset(big, 0xab, 3 * 1024 * 1024);
	memset(small, 0xcd, 10);
	ck_assert_uint_eq(big[3 * 1024 * 1024 - 1], 0xab);
	arena_free(&a);
	ck_assert_ptr_null(a.head);
	ck_assert_ptr_nonnull(arena_alloc(&a, 1)); /* an emptied arena is usable again */
	arena_free(&a);
	arena_free(NULL);
}
END_TEST

UNIT_SUITE("arena", { "pieces_packed_and_kept", pieces_packed_and_kept },
	   { "large_piece_and_reuse", large_piece_and_reuse })
