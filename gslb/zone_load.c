/* SPDX-License-Identifier: Apache-2.0 */
/* zone_load.c — master file parsing (libzscanner), checks and compilation into a zone
 *
 * Knot's zone scanner turns each entry into wire form (owner, type, TTL, rdata) and
 * handles $ORIGIN, $TTL and both TTL/class orders; $INCLUDE comes back to us, so that
 * loops, depth and messages stay ours. Records go straight into the zone's arena as
 * "u16 rdlength + rdata", owners into a node table hashed while reading (each owner's
 * ancestors become nodes too, as empty non-terminals). Compiling is then linear: group
 * records by node, sort each node's few records, and point single-record RRsets (most
 * of them) at the record's bytes. ldns only names RR types in messages.
 */
#include "config.h"

#include "zone.h"

#include "arena.h"
#include "dname.h"

#include <ldns/ldns.h>
#include <libzscanner/scanner.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* $INCLUDE nesting limit, the top file counted: deep enough for any sane layout. */
#define INCLUDE_MAX_DEPTH 10
/* Used when a record has no TTL and no $TTL came before it (NSD's and ldns's default). */
#define DEFAULT_TTL 3600
#define CLASS_IN 1
/* A node's records are sorted by insertion below this many, by qsort above. */
#define SMALL_SORT 16

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
	uint8_t *wire; /* u16 big-endian rdlength + rdata, in the zone's arena */
	uint32_t node; /* the owner: index into zone.nodes */
	uint32_t ttl;
	uint32_t file; /* index into loader.files */
	uint32_t line;
	uint32_t seq; /* position in reading order */
	uint16_t type;
	uint16_t rdlen;
};

struct loader {
	struct zone *z; /* being built: nodes, their hash (slots) and the arena */
	size_t capnodes;
	uint8_t apex[DNAME_MAXLEN];
	char apex_str[DNAME_MAXLEN * 4 + 2];
	struct rec *recs;
	size_t nrecs, caprecs;
	uint8_t last_owner[DNAME_MAXLEN]; /* consecutive records mostly share an owner */
	uint32_t last_node;
	bool has_last;
	char **files; /* every file read, for messages */
	size_t nfiles;
	char *stack[INCLUDE_MAX_DEPTH]; /* realpath of the open files, for loops */
	int depth;
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
	fail(l, l->files[r->file], r->line,
	     field_str(l->z->nodes[r->node].name, r->type, field, sizeof(field)), "%s", msg);
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

/* Puts the nodes of a table of nslots into a new one twice as large. */
static int grow_hash(struct zone *z)
{
	size_t n = z->nslots * 2, mask = n - 1, i;
	uint32_t *slots = calloc(n, sizeof(*slots));

	if (slots == NULL)
		return -ENOMEM;
	for (i = 0; i < z->nnodes; i++) {
		size_t h = dname_hash(z->nodes[i].name) & mask;

		while (slots[h] != 0)
			h = (h + 1) & mask;
		slots[h] = (uint32_t)(i + 1);
	}
	free(z->slots);
	z->slots = slots;
	z->nslots = n;
	return 0;
}

/* Appends a node named name (in the arena) and hashes it; the table keeps at least twice
 * as many slots as nodes, the size zone_find expects. */
static int add_node(struct loader *l, const uint8_t *name)
{
	struct zone *z = l->z;
	size_t mask, h;

	if (z->nnodes == l->capnodes) {
		size_t cap = l->capnodes ? 2 * l->capnodes : 1024;
		struct zone_node *n = realloc(z->nodes, cap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		z->nodes = n;
		l->capnodes = cap;
	}
	if (2 * (z->nnodes + 1) > z->nslots && grow_hash(z) != 0)
		return -ENOMEM;
	memset(&z->nodes[z->nnodes], 0, sizeof(z->nodes[0]));
	z->nodes[z->nnodes].name = (uint8_t *)name;
	mask = z->nslots - 1;
	for (h = dname_hash(name) & mask; z->slots[h] != 0; h = (h + 1) & mask)
		;
	z->slots[h] = (uint32_t)(++z->nnodes);
	return 0;
}

/* The node of a lowercased name at or below the apex, made with its missing ancestors
 * (whose names are suffixes of its arena copy) if new; -ENOMEM. */
static long node_of(struct loader *l, const uint8_t *name)
{
	const struct zone_node *n = zone_find(l->z, name);
	size_t len = dname_len(name), first = l->z->nnodes;
	uint8_t *copy;
	const uint8_t *p;

	if (n != NULL)
		return (long)(n - l->z->nodes);
	copy = arena_alloc(&l->z->arena, len);
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, name, len);
	/* The apex is node 0, so the walk stops at the latest there. */
	for (p = copy; p != NULL && zone_find(l->z, p) == NULL; p = dname_parent(p))
		if (add_node(l, p) != 0)
			return -ENOMEM;
	return (long)first;
}

/* Appends the record the scanner holds; checks what a single record can break. */
static void add_rec(struct loader *l, const zs_scanner_t *s, uint32_t fileno, const char *file)
{
	unsigned line = (unsigned)s->line_counter;
	char field[DNAME_MAXLEN * 4 + 32];
	uint8_t owner[DNAME_MAXLEN];
	struct rec *r;
	uint8_t *wire;

	if (s->r_owner_length < 1 || s->r_owner_length > DNAME_MAXLEN) {
		fail(l, file, line, "owner", "bad owner name");
		return;
	}
	dname_copy_lower(owner, s->r_owner);
	if (s->r_class != CLASS_IN) {
		fail(l, file, line, field_str(owner, s->r_type, field, sizeof(field)),
		     "class must be IN");
		return;
	}
	if (!l->has_last || !dname_equal(owner, l->last_owner)) {
		long node;

		if (!dname_is_sub(owner, l->apex)) {
			fail(l, file, line, field_str(owner, s->r_type, field, sizeof(field)),
			     "owner outside the zone %s", l->apex_str);
			return;
		}
		node = node_of(l, owner);
		if (node < 0)
			goto oom;
		memcpy(l->last_owner, owner, dname_len(owner));
		l->last_node = (uint32_t)node;
		l->has_last = true;
	}
	if (s->r_type == TYPE_SOA) {
		if (!dname_equal(owner, l->apex)) {
			fail(l, file, line, field_str(owner, s->r_type, field, sizeof(field)),
			     "SOA not at the apex %s", l->apex_str);
			return;
		}
		if (l->soa_seen) {
			fail(l, file, line, field_str(owner, s->r_type, field, sizeof(field)),
			     "more than one SOA");
			return;
		}
		l->soa_seen = true;
	}
	if (s->r_data_length > UINT16_MAX) {
		fail(l, file, line, field_str(owner, s->r_type, field, sizeof(field)),
		     "rdata longer than 65535 bytes");
		return;
	}

	if (l->nrecs == l->caprecs) {
		size_t cap = l->caprecs ? 2 * l->caprecs : 1024;
		struct rec *n = realloc(l->recs, cap * sizeof(*n));

		if (n == NULL)
			goto oom;
		l->recs = n;
		l->caprecs = cap;
	}
	wire = arena_alloc(&l->z->arena, 2 + (size_t)s->r_data_length);
	if (wire == NULL)
		goto oom;
	wire[0] = (uint8_t)(s->r_data_length >> 8);
	wire[1] = (uint8_t)s->r_data_length;
	memcpy(wire + 2, s->r_data, s->r_data_length);
	r = &l->recs[l->nrecs];
	r->wire = wire;
	r->node = l->last_node;
	r->ttl = s->r_ttl;
	r->file = fileno;
	r->line = line;
	r->seq = (uint32_t)l->nrecs;
	r->type = s->r_type;
	r->rdlen = (uint16_t)s->r_data_length;
	l->nrecs++;
	return;
oom:
	fail(l, file, line, field_str(owner, s->r_type, field, sizeof(field)), "out of memory");
}

/* The whole of path in a new buffer (*len bytes), each CRLF turned into LF: the scanner
 * refuses CR where NSD and BIND take DOS line ends. NULL with *err = errno on failure. */
static char *read_file(const char *path, size_t *len, int *err)
{
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, i, w;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1) {
		*err = errno;
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 1 << 16;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				*err = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			*err = errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (memchr(buf, '\r', n) != NULL) {
		for (i = 0, w = 0; i < n; i++)
			if (buf[i] != '\r' || i + 1 == n || buf[i + 1] != '\n')
				buf[w++] = buf[i];
		n = w;
	}
	*len = n;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/* An $INCLUDE file name, relative names taken from the including file's directory. */
static char *include_path(const char *from, const char *name)
{
	const char *slash = strrchr(from, '/');
	char *path;

	/* reading a string, the scanner puts "./" (its idea of the directory) before it */
	if (strncmp(name, "./", 2) == 0)
		name += 2;
	if (name[0] == '/' || slash == NULL)
		return strdup(name);
	if (asprintf(&path, "%.*s/%s", (int)(slash - from), from, name) < 0)
		return NULL;
	return path;
}

/* A scanner holds ~200 KiB of buffers (not for the stack). A fresh malloc of that size is an
 * mmap whose pages all fault in when zs_init clears them, which dominated loading a small
 * zone: each thread keeps one spare for its next file, freed when the thread ends (the
 * control thread reloads too). */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void spare_init(void)
{
	if (pthread_key_create(&spare_key, free) != 0)
		abort(); /* only when the process has no keys left: at startup, if ever */
}

static zs_scanner_t *scanner_take(void)
{
	zs_scanner_t *s;

	pthread_once(&spare_once, spare_init);
	s = pthread_getspecific(spare_key);
	if (s == NULL)
		return malloc(sizeof(*s));
	pthread_setspecific(spare_key, NULL);
	return s;
}

static void scanner_give(zs_scanner_t *s)
{
	if (s == NULL)
		return;
	pthread_once(&spare_once, spare_init);
	if (pthread_getspecific(spare_key) != NULL || pthread_setspecific(spare_key, s) != 0)
		free(s);
}

/* Reads one file into l->recs, starting with origin (presentation form) and ttl as $TTL.
 * from_file:from_line is the $INCLUDE that names it (NULL for the zone's own file). */
static void load_file(struct loader *l, const char *path, const char *origin, uint32_t ttl,
		      const char *from_file, unsigned from_line)
{
	const char *where = from_file ? from_file : path;
	zs_scanner_t *s = NULL;
	char *real = NULL, *text, *inc = NULL;
	uint32_t fileno;
	size_t len;
	int e, i;

	text = read_file(path, &len, &e);
	if (text == NULL) {
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
	s = scanner_take();
	if (s == NULL || add_file(l, path) != 0) {
		fail(l, where, from_line, "file", "out of memory");
		goto out;
	}
	if (zs_init(s, origin, CLASS_IN, ttl) != 0) {
		fail(l, where, from_line, "$INCLUDE", "bad origin %s: %s", origin,
		     zs_strerror(s->error.code));
		goto out_scanner;
	}
	if (zs_set_input_string(s, text, len) != 0) {
		fail(l, where, from_line, "file", "cannot read %s: %s", path,
		     zs_strerror(s->error.code));
		goto out_scanner;
	}
	fileno = (uint32_t)(l->nfiles - 1);
	l->stack[l->depth++] = real;
	while (!l->failed) {
		unsigned line;

		if (zs_parse_record(s) != 0) {
			fail(l, path, (unsigned)s->line_counter, "syntax", "%s",
			     zs_strerror(s->error.code));
			break;
		}
		line = (unsigned)s->line_counter;
		if (s->state == ZS_STATE_DATA) {
			add_rec(l, s, fileno, path);
		} else if (s->state == ZS_STATE_INCLUDE) {
			/* The origin comes in presentation form; $TTL carries over. */
			inc = include_path(path, s->include_filename);
			if (inc == NULL) {
				fail(l, path, line, "$INCLUDE", "out of memory");
				break;
			}
			load_file(l, inc, (const char *)s->buffer, s->default_ttl, path, line);
			free(inc);
		} else if (s->state == ZS_STATE_ERROR) {
			fail(l, path, line, "syntax", "%s", zs_strerror(s->error.code));
		} else {
			break; /* end of file */
		}
	}
	l->depth--;
out_scanner:
	zs_deinit(s);
out:
	scanner_give(s);
	free(real);
	free(text);
}

/* Within a node: type, rdata, then reading order: duplicates end up adjacent, earliest
 * first. */
static int rec_cmp(const void *va, const void *vb)
{
	const struct rec *a = va, *b = vb;
	int c;

	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->rdlen != b->rdlen)
		return a->rdlen < b->rdlen ? -1 : 1;
	c = memcmp(a->wire + 2, b->wire + 2, a->rdlen);
	if (c != 0)
		return c;
	return (a->seq > b->seq) - (a->seq < b->seq);
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

			if (rec->type != TYPE_NS || dname_len(rec->wire + 2) != rec->rdlen)
				continue;
			dname_copy_lower(target, rec->wire + 2);
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

/* Sorts a node's records with rec_cmp: most nodes hold a handful. */
static void sort_node(struct rec *r, size_t n)
{
	size_t i, j;

	if (n > SMALL_SORT) {
		qsort(r, n, sizeof(*r), rec_cmp);
		return;
	}
	for (i = 1; i < n; i++) {
		struct rec t = r[i];

		for (j = i; j > 0 && rec_cmp(&r[j - 1], &t) > 0; j--)
			r[j] = r[j - 1];
		r[j] = t;
	}
}

static bool same_rr(const struct rec *a, const struct rec *b)
{
	return a->type == b->type && a->rdlen == b->rdlen &&
	       memcmp(a->wire + 2, b->wire + 2, a->rdlen) == 0;
}

/* Orders l->recs by node (a stable counting sort, skipped when the file already grouped
 * its owners), sorts each node's records and drops exact duplicates, keeping the earliest
 * and the smallest TTL. Fills first[0..nnodes]: node i's records are
 * recs[first[i]..first[i+1]). */
static int group(struct loader *l, size_t *first)
{
	size_t nnodes = l->z->nnodes, i, w = 0;
	bool grouped = true;

	for (i = 0; i < l->nrecs; i++) {
		first[l->recs[i].node + 1]++;
		if (i > 0 && l->recs[i].node < l->recs[i - 1].node)
			grouped = false;
	}
	for (i = 0; i < nnodes; i++)
		first[i + 1] += first[i];
	if (!grouped) {
		struct rec *sorted = malloc(l->nrecs * sizeof(*sorted));
		size_t *next = malloc(nnodes * sizeof(*next));

		if (sorted == NULL || next == NULL) {
			free(sorted);
			free(next);
			return -ENOMEM;
		}
		memcpy(next, first, nnodes * sizeof(*next));
		for (i = 0; i < l->nrecs; i++)
			sorted[next[l->recs[i].node]++] = l->recs[i];
		free(next);
		free(l->recs);
		l->recs = sorted;
		l->caprecs = l->nrecs;
	}
	for (i = 0; i < nnodes; i++) {
		size_t r, start = first[i], end = first[i + 1];

		sort_node(l->recs + start, end - start);
		first[i] = w;
		for (r = start; r < end; r++) {
			struct rec *rec = &l->recs[r];

			if (w > first[i] && same_rr(&l->recs[w - 1], rec)) {
				if (rec->ttl < l->recs[w - 1].ttl)
					l->recs[w - 1].ttl = rec->ttl;
				continue;
			}
			l->recs[w++] = *rec;
		}
	}
	first[nnodes] = w;
	l->nrecs = w;
	return 0;
}

/* Builds every node's RRsets from its records; a single record's bytes are its RRset's. */
static int build_rrsets(struct loader *l, const size_t *first)
{
	struct zone *z = l->z;
	size_t i, j, k = 0, total = 0;

	for (i = 0; i < l->nrecs; i++)
		if (i == 0 || l->recs[i].node != l->recs[i - 1].node ||
		    l->recs[i].type != l->recs[i - 1].type)
			total++;
	z->rrset_store = calloc(total ? total : 1, sizeof(*z->rrset_store));
	if (z->rrset_store == NULL)
		return -ENOMEM;
	for (size_t n = 0; n < z->nnodes; n++) {
		struct zone_node *node = &z->nodes[n];
		const struct rec *recs = l->recs;

		node->rrsets = &z->rrset_store[k];
		for (i = first[n]; i < first[n + 1]; i = j) {
			struct rrset *rs = &z->rrset_store[k++];
			size_t len = 0, off = 0;

			rs->type = recs[i].type;
			rs->ttl = recs[i].ttl;
			for (j = i; j < first[n + 1] && recs[j].type == rs->type; j++) {
				len += 2 + (size_t)recs[j].rdlen;
				if (recs[j].ttl < rs->ttl)
					rs->ttl = recs[j].ttl;
			}
			if (j - i > UINT16_MAX || len > UINT32_MAX)
				return -E2BIG;
			rs->count = (uint16_t)(j - i);
			rs->rdata_len = (uint32_t)len;
			if (j - i == 1) {
				rs->rdata = recs[i].wire;
				continue;
			}
			rs->rdata = arena_alloc(&z->arena, len);
			if (rs->rdata == NULL)
				return -ENOMEM;
			for (size_t m = i; m < j; m++) {
				memcpy(rs->rdata + off, recs[m].wire, 2 + (size_t)recs[m].rdlen);
				off += 2 + (size_t)recs[m].rdlen;
			}
		}
		node->nrrsets = (uint16_t)(&z->rrset_store[k] - node->rrsets);
	}
	return 0;
}

/* Compiles l->recs into l->z, whose nodes and hash reading built. */
static int compile(struct loader *l)
{
	struct zone *z = l->z;
	size_t *first = calloc(z->nnodes + 1, sizeof(*first));
	int ret = -ENOMEM;

	if (first == NULL)
		goto out;
	ret = group(l, first);
	if (ret == 0)
		ret = build_rrsets(l, first);
	if (ret != 0)
		goto out;
	z->apex_node = &z->nodes[0];
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
out:
	free(first);
	return ret;
}

struct zone *zone_load(const char *origin, const char *file, char *err, size_t errlen)
{
	struct loader l = {.err = err, .errlen = errlen};
	struct zone *z = NULL;
	size_t i;

	if (errlen > 0)
		err[0] = '\0';
	if (dname_from_str(origin, l.apex) < 0 ||
	    dname_to_str(l.apex, l.apex_str, sizeof(l.apex_str)) != 0) {
		fail(&l, file, 0, "origin", "bad zone name %s", origin);
		goto out;
	}
	z = calloc(1, sizeof(*z));
	if (z == NULL) {
		fail(&l, file, 0, "file", "out of memory");
		goto out;
	}
	l.z = z;
	z->nslots = 4;
	z->slots = calloc(z->nslots, sizeof(*z->slots));
	z->apex = arena_alloc(&z->arena, dname_len(l.apex));
	z->name = strdup(l.apex_str);
	z->file = strdup(file);
	if (z->apex != NULL)
		memcpy(z->apex, l.apex, dname_len(l.apex));
	/* The apex is node 0. */
	if (z->slots == NULL || z->apex == NULL || z->name == NULL || z->file == NULL ||
	    add_node(&l, z->apex) != 0) {
		fail(&l, file, 0, "file", "out of memory");
		goto out;
	}
	load_file(&l, file, l.apex_str, DEFAULT_TTL, NULL, 0);
	if (l.failed)
		goto out;
	if (compile(&l) != 0)
		fail(&l, file, 0, "file", "out of memory");
	/* the files read, for a reload to tell whether it may carry the zone */
	z->sources = l.files;
	z->nsources = l.nfiles;
	l.files = NULL;
	l.nfiles = 0;
out:
	free(l.recs);
	for (i = 0; i < l.nfiles; i++)
		free(l.files[i]);
	free(l.files);
	if (l.failed) {
		zone_free(z);
		return NULL;
	}
	return z;
}
