/* SPDX-License-Identifier: Apache-2.0 */
/* flt_up.c — keep the members that are up (nested services, up_threshold), else fail open */
#include "config.h"

#include "filter.h"
#include "service.h"

#include <string.h>

/* Up on its own: health up, not drained, and a CNAME to a service here leads to a live one,
 * so that "all down" passes through every tier (gdnsd #48). The loader rejects cycles, so the
 * recursion ends. */
static bool member_ok(const struct member *m, const struct member_health *health)
{
	const struct member_health *h = &health[m->health];

	return !member_health_drained(h) && member_health_up(h) &&
	       (!m->target || flt_up_service_live(m->target, health));
}

/* live[i] for member i of svc: member_ok, and with an up_threshold its region has at least
 * that share of its members in svc ok (gdnsd's up_thresh). Returns whether any is live.
 * Query path: stack only. */
static bool service_members_live(const struct service *svc, const struct member_health *health,
				 bool *live)
{
	uint16_t up[SERVICE_MAX_MEMBERS], total[SERVICE_MAX_MEMBERS];
	bool any = false;

	for (size_t i = 0; i < svc->nmembers; i++)
		live[i] = member_ok(&svc->members[i], health);
	if (svc->up_threshold > 0) {
		memset(up, 0, svc->nrslots * sizeof(up[0]));
		memset(total, 0, svc->nrslots * sizeof(total[0]));
		for (size_t i = 0; i < svc->nmembers; i++) {
			total[svc->members[i].rslot]++;
			up[svc->members[i].rslot] += live[i];
		}
		for (size_t i = 0; i < svc->nmembers; i++) {
			uint16_t r = svc->members[i].rslot;
			if ((double)up[r] < svc->up_threshold * (double)total[r])
				live[i] = false;
		}
	}
	for (size_t i = 0; i < svc->nmembers; i++)
		any |= live[i];
	return any;
}

bool flt_up_service_live(const struct service *svc, const struct member_health *health)
{
	bool live[SERVICE_MAX_MEMBERS];

	return !health || service_members_live(svc, health, live);
}

/* Hot path. Drained members go first and stay out even when failing open: drain is the
 * operator's decision, while "all down" is more likely a probe or network failure than a
 * dead service, so answering beats SERVFAIL. Only when every member is drained are they all
 * kept, as for any filter that would leave nothing (NODATA would be cached by resolvers for
 * the SOA minimum and outlive an undrain). Both fail-opens count in stats.fail_open and set
 * ctx->all_down, for the service's fallback. */
size_t flt_up_run(struct flt_ctx *ctx, const struct flt_step *step, const struct member **m,
		  size_t n)
{
	bool regional[SERVICE_MAX_MEMBERS];
	const struct service *svc = ctx->service;
	bool by_region = svc && svc->up_threshold > 0;
	size_t k = 0, live = 0;

	(void)step;
	if (!ctx->health)
		return n;
	if (by_region)
		service_members_live(svc, ctx->health, regional);
	for (size_t i = 0; i < n; i++) {
		const struct member_health *h = &ctx->health[m[i]->health];

		if (member_health_drained(h))
			continue;
		m[live++] = m[i]; /* order kept: live <= i */
	}
	if (live == 0 && n > 0) {
		counter_inc(&ctx->thread->stats.fail_open);
		ctx->all_down = true;
		return n; /* m[] untouched: nothing was moved */
	}
	for (size_t i = 0; i < live; i++) {
		/* by region, m[] are svc's members: member->index is the position */
		bool ok = by_region ? regional[m[i]->index] : member_ok(m[i], ctx->health);
		if (ok)
			m[k++] = m[i];
	}
	if (k == 0) {
		counter_inc(&ctx->thread->stats.fail_open);
		ctx->all_down = true;
		return live;
	}
	return k;
}
