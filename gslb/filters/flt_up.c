/* SPDX-License-Identifier: Apache-2.0 */
/* flt_up.c — keep the members health says are up; fail open when none is */
#include "config.h"

#include "filter.h"
#include "service.h"

size_t flt_up_run(struct flt_ctx *ctx, const struct flt_step *step, const struct member **m,
		  size_t n)
{
	size_t k = 0;

	if (!ctx->health)
		return n;
	for (size_t i = 0; i < n; i++)
		if (member_health_up(&ctx->health[m[i]->health]))
			m[k++] = m[i];
	if (k == 0 && n > 0) {
		/* Everything down is more likely a probe or network failure than a
		 * dead service: answering beats SERVFAIL. The counter makes it visible. */
		ctx->thread->stats.fail_open++;
		return n;
	}
	return k;
}
