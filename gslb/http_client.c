/* SPDX-License-Identifier: Apache-2.0 */
/* http_client.c — the one HTTP client: evhttp over (TLS) bufferevents, and the one URL parser
 *
 * One request is one evhttp_connection of its own, freed with the request,
 * unless the caller keeps connections (struct http_keepalive): then a request
 * borrows the kept evhttp_connection and gives it back after a whole response,
 * if evhttp still has it connected (its close callback says when the server
 * closed it). evhttp never reconnects a kept connection itself: a closed one is
 * freed and a fresh one made, the same way as without keep-alive. Lifetimes: evhttp frees the
 * evhttp_request itself after our completion callback returns, and evhttp_connection_free frees any
 * request still queued without calling it; so we never free a request, copy what the caller needs
 * during the callback, and free the connection either from our own timer (timeout, cancel) or at
 * the end of evhttp's callback, after which evhttp no longer touches the connection (no AUTOFREE
 * flag).
 */
#include "config.h"

#include "http_client.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#define HTTP_CLIENT_MAX_BODY (1u << 20)
#define HTTP_CLIENT_TIMEOUT 5.0
#define HTTP_CLIENT_MAX_HEADERS (64 << 10)
#define HTTP_CLIENT_ADDR_TEXT 64

/* ---- URL ---- */

/* The port digits of url's authority, for a reason evhttp_uri_parse does not give. */
static bool port_out_of_range(const char *url)
{
	const char *a = strstr(url, "://"), *end, *colon;
	long port = 0;

	if (!a)
		return false;
	a += 3;
	end = a + strcspn(a, "/?#");
	if (*a == '[') {
		const char *rb = memchr(a, ']', (size_t)(end - a));

		if (!rb)
			return false;
		a = rb;
	}
	colon = memchr(a, ':', (size_t)(end - a));
	if (!colon || colon + 1 == end)
		return colon != NULL;
	for (const char *p = colon + 1; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		if (port <= 65535)
			port = port * 10 + (*p - '0');
	}
	return port < 1 || port > 65535;
}

int http_url_parse(const char *url, struct http_url *u, char *err, size_t errlen)
{
	struct evhttp_uri *uri = evhttp_uri_parse(url);
	const char *scheme, *host, *path, *query;
	size_t hl;
	int port, ret = -EINVAL;

	memset(u, 0, sizeof(*u));
	if (!uri) {
		snprintf(err, errlen, "%s",
			 port_out_of_range(url) ? "port out of range" : "not a URL");
		return -EINVAL;
	}
	scheme = evhttp_uri_get_scheme(uri);
	host = evhttp_uri_get_host(uri);
	port = evhttp_uri_get_port(uri);
	path = evhttp_uri_get_path(uri);
	query = evhttp_uri_get_query(uri);
	if (!scheme || (strcasecmp(scheme, "http") && strcasecmp(scheme, "https"))) {
		snprintf(err, errlen, "scheme is not http or https");
		goto out;
	}
	u->tls = !strcasecmp(scheme, "https");
	if (evhttp_uri_get_userinfo(uri)) {
		snprintf(err, errlen, "user info not allowed");
		goto out;
	}
	if (evhttp_uri_get_fragment(uri)) {
		snprintf(err, errlen, "fragment not allowed");
		goto out;
	}
	if (!host || !host[0]) {
		snprintf(err, errlen, "no host");
		goto out;
	}
	hl = strlen(host);
	if (host[0] == '[') { /* evhttp keeps the brackets of an IP literal */
		host++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(u->host)) {
		snprintf(err, errlen, hl ? "host too long" : "no host");
		goto out;
	}
	memcpy(u->host, host, hl);
	u->host[hl] = '\0';
	if (port == 0 || port > 65535) {
		snprintf(err, errlen, "port out of range");
		goto out;
	}
	u->port = port < 0 ? (u->tls ? 443 : 80) : (uint16_t)port;
	if (snprintf(u->path, sizeof(u->path), "%s%s%s", path && path[0] ? path : "/",
		     query ? "?" : "", query ? query : "") >= (int)sizeof(u->path)) {
		snprintf(err, errlen, "path too long");
		goto out;
	}
	ret = 0;
out:
	evhttp_uri_free(uri);
	return ret;
}

/* ---- environment ---- */

int http_client_env_init(struct http_client_env *env, struct event_base *base, char *err,
			 size_t errlen)
{
	memset(env, 0, sizeof(*env));
	env->base = base;
	env->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (!env->ssl_ctx || !SSL_CTX_set_default_verify_paths(env->ssl_ctx) ||
	    !SSL_CTX_set_min_proto_version(env->ssl_ctx, TLS1_2_VERSION)) {
		SSL_CTX_free(env->ssl_ctx);
		env->ssl_ctx = NULL;
		snprintf(err, errlen, "cannot set up OpenSSL");
		return -1;
	}
	return 0;
}

void http_client_env_release(struct http_client_env *env)
{
	SSL_CTX_free(env->ssl_ctx);
	env->ssl_ctx = NULL;
}

/* ---- kept connections ---- */

struct http_keepalive {
	struct evhttp_connection *evcon; /* idle and connected, or NULL */
	bool busy;			 /* a request has borrowed the connection */
	bool closed;			 /* evhttp closed the borrowed connection */
	bool freed;			 /* http_keepalive_free while busy: the request frees k */
	uint64_t connects;
};

struct http_keepalive *http_keepalive_new(void)
{
	return calloc(1, sizeof(struct http_keepalive));
}

uint64_t http_keepalive_connects(const struct http_keepalive *k)
{
	return k->connects;
}

/* evhttp's close callback of a kept connection: the server closed it (or evhttp did after a
 * "Connection: close" or an error). Runs inside evhttp: only marks. */
static void keep_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct http_keepalive *k = arg;

	if (k->busy)
		k->closed = true;
	else if (k->evcon == evcon)
		k->closed = true; /* idle: freed at the next request or with k */
}

static void keep_drop(struct http_keepalive *k)
{
	if (!k->evcon)
		return;
	evhttp_connection_set_closecb(k->evcon, NULL, NULL);
	evhttp_connection_free(k->evcon);
	k->evcon = NULL;
}

void http_keepalive_free(struct http_keepalive *k)
{
	if (!k)
		return;
	keep_drop(k);
	if (k->busy)
		k->freed = true;
	else
		free(k);
}

/* ---- one request ---- */

/* What a retry on a fresh connection needs: the request as first sent. */
struct req_copy {
	enum evhttp_cmd_type method;
	char *path;
	char *host; /* req->host, for TLS */
	char *sni;
	bool tls;
	struct x509_store_st *ca_store;
	struct evkeyvalq headers;
	struct evbuffer *body;
	char ip[HTTP_CLIENT_ADDR_TEXT];
	uint16_t port;
	double timeout;
	size_t max_body;
};

struct http_client {
	struct evhttp_connection *evcon;
	const struct http_client_env *env;
	struct http_keepalive *keep; /* NULL: the connection is closed with the request */
	bool reused;		     /* evcon came from keep: a failure before a response retries */
	bool good;		     /* a whole response arrived: evcon may be kept */
	bool connecting;	     /* evcon is fresh: wrap its connect callback once sent */
	struct req_copy rc;
	struct evhttp_request *req; /* owned by evcon until it completes */
	SSL *ssl;		    /* owned by the bufferevent */
	bool verify;
	struct event *timer; /* the whole exchange's deadline */
	http_client_cb cb;
	void *arg;
	void (*on_chunk)(void *arg, int status, const char *data, size_t len);
	bool in_cb; /* the caller's callback is running: cancel is a no-op */
	/* what evhttp told us before the completion callback */
	bool have_req_error;
	enum evhttp_request_error req_error;
	int sock_error;			 /* errno of a failed connect, else 0 */
	unsigned long tls_error;	 /* OpenSSL error of a failed handshake, else 0 */
	bufferevent_event_cb connect_cb; /* evhttp's, wrapped by connect_event_cb */
	char err[256];
};

const char *http_response_header(const struct http_response *r, const char *name)
{
	return r->priv_ ? evhttp_find_header((struct evkeyvalq *)r->priv_, name) : NULL;
}

static void close_evcon(struct http_client *h)
{
	if (!h->evcon)
		return;
	evhttp_connection_set_closecb(h->evcon, NULL, NULL);
	evhttp_connection_free(h->evcon); /* and a request still queued, and the SSL */
	h->evcon = NULL;
}

static void client_free(struct http_client *h)
{
	struct http_keepalive *k = h->keep;

	if (k) {
		k->busy = false;
		if (k->freed) {
			close_evcon(h);
			free(k);
		} else if (h->good && !k->closed && h->evcon) {
			keep_drop(k); /* cannot be set: only one borrows; be safe */
			k->evcon = h->evcon;
			h->evcon = NULL;
		}
	}
	close_evcon(h);
	if (h->timer)
		event_free(h->timer);
	evhttp_clear_headers(&h->rc.headers);
	if (h->rc.body)
		evbuffer_free(h->rc.body);
	free(h->rc.path);
	free(h->rc.host);
	free(h->rc.sni);
	free(h);
}

/* Calls the caller's callback once with r, then frees h. */
static void finish(struct http_client *h, struct http_response *r)
{
	event_del(h->timer);
	h->in_cb = true;
	h->cb(h->arg, r);
	client_free(h);
}

static void fail(struct http_client *h, const char *why)
{
	struct http_response r = {.err = why, .body = ""};

	finish(h, &r);
}

/* Why a TLS exchange failed, when it did in TLS; NULL otherwise. */
static const char *tls_reason(struct http_client *h)
{
	long vr;
	unsigned long e;

	if (!h->ssl)
		return NULL;
	vr = SSL_get_verify_result(h->ssl);
	if (h->verify && vr != X509_V_OK) {
		snprintf(h->err, sizeof(h->err), "tls: certificate verify failed: %s",
			 X509_verify_cert_error_string(vr));
		return h->err;
	}
	e = h->tls_error ? h->tls_error : ERR_peek_last_error();
	if (e) {
		char buf[160];

		ERR_error_string_n(e, buf, sizeof(buf));
		ERR_clear_error();
		snprintf(h->err, sizeof(h->err), "tls: %s", buf);
		return h->err;
	}
	return NULL;
}

static const char *failure_reason(struct http_client *h)
{
	const char *t = tls_reason(h);

	if (t)
		return t;
	if (h->sock_error == ECONNREFUSED)
		return "connection refused";
	if (h->sock_error) {
		snprintf(h->err, sizeof(h->err), "connect: %s", strerror(h->sock_error));
		return h->err;
	}
	if (!h->have_req_error)
		return "connection failed";
	switch (h->req_error) {
	case EVREQ_HTTP_TIMEOUT:
		return "timeout";
	case EVREQ_HTTP_DATA_TOO_LONG: /* also what evhttp says of a corrupt chunked body */
		return "response too large";
	case EVREQ_HTTP_INVALID_HEADER:
		return "bad response";
	case EVREQ_HTTP_EOF:
		return "connection closed";
	default:
		return "connection failed";
	}
}

static void request_error_cb(enum evhttp_request_error e, void *arg)
{
	struct http_client *h = arg;

	h->have_req_error = true;
	h->req_error = e;
}

/* evhttp's connect-phase event callback, wrapped: evhttp does not say why a connect or a
 * TLS handshake failed (it reads errno, then overwrites it while resetting), so keep the
 * reason first. h may be freed by evhttp's callback: nothing touches it after. */
static void connect_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct http_client *h = arg;
	bufferevent_event_cb ecb = h->connect_cb;
	int serr = EVUTIL_SOCKET_ERROR();

	if (!(what & BEV_EVENT_CONNECTED) && (what & BEV_EVENT_ERROR)) {
		h->tls_error = h->ssl ? bufferevent_get_openssl_error(bev) : 0;
		if (!h->tls_error)
			h->sock_error = serr;
	}
	bufferevent_setcb(bev, NULL, NULL, ecb, h->evcon);
	EVUTIL_SET_SOCKET_ERROR(serr);
	ecb(bev, what, h->evcon);
}

static bool retry_fresh(struct http_client *h);

static void request_done_cb(struct evhttp_request *req, void *arg)
{
	struct http_client *h = arg;
	struct http_response r = {.body = ""};
	struct evbuffer *in;
	char *body = NULL;

	h->req = NULL; /* evhttp frees it after this callback */
	if (!req || evhttp_request_get_response_code(req) == 0) {
		if (retry_fresh(h))
			return;
		fail(h, failure_reason(h));
		return;
	}
	/* evhttp takes any number for the status ("HTTP/1.1 2.4" is 2): callers are
	 * promised a real status, and a server that sends another one is broken. */
	if (evhttp_request_get_response_code(req) < 100 ||
	    evhttp_request_get_response_code(req) > 599) {
		fail(h, "bad status line");
		return;
	}
	in = evhttp_request_get_input_buffer(req);
	r.len = evbuffer_get_length(in);
	body = malloc(r.len + 1);
	if (!body) {
		fail(h, "out of memory");
		return;
	}
	evbuffer_copyout(in, body, r.len);
	body[r.len] = '\0';
	r.body = body;
	r.status = evhttp_request_get_response_code(req);
	r.priv_ = evhttp_request_get_input_headers(req);
	h->good = true;
	finish(h, &r);
	free(body);
}

/* A streamed response's piece: handed over, then dropped from the input buffer. */
static void chunk_cb(struct evhttp_request *req, void *arg)
{
	struct http_client *h = arg;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);

	if (n) {
		const char *p = (const char *)evbuffer_pullup(in, -1);

		h->on_chunk(h->arg, evhttp_request_get_response_code(req), p, n);
	}
	evbuffer_drain(in, n);
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	fail(arg, "timeout");
}

bool http_url_is_ip(const char *s)
{
	uint8_t a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

int http_url_sockaddr(const struct http_url *u, struct sockaddr_storage *sa, socklen_t *salen)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, u->host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(u->port);
		*salen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, u->host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(u->port);
		*salen = sizeof(*s6);
	} else {
		return -EINVAL;
	}
	return 0;
}

static bool is_ip(const char *s)
{
	return http_url_is_ip(s);
}

static int sa_text(const struct sockaddr *sa, char *ip, size_t iplen, uint16_t *port)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		*port = ntohs(s->sin_port);
		return inet_ntop(AF_INET, &s->sin_addr, ip, (socklen_t)iplen) ? 0 : -EINVAL;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		*port = ntohs(s->sin6_port);
		return inet_ntop(AF_INET6, &s->sin6_addr, ip, (socklen_t)iplen) ? 0 : -EINVAL;
	}
	return -EAFNOSUPPORT;
}

/* name without a ":port" suffix or IPv6 brackets, into out. */
static void strip_port(const char *name, char *out, size_t outlen)
{
	const char *end;

	if (name[0] == '[') {
		end = strchr(name, ']');
		snprintf(out, outlen, "%.*s", end ? (int)(end - name - 1) : 0, name + 1);
		return;
	}
	end = strchr(name, ':');
	if (end && strchr(end + 1, ':'))
		end = NULL; /* a bare IPv6 address */
	snprintf(out, outlen, "%.*s", end ? (int)(end - name) : (int)strlen(name), name);
}

static SSL *make_ssl(const struct http_client_env *env, const struct http_request *req,
		     const char *ip, char *err, size_t errlen)
{
	SSL *ssl = SSL_new(env->ssl_ctx);
	char name[HTTP_URL_HOST_MAX];

	if (!ssl) {
		snprintf(err, errlen, "tls: SSL_new failed");
		return NULL;
	}
	strip_port(req->sni && req->sni[0] ? req->sni
		   : req->host		   ? req->host
					   : "",
		   name, sizeof(name));
	if (!name[0])
		snprintf(name, sizeof(name), "%s", ip);
	/* RFC 6066: SNI carries host names only, never address literals. */
	if (!is_ip(name) && !SSL_set_tlsext_host_name(ssl, name))
		goto fail;
	if (req->verify) {
		X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);

		SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
		if (req->ca_store && !SSL_set1_verify_cert_store(ssl, req->ca_store))
			goto fail;
		if (is_ip(name)) {
			if (!X509_VERIFY_PARAM_set1_ip_asc(vp, name))
				goto fail;
		} else {
			X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			if (!SSL_set1_host(ssl, name))
				goto fail;
		}
	} else {
		SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	}
	return ssl;
fail:
	SSL_free(ssl);
	snprintf(err, errlen, "tls: setup failed");
	return NULL;
}

static enum evhttp_cmd_type method_of(const char *m)
{
	if (!m || !strcmp(m, "GET"))
		return EVHTTP_REQ_GET;
	if (!strcmp(m, "POST"))
		return EVHTTP_REQ_POST;
	if (!strcmp(m, "PUT"))
		return EVHTTP_REQ_PUT;
	if (!strcmp(m, "DELETE"))
		return EVHTTP_REQ_DELETE;
	if (!strcmp(m, "HEAD"))
		return EVHTTP_REQ_HEAD;
	return (enum evhttp_cmd_type)0;
}

/* The request's headers and body, once, into h->rc: every attempt sends a copy. */
static int copy_request(struct http_client *h, const struct http_request *req)
{
	struct evkeyvalq *out = &h->rc.headers;
	char host[HTTP_URL_HOST_MAX + 16];
	bool v6 = strchr(h->rc.ip, ':') != NULL;
	uint16_t port = h->rc.port;

	if (req->host && req->host[0])
		snprintf(host, sizeof(host), "%s", req->host);
	else if (port == (req->tls ? 443 : 80))
		snprintf(host, sizeof(host), v6 ? "[%s]" : "%s", h->rc.ip);
	else
		snprintf(host, sizeof(host), v6 ? "[%s]:%u" : "%s:%u", h->rc.ip, port);
	/* HTTP/1.1 keeps the connection by default: only "close" is said */
	if (evhttp_add_header(out, "Host", host) ||
	    (!req->keep && evhttp_add_header(out, "Connection", "close")) ||
	    evhttp_add_header(out, "User-Agent", PACKAGE_NAME "/" PACKAGE_VERSION))
		return -ENOMEM;
	if (evhttp_add_header(out, "Accept", "*/*"))
		return -ENOMEM;
	for (size_t i = 0; req->headers && req->headers[i] && req->headers[i + 1]; i += 2) {
		evhttp_remove_header(out, req->headers[i]);
		if (evhttp_add_header(out, req->headers[i], req->headers[i + 1]))
			return -ENOMEM;
	}
	h->rc.body = evbuffer_new();
	h->rc.path = strdup(req->path && req->path[0] ? req->path : "/");
	h->rc.host = strdup(req->host ? req->host : "");
	h->rc.sni = strdup(req->sni ? req->sni : "");
	if (!h->rc.body || !h->rc.path || !h->rc.host || !h->rc.sni ||
	    (req->body_len && evbuffer_add(h->rc.body, req->body, req->body_len)))
		return -ENOMEM;
	h->rc.tls = req->tls;
	h->rc.ca_store = req->ca_store;
	h->rc.max_body = req->max_body ? req->max_body : HTTP_CLIENT_MAX_BODY;
	return 0;
}

/* A fresh connection into h->evcon (counted in h->keep, if any). */
static int new_connection(struct http_client *h, char *err, size_t errlen)
{
	const struct http_request tr = {
	    .host = h->rc.host, .sni = h->rc.sni, .verify = h->verify, .ca_store = h->rc.ca_store};
	struct bufferevent *bev;

	h->ssl = NULL;
	h->sock_error = 0;
	h->tls_error = 0;
	h->have_req_error = false;
	/* Deferred callbacks: nothing runs inside http_client_start, and errno survives to
	 * ours. */
	if (h->rc.tls) {
		h->ssl = make_ssl(h->env, &tr, h->rc.ip, err, errlen);
		if (!h->ssl)
			return -1;
		bev = bufferevent_openssl_socket_new(
		    h->env->base, -1, h->ssl, BUFFEREVENT_SSL_CONNECTING,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		if (!bev)
			SSL_free(h->ssl);
		else /* servers that close without close_notify after a whole response */
			bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	} else {
		bev = bufferevent_socket_new(h->env->base, -1,
					     BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	}
	if (!bev) {
		h->ssl = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* ip is numeric: without a dns_base evhttp resolves it at once, without blocking */
	h->evcon =
	    evhttp_connection_base_bufferevent_new(h->env->base, NULL, bev, h->rc.ip, h->rc.port);
	if (!h->evcon) {
		bufferevent_free(bev);
		h->ssl = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	evhttp_connection_set_retries(h->evcon, 0);
	/* ours bounds the whole exchange; evhttp's only backs it up (and closes a kept
	 * connection idle that long) */
	evhttp_connection_set_timeout(h->evcon, (int)h->rc.timeout + 2);
	evhttp_connection_set_max_body_size(h->evcon, (ev_ssize_t)h->rc.max_body);
	evhttp_connection_set_max_headers_size(h->evcon, HTTP_CLIENT_MAX_HEADERS);
	h->connecting = true;
	if (h->keep) {
		h->keep->connects++;
		evhttp_connection_set_closecb(h->evcon, keep_close_cb, h->keep);
	}
	return 0;
}

/* Sends h->rc on h->evcon. */
static int send_request(struct http_client *h, char *err, size_t errlen)
{
	struct evhttp_request *er = evhttp_request_new(request_done_cb, h);
	struct evkeyvalq *out;
	struct evkeyval *kv;

	if (!er) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	evhttp_request_set_error_cb(er, request_error_cb);
	if (h->on_chunk) /* a stream: each piece to on_chunk as it comes */
		evhttp_request_set_chunked_cb(er, chunk_cb);
	out = evhttp_request_get_output_headers(er);
	TAILQ_FOREACH (kv, &h->rc.headers, next) {
		if (evhttp_add_header(out, kv->key, kv->value)) {
			evhttp_request_free(er);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (evbuffer_get_length(h->rc.body) &&
	    evbuffer_add(evhttp_request_get_output_buffer(er), evbuffer_pullup(h->rc.body, -1),
			 evbuffer_get_length(h->rc.body))) {
		evhttp_request_free(er);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* On failure evhttp has freed er, or left it queued on evcon, which frees it. */
	if (evhttp_make_request(h->evcon, er, h->rc.method, h->rc.path)) {
		snprintf(err, errlen, "cannot start the request");
		return -1;
	}
	h->req = er;
	if (h->connecting) { /* evhttp has set its connect callbacks now: wrap them */
		struct bufferevent *bev = evhttp_connection_get_bufferevent(h->evcon);

		bufferevent_getcb(bev, NULL, NULL, &h->connect_cb, NULL);
		bufferevent_setcb(bev, NULL, NULL, connect_event_cb, h);
		h->connecting = false;
	}
	return 0;
}

/* A request on a kept connection failed before any response: the server had closed it (an
 * idle timeout racing our request). Once, on a fresh connection, within the same deadline.
 * Returns true when the retry is on its way. Inside evhttp's callback: freeing the old
 * connection is fine there (see the top). */
static bool retry_fresh(struct http_client *h)
{
	char err[128];

	if (!h->reused || h->sock_error || h->tls_error ||
	    (h->have_req_error && h->req_error == EVREQ_HTTP_TIMEOUT))
		return false;
	h->reused = false;
	if (h->keep)
		h->keep->closed = false;
	close_evcon(h);
	return new_connection(h, err, sizeof(err)) == 0 && send_request(h, err, sizeof(err)) == 0;
}

struct http_client *http_client_start(const struct http_client_env *env,
				      const struct http_request *req, http_client_cb cb, void *arg,
				      char *err, size_t errlen)
{
	struct http_client *h = calloc(1, sizeof(*h));
	enum evhttp_cmd_type method = method_of(req->method);
	double t = req->timeout > 0 ? req->timeout : HTTP_CLIENT_TIMEOUT;
	struct timeval tv = {.tv_sec = (time_t)t,
			     .tv_usec = (suseconds_t)((t - (double)(time_t)t) * 1e6)};
	struct http_keepalive *k = req->keep;

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	TAILQ_INIT(&h->rc.headers);
	h->cb = cb;
	h->arg = arg;
	h->env = env;
	h->verify = req->tls && req->verify;
	h->rc.method = method;
	h->rc.timeout = t;
	if (!method) {
		snprintf(err, errlen, "unsupported method");
		goto fail;
	}
	if (!req->sa || sa_text(req->sa, h->rc.ip, sizeof(h->rc.ip), &h->rc.port) < 0) {
		snprintf(err, errlen, "bad address");
		goto fail;
	}
	h->timer = evtimer_new(env->base, timeout_cb, h);
	if (!h->timer) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (copy_request(h, req) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (k && !k->busy) { /* borrow the kept connection, if it is still open */
		h->keep = k;
		k->busy = true;
		if (k->evcon && k->closed)
			keep_drop(k);
		k->closed = false;
		h->evcon = k->evcon;
		h->reused = h->evcon != NULL;
		k->evcon = NULL;
		if (h->reused && req->tls) /* for the reason of a failure */
			h->ssl = bufferevent_openssl_get_ssl(
			    evhttp_connection_get_bufferevent(h->evcon));
	}
	if (!h->evcon && new_connection(h, err, errlen) < 0)
		goto fail;
	h->on_chunk = req->on_chunk;
	if (send_request(h, err, errlen) < 0)
		goto fail;
	evtimer_add(h->timer, &tv);
	return h;
fail:
	client_free(h);
	return NULL;
}

void http_client_cancel(struct http_client *h)
{
	if (!h || h->in_cb)
		return; /* from its own callback: freed when the callback returns */
	client_free(h);
}

/* ---- blocking ---- */

struct fetch_result {
	bool done;
	int status;
	char *body;
	size_t len;
	char err[256];
};

static void fetch_cb(void *arg, const struct http_response *r)
{
	struct fetch_result *f = arg;

	f->done = true;
	f->status = r->status;
	if (r->err) {
		snprintf(f->err, sizeof(f->err), "%s", r->err);
		return;
	}
	f->body = malloc(r->len + 1);
	if (!f->body) {
		f->status = 0;
		snprintf(f->err, sizeof(f->err), "out of memory");
		return;
	}
	memcpy(f->body, r->body, r->len + 1);
	f->len = r->len;
}

int http_client_fetch(const struct http_request *req, int *status, char **body, size_t *len,
		      char *err, size_t errlen)
{
	return http_client_fetch_ctx(req, NULL, status, body, len, err, errlen);
}

int http_client_fetch_ctx(const struct http_request *req, struct ssl_ctx_st *ssl_ctx, int *status,
			  char **body, size_t *len, char *err, size_t errlen)
{
	struct event_base *base = event_base_new();
	struct http_client_env env = {0};
	struct fetch_result f = {0};
	int ret = -1;

	*status = 0;
	*body = NULL;
	*len = 0;
	if (!base) {
		snprintf(err, errlen, "cannot create an event loop");
		return -1;
	}
	if (ssl_ctx)
		env = (struct http_client_env){.base = base, .ssl_ctx = ssl_ctx};
	else if (http_client_env_init(&env, base, err, errlen) < 0)
		goto out;
	if (!http_client_start(&env, req, fetch_cb, &f, err, errlen))
		goto out;
	while (!f.done)
		if (event_base_loop(base, EVLOOP_ONCE) < 0)
			break;
	if (!f.done) {
		snprintf(err, errlen, "event loop failed");
		goto out;
	}
	if (!f.body) {
		snprintf(err, errlen, "%s", f.err);
		goto out;
	}
	*status = f.status;
	*body = f.body;
	*len = f.len;
	ret = 0;
out:
	if (!ssl_ctx)
		http_client_env_release(&env);
	event_base_free(base);
	return ret;
}
