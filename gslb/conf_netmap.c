/* SPDX-License-Identifier: Apache-2.0 */
/* conf_netmap.c — regions[].networks, geoip.networks_file and the network map built from them */
#include "config.h"

#include "conf.h"

#include "conf_schema.h"
#include "netmap.h"
#include "service.h"

#include <libconfig.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A networks file with a wrong region name in every line would bury the first error. */
#define FILE_ERRORS_MAX 20

void conf_store_networks(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			 char *base, const char *path)
{
	struct region *r = (struct region *)base;
	bool scalar = config_setting_type(s) == CONFIG_TYPE_STRING;
	int n = scalar ? 1 : config_setting_length(s);
	char epath[CONF_PATHLEN], msg[256];

	(void)it;
	r->networks = calloc(n > 0 ? (size_t)n : 1, sizeof(*r->networks));
	r->network_lines = calloc(n > 0 ? (size_t)n : 1, sizeof(*r->network_lines));
	if (!r->networks || !r->network_lines) {
		conf_oom(x, s, path);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = scalar ? s : config_setting_get_elem(s, (unsigned)i);

		conf_path_fmt(epath, sizeof(epath), "%s[%d]", path, i);
		if (netmap_parse(config_setting_get_string(e), &r->networks[r->nnetworks], msg,
				 sizeof(msg)) < 0) {
			conf_err(x, e, epath, "%s", msg);
			continue;
		}
		r->network_lines[r->nnetworks++] = (int)config_setting_source_line(e);
	}
}

void conf_release_networks(const struct conf_item *it, char *base)
{
	struct region *r = (struct region *)base;

	(void)it;
	free(r->networks);
	r->networks = NULL;
	free(r->network_lines);
	r->network_lines = NULL;
	r->nnetworks = 0;
}

static void prefix_str(const struct netmap_prefix *p, char *out, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(out, size, "%s/%u", a, p->prefix);
}

/* Where nets[i] was written, "file:line". */
static void origin_str(const struct conf *c, const struct conf_net *net, char *out, size_t size)
{
	snprintf(out, size, "%s:%d", net->in_file ? c->geoip.networks_file : c->path, net->line);
}

/* Adds p for region to the map and c->nets; false after reporting why ("file:line: " is
 * at, what the caller names the entry). */
static bool add_net(struct conf_ctx *x, const struct netmap_prefix *p, uint32_t region, int line,
		    bool in_file, size_t *cap, char *msg, size_t msglen)
{
	struct conf *c = x->c;
	uint32_t old;
	int ret;

	if (c->nnets == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct conf_net *nn = realloc(c->nets, ncap * sizeof(*nn));
		if (!nn) {
			snprintf(msg, msglen, "out of memory");
			return false;
		}
		c->nets = nn;
		*cap = ncap;
	}
	ret = netmap_insert(c->netmap, p, (uint32_t)c->nnets, &old);
	if (ret == -EEXIST) {
		char net[INET6_ADDRSTRLEN + 8], at[CONF_PATHLEN];
		prefix_str(p, net, sizeof(net));
		origin_str(c, &c->nets[old], at, sizeof(at));
		snprintf(msg, msglen, "duplicate network %s (also at %s, region \"%s\"): keep one",
			 net, at, c->regions[c->nets[old].region].name);
		return false;
	}
	if (ret < 0) {
		snprintf(msg, msglen, "%s", strerror(-ret));
		return false;
	}
	c->nets[c->nnets++] = (struct conf_net){.region = region, .line = line, .in_file = in_file};
	return true;
}

static long find_region(const struct conf *c, const char *name, long hint)
{
	const struct region *r;

	if (hint >= 0 && !strcmp(c->regions[hint].name, name))
		return hint;
	r = conf_region_find(c, name);
	return r != NULL ? r - c->regions : -1;
}

/* Reads "CIDR region" lines ("#" starts a comment) into the map. */
static void load_file(struct conf_ctx *x, size_t *cap)
{
	struct conf *c = x->c;
	const char *file = c->geoip.networks_file;
	FILE *f = fopen(file, "r");
	char *buf = NULL, msg[1024];
	size_t bufsize = 0;
	unsigned line = 0, nerr = 0;
	long hint = -1;

	if (!f) {
		conf_err_at(x, file, 0, "geoip.networks_file: cannot open: %s", strerror(errno));
		return;
	}
	while (getline(&buf, &bufsize, f) != -1) {
		char *save = NULL, *cidr, *name, *extra;
		struct netmap_prefix p;
		long r;

		line++;
		buf[strcspn(buf, "#")] = '\0';
		cidr = strtok_r(buf, " \t\r\n", &save);
		if (!cidr)
			continue;
		name = strtok_r(NULL, " \t\r\n", &save);
		extra = name ? strtok_r(NULL, " \t\r\n", &save) : NULL;
		msg[0] = '\0';
		if (!name || extra)
			snprintf(msg, sizeof(msg),
				 "want \"NETWORK REGION\", e.g. \"192.0.2.0/24 %s\"",
				 c->nregions ? c->regions[0].name : "eu");
		else if (netmap_parse(cidr, &p, msg, sizeof(msg)) < 0)
			;
		else if ((r = find_region(c, name, hint)) < 0)
			snprintf(msg, sizeof(msg),
				 "unknown region \"%s\" (name one of the regions section)", name);
		else if (add_net(x, &p, (uint32_t)(hint = r), (int)line, true, cap, msg,
				 sizeof(msg)))
			continue;
		if (++nerr <= FILE_ERRORS_MAX)
			conf_err_at(x, file, line, "%s", msg);
	}
	if (ferror(f))
		conf_err_at(x, file, line, "read error: %s", strerror(errno));
	if (nerr > FILE_ERRORS_MAX)
		conf_err_at(x, file, line, "%u more bad lines not shown", nerr - FILE_ERRORS_MAX);
	free(buf);
	fclose(f);
}

void conf_late_networks(struct conf_ctx *x, const config_setting_t *root)
{
	struct conf *c = x->c;
	size_t cap = 0, total = 0;
	char msg[1024];

	(void)root;
	if (!(x->sections & CONF_S_REGIONS))
		return;
	for (size_t i = 0; i < c->nregions; i++)
		total += c->regions[i].nnetworks;
	if (total == 0 && !c->geoip.networks_file)
		return;
	c->netmap = netmap_new();
	if (!c->netmap) {
		conf_err_at(x, c->path, 0, "network map: out of memory");
		return;
	}
	for (size_t i = 0; i < c->nregions; i++) {
		const struct region *r = &c->regions[i];
		for (size_t j = 0; j < r->nnetworks; j++)
			if (!add_net(x, &r->networks[j], (uint32_t)i, r->network_lines[j], false,
				     &cap, msg, sizeof(msg)))
				conf_err_at(x, c->path, (unsigned)r->network_lines[j],
					    "regions[%zu].networks[%zu]: %s", i, j, msg);
	}
	if (c->geoip.networks_file)
		load_file(x, &cap);
	netmap_seal(c->netmap);
}
