/* SPDX-License-Identifier: Apache-2.0 */
/* flt_geofence.c — keep the members whose region lists the client's country or continent */
#include "config.h"

#include "filter.h"
#include "service.h"

#include <string.h>

static bool code_in(const char *code, char (*list)[3], size_t n)
{
	if (code[0] == '\0')
		return false;
	for (size_t i = 0; i < n; i++)
		if (list[i][0] == code[0] && list[i][1] == code[1])
			return true;
	return false;
}

static bool region_matches(const struct region *r, const struct flt_client *c)
{
	return r == c->region || code_in(c->country, r->countries, r->ncountries) ||
	       code_in(c->continent, r->continents, r->ncontinents) || flt_asn_listed(r, c->asn);
}

static bool region_unfenced(const struct region *r)
{
	return r->ncountries == 0 && r->ncontinents == 0 && r->nasns == 0;
}

size_t flt_geofence_run(struct flt_ctx *ctx, const struct flt_step *step, const struct member **m,
			size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (region_matches(m[i]->region, &ctx->client))
			m[k++] = m[i];
	if (k > 0)
		return k;
	/* No fence admits this client: the regions without a fence serve the
	 * rest of the world; if every region is fenced, fail open. */
	counter_inc(&ctx->thread->stats.geofence_fallback);
	for (size_t i = 0; i < n; i++)
		if (region_unfenced(m[i]->region))
			m[k++] = m[i];
	return k > 0 ? k : n;
}
