/* SPDX-License-Identifier: Apache-2.0 */
/* conf_schema.h — the config loader's schema engine, for the files that define sections
 *
 * Internal to the loader: conf.c holds the engine (the walker, defaults,
 * release) and conf_schema[], the one table that registers sections; each
 * section's keys live in a table of struct conf_item rows, in conf.c or in
 * a file of its own (conf_health.c), declared at the end of this header.
 *
 * Every group of the file is checked against its table: unknown keys,
 * types, ranges and required keys are errors, and each value is stored at
 * an offset into the struct the table describes. Defaults come from the
 * rows, and so does conf_free. Adding a section is: a struct (a field of
 * struct conf), a table of its keys, a row in conf_schema[], and hooks only
 * for values that need more than a type and a range. Checks that span
 * sections (a key id named in one section and defined in another) go in
 * conf_late[] in conf.c; they run after the whole file is read, when their
 * section is loaded. A program loads only the sections it reads (conf.h,
 * CONF_S_*): a check against another section tests x->sections first.
 *
 * Everything here runs on the thread that calls conf_load.
 */
#ifndef GSLB_CONF_SCHEMA_H
#define GSLB_CONF_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"

#include <libconfig.h>

enum conf_type {
	CT_INT = 0, /* int64 range-checked, stored as 1/2/4/8-byte integer */
	CT_FLOAT,   /* double; integers accepted */
	CT_STRING,  /* char *, malloc'd */
	CT_BOOL,    /* bool */
	CT_STRS,    /* array of strings -> char ** + size_t count */
	CT_GROUP,   /* nested table; its fields live at base + off */
	CT_LIST,    /* list of groups -> array of elem_size + size_t count */
	CT_ENUM,    /* string, one of .enums -> its index as a 1/2/4/8-byte integer */
};

#define CONF_REQUIRED 0x1
/* CT_STRS: a lone string stands for a one-element array; CT_LIST: a string instead of the
 * list, given to .store */
#define CONF_SCALAR_OK 0x2
#define CONF_OPEN 0x4	   /* on a table's NULL row: keys not in it are left to finish */
#define CONF_ANY_ELEMS 0x8 /* CT_STRS: elements of any scalar type; the store hook checks them */

/* Setting paths for messages: "server.tcp.idle_timeout", "zones[1].file". Long paths are
 * cut, which only shortens a message. */
#define CONF_PATHLEN 512

/* The state of one load: the conf being filled and the error stream. */
struct conf_ctx {
	struct conf *c;
	unsigned sections; /* CONF_S_* read this time, with the ones they need */
	FILE *err;	   /* open_memstream over errbuf */
	char *errbuf;
	size_t errlen;
	int nerr;
};

struct conf_item;

/* A hook stores (or checks) a value instead of the default store; errors
 * go through conf_err. base is the struct the item's table describes. A
 * finish hook gets s = NULL when its group or list is absent. */
typedef void conf_hook_fn(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
			  char *base, const char *path);
/* Frees what a hook stored; called by conf_free. */
typedef void conf_release_fn(const struct conf_item *it, char *base);
/* A check across sections, run once the whole file is read (also after errors: it must
 * cope with half-filled structs). root is the file's root group. */
typedef void conf_late_fn(struct conf_ctx *x, const config_setting_t *root);

struct conf_item {
	const char *name;
	enum conf_type type;
	unsigned flags;
	size_t off;	     /* value (or array pointer, or nested struct) in base */
	size_t size;	     /* CT_INT, CT_ENUM: width of the stored integer */
	size_t count_off;    /* CT_STRS, CT_LIST: where the element count goes */
	size_t elem_size;    /* CT_LIST: one element */
	size_t min_count;    /* CT_STRS, CT_LIST: at least this many elements */
	int64_t min, max;    /* CT_INT range */
	double fmin, fmax;   /* CT_FLOAT range */
	int64_t def_int;     /* CT_INT, CT_BOOL, CT_ENUM default; conf_store_addrs: default port */
	double def_float;    /* CT_FLOAT default */
	const char *def_str; /* CT_STRING default (NULL = none) */
	const char *const *enums;    /* CT_ENUM: the accepted words, NULL-terminated */
	const struct conf_item *sub; /* CT_GROUP keys; CT_LIST keys of each element */
	conf_hook_fn *store;	     /* replaces the default store */
	conf_hook_fn *finish;	     /* CT_GROUP, CT_LIST: checks after all keys are read */
	conf_release_fn *release;    /* frees what store kept */
	unsigned section;	     /* top level: the CONF_S_* bit of this section */
	unsigned needs;		     /* top level: sections its hooks read (loaded with it) */
};

#define FIELD(st, m) .off = offsetof(st, m), .size = sizeof(((st *)0)->m)
#define ARRAY(st, m, n) .off = offsetof(st, m), .count_off = offsetof(st, n)

/* Reports "file:line: path: message"; s may be NULL (then line 1 of the main file). */
__attribute__((format(printf, 4, 5))) void conf_err(struct conf_ctx *x, const config_setting_t *s,
						    const char *path, const char *fmt, ...);
void conf_oom(struct conf_ctx *x, const config_setting_t *s, const char *path);
/* Reports "file:line: message" about a file the loader reads itself (geoip.networks_file). */
__attribute__((format(printf, 4, 5))) void conf_err_at(struct conf_ctx *x, const char *file,
						       unsigned line, const char *fmt, ...);

/* "file:line" of s as conf_err prints it (malloc'd, caller frees), or NULL when out of
 * memory: for errors found after the load, when the file is no longer open. */
char *conf_where(struct conf_ctx *x, const config_setting_t *s);

/* snprintf into a path buffer (CONF_PATHLEN); truncation only shortens messages. */
__attribute__((format(printf, 3, 4))) void conf_path_fmt(char *out, size_t size, const char *fmt,
							 ...);
/* out = path + "." + name (or name at the top level). */
void conf_join_path(char *out, size_t size, const char *path, const char *name);

/* "an integer", "a string", ... for messages. */
const char *conf_type_name(const config_setting_t *s);

/* Returns v resolved against the config file's directory (malloc'd, caller frees), or NULL
 * when out of memory. */
char *conf_resolve(struct conf_ctx *x, const char *v);

/* The default CT_STRING store: a copy of the value replaces the char * at it->off. Store
 * hooks that only validate call it once the value passed. */
void conf_store_string(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		       char *base, const char *path);

/* Reads a secret (server.control.token_file, store.password_file) from file, resolved with
 * conf_resolve, into *out (malloc'd, replacing it), trailing whitespace trimmed: at most
 * 1024 bytes, no NUL, and the file must not be readable or writable by other users (whoever
 * reads the secret acts as gslbd). Errors go through conf_err at s, path. */
void conf_read_secret(struct conf_ctx *x, const config_setting_t *s, const char *path,
		      const char *file, char **out);

/* Store hook for a CT_STRING file name: resolved with conf_resolve, must be a readable
 * regular file; stores the canonical absolute path (char * at it->off). */
void conf_store_path(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		     char *base, const char *path);

/* Store hook for a CT_STRS of addresses ("host:port", "[v6]:port", bare; default port
 * it->def_int): struct conf_addr array at it->off, count at it->count_off. Duplicates are
 * errors. Pair with .release = conf_release_addrs. */
void conf_store_addrs(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		      char *base, const char *path);
void conf_release_addrs(const struct conf_item *it, char *base);

/* A table known only at run time (a check type's keys): its defaults, one key (type and
 * range checked, stored), and its release, as the walker does them. */
void conf_table_defaults(const struct conf_item *tab, char *base);
void conf_table_load(struct conf_ctx *x, const struct conf_item *it, const config_setting_t *s,
		     char *base, const char *path);
void conf_table_release(const struct conf_item *tab, char *base);

/* ---- sections defined outside conf.c ---- */

/* conf_health.c: checks = ( ... ); health: { ... }; probe: { ... }; */
extern const struct conf_item conf_check_items[];
extern const struct conf_item conf_health_items[];
extern const struct conf_item conf_probe_items[];
conf_hook_fn conf_finish_checks;
conf_hook_fn conf_finish_health;
conf_hook_fn conf_finish_probe;
conf_late_fn conf_late_probe;

/* conf_service.c: geoip: { ... }; regions = ( ... ); services = ( ... ); */
extern const struct conf_item conf_geoip_items[];
extern const struct conf_item conf_region_items[];
extern const struct conf_item conf_service_items[];
conf_hook_fn conf_finish_geoip;
conf_hook_fn conf_finish_regions;
conf_hook_fn conf_finish_services;
conf_late_fn conf_late_services;

/* conf_netmap.c: regions[].networks, geoip.networks_file and the network map built from them */
conf_hook_fn conf_store_networks;
conf_release_fn conf_release_networks;
conf_late_fn conf_late_networks;

/* conf_rrl.c: rrl: { ... } */
extern const struct conf_item conf_rrl_items[];
conf_hook_fn conf_finish_rrl;

/* conf_anycast.c: anycast: { ... } */
extern const struct conf_item conf_store_items[];
conf_hook_fn conf_finish_store;
extern const struct conf_item conf_anycast_items[];
conf_hook_fn conf_finish_anycast;

#endif
