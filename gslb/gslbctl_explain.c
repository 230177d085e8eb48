/* SPDX-License-Identifier: Apache-2.0 */
/* gslbctl_explain.c — `gslbctl explain`'s text: the client, each filter step, the answer */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gslbctl.h"

/* "#2 us-east" for the member at key. */
static void label(json_t *members, const char *key, char *buf, size_t size)
{
	json_t *m = json_object_get(members, key);
	const char *sp = strrchr(key, ' ');

	snprintf(buf, size, "#%s %s", sp ? sp + 1 : key, jstr(m, "region", "?"));
}

/* Why a member left at a step, from what that filter reads; "" when the filter only
 * counts or orders (first, weighted, random, sticky: the step's output shows it). */
static void reason(const char *filter, json_t *m, json_t *dist, char *buf, size_t size)
{
	json_t *h = json_object_get(m, "health");
	char votes[512];

	buf[0] = '\0';
	if (strncmp(filter, "up", 2) == 0) {
		member_votes(m, votes, sizeof(votes));
		snprintf(buf, size, " (%s; votes %s)", member_state(m), votes);
	} else if (strncmp(filter, "nearest", 7) == 0) {
		json_t *km = json_object_get(dist, jstr(m, "region", ""));
		if (json_is_integer(km))
			snprintf(buf, size, " (%lld km)", (long long)json_integer_value(km));
	} else if (strcmp(filter, "priority") == 0) {
		snprintf(buf, size, " (priority %lld)",
			 (long long)json_integer_value(json_object_get(m, "priority")));
	} else if (strcmp(filter, "least_loaded") == 0) {
		json_t *load = json_object_get(h, "load");
		char l[32] = "unknown";
		if (json_is_number(load))
			snprintf(l, sizeof(l), "%.0f%%", json_number_value(load) * 100);
		snprintf(buf, size, " (load %s; full share to %.0f%%, none from %.0f%%)", l,
			 json_number_value(json_object_get(m, "load_low")) * 100,
			 json_number_value(json_object_get(m, "load_high")) * 100);
	} else if (strcmp(filter, "drained") == 0) {
		snprintf(buf, size, " (effective weight %lld)",
			 (long long)json_integer_value(json_object_get(m, "effective_weight")));
	}
}

/* "LABEL: #0 eu-west (reason), #1 ..." for a non-empty list. */
static void member_line(int indent, const char *what, json_t *list, json_t *members,
			const char *filter, json_t *dist)
{
	size_t i;
	json_t *k;

	if (json_array_size(list) == 0)
		return;
	printf("%*s%s:", indent, "", what);
	json_array_foreach (list, i, k) {
		char l[128], r[640];
		label(members, json_string_value(k), l, sizeof(l));
		reason(filter, json_object_get(members, json_string_value(k)), dist, r, sizeof(r));
		printf("%s %s%s", i ? "," : "", l, r);
	}
	printf("\n");
}

static void print_client(json_t *c)
{
	json_t *asn = json_object_get(c, "asn");

	printf("  client %s/%lld: location from %s", jstr(c, "address", "?"),
	       (long long)json_integer_value(json_object_get(c, "prefix")),
	       jstr(c, "location_source", "?"));
	if (json_is_string(json_object_get(c, "region")))
		printf(" (pinned to region %s)", jstr(c, "region", "?"));
	if (json_is_number(json_object_get(c, "lat")))
		printf(", network /%lld: %s %s %.2f,%.2f",
		       (long long)json_integer_value(json_object_get(c, "location_prefix")),
		       jstr(c, "country", "--"), jstr(c, "continent", "--"),
		       json_number_value(json_object_get(c, "lat")),
		       json_number_value(json_object_get(c, "lon")));
	if (json_is_integer(asn))
		printf(", AS%lld (network /%lld)", (long long)json_integer_value(asn),
		       (long long)json_integer_value(json_object_get(c, "asn_prefix")));
	printf("\n");
}

static void print_run(json_t *run, json_t *members)
{
	json_t *dist = json_object_get(run, "distance_km"), *st;
	size_t i;

	printf("\nservice %s, chain %s\n", jstr(run, "service", "?"), jstr(run, "chain", "?"));
	print_client(json_object_get(run, "client"));
	member_line(2, "candidates (can answer the type)", json_object_get(run, "candidates"),
		    members, "", dist);
	json_array_foreach (json_object_get(run, "steps"), i, st) {
		const char *f = jstr(st, "filter", "?");
		printf("    %-14s %zu -> %zu\n", f, json_array_size(json_object_get(st, "in")),
		       json_array_size(json_object_get(st, "out")));
		member_line(6, "drained first", json_object_get(st, "drained"), members, "drained",
			    dist);
		member_line(6, "removed", json_object_get(st, "removed"), members, f, dist);
		if (!json_equal(json_object_get(st, "in"), json_object_get(st, "out")))
			member_line(6,
				    strcmp(f, "sticky") == 0 ? "kept, by hash rank (best first)"
							     : "kept, in order",
				    json_object_get(st, "out"), members, f, dist);
	}
	member_line(4, "drained after", json_object_get(run, "drained_after"), members, "drained",
		    dist);
	if (json_is_true(json_object_get(run, "all_down")))
		printf("    no member was up: the service's fallback applies\n");
	member_line(2, "chosen", json_object_get(run, "chosen"), members, "", dist);
}

void explain_print(json_t *j)
{
	json_t *q = json_object_get(j, "query"), *a = json_object_get(j, "answer"), *v;
	json_t *members = json_object_get(j, "members");
	size_t i;

	printf("%s %s from %s (%s), generation %lld\n", jstr(q, "name", "?"), jstr(q, "qtype", "?"),
	       jstr(q, "client", "?"),
	       strcmp(jstr(q, "as", ""), "ecs") == 0 ? "EDNS Client Subnet" : "resolver address",
	       (long long)json_integer_value(json_object_get(j, "generation")));
	printf("answer: %s", jstr(a, "rcode", "?"));
	if (json_is_integer(json_object_get(a, "ttl")))
		printf(", TTL %lld", (long long)json_integer_value(json_object_get(a, "ttl")));
	if (json_is_integer(json_object_get(a, "ecs_scope")))
		printf(", ECS scope /%lld",
		       (long long)json_integer_value(json_object_get(a, "ecs_scope")));
	printf("\n");
	json_array_foreach (json_object_get(a, "answer"), i, v)
		printf("  %s\n", json_string_value(v));
	json_array_foreach (json_object_get(a, "authority"), i, v)
		printf("  (authority) %s\n", json_string_value(v));
	if (json_array_size(json_object_get(j, "runs")) == 0)
		printf("no filter chain ran: no service at this name, or not a type services "
		       "answer (A, AAAA, ANY, CNAME)\n");
	json_array_foreach (json_object_get(j, "runs"), i, v)
		print_run(v, members);
	if (json_integer_value(json_object_get(j, "runs_not_recorded")) > 0)
		printf("(%lld further chain runs not recorded)\n",
		       (long long)json_integer_value(json_object_get(j, "runs_not_recorded")));
	if (json_object_size(members) == 0)
		return;
	printf("\n%-28s %-11s %6s %5s %6s  %-30s %s\n", "MEMBER", "STATE", "WEIGHT", "PRIO", "LOAD",
	       "VOTES", "ADDRESSES");
	const char *key;
	json_object_foreach (members, key, v) {
		char l[160], addrs[512], votes[512], load[16] = "-";
		json_t *ld = json_object_get(json_object_get(v, "health"), "load");
		snprintf(l, sizeof(l), "%s", key);
		member_addresses(v, addrs, sizeof(addrs));
		member_votes(v, votes, sizeof(votes));
		if (json_is_number(ld))
			snprintf(load, sizeof(load), "%.0f%%", json_number_value(ld) * 100);
		printf("%-28s %-11s %6lld %5lld %6s  %-30s %s\n", l, member_state(v),
		       (long long)json_integer_value(json_object_get(v, "effective_weight")),
		       (long long)json_integer_value(json_object_get(v, "priority")), load, votes,
		       addrs);
	}
}
