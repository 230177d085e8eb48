/* SPDX-License-Identifier: Apache-2.0 */
/* zone_stamp.h — what a loaded zone was read from, so that a reload may carry it
 *
 * A stamp holds, for every file a zone was read from (its own, then each $INCLUDE), the
 * size, the modification time and a SHA-256 of the content. A reload carries a zone into
 * the new snapshot when its config entry is the same and its stamp still matches the
 * files: size and mtime reject most edits without reading, the hash catches an edit
 * that keeps both (a same-second edit of the same length, or touch -d). A file modified
 * after its load started, or within ZONE_STAMP_RACY_US before (file times come from a
 * coarse clock), may have been read half old: its stamp is racy and never matches, so
 * the next reload reads the zone again (git's "racily clean" rule).
 */
#ifndef GSLB_ZONE_STAMP_H
#define GSLB_ZONE_STAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZONE_STAMP_RACY_US 1000000 /* 1 s: far above any file time granularity */

struct zone_stamp_file {
	uint64_t size;
	int64_t mtime_ns; /* st_mtim */
	unsigned char sha256[32];
};

struct zone_stamp {
	struct zone_stamp_file *files; /* one per path, in order; NULL = no stamp (never carried) */
	size_t nfiles;
	bool racy; /* a file changed after the load began: never matches */
};

/* Stamps the files paths[0..n) of a zone whose load began at loaded_us (unix µs,
 * clock_wall_us). Returns 0, or a negative errno when a file cannot be read (st is then
 * empty: the zone is read again at the next reload). Any thread. */
int zone_stamp_take(struct zone_stamp *st, char *const *paths, size_t n, uint64_t loaded_us);
/* True when st is a stamp that the files paths[0..n) still match (reading them all). */
bool zone_stamp_matches(const struct zone_stamp *st, char *const *paths, size_t n);
/* A copy of src into dst (for a carried zone); 0 or -ENOMEM (dst empty). */
int zone_stamp_copy(struct zone_stamp *dst, const struct zone_stamp *src);
/* Frees what st holds and empties it; an empty stamp is fine. */
void zone_stamp_free(struct zone_stamp *st);

#endif
