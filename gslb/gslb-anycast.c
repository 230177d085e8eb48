/* SPDX-License-Identifier: Apache-2.0 */
/* gslb-anycast.c — the anycast daemon: options, config, signals, one libevent loop */
#include "config.h"

#include "anycast.h"

#include "conf.h"
#include "log.h"

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
	bool test;
	bool foreground;
	bool debug;
	int log_sink; /* -1 = default for the mode, 0 = stderr, 1 = syslog */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gslb-anycast [-tfdVh] [-c FILE] [-l stderr|syslog]\n"
		"  -c, --config FILE      configuration file (default %s)\n"
		"  -t, --test             check the configuration, print what is checked, exit\n"
		"  -f, --foreground       do not daemonize\n"
		"  -l, --log SINK         stderr or syslog (default: stderr in the foreground,\n"
		"                         syslog as a daemon)\n"
		"  -d, --debug            log every round\n"
		"  -V, --version          print the version\n"
		"  -h, --help             print this help\n",
		DEFAULT_CONF);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'}, {"test", no_argument, NULL, 't'},
	    {"foreground", no_argument, NULL, 'f'},   {"log", required_argument, NULL, 'l'},
	    {"debug", no_argument, NULL, 'd'},	      {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->conf_path = DEFAULT_CONF;
	o->log_sink = -1;
	while ((ch = getopt_long(argc, argv, "c:tfl:dVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf_path = optarg;
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
					"gslb-anycast: -l: expected stderr or syslog, got '%s'\n",
					optarg);
				return -1;
			}
			break;
		case 'd':
			o->debug = true;
			break;
		case 'V':
			printf("gslb-anycast %s\n", PACKAGE_VERSION);
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
		fprintf(stderr, "gslb-anycast: unexpected argument '%s'\n", argv[optind]);
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

static int run_test(const struct opts *o)
{
	char *err = NULL;
	struct conf *c = conf_load(o->conf_path, &err);
	const struct conf_anycast *a;

	if (!c) {
		fprintf(stderr, "%s\n", err ? err : "cannot load the configuration");
		free(err);
		return 1;
	}
	a = &c->anycast;
	if (!a->present) {
		fprintf(stderr, "%s: anycast: missing section\n", o->conf_path);
		goto fail;
	}
	if (c->control.listen.len == 0) {
		fprintf(stderr,
			"%s: server.control.listen: disabled; gslb-anycast needs /healthz\n",
			o->conf_path);
		goto fail;
	}
	printf("%s: ok, healthz http://%s/healthz, SOA %s at %s, BIRD %s protocol %s, "
	       "interval %.3gs timeout %.3gs rise %d fall %d, prefixes",
	       o->conf_path, c->control.listen.text, a->probe_name, c->listen[0].text,
	       a->bird_socket, a->bird_protocol, a->interval, a->timeout, a->rise, a->fall);
	for (size_t i = 0; i < a->nprefixes; i++)
		printf(" %s", a->prefixes[i]);
	printf("%s\n", a->nprefixes ? "" : " (none listed)");
	conf_free(c);
	return 0;
fail:
	conf_free(c);
	return 1;
}

struct state {
	struct event_base *base;
	struct anycast *anycast;
};

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct state *s = arg;

	(void)what;
	if (sig == SIGHUP) {
		/* The section is small and a restart is instant; a live reload is not worth a
		 * second code path that could leave the route in a wrong state. */
		log_info("event=reload result=ignored note=\"restart gslb-anycast to reload\"");
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
	struct conf *c = NULL;
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
	gslb_log_open("gslb-anycast", use_syslog, o.debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	signal(SIGPIPE, SIG_IGN);
	c = conf_load(o.conf_path, &err);
	if (!c) {
		log_error_lines("event=startup_failed", err);
		if (use_syslog)
			fprintf(stderr, "gslb-anycast: %s\n",
				err ? err : "cannot load the configuration");
		free(err);
		goto out;
	}
	if (!o.foreground && daemon(0, o.log_sink == 0) == -1) {
		log_err("event=startup_failed error=\"daemon: %s\"", strerror(errno));
		goto out;
	}
	s.base = event_base_new();
	if (!s.base) {
		log_err("event=startup_failed error=\"event_base_new failed\"");
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		sigev[i] = evsignal_new(s.base, sigs[i], signal_cb, &s);
		if (!sigev[i] || event_add(sigev[i], NULL) != 0) {
			log_err("event=startup_failed error=\"cannot watch signals\"");
			goto out;
		}
	}
	s.anycast = anycast_new(s.base, c, msg, sizeof(msg));
	if (!s.anycast) {
		log_error_lines("event=startup_failed", msg);
		goto out;
	}
	log_info("event=ready protocol=%s bird_socket=%s healthz=%s dns=%s probe_name=%s",
		 c->anycast.bird_protocol, c->anycast.bird_socket, c->control.listen.text,
		 c->listen[0].text, c->anycast.probe_name);
	event_base_dispatch(s.base);
	/* A clean stop withdraws first, so that traffic has moved before gslbd goes. */
	anycast_withdraw(s.anycast, "stopping");
	ret = 0;
out:
	anycast_free(s.anycast);
	for (int i = 0; i < 3; i++)
		if (sigev[i])
			event_free(sigev[i]);
	if (s.base)
		event_base_free(s.base);
	conf_free(c);
	log_info("event=stopped status=%d", ret);
	return ret;
}
