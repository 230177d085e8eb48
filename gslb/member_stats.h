/* SPDX-License-Identifier: Apache-2.0 */
/* member_stats.h — answers per service member, counted per query thread
 *
 * Each snapshot carries one table: a row per answering thread (answer_ctx.row: the TCP
 * loop and every UDP worker) and a counter per member slot (member->health). A row has
 * one writer, so counting an answer is a relaxed load and store on a cache line no other
 * thread writes; the metrics endpoint sums the rows. A reload carries the totals over to
 * the members of the new snapshot that have the same service name, index and region (the
 * metric's labels): member_stats_carry before the new snapshot is published, then
 * member_stats_fold after the grace period adds what the old threads counted meanwhile.
 * So a member's counter only grows while its labels stay.
 */
#ifndef GSLB_MEMBER_STATS_H
#define GSLB_MEMBER_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "counter.h"

struct conf;

struct member_stats {
	size_t nrows, nslots;
	size_t stride;		   /* slots per row, rounded up to whole cache lines */
	_Atomic uint64_t *count;   /* [nrows][stride]; NULL: nothing is counted */
	_Atomic uint64_t *carried; /* [nslots]: totals from earlier snapshots */
	/* from member_stats_carry to member_stats_fold: */
	int64_t *from;	/* [nslots]: the member's slot in the previous table, or -1 */
	uint64_t *seen; /* [nslots]: that slot's row sum already carried */
};

/* Sizes ms (zeroed or freed before) for nrows threads and nslots members. Returns 0 or
 * -ENOMEM (ms left empty: counting is then a no-op). */
int member_stats_init(struct member_stats *ms, size_t nrows, size_t nslots);
void member_stats_free(struct member_stats *ms);

/* Counts one answer of member slot by thread row. Query path; only row's thread calls it. */
static inline void member_stats_count(const struct member_stats *ms, unsigned row, uint32_t slot)
{
	if (ms->count == NULL || row >= ms->nrows || slot >= ms->nslots)
		return;
	counter_inc(&ms->count[row * ms->stride + slot]);
}

/* The member's answers since it appeared (a few behind while threads count). Any thread. */
uint64_t member_stats_total(const struct member_stats *ms, uint32_t slot);

/* Gives to's members (those of to_conf) the totals of from's members (of from_conf) with
 * the same labels. Before to is published; from may still be counting. */
void member_stats_carry(struct member_stats *to, const struct conf *to_conf,
			const struct member_stats *from, const struct conf *from_conf);
/* Adds what from counted since member_stats_carry, once no thread writes from any more
 * (after the RCU grace period). */
void member_stats_fold(struct member_stats *to, const struct member_stats *from);

#endif
