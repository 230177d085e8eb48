/* SPDX-License-Identifier: Apache-2.0 */
/* zone.c — lookups in compiled zones and the zone database (query path) */
#include "config.h"

#include "zone.h"

#include "dname.h"
#include "wire.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TYPE_DS 43

/* A zonedb with its apex hash; zonedb_new hands out the embedded public part. */
struct zonedb_impl {
	struct zonedb db;
	uint32_t *slots; /* zone index + 1, 0 = empty */
	size_t nslots;	 /* power of two */
};

/* Exact equality of two lowercased wire names, reading neither past its end. */
static bool name_eq(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		uint8_t l = *a;

		if (l != *b)
			return false;
		if (l == 0)
			return true;
		if (memcmp(a + 1, b + 1, l) != 0)
			return false;
		a += l + 1;
		b += l + 1;
	}
}

/* An overlay node with its name beside it when the name fits, in one cache line. */
#define OVERLAY_NAME_INLINE 32
struct overlay_node {
	struct zone_node node;		   /* node.name NULL: an empty entry */
	uint8_t name[OVERLAY_NAME_INLINE]; /* node.name points here when it fits */
};
_Static_assert(sizeof(struct overlay_node) == 64, "an overlay node is one cache line");

/* The services of a view: nodes it adds or shadows, open-addressed by name hash in the
 * table itself (no slot array to go through): among many services, a lookup reads one
 * cache line, then the service. */
struct zone_overlay {
	struct overlay_node *nodes; /* [nslots], cache-line aligned */
	size_t nnodes;
	size_t nslots; /* power of two, more than twice nnodes */
};

/* The overlay's node named name, or NULL. Query path. */
static struct zone_node *overlay_find(const struct zone_overlay *ov, const uint8_t *name)
{
	size_t mask = ov->nslots - 1;
	size_t h = dname_hash(name) & mask;

	for (; ov->nodes[h].node.name != NULL; h = (h + 1) & mask)
		if (name_eq(ov->nodes[h].node.name, name))
			return (struct zone_node *)&ov->nodes[h].node;
	return NULL;
}

static struct zone_node *table_find(const struct zone_node *nodes, const uint32_t *slots,
				    size_t nslots, const uint8_t *name)
{
	size_t mask = nslots - 1;
	size_t h = dname_hash(name) & mask;
	uint32_t s;

	while ((s = slots[h]) != 0) {
		const struct zone_node *n = &nodes[s - 1];

		if (name_eq(n->name, name))
			return (struct zone_node *)n;
		h = (h + 1) & mask;
	}
	return NULL;
}

const struct zone_node *zone_find(const struct zone *z, const uint8_t *name)
{
	const struct zone_overlay *ov = z->overlay;

	if (ov != NULL && ov->nslots != 0) {
		const struct zone_node *n = overlay_find(ov, name);

		if (n != NULL)
			return n;
	}
	return table_find(z->nodes, z->slots, z->nslots, name);
}

const struct rrset *node_rrset(const struct zone_node *n, uint16_t type)
{
	size_t lo = 0, hi = n->nrrsets;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint16_t t = n->rrsets[mid].type;

		if (t == type)
			return &n->rrsets[mid];
		if (t < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Fills sfx[i] with the suffix of name that drops its first i labels; returns the labels. */
static int suffixes(const uint8_t *name, const uint8_t **sfx)
{
	int n = 0;

	while (*name != 0 && n < DNAME_MAXLABELS) {
		sfx[n++] = name;
		name += *name + 1;
	}
	sfx[n] = name;
	return n;
}

/* The wildcard child of ce, which the NODE_HAS_WILDCARD flag promises exists. */
static const struct zone_node *wildcard_of(const struct zone *z, const struct zone_node *ce)
{
	uint8_t buf[DNAME_MAXLEN + 2];
	size_t len = dname_len(ce->name);

	buf[0] = 1;
	buf[1] = '*';
	memcpy(buf + 2, ce->name, len);
	return zone_find(z, buf);
}

void zone_lookup(const struct zone *z, const uint8_t *qname, uint16_t qtype,
		 struct lookup_result *res)
{
	const struct zone_node *n, *ce = z->apex_node;
	int below = dname_labels(qname) - dname_labels(z->apex);

	res->wildcard = false;
	if (below > 0 && z->has_delegations) {
		/* Top down: the first cut wins, and the deepest existing name is the
		 * closest encloser (empty non-terminals exist, so nothing is found below
		 * a missing name). */
		const uint8_t *sfx[DNAME_MAXLABELS + 1];
		int i;

		suffixes(qname, sfx);
		for (i = below - 1; i >= 0; i--) {
			n = zone_find(z, sfx[i]);
			if (n == NULL)
				break;
			if ((n->flags & NODE_DELEGATION) && !(i == 0 && qtype == TYPE_DS)) {
				res->kind = LOOKUP_DELEGATION;
				res->node = n;
				return;
			}
			ce = n;
		}
		if (i < 0) {
			res->kind = LOOKUP_ANSWER;
			res->node = ce;
			return;
		}
	} else {
		n = zone_find(z, qname);
		if (n != NULL) {
			res->kind = LOOKUP_ANSWER;
			res->node = n;
			return;
		}
		for (const uint8_t *p = dname_parent(qname); p != NULL; p = dname_parent(p)) {
			n = zone_find(z, p);
			if (n != NULL) {
				ce = n;
				break;
			}
		}
	}
	if (ce->flags & NODE_HAS_WILDCARD) {
		n = wildcard_of(z, ce);
		if (n != NULL) {
			res->kind = LOOKUP_ANSWER;
			res->node = n;
			res->wildcard = true;
			return;
		}
	}
	res->kind = LOOKUP_NXDOMAIN;
	res->node = ce;
}

static void overlay_free(struct zone_overlay *ov)
{
	if (ov == NULL)
		return;
	for (size_t i = 0; i < ov->nslots; i++) {
		struct overlay_node *e = &ov->nodes[i];

		if (e->node.name != e->name)
			free(e->node.name); /* the rrsets of a copied node are the loaded zone's */
	}
	free(ov->nodes);
	free(ov);
}

/* The empty entry where name goes (the table has one). */
static struct overlay_node *overlay_slot(const struct zone_overlay *ov, const uint8_t *name)
{
	size_t mask = ov->nslots - 1, h;

	for (h = dname_hash(name) & mask; ov->nodes[h].node.name != NULL; h = (h + 1) & mask)
		;
	return &ov->nodes[h];
}

/* Moves the overlay's nodes into a table of nslots entries (a power of two); -ENOMEM. */
static int overlay_rehash(struct zone_overlay *ov, size_t nslots)
{
	struct zone_overlay grown = {.nnodes = ov->nnodes, .nslots = nslots};

	grown.nodes = aligned_alloc(64, nslots * sizeof(*grown.nodes));
	if (grown.nodes == NULL)
		return -ENOMEM;
	memset(grown.nodes, 0, nslots * sizeof(*grown.nodes));
	for (size_t i = 0; i < ov->nslots; i++) {
		const struct overlay_node *e = &ov->nodes[i];
		struct overlay_node *to;

		if (e->node.name == NULL)
			continue;
		to = overlay_slot(&grown, e->node.name);
		*to = *e;
		if (e->node.name == e->name)
			to->node.name = to->name;
	}
	free(ov->nodes);
	*ov = grown;
	return 0;
}

/* Adds a node named name to the overlay: a copy of *like (its RRsets shared) or an
 * empty one, with flags. Doubles the table when half full, so n additions cost O(n). */
static struct zone_node *overlay_add(struct zone_overlay *ov, const uint8_t *name,
				     const struct zone_node *like, uint32_t flags)
{
	size_t len = dname_len(name), nslots = ov->nslots ? ov->nslots : 16;
	struct overlay_node *e;
	struct zone_node *n;

	while (2 * (ov->nnodes + 1) > nslots)
		nslots *= 2;
	if (nslots != ov->nslots && overlay_rehash(ov, nslots) < 0)
		return NULL;
	e = overlay_slot(ov, name);
	n = &e->node;
	if (like != NULL)
		*n = *like;
	else
		memset(n, 0, sizeof(*n));
	n->name = len <= OVERLAY_NAME_INLINE ? e->name : malloc(len);
	if (n->name == NULL)
		return NULL;
	memcpy(n->name, name, len);
	n->flags = flags;
	n->service = NULL;
	ov->nnodes++;
	return n;
}

struct zone *zone_view_new(struct zone *base)
{
	struct zone *v;

	if (base->base != NULL)
		return NULL;
	v = malloc(sizeof(*v));
	if (v == NULL)
		return NULL;
	*v = *base; /* apex, name, nodes, slots, soa...: the loaded zone's, not the view's */
	v->refs = 0;
	v->base = base;
	v->overlay = NULL;
	base->refs++;
	return v;
}

int zone_attach_service(struct zone *z, const uint8_t *name, const struct service *svc)
{
	const uint8_t *names[DNAME_MAXLABELS + 1];
	struct zone_overlay *ov = z->overlay;
	struct zone_node *n;
	const uint8_t *p;
	size_t k = 0;

	if (z->base == NULL || !dname_is_sub(name, z->apex) || dname_is_wildcard(name))
		return -EINVAL;
	/* Delegated names belong to the child zone's servers, not to us. */
	for (p = name; p != NULL && !name_eq(p, z->apex); p = dname_parent(p)) {
		n = (struct zone_node *)zone_find(z, p);
		if (n != NULL && (n->flags & (NODE_DELEGATION | NODE_GLUE)))
			return -EINVAL;
	}
	if (p == NULL)
		return -EINVAL; /* not lowercased: never reached the apex */
	n = (struct zone_node *)zone_find(z, name);
	if (n != NULL && n->service != NULL)
		return -EEXIST;
	if (ov == NULL) {
		ov = calloc(1, sizeof(*ov));
		if (ov == NULL)
			return -ENOMEM;
		z->overlay = ov;
	}
	if (n != NULL && !((const void *)n >= (const void *)ov->nodes &&
			   (const void *)n < (const void *)(ov->nodes + ov->nslots))) {
		/* a name of the loaded zone: shadowed by a copy, which keeps its RRsets */
		n = overlay_add(ov, name, n, n->flags & ~(uint32_t)NODE_ENT);
		if (n == NULL)
			return -ENOMEM;
	} else if (n == NULL) {
		/* The name and its missing ancestors; the apex exists, so this stops. Nothing
		 * of the loaded zone lies below a missing name: none is a wildcard's parent. */
		for (p = name; zone_find(z, p) == NULL; p = dname_parent(p))
			names[k++] = p;
		while (k > 1)
			if (overlay_add(ov, names[--k], NULL, NODE_ENT) == NULL)
				return -ENOMEM; /* the view keeps names that exist: free it */
		n = overlay_add(ov, name, NULL, 0);
		if (n == NULL)
			return -ENOMEM;
	}
	n->service = svc;
	n->flags &= ~(uint32_t)NODE_ENT;
	/* the apex may have been shadowed, and overlay nodes move when their array grows */
	z->apex_node = (struct zone_node *)zone_find(z, z->apex);
	return 0;
}

/* Frees what zone_load and zone_attach_service allocated: the zone is this file's struct.
 * Names (the apex's too) and rdata live in the arena, rrsets in rrset_store. */
void zone_free(struct zone *z)
{
	struct zone *base;
	size_t i;

	if (z == NULL)
		return;
	if (z->base != NULL) {
		base = z->base;
		overlay_free(z->overlay);
		free(z);
		if (--base->refs == 0)
			zone_free(base);
		return;
	}
	assert(z->refs == 0); /* a view still holds it: free the view */
	for (i = 0; i < z->nsources; i++)
		free(z->sources[i]);
	free(z->sources);
	arena_free(&z->arena); /* node names, rdata, what zone_add_rrset added */
	free(z->rrset_store);
	free(z->nodes);
	free(z->slots);
	free(z->name);
	free(z->file);
	free(z);
}

int zone_add_rrset(struct zone *z, struct zone_node *n, const struct rrset *rs)
{
	const size_t align = _Alignof(struct rrset);
	size_t at = 0;

	if (node_rrset(n, rs->type))
		return -EEXIST;
	/* Both in the zone's arena, freed with it: a node's RRsets are a piece of the loader's
	 * rrset_store (or of the arena), never to be grown or freed on their own. */
	void *raw = arena_alloc(&z->arena, (n->nrrsets + 1u) * sizeof(struct rrset) + align - 1);
	uint8_t *rd = arena_alloc(&z->arena, rs->rdata_len ? rs->rdata_len : 1);
	if (!raw || !rd)
		return -ENOMEM;
	struct rrset *v = (struct rrset *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
	memcpy(rd, rs->rdata, rs->rdata_len);
	while (at < n->nrrsets && n->rrsets[at].type < rs->type)
		at++;
	memcpy(v, n->rrsets, at * sizeof(*v));
	v[at] = *rs;
	v[at].rdata = rd;
	memcpy(&v[at + 1], &n->rrsets[at], (n->nrrsets - at) * sizeof(*v));
	n->rrsets = v;
	n->nrrsets++;
	n->flags &= ~(uint32_t)NODE_ENT;
	if (n == z->apex_node) /* the array moved */
		z->soa = node_rrset(n, TYPE_SOA);
	return 0;
}

struct zonedb *zonedb_new(struct zone **zones, size_t nzones)
{
	struct zonedb_impl *d = calloc(1, sizeof(*d));
	size_t i, mask;

	if (d == NULL)
		return NULL;
	d->nslots = 4;
	while (d->nslots < 2 * nzones)
		d->nslots *= 2;
	d->slots = calloc(d->nslots, sizeof(*d->slots));
	if (d->slots == NULL) {
		free(d);
		return NULL;
	}
	mask = d->nslots - 1;
	for (i = 0; i < nzones; i++) {
		size_t h = dname_hash(zones[i]->apex) & mask;
		int labels = dname_labels(zones[i]->apex);
		bool dup = false;

		while (d->slots[h] != 0) {
			if (name_eq(zones[d->slots[h] - 1]->apex, zones[i]->apex))
				dup = true; /* the first zone with an apex serves it */
			h = (h + 1) & mask;
		}
		if (dup)
			continue;
		d->slots[h] = (uint32_t)(i + 1);
		if (labels > d->db.max_apex_labels)
			d->db.max_apex_labels = labels;
	}
	d->db.zones = zones;
	d->db.nzones = nzones;
	return &d->db;
}

void zonedb_free(struct zonedb *db)
{
	struct zonedb_impl *d = (struct zonedb_impl *)db;
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < db->nzones; i++)
		zone_free(db->zones[i]);
	free(db->zones);
	free(d->slots);
	free(d);
}

const struct zone *zonedb_find(const struct zonedb *db, const uint8_t *name)
{
	const struct zonedb_impl *d = (const struct zonedb_impl *)db;
	const uint8_t *sfx[DNAME_MAXLABELS + 1];
	size_t mask = d->nslots - 1;
	int labels = suffixes(name, sfx);
	int i = labels > db->max_apex_labels ? labels - db->max_apex_labels : 0;

	/* Longest suffix first: the first apex found is the deepest zone. */
	for (; i <= labels; i++) {
		size_t h = dname_hash(sfx[i]) & mask;
		uint32_t s;

		while ((s = d->slots[h]) != 0) {
			const struct zone *z = db->zones[s - 1];

			if (name_eq(z->apex, sfx[i]))
				return z;
			h = (h + 1) & mask;
		}
	}
	return NULL;
}
