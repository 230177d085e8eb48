/* SPDX-License-Identifier: Apache-2.0 */
/* flt_fastest.c — order by probe RTT, fastest first (least response time) */
#include "config.h"

#include "filter.h"
#include "service.h"

#include <math.h>

size_t flt_fastest_run(struct flt_ctx *ctx, const struct flt_step *step, const struct member **m,
		       size_t n)
{
	double key[FLT_MAX_MEMBERS];

	if (!ctx->health)
		return n;
	for (size_t i = 0; i < n; i++) {
		uint32_t rtt = member_health_rtt(&ctx->health[m[i]->health]);
		key[i] = rtt == MEMBER_RTT_UNKNOWN ? INFINITY : (double)rtt;
	}
	filter_sort(m, key, n);
	return n;
}
