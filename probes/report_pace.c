/* SPDX-License-Identifier: Apache-2.0 */
/* report_pace.c — when gslb-probe sends an event report: debounced, rate-limited per gslbd */
#include "config.h"

#include "report_pace.h"

#include <errno.h>
#include <stdlib.h>

int report_pace_init(struct report_pace *p, size_t n, uint64_t debounce_ms, uint64_t min_gap_ms)
{
	p->d = calloc(n ? n : 1, sizeof(*p->d));
	if (!p->d)
		return -ENOMEM;
	p->n = n;
	p->debounce_ms = debounce_ms;
	p->min_gap_ms = min_gap_ms;
	return 0;
}

void report_pace_release(struct report_pace *p)
{
	free(p->d);
	p->d = NULL;
	p->n = 0;
}

void report_pace_changed(struct report_pace *p, uint64_t now)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->d[i].pending)
			continue; /* the debounce counts from the first unsent change */
		p->d[i].pending = true;
		p->d[i].change_ms = now;
	}
}

uint64_t report_pace_due(const struct report_pace *p, size_t i)
{
	const struct report_pace_dest *d = &p->d[i];
	uint64_t due;

	if (!d->pending)
		return REPORT_PACE_NEVER;
	due = d->change_ms + p->debounce_ms;
	if (d->sent_once && d->last_ms + p->min_gap_ms > due)
		due = d->last_ms + p->min_gap_ms;
	return due;
}

uint64_t report_pace_next(const struct report_pace *p)
{
	uint64_t next = REPORT_PACE_NEVER;

	for (size_t i = 0; i < p->n; i++) {
		uint64_t due = report_pace_due(p, i);

		if (due < next)
			next = due;
	}
	return next;
}

bool report_pace_take(const struct report_pace *p, size_t i, uint64_t now)
{
	return p->d[i].pending && now >= report_pace_due(p, i);
}

void report_pace_sent(struct report_pace *p, size_t i, uint64_t now)
{
	p->d[i].pending = false;
	p->d[i].last_ms = now;
	p->d[i].sent_once = true;
}
