/* SPDX-License-Identifier: Apache-2.0 */
/* ui_files.h — the map page's files (ui/), built into gslbd by ui/embed */
#ifndef GSLB_UI_FILES_H
#define GSLB_UI_FILES_H

#include <stddef.h>

struct ui_file {
	const char *path; /* "/ui/index.html"; NULL ends the table */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};

extern const struct ui_file ui_files[];

#endif
