/* SPDX-License-Identifier: Apache-2.0 */
/* unit.h — shared helpers for the Check suites
 *
 * UNIT_SUITE(name, {"case", test_fn}, ...) builds a suite, one TCase per entry,
 * and defines main() with it; UNIT_MAIN(suite_fn) defines main() running one suite and returning
 * non-zero on any failure. TEST_SRCDIR points at the source tree so tests
 * can load files from zones/, conf/ and tests/.
 */
#ifndef GSLB_UNIT_H
#define GSLB_UNIT_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* One behaviour per TCase: a table of these builds the suite. */
struct unit_case {
	const char *name;
	const TTest *fn;
};

static inline Suite *unit_suite(const char *name, const struct unit_case *cases, size_t n)
{
	Suite *s = suite_create(name);
	for (size_t i = 0; i < n; i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_add_test(tc, cases[i].fn);
		suite_add_tcase(s, tc);
	}
	return s;
}

#define UNIT_SUITE(name, ...)                                                                      \
	static Suite *make_suite(void)                                                             \
	{                                                                                          \
		const struct unit_case cases[] = { __VA_ARGS__ };                                   \
		return unit_suite(name, cases, sizeof(cases) / sizeof(cases[0]));                 \
	}                                                                                          \
	UNIT_MAIN(make_suite)

/* Check's default per-test timeout is 4 s of wall clock: on a loaded 2-core machine a
 * correct CPU-bound test (100,000 filter draws) missed it. A timeout is there to catch a
 * hang, not to time a test, so the default becomes 60 s (CK_DEFAULT_TIMEOUT in the
 * environment still wins; CK_TIMEOUT_MULTIPLIER still scales it). */
#define UNIT_MAIN(suite_fn)                                                                        \
	int main(void)                                                                             \
	{                                                                                          \
		setenv("CK_DEFAULT_TIMEOUT", "60", 0);                                             \
		SRunner *sr = srunner_create(suite_fn());                                          \
		srunner_run_all(sr, CK_NORMAL);                                                    \
		int failed = srunner_ntests_failed(sr);                                            \
		srunner_free(sr);                                                                  \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                       \
	}

/* The override key of a member built without a name, as health_member_key gives it:
 * "#<index>". Eight results stay valid at once. */
static inline const char *mkey(uint32_t i)
{
	static char b[8][16];
	static unsigned n;
	char *p = b[n++ & 7];

	snprintf(p, 16, "#%u", i);
	return p;
}

#endif
