/* SPDX-License-Identifier: Apache-2.0 */
/* geo.c — GeoIP lookups through libmaxminddb, with a per-thread cache */
#include "config.h"

#include "geo.h"

#include "log.h"

#include <maxminddb.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum geo_schema {
	GEO_SCHEMA_GEOIP2 = 0,
	GEO_SCHEMA_FLAT,
};

/* One mmdb file. */
struct geo_file {
	MMDB_s mmdb;
	bool open;
	bool has_continent; /* flat: the records carry continent_code */
};

struct geo_db {
	struct geo_file f[2]; /* [0] IPv4 (or both), [1] IPv6 if a second file was given */
	enum geo_schema schema;
	uint64_t gen;
};

/* Paths into a record, per schema: latitude, longitude, country, continent. */
static const char *const g_lat[] = {"location", "latitude", NULL};
static const char *const g_lon[] = {"location", "longitude", NULL};
static const char *const g_cc[] = {"country", "iso_code", NULL};
static const char *const g_cont[] = {"continent", "code", NULL};
static const char *const f_lat[] = {"latitude", NULL};
static const char *const f_lon[] = {"longitude", NULL};
static const char *const f_cc[] = {"country_code", NULL};
static const char *const f_cont[] = {"continent_code", NULL};

static const char *const *const schema_paths[][4] = {
    [GEO_SCHEMA_GEOIP2] = {g_lat, g_lon, g_cc, g_cont},
    [GEO_SCHEMA_FLAT] = {f_lat, f_lon, f_cc, f_cont},
};

static const char *const schema_names[] = {
    [GEO_SCHEMA_GEOIP2] = "geoip2",
    [GEO_SCHEMA_FLAT] = "flat",
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Number of tree nodes probe_first_record visits at most: a sane tree has
 * data within a few hundred nodes of the root's leftmost path. */
#define PROBE_MAX_NODES 65536

/* Finds the first data record in tree order (depth first, left first). */
static int probe_first_record(MMDB_s *mm, MMDB_entry_s *entry)
{
	uint32_t stack[2 * 130];
	int sp = 0, visited = 0;

	stack[sp++] = 0;
	while (sp > 0 && visited++ < PROBE_MAX_NODES) {
		MMDB_search_node_s node;
		uint32_t n = stack[--sp];

		if (MMDB_read_node(mm, n, &node) != MMDB_SUCCESS)
			return -EINVAL;
		/* Left first: push right, then left. */
		const uint8_t types[2] = {node.left_record_type, node.right_record_type};
		const uint64_t recs[2] = {node.left_record, node.right_record};
		const MMDB_entry_s ents[2] = {node.left_record_entry, node.right_record_entry};

		for (int side = 0; side < 2; side++) {
			if (types[side] == MMDB_RECORD_TYPE_DATA) {
				*entry = ents[side];
				return 0;
			}
			if (types[side] == MMDB_RECORD_TYPE_INVALID)
				return -EINVAL;
		}
		for (int side = 1; side >= 0; side--) {
			if (types[side] == MMDB_RECORD_TYPE_SEARCH_NODE) {
				if (sp >= (int)(sizeof(stack) / sizeof(stack[0])))
					return -EINVAL;
				stack[sp++] = (uint32_t)recs[side];
			}
		}
	}
	return -ENOENT;
}

static bool is_num(const MMDB_entry_data_s *d)
{
	return d->has_data && (d->type == MMDB_DATA_TYPE_DOUBLE || d->type == MMDB_DATA_TYPE_FLOAT);
}

static bool is_str(const MMDB_entry_data_s *d)
{
	return d->has_data && d->type == MMDB_DATA_TYPE_UTF8_STRING;
}

/* Which of a schema's fields a record has: bit 0 lat, 1 lon, 2 country, 3
 * continent; -1 if one of them has the wrong type. */
static int record_fields(MMDB_entry_s *entry, enum geo_schema s)
{
	int bits = 0;

	for (int i = 0; i < 4; i++) {
		MMDB_entry_data_s d;

		if (MMDB_aget_value(entry, &d, schema_paths[s][i]) != MMDB_SUCCESS || !d.has_data)
			continue;
		if (i < 2 ? !is_num(&d) : !is_str(&d))
			return -1;
		bits |= 1 << i;
	}
	return bits;
}

static atomic_uint_fast64_t geo_gen_counter;

/* Opens one file into gf and checks its first record against schema s. */
static int open_file(struct geo_file *gf, const char *path, enum geo_schema s, char *err,
		     size_t errlen)
{
	MMDB_entry_s entry;
	int st, fields, other;

	errno = 0;
	st = MMDB_open(path, MMDB_MODE_MMAP, &gf->mmdb);
	if (st != MMDB_SUCCESS) {
		int e = errno;

		if ((st == MMDB_FILE_OPEN_ERROR || st == MMDB_IO_ERROR) && e)
			seterr(err, errlen, "%s: cannot open GeoIP database: %s", path,
			       strerror(e));
		else
			seterr(err, errlen, "%s: not a MaxMind DB file: %s", path,
			       MMDB_strerror(st));
		return -EINVAL;
	}
	gf->open = true;
	if (probe_first_record(&gf->mmdb, &entry) != 0) {
		seterr(err, errlen, "%s: GeoIP database has no records (database_type '%s')", path,
		       gf->mmdb.metadata.database_type);
		return -EINVAL;
	}
	fields = record_fields(&entry, s);
	other = record_fields(&entry, s == GEO_SCHEMA_GEOIP2 ? GEO_SCHEMA_FLAT : GEO_SCHEMA_GEOIP2);
	/* Real databases have records without a location (country only), so a
	 * record needs the country or both coordinates, with the right types. */
	if (fields < 0 || !((fields & 3) == 3 || (fields & 4))) {
		seterr(err, errlen,
		       "%s: records do not follow schema \"%s\" (database_type '%s')%s%s%s", path,
		       schema_names[s], gf->mmdb.metadata.database_type,
		       other > 0 ? "; try schema \"" : "",
		       other > 0 ? schema_names[s == GEO_SCHEMA_GEOIP2] : "",
		       other > 0 ? "\"" : "");
		return -EINVAL;
	}
	gf->has_continent = fields & 8;
	return 0;
}

struct geo_db *geo_open2(const char *path, const char *path6, const char *schema, char *err,
			 size_t errlen)
{
	struct geo_db *db;
	enum geo_schema s;

	if (schema && !strcmp(schema, "geoip2")) {
		s = GEO_SCHEMA_GEOIP2;
	} else if (schema && !strcmp(schema, "flat")) {
		s = GEO_SCHEMA_FLAT;
	} else {
		seterr(err, errlen, "%s: unknown schema '%s' (expected \"geoip2\" or \"flat\")",
		       path, schema ? schema : "(null)");
		return NULL;
	}
	db = calloc(1, sizeof(*db));
	if (!db) {
		seterr(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	db->schema = s;
	if (open_file(&db->f[0], path, s, err, errlen) < 0)
		goto fail;
	if (path6) {
		if (open_file(&db->f[1], path6, s, err, errlen) < 0)
			goto fail;
		if (db->f[1].mmdb.metadata.ip_version != 6) {
			seterr(err, errlen, "%s: not an IPv6 database (ip_version %u)", path6,
			       (unsigned int)db->f[1].mmdb.metadata.ip_version);
			goto fail;
		}
	}
	db->gen = atomic_fetch_add(&geo_gen_counter, 1) + 1;
	return db;
fail:
	geo_close(db);
	return NULL;
}

bool geo_has_ipv6(const struct geo_db *db)
{
	return db->f[1].open || db->f[0].mmdb.metadata.ip_version == 6;
}

struct geo_db *geo_open(const char *path, const char *schema, char *err, size_t errlen)
{
	return geo_open2(path, NULL, schema, err, errlen);
}

void geo_close(struct geo_db *db)
{
	if (!db)
		return;
	for (int i = 0; i < 2; i++)
		if (db->f[i].open)
			MMDB_close(&db->f[i].mmdb);
	free(db);
}

uint64_t geo_generation(const struct geo_db *db)
{
	return db->gen;
}

static double num_value(const MMDB_entry_data_s *d)
{
	return d->type == MMDB_DATA_TYPE_DOUBLE ? d->double_value : (double)d->float_value;
}

/* Copies a two-letter uppercase code; anything else leaves dst empty. */
static void copy_code(char dst[3], const MMDB_entry_data_s *d)
{
	dst[0] = '\0';
	if (!is_str(d) || d->data_size != 2)
		return;
	for (int i = 0; i < 2; i++)
		if (d->utf8_string[i] < 'A' || d->utf8_string[i] > 'Z')
			return;
	dst[0] = d->utf8_string[0];
	dst[1] = d->utf8_string[1];
	dst[2] = '\0';
}

static bool is_v4mapped(const uint8_t *a)
{
	static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return !memcmp(a, pfx, sizeof(pfx));
}

int geo_lookup(const struct geo_db *db, int family, const uint8_t *addr, struct geo_loc *out)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	const struct sockaddr *sa;
	MMDB_lookup_result_s res;
	MMDB_entry_data_s d, d2;
	const struct geo_file *gf = &db->f[0];
	const char *const *const *p = schema_paths[db->schema];
	MMDB_s *mm;
	int mmerr, bias = 0;
	unsigned int mask;

	memset(out, 0, sizeof(*out));
	/* With a separate IPv6 file, v4-mapped addresses still belong to the first. */
	if (family == AF_INET6 && db->f[1].open && !is_v4mapped(addr))
		gf = &db->f[1];
	mm = (MMDB_s *)&gf->mmdb; /* the lookup API is not const-correct */
	if (family == AF_INET) {
		memcpy(&sin.sin_addr, addr, 4);
		sa = (const struct sockaddr *)&sin;
	} else if (family == AF_INET6) {
		if (mm->metadata.ip_version == 4) {
			if (!is_v4mapped(addr))
				return 0; /* nothing about IPv6 here: ::/0 is empty */
			memcpy(&sin.sin_addr, addr + 12, 4);
			sa = (const struct sockaddr *)&sin;
			bias = 96;
		} else {
			memcpy(&sin6.sin6_addr, addr, 16);
			sa = (const struct sockaddr *)&sin6;
		}
	} else {
		return -EAFNOSUPPORT;
	}

	res = MMDB_lookup_sockaddr(mm, sa, &mmerr);
	if (unlikely(mmerr != MMDB_SUCCESS))
		return -EINVAL;
	mask = res.netmask;
	/* IPv4 in an IPv6 tree is found under ::/96 and reported in IPv6 bits. */
	if (sa->sa_family == AF_INET && mm->metadata.ip_version == 6)
		mask = mask >= 96 ? mask - 96 : 0;
	out->prefix = (uint8_t)(mask + bias);
	if (!res.found_entry)
		return 0;

	if (MMDB_aget_value(&res.entry, &d, p[0]) == MMDB_SUCCESS &&
	    MMDB_aget_value(&res.entry, &d2, p[1]) == MMDB_SUCCESS && is_num(&d) && is_num(&d2)) {
		out->lat = num_value(&d);
		out->lon = num_value(&d2);
		out->found = true;
	}
	if (MMDB_aget_value(&res.entry, &d, p[2]) == MMDB_SUCCESS)
		copy_code(out->country, &d);
	if ((db->schema == GEO_SCHEMA_GEOIP2 || gf->has_continent) &&
	    MMDB_aget_value(&res.entry, &d, p[3]) == MMDB_SUCCESS)
		copy_code(out->continent, &d);
	if (!out->continent[0] && out->country[0]) {
		const char *c = geo_continent(out->country);

		if (c)
			memcpy(out->continent, c, 3);
	}
	return 0;
}

struct geo_cache *geo_cache_new(void)
{
	return calloc(1, sizeof(struct geo_cache));
}

void geo_cache_free(struct geo_cache *cache)
{
	free(cache);
}

void geo_cache_clear(struct geo_cache *cache)
{
	memset(cache, 0, sizeof(*cache));
}

/* Slot of an address: a hash of its /24 (IPv4) or /56 (IPv6), so neighbours
 * in one network usually share an entry. */
static unsigned int cache_slot(int family, const uint8_t *addr)
{
	uint64_t key = family == AF_INET ? 4 : 6;
	int n = family == AF_INET ? 3 : 7;

	for (int i = 0; i < n; i++)
		key = key << 8 | addr[i];
	/* Fibonacci hashing: the top bits of key × 2^64/φ. */
	return (unsigned int)((key * 0x9E3779B97F4A7C15ull) >> 54) & (GEO_CACHE_SIZE - 1);
}

static bool prefix_match(const uint8_t *a, const uint8_t *net, unsigned int prefix)
{
	unsigned int bytes = prefix / 8, bits = prefix % 8;

	if (memcmp(a, net, bytes))
		return false;
	if (!bits)
		return true;
	return ((a[bytes] ^ net[bytes]) & (uint8_t)(0xff00 >> bits)) == 0;
}

int geo_cache_lookup(struct geo_cache *cache, const struct geo_db *db, int family,
		     const uint8_t *addr, struct geo_loc *out)
{
	struct geo_cache_entry *e;
	unsigned int len, bytes;
	int ret;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (unlikely(cache->gen != db->gen)) {
		geo_cache_clear(cache);
		cache->gen = db->gen;
	}
	len = family == AF_INET ? 4 : 16;
	e = &cache->e[cache_slot(family, addr)];
	if (e->family == family && prefix_match(addr, e->net, e->prefix)) {
		cache->hits++;
		*out = e->loc;
		return 0;
	}
	cache->misses++;
	ret = geo_lookup(db, family, addr, out);
	if (ret < 0)
		return ret;
	if (out->prefix > len * 8)
		return 0; /* cannot happen with a sane tree; do not cache it */
	e->family = (uint8_t)family;
	e->prefix = out->prefix;
	e->loc = *out;
	memset(e->net, 0, sizeof(e->net));
	bytes = out->prefix / 8;
	memcpy(e->net, addr, bytes);
	if (out->prefix % 8)
		e->net[bytes] = addr[bytes] & (uint8_t)(0xff00 >> (out->prefix % 8));
	return 0;
}
