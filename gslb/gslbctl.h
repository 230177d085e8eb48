/* SPDX-License-Identifier: Apache-2.0 */
/* gslbctl.h — what gslbctl's command files share: reading the daemon's JSON members */
#ifndef GSLB_GSLBCTL_H
#define GSLB_GSLBCTL_H

#include <stddef.h>

#include <jansson.h>

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

#endif
