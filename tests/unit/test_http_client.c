/* SPDX-License-Identifier: Apache-2.0 */
/* test_http_client.c — the HTTP client against an in-process evhttp server, and the URL parser
 *
 * The server runs its own loop in a thread on 127.0.0.1 (ephemeral port),
 * plain or TLS with a key and certificate made at test time; the client runs
 * on the test's loop, or on http_client_fetch's private one.
 */
#include "config.h"

#include "http_client.h"

#include "unit.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- the server ---- */

struct server {
	struct event_base *base;
	struct evhttp *http;
	SSL_CTX *tls; /* NULL: plain HTTP */
	uint16_t port;
	pthread_t thread;
};

static void h_ok(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Test", "yes");
	evbuffer_add_printf(b, "hello");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void h_missing(struct evhttp_request *req, void *arg)
{
	evhttp_send_error(req, 404, "Not Found");
}

static void h_chunked(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_send_reply_start(req, 200, "OK");
	for (int i = 0; i < 3; i++) {
		evbuffer_add_printf(b, "part%d;", i);
		evhttp_send_reply_chunk(req, b);
	}
	evhttp_send_reply_end(req);
	evbuffer_free(b);
}

static void h_big(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();
	char x[2000];

	memset(x, 'x', sizeof(x));
	evbuffer_add(b, x, sizeof(x));
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* Answers "METHOD|body|X-Extra|Host". */
static void h_echo(struct evhttp_request *req, void *arg)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req), *b = evbuffer_new();
	struct evkeyvalq *hd = evhttp_request_get_input_headers(req);
	const char *extra = evhttp_find_header(hd, "X-Extra"),
		   *host = evhttp_find_header(hd, "Host");

	evbuffer_add_printf(b, "%s|%.*s|%s|%s",
			    evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST" : "other",
			    (int)evbuffer_get_length(in), (const char *)evbuffer_pullup(in, -1),
			    extra ? extra : "-", host ? host : "-");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static struct bufferevent *tls_bev(struct event_base *base, void *arg)
{
	struct server *s = arg;

	return bufferevent_openssl_socket_new(base, -1, SSL_new(s->tls), BUFFEREVENT_SSL_ACCEPTING,
					      BEV_OPT_CLOSE_ON_FREE);
}

static void *server_run(void *arg)
{
	struct server *s = arg;

	event_base_dispatch(s->base);
	return NULL;
}

static uint16_t fd_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

static void server_start(struct server *s, SSL_CTX *tls)
{
	struct evhttp_bound_socket *bs;

	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(evthread_use_pthreads(), 0);
	s->base = event_base_new();
	s->http = evhttp_new(s->base);
	ck_assert_ptr_nonnull(s->http);
	s->tls = tls;
	if (tls)
		evhttp_set_bevcb(s->http, tls_bev, s);
	evhttp_set_cb(s->http, "/ok", h_ok, NULL);
	evhttp_set_cb(s->http, "/missing", h_missing, NULL);
	evhttp_set_cb(s->http, "/chunked", h_chunked, NULL);
	evhttp_set_cb(s->http, "/big", h_big, NULL);
	evhttp_set_cb(s->http, "/echo", h_echo, NULL);
	bs = evhttp_bind_socket_with_handle(s->http, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(bs);
	s->port = fd_port(evhttp_bound_socket_get_fd(bs));
	ck_assert_int_eq(pthread_create(&s->thread, NULL, server_run, s), 0);
}

static void server_stop(struct server *s)
{
	event_base_loopexit(s->base, NULL);
	pthread_join(s->thread, NULL);
	evhttp_free(s->http);
	event_base_free(s->base);
}

/* A socket that accepts connections (the kernel's backlog) and never answers. */
static int silent_listener(uint16_t *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	*port = fd_port(fd);
	return fd;
}

/* ---- the client side ---- */

struct result {
	int calls;
	int status;
	char body[4096];
	size_t len;
	char err[256];
	char header[64];
	struct http_client *other; /* cancelled from this callback */
};

static void result_cb(void *arg, const struct http_response *r)
{
	struct result *res = arg;
	const char *h = http_response_header(r, "x-test");

	res->calls++;
	res->status = r->status;
	snprintf(res->body, sizeof(res->body), "%s", r->body);
	res->len = r->len;
	snprintf(res->err, sizeof(res->err), "%s", r->err ? r->err : "");
	snprintf(res->header, sizeof(res->header), "%s", h ? h : "");
	if (res->other) {
		http_client_cancel(res->other);
		res->other = NULL;
	}
}

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return sin;
}

/* Runs base until res has its callback, or for at most limit seconds. */
static void run_until(struct event_base *base, const struct result *res, double limit)
{
	struct timeval tv = {.tv_sec = 0, .tv_usec = 10000};

	for (int i = 0; i < (int)(limit * 100) && res->calls == 0; i++) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
}

/* Runs req on a loop of its own: the result in res. */
static void run_request(const struct http_request *req, struct result *res)
{
	struct event_base *base = event_base_new();
	struct http_client_env env;
	char err[128];
	char why[128];

	memset(res, 0, sizeof(*res));
	ck_assert_int_eq(http_client_env_init(&env, base, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(http_client_start(&env, req, result_cb, res, why, sizeof(why)));
	run_until(base, res, 3);
	ck_assert_int_eq(res->calls, 1);
	http_client_env_release(&env);
	event_base_free(base);
}

/* One request to path on port: the result in res. */
static void get(uint16_t port, const char *path, size_t max_body, double timeout,
		struct result *res)
{
	struct sockaddr_in sin = loopback(port);
	struct http_request req = {
	    .sa = (struct sockaddr *)&sin,
	    .salen = sizeof(sin),
	    .path = path,
	    .max_body = max_body,
	    .timeout = timeout,
	};

	run_request(&req, res);
}

START_TEST(test_ok)
{
	struct server s;
	struct result res;

	server_start(&s, NULL);
	get(s.port, "/ok", 0, 0, &res);
	ck_assert_str_eq(res.err, "");
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(res.body, "hello");
	ck_assert_uint_eq(res.len, 5);
	ck_assert_str_eq(res.header, "yes");
	server_stop(&s);
}
END_TEST

START_TEST(test_status)
{
	struct server s;
	struct result res;

	server_start(&s, NULL);
	get(s.port, "/missing", 0, 0, &res);
	ck_assert_str_eq(res.err, "");
	ck_assert_int_eq(res.status, 404);
	ck_assert_str_eq(res.header, "");
	server_stop(&s);
}
END_TEST

START_TEST(test_chunked)
{
	struct server s;
	struct result res;

	server_start(&s, NULL);
	get(s.port, "/chunked", 0, 0, &res);
	ck_assert_str_eq(res.err, "");
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(res.body, "part0;part1;part2;");
	server_stop(&s);
}
END_TEST

START_TEST(test_max_body)
{
	struct server s;
	struct result res;

	server_start(&s, NULL);
	get(s.port, "/big", 1000, 0, &res);
	ck_assert_int_eq(res.status, 0);
	ck_assert_str_eq(res.err, "response too large");
	get(s.port, "/big", 2000, 0, &res); /* exactly max_body is fine */
	ck_assert_int_eq(res.status, 200);
	ck_assert_uint_eq(res.len, 2000);
	server_stop(&s);
}
END_TEST

START_TEST(test_timeout)
{
	struct result res;
	uint16_t port;
	int fd = silent_listener(&port);

	get(port, "/", 0, 0.2, &res);
	ck_assert_int_eq(res.status, 0);
	ck_assert_str_eq(res.err, "timeout");
	close(fd);
}
END_TEST

/* Accepts one connection on fd, sends the canned response in arg's text, ends its side. */
struct canned {
	int fd;
	const char *text;
};

static void *canned_run(void *arg)
{
	struct canned *c = arg;
	int fd = accept(c->fd, NULL, NULL);
	char buf[512];

	if (fd == -1)
		return NULL;
	if (write(fd, c->text, strlen(c->text)) < 0)
		perror("canned write");
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0)
		; /* closing with the request unread would reset the connection */
	close(fd);
	return NULL;
}

/* evhttp takes any number as the status ("HTTP/1.1 2.4 x" is status 2); callers are
 * promised 100..599, else a failure. Found by tests/fuzz/fuzz_http_response. */
START_TEST(test_bad_status)
{
	static const char *const bad[] = {"HTTP/1.1 2.4 No\r\n\r\n", "HTTP/1.1 99 Low\r\n\r\n",
					  "HTTP/1.1 600 High\r\n\r\n"};
	struct result res;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint16_t port;
		struct canned c = {.fd = silent_listener(&port), .text = bad[i]};
		pthread_t th;

		ck_assert_int_eq(pthread_create(&th, NULL, canned_run, &c), 0);
		get(port, "/", 0, 2, &res);
		ck_assert_int_eq(res.status, 0);
		ck_assert_str_eq(res.err, "bad status line");
		pthread_join(th, NULL);
		close(c.fd);
	}
}
END_TEST

START_TEST(test_refused)
{
	struct result res;
	uint16_t port;

	close(silent_listener(&port)); /* a port nobody listens on */
	get(port, "/", 0, 0, &res);
	ck_assert_int_eq(res.status, 0);
	ck_assert_str_eq(res.err, "connection refused");
}
END_TEST

START_TEST(test_post)
{
	struct server s;
	const char *const headers[] = {"X-Extra", "42", NULL};
	struct sockaddr_in sin;
	char err[128], *body;
	size_t len;
	int status;

	server_start(&s, NULL);
	sin = loopback(s.port);
	struct http_request req = {
	    .method = "POST",
	    .host = "api.example",
	    .sa = (struct sockaddr *)&sin,
	    .salen = sizeof(sin),
	    .path = "/echo",
	    .headers = headers,
	    .body = "payload",
	    .body_len = 7,
	};
	ck_assert_int_eq(http_client_fetch(&req, &status, &body, &len, err, sizeof(err)), 0);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(body, "POST|payload|42|api.example");
	free(body);
	/* no Host given: the address and port */
	req.host = NULL;
	req.method = NULL;
	ck_assert_int_eq(http_client_fetch(&req, &status, &body, &len, err, sizeof(err)), 0);
	char want[64];
	snprintf(want, sizeof(want), "other||42|127.0.0.1:%u", s.port);
	ck_assert_str_eq(body, want);
	free(body);
	server_stop(&s);
	/* fetch reports a failure in err */
	ck_assert_int_eq(http_client_fetch(&req, &status, &body, &len, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "connection refused");
	ck_assert_ptr_null(body);
}
END_TEST

/* Cancel before the answer: no callback; cancel of one request from another's callback:
 * no callback, nothing freed twice (run under valgrind/ASan to see the latter). */
START_TEST(test_cancel)
{
	struct server s;
	struct event_base *base = event_base_new();
	struct http_client_env env;
	uint16_t port;
	int fd = silent_listener(&port);
	struct sockaddr_in hang = loopback(port), ok;
	struct result a = {0}, b = {0}, c = {0};
	char why[128];
	char err[128];
	struct http_client *h;

	server_start(&s, NULL);
	ok = loopback(s.port);
	ck_assert_int_eq(http_client_env_init(&env, base, err, sizeof(err)), 0);
	struct http_request rh = {
	    .sa = (struct sockaddr *)&hang, .salen = sizeof(hang), .path = "/", .timeout = 0.3};
	struct http_request ro = {.sa = (struct sockaddr *)&ok, .salen = sizeof(ok), .path = "/ok"};
	h = http_client_start(&env, &rh, result_cb, &c, why, sizeof(why));
	ck_assert_ptr_nonnull(h);
	http_client_cancel(h);
	b.other = NULL;
	a.other = http_client_start(&env, &rh, result_cb, &b, why, sizeof(why));
	ck_assert_ptr_nonnull(a.other);
	ck_assert_ptr_nonnull(http_client_start(&env, &ro, result_cb, &a, why, sizeof(why)));
	run_until(base, &a, 3);
	ck_assert_int_eq(a.calls, 1);
	ck_assert_int_eq(a.status, 200);
	run_until(base, &b, 0.6); /* past b's timeout */
	ck_assert_int_eq(b.calls, 0);
	ck_assert_int_eq(c.calls, 0);
	http_client_cancel(NULL);
	http_client_env_release(&env);
	event_base_free(base);
	server_stop(&s);
	close(fd);
}
END_TEST

/* ---- TLS ---- */

/* A self-signed certificate for DNS:localhost and IP:127.0.0.1, and a server context. */
static SSL_CTX *make_tls(X509 **cert_out)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n;
	X509_EXTENSION *ext;
	X509V3_CTX v3;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	ck_assert_ptr_nonnull(key);
	ck_assert_ptr_nonnull(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1,
				   -1, 0);
	X509_set_issuer_name(x, n);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
	ck_assert_ptr_nonnull(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:TRUE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ck_assert_int_ne(X509_sign(x, key, EVP_sha256()), 0);
	ck_assert_int_eq(SSL_CTX_use_certificate(ctx, x), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey(ctx, key), 1);
	EVP_PKEY_free(key);
	*cert_out = x;
	return ctx;
}

/* One TLS request: returns the error text ("" on success) in res. */
static void tls_get(uint16_t port, const char *sni, X509_STORE *store, bool verify,
		    struct result *res)
{
	struct sockaddr_in sin = loopback(port);
	struct http_request req = {
	    .sa = (struct sockaddr *)&sin,
	    .salen = sizeof(sin),
	    .path = "/ok",
	    .tls = true,
	    .verify = verify,
	    .sni = sni,
	    .ca_store = store,
	};

	run_request(&req, res);
}

START_TEST(test_tls)
{
	struct server s;
	struct result res;
	X509 *cert;
	SSL_CTX *ctx = make_tls(&cert);
	X509_STORE *store = X509_STORE_new();

	ck_assert_int_eq(X509_STORE_add_cert(store, cert), 1);
	server_start(&s, ctx);
	tls_get(s.port, "localhost", store, true, &res); /* the name */
	ck_assert_str_eq(res.err, "");
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(res.body, "hello");
	tls_get(s.port, NULL, store, true, &res); /* no name: the address */
	ck_assert_str_eq(res.err, "");
	ck_assert_int_eq(res.status, 200);
	tls_get(s.port, "other.example", store, true, &res); /* wrong name */
	ck_assert_int_eq(res.status, 0);
	ck_assert_msg(!strncmp(res.err, "tls: certificate verify failed", 30), "%s", res.err);
	tls_get(s.port, "localhost", NULL, true, &res); /* not in the system's store */
	ck_assert_int_eq(res.status, 0);
	ck_assert_msg(!strncmp(res.err, "tls: certificate verify failed", 30), "%s", res.err);
	tls_get(s.port, "other.example", NULL, false, &res); /* verify = false */
	ck_assert_str_eq(res.err, "");
	ck_assert_int_eq(res.status, 200);
	server_stop(&s);
	X509_STORE_free(store);
	X509_free(cert);
	SSL_CTX_free(ctx);
}
END_TEST

/* ---- URLs ---- */

START_TEST(test_url_good)
{
	struct http_url u;
	char err[128];

	ck_assert_int_eq(http_url_parse("http://lb.example/stats;csv", &u, err, sizeof(err)), 0);
	ck_assert(!u.tls);
	ck_assert_str_eq(u.host, "lb.example");
	ck_assert_uint_eq(u.port, 80);
	ck_assert_str_eq(u.path, "/stats;csv");
	ck_assert_int_eq(http_url_parse("HTTPS://10.0.0.1:8443", &u, err, sizeof(err)), 0);
	ck_assert(u.tls);
	ck_assert_str_eq(u.host, "10.0.0.1");
	ck_assert_uint_eq(u.port, 8443);
	ck_assert_str_eq(u.path, "/");
	ck_assert_int_eq(http_url_parse("https://[2001:db8::1]/a?b=c", &u, err, sizeof(err)), 0);
	ck_assert_str_eq(u.host, "2001:db8::1");
	ck_assert_uint_eq(u.port, 443);
	ck_assert_str_eq(u.path, "/a?b=c");
	ck_assert_int_eq(http_url_parse("http://lb.example", &u, err, sizeof(err)), 0);
	ck_assert_str_eq(u.path, "/");
	ck_assert_uint_eq(u.port, 80);
	ck_assert_int_eq(http_url_parse("http://[::1]:65535/", &u, err, sizeof(err)), 0);
	ck_assert_str_eq(u.host, "::1");
	ck_assert_uint_eq(u.port, 65535);
}
END_TEST

/* An IP URL's address for the client; a name is refused (the client resolves none). */
START_TEST(test_url_sockaddr)
{
	struct sockaddr_storage sa;
	struct http_url u;
	socklen_t len;
	char err[128];

	ck_assert_int_eq(http_url_parse("http://127.0.0.1:2379", &u, err, sizeof(err)), 0);
	ck_assert_int_eq(http_url_sockaddr(&u, &sa, &len), 0);
	ck_assert_int_eq(sa.ss_family, AF_INET);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&sa)->sin_port), 2379);
	ck_assert_int_eq(http_url_parse("https://[2001:db8::1]", &u, err, sizeof(err)), 0);
	ck_assert_int_eq(http_url_sockaddr(&u, &sa, &len), 0);
	ck_assert_int_eq(sa.ss_family, AF_INET6);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
	ck_assert_uint_eq(ntohs(((struct sockaddr_in6 *)&sa)->sin6_port), 443);
	ck_assert_int_eq(http_url_parse("http://etcd.example:2379", &u, err, sizeof(err)), 0);
	ck_assert_int_eq(http_url_sockaddr(&u, &sa, &len), -EINVAL);
}
END_TEST

START_TEST(test_url_bad)
{
	static const struct {
		const char *url, *why;
	} bad[] = {
	    {"http://h:0/", "port out of range"},
	    {"http://h:65536/", "port out of range"},
	    {"http://h:99999/", "port out of range"},
	    {"http://[::1]:70000/", "port out of range"},
	    {"http:///path", "no host"},
	    {"http://", "no host"},
	    {"ftp://h/", "scheme is not http or https"},
	    {"h/stats", "scheme is not http or https"},
	    {"http://user:pw@h/", "user info not allowed"},
	    {"http://h/#frag", "fragment not allowed"},
	    {"http://h/a b", "not a URL"},
	    {"http://x:80a/", "not a URL"},
	};
	struct http_url u;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(http_url_parse(bad[i].url, &u, err, sizeof(err)) == -EINVAL, "%s",
			      bad[i].url);
		ck_assert_msg(!strcmp(err, bad[i].why), "%s: %s", bad[i].url, err);
	}
}
END_TEST

UNIT_SUITE("http_client", {"ok", test_ok}, {"status", test_status}, {"chunked", test_chunked},
	   {"max_body", test_max_body}, {"timeout", test_timeout}, {"bad_status", test_bad_status}, {"refused", test_refused},
	   {"post_fetch", test_post}, {"cancel", test_cancel}, {"tls", test_tls},
	   {"url_good", test_url_good}, {"url_bad", test_url_bad},
	   {"url_sockaddr", test_url_sockaddr})
