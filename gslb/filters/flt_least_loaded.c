/* SPDX-License-Identifier: Apache-2.0 */
/* flt_least_loaded.c — shed traffic from loaded members between their low and high watermarks */
#include "config.h"

#include "filter.h"
#include "service.h"

#include <math.h>

/* Share factor of a member at load (permille): 1 up to low, falling linearly to 0 at high,
 * 0 above. Unknown load is a full share: a member nobody measures is not shed. */
static double share(const struct member *m, uint32_t load)
{
	uint32_t lo = m->load_low, hi = m->load_high;

	if (hi == 0) { /* a member not built by the config loader */
		lo = MEMBER_LOAD_LOW_DEFAULT;
		hi = MEMBER_LOAD_HIGH_DEFAULT;
	}
	if (load == MEMBER_LOAD_UNKNOWN || load <= lo)
		return 1.0;
	if (load >= hi)
		return 0.0;
	return (double)(hi - load) / (double)(hi - lo);
}

/* Thinning, so that a member's share is f × the share it would have had, whatever follows:
 * each member is kept with probability f (1 below low, 0 above high), and the kept ones are
 * put in a weighted random order (Efraimidis–Spirakis keys, as in weighted). Then `first:1`
 * right after picks member i with probability f_i × w_i / W whenever some other member has a
 * full share, and `weighted` after it does the same (it reorders the kept set by the same
 * weights). Dropping instead of reweighting is what carries the shedding through a later
 * `weighted`. Edge cases, never an empty answer:
 *  - no member with f > 0: all kept, ascending load (ties keep order);
 *  - the draw kept no member of weight > 0: every member with f > 0 is kept, in a weighted
 *    random order by weight × f;
 *  - every member of weight 0 (the chain runner drops them while any has weight, filter.h):
 *    kept ones in their order.
 * Query path: no lock, no allocation; one PRNG draw per member between the watermarks and one
 * per kept member. */
size_t flt_least_loaded_run(struct flt_ctx *ctx, const struct flt_step *step,
			    const struct member **m, size_t n)
{
	double f[FLT_MAX_MEMBERS], key[FLT_MAX_MEMBERS];
	uint32_t load[FLT_MAX_MEMBERS];
	bool keep[FLT_MAX_MEMBERS];
	bool any = false, weighty = false;
	size_t k = 0;

	(void)step;
	if (n > FLT_MAX_MEMBERS)
		n = FLT_MAX_MEMBERS;
	for (size_t i = 0; i < n; i++) {
		load[i] = ctx->health ? member_health_load(&ctx->health[m[i]->health])
				      : MEMBER_LOAD_UNKNOWN;
		f[i] = share(m[i], load[i]);
		any |= f[i] > 0.0;
	}
	if (!any) {
		/* All above high: shedding everyone would cut the service; least loaded first. */
		for (size_t i = 0; i < n; i++)
			key[i] = (double)load[i];
		filter_sort(m, key, n);
		return n;
	}
	for (size_t i = 0; i < n; i++) {
		keep[i] = f[i] >= 1.0 || (f[i] > 0.0 && filter_rand_unit(ctx->thread) < f[i]);
		weighty |= keep[i] && filter_weight(ctx->health, m[i]) > 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (weighty && !keep[i])
			continue;
		if (!weighty && f[i] <= 0.0)
			continue; /* unlucky draw: every member with f > 0, weighted by f */
		uint64_t w = filter_weight(ctx->health, m[i]);
		double s = weighty ? 1.0 : f[i];
		key[k] = w ? -log(filter_rand_unit(ctx->thread)) / ((double)w * s) : INFINITY;
		m[k++] = m[i];
	}
	filter_sort(m, key, k);
	return k;
}
