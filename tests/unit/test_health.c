/* SPDX-License-Identifier: Apache-2.0 */
/* test_health.c — report aggregation: quorum, staleness, grace, replays, overrides */
#include "config.h"

#include "health.h"
#include "health_file.h"

#include "report.h"
#include "service.h"
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 1700000000000ULL /* unix ms */
#define SEC 1000ULL
#define START (T0 - 60 * SEC) /* when the tests' states are created, unless they say */

static const uint8_t www[] = "\3www\7example\3com";
static const uint8_t WWW[] = "\3WWW\7example\3COM";
static const uint8_t other[] = "\5other\7example\3com";

static uint8_t v4a[1][4] = { { 192, 0, 2, 1 } };
static uint8_t v4b[1][4] = { { 192, 0, 2, 2 } };
static uint8_t v6b[1][16] = { { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } };
static uint8_t edge[] = "\4edge\3cdn\3net";
static struct region region = { .name = "eu" };

/* www.example.com: member 0 = 192.0.2.1 (slot 0), member 1 = 192.0.2.2 and 2001:db8::2
 * (slot 1), member 2 = CNAME edge.cdn.net (slot 2). */
static struct member members[3];
static struct service svc;

static void make_service(bool with_v6)
{
	memset(members, 0, sizeof(members));
	members[0] = (struct member){ .index = 0, .region = &region, .ipv4 = v4a, .nipv4 = 1,
				      .health = 0 };
	members[1] = (struct member){ .index = 1, .region = &region, .ipv4 = v4b, .nipv4 = 1,
				      .ipv6 = with_v6 ? v6b : NULL, .nipv6 = with_v6 ? 1 : 0,
				      .health = 1 };
	members[2] = (struct member){ .index = 2, .region = &region, .cname = edge, .health = 2 };
	svc = (struct service){ .name = (uint8_t *)www, .members = members, .nmembers = 3 };
}

static struct conf_health params(int quorum, bool default_up)
{
	return (struct conf_health){ .quorum = quorum, .stale_after = 5.0, .grace = 30.0,
				     .default_up = default_up, .state_file = "",
				     .report_interval = 1.0, .max_clock_skew = 30.0 };
}

static struct report_view view;

/* Binds svc to a new array of 3 slots (caller frees). */
static struct member_health *bind_svc(struct health_state *s, uint64_t now)
{
	struct member_health *pub = malloc(3 * sizeof(*pub));

	ck_assert_ptr_nonnull(pub);
	ck_assert_int_eq(health_bind(s, &svc, 1, pub, 3, now), 0);
	return pub;
}

/* A one-part report from prober id with the given entries. */
static void report(const char *id, uint64_t seq, uint64_t ts, const struct report_entry *e,
		   size_t n)
{
	memset(&view, 0, sizeof(view));
	view.prober = id;
	view.prober_len = strlen(id);
	view.seq = seq;
	view.timestamp_ms = ts;
	view.nparts = 1;
	view.nentries = n;
	memcpy(view.entries, e, n * sizeof(*e));
}

static struct report_entry ent(uint16_t member, uint8_t family, const uint8_t *addr, bool up,
			       uint32_t rtt, uint32_t load)
{
	struct report_entry e = { .service = www, .member = member, .family = family, .up = up,
				  .rtt_us = rtt, .load_permille = load };

	if (family)
		memcpy(e.addr, addr, family == 4 ? 4 : 16);
	return e;
}

/* Applies a report that must be accepted, with want entries recorded. */
static void apply(struct health_state *s, uint64_t now, int want)
{
	const char *reason = "unset";

	ck_assert_int_eq(health_apply_report(s, &view, now, &reason), want);
	ck_assert_ptr_null(reason);
}

/* Sends a one-part report that must be accepted whole (report + apply). */
static void deliver(struct health_state *s, const char *id, uint64_t seq, uint64_t ts,
		    const struct report_entry *e, size_t n)
{
	report(id, seq, ts, e, n);
	apply(s, ts, (int)n);
}

static void reject(struct health_state *s, uint64_t now, const char *want)
{
	const char *reason = NULL;

	ck_assert_int_lt(health_apply_report(s, &view, now, &reason), 0);
	ck_assert_ptr_nonnull(reason);
	ck_assert_str_eq(reason, want);
}

START_TEST(quorum_stale_and_missing)
{
	struct conf_health h = params(2, true);
	struct health_state *s = health_new(&h, START);
	struct report_entry e[3];
	uint64_t now = T0;

	make_service(true);
	struct member_health *pub = bind_svc(s, now);
	ck_assert(member_health_up(&pub[0]));
	ck_assert_uint_eq(member_health_rtt(&pub[0]), MEMBER_RTT_UNKNOWN);

	/* one of three probers says down, one says up, one is missing: up */
	e[0] = ent(0, 4, v4a[0], false, 1000, 100);
	deliver(s, "a", 1, now, e, 1);
	e[0] = ent(0, 4, v4a[0], true, 3000, 300);
	deliver(s, "b", 1, now, e, 1);
	ck_assert_int_eq(health_evaluate(s, now), 0);
	ck_assert(member_health_up(&pub[0]));
	ck_assert_uint_eq(member_health_rtt(&pub[0]), 2000);
	ck_assert_uint_eq(member_health_load(&pub[0]), 200);

	/* the second says down: quorum reached */
	now += SEC;
	e[0] = ent(0, 4, v4a[0], false, 3000, REPORT_UNKNOWN);
	deliver(s, "b", 2, now, e, 1);
	ck_assert_int_eq(health_evaluate(s, now), 2); /* the address and the member */
	ck_assert(!member_health_up(&pub[0]));
	ck_assert_uint_eq(member_health_load(&pub[0]), 100); /* b has no load now */

	/* b goes quiet: its vote goes stale after 5 s and a alone is below quorum */
	for (uint64_t seq = 2; seq <= 7; seq++) {
		now += SEC;
		e[0] = ent(0, 4, v4a[0], false, 500, 50);
		deliver(s, "a", seq, now, e, 1);
		health_evaluate(s, now);
		/* b's vote was taken at T0 + 1 s and is fresh for 5 s */
		ck_assert_int_eq(member_health_up(&pub[0]), now - (T0 + SEC) > 5 * SEC);
	}
	ck_assert_uint_eq(member_health_rtt(&pub[0]), 500);

	/* member 1: its IPv6 address (address 1, after the IPv4 one) down by quorum, IPv4 up:
	 * the member stays up and only the IPv6 address is marked down */
	e[0] = ent(1, 4, v4b[0], true, 100, 10);
	e[1] = ent(1, 6, v6b[0], false, 100, 10);
	deliver(s, "a", 8, now, e, 2);
	deliver(s, "c", 1, now, e, 2);
	health_evaluate(s, now);
	ck_assert(member_health_up(&pub[1]));
	ck_assert_uint_eq(member_health_down_addrs(&pub[1]), 2);
	ck_assert(member_health_up(&pub[2])); /* never reported, default up, within grace */
	e[1] = ent(1, 6, v6b[0], true, 100, 10);
	deliver(s, "c", 2, now, e, 2);
	health_evaluate(s, now);
	ck_assert(member_health_up(&pub[1]));
	ck_assert_uint_eq(member_health_down_addrs(&pub[1]), 0); /* one down vote: below quorum */
	/* both addresses down: the member is down, and no address is singled out (failing
	 * open would hand out all of them) */
	e[0] = ent(1, 4, v4b[0], false, 100, 10);
	e[1] = ent(1, 6, v6b[0], false, 100, 10);
	deliver(s, "a", 9, now, e, 2);
	deliver(s, "c", 3, now, e, 2);
	health_evaluate(s, now);
	ck_assert(!member_health_up(&pub[1]));
	ck_assert_uint_eq(member_health_down_addrs(&pub[1]), 0);

	/* the CNAME member as a whole */
	e[0] = ent(2, 0, NULL, false, 0, 0);
	deliver(s, "a", 10, now, e, 1);
	deliver(s, "c", 4, now, e, 1);
	health_evaluate(s, now);
	ck_assert(!member_health_up(&pub[2]));

	free(pub);
	health_free(s);
}
END_TEST

START_TEST(grace_then_default)
{
	struct conf_health h = params(1, false);
	struct health_state *s = health_new(&h, START);
	struct report_entry e[1];
	uint64_t now = T0;

	make_service(false);
	struct member_health *pub = bind_svc(s, now);
	health_evaluate(s, now);
	/* default down: members start down */
	ck_assert(!member_health_up(&pub[0]));
	ck_assert(!member_health_up(&pub[1]));

	e[0] = ent(0, 4, v4a[0], true, 10, 1);
	deliver(s, "a", 1, now, e, 1);
	health_evaluate(s, now);
	ck_assert(member_health_up(&pub[0]));
	ck_assert(member_health_load(&pub[0]) == 1);

	/* stale after 5 s; then 30 s of grace keep it up, without fresh load */
	health_evaluate(s, now + 5 * SEC + 1);
	ck_assert(member_health_up(&pub[0]));
	ck_assert_uint_eq(member_health_load(&pub[0]), MEMBER_LOAD_UNKNOWN);
	health_evaluate(s, now + 35 * SEC);
	ck_assert(member_health_up(&pub[0]));
	ck_assert_int_eq(health_evaluate(s, now + 35 * SEC + 1), 2);
	ck_assert(!member_health_up(&pub[0]));

	/* a fresh report brings it back */
	now += 40 * SEC;
	deliver(s, "a", 2, now, e, 1);
	health_evaluate(s, now);
	ck_assert(member_health_up(&pub[0]));

	/* default up: a member whose votes go stale down keeps down through grace, then up */
	h = params(1, true);
	ck_assert_int_eq(health_configure(s, &h), 0);
	e[0] = ent(0, 4, v4a[0], false, 10, 1);
	deliver(s, "a", 3, now, e, 1);
	health_evaluate(s, now);
	ck_assert(!member_health_up(&pub[0]));
	health_evaluate(s, now + 35 * SEC);
	ck_assert(!member_health_up(&pub[0]));
	health_evaluate(s, now + 36 * SEC);
	ck_assert(member_health_up(&pub[0]));
	free(pub);
	health_free(s);
}
END_TEST

START_TEST(replay_and_forgery)
{
	static uint8_t sec1[] = "0123456789abcdef0123456789abcdef";
	static uint8_t sec_bad[] = "0123456789abcdef0123456789abcdeX";
	static char *ab[] = { "a", "b" };
	struct conf_health_key key = { .id = "k1", .secret = sec1, .secret_len = 32,
				       .probers = ab, .nprobers = 2 };
	struct conf_health_key forged = { .id = "k1", .secret = sec_bad, .secret_len = 32,
					  .probers = ab, .nprobers = 2 };
	struct conf_health h = params(1, true);
	struct health_state *s = health_new(&h, START);
	struct report_entry e[3];
	uint64_t now = T0;

	h.keys = &key;
	h.nkeys = 1;
	make_service(true);
	struct member_health *pub = bind_svc(s, now);

	e[0] = ent(0, 4, v4a[0], true, 10, 1);
	deliver(s, "a", 100, now, e, 1);
	reject(s, now, REPORT_R_REPLAY);           /* the same datagram again */
	view.seq = 99;
	reject(s, now, REPORT_R_REPLAY);           /* an older snapshot */
	view.seq = 100;
	view.nparts = 2;
	view.part = 1;
	apply(s, now, 1);                          /* another part of the same snapshot */
	reject(s, now, REPORT_R_REPLAY);
	view.seq = 101;
	view.timestamp_ms = now - 31 * SEC;
	reject(s, now, REPORT_R_STALE_TIMESTAMP);
	view.timestamp_ms = now + 31 * SEC;
	reject(s, now, REPORT_R_FUTURE_TIMESTAMP);
	view.timestamp_ms = UINT64_MAX;
	reject(s, now, REPORT_R_FUTURE_TIMESTAMP);
	view.timestamp_ms = 0;
	reject(s, now, REPORT_R_STALE_TIMESTAMP);
	view.timestamp_ms = now - 30 * SEC;
	apply(s, now, 1);
	view.seq = 102;
	view.timestamp_ms = now + 30 * SEC;
	apply(s, now, 1);
	/* another prober's numbers are its own */
	view.prober = "b";
	view.prober_len = 1;
	view.seq = 1;
	apply(s, now, 1);

	/* entries for unknown services, members and addresses are skipped */
	e[0] = ent(0, 4, v4b[0], false, 0, 0);
	e[1] = ent(7, 4, v4a[0], false, 0, 0);
	e[2] = ent(0, 4, v4a[0], false, 0, 0);
	e[2].service = other;
	report("a", 200, now, e, 3);
	apply(s, now, 0);
	health_evaluate(s, now);
	ck_assert(member_health_up(&pub[0]));

	/* the whole way: a forged datagram never reaches the state */
	uint8_t bufs[1][REPORT_MAX_DATAGRAM];
	size_t lens[1], nparts;
	struct report_meta meta = { .prober = "a", .seq = 300, .timestamp_ms = now };
	const char *reason;
	e[0] = ent(0, 4, v4a[0], false, 0, 0);
	ck_assert_int_eq(report_encode(&meta, &forged, e, 1, bufs, lens, 1, &nparts), 0);
	ck_assert_int_eq(report_verify_parse(bufs[0], lens[0], &h, &view, &reason), -EBADMSG);
	ck_assert_str_eq(reason, REPORT_R_BAD_MAC);
	ck_assert_int_eq(report_encode(&meta, &key, e, 1, bufs, lens, 1, &nparts), 0);
	ck_assert_int_eq(report_verify_parse(bufs[0], lens[0], &h, &view, &reason), 0);
	apply(s, now, 1);
	health_evaluate(s, now);
	ck_assert(!member_health_up(&pub[0]));
	/* and replaying the genuine one is refused */
	reject(s, now + SEC, REPORT_R_REPLAY);

	/* a key holder's seq 2^64 - 1 under a's id is refused before the state sees it, so
	 * a's next genuine snapshot still counts */
	meta.seq = UINT64_MAX;
	e[0] = ent(0, 4, v4a[0], true, 0, 0);
	ck_assert_int_eq(report_encode(&meta, &key, e, 1, bufs, lens, 1, &nparts), 0);
	ck_assert_int_eq(report_verify_parse(bufs[0], lens[0], &h, &view, &reason), -ERANGE);
	ck_assert_str_eq(reason, REPORT_R_IMPLAUSIBLE_SEQ);
	meta.seq = 301;
	e[0] = ent(0, 4, v4a[0], true, 0, 0);
	ck_assert_int_eq(report_encode(&meta, &key, e, 1, bufs, lens, 1, &nparts), 0);
	ck_assert_int_eq(report_verify_parse(bufs[0], lens[0], &h, &view, &reason), 0);
	apply(s, now, 1);
	health_evaluate(s, now);
	ck_assert(member_health_up(&pub[0]));
	free(pub);
	health_free(s);
}
END_TEST

START_TEST(reload_keeps_state)
{
	struct conf_health h = params(1, true);
	struct health_state *s = health_new(&h, START);
	struct report_entry e[2];
	uint64_t now = T0;

	make_service(true);
	struct member_health *pub = bind_svc(s, now);
	e[0] = ent(1, 4, v4b[0], true, 10, 1);
	e[1] = ent(1, 6, v6b[0], false, 10, 1);
	deliver(s, "a", 1, now, e, 2);
	health_evaluate(s, now);
	ck_assert(member_health_up(&pub[1])); /* up by its IPv4 address */
	ck_assert_uint_eq(member_health_down_addrs(&pub[1]), 2);

	/* the new config drops the IPv6 address and moves member 1 to slot 0 */
	make_service(false);
	members[1].health = 0;
	members[0].health = 1;
	struct member_health *pub2 = bind_svc(s, now + SEC);
	ck_assert(member_health_up(&pub2[0]));     /* its remaining address is up */
	ck_assert_uint_eq(member_health_down_addrs(&pub2[0]), 0);
	ck_assert_uint_eq(member_health_load(&pub2[0]), 1);
	ck_assert_uint_eq(member_health_load(&pub2[1]), MEMBER_LOAD_UNKNOWN);
	/* the old array is no longer written */
	e[0] = ent(1, 4, v4b[0], false, 10, 1);
	deliver(s, "a", 2, now + SEC, e, 1);
	health_evaluate(s, now + SEC);
	ck_assert(!member_health_up(&pub2[0]));
	ck_assert(member_health_up(&pub[1])); /* as it was: the old array is not written */
	ck_assert_uint_eq(member_health_down_addrs(&pub[1]), 2);
	ck_assert(member_health_up(&pub[0]));
	free(pub);
	free(pub2);
	health_free(s);
}
END_TEST

static void count_member(const struct health_member_info *m, void *arg)
{
	size_t *n = arg;

	(*n)++;
	if (m->member == 0)
		ck_assert_int_eq(m->override, HEALTH_OVERRIDE_DRAIN);
}

START_TEST(override_persistence)
{
	char dir[] = "/tmp/test_health.XXXXXX";
	char *file = NULL;
	struct conf_health h = params(1, true);
	struct report_entry e[2];
	uint64_t now = T0;
	char err[512];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_ge(asprintf(&file, "%s/overrides", dir), 0);
	h.state_file = file;
	struct health_state *s = health_new(&h, START);

	/* no file yet: no overrides */
	ck_assert_int_eq(health_file_load(s, T0, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	make_service(true);
	struct member_health *pub = bind_svc(s, now);
	e[0] = ent(1, 4, v4b[0], false, 10, 1);
	e[1] = ent(1, 6, v6b[0], false, 10, 1);
	deliver(s, "a", 1, now, e, 2);
	health_evaluate(s, now);
	ck_assert(!member_health_up(&pub[1]));

	ck_assert_int_eq(health_override_set(s, www, mkey(0), HEALTH_OVERRIDE_DRAIN), 0);
	ck_assert(!member_health_up(&pub[0]));     /* at once, without an evaluation */
	ck_assert(member_health_drained(&pub[0])); /* so that fail-open skips it too */
	ck_assert_int_eq(health_override_set(s, WWW, mkey(1), HEALTH_OVERRIDE_UP), 0);
	ck_assert(member_health_up(&pub[1]));      /* forced up although probes say down */
	ck_assert(!member_health_drained(&pub[1]));
	ck_assert_int_eq(health_override_set(s, other, mkey(4), HEALTH_OVERRIDE_DOWN), 0);
	ck_assert_int_eq(health_override_set(s, www, mkey(2), HEALTH_OVERRIDE_DOWN), 0);
	ck_assert_int_eq(health_override_set(s, www, mkey(2), HEALTH_OVERRIDE_NONE), 0);
	health_evaluate(s, now + SEC);
	ck_assert(!member_health_up(&pub[0]));
	ck_assert(member_health_drained(&pub[0]));
	ck_assert(member_health_up(&pub[1]));
	ck_assert(member_health_up(&pub[2]));
	ck_assert(!member_health_drained(&pub[2])); /* forced down is not drained */
	size_t n = 0;
	health_foreach_member(s, count_member, &n);
	ck_assert_uint_eq(n, 4); /* three bound members and other.example.com's override */
	free(pub);
	health_free(s);

	/* a restart: the overrides come back from the file */
	FILE *f = fopen(file, "r");
	char text[4096] = "";
	ck_assert_ptr_nonnull(f);
	size_t len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	ck_assert_ptr_nonnull(strstr(text, "\nwww.example.com. 0 drain\n"
					   "www.example.com. 1 up\n"
					   "other.example.com. 4 down\n"));
	ck_assert_ptr_null(strstr(text, " 2 "));
	s = health_new(&h, START);
	ck_assert_int_eq(health_file_load(s, T0, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(health_override_get(s, www, mkey(0)), HEALTH_OVERRIDE_DRAIN);
	ck_assert_int_eq(health_override_get(s, www, mkey(1)), HEALTH_OVERRIDE_UP);
	ck_assert_int_eq(health_override_get(s, WWW, mkey(2)), HEALTH_OVERRIDE_NONE);
	ck_assert_int_eq(health_override_get(s, other, mkey(4)), HEALTH_OVERRIDE_DOWN);
	pub = bind_svc(s, now);
	ck_assert(!member_health_up(&pub[0]));
	ck_assert(member_health_up(&pub[1]));

	/* a malformed file is refused whole, with its line */
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs("# comment\nwww.example.com. 2 down\nwww.example.com. 0 sideways\n", f);
	fclose(f);
	ck_assert_int_eq(health_file_load(s, T0, NULL, err, sizeof(err)), -EINVAL);
	ck_assert(err[0]);
	char *want = NULL;
	ck_assert_int_ge(asprintf(&want, "%s:3: override: want drain, up or down", file), 0);
	ck_assert_str_eq(err, want);
	free(want);
	ck_assert_int_eq(health_override_get(s, www, mkey(2)), HEALTH_OVERRIDE_NONE);
	ck_assert_int_eq(health_override_get(s, www, mkey(0)), HEALTH_OVERRIDE_DRAIN);

	/* a file that cannot be written is an error, the override still applies */
	ck_assert_int_eq(unlink(file), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_int_lt(health_override_set(s, www, mkey(1), HEALTH_OVERRIDE_DOWN), 0);
	ck_assert(!member_health_up(&pub[1]));
	ck_assert_int_eq(health_override_parse("drain"), HEALTH_OVERRIDE_DRAIN);
	ck_assert_int_eq(health_override_parse("off"), -EINVAL);
	ck_assert_str_eq(health_override_name(HEALTH_OVERRIDE_UP), "up");
	free(pub);
	health_free(s);
	free(file);
}
END_TEST

/* Runtime weights go to the state file with their meta and come back at the next start;
 * a cleared one is not written. */
START_TEST(weight_persistence)
{
	char dir[] = "/tmp/test_health.XXXXXX";
	char *file = NULL;
	struct conf_health h = params(1, true);
	struct health_weight_ref rw = {.kind = HEALTH_WEIGHT_REGION, .name = "us-east"};
	struct health_weight_ref member = {.kind = HEALTH_WEIGHT_MEMBER, .name = "lon-a"};
	struct health_weight_ref gone = {.kind = HEALTH_WEIGHT_REGION, .name = "ap-south"};
	struct health_override_meta meta = {.who = "ops", .why = "shift", .at_ms = T0};
	struct health_override_meta seen;
	char err[512];

	memcpy(member.service, WWW, sizeof(WWW)); /* not lowercased: the state lowercases it */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_ge(asprintf(&file, "%s/state", dir), 0);
	h.state_file = file;
	struct health_state *s = health_new(&h, START);
	health_lock(s);
	ck_assert_int_eq(health_put_weight(s, &rw, 0, &meta), 0);
	ck_assert_int_eq(health_put_weight(s, &member, 250, &meta), 0);
	ck_assert_int_eq(health_put_weight(s, &gone, 7, &meta), 0);
	ck_assert_int_eq(health_put_weight(s, &gone, MEMBER_WEIGHT_CONFIG, &meta), 0);
	ck_assert_int_eq(health_file_save_locked(s), 0);
	health_unlock(s);
	health_free(s);

	s = health_new(&h, START);
	ck_assert_int_eq(health_file_load(s, T0, NULL, err, sizeof(err)), 0);
	health_lock(s);
	ck_assert_uint_eq(health_get_weight(s, &rw, &seen), 0);
	ck_assert_str_eq(seen.who, "ops");
	ck_assert_str_eq(seen.why, "shift");
	ck_assert_uint_eq(seen.at_ms, T0);
	memcpy(member.service, www, sizeof(www));
	ck_assert_uint_eq(health_get_weight(s, &member, NULL), 250);
	ck_assert_uint_eq(health_get_weight(s, &gone, NULL), MEMBER_WEIGHT_CONFIG);
	health_unlock(s);
	health_free(s);
	ck_assert_int_eq(unlink(file), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	free(file);
}
END_TEST

/* What a health_foreach_target callback saw, copied out of the callback. */
struct seen_target {
	uint32_t member;
	uint8_t family;
	uint8_t addr[16];
	bool up, fresh;
	size_t nvotes;
	struct {
		char prober[CONF_ID_MAX + 1];
		bool up, fresh;
		uint64_t age_ms;
		uint32_t rtt_us, load_permille;
	} votes[4];
};

struct seen {
	struct seen_target t[8];
	size_t n;
};

static void see_target(const struct health_target_info *t, void *arg)
{
	struct seen *sn = arg;

	ck_assert_uint_lt(sn->n, 8);
	ck_assert_uint_le(t->nvotes, 4);
	struct seen_target *st = &sn->t[sn->n++];
	ck_assert_ptr_nonnull(t->service);
	ck_assert_int_eq(t->slot, t->member); /* the test binds member i to slot i */
	st->member = t->member;
	st->family = t->family;
	if (t->family)
		memcpy(st->addr, t->addr, t->family == 4 ? 4 : 16);
	st->up = t->up;
	st->fresh = t->fresh;
	st->nvotes = t->nvotes;
	for (size_t i = 0; i < t->nvotes; i++) {
		snprintf(st->votes[i].prober, sizeof(st->votes[i].prober), "%s",
			 t->votes[i].prober);
		st->votes[i].up = t->votes[i].up;
		st->votes[i].fresh = t->votes[i].fresh;
		st->votes[i].age_ms = t->votes[i].age_ms;
		st->votes[i].rtt_us = t->votes[i].rtt_us;
		st->votes[i].load_permille = t->votes[i].load_permille;
	}
}

START_TEST(votes_per_target)
{
	struct conf_health h = params(1, true);
	struct health_state *s = health_new(&h, START);
	struct report_entry e[2];
	struct seen sn;
	uint64_t now = T0;

	make_service(true);
	struct member_health *pub = bind_svc(s, now);
	memset(&sn, 0, sizeof(sn));
	ck_assert_int_eq(health_foreach_target(s, now, see_target, &sn), 0);
	/* 192.0.2.1; 192.0.2.2 and 2001:db8::2; the CNAME member as a whole; no votes yet */
	ck_assert_uint_eq(sn.n, 4);
	ck_assert_uint_eq(sn.t[0].family, 4);
	ck_assert_mem_eq(sn.t[0].addr, v4a[0], 4);
	ck_assert_uint_eq(sn.t[1].member, 1);
	ck_assert_mem_eq(sn.t[1].addr, v4b[0], 4);
	ck_assert_uint_eq(sn.t[2].family, 6);
	ck_assert_mem_eq(sn.t[2].addr, v6b[0], 16);
	ck_assert_uint_eq(sn.t[3].family, 0);
	ck_assert_uint_eq(sn.t[3].member, 2);
	for (size_t i = 0; i < 4; i++)
		ck_assert_uint_eq(sn.t[i].nvotes, 0);

	/* "zeta" votes first, "alpha" 2 s later: listed by id, each with its own age */
	e[0] = ent(0, 4, v4a[0], false, 1500, REPORT_UNKNOWN);
	deliver(s, "zeta", 1, now, e, 1);
	e[0] = ent(0, 4, v4a[0], true, 2500, 250);
	e[1] = ent(1, 6, v6b[0], true, 700, 70);
	deliver(s, "alpha", 1, now + 2 * SEC, e, 2);
	health_evaluate(s, now + 2 * SEC);
	ck_assert(!member_health_up(&pub[0])); /* quorum 1: zeta's down is enough */

	memset(&sn, 0, sizeof(sn));
	ck_assert_int_eq(health_foreach_target(s, now + 2400, see_target, &sn), 0);
	ck_assert_uint_eq(sn.n, 4);
	ck_assert(!sn.t[0].up);
	ck_assert(sn.t[0].fresh);
	ck_assert_uint_eq(sn.t[0].nvotes, 2);
	ck_assert_str_eq(sn.t[0].votes[0].prober, "alpha");
	ck_assert(sn.t[0].votes[0].up);
	ck_assert(sn.t[0].votes[0].fresh);
	ck_assert_uint_eq(sn.t[0].votes[0].age_ms, 400);
	ck_assert_uint_eq(sn.t[0].votes[0].rtt_us, 2500);
	ck_assert_uint_eq(sn.t[0].votes[0].load_permille, 250);
	ck_assert_str_eq(sn.t[0].votes[1].prober, "zeta");
	ck_assert(!sn.t[0].votes[1].up);
	ck_assert_uint_eq(sn.t[0].votes[1].age_ms, 2400);
	ck_assert_uint_eq(sn.t[0].votes[1].load_permille, REPORT_UNKNOWN);
	ck_assert_uint_eq(sn.t[1].nvotes, 0); /* 192.0.2.2 had no vote */
	ck_assert_uint_eq(sn.t[2].nvotes, 1);
	ck_assert_str_eq(sn.t[2].votes[0].prober, "alpha");

	/* 5.5 s after zeta's vote it is stale (stale_after 5 s), alpha's still fresh; the
	 * combined state is the last evaluation's until the next one */
	memset(&sn, 0, sizeof(sn));
	ck_assert_int_eq(health_foreach_target(s, now + 5500, see_target, &sn), 0);
	ck_assert(!sn.t[0].up);
	ck_assert(!sn.t[0].votes[1].fresh);
	ck_assert_uint_eq(sn.t[0].votes[1].age_ms, 5500);
	ck_assert(sn.t[0].votes[0].fresh);
	health_evaluate(s, now + 5500);
	memset(&sn, 0, sizeof(sn));
	ck_assert_int_eq(health_foreach_target(s, now + 5500, see_target, &sn), 0);
	ck_assert(sn.t[0].up);

	/* a time before the votes (a clock step back) gives age 0, not a wrapped one */
	memset(&sn, 0, sizeof(sn));
	ck_assert_int_eq(health_foreach_target(s, now - SEC, see_target, &sn), 0);
	ck_assert_uint_eq(sn.t[0].votes[0].age_ms, 0);
	ck_assert(!sn.t[0].votes[0].fresh);

	/* a member the new snapshot drops is no longer listed */
	svc.nmembers = 1;
	struct member_health *pub2 = bind_svc(s, now + 6 * SEC);
	memset(&sn, 0, sizeof(sn));
	ck_assert_int_eq(health_foreach_target(s, now + 6 * SEC, see_target, &sn), 0);
	ck_assert_uint_eq(sn.n, 1);
	ck_assert_uint_eq(sn.t[0].nvotes, 2); /* its votes survive the reload */
	free(pub);
	free(pub2);
	health_free(s);
}
END_TEST

struct seen_prober {
	char id[CONF_ID_MAX + 1];
	uint64_t seq, age_ms;
};

struct seen_probers {
	struct seen_prober p[4];
	size_t n;
};

static void see_prober(const char *id, uint64_t last_seq, uint64_t age_ms, void *arg)
{
	struct seen_probers *sp = arg;

	ck_assert_uint_lt(sp->n, 4);
	snprintf(sp->p[sp->n].id, sizeof(sp->p[sp->n].id), "%s", id);
	sp->p[sp->n].seq = last_seq;
	sp->p[sp->n].age_ms = age_ms;
	sp->n++;
}

START_TEST(prober_report_age)
{
	struct conf_health h = params(1, true);
	struct health_state *s = health_new(&h, START);
	struct report_entry e[1];
	struct seen_probers sp;
	uint64_t now = T0;

	ck_assert_uint_eq(health_stale_after_ms(s), 5000);
	make_service(false);
	struct member_health *pub = bind_svc(s, now);
	memset(&sp, 0, sizeof(sp));
	health_foreach_prober(s, now, see_prober, &sp);
	ck_assert_uint_eq(sp.n, 0);

	e[0] = ent(0, 4, v4a[0], true, 10, 1);
	deliver(s, "probe-eu-1", 7, now, e, 1);
	/* a report whose entries all miss still counts as the prober's last word */
	e[0] = ent(9, 4, v4a[0], true, 10, 1);
	report("probe-us-1", 3, now + 300, e, 1);
	apply(s, now + 300, 0);
	/* a rejected replay does not refresh the age */
	report("probe-eu-1", 6, now + 900, e, 1);
	reject(s, now + 900, REPORT_R_REPLAY);

	memset(&sp, 0, sizeof(sp));
	health_foreach_prober(s, now + SEC, see_prober, &sp);
	ck_assert_uint_eq(sp.n, 2);
	ck_assert_str_eq(sp.p[0].id, "probe-eu-1");
	ck_assert_uint_eq(sp.p[0].seq, 7);
	ck_assert_uint_eq(sp.p[0].age_ms, 1000);
	ck_assert_str_eq(sp.p[1].id, "probe-us-1");
	ck_assert_uint_eq(sp.p[1].seq, 3);
	ck_assert_uint_eq(sp.p[1].age_ms, 700);

	/* a newer report resets the age; a time before it reads as 0 */
	report("probe-eu-1", 8, now + 2 * SEC, e, 1);
	apply(s, now + 2 * SEC, 0);
	memset(&sp, 0, sizeof(sp));
	health_foreach_prober(s, now + 2500, see_prober, &sp);
	ck_assert_uint_eq(sp.p[0].seq, 8);
	ck_assert_uint_eq(sp.p[0].age_ms, 500);
	ck_assert_uint_eq(sp.p[1].age_ms, 2200);
	memset(&sp, 0, sizeof(sp));
	health_foreach_prober(s, now, see_prober, &sp);
	ck_assert_uint_eq(sp.p[0].age_ms, 0);

	h.stale_after = 1.5;
	ck_assert_int_eq(health_configure(s, &h), 0);
	ck_assert_uint_eq(health_stale_after_ms(s), 1500);
	free(pub);
	health_free(s);
}
END_TEST

/* A report stamped before the state was created is refused even within the clock skew:
 * it may be a capture replayed to a restarted gslbd, whose replay windows are empty. */
START_TEST(before_start)
{
	struct conf_health h = params(1, true);
	struct health_state *s = health_new(&h, T0);
	struct report_entry e[1];

	make_service(false);
	struct member_health *pub = bind_svc(s, T0);
	e[0] = ent(0, 4, v4a[0], false, 0, 0);
	report("a", 5, T0 - 1, e, 1);
	reject(s, T0 + 2 * SEC, HEALTH_R_BEFORE_START);
	report("a", 5, T0 + 1, e, 1);
	apply(s, T0 + 2 * SEC, 1);
	/* a report at the very start counts */
	report("b", 5, T0, e, 1);
	apply(s, T0 + 2 * SEC, 1);
	free(pub);
	health_free(s);
}
END_TEST

static void count_prober(const char *id, uint64_t last_seq, uint64_t age_ms, void *arg)
{
	(void)id;
	(void)last_seq;
	(void)age_ms;
	(*(size_t *)arg)++;
}

static size_t nprobers(struct health_state *s, uint64_t now)
{
	size_t n = 0;

	health_foreach_prober(s, now, count_prober, &n);
	return n;
}

static void count_votes(const struct health_target_info *t, void *arg)
{
	if (t->member == 0)
		*(size_t *)arg = t->nvotes;
}

static size_t votes_on_member0(struct health_state *s, uint64_t now)
{
	size_t n = 0;

	ck_assert_int_eq(health_foreach_target(s, now, count_votes, &n), 0);
	return n;
}

/* Invented ids fill the table only until they idle out: max(10 × stale_after (50 s),
 * grace (30 s), 2 × max_clock_skew (60 s)) = 60 s with these parameters. */
START_TEST(idle_probers_expire)
{
	struct conf_health h = params(1, true);
	struct health_state *s = health_new(&h, T0);
	struct report_entry e[1];
	char id[32];
	uint64_t now = T0;

	make_service(false);
	struct member_health *pub = bind_svc(s, now);
	e[0] = ent(0, 4, v4a[0], false, 0, 0);
	for (int i = 0; i < HEALTH_MAX_PROBERS - 1; i++) {
		snprintf(id, sizeof(id), "fake-%d", i);
		deliver(s, id, 1, now, e, 1);
	}
	e[0] = ent(0, 4, v4a[0], true, 0, 0);
	deliver(s, "real", 1, now, e, 1);
	report("new", 1, now + SEC, e, 1);
	reject(s, now + SEC, HEALTH_R_TOO_MANY_PROBERS);
	ck_assert_uint_eq(votes_on_member0(s, now), HEALTH_MAX_PROBERS);
	health_evaluate(s, now);
	ck_assert(!member_health_up(&pub[0]));

	/* the real prober keeps reporting; the fakes fall silent */
	for (uint64_t t = 10; t <= 60; t += 10)
		deliver(s, "real", 1 + t, now + t * SEC, e, 1);
	ck_assert_uint_eq(health_expire(s, now + 60 * SEC), 0); /* 60 s idle: not yet */
	ck_assert_uint_eq(nprobers(s, now + 60 * SEC), HEALTH_MAX_PROBERS);
	report("new", 1, now + 60 * SEC, e, 1);
	reject(s, now + 60 * SEC, HEALTH_R_TOO_MANY_PROBERS);
	/* one ms later a new id finds room: the full table expires the idle ones */
	report("new", 1, now + 60 * SEC + 1, e, 1);
	apply(s, now + 60 * SEC + 1, 1);
	ck_assert_uint_eq(nprobers(s, now + 61 * SEC), 2);
	ck_assert_uint_eq(votes_on_member0(s, now + 61 * SEC), 2);
	health_evaluate(s, now + 61 * SEC);
	ck_assert(member_health_up(&pub[0]));
	/* a forgotten id that comes back starts afresh */
	deliver(s, "fake-3", 1, now + 62 * SEC, e, 1);
	ck_assert_uint_eq(nprobers(s, now + 62 * SEC), 3);

	/* health_evaluate expires too, without a full table */
	ck_assert_int_ge(health_evaluate(s, now + 200 * SEC), 0);
	ck_assert_uint_eq(nprobers(s, now + 200 * SEC), 0);
	ck_assert_uint_eq(votes_on_member0(s, now + 200 * SEC), 0);
	deliver(s, "real", 300, now + 201 * SEC, e, 1);
	ck_assert_uint_eq(nprobers(s, now + 201 * SEC), 1);
	free(pub);
	health_free(s);
}
END_TEST

/* A state with health.state_file in a new temporary directory, created at start. */
static struct health_state *new_with_file(char *dir, char **file, uint64_t start)
{
	struct conf_health h = params(2, true);

	h.present = true;
	if (!*file) {
		ck_assert_ptr_nonnull(mkdtemp(dir));
		ck_assert_int_ge(asprintf(file, "%s/state", dir), 0);
	}
	h.state_file = *file;
	struct health_state *s = health_new(&h, start);
	ck_assert_ptr_nonnull(s);
	return s;
}

static void remove_file_dir(char *dir, char *file)
{
	ck_assert_int_eq(unlink(file), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	free(file);
}

/* A restart at "at" of the state file: loads, binds, evaluates; *out as loaded. */
static struct health_state *restart(char *dir, char **file, uint64_t at,
				    struct health_file_loaded *out, struct member_health **pub)
{
	struct health_state *s = new_with_file(dir, file, at);
	char err[512];

	ck_assert_int_eq(health_file_load(s, at, out, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	*pub = bind_svc(s, at);
	health_evaluate(s, at);
	return s;
}

START_TEST(warm_start)
{
	char dir[] = "/tmp/test_health.XXXXXX", *file = NULL;
	struct health_file_loaded ld;
	struct health_readiness r;
	struct report_entry e[3];
	struct member_health *pub;
	uint64_t now = T0;

	make_service(true);
	struct health_state *s = new_with_file(dir, &file, START);
	pub = bind_svc(s, START);
	health_readiness(s, now, &r);
	ck_assert(!r.ready);
	ck_assert_str_eq(r.reason, "waiting");
	/* a and b say member 0 is down (quorum 2), c says up; all say member 1 is up */
	e[0] = ent(0, 4, v4a[0], false, 10, 1);
	e[1] = ent(1, 4, v4b[0], true, 20, 2);
	e[2] = ent(1, 6, v6b[0], true, 30, REPORT_UNKNOWN);
	deliver(s, "a", 1, now, e, 3);
	deliver(s, "b", 1, now, e, 3);
	e[0].up = true;
	deliver(s, "c", 1, now, e, 3);
	ck_assert(health_save_due(s, now)); /* votes came: a change */
	ck_assert(!health_save_due(s, now)); /* and saving counts */
	health_evaluate(s, now);
	ck_assert(!member_health_up(&pub[0]));
	health_readiness(s, now, &r);
	ck_assert(r.ready);
	ck_assert_str_eq(r.reason, "reports");
	ck_assert_uint_eq(r.fresh_probers, 3);
	ck_assert_int_eq(health_file_save(s), 0);
	free(pub);
	health_free(s);

	/* restarted 2 s later: the votes are fresh, member 0 is down from the first answer */
	s = restart(dir, &file, now + 2 * SEC, &ld, &pub);
	ck_assert_uint_eq(ld.votes, 9);
	ck_assert_uint_eq(ld.stale_votes, 0);
	ck_assert_uint_eq(ld.targets, 3);
	ck_assert_str_eq(ld.votes_error, "");
	ck_assert(!member_health_up(&pub[0]));
	ck_assert(member_health_up(&pub[1]));
	ck_assert_uint_eq(member_health_rtt(&pub[1]), 25);
	health_readiness(s, now + 2 * SEC, &r);
	ck_assert(r.ready);
	ck_assert_str_eq(r.reason, "warm");
	ck_assert_uint_eq(r.warm_probers, 3);
	/* a restored prober's next report (its sequence goes on) is taken */
	e[0].up = false;
	deliver(s, "a", 2, now + 3 * SEC, e, 3);
	health_evaluate(s, now + 4 * SEC);
	ck_assert(!member_health_up(&pub[0])); /* a (live) and b (warm) say down */
	/* the warm votes age as if gslbd had never stopped: b's goes stale at +5 s */
	health_evaluate(s, now + 6 * SEC);
	ck_assert(member_health_up(&pub[0])); /* a alone is below quorum */
	free(pub);
	health_free(s);
	remove_file_dir(dir, file);
}
END_TEST

START_TEST(warm_start_stale)
{
	char dir[] = "/tmp/test_health.XXXXXX", *file = NULL;
	struct health_file_loaded ld;
	struct health_readiness r;
	struct report_entry e[1];
	struct member_health *pub;
	uint64_t now = T0;

	make_service(false);
	struct health_state *s = new_with_file(dir, &file, START);
	pub = bind_svc(s, START);
	e[0] = ent(0, 4, v4a[0], false, 10, 1);
	deliver(s, "a", 1, now, e, 1);
	deliver(s, "b", 1, now, e, 1);
	health_evaluate(s, now);
	ck_assert(!member_health_up(&pub[0]));
	ck_assert_int_eq(health_file_save(s), 0);
	free(pub);
	health_free(s);

	/* 10 s later: the votes are stale (ignored), the grace that started at +5 s still runs */
	s = restart(dir, &file, now + 10 * SEC, &ld, &pub);
	ck_assert_uint_eq(ld.votes, 0);
	ck_assert_uint_eq(ld.stale_votes, 2);
	ck_assert(!member_health_up(&pub[0]));
	health_readiness(s, now + 10 * SEC, &r);
	ck_assert(!r.ready); /* no fresh vote: not ready */
	ck_assert_uint_eq(r.fresh_probers, 0);
	health_evaluate(s, now + 36 * SEC); /* grace over: the default */
	ck_assert(member_health_up(&pub[0]));
	free(pub);
	health_free(s);

	/* 40 s later (the file still holds the old votes): grace over, the default at once */
	s = restart(dir, &file, now + 40 * SEC, &ld, &pub);
	ck_assert_uint_eq(ld.stale_votes, 2);
	ck_assert(member_health_up(&pub[0]));
	free(pub);
	health_free(s);
	remove_file_dir(dir, file);
}
END_TEST

START_TEST(warm_start_corrupt)
{
	char dir[] = "/tmp/test_health.XXXXXX", *file = NULL, *want = NULL;
	struct health_file_loaded ld;
	struct member_health *pub;
	uint64_t now = T0;
	char err[512];
	FILE *f;

	make_service(false);
	struct health_state *s = new_with_file(dir, &file, now);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "www.example.com. 1 drain\n"
		   "target www.example.com. 0 192.0.2.1 down %llu\n"
		   "vote a down %llu 10 -\n"
		   "vote b sideways %llu 10 -\n"
		   "www.example.com. 2 up\n",
		(unsigned long long)now + 4 * SEC, (unsigned long long)now - SEC,
		(unsigned long long)now - SEC);
	fclose(f);
	/* the bad vote line costs the votes, reported with its line; the overrides load */
	ck_assert_int_eq(health_file_load(s, now, &ld, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_ge(asprintf(&want, "%s:4: state: want up or down", file), 0);
	ck_assert_str_eq(ld.votes_error, want);
	free(want);
	ck_assert_uint_eq(ld.votes, 0);
	ck_assert_uint_eq(ld.overrides, 2);
	ck_assert_int_eq(health_override_get(s, www, mkey(1)), HEALTH_OVERRIDE_DRAIN);
	ck_assert_int_eq(health_override_get(s, www, mkey(2)), HEALTH_OVERRIDE_UP);
	pub = bind_svc(s, now);
	health_evaluate(s, now);
	ck_assert(member_health_up(&pub[0])); /* no warm vote: the default */
	ck_assert(!member_health_up(&pub[1]));
	/* other bad vote lines, one each */
	static const char *const bad[][2] = {
	    { "vote a down 1 - -\n", ":1: vote: no target line before it" },
	    { "target www.example.com. 0 192.0.2.x down 1\n",
	      ":1: address: want an IPv4 or IPv6 address, or -" },
	    { "target www.example.com. 0 - down\n",
	      ":1: target: want \"target <service> <member> <address>|- up|down <unix ms>\"" },
	    { "target www.example.com. 0 - down 1\nvote a up -5 - -\n",
	      ":2: time: want unix milliseconds" },
	    { "target www.example.com. 0 - down 1\nvote a up 5 - 4294967295\n",
	      ":2: load: want permille or -" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = fopen(file, "w");
		ck_assert_ptr_nonnull(f);
		fputs(bad[i][0], f);
		fclose(f);
		ck_assert_int_eq(health_file_load(s, now, &ld, err, sizeof(err)), 0);
		ck_assert_int_ge(asprintf(&want, "%s%s", file, bad[i][1]), 0);
		ck_assert_str_eq(ld.votes_error, want);
		free(want);
	}
	/* a bad override line still refuses the whole file */
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs("target www.example.com. 0 - down 1\nwww.example.com. 0 sideways\n", f);
	fclose(f);
	ck_assert_int_eq(health_file_load(s, now, &ld, err, sizeof(err)), -EINVAL);
	free(pub);
	health_free(s);
	remove_file_dir(dir, file);
}
END_TEST

START_TEST(evaluate_due)
{
	struct conf_health h = params(1, true);
	struct report_entry e[1];
	uint64_t now = T0;

	make_service(false);
	struct health_state *s = health_new(&h, START);
	struct member_health *pub = bind_svc(s, START);
	ck_assert(!health_evaluate_due(s));
	e[0] = ent(0, 4, v4a[0], true, 10, 1);
	deliver(s, "a", 1, now, e, 1);
	ck_assert(health_evaluate_due(s)); /* a first vote */
	health_evaluate(s, now);
	ck_assert(!health_evaluate_due(s));
	deliver(s, "a", 2, now + SEC, e, 1);
	ck_assert(!health_evaluate_due(s)); /* the same vote refreshed: the tick's business */
	e[0].up = false;
	deliver(s, "a", 3, now + 2 * SEC, e, 1);
	ck_assert(health_evaluate_due(s)); /* down now: evaluated on arrival */
	ck_assert_int_eq(health_evaluate(s, now + 2 * SEC), 2);
	ck_assert(!member_health_up(&pub[0]));
	deliver(s, "a", 4, now + 8 * SEC, e, 1);
	ck_assert(health_evaluate_due(s)); /* the same vote, but it had gone stale (5 s) */
	free(pub);
	health_free(s);
}
END_TEST

START_TEST(ready_without_health)
{
	struct conf_health h = params(1, true);
	struct health_readiness r;

	struct health_state *s = health_new(&h, START);
	health_readiness(s, T0, &r);
	ck_assert(r.ready);
	ck_assert_str_eq(r.reason, "no_health");
	health_free(s);
}
END_TEST

UNIT_SUITE("health", { "quorum_stale_and_missing", quorum_stale_and_missing },
	   { "grace_then_default", grace_then_default },
	   { "replay_and_forgery", replay_and_forgery },
	   { "reload_keeps_state", reload_keeps_state },
	   { "override_persistence", override_persistence },
	   { "weight_persistence", weight_persistence },
	   { "votes_per_target", votes_per_target }, { "prober_report_age", prober_report_age },
	   { "before_start", before_start }, { "idle_probers_expire", idle_probers_expire },
	   { "warm_start", warm_start }, { "warm_start_stale", warm_start_stale },
	   { "warm_start_corrupt", warm_start_corrupt },
	   { "evaluate_due", evaluate_due }, { "ready_without_health", ready_without_health })
