/* SPDX-License-Identifier: Apache-2.0 */
/* check_tcp.c — tcp check: the connection is established within the timeout */
#include "config.h"

#include "checks.h"

#include "conf_schema.h"

#include "report.h"

#include <event2/bufferevent.h>
#include <event2/event.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tcp_run {
	struct bufferevent *bev;
	bool starting; /* inside bufferevent_socket_connect: report through its return */
};

static void tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct check_inst *ci = arg;
	struct tcp_run *r = ci->run;
	char reason[128];
	bool ok = what & BEV_EVENT_CONNECTED;
	int err = EVUTIL_SOCKET_ERROR();

	if (r->starting)
		return;
	if (!ok)
		snprintf(reason, sizeof(reason), "connect: %s",
			 err ? evutil_socket_error_to_string(err) : "failed");
	bufferevent_free(r->bev);
	free(r);
	ci->run = NULL;
	check_done(ci, ok, REPORT_UNKNOWN, ok ? NULL : reason);
}

static int tcp_start(struct check_inst *ci, char *reason, size_t reasonlen)
{
	struct tcp_run *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(reason, reasonlen, "out of memory");
		return -ENOMEM;
	}
	r->bev = bufferevent_socket_new(ci->env->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!r->bev) {
		free(r);
		snprintf(reason, reasonlen, "cannot create a bufferevent");
		return -ENOMEM;
	}
	ci->run = r;
	bufferevent_setcb(r->bev, NULL, NULL, tcp_event_cb, ci);
	r->starting = true;
	if (bufferevent_socket_connect(r->bev, (const struct sockaddr *)&ci->ss, (int)ci->sslen) !=
	    0) {
		bufferevent_free(r->bev);
		free(r);
		ci->run = NULL;
		snprintf(reason, reasonlen, "connect failed");
		return -EIO;
	}
	r->starting = false;
	return 0;
}

static void tcp_cancel(struct check_inst *ci)
{
	struct tcp_run *r = ci->run;

	if (!r)
		return;
	bufferevent_free(r->bev);
	free(r);
	ci->run = NULL;
}

static const struct check_ops tcp_ops = {
    .start = tcp_start,
    .cancel = tcp_cancel,
};

struct tcp_params {
	uint16_t port;
};

static const struct conf_item tcp_keys[] = {
    {"port", CT_INT, CONF_REQUIRED, FIELD(struct tcp_params, port), .min = 1, .max = 65535},
    {NULL},
};

static void tcp_validate(struct conf_ctx *x, struct conf_check *ck, const config_setting_t *e,
			 const char *path)
{
	ck->port = ((const struct tcp_params *)ck->params)->port;
}

const struct conf_check_type check_tcp_type = {
    .name = "tcp",
    .keys = tcp_keys,
    .params_size = sizeof(struct tcp_params),
    .validate = tcp_validate,
    .ops = &tcp_ops,
};
