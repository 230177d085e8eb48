/* SPDX-License-Identifier: Apache-2.0 */
/* conf_health.c — config sections checks, health and probe: schema tables and their hooks */
#include "config.h"

#include "conf.h"

#include "conf_schema.h"
#include "dname.h"
#include "http_client.h"

#include <ldns/ldns.h>
#include <libconfig.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const check_type_names[] = {
    [CONF_CHECK_TCP] = "tcp", [CONF_CHECK_HTTP] = "http",	[CONF_CHECK_HTTPS] = "https",
    [CONF_CHECK_DNS] = "dns", [CONF_CHECK_HAPROXY] = "haproxy", NULL,
};

static const char *const state_names[] = {"down", "up", NULL}; /* index = default_up */

int conf_check_type_parse(const char *word)
{
	for (int i = 0; check_type_names[i]; i++)
		if (!strcmp(check_type_names[i], word))
			return i;
	return -EINVAL;
}

const char *conf_check_type_name(enum conf_check_type t)
{
	if ((unsigned)t >= sizeof(check_type_names) / sizeof(check_type_names[0]) - 1)
		return "?";
	return check_type_names[t];
}

const struct conf_check *conf_check_find(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nchecks; i++)
		if (c->checks[i].name && !strcmp(c->checks[i].name, name))
			return &c->checks[i];
	return NULL;
}

const struct conf_health_key *conf_health_key_find(const struct conf_health *h, const char *id,
						   size_t len)
{
	for (size_t i = 0; i < h->nkeys; i++) {
		const char *k = h->keys[i].id;

		if (k && strlen(k) == len && !memcmp(k, id, len))
			return &h->keys[i];
	}
	return NULL;
}

/* ---- shared hooks ---- */

/* Names, key ids and prober ids travel in reports and logs: keep them short and plain. */
static bool id_ok(const char *v)
{
	return conf_name_ok(v, CONF_ID_MAX);
}

static void store_id(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		     char *base, const char *path)
{
	const char *v = config_setting_get_string(s);

	if (!id_ok(v)) {
		conf_err(x, s, path, "bad name \"%s\" (want 1..%d of A-Z a-z 0-9 . _ -)", v,
			 CONF_ID_MAX);
		return;
	}
	conf_store_string(x, it, s, base, path);
}

/* ---- checks ---- */

static void store_http_path(struct conf_ctx *x, const struct conf_item *it,
			    const config_setting_t *s, char *base, const char *path)
{
	const char *v = config_setting_get_string(s);

	if (v[0] != '/' || strpbrk(v, " \t\r\n")) {
		conf_err(x, s, path, "bad path \"%s\" (want /... without white space)", v);
		return;
	}
	conf_store_string(x, it, s, base, path);
}

const struct conf_item conf_check_items[] = {
    {"name", CT_STRING, CONF_REQUIRED, FIELD(struct conf_check, name), .store = store_id},
    /* -1 until a valid type is read, so that finish skips the type's checks */
    {"type", CT_ENUM, CONF_REQUIRED, FIELD(struct conf_check, type), .enums = check_type_names,
     .def_int = -1},
    {"port", CT_INT, FIELD(struct conf_check, port), .min = 1, .max = 65535},
    {"path", CT_STRING, FIELD(struct conf_check, path), .def_str = "/", .store = store_http_path},
    {"host", CT_STRING, FIELD(struct conf_check, host), .def_str = ""},
    {"expect", CT_INT, FIELD(struct conf_check, expect), .min = 100, .max = 599, .def_int = 200},
    {"body", CT_STRING, FIELD(struct conf_check, body), .def_str = ""},
    {"verify", CT_BOOL, FIELD(struct conf_check, verify), .def_int = 1},
    {"sni", CT_STRING, FIELD(struct conf_check, sni), .def_str = ""},
    {"ca_file", CT_STRING, FIELD(struct conf_check, ca_file), .store = conf_store_path},
    {"query", CT_STRING, FIELD(struct conf_check, query), .def_str = ""},
    {"qtype", CT_STRING, FIELD(struct conf_check, qtype), .def_str = "A"},
    {"url", CT_STRING, FIELD(struct conf_check, url), .def_str = ""},
    {"proxy", CT_STRING, FIELD(struct conf_check, proxy), .def_str = ""},
    {"interval", CT_FLOAT, FIELD(struct conf_check, interval), .fmin = 0.1, .fmax = 3600,
     .def_float = 1.0},
    {"timeout", CT_FLOAT, FIELD(struct conf_check, timeout), .fmin = 0.01, .fmax = 3600,
     .def_float = 0.5},
    {"rise", CT_INT, FIELD(struct conf_check, rise), .min = 1, .max = 100, .def_int = 2},
    {"fall", CT_INT, FIELD(struct conf_check, fall), .min = 1, .max = 100, .def_int = 3},
    {NULL},
};

/* Keys each type uses, besides name, type, interval, timeout, rise and fall. A key set for a
 * type that ignores it is an error: it would silently not do what it says. */
static const char *const type_keys[][9] = {
    [CONF_CHECK_TCP] = {"port", NULL},
    [CONF_CHECK_HTTP] = {"port", "path", "host", "expect", "body", NULL},
    [CONF_CHECK_HTTPS] = {"port", "path", "host", "expect", "body", "verify", "sni", "ca_file",
			  NULL},
    [CONF_CHECK_DNS] = {"port", "query", "qtype", NULL},
    [CONF_CHECK_HAPROXY] = {"url", "proxy", NULL},
};
static const char *const common_keys[] = {"name", "type", "interval", "timeout",
					  "rise", "fall", NULL};

static bool in_list(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

static void finish_one_check(struct conf_ctx *x, struct conf_check *ck, const config_setting_t *e,
			     const char *epath)
{
	const char *tname = conf_check_type_name(ck->type);
	char kpath[CONF_PATHLEN];

	ck->line = (int)config_setting_source_line(e);
	if ((unsigned)ck->type > CONF_CHECK_HAPROXY)
		return; /* missing or bad, reported; the type's keys cannot be checked */
	for (int i = 0; i < config_setting_length(e); i++) {
		const config_setting_t *m = config_setting_get_elem(e, (unsigned)i);
		const char *name = config_setting_name(m);

		if (in_list(common_keys, name) || in_list(type_keys[ck->type], name))
			continue;
		if (!in_list(type_keys[CONF_CHECK_HTTPS], name) &&
		    !in_list(type_keys[CONF_CHECK_DNS], name) &&
		    !in_list(type_keys[CONF_CHECK_HAPROXY], name))
			continue; /* unknown: reported by the walker */
		conf_join_path(kpath, sizeof(kpath), epath, name);
		conf_err(x, m, kpath, "not used by type \"%s\"", tname);
	}
	const char *required[3] = {NULL};
	switch (ck->type) {
	case CONF_CHECK_TCP:
	case CONF_CHECK_HTTP:
	case CONF_CHECK_HTTPS:
		required[0] = "port";
		break;
	case CONF_CHECK_DNS:
		required[0] = "port";
		required[1] = "query";
		break;
	case CONF_CHECK_HAPROXY:
		required[0] = "url";
		required[1] = "proxy";
		break;
	}
	for (size_t i = 0; required[i]; i++) {
		if (config_setting_get_member(e, required[i]))
			continue;
		conf_join_path(kpath, sizeof(kpath), epath, required[i]);
		conf_err(x, e, kpath, "missing, required by type \"%s\"", tname);
	}

	const config_setting_t *m;
	if (ck->type == CONF_CHECK_DNS) {
		uint8_t wire[DNAME_MAXLEN];

		m = config_setting_get_member(e, "query");
		if (m && (ck->query[0] == '\0' || dname_from_str(ck->query, wire) < 0)) {
			conf_join_path(kpath, sizeof(kpath), epath, "query");
			conf_err(x, m, kpath, "bad domain name \"%s\"", ck->query);
		}
		ck->qtype_num = (uint16_t)ldns_get_rr_type_by_name(ck->qtype);
		if (ck->qtype_num == 0) {
			conf_join_path(kpath, sizeof(kpath), epath, "qtype");
			conf_err(x, config_setting_get_member(e, "qtype"), kpath,
				 "unknown RR type \"%s\"", ck->qtype);
		}
	}
	m = config_setting_get_member(e, "url");
	if (ck->type == CONF_CHECK_HAPROXY && m) {
		struct http_url u;
		char why[128];

		if (http_url_parse(ck->url, &u, why, sizeof(why)) < 0) {
			conf_join_path(kpath, sizeof(kpath), epath, "url");
			conf_err(x, m, kpath,
				 "bad URL \"%s\": %s (want http://host[:port]/path or https://...)",
				 ck->url, why);
		}
	}
	m = config_setting_get_member(e, "proxy");
	if (ck->type == CONF_CHECK_HAPROXY && m && ck->proxy[0] == '\0') {
		conf_join_path(kpath, sizeof(kpath), epath, "proxy");
		conf_err(x, m, kpath, "empty proxy name");
	}
	if (!(ck->timeout < ck->interval)) {
		m = config_setting_get_member(e, "timeout");
		conf_join_path(kpath, sizeof(kpath), epath, "timeout");
		conf_err(x, m ? m : e, kpath, "%g must be shorter than interval %g", ck->timeout,
			 ck->interval);
	}
}

void conf_finish_checks(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			char *base, const char *path)
{
	struct conf *c = (struct conf *)base;
	char epath[CONF_PATHLEN];

	if (!s)
		return;
	for (size_t i = 0; i < c->nchecks; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct conf_check *ck = &c->checks[i];

		if (config_setting_type(e) != CONFIG_TYPE_GROUP)
			continue; /* reported by the walker */
		conf_path_fmt(epath, sizeof(epath), "%s[%zu]", path, i);
		finish_one_check(x, ck, e, epath);
		if (!ck->name)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (!c->checks[j].name || strcmp(c->checks[j].name, ck->name) != 0)
				continue;
			conf_path_fmt(epath, sizeof(epath), "%s[%zu].name", path, i);
			conf_err(x, config_setting_get_member(e, "name"), epath,
				 "duplicate check \"%s\" (also at line %d)", ck->name,
				 c->checks[j].line);
			break;
		}
	}
}

/* ---- health ---- */

static bool is_space(uint8_t ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

/* Reads the secret now, so that a bad key file fails the load (and a reload keeps the old
 * keys) instead of failing every report later. */
static void store_secret(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			 char *base, const char *path)
{
	struct conf_health_key *k = (struct conf_health_key *)base;
	uint8_t buf[CONF_SECRET_MAX + 256];
	size_t len = 0;
	ssize_t n;

	conf_store_path(x, it, s, base, path);
	if (!k->secret_file)
		return; /* reported */
	int fd = open(k->secret_file, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		conf_err(x, s, path, "cannot read \"%s\": %s", k->secret_file, strerror(errno));
		return;
	}
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			conf_err(x, s, path, "cannot read \"%s\": %s", k->secret_file,
				 strerror(errno));
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return;
		}
		len += (size_t)n;
	}
	close(fd);
	while (len > 0 && is_space(buf[len - 1]))
		len--;
	if (len < CONF_SECRET_MIN || len > CONF_SECRET_MAX) {
		conf_err(x, s, path, "secret in \"%s\" is %s%zu bytes, want %d..%d", k->secret_file,
			 len == sizeof(buf) ? "over " : "", len, CONF_SECRET_MIN, CONF_SECRET_MAX);
		explicit_bzero(buf, sizeof(buf));
		return;
	}
	k->secret = malloc(len);
	if (!k->secret) {
		conf_oom(x, s, path);
		explicit_bzero(buf, sizeof(buf));
		return;
	}
	memcpy(k->secret, buf, len);
	k->secret_len = len;
	explicit_bzero(buf, sizeof(buf));
}

static void release_secret(const struct conf_item *it, char *base)
{
	struct conf_health_key *k = (struct conf_health_key *)base;

	free(k->secret_file);
	k->secret_file = NULL;
	if (k->secret)
		explicit_bzero(k->secret, k->secret_len);
	free(k->secret);
	k->secret = NULL;
	k->secret_len = 0;
}

static const struct conf_item key_items[] = {
    {"id", CT_STRING, CONF_REQUIRED, FIELD(struct conf_health_key, id), .store = store_id},
    {"secret_file", CT_STRING, CONF_REQUIRED, FIELD(struct conf_health_key, secret_file),
     .store = store_secret, .release = release_secret},
    {NULL},
};

static void finish_keys(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			char *base, const char *path)
{
	struct conf_health *h = (struct conf_health *)base;
	char epath[CONF_PATHLEN];

	if (!s)
		return;
	for (size_t i = 0; i < h->nkeys; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (!h->keys[i].id)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (!h->keys[j].id || strcmp(h->keys[i].id, h->keys[j].id) != 0)
				continue;
			conf_path_fmt(epath, sizeof(epath), "%s[%zu].id", path, i);
			conf_err(x, config_setting_get_member(e, "id"), epath,
				 "duplicate key id \"%s\"", h->keys[i].id);
			break;
		}
	}
}

/* The state file need not exist yet (the first override creates it). */
static void store_state_file(struct conf_ctx *x, const struct conf_item *it,
			     const config_setting_t *s, char *base, const char *path)
{
	const char *v = config_setting_get_string(s);
	char **dst = (char **)(base + it->off);
	char *full = v[0] ? conf_resolve(x, v) : strdup("");

	if (!full) {
		conf_oom(x, s, path);
		return;
	}
	free(*dst);
	*dst = full;
}

const struct conf_item conf_health_items[] = {
    {"listen", CT_STRS, CONF_REQUIRED, ARRAY(struct conf_health, listen, nlisten), .min_count = 1,
     .def_int = CONF_HEALTH_PORT, .store = conf_store_addrs, .release = conf_release_addrs},
    {"keys", CT_LIST, CONF_REQUIRED, ARRAY(struct conf_health, keys, nkeys), .min_count = 1,
     .elem_size = sizeof(struct conf_health_key), .sub = key_items, .finish = finish_keys},
    {"quorum", CT_INT, FIELD(struct conf_health, quorum), .min = 1, .max = 100, .def_int = 1},
    {"stale_after", CT_FLOAT, FIELD(struct conf_health, stale_after), .fmin = 0.1, .fmax = 86400,
     .def_float = 5.0},
    {"grace", CT_FLOAT, FIELD(struct conf_health, grace), .fmin = 0, .fmax = 86400,
     .def_float = 30.0},
    {"default", CT_ENUM, FIELD(struct conf_health, default_up), .enums = state_names, .def_int = 1},
    {"state_file", CT_STRING, FIELD(struct conf_health, state_file), .def_str = "",
     .store = store_state_file},
    {"report_interval", CT_FLOAT, FIELD(struct conf_health, report_interval), .fmin = 0.05,
     .fmax = 3600, .def_float = 1.0},
    {"max_clock_skew", CT_FLOAT, FIELD(struct conf_health, max_clock_skew), .fmin = 1, .fmax = 3600,
     .def_float = 30.0},
    {NULL},
};

void conf_finish_health(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			char *base, const char *path)
{
	struct conf_health *h = (struct conf_health *)(base + it->off);
	char kpath[CONF_PATHLEN];

	h->present = s != NULL;
	if (!s)
		return;
	if (!(h->stale_after > h->report_interval)) {
		const config_setting_t *m = config_setting_get_member(s, "stale_after");

		conf_join_path(kpath, sizeof(kpath), path, "stale_after");
		conf_err(x, m ? m : s, kpath,
			 "%g must be longer than report_interval %g, or every report is stale",
			 h->stale_after, h->report_interval);
	}
}

/* ---- probe ---- */

const struct conf_item conf_probe_items[] = {
    {"id", CT_STRING, FIELD(struct conf_probe, id), .def_str = "", .store = store_id},
    {"report_to", CT_STRS, CONF_REQUIRED, ARRAY(struct conf_probe, report_to, nreport_to),
     .min_count = 1, .def_int = CONF_HEALTH_PORT, .store = conf_store_addrs,
     .release = conf_release_addrs},
    {"key", CT_STRING, CONF_REQUIRED, FIELD(struct conf_probe, key), .store = store_id},
    {NULL},
};

void conf_finish_probe(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		       char *base, const char *path)
{
	struct conf_probe *p = (struct conf_probe *)(base + it->off);

	p->present = s != NULL;
}

/* probe.key names a key of health.keys, which may come later in the file. */
void conf_late_probe(struct conf_ctx *x, const config_setting_t *root)
{
	struct conf_probe *p = &x->c->probe;
	const config_setting_t *g = config_setting_get_member(root, "probe");
	const config_setting_t *s = g ? config_setting_get_member(g, "key") : NULL;

	if (!p->present || !p->key || !s)
		return;
	p->key_ref = conf_health_key_find(&x->c->health, p->key, strlen(p->key));
	if (!p->key_ref)
		conf_err(x, s, "probe.key", "unknown key \"%s\" (not in health.keys)", p->key);
}
