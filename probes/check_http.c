/* SPDX-License-Identifier: Apache-2.0 */
/* check_http.c — http and https checks: GET path, status == expect, optional body substring */
#include "config.h"

#include "checks.h"

#include "http_client.h"
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The client's own deadline stays behind the scheduler's, which ends a run that is late. */
#define CHECK_HTTP_SLACK 1.0

static void http_cb(void *arg, const struct http_response *r)
{
	struct check_inst *ci = arg;
	const struct conf_check *ck = ci->ck;
	char reason[256];
	bool ok = false;

	if (r->err)
		snprintf(reason, sizeof(reason), "%s", r->err);
	else if (r->status != ck->expect)
		snprintf(reason, sizeof(reason), "status %d, want %d", r->status, ck->expect);
	else if (ck->body[0] && !strstr(r->body, ck->body))
		snprintf(reason, sizeof(reason), "body lacks \"%s\"", ck->body);
	else
		ok = true;
	ci->run = NULL; /* the client frees itself after this callback */
	check_done(ci, ok, REPORT_UNKNOWN, ok ? NULL : reason);
}

static int http_start(struct check_inst *ci, const char **reason)
{
	const struct conf_check *ck = ci->ck;
	/* Host: the configured one, else the address (and port); sni defaults to host; with
	 * neither, the certificate must name the address. */
	struct http_request req = {
	    .host = ck->host,
	    .sa = (const struct sockaddr *)&ci->ss,
	    .salen = ci->sslen,
	    .path = ck->path,
	    .tls = ck->type == CONF_CHECK_HTTPS,
	    .verify = ck->verify,
	    .sni = ck->sni,
	    .ca_store = ci->ca_store,
	    .max_body = CHECK_MAX_BODY,
	    .timeout = ck->timeout + CHECK_HTTP_SLACK,
	};

	ci->run = http_client_start(&ci->env->http, &req, http_cb, ci, reason);
	return ci->run ? 0 : -EIO;
}

static void http_cancel(struct check_inst *ci)
{
	http_client_cancel(ci->run);
	ci->run = NULL;
}

const struct check_ops check_http_ops = {
    .start = http_start,
    .cancel = http_cancel,
};
