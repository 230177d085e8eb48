/* SPDX-License-Identifier: Apache-2.0 */
/* store.h — operator state shared by a fleet: overrides in etcd, watched by every site
 *
 * With a store section (gslb.conf(5)), the overrides live in etcd under the prefix, one key
 * per member, <prefix>overrides/<service.>/<member name>, whose value is JSON:
 * {"override":"drain","who":"ops","why":"...","at":<unix ms>,"expires":<unix ms>}; runtime
 * weights likewise under <prefix>weights/region/<region> and
 * <prefix>weights/member/<service.>/<member name>, {"weight":N,...}. An expiring one is
 * attached to an etcd lease, so etcd deletes it by itself. A clear is written as
 * {"cleared":true,"who":...,"why":...}, so that etcd's history says who cleared what.
 *
 * Every site runs a store thread with its own loop: it reads the prefix (/v3/kv/range),
 * replaces the health state's overrides with what it found, then follows /v3/watch from the
 * next revision, applying each event to the health state, which publishes the members at
 * once (no per-query cost). When the stream breaks it says so (log, /metrics, status),
 * keeps the last state, and reads the prefix again at a new revision once an endpoint
 * answers: a full read replaces the state, so nothing is lost and nothing applied twice.
 * Every change seen is written to cache_file (temporary file, fsync, rename); at start the
 * cache is applied before etcd is asked, so a site that cannot reach etcd serves the last
 * state it saw. A corrupt cache is reported and ignored. Serving never waits for etcd.
 *
 * Writes (the control API) are one /v3/kv/txn each: compare every key's mod_revision with
 * the one this site last saw, then put or delete; a key changed meanwhile by another
 * operator fails the write (409) instead of being overwritten. The same txn puts the audit
 * trail's record under <prefix>history/ (store_record.h), which the watch leaves out and
 * store_history reads on request. The key and value format is store_record.h's, shared with
 * gslbctl's direct writes. They run asynchronously on
 * the caller's loop and answer once this site has applied the revision (or after 1 s).
 *
 * With store.username, the store thread and the writes get a token from
 * /v3/auth/authenticate and send it (Authorization) with every request; a token etcd
 * refuses (expired, or etcd restarted) is renewed once per request before it counts as a
 * failure. With https endpoints the TLS context trusts ca_file and presents cert_file.
 */
#ifndef GSLB_STORE_H
#define GSLB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "health.h"
#include "health_override.h"
#include "store_record.h"

struct conf_store;
struct event_base;
struct health_state;
struct store;

/* Makes the store for c (copied) applying to h, and applies the cache file when there is
 * one (a corrupt one is logged and ignored: store_status says so). Returns NULL with the
 * reason in err. Main thread, before store_start. */
struct store *store_new(const struct conf_store *c, struct health_state *h, char *err,
			size_t errlen);
/* Starts the watching thread (signals masked by the caller). Returns 0 or a negative errno. */
int store_start(struct store *st);
/* Stops and joins the thread, frees everything. NULL is fine. */
void store_free(struct store *st);

struct store_status {
	bool connected;	       /* the watch stream is up */
	int64_t revision;      /* the etcd revision applied last (0: none yet) */
	uint64_t since_ms;     /* unix ms of the last connect or disconnect */
	char endpoint[256];    /* the endpoint watched or tried last */
	char error[256];       /* why it is disconnected, "" when connected */
	char cache_error[320]; /* "file: why" when the cache was corrupt at start, else "" */
	uint64_t changes;      /* events applied since start */
	bool require_reason;   /* store.require_reason */
};
/* Any thread. */
void store_get_status(struct store *st, struct store_status *out);

/* status: 200 applied; 409 a key changed meanwhile (err says which); 503 etcd unreachable
 * or refused. revision: the write's, when 200. */
typedef void store_write_cb(void *arg, int status, const char *err);

/* Writes ops[0..n) with meta (who, why; expires set from ttl_s > 0, then on a lease) as one
 * transaction, on base's loop (the caller's thread, which must run it); cb is called once,
 * on that loop. Returns 0, or -1 with err set (cb not called). */
int store_write(struct store *st, struct event_base *base, const struct store_op *ops, size_t n,
		const struct health_override_meta *meta, uint64_t ttl_s, store_write_cb *cb,
		void *arg, char *err, size_t errlen);

/* The fleet's audit trail: the newest limit history records in etcd (store_record.h), read
 * on base's loop (the caller's thread); cb gets them as GET /api/v1/history shows them
 * (history: a JSON array it may keep a reference to), or NULL and why when etcd did not
 * answer. cb is called once, on that loop. Returns 0, or -1 with err set (cb not called). */
typedef void store_history_cb(void *arg, json_t *history, const char *err);
int store_history(struct store *st, struct event_base *base, size_t limit, store_history_cb *cb,
		  void *arg, char *err, size_t errlen);

#endif
