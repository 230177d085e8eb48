/* SPDX-License-Identifier: Apache-2.0 */
/* test_store_record.c — etcd records of operator state: keys, values, txns, round trips */
#include "config.h"

#include "store_record.h"

#include "unit.h"

#include <jansson.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t www[] = "\3www\7example\3com";

static struct store_op drain_op(void)
{
	struct store_op op = {.o = HEALTH_OVERRIDE_DRAIN, .expect_rev = 7};

	memcpy(op.ref.service, www, sizeof(www));
	strcpy(op.ref.member, "lon-a");
	return op;
}

static const struct health_override_meta meta = {.who = "ops",
						 .why = "kernel update",
						 .at_ms = 1700000000000ULL,
						 .expires_ms = 1700001800000ULL};

START_TEST(base64_round_trip)
{
	const char *texts[] = {"", "a", "ab", "abc", "/gslb/overrides/www.example.com./lon-a"};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char *b = store_record_b64(texts[i], strlen(texts[i]));
		char *t = store_record_unb64(b);

		ck_assert_str_eq(t, texts[i]);
		free(b);
		free(t);
	}
	ck_assert_ptr_null(store_record_unb64(NULL));
	ck_assert_ptr_null(store_record_unb64("abc"));	/* not a multiple of 4 */
	ck_assert_ptr_null(store_record_unb64("ab!?")); /* not base64 */
}
END_TEST

START_TEST(numbers_as_etcd_writes_them)
{
	json_t *s = json_string("9007199254740993"), *i = json_integer(42), *n = json_null();

	ck_assert_int_eq(store_record_int(s), 9007199254740993LL);
	ck_assert_int_eq(store_record_int(i), 42);
	ck_assert_int_eq(store_record_int(n), 0);
	ck_assert_int_eq(store_record_int(NULL), 0);
	json_decref(s);
	json_decref(i);
	json_decref(n);
}
END_TEST

START_TEST(keys_round_trip)
{
	struct store_op op = drain_op();
	struct health_member_ref r;
	struct health_weight_ref w;
	char key[STORE_RECORD_KEY_MAX];

	ck_assert_int_eq(store_record_key("/gslb/", &op, key, sizeof(key)), 0);
	ck_assert_str_eq(key, "/gslb/overrides/www.example.com./lon-a");
	ck_assert_int_eq(store_record_parse_key("/gslb/", key, &r, &w), STORE_RECORD_OVERRIDE);
	ck_assert_mem_eq(r.service, www, sizeof(www));
	ck_assert_str_eq(r.member, "lon-a");

	op = (struct store_op){.is_weight = true,
			       .weight = 0,
			       .wref = {.kind = HEALTH_WEIGHT_REGION, .name = "eu-west"}};
	ck_assert_int_eq(store_record_key("/gslb/", &op, key, sizeof(key)), 0);
	ck_assert_str_eq(key, "/gslb/weights/region/eu-west");
	ck_assert_int_eq(store_record_parse_key("/gslb/", key, &r, &w), STORE_RECORD_WEIGHT);
	ck_assert_int_eq(w.kind, HEALTH_WEIGHT_REGION);
	ck_assert_str_eq(w.name, "eu-west");

	op.wref = (struct health_weight_ref){.kind = HEALTH_WEIGHT_MEMBER, .name = "nyc-a"};
	memcpy(op.wref.service, www, sizeof(www));
	ck_assert_int_eq(store_record_key("/fleet/a/", &op, key, sizeof(key)), 0);
	ck_assert_str_eq(key, "/fleet/a/weights/member/www.example.com./nyc-a");
	ck_assert_int_eq(store_record_parse_key("/fleet/a/", key, &r, &w), STORE_RECORD_WEIGHT);
	ck_assert_int_eq(w.kind, HEALTH_WEIGHT_MEMBER);
	ck_assert_mem_eq(w.service, www, sizeof(www));
	ck_assert_str_eq(w.name, "nyc-a");

	/* too long for the buffer */
	ck_assert_int_eq(store_record_key("/gslb/", &op, key, 20), -ENAMETOOLONG);
}
END_TEST

START_TEST(bad_keys_refused)
{
	static const char *const bad[] = {
	    "/other/overrides/www.example.com./a", /* another prefix */
	    "/gslb/overrides/www.example.com.",	   /* no member */
	    "/gslb/overrides/www.example.com./",   /* an empty member */
	    "/gslb/weights/region/",		   /* no region */
	    "/gslb/weights/region/eu/west",	   /* a slash in a region */
	    "/gslb/weights/member/nyc-a",	   /* no service */
	    "/gslb/history/1700000000000",	   /* not operator state */
	    "/gslb/overrides/www.example.com./aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaa", /* a member name longer than 63 */
	};
	struct health_member_ref r;
	struct health_weight_ref w;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(store_record_parse_key("/gslb/", bad[i], &r, &w) == -EINVAL, "%s",
			      bad[i]);
}
END_TEST

START_TEST(values_round_trip)
{
	struct store_op op = drain_op();
	struct health_override_meta m;
	enum health_override o;
	uint32_t weight = 5;
	char *v;

	v = store_record_value(&op, &meta);
	ck_assert_int_eq(store_record_parse_value(v, 12, &o, NULL, &m), 0);
	ck_assert_int_eq(o, HEALTH_OVERRIDE_DRAIN);
	ck_assert_str_eq(m.who, "ops");
	ck_assert_str_eq(m.why, "kernel update");
	ck_assert_str_eq(m.origin, "etcd");
	ck_assert_uint_eq(m.at_ms, meta.at_ms);
	ck_assert_uint_eq(m.expires_ms, meta.expires_ms);
	ck_assert_int_eq(m.mod_rev, 12);
	free(v);

	/* a clear keeps its author */
	op.o = HEALTH_OVERRIDE_NONE;
	v = store_record_value(&op, &meta);
	ck_assert_ptr_nonnull(strstr(v, "\"cleared\":true"));
	o = HEALTH_OVERRIDE_DOWN;
	ck_assert_int_eq(store_record_parse_value(v, 13, &o, NULL, &m), 0);
	ck_assert_int_eq(o, HEALTH_OVERRIDE_NONE);
	ck_assert_str_eq(m.who, "ops");
	free(v);

	op = (struct store_op){.is_weight = true, .weight = 0};
	v = store_record_value(&op, &meta);
	ck_assert_int_eq(store_record_parse_value(v, 14, NULL, &weight, &m), 0);
	ck_assert_uint_eq(weight, 0);
	free(v);
	op.weight = MEMBER_WEIGHT_CONFIG;
	v = store_record_value(&op, &meta);
	ck_assert_int_eq(store_record_parse_value(v, 15, NULL, &weight, &m), 0);
	ck_assert_uint_eq(weight, MEMBER_WEIGHT_CONFIG);
	free(v);
	/* etcd's gateway may write at and expires as strings */
	ck_assert_int_eq(store_record_parse_value("{\"weight\":3,\"at\":\"1700000000001\"}", 1,
						  NULL, &weight, &m),
			 0);
	ck_assert_uint_eq(weight, 3);
	ck_assert_uint_eq(m.at_ms, 1700000000001ULL);
	ck_assert_str_eq(m.who, "");
}
END_TEST

START_TEST(bad_values_refused)
{
	static const char *const bad_overrides[] = {
	    "",
	    "not json",
	    "[]",
	    "{}",
	    "{\"override\":\"none\"}",
	    "{\"override\":\"sleep\"}",
	    "{\"override\":3}",
	    "{\"weight\":1}",
	};
	static const char *const bad_weights[] = {
	    "{}",
	    "{\"weight\":-1}",
	    "{\"weight\":1000001}",
	    "{\"weight\":\"5\"}",
	    "{\"weight\":1.5}",
	    "{\"override\":\"drain\"}",
	};
	struct health_override_meta m;
	enum health_override o;
	uint32_t w;

	for (size_t i = 0; i < sizeof(bad_overrides) / sizeof(bad_overrides[0]); i++)
		ck_assert_msg(store_record_parse_value(bad_overrides[i], 1, &o, NULL, &m) ==
				  -EINVAL,
			      "%s", bad_overrides[i]);
	for (size_t i = 0; i < sizeof(bad_weights) / sizeof(bad_weights[0]); i++)
		ck_assert_msg(store_record_parse_value(bad_weights[i], 1, NULL, &w, &m) == -EINVAL,
			      "%s", bad_weights[i]);
}
END_TEST

/* The txn compares each key's revision and puts its value, on the lease. */
START_TEST(txn_compares_and_puts)
{
	struct store_op ops[2] = {drain_op(), drain_op()};
	json_t *j, *c, *p;
	char *body, *key, *value;
	enum health_override o;
	struct health_override_meta m;

	strcpy(ops[1].ref.member, "lon-b");
	ops[1].expect_rev = 0;
	ops[1].o = HEALTH_OVERRIDE_UP;
	body = store_record_txn("/gslb/", ops, 2, &meta, 0x1234);
	ck_assert_ptr_nonnull(body);
	j = json_loads(body, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_array_size(json_object_get(j, "compare")), 2);
	/* the two puts and the history record */
	ck_assert_int_eq(json_array_size(json_object_get(j, "success")), 3);
	c = json_array_get(json_object_get(j, "compare"), 1);
	key = store_record_unb64(json_string_value(json_object_get(c, "key")));
	ck_assert_str_eq(key, "/gslb/overrides/www.example.com./lon-b");
	ck_assert_str_eq(json_string_value(json_object_get(c, "target")), "MOD");
	ck_assert_str_eq(json_string_value(json_object_get(c, "result")), "EQUAL");
	ck_assert_int_eq(json_integer_value(json_object_get(c, "mod_revision")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(
			     json_array_get(json_object_get(j, "compare"), 0), "mod_revision")),
			 7);
	p = json_object_get(json_array_get(json_object_get(j, "success"), 1), "request_put");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "lease")), 0x1234);
	value = store_record_unb64(json_string_value(json_object_get(p, "value")));
	ck_assert_int_eq(store_record_parse_value(value, 1, &o, NULL, &m), 0);
	ck_assert_int_eq(o, HEALTH_OVERRIDE_UP);
	free(key);
	free(value);
	free(body);
	json_decref(j);

	/* without a lease, no lease field; a key too long fails the whole txn */
	body = store_record_txn("/gslb/", ops, 1, &meta, 0);
	ck_assert_ptr_null(strstr(body, "lease"));
	free(body);
	char prefix[STORE_RECORD_KEY_MAX];
	memset(prefix, 'p', sizeof(prefix) - 1);
	prefix[sizeof(prefix) - 1] = '\0';
	ck_assert_ptr_null(store_record_txn(prefix, ops, 2, &meta, 0));
}
END_TEST

START_TEST(range_covers_the_prefix)
{
	char *body = store_record_range("/gslb/", ",\"limit\":\"1\"");
	json_t *j = json_loads(body, 0, NULL);
	char *k = store_record_unb64(json_string_value(json_object_get(j, "key")));
	char *e = store_record_unb64(json_string_value(json_object_get(j, "range_end")));

	/* the state keys, not the history: etcd compares keys bytewise */
	ck_assert_str_eq(k, "/gslb/overrides/");
	ck_assert_str_eq(e, "/gslb/weights0");
	ck_assert_int_lt(strcmp("/gslb/history/0001700000000000-00000000", k), 0);
	ck_assert_int_lt(strcmp("/gslb/weights/region/eu-west", e), 0);
	ck_assert_int_lt(strcmp("/gslb/weights/member/www.example.com./a", e), 0);
	ck_assert_str_eq(json_string_value(json_object_get(j, "limit")), "1");
	free(k);
	free(e);
	free(body);
	json_decref(j);
}
END_TEST

/* The txn's history record, read back as a range answer would hold it. */
START_TEST(history_round_trip)
{
	struct store_op ops[2] = {drain_op(), {.is_weight = true, .weight = 0}};
	json_t *txn, *put, *answer, *out = json_array(), *e;
	char *body, *key;

	strcpy(ops[0].was, "none");
	ops[1].wref = (struct health_weight_ref){.kind = HEALTH_WEIGHT_REGION, .name = "eu"};
	store_record_describe("{\"weight\":7}", true, ops[1].was, sizeof(ops[1].was));
	ck_assert_str_eq(ops[1].was, "7");
	body = store_record_txn("/gslb/", ops, 2, &meta, 99);
	txn = json_loads(body, 0, NULL);
	put = json_object_get(json_array_get(json_object_get(txn, "success"), 2), "request_put");
	ck_assert_ptr_null(json_object_get(put, "lease")); /* the trail outlives a --for */
	key = store_record_unb64(json_string_value(json_object_get(put, "key")));
	ck_assert_int_eq(strncmp(key, "/gslb/history/0001700000000000-", 31), 0);
	ck_assert_uint_eq(strlen(key), 39);
	answer = json_pack("{s:[{s:O,s:O,s:s}]}", "kvs", "key", json_object_get(put, "key"),
			   "value", json_object_get(put, "value"), "create_revision", "12");
	ck_assert_uint_eq(store_record_history("/gslb/", answer, meta.at_ms, out), 0);
	ck_assert_uint_eq(json_array_size(out), 2);
	e = json_array_get(out, 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "change")),
			 "www.example.com. lon-a drain");
	ck_assert_str_eq(json_string_value(json_object_get(e, "was")), "none");
	ck_assert_str_eq(json_string_value(json_object_get(e, "who")), "ops");
	ck_assert_str_eq(json_string_value(json_object_get(e, "why")), "kernel update");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "revision")), 12);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "at_ms")), (json_int_t)meta.at_ms);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "expires_ms")),
			 (json_int_t)meta.expires_ms);
	e = json_array_get(out, 1);
	ck_assert_str_eq(json_string_value(json_object_get(e, "change")), "region eu weight 0");
	ck_assert_str_eq(json_string_value(json_object_get(e, "was")), "7");
	/* once the lease has run out, its end is shown at its time (no record for it) */
	json_t *later = json_array();
	ck_assert_uint_eq(store_record_history("/gslb/", answer, meta.expires_ms, later), 0);
	ck_assert_uint_eq(json_array_size(later), 4);
	e = json_array_get(later, 2);
	ck_assert_str_eq(json_string_value(json_object_get(e, "change")),
			 "www.example.com. lon-a none");
	ck_assert_str_eq(json_string_value(json_object_get(e, "was")), "drain");
	ck_assert_str_eq(json_string_value(json_object_get(e, "why")), "expired (--for)");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "at_ms")),
			 (json_int_t)meta.expires_ms);
	e = json_array_get(later, 3);
	ck_assert_str_eq(json_string_value(json_object_get(e, "change")),
			 "region eu weight clear");
	json_decref(later);
	json_decref(answer);

	/* a record that is not one is counted, not shown */
	answer = json_pack("{s:[{s:s,s:s}]}", "kvs", "key", "eA==", "value", "bm90IGpzb24=");
	ck_assert_uint_eq(store_record_history("/gslb/", answer, meta.at_ms, out), 1);
	ck_assert_uint_eq(json_array_size(out), 2);
	json_decref(answer);
	json_decref(out);
	json_decref(txn);
	free(key);
	free(body);
}
END_TEST

UNIT_SUITE("store_record", {"base64_round_trip", base64_round_trip},
	   {"numbers_as_etcd_writes_them", numbers_as_etcd_writes_them},
	   {"keys_round_trip", keys_round_trip}, {"bad_keys_refused", bad_keys_refused},
	   {"values_round_trip", values_round_trip}, {"bad_values_refused", bad_values_refused},
	   {"txn_compares_and_puts", txn_compares_and_puts},
	   {"range_covers_the_prefix", range_covers_the_prefix},
	   {"history_round_trip", history_round_trip})
