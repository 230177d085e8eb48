/* SPDX-License-Identifier: Apache-2.0 */
/* test_control_api.c — GET /api/v1/stats: the figures gslbctl stats shows, as JSON */
#include "config.h"

#include "control_api.h"

#include "conf.h"
#include "control.h"
#include "health.h"
#include "metrics.h"
#include "service.h"
#include "snapshot.h"
#include "unit.h"

#include <jansson.h>

#include <string.h>

/* The integer at a.b.c (b, c may be NULL); -1 when absent or not an integer. */
static long long at(json_t *j, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(j, a);

	if (b != NULL)
		v = json_object_get(v, b);
	if (c != NULL)
		v = json_object_get(v, c);
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static void made_up(struct metrics_input *in)
{
	memset(in, 0, sizeof(*in));
	in->dns[METRICS_UDP].queries = 100;
	in->dns[METRICS_TCP].queries = 7;
	in->dns[METRICS_UDP].rcode[0] = 90;
	in->dns[METRICS_TCP].rcode[0] = 6;
	in->dns[METRICS_UDP].rcode[3] = 10;
	in->dns[METRICS_TCP].rcode[12] = 1; /* no mnemonic */
	in->dns[METRICS_UDP].ecs = 4;
	in->dns[METRICS_UDP].edns = 50;
	in->dns[METRICS_TCP].edns = 5;
	in->dns[METRICS_UDP].truncated = 3;
	in->dns[METRICS_UDP].dropped = 2;
	in->dns[METRICS_UDP].service_answers = 60;
	in->dns[METRICS_TCP].qtype[0] = 7;
	in->tcp = (struct net_tcp_stats){ .accepted = 8, .rejected = 1, .timeouts = 2,
					  .bad_length = 3, .open = 4 };
	in->udp = (struct net_udp_stats){ .recv_truncated = 5, .send_errors = 6 };
	in->rrl.dropped = 11;
	in->rrl.slipped = 12;
	in->reloads_ok = 2;
	in->reloads_failed = 1;
	in->serving = true;
	in->now = 1000;
}

START_TEST(counters_without_snapshot)
{
	struct metrics_input in;
	json_t *j;

	made_up(&in);
	j = control_api_stats_json(&in);
	ck_assert_ptr_nonnull(j);
	/* no snapshot: not serving, whatever the workers do */
	ck_assert(json_is_false(json_object_get(j, "serving")));
	ck_assert(json_is_null(json_object_get(j, "generation")));
	ck_assert(json_is_null(json_object_get(j, "age_seconds")));
	ck_assert(json_is_null(json_object_get(j, "members")));
	ck_assert_uint_eq(json_array_size(json_object_get(j, "answers_by_region")), 0);
	ck_assert_int_eq(at(j, "dns", "queries", "udp"), 100);
	ck_assert_int_eq(at(j, "dns", "queries", "tcp"), 7);
	ck_assert_int_eq(at(j, "dns", "queries", "total"), 107);
	ck_assert_int_eq(at(j, "dns", "dropped", "total"), 2);
	ck_assert_int_eq(at(j, "dns", "truncated", "udp"), 3);
	ck_assert_int_eq(at(j, "dns", "edns", "total"), 55);
	ck_assert_int_eq(at(j, "dns", "ecs", "total"), 4);
	ck_assert_int_eq(at(j, "dns", "service_answers", "total"), 60);

	json_t *resp = json_object_get(json_object_get(j, "dns"), "responses");
	ck_assert_int_eq(at(resp, "NOERROR", "total", NULL), 96);
	ck_assert_int_eq(at(resp, "NXDOMAIN", "udp", NULL), 10);
	ck_assert_int_eq(at(resp, "BADVERS", "total", NULL), 0); /* listed at zero */
	ck_assert_int_eq(at(resp, "RCODE12", "tcp", NULL), 1);	 /* listed when not zero */
	ck_assert_ptr_null(json_object_get(resp, "RCODE11"));
	json_t *qt = json_object_get(json_object_get(j, "dns"), "queries_by_type");
	ck_assert_uint_eq(json_object_size(qt), ANSWER_QTYPE_SLOTS);
	ck_assert_int_eq(at(qt, answer_qtype_names[0], "tcp", NULL), 7);

	ck_assert_int_eq(at(j, "transport", "tcp", "open"), 4);
	ck_assert_int_eq(at(j, "transport", "tcp", "accepted"), 8);
	ck_assert_int_eq(at(j, "transport", "tcp", "refused"), 1);
	ck_assert_int_eq(at(j, "transport", "tcp", "idle_timeouts"), 2);
	ck_assert_int_eq(at(j, "transport", "tcp", "bad_length"), 3);
	ck_assert_int_eq(at(j, "transport", "udp", "recv_truncated"), 5);
	ck_assert_int_eq(at(j, "transport", "udp", "send_errors"), 6);
	ck_assert_int_eq(at(j, "reloads", "ok", NULL), 2);
	ck_assert_int_eq(at(j, "reloads", "failed", NULL), 1);
	ck_assert_int_eq(at(j, "rrl", "dropped", NULL), 11);
	ck_assert_int_eq(at(j, "rrl", "slipped", NULL), 12);
	json_decref(j);
}
END_TEST

START_TEST(members_and_regions)
{
	static uint8_t a[] = "\1a\7example\3com";
	static uint8_t b[] = "\1b\7example\3com";
	static uint8_t ip[1][4] = { { 192, 0, 2, 1 } };
	struct region eu = { .name = "eu" }, us = { .name = "us" }, ap = { .name = "ap" };
	/* a: us, eu, us; b: ap, eu — regions first seen in the order us, eu, ap */
	struct member ma[3] = {
		{ .index = 0, .region = &us, .ipv4 = ip, .nipv4 = 1, .health = 0 },
		{ .index = 1, .region = &eu, .ipv4 = ip, .nipv4 = 1, .health = 1 },
		{ .index = 2, .region = &us, .ipv4 = ip, .nipv4 = 1, .health = 2 },
	};
	struct member mb[2] = {
		{ .index = 0, .region = &ap, .ipv4 = ip, .nipv4 = 1, .health = 3 },
		{ .index = 1, .region = &eu, .ipv4 = ip, .nipv4 = 1, .health = 4 },
	};
	struct service svcs[2] = {
		{ .name = a, .members = ma, .nmembers = 3 },
		{ .name = b, .members = mb, .nmembers = 2 },
	};
	struct conf cf;
	struct snapshot snap;
	struct member_health pub[5];
	struct conf_health h = { .quorum = 1, .stale_after = 5.0, .grace = 30.0,
				 .default_up = true, .state_file = "" };
	struct health_state *hs = health_new(&h, 0);
	struct metrics_input in;
	const unsigned answers[5] = { 3, 5, 7, 11, 13 };
	json_t *j, *r;

	memset(&cf, 0, sizeof(cf));
	cf.services = svcs;
	cf.nservices = 2;
	memset(&snap, 0, sizeof(snap));
	snap.conf = &cf;
	snap.health = pub;
	snap.nhealth = 5;
	snap.generation = 4;
	snap.built_at = 990;
	ck_assert_int_eq(member_stats_init(&snap.answers, 2, 5), 0);
	for (uint32_t slot = 0; slot < 5; slot++)
		for (unsigned k = 0; k < answers[slot]; k++)
			member_stats_count(&snap.answers, k % 2, slot);
	ck_assert_ptr_nonnull(hs);
	ck_assert_int_eq(health_bind(hs, svcs, 2, pub, 5, 0), 0);
	ck_assert_int_eq(health_override_set(hs, a, mkey(1), HEALTH_OVERRIDE_DRAIN), 0);
	ck_assert_int_eq(health_override_set(hs, b, mkey(0), HEALTH_OVERRIDE_UP), 0);

	made_up(&in);
	in.snap = &snap;
	in.health = hs;
	j = control_api_stats_json(&in);
	ck_assert(json_is_true(json_object_get(j, "serving")));
	ck_assert_int_eq(at(j, "generation", NULL, NULL), 4);
	ck_assert_int_eq(at(j, "age_seconds", NULL, NULL), 10);
	ck_assert_int_eq(at(j, "members", "total", NULL), 5);
	ck_assert_int_eq(at(j, "members", "up", NULL), 4); /* the drained one is down */
	ck_assert_int_eq(at(j, "members", "overridden", NULL), 2);
	r = json_object_get(j, "answers_by_region");
	ck_assert_uint_eq(json_array_size(r), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(r, 0), "region")), "us");
	ck_assert_int_eq(at(json_array_get(r, 0), "answers", NULL, NULL), 3 + 7);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(r, 1), "region")), "eu");
	ck_assert_int_eq(at(json_array_get(r, 1), "answers", NULL, NULL), 5 + 13);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(r, 2), "region")), "ap");
	ck_assert_int_eq(at(json_array_get(r, 2), "answers", NULL, NULL), 11);
	json_decref(j);

	/* without health state: no override count, members up as published */
	in.health = NULL;
	in.serving = false;
	j = control_api_stats_json(&in);
	ck_assert(json_is_false(json_object_get(j, "serving")));
	ck_assert(json_is_null(json_object_get(json_object_get(j, "members"), "overridden")));
	ck_assert_int_eq(at(j, "members", "up", NULL), 4);
	json_decref(j);
	health_free(hs);
	member_stats_free(&snap.answers);
}
END_TEST

/* POST /api/v1/reload's answer names the settings that wait for a restart, in bit order */
START_TEST(reload_restart_needed)
{
	json_t *j = control_api_reload_json(7, 0);
	json_t *r;

	ck_assert_str_eq(json_string_value(json_object_get(j, "result")), "ok");
	ck_assert_int_eq(at(j, "generation", NULL, NULL), 7);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "restart_needed")), 0);
	json_decref(j);

	j = control_api_reload_json(8, CONTROL_RESTART_HEALTH_LISTEN | CONTROL_RESTART_LISTEN);
	ck_assert_str_eq(json_string_value(json_object_get(j, "result")), "restart_needed");
	r = json_object_get(j, "restart_needed");
	ck_assert_uint_eq(json_array_size(r), 2);
	ck_assert_str_eq(json_string_value(json_array_get(r, 0)), "server.listen");
	ck_assert_str_eq(json_string_value(json_array_get(r, 1)), "health.listen");
	json_decref(j);

	j = control_api_reload_json(9, CONTROL_RESTART_STORE);
	r = json_object_get(j, "restart_needed");
	ck_assert_uint_eq(json_array_size(r), 1);
	ck_assert_str_eq(json_string_value(json_array_get(r, 0)), "store");
	json_decref(j);
}
END_TEST

UNIT_SUITE("control_api", { "counters_without_snapshot", counters_without_snapshot },
	   { "members_and_regions", members_and_regions },
	   { "reload_restart_needed", reload_restart_needed })
