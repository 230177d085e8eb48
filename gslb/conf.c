/* SPDX-License-Identifier: Apache-2.0 */
/* conf.c — the configuration loader: libconfig file -> schema tables -> struct conf */
#include "config.h"

#include "conf.h"

#include "conf_schema.h"
#include "dname.h"
#include "netmap.h"
#include "service.h"
#include "sigcache.h"

#include <libconfig.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* The engine; the types and the shared hooks are in conf_schema.h. */

/* The file (named as conf_file_name does, into file) and line of s: the file is the one the
 * setting came from, which differs from the main file inside @include. */
static unsigned source_of(struct conf_ctx *x, const config_setting_t *s, char *file, size_t filelen)
{
	unsigned line = s ? config_setting_source_line(s) : 0;

	conf_file_name(x->c->path, s ? config_setting_source_file(s) : NULL, file, filelen);
	return line == 0 ? 1 : line; /* the root group has no line of its own */
}

/* Writes the message of an error whose "file:line: " prefix is out, and counts it. */
static void put_msg(struct conf_ctx *x, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Messages quote values from the file: a control character in one (a newline inside
	 * a string) must not break the one-line-per-error form or reach a terminal raw. */
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p == '\n')
			fputs("\\n", x->err);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(x->err, "\\x%02x", *p);
		else
			fputc(*p, x->err);
	}
	x->nerr++;
}

/* "file:line: path: message" */
void conf_err(struct conf_ctx *x, const config_setting_t *s, const char *path, const char *fmt, ...)
{
	char file[PATH_MAX];
	unsigned line = source_of(x, s, file, sizeof(file));
	va_list ap;

	fprintf(x->err, "%s%s:%u: %s: ", x->nerr ? "\n" : "", file, line, path);
	va_start(ap, fmt);
	put_msg(x, fmt, ap);
	va_end(ap);
}

void conf_err_at(struct conf_ctx *x, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	fprintf(x->err, "%s%s:%u: ", x->nerr ? "\n" : "", file, line);
	va_start(ap, fmt);
	put_msg(x, fmt, ap);
	va_end(ap);
}

char *conf_where(struct conf_ctx *x, const config_setting_t *s)
{
	char file[PATH_MAX];
	unsigned line = source_of(x, s, file, sizeof(file));
	char *out = NULL;

	if (asprintf(&out, "%s:%u", file, line) < 0)
		return NULL;
	return out;
}

void conf_oom(struct conf_ctx *x, const config_setting_t *s, const char *path)
{
	conf_err(x, s, path, "out of memory");
}

const char *conf_type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	case CONFIG_TYPE_GROUP:
		return "a group";
	}
	return "an unknown type";
}

static const char *const expected_name[] = {
    [CT_INT] = "an integer",	       [CT_FLOAT] = "a number",
    [CT_STRING] = "a string",	       [CT_BOOL] = "a boolean",
    [CT_STRS] = "an array of strings", [CT_GROUP] = "a group",
    [CT_LIST] = "a list of groups",    [CT_ENUM] = "a string",
};

static bool type_ok(const struct conf_item *it, const config_setting_t *s)
{
	int st = config_setting_type(s);

	switch (it->type) {
	case CT_INT:
		return st == CONFIG_TYPE_INT || st == CONFIG_TYPE_INT64;
	case CT_FLOAT:
		return st == CONFIG_TYPE_FLOAT || st == CONFIG_TYPE_INT || st == CONFIG_TYPE_INT64;
	case CT_STRING:
	case CT_ENUM:
		return st == CONFIG_TYPE_STRING;
	case CT_BOOL:
		return st == CONFIG_TYPE_BOOL;
	case CT_STRS:
		return st == CONFIG_TYPE_ARRAY || st == CONFIG_TYPE_LIST ||
		       ((it->flags & CONF_SCALAR_OK) && st == CONFIG_TYPE_STRING);
	case CT_GROUP:
		return st == CONFIG_TYPE_GROUP;
	case CT_LIST: /* "[]" is the empty array, "()" the empty list */
		return st == CONFIG_TYPE_LIST ||
		       (st == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0) ||
		       ((it->flags & CONF_SCALAR_OK) && st == CONFIG_TYPE_STRING);
	}
	return false;
}

static void store_int(char *p, size_t size, int64_t v)
{
	switch (size) {
	case 1: {
		int8_t n = (int8_t)v;
		memcpy(p, &n, 1);
		break;
	}
	case 2: {
		uint16_t n = (uint16_t)v;
		memcpy(p, &n, 2);
		break;
	}
	case 4: {
		int32_t n = (int32_t)v;
		memcpy(p, &n, 4);
		break;
	}
	default:
		memcpy(p, &v, 8);
		break;
	}
}

/* ---- defaults and release, driven by the tables ---- */

static void set_defaults(const struct conf_item *tab, char *base)
{
	for (const struct conf_item *it = tab; it->name; it++) {
		char *p = base + it->off;

		switch (it->type) {
		case CT_INT:
		case CT_ENUM:
			store_int(p, it->size, it->def_int);
			break;
		case CT_FLOAT:
			*(double *)p = it->def_float;
			break;
		case CT_STRING:
			/* without a default the zeroed field stays as it is: a row may store
			 * into something other than a char * (a char[3], say) */
			if (it->def_str)
				*(char **)p = strdup(it->def_str);
			break;
		case CT_BOOL:
			*(bool *)p = it->def_int != 0;
			break;
		case CT_GROUP:
			set_defaults(it->sub, p);
			break;
		case CT_STRS:
		case CT_LIST:
			break; /* the struct starts zeroed: no elements */
		}
	}
}

static void release_table(const struct conf_item *tab, char *base)
{
	for (const struct conf_item *it = tab; it->name; it++) {
		char *p = base + it->off;

		if (it->release) {
			it->release(it, base);
			continue;
		}
		switch (it->type) {
		case CT_STRING:
			free(*(char **)p);
			*(char **)p = NULL;
			break;
		case CT_STRS: {
			char **v = *(char ***)p;
			size_t n = *(size_t *)(base + it->count_off);

			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			*(char ***)p = NULL;
			*(size_t *)(base + it->count_off) = 0;
			break;
		}
		case CT_GROUP:
			release_table(it->sub, p);
			break;
		case CT_LIST: {
			char *v = *(char **)p;
			size_t n = *(size_t *)(base + it->count_off);

			for (size_t i = 0; i < n; i++)
				release_table(it->sub, v + i * it->elem_size);
			free(v);
			*(char **)p = NULL;
			*(size_t *)(base + it->count_off) = 0;
			break;
		}
		case CT_INT:
		case CT_FLOAT:
		case CT_BOOL:
		case CT_ENUM:
			break;
		}
	}
}

/* ---- the walker ---- */

static void walk_group(struct conf_ctx *x, const config_setting_t *g, const struct conf_item *tab,
		       char *base, const char *path);

void conf_path_fmt(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

void conf_join_path(char *out, size_t size, const char *path, const char *name)
{
	conf_path_fmt(out, size, "%s%s%s", path, *path ? "." : "", name);
}

/* The i-th string of an array setting, or the setting itself when it is a lone string. */
static const char *strs_elem(const config_setting_t *s, int i)
{
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		return config_setting_get_string(s);
	return config_setting_get_string_elem(s, i);
}

static void load_strs(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		      char *base, const char *path)
{
	bool scalar = config_setting_type(s) == CONFIG_TYPE_STRING;
	int n = scalar ? 1 : config_setting_length(s);
	bool ok = true;
	char epath[CONF_PATHLEN];

	for (int i = 0; i < n && !scalar; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING && !(it->flags & CONF_ANY_ELEMS)) {
			conf_path_fmt(epath, sizeof(epath), "%s[%d]", path, i);
			conf_err(x, e, epath, "expected a string, got %s", conf_type_name(e));
			ok = false;
		}
	}
	if (!ok && !(it->flags & CONF_ANY_ELEMS))
		return;
	if ((size_t)n < it->min_count) {
		conf_err(x, s, path, "needs at least %zu entr%s", it->min_count,
			 it->min_count == 1 ? "y" : "ies");
		return;
	}
	if (it->store) {
		it->store(x, it, s, base, path);
		return;
	}
	char **v = calloc((size_t)n + 1, sizeof(*v));
	if (!v) {
		conf_oom(x, s, path);
		return;
	}
	*(char ***)(base + it->off) = v;
	for (int i = 0; i < n; i++) {
		v[i] = strdup(strs_elem(s, i));
		if (!v[i]) {
			conf_oom(x, s, path);
			break;
		}
		*(size_t *)(base + it->count_off) = (size_t)i + 1;
	}
}

static void load_list(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		      char *base, const char *path)
{
	int n = config_setting_length(s);
	char epath[CONF_PATHLEN];

	if ((size_t)n < it->min_count) {
		conf_err(x, s, path, "needs at least %zu entr%s", it->min_count,
			 it->min_count == 1 ? "y" : "ies");
		return;
	}
	if (n == 0)
		return;
	/* Cache-line aligned, so that a struct laid out by lines (struct member) keeps that
	 * layout per element: the query path touches fewer lines. Freed with free(). */
	size_t size = ((size_t)n * it->elem_size + 63) & ~(size_t)63;
	char *v = aligned_alloc(64, size);
	if (!v) {
		conf_oom(x, s, path);
		return;
	}
	memset(v, 0, size);
	*(char **)(base + it->off) = v;
	*(size_t *)(base + it->count_off) = (size_t)n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		char *eb = v + (size_t)i * it->elem_size;

		conf_path_fmt(epath, sizeof(epath), "%s[%d]", path, i);
		set_defaults(it->sub, eb);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			conf_err(x, e, epath, "expected a group, got %s", conf_type_name(e));
			continue;
		}
		walk_group(x, e, it->sub, eb, epath);
	}
}

static void load_item(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		      char *base, const char *path)
{
	char *p = base + it->off;

	if (!type_ok(it, s)) {
		conf_err(x, s, path, "expected %s%s, got %s",
			 it->flags & CONF_SCALAR_OK ? "a string or " : "", expected_name[it->type],
			 conf_type_name(s));
		return;
	}
	switch (it->type) {
	case CT_INT: {
		long long v = config_setting_get_int64(s);

		if ((it->min || it->max) && (v < it->min || v > it->max)) {
			conf_err(x, s, path, "%lld is out of range %lld..%lld", v,
				 (long long)it->min, (long long)it->max);
			return;
		}
		if (it->store)
			it->store(x, it, s, base, path);
		else
			store_int(p, it->size, v);
		return;
	}
	case CT_FLOAT: {
		double v = config_setting_type(s) == CONFIG_TYPE_FLOAT
			       ? config_setting_get_float(s)
			       : (double)config_setting_get_int64(s);

		if ((it->fmin != 0 || it->fmax != 0) && !(v >= it->fmin && v <= it->fmax)) {
			conf_err(x, s, path, "%g is out of range %g..%g", v, it->fmin, it->fmax);
			return;
		}
		if (it->store)
			it->store(x, it, s, base, path);
		else
			*(double *)p = v;
		return;
	}
	case CT_STRING:
		if (it->store)
			it->store(x, it, s, base, path);
		else
			conf_store_string(x, it, s, base, path);
		return;
	case CT_BOOL:
		if (it->store)
			it->store(x, it, s, base, path);
		else
			*(bool *)p = config_setting_get_bool(s) != 0;
		return;
	case CT_ENUM: {
		const char *v = config_setting_get_string(s);
		int64_t i = 0;

		while (it->enums[i] && strcmp(it->enums[i], v) != 0)
			i++;
		if (!it->enums[i]) {
			char want[256] = "";
			size_t len = 0;

			for (size_t j = 0; it->enums[j] && len < sizeof(want); j++)
				len += (size_t)snprintf(want + len, sizeof(want) - len, "%s\"%s\"",
							j ? ", " : "", it->enums[j]);
			conf_err(x, s, path, "unknown value \"%s\" (want %s)", v, want);
			return;
		}
		if (it->store)
			it->store(x, it, s, base, path);
		else
			store_int(p, it->size, i);
		return;
	}
	case CT_STRS:
		load_strs(x, it, s, base, path);
		return;
	case CT_GROUP:
		walk_group(x, s, it->sub, p, path);
		if (it->finish)
			it->finish(x, it, s, base, path);
		return;
	case CT_LIST:
		if (config_setting_type(s) == CONFIG_TYPE_STRING) { /* CONF_SCALAR_OK */
			it->store(x, it, s, base, path);
			return;
		}
		load_list(x, it, s, base, path);
		if (it->finish)
			it->finish(x, it, s, base, path);
		return;
	}
}

/* A top-level section the caller does not read: known, not validated. */
static bool skipped(const struct conf_ctx *x, const struct conf_item *it)
{
	return it->section && !(it->section & x->sections);
}

/* "unknown setting", with the closest key of the same group when one is near (a typo) */
static void unknown_setting(struct conf_ctx *x, const config_setting_t *s,
			    const struct conf_item *tab, const char *path, const char *name)
{
	const char *best = NULL;
	unsigned bestd = UINT_MAX;

	for (const struct conf_item *it = tab; it->name; it++) {
		unsigned d = conf_edit_distance(name, it->name);

		if (d < bestd && conf_suggestion_close(name, it->name)) {
			best = it->name;
			bestd = d;
		}
	}
	if (best)
		conf_err(x, s, path, "unknown setting (did you mean \"%s\"?)", best);
	else
		conf_err(x, s, path, "unknown setting");
}

static void walk_group(struct conf_ctx *x, const config_setting_t *g, const struct conf_item *tab,
		       char *base, const char *path)
{
	int n = config_setting_length(g);
	char cpath[CONF_PATHLEN];

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		const struct conf_item *it = tab;

		while (it->name && strcmp(it->name, name) != 0)
			it++;
		conf_join_path(cpath, sizeof(cpath), path, name);
		if (!it->name) {
			if (!(it->flags & CONF_OPEN))
				unknown_setting(x, s, tab, cpath, name);
			continue;
		}
		if (skipped(x, it))
			continue;
		load_item(x, it, s, base, cpath);
	}
	for (const struct conf_item *it = tab; it->name; it++) {
		if (!(it->flags & CONF_REQUIRED) || skipped(x, it) ||
		    config_setting_get_member(g, it->name))
			continue;
		conf_join_path(cpath, sizeof(cpath), path, it->name);
		conf_err(x, g, cpath, "missing required setting");
	}
	/* absent groups and lists still get their finish check (s = NULL), which may resolve
	 * defaults */
	for (const struct conf_item *it = tab; it->name; it++) {
		if (!it->finish || skipped(x, it) || config_setting_get_member(g, it->name))
			continue;
		conf_join_path(cpath, sizeof(cpath), path, it->name);
		it->finish(x, it, NULL, base, cpath);
	}
}

/* For tables a program registers at run time (conf_health.c: the check types' keys). */
void conf_table_defaults(const struct conf_item *tab, char *base)
{
	set_defaults(tab, base);
}

void conf_table_load(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		     char *base, const char *path)
{
	load_item(x, it, s, base, path);
}

void conf_table_release(const struct conf_item *tab, char *base)
{
	release_table(tab, base);
}

/* ---- server ---- */

int conf_parse_addr(const char *text, uint16_t default_port, struct conf_addr *a)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	size_t hlen;
	const char *orig = text;
	int family;

	memset(a, 0, sizeof(*a));
	if (text[0] == '[') {
		const char *end = strchr(text, ']');

		if (!end)
			return -EINVAL;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return -EINVAL;
		hlen = (size_t)(end - text - 1);
		text++;
		family = AF_INET6;
	} else {
		const char *colon = strchr(text, ':');

		hlen = strlen(text);
		if (colon && strchr(colon + 1, ':')) {
			family = AF_INET6; /* two colons: a bare IPv6 address */
		} else {
			family = AF_INET;
			if (colon) {
				hlen = (size_t)(colon - text);
				port = colon + 1;
			}
		}
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, hlen);
	host[hlen] = '\0';

	unsigned long pnum = default_port;
	if (port) {
		char *end;

		/* digits only: strtoul would accept signs and spaces */
		if (port[0] < '0' || port[0] > '9' || strlen(port) > 5)
			return -EINVAL;
		errno = 0;
		pnum = strtoul(port, &end, 10);
		if (*end != '\0' || errno)
			return -EINVAL;
	}
	if (pnum < 1 || pnum > 65535)
		return -EINVAL;

	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)pnum);
		a->len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)pnum);
		a->len = sizeof(*sin6);
	}
	a->text = strdup(orig);
	if (!a->text) {
		memset(a, 0, sizeof(*a));
		return -ENOMEM;
	}
	return 0;
}

void conf_store_addrs(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		      char *base, const char *path)
{
	struct conf_addr **pv = (struct conf_addr **)(base + it->off);
	size_t *pn = (size_t *)(base + it->count_off);
	int n = config_setting_length(s);
	char epath[CONF_PATHLEN];

	*pv = calloc((size_t)n, sizeof(**pv));
	if (!*pv) {
		conf_oom(x, s, path);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *text = config_setting_get_string(e);
		struct conf_addr *a = &(*pv)[*pn];

		conf_path_fmt(epath, sizeof(epath), "%s[%d]", path, i);
		int ret = conf_parse_addr(text, (uint16_t)it->def_int, a);
		if (ret == -ENOMEM) {
			conf_oom(x, e, epath);
			continue;
		}
		if (ret < 0) {
			conf_err(x, e, epath,
				 "bad address \"%s\" (want IPv4, IPv6 or [IPv6], "
				 "optionally with :port 1..65535)",
				 text);
			continue;
		}
		for (size_t j = 0; j < *pn; j++) {
			if ((*pv)[j].len == a->len && memcmp(&(*pv)[j].ss, &a->ss, a->len) == 0) {
				conf_err(x, e, epath, "duplicate address \"%s\" (same as \"%s\")",
					 text, (*pv)[j].text);
				free(a->text);
				a->text = NULL;
				a = NULL;
				break;
			}
		}
		if (a)
			(*pn)++;
	}
}

void conf_release_addrs(const struct conf_item *it, char *base)
{
	struct conf_addr **pv = (struct conf_addr **)(base + it->off);
	size_t *pn = (size_t *)(base + it->count_off);

	for (size_t i = 0; i < *pn; i++)
		free((*pv)[i].text);
	free(*pv);
	*pv = NULL;
	*pn = 0;
}

static void finish_server(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			  char *base, const char *path)
{
	struct conf *c = (struct conf *)base;

	if (c->threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		c->threads = n < 1 ? 1 : n > 256 ? 256 : (int)n;
	}
}

static const struct conf_item tcp_items[] = {
    {"max_clients", CT_INT, FIELD(struct conf, tcp_max_clients), .min = 1, .max = 100000,
     .def_int = 1024},
    {"max_clients_per_network", CT_INT, FIELD(struct conf, tcp_max_clients_per_network), .min = 0,
     .max = 100000, .def_int = 0},
    {"idle_timeout", CT_FLOAT, FIELD(struct conf, tcp_idle_timeout), .fmin = 0.1, .fmax = 3600,
     .def_float = 10.0},
    {NULL},
};

/* server.control.listen: parsed (and limited to loopback) in finish_control */
static void release_control_listen(const struct conf_item *it, char *base)
{
	struct conf_control *cc = (struct conf_control *)base;

	(void)it;
	free(cc->listen_text);
	cc->listen_text = NULL;
	free(cc->listen.text);
	memset(&cc->listen, 0, sizeof(cc->listen));
}

static bool addr_is_loopback(const struct conf_addr *a)
{
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;

		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
}

/* The shortest token accepted: 16 bytes of a random base64 text are 96 bits. */
#define CONF_TOKEN_MIN 16
#define CONF_TOKEN_MAX 1024

void conf_read_secret(struct conf_ctx *x, const config_setting_t *s, const char *path,
		      const char *file, char **out)
{
	char *full = conf_resolve(x, file);
	char buf[CONF_TOKEN_MAX + 2];
	struct stat st;
	size_t n = 0;
	FILE *f;

	if (!full) {
		conf_oom(x, s, path);
		return;
	}
	f = fopen(full, "re");
	if (!f) {
		conf_err(x, s, path, "cannot read \"%s\": %s", full, strerror(errno));
		goto out;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		conf_err(x, s, path, "\"%s\" is not a regular file", full);
	} else if (st.st_mode & (S_IROTH | S_IWOTH)) {
		conf_err(x, s, path, "\"%s\" is readable or writable by other users (chmod o-rw)",
			 full);
	} else {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		if (n > CONF_TOKEN_MAX)
			conf_err(x, s, path, "\"%s\" is longer than %d bytes", full,
				 CONF_TOKEN_MAX);
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
				 buf[n - 1] == '\t'))
			n--;
		buf[n] = '\0';
		if (strlen(buf) != n) {
			conf_err(x, s, path, "\"%s\" holds a NUL byte", full);
		} else {
			if (*out)
				explicit_bzero(*out, strlen(*out));
			free(*out);
			*out = strdup(buf);
			if (!*out)
				conf_oom(x, s, path);
		}
	}
	explicit_bzero(buf, sizeof(buf));
	fclose(f);
out:
	free(full);
}

static void check_token(struct conf_ctx *x, struct conf_control *cc, const config_setting_t *s,
			const char *path)
{
	size_t n = cc->token ? strlen(cc->token) : 0;

	for (const char *p = cc->token; p && *p; p++) {
		/* it travels in an HTTP header */
		if (*p <= ' ' || *p == 0x7f) {
			conf_err(x, s, path, "spaces and control characters are not allowed");
			return;
		}
	}
	if (n > 0 && n < CONF_TOKEN_MIN)
		conf_err(x, s, path,
			 "the token is %zu bytes, shorter than %d (make one with: "
			 "head -c 24 /dev/urandom | base64)",
			 n, CONF_TOKEN_MIN);
}

static void finish_control(struct conf_ctx *x, const struct conf_item *it,
			   const config_setting_t *s, char *base, const char *path)
{
	struct conf_control *cc = &((struct conf *)base)->control;
	const config_setting_t *ls = s ? config_setting_get_member(s, "listen") : NULL;
	const config_setting_t *ts = s ? config_setting_get_member(s, "token") : NULL;
	const config_setting_t *fs = s ? config_setting_get_member(s, "token_file") : NULL;
	const config_setting_t *rs = s ? config_setting_get_member(s, "allow_remote") : NULL;
	char cpath[CONF_PATHLEN];
	int ret;

	(void)it;
	cc->listen_given = ls != NULL;
	if (cc->token_file && cc->token_file[0] != '\0') {
		conf_join_path(cpath, sizeof(cpath), path, "token_file");
		if (cc->token && cc->token[0] != '\0') {
			conf_err(x, fs, cpath, "set token_file or token, not both");
			return;
		}
		conf_read_secret(x, fs, cpath, cc->token_file, &cc->token);
		check_token(x, cc, fs, cpath);
	} else {
		conf_join_path(cpath, sizeof(cpath), path, "token");
		check_token(x, cc, ts ? ts : s, cpath);
	}
	if (!cc->listen_text || cc->listen_text[0] == '\0')
		return;
	conf_join_path(cpath, sizeof(cpath), path, "allow_remote");
	if (cc->allow_remote && (!cc->token || cc->token[0] == '\0'))
		conf_err(x, rs ? rs : s, cpath,
			 "serving beyond this host needs a token: set token_file");
	conf_join_path(cpath, sizeof(cpath), path, "listen");
	ret = conf_parse_addr(cc->listen_text, CONF_CONTROL_PORT, &cc->listen);
	if (ret == -ENOMEM) {
		conf_oom(x, ls ? ls : s, cpath);
		return;
	}
	if (ret < 0) {
		conf_err(x, ls ? ls : s, cpath,
			 "bad address \"%s\" (want IPv4, IPv6 or [IPv6], optionally with "
			 ":port 1..65535; \"\" disables)",
			 cc->listen_text);
		return;
	}
	if (!cc->allow_remote && !addr_is_loopback(&cc->listen))
		conf_err(x, ls ? ls : s, cpath,
			 "\"%s\" is not a loopback address (set allow_remote = true and a "
			 "token_file to serve the metrics and the API beyond this host)",
			 cc->listen_text);
}

static const struct conf_item control_items[] = {
    {"listen", CT_STRING, FIELD(struct conf_control, listen_text), .def_str = "127.0.0.1:9053",
     .release = release_control_listen},
    {"allow_remote", CT_BOOL, FIELD(struct conf_control, allow_remote), .def_int = 0},
    {"token_file", CT_STRING, FIELD(struct conf_control, token_file), .def_str = ""},
    /* kept for old configs; token_file keeps the secret out of a world-readable file */
    {"token", CT_STRING, FIELD(struct conf_control, token), .def_str = ""},
    {"token_name", CT_STRING, FIELD(struct conf_control, token_name), .def_str = "operator"},
    {"max_clients", CT_INT, FIELD(struct conf_control, max_clients), .min = 1, .max = 4096,
     .def_int = 64},
    {"header_timeout", CT_FLOAT, FIELD(struct conf_control, header_timeout), .fmin = 0.1,
     .fmax = 60, .def_float = 5.0},
    {NULL},
};

static const struct conf_item server_items[] = {
    {"listen", CT_STRS, CONF_REQUIRED, ARRAY(struct conf, listen, nlisten), .min_count = 1,
     .def_int = CONF_DEFAULT_PORT, .store = conf_store_addrs, .release = conf_release_addrs},
    {"threads", CT_INT, FIELD(struct conf, threads), .min = 0, .max = 256, .def_int = 0},
    {"identity", CT_STRING, FIELD(struct conf, identity), .def_str = ""},
    {"version", CT_STRING, FIELD(struct conf, version), .def_str = ""},
    {"user", CT_STRING, FIELD(struct conf, user), .def_str = ""},
    {"dnssec_cache", CT_INT, FIELD(struct conf, dnssec_cache), .min = 1024, .max = 1 << 24,
     .def_int = SIGCACHE_SLOTS},
    {"max_udp_size", CT_INT, FIELD(struct conf, max_udp_size), .min = 512, .max = 4096,
     .def_int = 1232},
    {"tcp", CT_GROUP, .off = 0, .sub = tcp_items},
    {"control", CT_GROUP, .off = offsetof(struct conf, control), .sub = control_items,
     .finish = finish_control},
    {NULL},
};

/* ---- zones ---- */

static void store_zone_name(struct conf_ctx *x, const struct conf_item *it,
			    const config_setting_t *s, char *base, const char *path)
{
	struct conf_zone *z = (struct conf_zone *)base;
	const char *name = config_setting_get_string(s);

	if (name[0] == '\0' || dname_from_str(name, z->apex) < 0) {
		conf_err(x, s, path, "bad domain name \"%s\"", name);
		return;
	}
	z->name = strdup(name);
	if (!z->name)
		conf_oom(x, s, path);
}

bool conf_name_ok(const char *v, size_t max)
{
	size_t n = strlen(v);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = v[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

void conf_store_string(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		       char *base, const char *path)
{
	char *v = strdup(config_setting_get_string(s));
	char **dst = (char **)(base + it->off);

	if (!v) {
		conf_oom(x, s, path);
		return;
	}
	free(*dst);
	*dst = v;
}

char *conf_resolve(struct conf_ctx *x, const char *v)
{
	char *full = NULL;

	if (v[0] == '/')
		return strdup(v);
	if (asprintf(&full, "%s/%s", x->c->dir, v) < 0)
		return NULL;
	return full;
}

/* Checks that the file is readable, not merely present: a daemon started as root would
 * otherwise fail only after dropping privileges. */
void conf_store_path(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		     char *base, const char *path)
{
	const char *v = config_setting_get_string(s);
	char **dst = (char **)(base + it->off);
	char *full = NULL;
	struct stat st;

	if (v[0] == '\0') {
		conf_err(x, s, path, "empty file name");
		return;
	}
	full = conf_resolve(x, v);
	if (!full) {
		conf_oom(x, s, path);
		return;
	}
	if (stat(full, &st) == -1 || access(full, R_OK) == -1) {
		conf_err(x, s, path, "cannot read \"%s\": %s", full, strerror(errno));
		free(full);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_err(x, s, path, "\"%s\" is not a regular file", full);
		free(full);
		return;
	}
	char *canon = realpath(full, NULL);
	if (canon) {
		free(full);
		full = canon;
	}
	free(*dst);
	*dst = full;
}

static void finish_zones(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			 char *base, const char *path)
{
	struct conf *c = (struct conf *)base;
	char epath[CONF_PATHLEN];

	for (size_t i = 0; i < c->nzones; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		c->zones[i].line = (int)config_setting_source_line(e);
		if (!c->zones[i].name)
			continue; /* missing or bad name, reported already */
		for (size_t j = 0; j < i; j++) {
			if (!c->zones[j].name || !dname_equal(c->zones[i].apex, c->zones[j].apex))
				continue;
			conf_path_fmt(epath, sizeof(epath), "%s[%zu].name", path, i);
			conf_err(x, config_setting_get_member(e, "name"), epath,
				 "duplicate zone \"%s\" (also at line %d)", c->zones[i].name,
				 c->zones[j].line);
			break;
		}
	}
}

/* dnssec.keys: base names as ldns-keygen prints them ("Kexample.com.+013+12345"), resolved
 * against the config's folder; both files must be readable. What is in them (zone, algorithm,
 * a key pair that matches) is checked by the key loader, dnssec_key.c. */
static void store_dnssec_keys(struct conf_ctx *x, const struct conf_item *it,
			      const config_setting_t *s, char *base, const char *path)
{
	struct conf_dnssec *d = (struct conf_dnssec *)base;
	bool scalar = config_setting_type(s) == CONFIG_TYPE_STRING;
	unsigned n = scalar ? 1 : (unsigned)config_setting_length(s);
	char epath[CONF_PATHLEN];

	d->keys = calloc(n ? n : 1, sizeof(*d->keys));
	if (!d->keys || !(d->keys_at = conf_where(x, s))) {
		conf_oom(x, s, path);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *e = scalar ? s : config_setting_get_elem(s, i);
		const char *v = config_setting_get_string(e);
		static const char *const suffix[] = {".key", ".private"};

		conf_path_fmt(epath, sizeof(epath), "%s[%u]", path, i);
		if (!v || !*v) {
			conf_err(x, e, epath,
				 "a key file base name (Kzone.+013+12345) is expected");
			continue;
		}
		char *full = conf_resolve(x, v);
		if (!full) {
			conf_oom(x, e, epath);
			return;
		}
		d->keys[d->nkeys++] = full;
		for (size_t k = 0; k < 2; k++) {
			char *f = NULL;
			if (asprintf(&f, "%s%s", full, suffix[k]) < 0) {
				conf_oom(x, e, epath);
				return;
			}
			if (access(f, R_OK) == -1)
				conf_err(x, e, epath,
					 "cannot read \"%s\": %s (give the base name ldns-keygen "
					 "prints, without .key or .private)",
					 f, strerror(errno));
			free(f);
		}
	}
}

static void release_dnssec_keys(const struct conf_item *it, char *base)
{
	struct conf_dnssec *d = (struct conf_dnssec *)base;

	(void)it;
	for (size_t i = 0; i < d->nkeys; i++)
		free(d->keys[i]);
	free(d->keys);
	d->keys = NULL;
	d->nkeys = 0;
	free(d->keys_at);
	d->keys_at = NULL;
}

static void finish_dnssec(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			  char *base, const char *path)
{
	struct conf_dnssec *d = (struct conf_dnssec *)(base + it->off);
	char kpath[CONF_PATHLEN];

	d->enabled = s != NULL;
	if (!s)
		return;
	if (d->refresh >= d->validity) {
		conf_join_path(kpath, sizeof(kpath), path, "refresh");
		conf_err(x, config_setting_get_member(s, "refresh") ?: s, kpath,
			 "%d is not below validity (%d): signatures would be remade on every "
			 "answer; lower refresh or raise validity",
			 d->refresh, d->validity);
	}
}

static const char *const dnssec_algorithms[] = {"ECDSAP256SHA256", "ED25519", NULL};

static const struct conf_item dnssec_items[] = {
    {"keys", CT_STRS, CONF_REQUIRED | CONF_SCALAR_OK, ARRAY(struct conf_dnssec, keys, nkeys),
     .min_count = 1, .store = store_dnssec_keys, .release = release_dnssec_keys},
    {"algorithm", CT_ENUM, FIELD(struct conf_dnssec, algorithm), .enums = dnssec_algorithms,
     .def_int = CONF_DNSSEC_ECDSAP256},
    {"validity", CT_INT, FIELD(struct conf_dnssec, validity), .min = 3600, .max = 90 * 86400,
     .def_int = 7 * 86400},
    {"refresh", CT_INT, FIELD(struct conf_dnssec, refresh), .min = 600, .max = 89 * 86400,
     .def_int = 2 * 86400},
    {"inception_offset", CT_INT, FIELD(struct conf_dnssec, inception), .min = 0, .max = 86400,
     .def_int = 3600},
    {"test_tamper", CT_BOOL, FIELD(struct conf_dnssec, tamper), .def_int = 0},
    {NULL},
};

static const struct conf_item zone_items[] = {
    {"name", CT_STRING, CONF_REQUIRED, FIELD(struct conf_zone, name), .store = store_zone_name},
    {"file", CT_STRING, CONF_REQUIRED, FIELD(struct conf_zone, file), .store = conf_store_path},
    {"dnssec", CT_GROUP, .off = offsetof(struct conf_zone, dnssec), .sub = dnssec_items,
     .finish = finish_dnssec},
    {NULL},
};

/* The top level: the one place that registers sections. A finish hook may read the
 * sections before its own in this table (listed in .needs, loaded with it); a check
 * against a later one goes in conf_late. */
static const struct conf_item conf_schema[] = {
    {"server", CT_GROUP, CONF_REQUIRED, .off = 0, .sub = server_items, .finish = finish_server,
     .section = CONF_S_SERVER},
    {"zones", CT_LIST, CONF_REQUIRED, ARRAY(struct conf, zones, nzones), .min_count = 1,
     .elem_size = sizeof(struct conf_zone), .sub = zone_items, .finish = finish_zones,
     .section = CONF_S_ZONES},
    {"checks", CT_LIST, ARRAY(struct conf, checks, nchecks), .elem_size = sizeof(struct conf_check),
     .sub = conf_check_items, .finish = conf_finish_checks, .section = CONF_S_CHECKS},
    {"health", CT_GROUP, .off = offsetof(struct conf, health), .sub = conf_health_items,
     .finish = conf_finish_health, .section = CONF_S_HEALTH},
    {"probe", CT_GROUP, .off = offsetof(struct conf, probe), .sub = conf_probe_items,
     .finish = conf_finish_probe, .section = CONF_S_PROBE, .needs = CONF_S_HEALTH},
    {"geoip", CT_GROUP, .off = offsetof(struct conf, geoip), .sub = conf_geoip_items,
     .finish = conf_finish_geoip, .section = CONF_S_GEOIP},
    {"regions", CT_LIST, ARRAY(struct conf, regions, nregions), .min_count = 1,
     .elem_size = sizeof(struct region), .sub = conf_region_items, .finish = conf_finish_regions,
     .section = CONF_S_REGIONS},
    {"services", CT_LIST, ARRAY(struct conf, services, nservices),
     .elem_size = sizeof(struct service), .sub = conf_service_items, .finish = conf_finish_services,
     .section = CONF_S_SERVICES, .needs = CONF_S_REGIONS},
    {"rrl", CT_GROUP, .off = offsetof(struct conf, rrl), .sub = conf_rrl_items,
     .finish = conf_finish_rrl, .section = CONF_S_RRL},
    {"store", CT_GROUP, .off = offsetof(struct conf, store), .sub = conf_store_items,
     .finish = conf_finish_store, .section = CONF_S_STORE},
    {"anycast", CT_GROUP, .off = offsetof(struct conf, anycast), .sub = conf_anycast_items,
     .finish = conf_finish_anycast, .section = CONF_S_ANYCAST, .needs = CONF_S_ZONES},
    {NULL},
};

/* Checks across sections, in order, once the whole file is read; each runs when its
 * section is loaded. */
static const struct {
	conf_late_fn *fn;
	unsigned section;
} conf_late[] = {
    {conf_late_probe, CONF_S_PROBE},
    {conf_late_services, CONF_S_SERVICES},
    {conf_late_networks, CONF_S_GEOIP},
    {NULL, 0},
};

/* sections with the ones they need (none needs more than one level today; loop anyway) */
static unsigned with_needs(unsigned sections)
{
	unsigned prev;

	do {
		prev = sections;
		for (const struct conf_item *it = conf_schema; it->name; it++)
			if (it->section & sections)
				sections |= it->needs;
	} while (sections != prev);
	return sections;
}

/* ---- load ---- */

static int set_paths(struct conf *c, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	c->path = strdup(path);
	if (slash == path)
		dir = strdup("/");
	else if (slash)
		dir = strndup(path, (size_t)(slash - path));
	else
		dir = strdup(".");
	if (!c->path || !dir) {
		free(dir);
		return -ENOMEM;
	}
	/* absolute, so that paths survive a chdir of the daemon */
	c->dir = realpath(dir, NULL);
	if (!c->dir) {
		int ret = -errno;

		free(dir);
		return ret;
	}
	free(dir);
	return 0;
}

struct conf *conf_load(const char *path, unsigned sections, char *err, size_t errlen)
{
	struct conf_ctx x = {.sections = with_needs(sections)};
	struct conf *c = NULL;
	config_t cfg;
	bool cfg_inited = false;
	int ret;

	if (errlen > 0)
		err[0] = '\0';
	x.err = open_memstream(&x.errbuf, &x.errlen);
	if (!x.err) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		fprintf(x.err, "%s: out of memory", path);
		goto fail;
	}
	x.c = c;
	set_defaults(conf_schema, (char *)c);

	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(x.err, "%s: cannot open: %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	ret = set_paths(c, path);
	if (ret < 0) {
		fprintf(x.err, "%s: %s", path, strerror(-ret));
		goto fail;
	}

	config_init(&cfg);
	cfg_inited = true;
	config_set_include_dir(&cfg, c->dir);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		char msg[CONF_PATHLEN * 4];

		conf_read_error(&cfg, path, c->dir, msg, sizeof(msg));
		fputs(msg, x.err);
		goto fail;
	}
	walk_group(&x, config_root_setting(&cfg), conf_schema, (char *)c, "");
	for (size_t i = 0; conf_late[i].fn; i++)
		if (conf_late[i].section & x.sections)
			conf_late[i].fn(&x, config_root_setting(&cfg));
	if (x.nerr)
		goto fail;
	config_destroy(&cfg);
	fclose(x.err);
	free(x.errbuf);
	return c;

fail:
	if (cfg_inited)
		config_destroy(&cfg);
	fclose(x.err);
	snprintf(err, errlen, "%s", x.errbuf ? x.errbuf : "");
	free(x.errbuf);
	conf_free(c);
	return NULL;
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	release_table(conf_schema, (char *)c);
	netmap_free(c->netmap);
	free(c->nets);
	free(c->service_lines);
	name_index_free(&c->region_index);
	name_index_free(&c->service_index);
	free(c->path);
	free(c->dir);
	free(c);
}
