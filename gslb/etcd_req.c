/* SPDX-License-Identifier: Apache-2.0 */
/* etcd_req.c — one request to etcd's v3 JSON gateway (see etcd_req.h) */
#include "config.h"

#include "etcd_req.h"

#include <jansson.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int etcd_endpoint_parse(const char *url, struct etcd_endpoint *e, char *err, size_t errlen)
{
	struct http_url u;

	if (http_url_parse(url, &u, err, errlen) < 0)
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	if (strlen(url) >= sizeof(e->url)) {
		snprintf(err, errlen, "%.64s...: longer than %zu characters", url,
			 sizeof(e->url) - 1);
		return -EINVAL;
	}
	snprintf(e->url, sizeof(e->url), "%s", url);
	e->tls = u.tls;
	if (http_url_sockaddr(&u, &e->sa, &e->salen) < 0) {
		snprintf(err, errlen,
			 "the host must be an IP address (gslbd and gslbctl resolve "
			 "no names for etcd)");
		return -EINVAL;
	}
	return 0;
}

void etcd_req_init(struct etcd_req *r, const struct etcd_endpoint *e, const char *path,
		   const char *body, const char *token, double timeout)
{
	snprintf(r->token, sizeof(r->token), "%s", token ? token : "");
	r->headers[0] = "Content-Type";
	r->headers[1] = "application/json";
	r->headers[2] = r->token[0] ? "Authorization" : NULL;
	r->headers[3] = r->token;
	r->headers[4] = NULL;
	r->req = (struct http_request){
	    .method = "POST",
	    .host = "",
	    .sa = (const struct sockaddr *)&e->sa,
	    .salen = e->salen,
	    .path = path,
	    .tls = e->tls,
	    .verify = true,
	    .headers = r->headers,
	    .body = body,
	    .body_len = strlen(body),
	    .timeout = timeout,
	    .max_body = ETCD_MAX_BODY,
	};
}

char *etcd_auth_body(const char *user, const char *password)
{
	json_t *j = json_pack("{s:s, s:s}", "name", user, "password", password);
	char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return body;
}

void etcd_auth_body_free(char *body)
{
	if (!body)
		return;
	explicit_bzero(body, strlen(body));
	free(body);
}

int etcd_auth_token(int status, const char *body, size_t len, char *token, size_t size)
{
	json_t *j = status == 200 && body ? json_loadb(body, len, 0, NULL) : NULL;
	const char *t = json_string_value(json_object_get(j, "token"));
	int ret = -1;

	if (t && t[0] && strlen(t) < size) {
		snprintf(token, size, "%s", t);
		ret = 0;
	}
	json_decref(j);
	return ret;
}
