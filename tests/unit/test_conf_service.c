/* SPDX-License-Identifier: Apache-2.0 */
/* test_conf_service.c — config sections geoip, regions, services: values, defaults, errors */
#include "config.h"

#include "conf.h"

#include "dname.h"
#include "filter.h"
#include "geo.h"
#include "netmap.h"
#include "service.h"
#include "unit.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DB TEST_BUILDDIR "/tests/data/test-city.mmdb"
#define FLAT TEST_BUILDDIR "/tests/data/test-city-flat.mmdb"
#define FLAT4 TEST_BUILDDIR "/tests/data/test-city-flat4.mmdb"
#define ZONE_FILE TEST_SRCDIR "/zones/example.com.zone"

/* Every test config starts with these two lines, so body line n is file line n + 2. */
#define HEAD                                                                                       \
	"server: { listen = [ \"127.0.0.1:5300\" ]; };\n"                                          \
	"zones = ( { name = \"example.com\"; file = \"" ZONE_FILE "\"; } );\n"

#define REGIONS                                                                                    \
	"regions = ( { name = \"eu-west\"; lat = 51.51; lon = -0.13; },\n"                         \
	"            { name = \"us-east\"; lat = 40.71; lon = -74.01; } );\n"

static char dir[64];
static char path[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_conf_service.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/gslb.conf", dir);
}

static char nets_path[160];

static void teardown(void)
{
	snprintf(nets_path, sizeof(nets_path), "%s/nets.txt", dir);
	unlink(nets_path);
	unlink(path);
	rmdir(dir);
}

static void write_conf(const char *body)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(HEAD, f);
	fputs(body, f);
	ck_assert_int_eq(fclose(f), 0);
}

static struct conf *load_ok(const char *body)
{
	char err[CONF_ERRLEN];
	struct conf *c;

	write_conf(body);
	c = conf_load(path, CONF_S_GSLBD, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	return c;
}

/* want is the whole message with "%1$s" for the config path and "%2$s" for its directory. */
static void load_fails(const char *body, const char *want)
{
	char err[CONF_ERRLEN], *expect = NULL;
	struct conf *c;

	write_conf(body);
	c = conf_load(path, CONF_S_GSLBD, err, sizeof(err));
	ck_assert_msg(c == NULL, "loaded: %s", body);
	ck_assert_int_ge(asprintf(&expect, want, path, dir), 0);
	ck_assert_str_eq(err, expect);
	free(expect);
}

static const char full[] =
	"geoip: {\n"                                                           /* 3 */
	"  database = \"" DB "\"; schema = \"geoip2\";\n"                      /* 4 */
	"  ecs_max_prefix_v4 = 20; ecs_max_prefix_v6 = 48;\n"                  /* 5 */
	"  default_location = { lat = 50.1; lon = 8.7; country = \"de\"; };\n" /* 6 */
	"};\n"
	"checks = ( { name = \"web\"; type = \"tcp\"; port = 80; } );\n"
	"regions = (\n"
	"  { name = \"eu-west\"; lat = 51.51; lon = -0.13; weight = 50; bias = 100.5;\n"
	"    countries = [ \"gb\", \"IE\" ]; continents = [ \"eu\" ]; },\n"
	"  { name = \"us-east\"; lat = 40.71; lon = -74.01; }\n"
	");\n"
	"services = (\n"
	"  { name = \"WWW.example.com\"; ttl = 60; chain = [ \"up\", \"sticky\", \"first:2\" ];\n"
	"    members = (\n"
	"      { region = \"eu-west\"; ipv4 = [ \"192.0.2.10\" ]; ipv6 = [ \"2001:db8::10\" ];\n"
	"        weight = 3; priority = -1; check = \"web\"; load_low = 0; load_high = 10000; },\n"
	"      { region = \"us-east\"; ipv4 = [ \"198.51.100.10\", \"198.51.100.11\" ]; }\n"
	"    ); },\n"
	"  { name = \"cdn.example.com\";\n"
	"    members = ( { region = \"eu-west\"; cname = \"Edge-LON.cdn.example.net.\"; } ); },\n"
	"  { name = \"example.com\";\n"
	"    members = ( { region = \"us-east\"; ipv6 = [ \"2001:db8::1\" ]; } ); }\n"
	");\n";

START_TEST(valid_full)
{
	struct conf *c = load_ok(full);
	char *db = realpath(DB, NULL);
	char buf[256];
	uint8_t want[DNAME_MAXLEN];
	uint8_t a[16];

	/* geoip */
	ck_assert(c->geoip.enabled);
	ck_assert_str_eq(c->geoip.database, db);
	ck_assert_ptr_null(c->geoip.database6);
	/* where snapshot_build's errors about the file point */
	snprintf(buf, sizeof(buf), "%s:4", path);
	ck_assert_str_eq(c->geoip.database_at, buf);
	ck_assert_ptr_null(c->geoip.database6_at);
	ck_assert_str_eq(c->geoip.schema, "geoip2");
	ck_assert_int_eq(c->geoip.ecs_max_prefix_v4, 20);
	ck_assert_int_eq(c->geoip.ecs_max_prefix_v6, 48);
	ck_assert(c->geoip.has_default_location);
	ck_assert_double_eq(c->geoip.default_lat, 50.1);
	ck_assert_double_eq(c->geoip.default_lon, 8.7);
	ck_assert_str_eq(c->geoip.default_country, "DE");
	ck_assert_str_eq(c->geoip.default_continent, "EU"); /* derived from the country */

	/* regions */
	ck_assert_uint_eq(c->nregions, 2);
	const struct region *eu = &c->regions[0], *us = &c->regions[1];
	ck_assert_str_eq(eu->name, "eu-west");
	ck_assert_double_eq(eu->lat, 51.51);
	ck_assert_double_eq(eu->lon, -0.13);
	ck_assert_uint_eq(eu->weight, 50);
	ck_assert_double_eq(eu->bias_km, 100.5);
	ck_assert_uint_eq(eu->ncountries, 2);
	ck_assert_str_eq(eu->countries[0], "GB");
	ck_assert_str_eq(eu->countries[1], "IE");
	ck_assert_uint_eq(eu->ncontinents, 1);
	ck_assert_str_eq(eu->continents[0], "EU");
	ck_assert_uint_eq(us->weight, 100);
	ck_assert_double_eq(us->bias_km, 0.0);
	ck_assert_uint_eq(us->ncountries + us->ncontinents, 0);
	ck_assert_ptr_eq(conf_region_find(c, "us-east"), us);
	ck_assert_ptr_null(conf_region_find(c, "ap-south"));

	/* services */
	ck_assert_uint_eq(c->nservices, 3);
	const struct service *www = &c->services[0];
	ck_assert_int_gt(dname_from_str("www.example.com", want), 0);
	ck_assert_mem_eq(www->name, want, dname_len(want)); /* lowercased */
	ck_assert_uint_eq(www->index, 0);
	ck_assert_uint_eq(www->ttl, 60);
	ck_assert_int_eq(filter_chain_format(&www->chain, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "up sticky first:2");
	ck_assert_uint_eq(www->nmembers, 2);

	const struct member *m = &www->members[0];
	ck_assert_uint_eq(m->index, 0);
	ck_assert_ptr_eq(m->region, eu);
	ck_assert_uint_eq(m->nipv4, 1);
	inet_pton(AF_INET, "192.0.2.10", a);
	ck_assert_mem_eq(m->ipv4[0], a, 4);
	ck_assert_uint_eq(m->nipv6, 1);
	inet_pton(AF_INET6, "2001:db8::10", a);
	ck_assert_mem_eq(m->ipv6[0], a, 16);
	ck_assert_ptr_null(m->cname);
	ck_assert_uint_eq(m->weight, 3);
	ck_assert_int_eq(m->priority, -1);
	ck_assert_str_eq(m->check, "web");
	ck_assert_uint_eq(m->health, 0);
	ck_assert_uint_eq(m->load_low, 0);
	ck_assert_uint_eq(m->load_high, 10000);

	m = &www->members[1];
	ck_assert_uint_eq(m->index, 1);
	ck_assert_ptr_eq(m->region, us);
	ck_assert_uint_eq(m->nipv4, 2);
	inet_pton(AF_INET, "198.51.100.11", a);
	ck_assert_mem_eq(m->ipv4[1], a, 4);
	ck_assert_uint_eq(m->nipv6, 0);
	ck_assert_uint_eq(m->weight, 1);
	ck_assert_int_eq(m->priority, 0);
	ck_assert_ptr_null(m->check);
	ck_assert_uint_eq(m->health, 1);
	ck_assert_uint_eq(m->load_low, 700); /* defaults: 70 % and 90 % of capacity */
	ck_assert_uint_eq(m->load_high, 900);

	const struct service *cdn = &c->services[1];
	ck_assert_uint_eq(cdn->index, 1);
	ck_assert_uint_eq(cdn->ttl, 30);
	ck_assert_int_eq(filter_chain_format(&cdn->chain, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "up nearest:1 weighted first:1");
	m = &cdn->members[0];
	ck_assert_int_gt(dname_from_str("edge-lon.cdn.example.net.", want), 0);
	ck_assert_ptr_nonnull(m->cname);
	ck_assert_mem_eq(m->cname, want, dname_len(want));
	ck_assert_uint_eq(m->nipv4 + m->nipv6, 0);
	ck_assert_uint_eq(m->health, 2); /* slots run on across services */

	ck_assert_uint_eq(c->services[2].index, 2); /* at the apex */
	ck_assert_uint_eq(c->services[2].members[0].health, 3);
	ck_assert_uint_eq(c->nmembers_total, 4);
	ck_assert_int_eq(c->service_lines[1], 21);
	free(db);
	conf_free(c);
}
END_TEST

START_TEST(defaults)
{
	struct conf *c = load_ok("geoip: { database = \"" DB "\"; };\n");

	ck_assert(c->geoip.enabled);
	ck_assert_str_eq(c->geoip.schema, "geoip2");
	ck_assert_int_eq(c->geoip.ecs_max_prefix_v4, 24);
	ck_assert_int_eq(c->geoip.ecs_max_prefix_v6, 56);
	ck_assert(!c->geoip.has_default_location);
	ck_assert_str_eq(c->geoip.default_country, "");
	ck_assert_uint_eq(c->nregions + c->nservices + c->nmembers_total, 0);
	conf_free(c);

	/* no geoip at all, and a location with an explicit continent kept as written */
	c = load_ok("geoip: { database = \"" DB "\"; default_location = { lat = 1; lon = 2;\n"
		    "  country = \"US\"; continent = \"eu\"; }; };\n");
	ck_assert_str_eq(c->geoip.default_country, "US");
	ck_assert_str_eq(c->geoip.default_continent, "EU");
	conf_free(c);
	c = load_ok("");
	ck_assert(!c->geoip.enabled);
	ck_assert_ptr_null(c->geoip.database);
	ck_assert_ptr_null(c->services);
	conf_free(c);
}
END_TEST

START_TEST(flat_two_files)
{
	struct conf *c = load_ok("geoip: { database = \"" FLAT4 "\"; database6 = \"" FLAT "\";\n"
				 "  schema = \"flat\"; };\n");
	char *flat = realpath(FLAT, NULL);

	ck_assert_str_eq(c->geoip.schema, "flat");
	ck_assert_str_eq(c->geoip.database6, flat);
	free(flat);
	conf_free(c);
}
END_TEST

struct bad {
	const char *body;
	const char *want;
};

/* One error each; the expected text follows the body's line numbers (+2 for HEAD). */
static const struct bad bad_geoip[] = {
	{ "geoip: { schema = \"flat\"; };\n",
	  "%1$s:3: geoip.database: missing required setting" },
	{ "geoip: {\n database = \"nope.mmdb\"; };\n",
	  "%1$s:4: geoip.database: cannot read \"%2$s/nope.mmdb\": No such file or directory" },
	{ "geoip: { database = \"" DB "\";\n schema = \"city\"; };\n",
	  "%1$s:4: geoip.schema: unknown schema \"city\" (want \"geoip2\" or \"flat\")" },
	/* a readable file of the wrong schema or family fails when snapshot_build opens it
	 * (test_snapshot) */
	{ "geoip: { database = \"" DB "\";\n ecs_max_prefix_v4 = 33; };\n",
	  "%1$s:4: geoip.ecs_max_prefix_v4: 33 is out of range 0..32" },
	{ "geoip: { database = \"" DB "\";\n ecs_max_prefix_v6 = 129; };\n",
	  "%1$s:4: geoip.ecs_max_prefix_v6: 129 is out of range 0..128" },
	{ "geoip: { database = \"" DB "\";\n default_location = { lat = 1.0; lon = 200.0; }; };\n",
	  "%1$s:4: geoip.default_location.lon: 200 is out of range -180..180" },
	{ "geoip: { database = \"" DB "\";\n default_location = { lat = 1.0; }; };\n",
	  "%1$s:4: geoip.default_location.lon: missing required setting" },
	{ "geoip: { database = \"" DB "\";\n\n"
	  " default_location = { lat = 1.0; lon = 2.0; country = \"DEU\"; }; };\n",
	  "%1$s:5: geoip.default_location.country: bad country code \"DEU\" (want 2 letters)" },
};

static const struct bad bad_regions[] = {
	{ "regions = ( { name = \"eu\"; lat = 1; lon = 2; },\n { name = \"eu\"; lat = 1; lon = 2; } );\n",
	  "%1$s:4: regions[1].name: duplicate region \"eu\" (also at line 3)" },
	{ "regions = ( { name = \"eu west\"; lat = 1; lon = 2; } );\n",
	  "%1$s:3: regions[0].name: bad name \"eu west\" (want 1..64 of A-Z a-z 0-9 . _ -)" },
	{ "regions = ( { name = \"eu\"; lat = 90.5; lon = 2; } );\n",
	  "%1$s:3: regions[0].lat: 90.5 is out of range -90..90" },
	{ "regions = ( { name = \"eu\"; lat = 1; lon = -180.01; } );\n",
	  "%1$s:3: regions[0].lon: -180.01 is out of range -180..180" },
	{ "regions = ( { name = \"eu\"; lat = 1; } );\n",
	  "%1$s:3: regions[0].lon: missing required setting" },
	{ "regions = ( { name = \"eu\"; lat = 1; lon = 2; weight = 1000001; } );\n",
	  "%1$s:3: regions[0].weight: 1000001 is out of range 0..1000000" },
	{ "regions = ( { name = \"eu\"; lat = 1; lon = 2; weight = -1; } );\n",
	  "%1$s:3: regions[0].weight: -1 is out of range 0..1000000" },
	{ "regions = ( { name = \"eu\"; lat = 1; lon = 2;\n countries = [ \"GB\", \"G1\" ]; } );\n",
	  "%1$s:4: regions[0].countries[1]: bad country code \"G1\" (want 2 letters)" },
	{ "regions = ( { name = \"eu\"; lat = 1; lon = 2;\n continents = [ \"europe\" ]; } );\n",
	  "%1$s:4: regions[0].continents[0]: bad continent code \"europe\" (want 2 letters)" },
	{ "regions = ( { name = \"eu\"; lat = 1; lon = 2;\n continents = [ \"XX\" ]; } );\n",
	  "%1$s:4: regions[0].continents[0]: unknown continent code \"XX\" (want AF, AN, AS, EU, "
	  "NA, OC or SA)" },
	{ "regions = ();\n", "%1$s:3: regions: needs at least 1 entry" },
	{ "regions = ( { name = \"eu\"; lat = 1; lon = 2;\n networks = [ \"10.0.0.1/8\" ]; } );\n",
	  "%1$s:4: regions[0].networks[0]: \"10.0.0.1/8\" has host bits set (did you mean "
	  "10.0.0.0/8?)" },
	{ "regions = ( { name = \"eu\"; lat = 1; lon = 2;\n networks = [ \"2001:db8::/200\" ]; } );\n",
	  "%1$s:4: regions[0].networks[0]: bad prefix length in \"2001:db8::/200\" (want 0..128)" },
	{ "regions = ( { name = \"eu\"; lat = 1; lon = 2; networks = \"10.0.0.0/8\"; },\n"
	  " { name = \"us\"; lat = 1; lon = 2;\n networks = [ \"::ffff:10.0.0.0/104\" ]; } );\n",
	  "%1$s:5: regions[1].networks[0]: duplicate network 10.0.0.0/8 (also at %1$s:3, region "
	  "\"eu\"): keep one" },
	{ "regions = ( { name = \"eu\"; lat = 1; lon = 2;\n asns = [ 0 ]; } );\n",
	  "%1$s:4: regions[0].asns[0]: bad AS number (want 1..4294967295, e.g. 64500 or "
	  "\"AS64500\")" },
	{ "regions = ( { name = \"eu\"; lat = 1; lon = 2;\n asns = [ \"AS12x\" ]; } );\n",
	  "%1$s:4: regions[0].asns[0]: bad AS number (want 1..4294967295, e.g. 64500 or "
	  "\"AS64500\")" },
	{ "regions = ( { name = \"eu\"; lat = 1; lon = 2;\n asns = ( 64500, \"as64500\" ); } );\n",
	  "%1$s:4: regions[0].asns: AS64500 is listed twice" },
};

static const struct bad bad_services[] = {
	{ REGIONS "services = ( { name = \"www.example.org\";\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:5: services[0].name: not inside any served zone" },
	{ REGIONS "services = ( { name = \"www..example.com\";\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:5: services[0].name: bad domain name \"www..example.com\"" },
	{ REGIONS "services = ( { name = \"*.apps.example.com\";\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:5: services[0].name: a wildcard name cannot be a service" },
	{ REGIONS "services = (\n"
		  " { name = \"www.example.com\"; members = ( { region = \"eu-west\"; "
		  "ipv4 = [ \"192.0.2.1\" ]; } ); },\n"
		  " { name = \"WWW.example.com.\"; members = ( { region = \"eu-west\"; "
		  "ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:7: services[1].name: duplicate service \"www.example.com.\" (also at line 6)" },
	{ REGIONS "services = ( { name = \"www.example.com\"; ttl = 86401;\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:5: services[0].ttl: 86401 is out of range 0..86400" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n chain = [ \"up\", \"nearst\" ];\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:6: services[0].chain: unknown filter 'nearst' (did you mean 'nearest'? filters: up, "
	  "nearest, geofence, priority, weighted, round_robin, random, least_loaded, fastest, "
	  "sticky, asn, first)" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n chain = [ \"first:0\" ];\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:6: services[0].chain: first takes a count 1..64" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n chain = [];\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:6: services[0].chain: chain is empty" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n members = (); } );\n",
	  "%1$s:6: services[0].members: needs at least 1 entry" },
	{ REGIONS "services = ( { name = \"www.example.com\"; } );\n",
	  "%1$s:5: services[0].members: missing required setting" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " members = ( { region = \"eu-wset\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:6: services[0].members[0].region: unknown region 'eu-wset'" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " members = ( { ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:6: services[0].members[0].region: missing required setting" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ];\n"
		  " cname = \"edge.example.net\"; } ); } );\n",
	  "%1$s:6: services[0].members[0]: has both addresses and a cname (want one of them)" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " members = ( { region = \"eu-west\"; ipv4 = []; weight = 2; } ); } );\n",
	  "%1$s:6: services[0].members[0]: needs ipv4/ipv6 addresses or a cname" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " members = ( { region = \"eu-west\";\n ipv4 = [ \"2001:db8::1\" ]; } ); } );\n",
	  "%1$s:7: services[0].members[0].ipv4[0]: bad IPv4 address \"2001:db8::1\"" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " members = ( { region = \"eu-west\";\n ipv6 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:7: services[0].members[0].ipv6[0]: bad IPv6 address \"192.0.2.1\"" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " members = ( { region = \"eu-west\";\n"
		  " ipv4 = [ \"192.0.2.1\", \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:7: services[0].members[0].ipv4[1]: duplicate address \"192.0.2.1\"" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " members = ( { region = \"eu-west\";\n cname = \"a..b\"; } ); } );\n",
	  "%1$s:7: services[0].members[0].cname: bad domain name \"a..b\"" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ];\n"
		  " check = \"webb\"; } ); } );\n",
	  "%1$s:7: services[0].members[0].check: unknown check 'webb'" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ];\n"
		  " weight = 1000001; } ); } );\n",
	  "%1$s:7: services[0].members[0].weight: 1000001 is out of range 0..1000000" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ];\n"
		  " load_high = 10001; } ); } );\n",
	  "%1$s:7: services[0].members[0].load_high: 10001 is out of range 0..10000" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ];\n"
		  " load_low = 800;\n load_high = 800; } ); } );\n",
	  "%1$s:8: services[0].members[0].load_high: load_low 800 must be below load_high 800" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; },\n"
		  " { region = \"us-east\"; ipv4 = [ \"192.0.2.2\" ];\n"
		  " load_low = 950; } ); } );\n",
	  "%1$s:8: services[0].members[1].load_low: load_low 950 must be below load_high 900" },
	{ "services = ( { name = \"www.example.com\";\n"
	  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:3: services: needs a regions section" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " chain = [ \"nearest\", \"up\", \"weighted\", \"first:1\" ];\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:6: services[0].chain: service \"www.example.com.\": 'nearest' narrows by place "
	  "before 'up' checks health, so a dead member would be answered; use [ \"up\", "
	  "\"nearest:1\", \"weighted\", \"first:1\" ]" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " chain = [ \"weighted\", \"least_loaded\", \"priority\", \"up\" ];\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:6: services[0].chain: service \"www.example.com.\": 'least_loaded' narrows by load "
	  "before 'up' checks health, so a dead member would be answered; use [ \"up\", "
	  "\"weighted\", \"least_loaded\", \"priority\" ]" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " chain = [ \"first:2\", \"up\" ];\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:6: services[0].chain: service \"www.example.com.\": 'first' narrows by count "
	  "before 'up' checks health, so a dead member would be answered; use [ \"up\", "
	  "\"first:2\" ]" },
	/* all-down settings */
	{ REGIONS "services = ( { name = \"www.example.com\";\n up_threshold = 1.5;\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:6: services[0].up_threshold: 1.5 is out of range 0..1" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n fallback = \"closed\";\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:6: services[0].fallback: unknown value \"closed\" (want \"open\", \"empty\" or a "
	  "list of members)" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n fallback = 3;\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:6: services[0].fallback: expected a string or a list of groups, got an integer" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n fallback = ();\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:6: services[0].fallback: needs at least 1 entry" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " fallback = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.9\" ];\n check = \"web\"; },\n"
		  " { region = \"mars\"; cname = \"x.example.net\"; },\n { region = \"eu-west\"; } );\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:9: services[0].fallback[2]: needs ipv4/ipv6 addresses or a cname\n"
	  "%1$s:7: services[0].fallback[0].check: fallback members are not probed (they answer when "
	  "no member is up): remove check\n"
	  "%1$s:8: services[0].fallback[1].region: unknown region 'mars'" },
	{ REGIONS "services = ( { name = \"www.example.com\"; ttl = 20;\n fail_open_ttl = 60;\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:6: services[0].fail_open_ttl: 60 is longer than ttl 20 (it shortens the TTL of "
	  "answers given while nothing is up)" },
	{ REGIONS "services = ( { name = \"www.example.com\";\n fail_open_ttl = -1;\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n",
	  "%1$s:6: services[0].fail_open_ttl: -1 is out of range 0..86400" },
	/* CNAME cycles between services of this server: a -> b -> a, and a service to itself */
	{ REGIONS "services = ( { name = \"a.example.com\";\n"
		  " members = ( { region = \"eu-west\"; cname = \"b.example.com\"; } ); },\n"
		  " { name = \"b.example.com\"; members = (\n"
		  " { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; },\n"
		  " { region = \"eu-west\";\n cname = \"A.example.com.\"; } ); } );\n",
	  "%1$s:10: services[1].members[1].cname: CNAME cycle: service \"a.example.com.\" leads "
	  "back to \"b.example.com.\" (a service's members may CNAME to another service here, "
	  "never back)" },
	{ REGIONS "services = ( { name = \"a.example.com\";\n"
		  " members = ( { region = \"eu-west\";\n cname = \"a.example.com\"; } ); } );\n",
	  "%1$s:7: services[0].members[0].cname: CNAME cycle: service \"a.example.com.\" leads "
	  "back to \"a.example.com.\" (a service's members may CNAME to another service here, "
	  "never back)" },
	/* member names: a letter first, unique in the service, a default included */
	{ REGIONS "services = ( { name = \"www.example.com\";\n"
		  " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; name = \"9lives\"; } ); } );\n",
	  "%1$s:6: services[0].members[0].name: '9lives' must start with a letter" },
	{ REGIONS "services = ( { name = \"www.example.com\"; members = (\n"
		  " { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; name = \"eu-west-2\"; },\n"
		  " { region = \"eu-west\"; ipv4 = [ \"192.0.2.2\" ]; } ); } );\n",
	  "%1$s:7: services[0].members[1].name: 'eu-west-2' is also members[0]'s name, the default "
	  "of this member (names are unique in a service: give one of them another name)" },
	{ REGIONS "services = ( { name = \"www.example.com\"; members = (\n"
		  " { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; name = \"a\"; },\n"
		  " { region = \"eu-west\"; ipv4 = [ \"192.0.2.2\" ]; name = \"a\"; } ); } );\n",
	  "%1$s:7: services[0].members[1].name: 'a' is also members[0]'s name (names are unique in "
	  "a service: give one of them another name)" },
	/* collected: three errors in one file, in file order, the late checks last */
	{ REGIONS "services = ( { name = \"www.example.com\"; ttl = -1;\n"
		  " members = ( { region = \"nowhere\";\n ipv4 = [ \"300.1.2.3\" ]; } ); } );\n",
	  "%1$s:5: services[0].ttl: -1 is out of range 0..86400\n"
	  "%1$s:7: services[0].members[0].ipv4[0]: bad IPv4 address \"300.1.2.3\"\n"
	  "%1$s:6: services[0].members[0].region: unknown region 'nowhere'" },
};

/* store: endpoints must be http(s)://IP:PORT, TLS files must exist, the prefix is /.../ */
static const struct bad bad_store[] = {
	{ "store: { etcd = [ \"http://etcd1:2379\" ]; };\n",
	  "%1$s:3: store.etcd[0]: \"http://etcd1:2379\": the host must be an IP address (gslbd "
	  "resolves no names for the store)" },
	{ "store: { etcd = [ \"ftp://10.0.0.1:2379\" ]; };\n",
	  "%1$s:3: store.etcd[0]: bad endpoint \"ftp://10.0.0.1:2379\": scheme is not http or "
	  "https (want http://ADDR:2379)" },
	{ "store: { etcd = [ \"http://10.0.0.1:2379\" ];\n ca_file = \"nope.pem\"; };\n",
	  "%1$s:4: store.ca_file: cannot read \"%2$s/nope.pem\": No such file or directory" },
	{ "store: { etcd = [ \"http://10.0.0.1:2379\" ]; prefix = \"gslb\"; };\n",
	  "%1$s:3: store.prefix: \"gslb\" must start and end with '/' (e.g. \"/gslb/\")" },
	{ "store: { etcd = [ ]; };\n",
	  "%1$s:3: store.etcd: needs at least 1 entry" },
	{ "store: { etcd = [ \"http://10.0.0.1:2379\" ];\n username = \"gslb\"; };\n",
	  "%1$s:4: store.username: \"gslb\" needs a password: set password_file" },
	{ "store: { etcd = [ \"http://10.0.0.1:2379\" ];\n password = \"pw\"; };\n",
	  "%1$s:4: store.username: a password needs a username" },
	{ "store: { etcd = [ \"http://10.0.0.1:2379\" ]; username = \"gslb\";\n"
	  " password = \"pw\";\n password_file = \"pw.txt\"; };\n",
	  "%1$s:5: store.password_file: set password_file or password, not both" },
	{ "store: { etcd = [ \"http://10.0.0.1:2379\" ]; username = \"gslb\";\n"
	  " password_file = \"nope.txt\"; };\n",
	  "%1$s:4: store.password_file: cannot read \"%2$s/nope.txt\": No such file or directory" },
};

START_TEST(errors_store)
{
	struct conf *c;

	for (size_t i = 0; i < sizeof(bad_store) / sizeof(bad_store[0]); i++)
		load_fails(bad_store[i].body, bad_store[i].want);
	c = load_ok("store: { etcd = [ \"http://127.0.0.1:2379\", \"https://[::1]:2379\" ]; };\n");
	ck_assert(c->store.present);
	ck_assert_uint_eq(c->store.netcd, 2);
	ck_assert_str_eq(c->store.prefix, "/gslb/");
	ck_assert_str_eq(c->store.cache_file, "/var/lib/gslb/store.cache");
	conf_free(c);
	c = load_ok("");
	ck_assert(!c->store.present);
	conf_free(c);
}
END_TEST

/* A reload compares the store settings as one text: any change shows, equal ones do not */
static char *store_text_of(const char *store)
{
	struct conf *c = load_ok(store);
	char *t = conf_store_text(&c->store);

	ck_assert_ptr_nonnull(t);
	conf_free(c);
	return t;
}

START_TEST(store_text)
{
	static const char *const variants[] = {
		"store: { etcd = [ \"http://127.0.0.1:2379\" ]; };\n",
		"store: { etcd = [ \"http://127.0.0.1:2380\" ]; };\n",
		"store: { etcd = [ \"http://127.0.0.1:2379\", \"http://127.0.0.2:2379\" ]; };\n",
		"store: { etcd = [ \"http://127.0.0.1:2379\" ]; prefix = \"/x/\"; };\n",
		"store: { etcd = [ \"http://127.0.0.1:2379\" ]; username = \"u\"; password = \"p\"; };\n",
		"store: { etcd = [ \"http://127.0.0.1:2379\" ]; username = \"u\"; password = \"q\"; };\n",
		"store: { etcd = [ \"http://127.0.0.1:2379\" ]; cache_file = \"/tmp/c\"; };\n",
		"store: { etcd = [ \"http://127.0.0.1:2379\" ]; require_reason = true; };\n",
	};
	size_t n = sizeof(variants) / sizeof(variants[0]);
	char *t[8], *again, *none;

	for (size_t i = 0; i < n; i++)
		t[i] = store_text_of(variants[i]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			ck_assert_msg(strcmp(t[i], t[j]) != 0, "variants %zu and %zu", i, j);
	again = store_text_of(variants[0]);
	ck_assert_str_eq(again, t[0]);
	none = store_text_of("");
	ck_assert_str_eq(none, "");
	for (size_t i = 0; i < n; i++)
		free(t[i]);
	free(again);
	free(none);
}
END_TEST

static void run_bad(const struct bad *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		load_fails(b[i].body, b[i].want);
}

START_TEST(errors_geoip)
{
	run_bad(bad_geoip, sizeof(bad_geoip) / sizeof(bad_geoip[0]));
}
END_TEST

START_TEST(errors_regions)
{
	run_bad(bad_regions, sizeof(bad_regions) / sizeof(bad_regions[0]));
}
END_TEST

START_TEST(errors_services)
{
	run_bad(bad_services, sizeof(bad_services) / sizeof(bad_services[0]));
}
END_TEST

static void write_nets(const char *text)
{
	FILE *f;

	snprintf(nets_path, sizeof(nets_path), "%s/nets.txt", dir);
	f = fopen(nets_path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static const char *region_of(const struct conf *c, const char *addr)
{
	uint8_t a[16], span;
	int fam = strchr(addr, ':') ? AF_INET6 : AF_INET;

	ck_assert_int_eq(inet_pton(fam, addr, a), 1);
	uint32_t v = netmap_lookup(c->netmap, fam, a, &span);
	return v == NETMAP_NONE ? "-" : c->regions[c->nets[v].region].name;
}

#define NETS_REGIONS                                                                               \
	"regions = ( { name = \"eu-west\"; lat = 51.51; lon = -0.13;\n"                            \
	"              networks = [ \"10.0.0.0/8\", \"2001:db8::/32\" ]; asns = [ 3320, 13335 ]; },\n" \
	"            { name = \"us-east\"; lat = 40.71; lon = -74.01; } );\n"

/* The regions' networks and the file make one map; longest prefix wins across them. */
START_TEST(network_map)
{
	struct conf *c;

	write_nets("# offices\n\n10.1.0.0/16 us-east   # NYC office\n"
		   "  2001:db8:1::/48\tus-east\r\n0.0.0.0/0 eu-west\n");
	c = load_ok("geoip: { database = \"" DB "\"; networks_file = \"nets.txt\"; };\n" NETS_REGIONS);
	ck_assert_uint_eq(c->nnets, 5);
	ck_assert_str_eq(region_of(c, "10.1.2.3"), "us-east");
	ck_assert_str_eq(region_of(c, "10.2.2.3"), "eu-west");
	ck_assert_str_eq(region_of(c, "192.0.2.1"), "eu-west");
	ck_assert_str_eq(region_of(c, "2001:db8:1::1"), "us-east");
	ck_assert_str_eq(region_of(c, "2001:db8:2::1"), "eu-west");
	ck_assert_str_eq(region_of(c, "2001:db9::1"), "-");
	ck_assert(c->nets[1].in_file == false && c->nets[2].in_file && c->nets[2].line == 3);
	ck_assert(c->regions_have_asns);
	ck_assert_uint_eq(c->regions[0].nasns, 2);
	ck_assert_uint_eq(c->regions[0].asns[1], 13335);
	conf_free(c);
	/* no network anywhere: no map */
	c = load_ok(REGIONS);
	ck_assert_ptr_null(c->netmap);
	ck_assert(!c->regions_have_asns);
	conf_free(c);
}
END_TEST

START_TEST(network_file_errors)
{
	char *want = NULL;

	write_nets("10.1.0.0/16 us-east\n10.1.0.0/16 eu-west\n10.2.0.0/16\n10.3.0.0/16 eu-wst\n"
		   "10.4.0.1/16 us-east\n10.5.0.0/16 us-east extra\n::/0 us-east\n");
	ck_assert_int_ge(
	    asprintf(&want,
		     "%%2$s/nets.txt:2: duplicate network 10.1.0.0/16 (also at %%2$s/nets.txt:1, "
		     "region \"us-east\"): keep one\n"
		     "%%2$s/nets.txt:3: want \"NETWORK REGION\", e.g. \"192.0.2.0/24 eu-west\"\n"
		     "%%2$s/nets.txt:4: unknown region \"eu-wst\" (name one of the regions section)\n"
		     "%%2$s/nets.txt:5: \"10.4.0.1/16\" has host bits set (did you mean "
		     "10.4.0.0/16?)\n"
		     "%%2$s/nets.txt:6: want \"NETWORK REGION\", e.g. \"192.0.2.0/24 eu-west\""),
	    0);
	load_fails("geoip: { database = \"" DB "\"; networks_file = \"nets.txt\"; };\n" REGIONS,
		   want);
	free(want);
	/* a region's network and the file's */
	write_nets("\n\n10.0.0.0/8 us-east\n");
	load_fails("geoip: { database = \"" DB "\"; networks_file = \"nets.txt\"; };\n" NETS_REGIONS,
		   "%2$s/nets.txt:3: duplicate network 10.0.0.0/8 (also at %1$s:5, region "
		   "\"eu-west\"): keep one");
}
END_TEST

/* A file of thousands of bad lines reports 20 and counts the rest. */
START_TEST(network_file_many_errors)
{
	char *text = NULL, *want = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	for (int i = 0; i < 5000; i++)
		fprintf(f, "10.%d.%d.0/24 nowhere\n", i / 256, i % 256);
	fclose(f);
	write_nets(text);
	free(text);
	write_conf("geoip: { database = \"" DB "\"; networks_file = \"nets.txt\"; };\n" REGIONS);
	char err[CONF_ERRLEN];
	ck_assert_ptr_null(conf_load(path, CONF_S_GSLBD, err, sizeof(err)));
	ck_assert_int_ge(asprintf(&want, "%s/nets.txt:5000: 4980 more bad lines not shown", dir), 0);
	ck_assert_ptr_nonnull(strstr(err, want));
	ck_assert_ptr_nonnull(strstr(err, "nets.txt:20: unknown region \"nowhere\""));
	ck_assert_ptr_null(strstr(err, "nets.txt:21: "));
	free(want);
}
END_TEST

/* SERVICE_MAX_MEMBERS members load, one more does not. */
START_TEST(member_limit)
{
	for (int extra = 0; extra <= 1; extra++) {
		char *body = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&body, &len);

		ck_assert_ptr_nonnull(f);
		fputs(REGIONS "services = ( { name = \"www.example.com\";\n members = (\n", f);
		for (int i = 0; i < SERVICE_MAX_MEMBERS + extra; i++)
			fprintf(f, "%s{ region = \"us-east\"; ipv4 = [ \"10.0.%d.%d\" ]; }\n",
				i ? "," : "", i / 256, i % 256);
		fputs("); } );\n", f);
		fclose(f);
		if (extra) {
			load_fails(body, "%1$s:6: services[0].members: 257 members, at most 256");
		} else {
			struct conf *c = load_ok(body);

			ck_assert_uint_eq(c->nmembers_total, SERVICE_MAX_MEMBERS);
			ck_assert_uint_eq(c->services[0].members[255].index, 255);
			conf_free(c);
		}
		free(body);
	}
}
END_TEST

/* Sections may come in any order: members name regions and checks defined later. */
START_TEST(forward_references)
{
	struct conf *c = load_ok("services = ( { name = \"www.example.com\";\n"
				 " members = ( { region = \"late\"; ipv4 = [ \"192.0.2.1\" ];\n"
				 " check = \"c\"; } ); } );\n"
				 "regions = ( { name = \"late\"; lat = 0; lon = 0; } );\n"
				 "checks = ( { name = \"c\"; type = \"tcp\"; port = 1; } );\n");

	ck_assert_ptr_eq(c->services[0].members[0].region, &c->regions[0]);
	conf_free(c);
}
END_TEST

/* The all-down settings and their defaults. */
START_TEST(all_down_settings)
{
	struct conf *c = load_ok(REGIONS "services = ( { name = \"a.example.com\"; ttl = 60;\n"
				 " up_threshold = 0.5; fallback = \"empty\"; fail_open_ttl = 5;\n"
				 " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; },\n"
				 " { region = \"us-east\"; ipv4 = [ \"192.0.2.2\" ]; },\n"
				 " { region = \"eu-west\"; ipv4 = [ \"192.0.2.3\" ]; } ); },\n"
				 " { name = \"b.example.com\"; fallback = \"open\";\n"
				 " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.4\" ]; } ); },\n"
				 " { name = \"c.example.com\";\n"
				 " members = ( { region = \"eu-west\"; ipv4 = [ \"192.0.2.5\" ]; } );\n"
				 " fallback = ( { region = \"us-east\"; ipv4 = [ \"192.0.2.6\" ]; } ); } );\n");
	const struct service *a = &c->services[0], *b = &c->services[1], *s3 = &c->services[2];

	ck_assert_double_eq(a->up_threshold, 0.5);
	ck_assert_int_eq(a->fallback, SVC_FALLBACK_EMPTY);
	ck_assert_int_eq(a->fail_open_ttl, 5);
	ck_assert_uint_eq(a->nrslots, 2);
	ck_assert_uint_eq(a->members[0].rslot, 0);
	ck_assert_uint_eq(a->members[1].rslot, 1);
	ck_assert_uint_eq(a->members[2].rslot, 0);
	ck_assert_double_eq(b->up_threshold, 0);
	ck_assert_int_eq(b->fallback, SVC_FALLBACK_OPEN);
	ck_assert_int_eq(b->fail_open_ttl, -1);
	ck_assert_int_eq(s3->fallback, SVC_FALLBACK_MEMBERS);
	ck_assert_uint_eq(s3->nfallback, 1);
	ck_assert_ptr_eq(s3->fallback_members[0].region, &c->regions[1]);
	/* fallback members have health slots of their own, after the members */
	ck_assert_uint_eq(s3->members[0].health, 4);
	ck_assert_uint_eq(s3->fallback_members[0].health, 5);
	ck_assert_uint_eq(c->nmembers_total, 6);
	conf_free(c);
}
END_TEST

/* A CNAME member naming a service of this server links to it (any case, trailing dot or not);
 * one naming anything else does not; a chain with up first passes the order check. */
START_TEST(nested_services)
{
	struct conf *c = load_ok(REGIONS "services = ( { name = \"a.example.com\";\n"
					 " chain = [ \"up\", \"priority\", \"first:1\" ];\n"
					 " members = ( { region = \"eu-west\"; cname = \"B.example.COM.\"; },\n"
					 " { region = \"eu-west\"; cname = \"edge.example.net\"; } ); },\n"
					 " { name = \"b.example.com\"; members = (\n"
					 " { region = \"eu-west\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n");

	ck_assert_ptr_eq(c->services[0].members[0].target, &c->services[1]);
	ck_assert_ptr_null(c->services[0].members[1].target);
	ck_assert_ptr_null(c->services[1].members[0].target);
	conf_free(c);
}
END_TEST

/* conf/gslb.conf and conf/demo.conf name demo-city.mmdb beside them, which `make` builds in
 * the build tree: load each from a scratch conf/ of links to both trees' files. */
START_TEST(shipped_examples)
{
	const char *names[] = { "gslb.conf", "demo.conf" };
	char cdir[128], zdir[128], link[1024], target[1024];
	DIR *d = opendir(TEST_SRCDIR "/conf");
	struct dirent *e;

	ck_assert_ptr_nonnull(d);
	snprintf(cdir, sizeof(cdir), "%s/conf", dir);
	snprintf(zdir, sizeof(zdir), "%s/zones", dir);
	ck_assert_int_eq(mkdir(cdir, 0700), 0);
	ck_assert_int_eq(symlink(TEST_SRCDIR "/zones", zdir), 0);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(target, sizeof(target), "%s/conf/%s", TEST_SRCDIR, e->d_name);
		snprintf(link, sizeof(link), "%s/%s", cdir, e->d_name);
		ck_assert_int_eq(symlink(target, link), 0);
	}
	closedir(d);
	snprintf(link, sizeof(link), "%s/demo-city.mmdb", cdir);
	if (access(link, R_OK) != 0) /* not an in-tree build */
		ck_assert_int_eq(symlink(TEST_BUILDDIR "/conf/demo-city.mmdb", link), 0);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char err[CONF_ERRLEN];
		struct conf *c;
		struct geo_db *db;

		snprintf(link, sizeof(link), "%s/%s", cdir, names[i]);
		c = conf_load(link, CONF_S_GSLBD, err, sizeof(err));
		ck_assert_msg(c != NULL, "%s: %s", names[i], err);
		ck_assert(c->geoip.enabled);
		/* the database opens as snapshot_build opens it */
		db = geo_open2(c->geoip.database, c->geoip.database6, c->geoip.schema, err,
			       sizeof(err));
		ck_assert_msg(db != NULL, "%s: %s", names[i], err);
		geo_close(db);
		ck_assert_uint_ge(c->nservices, 2);
		conf_free(c);
	}
	/* the fixture's teardown only removes one file */
	d = opendir(cdir);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		snprintf(link, sizeof(link), "%s/%s", cdir, e->d_name);
		if (e->d_name[0] != '.')
			unlink(link);
	}
	closedir(d);
	rmdir(cdir);
	unlink(zdir);
}
END_TEST

static Suite *conf_service_suite(void)
{
	const struct unit_case cases[] = {
		{ "valid_full", valid_full },
		{ "defaults", defaults },
		{ "flat_two_files", flat_two_files },
		{ "errors_geoip", errors_geoip },
		{ "errors_regions", errors_regions },
		{ "errors_services", errors_services }, { "errors_store", errors_store },
		{ "store_text", store_text },
		{ "member_limit", member_limit },
		{ "forward_references", forward_references },
		{ "nested_services", nested_services },
		{ "all_down_settings", all_down_settings },
		{ "shipped_examples", shipped_examples },
		{ "network_map", network_map },
		{ "network_file_errors", network_file_errors },
		{ "network_file_many_errors", network_file_many_errors },
	};
	Suite *s = suite_create("conf_service");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_test(tc, cases[i].fn);
		suite_add_tcase(s, tc);
	}
	return s;
}

UNIT_MAIN(conf_service_suite)
