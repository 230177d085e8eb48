/* SPDX-License-Identifier: Apache-2.0 */
/* test_probe.c — gslb-probe: the rise/fall state machine and the check instance list */
#include "config.h"

#include "probe.h"

#include "service.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#define T0 1700000000000ULL

START_TEST(starts_in_default_state)
{
	struct probe_sm up, down;

	probe_sm_init(&up, true);
	probe_sm_init(&down, false);
	ck_assert(up.up);
	ck_assert(!down.up);
	ck_assert_uint_eq(up.last_change_ms, 0);
	ck_assert_uint_eq(down.results, 0);
}
END_TEST

START_TEST(falls_after_fall_failures)
{
	struct probe_sm sm;

	probe_sm_init(&sm, true);
	ck_assert(!probe_sm_result(&sm, false, 2, 3, T0));
	ck_assert(!probe_sm_result(&sm, false, 2, 3, T0 + 1000));
	ck_assert(sm.up);
	ck_assert(probe_sm_result(&sm, false, 2, 3, T0 + 2000));
	ck_assert(!sm.up);
	ck_assert_uint_eq(sm.last_change_ms, T0 + 2000);
	/* more failures keep it down without a new change */
	ck_assert(!probe_sm_result(&sm, false, 2, 3, T0 + 3000));
	ck_assert_uint_eq(sm.last_change_ms, T0 + 2000);
	ck_assert_uint_eq(sm.results, 4);
}
END_TEST

START_TEST(success_resets_failure_run)
{
	struct probe_sm sm;

	probe_sm_init(&sm, true);
	for (int round = 0; round < 5; round++) {
		ck_assert(!probe_sm_result(&sm, false, 2, 3, T0 + round * 3000));
		ck_assert(!probe_sm_result(&sm, false, 2, 3, T0 + round * 3000 + 1000));
		ck_assert(!probe_sm_result(&sm, true, 2, 3, T0 + round * 3000 + 2000));
	}
	ck_assert(sm.up);
	ck_assert_uint_eq(sm.last_change_ms, 0);
}
END_TEST

START_TEST(rises_after_rise_successes)
{
	struct probe_sm sm;

	probe_sm_init(&sm, false);
	ck_assert(!probe_sm_result(&sm, true, 3, 2, T0));
	ck_assert(!probe_sm_result(&sm, false, 3, 2, T0 + 1000)); /* resets the success run */
	ck_assert(!probe_sm_result(&sm, true, 3, 2, T0 + 2000));
	ck_assert(!probe_sm_result(&sm, true, 3, 2, T0 + 3000));
	ck_assert(!sm.up);
	ck_assert(probe_sm_result(&sm, true, 3, 2, T0 + 4000));
	ck_assert(sm.up);
	ck_assert_uint_eq(sm.last_change_ms, T0 + 4000);
}
END_TEST

START_TEST(one_result_flips_with_rise_fall_one)
{
	struct probe_sm sm;

	probe_sm_init(&sm, true);
	ck_assert(probe_sm_result(&sm, false, 1, 1, T0));
	ck_assert(!sm.up);
	ck_assert(probe_sm_result(&sm, true, 1, 1, T0 + 1));
	ck_assert(sm.up);
	ck_assert(!probe_sm_result(&sm, true, 1, 1, T0 + 2));
}
END_TEST

START_TEST(full_cycle_down_and_up)
{
	struct probe_sm sm;
	int flips = 0;
	uint64_t t = T0;

	probe_sm_init(&sm, true);
	/* 10 failures then 10 successes with rise 2, fall 3: down at the 3rd, up at the 12th */
	for (int i = 0; i < 20; i++, t += 1000) {
		if (probe_sm_result(&sm, i >= 10, 2, 3, t)) {
			flips++;
			ck_assert_uint_eq(t, flips == 1 ? T0 + 2000 : T0 + 11000);
		}
	}
	ck_assert_int_eq(flips, 2);
	ck_assert(sm.up);
}
END_TEST

/* ---- instance list from services ---- */

static struct conf_check checks[] = {
	{ .name = "web", .type = CONF_CHECK_HTTP, .port = 80 },
	{ .name = "stats", .type = CONF_CHECK_HAPROXY, .url = "http://127.0.0.1:8404/stats;csv",
	  .proxy = "be" },
};
static struct region region = { .name = "eu" };
static uint8_t v4[2][4] = { { 192, 0, 2, 1 }, { 192, 0, 2, 2 } };
static uint8_t v6[1][16] = { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
static uint8_t cdn[] = "\3cdn\7example\3net";
static uint8_t www[] = "\3www\7example\3com";

START_TEST(targets_one_per_address)
{
	struct member m[5] = {
		{ .index = 0, .region = &region, .ipv4 = v4, .nipv4 = 2, .ipv6 = v6, .nipv6 = 1,
		  .check = "web" },
		{ .index = 1, .region = &region, .ipv4 = v4, .nipv4 = 1 },          /* no check */
		{ .index = 2, .region = &region, .cname = cdn, .check = "web" },    /* skipped */
		{ .index = 3, .region = &region, .cname = cdn, .check = "stats" },  /* as a whole */
		{ .index = 4, .region = &region, .ipv4 = v4, .nipv4 = 1, .check = "nope" },
	};
	struct service sv = { .name = www, .members = m, .nmembers = 5 };
	struct conf c = { .checks = checks, .nchecks = 2 };
	struct probe_target *t = NULL;
	size_t n = 99;

	ck_assert_int_eq(probe_targets_build(&c, &sv, 1, &t, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(t[0].member, 0);
	ck_assert_uint_eq(t[0].family, 4);
	ck_assert_mem_eq(t[0].addr, v4[0], 4);
	ck_assert_mem_eq(t[1].addr, v4[1], 4);
	ck_assert_uint_eq(t[2].family, 6);
	ck_assert_mem_eq(t[2].addr, v6[0], 16);
	ck_assert_str_eq(t[2].check->name, "web");
	ck_assert_uint_eq(t[3].member, 3);
	ck_assert_uint_eq(t[3].family, 0);
	ck_assert_str_eq(t[3].check->name, "stats");
	ck_assert_ptr_eq(t[3].service, www);
	free(t);
}
END_TEST

START_TEST(targets_none)
{
	struct conf c = { .checks = checks, .nchecks = 2 };
	struct probe_target *t = NULL;
	size_t n = 99;

	ck_assert_int_eq(probe_targets_build(&c, NULL, 0, &t, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(t);
}
END_TEST

UNIT_SUITE("probe", { "starts_in_default_state", starts_in_default_state },
	   { "falls_after_fall_failures", falls_after_fall_failures },
	   { "success_resets_failure_run", success_resets_failure_run },
	   { "rises_after_rise_successes", rises_after_rise_successes },
	   { "one_result_flips_with_rise_fall_one", one_result_flips_with_rise_fall_one },
	   { "full_cycle_down_and_up", full_cycle_down_and_up },
	   { "targets_one_per_address", targets_one_per_address },
	   { "targets_none", targets_none })
