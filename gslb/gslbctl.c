/* SPDX-License-Identifier: Apache-2.0 */
/* gslbctl.c — the operator CLI: state, stats, reload and overrides over gslbd's control API */
#include "config.h"

#include "conf.h"
#include "gslbctl.h"
#include "http_client.h"

#include <jansson.h>
#include <libconfig.h>

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_SERVER "127.0.0.1:9053"
#define DEFAULT_PORT "9053"
/* A reload parses every zone: give it time; everything else is quick. */
#define TIMEOUT_S 60
#define MAX_RESPONSE (64 << 20)
#define TOKEN_MAX 1024

struct opts {
	const char *server; /* -s, or from -c, or DEFAULT_SERVER */
	const char *token;  /* --token-file, $GSLB_TOKEN, or from -c */
	const char *conf;
	const char *qtype; /* --qtype, for explain */
	json_t *whatif;	   /* the question of --down, --drain, --weight, --clients */
	const char *body;  /* of a POST, JSON */
	bool json;
	const char *reason;  /* --reason: why, recorded with the change */
	unsigned long for_s; /* --for: seconds until the override ends by itself; 0 = never */
	bool direct;	     /* --etcd or --direct: straight to etcd (gslbctl_direct.c) */
	struct direct d;
};

struct response {
	int status;
	char *body; /* NUL-terminated, malloc'd */
	size_t len;
};

static char conf_server[300]; /* from -c; kept for the program's life */
static char *conf_token;      /* read from a file, or the config's inline token */

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: gslbctl [-s HOST:PORT] [-T FILE] [-c CONFIG] [--json] COMMAND [ARGS]\n"
	    "commands:\n"
	    "  status                         services, members, health, overrides, each\n"
	    "                                 prober's vote and report age\n"
	    "  stats                          a summary of the metrics\n"
	    "  reload                         reload the configuration and zones\n"
	    "  drain|undrain SERVICE MEMBER   take a member (name or index) out of answers, or\n"
	    "                                 put it back\n"
	    "  force-up|force-down SERVICE MEMBER\n"
	    "                                 override the probes' verdict\n"
	    "  clear SERVICE MEMBER           remove any override of a member\n"
	    "  drain-region|undrain-region REGION\n"
	    "                                 drain (undrain) every member of a region\n"
	    "  history                        the changes of overrides and weights: the\n"
	    "                                 fleet's from etcd with a store, else this\n"
	    "                                 gslbd's, who, when, why, revision\n"
	    "  weight REGION N|clear          the region's weight in place of the config's\n"
	    "  weight SERVICE MEMBER N|clear  the member's weight in place of the config's\n"
	    "  whatif [--down REGION|SERVICE:INDEX]... [--drain REGION|SERVICE:INDEX]...\n"
	    "         [--weight REGION=N]... [--clients FILE]\n"
	    "                                 the share of answers each region would get\n"
	    "                                 after the change, from the recent clients\n"
	    "  explain NAME [CLIENT[/PREFIX]] [--qtype TYPE]\n"
	    "                                 why CLIENT (a resolver's address, or with a\n"
	    "                                 prefix an EDNS Client Subnet) gets its answer\n"
	    "options:\n"
	    "  --reason TEXT                  why (with a change): recorded with it, shown by\n"
	    "                                 status\n"
	    "  --for DURATION                 the override ends by itself after 90s, 30m, 2h,\n"
	    "                                 1d (with a change)\n"
	    "  --etcd URL[,URL...]            write (and read history) straight in etcd, no\n"
	    "                                 gslbd needed; names checked against -c CONFIG\n"
	    "  --direct                       the same with -c CONFIG's store.etcd\n"
	    "  --prefix PREFIX                the key prefix (default: store.prefix, /gslb/)\n"
	    "  --who NAME                     who (default: server.control.token_name, $USER)\n"
	    "  --if-revision REV              (etcd store) write only if the key is still at\n"
	    "                                 REV, as status showed it (0: absent)\n"
	    "  -s, --server HOST:PORT         gslbd's control endpoint (default: the config's\n"
	    "                                 server.control.listen with -c, else %s)\n"
	    "  -T, --token-file FILE          read the API token from FILE (default:\n"
	    "                                 $GSLB_TOKEN, or the config's\n"
	    "                                 server.control.token_file with -c)\n"
	    "  -c, --config FILE              read the endpoint and token from gslbd's config\n"
	    "  -j, --json                     print the daemon's JSON answer as it is\n"
	    "  -V, --version                  print the version\n"
	    "  -h, --help                     print this help\n",
	    DEFAULT_SERVER);
}

/* ------------------------------------------------------------ config */

/* Reads the token from path into conf_token, trailing whitespace trimmed. Returns 0, or
 * -1 after printing why. */
static int read_token_file(const char *path)
{
	char buf[TOKEN_MAX + 2];
	size_t n;
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		fprintf(stderr, "gslbctl: token file %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	while (n > 0 && strchr(" \t\r\n", buf[n - 1]) != NULL)
		n--;
	buf[n] = '\0';
	if (n == 0 || n > TOKEN_MAX || strlen(buf) != n) {
		fprintf(stderr, "gslbctl: token file %s: %s\n", path,
			n == 0 ? "empty" : "not a token");
		return -1;
	}
	free(conf_token);
	conf_token = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	if (conf_token == NULL) {
		fprintf(stderr, "gslbctl: out of memory\n");
		return -1;
	}
	return 0;
}

/* The config's token_file, relative to the config's directory as gslbd reads it. */
static int read_conf_token_file(const char *conf, const char *file)
{
	char *copy = strdup(conf);
	char *full = NULL;
	int ret = -1;

	if (copy != NULL && (file[0] == '/' ? (full = strdup(file)) != NULL
					    : asprintf(&full, "%s/%s", dirname(copy), file) >= 0))
		ret = read_token_file(full);
	else
		fprintf(stderr, "gslbctl: out of memory\n");
	free(full);
	free(copy);
	return ret;
}

int gslbctl_conf_open(const char *path, config_t *cfg)
{
	char *dir = strdup(path);
	const char *incdir;

	config_init(cfg);
	if (dir == NULL) {
		fprintf(stderr, "gslbctl: out of memory\n");
		config_destroy(cfg);
		return -1;
	}
	/* @include is relative to the config's directory, as gslbd reads it: never the
	 * current directory, where another file of the same name may sit */
	incdir = dirname(dir);
	config_set_include_dir(cfg, incdir);
	if (config_read_file(cfg, path) != CONFIG_TRUE) {
		char msg[8192];

		/* the same words as gslbd's: the include named, with the reason */
		conf_read_error(cfg, path, incdir, msg, sizeof(msg));
		fprintf(stderr, "gslbctl: %s\n", msg);
		config_destroy(cfg);
		free(dir);
		return -1;
	}
	free(dir);
	return 0;
}

/* Reads server.control.listen, .token_file and .token with libconfig alone: the rest of
 * the file may be broken (that is when one runs gslbctl reload). */
static int read_conf(const char *path, struct opts *o)
{
	const char *listen = DEFAULT_SERVER;
	const char *token = NULL, *token_file = NULL;
	config_t cfg;
	int ret = 0;

	if (gslbctl_conf_open(path, &cfg) != 0)
		return -1;
	config_lookup_string(&cfg, "server.control.listen", &listen);
	config_lookup_string(&cfg, "server.control.token", &token);
	config_lookup_string(&cfg, "server.control.token_file", &token_file);
	if (listen[0] == '\0') {
		fprintf(stderr,
			"gslbctl: %s: server.control.listen is \"\": the control endpoint "
			"is disabled\n",
			path);
		ret = -1;
		goto out;
	}
	/* a wildcard listener is reached on loopback */
	if (strncmp(listen, "0.0.0.0", 7) == 0 && (listen[7] == ':' || listen[7] == '\0'))
		snprintf(conf_server, sizeof(conf_server), "127.0.0.1%s", listen + 7);
	else if (strncmp(listen, "[::]", 4) == 0)
		snprintf(conf_server, sizeof(conf_server), "[::1]%s", listen + 4);
	else if (strcmp(listen, "::") == 0)
		snprintf(conf_server, sizeof(conf_server), "::1");
	else
		snprintf(conf_server, sizeof(conf_server), "%s", listen);
	if (o->server == NULL)
		o->server = conf_server;
	if (o->token == NULL && token_file != NULL && token_file[0] != '\0') {
		/* stats and, without a token, status need none: say so and go on */
		if (read_conf_token_file(path, token_file) != 0)
			fprintf(stderr, "gslbctl: %s: continuing without a token\n", path);
		o->token = conf_token;
	} else if (o->token == NULL && token != NULL && token[0] != '\0') {
		conf_token = strdup(token);
		o->token = conf_token;
	}
out:
	config_destroy(&cfg);
	return ret;
}

/* ------------------------------------------------------------ HTTP */

/* Splits "host:port", "[v6]:port", "host" or a bare IPv6 address. */
static int split_server(const char *s, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return -1;
		snprintf(host, hlen, "%.*s", (int)(end - s - 1), s + 1);
		snprintf(port, plen, "%s", end[1] == ':' ? end + 2 : DEFAULT_PORT);
	} else if ((colon = strchr(s, ':')) != NULL && strchr(colon + 1, ':') != NULL) {
		snprintf(host, hlen, "%s", s);
		snprintf(port, plen, "%s", DEFAULT_PORT);
	} else if (colon != NULL) {
		snprintf(host, hlen, "%.*s", (int)(colon - s), s);
		snprintf(port, plen, "%s", colon + 1);
	} else {
		snprintf(host, hlen, "%s", s);
		snprintf(port, plen, "%s", DEFAULT_PORT);
	}
	return host[0] != '\0' && port[0] != '\0' ? 0 : -1;
}

/* One request through the project's HTTP client, to each address of the server until one
 * answers; the response in r. Returns 0, or -1 after printing why. */
static int http(const struct opts *o, const char *method, const char *path, struct response *r)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	char host[256], port[16], err[256] = "no address", auth[1024];
	const char *headers[7] = {"Accept", "application/json, text/plain"};
	size_t nh = 2;
	int gai;

	memset(r, 0, sizeof(*r));
	if (split_server(o->server, host, sizeof(host), port, sizeof(port)) != 0) {
		fprintf(stderr, "gslbctl: bad server '%s' (want HOST:PORT or [IPv6]:PORT)\n",
			o->server);
		return -1;
	}
	if (o->token) {
		snprintf(auth, sizeof(auth), "Bearer %s", o->token);
		headers[nh++] = "Authorization";
		headers[nh++] = auth;
	}
	/* gslbd refuses a POST of any other type: what a web page's form would send */
	if (strcmp(method, "GET") != 0) {
		headers[nh++] = "Content-Type";
		headers[nh++] = "application/json";
	}
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0) {
		fprintf(stderr, "gslbctl: %s: %s\n", o->server, gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct http_request req = {
		    .method = method,
		    .host = o->server,
		    .sa = ai->ai_addr,
		    .salen = ai->ai_addrlen,
		    .path = path,
		    .headers = headers,
		    .body = o->body,
		    .body_len = o->body ? strlen(o->body) : 0,
		    .max_body = MAX_RESPONSE,
		    .timeout = TIMEOUT_S,
		};
		if (http_client_fetch(&req, &r->status, &r->body, &r->len, err, sizeof(err)) == 0)
			break;
		if (strcmp(err, "connection refused") != 0 && strncmp(err, "connect:", 8) != 0)
			break; /* it answered, badly: another address would not help */
	}
	freeaddrinfo(res);
	if (r->body != NULL)
		return 0;
	if (!strcmp(err, "connection refused") || !strncmp(err, "connect:", 8))
		fprintf(stderr,
			"gslbctl: cannot reach gslbd at %s: %s\n"
			"  (is gslbd running with server.control.listen = \"%s\"? see -s and -c)\n",
			o->server, err, o->server);
	else
		fprintf(stderr, "gslbctl: %s: %s\n", o->server, err);
	return -1;
}

/* ------------------------------------------------------------ JSON answers */

/* Parses a JSON body; prints why when it is not JSON. */
static json_t *parse_json(const struct response *r)
{
	json_error_t e;
	json_t *j = json_loadb(r->body, r->len, 0, &e);

	if (j == NULL)
		fprintf(stderr, "gslbctl: the answer (HTTP %d) is not JSON: %s\n", r->status,
			e.text);
	return j;
}

/* Prints the errors of a failed answer, one per line. */
static void print_errors(const char *what, int status, json_t *j)
{
	json_t *errs = json_object_get(j, "errors");
	size_t i;
	json_t *e;

	fprintf(stderr, "gslbctl: %s failed (HTTP %d)%s\n", what, status,
		json_array_size(errs) ? ":" : "");
	json_array_foreach (errs, i, e)
		fprintf(stderr, "  %s\n", json_string_value(e) ? json_string_value(e) : "?");
	if (status == 401 || status == 403)
		fprintf(stderr,
			"  (give the token with -c CONFIG, --token-file FILE or $GSLB_TOKEN)\n");
}

/* The common path of the API commands: request, --json, status check.
 * Returns the parsed answer of a 2xx reply, else NULL with *rc set. With --json the body
 * is printed as it came and NULL returned, unless keep: then a 2xx answer is returned too,
 * for the caller's exit status (it prints nothing more). */
static json_t *api_keep(const struct opts *o, const char *method, const char *path,
			const char *what, bool keep, int *rc)
{
	struct response r;
	json_t *j;

	*rc = 1;
	if (http(o, method, path, &r) != 0)
		return NULL;
	if (o->json) {
		fwrite(r.body, 1, r.len, stdout);
		if (r.len > 0 && r.body[r.len - 1] != '\n')
			putchar('\n');
		*rc = r.status >= 200 && r.status < 300 ? 0 : 1;
		if (!keep || *rc != 0) {
			free(r.body);
			return NULL;
		}
		*rc = 1; /* for an answer that does not parse */
	}
	j = parse_json(&r);
	if (j != NULL && (r.status < 200 || r.status >= 300)) {
		print_errors(what, r.status, j);
		json_decref(j);
		j = NULL;
	}
	free(r.body);
	return j;
}

static json_t *api(const struct opts *o, const char *method, const char *path, const char *what,
		   int *rc)
{
	return api_keep(o, method, path, what, false, rc);
}

const char *jstr(json_t *o, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : def;
}

static void format_time(json_int_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
}

void member_addresses(json_t *m, char *buf, size_t size)
{
	size_t len = 0, i;
	json_t *a;
	const char *cname = jstr(m, "cname", NULL);

	buf[0] = '\0';
	if (cname != NULL) {
		snprintf(buf, size, "CNAME %s", cname);
		return;
	}
	json_array_foreach (json_object_get(m, "ipv4"), i, a) {
		if (len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "",
						json_string_value(a));
	}
	json_array_foreach (json_object_get(m, "ipv6"), i, a) {
		if (len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "",
						json_string_value(a));
	}
}

/* "0.4s", "12.3s", "420s"; "?" for a negative ms (not in the answer). */
static void format_age(json_int_t ms, char *buf, size_t size)
{
	if (ms < 0)
		snprintf(buf, size, "?");
	else if (ms < 100000)
		snprintf(buf, size, "%.1fs", (double)ms / 1000.0);
	else
		snprintf(buf, size, "%.0fs", (double)ms / 1000.0);
}

/* The integer at key, or -1. */
static json_int_t jms(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* The most probers one member's VOTES column merges; more are counted as "+N". */
#define VOTES_MAX_PROBERS 64

struct member_vote {
	const char *prober;
	int up, down;	   /* its votes on the member's addresses */
	bool stale;	   /* any of them */
	json_int_t age_ms; /* the oldest */
};

/* The VOTES column of a member: each prober's vote merged over the member's addresses
 * (up or down when they agree, else "mixed"; stale and the age of the oldest), e.g.
 * "probe-eu-1:up(0.4s) probe-us-1:down(stale,31.0s)", or "-" without votes. The JSON
 * answer has every address's votes. */
void member_votes(json_t *m, char *buf, size_t size)
{
	struct member_vote mv[VOTES_MAX_PROBERS];
	size_t n = 0, more = 0, len = 0, i, k;
	json_t *t, *v;

	json_array_foreach (json_object_get(m, "targets"), i, t) {
		json_array_foreach (json_object_get(t, "votes"), k, v) {
			const char *id = jstr(v, "prober", "?");
			json_int_t age = jms(v, "age_ms");
			size_t x;

			for (x = 0; x < n && strcmp(mv[x].prober, id) != 0; x++)
				;
			if (x == n) {
				if (n == VOTES_MAX_PROBERS) {
					more++;
					continue;
				}
				mv[n++] = (struct member_vote){.prober = id, .age_ms = -1};
			}
			if (json_is_true(json_object_get(v, "up")))
				mv[x].up++;
			else
				mv[x].down++;
			mv[x].stale |= !json_is_true(json_object_get(v, "fresh"));
			if (age > mv[x].age_ms)
				mv[x].age_ms = age;
		}
	}
	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++) {
		const char *word = "mixed";
		char age[32];

		if (mv[i].down == 0)
			word = "up";
		else if (mv[i].up == 0)
			word = "down";
		format_age(mv[i].age_ms, age, sizeof(age));
		len += (size_t)snprintf(buf + len, size - len, "%s%s:%s(%s%s)", i ? " " : "",
					mv[i].prober, word, mv[i].stale ? "stale," : "", age);
	}
	if (more > 0 && len < size)
		snprintf(buf + len, size - len, " +%zu", more);
	if (n == 0)
		snprintf(buf, size, "-");
}

/* The probers section: id, last sequence number, age of the last report. */
static void print_probers(json_t *j)
{
	json_t *probers = json_object_get(j, "probers");
	size_t i;
	json_t *p;

	if (!json_is_array(probers))
		return; /* a gslbd without health state */
	json_t *hv = json_object_get(j, "health_view");
	if (json_is_object(hv)) /* what gslb-anycast waits for after a start */
		printf("\nhealth view %s (%s: %lld fresh probers, %lld warm, quorum %lld)\n",
		       json_is_true(json_object_get(hv, "ready")) ? "ready" : "NOT READY",
		       jstr(hv, "reason", "?"),
		       (long long)json_integer_value(json_object_get(hv, "fresh_probers")),
		       (long long)json_integer_value(json_object_get(hv, "warm_probers")),
		       (long long)json_integer_value(json_object_get(hv, "quorum")));
	if (json_array_size(probers) == 0) {
		printf("\nno probe reports received\n");
		return;
	}
	printf("\n%-24s %20s %10s\n", "PROBER", "LAST SEQ", "REPORT AGE");
	json_array_foreach (probers, i, p) {
		char age[32];

		format_age(jms(p, "report_age_ms"), age, sizeof(age));
		printf("%-24s %20lld %10s%s\n", jstr(p, "id", "?"),
		       (long long)json_integer_value(json_object_get(p, "last_seq")), age,
		       json_is_false(json_object_get(p, "fresh")) ? "  STALE" : "");
	}
}

/* The integer at o.key.sub (sub NULL: o.key), 0 when absent. */
static long long jnum(json_t *o, const char *key, const char *sub)
{
	json_t *v = json_object_get(o, key);

	if (sub != NULL)
		v = json_object_get(v, sub);
	return (long long)json_integer_value(v);
}

/* What answers see of a member: an override by its name, else the probes' combined
 * health (a drained member is "drained", not DOWN, whatever the probes vote). */
const char *member_state(json_t *m)
{
	const char *ov = jstr(m, "override", "none");

	if (strcmp(ov, "drain") == 0)
		return "drained";
	if (strcmp(ov, "up") == 0)
		return "forced-up";
	if (strcmp(ov, "down") == 0)
		return "forced-down";
	return json_is_true(json_object_get(json_object_get(m, "health"), "up")) ? "up" : "DOWN";
}

/* Where operator state lives and, with etcd, whether this site follows it. */
static void print_store(json_t *j)
{
	json_t *st = json_object_get(j, "store");
	char since[64];

	if (!json_is_object(st))
		return;
	if (strcmp(jstr(st, "backend", "local"), "etcd") != 0) {
		printf("store local (health.state_file)\n");
		return;
	}
	format_time(json_integer_value(json_object_get(st, "since_ms")) / 1000, since,
		    sizeof(since));
	if (json_is_true(json_object_get(st, "connected")))
		printf("store etcd: connected to %s since %s, revision %lld\n",
		       jstr(st, "endpoint", "?"), since,
		       (long long)json_integer_value(json_object_get(st, "revision")));
	else
		printf("store etcd: DISCONNECTED since %s (%s, last tried %s): serving the last "
		       "state seen, revision %lld\n",
		       since, jstr(st, "error", "?"), jstr(st, "endpoint", "?"),
		       (long long)json_integer_value(json_object_get(st, "revision")));
	if (jstr(st, "cache_error", "")[0])
		printf("store cache CORRUPT at start, ignored: %s\n", jstr(st, "cache_error", ""));
}

/* " (origin revision N) by WHO at WHEN, expires in Ns: WHY" of an override or a weight */
static void print_meta(json_t *oi)
{
	json_int_t exp = json_integer_value(json_object_get(oi, "expires_ms"));
	time_t now = time(NULL);
	char at[64];

	format_time(json_integer_value(json_object_get(oi, "at_ms")) / 1000, at, sizeof(at));
	printf(" (%s", jstr(oi, "origin", "?"));
	if (json_integer_value(json_object_get(oi, "revision")) > 0)
		printf(" revision %lld",
		       (long long)json_integer_value(json_object_get(oi, "revision")));
	printf(") by %s at %s", jstr(oi, "who", "")[0] ? jstr(oi, "who", "") : "?",
	       json_integer_value(json_object_get(oi, "at_ms")) ? at : "?");
	if (exp > 0)
		printf(", expires in %llds", (long long)(exp / 1000 > now ? exp / 1000 - now : 0));
	printf(": %s\n", jstr(oi, "why", "")[0] ? jstr(oi, "why", "") : "(no reason)");
}

/* The runtime weights (gslbctl weight), each with its meta. */
static void print_weights(json_t *j)
{
	json_t *w;
	size_t i;

	json_array_foreach (json_object_get(j, "weights"), i, w) {
		if (i == 0)
			printf("\nruntime weights:\n");
		if (strcmp(jstr(w, "kind", ""), "region") == 0)
			printf("  region %s weight %lld", jstr(w, "name", "?"),
			       (long long)json_integer_value(json_object_get(w, "weight")));
		else
			printf("  %s %s weight %lld", jstr(w, "service", "?"), jstr(w, "name", "?"),
			       (long long)json_integer_value(json_object_get(w, "weight")));
		print_meta(w);
	}
}

/* Every override with who set it, when, why and until when. */
static void print_overrides(json_t *j)
{
	json_t *s, *m;
	size_t i, k;
	bool any = false;

	json_array_foreach (json_object_get(j, "services"), i, s) {
		json_array_foreach (json_object_get(s, "members"), k, m) {
			json_t *oi = json_object_get(m, "override_info");

			if (!json_is_object(oi))
				continue;
			if (!any)
				printf("\noverrides:\n");
			any = true;
			printf("  %s %s %s", jstr(s, "name", "?"), jstr(m, "name", "?"),
			       jstr(m, "override", "?"));
			print_meta(oi);
		}
	}
}

static int cmd_status(const struct opts *o)
{
	char built[64], votes[4096];
	size_t vw = 5; /* strlen("VOTES") */
	json_t *j, *s, *m, *z;
	size_t i, k;
	int rc;

	j = api(o, "GET", "/api/v1/state", "status", &rc);
	if (j == NULL)
		return rc;
	format_time(json_integer_value(json_object_get(j, "built_at")), built, sizeof(built));
	printf("gslbd %s at %s: %s, generation %lld built %s (%lld s ago)\n",
	       jstr(j, "version", "?"), o->server,
	       json_is_true(json_object_get(j, "serving")) ? "serving" : "NOT SERVING",
	       (long long)json_integer_value(json_object_get(j, "generation")), built,
	       (long long)json_integer_value(json_object_get(j, "age_seconds")));
	printf("config %s\nzones ", jstr(j, "config", "?"));
	json_array_foreach (json_object_get(j, "zones"), i, z)
		printf("%s%s", i ? ", " : "", jstr(z, "name", "?"));
	printf("\n");
	if (json_array_size(json_object_get(j, "services")) == 0) {
		printf("no services\n");
		print_probers(j);
		json_decref(j);
		return 0;
	}
	/* the VOTES column as wide as its widest entry, so that ADDRESSES stay aligned */
	json_array_foreach (json_object_get(j, "services"), i, s) {
		json_array_foreach (json_object_get(s, "members"), k, m) {
			member_votes(m, votes, sizeof(votes));
			if (strlen(votes) > vw)
				vw = strlen(votes);
		}
	}
	printf("\n%-24s %3s  %-16s %-14s %-11s %6s %6s %9s %10s  %-*s  %s\n", "SERVICE", "#",
	       "NAME", "REGION", "STATE", "WEIGHT", "LOAD", "RTT", "ANSWERS", (int)vw, "VOTES",
	       "ADDRESSES");
	json_array_foreach (json_object_get(j, "services"), i, s) {
		json_array_foreach (json_object_get(s, "members"), k, m) {
			json_t *h = json_object_get(m, "health");
			json_t *load = json_object_get(h, "load");
			json_t *rtt = json_object_get(h, "rtt_ms");
			char addrs[512], lbuf[16] = "-", rbuf[24] = "-";

			member_addresses(m, addrs, sizeof(addrs));
			member_votes(m, votes, sizeof(votes));
			if (json_is_number(load))
				snprintf(lbuf, sizeof(lbuf), "%.0f%%",
					 json_number_value(load) * 100);
			if (json_is_number(rtt))
				snprintf(rbuf, sizeof(rbuf), "%.1fms", json_number_value(rtt));
			printf("%-24s %3lld  %-16s %-14s %-11s %6lld %6s %9s %10lld  %-*s  %s\n",
			       k == 0 ? jstr(s, "name", "?") : "", jnum(m, "index", NULL),
			       jstr(m, "name", "?"), jstr(m, "region", "?"), member_state(m),
			       jnum(m, "effective_weight", NULL), lbuf, rbuf,
			       jnum(m, "answers", NULL), (int)vw, votes, addrs);
		}
	}
	print_overrides(j);
	print_weights(j);
	print_probers(j);
	print_store(j);
	json_decref(j);
	return 0;
}

static int cmd_reload(const struct opts *o)
{
	json_t *j;
	int rc;

	json_t *restart, *e;
	size_t i;

	j = api_keep(o, "POST", "/api/v1/reload", "reload", true, &rc);
	if (j == NULL)
		return rc;
	restart = json_object_get(j, "restart_needed");
	if (!o->json)
		printf("reload ok: generation %lld\n",
		       (long long)json_integer_value(json_object_get(j, "generation")));
	/* the new zones and services answer, but these settings keep their old values */
	rc = json_array_size(restart) > 0 ? 3 : 0;
	if (rc != 0 && !o->json) {
		fprintf(stderr, "gslbctl: restart needed: gslbd still runs with the old");
		json_array_foreach (restart, i, e)
			fprintf(stderr, "%s%s", i ? ", " : " ",
				json_string_value(e) ? json_string_value(e) : "?");
		fprintf(stderr, " (restart gslbd to apply: systemctl restart gslbd)\n");
	}
	json_decref(j);
	return rc;
}

/* Percent-encodes s into buf for one path segment. */
static void encode_segment(const char *s, char *buf, size_t size)
{
	size_t len = 0;

	for (; *s != '\0' && len + 4 < size; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_')
			buf[len++] = (char)ch;
		else
			len += (size_t)snprintf(buf + len, size - len, "%%%02X", ch);
	}
	buf[len] = '\0';
}

/* "90", "90s", "30m", "2h", "1d" into seconds, 1..365 days. */
static int parse_duration(const char *text, unsigned long *secs)
{
	char *end;
	unsigned long v, mul = 1;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	v = strtoul(text, &end, 10);
	if (*end == 'm')
		mul = 60;
	else if (*end == 'h')
		mul = 3600;
	else if (*end == 'd')
		mul = 86400;
	else if (*end != 's' && *end != '\0')
		return -1;
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (v == 0 || v > 31536000 / mul)
		return -1;
	*secs = v * mul;
	return 0;
}

/* "?reason=...&for=N&if_revision=R" for a change, or "" */
static void change_query(const struct opts *o, char *buf, size_t size)
{
	char enc[1024];
	size_t len = 0;

	buf[0] = '\0';
	if (o->reason != NULL) {
		encode_segment(o->reason, enc, sizeof(enc));
		len += (size_t)snprintf(buf, size, "?reason=%s", enc);
	}
	if (o->for_s > 0 && len < size)
		len +=
		    (size_t)snprintf(buf + len, size - len, "%sfor=%lu", len ? "&" : "?", o->for_s);
	if (o->d.if_rev >= 0 && len < size)
		snprintf(buf + len, size - len, "%sif_revision=%lld", len ? "&" : "?",
			 (long long)o->d.if_rev);
}

/* The changes of operator state, oldest first: the fleet's from etcd, else this gslbd's. */
static int cmd_history(const struct opts *o)
{
	json_t *j, *e;
	size_t i;
	int rc;

	if (o->direct) {
		j = direct_history(&o->d);
		if (j != NULL && o->json) {
			json_dumpf(j, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(j);
			return 0;
		}
	} else {
		j = api(o, "GET", "/api/v1/history", "history", &rc);
	}
	if (j == NULL)
		return o->direct ? 1 : rc;
	if (json_array_size(json_object_get(j, "history")) == 0)
		printf(strcmp(jstr(j, "source", ""), "etcd") == 0
			   ? "no change of operator state in etcd\n"
			   : "no change of operator state on record\n");
	if (jstr(j, "note", NULL) != NULL)
		printf("(%s)\n", jstr(j, "note", ""));
	json_array_foreach (json_object_get(j, "history"), i, e) {
		char at[64];

		format_time(json_integer_value(json_object_get(e, "at_ms")) / 1000, at, sizeof(at));
		printf("%s  %s (was %s)", at, jstr(e, "change", "?"), jstr(e, "was", "?"));
		print_meta(e);
	}
	json_decref(j);
	return 0;
}

/* weight REGION N|clear, or weight SERVICE MEMBER N|clear */
static int cmd_weight(const struct opts *o, char **args, int nargs)
{
	char e1[1024], e2[256], ev[64], path[2600], what[1400], query[1200];
	json_t *j, *w;
	int rc;

	change_query(o, query, sizeof(query));
	encode_segment(args[0], e1, sizeof(e1));
	encode_segment(args[nargs - 1], ev, sizeof(ev));
	if (nargs == 2) {
		snprintf(path, sizeof(path), "/api/v1/weights/region/%s/%s%s", e1, ev, query);
		snprintf(what, sizeof(what), "weight %s %s", args[0], args[1]);
	} else {
		encode_segment(args[1], e2, sizeof(e2));
		snprintf(path, sizeof(path), "/api/v1/weights/member/%s/%s/%s%s", e1, e2, ev,
			 query);
		snprintf(what, sizeof(what), "weight %s %s %s", args[0], args[1], args[2]);
	}
	j = api(o, "POST", path, what, &rc);
	if (j == NULL)
		return rc;
	w = json_object_get(j, "weight");
	if (nargs == 2)
		printf("region %s: ", jstr(j, "name", args[0]));
	else
		printf("%s member %s: ", args[0], jstr(j, "name", args[1]));
	if (json_is_integer(w))
		printf("weight %lld%s\n", (long long)json_integer_value(w),
		       json_integer_value(w) == 0 ? " (drained for weighted filters)" : "");
	else
		printf("weight cleared: the config's again\n");
	json_decref(j);
	return 0;
}

static int cmd_member(const struct opts *o, const char *action, const char *service,
		      const char *index)
{
	char query[1200];
	char esvc[1024], eidx[64], path[2600], what[1200];
	json_t *j;
	int rc;

	change_query(o, query, sizeof(query));
	encode_segment(service, esvc, sizeof(esvc));
	encode_segment(index, eidx, sizeof(eidx));
	snprintf(path, sizeof(path), "/api/v1/members/%s/%s/%s%s", esvc, eidx, action, query);
	snprintf(what, sizeof(what), "%s %s %s", action, service, index);
	j = api(o, "POST", path, what, &rc);
	if (j == NULL)
		return rc;
	printf("%s member %lld (%s): override %s\n", jstr(j, "service", service),
	       (long long)json_integer_value(json_object_get(j, "member")), jstr(j, "name", "?"),
	       jstr(j, "override", "?"));
	json_decref(j);
	return 0;
}

static int cmd_region(const struct opts *o, const char *action, const char *region)
{
	char ereg[1024], path[2600], what[1200], query[1200];
	json_t *j;
	int rc;

	change_query(o, query, sizeof(query));
	encode_segment(region, ereg, sizeof(ereg));
	snprintf(path, sizeof(path), "/api/v1/regions/%s/%s%s", ereg, action, query);
	snprintf(what, sizeof(what), "%s-region %s", action, region);
	j = api(o, "POST", path, what, &rc);
	if (j == NULL)
		return rc;
	printf("region %s: %sed, %lld members, %lld changed", region, action,
	       (long long)json_integer_value(json_object_get(j, "members")),
	       (long long)json_integer_value(json_object_get(j, "changed")));
	if (json_integer_value(json_object_get(j, "forced_kept")) > 0)
		printf(", %lld forced up/down kept",
		       (long long)json_integer_value(json_object_get(j, "forced_kept")));
	if (json_integer_value(json_object_get(j, "forced_replaced")) > 0)
		printf(", %lld forced up/down now drained (undrain-region will not restore the "
		       "force: force them again)",
		       (long long)json_integer_value(json_object_get(j, "forced_replaced")));
	printf("\n");
	json_decref(j);
	return 0;
}

/* GET /api/v1/explain: the answer to NAME for CLIENT, step by step (gslbctl_explain.c). */
static int cmd_explain(const struct opts *o, const char *name, const char *client)
{
	char ename[1024], eclient[256], etype[64], path[1400];
	json_t *j;
	int rc;

	encode_segment(name, ename, sizeof(ename));
	encode_segment(client ? client : "", eclient, sizeof(eclient));
	encode_segment(o->qtype ? o->qtype : "A", etype, sizeof(etype));
	snprintf(path, sizeof(path), "/api/v1/explain?name=%s&client=%s&qtype=%s", ename, eclient,
		 etype);
	j = api(o, "GET", path, "explain", &rc);
	if (j == NULL)
		return rc;
	explain_print(j);
	json_decref(j);
	return 0;
}

/* POST /api/v1/whatif with the question the options built. */
static int cmd_whatif(struct opts *o)
{
	json_t *j;
	int rc;

	o->body = json_dumps(o->whatif, JSON_COMPACT);
	if (o->body == NULL) {
		fprintf(stderr, "gslbctl: out of memory\n");
		return 1;
	}
	j = api(o, "POST", "/api/v1/whatif", "whatif", &rc);
	free((char *)o->body);
	o->body = NULL;
	if (j == NULL)
		return rc;
	whatif_print(j);
	json_decref(j);
	return 0;
}

/* ------------------------------------------------------------ stats */

static void stat_line(const char *label, long long v)
{
	printf("  %-28s %lld\n", label, v);
}

/* GET /api/v1/stats, printed as a summary (the JSON names the figures, so a renamed
 * metric cannot change what this shows). */
static int cmd_stats(const struct opts *o)
{
	static const char *const rcodes[] = {"NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED",
					     "FORMERR", "NOTIMP",   "BADVERS"};
	json_t *j, *dns, *resp, *tr, *members, *region;
	size_t i;
	int rc;

	j = api(o, "GET", "/api/v1/stats", "stats", &rc);
	if (j == NULL)
		return rc;
	dns = json_object_get(j, "dns");
	resp = json_object_get(dns, "responses");
	tr = json_object_get(j, "transport");
	members = json_object_get(j, "members");
	printf("gslbd at %s: %s, snapshot generation %lld (%lld s old)\n", o->server,
	       json_is_true(json_object_get(j, "serving")) ? "serving" : "NOT SERVING",
	       jnum(j, "generation", NULL), jnum(j, "age_seconds", NULL));
	printf("queries\n");
	stat_line("total", jnum(dns, "queries", "total"));
	stat_line("udp", jnum(dns, "queries", "udp"));
	stat_line("tcp", jnum(dns, "queries", "tcp"));
	stat_line("dropped", jnum(dns, "dropped", "total"));
	stat_line("with EDNS", jnum(dns, "edns", "total"));
	stat_line("with client subnet", jnum(dns, "ecs", "total"));
	printf("responses\n");
	for (i = 0; i < sizeof(rcodes) / sizeof(rcodes[0]); i++)
		stat_line(rcodes[i], jnum(resp, rcodes[i], "total"));
	stat_line("truncated (TC=1)", jnum(dns, "truncated", "total"));
	stat_line("service answers", jnum(dns, "service_answers", "total"));
	if (json_array_size(json_object_get(j, "answers_by_region")) > 0)
		printf("answers by region\n");
	json_array_foreach (json_object_get(j, "answers_by_region"), i, region)
		stat_line(jstr(region, "region", "?"), jnum(region, "answers", NULL));
	printf("transport\n");
	stat_line("tcp connections open", jnum(tr, "tcp", "open"));
	stat_line("tcp connections total", jnum(tr, "tcp", "accepted"));
	stat_line("tcp connections refused", jnum(tr, "tcp", "refused"));
	stat_line("udp receive truncated", jnum(tr, "udp", "recv_truncated"));
	stat_line("udp send errors", jnum(tr, "udp", "send_errors"));
	printf("operations\n");
	stat_line("reloads ok", jnum(j, "reloads", "ok"));
	stat_line("reloads failed", jnum(j, "reloads", "failed"));
	if (jnum(members, "total", NULL) > 0)
		printf("  %-28s %lld of %lld\n", "members up", jnum(members, "up", NULL),
		       jnum(members, "total", NULL));
	if (jnum(members, "overridden", NULL) > 0)
		stat_line("members overridden", jnum(members, "overridden", NULL));
	json_decref(j);
	return 0;
}

/* ------------------------------------------------------------ main */

static bool need_args(const char *cmd, int have, int want)
{
	if (have == want)
		return true;
	fprintf(stderr, "gslbctl: %s takes %d argument%s\n", cmd, want, want == 1 ? "" : "s");
	return false;
}

/* The commands straight to etcd (--etcd, --direct). */
static int main_direct(struct opts *o, int argc, char **argv)
{
	const char *cmd = argv[0];
	char **args = argv + 1;
	int nargs = argc - 1, rc = 2;

	o->d.conf = o->conf;
	o->d.why = o->reason;
	o->d.for_s = o->for_s;
	o->d.json = o->json;
	if (direct_setup(&o->d) != 0) {
		direct_free(&o->d);
		return 1;
	}
	if (strcmp(cmd, "drain") == 0 || strcmp(cmd, "undrain") == 0 || strcmp(cmd, "clear") == 0 ||
	    strcmp(cmd, "force-up") == 0 || strcmp(cmd, "force-down") == 0) {
		if (need_args(cmd, nargs, 2))
			rc = direct_member(&o->d, strncmp(cmd, "force-", 6) ? cmd : cmd + 6,
					   args[0], args[1]);
	} else if (strcmp(cmd, "drain-region") == 0 || strcmp(cmd, "undrain-region") == 0) {
		if (need_args(cmd, nargs, 1))
			rc = direct_region(&o->d, cmd[0] == 'd', args[0]);
	} else if (strcmp(cmd, "weight") == 0) {
		if (nargs == 2 || nargs == 3)
			rc = direct_weight(&o->d, args, nargs);
		else
			need_args(cmd, nargs, 2);
	} else if (strcmp(cmd, "history") == 0) {
		if (need_args(cmd, nargs, 0))
			rc = cmd_history(o);
	} else {
		fprintf(stderr,
			"gslbctl: %s needs a gslbd (-s, -c without --direct): straight to etcd, "
			"gslbctl does drain, undrain, force-up, force-down, clear, drain-region, "
			"undrain-region, weight and history\n",
			cmd);
	}
	direct_free(&o->d);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"server", required_argument, NULL, 's'},
	    {"token-file", required_argument, NULL, 'T'},
	    {"token", required_argument, NULL, 'k'},
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {"reason", required_argument, NULL, 'r'},
	    {"for", required_argument, NULL, 'f'},
	    {"qtype", required_argument, NULL, 'q'},
	    {"down", required_argument, NULL, 'D'},
	    {"drain", required_argument, NULL, 'R'},
	    {"weight", required_argument, NULL, 'W'},
	    {"clients", required_argument, NULL, 'C'},
	    {"etcd", required_argument, NULL, 'E'},
	    {"direct", no_argument, NULL, 'I'},
	    {"prefix", required_argument, NULL, 'P'},
	    {"who", required_argument, NULL, 'w'},
	    {"if-revision", required_argument, NULL, 'Q'},
	    {NULL, 0, NULL, 0},
	};
	struct opts o = {.d = {.if_rev = -1}};
	const char *token_file = NULL;
	char *end;
	const char *cmd;
	int ch, nargs, rc = 2;
	char **args;

	while ((ch = getopt_long(argc, argv, "s:k:T:c:q:jVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o.server = optarg;
			break;
		case 'k':
			/* every user sees a command line (ps, /proc) */
			fprintf(stderr, "gslbctl: --token on the command line is visible to other "
					"users; use --token-file FILE, $GSLB_TOKEN or -c CONFIG\n");
			return 2;
		case 'T':
			token_file = optarg;
			break;
		case 'c':
			o.conf = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'q':
			o.qtype = optarg;
			break;
		case 'D':
		case 'R':
		case 'W':
		case 'C':
			if (o.whatif == NULL)
				o.whatif = json_object();
			if ((ch == 'C' ? whatif_clients(o.whatif, optarg)
				       : whatif_option(o.whatif,
						       ch == 'D'   ? "down"
						       : ch == 'R' ? "drain"
								   : "weight",
						       optarg)) != 0) {
				json_decref(o.whatif);
				return 2;
			}
			break;
		case 'r':
			o.reason = optarg;
			break;
		case 'E':
			o.direct = true;
			o.d.etcd = optarg;
			break;
		case 'I':
			o.direct = true;
			break;
		case 'P':
			o.d.prefix = optarg;
			break;
		case 'w':
			o.d.who = optarg;
			break;
		case 'Q':
			o.d.if_rev = strtoll(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0') {
				fprintf(stderr,
					"gslbctl: --if-revision %s: want a revision (0: the "
					"key must be absent)\n",
					optarg);
				return 2;
			}
			break;
		case 'f':
			if (parse_duration(optarg, &o.for_s) != 0) {
				fprintf(stderr,
					"gslbctl: --for %s: want a duration like 90s, 30m, 2h "
					"or 1d (at most 365d)\n",
					optarg);
				return 2;
			}
			break;
		case 'V':
			printf("gslbctl %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (token_file != NULL) {
		if (read_token_file(token_file) != 0)
			return 2;
		o.token = conf_token;
	}
	if (o.token == NULL && getenv("GSLB_TOKEN") != NULL && getenv("GSLB_TOKEN")[0])
		o.token = getenv("GSLB_TOKEN");
	/* the name before 18: kept for scripts */
	if (o.token == NULL && getenv("GSLBCTL_TOKEN") != NULL && getenv("GSLBCTL_TOKEN")[0])
		o.token = getenv("GSLBCTL_TOKEN");
	if (o.direct)
		return main_direct(&o, argc - optind, argv + optind);
	if (o.conf != NULL && read_conf(o.conf, &o) != 0)
		return 1;
	if (o.server == NULL)
		o.server = DEFAULT_SERVER;
	if (o.token != NULL && strpbrk(o.token, " \t\r\n") != NULL) {
		fprintf(stderr, "gslbctl: the token must not contain spaces or line breaks\n");
		return 2;
	}
	cmd = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;

	if (strcmp(cmd, "status") == 0) {
		if (need_args(cmd, nargs, 0))
			rc = cmd_status(&o);
	} else if (strcmp(cmd, "stats") == 0) {
		if (need_args(cmd, nargs, 0))
			rc = cmd_stats(&o);
	} else if (strcmp(cmd, "reload") == 0) {
		if (need_args(cmd, nargs, 0))
			rc = cmd_reload(&o);
	} else if (strcmp(cmd, "drain") == 0 || strcmp(cmd, "undrain") == 0 ||
		   strcmp(cmd, "clear") == 0) {
		if (need_args(cmd, nargs, 2))
			rc = cmd_member(&o, cmd, args[0], args[1]);
	} else if (strcmp(cmd, "force-up") == 0 || strcmp(cmd, "force-down") == 0) {
		if (need_args(cmd, nargs, 2))
			rc = cmd_member(&o, cmd + 6, args[0], args[1]);
	} else if (strcmp(cmd, "history") == 0) {
		if (need_args(cmd, nargs, 0))
			rc = cmd_history(&o);
	} else if (strcmp(cmd, "weight") == 0) {
		if (nargs == 2 || nargs == 3)
			rc = cmd_weight(&o, args, nargs);
		else
			need_args(cmd, nargs, 2);
	} else if (strcmp(cmd, "drain-region") == 0 || strcmp(cmd, "undrain-region") == 0) {
		if (need_args(cmd, nargs, 1))
			rc = cmd_region(&o, cmd[0] == 'd' ? "drain" : "undrain", args[0]);
	} else if (strcmp(cmd, "whatif") == 0) {
		if (o.whatif == NULL)
			o.whatif = json_object(); /* no change: the shares now, twice */
		if (need_args(cmd, nargs, 0))
			rc = cmd_whatif(&o);
	} else if (strcmp(cmd, "explain") == 0) {
		if (nargs == 1 || nargs == 2)
			rc = cmd_explain(&o, args[0], nargs == 2 ? args[1] : NULL);
		else
			fprintf(stderr, "gslbctl: explain takes NAME [CLIENT[/PREFIX]]\n");
	} else {
		fprintf(stderr, "gslbctl: unknown command '%s'\n", cmd);
		usage(stderr);
	}
	json_decref(o.whatif);
	free(conf_token);
	return rc;
}
