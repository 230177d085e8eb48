/* SPDX-License-Identifier: Apache-2.0 */
/* test_flt_sticky.c — the sticky filter: rendezvous hashing of client subnets */
#include "config.h"

#include "test_flt_common.h"

#include <sys/socket.h>

#define SUBNETS 10000
#define NMEMB 5

static struct fx F;
static uint32_t before[SUBNETS], after[SUBNETS];

/* Client i: 10.<i/256>.<i%256>.77/24, or 2001:db8:<i>::1/48. */
static void client(int i, bool v6)
{
	struct flt_client *c = &F.ctx.client;

	memset(c->addr, 0, sizeof(c->addr));
	if (v6) {
		const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, (uint8_t)(i >> 8), (uint8_t)i,
					0,    0,    0,    0,    0, 0, 0, 0, 0, 1 };
		c->family = AF_INET6;
		memcpy(c->addr, a, 16);
		c->prefix = 48;
	} else {
		c->family = AF_INET;
		c->addr[0] = 10;
		c->addr[1] = (uint8_t)(i >> 8);
		c->addr[2] = (uint8_t)i;
		c->addr[3] = 77;
		c->prefix = 24;
	}
}

/* The member index sticky puts first for client i, among m[0..n). */
static uint32_t pick(int i, bool v6, size_t n)
{
	client(i, v6);
	ck_assert_uint_eq(filter_chain_run(&F.chain, &F.ctx, F.m, n), n);
	return F.m[0]->index;
}

static void setup(void)
{
	const char *names[] = { "sticky" };

	fx_init(&F);
	struct region *eu = fx_region(&F, "eu-west", 51.51, -0.13, 100);
	struct region *us = fx_region(&F, "us-east", 40.71, -74.01, 100);
	for (int i = 0; i < NMEMB; i++)
		fx_member(&F, i % 2 ? us : eu, 1);
	fx_chain(&F, names, 1);
}

static void fill(int skip)
{
	size_t n = 0;

	for (size_t i = 0; i < F.nmembers; i++)
		if ((int)i != skip)
			F.m[n++] = &F.members[i];
}

static void removal(bool v6)
{
	int per[NMEMB] = { 0 };

	setup();
	for (int i = 0; i < SUBNETS; i++) {
		fill(-1);
		before[i] = pick(i, v6, NMEMB);
		per[before[i]]++;
	}
	/* Balanced: each about SUBNETS / NMEMB = 2000 (sd ~ 40). */
	for (int k = 0; k < NMEMB; k++)
		ck_assert_int_lt(abs(per[k] - SUBNETS / NMEMB), 200);

	for (int gone = 0; gone < NMEMB; gone++) {
		int kept = 0;
		for (int i = 0; i < SUBNETS; i++) {
			fill(gone);
			after[i] = pick(i, v6, NMEMB - 1);
			ck_assert_uint_ne(after[i], gone);
			if (before[i] != (uint32_t)gone)
				ck_assert_uint_eq(after[i], before[i]); /* nobody else moves */
			kept += after[i] == before[i];
		}
		double share = (double)kept / SUBNETS;
		ck_assert_double_ge(share, 1.0 - 1.0 / NMEMB - 0.02);
	}
}

START_TEST(removal_v4)
{
	removal(false);
}
END_TEST

START_TEST(removal_v6)
{
	removal(true);
}
END_TEST

START_TEST(subnet_not_host)
{
	setup();
	fill(-1);
	uint32_t first = pick(1234, false, NMEMB);
	for (int host = 0; host < 256; host++) {
		F.ctx.client.addr[3] = (uint8_t)host;
		ck_assert_uint_eq(filter_chain_run(&F.chain, &F.ctx, F.m, NMEMB), NMEMB);
		ck_assert_uint_eq(F.m[0]->index, first);
	}
	/* Same bytes, different family or prefix: a different subnet key,
	 * so over many subnets some answer must change. */
	int changed = 0;
	for (int i = 0; i < 200; i++) {
		fill(-1);
		uint32_t a = pick(i, false, NMEMB);
		F.ctx.client.prefix = 16;
		filter_chain_run(&F.chain, &F.ctx, F.m, NMEMB);
		changed += F.m[0]->index != a;
	}
	ck_assert_int_gt(changed, 50);
}
END_TEST

START_TEST(order_and_seed_independent)
{
	setup();
	for (int i = 0; i < 500; i++) {
		fill(-1);
		uint32_t a = pick(i, false, NMEMB);
		/* reversed input, other PRNG state: same winner */
		for (int k = 0; k < NMEMB; k++)
			F.m[k] = &F.members[NMEMB - 1 - k];
		filter_thread_init(&F.thr, (uint64_t)i * 7919);
		ck_assert_uint_eq(pick(i, false, NMEMB), a);
	}
}
END_TEST

/* The winner's address as a number: the identity that survives a reload. */
static uint32_t winner_addr(void)
{
	const uint8_t *a = F.m[0]->ipv4[0];

	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

START_TEST(identity_not_position)
{
	/* A reload inserts a new member at the front: every old member moves
	 * to a new index, yet keeps its subnets, except those the new one takes. */
	setup();
	for (int i = 0; i < SUBNETS; i++) {
		fill(-1);
		client(i, false);
		filter_chain_run(&F.chain, &F.ctx, F.m, NMEMB);
		before[i] = winner_addr();
	}
	fx_member(&F, &F.regions[0], 1);
	for (int k = NMEMB; k > 0; k--) {
		F.members[k] = F.members[k - 1];
		F.members[k].index = (uint32_t)k;
		F.members[k].health = (uint32_t)k;
	}
	static uint8_t fresh_addr[1][4] = { { 192, 0, 2, 99 } };
	F.members[0].ipv4 = fresh_addr;
	F.members[0].index = 0;
	F.members[0].health = 0;

	int taken = 0;
	for (int i = 0; i < SUBNETS; i++) {
		fill(-1);
		client(i, false);
		filter_chain_run(&F.chain, &F.ctx, F.m, NMEMB + 1);
		if (F.m[0]->index == 0)
			taken++;
		else
			ck_assert_uint_eq(winner_addr(), before[i]);
	}
	ck_assert_int_lt(abs(taken - SUBNETS / (NMEMB + 1)), 250);
}
END_TEST

START_TEST(weights)
{
	/* Effective weights 300 : 100 (region weight × member weight). */
	int count[2] = { 0 };

	fx_init(&F);
	const char *names[] = { "sticky" };
	fx_chain(&F, names, 1);
	struct region *a = fx_region(&F, "a", 0, 0, 100);
	struct region *b = fx_region(&F, "b", 0, 0, 50);
	fx_member(&F, a, 1);
	fx_member(&F, b, 6);
	for (int i = 0; i < SUBNETS; i++) {
		fill(-1);
		count[pick(i, false, 2)]++;
	}
	ck_assert_int_lt(abs(count[0] - SUBNETS / 4), SUBNETS * 2 / 100);

	/* A drained member is out of the answer (the drain rule, filter.h). */
	F.members[1].weight = 0;
	for (int i = 0; i < 100; i++) {
		fill(-1);
		client(i, false);
		ck_assert_uint_eq(filter_chain_run(&F.chain, &F.ctx, F.m, 2), 1);
		ck_assert_uint_eq(F.m[0]->index, 0);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("flt_sticky");
	TCase *tc;

	tc = tcase_create("removal");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, removal_v4);
	tcase_add_test(tc, removal_v6);
	tcase_add_test(tc, identity_not_position);
	suite_add_tcase(s, tc);
	tc = tcase_create("key");
	tcase_add_test(tc, subnet_not_host);
	tcase_add_test(tc, order_and_seed_independent);
	suite_add_tcase(s, tc);
	tc = tcase_create("weights");
	tcase_add_test(tc, weights);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
