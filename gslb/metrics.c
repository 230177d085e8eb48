/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.c — gslbd's counters in the Prometheus text exposition format */
#include "config.h"

#include "metrics.h"

#include "conf.h"
#include "dname.h"
#include "service.h"
#include "snapshot.h"
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* clang-format off */
static const char *const rcode_names[24] = {
	[0] = "NOERROR",  [1] = "FORMERR",  [2] = "SERVFAIL", [3] = "NXDOMAIN",
	[4] = "NOTIMP",   [5] = "REFUSED",  [6] = "YXDOMAIN", [7] = "YXRRSET",
	[8] = "NXRRSET",  [9] = "NOTAUTH",  [10] = "NOTZONE", [16] = "BADVERS",
	[17] = "BADKEY",  [18] = "BADTIME", [19] = "BADMODE", [20] = "BADNAME",
	[21] = "BADALG",  [22] = "BADTRUNC", [23] = "BADCOOKIE",
};
/* clang-format on */

/* Always shown, even at zero, so that rate() sees a series from the start. */
static const unsigned rcodes_always[] = {0, 1, 2, 3, 4, 5, 16};

/* a presentation name with every byte escaped as \DDD */

static const char *const proto_names[METRICS_NPROTO] = {"udp", "tcp"};

const char *metrics_rcode_name(unsigned rcode)
{
	return rcode < 24 ? rcode_names[rcode] : NULL;
}

void metrics_label_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '"')
			fputs("\\\"", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family of one series without labels. */
static void counter(FILE *out, const char *name, const char *help, uint64_t v)
{
	family(out, name, "counter", help);
	fprintf(out, "%s %llu\n", name, (unsigned long long)v);
}

static void gauge(FILE *out, const char *name, const char *help, long long v)
{
	family(out, name, "gauge", help);
	fprintf(out, "%s %lld\n", name, v);
}

/* One series per protocol of the answer_stats field at off. */
static void per_proto(FILE *out, const struct metrics_input *in, const char *name, const char *help,
		      size_t off)
{
	family(out, name, "counter", help);
	for (int p = 0; p < METRICS_NPROTO; p++) {
		const char *base = (const char *)&in->dns[p];
		uint64_t v;

		memcpy(&v, base + off, sizeof(v));
		fprintf(out, "%s{proto=\"%s\"} %llu\n", name, proto_names[p],
			(unsigned long long)v);
	}
}

static bool rcode_shown(const struct metrics_input *in, unsigned r)
{
	for (size_t i = 0; i < sizeof(rcodes_always) / sizeof(rcodes_always[0]); i++) {
		if (rcodes_always[i] == r)
			return true;
	}
	return in->dns[METRICS_UDP].rcode[r] != 0 || in->dns[METRICS_TCP].rcode[r] != 0;
}

static void render_dns(FILE *out, const struct metrics_input *in)
{
	per_proto(out, in, "gslb_dns_queries_total", "DNS messages received.",
		  offsetof(struct answer_stats, queries));
	family(out, "gslb_dns_responses_total", "counter", "DNS responses sent, by rcode.");
	for (unsigned r = 0; r < 24; r++) {
		char buf[16];
		const char *name = rcode_names[r];

		if (!rcode_shown(in, r))
			continue;
		if (name == NULL) {
			snprintf(buf, sizeof(buf), "RCODE%u", r);
			name = buf;
		}
		for (int p = 0; p < METRICS_NPROTO; p++)
			fprintf(out, "gslb_dns_responses_total{proto=\"%s\",rcode=\"%s\"} %llu\n",
				proto_names[p], name, (unsigned long long)in->dns[p].rcode[r]);
	}
	per_proto(out, in, "gslb_dns_dropped_total", "DNS messages dropped without a response.",
		  offsetof(struct answer_stats, dropped));
	per_proto(out, in, "gslb_dns_truncated_total", "Responses truncated with TC=1.",
		  offsetof(struct answer_stats, truncated));
	per_proto(out, in, "gslb_dns_edns_total", "Queries with an EDNS OPT record.",
		  offsetof(struct answer_stats, edns));
	per_proto(out, in, "gslb_dns_ecs_total", "Queries with an EDNS Client Subnet option.",
		  offsetof(struct answer_stats, ecs));
	per_proto(out, in, "gslb_service_answers_total",
		  "Answers chosen by a service filter chain.",
		  offsetof(struct answer_stats, service_answers));
	family(out, "gslb_dns_queries_by_type_total", "counter", "DNS queries by query type.");
	for (unsigned t = 0; t < ANSWER_QTYPE_SLOTS; t++)
		for (int p = 0; p < METRICS_NPROTO; p++)
			fprintf(out,
				"gslb_dns_queries_by_type_total{proto=\"%s\",qtype=\"%s\"} %llu\n",
				proto_names[p], answer_qtype_names[t],
				(unsigned long long)in->dns[p].qtype[t]);
	per_proto(out, in, "gslb_filter_fail_open_total",
		  "Answers where filter `up` found no member up (the service's fallback answered).",
		  offsetof(struct answer_stats, fail_open));
	per_proto(out, in, "gslb_filter_geofence_fallback_total",
		  "Answers where filter `geofence` matched no region and fell back.",
		  offsetof(struct answer_stats, geofence_fallback));
	per_proto(out, in, "gslb_dnssec_cache_hits_total",
		  "Signed RRsets whose RRSIGs the signature cache held.",
		  offsetof(struct answer_stats, sig_hits));
	per_proto(out, in, "gslb_dnssec_cache_misses_total",
		  "Signed RRsets not in the signature cache (new, changed or due for refresh).",
		  offsetof(struct answer_stats, sig_misses));
	per_proto(out, in, "gslb_dnssec_signatures_total", "RRSIGs made.",
		  offsetof(struct answer_stats, signatures));
	family(out, "gslb_dnssec_cache_entries", "gauge", "RRsets in the signature caches.");
	for (int p = 0; p < METRICS_NPROTO; p++)
		fprintf(out, "gslb_dnssec_cache_entries{proto=\"%s\"} %llu\n", proto_names[p],
			(unsigned long long)in->dns[p].sig_entries);
	family(out, "gslb_dnssec_cache_bytes", "gauge",
	       "Bytes held by the signature caches and the signing threads' buffers.");
	for (int p = 0; p < METRICS_NPROTO; p++)
		fprintf(out, "gslb_dnssec_cache_bytes{proto=\"%s\"} %llu\n", proto_names[p],
			(unsigned long long)in->dns[p].sig_bytes);
}

static void render_net(FILE *out, const struct metrics_input *in)
{
	counter(out, "gslb_probe_reports_accepted_total",
		"Signed probe report datagrams verified and applied.", in->reports.accepted);
	family(out, "gslb_probe_reports_rejected_total", "counter",
	       "Probe report datagrams dropped, by reason.");
	for (int r = 0; r < NET_HEALTH_R_COUNT; r++)
		fprintf(out, "gslb_probe_reports_rejected_total{reason=\"%s\"} %llu\n",
			net_health_reason_name((enum net_health_reason)r),
			(unsigned long long)in->reports.rejected[r]);
	counter(out, "gslb_health_changes_total",
		"Member health flips published from probe reports.", in->reports.changes);
	counter(out, "gslb_rrl_dropped_total", "UDP answers dropped by response rate limiting.",
		in->rrl.dropped);
	counter(out, "gslb_rrl_slipped_total",
		"UDP answers rate limited and sent truncated (TC=1) instead.", in->rrl.slipped);
	counter(out, "gslb_udp_recv_truncated_total",
		"UDP datagrams longer than the receive buffer, dropped.", in->udp.recv_truncated);
	counter(out, "gslb_udp_send_errors_total", "UDP replies the kernel refused.",
		in->udp.send_errors);
	gauge(out, "gslb_tcp_connections_open", "TCP connections open now.", in->tcp.open);
	counter(out, "gslb_tcp_connections_total", "TCP connections accepted.", in->tcp.accepted);
	counter(out, "gslb_tcp_connections_refused_total",
		"TCP connections closed at once: max_clients all busy, or the network's share.",
		in->tcp.rejected);
	counter(out, "gslb_tcp_evictions_total",
		"Idle TCP connections closed to make room for a new one.", in->tcp.evicted);
	counter(out, "gslb_tcp_idle_timeouts_total", "TCP connections closed after idle_timeout.",
		in->tcp.timeouts);
	counter(out, "gslb_tcp_bad_length_total",
		"TCP connections closed for a zero message length.", in->tcp.bad_length);
}

struct prober_walk {
	FILE *out;
	uint64_t stale_ms;
	size_t fresh;
};

static void prober_age(const char *id, uint64_t last_seq, uint64_t age_ms, void *arg)
{
	struct prober_walk *w = arg;

	(void)last_seq;
	fputs("gslb_probe_report_age_seconds{prober=\"", w->out);
	metrics_label_escape(w->out, id);
	fprintf(w->out, "\"} %.3f\n", age_ms / 1000.0);
	w->fresh += age_ms <= w->stale_ms;
}

/* Per prober the age of its last accepted report: a prober that stops reporting shows as a
 * growing age long before its votes go stale everywhere. */
static void render_probers(FILE *out, const struct metrics_input *in)
{
	struct prober_walk w = {.out = out, .stale_ms = health_stale_after_ms(in->health)};

	family(out, "gslb_probe_report_age_seconds", "gauge",
	       "Seconds since the last accepted report of each prober.");
	health_foreach_prober(in->health, in->now_ms, prober_age, &w);
	gauge(out, "gslb_probers_fresh",
	      "Probers whose last accepted report is at most health.stale_after old.", w.fresh);
	struct health_readiness r;
	health_readiness(in->health, in->now_ms, &r);
	family(out, "gslb_health_ready", "gauge",
	       "1 once health.quorum probers had fresh reports (live or warm from the state "
	       "file): what gslb-anycast waits for.");
	fprintf(out, "gslb_health_ready{reason=\"%s\"} %d\n", r.reason, r.ready);
	gauge(out, "gslb_probers_warm",
	      "Fresh probers known from the state file only (warm start), no report yet.",
	      r.warm_probers);
}

/* The etcd store: whether this site follows it, and the revision it applied last. */
static void render_store(FILE *out, const struct metrics_input *in)
{
	struct store_status st;

	store_get_status(in->store, &st);
	gauge(out, "gslb_store_connected",
	      "1 while the etcd watch is up; 0: serving the last operator state seen.",
	      st.connected);
	gauge(out, "gslb_store_revision", "The etcd revision applied last.", st.revision);
	counter(out, "gslb_store_changes_total",
		"Changes of operator state applied from the etcd watch.", st.changes);
	gauge(out, "gslb_store_cache_corrupt",
	      "1 when the store cache file was corrupt at start (and ignored).",
	      st.cache_error[0] != '\0');
}

static void render_daemon(FILE *out, const struct metrics_input *in)
{
	family(out, "gslb_build_info", "gauge", "The gslbd version.");
	fprintf(out, "gslb_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	gauge(out, "gslb_serving", "1 while a snapshot is published and the UDP workers run.",
	      in->serving && in->snap != NULL ? 1 : 0);
	family(out, "gslb_reloads_total", "counter", "Configuration reloads, by result.");
	fprintf(out, "gslb_reloads_total{result=\"ok\"} %llu\n",
		(unsigned long long)in->reloads_ok);
	fprintf(out, "gslb_reloads_total{result=\"failed\"} %llu\n",
		(unsigned long long)in->reloads_failed);
	if (in->snap == NULL)
		return;
	gauge(out, "gslb_snapshot_generation",
	      "Generation of the published snapshot (1 at startup, +1 per reload).",
	      in->snap->generation);
	gauge(out, "gslb_snapshot_build_timestamp_seconds",
	      "Unix time the published snapshot was built.", in->snap->built_at);
	gauge(out, "gslb_snapshot_age_seconds", "Age of the published snapshot.",
	      in->now > in->snap->built_at ? (long long)(in->now - in->snap->built_at) : 0LL);
}

enum member_metric {
	MM_UP = 0,
	MM_FRESH,
	MM_LOAD,
	MM_RTT,
	MM_OVERRIDE,
	MM_ANSWERS,
	MM_COUNT,
};

static const struct {
	const char *name, *help, *type;
} member_families[MM_COUNT] = {
    [MM_UP] = {"gslb_member_up", "1 when the member is answered (health and overrides)."},
    [MM_FRESH] = {"gslb_member_fresh", "1 when a fresh probe report covers the member."},
    [MM_LOAD] = {"gslb_member_load_ratio",
		 "Reported load as a fraction of capacity (members with a fresh load)."},
    [MM_RTT] = {"gslb_member_rtt_seconds", "Mean probe RTT (members with a fresh RTT)."},
    [MM_OVERRIDE] = {"gslb_member_override",
		     "1 for the operator override in force (drain, up, down)."},
    [MM_ANSWERS] = {"gslb_member_answers_total",
		    "Answers that carried the member (its addresses, or its CNAME).", "counter"},
};

/* The labels that name one member: service, member index, its name, region. */
static void member_labels(FILE *out, enum member_metric k, const char *svc, const struct member *m)
{
	char key[HEALTH_MEMBER_NAME_MAX];

	health_member_key(m, key);
	fprintf(out, "%s{service=\"", member_families[k].name);
	metrics_label_escape(out, svc);
	fprintf(out, "\",member=\"%u\",name=\"", m->index);
	metrics_label_escape(out, key);
	fputs("\",region=\"", out);
	metrics_label_escape(out, m->region->name);
	fputc('"', out);
}

static void render_member(FILE *out, const struct metrics_input *in, enum member_metric k,
			  const char *svc, const struct service *sv, const struct member *m)
{
	const struct snapshot *s = in->snap;
	const struct member_health *h =
	    s->health != NULL && m->health < s->nhealth ? &s->health[m->health] : NULL;
	enum health_override o;

	switch (k) {
	case MM_UP:
		member_labels(out, k, svc, m);
		fprintf(out, "} %d\n", h == NULL || member_health_up(h) ? 1 : 0);
		return;
	case MM_FRESH:
		member_labels(out, k, svc, m);
		fprintf(out, "} %d\n",
			h != NULL && atomic_load_explicit(&h->fresh, memory_order_relaxed) ? 1 : 0);
		return;
	case MM_LOAD:
		if (h == NULL || member_health_load(h) == MEMBER_LOAD_UNKNOWN)
			return;
		member_labels(out, k, svc, m);
		fprintf(out, "} %.3f\n", member_health_load(h) / 1000.0);
		return;
	case MM_RTT:
		if (h == NULL || member_health_rtt(h) == MEMBER_RTT_UNKNOWN)
			return;
		member_labels(out, k, svc, m);
		fprintf(out, "} %.6f\n", member_health_rtt(h) / 1e6);
		return;
	case MM_OVERRIDE:
		if (in->health == NULL)
			return;
		{
			char key[HEALTH_MEMBER_NAME_MAX];

			health_member_key(m, key);
			o = health_override_get(in->health, sv->name, key);
		}
		if (o == HEALTH_OVERRIDE_NONE)
			return;
		member_labels(out, k, svc, m);
		fprintf(out, ",override=\"%s\"} 1\n", health_override_name(o));
		return;
	case MM_ANSWERS:
		member_labels(out, k, svc, m);
		fprintf(out, "} %llu\n",
			(unsigned long long)member_stats_total(&s->answers, m->health));
		return;
	case MM_COUNT:
		return;
	}
}

static void render_members(FILE *out, const struct metrics_input *in)
{
	const struct conf *c = in->snap->conf;

	for (int k = 0; k < MM_COUNT; k++) {
		if (k == MM_OVERRIDE && in->health == NULL)
			continue;
		family(out, member_families[k].name,
		       member_families[k].type ? member_families[k].type : "gauge",
		       member_families[k].help);
		for (size_t i = 0; i < c->nservices; i++) {
			const struct service *sv = &c->services[i];
			char svc[NAME_TEXT_MAX];

			if (dname_to_str(sv->name, svc, sizeof(svc)) != 0)
				continue;
			for (size_t j = 0; j < sv->nmembers; j++)
				render_member(out, in, (enum member_metric)k, svc, sv,
					      &sv->members[j]);
		}
	}
}

int metrics_render(FILE *out, const struct metrics_input *in)
{
	render_daemon(out, in);
	if (in->store != NULL)
		render_store(out, in);
	render_dns(out, in);
	render_net(out, in);
	if (in->health != NULL)
		render_probers(out, in);
	if (in->snap != NULL && in->snap->conf->nservices > 0)
		render_members(out, in);
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}
