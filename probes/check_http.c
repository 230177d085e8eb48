/* SPDX-License-Identifier: Apache-2.0 */
/* check_http.c — http and https checks: GET path, status == expect, optional body substring */
#include "config.h"

#include "checks.h"

#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct http_run {
	struct httpc *h;
	char host[CHECK_NAME_TEXT];
};

static void http_cb(void *arg, int status, const char *body, size_t len, const char *err)
{
	struct check_inst *ci = arg;
	struct http_run *r = ci->run;
	const struct conf_check *ck = ci->ck;
	char reason[256];
	bool ok = false;

	if (err)
		snprintf(reason, sizeof(reason), "%s", err);
	else if (status != ck->expect)
		snprintf(reason, sizeof(reason), "status %d, want %d", status, ck->expect);
	else if (ck->body[0] && !strstr(body, ck->body))
		snprintf(reason, sizeof(reason), "body lacks \"%s\"", ck->body);
	else
		ok = true;
	httpc_free(r->h);
	free(r);
	ci->run = NULL;
	check_done(ci, ok, REPORT_UNKNOWN, ok ? NULL : reason);
}

static int http_start(struct check_inst *ci, const char **reason)
{
	const struct conf_check *ck = ci->ck;
	struct http_run *r = calloc(1, sizeof(*r));
	bool tls = ck->type == CONF_CHECK_HTTPS;
	const char *name;

	if (!r) {
		*reason = "out of memory";
		return -ENOMEM;
	}
	if (ck->host[0])
		snprintf(r->host, sizeof(r->host), "%s", ck->host);
	else if (ck->port == (tls ? 443 : 80))
		snprintf(r->host, sizeof(r->host), ci->family == 6 ? "[%s]" : "%s", ci->addr_text);
	else
		snprintf(r->host, sizeof(r->host), ci->family == 6 ? "[%s]:%u" : "%s:%u",
			 ci->addr_text, ck->port);
	/* sni defaults to host; with neither, the certificate must name the address. */
	name = ck->sni[0] ? ck->sni : ck->host;
	struct httpc_req req = {
	    .sa = (const struct sockaddr *)&ci->ss,
	    .salen = ci->sslen,
	    .tls = tls,
	    .verify = ck->verify,
	    .sni = name,
	    .verify_name = name,
	    .ca_store = ci->ca_store,
	    .host = r->host,
	    .path = ck->path,
	};
	ci->run = r;
	r->h = httpc_get(ci->env, &req, http_cb, ci, reason);
	if (!r->h) {
		free(r);
		ci->run = NULL;
		return -EIO;
	}
	return 0;
}

static void http_cancel(struct check_inst *ci)
{
	struct http_run *r = ci->run;

	if (!r)
		return;
	httpc_free(r->h);
	free(r);
	ci->run = NULL;
}

const struct check_ops check_http_ops = {
    .start = http_start,
    .cancel = http_cancel,
};
