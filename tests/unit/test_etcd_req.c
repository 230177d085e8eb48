/* SPDX-License-Identifier: Apache-2.0 */
/* test_etcd_req.c — requests to etcd's JSON gateway: endpoints, headers, authentication */
#include "config.h"

#include "etcd_req.h"

#include "unit.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

START_TEST(endpoints_are_addresses)
{
	struct etcd_endpoint e;
	char err[300];

	ck_assert_int_eq(etcd_endpoint_parse("http://127.0.0.1:2379", &e, err, sizeof(err)), 0);
	ck_assert_str_eq(e.url, "http://127.0.0.1:2379");
	ck_assert(!e.tls);
	ck_assert_int_eq(e.sa.ss_family, AF_INET);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&e.sa)->sin_port), 2379);
	ck_assert_int_eq(etcd_endpoint_parse("https://[::1]:2380", &e, err, sizeof(err)), 0);
	ck_assert(e.tls);
	ck_assert_int_eq(e.sa.ss_family, AF_INET6);
	ck_assert_uint_eq(e.salen, sizeof(struct sockaddr_in6));
	/* names are not resolved: said so, with the URL */
	ck_assert_int_lt(etcd_endpoint_parse("http://etcd1:2379", &e, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "the host must be an IP address (gslbd and gslbctl resolve no names "
			      "for etcd)");
	ck_assert_int_lt(etcd_endpoint_parse("ftp://127.0.0.1", &e, err, sizeof(err)), 0);
	ck_assert(err[0]);
}
END_TEST

START_TEST(token_only_when_there_is_one)
{
	struct etcd_endpoint e;
	struct etcd_req r;
	char err[64];

	ck_assert_int_eq(etcd_endpoint_parse("http://127.0.0.1:2379", &e, err, sizeof(err)), 0);
	etcd_req_init(&r, &e, "/v3/kv/range", "{}", NULL, 1.5);
	ck_assert_str_eq(r.req.method, "POST");
	ck_assert_str_eq(r.req.path, "/v3/kv/range");
	ck_assert_uint_eq(r.req.body_len, 2);
	ck_assert_str_eq(r.req.headers[1], "application/json");
	ck_assert_ptr_null(r.req.headers[2]);
	ck_assert(r.req.timeout == 1.5);
	etcd_req_init(&r, &e, "/v3/watch", "{}", "tok.42", 2);
	/* etcd's gateway takes the token itself, no scheme */
	ck_assert_str_eq(r.req.headers[2], "Authorization");
	ck_assert_str_eq(r.req.headers[3], "tok.42");
	ck_assert_ptr_null(r.req.headers[4]);
}
END_TEST

START_TEST(authentication_round_trip)
{
	char *body = etcd_auth_body("gslb", "s3cr\"et");
	char tok[16];
	const char *ok = "{\"header\":{},\"token\":\"abc.123\"}";

	ck_assert_str_eq(body, "{\"name\":\"gslb\",\"password\":\"s3cr\\\"et\"}");
	etcd_auth_body_free(body);
	ck_assert_int_eq(etcd_auth_token(200, ok, strlen(ok), tok, sizeof(tok)), 0);
	ck_assert_str_eq(tok, "abc.123");
	/* refused, not JSON, no token, or one that does not fit: none */
	const char *refused = "{\"error\":\"authentication failed\",\"code\":3}";
	ck_assert_int_eq(etcd_auth_token(400, ok, strlen(ok), tok, sizeof(tok)), -1);
	ck_assert_int_eq(etcd_auth_token(200, refused, strlen(refused), tok, sizeof(tok)), -1);
	ck_assert_int_eq(etcd_auth_token(200, "not json", 8, tok, sizeof(tok)), -1);
	ck_assert_int_eq(etcd_auth_token(200, ok, strlen(ok), tok, 7), -1);
	ck_assert_int_eq(etcd_auth_token(0, NULL, 0, tok, sizeof(tok)), -1);
}
END_TEST

UNIT_SUITE("etcd_req", {"endpoints_are_addresses", endpoints_are_addresses},
	   {"token_only_when_there_is_one", token_only_when_there_is_one},
	   {"authentication_round_trip", authentication_round_trip})
