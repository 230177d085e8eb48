/* SPDX-License-Identifier: Apache-2.0 */
/* daemon.c — what gslbd, gslb-probe and gslb-anycast share: options, logging, detaching */
#include "config.h"

#include "daemon.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int daemon_parse_opts(int argc, char **argv, const struct daemon_prog *p, struct daemon_opts *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->conf_path = DAEMON_DEFAULT_CONF;
	o->log_sink = -1;
	while ((ch = getopt_long(argc, argv, p->optstring, p->longopts, NULL)) != -1) {
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
			if (strcmp(optarg, "stderr") == 0) {
				o->log_sink = 0;
			} else if (strcmp(optarg, "syslog") == 0) {
				o->log_sink = 1;
			} else {
				fprintf(stderr, "%s: -l: expected stderr or syslog, got '%s'\n",
					p->name, optarg);
				return -1;
			}
			break;
		case 'd':
			o->debug = true;
			break;
		case 'V':
			printf("%s %s\n", p->name, PACKAGE_VERSION);
			exit(0);
		case 'h':
			p->usage(stdout);
			exit(0);
		default:
			if (ch != '?' && p->extra != NULL && p->extra(ch, optarg, p->extra_ctx))
				break;
			p->usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", p->name, argv[optind]);
		p->usage(stderr);
		return -1;
	}
	return 0;
}

bool daemon_log_open(const char *name, const struct daemon_opts *o)
{
	bool use_syslog = o->log_sink == -1 ? !o->foreground : o->log_sink == 1;

	gslb_log_open(name, use_syslog, o->debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	return use_syslog;
}

/* Each line of text as `EVENT key="line"` at level warn (else err). */
static void log_lines(bool warn, const char *event, const char *key, const char *text)
{
	const char *p = text;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		int len = nl != NULL ? (int)(nl - p) : (int)strlen(p);
		char line[1024];
		int i;

		if (len >= (int)sizeof(line))
			len = (int)sizeof(line) - 1;
		/* Keep the value one quoted token. */
		for (i = 0; i < len; i++)
			line[i] = p[i] == '"' ? '\'' : p[i];
		line[len] = '\0';
		if (len > 0 && warn)
			log_warn("%s %s=\"%s\"", event, key, line);
		else if (len > 0)
			log_err("%s %s=\"%s\"", event, key, line);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

void daemon_log_lines(const char *event, const char *text)
{
	log_lines(false, event, "error", text != NULL ? text : "unknown error");
}

void daemon_log_warnings(const char *event, const char *text)
{
	if (text != NULL)
		log_lines(true, event, "warning", text);
}

void daemon_startup_error(const char *name, bool to_stderr, const char *text)
{
	daemon_log_lines("event=startup_failed", text);
	if (to_stderr)
		fprintf(stderr, "%s: %s\n", name, text != NULL ? text : "unknown error");
}

char *daemon_absolute_path(const char *path)
{
	char cwd[PATH_MAX];
	char *out;

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return strdup(path);
	if (asprintf(&out, "%s/%s", cwd, path) == -1)
		return NULL;
	return out;
}

int daemon_detach(bool keep_stderr)
{
	int p[2];
	pid_t pid;
	int fd;

	if (pipe(p) == -1)
		return -1;
	pid = fork();
	if (pid == -1)
		return -1;
	if (pid > 0) {
		char c;
		ssize_t r;

		close(p[1]);
		do {
			r = read(p[0], &c, 1);
		} while (r == -1 && errno == EINTR);
		_exit(r == 1 ? 0 : 1);
	}
	close(p[0]);
	if (setsid() == -1)
		return -1;
	if (chdir("/") == -1)
		return -1;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd == -1)
		return -1;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	if (!keep_stderr)
		dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return p[1];
}

void daemon_ready(int *fd)
{
	char c = 1;

	if (*fd == -1)
		return;
	if (write(*fd, &c, 1) == -1)
		log_warn("event=ready_notify_failed error=\"%s\"", strerror(errno));
	close(*fd);
	*fd = -1;
}

int daemon_signals(struct event_base *base, event_callback_fn cb, void *arg, struct event *ev[3])
{
	static const int sigs[3] = {SIGTERM, SIGINT, SIGHUP};
	int i;

	for (i = 0; i < 3; i++)
		ev[i] = NULL;
	for (i = 0; i < 3; i++) {
		ev[i] = evsignal_new(base, sigs[i], cb, arg);
		if (ev[i] == NULL || event_add(ev[i], NULL) != 0)
			return -1;
	}
	return 0;
}

void daemon_signals_free(struct event *ev[3])
{
	int i;

	for (i = 0; i < 3; i++) {
		if (ev[i] != NULL)
			event_free(ev[i]);
		ev[i] = NULL;
	}
}

void daemon_stop(struct event_base *base, int sig)
{
	log_info("event=stopping signal=%s", sig == SIGTERM ? "TERM" : "INT");
	event_base_loopbreak(base);
}
