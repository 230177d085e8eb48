/* SPDX-License-Identifier: Apache-2.0 */
/* flt_random.c — uniform random order (Fisher–Yates shuffle) */
#include "config.h"

#include "filter.h"
#include "service.h"

size_t flt_random_run(struct flt_ctx *ctx, const struct flt_step *step, const struct member **m,
		      size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = filter_rand_below(ctx->thread, (uint32_t)i);
		const struct member *t = m[i - 1];
		m[i - 1] = m[j];
		m[j] = t;
	}
	return n;
}
