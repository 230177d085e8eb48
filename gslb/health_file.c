/* SPDX-License-Identifier: Apache-2.0 */
/* health_file.c — health.state_file: operator overrides and warm votes, kept across restarts */
#include "config.h"

#include "health_file.h"

#include "dname.h"
#include "health.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- writing ---- */

/* Percent-encodes what would end a word or start a comment. */
static void put_encoded(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c == '%' || c == '#' || c == '=' || c >= 0x7f)
			fprintf(f, "%%%02X", c);
		else
			fputc(c, f);
	}
}

static void save_meta(FILE *f, const struct health_override_meta *meta);

static void save_override(const uint8_t *service, const char *member, enum health_override o,
			  const struct health_override_meta *meta, void *arg)
{
	char name[DNAME_MAXLEN * 4 + 2];
	FILE *f = arg;

	if (dname_to_str(service, name, sizeof(name)) < 0)
		return;
	/* "#<index>" (a member without a name) is written as the index: '#' starts a comment */
	fprintf(f, "%s %s %s", name, member[0] == '#' ? member + 1 : member,
		health_override_name(o));
	save_meta(f, meta);
}

/* "weight region R N" or "weight member SERVICE NAME N", then the meta */
static void save_weight(const struct health_weight_ref *ref, uint32_t weight,
			const struct health_override_meta *meta, void *arg)
{
	char name[DNAME_MAXLEN * 4 + 2];
	FILE *f = arg;

	if (ref->kind == HEALTH_WEIGHT_REGION)
		fprintf(f, "weight region %s %u", ref->name, weight);
	else if (dname_to_str(ref->service, name, sizeof(name)) == 0)
		fprintf(f, "weight member %s %s %u", name, ref->name, weight);
	else
		return;
	save_meta(f, meta);
}

/* " at=MS expires=MS who=W why=W", those set, and the line's end */
static void save_meta(FILE *f, const struct health_override_meta *meta)
{
	if (meta->at_ms)
		fprintf(f, " at=%llu", (unsigned long long)meta->at_ms);
	if (meta->expires_ms)
		fprintf(f, " expires=%llu", (unsigned long long)meta->expires_ms);
	if (meta->who[0]) {
		fputs(" who=", f);
		put_encoded(f, meta->who);
	}
	if (meta->why[0]) {
		fputs(" why=", f);
		put_encoded(f, meta->why);
	}
	fputc('\n', f);
}

/* "history ORIGIN REV WAS WHAT", then the meta with the change's time: the audit trail of
 * gslbctl history, kept across restarts (the ring's HEALTH_HISTORY entries at most) */
static void save_history(const struct health_history *h, void *arg)
{
	struct health_override_meta m = h->meta;
	FILE *f = arg;

	fprintf(f, "history %s %lld ", h->meta.origin ? h->meta.origin : "local",
		(long long)h->meta.mod_rev);
	put_encoded(f, h->was[0] ? h->was : "-");
	fputc(' ', f);
	put_encoded(f, h->what);
	m.at_ms = h->at_ms;
	save_meta(f, &m);
}

static void put_unknown(FILE *f, uint32_t v)
{
	if (v == REPORT_UNKNOWN)
		fputs(" -", f);
	else
		fprintf(f, " %u", v);
}

static void save_warm(const struct health_warm_target *t, const struct health_warm_vote *v,
		      void *arg)
{
	char name[DNAME_MAXLEN * 4 + 2], addr[INET6_ADDRSTRLEN] = "-";
	FILE *f = arg;

	if (v) {
		fprintf(f, "vote %s %s %llu", v->prober, v->up ? "up" : "down",
			(unsigned long long)v->at_ms);
		put_unknown(f, v->rtt_us);
		put_unknown(f, v->load_permille);
		fputc('\n', f);
		return;
	}
	if (dname_to_str(t->service, name, sizeof(name)) < 0)
		return;
	if (t->family)
		inet_ntop(t->family == 4 ? AF_INET : AF_INET6, t->addr, addr, sizeof(addr));
	fprintf(f, "target %s %u %s %s %llu\n", name, t->member, addr, t->up ? "up" : "down",
		(unsigned long long)t->stale_since_ms);
}

int health_file_save_locked(struct health_state *s)
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
		log_err("event=state_save file=%s error=\"%s\"", tmp, strerror(-ret));
		if (fd != -1) {
			close(fd);
			unlink(tmp);
		}
		goto out;
	}
	fprintf(f, "# gslb health state (written by gslbd). Overrides: service member-name "
		   "drain|up|down\n"
		   "# warm votes: target service member address|- up|down grace_start_ms,\n"
		   "# then its votes: vote prober up|down received_ms rtt_us|- load_permille|-\n"
		   "# history (gslbctl history): history origin revision was what at= who= why=\n");
	health_foreach_override(s, save_override, f);
	health_foreach_weight(s, save_weight, f);
	health_foreach_warm(s, save_warm, f);
	health_foreach_history(s, save_history, f);
	if (fflush(f) != 0 || fsync(fileno(f)) == -1)
		ret = -errno;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, file) == -1)
		ret = -errno;
	if (ret < 0) {
		log_err("event=state_save file=%s error=\"%s\"", file, strerror(-ret));
		unlink(tmp);
	}
out:
	free(tmp);
	return ret;
}

int health_file_save(struct health_state *s)
{
	health_lock(s);
	int ret = health_file_save_locked(s);
	health_unlock(s);
	return ret;
}

/* ---- reading ---- */

/* What the file holds, parsed whole before anything changes. */
struct parsed {
	struct health_override_entry *o;
	size_t n;
	struct health_weight_entry *w; /* runtime weights */
	size_t nw;
	/* warm votes: targets, each with its votes votes[first .. first + n) */
	struct wtarget {
		struct health_warm_target t;
		size_t first, n;
	} * targets;
	size_t ntargets;
	struct health_warm_vote *votes;
	size_t nvotes;
	bool votes_bad;		     /* a bad vote line: all votes ignored */
	struct health_history *hist; /* the audit trail, oldest first */
	size_t nhist;
	size_t hist_bad; /* history lines that do not parse: skipped */
};

static void parsed_free(struct parsed *p)
{
	free(p->o);
	free(p->w);
	free(p->targets);
	free(p->votes);
	free(p->hist);
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

static int parse_state(const char *word, bool *up)
{
	if (!strcmp(word, "up") || !strcmp(word, "down")) {
		*up = word[0] == 'u';
		return 0;
	}
	return -EINVAL;
}

static int parse_ms(const char *word, uint64_t *ms)
{
	char *end;

	if (word[0] < '0' || word[0] > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(word, &end, 10);
	if (*end || errno)
		return -EINVAL;
	*ms = v;
	return 0;
}

/* "-" or a decimal below REPORT_UNKNOWN. */
static int parse_unknown(const char *word, uint32_t *v)
{
	uint64_t x;

	if (!strcmp(word, "-")) {
		*v = REPORT_UNKNOWN;
		return 0;
	}
	if (parse_ms(word, &x) < 0 || x >= REPORT_UNKNOWN)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

/* A "target" line (after the word); sets *field and *msg when it is bad. */
static int parse_target(struct parsed *p, const char *rest, const char **field, const char **msg)
{
	char name[1024], addr[64], state[16], ms[32], extra[2];
	struct health_warm_target t = {0};
	unsigned long member;

	*field = "target";
	*msg = "want \"target <service> <member> <address>|- up|down <unix ms>\"";
	if (sscanf(rest, "%1023s %lu %63s %15s %31s %1s", name, &member, addr, state, ms, extra) !=
	    5)
		return -EINVAL;
	*msg = NULL;
	if (dname_from_str(name, t.service) < 0)
		*field = "service", *msg = "bad domain name";
	else if (member > UINT32_MAX)
		*field = "member", *msg = "out of range";
	else if (strcmp(addr, "-") && inet_pton(AF_INET, addr, t.addr) == 1)
		t.family = 4;
	else if (strcmp(addr, "-") && inet_pton(AF_INET6, addr, t.addr) == 1)
		t.family = 6;
	else if (strcmp(addr, "-"))
		*field = "address", *msg = "want an IPv4 or IPv6 address, or -";
	if (!*msg && parse_state(state, &t.up) < 0)
		*field = "state", *msg = "want up or down";
	if (!*msg && parse_ms(ms, &t.stale_since_ms) < 0)
		*field = "time", *msg = "want unix milliseconds";
	if (*msg)
		return -EINVAL;
	t.member = (uint32_t)member;
	struct wtarget *nt = realloc(p->targets, (p->ntargets + 1) * sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	p->targets = nt;
	p->targets[p->ntargets++] = (struct wtarget){.t = t, .first = p->nvotes};
	return 0;
}

/* A "vote" line (after the word), for the target line above it. */
static int parse_vote(struct parsed *p, const char *rest, const char **field, const char **msg)
{
	char prober[CONF_ID_MAX + 2], state[16], ms[32], rtt[16], load[16], extra[2];
	struct health_warm_vote v = {0};

	*field = "vote";
	*msg = "want \"vote <prober> up|down <unix ms> <rtt>|- <load>|-\"";
	if (sscanf(rest, "%65s %15s %31s %15s %15s %1s", prober, state, ms, rtt, load, extra) != 5)
		return -EINVAL;
	*msg = NULL;
	if (!p->ntargets)
		*msg = "no target line before it";
	else if (strlen(prober) > CONF_ID_MAX)
		*field = "prober", *msg = "too long";
	else if (parse_state(state, &v.up) < 0)
		*field = "state", *msg = "want up or down";
	else if (parse_ms(ms, &v.at_ms) < 0)
		*field = "time", *msg = "want unix milliseconds";
	else if (parse_unknown(rtt, &v.rtt_us) < 0)
		*field = "rtt", *msg = "want microseconds or -";
	else if (parse_unknown(load, &v.load_permille) < 0)
		*field = "load", *msg = "want permille or -";
	if (*msg)
		return -EINVAL;
	snprintf(v.prober, sizeof(v.prober), "%s", prober);
	struct health_warm_vote *nv = realloc(p->votes, (p->nvotes + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	p->votes = nv;
	p->votes[p->nvotes++] = v;
	p->targets[p->ntargets - 1].n++;
	return 0;
}

/* Decodes put_encoded's %XX into out (size bytes); -EINVAL for a bad escape or too long. */
static int get_encoded(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in; in++) {
		unsigned int c = (unsigned char)*in;

		if (c == '%') {
			if (sscanf(in + 1, "%2x", &c) != 1 || !in[1] || !in[2])
				return -EINVAL;
			in += 2;
		}
		if (n + 1 >= size)
			return -EINVAL;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

/* The optional "at=MS expires=MS who=ENC why=ENC" after an override; the field that is bad,
 * or NULL. */
static const char *parse_meta(char *rest, struct health_override_meta *m)
{
	for (char *w = strtok(rest, " \t\n"); w; w = strtok(NULL, " \t\n")) {
		char *eq = strchr(w, '=');

		if (!eq)
			return "meta";
		*eq++ = '\0';
		if (!strcmp(w, "at") && parse_ms(eq, &m->at_ms) == 0)
			continue;
		if (!strcmp(w, "expires") && parse_ms(eq, &m->expires_ms) == 0)
			continue;
		if (!strcmp(w, "who") && get_encoded(eq, m->who, sizeof(m->who)) == 0)
			continue;
		if (!strcmp(w, "why") && get_encoded(eq, m->why, sizeof(m->why)) == 0)
			continue;
		return "meta";
	}
	return NULL;
}

/* A "history" line (after the word). Returns 0, -ENOMEM, or -EINVAL (the line is skipped:
 * the trail is worth less than the overrides, which a bad line never costs). */
static int parse_history(struct parsed *p, const char *rest)
{
	char origin[16], was[100], what[600], more[1200] = "";
	struct health_history h = {0};
	long long rev;
	int used = 0;

	if (sscanf(rest, "%15s %lld %99s %599s%n", origin, &rev, was, what, &used) != 4 ||
	    get_encoded(was, h.was, sizeof(h.was)) < 0 ||
	    get_encoded(what, h.what, sizeof(h.what)) < 0)
		return -EINVAL;
	snprintf(more, sizeof(more), "%s", rest + used);
	if (parse_meta(more, &h.meta) != NULL)
		return -EINVAL;
	/* origin is a static string in memory */
	h.meta.origin = !strcmp(origin, "etcd") ? "etcd" : "local";
	h.meta.mod_rev = rev;
	h.at_ms = h.meta.at_ms;
	if (!strcmp(h.was, "-"))
		h.was[0] = '\0';
	struct health_history *nh = realloc(p->hist, (p->nhist + 1) * sizeof(*nh));
	if (!nh)
		return -ENOMEM;
	p->hist = nh;
	p->hist[p->nhist++] = h;
	return 0;
}

static int parsed_add(struct parsed *p, const struct health_member_ref *ref, enum health_override o,
		      const struct health_override_meta *meta)
{
	struct health_override_entry *no = realloc(p->o, (p->n + 1) * sizeof(*no));

	if (!no)
		return -ENOMEM;
	p->o = no;
	p->o[p->n++] = (struct health_override_entry){.ref = *ref, .o = o, .meta = *meta};
	return 0;
}

/* A "weight region R N [meta]" or "weight member SERVICE NAME N [meta]" line (after the
 * word); sets *field and *msg when it is bad. */
static int parse_weight(struct parsed *p, const char *rest, const char **field, const char **msg)
{
	char kind[16], a[1024], b[128] = "", n[16], more[1200] = "";
	struct health_weight_ref ref = {0};
	struct health_override_meta meta = {.origin = "local"};
	char *end;
	int used = 0, k;

	*field = "weight";
	*msg = "want \"weight region <region> <N>\" or \"weight member <service> <member> <N>\"";
	k = sscanf(rest, "%15s %1023s", kind, a);
	if (k != 2)
		return -EINVAL;
	if (!strcmp(kind, "region")) {
		if (sscanf(rest, "%*s %*s %15s%n", n, &used) != 1 || strlen(a) >= sizeof(ref.name))
			return -EINVAL;
		ref.kind = HEALTH_WEIGHT_REGION;
		snprintf(ref.name, sizeof(ref.name), "%s", a);
	} else if (!strcmp(kind, "member")) {
		if (sscanf(rest, "%*s %*s %127s %15s%n", b, n, &used) != 2 ||
		    strlen(b) >= HEALTH_MEMBER_NAME_MAX || dname_from_str(a, ref.service) < 0)
			return -EINVAL;
		ref.kind = HEALTH_WEIGHT_MEMBER;
		snprintf(ref.name, sizeof(ref.name), "%s", b);
	} else {
		return -EINVAL;
	}
	unsigned long v = strtoul(n, &end, 10);
	if (n[0] < '0' || n[0] > '9' || *end || v > 1000000) {
		*msg = "want a weight 0..1000000";
		return -EINVAL;
	}
	snprintf(more, sizeof(more), "%s", rest + used);
	if ((*field = parse_meta(more, &meta)) != NULL) {
		*msg = "want at=<unix ms> expires=<unix ms> who=<text> why=<text> after the weight";
		return -EINVAL;
	}
	struct health_weight_entry *nw = realloc(p->w, (p->nw + 1) * sizeof(*nw));
	if (!nw)
		return -ENOMEM;
	p->w = nw;
	p->w[p->nw++] =
	    (struct health_weight_entry){.ref = ref, .weight = (uint32_t)v, .meta = meta};
	return 0;
}

/* An override line; -EINVAL with err set when it is bad. */
static int parse_override(struct parsed *p, const char *line, const char *path, int lineno,
			  char *err, size_t errlen)
{
	char name[1024], member[128], word[16], rest[1200] = "";
	struct health_member_ref ref;
	struct health_override_meta meta = {.origin = "local"};
	const char *field = NULL, *msg = NULL;
	char *end;
	int k, o = 0, used = 0;

	k = sscanf(line, "%1023s %127s %15s%n", name, member, word, &used);
	if (k == 3)
		snprintf(rest, sizeof(rest), "%s", line + used);
	if (k != 3) {
		field = "line";
		msg = "want \"<service> <member name> drain|up|down\"";
	} else if (dname_from_str(name, ref.service) < 0) {
		field = "service";
		msg = "bad domain name";
	} else if (strlen(member) >= sizeof(ref.member)) {
		field = "member";
		msg = "name too long";
	} else if (member[0] >= '0' && member[0] <= '9' &&
		   (strtoul(member, &end, 10) > UINT32_MAX || *end)) {
		field = "member";
		msg = "out of range";
	} else if ((o = health_override_parse(word)) <= 0) {
		field = "override";
		msg = "want drain, up or down";
	} else if ((field = parse_meta(rest, &meta)) != NULL) {
		msg = "want at=<unix ms> expires=<unix ms> who=<text> why=<text> after the "
		      "override";
	}
	if (field) {
		load_error(err, errlen, path, lineno, field, msg);
		return -EINVAL;
	}
	/* a file written before members had names holds indices: the first bind names them */
	if (member[0] >= '0' && member[0] <= '9')
		snprintf(ref.member, sizeof(ref.member), "#%s", member);
	else
		snprintf(ref.member, sizeof(ref.member), "%s", member);
	if (parsed_add(p, &ref, (enum health_override)o, &meta) < 0) {
		load_error(err, errlen, path, 0, NULL, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int load_file(FILE *f, const char *path, struct parsed *out, char *verr, size_t verrlen,
		     char *err, size_t errlen)
{
	char line[1200];
	int lineno = 0;

	while (fgets(line, sizeof(line), f)) {
		char word[8];
		int n = 0, ret = 0;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			load_error(err, errlen, path, lineno, "line", "too long");
			return -EINVAL;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if (sscanf(line, "%7s%n", word, &n) <= 0)
			continue; /* blank or comment */
		bool is_target = !strcmp(word, "target"), is_vote = !strcmp(word, "vote");
		if (!strcmp(word, "history")) {
			ret = parse_history(out, line + n);
			if (ret == -ENOMEM) {
				load_error(err, errlen, path, 0, NULL, "out of memory");
				return ret;
			}
			out->hist_bad += ret < 0;
			continue;
		}
		if (!strcmp(word, "weight")) {
			/* like an override: a bad one refuses the file */
			const char *field, *msg;

			ret = parse_weight(out, line + n, &field, &msg);
			if (ret == -ENOMEM) {
				load_error(err, errlen, path, 0, NULL, "out of memory");
				return ret;
			}
			if (ret < 0) {
				load_error(err, errlen, path, lineno, field, msg);
				return ret;
			}
			continue;
		}
		if (!is_target && !is_vote) {
			ret = parse_override(out, line, path, lineno, err, errlen);
			if (ret < 0)
				return ret;
			continue;
		}
		if (out->votes_bad)
			continue;
		const char *field, *msg;
		ret = is_target ? parse_target(out, line + n, &field, &msg)
				: parse_vote(out, line + n, &field, &msg);
		if (ret == -ENOMEM) {
			load_error(err, errlen, path, 0, NULL, "out of memory");
			return ret;
		}
		if (ret < 0) {
			load_error(verr, verrlen, path, lineno, field, msg);
			out->votes_bad = true;
		}
	}
	if (ferror(f)) {
		load_error(err, errlen, path, 0, NULL, "cannot read");
		return -EIO;
	}
	return 0;
}

/* Restores the parsed votes (under the lock); errors are out of memory only. */
static int restore(struct health_state *s, const struct parsed *p, uint64_t now_ms,
		   struct health_file_loaded *out)
{
	for (size_t i = 0; i < p->ntargets; i++) {
		const struct wtarget *w = &p->targets[i];
		int r = health_restore_warm(s, &w->t, p->votes + w->first, w->n, now_ms,
					    &out->stale_votes);

		if (r < 0)
			return r;
		out->votes += (size_t)r;
		out->targets += r > 0;
	}
	return 0;
}

int health_file_load(struct health_state *s, uint64_t now_ms, struct health_file_loaded *out,
		     char *err, size_t errlen)
{
	struct health_file_loaded dummy;
	struct parsed p = {0};
	const char *file;
	int ret = 0;
	FILE *f;

	if (!out)
		out = &dummy;
	memset(out, 0, sizeof(*out));
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
	ret = load_file(f, file, &p, out->votes_error, sizeof(out->votes_error), err, errlen);
	fclose(f);
	if (ret < 0)
		goto out;
	ret = health_replace_overrides(s, p.o, p.n);
	if (ret == 0)
		ret = health_replace_weights(s, p.w, p.nw);
	if (ret == 0 && !p.votes_bad)
		ret = restore(s, &p, now_ms, out);
	if (ret == 0)
		health_restore_history(s, p.hist, p.nhist);
	if (ret < 0) {
		load_error(err, errlen, file, 0, NULL, "out of memory");
		goto out;
	}
	out->overrides = p.n;
	if (p.votes_bad)
		log_warn("event=state_votes_ignored error=\"%s\" note=\"the overrides are kept; "
			 "the votes are rewritten at the next save\"",
			 out->votes_error);
	if (p.hist_bad)
		log_warn("event=state_history_ignored file=%s lines=%zu note=\"history lines that "
			 "do not parse are left out of gslbctl history\"",
			 file, p.hist_bad);
	log_info("event=state_loaded file=%s overrides=%zu targets=%zu votes=%zu stale_votes=%zu "
		 "history=%zu",
		 file, p.n, out->targets, out->votes, out->stale_votes, p.nhist);
out:
	health_unlock(s);
	parsed_free(&p);
	return ret;
}
