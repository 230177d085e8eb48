/* SPDX-License-Identifier: Apache-2.0 */
/* flt_weighted.c — weighted random order by region weight × member weight */
#include "config.h"

#include "filter.h"
#include "service.h"

#include <math.h>

/* Efraimidis–Spirakis: each member draws key = -ln(u) / w, an exponential
 * variable of rate w; sorting ascending gives a weighted random order in
 * which member i comes first with probability w_i / sum(w). One draw per
 * member, no cumulative tables, and the whole order is weighted, so
 * `first:2` after it is a weighted sample without replacement. */
size_t flt_weighted_run(struct flt_ctx *ctx, const struct flt_step *step, const struct member **m,
			size_t n)
{
	double key[FLT_MAX_MEMBERS];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t w = filter_weight(ctx->health, m[i]);
		if (w == 0)
			continue; /* drained, see the rule in filter.h */
		key[k] = -log(filter_rand_unit(ctx->thread)) / (double)w;
		m[k++] = m[i];
	}
	if (k == 0) {
		/* Everything drained: answer anyway, uniformly. */
		for (size_t i = 0; i < n; i++)
			key[i] = filter_rand_unit(ctx->thread);
		k = n;
	}
	filter_sort(m, key, k);
	return k;
}
