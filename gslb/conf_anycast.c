/* SPDX-License-Identifier: Apache-2.0 */
/* conf_anycast.c — config section anycast: what gslb-anycast checks and which BIRD protocol */
#include "config.h"

#include "conf.h"

#include "conf_schema.h"

#include <libconfig.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* "addr/len" with the host bits zero; the prefixes are the ones the BIRD protocol
 * originates, named here so that logs and gslb-anycast -t say what moves. */
static bool prefix_valid(const char *text)
{
	char host[INET6_ADDRSTRLEN + 1];
	uint8_t addr[16];
	const char *slash = strchr(text, '/');
	char *end;
	long len;
	int max;

	if (!slash || slash == text || (size_t)(slash - text) >= sizeof(host))
		return false;
	memcpy(host, text, (size_t)(slash - text));
	host[slash - text] = '\0';
	if (inet_pton(AF_INET, host, addr) == 1)
		max = 32;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		max = 128;
	else
		return false;
	if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
		return false;
	len = strtol(slash + 1, &end, 10);
	if (*end != '\0' || len > max)
		return false;
	for (int bit = (int)len; bit < max; bit++)
		if (addr[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

/* A BIRD symbol: the command "enable NAME" takes nothing else unquoted. */
static bool bird_symbol_valid(const char *s)
{
	if (!s[0] || strlen(s) > 64 ||
	    !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

/* bird_protocol: BIRD symbols, each once; absent = the one protocol "gslb_anycast". */
static void check_protocols(struct conf_ctx *x, const config_setting_t *s, struct conf_anycast *a,
			    const char *path)
{
	const config_setting_t *set = config_setting_get_member(s, "bird_protocol");
	char epath[CONF_PATHLEN];

	if (!set && a->nbird_protocols == 0) {
		a->bird_protocols = calloc(2, sizeof(*a->bird_protocols));
		if (!a->bird_protocols || !(a->bird_protocols[0] = strdup("gslb_anycast"))) {
			conf_oom(x, s, path);
			return;
		}
		a->nbird_protocols = 1;
		return;
	}
	for (size_t i = 0; i < a->nbird_protocols; i++) {
		const char *p = a->bird_protocols[i];

		if (config_setting_type(set) == CONFIG_TYPE_STRING)
			conf_path_fmt(epath, sizeof(epath), "%s.bird_protocol", path);
		else
			conf_path_fmt(epath, sizeof(epath), "%s.bird_protocol[%zu]", path, i);
		if (!bird_symbol_valid(p))
			conf_err(x, set, epath,
				 "\"%s\" is not a BIRD protocol name ([A-Za-z_][A-Za-z0-9_]*)", p);
		for (size_t j = 0; j < i; j++)
			if (strcmp(a->bird_protocols[j], p) == 0)
				conf_err(x, set, epath, "\"%s\" is listed twice", p);
	}
}

const struct conf_item conf_anycast_items[] = {
    {"prefixes", CT_STRS, ARRAY(struct conf_anycast, prefixes, nprefixes)},
    {"bird_socket", CT_STRING, FIELD(struct conf_anycast, bird_socket),
     .def_str = "/run/bird/bird.ctl"},
    {"bird_protocol", CT_STRS, CONF_SCALAR_OK,
     ARRAY(struct conf_anycast, bird_protocols, nbird_protocols), .min_count = 1},
    {"interval", CT_FLOAT, FIELD(struct conf_anycast, interval), .fmin = 0.05, .fmax = 60.0,
     .def_float = 0.2},
    {"timeout", CT_FLOAT, FIELD(struct conf_anycast, timeout), .fmin = 0.01, .fmax = 60.0,
     .def_float = 0.5},
    {"rise", CT_INT, FIELD(struct conf_anycast, rise), .min = 1, .max = 100, .def_int = 3},
    {"fall", CT_INT, FIELD(struct conf_anycast, fall), .min = 1, .max = 100, .def_int = 2},
    {"probe_name", CT_STRING, FIELD(struct conf_anycast, probe_name), .def_str = ""},
    {"max_snapshot_age", CT_FLOAT, FIELD(struct conf_anycast, max_snapshot_age), .fmin = 0,
     .fmax = 31536000, .def_float = 0},
    {"wait_for_health", CT_BOOL, FIELD(struct conf_anycast, wait_for_health), .def_int = 1},
    {"max_health_wait", CT_FLOAT, FIELD(struct conf_anycast, max_health_wait), .fmin = 0,
     .fmax = 86400, .def_float = 60},
    {NULL},
};

void conf_finish_anycast(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			 char *base, const char *path)
{
	struct conf *c = (struct conf *)base;
	struct conf_anycast *a = (struct conf_anycast *)(base + it->off);
	char epath[CONF_PATHLEN];

	a->present = s != NULL;
	if (!s)
		return;
	for (size_t i = 0; i < a->nprefixes; i++) {
		if (prefix_valid(a->prefixes[i]))
			continue;
		conf_path_fmt(epath, sizeof(epath), "%s.prefixes[%zu]", path, i);
		conf_err(x, config_setting_get_member(s, "prefixes"), epath,
			 "bad prefix \"%s\" (want ADDR/LEN with the host bits zero)",
			 a->prefixes[i]);
	}
	if (a->bird_socket && !a->bird_socket[0]) {
		conf_path_fmt(epath, sizeof(epath), "%s.bird_socket", path);
		conf_err(x, config_setting_get_member(s, "bird_socket"), epath, "empty path");
	}
	check_protocols(x, s, a, path);
	/* The default question is the first zone's SOA: the one thing every gslbd serves. */
	if (a->probe_name && !a->probe_name[0] && c->nzones > 0 && c->zones[0].name) {
		char *name = strdup(c->zones[0].name);

		if (!name) {
			conf_oom(x, s, path);
			return;
		}
		free(a->probe_name);
		a->probe_name = name;
	}
}
