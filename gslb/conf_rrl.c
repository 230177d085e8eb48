/* SPDX-License-Identifier: Apache-2.0 */
/* conf_rrl.c — config section rrl: response rate limiting parameters and exempt networks */
#include "config.h"

#include "conf.h"

#include "conf_schema.h"

#include <libconfig.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Parses "addr/len" or a bare address (a host network) into n. Bits past the prefix must be
 * zero: "192.0.2.1/24" is more likely a typo than a network. Returns 0 or -EINVAL. */
static int parse_net(const char *text, struct conf_rrl_net *n)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t hlen = slash ? (size_t)(slash - text) : strlen(text);
	long prefix = -1;

	memset(n, 0, sizeof(*n));
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, n->addr) == 1)
		n->family = AF_INET;
	else if (inet_pton(AF_INET6, host, n->addr) == 1)
		n->family = AF_INET6;
	else
		return -EINVAL;
	int max = n->family == AF_INET ? 32 : 128;
	if (slash) {
		char *end;

		if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
			return -EINVAL;
		prefix = strtol(slash + 1, &end, 10);
		if (*end != '\0' || prefix > max)
			return -EINVAL;
	} else {
		prefix = max;
	}
	n->prefix = (int)prefix;
	for (int bit = n->prefix; bit < max; bit++)
		if (n->addr[bit / 8] & (0x80 >> (bit % 8)))
			return -EINVAL;
	return 0;
}

static void store_exempt(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			 char *base, const char *path)
{
	struct conf_rrl *r = (struct conf_rrl *)base;
	int n = config_setting_length(s);
	char epath[CONF_PATHLEN];

	(void)it;
	if (n == 0)
		return;
	r->exempt = calloc((size_t)n, sizeof(*r->exempt));
	if (!r->exempt) {
		conf_oom(x, s, path);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *text = config_setting_get_string(e);

		conf_path_fmt(epath, sizeof(epath), "%s[%d]", path, i);
		if (parse_net(text, &r->exempt[r->nexempt]) < 0) {
			conf_err(
			    x, e, epath,
			    "bad network \"%s\" (want ADDR or ADDR/LEN with the host bits zero)",
			    text);
			continue;
		}
		r->nexempt++;
	}
}

static void release_exempt(const struct conf_item *it, char *base)
{
	struct conf_rrl *r = (struct conf_rrl *)base;

	(void)it;
	free(r->exempt);
	r->exempt = NULL;
	r->nexempt = 0;
}

const struct conf_item conf_rrl_items[] = {
    {"responses_per_second", CT_INT, FIELD(struct conf_rrl, responses_per_second), .min = 0,
     .max = 100000, .def_int = 20},
    {"window", CT_INT, FIELD(struct conf_rrl, window), .min = 1, .max = 3600, .def_int = 15},
    {"slip", CT_INT, FIELD(struct conf_rrl, slip), .min = 0, .max = 10, .def_int = 2},
    {"ipv4_prefix", CT_INT, FIELD(struct conf_rrl, ipv4_prefix), .min = 0, .max = 32,
     .def_int = 24},
    {"ipv6_prefix", CT_INT, FIELD(struct conf_rrl, ipv6_prefix), .min = 0, .max = 128,
     .def_int = 56},
    {"nxdomain_per_second", CT_INT, FIELD(struct conf_rrl, nxdomain_per_second), .min = 0,
     .max = 100000, .def_int = 0},
    {"exempt", CT_STRS, ARRAY(struct conf_rrl, exempt, nexempt), .store = store_exempt,
     .release = release_exempt},
    {NULL},
};

void conf_finish_rrl(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		     char *base, const char *path)
{
	struct conf_rrl *r = (struct conf_rrl *)(base + it->off);

	(void)x;
	(void)path;
	r->enabled = s != NULL && r->responses_per_second > 0;
}
