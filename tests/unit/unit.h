/* SPDX-License-Identifier: Apache-2.0 */
/* unit.h — shared helpers for the Check suites
 *
 * UNIT_MAIN(suite_fn) defines main() running one suite and returning
 * non-zero on any failure. TEST_SRCDIR points at the source tree so tests
 * can load files from zones/, conf/ and tests/.
 */
#ifndef GSLB_UNIT_H
#define GSLB_UNIT_H

#include <check.h>
#include <stdlib.h>

#define UNIT_MAIN(suite_fn)                                                                        \
	int main(void)                                                                             \
	{                                                                                          \
		SRunner *sr = srunner_create(suite_fn());                                          \
		srunner_run_all(sr, CK_NORMAL);                                                    \
		int failed = srunner_ntests_failed(sr);                                            \
		srunner_free(sr);                                                                  \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                       \
	}

#endif
