/* SPDX-License-Identifier: Apache-2.0 */
/* health_override.c — operator overrides of member health: policy and the state file */
#include "config.h"

#include "health_override.h"

#include "dname.h"
#include "health.h"
#include "health_file.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- setting and policy ---- */

int health_override_set(struct health_state *s, const uint8_t *service, const char *member,
			enum health_override o)
{
	health_lock(s);
	int ret = health_put_override(s, service, member, o);
	if (ret == 0)
		ret = health_file_save_locked(s);
	health_unlock(s);
	return ret;
}

enum health_override health_override_get(struct health_state *s, const uint8_t *service,
					 const char *member)
{
	health_lock(s);
	enum health_override o = health_get_override(s, service, member);
	health_unlock(s);
	return o;
}

/* The override action a leaves on a member that has cur, or -EBUSY when a refuses. */
int health_override_after(enum health_override_action a, enum health_override cur)
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

int health_override_member(struct health_state *s, const uint8_t *service, const char *member,
			   enum health_override_action a, enum health_override *result, char *err,
			   size_t errlen)
{
	return health_override_member_meta(s, service, member, a, NULL, result, err, errlen);
}

int health_override_member_meta(struct health_state *s, const uint8_t *service, const char *member,
				enum health_override_action a,
				const struct health_override_meta *meta,
				enum health_override *result, char *err, size_t errlen)
{
	int ret = 0;

	health_lock(s);
	enum health_override cur = health_get_override(s, service, member);
	int o = health_override_after(a, cur);
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
	if (*result == cur && !meta)
		goto out;
	ret = health_put_override_meta(s, service, member, *result, meta);
	if (ret == 0)
		ret = health_file_save_locked(s);
	if (ret != 0)
		snprintf(err, errlen,
			 "override %s is in force but not saved to health.state_file: %s",
			 health_override_name(*result), strerror(-ret));
out:
	health_unlock(s);
	return ret;
}

int health_override_region(struct health_state *s, const struct health_member_ref *refs, size_t n,
			   bool drain, const struct health_override_meta *meta, size_t *changed,
			   size_t *forced, char *err, size_t errlen)
{
	enum health_override_action a = drain ? HEALTH_ACTION_DRAIN : HEALTH_ACTION_UNDRAIN;
	int ret = 0;

	*changed = *forced = 0;
	health_lock(s);
	for (size_t i = 0; i < n; i++) {
		enum health_override cur = health_get_override(s, refs[i].service, refs[i].member);
		int o = health_override_after(a, cur);

		if (o < 0) { /* undrain: the force stays */
			(*forced)++;
			continue;
		}
		if (cur == HEALTH_OVERRIDE_UP || cur == HEALTH_OVERRIDE_DOWN)
			(*forced)++; /* drain: replaced, not remembered */
		if ((enum health_override)o == cur)
			continue;
		int r = health_put_override_meta(s, refs[i].service, refs[i].member,
						 (enum health_override)o, meta);
		if (r != 0 && ret == 0)
			ret = r;
		(*changed)++;
	}
	if (*changed > 0) {
		int r = health_file_save_locked(s);

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

/* ---- expiry ---- */

struct expired {
	struct health_member_ref *v;
	size_t n, cap;
	uint64_t now_ms;
};

static void find_expired(const uint8_t *service, const char *member, enum health_override o,
			 const struct health_override_meta *meta, void *arg)
{
	struct expired *e = arg;

	(void)o;
	if (!meta->expires_ms || meta->expires_ms > e->now_ms || !meta->origin ||
	    strcmp(meta->origin, "local") != 0)
		return;
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 8;
		struct health_member_ref *v = realloc(e->v, cap * sizeof(*v));

		if (!v)
			return; /* tried again at the next tick */
		e->v = v;
		e->cap = cap;
	}
	dname_copy_lower(e->v[e->n].service, service);
	snprintf(e->v[e->n].member, sizeof(e->v[e->n].member), "%s", member);
	e->n++;
}

size_t health_override_expire(struct health_state *s, uint64_t now_ms)
{
	struct expired e = {.now_ms = now_ms};

	health_lock(s);
	health_foreach_override(s, find_expired, &e);
	for (size_t i = 0; i < e.n; i++) {
		log_info("event=override_expired member=%s", e.v[i].member);
		(void)health_put_override(s, e.v[i].service, e.v[i].member, HEALTH_OVERRIDE_NONE);
	}
	if (e.n > 0)
		(void)health_file_save_locked(s);
	health_unlock(s);
	free(e.v);
	return e.n;
}
