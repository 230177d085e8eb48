/* SPDX-License-Identifier: Apache-2.0 */
/* health.h — combining probe reports into member health; what the health state holds
 *
 * The receiver-side state of gslbd: per prober its last sequence number and
 * report time; per member address (a "target": service, member index,
 * address) the last vote of every prober; per member an operator override.
 * Pure logic: time comes in as unix milliseconds, no sockets, no clock.
 *
 * A target is down when at least quorum FRESH probers (whose last report
 * on it is at most stale_after old) say down, else up. With no fresh vote
 * at all it keeps its last state for grace seconds (counted from when its
 * last vote went stale, or from its creation), then takes the configured
 * default; a new target starts in the default state. RTT and load are the
 * means over the fresh votes that carry them.
 *
 * struct member_health (service.h) is one per member: it is published up
 * while any of its addresses is up, with the down ones in down_addrs (the
 * answer leaves them out, so one failed VIP does not move a region's traffic),
 * fresh when any address has a fresh vote, with RTT and load averaged over its
 * fresh addresses. An override wins: drain and force down publish down, force up
 * publishes up; drain also sets member_health.drained, so that the up
 * filter keeps a drained member out even when it fails open over members
 * that are all down. Overrides are kept per (service, member name) and
 * survive members leaving and returning, and reordering; what an operator's action means and
 * the state file they persist in are health_override.h's.
 *
 * Threads: one mutex guards the state; every function may be called from
 * any thread (receiver, control, gslbctl handler). The query path never
 * calls in here: it reads the published member_health atomics.
 */
#ifndef GSLB_HEALTH_H
#define GSLB_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "health_override.h"
#include "report.h"
#include "service.h"

#define HEALTH_MAX_PROBERS 1024 /* reports from more distinct prober ids are rejected */
#define HEALTH_R_TOO_MANY_PROBERS "too_many_probers"
/* Stamped before this state was created: the replay windows of the previous process are
 * gone, so only reports younger than the process are taken (see health_new). */
#define HEALTH_R_BEFORE_START "before_start"
/* A prober with no accepted report for this many stale_after, or grace, or twice
 * max_clock_skew, whichever is longest, is forgotten with its votes; see health_expire. */
#define HEALTH_PROBER_IDLE_STALES 10

struct health_state;

/* A new, empty state with h's parameters (quorum, stale_after, grace, default,
 * max_clock_skew, state_file; copied), created at now_ms: reports stamped before now_ms
 * are rejected (HEALTH_R_BEFORE_START), so that one captured before a restart cannot be
 * replayed to the new process, whose replay windows start empty. The clock-skew
 * tolerance does not reach back across the start: a prober whose clock is behind
 * gslbd's by d is heard d after the start. h may be the defaults of a config without a
 * health section. Returns NULL when out of memory. Free with health_free. */
struct health_state *health_new(const struct conf_health *h, uint64_t now_ms);
void health_free(struct health_state *s);

/* Takes h's parameters after a reload; votes, probers and overrides are kept. */
int health_configure(struct health_state *s, const struct conf_health *h);

/* Binds the members of a new snapshot: services[0..nservices) (conf->services) whose
 * members carry slots member->health < nslots, and slots, the snapshot's array of nslots
 * member_health (snapshot->health). Fills the array from the state, so that a reload keeps
 * health, and publishes to it from now on; the previous array is no longer written. The
 * caller keeps owning the array: free it (with its snapshot, after the RCU grace period)
 * only once the next one is bound, or after health_free. Targets are each member's IPv4 and
 * IPv6 addresses, or family 0 for a CNAME member; targets a member lost are forgotten.
 * now_ms starts the grace of new targets. Returns 0, or -ENOMEM with the state unchanged. */
int health_bind(struct health_state *s, const struct service *services, size_t nservices,
		struct member_health *slots, size_t nslots, uint64_t now_ms);

/* Applies a verified report (report_verify_parse) received at now_ms: rejects a timestamp
 * more than max_clock_skew away (REPORT_R_STALE_TIMESTAMP, REPORT_R_FUTURE_TIMESTAMP) or
 * before the state was created (HEALTH_R_BEFORE_START), a sequence number below the
 * prober's last, or a part of its last snapshot already seen (REPORT_R_REPLAY), a new
 * prober beyond HEALTH_MAX_PROBERS once idle ones are expired (HEALTH_R_TOO_MANY_PROBERS);
 * then records each entry as that prober's vote on its target. Entries for unknown
 * services, members or addresses are skipped. Returns the number of entries recorded, or a
 * negative errno (-ESTALE, -EBADMSG for a replay, -ENOSPC, -ENOMEM) with *reason set. The
 * new votes count from the next health_evaluate. */
int health_apply_report(struct health_state *s, const struct report_view *v, uint64_t now_ms,
			const char **reason);

/* Recomputes every bound target and member at now_ms, publishes the members' atomics,
 * and logs each change of state with the votes; then forgets idle probers
 * (health_expire). Returns the number of targets and members whose up/down state changed.
 * Call on a short tick (staleness and grace run on time) and when health_evaluate_due. */
int health_evaluate(struct health_state *s, uint64_t now_ms);
/* Whether a report changed how a vote counts (up/down, a first vote, or one that was stale)
 * since the last health_evaluate:
 * the receiver then evaluates at once instead of at its next tick. Any thread. */
bool health_evaluate_due(struct health_state *s);

/* Forgets every prober with no accepted report for longer than the longest of
 * HEALTH_PROBER_IDLE_STALES × stale_after, grace and 2 × max_clock_skew, with its votes,
 * so that ids invented once cannot hold the prober table for good. By then its votes have
 * been stale for a while and the targets' grace already counts from them, so no state
 * changes; and any report of it that could be replayed is older than max_clock_skew, so
 * forgetting its replay window lets no replay through. A forgotten prober that reports
 * again starts afresh. Returns the number forgotten. */
size_t health_expire(struct health_state *s, uint64_t now_ms);

/* The override store, for health_override.c: these run between health_lock and
 * health_unlock, so that reading, changing and saving the overrides is one step. */
void health_lock(struct health_state *s);
void health_unlock(struct health_state *s);
/* The key of member mb in the overrides: its name (member.name), or "#<index>" for a
 * member built without one (tests, fallback members). A state file written before members
 * had names holds "#<index>" keys too: the first health_bind renames them. */
void health_member_key(const struct member *mb, char out[HEALTH_MEMBER_NAME_MAX]);
/* The override of (service, member name); service is a wire name in any case. */
enum health_override health_get_override(struct health_state *s, const uint8_t *service,
					 const char *member);
/* Sets it (HEALTH_OVERRIDE_NONE clears it), logs a change and publishes the member at once
 * when it is bound. Returns 0 or -ENOMEM (nothing changed). */
int health_put_override(struct health_state *s, const uint8_t *service, const char *member,
			enum health_override o);
/* The same with who, why, when and the expiry (meta NULL: none, origin local); and the
 * override with its meta (zeroed, origin NULL, when none). */
int health_put_override_meta(struct health_state *s, const uint8_t *service, const char *member,
			     enum health_override o, const struct health_override_meta *meta);
enum health_override health_get_override_meta(struct health_state *s, const uint8_t *service,
					      const char *member,
					      struct health_override_meta *meta);
/* Calls fn for every override in force, in the order members were first seen. */
void health_foreach_override(struct health_state *s,
			     void (*fn)(const uint8_t *service, const char *member,
					enum health_override o,
					const struct health_override_meta *meta, void *arg),
			     void *arg);
/* An override in force, as a list holds it (the store's mirror, the state file). */
struct health_override_entry {
	struct health_member_ref ref; /* service lowercased once replaced */
	enum health_override o;
	struct health_override_meta meta;
};
/* Replaces every override with v[0..n) (services lowercased or not; entries of
 * HEALTH_OVERRIDE_NONE skipped) and publishes the bound members. Returns 0, or -ENOMEM with
 * nothing changed. */
int health_replace_overrides(struct health_state *s, const struct health_override_entry *v,
			     size_t n);
/* Runtime weights (gslbctl weight): a region's or a member's weight in place of the
 * config's, for every member of the region or for the member, published with the member
 * (member_health.region_weight, member_weight) and read by filter_weight. Kept like overrides:
 * by name, across reloads, in the state file or the store. Between health_lock and
 * health_unlock. */
#define HEALTH_REGION_NAME_MAX 72
enum health_weight_kind {
	HEALTH_WEIGHT_REGION = 0,
	HEALTH_WEIGHT_MEMBER,
};
struct health_weight_ref {
	enum health_weight_kind kind;
	uint8_t service[DNAME_MAXLEN];	   /* member: its service, lowercased; region: unused */
	char name[HEALTH_REGION_NAME_MAX]; /* the region's or the member's name */
};
/* Sets ref's weight (MEMBER_WEIGHT_CONFIG clears it) with meta (NULL: none) and publishes
 * the members it applies to. Returns 0, -EINVAL (a name too long) or -ENOMEM. */
int health_put_weight(struct health_state *s, const struct health_weight_ref *ref, uint32_t weight,
		      const struct health_override_meta *meta);
/* ref's runtime weight, or MEMBER_WEIGHT_CONFIG; its meta when meta is not NULL. */
uint32_t health_get_weight(struct health_state *s, const struct health_weight_ref *ref,
			   struct health_override_meta *meta);
void health_foreach_weight(struct health_state *s,
			   void (*fn)(const struct health_weight_ref *ref, uint32_t weight,
				      const struct health_override_meta *meta, void *arg),
			   void *arg);
/* A runtime weight, as a list holds it. */
struct health_weight_entry {
	struct health_weight_ref ref;
	uint32_t weight;
	struct health_override_meta meta;
};
/* Replaces every runtime weight with w[0..n) (services lowercased or not). */
int health_replace_weights(struct health_state *s, const struct health_weight_entry *w, size_t n);

/* The changes of operator state this gslbd applied, newest last (gslbctl history): the last
 * HEALTH_HISTORY of them, each with the etcd revision when it came from the store. The state
 * file keeps them across restarts (health_file.h). */
#define HEALTH_HISTORY 256
struct health_history {
	uint64_t seq;	/* 1, 2, ... since the start */
	uint64_t at_ms; /* when the change was made (the writer's clock), else applied */
	char what[200]; /* "www.example.com. us-east-1 drain", "region us-east weight 0" */
	char was[32];	/* the previous override or weight */
	struct health_override_meta meta;
};
/* Puts h[0..n) (oldest first, from the state file) before the entries in memory, keeping the
 * newest HEALTH_HISTORY. Between health_lock and health_unlock. */
void health_restore_history(struct health_state *s, const struct health_history *h, size_t n);
/* Calls fn for each entry, oldest first. Between health_lock and health_unlock. */
void health_foreach_history(struct health_state *s,
			    void (*fn)(const struct health_history *h, void *arg), void *arg);

/* health.state_file, or NULL when none is configured; valid until health_unlock. */
const char *health_state_file(struct health_state *s);

/* One member as gslbctl and the metrics show it. service points into the state: valid
 * during the callback only. */
struct health_member_info {
	const uint8_t *service;
	const char *name; /* the override key (health_member_key) */
	uint32_t member;  /* UINT32_MAX for an override on a member not in the snapshot */
	int64_t slot;	  /* -1 when not in the current snapshot */
	bool up;	  /* as published */
	bool fresh;
	enum health_override override;
	size_t ntargets;
	size_t ntargets_up;
};
/* Calls fn for every bound member, then every override on a member not bound, under the
 * state's lock:
 * fn must not call back into the state. */
void health_foreach_member(struct health_state *s,
			   void (*fn)(const struct health_member_info *m, void *arg), void *arg);

/* One prober's last vote on one target, as gslbctl shows it. */
struct health_vote_info {
	const char *prober; /* the prober's id; valid during the callback only */
	bool up;
	bool fresh;		/* received at most health.stale_after before now_ms */
	uint64_t age_ms;	/* now_ms minus when gslbd received it (0 if in the future) */
	uint32_t rtt_us;	/* REPORT_UNKNOWN when the prober did not measure it */
	uint32_t load_permille; /* REPORT_UNKNOWN likewise */
};

/* One member address (target) with its votes. up and fresh are as of the last
 * health_evaluate (what is published); each vote's fresh and age are at now_ms. Pointers
 * point into the state or a scratch buffer: valid during the callback only. */
struct health_target_info {
	const uint8_t *service; /* lowercased wire name */
	uint32_t member;
	int64_t slot;
	uint8_t family;	     /* 4, 6, or 0 for a CNAME member as a whole */
	const uint8_t *addr; /* 4 or 16 bytes; unused for family 0 */
	bool up, fresh;
	uint32_t rtt_us, load_permille;	      /* means over fresh votes, or REPORT_UNKNOWN */
	const struct health_vote_info *votes; /* sorted by prober id */
	size_t nvotes;
};

/* Calls fn for every target of every member of the bound snapshot, members in the order
 * they were first seen and targets in the member's address order, under the state's lock:
 * fn must not call back into the state. Any thread. Returns 0, or -ENOMEM (a scratch
 * buffer for the votes) after calling fn for the targets before. */
int health_foreach_target(struct health_state *s, uint64_t now_ms,
			  void (*fn)(const struct health_target_info *t, void *arg), void *arg);

/* Calls fn for every prober known (an accepted report, not expired), in table order,
 * with its id (valid during the call), last sequence number and the age of its last
 * report at now_ms (0 if in the future), under the state's lock: fn must not call back
 * into the state. Any thread. */
void health_foreach_prober(struct health_state *s, uint64_t now_ms,
			   void (*fn)(const char *id, uint64_t last_seq, uint64_t age_ms,
				      void *arg),
			   void *arg);

/* health.stale_after in ms: a prober or vote at most this old is fresh. Any thread. */
uint64_t health_stale_after_ms(struct health_state *s);

/* ---- warm starts: the votes held, as health.state_file keeps them (health_file.c) ----
 * Each bound target with votes: its state, when its grace started, and every prober's last
 * vote with the unix ms gslbd received it. Restored at start, they age by stale_after and
 * grace as if gslbd had never stopped. */
struct health_warm_target {
	uint8_t service[DNAME_MAXLEN]; /* lowercased wire name */
	uint32_t member;
	uint8_t family; /* 4, 6, or 0 for a CNAME member */
	uint8_t addr[16];
	bool up;
	uint64_t stale_since_ms;
};
struct health_warm_vote {
	char prober[CONF_ID_MAX + 1];
	bool up;
	uint64_t at_ms;
	uint32_t rtt_us, load_permille; /* REPORT_UNKNOWN when not measured */
};

/* Changes and refreshes are saved at most this often (health_save_due): a flip reaches the
 * file within a second, and after a crash the votes on file are at most 10 s older than they
 * were (a clean stop saves them as they are). */
#define HEALTH_SAVE_CHANGE_MS 1000
#define HEALTH_SAVE_REFRESH_MS 10000

/* Calls fn(t, NULL) for every bound target with votes, then fn(t, v) for each of its
 * votes. Between health_lock and health_unlock. */
void health_foreach_warm(struct health_state *s,
			 void (*fn)(const struct health_warm_target *t,
				    const struct health_warm_vote *v, void *arg),
			 void *arg);
/* Restores a target as saved, with those of its votes v[0..nv) still fresh at now_ms (the
 * others are counted in *nstale), before the first health_bind, which keeps the targets the
 * members still have. A target with no fresh vote whose grace is over is not restored.
 * Restored probers count as fresh for readiness until their votes go stale. Between
 * health_lock and health_unlock. Returns the number of votes restored, or -ENOMEM. */
int health_restore_warm(struct health_state *s, const struct health_warm_target *t,
			const struct health_warm_vote *v, size_t nv, uint64_t now_ms,
			size_t *nstale);
/* Whether the votes should be saved now: something changed and the last save is at least
 * HEALTH_SAVE_CHANGE_MS old, or votes were refreshed and it is HEALTH_SAVE_REFRESH_MS old;
 * false without a state_file. A true answer counts as the save. Any thread. */
bool health_save_due(struct health_state *s, uint64_t now_ms);

/* Readiness of the health view: ready once at least quorum probers had a fresh report at
 * the same time, live or restored from the state file (reason "reports" or "warm"), or at
 * once without a health section ("no_health"); until then reason is "waiting". Once ready
 * it stays ready: probers that go quiet later are what grace and default are for. */
struct health_readiness {
	bool ready;
	const char *reason;   /* static */
	size_t fresh_probers; /* at now_ms, live or warm */
	size_t warm_probers;  /* of those, known from the state file only */
	int quorum;
};
/* Any thread. */
void health_readiness(struct health_state *s, uint64_t now_ms, struct health_readiness *r);

#endif
