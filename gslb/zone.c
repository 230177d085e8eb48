/* SPDX-License-Identifier: Apache-2.0 */
/* zone.c — lookups in compiled zones and the zone database (query path) */
#include "config.h"

#include "zone.h"

#include "dname.h"

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

const struct zone_node *zone_find(const struct zone *z, const uint8_t *name)
{
	size_t mask = z->nslots - 1;
	size_t h = dname_hash(name) & mask;
	uint32_t s;

	while ((s = z->slots[h]) != 0) {
		const struct zone_node *n = &z->nodes[s - 1];

		if (name_eq(n->name, name))
			return n;
		h = (h + 1) & mask;
	}
	return NULL;
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

/* The node hash over z->nodes[0..nnodes) into a new table; NULL on ENOMEM. */
static uint32_t *hash_nodes(const struct zone_node *nodes, size_t nnodes, size_t *nslots)
{
	size_t i, mask, n = 4;
	uint32_t *slots;

	while (n < 2 * nnodes)
		n *= 2;
	slots = calloc(n, sizeof(*slots));
	if (slots == NULL)
		return NULL;
	mask = n - 1;
	for (i = 0; i < nnodes; i++) {
		size_t h = dname_hash(nodes[i].name) & mask;

		while (slots[h] != 0)
			h = (h + 1) & mask;
		slots[h] = (uint32_t)(i + 1);
	}
	*nslots = n;
	return slots;
}

int zone_attach_service(struct zone *z, const uint8_t *name, const struct service *svc)
{
	uint8_t *names[DNAME_MAXLABELS + 1];
	struct zone_node *n, *nodes;
	const uint8_t *p;
	size_t i, k = 0, apex, nslots;
	uint32_t *slots;

	if (!dname_is_sub(name, z->apex))
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
	if (n != NULL) {
		if (n->service != NULL)
			return -EEXIST;
		n->service = svc;
		n->flags &= ~(uint32_t)NODE_ENT;
		return 0;
	}

	/* The name and its missing ancestors; the apex exists, so this stops. */
	for (p = name; zone_find(z, p) == NULL; p = dname_parent(p)) {
		size_t len = dname_len(p);

		names[k] = arena_alloc(&z->arena, len);
		if (names[k] == NULL)
			return -ENOMEM; /* what the arena holds is freed with z */
		memcpy(names[k++], p, len);
	}
	apex = (size_t)(z->apex_node - z->nodes);
	nodes = realloc(z->nodes, (z->nnodes + k) * sizeof(*nodes));
	if (nodes == NULL)
		return -ENOMEM;
	z->nodes = nodes; /* nnodes unchanged: z is still consistent if the hash fails */
	z->apex_node = &nodes[apex];
	for (i = 0; i < k; i++) {
		n = &nodes[z->nnodes + i];
		memset(n, 0, sizeof(*n));
		n->name = names[i];
		n->flags = i == 0 ? 0 : NODE_ENT;
		n->service = i == 0 ? svc : NULL;
	}
	slots = hash_nodes(nodes, z->nnodes + k, &nslots);
	if (slots == NULL)
		return -ENOMEM;
	free(z->slots);
	z->slots = slots;
	z->nslots = nslots;
	z->nnodes += k;
	for (i = 0; i < k; i++) {
		if (dname_is_wildcard(names[i]))
			((struct zone_node *)zone_find(z, dname_parent(names[i])))->flags |=
			    NODE_HAS_WILDCARD;
	}
	return 0;
}

/* Frees what zone_load and zone_attach_service allocated: the zone is this file's struct.
 * Names (the apex's too) and rdata live in the arena, rrsets in rrset_store. */
void zone_free(struct zone *z)
{
	if (z == NULL)
		return;
	arena_free(&z->arena);
	free(z->rrset_store);
	free(z->nodes);
	free(z->slots);
	free(z->name);
	free(z->file);
	free(z);
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
