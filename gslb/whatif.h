/* SPDX-License-Identifier: Apache-2.0 */
/* whatif.h — what a region loss (or a drain, a weight) would do to the answers
 *
 * A what-if replays a population of clients through each service's real choice
 * (service_choose: the query path without rendering) twice: with the live health and
 * weights ("now") and with the hypothetical ones ("after"), and sums, per service, the
 * share of answers each region and member gets. The population is what the answering
 * threads recorded (query_record.h: client subnets and counts over the last 5-10 minutes),
 * or the given clients. Chains with a random or rotating filter are replayed several times
 * per client so that shares come out as expectations. A member's `capacity` (the share of
 * its service's answers it can take) flags the members, and regions, that would exceed it.
 */
#ifndef GSLB_WHATIF_H
#define GSLB_WHATIF_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct snapshot;

struct whatif_client {
	int family; /* AF_INET, AF_INET6 */
	uint8_t addr[16];
	uint8_t prefix;
	double weight; /* > 0 */
};

struct whatif_change {
	const char *const *down; /* "REGION" or "SERVICE:INDEX": taken as down */
	size_t ndown;
	const char *const *drain; /* "REGION" or "SERVICE:INDEX": drained */
	size_t ndrain;
	const char *const *weight_region; /* region weights replacing the config's */
	const uint32_t *weight;
	size_t nweight;
	const struct whatif_client *clients; /* NULL: the recorded population */
	size_t nclients;
};

/* Parses "10.1.0.0/24" (a bare address is a /32 or /128; netmap_parse) into c with weight
 * w. Returns 0, or -1 with a message in err. */
int whatif_client_parse(const char *text, double w, struct whatif_client *c, char *err,
			size_t errlen);

/* Replays the population through s with the change (s under the caller's RCU read lock)
 * and returns {"population": "recorded"|"clients", "clients": N, "services": [{"name",
 * "answers", "regions": [{"region", "now", "after", "capacity", "over"}], "members":
 * [{"index", "region", "now", "after", "capacity", "over"}]}], "over_capacity":
 * ["SERVICE REGION|#INDEX ...", ...]}, shares in 0..1; NULL with a message in err for an
 * unknown region, service or member, or out of memory. Control thread. */
json_t *whatif_json(const struct snapshot *s, const struct whatif_change *c, char *err,
		    size_t errlen);

/* Where the recorded clients are and which region answers them now, for the map page:
 * {"window_seconds": 600, "flows": [{"lat", "lon" (the clients' place, to a degree),
 * "region", "region_lat", "region_lon", "answers"}]}, the max largest. Clients without a
 * location (chains that do not read one, or unknown networks) are left out. NULL with a
 * message in err when out of memory. Control thread, s under the RCU read lock. */
json_t *whatif_flows_json(const struct snapshot *s, size_t max, char *err, size_t errlen);

#endif
