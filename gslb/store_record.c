/* SPDX-License-Identifier: Apache-2.0 */
/* store_record.c — the records of operator state in etcd: key names, JSON values, txns */
#include "config.h"

#include "store_record.h"

#include "dname.h"

#include <jansson.h>
#include <openssl/evp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define OVERRIDES "overrides/"
#define WEIGHTS_REGION "weights/region/"
#define WEIGHTS_MEMBER "weights/member/"
#define HISTORY "history/"
/* The state keys: from overrides/ to weights/..., one contiguous range of etcd's (keys sort
 * bytewise) that leaves history/ out. */
#define STATE_FIRST OVERRIDES
#define STATE_END "weights0" /* '/' + 1 */

char *store_record_b64(const char *s, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)len);
	return out;
}

char *store_record_unb64(const char *s)
{
	size_t len = s ? strlen(s) : 0;
	char *out;
	int n;

	if (!s || len % 4)
		return NULL;
	out = malloc(len + 1);
	if (!out)
		return NULL;
	n = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)s, (int)len);
	if (n < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes */
	while (len > 0 && s[len - 1] == '=') {
		len--;
		n--;
	}
	out[n] = '\0';
	return out;
}

int64_t store_record_int(json_t *j)
{
	if (json_is_integer(j))
		return json_integer_value(j);
	if (json_is_string(j))
		return strtoll(json_string_value(j), NULL, 10);
	return 0;
}

int store_record_key(const char *prefix, const struct store_op *op, char *out, size_t size)
{
	char name[DNAME_MAXLEN * 4 + 2];
	int n;

	if (op->is_weight && op->wref.kind == HEALTH_WEIGHT_REGION)
		n = snprintf(out, size, "%s" WEIGHTS_REGION "%s", prefix, op->wref.name);
	else if (dname_to_str(op->is_weight ? op->wref.service : op->ref.service, name,
			      sizeof(name)) < 0)
		return -EINVAL;
	else if (op->is_weight)
		n = snprintf(out, size, "%s" WEIGHTS_MEMBER "%s/%s", prefix, name, op->wref.name);
	else
		n = snprintf(out, size, "%s" OVERRIDES "%s/%s", prefix, name, op->ref.member);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* "<service.>/<member>" into r; -EINVAL when it is not. */
static int parse_member(const char *rest, struct health_member_ref *r)
{
	const char *slash;
	char name[DNAME_MAXLEN * 4 + 2];

	slash = strrchr(rest, '/');
	if (!slash || (size_t)(slash - rest) >= sizeof(name) || !slash[1] ||
	    strlen(slash + 1) >= sizeof(r->member))
		return -EINVAL;
	memcpy(name, rest, (size_t)(slash - rest));
	name[slash - rest] = '\0';
	if (dname_from_str(name, r->service) < 0)
		return -EINVAL;
	snprintf(r->member, sizeof(r->member), "%s", slash + 1);
	return 0;
}

int store_record_parse_key(const char *prefix, const char *key, struct health_member_ref *r,
			   struct health_weight_ref *w)
{
	size_t pl = strlen(prefix);
	const char *k = key + pl;

	if (strncmp(key, prefix, pl))
		return -EINVAL;
	if (!strncmp(k, OVERRIDES, strlen(OVERRIDES)))
		return parse_member(k + strlen(OVERRIDES), r) < 0 ? -EINVAL : STORE_RECORD_OVERRIDE;
	memset(w, 0, sizeof(*w));
	if (!strncmp(k, WEIGHTS_REGION, strlen(WEIGHTS_REGION))) {
		k += strlen(WEIGHTS_REGION);
		if (!*k || strchr(k, '/') || strlen(k) >= HEALTH_MEMBER_NAME_MAX)
			return -EINVAL;
		w->kind = HEALTH_WEIGHT_REGION;
		snprintf(w->name, sizeof(w->name), "%s", k);
		return STORE_RECORD_WEIGHT;
	}
	if (!strncmp(k, WEIGHTS_MEMBER, strlen(WEIGHTS_MEMBER))) {
		struct health_member_ref m;

		if (parse_member(k + strlen(WEIGHTS_MEMBER), &m) < 0)
			return -EINVAL;
		w->kind = HEALTH_WEIGHT_MEMBER;
		memcpy(w->service, m.service, sizeof(w->service));
		snprintf(w->name, sizeof(w->name), "%s", m.member);
		return STORE_RECORD_WEIGHT;
	}
	return -EINVAL;
}

int store_record_parse_value(const char *value, int64_t mod_rev, enum health_override *o,
			     uint32_t *weight, struct health_override_meta *m)
{
	json_t *j = json_loads(value, 0, NULL);
	const char *ov = j ? json_string_value(json_object_get(j, "override")) : NULL;
	json_t *wj = j ? json_object_get(j, "weight") : NULL;
	bool cleared = j && json_is_true(json_object_get(j, "cleared"));
	int r = ov ? health_override_parse(ov) : cleared ? HEALTH_OVERRIDE_NONE : -EINVAL;

	if (cleared && !o)
		wj = NULL, *weight = MEMBER_WEIGHT_CONFIG;
	if (cleared)
		; /* a clear with its who and why */
	else if (o ? r <= 0
		   : !json_is_integer(wj) || json_integer_value(wj) < 0 ||
			 json_integer_value(wj) > 1000000) {
		json_decref(j);
		return -EINVAL;
	}
	if (o)
		*o = (enum health_override)r;
	else if (!cleared)
		*weight = (uint32_t)json_integer_value(wj);
	*m = (struct health_override_meta){.origin = "etcd", .mod_rev = mod_rev};
	snprintf(m->who, sizeof(m->who), "%s", json_string_value(json_object_get(j, "who")) ?: "");
	snprintf(m->why, sizeof(m->why), "%s", json_string_value(json_object_get(j, "why")) ?: "");
	m->at_ms = (uint64_t)store_record_int(json_object_get(j, "at"));
	m->expires_ms = (uint64_t)store_record_int(json_object_get(j, "expires"));
	json_decref(j);
	return 0;
}

char *store_record_value(const struct store_op *op, const struct health_override_meta *meta)
{
	json_t *v = json_object();
	char *s;

	/* a clear is a put too, {"cleared":true,...}, so that etcd's history says who cleared
	 * it and why; only a lease's end deletes */
	if (op->is_weight ? op->weight == MEMBER_WEIGHT_CONFIG : op->o == HEALTH_OVERRIDE_NONE)
		json_object_set_new(v, "cleared", json_true());
	else if (op->is_weight)
		json_object_set_new(v, "weight", json_integer(op->weight));
	else
		json_object_set_new(v, "override", json_string(health_override_name(op->o)));
	json_object_set_new(v, "who", json_string(meta->who));
	json_object_set_new(v, "why", json_string(meta->why));
	json_object_set_new(v, "at", json_integer((json_int_t)meta->at_ms));
	json_object_set_new(v, "expires", json_integer((json_int_t)meta->expires_ms));
	s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	return s;
}

void store_record_describe(const char *value, bool is_weight, char *out, size_t size)
{
	struct health_override_meta m;
	enum health_override o = HEALTH_OVERRIDE_NONE;
	uint32_t w = MEMBER_WEIGHT_CONFIG;

	if (value && store_record_parse_value(value, 0, is_weight ? NULL : &o, &w, &m) < 0)
		snprintf(out, size, "?");
	else if (!is_weight)
		snprintf(out, size, "%s", health_override_name(o));
	else if (w == MEMBER_WEIGHT_CONFIG)
		snprintf(out, size, "config");
	else
		snprintf(out, size, "%u", w);
}

/* {"key": b64(key), ...}: a compare or a put's start; NULL when out of memory. */
static json_t *keyed(const char *key)
{
	char *k = store_record_b64(key, strlen(key));
	json_t *j = k ? json_pack("{s:s}", "key", k) : NULL;

	free(k);
	return j;
}

/* The history record's put: the changes of ops[0..n) with meta, at prefix's history/. */
static json_t *history_put(const char *prefix, const struct store_op *ops, size_t n,
			   const struct health_override_meta *meta)
{
	uint32_t nonce = 0;
	json_t *v =
	    json_pack("{s:s,s:s,s:I,s:I,s:[]}", "who", meta->who, "why", meta->why, "at",
		      (json_int_t)meta->at_ms, "expires", (json_int_t)meta->expires_ms, "changes");
	char key[STORE_RECORD_KEY_MAX], *vs = NULL, *vb = NULL;
	json_t *put = NULL;
	size_t pl = strlen(prefix);

	for (size_t i = 0; v && i < n; i++) {
		char to[24];

		if (store_record_key(prefix, &ops[i], key, sizeof(key)) < 0)
			goto out;
		if (ops[i].is_weight && ops[i].weight != MEMBER_WEIGHT_CONFIG)
			snprintf(to, sizeof(to), "%u", ops[i].weight);
		else
			snprintf(to, sizeof(to), "%s",
				 ops[i].is_weight ? "clear" : health_override_name(ops[i].o));
		json_array_append_new(json_object_get(v, "changes"),
				      json_pack("{s:s,s:s,s:s}", "key", key + pl, "to", to, "was",
						ops[i].was[0] ? ops[i].was : "?"));
	}
	/* two writers in the same ms get two records */
	if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
		nonce = (uint32_t)getpid() ^ (uint32_t)(uintptr_t)&nonce;
	if (snprintf(key, sizeof(key), "%s" HISTORY "%016llu-%08x", prefix,
		     (unsigned long long)meta->at_ms, nonce) >= (int)sizeof(key))
		goto out;
	vs = v ? json_dumps(v, JSON_COMPACT) : NULL;
	vb = vs ? store_record_b64(vs, strlen(vs)) : NULL;
	put = vb ? keyed(key) : NULL;
	if (put)
		json_object_set_new(put, "value", json_string(vb));
out:
	json_decref(v);
	free(vs);
	free(vb);
	return put;
}

char *store_record_txn(const char *prefix, const struct store_op *ops, size_t n,
		       const struct health_override_meta *meta, int64_t lease)
{
	json_t *cmp = json_array(), *succ = json_array(), *txn, *hist;
	char key[STORE_RECORD_KEY_MAX], *body = NULL;

	for (size_t i = 0; i < n; i++) {
		char *vs, *vb;
		json_t *c, *put;

		if (store_record_key(prefix, &ops[i], key, sizeof(key)) < 0)
			goto out;
		c = keyed(key);
		put = keyed(key);
		vs = store_record_value(&ops[i], meta);
		vb = vs ? store_record_b64(vs, strlen(vs)) : NULL;
		free(vs);
		if (!c || !put || !vb) {
			json_decref(c);
			json_decref(put);
			free(vb);
			goto out;
		}
		json_object_set_new(c, "target", json_string("MOD"));
		json_object_set_new(c, "result", json_string("EQUAL"));
		json_object_set_new(c, "mod_revision", json_integer(ops[i].expect_rev));
		json_array_append_new(cmp, c);
		json_object_set_new(put, "value", json_string(vb));
		free(vb);
		if (lease)
			json_object_set_new(put, "lease", json_integer(lease));
		json_array_append_new(succ, json_pack("{s:o}", "request_put", put));
	}
	/* the audit trail, in the same transaction: written exactly when the change is */
	hist = history_put(prefix, ops, n, meta);
	if (!hist)
		goto out;
	json_array_append_new(succ, json_pack("{s:o}", "request_put", hist));
	txn = json_pack("{s:O,s:O}", "compare", cmp, "success", succ);
	body = txn ? json_dumps(txn, JSON_COMPACT) : NULL;
	json_decref(txn);
out:
	json_decref(cmp);
	json_decref(succ);
	return body;
}

/* {"key":b64(prefix first),"range_end":b64(prefix end)<extra>}, malloc'd, or NULL. */
static char *range_of(const char *prefix, const char *first, const char *end, const char *extra)
{
	char *a = NULL, *b = NULL, *ka = NULL, *kb = NULL, *body = NULL;

	if (asprintf(&a, "%s%s", prefix, first) >= 0 && asprintf(&b, "%s%s", prefix, end) >= 0) {
		ka = store_record_b64(a, strlen(a));
		kb = store_record_b64(b, strlen(b));
	} else {
		b = NULL;
	}
	if (ka && kb &&
	    asprintf(&body, "{\"key\":\"%s\",\"range_end\":\"%s\"%s}", ka, kb, extra) < 0)
		body = NULL;
	free(a);
	free(b);
	free(ka);
	free(kb);
	return body;
}

char *store_record_range(const char *prefix, const char *extra)
{
	return range_of(prefix, STATE_FIRST, STATE_END, extra);
}

char *store_record_history_range(const char *prefix, size_t limit)
{
	char extra[128];

	/* newest first, so that the limit keeps the newest; store_record_history reverses */
	snprintf(extra, sizeof(extra),
		 ",\"sort_order\":\"DESCEND\",\"sort_target\":\"KEY\",\"limit\":\"%zu\"", limit);
	return range_of(prefix, HISTORY, "history0", extra);
}

/* One change of a history record as gslbctl history shows it; -EINVAL when it is not one. */
static int history_change(const char *prefix, json_t *rec, json_t *c, int64_t rev, json_t *out)
{
	const char *rel = json_string_value(json_object_get(c, "key"));
	const char *to = json_string_value(json_object_get(c, "to"));
	char key[STORE_RECORD_KEY_MAX], svc[DNAME_MAXLEN * 4 + 2], what[1200];
	struct health_member_ref r;
	struct health_weight_ref w;
	int kind;

	if (!rel || !to || snprintf(key, sizeof(key), "%s%s", prefix, rel) >= (int)sizeof(key))
		return -EINVAL;
	kind = store_record_parse_key(prefix, key, &r, &w);
	if (kind == STORE_RECORD_OVERRIDE && dname_to_str(r.service, svc, sizeof(svc)) == 0)
		snprintf(what, sizeof(what), "%s %s %s", svc, r.member, to);
	else if (kind == STORE_RECORD_WEIGHT && w.kind == HEALTH_WEIGHT_REGION)
		snprintf(what, sizeof(what), "region %s weight %s", w.name, to);
	else if (kind == STORE_RECORD_WEIGHT && dname_to_str(w.service, svc, sizeof(svc)) == 0)
		snprintf(what, sizeof(what), "%s %s weight %s", svc, w.name, to);
	else
		return -EINVAL;
	json_array_append_new(
	    out,
	    json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:I,s:s,s:s,s:I}", "key", rel, "to", to, "at_ms",
		      (json_int_t)store_record_int(json_object_get(rec, "at")), "change", what,
		      "was", json_string_value(json_object_get(c, "was")) ?: "?", "origin", "etcd",
		      "revision", (json_int_t)rev, "who",
		      json_string_value(json_object_get(rec, "who")) ?: "", "why",
		      json_string_value(json_object_get(rec, "why")) ?: "", "expires_ms",
		      (json_int_t)store_record_int(json_object_get(rec, "expires"))));
	return 0;
}

/* A lease's end deletes the key, with no writer and so no record: entry e's expiry is shown
 * at its time unless a later change of the same key came before it. */
static json_t *expiry_of(json_t *entries, size_t i, uint64_t now_ms)
{
	json_t *e = json_array_get(entries, i), *x;
	json_int_t exp = json_integer_value(json_object_get(e, "expires_ms"));
	const char *key = json_string_value(json_object_get(e, "key"));
	const char *to = json_string_value(json_object_get(e, "to"));
	const char *what = json_string_value(json_object_get(e, "change"));
	char change[1200];

	if (exp <= 0 || (uint64_t)exp > now_ms || !key || !to || !what ||
	    strlen(what) <= strlen(to) || !strcmp(to, "none") || !strcmp(to, "clear"))
		return NULL;
	for (size_t j = i + 1; j < json_array_size(entries); j++) {
		json_t *l = json_array_get(entries, j);

		if (!strcmp(json_string_value(json_object_get(l, "key")) ?: "", key) &&
		    json_integer_value(json_object_get(l, "at_ms")) <= exp)
			return NULL;
	}
	snprintf(change, sizeof(change), "%.*s%s", (int)(strlen(what) - strlen(to)), what,
		 strncmp(key, "weights/", 8) ? "none" : "clear");
	x = json_deep_copy(e);
	json_object_set_new(x, "at_ms", json_integer(exp));
	json_object_set_new(x, "change", json_string(change));
	json_object_set_new(x, "was", json_string(to));
	json_object_set_new(x, "to", json_string(strncmp(key, "weights/", 8) ? "none" : "clear"));
	json_object_set_new(x, "who", json_string(""));
	json_object_set_new(x, "why", json_string("expired (--for)"));
	json_object_set_new(x, "expires_ms", json_integer(0));
	return x;
}

size_t store_record_history(const char *prefix, json_t *answer, uint64_t now_ms, json_t *out)
{
	json_t *kvs = json_object_get(answer, "kvs"), *all = json_array(), *ends = json_array();
	size_t bad = 0, k = 0;

	for (size_t i = json_array_size(kvs); i-- > 0;) { /* the range is newest first */
		json_t *kv = json_array_get(kvs, i), *c;
		char *v = store_record_unb64(json_string_value(json_object_get(kv, "value")));
		json_t *rec = v ? json_loads(v, 0, NULL) : NULL;
		int64_t rev = store_record_int(json_object_get(kv, "create_revision"));
		size_t n;

		free(v);
		if (!json_is_array(json_object_get(rec, "changes")))
			bad++;
		json_array_foreach (json_object_get(rec, "changes"), n, c)
			bad += history_change(prefix, rec, c, rev, all) < 0;
		json_decref(rec);
	}
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *x = expiry_of(all, i, now_ms);

		if (x)
			json_array_append_new(ends, x);
	}
	/* merge the expiries in by time; ends are in the order of the changes they end */
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_int_t at =
		    json_integer_value(json_object_get(json_array_get(all, i), "at_ms"));

		while (k < json_array_size(ends) &&
		       json_integer_value(json_object_get(json_array_get(ends, k), "at_ms")) < at)
			json_array_append(out, json_array_get(ends, k++));
		json_array_append(out, json_array_get(all, i));
	}
	while (k < json_array_size(ends))
		json_array_append(out, json_array_get(ends, k++));
	json_decref(all);
	json_decref(ends);
	return bad;
}
