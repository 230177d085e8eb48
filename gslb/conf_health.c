/* SPDX-License-Identifier: Apache-2.0 */
/* conf_health.c — config sections checks, health and probe: schema tables and their hooks */
#include "config.h"

#include "conf.h"

#include "conf_schema.h"
#include "dname.h"

#include <libconfig.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const state_names[] = {"down", "up", NULL}; /* index = default_up */

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

bool conf_health_key_allows(const struct conf_health_key *k, const char *id, size_t len)
{
	for (size_t i = 0; i < k->nprobers; i++) {
		const char *p = k->probers[i];

		if (!strcmp(p, CONF_ANY_PROBER) || (strlen(p) == len && !memcmp(p, id, len)))
			return true;
	}
	return false;
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

/* The program's check types (gslb-probe's probes/check_types.c), or NULL. */
static const struct conf_check_type *const *check_types;

void conf_check_types_register(const struct conf_check_type *const *table)
{
	check_types = table;
}

const struct conf_check_type *conf_check_type_find(const char *name)
{
	for (size_t i = 0; check_types && check_types[i]; i++)
		if (!strcmp(check_types[i]->name, name))
			return check_types[i];
	return NULL;
}

/* Frees the type's params with the type name: the "type" row owns both. */
static void release_type(const struct conf_item *it, char *base)
{
	struct conf_check *ck = (struct conf_check *)base;

	if (ck->params) {
		if (ck->type->release)
			ck->type->release(ck->params);
		conf_table_release(ck->type->keys, ck->params);
		free(ck->params);
		ck->params = NULL;
	}
	free(ck->type_name);
	ck->type_name = NULL;
}

/* The keys every type has; the type's own are left to conf_finish_checks (CONF_OPEN). */
const struct conf_item conf_check_items[] = {
    {"name", CT_STRING, CONF_REQUIRED, FIELD(struct conf_check, name), .store = store_id},
    {"type", CT_STRING, CONF_REQUIRED, FIELD(struct conf_check, type_name),
     .release = release_type},
    {"interval", CT_FLOAT, FIELD(struct conf_check, interval), .fmin = 0.1, .fmax = 3600,
     .def_float = 1.0},
    {"timeout", CT_FLOAT, FIELD(struct conf_check, timeout), .fmin = 0.01, .fmax = 3600,
     .def_float = 0.5},
    {"rise", CT_INT, FIELD(struct conf_check, rise), .min = 1, .max = 100, .def_int = 2},
    {"fall", CT_INT, FIELD(struct conf_check, fall), .min = 1, .max = 100, .def_int = 3},
    {NULL, .flags = CONF_OPEN},
};

static const struct conf_item *row_of(const struct conf_item *tab, const char *name)
{
	for (; tab->name; tab++)
		if (!strcmp(tab->name, name))
			return tab;
	return NULL;
}

/* True when some registered type has key name: set for another type, it is a mistake worth
 * its own message. */
static bool any_type_key(const char *name)
{
	for (size_t i = 0; check_types[i]; i++)
		if (row_of(check_types[i]->keys, name))
			return true;
	return false;
}

static void unknown_type(struct conf_ctx *x, const struct conf_check *ck, const config_setting_t *e,
			 const char *epath)
{
	char want[256] = "", kpath[CONF_PATHLEN];
	size_t len = 0;

	for (size_t j = 0; check_types[j] && len < sizeof(want); j++)
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%s\"%s\"", j ? ", " : "",
					check_types[j]->name);
	conf_join_path(kpath, sizeof(kpath), epath, "type");
	conf_err(x, config_setting_get_member(e, "type"), kpath, "unknown value \"%s\" (want %s)",
		 ck->type_name, want);
}

/* Reads the type's own keys of check e into fresh params, then runs its validate hook. */
static void load_type_keys(struct conf_ctx *x, struct conf_check *ck, const config_setting_t *e,
			   const char *epath)
{
	const struct conf_check_type *t = conf_check_type_find(ck->type_name);
	char kpath[CONF_PATHLEN];

	if (!t) {
		unknown_type(x, ck, e, epath);
		return;
	}
	ck->params = calloc(1, t->params_size ? t->params_size : 1);
	if (!ck->params) {
		conf_oom(x, e, epath);
		return;
	}
	ck->type = t;
	conf_table_defaults(t->keys, ck->params);
	for (int i = 0; i < config_setting_length(e); i++) {
		const config_setting_t *m = config_setting_get_elem(e, (unsigned)i);
		const char *name = config_setting_name(m);
		const struct conf_item *it = row_of(t->keys, name);

		if (row_of(conf_check_items, name))
			continue;
		conf_join_path(kpath, sizeof(kpath), epath, name);
		if (it)
			conf_table_load(x, it, m, ck->params, kpath);
		else if (any_type_key(name))
			conf_err(x, m, kpath, "not used by type \"%s\"", t->name);
		else
			conf_err(x, m, kpath, "unknown setting");
	}
	for (const struct conf_item *it = t->keys; it->name; it++) {
		if (!(it->flags & CONF_REQUIRED) || config_setting_get_member(e, it->name))
			continue;
		conf_join_path(kpath, sizeof(kpath), epath, it->name);
		conf_err(x, e, kpath, "missing, required by type \"%s\"", t->name);
	}
	if (t->validate)
		t->validate(x, ck, e, epath);
}

static void finish_one_check(struct conf_ctx *x, struct conf_check *ck, const config_setting_t *e,
			     const char *epath)
{
	char kpath[CONF_PATHLEN];

	ck->line = (int)config_setting_source_line(e);
	/* without a type (reported) the type's keys cannot be read */
	if (check_types && ck->type_name)
		load_type_keys(x, ck, e, epath);
	if (!(ck->timeout < ck->interval)) {
		const config_setting_t *m = config_setting_get_member(e, "timeout");

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
    {"probers", CT_STRS, CONF_REQUIRED, ARRAY(struct conf_health_key, probers, nprobers),
     .min_count = 1},
    {NULL},
};

/* Each entry a prober id, or "*" alone: "*" among ids would silently make them moot. */
static void check_probers(struct conf_ctx *x, const struct conf_health_key *k,
			  const config_setting_t *e, const char *path, size_t i)
{
	const config_setting_t *ps = config_setting_get_member(e, "probers");
	char epath[CONF_PATHLEN];

	for (size_t j = 0; j < k->nprobers; j++) {
		const char *p = k->probers[j];
		/* an array (no CONF_SCALAR_OK), since it has elements */
		const config_setting_t *ejs = config_setting_get_elem(ps, (unsigned)j);

		conf_path_fmt(epath, sizeof(epath), "%s[%zu].probers[%zu]", path, i, j);
		if (!strcmp(p, CONF_ANY_PROBER)) {
			if (k->nprobers > 1)
				conf_err(x, ejs, epath,
					 "\"*\" (any prober) must be the only entry");
		} else if (!id_ok(p)) {
			conf_err(x, ejs, epath,
				 "bad prober id \"%s\" (want \"*\" or 1..%d of A-Z a-z 0-9 . _ -)",
				 p, CONF_ID_MAX);
		}
	}
}

static void finish_keys(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			char *base, const char *path)
{
	struct conf_health *h = (struct conf_health *)base;
	char epath[CONF_PATHLEN];

	if (!s)
		return;
	for (size_t i = 0; i < h->nkeys; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		check_probers(x, &h->keys[i], e, path, i);
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

/* The state file need not exist yet (the first override creates it). Whether gslbd's user
 * may write its directory is gslbd's check (it knows the user), blamed on state_file_at. */
static void store_state_file(struct conf_ctx *x, const struct conf_item *it,
			     const config_setting_t *s, char *base, const char *path)
{
	struct conf_health *h = (struct conf_health *)base;
	const char *v = config_setting_get_string(s);
	char *full = v[0] ? conf_resolve(x, v) : strdup("");

	if (!full) {
		conf_oom(x, s, path);
		return;
	}
	free(h->state_file);
	h->state_file = full;
	free(h->state_file_at);
	h->state_file_at = conf_where(x, s);
	if (!h->state_file_at)
		conf_oom(x, s, path);
}

static void release_state_file(const struct conf_item *it, char *base)
{
	struct conf_health *h = (struct conf_health *)base;

	(void)it;
	free(h->state_file);
	h->state_file = NULL;
	free(h->state_file_at);
	h->state_file_at = NULL;
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
     .store = store_state_file, .release = release_state_file},
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

/* probe.id: "" leaves it to -i, which gslb-probe checks at start (probe_conf_check) */
static void store_prober_id(struct conf_ctx *x, const struct conf_item *it,
			    const config_setting_t *s, char *base, const char *path)
{
	if (config_setting_get_string(s)[0] == '\0')
		conf_store_string(x, it, s, base, path);
	else
		store_id(x, it, s, base, path);
}

/* probe.metrics: parsed in conf_finish_probe */
static void release_probe_metrics(const struct conf_item *it, char *base)
{
	struct conf_probe *p = (struct conf_probe *)base;

	(void)it;
	free(p->metrics_text);
	p->metrics_text = NULL;
	free(p->metrics.text);
	memset(&p->metrics, 0, sizeof(p->metrics));
}

const struct conf_item conf_probe_items[] = {
    {"id", CT_STRING, FIELD(struct conf_probe, id), .def_str = "", .store = store_prober_id},
    {"report_to", CT_STRS, CONF_REQUIRED, ARRAY(struct conf_probe, report_to, nreport_to),
     .min_count = 1, .def_int = CONF_HEALTH_PORT, .store = conf_store_addrs,
     .release = conf_release_addrs},
    {"key", CT_STRING, CONF_REQUIRED, FIELD(struct conf_probe, key), .store = store_id},
    {"metrics", CT_STRING, FIELD(struct conf_probe, metrics_text), .def_str = "",
     .release = release_probe_metrics},
    {NULL},
};

void conf_finish_probe(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		       char *base, const char *path)
{
	struct conf_probe *p = (struct conf_probe *)(base + it->off);
	char mpath[CONF_PATHLEN];
	int ret;

	p->present = s != NULL;
	if (!s || !p->metrics_text || !p->metrics_text[0])
		return;
	const config_setting_t *ms = config_setting_get_member(s, "metrics");
	conf_join_path(mpath, sizeof(mpath), path, "metrics");
	ret = conf_parse_addr(p->metrics_text, CONF_PROBE_METRICS_PORT, &p->metrics);
	if (ret == -ENOMEM)
		conf_oom(x, ms ? ms : s, mpath);
	else if (ret < 0)
		conf_err(x, ms ? ms : s, mpath, "bad address \"%s\" (want ADDR or ADDR:PORT)",
			 p->metrics_text);
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
