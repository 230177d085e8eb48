/* SPDX-License-Identifier: Apache-2.0 */
/* health_override.h — operator overrides of member health: policy and the state file
 *
 * An override is kept per (service, member name) in the health state (health.h), which
 * publishes it with the member: drain and force down publish down, force up publishes up,
 * drain also marks the member drained. This module is what an operator's action means and
 * how it outlives a restart:
 *
 *   - the actions gslbctl sends: drain, up, down and clear set or clear the override;
 *     undrain only clears a drain, so a member forced up or down keeps its force;
 *   - a region has no override of its own: draining it drains each member the caller
 *     found in it (replacing a force: one override per member), undraining clears those
 *     members' drains and keeps the forces set since;
 *   - health.state_file holds the overrides in force, rewritten whole on every change
 *     and read back at startup (health_file.h).
 *
 * Threads: every function takes the health state's lock; any thread may call them. The
 * state file is written under that lock, so writers never race on its temporary file.
 */
#ifndef GSLB_HEALTH_OVERRIDE_H
#define GSLB_HEALTH_OVERRIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dname.h"

struct health_state;

enum health_override {
	HEALTH_OVERRIDE_NONE = 0,
	HEALTH_OVERRIDE_DRAIN, /* take out of answers (published down) */
	HEALTH_OVERRIDE_UP,    /* up whatever the probes say */
	HEALTH_OVERRIDE_DOWN,  /* down whatever the probes say */
};

/* Who set an override, when, why, until when, and where it came from. */
#define HEALTH_WHO_MAX 64
#define HEALTH_WHY_MAX 256
struct health_override_meta {
	char who[HEALTH_WHO_MAX]; /* the control token's name, or "" */
	char why[HEALTH_WHY_MAX]; /* gslbctl --reason, or "" */
	const char *origin;	  /* static: "local" (this site) or "etcd" (the store) */
	uint64_t at_ms;		  /* unix ms of the change; 0 = not known */
	uint64_t expires_ms;	  /* unix ms it ends by itself (gslbctl --for); 0 = never */
	int64_t mod_rev;	  /* the etcd key's mod_revision (origin etcd), else 0 */
};

/* What an operator asks of a member (or, drain and undrain only, of a region). */
enum health_override_action {
	HEALTH_ACTION_DRAIN = 0,
	HEALTH_ACTION_UNDRAIN, /* clears a drain; a forced member stays forced */
	HEALTH_ACTION_UP,
	HEALTH_ACTION_DOWN,
	HEALTH_ACTION_CLEAR, /* clears any override */
};

/* "none", "drain", "up", "down" and back; parse returns -EINVAL for another word. */
const char *health_override_name(enum health_override o);
int health_override_parse(const char *word);
/* "drain", "undrain", "up", "down", "clear" to an action; -EINVAL for another word. */
int health_override_action_parse(const char *word);

/* Sets the override of the member named member (health_member_key: its name, or "#<index>")
 * of the service named service (wire name, any case); HEALTH_OVERRIDE_NONE clears it. Publishes the
 * member at once when it is bound and saves the state file when one is configured. Returns 0,
 * -ENOMEM, or the save's error (the override is set in memory even then). */
int health_override_set(struct health_state *s, const uint8_t *service, const char *member,
			enum health_override o);
enum health_override health_override_get(struct health_state *s, const uint8_t *service,
					 const char *member);

/* Applies action a to one member and sets *result to the override in force afterwards.
 * Saves the state file only when the override changed. Returns 0; -EBUSY for undrain on a
 * member forced up or down (nothing changed); or -ENOMEM or the save's error with the
 * override in force in memory. err says why on error. */
int health_override_member(struct health_state *s, const uint8_t *service, const char *member,
			   enum health_override_action a, enum health_override *result, char *err,
			   size_t errlen);
/* The same, recording meta (NULL: none) with the override in force afterwards. */
int health_override_member_meta(struct health_state *s, const uint8_t *service, const char *member,
				enum health_override_action a,
				const struct health_override_meta *meta,
				enum health_override *result, char *err, size_t errlen);
/* The override action a leaves on a member that has cur, or -EBUSY when a refuses (undrain
 * of a forced member). The store applies the same policy. */
int health_override_after(enum health_override_action a, enum health_override cur);

/* Clears the local overrides whose expiry (meta.expires_ms) is at or before now_ms, and
 * saves the state file when any was. Overrides from the store expire in etcd (a lease).
 * Returns the number cleared. Any thread. */
size_t health_override_expire(struct health_state *s, uint64_t now_ms);

/* One member of a region, copied out of the snapshot by the caller (which must not hold
 * the RCU read lock while the file is written). service is a lowercased wire name. */
#define HEALTH_MEMBER_NAME_MAX 64 /* a member's name (conf: 1..63 bytes) with its NUL */
struct health_member_ref {
	uint8_t service[DNAME_MAXLEN];
	char member[HEALTH_MEMBER_NAME_MAX]; /* health_member_key */
};

/* A region's drain (drain true) or undrain over its members refs[0..n): drain drains
 * each, a forced one too (a member has one override: the drain replaces its force, counted
 * in *forced); undrain clears each drain and leaves forced members as they are, counted in
 * *forced. So a force replaced by a region drain is not back after the undrain: the
 * operator forces the member again. *changed counts the members whose override changed.
 * Saves the state file once when anything changed. Returns 0, or -ENOMEM or the save's
 * error (err says so) with the overrides in force in memory. */
int health_override_region(struct health_state *s, const struct health_member_ref *refs, size_t n,
			   bool drain, const struct health_override_meta *meta, size_t *changed,
			   size_t *forced, char *err, size_t errlen);

#endif
