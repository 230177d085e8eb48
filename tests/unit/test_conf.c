/* SPDX-License-Identifier: Apache-2.0 */
/* test_conf.c — the configuration loader: values, defaults, every kind of error */
#include "config.h"

#include "conf.h"

#include "dname.h"
#include "service.h"
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONF_DIR TEST_SRCDIR "/tests/unit/conf"
#define ZONE_FILE TEST_SRCDIR "/zones/example.com.zone"

static char *fixture(const char *name)
{
	char *p = NULL;

	ck_assert_int_ge(asprintf(&p, "%s/%s", CONF_DIR, name), 0);
	return p;
}

static struct conf *load_ok(const char *name)
{
	char *path = fixture(name);
	char err[CONF_ERRLEN] = "(unset)";
	struct conf *c = conf_load(path, CONF_S_ALL, err, sizeof(err));

	ck_assert_msg(c != NULL, "%s: %s", name, err);
	ck_assert_str_eq(err, ""); /* cleared */
	ck_assert_str_eq(c->path, path);
	free(path);
	return c;
}

/* Loads a fixture that must fail and compares the whole message; every "%1$s" in want is the
 * fixture's path. */
static void load_fails(const char *name, const char *want)
{
	char *path = fixture(name);
	char err[CONF_ERRLEN];
	char *expect = NULL;
	struct conf *c = conf_load(path, CONF_S_ALL, err, sizeof(err));

	ck_assert_msg(c == NULL, "%s loaded", name);
	ck_assert_int_ge(asprintf(&expect, want, path), 0);
	ck_assert_str_eq(err, expect);
	free(expect);
	free(path);
}

static char *canon(const char *path)
{
	char *p = realpath(path, NULL);

	ck_assert_ptr_nonnull(p);
	return p;
}

START_TEST(valid_all_fields)
{
	struct conf *c = load_ok("valid.conf");
	char *zone = canon(ZONE_FILE);
	char *dir = canon(CONF_DIR);
	uint8_t apex[DNAME_MAXLEN];

	ck_assert_str_eq(c->dir, dir);
	ck_assert_uint_eq(c->nlisten, 4);
	ck_assert_str_eq(c->listen[0].text, "127.0.0.1:5300");
	ck_assert_str_eq(c->listen[1].text, "[::1]:5300");
	ck_assert_str_eq(c->listen[2].text, "127.0.0.2");
	ck_assert_str_eq(c->listen[3].text, "::1");
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&c->listen[2].ss;
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(ntohs(sin->sin_port), 53);
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&c->listen[1].ss;
	ck_assert_int_eq(sin6->sin6_family, AF_INET6);
	ck_assert_uint_eq(ntohs(sin6->sin6_port), 5300);
	ck_assert_uint_eq(c->listen[1].len, sizeof(struct sockaddr_in6));

	ck_assert_int_eq(c->threads, 3);
	ck_assert_str_eq(c->identity, "site-a");
	ck_assert_str_eq(c->version, "gslb 1.0");
	ck_assert_str_eq(c->user, "nobody");
	ck_assert_uint_eq(c->max_udp_size, 4096);
	ck_assert_int_eq(c->tcp_max_clients, 7);
	ck_assert_double_eq(c->tcp_idle_timeout, 2.0); /* an integer where a float is due */

	ck_assert_uint_eq(c->nzones, 2);
	ck_assert_str_eq(c->zones[0].name, "example.com");
	ck_assert_str_eq(c->zones[0].file, zone);
	ck_assert_int_eq(c->zones[0].line, 12);
	ck_assert_int_gt(dname_from_str("example.com", apex), 0);
	ck_assert(dname_equal(c->zones[0].apex, apex));
	ck_assert_mem_eq(c->zones[0].apex, "\7example\3com\0", 13);
	ck_assert_str_eq(c->zones[1].name, "Example.NET.");
	ck_assert_mem_eq(c->zones[1].apex, "\7example\3net\0", 13); /* lowercased */
	ck_assert_str_eq(c->zones[1].file, zone);
	ck_assert_int_eq(c->zones[1].line, 13);
	free(dir);
	free(zone);
	conf_free(c);
}
END_TEST

START_TEST(valid_defaults)
{
	struct conf *c = load_ok("defaults.conf");

	ck_assert_uint_eq(c->nlisten, 1);
	ck_assert_str_eq(c->listen[0].text, "127.0.0.1");
	ck_assert_int_ge(c->threads, 1); /* 0 resolved to the number of cores */
	ck_assert_int_le(c->threads, 256);
	ck_assert_str_eq(c->identity, "");
	ck_assert_str_eq(c->version, "");
	ck_assert_str_eq(c->user, "");
	ck_assert_uint_eq(c->max_udp_size, 1232);
	ck_assert_int_eq(c->tcp_max_clients, 1024);
	ck_assert_double_eq(c->tcp_idle_timeout, 10.0);
	ck_assert_uint_eq(c->nzones, 1);
	conf_free(c);
}
END_TEST

START_TEST(valid_include)
{
	struct conf *c = load_ok("include.conf");
	char *zone = canon(ZONE_FILE);

	ck_assert_uint_eq(c->nzones, 1);
	ck_assert_str_eq(c->zones[0].file, zone);
	ck_assert_int_eq(c->zones[0].line, 2); /* line in the included file */
	free(zone);
	conf_free(c);
}
END_TEST

START_TEST(valid_health)
{
	struct conf *c = load_ok("health.conf");
	char *dir = canon(CONF_DIR);
	char *key1 = NULL;

	ck_assert_uint_eq(c->nchecks, 5);
	const struct conf_check *web = conf_check_find(c, "web");
	ck_assert_ptr_eq(web, &c->checks[0]);
	/* gslbd registers no check types: the type word is kept, the type's keys are not read */
	ck_assert_str_eq(web->type_name, "http");
	ck_assert_ptr_null(web->type);
	ck_assert_ptr_null(web->params);
	ck_assert_double_eq(web->interval, 2.0);
	ck_assert_double_eq(web->timeout, 0.5);
	ck_assert_int_eq(web->rise, 3);
	ck_assert_int_eq(web->fall, 4);
	ck_assert_int_eq(web->line, 6);
	const struct conf_check *tls = conf_check_find(c, "tls");
	ck_assert_str_eq(tls->type_name, "https");
	ck_assert_double_eq(tls->interval, 1.0);
	ck_assert_int_eq(tls->rise, 2);
	ck_assert_int_eq(tls->fall, 3);
	ck_assert_str_eq(conf_check_find(c, "l4")->type_name, "tcp");
	ck_assert_str_eq(conf_check_find(c, "dns")->type_name, "dns");
	ck_assert_str_eq(conf_check_find(c, "lb")->type_name, "haproxy");
	ck_assert_ptr_null(conf_check_find(c, "nope"));
	ck_assert_ptr_null(conf_check_type_find("http"));

	const struct conf_health *h = &c->health;
	ck_assert(h->present);
	ck_assert_uint_eq(h->nlisten, 2);
	ck_assert_str_eq(h->listen[1].text, "::1");
	ck_assert_uint_eq(ntohs(((const struct sockaddr_in6 *)&h->listen[1].ss)->sin6_port),
			  CONF_HEALTH_PORT);
	ck_assert_uint_eq(h->nkeys, 2);
	ck_assert_str_eq(h->keys[0].id, "k1");
	ck_assert_int_ge(asprintf(&key1, "%s/probe.key", dir), 0);
	ck_assert_str_eq(h->keys[0].secret_file, key1);
	ck_assert_uint_eq(h->keys[0].secret_len, 64); /* base64 of 48 bytes, newline trimmed */
	ck_assert_uint_eq(h->keys[1].secret_len, 43);
	ck_assert_mem_eq(h->keys[1].secret, "k2-", 3);
	ck_assert_ptr_eq(conf_health_key_find(h, "k2xx", 2), &h->keys[1]);
	ck_assert_uint_eq(h->keys[0].nprobers, 2);
	ck_assert_str_eq(h->keys[0].probers[1], "probe-eu-2");
	ck_assert(conf_health_key_allows(&h->keys[0], "probe-eu-2xx", 10));
	ck_assert(!conf_health_key_allows(&h->keys[0], "probe-eu-3", 10));
	ck_assert(!conf_health_key_allows(&h->keys[0], "probe-eu-", 9));
	ck_assert(conf_health_key_allows(&h->keys[1], "anything", 8)); /* "*" */
	ck_assert_ptr_null(conf_health_key_find(h, "k", 1));
	ck_assert_int_eq(h->quorum, 2);
	ck_assert_double_eq(h->stale_after, 4.5);
	ck_assert_double_eq(h->grace, 0);
	ck_assert(!h->default_up);
	ck_assert_ptr_nonnull(strstr(h->state_file, "/tests/unit/conf/overrides"));
	ck_assert_double_eq(h->report_interval, 0.5);
	ck_assert_double_eq(h->max_clock_skew, 10);

	const struct conf_probe *p = &c->probe;
	ck_assert(p->present);
	ck_assert_str_eq(p->id, "probe-eu-1");
	ck_assert_uint_eq(p->nreport_to, 2);
	ck_assert_str_eq(p->report_to[1].text, "[::1]");
	ck_assert_str_eq(p->key, "k2");
	ck_assert_ptr_eq(p->key_ref, &h->keys[1]);
	free(key1);
	free(dir);
	conf_free(c);

	/* all three sections are optional */
	c = load_ok("valid.conf");
	ck_assert_uint_eq(c->nchecks, 0);
	ck_assert(!c->health.present);
	ck_assert(!c->probe.present);
	ck_assert_int_eq(c->health.quorum, 1);
	ck_assert(c->health.default_up);
	ck_assert_double_eq(c->health.stale_after, 5.0);
	ck_assert_double_eq(c->health.grace, 30.0);
	ck_assert_str_eq(c->health.state_file, "");
	conf_free(c);
}
END_TEST

START_TEST(error_health)
{
	/* the type's own keys are gslb-probe's (test_check_types); the rest is read here */
	load_fails("health-bad.conf",
		   "%1$s:7: checks[2].rise: 0 is out of range 1..100\n"
		   "%1$s:7: checks[2].fall: 101 is out of range 1..100\n"
		   "%1$s:10: checks[5].name: bad name \"e e\" (want 1..64 of A-Z a-z 0-9 . _ -)\n"
		   "%1$s:8: checks[3].timeout: 1 must be shorter than interval 1\n"
		   "%1$s:8: checks[3].name: duplicate check \"c\" (also at line 7)\n"
		   "%1$s:14: health.keys[0].secret_file: secret in \"" CONF_DIR
		   "/short.key\" is 16 bytes, want 32..1024\n"
		   "%1$s:15: health.keys[1].secret_file: cannot read \"" CONF_DIR
		   "/nokey\": No such file or directory\n"
		   "%1$s:14: health.keys[0].probers[1]: \"*\" (any prober) must be the only entry\n"
		   "%1$s:15: health.keys[1].probers[0]: bad prober id \"bad id\" (want \"*\" or "
		   "1..64 of A-Z a-z 0-9 . _ -)\n"
		   "%1$s:15: health.keys[1].id: duplicate key id \"k1\"\n"
		   "%1$s:16: health.default: unknown value \"maybe\" (want \"down\", \"up\")\n"
		   "%1$s:17: health.stale_after: 1 must be longer than report_interval 1, "
		   "or every report is stale\n"
		   "%1$s:3: probe.key: unknown key \"k9\" (not in health.keys)");
	load_fails("health-nokeys.conf",
		   "%1$s:3: health.keys: missing required setting\n"
		   "%1$s:4: probe.key: unknown key \"k1\" (not in health.keys)");
}
END_TEST

START_TEST(error_include)
{
	load_fails("include-bad.conf",
		   CONF_DIR "/include-bad.inc:3: zones[0].file: cannot read \"" CONF_DIR
			    "/no-such.zone\": No such file or directory");
}
END_TEST

START_TEST(error_unknown_key)
{
	/* a typo gets the closest key of its group; a word far from all gets no guess */
	load_fails("unknown.conf", "%1$s:3: server.listne: unknown setting (did you mean \"listen\"?)\n"
				   "%1$s:4: server.tcp.max_client: unknown setting (did you mean "
				   "\"max_clients\"?)\n"
				   "%1$s:6: zones[0].color: unknown setting\n"
				   "%1$s:7: no_such_section: unknown setting");
}
END_TEST

START_TEST(error_wrong_type)
{
	load_fails("type.conf", "%1$s:2: server.listen[1]: expected a string, got an integer\n"
				"%1$s:3: server.threads: expected an integer, got a string\n"
				"%1$s:4: server.identity: expected a string, got an integer\n"
				"%1$s:5: server.max_udp_size: expected an integer, got a float\n"
				"%1$s:6: server.tcp: expected a group, got an array\n"
				"%1$s:8: zones: expected a list of groups, got a group");
	load_fails("type2.conf",
		   "%1$s:2: server.listen: expected an array of strings, got a string\n"
		   "%1$s:3: server.tcp.idle_timeout: expected a number, got a string\n"
		   "%1$s:5: zones[0].name: expected a string, got an integer");
}
END_TEST

#define BAD_ADDR "(want IPv4, IPv6 or [IPv6], optionally with :port 1..65535)"

START_TEST(error_bad_address)
{
	load_fails("addr.conf",
		   "%1$s:2: server.listen[1]: bad address \"[::1]:0\" " BAD_ADDR "\n"
		   "%1$s:2: server.listen[2]: bad address \"1.2.3.4:65536\" " BAD_ADDR "\n"
		   "%1$s:2: server.listen[3]: bad address \"localhost:53\" " BAD_ADDR "\n"
		   "%1$s:2: server.listen[4]: bad address \"[::1\" " BAD_ADDR "\n"
		   "%1$s:3: server.listen[5]: bad address \"1.2.3.4:\" " BAD_ADDR "\n"
		   "%1$s:3: server.listen[6]: duplicate address \"127.0.0.1:5300\" "
		   "(same as \"127.0.0.1:5300\")\n"
		   "%1$s:3: server.listen[8]: duplicate address \"::1\" (same as \"[::1]:53\")\n"
		   "%1$s:3: server.listen[9]: bad address \"1.2.3.4:+53\" " BAD_ADDR "\n"
		   "%1$s:3: server.listen[10]: bad address \"\" " BAD_ADDR);
}
END_TEST

START_TEST(error_out_of_range)
{
	load_fails("range.conf", "%1$s:3: server.threads: 257 is out of range 0..256\n"
				 "%1$s:4: server.max_udp_size: 511 is out of range 512..4096\n"
				 "%1$s:5: server.tcp.max_clients: 0 is out of range 1..100000\n"
				 "%1$s:5: server.tcp.idle_timeout: 0.05 is out of range 0.1..3600");
}
END_TEST

START_TEST(error_duplicate_zone)
{
	load_fails("dupzone.conf",
		   "%1$s:6: zones[3].name: bad domain name \"bad..name\"\n"
		   "%1$s:5: zones[2].name: duplicate zone \"EXAMPLE.com.\" (also at line 3)");
}
END_TEST

START_TEST(error_missing_file)
{
	load_fails("missingfile.conf",
		   "%1$s:3: zones[0].file: cannot read \"" CONF_DIR
		   "/missing.zone\": No such file or directory\n"
		   "%1$s:4: zones[1].file: \"" CONF_DIR "/.\" is not a regular file\n"
		   "%1$s:5: zones[2].file: missing required setting");
	load_fails("no-such.conf", "%1$s: cannot open: No such file or directory");
}
END_TEST

START_TEST(error_syntax)
{
	load_fails("syntax.conf", "%1$s:3: syntax: syntax error");
}
END_TEST

START_TEST(error_missing_required)
{
	load_fails("nolisten.conf", "%1$s:1: server.listen: missing required setting");
	load_fails("empty.conf", "%1$s:2: server.listen: needs at least 1 entry\n"
				 "%1$s:3: zones: needs at least 1 entry");
	load_fails("nothing.conf", "%1$s:1: server: missing required setting\n"
				   "%1$s:1: zones: missing required setting");
}
END_TEST

START_TEST(error_all_reported)
{
	load_fails("multi.conf",
		   "%1$s:2: server.listen[0]: bad address \"127.0.0.1:99999\" " BAD_ADDR "\n"
		   "%1$s:3: server.threads: -1 is out of range 0..256\n"
		   "%1$s:4: server.bogus: unknown setting\n"
		   "%1$s:7: zones[0].file: cannot read \"" CONF_DIR
		   "/nope.zone\": No such file or directory\n"
		   "%1$s:9: zones[1]: expected a group, got a string");
}
END_TEST

/* The caller's buffer holds every line and is cut only at its size. */
START_TEST(error_buffer)
{
	char *path = fixture("multi.conf");
	char full[CONF_ERRLEN], small[40];
	size_t len;

	ck_assert_ptr_null(conf_load(path, CONF_S_ALL, full, sizeof(full)));
	len = strlen(full);
	ck_assert_ptr_nonnull(strchr(full, '\n'));
	ck_assert_ptr_null(conf_load(path, CONF_S_ALL, small, sizeof(small)));
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert_int_eq(strncmp(small, full, sizeof(small) - 1), 0);
	/* exactly enough room */
	char *exact = malloc(len + 1);
	ck_assert_ptr_nonnull(exact);
	ck_assert_ptr_null(conf_load(path, CONF_S_ALL, exact, len + 1));
	ck_assert_str_eq(exact, full);
	free(exact);
	/* no room at all: still fails, writes nothing */
	ck_assert_ptr_null(conf_load(path, CONF_S_ALL, NULL, 0));
	free(path);
}
END_TEST

/* Writes body to a temporary config; returns its path (static buffer). */
static const char *write_tmp(const char *body)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_conf.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(body, f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

#define SERVER_ZONES                                                                               \
	"server: { listen = [ \"127.0.0.1:5300\" ]; };\n"                                          \
	"zones = ( { name = \"example.com\"; file = \"" ZONE_FILE "\"; } );\n"
#define REGION "regions = ( { name = \"eu\"; lat = 1; lon = 2; } );\n"

/* A section the caller does not read is known (an unknown name is still an error) but not
 * validated, and no check runs against it; one it reads is checked as with CONF_S_ALL. */
START_TEST(sections)
{
	char err[CONF_ERRLEN];
	struct conf *c;
	const char *p;

	/* a bad anycast section: gslbd does not read it, gslb-anycast does */
	p = write_tmp(SERVER_ZONES "anycast: { rise = 0; };\n");
	c = conf_load(p, CONF_S_GSLBD, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert(!c->anycast.present);
	conf_free(c);
	ck_assert_ptr_null(conf_load(p, CONF_S_GSLB_ANYCAST, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, ":3: anycast.rise: 0 is out of range"));
	ck_assert_ptr_null(conf_load(p, CONF_S_ALL, err, sizeof(err)));
	unlink(p);

	/* an unknown top-level name fails whatever the mask */
	p = write_tmp(SERVER_ZONES "colour = \"blue\";\n");
	ck_assert_ptr_null(conf_load(p, CONF_S_GSLB_ANYCAST, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, ":3: colour: unknown setting"));
	ck_assert_ptr_null(conf_load(p, CONF_S_PROBE, err, sizeof(err)));
	unlink(p);

	/* the probe reads no server or zones: neither is required, a service outside every
	 * zone and a bad server section are gslbd's errors */
	p = write_tmp("server: { threads = -1; };\n" REGION
		      "services = ( { name = \"www.example.org\"; members = (\n"
		      " { region = \"eu\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n");
	c = conf_load(p, CONF_S_GSLB_PROBE, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->nservices, 1);
	ck_assert_ptr_eq(c->services[0].members[0].region, &c->regions[0]);
	ck_assert_uint_eq(c->nzones, 0);
	conf_free(c);
	ck_assert_ptr_null(conf_load(p, CONF_S_GSLBD, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, ":1: server.threads: -1 is out of range"));
	ck_assert_ptr_nonnull(strstr(err, ":1: zones: missing required setting"));
	ck_assert_ptr_nonnull(strstr(err, "services[0].name: not inside any served zone"));
	unlink(p);

	/* a member's check is checked when the checks are read (gslbd, the probe) */
	p = write_tmp(SERVER_ZONES REGION
		      "services = ( { name = \"www.example.com\"; members = (\n"
		      " { region = \"eu\"; ipv4 = [ \"192.0.2.1\" ]; check = \"web\"; } ); } );\n");
	ck_assert_ptr_null(conf_load(p, CONF_S_GSLB_PROBE, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "services[0].members[0].check: unknown check 'web'"));
	ck_assert_ptr_null(conf_load(p, CONF_S_GSLBD, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "unknown check 'web'"));
	unlink(p);

	/* a section comes with the ones its hooks read: services their regions */
	p = write_tmp(SERVER_ZONES REGION
		      "services = ( { name = \"www.example.com\"; members = (\n"
		      " { region = \"eu\"; ipv4 = [ \"192.0.2.1\" ]; } ); } );\n");
	c = conf_load(p, CONF_S_SERVICES, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->nregions, 1);
	ck_assert_ptr_eq(c->services[0].members[0].region, &c->regions[0]);
	conf_free(c);
	c = conf_load(p, CONF_S_SERVER | CONF_S_ZONES, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->nservices, 0);
	ck_assert_uint_eq(c->nregions, 0);
	conf_free(c);
	unlink(p);
}
END_TEST

static void addr_ok(const char *text, int family, const char *host, unsigned port)
{
	struct conf_addr a;
	char buf[INET6_ADDRSTRLEN];

	ck_assert_msg(conf_parse_addr(text, 53, &a) == 0, "%s rejected", text);
	ck_assert_str_eq(a.text, text);
	ck_assert_int_eq(a.ss.ss_family, family);
	if (family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&a.ss;

		ck_assert_uint_eq(a.len, sizeof(*sin));
		ck_assert_uint_eq(ntohs(sin->sin_port), port);
		inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a.ss;

		ck_assert_uint_eq(a.len, sizeof(*sin6));
		ck_assert_uint_eq(ntohs(sin6->sin6_port), port);
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
	}
	ck_assert_str_eq(buf, host);
	free(a.text);
}

START_TEST(parse_addr)
{
	addr_ok("1.2.3.4:5300", AF_INET, "1.2.3.4", 5300);
	addr_ok("1.2.3.4", AF_INET, "1.2.3.4", 53);
	addr_ok("127.0.0.1:65535", AF_INET, "127.0.0.1", 65535);
	addr_ok("[::1]:5300", AF_INET6, "::1", 5300);
	addr_ok("[2001:db8::1]", AF_INET6, "2001:db8::1", 53);
	addr_ok("::1", AF_INET6, "::1", 53);
	addr_ok("2001:db8::53", AF_INET6, "2001:db8::53", 53);

	const char *bad[] = {"",	  "1.2.3.4:0",	 "1.2.3.4:65536", "1.2.3.4:",
			     "1.2.3.4:x", "1.2.3.4: 53", "1.2.3.4:-1",	  "host:53",
			     "[::1",	  "[::1]53",	 "[::1]:",	  "[1.2.3.4]:53",
			     "::1::2",	  "1.2.3",	 ":53",		  "1.2.3.4:123456",
			     "[]:53"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct conf_addr a;

		ck_assert_msg(conf_parse_addr(bad[i], 53, &a) == -EINVAL, "\"%s\" accepted",
			      bad[i]);
		ck_assert_ptr_null(a.text);
	}
}
END_TEST

/* server.control in a config written to a temporary directory, beside a token file of
 * mode mode holding token ("" = no file): the mode cannot be kept in git. */
struct ctl_dir {
	char dir[64];
	char conf[96];
	char token[96];
};

static struct conf *ctl_load(struct ctl_dir *d, const char *control, const char *token,
			     mode_t mode, char *err, size_t errlen)
{
	FILE *f;

	snprintf(d->dir, sizeof(d->dir), "/tmp/test_conf.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(d->dir));
	snprintf(d->conf, sizeof(d->conf), "%s/gslbd.conf", d->dir);
	snprintf(d->token, sizeof(d->token), "%s/control.token", d->dir);
	if (token[0] != '\0') {
		f = fopen(d->token, "w");
		ck_assert_ptr_nonnull(f);
		fputs(token, f);
		fclose(f);
		ck_assert_int_eq(chmod(d->token, mode), 0);
	}
	f = fopen(d->conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "server: {\n  listen = [ \"127.0.0.1\" ];\n  control: %s\n};\n", control);
	fprintf(f, "zones = ( { name = \"example.com\"; file = \"%s\"; } );\n", ZONE_FILE);
	fclose(f);
	return conf_load(d->conf, CONF_S_ALL, err, errlen);
}

static void ctl_clean(struct ctl_dir *d)
{
	unlink(d->token);
	unlink(d->conf);
	rmdir(d->dir);
}

/* Loads a control group that must fail with want (every %1$s the config, %2$s the token
 * file). */
static void ctl_fails(const char *control, const char *token, mode_t mode, const char *want)
{
	struct ctl_dir d;
	char err[CONF_ERRLEN];
	char *expect = NULL;
	struct conf *c = ctl_load(&d, control, token, mode, err, sizeof(err));

	ck_assert_msg(c == NULL, "%s loaded", control);
	ck_assert_int_ge(asprintf(&expect, want, d.conf, d.token), 0);
	ck_assert_str_eq(err, expect);
	free(expect);
	ctl_clean(&d);
}

/* Loads a control group that must load; the files are gone on return. */
static struct conf *ctl_ok(const char *control, const char *token, mode_t mode)
{
	struct ctl_dir d;
	char err[CONF_ERRLEN];
	struct conf *c = ctl_load(&d, control, token, mode, err, sizeof(err));

	ck_assert_msg(c != NULL, "%s: %s", control, err);
	ctl_clean(&d);
	return c;
}

START_TEST(control_token)
{
	/* defaults: no token, the limits */
	struct conf *c = ctl_ok("{ };", "", 0);

	ck_assert_str_eq(c->control.token, "");
	ck_assert_str_eq(c->control.token_file, "");
	ck_assert_int_eq(c->control.max_clients, 64);
	ck_assert_double_eq(c->control.header_timeout, 5.0);
	conf_free(c);
	/* the file's token, trailing whitespace trimmed; group-readable is fine */
	c = ctl_ok("{ token_file = \"control.token\"; max_clients = 3; header_timeout = 0.5; "
		   "listen = \"0.0.0.0:9053\"; allow_remote = true; };",
		   "0123456789abcdefXYZ \r\n\n", 0640);
	ck_assert_str_eq(c->control.token, "0123456789abcdefXYZ");
	ck_assert_str_eq(c->control.token_file, "control.token");
	ck_assert_int_eq(c->control.max_clients, 3);
	ck_assert_double_eq(c->control.header_timeout, 0.5);
	conf_free(c);
	/* the inline token, kept for old configs */
	c = ctl_ok("{ token = \"0123456789abcdef\"; };", "", 0);
	ck_assert_str_eq(c->control.token, "0123456789abcdef");
	conf_free(c);
}
END_TEST

START_TEST(control_errors)
{
	ctl_fails("{ token_file = \"control.token\"; };", "0123456789abcdef\n", 0644,
		  "%1$s:3: server.control.token_file: \"%2$s\" is readable or writable by other "
		  "users (chmod o-rw)");
	ctl_fails("{ token_file = \"control.token\"; };", "0123456789abcde\n", 0600,
		  "%1$s:3: server.control.token_file: the token is 15 bytes, shorter than 16 "
		  "(make one with: head -c 24 /dev/urandom | base64)");
	ctl_fails("{ token_file = \"control.token\"; };", "0123456789 abcdef\n", 0600,
		  "%1$s:3: server.control.token_file: spaces and control characters are not "
		  "allowed");
	ctl_fails("{ token_file = \"control.token\"; token = \"0123456789abcdef\"; };",
		  "0123456789abcdef", 0600,
		  "%1$s:3: server.control.token_file: set token_file or token, not both");
	ctl_fails("{ token_file = \"control.token\"; };", "", 0,
		  "%1$s:3: server.control.token_file: cannot read \"%2$s\": No such file or "
		  "directory");
	ctl_fails("{ token = \"short\"; };", "", 0,
		  "%1$s:3: server.control.token: the token is 5 bytes, shorter than 16 "
		  "(make one with: head -c 24 /dev/urandom | base64)");
	ctl_fails("{ listen = \"0.0.0.0:9053\"; allow_remote = true; };", "", 0,
		  "%1$s:3: server.control.allow_remote: serving beyond this host needs a token: "
		  "set token_file");
	ctl_fails("{ max_clients = 0; header_timeout = 0.0; };", "", 0,
		  "%1$s:3: server.control.max_clients: 0 is out of range 1..4096\n"
		  "%1$s:3: server.control.header_timeout: 0 is out of range 0.1..60");
}
END_TEST

/* An @include is named with the directory the main file was named with. */
START_TEST(file_names)
{
	char out[256];

	conf_file_name("gslb.conf", "site.inc", out, sizeof(out));
	ck_assert_str_eq(out, "site.inc");
	conf_file_name("/etc/gslb/gslb.conf", "site.inc", out, sizeof(out));
	ck_assert_str_eq(out, "/etc/gslb/site.inc");
	conf_file_name("a/gslb.conf", "inc/site.inc", out, sizeof(out));
	ck_assert_str_eq(out, "a/inc/site.inc");
	conf_file_name("a/gslb.conf", "/srv/site.inc", out, sizeof(out));
	ck_assert_str_eq(out, "/srv/site.inc");
	conf_file_name("a/gslb.conf", "a/gslb.conf", out, sizeof(out));
	ck_assert_str_eq(out, "a/gslb.conf");
	conf_file_name("a/gslb.conf", NULL, out, sizeof(out));
	ck_assert_str_eq(out, "a/gslb.conf");
}
END_TEST

/* Did-you-mean: two edits at most, and fewer than the typed word has characters. */
START_TEST(suggestions)
{
	ck_assert_uint_eq(conf_edit_distance("threads", "threads"), 0);
	ck_assert_uint_eq(conf_edit_distance("thread", "threads"), 1);
	ck_assert_uint_eq(conf_edit_distance("nearst", "nearest"), 1);
	ck_assert_uint_eq(conf_edit_distance("weigthed", "weighted"), 2);
	ck_assert_uint_eq(conf_edit_distance("", "up"), 2);
	ck_assert(conf_suggestion_close("listne", "listen"));
	ck_assert(conf_suggestion_close("max_client", "max_clients"));
	ck_assert(!conf_suggestion_close("colour", "version"));
	ck_assert(!conf_suggestion_close("ab", "id")); /* two edits of two letters */
	ck_assert(!conf_suggestion_close("", "up"));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("conf");
	struct {
		const char *name;
		const TTest *test;
	} cases[] = {
		{ "valid_all_fields", valid_all_fields },
		{ "valid_defaults", valid_defaults },
		{ "valid_include", valid_include },
		{ "parse_addr", parse_addr },
		{ "error_unknown_key", error_unknown_key },
		{ "error_wrong_type", error_wrong_type },
		{ "error_bad_address", error_bad_address },
		{ "error_out_of_range", error_out_of_range },
		{ "error_duplicate_zone", error_duplicate_zone },
		{ "error_missing_file", error_missing_file },
		{ "error_syntax", error_syntax },
		{ "error_missing_required", error_missing_required },
		{ "error_all_reported", error_all_reported },
		{ "error_include", error_include },
		{ "valid_health", valid_health },
		{ "error_health", error_health },
		{ "error_buffer", error_buffer },
		{ "sections", sections },
		{ "control_token", control_token },
		{ "control_errors", control_errors },
		{ "file_names", file_names },
		{ "suggestions", suggestions },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}

UNIT_MAIN(make_suite)
