/* SPDX-License-Identifier: Apache-2.0 */
/* snapshot.c — builds the immutable state and swaps it in with RCU */
#include "config.h"

#include "snapshot.h"

#include "clock.h"
#include "conf.h"
#include "dname.h"
#include "dnssec.h"
#include "geo.h"
#include "service.h"
#include "zone.h"
#include "zone_stamp.h"

#include <urcu.h>

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The published snapshot. Written only by the control thread, read by the
 * query threads through rcu_dereference(). */
static struct snapshot *current;
/* Publish count; only the control thread touches it. */
static uint64_t generation;

/* Appends text (one or more lines) to err, one line per message, without a
 * trailing newline on the last; what does not fit in errlen is cut. */
static void err_append(char *err, size_t errlen, const char *text)
{
	size_t len = strlen(text), used;

	while (len > 0 && text[len - 1] == '\n')
		len--;
	if (len == 0 || errlen == 0)
		return;
	used = strlen(err);
	snprintf(err + used, errlen - used, "%s%.*s", used > 0 ? "\n" : "", (int)len, text);
}

/* Hangs every service on its node in the deepest zone containing it. The
 * config checked that some served zone contains each name; zone cuts are
 * only known now. */
static int attach_services(const struct conf *conf, struct zonedb *db, char *err, size_t errlen)
{
	int ret = 0;

	for (size_t i = 0; i < conf->nservices; i++) {
		const struct service *svc = &conf->services[i];
		/* the db is not published yet: nothing reads it concurrently */
		struct zone *z = (struct zone *)zonedb_find(db, svc->name);
		char name[DNAME_MAXLEN * 4 + 2], msg[DNAME_MAXLEN * 8 + 128];
		int r;

		if (dname_to_str(svc->name, name, sizeof(name)) != 0)
			name[0] = '\0';
		r = z != NULL ? zone_attach_service(z, svc->name, svc) : -EINVAL;
		if (r == 0)
			continue;
		if (r == -EINVAL && z != NULL)
			snprintf(msg, sizeof(msg),
				 "%s:%d: services[%zu].name: %s is at or below a zone cut in %s",
				 conf->path, conf->service_lines[i], i, name, z->name);
		else if (r == -EINVAL)
			snprintf(msg, sizeof(msg),
				 "%s:%d: services[%zu].name: %s: not inside any "
				 "served zone",
				 conf->path, conf->service_lines[i], i, name);
		else
			snprintf(msg, sizeof(msg), "%s:%d: services[%zu].name: %s: %s", conf->path,
				 conf->service_lines[i], i, name, strerror(-r));
		err_append(err, errlen, msg);
		ret = -EINVAL;
	}
	return ret;
}

/* Opens the GeoIP database of conf, the one time it is opened for a snapshot; NULL in *geo
 * without a geoip section. The config only checked that the files are readable: a file
 * that is not a database of the schema fails here, blamed on the line of its setting. */
static int open_geo(const struct conf *conf, struct geo_db **geo, char *err, size_t errlen)
{
	const struct conf_geoip *g = &conf->geoip;
	char gerr[1024] = "", msg[1400];
	bool six;

	*geo = NULL;
	if (!g->enabled)
		return 0;
	*geo = geo_open2(g->database, g->database6, g->schema, gerr, sizeof(gerr));
	if (*geo != NULL)
		return 0;
	/* blame database6 when the message is about that file */
	six = g->database6 && !strncmp(gerr, g->database6, strlen(g->database6)) &&
	      gerr[strlen(g->database6)] == ':';
	snprintf(msg, sizeof(msg), "%s: geoip.%s: %s", six ? g->database6_at : g->database_at,
		 six ? "database6" : "database", gerr[0] ? gerr : "cannot open");
	err_append(err, errlen, msg);
	return -EINVAL;
}

/* Opens geoip.asn_database, when given, like open_geo. */
static int open_asn(const struct conf *conf, struct geo_asn_db **asn, char *err, size_t errlen)
{
	const struct conf_geoip *g = &conf->geoip;
	char gerr[1024] = "", msg[1400];

	*asn = NULL;
	if (!g->enabled || !g->asn_database)
		return 0;
	*asn = geo_asn_open(g->asn_database, gerr, sizeof(gerr));
	if (*asn != NULL)
		return 0;
	snprintf(msg, sizeof(msg), "%s: geoip.asn_database: %s", g->asn_database_at,
		 gerr[0] ? gerr : "cannot open");
	err_append(err, errlen, msg);
	return -EINVAL;
}

/* Loads the keys of every signed zone and publishes them at its apex (DNSKEY, CDS,
 * CDNSKEY). dz[i] is zone i's key set or NULL; the caller frees them after the zones. */
static int load_keys(const struct conf *conf, struct dnssec_zone **dz, char *err, size_t errlen)
{
	int ret = 0;

	for (size_t i = 0; i < conf->nzones; i++) {
		const struct conf_zone *cz = &conf->zones[i];
		char kerr[6000] = "";

		if (!cz->dnssec.enabled)
			continue;
		dz[i] = dnssec_zone_load(cz, i, kerr, sizeof(kerr));
		if (!dz[i]) {
			err_append(err, errlen, kerr);
			ret = -EINVAL;
		}
	}
	return ret;
}

/* Publishes the keys dz of zone i at the apex of the zone loaded from its file (before any
 * view shares it: the RRsets go into the loaded zone). Returns 0, or -EINVAL with the
 * error appended. */
static int attach_keys(const struct conf *conf, size_t i, struct zone *loaded,
		       const struct dnssec_zone *dz, char *err, size_t errlen)
{
	const struct conf_zone *cz = &conf->zones[i];
	char kerr[1200] = "";
	int r = dnssec_zone_attach(loaded, dz);

	if (r == -EEXIST)
		snprintf(kerr, sizeof(kerr),
			 "%s: zones[%zu].dnssec: %s has DNSKEY, CDS or CDNSKEY records at "
			 "its apex: remove them, gslbd publishes the keys of dnssec.keys",
			 cz->dnssec.keys_at, i, cz->file);
	else if (r < 0)
		snprintf(kerr, sizeof(kerr), "%s: zones[%zu].dnssec: %s", cz->dnssec.keys_at, i,
			 strerror(-r));
	if (r < 0) {
		err_append(err, errlen, kerr);
		return -EINVAL;
	}
	return 0;
}

/* The member health slots. */
static int init_health(struct snapshot *s, char *err, size_t errlen)
{
	/* cache-line aligned: a service's slots are consecutive (service.health_first), so
	 * that its members' words take the fewest lines a query reads */
	size_t size = ((s->nhealth = s->conf->nmembers_total) + 1) * sizeof(*s->health);

	s->health = aligned_alloc(64, (size + 63) & ~(size_t)63);
	if (s->health == NULL) {
		err_append(err, errlen, "snapshot: out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->nhealth; i++)
		member_health_init(&s->health[i]);
	return 0;
}

/* An IPv4-only database alone: every IPv6 client (and ECS IPv6 subnet) gets no location,
 * answered with scope 0 from whatever region the filters fall back to. Loads, but warn. The
 * warnings of a snapshot (malloc'd), or NULL. */
static char *geo_warnings(const struct conf *conf, const struct geo_db *geo)
{
	char *w = NULL;

	if (geo == NULL || geo_has_ipv6(geo))
		return NULL;
	if (asprintf(&w,
		     "%s: geoip.database: warning: \"%s\" has no IPv6 data (ip_version 4) and no "
		     "database6 is set: IPv6 clients get no location; set geoip.database6 to an "
		     "IPv6 database or use one with both families (GeoLite2-City has both)",
		     conf->geoip.database_at, conf->geoip.database) < 0)
		return NULL;
	return w;
}

/* The zone of prev that conf's zone z may carry: same name, same file, files unchanged
 * (read and hashed here); NULL when it must be read. */
static struct zone *carried_zone(const struct snapshot *prev, const struct conf_zone *z,
				 const struct zone_stamp **stamp)
{
	for (size_t j = 0; prev != NULL && j < prev->conf->nzones; j++) {
		const struct conf_zone *o = &prev->conf->zones[j];
		struct zone *loaded;

		if (!dname_equal(o->apex, z->apex) || strcmp(o->file, z->file) != 0)
			continue;
		loaded = prev->zones->zones[j]->base;
		if (loaded == NULL ||
		    !zone_stamp_matches(&prev->stamps[j], loaded->sources, loaded->nsources))
			return NULL;
		*stamp = &prev->stamps[j];
		return loaded;
	}
	return NULL;
}

/* Appends name to the comma-separated list *list (malloc'd); false on ENOMEM. */
static bool list_add(char **list, const char *name)
{
	char *l = NULL;

	if (asprintf(&l, "%s%s%s", *list ? *list : "", *list && **list ? "," : "", name) < 0)
		return false;
	free(*list);
	*list = l;
	return true;
}

/* zones[i]: a view of conf->zones[i], carried from prev or read from its files, with its
 * stamp in stamps[i]. Every zone is tried even after a failure, so that one run of -t
 * or one failed reload reports all broken files. */
static int load_zones(const struct conf *conf, const struct snapshot *prev, struct zone **zones,
		      struct zone_stamp *stamps, struct dnssec_zone *const *keys, char **carried,
		      char **read, char *err, size_t errlen)
{
	int ret = 0;

	*carried = strdup("");
	*read = strdup("");
	if (*carried == NULL || *read == NULL) {
		err_append(err, errlen, "snapshot: out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < conf->nzones; i++) {
		const struct conf_zone *cz = &conf->zones[i];
		const struct zone_stamp *was = NULL;
		/* a signed zone is read again: its key RRsets are its snapshot's keys' */
		struct zone *loaded = cz->dnssec.enabled ? NULL : carried_zone(prev, cz, &was);
		char zerr[1024] = "";
		bool ok;

		if (loaded != NULL) {
			ok = zone_stamp_copy(&stamps[i], was) == 0 &&
			     list_add(carried, loaded->name);
		} else {
			uint64_t began = clock_wall_us();

			loaded = zone_load(cz->name, cz->file, zerr, sizeof(zerr));
			if (loaded == NULL) {
				if (zerr[0] == '\0')
					snprintf(zerr, sizeof(zerr),
						 "%s:%d: zones: %s: cannot load zone", conf->path,
						 cz->line, cz->name);
				err_append(err, errlen, zerr);
				ret = -EINVAL;
				continue;
			}
			if (keys[i] != NULL &&
			    attach_keys(conf, i, loaded, keys[i], err, errlen) != 0) {
				zone_free(loaded);
				ret = -EINVAL;
				continue;
			}
			/* a file that cannot be stamped leaves the stamp empty: read next time */
			zone_stamp_take(&stamps[i], loaded->sources, loaded->nsources, began);
			ok = list_add(read, loaded->name);
		}
		zones[i] = zone_view_new(loaded);
		if (zones[i] == NULL && loaded->refs == 0)
			zone_free(loaded);
		if (zones[i] == NULL || !ok) {
			err_append(err, errlen, "snapshot: out of memory");
			ret = -ENOMEM;
		}
	}
	return ret;
}

static void free_stamps(struct zone_stamp *stamps, size_t n)
{
	for (size_t i = 0; stamps != NULL && i < n; i++)
		zone_stamp_free(&stamps[i]);
	free(stamps);
}

struct snapshot *snapshot_build(const char *conf_path, const struct snapshot *prev, char *err,
				size_t errlen)
{
	struct snapshot *s = NULL;
	struct conf *conf = NULL;
	struct zone **zones = NULL;
	struct zone_stamp *stamps = NULL;
	struct zonedb *db = NULL;
	struct geo_db *geo = NULL;
	struct geo_asn_db *asn = NULL;
	struct dnssec_zone **keys = NULL;
	char *carried = NULL, *read = NULL;
	size_t i, nzones = 0;
	bool failed = false;

	if (errlen > 0)
		err[0] = '\0';
	conf = conf_load(conf_path, CONF_S_GSLBD, err, errlen);
	if (conf == NULL) {
		failed = true;
		goto out;
	}
	/* a database that does not open is a config error: no zones are loaded after one */
	if (open_geo(conf, &geo, err, errlen) != 0 || open_asn(conf, &asn, err, errlen) != 0) {
		failed = true;
		goto out;
	}
	nzones = conf->nzones;
	zones = calloc(nzones ? nzones : 1, sizeof(*zones));
	stamps = calloc(nzones ? nzones : 1, sizeof(*stamps));
	if (zones == NULL || stamps == NULL) {
		err_append(err, errlen, "snapshot: out of memory");
		failed = true;
		goto out;
	}
	/* the keys first: a signed zone gets its key RRsets as it is loaded (load_zones) */
	keys = calloc(nzones ? nzones : 1, sizeof(*keys));
	if (keys == NULL) {
		err_append(err, errlen, "snapshot: out of memory");
		failed = true;
		goto out;
	}
	/* every zone is loaded even after a failure, so that one run of -t or one failed
	 * reload reports all broken files and keys */
	failed = load_keys(conf, keys, err, errlen) != 0;
	if (load_zones(conf, prev, zones, stamps, keys, &carried, &read, err, errlen) != 0 ||
	    failed) {
		failed = true;
		goto out;
	}
	db = zonedb_new(zones, nzones);
	if (db == NULL) {
		err_append(err, errlen, "snapshot: out of memory");
		failed = true;
		goto out;
	}
	zones = NULL; /* owned by db now */
	if (attach_services(conf, db, err, errlen) != 0) {
		failed = true;
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		err_append(err, errlen, "snapshot: out of memory");
		failed = true;
		goto out;
	}
	s->conf = conf;
	s->zones = db;
	s->dnssec = keys;
	s->ndnssec = conf->nzones;
	keys = NULL;
	s->geo = geo;
	s->asn = asn;
	s->stamps = stamps;
	s->zones_carried = carried;
	s->zones_read = read;
	s->built_at = time(NULL);
	s->warnings = geo_warnings(conf, geo);
	conf = NULL;
	db = NULL;
	geo = NULL;
	asn = NULL;
	stamps = NULL;
	carried = NULL;
	read = NULL;
	if (init_health(s, err, errlen) != 0) {
		failed = true;
		snapshot_free(s);
		s = NULL;
		goto out;
	}
out:
	geo_close(geo);
	geo_asn_close(asn);
	zonedb_free(db);
	for (i = 0; zones != NULL && i < nzones; i++)
		zone_free(zones[i]);
	free(zones);
	for (i = 0; keys != NULL && i < nzones; i++)
		dnssec_zone_free(keys[i]); /* after the zones that point at them */
	free(keys);
	free_stamps(stamps, nzones);
	free(carried);
	free(read);
	conf_free(conf);
	return failed ? NULL : s;
}

void snapshot_free(struct snapshot *s)
{
	if (s == NULL)
		return;
	geo_close(s->geo);
	free(s->warnings);
	geo_asn_close(s->asn);
	free(s->health);
	member_stats_free(&s->answers);
	zonedb_free(s->zones);
	for (size_t i = 0; i < s->ndnssec; i++)
		dnssec_zone_free(s->dnssec[i]);
	free(s->dnssec);
	free_stamps(s->stamps, s->conf->nzones);
	free(s->zones_carried);
	free(s->zones_read);
	conf_free(s->conf);
	free(s);
}

void snapshot_publish(struct snapshot *s)
{
	struct snapshot *old;

	s->generation = ++generation;
	old = rcu_dereference(current);
	if (old != NULL)
		member_stats_carry(&s->answers, s->conf, &old->answers, old->conf);
	old = rcu_xchg_pointer(&current, s);
	if (old != NULL) {
		/* Readers hold the lock for one batch of queries at most, so
		 * the wait is short and keeps the control thread simple. */
		synchronize_rcu();
		member_stats_fold(&s->answers, &old->answers);
		snapshot_free(old);
		/* A zone read again leaves the old copy's pages free inside the heap: give them
		 * back, so that the resident memory after a reload is that of one snapshot. */
		malloc_trim(0);
	}
}

const struct snapshot *snapshot_get(void)
{
	return rcu_dereference(current);
}

void snapshot_shutdown(void)
{
	struct snapshot *old = rcu_xchg_pointer(&current, NULL);

	if (old != NULL) {
		synchronize_rcu();
		snapshot_free(old);
	}
}
