/* SPDX-License-Identifier: Apache-2.0 */
/* store.c — operator state shared by a fleet: overrides in etcd, watched by every site */
#include "config.h"

#include "store.h"

#include "clock.h"
#include "conf.h"
#include "dname.h"
#include "etcd_req.h"
#include "health.h"
#include "http_client.h"
#include "log.h"
#include "store_record.h"

#include <event2/event.h>
#include <jansson.h>
#include <openssl/ssl.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_RETRY_MS 500 /* between attempts to reach etcd */
/* seconds for a range, a grant or a txn: a write tries every endpoint and waits for its change
 * within the control connection's header_timeout (5 s) with three endpoints */
#define STORE_TIMEOUT 1.2
#define STORE_APPLY_WAIT_MS 1000 /* a write waits this long for its own change to arrive */
#define STORE_WATCH_TIMEOUT 1e7	 /* the stream has no deadline: it ends when etcd goes */
#define STORE_CHECK_MS 2000 /* a watched site asks etcd this often whether the watch keeps up */
#define STORE_CHECK_TIMEOUT 2.0

struct endpoint {
	struct etcd_endpoint at;
	char last_fail[256]; /* store thread: the failure last logged for it, not logged again */
};

/* The state as etcd holds it (keys under the prefix), for the cache file. */
struct kv {
	char *key, *value;
	int64_t mod_rev;
};

struct store {
	struct health_state *h;
	char *prefix, *cache_file;
	bool require_reason;
	struct endpoint *ep;
	size_t nep, cur; /* cur: the endpoint watched or tried next */
	struct event_base *base;
	struct http_client_env env;
	int stop_fd[2];
	struct event *stop_ev, *retry_ev, *resync_ev, *check_ev;
	pthread_t thread;
	bool started;
	char *username, *password; /* "" = etcd without authentication */
	/* the watch (store thread only) */
	struct http_client *req;
	char *buf;
	size_t blen;
	bool resync;	      /* the stream must be dropped and the prefix read again */
	char cancel_why[256]; /* why etcd cancelled the watch ("": a compaction) */
	bool reauthed;	      /* the token was renewed after a refusal: not again this attempt */
	int64_t
	    resume_rev; /* the last revision read or watched whole: a new watch goes on after it */
	/* the liveness check of a watch (store thread only) */
	bool watching; /* st->req is a watch etcd has created */
	struct http_client *check;
	int behind;	  /* checks in a row that saw a change the watch did not bring */
	char cluster[24]; /* the etcd cluster_id of the last prefix read */
	/* shared: under lock */
	pthread_mutex_t lock;
	struct kv *kv;
	size_t nkv;
	struct store_status st;
	_Atomic int64_t applied_rev;
	char token[ETCD_TOKEN_MAX]; /* etcd's auth token for username, "" = none yet */
};

/* etcd's numbers and base64 strings (store_record.h) */
static int64_t jint(json_t *j)
{
	return store_record_int(j);
}

static char *unb64(json_t *j)
{
	return store_record_unb64(json_string_value(j));
}

/* ---- the mirror and the cache file (under st->lock) ---- */

static void kv_clear(struct store *st)
{
	for (size_t i = 0; i < st->nkv; i++) {
		free(st->kv[i].key);
		free(st->kv[i].value);
	}
	st->nkv = 0;
}

static struct kv *kv_find(struct store *st, const char *key)
{
	for (size_t i = 0; i < st->nkv; i++)
		if (!strcmp(st->kv[i].key, key))
			return &st->kv[i];
	return NULL;
}

/* Sets (value not NULL) or deletes key. Returns 0 or -ENOMEM. */
static int kv_set(struct store *st, const char *key, const char *value, int64_t mod_rev)
{
	struct kv *k = kv_find(st, key);

	if (!value) {
		if (k) {
			free(k->key);
			free(k->value);
			*k = st->kv[--st->nkv];
		}
		return 0;
	}
	char *v = strdup(value);
	if (!v)
		return -ENOMEM;
	if (!k) {
		struct kv *nk = realloc(st->kv, (st->nkv + 1) * sizeof(*nk));

		if (!nk || !(nk[st->nkv].key = strdup(key))) {
			if (nk)
				st->kv = nk;
			free(v);
			return -ENOMEM;
		}
		st->kv = nk;
		k = &st->kv[st->nkv++];
		k->value = NULL;
	}
	free(k->value);
	k->value = v;
	k->mod_rev = mod_rev;
	return 0;
}

/* Writes the mirror to the cache file: temporary file, fsync, rename. */
static void cache_save(struct store *st)
{
	json_t *j = json_object(), *kvs = json_array();
	char *tmp = NULL;
	int fd = -1;

	json_object_set_new(j, "revision", json_integer(st->st.revision));
	for (size_t i = 0; i < st->nkv; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "key", json_string(st->kv[i].key));
		json_object_set_new(e, "value", json_string(st->kv[i].value));
		json_object_set_new(e, "mod_revision", json_integer(st->kv[i].mod_rev));
		json_array_append_new(kvs, e);
	}
	json_object_set_new(j, "kvs", kvs);
	if (asprintf(&tmp, "%s.XXXXXX", st->cache_file) < 0) {
		tmp = NULL;
		goto fail;
	}
	fd = mkstemp(tmp);
	if (fd == -1 || fchmod(fd, 0644) == -1 || json_dumpfd(j, fd, JSON_COMPACT) != 0 ||
	    fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, st->cache_file) == -1)
		goto fail;
	free(tmp);
	json_decref(j);
	return;
fail:
	log_err("event=store_cache_save file=%s error=\"%s\"", st->cache_file, strerror(errno));
	if (fd != -1)
		close(fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
	json_decref(j);
}

/* Replaces the health state's overrides with the mirror's. */
static int apply_all(struct store *st)
{
	struct health_override_entry *o = calloc(st->nkv + 1, sizeof(*o));
	struct health_weight_entry *w = calloc(st->nkv + 1, sizeof(*w));
	size_t n = 0, nw = 0;
	int ret = -ENOMEM;

	if (!o || !w)
		goto out;
	for (size_t i = 0; i < st->nkv; i++) {
		const struct kv *kv = &st->kv[i];
		int k = store_record_parse_key(st->prefix, kv->key, &o[n].ref, &w[nw].ref);

		if (k == STORE_RECORD_OVERRIDE &&
		    store_record_parse_value(kv->value, kv->mod_rev, &o[n].o, NULL, &o[n].meta) ==
			0) {
			n += o[n].o != HEALTH_OVERRIDE_NONE; /* a cleared key holds nothing */
			continue;
		}
		if (k == STORE_RECORD_WEIGHT &&
		    store_record_parse_value(kv->value, kv->mod_rev, NULL, &w[nw].weight,
					     &w[nw].meta) == 0) {
			nw += w[nw].weight != MEMBER_WEIGHT_CONFIG;
			continue;
		}
		log_warn("event=store_key_ignored key=\"%s\" error=\"not an override or a "
			 "weight\"",
			 kv->key);
	}
	health_lock(st->h);
	ret = health_replace_overrides(st->h, o, n);
	if (ret == 0)
		ret = health_replace_weights(st->h, w, nw);
	health_unlock(st->h);
out:
	free(o);
	free(w);
	return ret;
}

/* Reads the cache file into the mirror and applies it; a bad file is reported and ignored. */
static void cache_load(struct store *st)
{
	json_error_t e;
	json_t *j, *kvs, *kv;
	size_t i;
	int fd = open(st->cache_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd == -1) {
		if (errno != ENOENT)
			snprintf(st->st.cache_error, sizeof(st->st.cache_error), "%s: %s",
				 st->cache_file, strerror(errno));
		goto out;
	}
	j = json_loadfd(fd, 0, &e);
	close(fd);
	if (!j) {
		snprintf(st->st.cache_error, sizeof(st->st.cache_error), "%s:%d: %s",
			 st->cache_file, e.line, e.text);
		goto out;
	}
	kvs = json_object_get(j, "kvs");
	if (!json_is_array(kvs) || !json_is_integer(json_object_get(j, "revision"))) {
		snprintf(st->st.cache_error, sizeof(st->st.cache_error),
			 "%s: not a store cache (want {\"revision\": N, \"kvs\": [...]})",
			 st->cache_file);
		json_decref(j);
		goto out;
	}
	json_array_foreach (kvs, i, kv) {
		const char *k = json_string_value(json_object_get(kv, "key"));
		const char *v = json_string_value(json_object_get(kv, "value"));

		if (!k || !v) {
			snprintf(st->st.cache_error, sizeof(st->st.cache_error),
				 "%s: kvs[%zu]: want a key and a value", st->cache_file, i);
			kv_clear(st);
			json_decref(j);
			goto out;
		}
		kv_set(st, k, v, jint(json_object_get(kv, "mod_revision")));
	}
	st->st.revision = json_integer_value(json_object_get(j, "revision"));
	json_decref(j);
	apply_all(st);
	log_info("event=store_cache_loaded file=%s revision=%lld overrides=%zu", st->cache_file,
		 (long long)st->st.revision, st->nkv);
out:
	if (st->st.cache_error[0])
		log_err("event=store_cache_ignored error=\"%s\" note=\"starting without the "
			"cached overrides; etcd's state replaces it once reached\"",
			st->st.cache_error);
}

/* ---- connection state ---- */

static void set_connected(struct store *st, bool up, const char *why)
{
	pthread_mutex_lock(&st->lock);
	bool was = st->st.connected;
	st->st.connected = up;
	snprintf(st->st.endpoint, sizeof(st->st.endpoint), "%s", st->ep[st->cur].at.url);
	snprintf(st->st.error, sizeof(st->st.error), "%s", up ? "" : why);
	if (was != up || !st->st.since_ms)
		st->st.since_ms = clock_wall_ms();
	int64_t rev = st->st.revision;
	pthread_mutex_unlock(&st->lock);
	if (up && !was)
		log_info("event=store_connected endpoint=%s revision=%lld", st->ep[st->cur].at.url,
			 (long long)rev);
	else if (!up && was)
		log_warn("event=store_disconnected endpoint=%s error=\"%s\" note=\"serving the "
			 "last state seen (revision %lld) until etcd answers\"",
			 st->ep[st->cur].at.url, why, (long long)rev);
}

/* Fills r for a POST of body to path on endpoint ep, with the auth token when there is one.
 * Any thread. */
static void make_req(struct store *st, size_t ep, struct etcd_req *r, const char *path,
		     const char *body)
{
	char token[ETCD_TOKEN_MAX];

	pthread_mutex_lock(&st->lock);
	snprintf(token, sizeof(token), "%s", st->token);
	pthread_mutex_unlock(&st->lock);
	etcd_req_init(r, &st->ep[ep].at, path, body, token, STORE_TIMEOUT);
}

/* ---- authentication (etcd's /v3/auth/authenticate; any loop) ---- */

/* Whether a request must first get a token: a username and none yet (or it was refused). */
static bool needs_auth(struct store *st)
{
	bool need;

	if (!st->username[0])
		return false;
	pthread_mutex_lock(&st->lock);
	need = !st->token[0];
	pthread_mutex_unlock(&st->lock);
	return need;
}

/* Forgets the token etcd refused (during what), so that the next request authenticates
 * again. */
static void token_drop(struct store *st, const char *what)
{
	pthread_mutex_lock(&st->lock);
	st->token[0] = '\0';
	pthread_mutex_unlock(&st->lock);
	log_info("event=store_token_refused during=%s note=\"authenticating again as %s\"", what,
		 st->username);
}

/* Whether etcd refused the request's token: expired (a simple token lives --auth-token-ttl
 * seconds after its last use) or unknown (etcd restarted, or another member's JWT key). The
 * gateway answers 401 with gRPC code 16, "etcdserver: invalid auth token". */
static bool token_refused(const struct http_response *r)
{
	return r->status == 401 || (r->body && strstr(r->body, "invalid auth token"));
}

/* etcd's own words in an error answer ({"error": ..., "message": ..., "code": N}), else the
 * start of the body, on one line; with a hint where etcd's words do not say what to do. */
static void etcd_message(const struct http_response *r, char *out, size_t size)
{
	json_t *j = r->body ? json_loads(r->body, 0, NULL) : NULL;
	const char *m = json_string_value(json_object_get(j, "message"));

	snprintf(out, size, "%.160s", m ? m : r->body ? r->body : "");
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < ' ' || *p == '"')
			*p = ' ';
	for (size_t n = strlen(out); n > 0 && out[n - 1] == ' ';)
		out[--n] = '\0';
	/* with both --client-cert-auth and auth enabled, etcd's gateway refuses a client
	 * certificate naming a user in its CN (the gateway cannot pass the CN on) */
	if (strstr(out, "CommonName of client"))
		snprintf(out + strlen(out), size - strlen(out), "%s",
			 " (etcd's auth is on: its gateway wants a client certificate without a "
			 "CommonName, e.g. -subj /O=gslb)");
	json_decref(j);
}

/* Why a request to endpoint ep failed, for the operator: etcd's answer, or what kept it. */
static void etcd_failure(const struct store *st, size_t ep, const struct http_response *r,
			 char *why, size_t len)
{
	char msg[300];

	if (r->status) {
		etcd_message(r, msg, sizeof(msg));
		snprintf(why, len, "etcd %s: HTTP %d: %s", st->ep[ep].at.url, r->status, msg);
	} else {
		snprintf(why, len, "etcd unreachable (%s, last %s)", r->err, st->ep[ep].at.url);
	}
}

/* Starts the authentication of st's user on endpoint ep; cb gets the answer, for auth_take.
 * Returns the request, or NULL with err set. */
static struct http_client *auth_start(struct store *st, const struct http_client_env *env,
				      size_t ep, http_client_cb cb, void *arg, char *err,
				      size_t errlen)
{
	char *body = etcd_auth_body(st->username, st->password);
	struct http_client *h = NULL;
	struct etcd_req r;

	if (!body) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	etcd_req_init(&r, &st->ep[ep].at, "/v3/auth/authenticate", body, NULL, STORE_TIMEOUT);
	h = http_client_start(env, &r.req, cb, arg, err, errlen);
	etcd_auth_body_free(body);
	return h;
}

/* Keeps the token of an authentication answer from endpoint ep. Returns 0, or -1 with why
 * ("etcd URL: authentication failed for user U: etcd's message"). */
static int auth_take(struct store *st, size_t ep, const struct http_response *r, char *why,
		     size_t len)
{
	char tok[ETCD_TOKEN_MAX], msg[300];

	if (etcd_auth_token(r->status, r->body, r->len, tok, sizeof(tok)) == 0) {
		pthread_mutex_lock(&st->lock);
		snprintf(st->token, sizeof(st->token), "%s", tok);
		pthread_mutex_unlock(&st->lock);
		return 0;
	}
	if (!r->status) {
		snprintf(why, len, "etcd %s: authenticate: %s", st->ep[ep].at.url, r->err);
	} else {
		etcd_message(r, msg, sizeof(msg));
		snprintf(why, len, "etcd %s: authentication failed for user %s: %s",
			 st->ep[ep].at.url, st->username, msg);
	}
	return -1;
}

/* ---- the watch (store thread) ---- */

static void start_range(struct store *st);
static void start_watch(struct store *st, int64_t from);
static void reconnect(struct store *st);

static void retry_later(struct store *st, const char *why)
{
	struct timeval tv = {0, STORE_RETRY_MS * 1000};
	struct endpoint *e = &st->ep[st->cur];
	bool was;

	pthread_mutex_lock(&st->lock);
	was = st->st.connected;
	pthread_mutex_unlock(&st->lock);
	set_connected(st, false, why); /* logs a disconnection */
	/* a site that cannot connect says why, once per endpoint and reason (a wrong password,
	 * a certificate etcd or gslbd refuses), not every 0.5 s */
	if (!was && strcmp(e->last_fail, why) != 0)
		log_warn("event=store_connect_failed endpoint=%s error=\"%s\" note=\"serving the "
			 "last state seen; retrying every %d ms\"",
			 e->at.url, why, STORE_RETRY_MS);
	snprintf(e->last_fail, sizeof(e->last_fail), "%s", why);
	pthread_mutex_lock(&st->lock);
	st->cur = (st->cur + 1) % st->nep;
	pthread_mutex_unlock(&st->lock);
	evtimer_add(st->retry_ev, &tv);
}

/* The retry after a failure: reconnect. The prefix is read again (resync_cb) when etcd
 * cancels a watch from a compacted revision, or when watch_message finds another cluster or
 * an older revision. */
static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;

	(void)fd;
	(void)what;
	st->reauthed = false; /* each attempt may renew a refused token once */
	reconnect(st);
}

/* One event of the watch: a put or a delete of a key, applied to mirror and health. */
static void apply_event(struct store *st, json_t *ev)
{
	json_t *kv = json_object_get(ev, "kv");
	const char *type = json_string_value(json_object_get(ev, "type"));
	bool del = type && !strcmp(type, "DELETE");
	char *key = unb64(json_object_get(kv, "key"));
	char *value = del ? NULL : unb64(json_object_get(kv, "value"));
	int64_t rev = jint(json_object_get(kv, "mod_revision"));
	struct health_member_ref ref;
	struct health_weight_ref wref;
	struct health_override_meta m;
	enum health_override o = HEALTH_OVERRIDE_NONE;
	uint32_t weight = MEMBER_WEIGHT_CONFIG;
	int kind;

	if (!key || (!del && !value))
		goto out;
	pthread_mutex_lock(&st->lock);
	kv_set(st, key, value, rev);
	st->st.changes++;
	pthread_mutex_unlock(&st->lock);
	kind = store_record_parse_key(st->prefix, key, &ref, &wref);
	if (kind < 0 ||
	    (!del && store_record_parse_value(value, rev, kind == STORE_RECORD_OVERRIDE ? &o : NULL,
					      &weight, &m) < 0)) {
		log_warn("event=store_key_ignored key=\"%s\" error=\"not an override or a "
			 "weight\"",
			 key);
		goto out;
	}
	health_lock(st->h);
	if (del)
		m = (struct health_override_meta){.origin = "etcd", .mod_rev = rev};
	if (kind == STORE_RECORD_OVERRIDE)
		(void)health_put_override_meta(st->h, ref.service, ref.member, o, &m);
	else
		(void)health_put_weight(st->h, &wref, weight, &m);
	health_unlock(st->h);
out:
	free(key);
	free(value);
}

/* One message of the stream. */
static void watch_message(struct store *st, json_t *msg)
{
	json_t *res = json_object_get(msg, "result"), *ev;
	int64_t rev = jint(json_object_get(json_object_get(res, "header"), "revision"));
	size_t i;

	if (!res) {
		st->resync = true; /* an error object: read everything again */
		return;
	}
	if (json_is_true(json_object_get(res, "canceled")) ||
	    jint(json_object_get(res, "compact_revision")) > 0) {
		const char *why = json_string_value(json_object_get(res, "cancel_reason"));

		st->resync = true;
		snprintf(st->cancel_why, sizeof(st->cancel_why), "%s",
			 jint(json_object_get(res, "compact_revision")) > 0 ? "" : why ?: "");
		return;
	}
	if (json_is_true(json_object_get(res, "created"))) {
		json_t *hd = json_object_get(res, "header");
		const char *cl = json_string_value(json_object_get(hd, "cluster_id"));

		/* a resumed watch on another cluster, or one restored to an older revision,
		 * would miss changes: read the prefix again */
		if (rev < st->resume_rev || (cl && strcmp(cl, st->cluster))) {
			log_warn(
			    "event=store_resync reason=\"etcd cluster %s at revision %lld, this "
			    "site had cluster %s at revision %lld\"",
			    cl ? cl : "?", (long long)rev, st->cluster, (long long)st->resume_rev);
			st->resync = true;
			return;
		}
		set_connected(st, true, NULL);
		st->watching = true;
		st->behind = 0;
		st->reauthed = false;
		for (size_t e = 0; e < st->nep; e++)
			st->ep[e].last_fail[0] = '\0';
	}
	json_array_foreach (json_object_get(res, "events"), i, ev) {
		apply_event(st, ev);
		/* not the header's revision: a backlog comes in batches, each headed by etcd's
		 * current revision */
		int64_t er = jint(json_object_get(json_object_get(ev, "kv"), "mod_revision"));
		if (er > st->resume_rev)
			st->resume_rev = er;
	}
	if (json_array_size(json_object_get(res, "events")) > 0) {
		pthread_mutex_lock(&st->lock);
		if (rev > st->st.revision)
			st->st.revision = rev;
		cache_save(st);
		pthread_mutex_unlock(&st->lock);
		atomic_store(&st->applied_rev, rev);
	}
}

static void watch_chunk(void *arg, int status, const char *data, size_t len)
{
	struct store *st = arg;
	size_t off = 0;

	if (status != 200 || st->resync)
		return; /* the final callback says why */
	char *nb = realloc(st->buf, st->blen + len + 1);
	if (!nb) {
		st->resync = true;
		return;
	}
	st->buf = nb;
	memcpy(st->buf + st->blen, data, len);
	st->blen += len;
	st->buf[st->blen] = '\0';
	/* messages are JSON objects one after another (newline-separated) */
	for (;;) {
		json_error_t e;

		while (off < st->blen && strchr(" \t\r\n", st->buf[off]))
			off++;
		if (off == st->blen)
			break;
		json_t *msg = json_loadb(st->buf + off, st->blen - off, JSON_DISABLE_EOF_CHECK, &e);
		if (!msg)
			break; /* incomplete: wait for more */
		off += e.position;
		watch_message(st, msg);
		json_decref(msg);
	}
	memmove(st->buf, st->buf + off, st->blen - off);
	st->blen -= off;
	if (st->resync)
		event_active(st->resync_ev, 0, 0); /* cancelled outside evhttp's callback */
}

static void watch_done(void *arg, const struct http_response *r)
{
	struct store *st = arg;

	st->req = NULL;
	st->watching = false;
	event_del(st->resync_ev); /* the retry below reads everything again anyway */
	retry_later(st, r->err ? r->err : r->status != 200 ? "watch refused" : "watch ended");
}

static void resync_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;

	(void)fd;
	(void)what;
	if (!st->req)
		return; /* the stream ended first: its retry reads everything again */
	http_client_cancel(st->req);
	st->req = NULL;
	st->watching = false;
	/* the watch checks the token when it starts: an expired one is renewed once */
	if (strstr(st->cancel_why, "invalid auth token") && !st->reauthed) {
		st->reauthed = true;
		token_drop(st, "watch");
		reconnect(st); /* a new token, then the watch goes on where it was */
		return;
	} else if (st->cancel_why[0]) { /* permission denied...: not at once again */
		char why[300];

		snprintf(why, sizeof(why), "watch refused: %s", st->cancel_why);
		retry_later(st, why);
		return;
	} else {
		log_info("event=store_resync reason=\"watch compacted or another cluster\"");
	}
	st->resume_rev = 0; /* read the whole prefix again */
	reconnect(st);
}

/* A watch whose connection stays open while no byte flows (a firewall dropping packets, a
 * hung proxy) would say "connected" and serve stale state for good: etcd's own progress
 * notifications come every 10 minutes. So a watched site reads, every STORE_CHECK_MS on a
 * connection of its own, the newest revision written under the prefix. No answer within
 * STORE_CHECK_TIMEOUT, or twice in a row a revision the watch has not brought, ends the
 * watch: the site says it is disconnected and reconnects, resuming after what it applied. */
static void check_done(void *arg, const struct http_response *r)
{
	struct store *st = arg;
	char why[300];
	json_t *j;
	int64_t newest = 0;

	st->check = NULL;
	if (!st->watching)
		return;
	if (token_refused(r)) { /* etcd answered: alive; the next request authenticates */
		token_drop(st, "check");
		return;
	}
	if (r->status == 0) {
		snprintf(why, sizeof(why), "liveness check: %s", r->err ? r->err : "no answer");
	} else {
		if (r->status != 200)
			return; /* etcd answered (a refused token...): the path is alive */
		j = json_loads(r->body, 0, NULL);
		newest = jint(
		    json_object_get(json_array_get(json_object_get(j, "kvs"), 0), "mod_revision"));
		json_decref(j);
		if (newest <= st->resume_rev || ++st->behind < 2) {
			if (newest <= st->resume_rev)
				st->behind = 0;
			return;
		}
		snprintf(why, sizeof(why),
			 "liveness check: etcd has revision %lld under the prefix, the watch "
			 "brought %lld",
			 (long long)newest, (long long)st->resume_rev);
	}
	log_warn("event=store_watch_stalled endpoint=%s error=\"%s\"", st->ep[st->cur].at.url, why);
	http_client_cancel(st->req);
	st->req = NULL;
	st->watching = false;
	event_del(st->resync_ev);
	retry_later(st, why);
}

static void check_send(struct store *st)
{
	struct etcd_req r;
	char err[256];
	char *body;

	body = store_record_range(st->prefix, ",\"sort_order\":\"DESCEND\",\"sort_target\":\"MOD\","
					      "\"limit\":1,\"keys_only\":true");
	if (!body)
		return;
	make_req(st, st->cur, &r, "/v3/kv/range", body);
	r.req.timeout = STORE_CHECK_TIMEOUT;
	st->check = http_client_start(&st->env, &r.req, check_done, st, err, sizeof(err));
	free(body);
}

static void check_auth_done(void *arg, const struct http_response *r)
{
	struct store *st = arg;
	char why[400];

	st->check = NULL;
	if (st->watching && auth_take(st, st->cur, r, why, sizeof(why)) == 0)
		check_send(st); /* else the next round tries again */
}

static void check_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;
	char err[256];

	(void)fd;
	(void)what;
	if (!st->watching || st->check)
		return;
	if (needs_auth(st))
		st->check =
		    auth_start(st, &st->env, st->cur, check_auth_done, st, err, sizeof(err));
	else
		check_send(st);
}

static void start_watch(struct store *st, int64_t from)
{
	char extra[64], err[256];
	struct etcd_req r;
	char *inner, *body = NULL;

	snprintf(extra, sizeof(extra), ",\"start_revision\":\"%lld\"", (long long)from);
	inner = store_record_range(st->prefix, extra);
	if (inner && asprintf(&body, "{\"create_request\":%s}", inner) < 0)
		body = NULL;
	free(inner);
	if (!body) {
		retry_later(st, "out of memory");
		return;
	}
	make_req(st, st->cur, &r, "/v3/watch", body);
	r.req.timeout = STORE_WATCH_TIMEOUT;
	r.req.max_body = SIZE_MAX / 2;
	r.req.on_chunk = watch_chunk;
	st->blen = 0;
	st->resync = false;
	st->cancel_why[0] = '\0';
	st->req = http_client_start(&st->env, &r.req, watch_done, st, err, sizeof(err));
	free(body);
	if (!st->req)
		retry_later(st, err);
}

/* The prefix read: the whole state at one revision, replacing the mirror and the health
 * state's overrides; then the watch from the next revision. */
static void range_done(void *arg, const struct http_response *r)
{
	struct store *st = arg;
	json_t *j = NULL, *kv;
	size_t i;
	char why[480], msg[300];

	st->req = NULL;
	if (token_refused(r) && !st->reauthed) { /* expired: once more with a new one */
		st->reauthed = true;
		token_drop(st, "range");
		start_range(st);
		return;
	}
	if (r->status != 200) {
		snprintf(why, sizeof(why), "range: %s",
			 r->err	     ? r->err
			 : r->status ? "refused"
				     : "failed");
		if (r->status) {
			etcd_message(r, msg, sizeof(msg));
			snprintf(why, sizeof(why), "range: HTTP %d: %s", r->status, msg);
		}
		retry_later(st, why);
		return;
	}
	j = json_loads(r->body, 0, NULL);
	int64_t rev = j ? jint(json_object_get(json_object_get(j, "header"), "revision")) : 0;
	if (!rev) {
		json_decref(j);
		retry_later(st, "range: not an etcd answer");
		return;
	}
	pthread_mutex_lock(&st->lock);
	kv_clear(st);
	json_array_foreach (json_object_get(j, "kvs"), i, kv) {
		char *k = unb64(json_object_get(kv, "key"));
		char *v = unb64(json_object_get(kv, "value"));

		if (k && v)
			kv_set(st, k, v, jint(json_object_get(kv, "mod_revision")));
		free(k);
		free(v);
	}
	st->st.revision = rev;
	apply_all(st);
	cache_save(st);
	pthread_mutex_unlock(&st->lock);
	atomic_store(&st->applied_rev, rev);
	st->resume_rev = rev;
	snprintf(st->cluster, sizeof(st->cluster), "%s",
		 json_string_value(json_object_get(json_object_get(j, "header"), "cluster_id"))
		     ?: "");
	json_decref(j);
	log_info("event=store_synced endpoint=%s revision=%lld", st->ep[st->cur].at.url,
		 (long long)rev);
	start_watch(st, rev + 1);
}

/* The answer to the store thread's authentication: on to the range with the token. */
static void range_auth_done(void *arg, const struct http_response *r)
{
	struct store *st = arg;
	char why[400];

	st->req = NULL;
	if (auth_take(st, st->cur, r, why, sizeof(why)) < 0) {
		retry_later(st, why);
		return;
	}
	reconnect(st);
}

/* Connects the store thread to etcd: a token first when it needs one; then, once synced, the
 * watch goes on after the last revision applied, so that each change made meanwhile arrives
 * as its own event (logged, in the history), none twice; else the whole prefix is read. */
static void reconnect(struct store *st)
{
	char err[256];

	if (needs_auth(st)) {
		st->req = auth_start(st, &st->env, st->cur, range_auth_done, st, err, sizeof(err));
		if (!st->req)
			retry_later(st, err);
	} else if (st->resume_rev > 0) {
		log_info("event=store_resume from_revision=%lld", (long long)st->resume_rev + 1);
		start_watch(st, st->resume_rev + 1);
	} else {
		start_range(st);
	}
}

static void start_range(struct store *st)
{
	struct etcd_req r;
	char err[256];
	char *body;

	if (needs_auth(st)) {
		reconnect(st);
		return;
	}
	body = store_record_range(st->prefix, "");
	if (!body) {
		retry_later(st, "out of memory");
		return;
	}
	make_req(st, st->cur, &r, "/v3/kv/range", body);
	st->req = http_client_start(&st->env, &r.req, range_done, st, err, sizeof(err));
	free(body);
	if (!st->req)
		retry_later(st, err);
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(st->base);
}

static void *store_thread(void *arg)
{
	struct store *st = arg;

	start_range(st);
	event_base_dispatch(st->base);
	http_client_cancel(st->req);
	st->req = NULL;
	http_client_cancel(st->check);
	st->check = NULL;
	return NULL;
}

/* ---- setup ---- */

/* The TLS context: the configured CA (else the system's) and client certificate. */
static int setup_tls(struct store *st, const struct conf_store *c, char *err, size_t errlen)
{
	SSL_CTX *ctx = st->env.ssl_ctx;

	if (c->ca_file && SSL_CTX_load_verify_locations(ctx, c->ca_file, NULL) != 1) {
		snprintf(err, errlen, "store.ca_file %s: cannot load", c->ca_file);
		return -EINVAL;
	}
	if (c->cert_file && (SSL_CTX_use_certificate_chain_file(ctx, c->cert_file) != 1 ||
			     SSL_CTX_use_PrivateKey_file(ctx, c->key_file, SSL_FILETYPE_PEM) != 1 ||
			     SSL_CTX_check_private_key(ctx) != 1)) {
		snprintf(err, errlen, "store.cert_file %s, key_file %s: cannot load the pair",
			 c->cert_file, c->key_file);
		return -EINVAL;
	}
	return 0;
}

struct store *store_new(const struct conf_store *c, struct health_state *h, char *err,
			size_t errlen)
{
	struct store *st = calloc(1, sizeof(*st));
	char why[300];

	if (!st) {
		snprintf(err, errlen, "store: out of memory");
		return NULL;
	}
	st->stop_fd[0] = st->stop_fd[1] = -1;
	pthread_mutex_init(&st->lock, NULL);
	st->h = h;
	st->require_reason = c->require_reason;
	st->st.require_reason = c->require_reason;
	st->prefix = strdup(c->prefix);
	st->cache_file = strdup(c->cache_file);
	st->username = strdup(c->username);
	st->password = strdup(c->password);
	st->ep = calloc(c->netcd, sizeof(*st->ep));
	st->nep = c->netcd;
	st->base = event_base_new();
	if (!st->prefix || !st->cache_file || !st->username || !st->password || !st->ep ||
	    !st->base || pipe(st->stop_fd) == -1) {
		snprintf(err, errlen, "store: out of memory");
		goto fail;
	}
	for (size_t i = 0; i < c->netcd; i++)
		if (etcd_endpoint_parse(c->etcd[i], &st->ep[i].at, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "store.etcd[%zu]: %s", i, why);
			goto fail;
		}
	if (http_client_env_init(&st->env, st->base, err, errlen) < 0 ||
	    setup_tls(st, c, err, errlen) < 0)
		goto fail;
	st->stop_ev = event_new(st->base, st->stop_fd[0], EV_READ, stop_cb, st);
	st->retry_ev = evtimer_new(st->base, retry_cb, st);
	st->resync_ev = event_new(st->base, -1, 0, resync_cb, st);
	st->check_ev = event_new(st->base, -1, EV_PERSIST, check_cb, st);
	struct timeval check_tv = {STORE_CHECK_MS / 1000, (STORE_CHECK_MS % 1000) * 1000};
	if (!st->stop_ev || !st->retry_ev || !st->resync_ev || !st->check_ev ||
	    event_add(st->stop_ev, NULL) || event_add(st->check_ev, &check_tv)) {
		snprintf(err, errlen, "store: out of memory");
		goto fail;
	}
	snprintf(st->st.endpoint, sizeof(st->st.endpoint), "%s", st->ep[0].at.url);
	snprintf(st->st.error, sizeof(st->st.error), "not connected yet");
	cache_load(st);
	return st;
fail:
	store_free(st);
	return NULL;
}

int store_start(struct store *st)
{
	int r = pthread_create(&st->thread, NULL, store_thread, st);

	if (r != 0)
		return -r;
	st->started = true;
	return 0;
}

void store_free(struct store *st)
{
	if (!st)
		return;
	if (st->started) {
		(void)!write(st->stop_fd[1], "x", 1);
		pthread_join(st->thread, NULL);
	}
	if (st->stop_ev)
		event_free(st->stop_ev);
	if (st->retry_ev)
		event_free(st->retry_ev);
	if (st->resync_ev)
		event_free(st->resync_ev);
	if (st->check_ev)
		event_free(st->check_ev);
	http_client_env_release(&st->env);
	if (st->base)
		event_base_free(st->base);
	for (int i = 0; i < 2; i++)
		if (st->stop_fd[i] != -1)
			close(st->stop_fd[i]);
	kv_clear(st);
	free(st->kv);
	free(st->buf);
	free(st->ep);
	free(st->prefix);
	free(st->cache_file);
	free(st->username);
	if (st->password)
		explicit_bzero(st->password, strlen(st->password));
	free(st->password);
	explicit_bzero(st->token, sizeof(st->token));
	pthread_mutex_destroy(&st->lock);
	free(st);
}

void store_get_status(struct store *st, struct store_status *out)
{
	pthread_mutex_lock(&st->lock);
	*out = st->st;
	pthread_mutex_unlock(&st->lock);
}

/* ---- writes (the caller's loop) ---- */

struct write {
	struct store *st;
	struct http_client_env env;
	struct store_op *ops;
	size_t n;
	struct health_override_meta meta;
	uint64_t ttl_s;
	int64_t lease, rev;
	size_t ep, tries;
	bool granting;
	bool authing;  /* the request running is the authentication */
	bool reauthed; /* a refused token was renewed: not again */
	struct event *wait;
	uint64_t wait_until;
	store_write_cb *cb;
	void *arg;
};

static void write_end(struct write *w, int status, const char *err)
{
	w->cb(w->arg, status, err);
	if (w->wait)
		event_free(w->wait);
	free(w->ops);
	free(w);
}

static void write_step(struct write *w);

/* Waits for this site to apply the write's revision, so that gslbctl's answer is this site's
 * state; gives up (still 200: etcd has it) after STORE_APPLY_WAIT_MS. */
static void wait_cb(evutil_socket_t fd, short what, void *arg)
{
	struct write *w = arg;
	struct timeval tv = {0, 10000};

	(void)fd;
	(void)what;
	if (atomic_load(&w->st->applied_rev) >= w->rev || clock_mono_ms() >= w->wait_until) {
		write_end(w, 200, NULL);
		return;
	}
	evtimer_add(w->wait, &tv);
}

static void write_done(void *arg, const struct http_response *r)
{
	struct write *w = arg;
	char why[640];
	json_t *j;

	if (r->status == 0 && ++w->tries < w->st->nep) { /* another member may answer */
		w->ep = (w->ep + 1) % w->st->nep;
		w->authing = false;
		write_step(w);
		return;
	}
	if (w->authing) {
		w->authing = false;
		if (auth_take(w->st, w->ep, r, why, sizeof(why)) < 0)
			write_end(w, 503, why);
		else
			write_step(w);
		return;
	}
	if (token_refused(r) && !w->reauthed) { /* expired: once more with a new one */
		w->reauthed = true;
		token_drop(w->st, w->granting ? "lease_grant" : "txn");
		write_step(w);
		return;
	}
	if (r->status != 200) {
		etcd_failure(w->st, w->ep, r, why, sizeof(why));
		write_end(w, 503, why);
		return;
	}
	j = json_loads(r->body, 0, NULL);
	if (w->granting) {
		w->lease = j ? jint(json_object_get(j, "ID")) : 0;
		json_decref(j);
		if (!w->lease) {
			write_end(w, 503, "etcd granted no lease");
			return;
		}
		w->granting = false;
		write_step(w);
		return;
	}
	bool ok = j && json_is_true(json_object_get(j, "succeeded"));
	w->rev = j ? jint(json_object_get(json_object_get(j, "header"), "revision")) : 0;
	json_decref(j);
	if (!ok) {
		write_end(w, 409,
			  "changed meanwhile by another operator or site: nothing written; look "
			  "at gslbctl status and try again");
		return;
	}
	log_info("event=store_write revision=%lld changes=%zu who=\"%s\" why=\"%s\"",
		 (long long)w->rev, w->n, w->meta.who, w->meta.why);
	w->wait = evtimer_new(w->env.base, wait_cb, w);
	w->wait_until = clock_mono_ms() + STORE_APPLY_WAIT_MS;
	if (!w->wait) {
		write_end(w, 200, NULL);
		return;
	}
	wait_cb(-1, 0, w);
}

static void write_step(struct write *w)
{
	struct etcd_req r;
	char err[256], *body = NULL;

	if (needs_auth(w->st)) {
		w->authing = true;
		if (!auth_start(w->st, &w->env, w->ep, write_done, w, err, sizeof(err)))
			write_end(w, 503, err);
		return;
	}
	if (w->granting) {
		if (asprintf(&body, "{\"TTL\":%llu}", (unsigned long long)w->ttl_s) < 0)
			body = NULL;
	} else {
		body = store_record_txn(w->st->prefix, w->ops, w->n, &w->meta, w->lease);
	}
	if (!body) {
		write_end(w, 503, "out of memory");
		return;
	}
	make_req(w->st, w->ep, &r, w->granting ? "/v3/lease/grant" : "/v3/kv/txn", body);
	struct http_client *h = http_client_start(&w->env, &r.req, write_done, w, err, sizeof(err));
	free(body);
	if (!h)
		write_end(w, 503, err);
}

int store_write(struct store *st, struct event_base *base, const struct store_op *ops, size_t n,
		const struct health_override_meta *meta, uint64_t ttl_s, store_write_cb *cb,
		void *arg, char *err, size_t errlen)
{
	struct write *w = calloc(1, sizeof(*w));

	if (!w || !(w->ops = calloc(n ? n : 1, sizeof(*ops)))) {
		free(w);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(w->ops, ops, n * sizeof(*ops));
	w->st = st;
	w->n = n;
	w->meta = *meta;
	w->ttl_s = ttl_s;
	w->granting = ttl_s > 0;
	w->env = (struct http_client_env){.base = base, .ssl_ctx = st->env.ssl_ctx};
	pthread_mutex_lock(&st->lock);
	w->ep = st->cur; /* the one the watch uses, which answered last */
	/* compare with the revision of each key as this site saw it, a cleared one included */
	for (size_t i = 0; i < n; i++) {
		char key[1024];
		const struct kv *k = store_record_key(st->prefix, &w->ops[i], key, sizeof(key)) == 0
					 ? kv_find(st, key)
					 : NULL;

		if (!w->ops[i].expect_given)
			w->ops[i].expect_rev = k ? k->mod_rev : 0;
		store_record_describe(k ? k->value : NULL, w->ops[i].is_weight, w->ops[i].was,
				      sizeof(w->ops[i].was));
	}
	pthread_mutex_unlock(&st->lock);
	w->cb = cb;
	w->arg = arg;
	write_step(w);
	return 0;
}

/* ---- history (the caller's loop) ---- */

struct history_read {
	struct store *st;
	struct http_client_env env;
	size_t ep, tries, limit;
	store_history_cb *cb;
	void *arg;
};

static void history_step(struct history_read *h);

static void history_done(void *arg, const struct http_response *r)
{
	struct history_read *h = arg;
	json_t *j = NULL, *out = NULL;
	char why[640];

	if (r->status == 0 && ++h->tries < h->st->nep) { /* another member may answer */
		h->ep = (h->ep + 1) % h->st->nep;
		history_step(h);
		return;
	}
	if (r->status == 200)
		j = json_loads(r->body, 0, NULL);
	if (j) {
		out = json_array();
		size_t bad = store_record_history(h->st->prefix, j, clock_wall_ms(), out);
		if (bad)
			log_warn("event=store_history_ignored records=%zu error=\"not a history "
				 "record\"",
				 bad);
		json_decref(j);
		h->cb(h->arg, out, NULL);
	} else {
		etcd_failure(h->st, h->ep, r, why, sizeof(why));
		h->cb(h->arg, NULL, why);
	}
	json_decref(out);
	free(h);
}

static void history_step(struct history_read *h)
{
	struct etcd_req r;
	char err[256], *body = store_record_history_range(h->st->prefix, h->limit);
	struct http_client *c = NULL;

	if (body) { /* with the store thread's token, kept fresh by its watch */
		make_req(h->st, h->ep, &r, "/v3/kv/range", body);
		c = http_client_start(&h->env, &r.req, history_done, h, err, sizeof(err));
	} else {
		snprintf(err, sizeof(err), "out of memory");
	}
	free(body);
	if (!c) {
		h->cb(h->arg, NULL, err);
		free(h);
	}
}

int store_history(struct store *st, struct event_base *base, size_t limit, store_history_cb *cb,
		  void *arg, char *err, size_t errlen)
{
	struct history_read *h = calloc(1, sizeof(*h));

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*h = (struct history_read){.st = st, .limit = limit, .cb = cb, .arg = arg};
	h->env = (struct http_client_env){.base = base, .ssl_ctx = st->env.ssl_ctx};
	pthread_mutex_lock(&st->lock);
	h->ep = st->cur;
	pthread_mutex_unlock(&st->lock);
	history_step(h);
	return 0;
}
