/* SPDX-License-Identifier: Apache-2.0 */
/* gslb-probe.c — the probe daemon: options, config, signals, one libevent loop */
#include "config.h"

#include "probe.h"

#include "conf.h"
#include "log.h"
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

#define DEFAULT_CONF "/etc/gslb/gslb.conf"

struct opts {
	const char *conf_path;
	const char *id; /* -i, overrides probe.id */
	bool test;
	bool foreground;
	bool debug;
	int log_sink; /* -1 = default for the mode, 0 = stderr, 1 = syslog */
};

struct state {
	char *conf_path;
	const char *id_opt;
	struct conf *conf;
	struct probe_target *targets;
	struct probe *probe;
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
		DEFAULT_CONF);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"id", required_argument, NULL, 'i'},
	    {"test", no_argument, NULL, 't'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"log", required_argument, NULL, 'l'},
	    {"debug", no_argument, NULL, 'd'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->conf_path = DEFAULT_CONF;
	o->log_sink = -1;
	while ((ch = getopt_long(argc, argv, "c:i:tfl:dVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf_path = optarg;
			break;
		case 'i':
			o->id = optarg;
			break;
		case 't':
			o->test = true;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'l':
			if (!strcmp(optarg, "stderr")) {
				o->log_sink = 0;
			} else if (!strcmp(optarg, "syslog")) {
				o->log_sink = 1;
			} else {
				fprintf(stderr,
					"gslb-probe: -l: expected stderr or syslog, got '%s'\n",
					optarg);
				return -1;
			}
			break;
		case 'd':
			o->debug = true;
			break;
		case 'V':
			printf("gslb-probe %s\n", PACKAGE_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "gslb-probe: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

static void log_error_lines(const char *event, const char *text)
{
	const char *p = text ? text : "unknown error";

	while (*p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);
		char line[1024];

		if (len >= (int)sizeof(line))
			len = (int)sizeof(line) - 1;
		for (int i = 0; i < len; i++)
			line[i] = p[i] == '"' ? '\'' : p[i];
		line[len] = '\0';
		if (len > 0)
			log_err("%s error=\"%s\"", event, line);
		if (!nl)
			break;
		p = nl + 1;
	}
}

static char *absolute_path(const char *path)
{
	char cwd[PATH_MAX];
	char *out;

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return strdup(path);
	if (asprintf(&out, "%s/%s", cwd, path) == -1)
		return NULL;
	return out;
}

static const char *prober_id(const struct state *s, const struct conf *c)
{
	return s->id_opt ? s->id_opt : c->probe.id;
}

/* Loads the config and its targets; returns 0 or -1 with the message in *err (malloc'd). */
static int load(const char *path, struct conf **c, struct probe_target **t, size_t *n, char **err)
{
	*c = conf_load(path, err);
	if (!*c)
		return -1;
	if (probe_targets_build(*c, (*c)->services, (*c)->nservices, t, n) < 0) {
		conf_free(*c);
		*c = NULL;
		*err = strdup("out of memory");
		return -1;
	}
	return 0;
}

static int run_test(const struct opts *o)
{
	struct conf *c;
	struct probe_target *t;
	size_t n;
	char *err = NULL;
	const char *id;

	if (load(o->conf_path, &c, &t, &n, &err) < 0) {
		fprintf(stderr, "%s\n", err ? err : "cannot load the configuration");
		free(err);
		return 1;
	}
	id = o->id ? o->id : c->probe.id;
	if (!c->probe.present) {
		fprintf(stderr, "%s: probe: missing section\n", o->conf_path);
		goto fail;
	}
	if (!id[0]) {
		fprintf(stderr, "%s: probe.id: empty; set it or give -i ID\n", o->conf_path);
		goto fail;
	}
	printf("%s: ok, prober %s, %zu checks\n", o->conf_path, id, n);
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
	char *err = NULL;
	char msg[512];

	log_info("event=reload_start conf=%s", s->conf_path);
	if (load(s->conf_path, &c, &t, &n, &err) < 0) {
		log_error_lines("event=reload result=failed", err);
		free(err);
		return;
	}
	if (probe_reload(s->probe, c, prober_id(s, c), t, n, msg, sizeof(msg)) < 0) {
		log_error_lines("event=reload result=failed", msg);
		free(t);
		conf_free(c);
		return;
	}
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
	log_info("event=stopping signal=%s", sig == SIGTERM ? "TERM" : "INT");
	event_base_loopbreak(s->base);
}

int main(int argc, char **argv)
{
	static const int sigs[3] = {SIGTERM, SIGINT, SIGHUP};
	struct event *sigev[3] = {NULL, NULL, NULL};
	struct state s;
	struct opts o;
	size_t n = 0;
	char *err = NULL;
	char msg[512];
	bool use_syslog;
	int ret = 1;

	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	if (o.test)
		return run_test(&o);
	memset(&s, 0, sizeof(s));
	use_syslog = o.log_sink == -1 ? !o.foreground : o.log_sink == 1;
	gslb_log_open("gslb-probe", use_syslog, o.debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	signal(SIGPIPE, SIG_IGN);
	s.id_opt = o.id;
	s.conf_path = absolute_path(o.conf_path);
	if (!s.conf_path) {
		log_err("event=startup_failed error=\"out of memory\"");
		return 1;
	}
	if (load(s.conf_path, &s.conf, &s.targets, &n, &err) < 0) {
		log_error_lines("event=startup_failed", err);
		if (use_syslog)
			fprintf(stderr, "gslb-probe: %s\n",
				err ? err : "cannot load the configuration");
		free(err);
		goto out;
	}
	if (!o.foreground && daemon(0, o.log_sink == 0) == -1) {
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
		log_error_lines("event=startup_failed", msg);
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		sigev[i] = evsignal_new(s.base, sigs[i], signal_cb, &s);
		if (!sigev[i] || event_add(sigev[i], NULL) != 0) {
			log_err("event=startup_failed error=\"cannot watch signals\"");
			goto out;
		}
	}
	log_info("event=ready prober=%s checks=%zu report_to=%zu conf=%s", prober_id(&s, s.conf),
		 probe_count(s.probe), s.conf->probe.nreport_to, s.conf_path);
	event_base_dispatch(s.base);
	ret = 0;
out:
	probe_free(s.probe);
	for (int i = 0; i < 3; i++)
		if (sigev[i])
			event_free(sigev[i]);
	if (s.base)
		event_base_free(s.base);
	free(s.targets);
	conf_free(s.conf);
	free(s.conf_path);
	ares_library_cleanup();
	log_info("event=stopped status=%d", ret);
	return ret;
}
