/* SPDX-License-Identifier: Apache-2.0 */
/* answer_service.h — dynamic answers for service names
 *
 * A service name is answered by its filter chain over the members that
 * can answer the query type: the client's location comes from the EDNS
 * Client Subnet address (else the packet source) through the GeoIP
 * database, and the chosen members give A/AAAA records, or one CNAME for
 * a CDN-edge member. Query path: no lock, no allocation.
 */
#ifndef GSLB_ANSWER_SERVICE_H
#define GSLB_ANSWER_SERVICE_H

#include <stdint.h>
#include <sys/socket.h>

#include "answer.h"

struct flt_client;
struct member;
struct member_health;
struct render;
struct service;
struct snapshot;
struct wire_query;

enum service_result {
	SVC_ANSWERED = 0, /* address records rendered */
	SVC_NODATA = 1,	  /* nothing of that type: the caller adds the SOA */
	SVC_CNAME = 2,	  /* a CNAME rendered; *target is its lowercased target */
	SVC_EMPTY = 3,	  /* nothing is up and the fallback is "empty": NODATA, the caller adds
			   * the SOA with a TTL of at most service_fail_open_ttl() */
};

/* The TTL of answers given while no member is up: fail_open_ttl when set, else ttl. */
uint32_t service_fail_open_ttl(const struct service *svc);

/* Renders the answer of svc for q under owner into r. When the query
 * carried a Client Subnet, raises *scope to the ECS scope prefix the
 * answer depended on (filter_chain_run: the location's network for a chain
 * reading the location, the subnet sticky hashes, 0 for a chain reading
 * neither); the caller starts it at 0. Returns an enum service_result, or
 * -ENOSPC when the records do not fit. */
int service_answer(struct answer_ctx *ctx, const struct snapshot *snap, const struct wire_query *q,
		   const struct sockaddr *src, const struct service *svc, const uint8_t *owner,
		   struct render *r, uint8_t *scope, const uint8_t **target);

/* The members svc's chain chooses, in answer order, for a client subnet (family AF_INET or
 * AF_INET6, addr, prefix: as an EDNS Client Subnet) asking qtype, with the member health
 * array health (NULL: all up) in place of the snapshot's: the query path's own choice,
 * without rendering, for what-if replays. client (NULL: not wanted) gets what the chain
 * knew of the client: its location, when the chain reads one. Returns how many are in m
 * (SERVICE_MAX_MEMBERS room); 0 when none can answer the type or the fallback is "empty". Any
 * thread on its own ctx, under the RCU read lock of snap. */
size_t service_choose(struct answer_ctx *ctx, const struct snapshot *snap,
		      const struct service *svc, const struct member_health *health, int family,
		      const uint8_t *addr, uint8_t prefix, uint16_t qtype, const struct member **m,
		      struct flt_client *client);

#endif
