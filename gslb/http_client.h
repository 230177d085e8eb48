/* SPDX-License-Identifier: Apache-2.0 */
/* http_client.h — the project's one HTTP client (libevent evhttp, TLS through OpenSSL) and URL
 * parser
 *
 * Every HTTP exchange of every program goes through here: the prober's http,
 * https and haproxy checks, gslb-anycast's /healthz check, gslbctl's calls to
 * the control API, and any future client (the etcd store). One request is one
 * connection (Connection: close), unless the caller passes a struct
 * http_keepalive: then the connection is kept for the next request to the same
 * target (HTTP/1.1 keep-alive), which makes fast checks cheap (no connect, no
 * TLS handshake per run). A request on a kept connection that the server has
 * closed meanwhile is retried once on a fresh connection, so keep-alive never
 * turns a server's idle close into a failure. evhttp does the HTTP/1.1 parsing (status line,
 * headers, Content-Length, chunked), bounded by max_body; TLS is a
 * bufferevent_openssl with SNI, hostname or IP verification and an optional
 * per-request CA store.
 *
 * Asynchronous use runs on the caller's libevent loop; http_client_fetch wraps
 * one request in a private loop for blocking command-line use.
 */
#ifndef GSLB_HTTP_CLIENT_H
#define GSLB_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;
struct ssl_ctx_st;
struct x509_store_st;

#define HTTP_URL_HOST_MAX 256 /* host of a URL, brackets removed, NUL included */

/* A parsed http:// or https:// URL (evhttp_uri_parse underneath). */
struct http_url {
	bool tls;		      /* https */
	char host[HTTP_URL_HOST_MAX]; /* name or address, without IPv6 brackets */
	uint16_t port;		      /* given, else 80 / 443 */
	char path[1024];	      /* path and query, "/" when empty */
};

/* Parses url: scheme http or https, a host, an optional port 1..65535, no userinfo, no
 * fragment. Returns 0, or -EINVAL with a reason in err (e.g. "port out of range"). Any
 * thread. This is the one URL parser: config validation and every client use it. */
int http_url_parse(const char *url, struct http_url *u, char *err, size_t errlen);

/* Whether s is a numeric IPv4 or IPv6 address (the client connects to those only). */
bool http_url_is_ip(const char *s);
/* u's address and port into sa: 0, or -EINVAL when u's host is not an IP address. */
struct sockaddr_storage;
int http_url_sockaddr(const struct http_url *u, struct sockaddr_storage *sa, socklen_t *salen);

/* What a client shares between requests: the loop and a TLS context (system CAs, or
 * SSL_CERT_FILE/SSL_CERT_DIR). The client resolves no names: the project's one DNS client
 * is c-ares (probes/dns_client.h); a caller with a host name resolves it there first. */
struct http_client_env {
	struct event_base *base;
	struct ssl_ctx_st *ssl_ctx;
};

/* Sets up env on base: a TLS client context with the default verify paths. Returns 0 or
 * -1 with a message in err. */
int http_client_env_init(struct http_client_env *env, struct event_base *base, char *err,
			 size_t errlen);
/* Frees what http_client_env_init made (not the base). Fine on a zeroed env. */
void http_client_env_release(struct http_client_env *env);

struct http_request {
	const char *method;	   /* "GET" (NULL) or "POST", "PUT", "DELETE" */
	const char *host;	   /* Host header (and SNI default); "" = the address */
	const struct sockaddr *sa; /* where to connect, with the port */
	socklen_t salen;
	const char *path; /* path and query */
	bool tls;
	bool verify;			/* verify the chain and the name (tls) */
	const char *sni;		/* SNI and the name verified; NULL/"" = host if a name */
	struct x509_store_st *ca_store; /* CAs to verify against; NULL = env's */
	const char *const *headers;	/* extra "Name", "value" pairs, NULL-terminated */
	const char *body;		/* request body (POST/PUT), body_len bytes */
	size_t body_len;
	size_t max_body; /* response bytes kept; larger = error; 0 = 1 MiB */
	double timeout;	 /* seconds for the whole exchange; 0 = 5 */
	/* A streamed response (etcd's /v3/watch): when set, each piece of the body is handed
	 * to on_chunk(arg, status, data, len) as it arrives, on the loop's thread, and not
	 * kept (max_body and timeout then bound nothing useful: give large ones); the final
	 * callback still comes, with an empty body, when the stream ends or fails. on_chunk
	 * must not cancel the request. */
	void (*on_chunk)(void *arg, int status, const char *data, size_t len);
	/* NULL: a connection of its own, closed after. Else the connection kept in it is
	 * reused (one request at a time; while one runs, another gets its own), and kept
	 * again after a response unless the server closes it. */
	struct http_keepalive *keep;
};

/* One kept connection to one target (address, port, TLS settings: the caller keeps one per
 * target). Loop thread only. */
struct http_keepalive;
struct http_keepalive *http_keepalive_new(void);
/* Closes the kept connection and frees k. A request still running on it is not affected: it
 * closes its connection when it ends. NULL is fine. */
void http_keepalive_free(struct http_keepalive *k);
/* Connections opened for k so far (the first one included): for tests and metrics. */
uint64_t http_keepalive_connects(const struct http_keepalive *k);

struct http_response {
	int status;	  /* HTTP status 100..599; 0 when the exchange failed (err says why) */
	const char *body; /* NUL-terminated, len bytes */
	size_t len;
	const char *err;   /* NULL on success: "connect refused", "timeout", "tls: ..." */
	const void *priv_; /* for http_response_header */
};

/* A response header's value (first match, case-insensitive), or NULL. Valid during the
 * callback only, like the whole response. */
const char *http_response_header(const struct http_response *r, const char *name);

struct http_client;

/* Called exactly once per started request (unless http_client_cancel comes first),
 * on the loop's thread. r and everything in it are valid during the call only. */
typedef void (*http_client_cb)(void *arg, const struct http_response *r);

/* Starts req on env's loop; the strings in req are copied. Returns a handle, or NULL
 * with the reason in err (errlen bytes) on immediate failure (cb is not called). The handle is
 * freed by the client after cb returns; http_client_cancel before that stops the
 * request without calling cb. Loop thread only. */
struct http_client *http_client_start(const struct http_client_env *env,
				      const struct http_request *req, http_client_cb cb, void *arg,
				      char *err, size_t errlen);
/* Stops a request whose callback has not run yet, and frees it. NULL is fine. */
void http_client_cancel(struct http_client *h);

/* Blocking: runs req on a private loop. Fills status, a malloc'd NUL-terminated body (*body, *len;
 * caller frees) and, on failure, a message in err. Returns 0 when an HTTP response arrived (any
 * status), -1 otherwise. For command-line tools; not for a thread running a loop. */
int http_client_fetch(const struct http_request *req, int *status, char **body, size_t *len,
		      char *err, size_t errlen);
/* The same with the caller's TLS context (a client certificate, a CA: the caller keeps it),
 * NULL being the default one. */
int http_client_fetch_ctx(const struct http_request *req, struct ssl_ctx_st *ssl_ctx, int *status,
			  char **body, size_t *len, char *err, size_t errlen);

#endif
