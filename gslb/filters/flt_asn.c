/* SPDX-License-Identifier: Apache-2.0 */
/* flt_asn.c — keep the members whose region lists the client's AS number (NS1's netfence_asn) */
#include "config.h"

#include "filter.h"
#include "service.h"

bool flt_asn_listed(const struct region *r, uint32_t asn)
{
	size_t lo = 0, hi = r->nasns;

	if (asn == 0)
		return false;
	while (lo < hi) { /* the loader sorted the list */
		size_t mid = lo + (hi - lo) / 2;
		if (r->asns[mid] == asn)
			return true;
		if (r->asns[mid] < asn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

size_t flt_asn_run(struct flt_ctx *ctx, const struct flt_step *step, const struct member **m,
		   size_t n)
{
	size_t k = 0;

	(void)step;
	for (size_t i = 0; i < n; i++)
		if (flt_asn_listed(m[i]->region, ctx->client.asn))
			m[k++] = m[i];
	if (k > 0)
		return k;
	/* No region claims this AS: the regions that claim none serve everyone else; if
	 * every region claims some, fail open. */
	for (size_t i = 0; i < n; i++)
		if (m[i]->region->nasns == 0)
			m[k++] = m[i];
	return k > 0 ? k : n;
}
