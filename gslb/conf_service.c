/* SPDX-License-Identifier: Apache-2.0 */
/* conf_service.c — config sections geoip, regions and services: schema tables and their hooks */
#include "config.h"

#include "conf.h"
#include "query_record.h"

#include "conf_schema.h"
#include "dname.h"
#include "filter.h"
#include "geo.h"
#include "service.h"

#include <libconfig.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define NAME_MAX_LEN 64 /* region names travel in metrics and logs */

static const char *const continent_codes[] = {"AF", "AN", "AS", "EU", "NA", "OC", "SA", NULL};

const struct region *conf_region_find(const struct conf *c, const char *name)
{
	long i;

	if (c->region_index.slots == NULL) { /* a conf not built by conf_load */
		for (size_t k = 0; k < c->nregions; k++)
			if (c->regions[k].name && !strcmp(c->regions[k].name, name))
				return &c->regions[k];
		return NULL;
	}
	i = name_index_get(&c->region_index, name, strlen(name));
	return i >= 0 ? &c->regions[i] : NULL;
}

const struct service *conf_service_find(const struct conf *c, const uint8_t *name)
{
	long i;

	if (c->service_index.slots == NULL) {
		for (size_t k = 0; k < c->nservices; k++)
			if (c->services[k].name && dname_equal(c->services[k].name, name))
				return &c->services[k];
		return NULL;
	}
	i = name_index_get(&c->service_index, name, dname_len(name));
	return i >= 0 ? &c->services[i] : NULL;
}

/* ---- shared hooks ---- */

/* For rows whose storage is not a malloc'd pointer (fixed arrays, the chain) or is resolved
 * later (a member's region): nothing to free. */
static void release_none(const struct conf_item *it, char *base)
{
	(void)it;
	(void)base;
}

/* Frees a plain array at it->off and zeroes its count. */
static void release_array(const struct conf_item *it, char *base)
{
	void **p = (void **)(base + it->off);

	free(*p);
	*p = NULL;
	*(size_t *)(base + it->count_off) = 0;
}

static bool code_ok(const char *v)
{
	return strlen(v) == 2 && ((v[0] >= 'A' && v[0] <= 'Z') || (v[0] >= 'a' && v[0] <= 'z')) &&
	       ((v[1] >= 'A' && v[1] <= 'Z') || (v[1] >= 'a' && v[1] <= 'z'));
}

static bool is_continent(const char *up)
{
	for (size_t i = 0; continent_codes[i]; i++)
		if (!strcmp(continent_codes[i], up))
			return true;
	return false;
}

/* Checks a country or continent code and writes it uppercased to out; false after an error. */
static bool parse_code(struct conf_ctx *x, const config_setting_t *s, const char *path,
		       const char *v, bool continent, char out[3])
{
	if (!code_ok(v)) {
		conf_err(x, s, path, "bad %s code \"%s\" (want 2 letters)",
			 continent ? "continent" : "country", v);
		return false;
	}
	out[0] = (char)(v[0] & ~0x20);
	out[1] = (char)(v[1] & ~0x20);
	out[2] = '\0';
	if (continent && !is_continent(out)) {
		conf_err(x, s, path,
			 "unknown continent code \"%s\" (want AF, AN, AS, EU, NA, OC "
			 "or SA)",
			 v);
		return false;
	}
	return true;
}

/* A zeroed array for the elements of the CT_STRS setting s (at least one, so that an empty
 * list is not NULL); *n gets their count. NULL after reporting out of memory. */
static void *alloc_elems(struct conf_ctx *x, const config_setting_t *s, const char *path,
			 size_t elem_size, int *n)
{
	void *v;

	*n = config_setting_length(s);
	v = calloc(*n > 0 ? (size_t)*n : 1, elem_size);
	if (!v)
		conf_oom(x, s, path);
	return v;
}

/* CT_STRS of codes -> char (*)[3] at it->off, count at it->count_off. */
static void store_codes(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			char *base, const char *path, bool continent)
{
	int n;
	char(*v)[3] = alloc_elems(x, s, path, sizeof(*v), &n);
	size_t cnt = 0;
	char epath[CONF_PATHLEN];

	if (!v)
		return;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		conf_path_fmt(epath, sizeof(epath), "%s[%d]", path, i);
		if (parse_code(x, e, epath, config_setting_get_string(e), continent, v[cnt]))
			cnt++;
	}
	*(char(**)[3])(base + it->off) = v;
	*(size_t *)(base + it->count_off) = cnt;
}

static void store_countries(struct conf_ctx *x, const struct conf_item *it,
			    const config_setting_t *s, char *base, const char *path)
{
	store_codes(x, it, s, base, path, false);
}

static void store_continents(struct conf_ctx *x, const struct conf_item *it,
			     const config_setting_t *s, char *base, const char *path)
{
	store_codes(x, it, s, base, path, true);
}

/* ---- geoip ---- */

/* A single code into a char[3] at it->off (default_location.country/continent). */
static void store_code1(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			char *base, const char *path)
{
	char code[3];

	if (parse_code(x, s, path, config_setting_get_string(s), !strcmp(it->name, "continent"),
		       code))
		memcpy(base + it->off, code, sizeof(code));
}

static void store_schema(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			 char *base, const char *path)
{
	const char *v = config_setting_get_string(s);

	if (strcmp(v, "geoip2") != 0 && strcmp(v, "flat") != 0) {
		conf_err(x, s, path, "unknown schema \"%s\" (want \"geoip2\" or \"flat\")", v);
		return;
	}
	conf_store_string(x, it, s, base, path);
}

static void finish_location(struct conf_ctx *x, const struct conf_item *it,
			    const config_setting_t *s, char *base, const char *path)
{
	struct conf_geoip *g = (struct conf_geoip *)base;
	const char *cont;

	g->has_default_location = s != NULL;
	/* the flat schema derives the continent the same way */
	if (s && g->default_country[0] && !g->default_continent[0] &&
	    !config_setting_get_member(s, "continent") &&
	    (cont = geo_continent(g->default_country)) != NULL)
		memcpy(g->default_continent, cont, 3);
}

/* Fields are char[3]: no def_str (the engine leaves them zeroed) and nothing to free. */
static const struct conf_item location_items[] = {
    {"lat", CT_FLOAT, CONF_REQUIRED, FIELD(struct conf_geoip, default_lat), .fmin = -90,
     .fmax = 90},
    {"lon", CT_FLOAT, CONF_REQUIRED, FIELD(struct conf_geoip, default_lon), .fmin = -180,
     .fmax = 180},
    {"country", CT_STRING, FIELD(struct conf_geoip, default_country), .store = store_code1,
     .release = release_none},
    {"continent", CT_STRING, FIELD(struct conf_geoip, default_continent), .store = store_code1,
     .release = release_none},
    {NULL},
};

/* database and database6 keep their "file:line" beside them (conf_finish_geoip). */
static void release_database(const struct conf_item *it, char *base)
{
	struct conf_geoip *g = (struct conf_geoip *)base;
	char **at = it->off == offsetof(struct conf_geoip, database6)	   ? &g->database6_at
		    : it->off == offsetof(struct conf_geoip, asn_database) ? &g->asn_database_at
									   : &g->database_at;

	free(*(char **)(base + it->off));
	*(char **)(base + it->off) = NULL;
	free(*at);
	*at = NULL;
}

const struct conf_item conf_geoip_items[] = {
    {"database", CT_STRING, CONF_REQUIRED, FIELD(struct conf_geoip, database),
     .store = conf_store_path, .release = release_database},
    {"database6", CT_STRING, FIELD(struct conf_geoip, database6), .store = conf_store_path,
     .release = release_database},
    {"schema", CT_STRING, FIELD(struct conf_geoip, schema), .def_str = "geoip2",
     .store = store_schema},
    {"ecs_max_prefix_v4", CT_INT, FIELD(struct conf_geoip, ecs_max_prefix_v4), .min = 0, .max = 32,
     .def_int = 24},
    {"ecs_max_prefix_v6", CT_INT, FIELD(struct conf_geoip, ecs_max_prefix_v6), .min = 0, .max = 128,
     .def_int = 56},
    {"default_location", CT_GROUP, .off = 0, .sub = location_items, .finish = finish_location},
    {"networks_file", CT_STRING, FIELD(struct conf_geoip, networks_file), .store = conf_store_path},
    {"asn_database", CT_STRING, FIELD(struct conf_geoip, asn_database), .store = conf_store_path,
     .release = release_database},
    {NULL},
};

/* The database is opened by snapshot_build, once (the rows checked that the files are
 * readable); it blames the setting's line, kept here, when the file is not a usable
 * database. */
void conf_finish_geoip(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		       char *base, const char *path)
{
	struct conf_geoip *g = (struct conf_geoip *)(base + it->off);
	const config_setting_t *db = s ? config_setting_get_member(s, "database") : NULL;
	const config_setting_t *db6 = s ? config_setting_get_member(s, "database6") : NULL;
	const config_setting_t *asn = s ? config_setting_get_member(s, "asn_database") : NULL;

	g->enabled = s != NULL;
	if (db && !(g->database_at = conf_where(x, db)))
		conf_oom(x, db, path);
	if (db6 && !(g->database6_at = conf_where(x, db6)))
		conf_oom(x, db6, path);
	if (asn && !(g->asn_database_at = conf_where(x, asn)))
		conf_oom(x, asn, path);
}

/* ---- regions ---- */

static bool name_ok(const char *v)
{
	return conf_name_ok(v, NAME_MAX_LEN);
}

static void store_region_name(struct conf_ctx *x, const struct conf_item *it,
			      const config_setting_t *s, char *base, const char *path)
{
	const char *v = config_setting_get_string(s);

	if (!name_ok(v)) {
		conf_err(x, s, path, "bad name \"%s\" (want 1..%d of A-Z a-z 0-9 . _ -)", v,
			 NAME_MAX_LEN);
		return;
	}
	conf_store_string(x, it, s, base, path);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* asns = [ 64500, "AS64501" ]: numbers or "AS"-prefixed strings, 1..4294967295, kept sorted
 * so that a lookup is a binary search. */
static void store_asns(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		       char *base, const char *path)
{
	struct region *r = (struct region *)base;
	int n = config_setting_length(s);
	uint32_t *v = calloc(n > 0 ? (size_t)n : 1, sizeof(*v));
	char epath[CONF_PATHLEN];
	size_t cnt = 0;

	(void)it;
	if (!v) {
		conf_oom(x, s, path);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		long long asn = -1;
		const char *str;
		char *end;

		conf_path_fmt(epath, sizeof(epath), "%s[%d]", path, i);
		if (config_setting_type(e) == CONFIG_TYPE_INT ||
		    config_setting_type(e) == CONFIG_TYPE_INT64) {
			asn = config_setting_get_int64(e);
		} else if ((str = config_setting_get_string(e)) != NULL) {
			if (!strncasecmp(str, "AS", 2))
				str += 2;
			errno = 0;
			asn = *str >= '0' && *str <= '9' ? strtoll(str, &end, 10) : -1;
			if (errno || (asn >= 0 && *end))
				asn = -1;
		}
		if (asn < 1 || asn > UINT32_MAX) {
			conf_err(x, e, epath,
				 "bad AS number (want 1..4294967295, e.g. 64500 or \"AS64500\")");
			continue;
		}
		v[cnt++] = (uint32_t)asn;
	}
	qsort(v, cnt, sizeof(*v), cmp_u32);
	for (size_t i = 1; i < cnt; i++)
		if (v[i] == v[i - 1])
			conf_err(x, s, path, "AS%u is listed twice", v[i]);
	r->asns = v;
	r->nasns = cnt;
}

const struct conf_item conf_region_items[] = {
    {"name", CT_STRING, CONF_REQUIRED, FIELD(struct region, name), .store = store_region_name},
    {"lat", CT_FLOAT, CONF_REQUIRED, FIELD(struct region, lat), .fmin = -90, .fmax = 90},
    {"lon", CT_FLOAT, CONF_REQUIRED, FIELD(struct region, lon), .fmin = -180, .fmax = 180},
    {"weight", CT_INT, FIELD(struct region, weight), .min = 0, .max = 1000000, .def_int = 100},
    /* km; half the Earth's circumference bounds any useful bias */
    {"bias", CT_FLOAT, FIELD(struct region, bias_km), .fmin = -20038, .fmax = 20038},
    {"countries", CT_STRS, ARRAY(struct region, countries, ncountries), .store = store_countries,
     .release = release_array},
    {"continents", CT_STRS, ARRAY(struct region, continents, ncontinents),
     .store = store_continents, .release = release_array},
    {"networks", CT_STRS, CONF_SCALAR_OK, ARRAY(struct region, networks, nnetworks),
     .store = conf_store_networks, .release = conf_release_networks},
    {"asns", CT_STRS, CONF_ANY_ELEMS, ARRAY(struct region, asns, nasns), .store = store_asns,
     .release = release_array},
    {NULL},
};

void conf_finish_regions(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			 char *base, const char *path)
{
	struct conf *c = (struct conf *)base;
	char epath[CONF_PATHLEN];

	if (!s)
		return;
	if (name_index_init(&c->region_index, c->nregions) != 0) {
		conf_oom(x, s, path);
		return;
	}
	for (size_t i = 0; i < c->nregions; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		long j;

		region_trig_init(&c->regions[i]);
		if (c->regions[i].nasns)
			c->regions_have_asns = true;
		if (!c->regions[i].name)
			continue;
		j = name_index_put(&c->region_index, c->regions[i].name, strlen(c->regions[i].name),
				   (uint32_t)i);
		if (j < 0)
			continue;
		conf_path_fmt(epath, sizeof(epath), "%s[%zu].name", path, i);
		conf_err(x, config_setting_get_member(e, "name"), epath,
			 "duplicate region \"%s\" (also at line %u)", c->regions[i].name,
			 config_setting_source_line(config_setting_get_elem(s, (unsigned)j)));
	}
}

/* ---- services ---- */

/* A domain name string -> malloc'd lowercased wire name at it->off. */
static bool store_wire(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		       char *base, const char *path, uint8_t *wire)
{
	const char *v = config_setting_get_string(s);
	uint8_t **dst = (uint8_t **)(base + it->off);
	int len;

	if (v[0] == '\0' || (len = dname_from_str(v, wire)) < 0) {
		conf_err(x, s, path, "bad domain name \"%s\"", v);
		return false;
	}
	uint8_t *copy = malloc((size_t)len);
	if (!copy) {
		conf_oom(x, s, path);
		return false;
	}
	memcpy(copy, wire, (size_t)len);
	free(*dst);
	*dst = copy;
	return true;
}

static void store_cname(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			char *base, const char *path)
{
	uint8_t wire[DNAME_MAXLEN];

	store_wire(x, it, s, base, path, wire);
}

/* The answer path never synthesises from a wildcard service, so one would silently answer
 * only the literal "*" name: refuse it. */
static void store_service_name(struct conf_ctx *x, const struct conf_item *it,
			       const config_setting_t *s, char *base, const char *path)
{
	uint8_t wire[DNAME_MAXLEN];

	if (!store_wire(x, it, s, base, path, wire))
		return;
	if (dname_is_wildcard(wire)) {
		conf_err(x, s, path, "a wildcard name cannot be a service");
		free(*(uint8_t **)(base + it->off));
		*(uint8_t **)(base + it->off) = NULL;
		return;
	}
	/* once here, not per query: the query record's key (query_record.h) */
	((struct service *)base)->name_hash = qrec_service_hash(*(uint8_t **)(base + it->off));
}

/* CT_STRS of addresses of one family -> uint8_t[alen] array at it->off. */
static void store_ips(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		      char *base, const char *path, int af)
{
	size_t alen = af == AF_INET ? 4 : 16;
	int n;
	uint8_t *v = alloc_elems(x, s, path, alen, &n);
	size_t cnt = 0;
	char epath[CONF_PATHLEN];

	if (!v)
		return;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *t = config_setting_get_string(e);
		uint8_t *a = v + cnt * alen;
		bool dup = false;

		conf_path_fmt(epath, sizeof(epath), "%s[%d]", path, i);
		if (inet_pton(af, t, a) != 1) {
			conf_err(x, e, epath, "bad %s address \"%s\"",
				 af == AF_INET ? "IPv4" : "IPv6", t);
			continue;
		}
		for (size_t j = 0; j < cnt && !dup; j++)
			dup = memcmp(v + j * alen, a, alen) == 0;
		if (dup) {
			conf_err(x, e, epath, "duplicate address \"%s\"", t);
			continue;
		}
		cnt++;
	}
	struct member *m = (struct member *)base;
	if (cnt * alen <= sizeof(m->addrs) && (uint8_t *)m->ipv4 != m->addrs &&
	    (uint8_t *)m->ipv6 != m->addrs) {
		memcpy(m->addrs, v, cnt * alen); /* beside the member: no line of its own */
		free(v);
		v = m->addrs;
	}
	*(uint8_t **)(base + it->off) = v;
	*(size_t *)(base + it->count_off) = cnt;
}

/* Frees a member's ipv4 or ipv6 array, unless it is the member's own addrs (store_ips). */
static void release_ips(const struct conf_item *it, char *base)
{
	uint8_t **p = (uint8_t **)(base + it->off);

	if (*p != ((struct member *)base)->addrs)
		free(*p);
	*p = NULL;
	*(size_t *)(base + it->count_off) = 0;
}

static void store_ipv4(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		       char *base, const char *path)
{
	store_ips(x, it, s, base, path, AF_INET);
}

static void store_ipv6(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		       char *base, const char *path)
{
	store_ips(x, it, s, base, path, AF_INET6);
}

/* The region is resolved in conf_late_services (regions may come later in the file). */
static void store_later(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			char *base, const char *path)
{
	(void)x;
	(void)it;
	(void)s;
	(void)base;
	(void)path;
}

static const struct conf_item member_items[] = {
    {"name", CT_STRING, FIELD(struct member, name)},
    {"region", CT_STRING, CONF_REQUIRED, FIELD(struct member, region), .store = store_later,
     .release = release_none},
    {"ipv4", CT_STRS, ARRAY(struct member, ipv4, nipv4), .store = store_ipv4,
     .release = release_ips},
    {"ipv6", CT_STRS, ARRAY(struct member, ipv6, nipv6), .store = store_ipv6,
     .release = release_ips},
    {"cname", CT_STRING, FIELD(struct member, cname), .store = store_cname},
    {"weight", CT_INT, FIELD(struct member, weight), .min = 0, .max = 1000000, .def_int = 1},
    {"priority", CT_INT, FIELD(struct member, priority), .min = -1000000, .max = 1000000},
    {"capacity", CT_FLOAT, FIELD(struct member, capacity), .fmin = 0, .fmax = 1},
    {"check", CT_STRING, FIELD(struct member, check)},
    {"load_low", CT_INT, FIELD(struct member, load_low), .min = 0, .max = 10000,
     .def_int = MEMBER_LOAD_LOW_DEFAULT},
    {"load_high", CT_INT, FIELD(struct member, load_high), .min = 0, .max = 10000,
     .def_int = MEMBER_LOAD_HIGH_DEFAULT},
    {NULL},
};

/* Entries written under key (bad ones included, so one error is not reported twice). */
static int entries(const config_setting_t *e, const char *key)
{
	const config_setting_t *m = config_setting_get_member(e, key);

	return m ? config_setting_length(m) : 0;
}

/* The checks of a member list s (members or fallback) read into ms[0..n). */
static void check_members(struct conf_ctx *x, const config_setting_t *s, const char *path,
			  struct member *ms, size_t n)
{
	char epath[CONF_PATHLEN];

	if (n > SERVICE_MAX_MEMBERS) {
		conf_err(x, s, path, "%zu members, at most %d", n, SERVICE_MAX_MEMBERS);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct member *m = &ms[i];
		bool addrs = entries(e, "ipv4") + entries(e, "ipv6") > 0;
		bool cname = config_setting_get_member(e, "cname") != NULL;

		m->index = (uint32_t)i;
		if (config_setting_type(e) != CONFIG_TYPE_GROUP)
			continue; /* reported */
		conf_path_fmt(epath, sizeof(epath), "%s[%zu]", path, i);
		if (addrs && cname)
			conf_err(x, e, epath, "has both addresses and a cname (want one of them)");
		else if (!addrs && !cname)
			conf_err(x, e, epath, "needs ipv4/ipv6 addresses or a cname");
		if (m->load_low >= m->load_high) {
			/* Blame load_high when written, else load_low (one of them is). */
			const config_setting_t *k = config_setting_get_member(e, "load_high");
			const char *key = k ? "load_high" : "load_low";

			if (!k)
				k = config_setting_get_member(e, key);
			conf_path_fmt(epath, sizeof(epath), "%s[%zu].%s", path, i, key);
			conf_err(x, k ? k : e, epath, "load_low %u must be below load_high %u",
				 m->load_low, m->load_high);
		}
	}
}

static void finish_members(struct conf_ctx *x, const struct conf_item *it,
			   const config_setting_t *s, char *base, const char *path)
{
	struct service *svc = (struct service *)base;

	if (s) /* required: reported when absent */
		check_members(x, s, path, svc->members, svc->nmembers);
}

/* fallback = "open" | "empty" (the list form goes through finish_fallback). */
static void store_fallback_word(struct conf_ctx *x, const struct conf_item *it,
				const config_setting_t *s, char *base, const char *path)
{
	struct service *svc = (struct service *)base;
	const char *v = config_setting_get_string(s);

	if (!strcmp(v, "open"))
		svc->fallback = SVC_FALLBACK_OPEN;
	else if (!strcmp(v, "empty"))
		svc->fallback = SVC_FALLBACK_EMPTY;
	else
		conf_err(x, s, path,
			 "unknown value \"%s\" (want \"open\", \"empty\" or a list of members)", v);
}

/* fallback = ( members... ): answered when nothing is up, never probed. */
static void finish_fallback(struct conf_ctx *x, const struct conf_item *it,
			    const config_setting_t *s, char *base, const char *path)
{
	struct service *svc = (struct service *)base;
	char epath[CONF_PATHLEN];

	if (!s || svc->nfallback == 0)
		return;
	svc->fallback = SVC_FALLBACK_MEMBERS;
	check_members(x, s, path, svc->fallback_members, svc->nfallback);
	for (size_t i = 0; i < svc->nfallback; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const config_setting_t *c = config_setting_get_member(e, "check");

		svc->fallback_members[i].index = (uint32_t)i;
		if (!c)
			continue;
		conf_path_fmt(epath, sizeof(epath), "%s[%zu].check", path, i);
		conf_err(x, c, epath,
			 "fallback members are not probed (they answer when no member is up): "
			 "remove check");
		free(svc->fallback_members[i].check); /* reported once, not again as unknown */
		svc->fallback_members[i].check = NULL;
	}
}

/* Entries such as "nearest:2" -> svc->chain, through filter_chain_parse. */
static void store_chain(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			char *base, const char *path)
{
	struct flt_chain *chain = (struct flt_chain *)(base + it->off);
	int n = config_setting_length(s);
	const char **names = calloc(n > 0 ? (size_t)n : 1, sizeof(*names));
	char msg[256] = "";

	if (!names) {
		conf_oom(x, s, path);
		return;
	}
	for (int i = 0; i < n; i++)
		names[i] = config_setting_get_string_elem(s, i);
	if (filter_chain_parse(names, (size_t)n, chain, msg, sizeof(msg)) < 0) {
		conf_err(x, s, path, "%s", msg[0] ? msg : "bad chain");
		memset(chain, 0, sizeof(*chain));
	}
	free(names);
}

const struct conf_item conf_service_items[] = {
    {"name", CT_STRING, CONF_REQUIRED, FIELD(struct service, name), .store = store_service_name},
    {"ttl", CT_INT, FIELD(struct service, ttl), .min = 0, .max = 86400, .def_int = 30},
    {"chain", CT_STRS, .off = offsetof(struct service, chain), .store = store_chain,
     .release = release_none},
    {"members", CT_LIST, CONF_REQUIRED, ARRAY(struct service, members, nmembers), .min_count = 1,
     .elem_size = sizeof(struct member), .sub = member_items, .finish = finish_members},
    {"up_threshold", CT_FLOAT, FIELD(struct service, up_threshold), .fmin = 0, .fmax = 1},
    {"fallback", CT_LIST, CONF_SCALAR_OK, ARRAY(struct service, fallback_members, nfallback),
     .min_count = 1, .elem_size = sizeof(struct member), .sub = member_items,
     .store = store_fallback_word, .finish = finish_fallback},
    {"fail_open_ttl", CT_INT, FIELD(struct service, fail_open_ttl), .min = 0, .max = 86400,
     .def_int = -1},
    {NULL},
};

static void service_str(const struct service *svc, char *buf, size_t size)
{
	if (!svc->name || dname_to_str(svc->name, buf, size) != 0)
		buf[0] = '\0';
}

/* fail_open_ttl shortens the TTL: never longer than ttl. */
static void check_fail_open_ttl(struct conf_ctx *x, const config_setting_t *e,
				const struct service *svc, const char *path, size_t i)
{
	char epath[CONF_PATHLEN];

	if (svc->fail_open_ttl < 0 || (uint32_t)svc->fail_open_ttl <= svc->ttl)
		return;
	conf_path_fmt(epath, sizeof(epath), "%s[%zu].fail_open_ttl", path, i);
	conf_err(x, config_setting_get_member(e, "fail_open_ttl"), epath,
		 "%d is longer than ttl %u (it shortens the TTL of answers given while nothing is "
		 "up)",
		 svc->fail_open_ttl, svc->ttl);
}

/* A filter that narrows before `up` answers dead members: refuse it, naming the order to use. */
static void check_chain(struct conf_ctx *x, const config_setting_t *e, const struct service *svc,
			const char *path, size_t i)
{
	const config_setting_t *cs = config_setting_get_member(e, "chain");
	char msg[384], name[DNAME_MAXLEN * 4 + 2], epath[CONF_PATHLEN];

	if (!cs || svc->chain.nsteps == 0 || filter_chain_check(&svc->chain, msg, sizeof(msg)) == 0)
		return;
	service_str(svc, name, sizeof(name));
	conf_path_fmt(epath, sizeof(epath), "%s[%zu].chain", path, i);
	conf_err(x, cs, epath, "service \"%s\": %s", name, msg);
}

/* Depth-first over the CNAME members that name a service of this server: state 0 unseen, 1 on
 * the path, 2 done. An edge back to the path is a cycle, reported at that member's cname and
 * cut, so that `up` never loops over it. */
static void check_cycles(struct conf_ctx *x, const config_setting_t *s, const char *path, size_t i,
			 uint8_t *state)
{
	struct conf *c = x->c;
	struct service *svc = &c->services[i];
	char epath[CONF_PATHLEN], a[DNAME_MAXLEN * 4 + 2], b[DNAME_MAXLEN * 4 + 2];

	state[i] = 1;
	for (size_t j = 0; j < svc->nmembers; j++) {
		struct member *m = &svc->members[j];
		size_t t;

		if (!m->target)
			continue;
		t = (size_t)(m->target - c->services);
		if (state[t] == 0) {
			check_cycles(x, s, path, t, state);
			continue;
		}
		if (state[t] != 1)
			continue;
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const config_setting_t *me =
		    config_setting_get_elem(config_setting_get_member(e, "members"), (unsigned)j);
		service_str(m->target, a, sizeof(a));
		service_str(svc, b, sizeof(b));
		conf_path_fmt(epath, sizeof(epath), "%s[%zu].members[%zu].cname", path, i, j);
		conf_err(
		    x, config_setting_get_member(me, "cname"), epath,
		    "CNAME cycle: service \"%s\" leads back to \"%s\" (a service's members may "
		    "CNAME to another service here, never back)",
		    a, b);
		m->target = NULL;
	}
	state[i] = 2;
}

/* CNAME members whose target is a service of this server: `up` follows them (gdnsd #48). */
static void link_services(struct conf_ctx *x, const config_setting_t *s, const char *path)
{
	struct conf *c = x->c;
	uint8_t *state = calloc(c->nservices, 1);

	if (!state) {
		conf_oom(x, s, path);
		return;
	}
	for (size_t i = 0; i < c->nservices; i++)
		for (size_t j = 0; j < c->services[i].nmembers; j++) {
			struct member *m = &c->services[i].members[j];
			m->target = m->cname ? conf_service_find(c, m->cname) : NULL;
		}
	for (size_t i = 0; i < c->nservices; i++)
		if (state[i] == 0)
			check_cycles(x, s, path, i, state);
	free(state);
}

void conf_finish_services(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			  char *base, const char *path)
{
	struct conf *c = (struct conf *)base;
	char epath[CONF_PATHLEN];
	char name[DNAME_MAXLEN * 4 + 2];
	uint32_t slot = 0;

	if (!s || c->nservices == 0)
		return;
	c->service_lines = calloc(c->nservices, sizeof(*c->service_lines));
	if (!c->service_lines || name_index_init(&c->service_index, c->nservices) != 0) {
		conf_oom(x, s, path);
		return;
	}
	for (size_t i = 0; i < c->nservices; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct service *svc = &c->services[i];
		long dup;

		c->service_lines[i] = (int)config_setting_source_line(e);
		svc->index = (uint32_t)i;
		check_chain(x, e, svc, path, i);
		if (svc->chain.nsteps == 0)
			filter_chain_default(&svc->chain);
		svc->health_first = slot;
		for (size_t j = 0; j < svc->nmembers; j++)
			svc->members[j].health = slot++;
		for (size_t j = 0; j < svc->nfallback; j++)
			svc->fallback_members[j].health = slot++;
		check_fail_open_ttl(x, e, svc, path, i);
		if (!svc->name)
			continue;
		dup =
		    name_index_put(&c->service_index, svc->name, dname_len(svc->name), (uint32_t)i);
		if (dup < 0)
			continue;
		if (dname_to_str(svc->name, name, sizeof(name)) != 0)
			name[0] = '\0';
		conf_path_fmt(epath, sizeof(epath), "%s[%zu].name", path, i);
		conf_err(x, config_setting_get_member(e, "name"), epath,
			 "duplicate service \"%s\" (also at line %d)", name, c->service_lines[dup]);
	}
	c->nmembers_total = slot;
	link_services(x, s, path);
}

/* A written name: a letter, then letters, digits, '-', '_' or '.'; so that a number always
 * means an index to gslbctl, and a name is one component of a store key. */
static const char *name_problem(const char *n)
{
	if (!isalpha((unsigned char)n[0]))
		return "must start with a letter";
	if (strlen(n) > MEMBER_NAME_MAX)
		return "longer than 63 bytes";
	for (const char *p = n; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_.", *p))
			return "only letters, digits, '-', '_' and '.'";
	return NULL;
}

/* ms[j]'s name (services[i].members[j]): the one written, or <region>-<n> for the n-th member
 * of its region, which does not move when members of other regions are added or reordered;
 * unique in the service. */
static void member_name(struct conf_ctx *x, const config_setting_t *me, struct member *ms, size_t j,
			size_t i)
{
	const config_setting_t *ns = config_setting_get_member(me, "name");
	struct member *m = &ms[j];
	char path[CONF_PATHLEN];
	const char *why;

	conf_path_fmt(path, sizeof(path), "services[%zu].members[%zu].name", i, j);
	if (m->name && (why = name_problem(m->name)) != NULL) {
		conf_err(x, ns, path, "'%s' %s", m->name, why);
		return;
	}
	if (!m->name && m->region) {
		size_t n = 1;

		for (size_t k = 0; k < j; k++)
			n += ms[k].region == m->region;
		if (asprintf(&m->name, "%s-%zu", m->region->name, n) < 0) {
			m->name = NULL;
			conf_err(x, me, path, "out of memory");
			return;
		}
	}
	for (size_t k = 0; m->name && k < j; k++) {
		if (ms[k].name && !strcmp(ms[k].name, m->name)) {
			conf_err(
			    x, ns ? ns : me, path,
			    "'%s' is also members[%zu]'s name%s (names are unique in a service: "
			    "give one of them another name)",
			    m->name, k, ns ? "" : ", the default of this member");
			return;
		}
	}
}

/* The regions and checks of the members ms[0..n) read from the list s, at
 * services[i].<key>. */
static void late_members(struct conf_ctx *x, const config_setting_t *s, struct member *ms, size_t n,
			 size_t i, const char *key)
{
	struct conf *c = x->c;
	char path[CONF_PATHLEN];

	for (size_t j = 0; s && j < n; j++) {
		const config_setting_t *me = config_setting_get_elem(s, (unsigned)j);
		const config_setting_t *r = config_setting_get_member(me, "region");
		struct member *m = &ms[j];

		if (r && config_setting_type(r) == CONFIG_TYPE_STRING) {
			const char *rn = config_setting_get_string(r);

			m->region = conf_region_find(c, rn);
			if (!m->region) {
				conf_path_fmt(path, sizeof(path), "services[%zu].%s[%zu].region", i,
					      key, j);
				conf_err(x, r, path, "unknown region '%s'", rn);
			}
		}
		if (!strcmp(key, "members"))
			member_name(x, me, ms, j, i);
		if (m->check && (x->sections & CONF_S_CHECKS) && !conf_check_find(c, m->check)) {
			conf_path_fmt(path, sizeof(path), "services[%zu].%s[%zu].check", i, key, j);
			conf_err(x, config_setting_get_member(me, "check"), path,
				 "unknown check '%s'", m->check);
		}
	}
}

/* member.rslot: the index of its region among the service's distinct regions, so that `up`
 * counts members per region without searching (up_threshold). */
static void region_slots(struct service *svc)
{
	svc->nrslots = 0;
	for (size_t j = 0; j < svc->nmembers; j++) {
		struct member *m = &svc->members[j];
		size_t k = 0;

		while (k < j && svc->members[k].region != m->region)
			k++;
		m->rslot = k < j ? svc->members[k].rslot : svc->nrslots++;
	}
}

/* Member regions and checks, and service names against the zones: each may be defined later
 * in the file than the service naming it. Checks and zones are checked when loaded (the
 * probe reads no zones). */
void conf_late_services(struct conf_ctx *x, const config_setting_t *root)
{
	struct conf *c = x->c;
	const config_setting_t *ss = config_setting_get_member(root, "services");
	char path[CONF_PATHLEN];

	if (!ss || c->nservices == 0)
		return;
	if (!config_setting_get_member(root, "regions")) {
		conf_err(x, ss, "services", "needs a regions section");
		return;
	}
	for (size_t i = 0; i < c->nservices; i++) {
		const config_setting_t *e = config_setting_get_elem(ss, (unsigned)i);
		const config_setting_t *ms = config_setting_get_member(e, "members");
		struct service *svc = &c->services[i];
		bool inside = false;

		for (size_t z = 0; svc->name && z < c->nzones && !inside; z++)
			inside = c->zones[z].name && dname_is_sub(svc->name, c->zones[z].apex);
		if (svc->name && !inside && (x->sections & CONF_S_ZONES)) {
			conf_path_fmt(path, sizeof(path), "services[%zu].name", i);
			conf_err(x, config_setting_get_member(e, "name"), path,
				 "not inside any served zone");
		}
		late_members(x, ms, svc->members, svc->nmembers, i, "members");
		late_members(x, config_setting_get_member(e, "fallback"), svc->fallback_members,
			     svc->nfallback, i, "fallback");
		region_slots(svc);
	}
}
