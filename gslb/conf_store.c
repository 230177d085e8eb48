/* SPDX-License-Identifier: Apache-2.0 */
/* conf_store.c — config section store: where operator state lives (etcd endpoints, prefix, TLS) */
#include "config.h"

#include "conf.h"

#include "conf_schema.h"
#include "http_client.h"

#include <libconfig.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each endpoint: an http:// or https:// URL whose host is an IP address (the HTTP client
 * resolves no names) and whose path is empty: the gateway's paths are fixed. */
static void store_endpoints(struct conf_ctx *x, const struct conf_item *it,
			    const config_setting_t *s, char *base, const char *path)
{
	struct conf_store *st = (struct conf_store *)base;
	int n = config_setting_length(s);
	char epath[CONF_PATHLEN];

	(void)it;
	st->etcd = calloc((size_t)n + 1, sizeof(*st->etcd));
	if (!st->etcd) {
		conf_oom(x, s, path);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *text = config_setting_get_string(e);
		struct http_url u;
		char why[128];

		conf_path_fmt(epath, sizeof(epath), "%s[%d]", path, i);
		if (http_url_parse(text, &u, why, sizeof(why)) < 0) {
			conf_err(x, e, epath, "bad endpoint \"%s\": %s (want http://ADDR:2379)",
				 text, why);
			continue;
		}
		if (!http_url_is_ip(u.host)) {
			conf_err(x, e, epath,
				 "\"%s\": the host must be an IP address (gslbd resolves no names "
				 "for the store)",
				 text);
			continue;
		}
		if (strcmp(u.path, "/") != 0) {
			conf_err(x, e, epath, "\"%s\": no path (the etcd gateway's are fixed)",
				 text);
			continue;
		}
		st->etcd[st->netcd] = strdup(text);
		if (!st->etcd[st->netcd]) {
			conf_oom(x, e, epath);
			return;
		}
		st->netcd++;
	}
}

static void release_endpoints(const struct conf_item *it, char *base)
{
	struct conf_store *st = (struct conf_store *)base;

	(void)it;
	for (size_t i = 0; st->etcd && i < st->netcd; i++)
		free(st->etcd[i]);
	free(st->etcd);
	st->etcd = NULL;
	st->netcd = 0;
}

const struct conf_item conf_store_items[] = {
    {"etcd", CT_STRS, CONF_REQUIRED, ARRAY(struct conf_store, etcd, netcd), .min_count = 1,
     .store = store_endpoints, .release = release_endpoints},
    {"prefix", CT_STRING, FIELD(struct conf_store, prefix), .def_str = "/gslb/"},
    {"username", CT_STRING, FIELD(struct conf_store, username), .def_str = ""},
    {"password_file", CT_STRING, FIELD(struct conf_store, password_file), .def_str = ""},
    /* inline: the config file then holds the secret; password_file keeps it out */
    {"password", CT_STRING, FIELD(struct conf_store, password), .def_str = ""},
    {"ca_file", CT_STRING, FIELD(struct conf_store, ca_file), .store = conf_store_path},
    {"cert_file", CT_STRING, FIELD(struct conf_store, cert_file), .store = conf_store_path},
    {"key_file", CT_STRING, FIELD(struct conf_store, key_file), .store = conf_store_path},
    {"cache_file", CT_STRING, FIELD(struct conf_store, cache_file),
     .def_str = "/var/lib/gslb/store.cache"},
    {"require_reason", CT_BOOL, FIELD(struct conf_store, require_reason), .def_int = 0},
    {NULL},
};

void conf_finish_store(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		       char *base, const char *path)
{
	struct conf_store *st = (struct conf_store *)(base + it->off);
	char cpath[CONF_PATHLEN];
	size_t plen;

	st->present = s != NULL;
	if (!s)
		return;
	plen = st->prefix ? strlen(st->prefix) : 0;
	conf_join_path(cpath, sizeof(cpath), path, "prefix");
	if (plen < 2 || st->prefix[0] != '/' || st->prefix[plen - 1] != '/')
		conf_err(x, config_setting_get_member(s, "prefix"), cpath,
			 "\"%s\" must start and end with '/' (e.g. \"/gslb/\")",
			 st->prefix ? st->prefix : "");
	conf_join_path(cpath, sizeof(cpath), path, "key_file");
	if (!st->cert_file != !st->key_file)
		conf_err(x, s, cpath, "cert_file and key_file go together (a client certificate)");
	/* etcd authentication: a user and its password, from a file the others cannot read */
	const config_setting_t *us = config_setting_get_member(s, "username");
	const config_setting_t *ps = config_setting_get_member(s, "password_file");
	bool has_password = st->password_file[0] || st->password[0];

	conf_join_path(cpath, sizeof(cpath), path, "password_file");
	if (st->password_file[0] && st->password[0])
		conf_err(x, ps, cpath, "set password_file or password, not both");
	else if (st->password_file[0])
		conf_read_secret(x, ps, cpath, st->password_file, &st->password);
	conf_join_path(cpath, sizeof(cpath), path, "username");
	if (st->username[0] && !has_password)
		conf_err(x, us, cpath, "\"%s\" needs a password: set password_file", st->username);
	else if (!st->username[0] && has_password)
		conf_err(x, ps ? ps : config_setting_get_member(s, "password"), cpath,
			 "a password needs a username");
	conf_join_path(cpath, sizeof(cpath), path, "cache_file");
	if (!st->cache_file || st->cache_file[0] != '/')
		conf_err(x, config_setting_get_member(s, "cache_file"), cpath,
			 "want an absolute path");
}

char *conf_store_text(const struct conf_store *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!c->present)
		return strdup("");
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < c->netcd; i++)
		fprintf(f, "%s,", c->etcd[i]);
	/* the password as it is: this text stays in gslbd, like the password itself */
	fprintf(f, "\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%d", c->prefix, c->username, c->password,
		c->ca_file ?: "", c->cert_file ?: "", c->key_file ?: "", c->cache_file,
		c->require_reason);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
