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

#define OVERRIDES "overrides/"
#define WEIGHTS_REGION "weights/region/"
#define WEIGHTS_MEMBER "weights/member/"

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

/* {"key": b64(key), ...}: a compare or a put's start; NULL when out of memory. */
static json_t *keyed(const char *key)
{
	char *k = store_record_b64(key, strlen(key));
	json_t *j = k ? json_pack("{s:s}", "key", k) : NULL;

	free(k);
	return j;
}

char *store_record_txn(const char *prefix, const struct store_op *ops, size_t n,
		       const struct health_override_meta *meta, int64_t lease)
{
	json_t *cmp = json_array(), *succ = json_array(), *txn;
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
	txn = json_pack("{s:O,s:O}", "compare", cmp, "success", succ);
	body = txn ? json_dumps(txn, JSON_COMPACT) : NULL;
	json_decref(txn);
out:
	json_decref(cmp);
	json_decref(succ);
	return body;
}

char *store_record_range(const char *prefix, const char *extra)
{
	size_t pl = strlen(prefix);
	char *end = strdup(prefix), *k = store_record_b64(prefix, pl), *e = NULL, *body = NULL;

	if (end && k && pl > 0) {
		end[pl - 1]++; /* '/' + 1 = '0': every key under the prefix */
		e = store_record_b64(end, pl);
	}
	if (e && asprintf(&body, "{\"key\":\"%s\",\"range_end\":\"%s\"%s}", k, e, extra) < 0)
		body = NULL;
	free(end);
	free(k);
	free(e);
	return body;
}
