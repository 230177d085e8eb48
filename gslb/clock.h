/* SPDX-License-Identifier: Apache-2.0 */
/* clock.h — the one clock helper: wall and monotonic time in ms or µs
 *
 * Header-only so that every program (gslbd, gslb-probe, gslb-anycast) and the
 * query path can read a clock without linking anything. Wall time (unix ms/µs)
 * is what reports, votes and the state file carry; monotonic time measures
 * durations. The _coarse variant reads the kernel's tick-resolution clock
 * (no vDSO time read of the TSC), fine for rate limits and idle timeouts.
 * Any thread.
 */
#ifndef GSLB_CLOCK_H
#define GSLB_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ms_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline uint64_t clock_us_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Unix time in ms / µs. */
static inline uint64_t clock_wall_ms(void)
{
	return clock_ms_of(CLOCK_REALTIME);
}

static inline uint64_t clock_wall_us(void)
{
	return clock_us_of(CLOCK_REALTIME);
}

/* Monotonic time in ms / µs / seconds. */
static inline uint64_t clock_mono_ms(void)
{
	return clock_ms_of(CLOCK_MONOTONIC);
}

static inline uint64_t clock_mono_us(void)
{
	return clock_us_of(CLOCK_MONOTONIC);
}

static inline double clock_mono_s(void)
{
	return (double)clock_us_of(CLOCK_MONOTONIC) / 1e6;
}

/* Monotonic ms at tick resolution (CLOCK_MONOTONIC_COARSE): cheap enough per query. */
static inline uint64_t clock_coarse_ms(void)
{
	return clock_ms_of(CLOCK_MONOTONIC_COARSE);
}

#endif
