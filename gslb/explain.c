/* SPDX-License-Identifier: Apache-2.0 */
/* explain.c — a made-up query through the real answer path, with its filter runs traced */
#include "config.h"

#include "explain.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "answer.h"
#include "dname.h"
#include "filter.h"
#include "netmap.h"
#include "service.h"
#include "snapshot.h"

#define EXPLAIN_UDP_SIZE 4096 /* the EDNS payload the made-up query offers */
#define OPT_ECS 8	      /* RFC 7871 */

int explain_parse(const char *name, const char *client, const char *qtype, struct explain_query *q,
		  char *err, size_t errlen)
{
	long len;
	int r;

	memset(q, 0, sizeof(*q));
	if (name == NULL || *name == '\0' || dname_from_str(name, q->name) < 0) {
		snprintf(err, errlen, "name: '%s' is not a domain name", name ? name : "");
		return -1;
	}
	q->qtype = LDNS_RR_TYPE_A;
	if (qtype != NULL && *qtype != '\0') {
		q->qtype = (uint16_t)ldns_get_rr_type_by_name(qtype);
		if (q->qtype == 0) {
			snprintf(err, errlen, "qtype: unknown type '%s' (A, AAAA, CNAME, ANY...)",
				 qtype);
			return -1;
		}
	}
	if (client == NULL || *client == '\0')
		client = "127.0.0.1";
	snprintf(q->text, sizeof(q->text), "%s", client);
	if (strlen(client) >= 64) {
		snprintf(err, errlen, "client: '%.64s...' is too long", client);
		return -1;
	}
	r = addr_prefix_parse(client, &q->family, q->addr, &len);
	if (r == ADDR_BAD_ADDRESS) {
		snprintf(err, errlen, "client: '%.*s' is not an IPv4 or IPv6 address",
			 (int)strcspn(client, "/"), client);
		return -1;
	}
	if (r == ADDR_BAD_PREFIX) {
		snprintf(err, errlen, "client: prefix '%s' is not 0..%d", strchr(client, '/') + 1,
			 q->family == AF_INET ? 32 : 128);
		return -1;
	}
	q->prefix = (int)len;
	for (int b = q->prefix; b >= 0 && b < (q->family == AF_INET ? 32 : 128); b++)
		q->addr[b / 8] &= (uint8_t) ~(0x80u >> (b % 8)); /* ECS sends the address masked */
	return 0;
}

/* The query packet a resolver would send: no RD, EDNS, and the Client Subnet when q has a
 * prefix. Returns its length. */
static size_t build_query(const struct explain_query *q, uint8_t *pkt)
{
	size_t len = 0, nlen = dname_len(q->name);
	size_t abytes = q->prefix > 0 ? ((size_t)q->prefix + 7) / 8 : 0;
	size_t rdlen = q->prefix >= 0 ? 8 + abytes : 0;
	static const uint8_t header[12] = {0x45, 0x58, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};

	memcpy(pkt, header, sizeof(header));
	len = sizeof(header);
	memcpy(pkt + len, q->name, nlen);
	len += nlen;
	ldns_write_uint16(pkt + len, q->qtype);
	ldns_write_uint16(pkt + len + 2, LDNS_RR_CLASS_IN);
	len += 4;
	pkt[len++] = 0; /* OPT: root owner */
	ldns_write_uint16(pkt + len, LDNS_RR_TYPE_OPT);
	ldns_write_uint16(pkt + len + 2, EXPLAIN_UDP_SIZE);
	memset(pkt + len + 4, 0, 4); /* extended rcode, version, flags */
	ldns_write_uint16(pkt + len + 8, (uint16_t)rdlen);
	len += 10;
	if (q->prefix >= 0) {
		ldns_write_uint16(pkt + len, OPT_ECS);
		ldns_write_uint16(pkt + len + 2, (uint16_t)(4 + abytes));
		ldns_write_uint16(pkt + len + 4, q->family == AF_INET ? 1 : 2);
		pkt[len + 6] = (uint8_t)q->prefix;
		pkt[len + 7] = 0;
		memcpy(pkt + len + 8, q->addr, abytes);
		len += rdlen;
	}
	return len;
}

/* Where the query comes from: the client itself when it is the resolver, else loopback
 * (the ECS address decides, as for any resolver). */
static socklen_t query_source(const struct explain_query *q, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (q->prefix < 0 && q->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, q->addr, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	if (q->prefix < 0)
		memcpy(&s4->sin_addr, q->addr, 4);
	else
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*s4);
}

/* "SERVICE INDEX" (control_api's key of a member), "SERVICE fallback INDEX" for a
 * fallback member. */
static void member_key(const struct service *svc, const struct member *m, char *buf, size_t size)
{
	char name[NAME_TEXT_MAX];
	bool fallback = svc->fallback_members != NULL && m >= svc->fallback_members &&
			m < svc->fallback_members + svc->nfallback;

	if (dname_to_str(svc->name, name, sizeof(name)) != 0)
		name[0] = '\0';
	snprintf(buf, size, "%s %s%u", name, fallback ? "fallback " : "", m->index);
}

struct out {
	const struct snapshot *snap;
	json_t *members; /* key → details, each member once */
	explain_member_fn *member;
	void *arg;
};

/* The members' keys as a JSON array, adding each one's details to out->members. */
static json_t *member_list(struct out *o, const struct service *svc, const struct member *const *m,
			   size_t n)
{
	json_t *a = json_array();
	char key[NAME_TEXT_MAX + 24];

	for (size_t i = 0; i < n; i++) {
		member_key(svc, m[i], key, sizeof(key));
		json_array_append_new(a, json_string(key));
		if (json_object_get(o->members, key) == NULL)
			json_object_set_new(o->members, key, o->member(svc, m[i], o->arg));
	}
	return a;
}

/* Members of a[0..na) that are not in b[0..nb). */
static json_t *missing(struct out *o, const struct service *svc, const struct member *const *a,
		       size_t na, const struct member *const *b, size_t nb)
{
	const struct member *left[FLT_MAX_MEMBERS];
	size_t n = 0;

	for (size_t i = 0; i < na; i++) {
		bool found = false;
		for (size_t j = 0; j < nb && !found; j++)
			found = a[i] == b[j];
		if (!found)
			left[n++] = a[i];
	}
	return member_list(o, svc, left, n);
}

static const char *loc_source_name(uint8_t s)
{
	switch (s) {
	case FLT_LOC_NETMAP:
		return "network map";
	case FLT_LOC_GEOIP:
		return "geoip";
	case FLT_LOC_DEFAULT:
		return "geoip default location";
	default:
		return "none";
	}
}

static json_t *client_json(const struct flt_client *c)
{
	json_t *j = json_object();
	char addr[INET6_ADDRSTRLEN] = "";

	if (c->family != 0)
		inet_ntop(c->family, c->addr, addr, sizeof(addr));
	json_object_set_new(j, "address", json_string(addr));
	json_object_set_new(j, "prefix", json_integer(c->prefix));
	json_object_set_new(j, "location_source", json_string(loc_source_name(c->loc_source)));
	json_object_set_new(j, "location_prefix", json_integer(c->loc_prefix));
	json_object_set_new(j, "lat", c->has_location ? json_real(c->lat) : json_null());
	json_object_set_new(j, "lon", c->has_location ? json_real(c->lon) : json_null());
	json_object_set_new(j, "country", c->country[0] ? json_string(c->country) : json_null());
	json_object_set_new(j, "continent",
			    c->continent[0] ? json_string(c->continent) : json_null());
	json_object_set_new(j, "region", c->region ? json_string(c->region->name) : json_null());
	json_object_set_new(j, "asn", c->asn ? json_integer(c->asn) : json_null());
	json_object_set_new(j, "asn_prefix", json_integer(c->asn_prefix));
	return j;
}

/* Distance in km from the client to each candidate's region (what nearest compares, before
 * bias_km), when the client has a location. */
static json_t *distances(const struct flt_trace_run *tr)
{
	json_t *j = json_object();

	if (!tr->client.has_location)
		return j;
	for (size_t i = 0; i < tr->ncand; i++) {
		const struct region *r = tr->cand[i]->region;
		double km = flt_nearest_distance_km(tr->client.lat, tr->client.lon, r->lat, r->lon);
		json_object_set_new(j, r->name, json_integer((json_int_t)(km + 0.5)));
	}
	return j;
}

static json_t *run_json(struct out *o, const struct flt_trace_run *tr)
{
	json_t *j = json_object(), *steps = json_array();
	const struct service *svc = tr->service;
	char name[NAME_TEXT_MAX], chain[256];
	const struct member *const *prev = tr->cand;
	size_t nprev = tr->ncand;

	if (dname_to_str(svc->name, name, sizeof(name)) != 0)
		name[0] = '\0';
	if (filter_chain_format(&svc->chain, chain, sizeof(chain)) != 0)
		chain[0] = '\0';
	json_object_set_new(j, "service", json_string(name));
	json_object_set_new(j, "chain", json_string(chain));
	json_object_set_new(j, "client", client_json(&tr->client));
	json_object_set_new(j, "distance_km", distances(tr));
	json_object_set_new(j, "candidates", member_list(o, svc, tr->cand, tr->ncand));
	for (size_t i = 0; i < tr->nsteps; i++) {
		const struct flt_trace_step *ts = &tr->steps[i];
		json_t *sj = json_object();
		char f[64];
		if (ts->step->def->takes_arg)
			snprintf(f, sizeof(f), "%s:%u", ts->step->def->name, ts->step->arg);
		else
			snprintf(f, sizeof(f), "%s", ts->step->def->name);
		json_object_set_new(sj, "filter", json_string(f));
		/* the weight-0 rule ran before the step (filter.h): what it took away */
		json_object_set_new(sj, "drained", missing(o, svc, prev, nprev, ts->in, ts->nin));
		json_object_set_new(sj, "in", member_list(o, svc, ts->in, ts->nin));
		json_object_set_new(sj, "out", member_list(o, svc, ts->out, ts->nout));
		json_object_set_new(sj, "removed",
				    missing(o, svc, ts->in, ts->nin, ts->out, ts->nout));
		json_array_append_new(steps, sj);
		prev = ts->out;
		nprev = ts->nout;
	}
	json_object_set_new(j, "steps", steps);
	json_object_set_new(j, "drained_after",
			    missing(o, svc, prev, nprev, tr->final, tr->nfinal));
	json_object_set_new(j, "chosen", member_list(o, svc, tr->final, tr->nfinal));
	json_object_set_new(j, "all_down", json_boolean(tr->all_down));
	json_object_set_new(j, "scope", json_integer(tr->scope));
	return j;
}

/* The ECS scope prefix of the response's Client Subnet option, or -1 without one. */
static int response_scope(const ldns_pkt *p)
{
	ldns_rdf *d = ldns_pkt_edns_data(p);
	const uint8_t *b = d ? ldns_rdf_data(d) : NULL;
	size_t len = d ? ldns_rdf_size(d) : 0;

	for (size_t i = 0; i + 4 <= len;) {
		uint16_t code = ldns_read_uint16(b + i), olen = ldns_read_uint16(b + i + 2);
		if (code == OPT_ECS && olen >= 4 && i + 4 + olen <= len)
			return b[i + 4 + 3];
		i += 4u + olen;
	}
	return -1;
}

static json_t *section_json(const ldns_rr_list *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		char *s = ldns_rr2str(ldns_rr_list_rr(l, i));
		if (s == NULL)
			continue;
		s[strcspn(s, "\n")] = '\0';
		for (char *t = s; *t; t++) /* ldns separates fields by tabs */
			if (*t == '\t')
				*t = ' ';
		json_array_append_new(a, json_string(s));
		free(s);
	}
	return a;
}

static json_t *answer_json(const uint8_t *resp, size_t len)
{
	ldns_pkt *p = NULL;
	json_t *j = json_object();
	char *rcode;

	if (ldns_wire2pkt(&p, resp, len) != LDNS_STATUS_OK) {
		json_object_set_new(j, "error", json_string("the response does not parse"));
		return j;
	}
	rcode = ldns_pkt_rcode2str(ldns_pkt_get_rcode(p));
	json_object_set_new(j, "rcode", json_string(rcode ? rcode : "?"));
	free(rcode);
	json_object_set_new(j, "aa", json_boolean(ldns_pkt_aa(p)));
	if (ldns_pkt_ancount(p) > 0)
		json_object_set_new(
		    j, "ttl", json_integer(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0))));
	else
		json_object_set_new(j, "ttl", json_null());
	int scope = response_scope(p);
	json_object_set_new(j, "ecs_scope", scope >= 0 ? json_integer(scope) : json_null());
	json_object_set_new(j, "answer", section_json(ldns_pkt_answer(p)));
	json_object_set_new(j, "authority", section_json(ldns_pkt_authority(p)));
	ldns_pkt_free(p);
	return j;
}

static json_t *query_json(const struct explain_query *q)
{
	json_t *j = json_object();
	char name[NAME_TEXT_MAX];
	char *type = ldns_rr_type2str((ldns_rr_type)q->qtype);

	if (dname_to_str(q->name, name, sizeof(name)) != 0)
		name[0] = '\0';
	json_object_set_new(j, "name", json_string(name));
	json_object_set_new(j, "qtype", json_string(type ? type : "?"));
	free(type);
	json_object_set_new(j, "client", json_string(q->text));
	json_object_set_new(j, "as", json_string(q->prefix >= 0 ? "ecs" : "resolver"));
	return j;
}

json_t *explain_json(const struct snapshot *s, const struct explain_query *q,
		     explain_member_fn *member, void *arg, char *err, size_t errlen)
{
	struct answer_ctx *ctx = calloc(1, sizeof(*ctx));
	struct flt_trace *trace = calloc(1, sizeof(*trace));
	uint8_t *resp = malloc(ANSWER_MAX_TCP);
	uint8_t req[512];
	struct sockaddr_storage src;
	json_t *j = NULL;

	if (ctx == NULL || trace == NULL || resp == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	ctx->trace = trace;
	size_t reqlen = build_query(q, req);
	(void)query_source(q, &src);
	size_t len = answer_packet(ctx, s, req, reqlen, resp, ANSWER_MAX_TCP,
				   (const struct sockaddr *)&src, true);
	if (len == 0) {
		snprintf(err, errlen, "the query path dropped the query");
		goto out;
	}
	struct out o = {.snap = s, .members = json_object(), .member = member, .arg = arg};
	json_t *runs = json_array();
	for (size_t i = 0; i < trace->nruns; i++)
		json_array_append_new(runs, run_json(&o, &trace->runs[i]));
	j = json_object();
	json_object_set_new(j, "query", query_json(q));
	json_object_set_new(j, "generation", json_integer((json_int_t)s->generation));
	json_object_set_new(j, "runs", runs);
	json_object_set_new(j, "runs_not_recorded", json_integer((json_int_t)trace->dropped));
	json_object_set_new(j, "members", o.members);
	json_object_set_new(j, "answer", answer_json(resp, len));
out:
	free(resp);
	free(trace);
	if (ctx != NULL)
		answer_ctx_release(ctx);
	free(ctx);
	return j;
}
