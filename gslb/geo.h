/* SPDX-License-Identifier: Apache-2.0 */
/* geo.h — client location from a MaxMind-format (mmdb) GeoIP database
 *
 * A geo_db is an open database (libmaxminddb) plus the record layout it uses,
 * its "schema":
 *   "geoip2"  MaxMind GeoIP2/GeoLite2 City: location.latitude/longitude,
 *             country.iso_code, continent.code.
 *   "flat"    the ip-location-db GeoLite2 city build: top-level latitude,
 *             longitude (float) and country_code, no continent; the continent
 *             is derived from the country with a built-in table (geo_continent).
 * A lookup returns the location and the prefix length of the database network
 * that matched, which is the ECS scope of the answer and the span a cache entry
 * may cover. A geo_db is immutable once opened and belongs to a snapshot.
 *
 * geo_cache is a small per-thread direct-mapped cache in front of geo_lookup. An
 * entry answers only for addresses inside the network it was learnt from, so a
 * hit is always what geo_lookup would say for the same database.
 */
#ifndef GSLB_GEO_H
#define GSLB_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct geo_db;

struct geo_loc {
	bool found;	   /* the database places the address: latitude and longitude;
			    * country/continent may be set without them */
	double lat, lon;   /* degrees; 0 when not found */
	char country[3];   /* ISO 3166-1 alpha-2, uppercase; "" when unknown */
	char continent[3]; /* AF AN AS EU NA OC SA; "" when unknown */
	uint8_t prefix;	   /* prefix length of the matched (or empty) network, in the
			    * address's own family: IPv4 0..32, IPv6 0..128 */
};

/* Opens the mmdb file at path and checks that its records follow schema
 * ("geoip2" or "flat"): the first record in the tree must carry the schema's
 * latitude/longitude (double or float) and country fields. On failure returns
 * NULL and writes "path: message" to err (errlen bytes, may be 0). The caller
 * owns the result (geo_close). Startup or reload thread; not the query path. */
struct geo_db *geo_open(const char *path, const char *schema, char *err, size_t errlen);

/* Like geo_open, with IPv6 addresses looked up in a second file, path6, which
 * must be an IPv6 database; IPv4 and v4-mapped IPv6 addresses still go to path.
 * For data shipped one file per family (ip-location-db's "city ipv4" and "city
 * ipv6"). path6 NULL is geo_open. Same ownership and threads as geo_open. */
struct geo_db *geo_open2(const char *path, const char *path6, const char *schema, char *err,
			 size_t errlen);

/* True when db locates IPv6 addresses: its first file is an IPv6 tree (ip_version 6, which
 * holds IPv4 too) or a second file was given. An IPv4-only file (ip_version 4) alone leaves
 * every IPv6 client without a location. */
bool geo_has_ipv6(const struct geo_db *db);

/* Closes db; NULL is fine. Only after every reader is done (RCU grace period). */
void geo_close(struct geo_db *db);

/* A number unique to this open database (never reused in the process), so a
 * cache can tell that the database behind it changed. */
uint64_t geo_generation(const struct geo_db *db);

/* Looks up addr (4 bytes for AF_INET, 16 for AF_INET6, network order) and
 * fills out. An address the database has no record for gives 0 with
 * out->found = false and out->prefix the size of the empty network. IPv4 in an
 * IPv6 database is found under ::/96 (prefix converted to 0..32); v4-mapped
 * IPv6 in an IPv4-only database is looked up as IPv4 (prefix + 96). Returns
 * -EAFNOSUPPORT for another family, -EINVAL on a corrupt database or a record
 * of the wrong shape (out->found = false). Query path: no allocation, no lock;
 * any thread, concurrently on a shared db. */
int geo_lookup(const struct geo_db *db, int family, const uint8_t *addr, struct geo_loc *out);

/* Continent code for an ISO country code (case-sensitive, uppercase), or NULL
 * if the table does not know it. The table covers the countries of the test and
 * demo data and the ~120 most populous or connected countries; see geo_continent.c.
 * Links without libmaxminddb (the config loader uses it). */
const char *geo_continent(const char *country);

#define GEO_CACHE_SIZE 1024 /* entries, a power of two; 56 KiB per thread */

struct geo_cache_entry {
	uint8_t family; /* 0 = empty slot */
	uint8_t prefix; /* network of the entry: net/prefix */
	uint8_t net[16];
	struct geo_loc loc;
};

/* Per-thread cache, indexed by a hash of the address truncated to /24 (IPv4)
 * or /56 (IPv6). It remembers the generation of the database it was filled
 * from and empties itself when asked about another one; geo_cache_clear on a
 * snapshot change is still the documented contract. Not shared between
 * threads. */
struct geo_cache {
	uint64_t gen;
	uint64_t hits, misses; /* per-thread counters for metrics */
	struct geo_cache_entry e[GEO_CACHE_SIZE];
};

/* Allocates an empty cache; the caller owns it (geo_cache_free). NULL on ENOMEM.
 * Worker thread startup. */
struct geo_cache *geo_cache_new(void);

/* Frees cache; NULL is fine. */
void geo_cache_free(struct geo_cache *cache);

/* Empties cache (the counters too). Call when the snapshot, hence the
 * database, changes. Owning thread only. */
void geo_cache_clear(struct geo_cache *cache);

/* geo_lookup through cache: same arguments, same result, same errors (errors
 * are not cached). Query path: no allocation, no lock; owning thread only. */
int geo_cache_lookup(struct geo_cache *cache, const struct geo_db *db, int family,
		     const uint8_t *addr, struct geo_loc *out);

#endif
