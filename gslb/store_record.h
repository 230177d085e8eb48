/* SPDX-License-Identifier: Apache-2.0 */
/* store_record.h — the records of operator state in etcd: key names, JSON values, txns
 *
 * What gslbd's store (store.c) and gslbctl's direct writes (gslbctl_direct.c) both read and
 * write, so that the two can never disagree on the format. Under a prefix (default /gslb/):
 *
 *   <prefix>overrides/<service.>/<member name>   {"override":"drain|up|down",...}
 *   <prefix>weights/region/<region>              {"weight":N,...}
 *   <prefix>weights/member/<service.>/<member>   {"weight":N,...}
 *
 * Every value also holds "who", "why", "at" (unix ms) and "expires" (unix ms, 0 = never). A
 * clear is a put of {"cleared":true,"who":...} so that etcd's history keeps its author; only
 * a lease's end deletes a key.
 *
 * The audit trail: every write's transaction also puts one history record, never on a lease,
 *
 *   <prefix>history/<at, 16 digits>-<8 hex digits>  {"who":..,"why":..,"at":..,"expires":..,
 *                                                   "changes":[{"key":"overrides/..",
 *                                                   "to":"drain","was":"none"},...]}
 *
 * so the trail is ordinary keys: it survives restarts and etcd's compaction (which drops old
 * revisions, not live keys), and its records sort by time. The sites watch the state keys
 * only (store_record_range), not the history. etcd's JSON gateway carries keys and values in base64
 * and 64-bit numbers as strings: the helpers here take both.
 *
 * Pure functions: no I/O, any thread.
 */
#ifndef GSLB_STORE_RECORD_H
#define GSLB_STORE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "health.h"
#include "health_override.h"

#define STORE_RECORD_KEY_MAX 1024 /* a key with its NUL: prefix + kind + service + name */

/* One change: a member's override (NONE clears it), or with is_weight a runtime weight
 * (MEMBER_WEIGHT_CONFIG clears it). */
struct store_op {
	struct health_member_ref ref; /* service lowercased */
	enum health_override o;
	bool is_weight;
	struct health_weight_ref wref;
	uint32_t weight;
	int64_t expect_rev; /* the key's mod_revision the writer saw (0: absent) */
	bool expect_given;  /* store_write: keep expect_rev (the operator's --if-revision), not
			     * the revision this site saw */
	char was[24];	    /* what the writer saw before: store_record_describe, for history */
};

enum store_record_kind { STORE_RECORD_OVERRIDE = 0, STORE_RECORD_WEIGHT };

/* base64 of s[0..len), malloc'd (caller frees), or NULL. */
char *store_record_b64(const char *s, size_t len);
/* Decodes base64 s (a JSON string value; NULL is fine) into a NUL-terminated malloc'd
 * string, or NULL when s is NULL or not base64. */
char *store_record_unb64(const char *s);
/* A number as etcd's gateway writes it (an integer, or a string of digits); 0 otherwise. */
int64_t store_record_int(json_t *j);

/* The key op writes under prefix into out. Returns 0, -EINVAL (a bad service name) or
 * -ENAMETOOLONG. */
int store_record_key(const char *prefix, const struct store_op *op, char *out, size_t size);
/* Parses a key under prefix: a member's override (into r, returns STORE_RECORD_OVERRIDE) or
 * a runtime weight (into w, STORE_RECORD_WEIGHT); -EINVAL for any other key. */
int store_record_parse_key(const char *prefix, const char *key, struct health_member_ref *r,
			   struct health_weight_ref *w);
/* A value's override (or, with o NULL, its weight into *weight) and meta (origin "etcd",
 * mod_rev); a cleared value gives HEALTH_OVERRIDE_NONE or MEMBER_WEIGHT_CONFIG. Returns 0,
 * or -EINVAL when value is not one (not JSON, an unknown override, a weight outside
 * 0..1000000). */
int store_record_parse_value(const char *value, int64_t mod_rev, enum health_override *o,
			     uint32_t *weight, struct health_override_meta *m);
/* The JSON value op puts, with meta's who, why, at and expires; malloc'd, or NULL. */
char *store_record_value(const struct store_op *op, const struct health_override_meta *meta);

/* What a current value (NULL: no key) means, into out: "none", "drain", "up", "down" for an
 * override; "config" or the number for a weight; "?" when it does not parse. */
void store_record_describe(const char *value, bool is_weight, char *out, size_t size);

/* The body of a /v3/kv/txn writing ops[0..n) with meta: compare each key's mod_revision with
 * its expect_rev, then put each value, on lease when not 0, and one history record (the
 * ops' was and new value). malloc'd, or NULL. */
char *store_record_txn(const char *prefix, const struct store_op *ops, size_t n,
		       const struct health_override_meta *meta, int64_t lease);
/* The body of a /v3/kv/range (or with extra, a watch's create_request) of the state keys
 * under prefix (overrides and weights, not the history): {"key":..,"range_end":..<extra>},
 * extra being "" or ",\"name\":value...". malloc'd, or NULL. */
char *store_record_range(const char *prefix, const char *extra);

/* The body of a /v3/kv/range of the newest limit history records under prefix. malloc'd, or
 * NULL. */
char *store_record_history_range(const char *prefix, size_t limit);
/* The history records of a /v3/kv/range answer (parsed), oldest first, appended to out as
 * gslbctl history shows them: one object per change, {"key" (under the prefix),"to",
 * "at_ms","change","was","origin":"etcd","revision" (the write's),"who","why","expires_ms"}.
 * A --for's end (etcd deletes the key: no writer, no record) is shown at its time, before
 * now_ms, with why "expired (--for)", unless a later change of the key came first. Records
 * that do not parse are skipped and counted in the return value. */
size_t store_record_history(const char *prefix, json_t *answer, uint64_t now_ms, json_t *out);

#endif
