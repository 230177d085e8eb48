/* SPDX-License-Identifier: Apache-2.0 */
/* dname.h — domain names in uncompressed wire format
 *
 * A name is a sequence of length-prefixed labels ending in the root label
 * (a zero byte), at most DNAME_MAXLEN bytes in all, each label at most 63
 * bytes. Names kept in tables are lowercased so that comparisons and hashes
 * are plain byte operations; names echoed to clients keep their case.
 * All functions are pure and safe on the query path.
 */
#ifndef GSLB_DNAME_H
#define GSLB_DNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNAME_MAXLEN 255
/* room for a name in presentation form: every byte escaped (\DDD) and the root dot */
#define NAME_TEXT_MAX (DNAME_MAXLEN * 4 + 2)
#define DNAME_MAXLABELS 128
#define DNAME_MAXLABEL 63

/* Compression pointers followed for one name at most: a name of 255 bytes has at most 127
 * labels, so a longer chain can only be an attack on the CPU (a backward chain of thousands
 * of hops costs as many memory reads per name). */
#define DNAME_MAXPTRS DNAME_MAXLABELS

/* Reads the possibly compressed name at *pos of pkt[0..len) into out
 * (DNAME_MAXLEN bytes), uncompressed, case kept. Compression pointers must
 * point strictly backwards, which rules out loops, and at most DNAME_MAXPTRS
 * are followed. Advances *pos past the name as it is stored in place.
 * Returns the length written (>= 1) or -EBADMSG for a truncated name, a bad
 * label type, a label > 63, a name > 255 bytes or too many pointers. Query path. */
int dname_unpack(const uint8_t *pkt, size_t len, size_t *pos, uint8_t *out);

/* Advances *pos past the name stored at *pos of pkt[0..len) without following its
 * compression pointer, if any: a constant cost per name, for names that are not read
 * (the owners of a query's RRs). Returns 0, or -EBADMSG for a truncated name, a bad label
 * type or more than 255 bytes in place. Query path. */
int dname_skip(const uint8_t *pkt, size_t len, size_t *pos);

/* Length of a trusted uncompressed name, root byte included. */
size_t dname_len(const uint8_t *name);
/* Number of labels, the root not counted ("." = 0). */
int dname_labels(const uint8_t *name);
/* Lowercases ASCII letters in place. */
void dname_lower(uint8_t *name);
/* Copies src to dst lowercased; returns the length. */
size_t dname_copy_lower(uint8_t *dst, const uint8_t *src);
/* Case-insensitive equality. */
bool dname_equal(const uint8_t *a, const uint8_t *b);
/* True when name equals parent or lies below it (case-insensitive). */
bool dname_is_sub(const uint8_t *name, const uint8_t *parent);
/* The name without its first label, pointing into name; NULL for the root. */
const uint8_t *dname_parent(const uint8_t *name);
/* Hash of a lowercased name (FNV-1a). */
uint32_t dname_hash(const uint8_t *name);
/* True when the first label is "*". */
bool dname_is_wildcard(const uint8_t *name);

/* Presentation form with a trailing dot ("." for root); escapes
 * non-printable bytes as \DDD. Returns 0, or -ENOSPC if buf is too small. */
int dname_to_str(const uint8_t *name, char *buf, size_t size);
/* Parses a presentation name (relative names are taken as absolute) into
 * out (DNAME_MAXLEN bytes), lowercased. Returns the length or -EINVAL. */
int dname_from_str(const char *str, uint8_t *out);

#endif
