/* SPDX-License-Identifier: Apache-2.0 */
/* test_flt_common.h — fixture shared by the filter suites
 *
 * struct fx holds a small world (regions, members with distinct IPv4
 * addresses, health, one service, one thread state) in static storage, so
 * tests build exactly the case they check. Members are numbered in the
 * order they are added; fx_run() parses a chain and runs it on all of them.
 */
#ifndef GSLB_TEST_FLT_COMMON_H
#define GSLB_TEST_FLT_COMMON_H

#include "filter.h"
#include "service.h"
#include "unit.h"

#include <string.h>

#define FX_REGIONS 16
#define FX_SEED 0x5eed5eedULL

struct fx {
	struct region regions[FX_REGIONS];
	size_t nregions;
	struct member members[FLT_MAX_MEMBERS];
	size_t nmembers;
	uint8_t v4[FLT_MAX_MEMBERS][4];
	struct member_health health[FLT_MAX_MEMBERS];
	struct service svc;
	struct flt_thread thr;
	struct flt_ctx ctx;
	struct flt_chain chain;
	const struct member *m[FLT_MAX_MEMBERS];
};

static inline void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < FLT_MAX_MEMBERS; i++)
		member_health_init(&f->health[i]);
	filter_thread_init(&f->thr, FX_SEED);
	f->ctx.thread = &f->thr;
	f->ctx.health = f->health;
	f->ctx.service = &f->svc;
	f->svc.members = f->members;
}

static inline struct region *fx_region(struct fx *f, const char *name, double lat, double lon,
				       uint32_t weight)
{
	ck_assert_uint_lt(f->nregions, FX_REGIONS);
	struct region *r = &f->regions[f->nregions++];
	r->name = (char *)name;
	r->lat = lat;
	r->lon = lon;
	r->weight = weight;
	return r;
}

/* A member of r with weight w and the address 10.0.<i/256>.<i%256>. */
static inline struct member *fx_member(struct fx *f, const struct region *r, uint32_t w)
{
	ck_assert_uint_lt(f->nmembers, FLT_MAX_MEMBERS);
	size_t i = f->nmembers++;
	struct member *m = &f->members[i];
	f->v4[i][0] = 10;
	f->v4[i][1] = 0;
	f->v4[i][2] = (uint8_t)(i / 256);
	f->v4[i][3] = (uint8_t)(i % 256);
	m->index = (uint32_t)i;
	m->region = r;
	m->ipv4 = &f->v4[i];
	m->nipv4 = 1;
	m->weight = w;
	m->health = (uint32_t)i;
	f->svc.nmembers = f->nmembers;
	return m;
}

static inline void fx_chain(struct fx *f, const char *const *names, size_t n)
{
	char err[128] = "";
	int ret = filter_chain_parse(names, n, &f->chain, err, sizeof(err));
	ck_assert_msg(ret == 0, "chain: %s", err);
}

/* Runs f->chain over every member; the result is in f->m. */
static inline size_t fx_run(struct fx *f)
{
	for (size_t i = 0; i < f->nmembers; i++)
		f->m[i] = &f->members[i];
	return filter_chain_run(&f->chain, &f->ctx, f->m, f->nmembers);
}

/* Parses a one-step chain and runs it. */
static inline size_t fx_run1(struct fx *f, const char *step)
{
	const char *names[] = { step };
	fx_chain(f, names, 1);
	return fx_run(f);
}

static inline void fx_locate(struct fx *f, double lat, double lon)
{
	f->ctx.client.has_location = true;
	f->ctx.client.lat = lat;
	f->ctx.client.lon = lon;
}

#endif
