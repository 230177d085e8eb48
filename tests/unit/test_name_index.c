/* SPDX-License-Identifier: Apache-2.0 */
/* test_name_index.c — the name index: lookups, duplicates, many keys */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "name_index.h"
#include "unit.h"

START_TEST(put_and_get)
{
	struct name_index ix = {0};
	static const char *const keys[] = {"eu-west", "us-east", "eu", "EU-WEST"};

	ck_assert_int_eq(name_index_get(&ix, "eu", 2), -1); /* empty: every lookup misses */
	ck_assert_int_eq(name_index_init(&ix, 4), 0);
	for (uint32_t i = 0; i < 4; i++)
		ck_assert_int_eq(name_index_put(&ix, keys[i], strlen(keys[i]), i), -1);
	for (uint32_t i = 0; i < 4; i++)
		ck_assert_int_eq(name_index_get(&ix, keys[i], strlen(keys[i])), i);
	/* bytewise: a prefix or another case is another key */
	ck_assert_int_eq(name_index_get(&ix, "eu-wes", 6), -1);
	ck_assert_int_eq(name_index_get(&ix, "Eu", 2), -1);
	/* a duplicate names the first one and is not added */
	ck_assert_int_eq(name_index_put(&ix, "us-east", 7, 9), 1);
	ck_assert_int_eq(name_index_get(&ix, "us-east", 7), 1);
	name_index_free(&ix);
	ck_assert_ptr_null(ix.slots);
}
END_TEST

START_TEST(many)
{
	static char keys[20000][16];
	struct name_index ix;

	ck_assert_int_eq(name_index_init(&ix, 20000), 0);
	for (uint32_t i = 0; i < 20000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "s%u", i);
		ck_assert_int_eq(name_index_put(&ix, keys[i], strlen(keys[i]), i), -1);
	}
	for (uint32_t i = 0; i < 20000; i++)
		ck_assert_int_eq(name_index_get(&ix, keys[i], strlen(keys[i])), i);
	ck_assert_int_eq(name_index_get(&ix, "s20000", 6), -1);
	name_index_free(&ix);
}
END_TEST

UNIT_SUITE("name_index", {"put_and_get", put_and_get}, {"many", many})
