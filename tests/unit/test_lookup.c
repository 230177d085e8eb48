/* SPDX-License-Identifier: Apache-2.0 */
/* test_lookup.c — (being written) */
#include "config.h"

#include "unit.h"

START_TEST(placeholder)
{
	ck_assert_int_eq(1, 1);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("lookup");
	TCase *tc = tcase_create("placeholder");
	tcase_add_test(tc, placeholder);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
