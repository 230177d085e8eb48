/* SPDX-License-Identifier: Apache-2.0 */
/* httpc.c — a small HTTP/1.0 GET client over (TLS) bufferevents, for http, https and haproxy
 *
 * HTTP/1.0 with Connection: close keeps the client simple and exact: no
 * chunked encoding, no keep-alive; the response ends at Content-Length or at
 * the server's close. Responses larger than CHECK_MAX_BODY fail.
 */
#include "config.h"

#include "checks.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct httpc {
	struct bufferevent *bev;
	SSL *ssl; /* owned by bev once it exists */
	httpc_cb cb;
	void *arg;
	bool done;
	char err[256];
};

static void finish(struct httpc *h, int status, const char *body, size_t len, const char *err)
{
	if (h->done)
		return;
	h->done = true;
	bufferevent_disable(h->bev, EV_READ | EV_WRITE);
	h->cb(h->arg, status, body, len, err);
}

/* Decodes a complete chunked body in[0..len) into out (len bytes suffice). Returns the
 * decoded length, or -1 if it is malformed or lacks the last chunk. */
static long dechunk(const char *in, size_t len, char *out)
{
	size_t pos = 0, o = 0;

	for (;;) {
		char *end;
		unsigned long n;
		const char *crlf = memmem(in + pos, len - pos, "\r\n", 2);

		if (!crlf)
			return -1;
		n = strtoul(in + pos, &end, 16);
		if (end == in + pos || (end != crlf && *end != ';'))
			return -1;
		pos = (size_t)(crlf + 2 - in);
		if (n == 0)
			return (long)o; /* trailers, if any, are ignored */
		if (n > len - pos || len - pos - n < 2 || memcmp(in + pos + n, "\r\n", 2))
			return -1;
		memcpy(out + o, in + pos, n);
		o += n;
		pos += n + 2;
	}
}

/* Parses the response in buf; returns true when it is complete (or failed) and finished h. */
static bool try_parse(struct httpc *h, struct evbuffer *in, bool eof)
{
	size_t len = evbuffer_get_length(in);
	char *data, *hdr_end, *p;
	long clen = -1;
	bool chunked = false;
	int status;

	if (len > CHECK_MAX_BODY) {
		finish(h, 0, NULL, 0, "response too large");
		return true;
	}
	data = (char *)evbuffer_pullup(in, -1);
	if (!data && len > 0) {
		finish(h, 0, NULL, 0, "out of memory");
		return true;
	}
	hdr_end = len ? memmem(data, len, "\r\n\r\n", 4) : NULL;
	if (!hdr_end) {
		if (eof)
			finish(h, 0, NULL, 0, len ? "truncated response header" : "empty response");
		return eof;
	}
	if (len < 12 || strncmp(data, "HTTP/1.", 7) != 0 || data[8] != ' ' ||
	    sscanf(data + 9, "%3d", &status) != 1 || status < 100 || status > 599) {
		finish(h, 0, NULL, 0, "bad status line");
		return true;
	}
	for (p = memchr(data, '\n', (size_t)(hdr_end - data)); p && p < hdr_end;
	     p = memchr(p, '\n', (size_t)(hdr_end - p))) {
		p++;
		if (hdr_end - p > 15 && !strncasecmp(p, "Content-Length:", 15))
			clen = strtol(p + 15, NULL, 10);
		if (hdr_end - p > 18 && !strncasecmp(p, "Transfer-Encoding:", 18)) {
			const char *e = memchr(p, '\r', (size_t)(hdr_end + 2 - p));

			chunked = e && memmem(p, (size_t)(e - p), "chunked", 7);
		}
	}
	size_t off = (size_t)(hdr_end + 4 - data), blen = len - off;

	/* HAProxy's stats page answers even HTTP/1.0 in chunks. */
	if (chunked) {
		if (!eof && !(blen >= 5 && !memcmp(data + len - 5, "0\r\n\r\n", 5)))
			return false;
	} else if (clen >= 0 && blen >= (size_t)clen) {
		blen = (size_t)clen;
	} else if (!eof) {
		return false;
	}
	/* NUL-terminate the body for substring matching: copy it out. */
	char *body = malloc(blen + 1);

	if (!body) {
		finish(h, 0, NULL, 0, "out of memory");
		return true;
	}
	if (chunked) {
		long n = dechunk(data + off, blen, body);

		if (n < 0) {
			free(body);
			if (!eof)
				return false; /* a "0\r\n\r\n" inside a chunk: read on */
			finish(h, 0, NULL, 0, "bad chunked body");
			return true;
		}
		blen = (size_t)n;
	} else {
		memcpy(body, data + off, blen);
	}
	body[blen] = '\0';
	finish(h, status, body, blen, NULL);
	free(body);
	return true;
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	try_parse(arg, bufferevent_get_input(bev), false);
}

static const char *tls_error(struct httpc *h)
{
	unsigned long e;
	long vr;

	if (!h->ssl)
		return NULL;
	vr = SSL_get_verify_result(h->ssl);
	if (vr != X509_V_OK) {
		snprintf(h->err, sizeof(h->err), "certificate: %s",
			 X509_verify_cert_error_string(vr));
		return h->err;
	}
	e = bufferevent_get_openssl_error(h->bev);
	if (e) {
		char buf[200];

		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(h->err, sizeof(h->err), "tls: %s", buf);
		return h->err;
	}
	return NULL;
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct httpc *h = arg;

	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & BEV_EVENT_EOF) {
		try_parse(h, bufferevent_get_input(bev), true);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		const char *e = tls_error(h);
		int serr = EVUTIL_SOCKET_ERROR();

		if (!e) {
			/* A TLS peer may close without close_notify after a full response. */
			if (evbuffer_get_length(bufferevent_get_input(bev)) > 0 &&
			    try_parse(h, bufferevent_get_input(bev), true))
				return;
			snprintf(h->err, sizeof(h->err), "%s",
				 serr ? evutil_socket_error_to_string(serr) : "connection failed");
			e = h->err;
		}
		finish(h, 0, NULL, 0, e);
	}
}

static bool is_ip(const char *s)
{
	uint8_t a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static SSL *make_ssl(const struct check_env *env, const struct httpc_req *r, const char **err)
{
	SSL *ssl = SSL_new(env->ssl_ctx);

	if (!ssl) {
		*err = "SSL_new failed";
		return NULL;
	}
	/* RFC 6066: SNI carries host names only, never address literals. */
	if (r->sni && r->sni[0] && !is_ip(r->sni) && !SSL_set_tlsext_host_name(ssl, r->sni))
		goto fail;
	if (r->verify) {
		X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);

		SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
		if (r->ca_store && !SSL_set1_verify_cert_store(ssl, r->ca_store)) {
			SSL_free(ssl);
			*err = "cannot use ca_file";
			return NULL;
		}
		if (r->verify_name && r->verify_name[0] && is_ip(r->verify_name)) {
			if (!X509_VERIFY_PARAM_set1_ip_asc(vp, r->verify_name))
				goto fail;
		} else if (r->verify_name && r->verify_name[0]) {
			X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			if (!X509_VERIFY_PARAM_set1_host(vp, r->verify_name, 0))
				goto fail;
		} else {
			char ip[CHECK_ADDR_TEXT];
			const void *a =
			    r->sa->sa_family == AF_INET
				? (const void *)&((const struct sockaddr_in *)r->sa)->sin_addr
				: (const void *)&((const struct sockaddr_in6 *)r->sa)->sin6_addr;

			if (!inet_ntop(r->sa->sa_family, a, ip, sizeof(ip)) ||
			    !X509_VERIFY_PARAM_set1_ip_asc(vp, ip))
				goto fail;
		}
	} else {
		SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	}
	return ssl;
fail:
	SSL_free(ssl);
	*err = "TLS setup failed";
	return NULL;
}

struct httpc *httpc_get(const struct check_env *env, const struct httpc_req *r, httpc_cb cb,
			void *arg, const char **err)
{
	struct httpc *h = calloc(1, sizeof(*h));

	if (!h) {
		*err = "out of memory";
		return NULL;
	}
	h->cb = cb;
	h->arg = arg;
	if (r->tls) {
		h->ssl = make_ssl(env, r, err);
		if (!h->ssl)
			goto fail;
		h->bev = bufferevent_openssl_socket_new(
		    env->base, -1, h->ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
		if (!h->bev) {
			SSL_free(h->ssl);
			h->ssl = NULL;
		} else {
			bufferevent_openssl_set_allow_dirty_shutdown(h->bev, 1);
		}
	} else {
		h->bev = bufferevent_socket_new(env->base, -1, BEV_OPT_CLOSE_ON_FREE);
	}
	if (!h->bev) {
		*err = "cannot create a bufferevent";
		goto fail;
	}
	bufferevent_setcb(h->bev, read_cb, NULL, event_cb, h);
	if (evbuffer_add_printf(bufferevent_get_output(h->bev),
				"GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: gslb-probe/%s\r\n"
				"Accept: */*\r\nConnection: close\r\n\r\n",
				r->path, r->host, PACKAGE_VERSION) < 0) {
		*err = "out of memory";
		goto fail;
	}
	bufferevent_enable(h->bev, EV_READ | EV_WRITE);
	/* A connect that fails at once runs event_cb before returning: keep cb out of it. */
	h->done = true;
	if (bufferevent_socket_connect(h->bev, r->sa, (int)r->salen) != 0) {
		*err = "connect failed";
		goto fail;
	}
	h->done = false;
	return h;
fail:
	httpc_free(h);
	return NULL;
}

void httpc_free(struct httpc *h)
{
	if (!h)
		return;
	if (h->bev)
		bufferevent_free(h->bev); /* frees the SSL too */
	free(h);
}
