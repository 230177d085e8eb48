/* SPDX-License-Identifier: Apache-2.0 */
/* test_counter.c — single-writer counters: counts, gauges, a reader on another thread */
#include "config.h"

#include "counter.h"

#include "unit.h"

#include <pthread.h>

#define WRITES 200000

START_TEST(add_inc_set_get)
{
	_Atomic uint64_t c = 0;

	ck_assert_uint_eq(counter_get(&c), 0);
	counter_inc(&c);
	counter_inc(&c);
	ck_assert_uint_eq(counter_get(&c), 2);
	counter_add(&c, 40);
	ck_assert_uint_eq(counter_get(&c), 42);
	counter_set(&c, 7);
	ck_assert_uint_eq(counter_get(&c), 7);
	counter_set(&c, UINT64_MAX);
	counter_inc(&c); /* wraps like the plain integer it replaces */
	ck_assert_uint_eq(counter_get(&c), 0);
}
END_TEST

static void *writer(void *arg)
{
	_Atomic uint64_t *c = arg;

	for (int i = 0; i < WRITES; i++)
		counter_inc(c);
	return NULL;
}

START_TEST(reader_on_another_thread)
{
	_Atomic uint64_t c = 0;
	uint64_t last = 0;
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, writer, &c), 0);
	/* every value read is one the writer stored: never behind an earlier read */
	for (int i = 0; i < WRITES / 10; i++) {
		uint64_t v = counter_get(&c);

		ck_assert_uint_ge(v, last);
		ck_assert_uint_le(v, WRITES);
		last = v;
	}
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_uint_eq(counter_get(&c), WRITES);
}
END_TEST

UNIT_SUITE("counter", { "add_inc_set_get", add_inc_set_get },
	   { "reader_on_another_thread", reader_on_another_thread })
