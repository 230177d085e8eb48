/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_conf.c — libFuzzer target: the config loader (libconfig syntax, every section's schema)
 *
 * Each input is loaded as a whole gslb.conf with every section read
 * (CONF_S_ALL). A file that fails must say why in the error buffer, and
 * every line of it must name the file; one that loads must free cleanly.
 * Sanitizers catch the rest (reads past values, leaks on error paths).
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[CONF_ERRLEN];
	const char *path;
	struct conf *c;

	if (fuzz_has(data, size, "@include"))
		return 0;
	path = fuzz_write_file(data, size, "gslb.conf");
	if (!path)
		return 0;
	err[0] = 0;
	c = conf_load(path, CONF_S_ALL, err, sizeof(err));
	if (c) {
		conf_free(c);
		return 0;
	}
	if (!err[0])
		abort(); /* a failure must say why */
	/* every message names the file; the last line may be cut short when err is full */
	for (const char *line = err; *line; line = strchr(line, '\n') + 1) {
		bool last = !strchr(line, '\n');

		if (strncmp(line, path, strlen(path)) != 0 &&
		    !(last && strlen(err) == sizeof(err) - 1))
			abort();
		if (last)
			break;
	}
	return 0;
}
