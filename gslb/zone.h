/* SPDX-License-Identifier: Apache-2.0 */
/* zone.h — compiled zones: nodes, RRsets in wire form, and lookup
 *
 * A zone is loaded from an RFC 1035 master file (Knot's libzscanner parses it) and
 * compiled into an immutable table: one node per owner name (plus empty
 * non-terminals, so that "name exists" is a table hit), each node holding
 * its RRsets as uncompressed wire rdata. Lookups are hash probes on
 * lowercased wire names; nothing allocates after loading, and any number
 * of threads may read a zone at once.
 *
 * A zonedb is the set of served zones; zonedb_find() picks the zone with
 * the longest matching apex, so a child zone served here wins over the
 * delegation in its parent.
 *
 * Sharing: a loaded zone never changes and is reference-counted, so that a
 * reload whose files did not change carries it into the new snapshot
 * instead of reading it again. A snapshot serves views of its loaded zones
 * (zone_view_new): a view shares the loaded nodes and adds an overlay of its
 * own for the snapshot's services (their nodes and empty non-terminals),
 * which zone_find consults first. zone_free drops one reference; the last
 * frees the loaded zone.
 */
#ifndef GSLB_ZONE_H
#define GSLB_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "dname.h"

struct dnssec_zone;  /* signing keys, see dnssec.h */
struct service;	     /* dynamic answers, see service.h */
struct zone_overlay; /* zone.c: the service nodes of a view */

/* All records of one type at one owner, with the smallest TTL of them. */
struct rrset {
	uint16_t type;
	uint16_t count; /* number of records */
	uint32_t ttl;
	uint32_t rdata_len; /* bytes in rdata */
	uint8_t *rdata;	    /* count × (u16 big-endian rdlength, rdlength bytes), uncompressed */
};

enum node_flags {
	NODE_APEX = 1 << 0,	    /* the zone apex */
	NODE_DELEGATION = 1 << 1,   /* NS below the apex: a zone cut */
	NODE_ENT = 1 << 2,	    /* empty non-terminal, no RRsets */
	NODE_HAS_WILDCARD = 1 << 3, /* a child "*" node exists */
	NODE_GLUE = 1 << 4,	    /* at or below a zone cut: only glue, never answered */
};

struct zone_node {
	uint8_t *name;	/* lowercased wire name */
	uint32_t flags; /* enum node_flags */
	uint16_t nrrsets;
	struct rrset *rrsets;	       /* sorted by type */
	const struct service *service; /* set when the name is a service (issue 3), else NULL */
};

struct zone {
	uint8_t *apex; /* lowercased wire name, in the arena */
	char *name;    /* presentation form, "example.com." */
	char *file;    /* master file it was loaded from */
	struct zone_node *apex_node;
	const struct rrset *soa; /* the apex SOA */
	uint32_t neg_ttl;	 /* min(SOA TTL, SOA MINIMUM), RFC 2308 */
	struct zone_node *nodes;
	size_t nnodes;
	uint32_t *slots; /* open-addressing hash: node index + 1, 0 = empty */
	size_t nslots;	 /* power of two */
	bool has_delegations;
	const struct dnssec_zone *dnssec; /* signing keys (dnssec.h), NULL = unsigned */
	/* every file read, the zone's own first, then each $INCLUDE (reloads stamp them) */
	char **sources;
	size_t nsources;
	unsigned refs;		      /* a loaded zone: its owners (the loader's, views) */
	struct zone *base;	      /* a view: the loaded zone it shares; NULL when loaded */
	struct zone_overlay *overlay; /* a view: its service nodes, or NULL */
	struct rrset *rrset_store;    /* every node's rrsets, one array */
	struct arena arena;	      /* node names and rdata */
};

struct zonedb {
	struct zone **zones;
	size_t nzones;
	int max_apex_labels; /* deepest apex, bounds the suffix walk */
};

/* Loads and checks a zone from a master file, NSD's and Knot's syntax (TTL and class in
 * either order, LF or CRLF). $ORIGIN, $TTL and $INCLUDE (relative to the including file,
 * its origin absolute) are honoured. Checks: SOA and NS at the
 * apex, every owner inside the zone, no CNAME beside other data, glue for
 * in-zone NS targets below cuts. On error returns NULL and writes
 * "file:line: field: message" into err. The caller owns the zone. */
struct zone *zone_load(const char *origin, const char *file, char *err, size_t errlen);
/* Drops the caller's reference to z: frees a view and its overlay, and a loaded zone when
 * no view holds it any more; NULL is fine. In zone.c, beside the struct, so that the
 * lookups and the zonedb do not depend on the loader (zone_load.c, ldns). Not
 * thread-safe: the thread that builds snapshots (and frees them) calls it. */
void zone_free(struct zone *z);
/* A view of the loaded zone base (not itself a view) with no services yet; it holds a
 * reference to base. NULL on ENOMEM. Same thread as zone_free. */
struct zone *zone_view_new(struct zone *base);

/* The node of a lowercased name, or NULL. Query path. */
const struct zone_node *zone_find(const struct zone *z, const uint8_t *name);
/* The RRset of a type at a node, or NULL. Query path. */
const struct rrset *node_rrset(const struct zone_node *n, uint16_t type);

enum lookup_kind {
	LOOKUP_ANSWER = 0,     /* node found (exact or wildcard); the type may be absent (NODATA) */
	LOOKUP_NXDOMAIN = 1,   /* no such name and no wildcard */
	LOOKUP_DELEGATION = 2, /* below a zone cut: refer to node's NS */
};

struct lookup_result {
	enum lookup_kind kind;
	const struct zone_node *node; /* answer node, wildcard node, or delegation point */
	bool wildcard;		      /* node is the wildcard that matched */
};

/* Finds the answer for a lowercased qname inside zone z (qname must be at
 * or below the apex): zone cuts first (DS at a cut is answered by the
 * parent), then the exact name, then the wildcard at the closest encloser
 * (RFC 4592). Query path. */
void zone_lookup(const struct zone *z, const uint8_t *qname, uint16_t qtype,
		 struct lookup_result *res);

/* Makes the node of a lowercased name a service in the view z (node->service = svc; a
 * service node's static RRsets stay but the answer path ignores them). The node goes
 * into the view's overlay, a copy when the loaded zone has the name; a missing name gets
 * a new node (flags 0, no RRsets) and the empty non-terminals between it and the closest
 * existing ancestor, so zone_find and zone_lookup see it like any name. The loaded zone
 * is not touched, and each call costs O(name length) amortised: 10,000 services attach
 * as fast as 10 per service.
 * Returns 0; -EINVAL when z is not a view, name is a wildcard, not at or below the apex,
 * or at or below a zone cut (delegated away); -EEXIST when the name already has a
 * service; -ENOMEM (z unchanged). Load time only: z must not be visible to readers
 * (snapshot_build calls it before publishing). svc must outlive z. */
int zone_attach_service(struct zone *z, const uint8_t *name, const struct service *svc);

/* Adds a copy of rs (its rdata copied into the zone's arena) to node n of z, keeping the
 * RRsets sorted by type. Returns 0, -EEXIST (the type is there already) or -ENOMEM.
 * Load time only (the DNSSEC key RRsets at the apex), before z is published. */
int zone_add_rrset(struct zone *z, struct zone_node *n, const struct rrset *rs);

/* Builds a zonedb over zones; takes ownership of the array and the zones.
 * Returns NULL on allocation failure. */
struct zonedb *zonedb_new(struct zone **zones, size_t nzones);
void zonedb_free(struct zonedb *db);
/* The zone with the longest apex containing name, or NULL. Query path. */
const struct zone *zonedb_find(const struct zonedb *db, const uint8_t *name);

#endif
