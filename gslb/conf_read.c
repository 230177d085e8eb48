/* SPDX-License-Identifier: Apache-2.0 */
/* conf_read.c — file names in errors, libconfig's read errors, did-you-mean distances */
#include "config.h"

#include "conf.h"

#include <libconfig.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void conf_file_name(const char *main_path, const char *file, char *out, size_t outlen)
{
	const char *slash = strrchr(main_path, '/');
	int dirlen = slash ? (int)(slash - main_path + 1) : 0;

	/* libconfig records an @include by the name written, relative to the main file's
	 * directory: give it the directory the main file was named with */
	if (file == NULL || !strcmp(file, main_path) || file[0] == '/')
		snprintf(out, outlen, "%s", file ? file : main_path);
	else
		snprintf(out, outlen, "%.*s%s", dirlen, main_path, file);
}

/* The name in the `@include "name"` at line line of file (named as conf_file_name does),
 * or "" when that line is not one. */
static void include_at(const char *file, int line, char *name, size_t namelen)
{
	char buf[4096];
	FILE *f = fopen(file, "re");
	int n = 0;

	name[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(buf, sizeof(buf), f) != NULL)
		if (++n == line)
			break;
	fclose(f);
	if (n != line)
		return;
	char *p = strstr(buf, "@include");
	char *q = p ? strchr(p, '"') : NULL;
	char *e = q ? strchr(q + 1, '"') : NULL;

	if (e != NULL)
		snprintf(name, namelen, "%.*s", (int)(e - q - 1), q + 1);
}

void conf_read_error(const struct config_t *cfg, const char *path, const char *dir, char *out,
		     size_t outlen)
{
	const char *text = config_error_text(cfg);
	char file[4096], inc[1024], incfile[4096], full[4096];
	int line = config_error_line(cfg);

	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO) {
		snprintf(out, outlen, "%s: cannot read", path);
		return;
	}
	conf_file_name(path, config_error_file(cfg), file, sizeof(file));
	/* libconfig 1.5 says "cannot open include file" and no more: find which, and why */
	if (text != NULL && strstr(text, "include") != NULL) {
		include_at(file, line, inc, sizeof(inc));
		if (inc[0] != '\0') {
			FILE *f;

			if (inc[0] == '/')
				snprintf(full, sizeof(full), "%s", inc);
			else
				snprintf(full, sizeof(full), "%s/%s", dir, inc);
			errno = 0;
			f = fopen(full, "re");
			if (f != NULL)
				fclose(f);
			conf_file_name(path, inc, incfile, sizeof(incfile));
			snprintf(out, outlen, "%s:%d: @include: cannot open \"%s\": %s", file, line,
				 incfile, errno ? strerror(errno) : text);
			return;
		}
	}
	snprintf(out, outlen, "%s:%d: syntax: %s", file, line, text ? text : "error");
}

unsigned conf_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[CONF_SUGGEST_MAXLEN + 1];

	/* names longer than any key or filter are nobody's typo */
	if (la > CONF_SUGGEST_MAXLEN || lb > CONF_SUGGEST_MAXLEN)
		return UINT_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

bool conf_suggestion_close(const char *typed, const char *known)
{
	unsigned d = conf_edit_distance(typed, known);

	/* at most two edits, and fewer than the word has letters ("ab" is not "id") */
	return d <= 2 && d < strlen(typed);
}
