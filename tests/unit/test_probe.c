/* SPDX-License-Identifier: Apache-2.0 */
/* test_probe.c — gslb-probe: the rise/fall state machine and the check instance list */
#include "config.h"

#include "probe.h"

#include "report.h"
#include "service.h"
#include "unit.h"

#include <event2/event.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* rows of probes/check_types.c; the checks here need no params (targets, tcp) */
extern const struct conf_check_type check_http_type, check_haproxy_type, check_tcp_type;

static struct conf_check checks[] = {
    {.name = "web", .type_name = "http", .type = &check_http_type, .port = 80},
    {.name = "stats", .type_name = "haproxy", .type = &check_haproxy_type},
};
static struct region region = {.name = "eu"};
static uint8_t v4[2][4] = {{192, 0, 2, 1}, {192, 0, 2, 2}};
static uint8_t v6[1][16] = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
static uint8_t cdn[] = "\3cdn\7example\3net";
static uint8_t www[] = "\3www\7example\3com";

START_TEST(targets_one_per_address)
{
	struct member m[5] = {
	    {.index = 0,
	     .region = &region,
	     .ipv4 = v4,
	     .nipv4 = 2,
	     .ipv6 = v6,
	     .nipv6 = 1,
	     .check = "web"},
	    {.index = 1, .region = &region, .ipv4 = v4, .nipv4 = 1},	     /* no check */
	    {.index = 2, .region = &region, .cname = cdn, .check = "web"},   /* skipped */
	    {.index = 3, .region = &region, .cname = cdn, .check = "stats"}, /* as a whole */
	    {.index = 4, .region = &region, .ipv4 = v4, .nipv4 = 1, .check = "nope"},
	};
	struct service sv = {.name = www, .members = m, .nmembers = 5};
	struct conf c = {.checks = checks, .nchecks = 2};
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
	struct conf c = {.checks = checks, .nchecks = 2};
	struct probe_target *t = NULL;
	size_t n = 99;

	ck_assert_int_eq(probe_targets_build(&c, NULL, 0, &t, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(t);
}
END_TEST

/* ---- the probe on a loop: reports reach every report_to (IPv4 and IPv6) and verify with
 * gslbd's parser ---- */

static uint8_t secret[] = "0123456789abcdef0123456789abcdef-probe-test";

START_TEST(reports_verify_with_the_parser)
{
	static char *probers[] = {"unit-probe"};
	struct conf_health_key key = {.id = "k1",
				      .secret = secret,
				      .secret_len = sizeof(secret) - 1,
				      .probers = probers,
				      .nprobers = 1};
	struct conf_check tcp = {.name = "conn",
				 .type_name = "tcp",
				 .type = &check_tcp_type,
				 .port = 1,
				 .interval = 0.1,
				 .timeout = 0.05,
				 .rise = 1,
				 .fall = 1};
	struct conf_addr tos[2] = {{.text = "127.0.0.1"}, {.text = "[::1]"}};
	struct conf c = {.path = "test.conf", .checks = &tcp, .nchecks = 1};
	struct probe_target t = {
	    .service = www, .member = 3, .family = 4, .addr = {127, 0, 0, 1}, .check = &tcp};
	struct sockaddr_in *sin = (struct sockaddr_in *)&tos[0].ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&tos[1].ss;
	static struct report_view v;
	uint64_t last_seq = 0;
	int fds[2], got[2] = {0, 0}, down = 0;
	char err[256];
	uint8_t buf[2048];
	ssize_t n;

	/* receivers on ephemeral loopback ports, IPv4 and IPv6: one socket sends to both */
	fds[0] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	fds[1] = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ne(fds[0], -1);
	ck_assert_int_ne(fds[1], -1);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = in6addr_loopback;
	for (int i = 0; i < 2; i++) {
		tos[i].len = i ? sizeof(*sin6) : sizeof(*sin);
		ck_assert_int_eq(bind(fds[i], (struct sockaddr *)&tos[i].ss, tos[i].len), 0);
		ck_assert_int_eq(getsockname(fds[i], (struct sockaddr *)&tos[i].ss, &tos[i].len),
				 0);
	}

	c.health = (struct conf_health){
	    .present = true, .keys = &key, .nkeys = 1, .default_up = true, .report_interval = 0.05};
	c.probe = (struct conf_probe){.present = true,
				      .id = "",
				      .report_to = tos,
				      .nreport_to = 2,
				      .key = "k1",
				      .key_ref = &key};
	struct event_base *base = event_base_new();
	ck_assert_ptr_nonnull(base);
	ck_assert_ptr_null(probe_new(base, &c, "", &t, 1, err, sizeof(err))); /* no id */
	ck_assert_ptr_nonnull(strstr(err, "probe.id"));
	/* an id the key may not sign for: gslbd would drop every report, so refuse at start */
	ck_assert_ptr_null(probe_new(base, &c, "other-probe", &t, 1, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "may not sign for prober \"other-probe\""));
	struct probe *p = probe_new(base, &c, "unit-probe", &t, 1, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_uint_eq(probe_count(p), 1);
	struct timeval run = {0, 400000};
	event_base_loopexit(base, &run);
	event_base_dispatch(base);

	for (int i = 0; i < 2; i++) {
		last_seq = 0;
		while ((n = recv(fds[i], buf, sizeof(buf), 0)) > 0) {
			const char *why = NULL;

			ck_assert_int_eq(report_verify_parse(buf, (size_t)n, &c.health, &v, &why),
					 0);
			ck_assert_uint_eq(v.prober_len, 10);
			ck_assert(!memcmp(v.prober, "unit-probe", 10));
			ck_assert_uint_gt(v.seq, last_seq);
			last_seq = v.seq;
			ck_assert_uint_eq(v.nparts, 1);
			ck_assert_uint_eq(v.nentries, 1);
			ck_assert_uint_eq(v.entries[0].member, 3);
			ck_assert_uint_eq(v.entries[0].family, 4);
			ck_assert_mem_eq(v.entries[0].addr, t.addr, 4);
			ck_assert_mem_eq(v.entries[0].service, www, sizeof(www));
			down += !v.entries[0].up; /* port 1 refuses: down after one failure */
			got[i]++;
		}
		ck_assert_int_ge(got[i], 4); /* 400 ms at one report per 50 ms */
	}
	ck_assert_int_ge(down, 1);
	probe_free(p);
	event_base_free(base);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

UNIT_SUITE("probe", {"starts_in_default_state", starts_in_default_state},
	   {"falls_after_fall_failures", falls_after_fall_failures},
	   {"success_resets_failure_run", success_resets_failure_run},
	   {"rises_after_rise_successes", rises_after_rise_successes},
	   {"one_result_flips_with_rise_fall_one", one_result_flips_with_rise_fall_one},
	   {"full_cycle_down_and_up", full_cycle_down_and_up},
	   {"targets_one_per_address", targets_one_per_address}, {"targets_none", targets_none},
	   {"reports_verify_with_the_parser", reports_verify_with_the_parser})
