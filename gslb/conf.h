/* SPDX-License-Identifier: Apache-2.0 */
/* conf.h — the configuration file (libconfig), validated into a plain struct
 *
 * One file, deployed to every node, describes the server, its zones,
 * GeoIP, regions, services, checks and health. The loader
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
#include "name_index.h"

struct region; /* service.h */
struct service;

#define CONF_DEFAULT_PORT 53
#define CONF_HEALTH_PORT 8053	     /* default port of health.listen and probe.report_to */
#define CONF_ID_MAX 64		     /* longest check name, key id or prober id (bytes) */
#define CONF_SECRET_MIN 32	     /* shortest accepted report key secret (bytes) */
#define CONF_ANY_PROBER "*"	     /* health.keys[].probers: any prober id */
#define CONF_SECRET_MAX 1024	     /* longest */
#define CONF_CONTROL_PORT 9053	     /* default port of server.control.listen */
#define CONF_PROBE_METRICS_PORT 9054 /* default port of probe.metrics */

struct conf_addr {
	struct sockaddr_storage ss; /* AF_INET or AF_INET6 with port */
	socklen_t len;
	char *text; /* as written, e.g. "[::1]:5300" */
};

/* zones[].dnssec: online signing (dnssec_key.h loads the keys, answer_dnssec.c signs). */
enum conf_dnssec_alg {
	CONF_DNSSEC_ECDSAP256 = 0, /* algorithm 13, ECDSAP256SHA256 */
	CONF_DNSSEC_ED25519 = 1,   /* algorithm 15 */
};

struct conf_dnssec {
	bool enabled;  /* the group is present */
	char **keys;   /* key file base names resolved against the config's folder, no suffix */
	size_t nkeys;  /* each has a .key and a .private file */
	int algorithm; /* enum conf_dnssec_alg: every key must be of it */
	int validity;  /* seconds a signature is valid from its making */
	int refresh;   /* a cached signature is remade when less than this is left */
	int inception; /* seconds the inception is back-dated, for validators' clock skew */
	bool tamper;   /* tests only: every signature is made invalid (validators must fail) */
	char *keys_at; /* "file:line" of dnssec.keys, for the key loader's messages */
};

struct conf_zone {
	char *name;		    /* as written, e.g. "example.com" */
	uint8_t apex[DNAME_MAXLEN]; /* lowercased wire form */
	char *file;		    /* resolved path */
	int line;		    /* line of the entry in the config */
	struct conf_dnssec dnssec;
};

struct conf_ctx; /* conf_schema.h */
struct conf_item;
struct conf_check;
struct config_setting_t; /* libconfig */
struct check_ops;	 /* probes/checks.h: opaque here */

#define CONF_CHECK_WHOLE_MEMBER 0x1 /* runs without a member address (CNAME members too) */
#define CONF_CHECK_LOAD 0x2	    /* reports a load */

/* A check type, as the program that runs checks registers it (conf_check_types_register):
 * its own keys, the struct they are stored in, and a hook for what a key table cannot say.
 * The loader knows no type; gslb-probe's table is probes/check_types.c. */
struct conf_check_type {
	const char *name;
	const struct conf_item *keys; /* conf_schema.h rows, offsets into the params struct */
	size_t params_size;
	/* After the keys are stored: checks across them, and sets ck->port; errors go through
	 * conf_err with path "checks[i].key". e is the check's group. May be NULL. */
	void (*validate)(struct conf_ctx *x, struct conf_check *ck,
			 const struct config_setting_t *e, const char *path);
	void (*release)(void *params); /* frees what validate kept besides the keys; or NULL */
	const struct check_ops *ops;   /* what runs it; the loader does not look */
	unsigned flags;		       /* CONF_CHECK_* */
};

/* One entry of checks = ( ... ): the keys every type has, and the type's own. Without a
 * registered type table (gslbd) any type word is accepted and the type's keys are not
 * read: gslbd only needs check names. */
struct conf_check {
	char *name;			    /* unique, referred to by service members */
	char *type_name;		    /* as written */
	const struct conf_check_type *type; /* NULL without a registered table */
	void *params;			    /* type->params_size bytes, or NULL */
	uint16_t port;	 /* the port checked on each member address (set by the type); 0 = none */
	double interval; /* seconds between checks, default 1.0 */
	double timeout;	 /* seconds, < interval; default 0.5 */
	int rise;	 /* consecutive successes to turn up, default 2 */
	int fall;	 /* consecutive failures to turn down, default 3 */
	int line;	 /* line of the entry in the config */
};

/* A report key: the probe signs with it, gslbd accepts every key listed. */
struct conf_health_key {
	char *id;	   /* 1..CONF_ID_MAX bytes of [A-Za-z0-9._-] */
	char *secret_file; /* resolved path */
	uint8_t *secret;   /* the file's content, trailing whitespace trimmed */
	size_t secret_len; /* CONF_SECRET_MIN..CONF_SECRET_MAX */
	/* The prober ids a report signed with this key may carry: ids, or the one entry "*"
	 * for any id (written out, so that the insecure choice is visible). A key holder can
	 * sign anything, so a key shared by probers can vote as each of them. */
	char **probers;
	size_t nprobers; /* >= 1 */
};

/* health: { ... }, read by gslbd (receiver and aggregation) and by the probe (keys). */
struct conf_health {
	bool present;		  /* the section is in the file */
	struct conf_addr *listen; /* UDP addresses receiving reports */
	size_t nlisten;
	struct conf_health_key *keys;
	size_t nkeys;		/* >= 1 when present; two during a rotation */
	int quorum;		/* down when >= quorum fresh probers say down; default 1 */
	double stale_after;	/* seconds; a report older than this does not count; 5.0 */
	double grace;		/* seconds the last state is kept with no fresh report; 30 */
	bool default_up;	/* the state after grace; default true ("up") */
	char *state_file;	/* operator overrides, resolved path; "" = not persisted */
	char *state_file_at;	/* "file:line" of state_file, for gslbd's checks; or NULL */
	double report_interval; /* seconds between a probe's snapshots; default 1.0 */
	double max_clock_skew;	/* seconds a report timestamp may differ from now; 30 */
};

/* probe: { ... }, read by gslb-probe. */
struct conf_probe {
	bool present;
	char *id;		     /* prober id; "" = must be given with -i */
	struct conf_addr *report_to; /* the gslbd health.listen addresses */
	size_t nreport_to;
	char *key;			       /* id of the health.keys entry to sign with */
	const struct conf_health_key *key_ref; /* that entry, inside health.keys */
	char *metrics_text;		       /* probe.metrics as written; "" = no endpoint */
	struct conf_addr metrics;	       /* parsed; len 0 = none */
};

/* geoip: { ... }: where client locations come from (geo.h). */
struct conf_geoip {
	bool enabled;		   /* the section is in the file */
	char *database;		   /* resolved path of the mmdb file (IPv4, or both families) */
	char *database6;	   /* resolved path of a separate IPv6 file, or NULL */
	char *database_at;	   /* "file:line" of database, for the errors of opening it */
	char *database6_at;	   /* the same for database6, or NULL */
	char *schema;		   /* "geoip2" (default) or "flat" */
	int ecs_max_prefix_v4;	   /* longest ECS source prefix used for the lookup, 0..32; 24 */
	int ecs_max_prefix_v6;	   /* the same for IPv6, 0..128; 56 */
	bool has_default_location; /* default_location given: used for unknown addresses */
	double default_lat, default_lon; /* degrees */
	char default_country[3];	 /* ISO 3166 alpha-2, uppercase; "" = none */
	char default_continent[3];	 /* AF AN AS EU NA OC SA; "" = none */
	char *networks_file;		 /* resolved path of "CIDR region" lines, or NULL */
	char *asn_database;		 /* resolved path of a GeoLite2-ASN format mmdb, or NULL */
	char *asn_database_at;		 /* "file:line" of asn_database, for errors opening it */
};

/* One network of the network map: where it was written and the region it pins. */
struct conf_net {
	uint32_t region; /* index into conf->regions */
	int line;	 /* line in the config file, or in geoip.networks_file when in_file */
	bool in_file;
};

/* server.control: { ... }: the HTTP endpoint of /healthz, /metrics and the gslbctl API. */
struct conf_control {
	char *listen_text;	 /* as written; "" disables the endpoint */
	struct conf_addr listen; /* parsed from listen_text; len 0 when disabled */
	bool listen_given;	 /* written in the file: failing to bind it is fatal */
	bool allow_remote;	 /* accept a listen address outside loopback; default false */
	char *token_file;	 /* as written; "" = none (the token is read from it at load) */
	char *token;		 /* "" = none: GET only; else "Authorization: Bearer <token>" */
	char *token_name;	 /* who a change made with the token is recorded as; "operator" */
	int max_clients;	 /* connections held at once; a new one closes the oldest */
	double header_timeout;	 /* seconds from accept (or the last answer) to a whole request */
};

/* rrl: { ... }: response rate limiting of UDP answers (rrl.h); absent = off. */
struct conf_rrl_net {
	int family;	  /* AF_INET or AF_INET6 */
	int prefix;	  /* 0..32 or 0..128 */
	uint8_t addr[16]; /* network address, bits past prefix zeroed */
};

struct conf_rrl {
	bool enabled;		     /* the section is present and responses_per_second > 0 */
	int responses_per_second;    /* per bucket, 0..100000; default 20; 0 = off */
	int window;		     /* seconds of rate a bucket may bank (burst depth); 15 */
	int slip;		     /* every slip-th limited answer goes out TC=1; 0..10; 2 */
	int ipv4_prefix;	     /* client network length, 0..32; 24 */
	int ipv6_prefix;	     /* 0..128; 56 */
	int nxdomain_per_second;     /* rate of NXDOMAIN buckets (keyed by zone); 0 = the above */
	struct conf_rrl_net *exempt; /* never limited */
	size_t nexempt;
};

/* anycast: { ... }: read by gslb-anycast (anycast.h), which ties the BIRD protocol that
 * originates the anycast prefixes to the local gslbd's health. */
struct conf_anycast {
	bool present;	 /* the section is in the file */
	char **prefixes; /* "ADDR/LEN" the protocol originates, for logs and -t */
	size_t nprefixes;
	char *bird_socket;     /* BIRD's control socket; "/run/bird/bird.ctl" */
	char **bird_protocols; /* protocols enabled while healthy (one per address family
				* in BIRD 2); the file's bird_protocol, ["gslb_anycast"] */
	size_t nbird_protocols;
	double interval;	 /* seconds between checks of the local gslbd; 0.2 */
	double timeout;		 /* seconds each check may take; 0.5 */
	int rise;		 /* consecutive good rounds to announce; 3 */
	int fall;		 /* consecutive bad rounds to withdraw; 2 */
	char *probe_name;	 /* SOA asked of the local gslbd; "" in the file = zones[0] */
	double max_snapshot_age; /* withdraw when gslbd's data is older (s); 0 = no limit */
	bool wait_for_health;	 /* announce only once gslbd's health view is ready; true */
	double max_health_wait;	 /* announce anyway after waiting this long (s); 0 = forever */
};

/* store: { ... }: where operator state (overrides) lives (store.h); absent = the local
 * health.state_file. conf_store.c. */
struct conf_store {
	bool present;
	char **etcd; /* endpoint URLs, http(s)://IP:PORT */
	size_t netcd;
	char *prefix;	     /* key prefix, "/gslb/" */
	char *username;	     /* "" = no authentication */
	char *password;	     /* read from password_file at load, or written inline */
	char *password_file; /* as written; "" = none */
	char *ca_file;	     /* NULL = system CAs */
	char *cert_file;     /* client certificate and key, or NULL */
	char *key_file;
	char *cache_file;    /* the last state seen, served when etcd is unreachable */
	bool require_reason; /* refuse a change without --reason */
};

/* The store settings as one text (malloc'd, caller frees; NULL when out of memory), "" without
 * a store: equal texts, equal settings. gslbd compares the startup's with a reload's, since the
 * store is made once (a reload that changes it needs a restart). */
char *conf_store_text(const struct conf_store *c);

struct conf {
	char *path; /* the config file */
	char *dir;  /* its directory, for relative paths */
	/* server: */
	struct conf_addr *listen;
	size_t nlisten;
	int threads;		 /* resolved: 0 in the file = one per core */
	char *identity;		 /* NSID and CHAOS id.server/hostname.bind; "" = none */
	char *version;		 /* CHAOS version.bind; "" = REFUSED */
	char *user;		 /* "" = keep running as the starting user */
	uint16_t max_udp_size;	 /* clamp for the EDNS payload size, default 1232 */
	uint32_t dnssec_cache;	 /* signature cache slots per query thread (sigcache.h) */
	int tcp_max_clients;	 /* default 1024 */
	double tcp_idle_timeout; /* seconds, default 10.0 */
	/* connections from one /24 or /56; 0 = max_clients / 8, at least 8 */
	int tcp_max_clients_per_network;
	struct conf_control control;
	/* zones: */
	struct conf_zone *zones;
	size_t nzones;
	/* checks, health, probe: all optional */
	struct conf_check *checks;
	size_t nchecks;
	struct conf_health health;
	struct conf_probe probe;
	/* geoip, regions, services (conf_service.c): all optional; services need regions */
	struct conf_geoip geoip;
	struct conf_rrl rrl;	     /* conf_rrl.c */
	struct conf_anycast anycast; /* conf_anycast.c */
	struct conf_store store;     /* conf_store.c */
	struct region *regions;	     /* service.h */
	size_t nregions;
	struct service *services; /* index i = services[i].index */
	size_t nservices;
	size_t nmembers_total; /* member_health slots: members of all services */
	/* the network map (netmap.h) of the regions' networks and geoip.networks_file: its
	 * values index nets; NULL when no network is written (gslbd only builds it) */
	struct netmap *netmap;
	struct conf_net *nets;
	size_t nnets;
	bool regions_have_asns; /* some region lists asns: the client's ASN is looked up */
	int *service_lines;	/* config line of services[i], for errors found later */
	/* regions by name and services by wire name, positions in regions / services: no
	 * lookup scans thousands of them (conf_region_find, conf_service_find) */
	struct name_index region_index, service_index;
};

/* The check named name, or NULL. */
const struct conf_check *conf_check_find(const struct conf *c, const char *name);
/* The health key with this id (len bytes, not NUL-terminated), or NULL. */
const struct conf_health_key *conf_health_key_find(const struct conf_health *h, const char *id,
						   size_t len);
/* True when a report signed with k may carry the prober id id (len bytes, not
 * NUL-terminated). */
bool conf_health_key_allows(const struct conf_health_key *k, const char *id, size_t len);
/* Makes the loader read and validate the check types of table (NULL-terminated; static, kept
 * for the process's life) from the next conf_load on. Call before conf_load, on the thread
 * that loads; NULL goes back to reading checks leniently. */
void conf_check_types_register(const struct conf_check_type *const *table);
/* The registered type named name, or NULL. */
const struct conf_check_type *conf_check_type_find(const char *name);

/* The region named name, or NULL. */
const struct region *conf_region_find(const struct conf *c, const char *name);
/* The service named name (a lowercased wire name), or NULL; O(name length). */
const struct service *conf_service_find(const struct conf *c, const uint8_t *name);

/* How every message names a file of the config: the main file as main_path names it, an
 * @include (file as libconfig records it: the name written, relative to the main file's
 * directory) with main_path's directory before it, so that "site.inc" reads "site.inc"
 * beside "gslb.conf" and "/etc/gslb/site.inc" beside "/etc/gslb/gslb.conf". Writes out. */
void conf_file_name(const char *main_path, const char *file, char *out, size_t outlen);

struct config_t; /* libconfig */
/* libconfig's failed read of path (its @include directory dir) as one "file:line: syntax:
 * message" line in out; a missing @include file is named, with the reason. */
void conf_read_error(const struct config_t *cfg, const char *path, const char *dir, char *out,
		     size_t outlen);

/* The Levenshtein distance of a and b (UINT_MAX when either is longer than
 * CONF_SUGGEST_MAXLEN), for "did you mean" hints. */
#define CONF_SUGGEST_MAXLEN 63
unsigned conf_edit_distance(const char *a, const char *b);
/* True when known is close enough to typed to suggest it: two edits at most, and fewer
 * than typed has characters. */
bool conf_suggestion_close(const char *typed, const char *known);

/* True when v is 1..max of A-Z a-z 0-9 . _ - (names that travel in reports and logs). */
bool conf_name_ok(const char *v, size_t max);

/* Parses a "host:port", "[v6]:port", bare IPv4/IPv6 (default_port) into a;
 * returns 0 or -EINVAL. The caller frees a->text. */
int conf_parse_addr(const char *text, uint16_t default_port, struct conf_addr *a);

/* Sections of the file, for conf_load: each program names the ones it reads. */
#define CONF_S_SERVER 0x001u
#define CONF_S_ZONES 0x002u
#define CONF_S_CHECKS 0x004u
#define CONF_S_HEALTH 0x008u
#define CONF_S_PROBE 0x010u
#define CONF_S_GEOIP 0x020u
#define CONF_S_REGIONS 0x040u
#define CONF_S_SERVICES 0x080u
#define CONF_S_RRL 0x100u
#define CONF_S_ANYCAST 0x200u
#define CONF_S_STORE 0x400u
#define CONF_S_ALL 0x7ffu
/* What each program reads. gslbd: answers (zones, services, GeoIP), reports (health, the
 * checks members name) and rate limiting; gslb-probe: the members to check, with their
 * checks, the keys and its own section; gslb-anycast: the listen and control addresses
 * it probes, the first zone (its SOA probe) and its own section. */
#define CONF_S_GSLBD                                                                               \
	(CONF_S_SERVER | CONF_S_ZONES | CONF_S_GEOIP | CONF_S_REGIONS | CONF_S_SERVICES |          \
	 CONF_S_CHECKS | CONF_S_HEALTH | CONF_S_RRL | CONF_S_STORE)
#define CONF_S_GSLB_PROBE                                                                          \
	(CONF_S_REGIONS | CONF_S_SERVICES | CONF_S_CHECKS | CONF_S_HEALTH | CONF_S_PROBE)
#define CONF_S_GSLB_ANYCAST (CONF_S_SERVER | CONF_S_ZONES | CONF_S_ANYCAST)

/* A generous size for conf_load's (and snapshot_build's) err buffer: every error of a
 * file with many mistakes, one per line. */
#define CONF_ERRLEN 8192

/* Loads path and validates the sections named in the sections mask (CONF_S_*, plus those
 * they read: services their regions, probe the health keys, anycast the zones). Another
 * section is recognised but not read: its fields keep their defaults, its errors are not
 * reported, and nothing checks against it (no "not inside any served zone" without zones).
 * An unknown top-level name is an error whatever the mask. On success returns the conf
 * (caller frees with conf_free). On failure returns NULL and writes to err (errlen bytes,
 * may be 0) every error found, one "file:line: setting: message" per line, cut only at
 * errlen (CONF_ERRLEN is enough for any real file). Any thread; a struct conf is
 * immutable once returned. */
struct conf *conf_load(const char *path, unsigned sections, char *err, size_t errlen);
void conf_free(struct conf *c);

#endif
