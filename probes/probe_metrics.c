/* SPDX-License-Identifier: Apache-2.0 */
/* probe_metrics.c — gslb-probe's metrics endpoint: every check instance and the reports sent */
#include "config.h"

#include "probe_metrics.h"

#include "clock.h"
#include "conf.h"
#include "log.h"
#include "probe.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct probe_metrics {
	struct evhttp *http;
	const struct probe *p;
	char id[CONF_ID_MAX + 1];
};

/* A label value: backslash, quote and newline escaped (Prometheus text format). */
static void put_label(struct evbuffer *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			evbuffer_add_printf(b, "\\%c", *v);
		else if (*v == '\n')
			evbuffer_add(b, "\\n", 2);
		else
			evbuffer_add(b, v, 1);
	}
}

struct render {
	struct evbuffer *b;
	const char *metric; /* the family being written */
	uint64_t now_ms;
};

static void labels(struct evbuffer *b, const struct probe_inst_info *i)
{
	evbuffer_add_printf(b, "{service=\"");
	put_label(b, i->service);
	evbuffer_add_printf(b, "\",member=\"%u\",addr=\"", i->member);
	put_label(b, i->addr);
	evbuffer_add_printf(b, "\",check=\"");
	put_label(b, i->check);
	evbuffer_add_printf(b, "\",type=\"");
	put_label(b, i->type);
	evbuffer_add_printf(b, "\"}");
}

/* One instance's sample of the family r->metric. */
static void inst_sample(const struct probe_inst_info *i, void *arg)
{
	struct render *r = arg;
	const char *m = r->metric;

	evbuffer_add_printf(r->b, "%s", m);
	labels(r->b, i);
	if (!strcmp(m, "gslb_probe_check_up"))
		evbuffer_add_printf(r->b, " %d\n", i->up);
	else if (!strcmp(m, "gslb_probe_check_last_run_timestamp_seconds"))
		evbuffer_add_printf(r->b, " %.3f\n", (double)i->last_run_ms / 1000.0);
	else if (!strcmp(m, "gslb_probe_check_last_run_age_seconds"))
		evbuffer_add_printf(r->b, " %.3f\n",
				    i->last_run_ms && r->now_ms > i->last_run_ms
					? (double)(r->now_ms - i->last_run_ms) / 1000.0
					: 0.0);
	else if (!strcmp(m, "gslb_probe_check_last_result"))
		evbuffer_add_printf(r->b, " %d\n", i->runs ? i->last_ok : -1);
	else if (!strcmp(m, "gslb_probe_check_last_duration_seconds"))
		evbuffer_add_printf(r->b, " %.6f\n", (double)i->last_duration_us / 1e6);
	else if (!strcmp(m, "gslb_probe_check_consecutive_failures"))
		evbuffer_add_printf(r->b, " %u\n", i->consecutive_failures);
	else if (!strcmp(m, "gslb_probe_check_failures_total"))
		evbuffer_add_printf(r->b, " %llu\n", (unsigned long long)i->failures);
	else if (!strcmp(m, "gslb_probe_check_runs_total"))
		evbuffer_add_printf(r->b, " %llu\n", (unsigned long long)i->runs);
	else if (!strcmp(m, "gslb_probe_check_running"))
		evbuffer_add_printf(r->b, " %d\n", i->running);
	else if (!strcmp(m, "gslb_probe_check_interval_seconds"))
		evbuffer_add_printf(r->b, " %g\n", i->interval);
}

static const struct {
	const char *name, *type, *help;
} families[] = {
    {"gslb_probe_check_up", "gauge", "1 when the check instance is up (its rise/fall state)"},
    {"gslb_probe_check_last_run_timestamp_seconds", "gauge",
     "unix time the last run ended (0: none yet)"},
    {"gslb_probe_check_last_run_age_seconds", "gauge",
     "seconds since the last run ended: far above the interval, the checker is stuck"},
    {"gslb_probe_check_last_result", "gauge", "1 passed, 0 failed, -1 no run yet"},
    {"gslb_probe_check_last_duration_seconds", "gauge", "how long the last run took"},
    {"gslb_probe_check_consecutive_failures", "gauge", "failed runs since the last good one"},
    {"gslb_probe_check_runs_total", "counter", "finished runs"},
    {"gslb_probe_check_failures_total", "counter", "finished runs that failed"},
    {"gslb_probe_check_running", "gauge", "1 while a run is in flight"},
    {"gslb_probe_check_interval_seconds", "gauge", "the check's interval"},
};

static void render(struct probe_metrics *m, struct evbuffer *b)
{
	struct render r = {.b = b, .now_ms = clock_wall_ms()};
	struct probe_report_stats st;

	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", families[f].name,
				    families[f].help, families[f].name, families[f].type);
		r.metric = families[f].name;
		probe_foreach_inst(m->p, inst_sample, &r);
	}
	probe_report_stats(m->p, &st);
	evbuffer_add_printf(b,
			    "# HELP gslb_probe_reports_sent_total snapshots sent, per destination\n"
			    "# TYPE gslb_probe_reports_sent_total counter\n"
			    "gslb_probe_reports_sent_total{kind=\"periodic\"} %llu\n"
			    "gslb_probe_reports_sent_total{kind=\"change\"} %llu\n"
			    "# HELP gslb_probe_report_send_errors_total reports to one "
			    "destination with a datagram the kernel refused\n"
			    "# TYPE gslb_probe_report_send_errors_total counter\n"
			    "gslb_probe_report_send_errors_total %llu\n"
			    "# HELP gslb_probe_checks check instances\n"
			    "# TYPE gslb_probe_checks gauge\n"
			    "gslb_probe_checks %zu\n"
			    "# HELP gslb_probe_info the prober\n"
			    "# TYPE gslb_probe_info gauge\n"
			    "gslb_probe_info{prober=\"",
			    (unsigned long long)st.periodic, (unsigned long long)st.change,
			    (unsigned long long)st.send_errors, probe_count(m->p));
	put_label(b, m->id);
	evbuffer_add_printf(b, "\",version=\"%s\"} 1\n", PACKAGE_VERSION);
}

static void handle(struct evhttp_request *req, void *arg)
{
	struct probe_metrics *m = arg;
	const char *uri = evhttp_request_get_uri(req);
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (!b) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evbuffer_add_printf(b, "GET only\n");
		evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
		evhttp_send_reply(req, 405, "Method Not Allowed", b);
	} else if (uri && !strcmp(uri, "/metrics")) {
		render(m, b);
		/* Thousands of checks make megabytes: write them in as few rounds of the loop as
		 * the socket takes, not 16 KB a round, which on a busy loop ran into the 5 s
		 * timeout before the end (2,000 checks at 0.2 s). */
		bufferevent_set_max_single_write(
		    evhttp_connection_get_bufferevent(evhttp_request_get_connection(req)),
		    evbuffer_get_length(b));
		evhttp_add_header(h, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
		evhttp_send_reply(req, 200, "OK", b);
	} else if (uri && !strcmp(uri, "/healthz")) {
		evbuffer_add_printf(b, "ok\n");
		evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
		evhttp_send_reply(req, 200, "OK", b);
	} else {
		evbuffer_add_printf(b, "no such endpoint (try /metrics)\n");
		evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
		evhttp_send_reply(req, 404, "Not Found", b);
	}
	evbuffer_free(b);
}

struct probe_metrics *probe_metrics_new(struct event_base *base, const struct conf_addr *addr,
					const struct probe *p, const char *id, char *err,
					size_t errlen)
{
	struct probe_metrics *m = calloc(1, sizeof(*m));
	const char *what = "out of memory";
	int fd = -1, one = 1;

	if (!m)
		goto fail;
	m->p = p;
	snprintf(m->id, sizeof(m->id), "%s", id);
	m->http = evhttp_new(base);
	if (!m->http)
		goto fail;
	evhttp_set_gencb(m->http, handle, m);
	evhttp_set_timeout(m->http, 5);
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
	fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	what = "socket";
	if (fd == -1)
		goto fail;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	what = "bind";
	if (bind(fd, (const struct sockaddr *)&addr->ss, addr->len) == -1)
		goto fail;
	what = "listen";
	if (listen(fd, 16) == -1 || !evhttp_accept_socket_with_handle(m->http, fd))
		goto fail;
	log_info("event=metrics_listening addr=%s", addr->text);
	return m;
fail:
	snprintf(err, errlen, "probe.metrics %s: %s: %s", addr->text, what,
		 fd == -1 && !strcmp(what, "out of memory") ? "out of memory" : strerror(errno));
	if (fd != -1)
		close(fd);
	probe_metrics_free(m);
	return NULL;
}

void probe_metrics_free(struct probe_metrics *m)
{
	if (!m)
		return;
	if (m->http)
		evhttp_free(m->http); /* closes the bound socket */
	free(m);
}
