/* SPDX-License-Identifier: Apache-2.0 */
/* gslb-probe.c — the probe daemon: options, config, signals, one libevent loop */
#include "config.h"

#include "probe.h"

#include "checks.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "probe_metrics.h"
#include "service.h"

#include <ares.h>
#include <event2/event.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct opts {
	struct daemon_opts d;
	const char *id; /* -i, overrides probe.id */
};

struct state {
	char *conf_path;
	const char *id_opt;
	struct conf *conf;
	struct probe_target *targets;
	struct probe *probe;
	struct probe_metrics *metrics; /* probe.metrics, or NULL */
	struct event_base *base;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gslb-probe [-tfdVh] [-c FILE] [-i ID] [-l stderr|syslog]\n"
		"  -c, --config FILE      configuration file (default %s)\n"
		"  -i, --id ID            prober id (overrides probe.id)\n"
		"  -t, --test             check the configuration, list the checks, exit\n"
		"  -f, --foreground       do not daemonize\n"
		"  -l, --log SINK         stderr or syslog (default: stderr in the foreground,\n"
		"                         syslog as a daemon)\n"
		"  -d, --debug            log debug events (every check result, every report)\n"
		"  -V, --version          print the version\n"
		"  -h, --help             print this help\n",
		DAEMON_DEFAULT_CONF);
}

/* -i: the one option of gslb-probe's own */
static bool extra_opt(int ch, const char *value, void *ctx)
{
	struct opts *o = ctx;

	if (ch != 'i')
		return false;
	o->id = value;
	return true;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    DAEMON_LONGOPTS,
	    {"id", required_argument, NULL, 'i'},
	    {NULL, 0, NULL, 0},
	};
	const struct daemon_prog prog = {
	    .name = "gslb-probe",
	    .optstring = "c:i:tfl:dVh",
	    .longopts = longopts,
	    .usage = usage,
	    .extra = extra_opt,
	    .extra_ctx = o,
	};

	o->id = NULL;
	return daemon_parse_opts(argc, argv, &prog, &o->d);
}

static const char *prober_id(const struct state *s, const struct conf *c)
{
	return s->id_opt ? s->id_opt : c->probe.id;
}

/* Loads the config and its targets; returns 0 or -1 with the message in err (errlen bytes;
 * CONF_ERRLEN holds every line of a bad file). */
static int load(const char *path, struct conf **c, struct probe_target **t, size_t *n, char *err,
		size_t errlen)
{
	*c = conf_load(path, CONF_S_GSLB_PROBE, err, errlen);
	if (!*c)
		return -1;
	if (probe_targets_build(*c, (*c)->services, (*c)->nservices, t, n) < 0) {
		conf_free(*c);
		*c = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int run_test(const struct opts *o)
{
	struct conf *c;
	struct probe_target *t;
	size_t n;
	char err[CONF_ERRLEN];
	const char *id;

	if (load(o->d.conf_path, &c, &t, &n, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err[0] ? err : "cannot load the configuration");
		return 1;
	}
	id = o->id ? o->id : c->probe.id;
	if (probe_conf_check(c, id, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		goto fail;
	}
	printf("%s: ok, prober %s, %zu checks\n", o->d.conf_path, id, n);
	free(t);
	conf_free(c);
	return 0;
fail:
	free(t);
	conf_free(c);
	return 1;
}

static void reload(struct state *s)
{
	struct conf *c;
	struct probe_target *t;
	size_t n;
	char err[CONF_ERRLEN];
	char msg[512];

	log_info("event=reload_start conf=%s", s->conf_path);
	if (load(s->conf_path, &c, &t, &n, err, sizeof(err)) < 0) {
		daemon_log_lines("event=reload result=failed", err);
		return;
	}
	if (probe_reload(s->probe, c, prober_id(s, c), t, n, msg, sizeof(msg)) < 0) {
		daemon_log_lines("event=reload result=failed", msg);
		free(t);
		conf_free(c);
		return;
	}
	if (strcmp(c->probe.metrics_text ? c->probe.metrics_text : "",
		   s->conf->probe.metrics_text ? s->conf->probe.metrics_text : ""))
		log_warn("event=reload note=restart_needed setting=probe.metrics");
	free(s->targets);
	conf_free(s->conf);
	s->targets = t;
	s->conf = c;
	log_info("event=reload result=ok checks=%zu", n);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct state *s = arg;

	if (sig == SIGHUP) {
		reload(s);
		return;
	}
	daemon_stop(s->base, sig);
}

int main(int argc, char **argv)
{
	struct event *sigev[3] = {NULL, NULL, NULL};
	struct state s;
	struct opts o;
	size_t n = 0;
	char err[CONF_ERRLEN];
	char msg[512];
	bool use_syslog;
	int ready_fd = -1;
	int ret = 1;

	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	/* the loader reads each check type's own keys from our table */
	conf_check_types_register(check_types);
	if (o.d.test)
		return run_test(&o);
	memset(&s, 0, sizeof(s));
	use_syslog = daemon_log_open("gslb-probe", &o.d);
	signal(SIGPIPE, SIG_IGN);
	s.id_opt = o.id;
	s.conf_path = daemon_absolute_path(o.d.conf_path);
	if (!s.conf_path) {
		log_err("event=startup_failed error=\"out of memory\"");
		return 1;
	}
	if (load(s.conf_path, &s.conf, &s.targets, &n, err, sizeof(err)) < 0) {
		daemon_startup_error("gslb-probe", use_syslog,
				     err[0] ? err : "cannot load the configuration");
		goto out;
	}
	/* the parent exits once the probe runs (daemon_ready), or with 1 if it fails first */
	if (!o.d.foreground && (ready_fd = daemon_detach(!use_syslog)) == -1) {
		log_err("event=startup_failed error=\"daemon: %s\"", strerror(errno));
		goto out;
	}
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
		log_err("event=startup_failed error=\"c-ares init failed\"");
		goto out;
	}
	s.base = event_base_new();
	if (!s.base) {
		log_err("event=startup_failed error=\"event_base_new failed\"");
		goto out;
	}
	s.probe = probe_new(s.base, s.conf, prober_id(&s, s.conf), s.targets, n, msg, sizeof(msg));
	if (!s.probe) {
		daemon_log_lines("event=startup_failed", msg);
		goto out;
	}
	if (s.conf->probe.metrics.len > 0) {
		s.metrics = probe_metrics_new(s.base, &s.conf->probe.metrics, s.probe,
					      prober_id(&s, s.conf), msg, sizeof(msg));
		if (!s.metrics) {
			log_err("event=startup_failed error=\"%s\"", msg);
			goto out;
		}
	}
	if (daemon_signals(s.base, signal_cb, &s, sigev) != 0) {
		log_err("event=startup_failed error=\"cannot watch signals\"");
		goto out;
	}
	log_info("event=ready prober=%s checks=%zu report_to=%zu conf=%s", prober_id(&s, s.conf),
		 probe_count(s.probe), s.conf->probe.nreport_to, s.conf_path);
	daemon_ready(&ready_fd);
	event_base_dispatch(s.base);
	ret = 0;
out:
	probe_metrics_free(s.metrics);
	probe_free(s.probe);
	daemon_signals_free(sigev);
	if (s.base)
		event_base_free(s.base);
	free(s.targets);
	conf_free(s.conf);
	free(s.conf_path);
	ares_library_cleanup();
	log_info("event=stopped status=%d", ret);
	return ret;
}
