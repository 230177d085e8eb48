/* SPDX-License-Identifier: Apache-2.0 */
/* test_check_types.c — gslb-probe's check types: each type's keys, defaults and validation
 *
 * The loader reads the type keys only with the table registered, as
 * gslb-probe does. Values are read back through each type's own key table
 * (row offsets into its params), the way the loader stored them.
 */
#include "config.h"

#include "checks.h"

#include "conf_schema.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONF_DIR TEST_SRCDIR "/tests/unit/conf"

static char *fixture(const char *name)
{
	char *p = NULL;

	ck_assert_int_ge(asprintf(&p, "%s/%s", CONF_DIR, name), 0);
	return p;
}

static const struct conf_item *row(const struct conf_check *ck, const char *key)
{
	for (const struct conf_item *it = ck->type->keys; it->name; it++)
		if (!strcmp(it->name, key))
			return it;
	ck_abort_msg("%s has no key %s", ck->type->name, key);
	return NULL;
}

static const char *str(const struct conf_check *ck, const char *key)
{
	return *(char *const *)((const char *)ck->params + row(ck, key)->off);
}

static long num(const struct conf_check *ck, const char *key)
{
	const struct conf_item *it = row(ck, key);
	const char *p = (const char *)ck->params + it->off;

	if (it->type == CT_BOOL)
		return *(const bool *)p;
	return it->size == 2 ? *(const uint16_t *)p : *(const int *)p;
}

START_TEST(valid)
{
	char *path = fixture("health.conf"), *err = NULL;
	struct conf *c;

	conf_check_types_register(check_types);
	c = conf_load(path, &err);
	ck_assert_msg(c != NULL, "%s", err ? err : "");
	ck_assert_uint_eq(c->nchecks, 5);
	const struct conf_check *web = conf_check_find(c, "web");
	ck_assert_str_eq(web->type->name, "http");
	ck_assert_uint_eq(web->port, 80);
	ck_assert_str_eq(str(web, "path"), "/health");
	ck_assert_str_eq(str(web, "host"), "www.example.com");
	ck_assert_int_eq(num(web, "expect"), 204);
	ck_assert_str_eq(str(web, "body"), "OK");
	ck_assert(!(web->type->flags & CONF_CHECK_WHOLE_MEMBER));
	const struct conf_check *tls = conf_check_find(c, "tls");
	ck_assert_str_eq(tls->type->name, "https");
	ck_assert_uint_eq(tls->port, 443);
	ck_assert_int_eq(num(tls, "verify"), 0);
	ck_assert_str_eq(str(tls, "sni"), "www.example.com");
	ck_assert_str_eq(str(tls, "path"), "/");
	ck_assert_int_eq(num(tls, "expect"), 200);
	ck_assert_ptr_null(str(tls, "ca_file"));
	const struct conf_check *l4 = conf_check_find(c, "l4");
	ck_assert_str_eq(l4->type->name, "tcp");
	ck_assert_uint_eq(l4->port, 443);
	const struct conf_check *dns = conf_check_find(c, "dns");
	ck_assert_str_eq(dns->type->name, "dns");
	ck_assert_uint_eq(dns->port, 53);
	ck_assert_str_eq(str(dns, "query"), "www.example.com");
	ck_assert_str_eq(str(dns, "qtype"), "AAAA");
	const struct conf_check *lb = conf_check_find(c, "lb");
	ck_assert_str_eq(lb->type->name, "haproxy");
	ck_assert_uint_eq(lb->port, 0);
	ck_assert(lb->type->flags & CONF_CHECK_WHOLE_MEMBER);
	ck_assert(lb->type->flags & CONF_CHECK_LOAD);
	ck_assert_str_eq(str(lb, "url"), "http://127.0.0.1:8404/stats;csv");
	ck_assert_str_eq(str(lb, "proxy"), "web");
	ck_assert_ptr_eq(conf_check_type_find("haproxy"), lb->type);
	ck_assert_ptr_null(conf_check_type_find("udp"));
	conf_free(c);
	free(path);
}
END_TEST

/* Every kind of check error, file:line: checks[i].key: message, as gslb-probe -t says it. */
START_TEST(errors)
{
	char *path = fixture("checks-bad.conf"), *err = NULL, *want = NULL;
	struct conf *c;

	conf_check_types_register(check_types);
	c = conf_load(path, &err);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_ge(
	    asprintf(&want,
		     "%1$s:6: checks[2].rise: 0 is out of range 1..100\n"
		     "%1$s:6: checks[2].fall: 101 is out of range 1..100\n"
		     "%1$s:9: checks[5].name: bad name \"e e\" (want 1..64 of A-Z a-z 0-9 . _ -)\n"
		     "%1$s:4: checks[0].type: unknown value \"ftp\" "
		     "(want \"tcp\", \"http\", \"https\", \"dns\", \"haproxy\")\n"
		     "%1$s:5: checks[1].path: not used by type \"tcp\"\n"
		     "%1$s:5: checks[1].port: missing, required by type \"tcp\"\n"
		     "%1$s:6: checks[2].expect: 99 is out of range 100..599\n"
		     "%1$s:7: checks[3].timeout: 1 must be shorter than interval 1\n"
		     "%1$s:7: checks[3].name: duplicate check \"c\" (also at line 6)\n"
		     "%1$s:8: checks[4].query: missing, required by type \"dns\"\n"
		     "%1$s:8: checks[4].qtype: unknown RR type \"BOGUS\"\n"
		     "%1$s:9: checks[5].url: bad URL \"ftp://x\": scheme is not http or https "
		     "(want http://host[:port]/path or https://...)\n"
		     "%1$s:9: checks[5].proxy: empty proxy name\n"
		     "%1$s:10: checks[6].bogus: unknown setting\n"
		     "%1$s:11: checks[7].url: bad URL \"http://h:99999/\": port out of range "
		     "(want http://host[:port]/path or https://...)\n"
		     "%1$s:12: checks[8].ca_file: no CA certificate read from \"%2$s\" (want PEM)",
		     path, CONF_DIR "/health.conf"),
	    0);
	/* line by line: Check cannot carry a message this long */
	for (char *a = err, *b = want, *ea, *eb; a && b; a = ea, b = eb) {
		ea = strchr(a, '\n');
		eb = strchr(b, '\n');
		if (ea)
			*ea++ = '\0';
		if (eb)
			*eb++ = '\0';
		ck_assert_str_eq(a, b);
		ck_assert_msg(!ea == !eb, "line counts differ after \"%s\"", a);
	}
	free(want);
	free(err);
	free(path);
}
END_TEST

UNIT_SUITE("check_types", {"valid", valid}, {"errors", errors})
