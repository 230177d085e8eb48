/* SPDX-License-Identifier: Apache-2.0 */
/* flt_up.c — keep the members health says are up; fail open when none is */
#include "config.h"

#include "filter.h"
#include "service.h"

/* Up for the up filter: health up, and a CNAME to a service here leads to a live one, so that
 * "all down" passes through every tier (gdnsd #48). The loader rejects cycles, so the
 * recursion ends. Drained members are dealt with by the caller. */
static bool member_live(const struct member *m, const struct member_health *health)
{
	return member_health_up(&health[m->health]) &&
	       (!m->target || flt_up_service_live(m->target, health));
}

bool flt_up_service_live(const struct service *svc, const struct member_health *health)
{
	if (!health)
		return true;
	for (size_t i = 0; i < svc->nmembers; i++) {
		const struct member *m = &svc->members[i];
		if (!member_health_drained(&health[m->health]) && member_live(m, health))
			return true;
	}
	return false;
}

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
		if (member_live(m[i], ctx->health))
			m[k++] = m[i];
	if (k == 0) {
		counter_inc(&ctx->thread->stats.fail_open);
		return live;
	}
	return k;
}
