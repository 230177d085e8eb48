/* SPDX-License-Identifier: Apache-2.0 */
/* snapshot.c — builds the immutable state and swaps it in with RCU */
#include "config.h"

#include "snapshot.h"

#include "conf.h"
#include "zone.h"

#include <urcu.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The published snapshot. Written only by the control thread, read by the
 * query threads through rcu_dereference(). */
static struct snapshot *current;
/* Publish count; only the control thread touches it. */
static uint64_t generation;

/* Appends text (one or more lines) to the error stream, one line per
 * message, without a trailing newline on the last. */
static void err_append(FILE *f, const char *text)
{
	size_t len = strlen(text);

	while (len > 0 && text[len - 1] == '\n')
		len--;
	if (len == 0)
		return;
	if (ftell(f) > 0)
		fputc('\n', f);
	fwrite(text, 1, len, f);
}

struct snapshot *snapshot_build(const char *conf_path, char **errmsg)
{
	struct snapshot *s = NULL;
	struct conf *conf = NULL;
	struct zone **zones = NULL;
	struct zonedb *db = NULL;
	char *cerr = NULL;
	char *buf = NULL;
	size_t buflen = 0;
	size_t i;
	bool failed = false;
	FILE *ef;

	*errmsg = NULL;
	ef = open_memstream(&buf, &buflen);
	if (ef == NULL) {
		*errmsg = strdup("snapshot: out of memory");
		return NULL;
	}
	conf = conf_load(conf_path, &cerr);
	if (conf == NULL) {
		err_append(ef, cerr != NULL ? cerr : "config: cannot load");
		free(cerr);
		failed = true;
		goto out;
	}
	zones = calloc(conf->nzones ? conf->nzones : 1, sizeof(*zones));
	if (zones == NULL) {
		err_append(ef, "snapshot: out of memory");
		failed = true;
		goto out;
	}
	/* Load every zone even after a failure, so that one run of -t or one
	 * failed reload reports all broken files. */
	for (i = 0; i < conf->nzones; i++) {
		char zerr[1024] = "";

		zones[i] = zone_load(conf->zones[i].name, conf->zones[i].file, zerr, sizeof(zerr));
		if (zones[i] == NULL) {
			if (zerr[0] == '\0')
				snprintf(zerr, sizeof(zerr), "%s:%d: zones: %s: cannot load zone",
					 conf->path, conf->zones[i].line, conf->zones[i].name);
			err_append(ef, zerr);
			failed = true;
		}
	}
	if (failed)
		goto out;
	db = zonedb_new(zones, conf->nzones);
	if (db == NULL) {
		err_append(ef, "snapshot: out of memory");
		failed = true;
		goto out;
	}
	zones = NULL; /* owned by db now */
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		err_append(ef, "snapshot: out of memory");
		failed = true;
		goto out;
	}
	s->conf = conf;
	s->zones = db;
	s->built_at = time(NULL);
	conf = NULL;
	db = NULL;
out:
	fclose(ef);
	if (failed) {
		*errmsg = buf;
		buf = NULL;
	}
	free(buf);
	zonedb_free(db);
	if (zones != NULL && conf != NULL) {
		for (i = 0; i < conf->nzones; i++)
			zone_free(zones[i]);
	}
	free(zones);
	conf_free(conf);
	return failed ? NULL : s;
}

void snapshot_free(struct snapshot *s)
{
	if (s == NULL)
		return;
	zonedb_free(s->zones);
	conf_free(s->conf);
	free(s);
}

void snapshot_publish(struct snapshot *s)
{
	struct snapshot *old;

	s->generation = ++generation;
	old = rcu_xchg_pointer(&current, s);
	if (old != NULL) {
		/* Readers hold the lock for one batch of queries at most, so
		 * the wait is short and keeps the control thread simple. */
		synchronize_rcu();
		snapshot_free(old);
	}
}

const struct snapshot *snapshot_get(void)
{
	return rcu_dereference(current);
}

void snapshot_shutdown(void)
{
	struct snapshot *old = rcu_xchg_pointer(&current, NULL);

	if (old != NULL) {
		synchronize_rcu();
		snapshot_free(old);
	}
}
