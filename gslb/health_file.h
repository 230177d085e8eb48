/* SPDX-License-Identifier: Apache-2.0 */
/* health_file.h — health.state_file: operator overrides and warm votes, kept across restarts
 *
 * One text file holds what gslbd's health state must not lose when it restarts: the
 * operator overrides (health_override.h) and the probers' last votes (health.h, warm
 * starts). It is rewritten whole, through a temporary file and rename(), on every override
 * change, when the receiver finds the votes due (health_save_due) and at exit; it is read
 * once at start. Lines, '#' starting a comment:
 *
 *     <service.> <member name> drain|up|down [at=MS] [expires=MS] [who=W] [why=W]
 *                                                  an override (an index in older files), when
 *                                                  it was set, when it ends (gslbctl --for), who
 *                                                  and why, %XX-encoded
 *     target <service.> <member> <address|-> up|down <unix ms>    a member address, its
 *                                                                 state, grace start
 *     vote <prober> up|down <unix ms> <rtt µs|-> <load ‰|->       a vote on the target above
 *     history <origin> <revision> <was> <what> at=MS [expires=MS] [who=W] [why=W]
 *                                                  one change of gslbctl history (the last
 *                                                  HEALTH_HISTORY), %XX-encoded
 *
 * A bad override line refuses the whole file: losing a drain would send traffic where an
 * operator took it out. Bad vote lines only cost the warm start: the votes are ignored (and
 * reported), the overrides kept; a bad history line is skipped (and counted in the log).
 *
 * Threads: every function takes the health state's lock; any thread may call them. The
 * file is written under that lock, so writers never race on its temporary file.
 */
#ifndef GSLB_HEALTH_FILE_H
#define GSLB_HEALTH_FILE_H

#include <stddef.h>
#include <stdint.h>

struct health_state;

/* What health_file_load found. */
struct health_file_loaded {
	size_t overrides;
	size_t targets;	       /* restored with fresh votes */
	size_t votes;	       /* restored: fresh at now_ms */
	size_t stale_votes;    /* on file but stale (or from the future): ignored */
	char votes_error[512]; /* "" or "file:line: field: message": all votes ignored */
};

/* Reads the state file (if configured and present; a missing file holds nothing) at
 * now_ms: sets its overrides, replacing those in memory, and restores its fresh votes
 * (health_restore_warm; call before the first health_bind). Fills *out when not NULL.
 * Returns 0 (also when only the votes were bad: out->votes_error and a log line say why),
 * or a negative errno with "file:line: field: message" (or "file: why" for an unreadable
 * file) in err when the overrides cannot be read; then nothing is changed. */
int health_file_load(struct health_state *s, uint64_t now_ms, struct health_file_loaded *out,
		     char *err, size_t errlen);

/* Writes overrides and votes to the state file through a temporary file, fsync and
 * rename(), so that a crash leaves the old or the new file. Returns 0 (also when no file is
 * configured) or a negative errno (logged). health_file_save_locked is the same between
 * health_lock and health_unlock. */
int health_file_save(struct health_state *s);
int health_file_save_locked(struct health_state *s);

#endif
