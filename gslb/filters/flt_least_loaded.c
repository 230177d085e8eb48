/* SPDX-License-Identifier: Apache-2.0 */
/* flt_least_loaded.c — order by reported load, lowest first (least connections) */
#include "config.h"

#include "filter.h"
#include "service.h"

#include <math.h>

size_t flt_least_loaded_run(struct flt_ctx *ctx, const struct flt_step *step,
			    const struct member **m, size_t n)
{
	double key[FLT_MAX_MEMBERS];

	if (!ctx->health)
		return n;
	for (size_t i = 0; i < n; i++) {
		uint32_t load = member_health_load(&ctx->health[m[i]->health]);
		key[i] = load == MEMBER_LOAD_UNKNOWN ? INFINITY : (double)load;
	}
	filter_sort(m, key, n);
	return n;
}
