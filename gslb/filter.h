/* SPDX-License-Identifier: Apache-2.0 */
/* filter.h — the selection filter chain: table, parsing, execution
 *
 * A filter takes an array of member pointers and rewrites it in place:
 * it may drop members (return a smaller count) and reorder them, never
 * add. A chain is a list of steps (filter + integer argument) applied in
 * order; what is left at the end is the answer, in order. Every filter
 * has the same signature (flt_fn) and lives in gslb/filters/flt_<name>.c;
 * filter_table[] maps config names to them.
 *
 * No filter ever turns a non-empty list into an empty one: where nothing
 * qualifies it fails open and keeps what it got.
 *
 * Weight 0 (drain) means the same in every filter: the chain runner drops
 * the members of effective weight 0 (region weight × member weight) before
 * each filter except `up`, and from the answer, while a member of positive
 * weight is in the list. A drained member is therefore answered only when
 * the filters before left no member of positive weight (`up` found only it
 * up, or everything is drained). `up` sees drained members so that health,
 * not weight, decides first. The filters:
 *
 *   up           members whose health is up (a CNAME member to a service
 *                here: while that one has a member up; with the service's
 *                up_threshold, while the share of its region's members up
 *                reaches it); none up: all, counted in stats.fail_open, and
 *                ctx->all_down set. Drained members are left out even then,
 *                unless every member is drained. No health array: all up.
 *   nearest[:N]  members of the N (default 1, 1..64) regions nearest to the
 *                client by great-circle distance (haversine, km) minus the
 *                region's bias_km; nearer regions first, order kept within a
 *                region (a drained region has no member left, so its clients
 *                go to the next region). The region a network map pins the
 *                client to is nearest of all. Client without a location: all,
 *                unchanged.
 *   geofence     members of the region a network map pins the client to,
 *                or whose region lists the client's country, continent or
 *                AS number; if none, members of regions that list neither
 *                countries nor continents (the "rest of the world"); if
 *                none either, all. Order kept.
 *   priority     members with the lowest priority value. Order kept.
 *   weighted     a weighted random order (Efraimidis–Spirakis keys) by
 *                effective weight region->weight × weight, so that each is
 *                first with probability weight / total; all of weight 0 (all
 *                drained): a uniform random order.
 *   round_robin  rotated by a per-thread counter of the service, so
 *                successive queries on one thread start at each member in turn.
 *   random       uniformly shuffled.
 *   least_loaded keeps each member with probability f(load): 1 up to its
 *                load_low, falling linearly to 0 at load_high (unknown
 *                load: 1), and orders the kept ones by weight; all above
 *                high: all kept, ascending load. See gslb.conf(5).
 *   fastest      ascending probe RTT; unknown RTT last; ties keep order.
 *   sticky       ordered by weighted rendezvous hashing of the client subnet
 *                (family, address masked to client.prefix) with each
 *                member's identity (region name, addresses, cname): a
 *                subnet keeps its member while that member is in the list,
 *                and only the subnets of a removed member move (all of
 *                weight 0: equal weights).
 *   asn          members whose region lists the client's AS number; if none,
 *                members of regions that list no AS numbers; if none either,
 *                all. Order kept. Client without a known AS: the latter.
 *   first[:N]    the first N (default 1, 1..64).
 *
 * Threads: the table and parsed chains are immutable; filter_chain_run()
 * and the filters are query-path functions that take no lock and do not
 * allocate. Mutable per-thread state is struct flt_thread, owned by one
 * worker thread; health is read with relaxed atomic loads.
 */
#ifndef GSLB_FILTER_H
#define GSLB_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counter.h"

struct member;
struct member_health;
struct region;
struct service;

#define FLT_MAX_MEMBERS 256 /* stack scratch per filter: 256 × 8 bytes */
#define FLT_CHAIN_MAX 16    /* steps in one chain */
#define FLT_RR_SLOTS 256    /* round-robin counters per thread, by service index */
#define FLT_ARG_MAX 64	    /* upper bound of nearest:N and first:N */

/* What the chain knows about the client. Filled by the answer path from
 * the ECS address (else the resolver's) and its GeoIP lookup. */
struct flt_client {
	bool has_location; /* lat/lon valid */
	double lat, lon;   /* degrees */
	char country[3];   /* ISO 3166 alpha-2, uppercase; "" when unknown */
	char continent[3]; /* "EU", "NA", ...; "" when unknown */
	int family;	   /* AF_INET, AF_INET6, or 0 when unknown */
	uint8_t addr[16];  /* network byte order; 4 bytes used for AF_INET */
	uint8_t prefix;	   /* leading bits of addr naming the subnet (sticky) */
	/* leading bits of addr over which the location fields hold: the prefix of the network
	 * they came from (GeoIP's network, or the span of a network map entry) */
	uint8_t loc_prefix;
	/* the region a network map entry pins the client to (geoip.networks_file, regions'
	 * networks), or NULL: then it is where GeoIP says. lat/lon are that region's. */
	const struct region *region;
	uint8_t loc_source; /* enum flt_loc_source: where the location came from (explain) */
	uint32_t asn;	    /* autonomous system of addr (geoip.asn_database); 0 when unknown */
	uint8_t asn_prefix; /* leading bits of addr over which asn holds (the database's network) */
};

/* Where a client's location came from. */
enum flt_loc_source {
	FLT_LOC_NONE = 0,    /* not looked up (the chain does not read it) or not found */
	FLT_LOC_NETMAP = 1,  /* a network map entry (geoip.networks_file, regions' networks) */
	FLT_LOC_GEOIP = 2,   /* the GeoIP database */
	FLT_LOC_DEFAULT = 3, /* geoip's default location: the database did not know it */
};

/* A record of one chain run for `gslbctl explain`: the members before and after each step.
 * Filled only when flt_ctx.trace is set (never on the query path, which leaves it NULL); the
 * runner writes it and nothing allocates. A query that follows a CNAME to another service,
 * or falls back, runs a chain again: each run is one entry, up to FLT_TRACE_RUNS. */
#define FLT_TRACE_RUNS 8
struct flt_trace_step {
	const struct flt_step *step;
	size_t nin, nout; /* nin: after the drain rule, what the filter got */
	const struct member *in[FLT_MAX_MEMBERS], *out[FLT_MAX_MEMBERS];
};
struct flt_trace_run {
	const struct service *service;
	struct flt_client client;
	size_t ncand; /* the members that can answer the query type */
	const struct member *cand[FLT_MAX_MEMBERS];
	size_t nsteps;
	struct flt_trace_step steps[FLT_CHAIN_MAX];
	size_t nfinal; /* after the last step and the drain rule: the answer, in order */
	const struct member *final[FLT_MAX_MEMBERS];
	uint8_t scope; /* ctx->scope after the run */
	bool all_down; /* `up` found nothing up */
};
struct flt_trace {
	size_t nruns, dropped; /* dropped: runs past FLT_TRACE_RUNS, not recorded */
	struct flt_trace_run runs[FLT_TRACE_RUNS];
};

/* Per-thread counters, written by their query thread, summed by the metrics reader on
 * another thread: atomic, through counter.h. */
struct flt_stats {
	_Atomic uint64_t runs;		    /* filter_chain_run() calls */
	_Atomic uint64_t fail_open;	    /* `up` found no member up and kept all */
	_Atomic uint64_t geofence_fallback; /* geofence matched nothing and fell back */
};

/* Per-thread mutable state: one per worker, never shared. */
struct flt_thread {
	uint64_t rng;		   /* splitmix64 state */
	uint32_t rr[FLT_RR_SLOTS]; /* round-robin counter of service index % FLT_RR_SLOTS */
	struct flt_stats stats;
};

/* Per-query context. */
struct flt_ctx {
	const struct service *service; /* may be NULL (round_robin then uses slot 0) */
	/* indexed by member->health; NULL: all up, no load or RTT known */
	const struct member_health *health;
	struct flt_thread *thread; /* never NULL */
	struct flt_client client;
	/* ECS scope: the longest client prefix a filter's decision depended on, raised by
	 * filter_chain_run (never lowered: the caller sets it to 0 before an answer) */
	uint8_t scope;
	/* set by `up` when no member was up and it failed open (the caller clears it): the
	 * answer path then applies the service's fallback and fail_open_ttl */
	bool all_down;
	/* NULL on the query path; gslbctl explain sets it to record each run (filter_chain_run) */
	struct flt_trace *trace;
};

struct flt_step;

/* The one filter signature: rewrites m[0..n) in place and returns the new
 * count (<= n, and >= 1 when n >= 1). Query path. */
typedef size_t flt_fn(struct flt_ctx *ctx, const struct flt_step *step, const struct member **m,
		      size_t n);

/* What a filter reads and does, declared in its table row: the chain runner applies the drain
 * rule and computes the ECS scope from these, the loader checks the chain order. */
enum flt_flag {
	FLT_SEES_DRAINED = 1 << 0,   /* gets the weight-0 members too (up: health decides first) */
	FLT_READS_LOCATION = 1 << 1, /* the client's location: scope client.loc_prefix */
	FLT_READS_SUBNET = 1 << 2,   /* the client's subnet: scope client.prefix */
	FLT_READS_ASN = 1 << 3,	     /* the client's AS number: scope client.asn_prefix */
};

/* One row of the filter table. */
struct flt_def {
	const char *name;
	flt_fn *fn;
	bool takes_arg; /* accepts "name:N" */
	uint32_t arg_default;
	uint32_t arg_min, arg_max;
	const char *arg_what; /* for messages: "first takes a count 1..64" */
	unsigned flags;	      /* enum flt_flag */
	/* What it narrows the list by ("place", "network", "load", "priority", "count"), NULL when
	 * it only orders: such a filter must run after `up` (filter_chain_check). */
	const char *narrows;
};

struct flt_step {
	const struct flt_def *def;
	uint32_t arg; /* def->arg_default when not given; 0 for filters without one */
};

struct flt_chain {
	uint32_t nsteps; /* 1..FLT_CHAIN_MAX */
	unsigned flags;	 /* the steps' flags or'ed: FLT_READS_LOCATION when any reads it */
	struct flt_step steps[FLT_CHAIN_MAX];
};

extern const struct flt_def filter_table[];
extern const size_t filter_table_len;

/* The table row named name (exact, case-sensitive), or NULL. */
const struct flt_def *filter_find(const char *name);

/* Parses chain entries such as "up", "nearest:2", "first:3" into out.
 * Returns 0, or -EINVAL with a message in err (errlen bytes) such as
 * "unknown filter 'nearst'", "first takes a count 1..64", "'up' takes no
 * argument", "chain is empty", "chain has more than 16 filters". The
 * caller adds "file:line: chain: ". Any thread; out holds no pointers
 * except into the static table, so it needs no freeing. */
int filter_chain_parse(const char *const *names, size_t n, struct flt_chain *out, char *err,
		       size_t errlen);

/* Checks the order of a parsed chain: a filter that narrows (by place, load, priority or
 * count) must not run before `up`, or `up` would fail open over the dead members it chose.
 * Returns 0, or -EINVAL with a message naming the order to use, such as "'nearest' narrows by
 * place before 'up' checks health, so a dead member would be answered; use [ "up",
 * "nearest:1", "first:1" ]". Chains without `up` pass. Any thread. */
int filter_chain_check(const struct flt_chain *chain, char *err, size_t errlen);

/* The default chain: up → nearest → weighted → first:1. */
void filter_chain_default(struct flt_chain *out);

/* Writes the chain as "up nearest:1 weighted first:1" into buf (for logs
 * and the state API). Returns 0 or -ENOSPC. */
int filter_chain_format(const struct flt_chain *chain, char *buf, size_t size);

/* Runs chain over m[0..n) in place and returns the number of members left
 * (at most n; at least 1 when n >= 1). n must be <= FLT_MAX_MEMBERS; extra
 * members are ignored. Raises ctx->scope to the longest client prefix a
 * step depended on: client.loc_prefix (client.asn_prefix) for a filter
 * reading the location (the AS number) whose input spans two regions or
 * more, client.prefix for one reading the
 * subnet whose input has two members or more (with less, the outcome is the
 * same for every client). Query path: no lock, no allocation. */
size_t filter_chain_run(const struct flt_chain *chain, struct flt_ctx *ctx, const struct member **m,
			size_t n);

/* Convenience for the answer path: fills out (capacity cap) with pointers
 * to svc's members, sets ctx->service and runs svc->chain. Returns the
 * number of members chosen. Query path. */
size_t filter_select(const struct service *svc, struct flt_ctx *ctx, const struct member **out,
		     size_t cap);

/* Seeds a thread's state (the PRNG; counters start at 0). Any seed,
 * including 0, is fine; use distinct seeds per thread. Owner thread. */
void filter_thread_init(struct flt_thread *t, uint64_t seed);

/* --- helpers shared by the filters (query path) --- */

/* Next 64 random bits (splitmix64). */
uint64_t filter_rand64(struct flt_thread *t);
/* Uniform double in (0, 1), never 0 or 1. */
double filter_rand_unit(struct flt_thread *t);
/* Uniform integer in [0, bound), bound >= 1 (unbiased). */
uint32_t filter_rand_below(struct flt_thread *t, uint32_t bound);
/* Effective weight: the region's weight × the member's, each the runtime one (gslbctl weight,
 * published in health[m->health]) when set, else the config's. health may be NULL. Query
 * path: two relaxed loads. */
uint64_t filter_weight(const struct member_health *health, const struct member *m);
/* Stable ascending sort of m[0..n) by key[0..n) (keys move with members).
 * Insertion sort: n is small and it needs no scratch. */
void filter_sort(const struct member **m, double *key, size_t n);

/* The filters, one per file in gslb/filters/. */
flt_fn flt_up_run;
flt_fn flt_nearest_run;
flt_fn flt_geofence_run;
flt_fn flt_priority_run;
flt_fn flt_weighted_run;
flt_fn flt_round_robin_run;
flt_fn flt_random_run;
flt_fn flt_least_loaded_run;
flt_fn flt_fastest_run;
flt_fn flt_sticky_run;
flt_fn flt_asn_run;
flt_fn flt_first_run;

/* Whether svc has a member `up` would keep as up (health up, not drained, and when the member
 * is a CNAME to a service of this server, that service has one: acyclic, the loader checks).
 * health NULL: all up. Query path. */
bool flt_up_service_live(const struct service *svc, const struct member_health *health);
/* Whether region r lists AS number asn (0, unknown, is never listed): a binary search of
 * its sorted asns. Query path; geofence uses it too. */
bool flt_asn_listed(const struct region *r, uint32_t asn);

/* Great-circle distance in km between two points in degrees (haversine,
 * mean Earth radius 6371 km). Exported for tests and gslbctl. */
double flt_nearest_distance_km(double lat1, double lon1, double lat2, double lon2);

#endif
