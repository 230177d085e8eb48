/* SPDX-License-Identifier: Apache-2.0 */
/* snapshot.h — the immutable read-mostly state, swapped with RCU
 *
 * Config, compiled zones, the GeoIP handle, the service tables and (for
 * now) the member health slots form one snapshot. snapshot_build() makes a
 * new one off the query path, and is the one place that opens the GeoIP
 * database (the config loader only checks that its files are readable);
 * snapshot_publish() swaps it in with rcu_assign_pointer() and frees the
 * old one after a grace period. A build given the previous snapshot carries
 * each zone whose entry and files did not change (zone_stamp.h) instead of
 * reading it again: both snapshots then share the loaded zone (zone.h).
 * Readers (query threads, registered with liburcu) call snapshot_get()
 * inside rcu_read_lock()/rcu_read_unlock() and must not keep the pointer
 * past the unlock.
 */
#ifndef GSLB_SNAPSHOT_H
#define GSLB_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "member_stats.h"

struct conf;
struct dnssec_zone;
struct geo_asn_db;
struct geo_db;
struct member_health;
struct zone_stamp;
struct zonedb;

struct snapshot {
	struct conf *conf;
	struct zonedb *zones;	/* service names attached to their nodes (node->service) */
	struct geo_db *geo;	/* from conf->geoip; NULL without a geoip section */
	struct geo_asn_db *asn; /* geoip.asn_database, or NULL */
	/* the signing keys of zone i of conf (NULL: unsigned); the zones point at them */
	struct dnssec_zone **dnssec;
	size_t ndnssec;
	/* one per member slot (member->health), member_health_init'ed; owned by the
	 * snapshot until the health module carries states across reloads */
	struct member_health *health;
	size_t nhealth; /* conf->nmembers_total */
	/* answers per member slot and thread; empty (nothing counted) until the daemon sizes
	 * it with member_stats_init before publishing */
	struct member_stats answers;
	uint64_t generation; /* 1 for the first, +1 per publish */
	time_t built_at;
	/* what loads but is likely wrong, one "file:line: setting: message" per line (gslbd -t
	 * prints them, a start or reload logs them as event=config_warning); NULL = none */
	char *warnings;
	/* per conf->zones[i] (and zones->zones[i]): the files it was read from, for the next
	 * reload */
	struct zone_stamp *stamps;
	/* the zones carried from the previous snapshot and the ones read from their files,
	 * as "a.example.,b.example." ("" for none), for the reload's log line */
	char *zones_carried;
	char *zones_read;
};

/* Loads the config at path (the sections gslbd reads, CONF_S_GSLBD), opens
 * its GeoIP database and loads every zone it names, except that a zone of
 * prev (NULL: none) with the same name and file whose files did not change
 * is carried: shared, not read again. On failure returns NULL
 * and writes to err (errlen bytes; CONF_ERRLEN is generous) every error,
 * one "file:line: setting: message" per line; a built snapshot may carry
 * warnings. Any thread, with prev kept alive meanwhile (gslbd: the reload
 * lock, under which snapshots are published and freed) and built by the same
 * thread as this one's, since the loaded zones' counts are not atomic. */
struct snapshot *snapshot_build(const char *conf_path, const struct snapshot *prev, char *err,
				size_t errlen);
void snapshot_free(struct snapshot *s);

/* Publishes s (ownership passes) and frees the previous one after an RCU
 * grace period; the member answer counters carry over (member_stats.h).
 * Control thread only. */
void snapshot_publish(struct snapshot *s);
/* The current snapshot; call inside an RCU read-side section. */
const struct snapshot *snapshot_get(void);
/* Frees the current snapshot at shutdown, after readers stopped. */
void snapshot_shutdown(void);

#endif
