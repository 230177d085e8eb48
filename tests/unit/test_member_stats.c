/* SPDX-License-Identifier: Apache-2.0 */
/* test_member_stats.c — answers per member: rows summed, carried over a reload by labels */
#include "config.h"

#include "member_stats.h"

#include "conf.h"
#include "dname.h"
#include "service.h"
#include "unit.h"

#include <string.h>

/* A config with one service of three members; regions and slots are the caller's. */
struct fixture {
	struct region eu, us;
	struct member m[3];
	struct service sv;
	uint8_t name[256];
	struct conf c;
};

static void fixture_init(struct fixture *f, const char *service, const char *regions,
			 const uint32_t *slots)
{
	memset(f, 0, sizeof(*f));
	f->eu.name = "eu";
	f->us.name = "us";
	ck_assert_int_ge(dname_from_str(service, f->name), 0);
	for (uint32_t i = 0; i < 3; i++) {
		f->m[i].index = i;
		f->m[i].region = regions[i] == 'e' ? &f->eu : &f->us;
		f->m[i].health = slots[i];
	}
	f->sv.name = f->name;
	f->sv.members = f->m;
	f->sv.nmembers = 3;
	f->c.services = &f->sv;
	f->c.nservices = 1;
}

START_TEST(rows_sum)
{
	struct member_stats ms;

	ck_assert_int_eq(member_stats_init(&ms, 3, 5), 0);
	ck_assert_uint_eq(ms.stride % 8, 0); /* rows start on their own cache line */
	member_stats_count(&ms, 0, 1);
	member_stats_count(&ms, 1, 1);
	member_stats_count(&ms, 2, 1);
	member_stats_count(&ms, 2, 4);
	member_stats_count(&ms, 3, 4); /* no such row: ignored */
	member_stats_count(&ms, 0, 5); /* no such slot: ignored */
	ck_assert_uint_eq(member_stats_total(&ms, 1), 3);
	ck_assert_uint_eq(member_stats_total(&ms, 4), 1);
	ck_assert_uint_eq(member_stats_total(&ms, 0), 0);
	ck_assert_uint_eq(member_stats_total(&ms, 9), 0);
	member_stats_free(&ms);
	/* an empty table (tests, fuzzing) counts nothing and reads 0 */
	memset(&ms, 0, sizeof(ms));
	member_stats_count(&ms, 0, 0);
	ck_assert_uint_eq(member_stats_total(&ms, 0), 0);
}
END_TEST

START_TEST(carry_and_fold)
{
	struct fixture a, b;
	struct member_stats old, new;
	const uint32_t old_slots[3] = {0, 1, 2}, new_slots[3] = {2, 0, 1};

	fixture_init(&a, "www.example.com", "eeu", old_slots);
	/* the reload moved slots around and put member 1 in another region */
	fixture_init(&b, "www.example.com", "euu", new_slots);
	ck_assert_int_eq(member_stats_init(&old, 2, 3), 0);
	ck_assert_int_eq(member_stats_init(&new, 2, 3), 0);
	for (int i = 0; i < 5; i++)
		member_stats_count(&old, 0, 0); /* member 0: 5 */
	member_stats_count(&old, 1, 1);		/* member 1: 1 */
	member_stats_count(&old, 1, 2);		/* member 2: 2 */
	member_stats_count(&old, 0, 2);

	member_stats_carry(&new, &b.c, &old, &a.c);
	ck_assert_uint_eq(member_stats_total(&new, 2), 5); /* member 0, now slot 2 */
	ck_assert_uint_eq(member_stats_total(&new, 0), 0); /* member 1 changed region: anew */
	ck_assert_uint_eq(member_stats_total(&new, 1), 2); /* member 2, now slot 1 */
	/* old threads still answer until the grace period ends; new ones count too */
	member_stats_count(&old, 1, 0);
	member_stats_count(&old, 0, 1);
	member_stats_count(&new, 0, 2);
	member_stats_fold(&new, &old);
	ck_assert_uint_eq(member_stats_total(&new, 2), 7);
	ck_assert_uint_eq(member_stats_total(&new, 0), 0);
	ck_assert_uint_eq(member_stats_total(&new, 1), 2);
	ck_assert_ptr_null(new.from);
	member_stats_free(&old);
	member_stats_free(&new);
}
END_TEST

START_TEST(carry_other_service)
{
	struct fixture a, b;
	struct member_stats old, new;
	const uint32_t slots[3] = {0, 1, 2};

	fixture_init(&a, "www.example.com", "eeu", slots);
	fixture_init(&b, "api.example.com", "eeu", slots);
	ck_assert_int_eq(member_stats_init(&old, 1, 3), 0);
	ck_assert_int_eq(member_stats_init(&new, 1, 3), 0);
	member_stats_count(&old, 0, 0);
	member_stats_carry(&new, &b.c, &old, &a.c);
	member_stats_fold(&new, &old);
	ck_assert_uint_eq(member_stats_total(&new, 0), 0); /* a renamed service starts anew */
	member_stats_free(&old);
	member_stats_free(&new);
}
END_TEST

UNIT_SUITE("member_stats", {"rows_sum", rows_sum}, {"carry_and_fold", carry_and_fold},
	   {"carry_other_service", carry_other_service})
