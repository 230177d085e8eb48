/* SPDX-License-Identifier: Apache-2.0 */
/* service.h — regions, members, services and the live health view
 *
 * A region is a place with coordinates, a weight and a distance bias. A
 * service is a name answered dynamically: its members are VIPs (IPv4/IPv6
 * addresses) or a CNAME target (a CDN edge), each in one region, and its
 * compiled filter chain (filter.h) turns the member list into the answer.
 *
 * Regions and services are part of the immutable snapshot: the config
 * loader allocates them, nothing changes them afterwards, and any number of
 * query threads read them at once. The loader owns and frees all memory
 * reachable from these structs.
 *
 * Health is the one mutable part: one struct member_health per member
 * (slot member->health in an array owned by the health module, which
 * outlives snapshots so that a reload keeps the state). The report
 * receiver thread writes the fields with relaxed atomic stores; query
 * threads read them without locks. Fields are independent: a reader may
 * see a new load with an old RTT, which is harmless for selection.
 */
#ifndef GSLB_SERVICE_H
#define GSLB_SERVICE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"

struct netmap_prefix; /* netmap.h */

/* Limit on members per service: filters keep their scratch arrays on the
 * stack, sized by this. The loader must reject larger services. */
#define SERVICE_MAX_MEMBERS FLT_MAX_MEMBERS

struct region {
	/* read per query (nearest, weighted, the drain rule): first, in one cache line (the
	 * loader's array is aligned and a region takes whole lines, REGION_SIZE) */
	uint32_t weight;	 /* multiplies its members' weights; 0 drains (see weighted) */
	double bias_km;		 /* subtracted from the distance: > 0 attracts, < 0 repels */
	double sin_lat, cos_lat; /* of lat and lon, set by region_trig_init() at load so that */
	double sin_lon, cos_lon; /* distances cost no trigonometry per query; all 0 = not set */
	double lat, lon;	 /* degrees, WGS84 */
	char *name;
	char (*countries)[3]; /* ISO 3166 alpha-2 codes, uppercase, NUL-terminated (geofence) */
	size_t ncountries;
	char (*continents)[3]; /* MaxMind continent codes: AF AN AS EU NA OC SA (geofence) */
	size_t ncontinents;
	uint32_t *asns; /* autonomous system numbers, ascending (geofence, asn) */
	size_t nasns;
	/* networks pinned to the region (netmap.h), as written, with their config lines; the
	 * loader puts them in conf->netmap */
	struct netmap_prefix *networks;
	int *network_lines;
	size_t nnetworks;
	uint8_t pad_[48]; /* to REGION_SIZE */
};

#define REGION_SIZE 192 /* sizeof(struct region): the loader's array is cache-line aligned */
_Static_assert(sizeof(struct region) == REGION_SIZE, "struct region is whole cache lines");
_Static_assert(offsetof(struct region, name) == 64, "the per-query fields fill one line");

/* least_loaded watermarks (permille) of a member that does not set them. */
#define MEMBER_LOAD_LOW_DEFAULT 700
#define MEMBER_LOAD_HIGH_DEFAULT 900

#define MEMBER_NAME_MAX 63 /* bytes of member.name */

struct member {
	/* The first 64 bytes are what candidates, the default chain and the answer read per
	 * query; the loader's member arrays are cache-line aligned and a member takes two whole
	 * lines (MEMBER_SIZE), so that a query touches one line per member. */
	const struct region *region; /* never NULL */
	uint8_t (*ipv4)[4];	     /* network byte order */
	uint8_t (*ipv6)[16];
	size_t nipv4, nipv6;
	uint8_t *cname; /* lowercased wire name (dname.h), or NULL for a VIP member */
	/* the service this server answers at cname (set by the loader, never a cycle), or NULL:
	 * the member is down for `up` while that service has no member up */
	const struct service *target;
	uint32_t health; /* slot in the member_health array */
	uint32_t weight; /* default 1; effective weight = region->weight × weight */
	/* read by some filters only */
	uint32_t index;	  /* position in service->members */
	int32_t priority; /* lower is preferred by the priority filter; default 0 */
	/* least_loaded watermarks in permille of capacity: full share up to load_low, none
	 * from load_high; low < high. load_high 0 (a member not built by the loader): the
	 * MEMBER_LOAD_*_DEFAULT values, which are also the loader's defaults. */
	uint32_t load_low, load_high;
	uint16_t rslot; /* its region's index among the regions of the service (up_threshold) */
	/* unique in its service, stable across reorderings: what overrides are kept by
	 * (health_member_key). The loader sets it (conf: name, default <region>-<n>, the n-th
	 * member of that region); NULL in a member built by hand and in fallback members. */
	char *name;
	char *check; /* name of the check probing it, or NULL */
	/* the largest share of the service's answers it can take (0..1], for what-if
	 * (gslbctl whatif); 0: not said */
	double capacity;
	/* the addresses when they fit (4 IPv4 or 1 IPv6; the loader's members): ipv4 or ipv6
	 * points here, next to the per-query line, rather than to an allocation of its own */
	uint8_t addrs[16];
};

#define MEMBER_SIZE 128 /* sizeof(struct member): two cache lines */
_Static_assert(sizeof(struct member) == MEMBER_SIZE, "struct member is two cache lines");
_Static_assert(offsetof(struct member, index) == 64, "the per-query fields fill one line");

/* What a service answers when `up` finds no member up (gslb.conf(5), fallback). */
enum service_fallback {
	SVC_FALLBACK_OPEN = 0, /* the members `up` kept failing open (the default) */
	SVC_FALLBACK_EMPTY,    /* an empty NOERROR answer (NODATA) */
	SVC_FALLBACK_MEMBERS,  /* the fallback members, through the chain */
};

struct service {
	/* Read per query (answer_service.c, the filters): the first line, then the chain's
	 * steps in the second (up to 4 steps); the loader's array is cache-line aligned and a
	 * service takes whole lines (SERVICE_SIZE). */
	struct member *members;
	size_t nmembers;     /* 1..SERVICE_MAX_MEMBERS */
	double up_threshold; /* 0..1: for `up`, a region whose share of members up in this
			      * service is below it counts as down (gdnsd's up_thresh); 0: each
			      * member on its own */
	uint32_t ttl;
	uint32_t name_hash;    /* qrec_service_hash(name): the query record's key */
	uint32_t index;	       /* position in the snapshot's service table */
	int32_t fail_open_ttl; /* TTL while nothing is up, <= ttl; -1: ttl */
	int fallback;	       /* enum service_fallback */
	/* members[j].health is health_first + j (the loader numbers them so): the answer path
	 * prefetches their health words before it reads the members */
	uint32_t health_first;
	uint16_t nrslots;	/* distinct regions of the members (member.rslot < nrslots) */
	struct flt_chain chain; /* filter_chain_parse() or filter_chain_default() */
	uint8_t *name;		/* lowercased wire name */
	struct member *fallback_members; /* SVC_FALLBACK_MEMBERS: 1..SERVICE_MAX_MEMBERS, */
	size_t nfallback;		 /* not probed, with health slots of their own */
	uint8_t pad_[40];		 /* to SERVICE_SIZE */
};

#define SERVICE_SIZE 384 /* sizeof(struct service): six cache lines */
_Static_assert(sizeof(struct service) == SERVICE_SIZE, "struct service is whole cache lines");
_Static_assert(offsetof(struct service, chain.steps) == 64, "the chain's steps start a line");

/* Precomputes the sines and cosines of a region's coordinates. */
void region_trig_init(struct region *r);

/* Load is a fraction of capacity in permille (0..1000, may exceed 1000
 * when overloaded); RTT in microseconds. UNKNOWN until a fresh report. */
#define MEMBER_LOAD_UNKNOWN UINT32_MAX
#define MEMBER_RTT_UNKNOWN UINT32_MAX

struct member_health {
	atomic_bool up;	     /* combined verdict (quorum, overrides, grace) */
	atomic_bool drained; /* operator drain: out of answers even when failing open */
	atomic_bool fresh;   /* at least one fresh report: load and rtt are meaningful */
	atomic_uint_least32_t load_permille;
	atomic_uint_least32_t rtt_us;
	/* bit i: the member's address i (its ipv4 ones, then its ipv6 ones) is down while
	 * the member is up; addresses past the 64th are never marked */
	atomic_uint_least64_t down_addrs;
	/* runtime weights (gslbctl weight, health.h): the member's region's and its own, in
	 * place of the config's; MEMBER_WEIGHT_CONFIG: the config's */
	atomic_uint_least32_t region_weight;
	atomic_uint_least32_t member_weight;
};

#define MEMBER_WEIGHT_CONFIG UINT32_MAX

#define MEMBER_MAX_MARKED_ADDRS 64

/* Sets h to up, not fresh, load and RTT unknown. Not thread-safe: call
 * before the array is shared. */
static inline void member_health_init(struct member_health *h)
{
	atomic_init(&h->up, true);
	atomic_init(&h->drained, false);
	atomic_init(&h->fresh, false);
	atomic_init(&h->load_permille, MEMBER_LOAD_UNKNOWN);
	atomic_init(&h->rtt_us, MEMBER_RTT_UNKNOWN);
	atomic_init(&h->down_addrs, 0);
	atomic_init(&h->region_weight, MEMBER_WEIGHT_CONFIG);
	atomic_init(&h->member_weight, MEMBER_WEIGHT_CONFIG);
}

static inline bool member_health_up(const struct member_health *h)
{
	return atomic_load_explicit(&h->up, memory_order_relaxed);
}

/* The member's down addresses (bit i: address i, ipv4 first, then ipv6); 0 when none, or
 * when the member is down as a whole (then every address goes out if it is answered). */
static inline uint64_t member_health_down_addrs(const struct member_health *h)
{
	return atomic_load_explicit(&h->down_addrs, memory_order_relaxed);
}

/* Drained by the operator: the up filter drops it before failing open over the rest. */
static inline bool member_health_drained(const struct member_health *h)
{
	return atomic_load_explicit(&h->drained, memory_order_relaxed);
}

/* Load in permille, or MEMBER_LOAD_UNKNOWN when no fresh report has it. */
static inline uint32_t member_health_load(const struct member_health *h)
{
	if (!atomic_load_explicit(&h->fresh, memory_order_relaxed))
		return MEMBER_LOAD_UNKNOWN;
	return atomic_load_explicit(&h->load_permille, memory_order_relaxed);
}

/* RTT in microseconds, or MEMBER_RTT_UNKNOWN when no fresh report has it. */
static inline uint32_t member_health_rtt(const struct member_health *h)
{
	if (!atomic_load_explicit(&h->fresh, memory_order_relaxed))
		return MEMBER_RTT_UNKNOWN;
	return atomic_load_explicit(&h->rtt_us, memory_order_relaxed);
}

/* Writer side, for the health receiver thread (and tests). */
static inline void member_health_set(struct member_health *h, bool up, bool fresh,
				     uint32_t load_permille, uint32_t rtt_us)
{
	atomic_store_explicit(&h->up, up, memory_order_relaxed);
	atomic_store_explicit(&h->load_permille, load_permille, memory_order_relaxed);
	atomic_store_explicit(&h->rtt_us, rtt_us, memory_order_relaxed);
	atomic_store_explicit(&h->fresh, fresh, memory_order_relaxed);
}

/* Writer side: the down addresses of an up member (health.c). */
static inline void member_health_set_down_addrs(struct member_health *h, uint64_t mask)
{
	atomic_store_explicit(&h->down_addrs, mask, memory_order_relaxed);
}

/* Writer side: the drain override (health.c; a drained member is also published down). */
static inline void member_health_set_drained(struct member_health *h, bool drained)
{
	atomic_store_explicit(&h->drained, drained, memory_order_relaxed);
}

#endif
