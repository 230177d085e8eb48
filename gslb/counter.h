/* SPDX-License-Identifier: Apache-2.0 */
/* counter.h — the one helper for counters one thread writes and others read
 *
 * A per-thread counter (a UDP worker's, the TCP loop's, a member_stats row) has
 * a single writer and is summed by a reader on another thread (the control
 * endpoint). It is an _Atomic uint64_t accessed with relaxed order: the reader
 * sees a value the writer stored, a moment old, never a torn one, and nothing
 * else is ordered by it. With one writer an increment is a relaxed load and
 * store, not a locked read-modify-write, so it costs the query path what a
 * plain ++ does. A counter with several writers (rrl.c's) needs
 * atomic_fetch_add instead. Header-only; query path.
 */
#ifndef GSLB_COUNTER_H
#define GSLB_COUNTER_H

#include <stdatomic.h>
#include <stdint.h>

/* Adds n. Only the counter's one writing thread may call it. */
static inline void counter_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* Adds one. Only the counter's one writing thread may call it. */
static inline void counter_inc(_Atomic uint64_t *c)
{
	counter_add(c, 1);
}

/* Sets a gauge. Only the counter's one writing thread may call it. */
static inline void counter_set(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, v, memory_order_relaxed);
}

/* The value last stored. Any thread. */
static inline uint64_t counter_get(const _Atomic uint64_t *c)
{
	return atomic_load_explicit((_Atomic uint64_t *)c, memory_order_relaxed);
}

#endif
