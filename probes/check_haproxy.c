/* SPDX-License-Identifier: Apache-2.0 */
/* check_haproxy.c — haproxy check: state and load of a proxy from HAProxy's stats CSV
 *
 * The check fetches url (the stats page with ";csv") and reads the row of
 * `proxy`: its BACKEND row, or its FRONTEND row for a frontend-only proxy.
 * Up when the status starts with "UP" (backend) or "OPEN" (frontend); the
 * load is scur * 1000 / slim in permille. Columns are found by name in the
 * header line, so the CSV's column set may grow between HAProxy versions.
 * A host name in the URL is resolved with the DNS client (the system's
 * resolvers) at the instance's first run, without blocking the loop; https
 * URLs are verified against the URL's host with the default CA store.
 */
#include "config.h"

#include "checks.h"

#include "conf_schema.h"
#include "haproxy_csv.h"

#include "dns_client.h"
#include "http_client.h"
#include "report.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define CSV_MAX_FIELDS 128

struct hap_params {
	char *url;   /* stats CSV URL (http:// or https://), required */
	char *proxy; /* pxname whose BACKEND row gives state and load */
};

/* Splits line[0..len) at commas into f (pointers into line, lengths in fl). HAProxy's CSV
 * does not quote fields. Returns the number of fields. */
static size_t split_fields(const char *line, size_t len, const char **f, size_t *fl)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= len && n < CSV_MAX_FIELDS; i++) {
		if (i == len || line[i] == ',') {
			f[n] = line + start;
			fl[n] = i - start;
			n++;
			start = i + 1;
		}
	}
	return n;
}

static bool field_is(const char *f, size_t fl, const char *s)
{
	return strlen(s) == fl && !memcmp(f, s, fl);
}

static long field_num(const char *f, size_t fl)
{
	long v = 0;

	if (fl == 0)
		return -1;
	for (size_t i = 0; i < fl; i++) {
		if (f[i] < '0' || f[i] > '9' || v > 100000000000L)
			return -1;
		v = v * 10 + (f[i] - '0');
	}
	return v;
}

int haproxy_csv_parse(const char *csv, size_t len, const char *proxy, struct haproxy_row *row)
{
	const char *f[CSV_MAX_FIELDS];
	size_t fl[CSV_MAX_FIELDS], nf;
	int c_px = -1, c_sv = -1, c_status = -1, c_scur = -1, c_slim = -1;
	const char *p = csv, *end = csv + len;
	bool have_front = false;
	struct haproxy_row front = {{0}};

	/* header: "# pxname,svname,..." */
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);

	if (ll && p[ll - 1] == '\r')
		ll--;
	if (ll < 2 || p[0] != '#')
		return -EBADMSG;
	p++;
	ll--;
	while (ll && *p == ' ') {
		p++;
		ll--;
	}
	nf = split_fields(p, ll, f, fl);
	for (size_t i = 0; i < nf; i++) {
		if (field_is(f[i], fl[i], "pxname"))
			c_px = (int)i;
		else if (field_is(f[i], fl[i], "svname"))
			c_sv = (int)i;
		else if (field_is(f[i], fl[i], "status"))
			c_status = (int)i;
		else if (field_is(f[i], fl[i], "scur"))
			c_scur = (int)i;
		else if (field_is(f[i], fl[i], "slim"))
			c_slim = (int)i;
	}
	if (c_px < 0 || c_sv < 0 || c_status < 0 || c_scur < 0 || c_slim < 0)
		return -EBADMSG;
	p = nl ? nl + 1 : end;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (ll && p[ll - 1] == '\r')
			ll--;
		nf = split_fields(p, ll, f, fl);
		p = nl ? nl + 1 : end;
		if ((int)nf <= c_px || (int)nf <= c_sv || (int)nf <= c_status ||
		    (int)nf <= c_scur || (int)nf <= c_slim || !field_is(f[c_px], fl[c_px], proxy))
			continue;
		bool back = field_is(f[c_sv], fl[c_sv], "BACKEND");
		if (!back && !field_is(f[c_sv], fl[c_sv], "FRONTEND"))
			continue;
		struct haproxy_row r = {.frontend = !back};
		size_t sl =
		    fl[c_status] < sizeof(r.status) - 1 ? fl[c_status] : sizeof(r.status) - 1;
		long scur = field_num(f[c_scur], fl[c_scur]),
		     slim = field_num(f[c_slim], fl[c_slim]);

		memcpy(r.status, f[c_status], sl);
		r.status[sl] = '\0';
		r.up = back ? !strncmp(r.status, "UP", 2) : !strncmp(r.status, "OPEN", 4);
		r.load_permille = REPORT_UNKNOWN;
		if (scur >= 0 && slim > 0) {
			long long l = (long long)scur * 1000 / slim;

			r.load_permille = l >= REPORT_UNKNOWN ? REPORT_UNKNOWN - 1 : (uint32_t)l;
		}
		if (back) {
			*row = r;
			return 0;
		}
		if (!have_front) {
			front = r;
			have_front = true;
		}
	}
	if (!have_front)
		return -ENOENT;
	*row = front;
	return 0;
}

/* Kept between runs: the URL, its address once resolved, and the client resolving it. */
struct hap_priv {
	struct http_url url;
	const char *proxy;
	bool resolved;
	bool resolving;
	struct sockaddr_storage ss;
	socklen_t sslen;
	char hosthdr[HTTP_URL_HOST_MAX + 8];
	struct dns_client *dns; /* the system's resolvers; NULL for an address literal */
	struct http_client *h;	/* the fetch in flight */
};

static void hap_cb(void *arg, const struct http_response *resp)
{
	struct check_inst *ci = arg;
	struct hap_priv *hp = ci->priv;
	struct haproxy_row row;
	char reason[256];
	bool ok = false;
	uint32_t load = REPORT_UNKNOWN;
	int r;

	if (resp->err) {
		snprintf(reason, sizeof(reason), "stats: %s", resp->err);
	} else if (resp->status != 200) {
		snprintf(reason, sizeof(reason), "stats: status %d", resp->status);
	} else if ((r = haproxy_csv_parse(resp->body, resp->len, hp->proxy, &row)) < 0) {
		snprintf(reason, sizeof(reason), "stats: %s",
			 r == -ENOENT ? "proxy not found" : "not a stats CSV");
	} else {
		load = row.load_permille;
		ok = row.up;
		snprintf(reason, sizeof(reason), "%s status %s",
			 row.frontend ? "frontend" : "backend", row.status);
	}
	hp->h = NULL; /* the client frees itself after this callback */
	ci->run = NULL;
	check_done(ci, ok, load, ok ? NULL : reason);
}

static int fetch(struct check_inst *ci, struct hap_priv *hp, char *reason, size_t reasonlen)
{
	struct http_request req = {
	    .host = hp->hosthdr,
	    .sa = (const struct sockaddr *)&hp->ss,
	    .salen = hp->sslen,
	    .path = hp->url.path,
	    .tls = hp->url.tls,
	    .verify = true,
	    .sni = hp->url.host,
	    .max_body = CHECK_MAX_BODY,
	    .timeout = ci->ck->timeout + 1.0, /* the scheduler's deadline comes first */
	};

	ci->run = hp;
	hp->h = http_client_start(&ci->env->http, &req, hap_cb, ci, reason, reasonlen);
	if (!hp->h) {
		ci->run = NULL;
		return -EIO;
	}
	return 0;
}

static void resolved_cb(void *arg, const struct sockaddr *sa, socklen_t len, const char *err)
{
	struct check_inst *ci = arg;
	struct hap_priv *hp = ci->priv;
	char reason[256];
	char why[384];

	hp->resolving = false;
	if (sa && len <= sizeof(hp->ss)) {
		memcpy(&hp->ss, sa, len);
		hp->sslen = len;
		hp->resolved = true;
	}
	if (ci->run != hp)
		return; /* the run timed out meanwhile; the next one uses the address */
	if (!hp->resolved) {
		snprintf(why, sizeof(why), "cannot resolve %s: %s", hp->url.host,
			 err ? err : "address too long");
		ci->run = NULL;
		check_done(ci, false, REPORT_UNKNOWN, why);
		return;
	}
	if (fetch(ci, hp, reason, sizeof(reason)) < 0)
		check_done(ci, false, REPORT_UNKNOWN, reason);
}

static struct hap_priv *hap_new(struct check_inst *ci, char *reason, size_t reasonlen)
{
	struct hap_priv *hp = calloc(1, sizeof(*hp));
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
	struct addrinfo *ai = NULL;
	char err[128], port[8];

	if (!hp) {
		snprintf(reason, reasonlen, "out of memory");
		return NULL;
	}
	const struct hap_params *p = ci->ck->params;

	hp->proxy = p->proxy;
	if (http_url_parse(p->url, &hp->url, err, sizeof(err)) < 0) {
		free(hp);
		snprintf(reason, reasonlen, "bad url");
		return NULL;
	}
	snprintf(hp->hosthdr, sizeof(hp->hosthdr), strchr(hp->url.host, ':') ? "[%s]:%u" : "%s:%u",
		 hp->url.host, hp->url.port);
	snprintf(port, sizeof(port), "%u", hp->url.port);
	/* An address literal needs no resolver (and never blocks). */
	if (getaddrinfo(hp->url.host, port, &hints, &ai) == 0 && ai) {
		memcpy(&hp->ss, ai->ai_addr, ai->ai_addrlen);
		hp->sslen = ai->ai_addrlen;
		hp->resolved = true;
	}
	if (ai)
		freeaddrinfo(ai);
	return hp;
}

static int hap_start(struct check_inst *ci, char *reason, size_t reasonlen)
{
	struct hap_priv *hp = ci->priv;
	char err[128];

	if (!hp) {
		hp = hap_new(ci, reason, reasonlen);
		if (!hp)
			return -EINVAL;
		ci->priv = hp;
	}
	if (hp->resolved)
		return fetch(ci, hp, reason, reasonlen);
	if (!hp->dns) {
		hp->dns = dns_client_new(ci->env->base, NULL, 0, ci->ck->timeout, err, sizeof(err));
		if (!hp->dns) {
			snprintf(reason, reasonlen, "no resolver");
			return -EHOSTUNREACH;
		}
	}
	ci->run = hp;
	if (!hp->resolving) {
		hp->resolving = true;
		/* may answer at once (/etc/hosts): resolved_cb then ends the run */
		if (dns_client_resolve(hp->dns, hp->url.host, hp->url.port, resolved_cb, ci) < 0) {
			hp->resolving = false;
			ci->run = NULL;
			snprintf(reason, reasonlen, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

static void hap_cancel(struct check_inst *ci)
{
	struct hap_priv *hp = ci->priv;

	ci->run = NULL;
	if (!hp)
		return;
	http_client_cancel(hp->h);
	hp->h = NULL;
}

static void hap_release(struct check_inst *ci)
{
	struct hap_priv *hp = ci->priv;

	hap_cancel(ci);
	ci->priv = NULL;
	if (!hp)
		return;
	dns_client_free(hp->dns); /* a lookup still pending calls nothing back */
	free(hp);
}

static const struct check_ops hap_ops = {
    .start = hap_start,
    .cancel = hap_cancel,
    .release = hap_release,
};

static const struct conf_item hap_keys[] = {
    {"url", CT_STRING, CONF_REQUIRED, FIELD(struct hap_params, url), .def_str = ""},
    {"proxy", CT_STRING, CONF_REQUIRED, FIELD(struct hap_params, proxy), .def_str = ""},
    {NULL},
};

/* The URL is parsed as the check will parse it, so that -t rejects what would fail later. */
static void hap_validate(struct conf_ctx *x, struct conf_check *ck, const config_setting_t *e,
			 const char *path)
{
	const struct hap_params *p = ck->params;
	const config_setting_t *m = config_setting_get_member(e, "url");
	char kpath[CONF_PATHLEN], why[128];
	struct http_url u;

	ck->port = 0; /* the member's address is not what the check asks */
	if (m && http_url_parse(p->url, &u, why, sizeof(why)) < 0) {
		conf_join_path(kpath, sizeof(kpath), path, "url");
		conf_err(x, m, kpath,
			 "bad URL \"%s\": %s (want http://host[:port]/path or https://...)", p->url,
			 why);
	}
	m = config_setting_get_member(e, "proxy");
	if (m && p->proxy[0] == '\0') {
		conf_join_path(kpath, sizeof(kpath), path, "proxy");
		conf_err(x, m, kpath, "empty proxy name");
	}
}

const struct conf_check_type check_haproxy_type = {
    .name = "haproxy",
    .keys = hap_keys,
    .params_size = sizeof(struct hap_params),
    .validate = hap_validate,
    .ops = &hap_ops,
    .flags = CONF_CHECK_WHOLE_MEMBER | CONF_CHECK_LOAD,
};
