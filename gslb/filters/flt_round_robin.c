/* SPDX-License-Identifier: Apache-2.0 */
/* flt_round_robin.c — rotate the list by a per-thread counter of the service */
#include "config.h"

#include "filter.h"
#include "service.h"

size_t flt_round_robin_run(struct flt_ctx *ctx, const struct flt_step *step,
			   const struct member **m, size_t n)
{
	const struct member *tmp[FLT_MAX_MEMBERS];
	uint32_t slot = ctx->service ? ctx->service->index % FLT_RR_SLOTS : 0;

	if (n < 2)
		return n;
	/* Counters are per thread (no shared cache line, no atomics); with
	 * several workers each rotates on its own, which still spreads evenly.
	 * Services sharing a slot only share the starting offset's sequence. */
	size_t start = ctx->thread->rr[slot]++ % n;
	for (size_t i = 0; i < n; i++)
		tmp[i] = m[(start + i) % n];
	for (size_t i = 0; i < n; i++)
		m[i] = tmp[i];
	return n;
}
