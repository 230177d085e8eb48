/* SPDX-License-Identifier: Apache-2.0 */
/* check_http.c — http and https checks: GET path, status == expect, optional body substring */
#include "config.h"

#include "checks.h"

#include "conf_schema.h"
#include "http_client.h"
#include "report.h"

#include <openssl/x509_vfy.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The client's own deadline stays behind the scheduler's, which ends a run that is late. */
#define CHECK_HTTP_SLACK 1.0

struct http_params {
	uint16_t port;
	char *path;	/* request path, default "/" */
	char *host;	/* Host header; "" = the member address */
	int expect;	/* expected status, default 200, 100..599 */
	char *body;	/* substring the body must contain; "" = any */
	bool keepalive; /* reuse one connection per target across runs; default true */
	bool verify;	/* https: verify the certificate chain and name; default true */
	char *sni;	/* https: server name sent and verified; "" = host, if any */
	char *ca_file;	/* https: PEM CAs to verify against; NULL = the system's store */
	struct x509_store_st *ca_store; /* ca_file's CAs, read at load time */
};

const struct conf_check_type check_https_type;

static void http_cb(void *arg, const struct http_response *r)
{
	struct check_inst *ci = arg;
	const struct http_params *p = ci->ck->params;
	char reason[256];
	bool ok = false;

	if (r->err)
		snprintf(reason, sizeof(reason), "%s", r->err);
	else if (r->status != p->expect)
		snprintf(reason, sizeof(reason), "status %d, want %d", r->status, p->expect);
	else if (p->body[0] && !strstr(r->body, p->body))
		snprintf(reason, sizeof(reason), "body lacks \"%s\"", p->body);
	else
		ok = true;
	ci->run = NULL; /* the client frees itself after this callback */
	check_done(ci, ok, REPORT_UNKNOWN, ok ? NULL : reason);
}

static int http_start(struct check_inst *ci, char *reason, size_t reasonlen)
{
	const struct http_params *p = ci->ck->params;
	/* Host: the configured one, else the address (and port); sni defaults to host; with
	 * neither, the certificate must name the address. */
	struct http_request req = {
	    .host = p->host,
	    .sa = (const struct sockaddr *)&ci->ss,
	    .salen = ci->sslen,
	    .path = p->path,
	    .tls = ci->ck->type == &check_https_type,
	    .verify = p->verify,
	    .sni = p->sni,
	    .ca_store = p->ca_store,
	    .max_body = CHECK_MAX_BODY,
	    .timeout = ci->ck->timeout + CHECK_HTTP_SLACK,
	};

	/* One kept connection per instance (target): no connect or TLS handshake per run,
	 * which is what makes 0.1-0.2 s intervals cheap. */
	if (p->keepalive && !ci->priv)
		ci->priv = http_keepalive_new();
	req.keep = p->keepalive ? ci->priv : NULL; /* a reload may have turned it off */

	ci->run = http_client_start(&ci->env->http, &req, http_cb, ci, reason, reasonlen);
	return ci->run ? 0 : -EIO;
}

static void http_cancel(struct check_inst *ci)
{
	http_client_cancel(ci->run);
	ci->run = NULL;
}

static void http_inst_release(struct check_inst *ci)
{
	http_keepalive_free(ci->priv);
	ci->priv = NULL;
}

static const struct check_ops http_ops = {
    .start = http_start,
    .cancel = http_cancel,
    .release = http_inst_release,
};

static void store_http_path(struct conf_ctx *x, const struct conf_item *it,
			    const config_setting_t *s, char *base, const char *path)
{
	const char *v = config_setting_get_string(s);

	if (v[0] != '/' || strpbrk(v, " \t\r\n")) {
		conf_err(x, s, path, "bad path \"%s\" (want /... without white space)", v);
		return;
	}
	conf_store_string(x, it, s, base, path);
}

#define HTTP_KEYS                                                                                  \
	{"port", CT_INT, CONF_REQUIRED, FIELD(struct http_params, port), .min = 1, .max = 65535},  \
	    {"path", CT_STRING, FIELD(struct http_params, path), .def_str = "/",                   \
	     .store = store_http_path},                                                            \
	    {"host", CT_STRING, FIELD(struct http_params, host), .def_str = ""},                   \
	    {"expect",	 CT_INT,     FIELD(struct http_params, expect),                            \
	     .min = 100, .max = 599, .def_int = 200},                                              \
	    {"keepalive", CT_BOOL, FIELD(struct http_params, keepalive), .def_int = 1},            \
	{                                                                                          \
		"body", CT_STRING, FIELD(struct http_params, body), .def_str = ""                  \
	}

static const struct conf_item http_keys[] = {
    HTTP_KEYS,
    {NULL},
};

static const struct conf_item https_keys[] = {
    HTTP_KEYS,
    {"verify", CT_BOOL, FIELD(struct http_params, verify), .def_int = 1},
    {"sni", CT_STRING, FIELD(struct http_params, sni), .def_str = ""},
    {"ca_file", CT_STRING, FIELD(struct http_params, ca_file), .store = conf_store_path},
    {NULL},
};

static void http_validate(struct conf_ctx *x, struct conf_check *ck, const config_setting_t *e,
			  const char *path)
{
	struct http_params *p = ck->params;
	char kpath[CONF_PATHLEN];

	ck->port = p->port;
	if (!p->ca_file)
		return;
	/* Read once here, so that a bad file fails the load (gslb-probe -t too), and shared by
	 * every instance of the check. */
	p->ca_store = X509_STORE_new();
	if (!p->ca_store || !X509_STORE_load_file(p->ca_store, p->ca_file)) {
		conf_join_path(kpath, sizeof(kpath), path, "ca_file");
		conf_err(x, config_setting_get_member(e, "ca_file"), kpath,
			 "no CA certificate read from \"%s\" (want PEM)", p->ca_file);
	}
}

static void http_release(void *params)
{
	struct http_params *p = params;

	X509_STORE_free(p->ca_store);
	p->ca_store = NULL;
}

const struct conf_check_type check_http_type = {
    .name = "http",
    .keys = http_keys,
    .params_size = sizeof(struct http_params),
    .validate = http_validate,
    .ops = &http_ops,
};

const struct conf_check_type check_https_type = {
    .name = "https",
    .keys = https_keys,
    .params_size = sizeof(struct http_params),
    .validate = http_validate,
    .release = http_release,
    .ops = &http_ops,
};
