/* SPDX-License-Identifier: Apache-2.0 */
/* test_report_pace.c — event reports: debounced, rate-limited per destination */
#include "config.h"

#include "report_pace.h"

#include "unit.h"

#define DEB 20
#define GAP 100

static struct report_pace pace(size_t n)
{
	struct report_pace p;

	ck_assert_int_eq(report_pace_init(&p, n, DEB, GAP), 0);
	return p;
}

START_TEST(nothing_pending)
{
	struct report_pace p = pace(2);

	ck_assert_uint_eq(report_pace_next(&p), REPORT_PACE_NEVER);
	ck_assert(!report_pace_take(&p, 0, 1000));
	report_pace_sent(&p, 0, 1000); /* a periodic snapshot alone schedules nothing */
	ck_assert_uint_eq(report_pace_next(&p), REPORT_PACE_NEVER);
	report_pace_release(&p);
}
END_TEST

START_TEST(debounce_gathers_one_incident)
{
	struct report_pace p = pace(1);

	/* the first report of a quiet prober leaves after the debounce, not before */
	report_pace_changed(&p, 1000);
	ck_assert_uint_eq(report_pace_next(&p), 1000 + DEB);
	ck_assert(!report_pace_take(&p, 0, 1000 + DEB - 1));
	/* more flips within the debounce do not push it back: one report carries them all */
	report_pace_changed(&p, 1005);
	report_pace_changed(&p, 1019);
	ck_assert_uint_eq(report_pace_due(&p, 0), 1000 + DEB);
	ck_assert(report_pace_take(&p, 0, 1000 + DEB));
	report_pace_sent(&p, 0, 1000 + DEB);
	ck_assert_uint_eq(report_pace_next(&p), REPORT_PACE_NEVER);
	report_pace_release(&p);
}
END_TEST

START_TEST(rate_limit_per_destination)
{
	struct report_pace p = pace(2);

	report_pace_changed(&p, 1000);
	ck_assert(report_pace_take(&p, 0, 1020));
	report_pace_sent(&p, 0, 1020);
	/* destination 1 was not sent yet (say, its send is later in the loop) */
	ck_assert(report_pace_take(&p, 1, 1030));
	report_pace_sent(&p, 1, 1030);
	/* a flapping check: the next change waits for each destination's own gap */
	report_pace_changed(&p, 1040);
	ck_assert_uint_eq(report_pace_due(&p, 0), 1020 + GAP);
	ck_assert_uint_eq(report_pace_due(&p, 1), 1030 + GAP);
	ck_assert_uint_eq(report_pace_next(&p), 1020 + GAP);
	ck_assert(!report_pace_take(&p, 0, 1119));
	ck_assert(report_pace_take(&p, 0, 1120));
	ck_assert(!report_pace_take(&p, 1, 1120));
	report_pace_sent(&p, 0, 1120);
	ck_assert_uint_eq(report_pace_next(&p), 1030 + GAP);
	/* changes inside the gap leave together at its end */
	report_pace_changed(&p, 1125);
	report_pace_changed(&p, 1150);
	ck_assert_uint_eq(report_pace_due(&p, 0), 1120 + GAP);
	report_pace_release(&p);
}
END_TEST

START_TEST(periodic_snapshot_carries_changes)
{
	struct report_pace p = pace(1);

	report_pace_changed(&p, 1000);
	/* the periodic snapshot leaves first: it carries the change, no event report follows */
	report_pace_sent(&p, 0, 1010);
	ck_assert_uint_eq(report_pace_next(&p), REPORT_PACE_NEVER);
	ck_assert(!report_pace_take(&p, 0, 2000));
	/* and it counts for the rate limit */
	report_pace_changed(&p, 1050);
	ck_assert_uint_eq(report_pace_due(&p, 0), 1010 + GAP);
	/* a change long after the last report waits for the debounce only */
	report_pace_sent(&p, 0, 1110);
	report_pace_changed(&p, 5000);
	ck_assert_uint_eq(report_pace_due(&p, 0), 5000 + DEB);
	report_pace_release(&p);
}
END_TEST

UNIT_SUITE("report_pace", {"nothing_pending", nothing_pending},
	   {"debounce_gathers_one_incident", debounce_gathers_one_incident},
	   {"rate_limit_per_destination", rate_limit_per_destination},
	   {"periodic_snapshot_carries_changes", periodic_snapshot_carries_changes})
