/* SPDX-License-Identifier: Apache-2.0 */
/* gslbctl.h — what gslbctl's command files share: reading the daemon's JSON members */
#ifndef GSLB_GSLBCTL_H
#define GSLB_GSLBCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libconfig.h>

/* The string at o.key, or def. */
const char *jstr(json_t *o, const char *key, const char *def);
/* A member's addresses "192.0.2.1,2001:db8::1", or "CNAME name". */
void member_addresses(json_t *m, char *buf, size_t size);
/* Each prober's vote on a member, merged over its addresses ("-" without votes). */
void member_votes(json_t *m, char *buf, size_t size);
/* What answers see of a member: "drained", "forced-up", "forced-down", "up" or "DOWN". */
const char *member_state(json_t *m);

/* Prints the answer of GET /api/v1/explain for a reader (gslbctl explain). */
void explain_print(json_t *j);

/* gslbctl whatif: adds --down/--drain ARG (opt "down", "drain") or --weight REGION=N
 * (opt "weight") to the question q; the clients of a CSV file (PREFIX[,WEIGHT] per line,
 * "-" for stdin); prints the answer of POST /api/v1/whatif. The first two return 0, or -1
 * after saying why. */
int whatif_option(json_t *q, const char *opt, const char *arg);
int whatif_clients(json_t *q, const char *path);
void whatif_print(json_t *j);

/* Reads the config at path into cfg (config_init'ed here), @include relative to its
 * directory as gslbd reads it. Returns 0, or -1 after printing gslbd's words for the error
 * (cfg destroyed). */
int gslbctl_conf_open(const char *path, config_t *cfg);

/* gslbctl --etcd URLS / --direct -c CONFIG: changes and history straight in etcd
 * (gslbctl_direct.c). */
struct direct {
	const char *etcd;   /* --etcd, else the config's store.etcd */
	const char *prefix; /* --prefix, else store.prefix, else /gslb/ */
	const char *who;    /* --who, else server.control.token_name, else "$USER (gslbctl)" */
	const char *why;    /* --reason */
	unsigned long for_s;
	int64_t if_rev;	  /* --if-revision, else -1: the revision read */
	const char *conf; /* -c: names are checked against it */
	bool require_reason;
	bool json; /* --json: the outcome as JSON */
	/* filled by direct_setup */
	config_t cfg;
	bool have_cfg;
	char etcd_buf[4096], who_buf[96];
};
/* Reads the config (when d->conf) and checks the endpoints. Returns 0, or -1 after saying
 * why. direct_free releases it. */
int direct_setup(struct direct *d);
void direct_free(struct direct *d);
/* drain/undrain/up/down/clear of a member; drain or undrain of a region (needs -c); weight
 * REGION|SERVICE MEMBER N|clear. Each returns gslbctl's exit status, having printed the
 * outcome or why it failed. */
int direct_member(const struct direct *d, const char *action, const char *service,
		  const char *member);
int direct_region(const struct direct *d, bool drain, const char *region);
int direct_weight(const struct direct *d, char **args, int nargs);
/* The newest history records as GET /api/v1/history answers them, or NULL after saying
 * why. */
json_t *direct_history(const struct direct *d);

#endif
