/* SPDX-License-Identifier: Apache-2.0 */
/* gslb-anycast.c — the anycast daemon: options, config, signals, one libevent loop */
#include "config.h"

#include "anycast.h"

#include "conf.h"
#include "daemon.h"
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
		DAEMON_DEFAULT_CONF);
}

static int parse_opts(int argc, char **argv, struct daemon_opts *o)
{
	static const struct option longopts[] = {
	    DAEMON_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	const struct daemon_prog prog = {
	    .name = "gslb-anycast",
	    .optstring = "c:tfl:dVh",
	    .longopts = longopts,
	    .usage = usage,
	};

	return daemon_parse_opts(argc, argv, &prog, o);
}

static int run_test(const struct daemon_opts *o)
{
	char err[CONF_ERRLEN];
	struct conf *c = conf_load(o->conf_path, CONF_S_GSLB_ANYCAST, err, sizeof(err));
	const struct conf_anycast *a;
	char msg[512];

	if (!c) {
		fprintf(stderr, "%s\n", err[0] ? err : "cannot load the configuration");
		return 1;
	}
	if (anycast_conf_check(c, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "%s\n", msg);
		conf_free(c);
		return 1;
	}
	a = &c->anycast;
	printf("%s: ok, healthz http://%s/healthz, SOA %s at %s, BIRD %s protocol", o->conf_path,
	       c->control.listen.text, a->probe_name, c->listen[0].text, a->bird_socket);
	for (size_t i = 0; i < a->nbird_protocols; i++)
		printf("%s%s", i ? "," : " ", a->bird_protocols[i]);
	printf(", interval %.3gs timeout %.3gs rise %d fall %d, prefixes", a->interval, a->timeout,
	       a->rise, a->fall);
	for (size_t i = 0; i < a->nprefixes; i++)
		printf(" %s", a->prefixes[i]);
	printf("%s\n", a->nprefixes ? "" : " (none listed)");
	conf_free(c);
	return 0;
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
	daemon_stop(s->base, sig);
}

int main(int argc, char **argv)
{
	struct event *sigev[3] = {NULL, NULL, NULL};
	struct state s;
	struct daemon_opts o;
	struct conf *c = NULL;
	char err[CONF_ERRLEN];
	char msg[512];
	bool use_syslog;
	int ready_fd = -1;
	int ret = 1;

	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	if (o.test)
		return run_test(&o);
	memset(&s, 0, sizeof(s));
	use_syslog = daemon_log_open("gslb-anycast", &o);
	signal(SIGPIPE, SIG_IGN);
	c = conf_load(o.conf_path, CONF_S_GSLB_ANYCAST, err, sizeof(err));
	if (!c) {
		daemon_startup_error("gslb-anycast", use_syslog,
				     err[0] ? err : "cannot load the configuration");
		goto out;
	}
	if (anycast_conf_check(c, msg, sizeof(msg)) != 0) {
		daemon_startup_error("gslb-anycast", use_syslog, msg);
		goto out;
	}
	/* Before the loop exists (libevent's backend does not survive a fork); the parent
	 * exits once the rounds have started, or with 1 when startup fails after this. */
	if (!o.foreground) {
		ready_fd = daemon_detach(!use_syslog);
		if (ready_fd == -1) {
			snprintf(msg, sizeof(msg), "daemon: %s", strerror(errno));
			daemon_startup_error("gslb-anycast", use_syslog, msg);
			goto out;
		}
	}
	s.base = event_base_new();
	if (!s.base) {
		daemon_startup_error("gslb-anycast", use_syslog && o.foreground,
				     "event_base_new failed");
		goto out;
	}
	if (daemon_signals(s.base, signal_cb, &s, sigev) != 0) {
		daemon_startup_error("gslb-anycast", use_syslog && o.foreground,
				     "cannot watch signals");
		goto out;
	}
	s.anycast = anycast_new(s.base, c, msg, sizeof(msg));
	if (!s.anycast) {
		daemon_startup_error("gslb-anycast", use_syslog && o.foreground, msg);
		goto out;
	}
	log_info("event=ready protocol=%s bird_socket=%s healthz=%s dns=%s probe_name=%s",
		 anycast_protocols(s.anycast), c->anycast.bird_socket, c->control.listen.text,
		 c->listen[0].text, c->anycast.probe_name);
	daemon_ready(&ready_fd);
	event_base_dispatch(s.base);
	/* A clean stop withdraws first, so that traffic has moved before gslbd goes. */
	anycast_withdraw(s.anycast, "stopping");
	ret = 0;
out:
	anycast_free(s.anycast);
	daemon_signals_free(sigev);
	if (s.base)
		event_base_free(s.base);
	conf_free(c);
	if (ready_fd != -1)
		close(ready_fd);
	log_info("event=stopped status=%d", ret);
	return ret;
}
