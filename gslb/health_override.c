/* SPDX-License-Identifier: Apache-2.0 */
/* health_override.c — operator overrides of member health: policy and the state file */
#include "config.h"

#include "health_override.h"

#include "dname.h"
#include "health.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const override_names[] = {"none", "drain", "up", "down"};
static const char *const action_names[] = {"drain", "undrain", "up", "down", "clear"};

const char *health_override_name(enum health_override o)
{
	return (unsigned)o < 4 ? override_names[o] : "?";
}

int health_override_parse(const char *word)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(word, override_names[i]))
			return i;
	return -EINVAL;
}

int health_override_action_parse(const char *word)
{
	for (int i = 0; i < 5; i++)
		if (!strcmp(word, action_names[i]))
			return i;
	return -EINVAL;
}

/* ---- the state file ---- */

static void save_one(const uint8_t *service, uint32_t member, enum health_override o, void *arg)
{
	char name[DNAME_MAXLEN * 4 + 2];

	if (dname_to_str(service, name, sizeof(name)) < 0)
		return;
	fprintf(arg, "%s %u %s\n", name, member, health_override_name(o));
}

/* Under the state's lock. */
static int save_locked(struct health_state *s)
{
	const char *file = health_state_file(s);
	char *tmp = NULL;
	int ret = 0;
	FILE *f;

	if (!file)
		return 0;
	/* a fresh name in the file's directory (mkstemp: O_EXCL, so a symlink planted there is
	 * never followed), renamed over the file: rename replaces a symlink, never its target */
	if (asprintf(&tmp, "%s.XXXXXX", file) < 0)
		return -ENOMEM;
	int fd = mkstemp(tmp);
	if (fd == -1 || fchmod(fd, 0644) == -1 || !(f = fdopen(fd, "w"))) {
		ret = -errno;
		log_err("event=override_save file=%s error=\"%s\"", tmp, strerror(-ret));
		if (fd != -1) {
			close(fd);
			unlink(tmp);
		}
		goto out;
	}
	fprintf(f, "# gslb operator overrides: service member drain|up|down (written by gslbd)\n");
	health_foreach_override(s, save_one, f);
	if (fflush(f) != 0 || fsync(fileno(f)) == -1)
		ret = -errno;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, file) == -1)
		ret = -errno;
	if (ret < 0) {
		log_err("event=override_save file=%s error=\"%s\"", file, strerror(-ret));
		unlink(tmp);
	}
out:
	free(tmp);
	return ret;
}

int health_override_save(struct health_state *s)
{
	health_lock(s);
	int ret = save_locked(s);
	health_unlock(s);
	return ret;
}

/* What the file holds, parsed whole before anything changes. */
struct parsed {
	struct health_member_ref *ref;
	enum health_override *o;
	size_t n;
};

static int parsed_add(struct parsed *p, const struct health_member_ref *ref, enum health_override o)
{
	struct health_member_ref *nr = realloc(p->ref, (p->n + 1) * sizeof(*nr));

	if (!nr)
		return -ENOMEM;
	p->ref = nr;
	enum health_override *no = realloc(p->o, (p->n + 1) * sizeof(*no));
	if (!no)
		return -ENOMEM;
	p->o = no;
	p->ref[p->n] = *ref;
	p->o[p->n++] = o;
	return 0;
}

/* Writes "path:line: field: message" (line 0: "path: message") into err. */
static void load_error(char *err, size_t errlen, const char *path, int lineno, const char *field,
		       const char *msg)
{
	if (lineno)
		snprintf(err, errlen, "%s:%d: %s: %s", path, lineno, field, msg);
	else
		snprintf(err, errlen, "%s: %s", path, msg);
}

static int load_file(FILE *f, const char *path, struct parsed *out, char *err, size_t errlen)
{
	char line[1200];
	int lineno = 0;

	while (fgets(line, sizeof(line), f)) {
		char name[1024], word[16], extra[2];
		struct health_member_ref ref;
		const char *field = NULL, *msg = NULL;
		unsigned long member;
		int k, o = 0;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			load_error(err, errlen, path, lineno, "line", "too long");
			return -EINVAL;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		k = sscanf(line, "%1023s %lu %15s %1s", name, &member, word, extra);
		if (k <= 0)
			continue; /* blank or comment */
		if (k != 3) {
			field = "line";
			msg = "want \"<service> <member> drain|up|down\"";
		} else if (dname_from_str(name, ref.service) < 0) {
			field = "service";
			msg = "bad domain name";
		} else if (member > UINT32_MAX) {
			field = "member";
			msg = "out of range";
		} else if ((o = health_override_parse(word)) <= 0) {
			field = "override";
			msg = "want drain, up or down";
		}
		if (field) {
			load_error(err, errlen, path, lineno, field, msg);
			return -EINVAL;
		}
		ref.index = (uint32_t)member;
		if (parsed_add(out, &ref, (enum health_override)o) < 0) {
			load_error(err, errlen, path, 0, NULL, "out of memory");
			return -ENOMEM;
		}
	}
	if (ferror(f)) {
		load_error(err, errlen, path, 0, NULL, "cannot read");
		return -EIO;
	}
	return 0;
}

int health_override_load(struct health_state *s, char *err, size_t errlen)
{
	struct parsed p = {0};
	const char *file;
	int ret = 0;
	FILE *f;

	if (errlen)
		err[0] = '\0';
	health_lock(s);
	file = health_state_file(s);
	if (!file)
		goto out;
	/* the file is only ever written by rename: a symlink there was planted */
	int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	f = fd == -1 ? NULL : fdopen(fd, "r");
	if (!f) {
		if (errno == ENOENT)
			goto out;
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", file,
			 errno == ELOOP ? "is a symbolic link" : strerror(errno));
		if (fd != -1)
			close(fd);
		goto out;
	}
	ret = load_file(f, file, &p, err, errlen);
	fclose(f);
	if (ret < 0)
		goto out;
	ret = health_replace_overrides(s, p.ref, p.o, p.n);
	if (ret < 0) {
		load_error(err, errlen, file, 0, NULL, "out of memory");
		goto out;
	}
	log_info("event=overrides_loaded file=%s count=%zu", file, p.n);
out:
	health_unlock(s);
	free(p.ref);
	free(p.o);
	return ret;
}

/* ---- setting and policy ---- */

int health_override_set(struct health_state *s, const uint8_t *service, uint32_t member,
			enum health_override o)
{
	health_lock(s);
	int ret = health_put_override(s, service, member, o);
	if (ret == 0)
		ret = save_locked(s);
	health_unlock(s);
	return ret;
}

enum health_override health_override_get(struct health_state *s, const uint8_t *service,
					 uint32_t member)
{
	health_lock(s);
	enum health_override o = health_get_override(s, service, member);
	health_unlock(s);
	return o;
}

/* The override action a leaves on a member that has cur, or -EBUSY when a refuses. */
static int override_after(enum health_override_action a, enum health_override cur)
{
	switch (a) {
	case HEALTH_ACTION_DRAIN:
		return HEALTH_OVERRIDE_DRAIN;
	case HEALTH_ACTION_UNDRAIN:
		/* only a drain is undone: a forced member stays forced */
		return cur == HEALTH_OVERRIDE_DRAIN || cur == HEALTH_OVERRIDE_NONE
			   ? HEALTH_OVERRIDE_NONE
			   : -EBUSY;
	case HEALTH_ACTION_UP:
		return HEALTH_OVERRIDE_UP;
	case HEALTH_ACTION_DOWN:
		return HEALTH_OVERRIDE_DOWN;
	case HEALTH_ACTION_CLEAR:
		return HEALTH_OVERRIDE_NONE;
	}
	return -EINVAL;
}

int health_override_member(struct health_state *s, const uint8_t *service, uint32_t member,
			   enum health_override_action a, enum health_override *result, char *err,
			   size_t errlen)
{
	int ret = 0;

	health_lock(s);
	enum health_override cur = health_get_override(s, service, member);
	int o = override_after(a, cur);
	if (o == -EBUSY) {
		snprintf(err, errlen, "member is forced %s, not drained (use clear)",
			 health_override_name(cur));
		ret = -EBUSY;
		goto out;
	}
	if (o < 0) {
		snprintf(err, errlen, "unknown action");
		ret = -EINVAL;
		goto out;
	}
	*result = (enum health_override)o;
	if (*result == cur)
		goto out;
	ret = health_put_override(s, service, member, *result);
	if (ret == 0)
		ret = save_locked(s);
	if (ret != 0)
		snprintf(err, errlen,
			 "override %s is in force but not saved to health.state_file: %s",
			 health_override_name(*result), strerror(-ret));
out:
	health_unlock(s);
	return ret;
}

int health_override_region(struct health_state *s, const struct health_member_ref *refs, size_t n,
			   bool drain, size_t *changed, size_t *forced, char *err, size_t errlen)
{
	enum health_override_action a = drain ? HEALTH_ACTION_DRAIN : HEALTH_ACTION_UNDRAIN;
	int ret = 0;

	*changed = *forced = 0;
	health_lock(s);
	for (size_t i = 0; i < n; i++) {
		enum health_override cur = health_get_override(s, refs[i].service, refs[i].index);
		int o = override_after(a, cur);

		if (o < 0) { /* undrain: the force stays */
			(*forced)++;
			continue;
		}
		if (cur == HEALTH_OVERRIDE_UP || cur == HEALTH_OVERRIDE_DOWN)
			(*forced)++; /* drain: replaced, not remembered */
		if ((enum health_override)o == cur)
			continue;
		int r =
		    health_put_override(s, refs[i].service, refs[i].index, (enum health_override)o);
		if (r != 0 && ret == 0)
			ret = r;
		(*changed)++;
	}
	if (*changed > 0) {
		int r = save_locked(s);

		if (r != 0 && ret == 0)
			ret = r;
	}
	health_unlock(s);
	if (ret != 0)
		snprintf(err, errlen,
			 "overrides are in force but not saved to health.state_file: %s",
			 strerror(-ret));
	return ret;
}
