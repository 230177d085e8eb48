/* SPDX-License-Identifier: Apache-2.0 */
/* gslbctl_direct.c — gslbctl --etcd/--direct: operator changes and history straight in etcd
 *
 * When every site is down (an operator fixing a fleet), gslbctl writes the records gslbd
 * writes (store_record.h) itself: it reads the key and its mod_revision, applies the same
 * policy as the control API (undrain clears only a drain), and writes one transaction that
 * compares that revision, so another operator's change made meanwhile is never overwritten.
 * --for is an etcd lease, as at the sites. Member names are checked against the config given
 * with -c; without one they cannot be, and a site ignores (and logs) an override of a member
 * it does not have. Blocking requests through the one HTTP client.
 */
#include "config.h"

#include "dname.h"
#include "etcd_req.h"
#include "gslbctl.h"
#include "health_override.h"
#include "http_client.h"
#include "store_record.h"

#include <jansson.h>
#include <libconfig.h>
#include <openssl/ssl.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define DIRECT_TIMEOUT 5.0
#define DIRECT_MAX_EP 16
#define DIRECT_HISTORY 256 /* records read by history, the newest */

static struct etcd_endpoint eps[DIRECT_MAX_EP];
static size_t neps;
static struct http_client_env tls; /* its ssl_ctx: the store's CA and client certificate */
/* etcd's authentication (store.username, password or password_file of -c CONFIG) */
static const char *username;
static char password[1024], token[ETCD_TOKEN_MAX];
static size_t token_ep; /* the endpoint that gave token: etcd's simple tokens are per member */

/* "http://IP:PORT[,...]" into eps. Returns 0, or -1 after saying why. */
static int parse_endpoints(const char *list, const char *from)
{
	char *copy = strdup(list), *save = NULL, *u;

	neps = 0;
	for (u = copy ? strtok_r(copy, ", ", &save) : NULL; u; u = strtok_r(NULL, ", ", &save)) {
		char err[300];

		if (neps == DIRECT_MAX_EP) {
			fprintf(stderr, "gslbctl: %s: at most %d etcd endpoints\n", from,
				DIRECT_MAX_EP);
			goto fail;
		}
		if (etcd_endpoint_parse(u, &eps[neps], err, sizeof(err)) < 0) {
			fprintf(stderr,
				"gslbctl: %s: '%s': %s (want http://IP:PORT or https://IP:PORT, "
				"comma-separated)\n",
				from, u, err);
			goto fail;
		}
		neps++;
	}
	if (neps == 0) {
		fprintf(stderr, "gslbctl: %s: no etcd endpoint (want http://IP:PORT,...)\n", from);
		goto fail;
	}
	free(copy);
	return 0;
fail:
	free(copy);
	return -1;
}

/* ------------------------------------------------------------ setup */

/* A file the config names, relative to the config's directory as gslbd reads it. */
static const char *conf_file(const struct direct *d, const char *v, char *out, size_t size)
{
	const char *slash = strrchr(d->conf, '/');

	if (v[0] == '/' || !slash)
		snprintf(out, size, "%s", v);
	else
		snprintf(out, size, "%.*s/%s", (int)(slash - d->conf), d->conf, v);
	return out;
}

/* store.username and its password (inline, or password_file's first line, as gslbd reads
 * them): etcd's authentication. Returns 0, or -1 after saying why. */
static int read_credentials(const struct direct *d)
{
	const char *v = NULL;
	char path[1024];
	FILE *f;

	if (!config_lookup_string(&d->cfg, "store.username", &username) || !username[0]) {
		username = NULL;
		return 0;
	}
	if (config_lookup_string(&d->cfg, "store.password", &v)) {
		snprintf(password, sizeof(password), "%s", v);
		return 0;
	}
	if (!config_lookup_string(&d->cfg, "store.password_file", &v)) {
		fprintf(stderr, "gslbctl: %s: store.username %s has no password or password_file\n",
			d->conf, username);
		return -1;
	}
	f = fopen(conf_file(d, v, path, sizeof(path)), "r");
	if (!f || !fgets(password, sizeof(password), f)) {
		fprintf(stderr, "gslbctl: %s: store.password_file %s: %s\n", d->conf, path,
			f ? "empty" : strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	password[strcspn(password, "\r\n")] = '\0';
	return 0;
}

/* The store section of the config (-c) into d, and the config kept for the names. */
static int read_store_conf(struct direct *d)
{
	config_setting_t *s;
	const char *v = NULL;
	int b;

	if (gslbctl_conf_open(d->conf, &d->cfg) != 0)
		return -1;
	d->have_cfg = true;
	s = config_lookup(&d->cfg, "store.etcd");
	if (!d->etcd && (!s || config_setting_length(s) == 0)) {
		fprintf(stderr,
			"gslbctl: %s: no store.etcd: this fleet's operator state is in each "
			"site's state file; change it through the sites' control API (without "
			"--direct)\n",
			d->conf);
		return -1;
	}
	if (!d->etcd) {
		size_t len = 0;

		for (int i = 0; i < config_setting_length(s); i++) {
			const char *u = config_setting_get_string_elem(s, i);

			if (u && len + strlen(u) + 2 < sizeof(d->etcd_buf))
				len +=
				    (size_t)snprintf(d->etcd_buf + len, sizeof(d->etcd_buf) - len,
						     "%s%s", len ? "," : "", u);
		}
		d->etcd = d->etcd_buf;
	}
	if (!d->prefix && config_lookup_string(&d->cfg, "store.prefix", &v))
		d->prefix = v;
	if (config_lookup_bool(&d->cfg, "store.require_reason", &b))
		d->require_reason = b;
	if (!d->who && config_lookup_string(&d->cfg, "server.control.token_name", &v))
		d->who = v;
	char ca[1024], cert[1024], key[1024];
	const char *k = NULL;

	if (config_lookup_string(&d->cfg, "store.ca_file", &v) &&
	    SSL_CTX_load_verify_locations(tls.ssl_ctx, conf_file(d, v, ca, sizeof(ca)), NULL) !=
		1) {
		fprintf(stderr, "gslbctl: %s: store.ca_file %s: cannot load\n", d->conf, ca);
		return -1;
	}
	if (config_lookup_string(&d->cfg, "store.cert_file", &v) &&
	    (!config_lookup_string(&d->cfg, "store.key_file", &k) ||
	     SSL_CTX_use_certificate_chain_file(tls.ssl_ctx, conf_file(d, v, cert, sizeof(cert))) !=
		 1 ||
	     SSL_CTX_use_PrivateKey_file(tls.ssl_ctx, conf_file(d, k, key, sizeof(key)),
					 SSL_FILETYPE_PEM) != 1 ||
	     SSL_CTX_check_private_key(tls.ssl_ctx) != 1)) {
		fprintf(stderr,
			"gslbctl: %s: store.cert_file %s, key_file %s: cannot load the pair\n",
			d->conf, v, k ? k : "(none)");
		return -1;
	}
	return read_credentials(d);
}

int direct_setup(struct direct *d)
{
	char err[256];

	if (http_client_env_init(&tls, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "gslbctl: %s\n", err);
		return -1;
	}
	if (d->conf && read_store_conf(d) != 0)
		return -1;
	if (!d->etcd) {
		fprintf(stderr, "gslbctl: --direct reads store.etcd from -c CONFIG; or give "
				"--etcd http://IP:PORT[,...]\n");
		return -1;
	}
	if (parse_endpoints(d->etcd, d->conf && d->etcd == d->etcd_buf ? d->conf : "--etcd") != 0)
		return -1;
	if (!d->prefix)
		d->prefix = "/gslb/";
	if (d->prefix[0] != '/' || d->prefix[strlen(d->prefix) - 1] != '/') {
		fprintf(stderr, "gslbctl: prefix '%s': want /NAME/ (a slash at both ends)\n",
			d->prefix);
		return -1;
	}
	if (!d->who || !d->who[0]) {
		const char *user = getenv("USER");

		snprintf(d->who_buf, sizeof(d->who_buf), "%s (gslbctl)",
			 user && *user ? user : "?");
		d->who = d->who_buf;
	}
	return 0;
}

void direct_free(struct direct *d)
{
	if (d->have_cfg)
		config_destroy(&d->cfg);
	http_client_env_release(&tls);
}

/* ------------------------------------------------------------ requests */

/* A token for username from endpoint i's etcd into token. Returns 0, or -1 with why in err. */
static int authenticate(size_t i, char *err, size_t errlen)
{
	char *body = etcd_auth_body(username, password), *out = NULL;
	struct etcd_req r;
	size_t len = 0;
	int status, ret = -1;

	if (!body) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	etcd_req_init(&r, &eps[i], "/v3/auth/authenticate", body, NULL, DIRECT_TIMEOUT);
	if (http_client_fetch_ctx(&r.req, tls.ssl_ctx, &status, &out, &len, err, errlen) == 0) {
		ret = etcd_auth_token(status, out, len, token, sizeof(token));
		if (ret != 0)
			snprintf(err, errlen, "authentication failed for user %s: HTTP %d: %.200s",
				 username, status, out ? out : "");
	}
	etcd_auth_body_free(body);
	free(out);
	return ret;
}

/* POSTs body to path at each endpoint until one answers 200; the parsed answer, or NULL
 * after saying why. */
static json_t *etcd(const char *path, const char *body)
{
	char errs[1200] = "";
	size_t elen = 0;

	for (size_t i = 0; i < neps; i++) {
		char err[512], *out = NULL;
		struct etcd_req r;
		size_t len;
		int status;
		json_t *j;

		if (username && token_ep != i)
			token[0] = '\0';
		token_ep = i;
		if (username && !token[0] && authenticate(i, err, sizeof(err)) != 0) {
			elen += (size_t)snprintf(errs + elen,
						 elen < sizeof(errs) ? sizeof(errs) - elen : 0,
						 "\n  %s: %s", eps[i].url, err);
			continue;
		}
		etcd_req_init(&r, &eps[i], path, body, token, DIRECT_TIMEOUT);
		if (http_client_fetch_ctx(&r.req, tls.ssl_ctx, &status, &out, &len, err,
					  sizeof(err)) != 0) {
			elen += (size_t)snprintf(errs + elen,
						 elen < sizeof(errs) ? sizeof(errs) - elen : 0,
						 "\n  %s: %s", eps[i].url, err);
			continue;
		}
		j = status == 200 ? json_loadb(out, len, 0, NULL) : NULL;
		if (!j && elen < sizeof(errs))
			elen += (size_t)snprintf(errs + elen, sizeof(errs) - elen,
						 "\n  %s: HTTP %d: %.200s", eps[i].url, status,
						 status == 200 ? "not JSON" : out);
		free(out);
		if (j)
			return j;
	}
	fprintf(stderr, "gslbctl: no etcd endpoint answered (%s):%s\n", path, errs);
	return NULL;
}

/* The state keys now: the range answer (kvs decoded on lookup), or NULL after saying why. */
static json_t *read_state(const struct direct *d)
{
	char *body = store_record_range(d->prefix, "");
	json_t *j = body ? etcd("/v3/kv/range", body) : NULL;

	free(body);
	return j;
}

/* key's value (malloc'd, NULL: absent) and mod_revision in the range answer state. */
static char *lookup(json_t *state, const char *key, int64_t *mod_rev, char *who, size_t wlen)
{
	json_t *kv;
	size_t i;

	*mod_rev = 0;
	json_array_foreach (json_object_get(state, "kvs"), i, kv) {
		char *k = store_record_unb64(json_string_value(json_object_get(kv, "key")));
		bool match = k && !strcmp(k, key);

		free(k);
		if (!match)
			continue;
		*mod_rev = store_record_int(json_object_get(kv, "mod_revision"));
		char *v = store_record_unb64(json_string_value(json_object_get(kv, "value")));
		if (who) {
			struct health_override_meta m = {0};
			enum health_override o;
			uint32_t w;

			if (v && (store_record_parse_value(v, 0, &o, NULL, &m) == 0 ||
				  store_record_parse_value(v, 0, NULL, &w, &m) == 0))
				snprintf(who, wlen, "%s%s%s", m.who[0] ? m.who : "?",
					 m.why[0] ? ": " : "", m.why);
		}
		return v;
	}
	return NULL;
}

static uint64_t now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* Writes ops[0..n) (expect_rev and was set) in one transaction, on a lease for --for.
 * Returns 0 with the revision in *rev, or 1 after saying why (a conflict names the keys
 * that moved). */
static int write_ops(const struct direct *d, const struct store_op *ops, size_t n, int64_t *rev)
{
	struct health_override_meta m = {.origin = "etcd"};
	int64_t lease = 0;
	char *body;
	json_t *j;
	bool ok;

	if (d->require_reason && !(d->why && d->why[0])) {
		fprintf(stderr, "gslbctl: a reason is required (store.require_reason): gslbctl "
				"--reason TEXT ...\n");
		return 1;
	}
	snprintf(m.who, sizeof(m.who), "%s", d->who);
	snprintf(m.why, sizeof(m.why), "%s", d->why ? d->why : "");
	m.at_ms = now_ms();
	if (d->for_s) {
		char grant[64];

		m.expires_ms = m.at_ms + d->for_s * 1000;
		snprintf(grant, sizeof(grant), "{\"TTL\":%lu}", d->for_s);
		j = etcd("/v3/lease/grant", grant);
		lease = j ? store_record_int(json_object_get(j, "ID")) : 0;
		json_decref(j);
		if (!lease) {
			fprintf(stderr,
				"gslbctl: etcd granted no lease for --for: nothing written\n");
			return 1;
		}
	}
	body = store_record_txn(d->prefix, ops, n, &m, lease);
	if (!body) {
		fprintf(stderr, "gslbctl: cannot build the transaction (a name too long?)\n");
		return 1;
	}
	j = etcd("/v3/kv/txn", body);
	free(body);
	if (!j)
		return 1;
	ok = json_is_true(json_object_get(j, "succeeded"));
	*rev = store_record_int(json_object_get(json_object_get(j, "header"), "revision"));
	json_decref(j);
	if (ok)
		return 0;
	/* say which key moved, to what, and by whom */
	json_t *state = read_state(d);
	fprintf(stderr, "gslbctl: refused: changed meanwhile by another operator or site, nothing "
			"written:\n");
	for (size_t i = 0; state && i < n; i++) {
		char key[STORE_RECORD_KEY_MAX], who[400] = "", now[24];
		int64_t r;
		char *v;

		if (store_record_key(d->prefix, &ops[i], key, sizeof(key)) < 0)
			continue;
		v = lookup(state, key, &r, who, sizeof(who));
		if (r == ops[i].expect_rev) {
			free(v);
			continue;
		}
		store_record_describe(v, ops[i].is_weight, now, sizeof(now));
		free(v);
		fprintf(stderr, "  %s: expected revision %lld, now %lld (%s, by %s)\n",
			key + strlen(d->prefix), (long long)ops[i].expect_rev, (long long)r, now,
			who[0] ? who : "?");
	}
	json_decref(state);
	fprintf(stderr, "  look at gslbctl history, then try again\n");
	return 1;
}

/* expect_rev and was of op from the state; --if-revision replaces the revision read. */
static void seen(const struct direct *d, json_t *state, struct store_op *op, char **value)
{
	char key[STORE_RECORD_KEY_MAX];

	*value = NULL;
	op->expect_rev = 0;
	if (store_record_key(d->prefix, op, key, sizeof(key)) == 0)
		*value = lookup(state, key, &op->expect_rev, NULL, 0);
	store_record_describe(*value, op->is_weight, op->was, sizeof(op->was));
	if (d->if_rev >= 0)
		op->expect_rev = d->if_rev;
}

/* seen() on the state read now, for one op. Returns 0, or 1 after saying why. */
static int read_seen(const struct direct *d, struct store_op *op, char **value)
{
	json_t *state = read_state(d);

	if (!state)
		return 1;
	seen(d, state, op, value);
	json_decref(state);
	return 0;
}

/* ------------------------------------------------------------ names (-c) */

/* The config's service named like wire, or NULL. */
static config_setting_t *conf_service(const struct direct *d, const uint8_t *wire)
{
	config_setting_t *svcs = config_lookup(&d->cfg, "services");

	for (int i = 0; svcs && i < config_setting_length(svcs); i++) {
		config_setting_t *s = config_setting_get_elem(svcs, i);
		const char *name = NULL;
		uint8_t w[DNAME_MAXLEN];

		if (config_setting_lookup_string(s, "name", &name) &&
		    dname_from_str(name, w) >= 0 && dname_equal(w, wire))
			return s;
	}
	return NULL;
}

/* Whether the config has a region named name. */
static bool conf_has_region(const struct direct *d, const char *name)
{
	config_setting_t *regions = config_lookup(&d->cfg, "regions");

	for (int i = 0; regions && i < config_setting_length(regions); i++) {
		const char *r = NULL;

		if (config_setting_lookup_string(config_setting_get_elem(regions, (unsigned)i),
						 "name", &r) &&
		    !strcmp(r, name))
			return true;
	}
	return false;
}

/* Member k's name in service s as gslbd names it: its name, or <region>-<n>. */
static void conf_member_name(config_setting_t *s, int k, char *out, size_t size)
{
	config_setting_t *ms = config_setting_lookup(s, "members");
	config_setting_t *m = config_setting_get_elem(ms, (unsigned)k);
	const char *name = NULL, *region = NULL, *r2;
	int n = 1;

	if (config_setting_lookup_string(m, "name", &name)) {
		snprintf(out, size, "%s", name);
		return;
	}
	config_setting_lookup_string(m, "region", &region);
	for (int i = 0; i < k; i++)
		n += config_setting_lookup_string(config_setting_get_elem(ms, (unsigned)i),
						  "region", &r2) &&
		     region && !strcmp(r2, region);
	snprintf(out, size, "%s-%d", region ? region : "?", n);
}

/* The member arg names (a name, or with -c an index) into ref->member. Returns 0, or 1
 * after saying why. */
static int resolve_member(const struct direct *d, const char *service, const char *arg,
			  uint8_t *wire, char *member, size_t size)
{
	config_setting_t *s;

	if (dname_from_str(service, wire) < 0) {
		fprintf(stderr, "gslbctl: '%s' is not a domain name\n", service);
		return 1;
	}
	dname_copy_lower(wire, wire);
	if (!d->have_cfg) {
		if (arg[0] < 'A' || (arg[0] > 'Z' && arg[0] < 'a') || arg[0] > 'z' ||
		    strlen(arg) >= HEALTH_MEMBER_NAME_MAX) {
			fprintf(stderr,
				"gslbctl: member '%s': give its name (an index, or a check of the "
				"name, needs -c CONFIG)\n",
				arg);
			return 1;
		}
		snprintf(member, size, "%s", arg);
		return 0;
	}
	s = conf_service(d, wire);
	if (!s) {
		fprintf(stderr, "gslbctl: %s: no service '%s'\n", d->conf, service);
		return 1;
	}
	config_setting_t *ms = config_setting_lookup(s, "members");
	char *end;
	long idx = strtol(arg, &end, 10);

	for (int k = 0; ms && k < config_setting_length(ms); k++) {
		conf_member_name(s, k, member, size);
		if (!strcmp(member, arg) || (*end == '\0' && end != arg && idx == k))
			return 0;
	}
	fprintf(stderr,
		"gslbctl: %s: service '%s' has no member '%s' (give its name or index, as "
		"gslbctl status shows them)\n",
		d->conf, service, arg);
	return 1;
}

/* ------------------------------------------------------------ commands */

/* --json: the outcome as an object (j, consumed), like the control API's answers, with the
 * write's etcd revision ("written": false when nothing needed writing). */
static void print_json(json_t *j, int64_t rev)
{
	json_object_set_new(j, "result", json_string("ok"));
	json_object_set_new(j, "store", json_string("etcd"));
	json_object_set_new(j, "written", json_boolean(rev > 0));
	if (rev > 0)
		json_object_set_new(j, "revision", json_integer(rev));
	json_dumpf(j, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(j);
}

int direct_member(const struct direct *d, const char *action, const char *service,
		  const char *member)
{
	struct store_op op = {0};
	char svc[DNAME_MAXLEN * 4 + 2], *value;
	int a = health_override_action_parse(action), o, rc;
	int64_t rev;

	if (a < 0 || resolve_member(d, service, member, op.ref.service, op.ref.member,
				    sizeof(op.ref.member)))
		return 1;
	if (read_seen(d, &op, &value))
		return 1;
	enum health_override cur = HEALTH_OVERRIDE_NONE;
	struct health_override_meta m;
	if (value && store_record_parse_value(value, 0, &cur, NULL, &m) < 0)
		cur = HEALTH_OVERRIDE_NONE; /* not one: replaced */
	free(value);
	dname_to_str(op.ref.service, svc, sizeof(svc));
	o = health_override_after((enum health_override_action)a, cur);
	if (o == -EBUSY) {
		fprintf(stderr, "gslbctl: %s %s: forced %s, not drained (use clear)\n", svc,
			op.ref.member, health_override_name(cur));
		return 1;
	}
	op.o = (enum health_override)o;
	rev = 0;
	if (o == (int)cur && cur == HEALTH_OVERRIDE_NONE && d->if_rev < 0)
		rc = 0; /* a clear of nothing writes nothing, as at the sites */
	else if ((rc = write_ops(d, &op, 1, &rev)) != 0)
		return rc;
	if (d->json)
		print_json(json_pack("{s:s,s:s,s:s}", "service", svc, "name", op.ref.member,
				     "override", health_override_name(op.o)),
			   rev);
	else if (rev == 0)
		printf("%s member %s: override none (nothing to clear, nothing written)\n", svc,
		       op.ref.member);
	else
		printf("%s member %s: override %s (etcd revision %lld)\n", svc, op.ref.member,
		       health_override_name(op.o), (long long)rev);
	return rc;
}

int direct_region(const struct direct *d, bool drain, const char *region)
{
	config_setting_t *svcs;
	struct store_op *ops = NULL;
	size_t n = 0, cap = 0, members = 0, forced = 0;
	bool known = false;
	json_t *state;
	int rc = 1;
	int64_t rev;

	if (!d->have_cfg) {
		fprintf(stderr,
			"gslbctl: %s-region straight to etcd needs -c CONFIG: the "
			"region's members are in it\n",
			drain ? "drain" : "undrain");
		return 1;
	}
	known = conf_has_region(d, region);
	if (!known) {
		fprintf(stderr, "gslbctl: %s: no region '%s'\n", d->conf, region);
		return 1;
	}
	state = read_state(d);
	if (!state)
		return 1;
	svcs = config_lookup(&d->cfg, "services");
	for (int i = 0; svcs && i < config_setting_length(svcs); i++) {
		config_setting_t *s = config_setting_get_elem(svcs, (unsigned)i);
		config_setting_t *ms = config_setting_lookup(s, "members");
		const char *sname = NULL;
		uint8_t wire[DNAME_MAXLEN];

		if (!config_setting_lookup_string(s, "name", &sname) ||
		    dname_from_str(sname, wire) < 0)
			continue;
		for (int k = 0; ms && k < config_setting_length(ms); k++) {
			const char *r = NULL;
			struct store_op op = {0};
			char *value;
			enum health_override cur = HEALTH_OVERRIDE_NONE;
			struct health_override_meta m;

			if (!config_setting_lookup_string(config_setting_get_elem(ms, (unsigned)k),
							  "region", &r) ||
			    strcmp(r, region))
				continue;
			members++;
			dname_copy_lower(op.ref.service, wire);
			conf_member_name(s, k, op.ref.member, sizeof(op.ref.member));
			seen(d, state, &op, &value);
			if (value && store_record_parse_value(value, 0, &cur, NULL, &m) < 0)
				cur = HEALTH_OVERRIDE_NONE;
			free(value);
			/* the control API's policy: a drain replaces a force, an undrain keeps it
			 */
			int o = health_override_after(
			    drain ? HEALTH_ACTION_DRAIN : HEALTH_ACTION_UNDRAIN, cur);
			if (o < 0 || cur == HEALTH_OVERRIDE_UP || cur == HEALTH_OVERRIDE_DOWN)
				forced++;
			if (o < 0 || (enum health_override)o == cur)
				continue;
			if (n == cap) {
				struct store_op *no =
				    realloc(ops, (cap = cap ? cap * 2 : 16) * sizeof(*no));

				if (!no) {
					fprintf(stderr, "gslbctl: out of memory\n");
					goto out;
				}
				ops = no;
			}
			op.o = (enum health_override)o;
			ops[n++] = op;
		}
	}
	rev = 0;
	rc = n ? write_ops(d, ops, n, &rev) : 0;
	if (rc == 0 && d->json) {
		json_t *j = json_pack("{s:s,s:I,s:I}", "region", region, "members",
				      (json_int_t)members, "changed", (json_int_t)n);

		if (forced)
			json_object_set_new(j, drain ? "forced_replaced" : "forced_kept",
					    json_integer((json_int_t)forced));
		print_json(j, rev);
	} else if (rc == 0) {
		printf("region %s: %sed, %zu members, %zu changed", region,
		       drain ? "drain" : "undrain", members, n);
		if (forced)
			printf(", %zu forced up/down %s", forced,
			       drain ? "now drained (undrain-region will not restore the force)"
				     : "kept");
		if (n)
			printf(" (etcd revision %lld)", (long long)rev);
		printf("\n");
	}
out:
	json_decref(state);
	free(ops);
	return rc;
}

int direct_weight(const struct direct *d, char **args, int nargs)
{
	struct store_op op = {.is_weight = true, .weight = MEMBER_WEIGHT_CONFIG};
	const char *value = args[nargs - 1];
	char *cur;
	int64_t rev;
	int rc;

	if (strcmp(value, "clear") != 0) {
		char *end;
		unsigned long v = strtoul(value, &end, 10);

		if (value[0] < '0' || value[0] > '9' || *end != '\0' || v > 1000000) {
			fprintf(stderr, "gslbctl: weight '%s': want 0..1000000 or clear\n", value);
			return 1;
		}
		op.weight = (uint32_t)v;
	}
	if (nargs == 2) {
		op.wref.kind = HEALTH_WEIGHT_REGION;
		snprintf(op.wref.name, sizeof(op.wref.name), "%s", args[0]);
		if (d->have_cfg && !conf_has_region(d, args[0])) {
			fprintf(stderr, "gslbctl: %s: no region '%s'\n", d->conf, args[0]);
			return 1;
		}
	} else {
		op.wref.kind = HEALTH_WEIGHT_MEMBER;
		if (resolve_member(d, args[0], args[1], op.wref.service, op.wref.name,
				   sizeof(op.wref.name)))
			return 1;
	}
	if (read_seen(d, &op, &cur))
		return 1;
	free(cur);
	rev = 0;
	if (op.weight == MEMBER_WEIGHT_CONFIG && !strcmp(op.was, "config") && d->if_rev < 0)
		rc = 0; /* nothing to clear */
	else if ((rc = write_ops(d, &op, 1, &rev)) != 0)
		return rc;
	if (d->json) {
		json_t *j = json_pack("{s:s,s:s}", "kind", nargs == 2 ? "region" : "member", "name",
				      op.wref.name);

		if (nargs == 3)
			json_object_set_new(j, "service", json_string(args[0]));
		json_object_set_new(j, "weight",
				    op.weight == MEMBER_WEIGHT_CONFIG ? json_null()
								      : json_integer(op.weight));
		print_json(j, rev);
	} else if (rev == 0)
		printf("weight %s: the config's already (nothing written)\n", op.wref.name);
	else if (op.weight == MEMBER_WEIGHT_CONFIG)
		printf("%s %s: weight cleared: the config's again (etcd revision %lld)\n",
		       nargs == 2 ? "region" : args[0], op.wref.name, (long long)rev);
	else
		printf("%s %s: weight %u (etcd revision %lld)\n", nargs == 2 ? "region" : args[0],
		       op.wref.name, op.weight, (long long)rev);
	return rc;
}

json_t *direct_history(const struct direct *d)
{
	char *body = store_record_history_range(d->prefix, DIRECT_HISTORY);
	json_t *answer = body ? etcd("/v3/kv/range", body) : NULL, *out;
	size_t bad;

	free(body);
	if (!answer)
		return NULL;
	out = json_array();
	bad = store_record_history(d->prefix, answer, now_ms(), out);
	if (bad)
		fprintf(stderr,
			"gslbctl: %zu history records under %shistory/ do not parse: "
			"skipped\n",
			bad, d->prefix);
	json_decref(answer);
	return json_pack("{s:o,s:s}", "history", out, "source", "etcd");
}
