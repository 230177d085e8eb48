/* SPDX-License-Identifier: Apache-2.0 */
/* flt_nearest.c — keep the members of the N regions nearest to the client */
#include "config.h"

#include "filter.h"
#include "service.h"

#include <math.h>

#define EARTH_RADIUS_KM 6371.0
#define DEG2RAD (M_PI / 180.0)

double flt_nearest_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	double dlat = (lat2 - lat1) * DEG2RAD;
	double dlon = (lon2 - lon1) * DEG2RAD;
	double a = sin(dlat / 2) * sin(dlat / 2) +
		   cos(lat1 * DEG2RAD) * cos(lat2 * DEG2RAD) * sin(dlon / 2) * sin(dlon / 2);

	if (a > 1.0) /* rounding near antipodes */
		a = 1.0;
	return 2.0 * EARTH_RADIUS_KM * asin(sqrt(a));
}

void region_trig_init(struct region *r)
{
	r->sin_lat = sin(r->lat * DEG2RAD);
	r->cos_lat = cos(r->lat * DEG2RAD);
	r->sin_lon = sin(r->lon * DEG2RAD);
	r->cos_lon = cos(r->lon * DEG2RAD);
}

/* Great-circle distance from the client's precomputed trig to a region,
 * by the spherical law of cosines; a region whose trig is not set (a test
 * building regions by hand) is computed on the fly. */
static double distance_to(const struct region *client, const struct region *rg)
{
	struct region tmp;

	if (rg->sin_lat == 0 && rg->cos_lat == 0) {
		tmp = *rg;
		region_trig_init(&tmp);
		rg = &tmp;
	}
	double c = client->sin_lat * rg->sin_lat +
		   client->cos_lat * rg->cos_lat *
		       (client->cos_lon * rg->cos_lon + client->sin_lon * rg->sin_lon);
	if (c > 1.0)
		c = 1.0;
	else if (c < -1.0)
		c = -1.0;
	return EARTH_RADIUS_KM * acos(c);
}

/* Query path. The chain runner has already dropped drained members (filter.h), so a region
 * whose members are all drained is not a candidate and its clients go to the next region. */
size_t flt_nearest_run(struct flt_ctx *ctx, const struct flt_step *step, const struct member **m,
		       size_t n)
{
	const struct region *reg[FLT_MAX_MEMBERS];
	double dist[FLT_MAX_MEMBERS];
	uint16_t slot[FLT_MAX_MEMBERS]; /* member i -> index into reg[] */
	double key[FLT_MAX_MEMBERS];
	size_t nreg = 0, k = 0;

	/* Without a location every region is equally near: keep all. */
	if (!ctx->client.has_location || n == 0)
		return n;
	struct region here = {.lat = ctx->client.lat, .lon = ctx->client.lon};
	region_trig_init(&here);
	for (size_t i = 0; i < n; i++) {
		size_t r = 0;
		while (r < nreg && reg[r] != m[i]->region)
			r++;
		if (r == nreg) {
			const struct region *rg = m[i]->region;
			reg[r] = rg;
			/* a network map entry outranks any distance and bias */
			dist[r] = rg == ctx->client.region ? -INFINITY
							   : distance_to(&here, rg) - rg->bias_km;
			nreg++;
		}
		slot[i] = (uint16_t)r;
	}
	/* Rank each region: the number of regions strictly before it, ties
	 * broken by first appearance so the order is deterministic. */
	for (size_t i = 0; i < n; i++) {
		size_t r = slot[i], rank = 0;
		for (size_t q = 0; q < nreg; q++)
			if (dist[q] < dist[r] || (dist[q] == dist[r] && q < r))
				rank++;
		if (rank < step->arg) {
			m[k] = m[i];
			key[k] = (double)rank;
			k++;
		}
	}
	filter_sort(m, key, k);
	return k;
}
