/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_file.h — for the loaders' fuzz targets: an input becomes a file in a private directory
 *
 * The config and zone loaders read files, so each input is written to one
 * file in a temporary directory made once per process (on tmpfs when
 * /dev/shm exists). Inputs that name an include ("@include", "$INCLUDE")
 * are skipped: an include of /dev/zero or of a huge file would measure the
 * file system, not the parser, and the includes are loaded by the same code
 * that the including file goes through.
 */
#ifndef GSLB_FUZZ_FILE_H
#define GSLB_FUZZ_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* True when data[0..size) contains needle, ASCII case ignored. */
static inline bool fuzz_has(const uint8_t *data, size_t size, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= size; i++)
		if (strncasecmp((const char *)data + i, needle, n) == 0)
			return true;
	return false;
}

/* Writes data to the file name in the process's private directory and returns its path
 * (static buffer), or NULL when the write failed. */
static inline const char *fuzz_write_file(const uint8_t *data, size_t size, const char *name)
{
	static char dir[64], path[128];
	FILE *f;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s/gslb-fuzz.XXXXXX",
			 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (!mkdtemp(dir))
			abort();
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	if (size && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return NULL;
	}
	if (fclose(f) != 0)
		return NULL;
	return path;
}

#endif
