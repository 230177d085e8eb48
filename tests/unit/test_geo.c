/* SPDX-License-Identifier: Apache-2.0 */
/* test_geo.c — Check suite for geo: both schemas, prefixes, cache, errors */
#include "config.h"

#include "geo.h"

#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>

#define DB_GEOIP2 TEST_BUILDDIR "/tests/data/test-city.mmdb"
#define DB_FLAT TEST_BUILDDIR "/tests/data/test-city-flat.mmdb"
#define DB_FLAT4 TEST_BUILDDIR "/tests/data/test-city-flat4.mmdb"

/* Expected answers for tests/data/test-city.csv; prefix is what the tree
 * holds after the writer split the nested networks. */
struct want {
	const char *ip;
	bool found;
	double lat, lon;
	const char *cc, *cont;
	int prefix;
};

#define LONDON 51.5074, -0.1278, "GB", "EU"
#define DUBLIN 53.3498, -6.2603, "IE", "EU"
#define PARIS 48.8566, 2.3522, "FR", "EU"
#define FRANKFURT 50.1109, 8.6821, "DE", "EU"
#define NEWYORK 40.7128, -74.0060, "US", "NA"
#define TOKYO 35.6762, 139.6503, "JP", "AS"
#define SAOPAULO -23.5505, -46.6333, "BR", "SA"
#define SYDNEY -33.8688, 151.2093, "AU", "OC"
#define SINGAPORE 1.3521, 103.8198, "SG", "AS"
#define SANFRANCISCO 37.7749, -122.4194, "US", "NA"
#define WASHINGTON 38.9072, -77.0369, "US", "NA"
#define NOWHERE 0, 0, "", ""

static const struct want wants[] = {
	{ "10.1.3.4", true, LONDON, 22 },   /* /16 minus the /24 and /32 inside */
	{ "10.1.199.1", true, LONDON, 21 }, { "10.1.200.5", true, DUBLIN, 24 },
	{ "10.1.7.7", true, PARIS, 32 },    { "10.1.7.6", true, LONDON, 32 },
	{ "11.22.33.44", true, FRANKFURT, 8 }, { "127.0.0.1", false, NOWHERE, 31 },
	{ "127.0.0.2", true, LONDON, 32 },  { "127.0.0.3", true, NEWYORK, 32 },
	{ "198.51.100.9", true, NEWYORK, 24 }, { "203.0.113.1", true, TOKYO, 24 },
	{ "192.0.2.1", true, SAOPAULO, 25 }, { "192.0.2.200", true, SYDNEY, 25 },
	{ "2001:db8:a::1", true, TOKYO, 49 }, { "2001:db8:a:ff00::1", true, SINGAPORE, 56 },
	{ "2001:db8:a:ffff::1", true, SINGAPORE, 56 },
	{ "2001:db9:1234::1", true, SANFRANCISCO, 32 },
	{ "2001:db8:6::5", true, WASHINGTON, 48 }, { "2001:db8:ffff::1", false, NOWHERE, 33 },
	/* IPv4 reached through the IPv6 aliases: v4-mapped and 6to4 */
	{ "::ffff:10.1.200.5", true, DUBLIN, 120 }, { "2002:a01:c805::", true, DUBLIN, 40 },
};

static int parse(const char *ip, uint8_t *addr)
{
	if (inet_pton(AF_INET, ip, addr) == 1)
		return AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET6, ip, addr), 1);
	return AF_INET6;
}

static struct geo_db *open_ok(const char *path, const char *schema)
{
	char err[256] = "";
	struct geo_db *db = geo_open(path, schema, err, sizeof(err));

	ck_assert_msg(db != NULL, "geo_open(%s, %s): %s", path, schema, err);
	return db;
}

static void check_want(const struct want *w, const struct geo_loc *l, const char *what)
{
	ck_assert_msg(l->found == w->found, "%s %s: found %d", what, w->ip, l->found);
	ck_assert_msg(l->prefix == w->prefix, "%s %s: prefix %u, want %d", what, w->ip, l->prefix,
		      w->prefix);
	/* flat stores floats: 1e-4 degrees is ~10 m */
	ck_assert_msg(fabs(l->lat - w->lat) < 1e-4 && fabs(l->lon - w->lon) < 1e-4,
		      "%s %s: %f,%f", what, w->ip, l->lat, l->lon);
	ck_assert_str_eq(l->country, w->cc);
	ck_assert_str_eq(l->continent, w->cont);
}

static void lookup_all(const char *path, const char *schema)
{
	struct geo_db *db = open_ok(path, schema);

	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		uint8_t addr[16];
		struct geo_loc l;
		int fam = parse(wants[i].ip, addr);

		ck_assert_int_eq(geo_lookup(db, fam, addr, &l), 0);
		check_want(&wants[i], &l, schema);
	}
	geo_close(db);
}

START_TEST(test_geoip2_schema)
{
	lookup_all(DB_GEOIP2, "geoip2");
}
END_TEST

START_TEST(test_flat_schema)
{
	lookup_all(DB_FLAT, "flat");
}
END_TEST

START_TEST(test_schemas_agree)
{
	struct geo_db *a = open_ok(DB_GEOIP2, "geoip2"), *b = open_ok(DB_FLAT, "flat");

	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		uint8_t addr[16];
		struct geo_loc la, lb;
		int fam = parse(wants[i].ip, addr);

		ck_assert_int_eq(geo_lookup(a, fam, addr, &la), 0);
		ck_assert_int_eq(geo_lookup(b, fam, addr, &lb), 0);
		ck_assert_int_eq(la.found, lb.found);
		ck_assert_int_eq(la.prefix, lb.prefix);
		ck_assert_double_eq_tol(la.lat, lb.lat, 1e-4);
		ck_assert_double_eq_tol(la.lon, lb.lon, 1e-4);
		ck_assert_str_eq(la.country, lb.country);
		ck_assert_str_eq(la.continent, lb.continent);
	}
	geo_close(a);
	geo_close(b);
}
END_TEST

/* An IPv4-only database (ip-location-db ships one per family). */
START_TEST(test_ipv4_only_db)
{
	struct geo_db *db = open_ok(DB_FLAT4, "flat");
	uint8_t addr[16];
	struct geo_loc l;

	ck_assert_int_eq(geo_lookup(db, parse("10.1.200.5", addr), addr, &l), 0);
	ck_assert(l.found);
	ck_assert_str_eq(l.country, "IE");
	ck_assert_int_eq(l.prefix, 24);
	ck_assert_int_eq(geo_lookup(db, parse("::ffff:10.1.200.5", addr), addr, &l), 0);
	ck_assert(l.found);
	ck_assert_str_eq(l.country, "IE");
	ck_assert_int_eq(l.prefix, 120);
	ck_assert_int_eq(geo_lookup(db, parse("2001:db8:a::1", addr), addr, &l), 0);
	ck_assert(!l.found);
	ck_assert_int_eq(l.prefix, 0);
	geo_close(db);
}
END_TEST

/* One file per family: IPv6 from the second, IPv4 and v4-mapped from the first. */
START_TEST(test_split_files)
{
	char err[256] = "";
	struct geo_db *db = geo_open2(DB_FLAT4, DB_FLAT, "flat", err, sizeof(err));
	uint8_t addr[16];
	struct geo_loc l;

	ck_assert_msg(db != NULL, "%s", err);
	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		int fam = parse(wants[i].ip, addr);

		ck_assert_int_eq(geo_lookup(db, fam, addr, &l), 0);
		check_want(&wants[i], &l, "split");
	}
	geo_close(db);

	ck_assert_ptr_null(geo_open2(DB_FLAT, DB_FLAT4, "flat", err, sizeof(err)));
	ck_assert_msg(strstr(err, DB_FLAT4 ": not an IPv6 database") == err, "%s", err);
	ck_assert_ptr_null(geo_open2(DB_FLAT4, DB_GEOIP2, "flat", err, sizeof(err)));
	ck_assert_msg(strstr(err, DB_GEOIP2 ": records do not follow") == err, "%s", err);
}
END_TEST

/* Several threads on one handle, each with its own cache, as the workers do. */
static void *hammer(void *arg)
{
	const struct geo_db *db = arg;
	struct geo_cache *c = geo_cache_new();
	size_t n = sizeof(wants) / sizeof(wants[0]);
	long bad = 0;

	for (int i = 0; i < 20000; i++) {
		const struct want *w = &wants[(size_t)i % n];
		uint8_t addr[16];
		struct geo_loc l;
		int fam = inet_pton(AF_INET, w->ip, addr) == 1 ? AF_INET : AF_INET6;

		if (fam == AF_INET6)
			inet_pton(AF_INET6, w->ip, addr);
		int ret = i & 1 ? geo_cache_lookup(c, db, fam, addr, &l)
				: geo_lookup(db, fam, addr, &l);

		if (ret || l.found != w->found || l.prefix != w->prefix || strcmp(l.country, w->cc))
			bad++;
	}
	geo_cache_free(c);
	return (void *)bad;
}

START_TEST(test_threads)
{
	struct geo_db *db = open_ok(DB_GEOIP2, "geoip2");
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, db), 0);
	for (int i = 0; i < 4; i++) {
		void *bad;

		ck_assert_int_eq(pthread_join(t[i], &bad), 0);
		ck_assert_int_eq((long)bad, 0);
	}
	geo_close(db);
}
END_TEST

START_TEST(test_bad_family)
{
	struct geo_db *db = open_ok(DB_GEOIP2, "geoip2");
	struct geo_cache *c = geo_cache_new();
	uint8_t addr[16] = { 0 };
	struct geo_loc l;

	ck_assert_int_eq(geo_lookup(db, AF_UNIX, addr, &l), -EAFNOSUPPORT);
	ck_assert(!l.found);
	ck_assert_int_eq(geo_cache_lookup(c, db, AF_UNIX, addr, &l), -EAFNOSUPPORT);
	geo_cache_free(c);
	geo_close(db);
}
END_TEST

START_TEST(test_cache_same_results)
{
	struct geo_db *db = open_ok(DB_GEOIP2, "geoip2");
	struct geo_cache *c = geo_cache_new();
	size_t n = sizeof(wants) / sizeof(wants[0]);

	ck_assert_ptr_nonnull(c);
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < n; i++) {
			uint8_t addr[16];
			struct geo_loc l, direct;
			int fam = parse(wants[i].ip, addr);

			ck_assert_int_eq(geo_cache_lookup(c, db, fam, addr, &l), 0);
			ck_assert_int_eq(geo_lookup(db, fam, addr, &direct), 0);
			ck_assert_mem_eq(&l, &direct, sizeof(l));
			check_want(&wants[i], &l, "cache");
		}
	}
	ck_assert_uint_eq(c->misses + c->hits, 2 * n);
	/* Round 1 hits once (2001:db8:a:ffff::1 from the Singapore /56); round 2 hits
	 * all but the 7 addresses whose /24 holds several networks (10.1.7.6/32 and
	 * .7/32, 127.0.0.1/31, .2/32 and .3/32, 192.0.2.0/25 and .128/25). */
	ck_assert_uint_eq(c->hits, 1 + n - 7);

	/* another address inside a cached /22 is a hit with the same answer */
	uint8_t addr[16];
	struct geo_loc l;
	uint64_t hits = c->hits;

	ck_assert_int_eq(geo_cache_lookup(c, db, parse("10.1.3.200", addr), addr, &l), 0);
	ck_assert_uint_eq(c->hits, hits + 1);
	ck_assert_str_eq(l.country, "GB");
	ck_assert_int_eq(l.prefix, 22);
	geo_cache_free(c);
	geo_close(db);
}
END_TEST

/* Addresses of one /24 share a slot; an entry for a smaller network must not
 * answer for its neighbours. */
START_TEST(test_cache_stays_in_network)
{
	static const struct {
		const char *ip, *cc;
	} seq[] = {
		{ "127.0.0.1", "" },   { "127.0.0.2", "GB" }, { "127.0.0.3", "US" },
		{ "127.0.0.1", "" },   { "10.1.7.7", "FR" },  { "10.1.7.6", "GB" },
		{ "10.1.7.7", "FR" },  { "2001:db8:a:ff00::1", "SG" }, { "2001:db8:a::1", "JP" },
	};
	struct geo_db *db = open_ok(DB_GEOIP2, "geoip2");
	struct geo_cache *c = geo_cache_new();

	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		uint8_t addr[16];
		struct geo_loc l;

		ck_assert_int_eq(geo_cache_lookup(c, db, parse(seq[i].ip, addr), addr, &l), 0);
		ck_assert_msg(!strcmp(l.country, seq[i].cc), "%s: got '%s', want '%s'", seq[i].ip,
			      l.country, seq[i].cc);
	}
	ck_assert_uint_eq(c->hits, 0);
	geo_cache_free(c);
	geo_close(db);
}
END_TEST

/* A cache filled from one database does not answer for another one. */
START_TEST(test_cache_new_db)
{
	struct geo_db *a = open_ok(DB_GEOIP2, "geoip2"), *b = open_ok(DB_FLAT, "flat");
	struct geo_cache *c = geo_cache_new();
	uint8_t addr[16];
	struct geo_loc l, direct;
	int fam = parse("10.1.3.4", addr);

	ck_assert_uint_ne(geo_generation(a), geo_generation(b));
	ck_assert_int_eq(geo_cache_lookup(c, a, fam, addr, &l), 0);
	ck_assert_int_eq(geo_cache_lookup(c, a, fam, addr, &l), 0);
	ck_assert_uint_eq(c->hits, 1);
	/* float vs double storage makes the two answers differ in the low bits */
	ck_assert_int_eq(geo_cache_lookup(c, b, fam, addr, &l), 0);
	ck_assert_int_eq(geo_lookup(b, fam, addr, &direct), 0);
	ck_assert_mem_eq(&l, &direct, sizeof(l));
	ck_assert_uint_eq(c->hits, 0);
	geo_cache_clear(c);
	ck_assert_uint_eq(c->misses, 0);
	geo_cache_free(c);
	geo_cache_free(NULL);
	geo_close(a);
	geo_close(b);
	geo_close(NULL);
}
END_TEST

static void open_fails(const char *path, const char *schema, const char *needle)
{
	char err[256] = "";

	ck_assert_ptr_null(geo_open(path, schema, err, sizeof(err)));
	ck_assert_msg(strstr(err, needle) != NULL, "error '%s' lacks '%s'", err, needle);
	ck_assert_msg(strstr(err, path) == err, "error '%s' does not start with the path", err);
}

START_TEST(test_schema_mismatch)
{
	open_fails(DB_GEOIP2, "flat", "do not follow schema \"flat\"");
	open_fails(DB_GEOIP2, "flat", "try schema \"geoip2\"");
	open_fails(DB_FLAT, "geoip2", "try schema \"flat\"");
	open_fails(DB_FLAT4, "geoip2", "database_type 'city ipv4'");
	open_fails(DB_GEOIP2, "GeoIP2", "unknown schema 'GeoIP2'");
}
END_TEST

START_TEST(test_bad_path)
{
	open_fails(TEST_BUILDDIR "/tests/data/no-such.mmdb", "geoip2", "No such file");
	open_fails(TEST_SRCDIR "/tests/data/test-city.csv", "geoip2", "not a MaxMind DB file");
	ck_assert_ptr_null(geo_open(TEST_BUILDDIR "/no-such.mmdb", "geoip2", NULL, 0));
}
END_TEST

#define DB_ASN TEST_BUILDDIR "/tests/data/test-asn.mmdb"

static uint32_t asn_of(const struct geo_asn_db *db, const char *text, unsigned *prefix)
{
	uint8_t a[16], p;
	int fam = strchr(text, ':') ? AF_INET6 : AF_INET;

	ck_assert_int_eq(inet_pton(fam, text, a), 1);
	uint32_t asn = geo_asn_lookup(db, fam, a, &p);
	*prefix = p;
	return asn;
}

/* tests/data/test-asn.csv through tools/gslb-asn-mmdb: ranges become networks. */
START_TEST(test_asn_lookup)
{
	char err[512];
	struct geo_asn_db *db = geo_asn_open(DB_ASN, err, sizeof(err));
	unsigned p;

	ck_assert_msg(db != NULL, "%s", err);
	ck_assert_uint_eq(asn_of(db, "10.1.200.3", &p), 64500);
	ck_assert_uint_eq(p, 16);
	ck_assert_uint_eq(asn_of(db, "10.2.0.9", &p), 64501);
	ck_assert_uint_eq(p, 24);
	ck_assert_uint_eq(asn_of(db, "10.2.2.1", &p), 64502); /* 10.2.1.0-10.2.2.127 */
	ck_assert_uint_eq(p, 25);
	ck_assert_uint_eq(asn_of(db, "10.2.2.200", &p), 0);
	ck_assert_uint_eq(p, 25);
	ck_assert_uint_eq(asn_of(db, "::ffff:10.1.0.1", &p), 64500); /* v4-mapped is IPv4 */
	ck_assert_uint_eq(p, 112);
	ck_assert_uint_eq(asn_of(db, "2001:db8:1:5::1", &p), 64500);
	ck_assert_uint_eq(p, 48);
	ck_assert_uint_eq(asn_of(db, "2001:db8:2::7", &p), 4200000000u);
	ck_assert_uint_eq(p, 80);
	ck_assert_uint_eq(asn_of(db, "192.0.2.1", &p), 0);
	geo_asn_close(db);
	geo_asn_close(NULL);
}
END_TEST

START_TEST(test_asn_wrong_layout)
{
	char err[512];

	ck_assert_ptr_null(geo_asn_open(DB_GEOIP2, err, sizeof(err)));
	ck_assert_msg(strstr(err, "not in the GeoLite2-ASN layout") && strstr(err, "GeoIP2-City"),
		      "%s", err);
	ck_assert_ptr_null(geo_asn_open(TEST_SRCDIR "/tests/data/test-asn.csv", err, sizeof(err)));
	ck_assert_msg(strstr(err, "not a MaxMind DB file"), "%s", err);
	ck_assert_ptr_null(geo_asn_open("/nonexistent.mmdb", err, sizeof(err)));
	ck_assert_msg(strstr(err, "cannot open ASN database"), "%s", err);
}
END_TEST

START_TEST(test_continent_table)
{
	static const char *const pairs[][2] = {
		{ "AD", "EU" }, { "ZW", "AF" }, { "GB", "EU" }, { "US", "NA" }, { "BR", "SA" },
		{ "JP", "AS" }, { "AU", "OC" }, { "RU", "EU" }, { "TR", "AS" }, { "MX", "NA" },
		{ "NA", "AF" }, { "AQ", "AN" },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const char *c = geo_continent(pairs[i][0]);

		ck_assert_msg(c && !strcmp(c, pairs[i][1]), "%s -> %s", pairs[i][0],
			      c ? c : "NULL");
	}
	ck_assert_ptr_null(geo_continent("ZZ"));
	ck_assert_ptr_null(geo_continent("gb"));
	ck_assert_ptr_null(geo_continent(""));
}
END_TEST

static Suite *geo_suite(void)
{
	Suite *s = suite_create("geo");
	struct {
		const char *name;
		const TTest *fn;
	} cases[] = {
		{ "geoip2_schema", test_geoip2_schema },
		{ "flat_schema", test_flat_schema },
		{ "schemas_agree", test_schemas_agree },
		{ "ipv4_only_db", test_ipv4_only_db },
		{ "split_files", test_split_files },
		{ "threads", test_threads },
		{ "bad_family", test_bad_family },
		{ "cache_same_results", test_cache_same_results },
		{ "cache_stays_in_network", test_cache_stays_in_network },
		{ "cache_new_db", test_cache_new_db },
		{ "schema_mismatch", test_schema_mismatch },
		{ "bad_path", test_bad_path },
		{ "continent_table", test_continent_table },
		{ "asn_lookup", test_asn_lookup },
		{ "asn_wrong_layout", test_asn_wrong_layout },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_test(tc, cases[i].fn);
		suite_add_tcase(s, tc);
	}
	return s;
}

UNIT_MAIN(geo_suite)
