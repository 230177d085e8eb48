/* SPDX-License-Identifier: Apache-2.0 */
/* conf.h — the configuration file (libconfig), validated into a plain struct
 *
 * One file, deployed to every node, describes the server, its zones and
 * (in later sections) regions, services, checks and health. The loader
 * checks every key against a schema table: unknown keys, wrong types, bad
 * values, duplicates and missing files are errors reading
 * "file:line: setting: message". Paths are resolved relative to the
 * directory of the config file. A struct conf is immutable once loaded.
 */
#ifndef GSLB_CONF_H
#define GSLB_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dname.h"

#define CONF_DEFAULT_PORT 53

struct conf_addr {
	struct sockaddr_storage ss; /* AF_INET or AF_INET6 with port */
	socklen_t len;
	char *text;                 /* as written, e.g. "[::1]:5300" */
};

struct conf_zone {
	char *name;                 /* as written, e.g. "example.com" */
	uint8_t apex[DNAME_MAXLEN]; /* lowercased wire form */
	char *file;                 /* resolved path */
	int line;                   /* line of the entry in the config */
};

struct conf {
	char *path;                 /* the config file */
	char *dir;                  /* its directory, for relative paths */
	/* server: */
	struct conf_addr *listen;
	size_t nlisten;
	int threads;                /* resolved: 0 in the file = one per core */
	char *identity;             /* NSID and CHAOS id.server/hostname.bind; "" = none */
	char *version;              /* CHAOS version.bind; "" = REFUSED */
	char *user;                 /* "" = keep running as the starting user */
	uint16_t max_udp_size;      /* clamp for the EDNS payload size, default 1232 */
	int tcp_max_clients;        /* default 1024 */
	double tcp_idle_timeout;    /* seconds, default 10.0 */
	/* zones: */
	struct conf_zone *zones;
	size_t nzones;
};

/* Parses a "host:port", "[v6]:port", bare IPv4/IPv6 (default_port) into a;
 * returns 0 or -EINVAL. The caller frees a->text. */
int conf_parse_addr(const char *text, uint16_t default_port, struct conf_addr *a);

/* Loads and validates path. On success returns the conf (caller frees with
 * conf_free). On failure returns NULL and sets *errmsg to a malloc'd text of
 * one or more lines "file:line: setting: message" (caller frees). */
struct conf *conf_load(const char *path, char **errmsg);
void conf_free(struct conf *c);

#endif
