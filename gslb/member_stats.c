/* SPDX-License-Identifier: Apache-2.0 */
/* member_stats.c — answers per service member: per-thread rows, carried across reloads */
#include "config.h"

#include "member_stats.h"

#include "conf.h"
#include "dname.h"
#include "service.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_LINE 64
#define PER_LINE (CACHE_LINE / sizeof(uint64_t))

int member_stats_init(struct member_stats *ms, size_t nrows, size_t nslots)
{
	size_t stride = (nslots + PER_LINE - 1) / PER_LINE * PER_LINE;
	size_t bytes;

	memset(ms, 0, sizeof(*ms));
	if (nrows == 0 || stride == 0)
		return 0;
	if (stride > SIZE_MAX / sizeof(uint64_t) / nrows)
		return -ENOMEM;
	bytes = nrows * stride * sizeof(uint64_t);
	ms->count = aligned_alloc(CACHE_LINE, bytes);
	ms->carried = calloc(nslots, sizeof(*ms->carried));
	if (ms->count == NULL || ms->carried == NULL) {
		member_stats_free(ms);
		return -ENOMEM;
	}
	memset((void *)ms->count, 0, bytes);
	ms->nrows = nrows;
	ms->nslots = nslots;
	ms->stride = stride;
	return 0;
}

void member_stats_free(struct member_stats *ms)
{
	free((void *)ms->count);
	free((void *)ms->carried);
	free(ms->from);
	free(ms->seen);
	memset(ms, 0, sizeof(*ms));
}

static uint64_t rows_sum(const struct member_stats *ms, size_t slot)
{
	uint64_t sum = 0;

	for (size_t r = 0; r < ms->nrows; r++)
		sum += counter_get(&ms->count[r * ms->stride + slot]);
	return sum;
}

uint64_t member_stats_total(const struct member_stats *ms, uint32_t slot)
{
	if (ms->count == NULL || slot >= ms->nslots)
		return 0;
	return atomic_load_explicit(&ms->carried[slot], memory_order_relaxed) + rows_sum(ms, slot);
}

void member_stats_carry(struct member_stats *to, const struct conf *to_conf,
			const struct member_stats *from, const struct conf *from_conf)
{
	if (to->count == NULL || from->count == NULL)
		return;
	to->from = malloc(to->nslots * sizeof(*to->from));
	to->seen = calloc(to->nslots, sizeof(*to->seen));
	if (to->from == NULL || to->seen == NULL) {
		free(to->from);
		free(to->seen);
		to->from = NULL;
		to->seen = NULL;
		return; /* out of memory: the counters start again, as after a restart */
	}
	for (size_t i = 0; i < to->nslots; i++)
		to->from[i] = -1;
	for (size_t i = 0; i < to_conf->nservices; i++) {
		const struct service *nsv = &to_conf->services[i];
		const struct service *osv = conf_service_find(from_conf, nsv->name);

		for (size_t j = 0; osv != NULL && j < nsv->nmembers && j < osv->nmembers; j++) {
			const struct member *nm = &nsv->members[j], *om = &osv->members[j];

			if (nm->health >= to->nslots || om->health >= from->nslots ||
			    strcmp(nm->region->name, om->region->name) != 0)
				continue;
			to->from[nm->health] = om->health;
			to->seen[nm->health] = rows_sum(from, om->health);
			atomic_store_explicit(
			    &to->carried[nm->health],
			    atomic_load_explicit(&from->carried[om->health], memory_order_relaxed) +
				to->seen[nm->health],
			    memory_order_relaxed);
		}
	}
}

void member_stats_fold(struct member_stats *to, const struct member_stats *from)
{
	if (to->from == NULL || from->count == NULL)
		goto out;
	for (size_t i = 0; i < to->nslots; i++) {
		if (to->from[i] < 0)
			continue;
		uint64_t late = rows_sum(from, (size_t)to->from[i]) - to->seen[i];
		atomic_fetch_add_explicit(&to->carried[i], late, memory_order_relaxed);
	}
out:
	free(to->from);
	free(to->seen);
	to->from = NULL;
	to->seen = NULL;
}
