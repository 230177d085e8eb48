/* SPDX-License-Identifier: Apache-2.0 */
/* daemon.h — what gslbd, gslb-probe and gslb-anycast share: options, logging, detaching */
#ifndef GSLB_DAEMON_H
#define GSLB_DAEMON_H

#include <event2/event.h>

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#define DAEMON_DEFAULT_CONF "/etc/gslb/gslb.conf"

/* The options every daemon takes: -c -t -f -l stderr|syslog -d (-V and -h exit). */
struct daemon_opts {
	const char *conf_path; /* -c, default DAEMON_DEFAULT_CONF */
	bool test;	       /* -t */
	bool foreground;       /* -f */
	bool debug;	       /* -d */
	int log_sink;	       /* -l: -1 = default for the mode, 0 = stderr, 1 = syslog */
};

/* The long names of the common options, first in each program's option table. */
#define DAEMON_LONGOPTS                                                                            \
	{"config", required_argument, NULL, 'c'}, {"test", no_argument, NULL, 't'},                \
	    {"foreground", no_argument, NULL, 'f'}, {"log", required_argument, NULL, 'l'},         \
	    {"debug", no_argument, NULL, 'd'}, {"version", no_argument, NULL, 'V'},                \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}

/* Describes one program to daemon_parse_opts. optstring and longopts hold the common
 * options plus the program's own; extra (may be NULL) is called with each option letter
 * that is not common and returns true when it took it. */
struct daemon_prog {
	const char *name; /* "gslbd": messages and -V */
	const char *optstring;
	const struct option *longopts;
	void (*usage)(FILE *f);
	bool (*extra)(int ch, const char *value, void *ctx);
	void *extra_ctx;
};

/* Parses argv into o (main thread, before anything else). -V and -h print and exit(0).
 * Returns 0, or -1 after printing the error (and the usage) on stderr: exit 2. */
int daemon_parse_opts(int argc, char **argv, const struct daemon_prog *p, struct daemon_opts *o);

/* Opens the log for o: syslog as a daemon, stderr in the foreground, unless -l said
 * otherwise; debug events with -d. Returns true when the log goes to syslog. */
bool daemon_log_open(const char *name, const struct daemon_opts *o);

/* Logs each line of a multi-line error text (NULL: "unknown error") as one
 * `EVENT error="line"` event, double quotes turned into single ones. Any thread. */
void daemon_log_lines(const char *event, const char *text);
/* The same at level warning, as `EVENT warning="line"`; NULL logs nothing. */
void daemon_log_warnings(const char *event, const char *text);

/* A startup failure: logged as event=startup_failed, and also printed as "NAME: text" on
 * stderr when to_stderr (the log goes to syslog, stderr is still the terminal). */
void daemon_startup_error(const char *name, bool to_stderr, const char *text);

/* Returns path made absolute against the current directory (malloc'd, caller frees; path
 * itself when the directory is unknown), or NULL when out of memory. */
char *daemon_absolute_path(const char *path);

/* Forks; the parent waits until the child calls daemon_ready (exit 0) or dies during
 * startup (exit 1). In the child: new session, in /, stdio on /dev/null (keep_stderr
 * leaves stderr open for -l stderr); returns the ready descriptor, or -1 with errno. */
int daemon_detach(bool keep_stderr);

/* Tells the waiting parent that startup succeeded and closes *fd; -1 is ignored. */
void daemon_ready(int *fd);

/* Watches SIGTERM, SIGINT and SIGHUP on base with cb(sig, arg); ev[3] receives the events
 * (NULL where not created). Returns 0 or -1; daemon_signals_free(ev) either way. */
int daemon_signals(struct event_base *base, event_callback_fn cb, void *arg, struct event *ev[3]);
void daemon_signals_free(struct event *ev[3]);

/* The stop half of a signal callback: logs event=stopping and breaks base's loop. */
void daemon_stop(struct event_base *base, int sig);

#endif
