/* SPDX-License-Identifier: Apache-2.0 */
/* zone_load.c — master file parsing (ldns), checks and compilation into a zone */
#include "config.h"

#include "zone.h"

#include "dname.h"

#include <ldns/ldns.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* $INCLUDE nesting limit, the top file counted: deep enough for any sane layout. */
#define INCLUDE_MAX_DEPTH 10
/* Used when a record has no TTL and no $TTL came before it (ldns's own default). */
#define DEFAULT_TTL 3600

#define TYPE_A 1
#define TYPE_NS 2
#define TYPE_CNAME 5
#define TYPE_SOA 6
#define TYPE_AAAA 28
#define TYPE_DS 43
#define TYPE_RRSIG 46
#define TYPE_NSEC 47

/* One record as read, before grouping. */
struct rec {
	uint8_t *owner; /* lowercased wire name */
	uint8_t *rdata; /* uncompressed wire rdata */
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
	uint32_t file; /* index into loader.files */
	uint32_t line;
	size_t seq; /* position in reading order */
};

struct loader {
	uint8_t apex[DNAME_MAXLEN];
	char apex_str[DNAME_MAXLEN * 4 + 2];
	struct rec *recs;
	size_t nrecs, caprecs;
	char **files; /* every file read, for messages */
	size_t nfiles;
	char *stack[INCLUDE_MAX_DEPTH]; /* realpath of the open files, for loops */
	int depth;
	ldns_buffer *buf;
	bool soa_seen;
	char *err;
	size_t errlen;
	bool failed;
	size_t err_seq; /* post-checks report the earliest record at fault */
};

static void fail(struct loader *l, const char *file, unsigned line, const char *field,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void fail(struct loader *l, const char *file, unsigned line, const char *field,
		 const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->failed)
		return;
	l->failed = true;
	if (l->errlen == 0)
		return;
	/* line 0: about the whole file (unreadable, no SOA), which has no line to point at */
	if (line == 0)
		n = snprintf(l->err, l->errlen, "%s: %s: ", file, field);
	else
		n = snprintf(l->err, l->errlen, "%s:%u: %s: ", file, line, field);
	if (n < 0 || (size_t)n >= l->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static const char *type_str(uint16_t type, char *buf, size_t size)
{
	const ldns_rr_descriptor *d = ldns_rr_descript(type);

	if (d != NULL && d->_name != NULL)
		snprintf(buf, size, "%s", d->_name);
	else
		snprintf(buf, size, "TYPE%u", type);
	return buf;
}

/* "owner TYPE" for messages. */
static const char *field_str(const uint8_t *owner, uint16_t type, char *buf, size_t size)
{
	char name[DNAME_MAXLEN * 4 + 2];
	char t[16];

	if (dname_to_str(owner, name, sizeof(name)) != 0)
		snprintf(name, sizeof(name), "?");
	snprintf(buf, size, "%s %s", name, type_str(type, t, sizeof(t)));
	return buf;
}

/* Fails for a record found in the post-load checks, keeping the earliest in reading order. */
static void fail_rec(struct loader *l, const struct rec *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail_rec(struct loader *l, const struct rec *r, const char *fmt, ...)
{
	char field[DNAME_MAXLEN * 4 + 32];
	char msg[512];
	va_list ap;

	if (l->failed && r->seq >= l->err_seq)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	l->failed = false;
	fail(l, l->files[r->file], r->line, field_str(r->owner, r->type, field, sizeof(field)),
	     "%s", msg);
	l->err_seq = r->seq;
}

static int add_file(struct loader *l, const char *path)
{
	char **f = realloc(l->files, (l->nfiles + 1) * sizeof(*f));

	if (f == NULL)
		return -ENOMEM;
	l->files = f;
	f[l->nfiles] = strdup(path);
	if (f[l->nfiles] == NULL)
		return -ENOMEM;
	l->nfiles++;
	return 0;
}

/* Converts one parsed record and appends it; checks what a single record can break. */
static void add_rr(struct loader *l, const ldns_rr *rr, uint32_t fileno, unsigned line)
{
	const char *file = l->files[fileno];
	const ldns_rdf *owner_rdf = ldns_rr_owner(rr);
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);
	char field[DNAME_MAXLEN * 4 + 32];
	uint8_t owner[DNAME_MAXLEN];
	struct rec *r;
	size_t i, len;

	if (ldns_rdf_get_type(owner_rdf) != LDNS_RDF_TYPE_DNAME ||
	    ldns_rdf_size(owner_rdf) > DNAME_MAXLEN || ldns_rdf_size(owner_rdf) < 1) {
		fail(l, file, line, "owner", "bad owner name");
		return;
	}
	dname_copy_lower(owner, ldns_rdf_data(owner_rdf));
	field_str(owner, type, field, sizeof(field));

	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
		fail(l, file, line, field, "class must be IN");
		return;
	}
	if (!dname_is_sub(owner, l->apex)) {
		fail(l, file, line, field, "owner outside the zone %s", l->apex_str);
		return;
	}
	if (type == TYPE_SOA) {
		if (!dname_equal(owner, l->apex)) {
			fail(l, file, line, field, "SOA not at the apex %s", l->apex_str);
			return;
		}
		if (l->soa_seen) {
			fail(l, file, line, field, "more than one SOA");
			return;
		}
		l->soa_seen = true;
	}

	ldns_buffer_clear(l->buf);
	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *rdf = ldns_rr_rdf(rr, i);
		/* ldns appends the origin to a relative name without checking the sum */
		if (ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME &&
		    ldns_rdf_size(rdf) > DNAME_MAXLEN) {
			fail(l, file, line, field, "a name in the data is longer than 255 bytes");
			return;
		}
		if (ldns_rdf2buffer_wire(l->buf, ldns_rr_rdf(rr, i)) != LDNS_STATUS_OK) {
			fail(l, file, line, field, "cannot convert rdata to wire form");
			return;
		}
	}
	len = ldns_buffer_position(l->buf);
	if (len > UINT16_MAX) {
		fail(l, file, line, field, "rdata longer than 65535 bytes");
		return;
	}

	if (l->nrecs == l->caprecs) {
		size_t cap = l->caprecs ? 2 * l->caprecs : 64;
		struct rec *n = realloc(l->recs, cap * sizeof(*n));

		if (n == NULL)
			goto oom;
		l->recs = n;
		l->caprecs = cap;
	}
	r = &l->recs[l->nrecs];
	memset(r, 0, sizeof(*r));
	r->owner = malloc(dname_len(owner));
	r->rdata = malloc(len ? len : 1);
	if (r->owner == NULL || r->rdata == NULL) {
		free(r->owner);
		free(r->rdata);
		goto oom;
	}
	memcpy(r->owner, owner, dname_len(owner));
	memcpy(r->rdata, ldns_buffer_begin(l->buf), len);
	r->rdlen = (uint16_t)len;
	r->type = type;
	r->ttl = ldns_rr_ttl(rr);
	r->file = fileno;
	r->line = line;
	r->seq = l->nrecs;
	l->nrecs++;
	return;
oom:
	fail(l, file, line, field, "out of memory");
}

static void load_file(struct loader *l, const char *path, const ldns_rdf *origin_in, uint32_t *ttl,
		      const char *from_file, unsigned from_line);

/* Handles "$INCLUDE file [origin]" read from file:line whose current origin is origin. */
static void do_include(struct loader *l, char *text, const char *file, unsigned line,
		       const ldns_rdf *origin, uint32_t *ttl)
{
	char *p = text + strlen("$INCLUDE");
	char *name, *org = NULL, *path = NULL, *slash;
	ldns_rdf *norigin = NULL;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '"') {
		name = ++p;
		p = strchr(p, '"');
		if (p == NULL) {
			fail(l, file, line, "$INCLUDE", "unterminated file name");
			return;
		}
		*p++ = '\0';
	} else {
		name = p;
		p += strcspn(p, " \t;\r\n");
		if (*p != '\0' && *p != ';')
			*p++ = '\0';
		else
			*p = '\0';
	}
	if (*name == '\0') {
		fail(l, file, line, "$INCLUDE", "missing file name");
		return;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0' && *p != ';' && *p != '\r' && *p != '\n') {
		org = p;
		p += strcspn(p, " \t;\r\n");
		*p = '\0';
	}

	if (org != NULL) {
		if (ldns_str2rdf_dname(&norigin, org) != LDNS_STATUS_OK) {
			fail(l, file, line, "$INCLUDE", "bad origin %s", org);
			return;
		}
		if (!ldns_dname_str_absolute(org) && origin != NULL &&
		    ldns_dname_cat(norigin, origin) != LDNS_STATUS_OK) {
			ldns_rdf_deep_free(norigin);
			fail(l, file, line, "$INCLUDE", "bad origin %s", org);
			return;
		}
	}

	/* Relative paths are taken from the including file's directory. */
	slash = strrchr(file, '/');
	if (name[0] != '/' && slash != NULL) {
		int dirlen = (int)(slash - file);

		if (asprintf(&path, "%.*s/%s", dirlen, file, name) < 0)
			path = NULL;
	} else {
		path = strdup(name);
	}
	if (path == NULL) {
		ldns_rdf_deep_free(norigin);
		fail(l, file, line, "$INCLUDE", "out of memory");
		return;
	}
	/* The included file starts with the includer's $TTL; its own $TTL stays inside. */
	uint32_t ittl = *ttl;

	load_file(l, path, norigin ? norigin : origin, &ittl, file, line);
	free(path);
	ldns_rdf_deep_free(norigin);
}

/* Peeks at the entry starting at the current position. Blank lines, comments and the
 * directives ldns does not handle are consumed here (returns 1); ldns reads the rest (returns
 * 0); -1 at end of file. Blank lines and comments never reach ldns, which cannot tell one that
 * ends the file without a newline from a syntax error. */
static int directive(struct loader *l, FILE *fp, const char *file, int *line_nr,
		     const ldns_rdf *origin, uint32_t *ttl)
{
	long pos = ftell(fp);
	char *text = NULL, *p;
	size_t cap = 0;
	ssize_t n;
	int c;

	do
		c = getc(fp);
	while (c == ' ' || c == '\t' || c == '\r');
	if (c == EOF)
		return -1;
	if (c == '\n') {
		(*line_nr)++;
		return 1;
	}
	if (c == ';') {
		do
			c = getc(fp);
		while (c != '\n' && c != EOF);
		if (c == '\n')
			(*line_nr)++;
		return 1;
	}
	if (pos == -1 || fseek(fp, pos, SEEK_SET) == -1) {
		fail(l, file, (unsigned)*line_nr + 1, "file", "cannot seek: %s", strerror(errno));
		return -1;
	}
	if (c != '$')
		return 0;
	n = getline(&text, &cap, fp);
	if (n < 0) {
		free(text);
		return -1;
	}
	p = text + strspn(text, " \t");
	if (strncmp(p, "$ORIGIN", 7) == 0 || strncmp(p, "$TTL", 4) == 0) {
		free(text);
		if (fseek(fp, pos, SEEK_SET) == -1) {
			fail(l, file, (unsigned)*line_nr + 1, "file", "cannot seek: %s",
			     strerror(errno));
			return -1;
		}
		return 0;
	}
	(*line_nr)++;
	if (strncmp(p, "$INCLUDE", 8) == 0 && (p[8] == ' ' || p[8] == '\t')) {
		do_include(l, p, file, (unsigned)*line_nr, origin, ttl);
	} else {
		p[strcspn(p, " \t\r\n")] = '\0';
		fail(l, file, (unsigned)*line_nr, p, "unknown directive");
	}
	free(text);
	return 1;
}

/* Reads one file into l->recs. origin_in is the origin at its start; from_file:from_line is
 * the $INCLUDE that names it (NULL for the zone's own file). */
static void load_file(struct loader *l, const char *path, const ldns_rdf *origin_in, uint32_t *ttl,
		      const char *from_file, unsigned from_line)
{
	ldns_rdf *origin = NULL, *prev = NULL;
	const char *where = from_file ? from_file : path;
	char *real = NULL;
	uint32_t fileno;
	FILE *fp;
	int line_nr = 0, i;

	fp = fopen(path, "r");
	if (fp == NULL) {
		int e = errno;

		if (from_file != NULL)
			fail(l, from_file, from_line, "$INCLUDE", "cannot open %s: %s", path,
			     strerror(e));
		else
			fail(l, path, 0, "file", "cannot open: %s", strerror(e));
		return;
	}
	real = realpath(path, NULL);
	if (real == NULL) {
		fail(l, where, from_line, "file", "%s: %s", path, strerror(errno));
		goto out;
	}
	for (i = 0; i < l->depth; i++) {
		if (strcmp(l->stack[i], real) == 0) {
			fail(l, where, from_line, "$INCLUDE", "include loop: %s", path);
			goto out;
		}
	}
	if (l->depth == INCLUDE_MAX_DEPTH) {
		fail(l, where, from_line, "$INCLUDE", "nested deeper than %d files: %s",
		     INCLUDE_MAX_DEPTH, path);
		goto out;
	}
	/* ldns frees and replaces the origin on $ORIGIN: work on a copy. */
	origin = ldns_rdf_clone(origin_in);
	if (origin == NULL || add_file(l, path) != 0) {
		fail(l, where, from_line, "file", "out of memory");
		goto out;
	}
	fileno = (uint32_t)(l->nfiles - 1);
	l->stack[l->depth++] = real;

	while (!l->failed) {
		ldns_rr *rr = NULL;
		ldns_status s;
		unsigned start;
		int d = directive(l, fp, path, &line_nr, origin, ttl);

		if (d < 0)
			break;
		if (d > 0)
			continue;
		start = (unsigned)line_nr + 1;
		s = ldns_rr_new_frm_fp_l(&rr, fp, ttl, &origin, &prev, &line_nr);
		switch (s) {
		case LDNS_STATUS_OK:
			add_rr(l, rr, fileno, start);
			ldns_rr_free(rr);
			break;
		case LDNS_STATUS_SYNTAX_EMPTY:
		case LDNS_STATUS_SYNTAX_TTL:
		case LDNS_STATUS_SYNTAX_ORIGIN:
			break;
		default:
			fail(l, path, start, "syntax", "%s", ldns_get_errorstr_by_id(s));
			break;
		}
	}
	l->depth--;
	if (ferror(fp))
		fail(l, path, (unsigned)line_nr, "file", "read error");
out:
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	free(real);
	fclose(fp);
}

/* Any total order on wire names; equal means identical. */
static int name_cmp(const uint8_t *a, const uint8_t *b)
{
	size_t la = dname_len(a), lb = dname_len(b);
	int c = memcmp(a, b, la < lb ? la : lb);

	if (c != 0)
		return c;
	return (la > lb) - (la < lb);
}

static int name_ptr_cmp(const void *a, const void *b)
{
	return name_cmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b);
}

/* Owner, type, rdata, then reading order: duplicates end up adjacent, earliest first. */
static int rec_cmp(const void *va, const void *vb)
{
	const struct rec *a = va, *b = vb;
	int c = name_cmp(a->owner, b->owner);

	if (c != 0)
		return c;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->rdlen != b->rdlen)
		return a->rdlen < b->rdlen ? -1 : 1;
	c = memcmp(a->rdata, b->rdata, a->rdlen);
	if (c != 0)
		return c;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static bool same_rr(const struct rec *a, const struct rec *b)
{
	return a->type == b->type && a->rdlen == b->rdlen &&
	       memcmp(a->rdata, b->rdata, a->rdlen) == 0 && name_cmp(a->owner, b->owner) == 0;
}

/* Drops exact duplicates, keeping the earliest and the smallest TTL. */
static void dedup(struct loader *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->nrecs; i++) {
		struct rec *r = &l->recs[i];

		if (n > 0 && same_rr(&l->recs[n - 1], r)) {
			if (r->ttl < l->recs[n - 1].ttl)
				l->recs[n - 1].ttl = r->ttl;
			free(r->owner);
			free(r->rdata);
			continue;
		}
		l->recs[n++] = *r;
	}
	l->nrecs = n;
}

/* Builds one node's RRsets from recs[first..end), all with the node's owner. */
static int build_rrsets(struct zone_node *n, const struct rec *recs, size_t first, size_t end)
{
	size_t i, j, k = 0, ntypes = 0;

	for (i = first; i < end; i++)
		if (i == first || recs[i].type != recs[i - 1].type)
			ntypes++;
	if (ntypes == 0)
		return 0;
	n->rrsets = calloc(ntypes, sizeof(*n->rrsets));
	if (n->rrsets == NULL)
		return -ENOMEM;
	n->nrrsets = (uint16_t)ntypes;
	for (i = first; i < end; i = j) {
		struct rrset *rs = &n->rrsets[k++];
		size_t len = 0, off = 0;

		rs->type = recs[i].type;
		rs->ttl = recs[i].ttl;
		for (j = i; j < end && recs[j].type == rs->type; j++) {
			len += 2 + (size_t)recs[j].rdlen;
			if (recs[j].ttl < rs->ttl)
				rs->ttl = recs[j].ttl;
		}
		if (j - i > UINT16_MAX || len > UINT32_MAX)
			return -E2BIG;
		rs->count = (uint16_t)(j - i);
		rs->rdata_len = (uint32_t)len;
		rs->rdata = malloc(len);
		if (rs->rdata == NULL)
			return -ENOMEM;
		for (size_t m = i; m < j; m++) {
			rs->rdata[off] = (uint8_t)(recs[m].rdlen >> 8);
			rs->rdata[off + 1] = (uint8_t)recs[m].rdlen;
			memcpy(rs->rdata + off + 2, recs[m].rdata, recs[m].rdlen);
			off += 2 + (size_t)recs[m].rdlen;
		}
	}
	return 0;
}

static int build_hash(struct zone *z)
{
	size_t i, mask;

	z->nslots = 4;
	while (z->nslots < 2 * z->nnodes)
		z->nslots *= 2;
	z->slots = calloc(z->nslots, sizeof(*z->slots));
	if (z->slots == NULL)
		return -ENOMEM;
	mask = z->nslots - 1;
	for (i = 0; i < z->nnodes; i++) {
		size_t h = dname_hash(z->nodes[i].name) & mask;

		while (z->slots[h] != 0)
			h = (h + 1) & mask;
		z->slots[h] = (uint32_t)(i + 1);
	}
	return 0;
}

/* The zone cut at or above name (below the apex), or NULL. */
static const struct zone_node *cut_above(const struct zone *z, const uint8_t *name)
{
	for (; name != NULL && !dname_equal(name, z->apex); name = dname_parent(name)) {
		const struct zone_node *n = zone_find(z, name);

		if (n != NULL && (n->flags & NODE_DELEGATION))
			return n;
	}
	return NULL;
}

static void set_flags(struct zone *z)
{
	size_t i;

	for (i = 0; i < z->nnodes; i++) {
		struct zone_node *n = &z->nodes[i];

		if (n == z->apex_node)
			n->flags |= NODE_APEX;
		else if (node_rrset(n, TYPE_NS) != NULL)
			n->flags |= NODE_DELEGATION;
		if (n->nrrsets == 0)
			n->flags |= NODE_ENT;
		if (n->flags & NODE_DELEGATION)
			z->has_delegations = true;
	}
	for (i = 0; i < z->nnodes; i++) {
		struct zone_node *n = &z->nodes[i];
		const uint8_t *parent = dname_parent(n->name);

		if (n != z->apex_node && dname_is_wildcard(n->name))
			((struct zone_node *)zone_find(z, parent))->flags |= NODE_HAS_WILDCARD;
		if (z->has_delegations && n != z->apex_node && cut_above(z, parent) != NULL)
			n->flags |= NODE_GLUE;
	}
}

static bool glue_type(uint16_t type)
{
	return type == TYPE_A || type == TYPE_AAAA;
}

/* Checks that need the whole zone; recs[first[i]..first[i+1]) belong to node i. */
static void check_zone(struct loader *l, struct zone *z, const size_t *first)
{
	char field[DNAME_MAXLEN * 4 + 32], name[DNAME_MAXLEN * 4 + 2];
	size_t i, r;

	if (node_rrset(z->apex_node, TYPE_SOA) == NULL) {
		/* A missing record has no line. */
		fail(l, l->files[0], 0, "SOA", "no SOA at the apex %s", l->apex_str);
		return;
	}
	if (node_rrset(z->apex_node, TYPE_NS) == NULL) {
		size_t a = (size_t)(z->apex_node - z->nodes);
		const struct rec *soa = NULL;

		for (r = first[a]; r < first[a + 1]; r++)
			if (l->recs[r].type == TYPE_SOA)
				soa = &l->recs[r];
		fail(l, l->files[soa->file], soa->line,
		     field_str(z->apex, TYPE_NS, field, sizeof(field)), "no NS at the apex");
		return;
	}

	for (i = 0; i < z->nnodes; i++) {
		const struct zone_node *n = &z->nodes[i];
		const struct rec *cname = NULL, *cname2 = NULL, *other = NULL;

		for (r = first[i]; r < first[i + 1]; r++) {
			const struct rec *rec = &l->recs[r];

			if (rec->type == TYPE_CNAME) {
				if (cname == NULL || rec->seq < cname->seq) {
					cname2 = cname;
					cname = rec;
				} else if (cname2 == NULL || rec->seq < cname2->seq) {
					cname2 = rec;
				}
			} else if (rec->type != TYPE_RRSIG && rec->type != TYPE_NSEC) {
				other = rec;
			}
		}
		if (cname != NULL && other != NULL)
			fail_rec(l, cname, "CNAME and other data at the same name");
		if (cname2 != NULL)
			fail_rec(l, cname2, "more than one CNAME at the same name");

		if (n->flags & (NODE_GLUE | NODE_DELEGATION)) {
			/* Below a cut only glue; at a cut also what the parent holds. */
			bool below = n->flags & NODE_GLUE;
			const struct zone_node *cut =
			    below ? cut_above(z, dname_parent(n->name)) : n;

			if (dname_to_str(cut->name, name, sizeof(name)) != 0)
				name[0] = '\0';
			for (r = first[i]; r < first[i + 1]; r++) {
				uint16_t t = l->recs[r].type;
				bool ok =
				    glue_type(t) || (!below && (t == TYPE_NS || t == TYPE_DS ||
								t == TYPE_RRSIG || t == TYPE_NSEC));

				if (!ok)
					fail_rec(l, &l->recs[r], "occluded by the zone cut at %s",
						 name);
			}
		}

		/* In-zone NS targets below a cut are only reachable through glue. */
		for (r = first[i]; r < first[i + 1]; r++) {
			const struct rec *rec = &l->recs[r];
			uint8_t target[DNAME_MAXLEN];
			const struct zone_node *t;

			if (rec->type != TYPE_NS || dname_len(rec->rdata) != rec->rdlen)
				continue;
			dname_copy_lower(target, rec->rdata);
			if (!dname_is_sub(target, z->apex) || cut_above(z, target) == NULL)
				continue;
			t = zone_find(z, target);
			if (t != NULL && (node_rrset(t, TYPE_A) || node_rrset(t, TYPE_AAAA)))
				continue;
			if (dname_to_str(target, name, sizeof(name)) != 0)
				name[0] = '\0';
			fail_rec(l, rec, "missing glue for %s", name);
		}
	}
}

/* Compiles l->recs (sorted, deduplicated) into z. */
static int compile(struct loader *l, struct zone *z)
{
	const uint8_t **names = NULL;
	size_t *first = NULL;
	size_t i, j, nnames = 0, cap = 0;
	int ret = -ENOMEM;

	/* Every owner, every name between it and the apex, and the apex itself. */
	for (i = 0; i <= l->nrecs; i++) {
		const uint8_t *name = i < l->nrecs ? l->recs[i].owner : l->apex;

		if (i > 0 && i < l->nrecs && name_cmp(name, l->recs[i - 1].owner) == 0)
			continue;
		for (;;) {
			if (nnames == cap) {
				const uint8_t **nn;

				cap = cap ? 2 * cap : 64;
				nn = realloc(names, cap * sizeof(*nn));
				if (nn == NULL)
					goto out;
				names = nn;
			}
			names[nnames++] = name;
			if (dname_equal(name, l->apex))
				break;
			name = dname_parent(name);
		}
	}
	qsort(names, nnames, sizeof(*names), name_ptr_cmp);
	for (i = 0, j = 0; i < nnames; i++)
		if (j == 0 || name_cmp(names[i], names[j - 1]) != 0)
			names[j++] = names[i];
	nnames = j;

	z->nodes = calloc(nnames, sizeof(*z->nodes));
	first = calloc(nnames + 1, sizeof(*first));
	if (z->nodes == NULL || first == NULL)
		goto out;
	z->nnodes = nnames;
	/* names and recs share the order: one merge assigns records to nodes. */
	for (i = 0, j = 0; i < nnames; i++) {
		struct zone_node *n = &z->nodes[i];
		size_t len = dname_len(names[i]);

		n->name = malloc(len);
		if (n->name == NULL)
			goto out;
		memcpy(n->name, names[i], len);
		first[i] = j;
		while (j < l->nrecs && name_cmp(l->recs[j].owner, names[i]) == 0)
			j++;
		ret = build_rrsets(n, l->recs, first[i], j);
		if (ret != 0)
			goto out;
		ret = -ENOMEM;
	}
	first[nnames] = j;
	if (build_hash(z) != 0)
		goto out;
	z->apex_node = (struct zone_node *)zone_find(z, z->apex);
	set_flags(z);
	check_zone(l, z, first);
	if (!l->failed) {
		const struct rrset *soa = node_rrset(z->apex_node, TYPE_SOA);
		const uint8_t *min = soa->rdata + soa->rdata_len - 4;
		uint32_t minimum = (uint32_t)min[0] << 24 | (uint32_t)min[1] << 16 |
				   (uint32_t)min[2] << 8 | min[3];

		z->soa = soa;
		z->neg_ttl = soa->ttl < minimum ? soa->ttl : minimum;
	}
	ret = 0;
out:
	free(names);
	free(first);
	return ret;
}

struct zone *zone_load(const char *origin, const char *file, char *err, size_t errlen)
{
	struct loader l = {.err = err, .errlen = errlen};
	ldns_rdf *lorigin = NULL;
	struct zone *z = NULL;
	uint32_t ttl = DEFAULT_TTL;
	size_t i;

	if (errlen > 0)
		err[0] = '\0';
	if (dname_from_str(origin, l.apex) < 0 ||
	    dname_to_str(l.apex, l.apex_str, sizeof(l.apex_str)) != 0) {
		fail(&l, file, 0, "origin", "bad zone name %s", origin);
		goto out;
	}
	lorigin = ldns_dname_new_frm_str(l.apex_str);
	l.buf = ldns_buffer_new(1024);
	z = calloc(1, sizeof(*z));
	if (lorigin == NULL || l.buf == NULL || z == NULL) {
		fail(&l, file, 0, "file", "out of memory");
		goto out;
	}
	load_file(&l, file, lorigin, &ttl, NULL, 0);
	if (l.failed)
		goto out;
	if (l.nrecs > 0) /* an empty file: recs is NULL, which qsort must not get */
		qsort(l.recs, l.nrecs, sizeof(*l.recs), rec_cmp);
	dedup(&l);

	z->apex = malloc(dname_len(l.apex));
	z->name = strdup(l.apex_str);
	z->file = strdup(file);
	if (z->apex == NULL || z->name == NULL || z->file == NULL) {
		fail(&l, file, 0, "file", "out of memory");
		goto out;
	}
	memcpy(z->apex, l.apex, dname_len(l.apex));
	if (compile(&l, z) != 0)
		fail(&l, file, 0, "file", "out of memory");
	/* the files read, for a reload to tell whether it may carry the zone */
	z->sources = l.files;
	z->nsources = l.nfiles;
	l.files = NULL;
	l.nfiles = 0;
out:
	for (i = 0; i < l.nrecs; i++) {
		free(l.recs[i].owner);
		free(l.recs[i].rdata);
	}
	free(l.recs);
	for (i = 0; i < l.nfiles; i++)
		free(l.files[i]);
	free(l.files);
	ldns_buffer_free(l.buf);
	ldns_rdf_deep_free(lorigin);
	if (l.failed) {
		zone_free(z);
		return NULL;
	}
	return z;
}
