/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_http_response.c — libFuzzer target: the HTTP client's response handling, end to end
 *
 * An HTTP response comes from whatever answers at a checked URL: outside
 * input, parsed by libevent's evhttp behind http_client. Each input is served
 * as the whole response by a loopback listener on the same event loop to one
 * http_client_start() request, then the server side shuts its write half. The
 * asserts check the client's contract: the callback runs exactly once, with
 * status 0 (and a reason) or 100..599, and a body within max_body and
 * NUL-terminated.
 */
#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_client.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_BODY 1024 /* small, so that the limit is reached */

static struct event_base *base;
static struct http_client_env env;
static struct evconnlistener *listener;
static struct sockaddr_in addr;

static const uint8_t *resp;
static size_t resp_len;
static int server_fd = -1;
static int calls;

/* The server: the whole response at once (the socket buffer takes it), then EOF. */
static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
		      void *arg)
{
	size_t off = 0;

	(void)l;
	(void)sa;
	(void)salen;
	(void)arg;
	evutil_make_socket_nonblocking(fd);
	while (off < resp_len) {
		ssize_t n = write(fd, resp + off, resp_len - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	/* closed after the exchange: closing with the request unread would reset */
	server_fd = fd;
}

static void done_cb(void *arg, const struct http_response *r)
{
	(void)arg;
	calls++;
	assert(r->status == 0 || (r->status >= 100 && r->status <= 599));
	assert(r->status != 0 || r->err != NULL);
	assert(r->body != NULL && r->len <= FUZZ_MAX_BODY && r->body[r->len] == '\0');
	if (r->status != 0)
		(void)http_response_header(r, "Content-Type");
	event_base_loopbreak(base);
}

static void setup(void)
{
	socklen_t alen = sizeof(addr);
	char err[256];

	gslb_log_level = LOG_LVL_ERR;
	base = event_base_new();
	if (!base || http_client_env_init(&env, base, err, sizeof(err)) != 0)
		abort();
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = evconnlistener_new_bind(base, accept_cb, NULL,
					   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 64,
					   (struct sockaddr *)&addr, sizeof(addr));
	if (!listener ||
	    getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&addr, &alen) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req = {
	    .host = "fuzz.example",
	    .sa = (const struct sockaddr *)&addr,
	    .salen = sizeof(addr),
	    .path = "/",
	    .max_body = FUZZ_MAX_BODY,
	    .timeout = 2.0, /* evhttp ends every input at EOF; this only bounds a bug */
	};
	char err[128];

	if (!base)
		setup();
	resp = data;
	resp_len = size;
	calls = 0;
	if (!http_client_start(&env, &req, done_cb, NULL, err, sizeof(err)))
		abort();
	event_base_dispatch(base);
	/* once more without blocking: a second call would show here */
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert(calls == 1);
	if (server_fd != -1) {
		close(server_fd);
		server_fd = -1;
	}
	return 0;
}
