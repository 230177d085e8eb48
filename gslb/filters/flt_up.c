/* SPDX-License-Identifier: Apache-2.0 */
/* flt_up.c — keep the members health says are up; fail open when none is */
#include "config.h"

#include "filter.h"
#include "service.h"

/* Hot path. Drained members go first and stay out even when failing open: drain is the
 * operator's decision, while "all down" is more likely a probe or network failure than a
 * dead service, so answering beats SERVFAIL. Only when every member is drained are they all
 * kept, as for any filter that would leave nothing (NODATA would be cached by resolvers for
 * the SOA minimum and outlive an undrain). Both fail-opens count in stats.fail_open. */
size_t flt_up_run(struct flt_ctx *ctx, const struct flt_step *step, const struct member **m,
		  size_t n)
{
	size_t k = 0, live = 0;

	(void)step;
	if (!ctx->health)
		return n;
	for (size_t i = 0; i < n; i++) {
		const struct member_health *h = &ctx->health[m[i]->health];

		if (member_health_drained(h))
			continue;
		m[live++] = m[i]; /* order kept: live <= i */
	}
	if (live == 0 && n > 0) {
		counter_inc(&ctx->thread->stats.fail_open);
		return n; /* m[] untouched: nothing was moved */
	}
	for (size_t i = 0; i < live; i++)
		if (member_health_up(&ctx->health[m[i]->health]))
			m[k++] = m[i];
	if (k == 0) {
		counter_inc(&ctx->thread->stats.fail_open);
		return live;
	}
	return k;
}
