/* SPDX-License-Identifier: Apache-2.0 */
/* test_snapshot.c — snapshot_build: GeoIP handle, health slots, services attached to zones */
#include "config.h"

#include "snapshot.h"

#include "conf.h"
#include "dname.h"
#include "geo.h"
#include "service.h"
#include "unit.h"
#include "zone.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DB TEST_BUILDDIR "/tests/data/test-city.mmdb"
#define FLAT4 TEST_BUILDDIR "/tests/data/test-city-flat4.mmdb"
#define ZONE_FILE TEST_SRCDIR "/zones/example.com.zone"

#define HEAD                                                                                       \
	"server: { listen = [ \"127.0.0.1:5300\" ]; };\n"                                          \
	"zones = ( { name = \"example.com\"; file = \"" ZONE_FILE "\"; } );\n"                     \
	"regions = ( { name = \"eu\"; lat = 51.5; lon = -0.1; } );\n"

static char dir[64];
static char path[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_snapshot.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/gslb.conf", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

/* err: CONF_ERRLEN bytes */
static struct snapshot *build(const char *body, char *err)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(HEAD, f);
	fputs(body, f);
	ck_assert_int_eq(fclose(f), 0);
	return snapshot_build(path, NULL, err, CONF_ERRLEN);
}

static const struct zone_node *node(const struct snapshot *s, const char *name,
				    struct lookup_result *res)
{
	uint8_t wire[DNAME_MAXLEN];
	const struct zone *z;

	ck_assert_int_gt(dname_from_str(name, wire), 0);
	z = zonedb_find(s->zones, wire);
	ck_assert_ptr_nonnull(z);
	zone_lookup(z, wire, 1, res);
	return zone_find(z, wire);
}

#define MEMBER "members = ( { region = \"eu\"; ipv4 = [ \"192.0.2.1\" ]; } ); }"

START_TEST(services_attached)
{
	char err[CONF_ERRLEN];
	struct snapshot *s = build("geoip: { database = \"" DB "\"; };\n"
				   "services = (\n"
				   " { name = \"www.example.com\"; " MEMBER ",\n"
				   " { name = \"a.b.new.example.com\"; members = (\n"
				   "   { region = \"eu\"; cname = \"edge.example.net\"; },\n"
				   "   { region = \"eu\"; cname = \"edge2.example.net\"; } ); },\n"
				   " { name = \"example.com\"; " MEMBER " );\n",
				   err);
	struct lookup_result res;
	const struct zone_node *n;
	struct geo_loc loc;
	uint8_t a4[4];

	ck_assert_msg(s != NULL, "%s", err);
	/* the GeoIP handle is open and works */
	ck_assert_ptr_nonnull(s->geo);
	inet_pton(AF_INET, "10.1.2.3", a4);
	ck_assert_int_eq(geo_lookup(s->geo, AF_INET, a4, &loc), 0);
	ck_assert(loc.found);
	ck_assert_str_eq(loc.country, "GB");
	/* one health slot per member, initialised up */
	ck_assert_uint_eq(s->nhealth, 4);
	ck_assert_ptr_nonnull(s->health);
	ck_assert(member_health_up(&s->health[3]));
	ck_assert_uint_eq(member_health_load(&s->health[3]), MEMBER_LOAD_UNKNOWN);

	/* an existing name: its static data stays, the service is set */
	n = node(s, "www.example.com", &res);
	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_eq(n->service, &s->conf->services[0]);
	ck_assert_ptr_nonnull(node_rrset(n, 1));
	ck_assert_int_eq(res.kind, LOOKUP_ANSWER);
	ck_assert_ptr_eq(res.node, n);

	/* a new name, with empty non-terminals up to the closest existing name */
	n = node(s, "a.b.new.example.com", &res);
	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_eq(n->service, &s->conf->services[1]);
	ck_assert_uint_eq(n->flags, 0);
	ck_assert_uint_eq(n->nrrsets, 0);
	ck_assert_int_eq(res.kind, LOOKUP_ANSWER);
	ck_assert_ptr_eq(res.node, n);
	n = node(s, "b.new.example.com", &res);
	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_null(n->service);
	ck_assert_uint_eq(n->flags, NODE_ENT);
	ck_assert_int_eq(res.kind, LOOKUP_ANSWER); /* NODATA, not NXDOMAIN */
	ck_assert_ptr_nonnull(node(s, "new.example.com", &res));

	/* the apex */
	n = node(s, "example.com", &res);
	ck_assert_ptr_eq(n->service, &s->conf->services[2]);
	ck_assert(n->flags & NODE_APEX);

	/* the rest of the zone is untouched */
	node(s, "nope.example.com", &res);
	ck_assert_int_eq(res.kind, LOOKUP_NXDOMAIN);
	n = node(s, "x.dev.example.com", &res);
	ck_assert_int_eq(res.kind, LOOKUP_DELEGATION);
	snapshot_free(s);
}
END_TEST

START_TEST(no_geoip)
{
	char err[CONF_ERRLEN];
	struct snapshot *s = build("", err);

	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_ptr_null(s->geo);
	ck_assert_uint_eq(s->nhealth, 0);
	snapshot_free(s);
}
END_TEST

START_TEST(below_cut)
{
	char err[CONF_ERRLEN], *want = NULL;
	struct snapshot *s = build("services = (\n"
				   " { name = \"dev.example.com\"; " MEMBER ",\n"
				   " { name = \"www.dev.example.com\"; " MEMBER ",\n"
				   " { name = \"ok.example.com\"; " MEMBER " );\n",
				   err);

	ck_assert_ptr_null(s);
	ck_assert_int_ge(asprintf(&want,
				  "%1$s:5: services[0].name: dev.example.com. is at or below a zone "
				  "cut in example.com.\n"
				  "%1$s:6: services[1].name: www.dev.example.com. is at or below a "
				  "zone cut in example.com.",
				  path),
			 0);
	ck_assert_str_eq(err, want);
	free(want);
}
END_TEST

/* The config only checks that the database files are readable; opening them is the
 * snapshot's, which blames the setting's line as the loader did. Zones are not loaded
 * after such an error. */
START_TEST(geoip_errors)
{
	static const struct {
		const char *body, *want;
	} bad[] = {
		{"geoip: { database = \"" DB "\"; schema = \"flat\"; };\n",
		 "%1$s:4: geoip.database: " DB ": records do not follow schema \"flat\" "
		 "(database_type 'GeoIP2-City'); try schema \"geoip2\""},
		{"geoip: { database = \"" FLAT4 "\";\n database6 = \"" FLAT4 "\"; schema = \"flat\"; };\n",
		 "%1$s:5: geoip.database6: " FLAT4 ": not an IPv6 database (ip_version 4)"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[CONF_ERRLEN], *want = NULL;
		struct snapshot *s = build(bad[i].body, err);

		ck_assert_msg(s == NULL, "built: %s", bad[i].body);
		ck_assert_int_ge(asprintf(&want, bad[i].want, path), 0);
		ck_assert_str_eq(err, want);
		free(want);
	}
}
END_TEST

/* A zone file in dir with one TXT record of text (4 characters: the size never changes),
 * modified at mtime (unix seconds). */
static void write_zone(const char *zpath, const char *text, time_t mtime)
{
	struct timespec times[2] = {{.tv_sec = mtime}, {.tv_sec = mtime}};
	FILE *f = fopen(zpath, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "$TTL 300\n@ SOA ns1 host 1 3600 900 604800 300\n@ NS ns1\nns1 A 192.0.2.53\n"
		   "t TXT \"%s\"\n",
		text);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, zpath, times, 0), 0);
}

static struct snapshot *build_carry(const char *zpath, int weight, const struct snapshot *prev,
				    char *err)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"server: { listen = [ \"127.0.0.1:5300\" ]; };\n"
		"zones = ( { name = \"carry.test\"; file = \"%s\"; } );\n"
		"regions = ( { name = \"eu\"; lat = 51.5; lon = -0.1; weight = %d; } );\n"
		"services = ( { name = \"www.carry.test\"; " MEMBER " );\n",
		zpath, weight);
	ck_assert_int_eq(fclose(f), 0);
	return snapshot_build(path, prev, err, CONF_ERRLEN);
}

/* The text of t.carry.test's TXT record (one string), in a static buffer. */
static const char *txt_of(const struct snapshot *s)
{
	static char text[256];
	struct lookup_result res;
	const struct rrset *rs = node_rrset(node(s, "t.carry.test.", &res), 16);

	ck_assert_ptr_nonnull(rs);
	/* rdlength (2), the string's length (1), the string */
	memcpy(text, rs->rdata + 3, rs->rdata[2]);
	text[rs->rdata[2]] = '\0';
	return text;
}

/* A reload carries an unchanged zone (shared, services of its own), reads a changed one
 * even when size and mtime are the same, and reads one written during its last load. */
START_TEST(carry)
{
	char err[CONF_ERRLEN], zpath[96];
	struct snapshot *s1, *s2, *s3, *s4;
	struct lookup_result res;
	time_t old = time(NULL) - 60;

	snprintf(zpath, sizeof(zpath), "%s/carry.zone", dir);
	write_zone(zpath, "aaaa", old);
	s1 = build_carry(zpath, 100, NULL, err);
	ck_assert_msg(s1 != NULL, "%s", err);
	ck_assert_str_eq(s1->zones_read, "carry.test.");
	ck_assert_str_eq(s1->zones_carried, "");

	/* a config-only change: the loaded zone is shared, the service is the new config's */
	s2 = build_carry(zpath, 50, s1, err);
	ck_assert_msg(s2 != NULL, "%s", err);
	ck_assert_str_eq(s2->zones_carried, "carry.test.");
	ck_assert_str_eq(s2->zones_read, "");
	ck_assert_ptr_eq(s2->zones->zones[0]->base, s1->zones->zones[0]->base);
	ck_assert_uint_eq(s1->zones->zones[0]->base->refs, 2);
	ck_assert_ptr_eq(node(s2, "www.carry.test.", &res)->service, &s2->conf->services[0]);
	ck_assert_ptr_eq(node(s1, "www.carry.test.", &res)->service, &s1->conf->services[0]);
	ck_assert_uint_eq(s2->conf->services[0].members[0].region->weight, 50);
	snapshot_free(s1); /* the older snapshot goes first, as after a publish */
	ck_assert_str_eq(txt_of(s2), "aaaa");

	/* same size, same mtime, other content: the hash tells */
	write_zone(zpath, "bbbb", old);
	s3 = build_carry(zpath, 50, s2, err);
	ck_assert_msg(s3 != NULL, "%s", err);
	ck_assert_str_eq(s3->zones_read, "carry.test.");
	ck_assert_str_eq(s3->zones_carried, "");
	ck_assert_str_eq(txt_of(s3), "bbbb");
	ck_assert_str_eq(txt_of(s2), "aaaa");
	snapshot_free(s2);

	/* written just now: it may have changed while it was read, so the next build reads it
	 * again, though nothing changed since */
	write_zone(zpath, "cccc", time(NULL));
	s4 = build_carry(zpath, 50, s3, err);
	ck_assert_msg(s4 != NULL, "%s", err);
	ck_assert_str_eq(s4->zones_read, "carry.test.");
	snapshot_free(s3);
	s3 = build_carry(zpath, 50, s4, err);
	ck_assert_msg(s3 != NULL, "%s", err);
	ck_assert_str_eq(s3->zones_read, "carry.test.");
	ck_assert_str_eq(txt_of(s3), "cccc");
	snapshot_free(s4);
	snapshot_free(s3);
	unlink(zpath);
}
END_TEST

static Suite *snapshot_suite(void)
{
	const struct unit_case cases[] = {
		{ "services_attached", services_attached },
		{ "no_geoip", no_geoip },
		{ "below_cut", below_cut },
		{ "geoip_errors", geoip_errors },
		{ "carry", carry },
	};
	Suite *s = suite_create("snapshot");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_test(tc, cases[i].fn);
		suite_add_tcase(s, tc);
	}
	return s;
}

UNIT_MAIN(snapshot_suite)
