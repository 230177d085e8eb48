/* SPDX-License-Identifier: Apache-2.0 */
/* etcd_req.h — one request to etcd's v3 JSON gateway, as gslbd's store and gslbctl send it
 *
 * Both talk to etcd with the one HTTP client (http_client.h): a POST of a JSON body to a
 * /v3/... path, with the auth token as "Authorization: <token>" (etcd's gateway takes no
 * scheme) once /v3/auth/authenticate has given one. Endpoints are IP addresses: neither
 * resolves names for etcd. Pure setup and parsing: no I/O, any thread.
 */
#ifndef GSLB_ETCD_REQ_H
#define GSLB_ETCD_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "http_client.h"

#define ETCD_TOKEN_MAX 512 /* etcd's simple tokens are ~20 bytes, its JWTs ~200 */
#define ETCD_MAX_BODY (64u << 20)

struct etcd_endpoint {
	char url[256];
	struct sockaddr_storage sa;
	socklen_t salen;
	bool tls;
};

/* A request and what it points to (http_client_start copies it all; a blocking fetch needs
 * it until it returns). */
struct etcd_req {
	struct http_request req;
	const char *headers[5];
	char token[ETCD_TOKEN_MAX];
};

/* Parses url (http:// or https://, an IP address and port) into e. Returns 0, or -EINVAL
 * with why in err. */
int etcd_endpoint_parse(const char *url, struct etcd_endpoint *e, char *err, size_t errlen);

/* Fills r for a POST of body to path on e, with token when it is not empty. */
void etcd_req_init(struct etcd_req *r, const struct etcd_endpoint *e, const char *path,
		   const char *body, const char *token, double timeout);

/* The body of /v3/auth/authenticate for user and password (malloc'd, NULL: out of memory);
 * etcd_auth_body_free wipes the password from memory before freeing it. */
char *etcd_auth_body(const char *user, const char *password);
void etcd_auth_body_free(char *body);

/* The token of an authentication answer (status, body of len bytes) into token. Returns 0,
 * or -1 when the answer holds none that fits. */
int etcd_auth_token(int status, const char *body, size_t len, char *token, size_t size);

#endif
