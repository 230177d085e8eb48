/* SPDX-License-Identifier: Apache-2.0 */
/* flt_first.c — keep the first N members (the answer size) */
#include "config.h"

#include "filter.h"
#include "service.h"

size_t flt_first_run(struct flt_ctx *ctx, const struct flt_step *step, const struct member **m,
		     size_t n)
{
	return n < step->arg ? n : step->arg;
}
