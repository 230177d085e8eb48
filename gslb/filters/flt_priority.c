/* SPDX-License-Identifier: Apache-2.0 */
/* flt_priority.c — keep the members with the lowest priority value (active/passive) */
#include "config.h"

#include "filter.h"
#include "service.h"

size_t flt_priority_run(struct flt_ctx *ctx, const struct flt_step *step, const struct member **m,
			size_t n)
{
	size_t k = 0;

	if (n == 0)
		return 0;
	int32_t best = m[0]->priority;
	for (size_t i = 1; i < n; i++)
		if (m[i]->priority < best)
			best = m[i]->priority;
	for (size_t i = 0; i < n; i++)
		if (m[i]->priority == best)
			m[k++] = m[i];
	return k;
}
