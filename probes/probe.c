/* SPDX-License-Identifier: Apache-2.0 */
/* probe.c — check instances, rise/fall state, scheduling on one loop, signed snapshots */
#include "config.h"

#include "probe.h"

#include "checks.h"
#include "clock.h"
#include "dname.h"
#include "log.h"
#include "report.h"
#include "report_pace.h"
#include "service.h"

#include <event2/event.h>
#include <event2/util.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- targets ---- */

static int add_target(struct probe_target **v, size_t *n, size_t *cap, const struct probe_target *t)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct probe_target *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = *t;
	return 0;
}

int probe_targets_build(const struct conf *c, const struct service *services, size_t n,
			struct probe_target **out, size_t *nout)
{
	struct probe_target *v = NULL;
	size_t nv = 0, cap = 0;
	char name[CHECK_NAME_TEXT];

	for (size_t s = 0; s < n; s++) {
		const struct service *sv = &services[s];

		for (size_t m = 0; m < sv->nmembers; m++) {
			const struct member *mb = &sv->members[m];
			struct probe_target t = {.service = sv->name, .member = (uint16_t)m};

			if (!mb->check)
				continue;
			t.check = conf_check_find(c, mb->check);
			if (!t.check || !t.check->type) {
				dname_to_str(sv->name, name, sizeof(name));
				log_warn("event=check_unknown service=%s member=%zu check=%s", name,
					 m, mb->check);
				continue;
			}
			if (mb->nipv4 + mb->nipv6 == 0) {
				if (t.check->type->flags & CONF_CHECK_WHOLE_MEMBER) {
					if (add_target(&v, &nv, &cap, &t) < 0)
						goto oom;
					continue;
				}
				/* A CNAME member has no address to send the check to. */
				dname_to_str(sv->name, name, sizeof(name));
				log_info("event=check_skipped service=%s member=%zu check=%s "
					 "reason=\"no address (cname member)\"",
					 name, m, mb->check);
				continue;
			}
			for (size_t i = 0; i < mb->nipv4; i++) {
				t.family = 4;
				memset(t.addr, 0, sizeof(t.addr));
				memcpy(t.addr, mb->ipv4[i], 4);
				if (add_target(&v, &nv, &cap, &t) < 0)
					goto oom;
			}
			for (size_t i = 0; i < mb->nipv6; i++) {
				t.family = 6;
				memcpy(t.addr, mb->ipv6[i], 16);
				if (add_target(&v, &nv, &cap, &t) < 0)
					goto oom;
			}
		}
	}
	*out = v;
	*nout = nv;
	return 0;
oom:
	free(v);
	return -ENOMEM;
}

/* ---- the probe ---- */

struct probe {
	struct event_base *base;
	struct check_env env;
	const struct conf *c;
	char id[CONF_ID_MAX + 1];
	struct check_inst **insts;
	size_t n;
	struct event *report_ev;
	int fd; /* one UDP socket for every report_to address */
	int fd_family;
	uint64_t seq;
	uint8_t (*bufs)[REPORT_MAX_DATAGRAM];
	size_t *lens;
	size_t nbufs;
	struct report_entry *entries;
	size_t nentries_cap;
	bool send_failing; /* log a failing destination once, until it works again */
	/* event reports: a snapshot at once when an instance changes (report_pace.h) */
	struct report_pace pace; /* one destination per probe.report_to address */
	struct event *event_ev;	 /* fires when the next event report is due */
	uint64_t event_reports;	 /* sent, counted per destination */
	uint64_t periodic_reports;
	uint64_t send_errors; /* reports (to one destination) with a part that failed */
};

static void event_schedule(struct probe *p);

static struct timeval tv_of(double s)
{
	struct timeval tv;

	tv.tv_sec = (time_t)s;
	tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
	return tv;
}

static const struct check_ops *ops_of(const struct conf_check *ck)
{
	return ck->type->ops;
}

static void log_state(const struct check_inst *ci, const char *reason)
{
	char rtt[16] = "-";
	char load[16] = "-";
	char why[256];
	size_t i;

	/* keep the reason one quoted token */
	for (i = 0; reason && reason[i] && i < sizeof(why) - 1; i++)
		why[i] = reason[i] == '"' ? '\'' : reason[i];
	why[i] = '\0';

	if (ci->rtt_us != REPORT_UNKNOWN)
		snprintf(rtt, sizeof(rtt), "%u", ci->rtt_us);
	if (ci->load_permille != REPORT_UNKNOWN)
		snprintf(load, sizeof(load), "%u", ci->load_permille);
	if (ci->sm.up)
		log_info("event=check_state service=%s member=%u addr=%s check=%s state=up "
			 "rtt_us=%s load_permille=%s",
			 ci->service_text, ci->member, ci->addr_text, ci->ck->name, rtt, load);
	else
		log_warn("event=check_state service=%s member=%u addr=%s check=%s state=down "
			 "reason=\"%s\" rtt_us=%s",
			 ci->service_text, ci->member, ci->addr_text, ci->ck->name,
			 reason ? why : "?", rtt);
}

/* The probe an instance belongs to: its env is the probe's. */
static struct probe *probe_of(const struct check_inst *ci)
{
	return (struct probe *)((const char *)ci->env - offsetof(struct probe, env));
}

static void inst_changed(const struct check_inst *ci)
{
	struct probe *p = probe_of(ci);

	report_pace_changed(&p->pace, clock_mono_ms());
	event_schedule(p);
}

/* Ends the run: the result goes through the state machine. */
static void finish_run(struct check_inst *ci, bool ok, uint32_t load, const char *reason)
{
	uint64_t rtt = clock_mono_us() - ci->started_us;

	ci->running = false;
	ci->run = NULL;
	ci->runs++;
	ci->last_run_ms = clock_wall_ms();
	ci->last_duration_us = rtt >= UINT32_MAX ? UINT32_MAX : (uint32_t)rtt;
	ci->last_ok = ok;
	ci->consecutive_failures = ok ? 0 : ci->consecutive_failures + 1;
	ci->failures += !ok;
	ci->rtt_us =
	    ok ? (rtt >= REPORT_UNKNOWN ? REPORT_UNKNOWN - 1 : (uint32_t)rtt) : REPORT_UNKNOWN;
	uint32_t old_load = ci->load_permille;
	if (ci->ck->type->flags & CONF_CHECK_LOAD)
		ci->load_permille = load;
	bool flipped = probe_sm_result(&ci->sm, ok, ci->ck->rise, ci->ck->fall, clock_wall_ms());
	/* gslbd hears a flip, or a load crossing a tenth, at once rather than at the next
	 * period: the report is due after the debounce */
	if (flipped || (ci->load_permille / 100 != old_load / 100 && ci->sm.up))
		inst_changed(ci);
	if (flipped)
		log_state(ci, reason);
	else
		log_debug("event=check_result service=%s member=%u addr=%s check=%s ok=%d "
			  "state=%s reason=\"%s\" rtt_us=%llu",
			  ci->service_text, ci->member, ci->addr_text, ci->ck->name, ok,
			  ci->sm.up ? "up" : "down", reason ? reason : "", (unsigned long long)rtt);
}

void check_done(struct check_inst *ci, bool ok, uint32_t load_permille, const char *reason)
{
	if (!ci->running)
		return;
	event_del(ci->deadline);
	finish_run(ci, ok, load_permille, reason);
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct check_inst *ci = arg;
	char reason[64];

	if (!ci->running)
		return;
	ops_of(ci->ck)->cancel(ci);
	snprintf(reason, sizeof(reason), "timeout after %g s", ci->ck->timeout);
	finish_run(ci, false, REPORT_UNKNOWN, reason);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct check_inst *ci = arg;
	struct timeval to = tv_of(ci->ck->timeout);
	char reason[256] = "cannot start";
	uint64_t now = clock_mono_us(), iv = (uint64_t)(ci->ck->interval * 1e6);

	/* The next run is one interval after this one was due, not after it fired: the
	 * period stays exact and the instances keep their spread. A loop that fell more
	 * than an interval behind skips the runs it missed. */
	ci->next_us += iv;
	if (ci->next_us <= now)
		ci->next_us += (now - ci->next_us) / iv * iv + iv;
	struct timeval tv = tv_of((double)(ci->next_us - now) / 1e6);
	event_add(ci->tick, &tv);
	if (ci->running) /* timeout < interval makes this impossible; be safe */
		return;
	ci->running = true;
	ci->started_us = clock_mono_us();
	event_add(ci->deadline, &to);
	/* start may end the run at once through check_done */
	if (ops_of(ci->ck)->start(ci, reason, sizeof(reason)) < 0 && ci->running) {
		event_del(ci->deadline);
		finish_run(ci, false, REPORT_UNKNOWN, reason);
	}
}

static void inst_free(struct check_inst *ci)
{
	if (!ci)
		return;
	if (ci->running)
		ops_of(ci->ck)->cancel(ci);
	if (ops_of(ci->ck)->release)
		ops_of(ci->ck)->release(ci);
	if (ci->tick)
		event_free(ci->tick);
	if (ci->deadline)
		event_free(ci->deadline);
	free(ci);
}

static struct check_inst *inst_new(struct probe *p, const struct probe_target *t, bool up)
{
	struct check_inst *ci = calloc(1, sizeof(*ci));

	if (!ci)
		return NULL;
	memcpy(ci->service, t->service, dname_len(t->service));
	if (dname_to_str(ci->service, ci->service_text, sizeof(ci->service_text)) < 0)
		snprintf(ci->service_text, sizeof(ci->service_text), "?");
	ci->member = t->member;
	ci->family = t->family;
	memcpy(ci->addr, t->addr, sizeof(ci->addr));
	ci->ck = t->check;
	ci->env = &p->env;
	ci->rtt_us = REPORT_UNKNOWN;
	ci->load_permille = REPORT_UNKNOWN;
	probe_sm_init(&ci->sm, up);
	if (t->family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ci->ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(t->check->port);
		memcpy(&sin->sin_addr, t->addr, 4);
		ci->sslen = sizeof(*sin);
		inet_ntop(AF_INET, t->addr, ci->addr_text, sizeof(ci->addr_text));
	} else if (t->family == 6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ci->ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(t->check->port);
		memcpy(&sin6->sin6_addr, t->addr, 16);
		ci->sslen = sizeof(*sin6);
		inet_ntop(AF_INET6, t->addr, ci->addr_text, sizeof(ci->addr_text));
	} else {
		snprintf(ci->addr_text, sizeof(ci->addr_text), "-");
	}
	ci->tick = evtimer_new(p->base, tick_cb, ci);
	ci->deadline = evtimer_new(p->base, deadline_cb, ci);
	if (!ci->tick || !ci->deadline) {
		inst_free(ci);
		return NULL;
	}
	return ci;
}

static bool same_inst(const struct check_inst *a, const struct check_inst *b)
{
	return a->member == b->member && a->family == b->family &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr)) && dname_equal(a->service, b->service) &&
	       !strcmp(a->ck->name, b->ck->name);
}

/* First run at the fraction frac of the interval from now; the runs follow every
 * interval after it (tick_cb). */
static void inst_schedule(struct check_inst *ci, double frac)
{
	double off = ci->ck->interval * frac;
	struct timeval tv = tv_of(off);

	ci->next_us = clock_mono_us() + (uint64_t)(off * 1e6);
	event_add(ci->tick, &tv);
}

/* Encodes a snapshot of every instance into p->bufs; returns the number of parts, 0 on
 * failure (logged). */
static size_t encode_snapshot(struct probe *p)
{
	const struct conf *c = p->c;
	struct report_meta m = {.prober = p->id, .timestamp_ms = clock_wall_ms()};
	size_t nparts = 0;
	int r, need;

	for (size_t i = 0; i < p->n; i++) {
		const struct check_inst *ci = p->insts[i];
		struct report_entry *e = &p->entries[i];

		memset(e, 0, sizeof(*e));
		e->service = ci->service;
		e->member = ci->member;
		e->family = ci->family;
		memcpy(e->addr, ci->addr, sizeof(e->addr));
		e->up = ci->sm.up;
		e->rtt_us = ci->sm.up ? ci->rtt_us : REPORT_UNKNOWN;
		e->load_permille = ci->load_permille;
		e->last_change_ms = ci->sm.last_change_ms;
	}
	need = report_parts_needed(c->probe.key_ref->id, p->id, p->entries, p->n);
	if (need < 0) {
		log_err("event=report_failed error=\"%s\"", strerror(-need));
		return 0;
	}
	if ((size_t)need > p->nbufs) {
		void *nb = realloc(p->bufs, (size_t)need * sizeof(*p->bufs));
		void *nl = nb ? realloc(p->lens, (size_t)need * sizeof(*p->lens)) : NULL;

		if (nb)
			p->bufs = nb;
		if (nl)
			p->lens = nl;
		if (!nb || !nl) {
			log_err("event=report_failed error=\"out of memory\"");
			return 0;
		}
		p->nbufs = (size_t)need;
	}
	m.seq = p->seq++;
	r = report_encode(&m, c->probe.key_ref, p->entries, p->n, p->bufs, p->lens, p->nbufs,
			  &nparts);
	if (r < 0) {
		log_err("event=report_failed error=\"%s\"", strerror(-r));
		return 0;
	}
	return nparts;
}

/* Sends the encoded parts to report_to[d]. */
static void send_to(struct probe *p, size_t d, size_t nparts)
{
	const struct conf_addr *a = &p->c->probe.report_to[d];
	struct sockaddr_in6 mapped;
	const struct sockaddr *sa = (const struct sockaddr *)&a->ss;
	socklen_t salen = a->len;
	bool failed = false;

	if (a->ss.ss_family == AF_INET && p->fd_family == AF_INET6) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;

		memset(&mapped, 0, sizeof(mapped));
		mapped.sin6_family = AF_INET6;
		mapped.sin6_port = sin->sin_port;
		mapped.sin6_addr.s6_addr[10] = 0xff;
		mapped.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&mapped.sin6_addr.s6_addr[12], &sin->sin_addr, 4);
		sa = (const struct sockaddr *)&mapped;
		salen = sizeof(mapped);
	} else if (a->ss.ss_family != p->fd_family) {
		return; /* IPv6 destination without an IPv6 socket: logged at start */
	}
	for (size_t i = 0; i < nparts; i++)
		if (sendto(p->fd, p->bufs[i], p->lens[i], 0, sa, salen) == -1)
			failed = true;
	if (failed)
		p->send_errors++;
	if (failed && !p->send_failing)
		log_warn("event=report_send_failed to=%s error=\"%s\"", a->text, strerror(errno));
	p->send_failing = failed;
}

/* The periodic full snapshot to every destination. */
static void send_report(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	size_t nparts = encode_snapshot(p);
	uint64_t now = clock_mono_ms();

	(void)fd;
	(void)what;
	if (!nparts)
		return;
	for (size_t d = 0; d < p->c->probe.nreport_to; d++) {
		send_to(p, d, nparts);
		report_pace_sent(&p->pace, d, now); /* it carries every change so far */
		p->periodic_reports++;
	}
	event_schedule(p);
	log_debug("event=report_sent kind=periodic seq=%llu entries=%zu parts=%zu",
		  (unsigned long long)(p->seq - 1), p->n, nparts);
}

/* An event report: the snapshot to the destinations whose report is due. */
static void event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	uint64_t now = clock_mono_ms();
	size_t nparts = 0;

	(void)fd;
	(void)what;
	for (size_t d = 0; d < p->pace.n; d++) {
		if (!report_pace_take(&p->pace, d, now))
			continue;
		if (!nparts && !(nparts = encode_snapshot(p)))
			break; /* logged; the periodic snapshot follows */
		send_to(p, d, nparts);
		report_pace_sent(&p->pace, d, now);
		p->event_reports++;
	}
	if (nparts)
		log_debug("event=report_sent kind=change seq=%llu entries=%zu parts=%zu",
			  (unsigned long long)(p->seq - 1), p->n, nparts);
	event_schedule(p);
}

/* Arms event_ev for the next due event report, if any. */
static void event_schedule(struct probe *p)
{
	uint64_t next = report_pace_next(&p->pace), now = clock_mono_ms();
	struct timeval tv;

	if (next == REPORT_PACE_NEVER) {
		event_del(p->event_ev);
		return;
	}
	tv = tv_of(next > now ? (double)(next - now) / 1000.0 : 0);
	event_add(p->event_ev, &tv);
}

static int open_socket(struct probe *p, char *err, size_t errlen)
{
	int off = 0;

	p->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd != -1 && setsockopt(p->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) == 0) {
		p->fd_family = AF_INET6;
		return 0;
	}
	if (p->fd != -1)
		close(p->fd);
	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	p->fd_family = AF_INET;
	return 0;
}

/* Checks what the probe needs from c and id. */
int probe_conf_check(const struct conf *c, const char *id, char *err, size_t errlen)
{
	if (!c->probe.present || !c->probe.key_ref) {
		snprintf(err, errlen, "%s: probe: missing section (report_to, key)", c->path);
		return -EINVAL;
	}
	if (!id || !id[0]) {
		snprintf(err, errlen, "%s: probe.id: empty; set it or give -i ID", c->path);
		return -EINVAL;
	}
	/* the config's id was checked at load: a bad one here came with -i */
	if (!conf_name_ok(id, CONF_ID_MAX)) {
		snprintf(err, errlen, "-i \"%s\": bad prober id (want 1..%d of A-Z a-z 0-9 . _ -)",
			 id, CONF_ID_MAX);
		return -EINVAL;
	}
	/* gslbd drops reports signed for a prober the key does not list: say so at start */
	if (!conf_health_key_allows(c->probe.key_ref, id, strlen(id))) {
		snprintf(err, errlen,
			 "%s: probe.key: key \"%s\" may not sign for prober \"%s\" (list it in "
			 "that key's health.keys[].probers)",
			 c->path, c->probe.key_ref->id, id);
		return -EINVAL;
	}
	return 0;
}

/* Builds the instances for t; copies the state of matching ones from old[0..nold). Returns
 * 0, or a negative errno with err set. */
static int build_insts(struct probe *p, const struct conf *c, const struct probe_target *t,
		       size_t n, struct check_inst ***out, struct check_inst **old, size_t nold,
		       size_t *kept, char *err, size_t errlen)
{
	struct check_inst **v = calloc(n ? n : 1, sizeof(*v));
	struct report_entry *ent;
	bool up = c->health.present ? c->health.default_up : true;

	*kept = 0;
	if (!v)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		v[i] = inst_new(p, &t[i], up);
		if (!v[i])
			goto oom;
		for (size_t j = 0; j < nold; j++) {
			if (!same_inst(v[i], old[j]))
				continue;
			v[i]->sm = old[j]->sm;
			v[i]->rtt_us = old[j]->rtt_us;
			v[i]->load_permille = old[j]->load_permille;
			(*kept)++;
			break;
		}
	}
	if (n > p->nentries_cap) {
		ent = realloc(p->entries, n * sizeof(*ent));
		if (!ent)
			goto oom;
		p->entries = ent;
		p->nentries_cap = n;
	}
	*out = v;
	return 0;
oom:
	for (size_t i = 0; v && i < n; i++)
		inst_free(v[i]);
	free(v);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

static void warn_families(const struct probe *p, const struct conf *c)
{
	for (size_t d = 0; d < c->probe.nreport_to; d++)
		if (c->probe.report_to[d].ss.ss_family == AF_INET6 && p->fd_family != AF_INET6)
			log_warn("event=report_to_unreachable to=%s reason=\"no IPv6 socket\"",
				 c->probe.report_to[d].text);
}

static int start(struct probe *p, const struct conf *c, const char *id)
{
	struct timeval tv = tv_of(c->health.report_interval);

	report_pace_release(&p->pace);
	if (report_pace_init(&p->pace, c->probe.nreport_to, REPORT_PACE_DEBOUNCE_MS,
			     REPORT_PACE_MIN_GAP_MS) < 0)
		return -ENOMEM;
	event_del(p->event_ev);
	p->c = c;
	snprintf(p->id, sizeof(p->id), "%s", id);
	warn_families(p, c);
	/* Start offsets: a random one, then steps of the golden ratio (mod 1), so that any
	 * number of instances, and every check's share of them, spreads evenly over its
	 * interval: the load is smooth rather than in random clumps. */
	uint32_t r;
	double frac;

	evutil_secure_rng_get_bytes(&r, sizeof(r));
	frac = (double)r / 4294967296.0;
	for (size_t i = 0; i < p->n; i++) {
		inst_schedule(p->insts[i], frac);
		frac += 0.6180339887498949;
		frac -= (double)(int)frac;
	}
	return event_add(p->report_ev, &tv) == 0 ? 0 : -EIO;
}

struct probe *probe_new(struct event_base *base, const struct conf *c, const char *id,
			const struct probe_target *t, size_t n, char *err, size_t errlen)
{
	struct probe *p;
	size_t kept;

	if (probe_conf_check(c, id, err, errlen) < 0)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->fd = -1;
	p->base = base;
	p->env.base = base;
	p->seq = report_seq_start(clock_wall_us());
	if (http_client_env_init(&p->env.http, base, err, errlen) < 0)
		goto fail;
	if (open_socket(p, err, errlen) < 0)
		goto fail;
	p->report_ev = event_new(base, -1, EV_PERSIST, send_report, p);
	p->event_ev = evtimer_new(base, event_cb, p);
	if (!p->report_ev || !p->event_ev) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (build_insts(p, c, t, n, &p->insts, NULL, 0, &kept, err, errlen) < 0)
		goto fail;
	p->n = n;
	if (start(p, c, id) < 0) {
		snprintf(err, errlen, "cannot schedule the report");
		goto fail;
	}
	return p;
fail:
	probe_free(p);
	return NULL;
}

int probe_reload(struct probe *p, const struct conf *c, const char *id,
		 const struct probe_target *t, size_t n, char *err, size_t errlen)
{
	struct check_inst **v;
	size_t kept;
	int r;

	r = probe_conf_check(c, id, err, errlen);
	if (r < 0)
		return r;
	r = build_insts(p, c, t, n, &v, p->insts, p->n, &kept, err, errlen);
	if (r < 0)
		return r;
	for (size_t i = 0; i < p->n; i++)
		inst_free(p->insts[i]);
	free(p->insts);
	p->insts = v;
	p->n = n;
	event_del(p->report_ev);
	log_info("event=probe_reloaded checks=%zu kept=%zu", n, kept);
	return start(p, c, id);
}

void probe_free(struct probe *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		inst_free(p->insts[i]);
	free(p->insts);
	if (p->report_ev)
		event_free(p->report_ev);
	if (p->event_ev)
		event_free(p->event_ev);
	report_pace_release(&p->pace);
	if (p->fd != -1)
		close(p->fd);
	http_client_env_release(&p->env.http);
	free(p->bufs);
	free(p->lens);
	free(p->entries);
	free(p);
}

size_t probe_count(const struct probe *p)
{
	return p->n;
}

void probe_foreach_inst(const struct probe *p,
			void (*fn)(const struct probe_inst_info *i, void *arg), void *arg)
{
	for (size_t k = 0; k < p->n; k++) {
		const struct check_inst *ci = p->insts[k];
		struct probe_inst_info i = {
		    .service = ci->service_text,
		    .member = ci->member,
		    .addr = ci->addr_text,
		    .check = ci->ck->name,
		    .type = ci->ck->type->name,
		    .up = ci->sm.up,
		    .running = ci->running,
		    .runs = ci->runs,
		    .last_run_ms = ci->last_run_ms,
		    .last_ok = ci->last_ok,
		    .last_duration_us = ci->last_duration_us,
		    .consecutive_failures = ci->consecutive_failures,
		    .failures = ci->failures,
		    .interval = ci->ck->interval,
		};

		fn(&i, arg);
	}
}

void probe_report_stats(const struct probe *p, struct probe_report_stats *st)
{
	st->periodic = p->periodic_reports;
	st->change = p->event_reports;
	st->send_errors = p->send_errors;
	st->seq = p->seq;
}
