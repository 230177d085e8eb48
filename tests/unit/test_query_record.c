/* SPDX-License-Identifier: Apache-2.0 */
/* test_query_record.c — counting answers by service and client subnet over a window */
#include "config.h"

#include "query_record.h"
#include "unit.h"

#include <string.h>
#include <sys/socket.h>

struct seen {
	uint64_t total, cells, london;
};

static void collect(const struct qrec_cell *c, uint64_t count, void *arg)
{
	struct seen *s = arg;
	static const uint8_t london[16] = {10, 1, 2};

	s->total += count;
	s->cells++;
	if (c->family == AF_INET && c->prefix == 24 && memcmp(c->addr, london, 16) == 0)
		s->london += count;
}

/* Counts merge per subnet (the host bits do not matter), are kept per service and query
 * type, and fall out of the window after two epochs. The tables are global: each test
 * looks at its own epochs, far from the others'. */
START_TEST(counts_and_window)
{
	struct qrec *r = qrec_new();
	const uint8_t a[4] = {10, 1, 2, 77}, b[4] = {10, 1, 2, 200};
	struct seen s = {0};

	ck_assert_ptr_nonnull(r);
	for (int i = 0; i < 5; i++)
		qrec_count(r, 42, 1, AF_INET, i % 2 ? a : b, 24, 1000);
	qrec_count(r, 43, 1, AF_INET, a, 24, 1000);  /* another service */
	qrec_count(r, 42, 28, AF_INET, a, 24, 1000); /* another type */
	qrec_foreach(1000, collect, &s);
	ck_assert_uint_eq(s.total, 7);
	ck_assert_uint_eq(s.cells, 3);
	ck_assert_uint_eq(s.london, 7);

	/* next epoch: the previous one still counts; two later: gone */
	qrec_count(r, 42, 1, AF_INET, a, 24, 1001);
	memset(&s, 0, sizeof(s));
	qrec_foreach(1001, collect, &s);
	ck_assert_uint_eq(s.total, 8);
	memset(&s, 0, sizeof(s));
	qrec_foreach(1002, collect, &s);
	ck_assert_uint_eq(s.total, 1); /* the one of epoch 1001 */
	memset(&s, 0, sizeof(s));
	qrec_foreach(1003, collect, &s);
	ck_assert_uint_eq(s.total, 0);
}
END_TEST

/* A full table keeps the busy subnets: a stream of one-off subnets replaces the least
 * counted cells, never one that is counted more. */
START_TEST(busy_cells_stay)
{
	struct qrec *r = qrec_new();
	struct seen s = {0};
	uint8_t addr[4] = {10, 1, 2, 0};

	for (int i = 0; i < 1000; i++)
		qrec_count(r, 7, 1, AF_INET, addr, 24, 5000);
	for (uint32_t i = 0; i < 20 * QREC_CELLS; i++) {
		uint8_t x[4] = {(uint8_t)(20 + (i >> 16)), (uint8_t)(i >> 8), (uint8_t)i, 0};
		qrec_count(r, 7, 1, AF_INET, x, 24, 5000);
	}
	qrec_foreach(5000, collect, &s);
	ck_assert_uint_eq(s.london, 1000);
	ck_assert_uint_le(s.cells, 2 * QREC_CELLS); /* this table and the other test's */
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("query_record");
	TCase *tc = tcase_create("record");
	tcase_add_test(tc, counts_and_window);
	tcase_add_test(tc, busy_cells_stay);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
