/* SPDX-License-Identifier: Apache-2.0 */
/* explain.h — why a client gets its answer (`gslbctl explain`, GET /api/v1/explain)
 *
 * Explain answers a made-up query for NAME from CLIENT with the query path itself:
 * answer_packet() on an answer_ctx of its own whose trace records every filter chain run
 * (filter.h), so nothing here decides anything and nothing can drift from what a resolver
 * gets. A client given with a prefix is sent as EDNS Client Subnet; a bare address is the
 * resolver's own address (no ECS), exactly as gslbd sees either. The one difference from a
 * served query: the answer is not counted in the members' answer counters.
 *
 * Random filters (weighted, random) run with explain's own random numbers, so a chain that
 * ends in a random choice among several members may pick another one than a resolver got;
 * the steps show among which.
 */
#ifndef GSLB_EXPLAIN_H
#define GSLB_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct member;
struct service;
struct snapshot;

struct explain_query {
	uint8_t name[256]; /* wire name */
	uint16_t qtype;
	int family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order, masked to prefix when prefix >= 0 */
	int prefix;	  /* ECS source prefix, or -1: the address is the resolver's */
	char text[80];	  /* the client as given, for the output */
};

/* Fills q from the request's words: name ("www.example.com", a trailing dot optional),
 * client ("192.0.2.1", "2001:db8::/48"; NULL or "" = 127.0.0.1) and qtype ("A", "AAAA",
 * "ANY", "CNAME" or any type ldns knows; NULL = A). Returns 0, or -1 with a message in err
 * naming the word that is wrong. */
int explain_parse(const char *name, const char *client, const char *qtype, struct explain_query *q,
		  char *err, size_t errlen);

/* Details of one member for the output (control_api's member JSON): a new reference. */
typedef json_t *explain_member_fn(const struct service *svc, const struct member *m, void *arg);

/* Answers q from s and returns the explanation (a new reference), or NULL with a message
 * in err (out of memory, or a query the answer path dropped). s is the published snapshot
 * held under the caller's RCU read lock. See docs/operations.md "Explaining an answer" for
 * the fields. Control thread. */
json_t *explain_json(const struct snapshot *s, const struct explain_query *q,
		     explain_member_fn *member, void *arg, char *err, size_t errlen);

#endif
