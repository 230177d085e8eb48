/* SPDX-License-Identifier: Apache-2.0 */
/* snapshot.c — builds the immutable state and swaps it in with RCU */
#include "config.h"

#include "snapshot.h"

#include "conf.h"
#include "dname.h"
#include "dnssec.h"
#include "geo.h"
#include "service.h"
#include "zone.h"

#include <urcu.h>

#include <errno.h>
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
static int load_keys(const struct conf *conf, struct zone **zones, struct dnssec_zone **dz,
		     char *err, size_t errlen)
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
			continue;
		}
		int r = dnssec_zone_attach(zones[i], dz[i]);
		if (r == -EEXIST)
			snprintf(kerr, sizeof(kerr),
				 "%s: zones[%zu].dnssec: %s has DNSKEY, CDS or CDNSKEY records at "
				 "its apex: remove them, gslbd publishes the keys of dnssec.keys",
				 cz->dnssec.keys_at, i, cz->file);
		else if (r < 0)
			snprintf(kerr, sizeof(kerr), "%s: zones[%zu].dnssec: %s",
				 cz->dnssec.keys_at, i, strerror(-r));
		if (r < 0) {
			err_append(err, errlen, kerr);
			ret = -EINVAL;
		}
	}
	return ret;
}

/* The member health slots. */
static int init_health(struct snapshot *s, char *err, size_t errlen)
{
	s->nhealth = s->conf->nmembers_total;
	s->health = calloc(s->nhealth ? s->nhealth : 1, sizeof(*s->health));
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

struct snapshot *snapshot_build(const char *conf_path, char *err, size_t errlen)
{
	struct snapshot *s = NULL;
	struct conf *conf = NULL;
	struct zone **zones = NULL;
	struct zonedb *db = NULL;
	struct geo_db *geo = NULL;
	struct geo_asn_db *asn = NULL;
	struct dnssec_zone **keys = NULL;
	size_t i;
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
	zones = calloc(conf->nzones ? conf->nzones : 1, sizeof(*zones));
	if (zones == NULL) {
		err_append(err, errlen, "snapshot: out of memory");
		failed = true;
		goto out;
	}
	/* Load every zone even after a failure, so that one run of -t or one
	 * failed reload reports all broken files. */
	for (i = 0; i < conf->nzones; i++) {
		char zerr[1024] = "";

		zones[i] = zone_load(conf->zones[i].name, conf->zones[i].file, zerr, sizeof(zerr));
		if (zones[i] == NULL) {
			if (zerr[0] == '\0')
				snprintf(zerr, sizeof(zerr), "%s:%d: zones: %s: cannot load zone",
					 conf->path, conf->zones[i].line, conf->zones[i].name);
			err_append(err, errlen, zerr);
			failed = true;
		}
	}
	if (failed)
		goto out;
	keys = calloc(conf->nzones ? conf->nzones : 1, sizeof(*keys));
	if (keys == NULL || load_keys(conf, zones, keys, err, errlen) != 0) {
		if (keys == NULL)
			err_append(err, errlen, "snapshot: out of memory");
		failed = true;
		goto out;
	}
	db = zonedb_new(zones, conf->nzones);
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
	s->built_at = time(NULL);
	s->warnings = geo_warnings(conf, geo);
	conf = NULL;
	db = NULL;
	geo = NULL;
	asn = NULL;
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
	if (zones != NULL && conf != NULL) {
		for (i = 0; i < conf->nzones; i++)
			zone_free(zones[i]);
	}
	free(zones);
	for (i = 0; keys != NULL && conf != NULL && i < conf->nzones; i++)
		dnssec_zone_free(keys[i]); /* after the zones that point at them */
	free(keys);
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
