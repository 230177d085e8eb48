/* SPDX-License-Identifier: Apache-2.0 */
/* test_sigcache.c — the per-thread signature cache: exact keys, key set ids, refresh, bounds */
#include "config.h"

#include "sigcache.h"

#include "counter.h"

#include "unit.h"

#include <errno.h>
#include <string.h>

static const uint8_t key_a[] = "\3www\7example\3com\0\0\1\0\1\0\0\16\20\0\4\300\0\2\1";
static const uint8_t key_b[] = "\3www\7example\3com\0\0\1\0\1\0\0\16\20\0\4\300\0\2\2";
static const uint8_t sig[] = "\0\4sig1";

START_TEST(hit_after_put_exact_key_only)
{
	struct sigcache c = {0};
	size_t len = 0;

	ck_assert_int_eq(sigcache_init(&c, 1024), 0);
	ck_assert_ptr_null(sigcache_get(&c, 1, key_a, sizeof(key_a), 100, &len));
	ck_assert_int_eq(sigcache_put(&c, 1, key_a, sizeof(key_a), sig, sizeof(sig), 200), 0);
	const uint8_t *got = sigcache_get(&c, 1, key_a, sizeof(key_a), 100, &len);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(len, sizeof(sig));
	ck_assert_mem_eq(got, sig, sizeof(sig));
	/* another rdata (a geo variant), another key set: misses */
	ck_assert_ptr_null(sigcache_get(&c, 1, key_b, sizeof(key_b), 100, &len));
	ck_assert_ptr_null(sigcache_get(&c, 2, key_a, sizeof(key_a), 100, &len));
	/* a shorter key with the same prefix misses */
	ck_assert_ptr_null(sigcache_get(&c, 1, key_a, sizeof(key_a) - 1, 100, &len));
	ck_assert_uint_eq(counter_get(&c.hits), 1);
	ck_assert_uint_eq(counter_get(&c.misses), 4);
	sigcache_free(&c);
	sigcache_free(&c); /* freed twice: fine */
}
END_TEST

START_TEST(remade_at_refresh_time)
{
	struct sigcache c = {0};
	size_t len;

	ck_assert_int_eq(sigcache_init(&c, 64), 0);
	ck_assert_int_eq(sigcache_put(&c, 1, key_a, sizeof(key_a), sig, sizeof(sig), 200), 0);
	ck_assert_ptr_nonnull(sigcache_get(&c, 1, key_a, sizeof(key_a), 199, &len));
	ck_assert_ptr_null(sigcache_get(&c, 1, key_a, sizeof(key_a), 200, &len));
	sigcache_free(&c);
}
END_TEST

START_TEST(bounded_by_slots)
{
	struct sigcache c = {0};
	uint8_t key[64];
	size_t len, base;

	ck_assert_int_eq(sigcache_init(&c, 16), 0);
	base = counter_get(&c.bytes);
	for (unsigned i = 0; i < 1000; i++) {
		memset(key, 0, sizeof(key));
		memcpy(key, &i, sizeof(i));
		ck_assert_int_eq(sigcache_put(&c, 1, key, sizeof(key), sig, sizeof(sig), 10), 0);
		ck_assert_ptr_nonnull(sigcache_get(&c, 1, key, sizeof(key), 0, &len));
	}
	ck_assert_uint_le(counter_get(&c.entries), 16);
	ck_assert_uint_le(counter_get(&c.bytes), base + 16 * (64 + sizeof(key) + sizeof(sig)));
	uint8_t big[SIGCACHE_MAX_KEY + 1] = {0};
	ck_assert_int_eq(sigcache_put(&c, 1, big, sizeof(big), sig, sizeof(sig), 10), -E2BIG);
	sigcache_free(&c);
	ck_assert_uint_eq(counter_get(&c.entries), 0);
}
END_TEST

UNIT_SUITE("sigcache", {"hit_after_put_exact_key_only", hit_after_put_exact_key_only},
	   {"remade_at_refresh_time", remade_at_refresh_time},
	   {"bounded_by_slots", bounded_by_slots})
