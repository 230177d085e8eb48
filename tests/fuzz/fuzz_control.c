/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_control.c — libFuzzer target: the control endpoint's request handling
 *
 * The real endpoint (control.c on its own thread, libevent's HTTP parser,
 * the routing, token, Origin and Host checks and the /api/v1 handlers) runs
 * on a loopback port with a snapshot of conf/demo.conf (GSLB_FUZZ_CONF) and
 * a token. Each input is sent as the bytes of one connection, whose write
 * side is then shut; the endpoint must answer or close within its own bound,
 * header_timeout (set to FUZZ_HEADER_TIMEOUT_S here), plus a slack: a longer
 * hold is a finding, and the input is printed. The oracle: an input that does not carry the
 * token must leave every member's override as it was, whatever it asks.
 * Inputs that carry it (the seeds do) reach the override handlers; their
 * overrides are cleared after each run. Reloads are not run: the stand-in
 * answers as a daemon whose reload failed, which is the handler's 422 path.
 * FUZZ_CONTROL_SHOW=1 prints the endpoint's answers (to see what an input does).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <urcu.h>

#include "clock.h"
#include "conf.h"
#include "control.h"
#include "fuzz_file.h"
#include "health.h"
#include "health_override.h"
#include "log.h"
#include "service.h"
#include "snapshot.h"

#define FUZZ_TOKEN "fuzz-control-token-0123456789abcdef"
#define FUZZ_PORT 29053
/* The oracle holds the endpoint to its own bound for every connection, header_timeout, not
 * to "at once", with a wide slack: on a loaded machine (and once in CI, at ~6,000 runs a
 * second) a finished request was held past a 4 s limit, yet every such input is answered at
 * once when replayed. Most likely the run's threads were not scheduled: at nice 19 under a
 * load of 12 this happened, and fuzz_conf's libconfig parse of a 0.6 s input took over 5 s. */
#define FUZZ_HEADER_TIMEOUT_S 1.0
#define FUZZ_WAIT_MS 10000 /* header_timeout plus 9 s; the run script gives -timeout=15 */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct snapshot *snap;
static struct health_state *health;
static struct sockaddr_in endpoint;
static bool show; /* FUZZ_CONTROL_SHOW set: the endpoint's answers go to stderr */

static int reload_stand_in(void *arg, uint64_t *generation, unsigned *restart, char *err,
			   size_t errlen)
{
	(void)arg;
	(void)generation;
	(void)restart;
	snprintf(err, errlen, "fuzz: reload is not run");
	return -EINVAL;
}

/* FUZZ_PORT when it is free, so that the seeds' "Host: localhost:29053" passes the Host
 * check; else any free loopback port (the seeds then exercise the refusal). */
static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(FUZZ_PORT),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	/* as the endpoint's listener does: the last run's TIME_WAIT connections do not hold it */
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		abort();
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == -1) {
		a.sin_port = 0;
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == -1)
			abort();
	}
	if (getsockname(fd, (struct sockaddr *)&a, &len) == -1)
		abort();
	close(fd);
	return ntohs(a.sin_port);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("GSLB_FUZZ_CONF");
	char err[CONF_ERRLEN], text[64];
	struct conf_addr listen;
	struct control *c;
	int port = free_port();

	(void)argc;
	(void)argv;
	if (!path)
		path = FUZZ_SRCDIR "/conf/demo.conf";
	snap = snapshot_build(path, NULL, err, sizeof(err));
	if (!snap) {
		fprintf(stderr, "fuzz_control: cannot load %s:\n%s\n", path, err);
		exit(1);
	}
	free(snap->conf->control.token);
	snap->conf->control.token = strdup(FUZZ_TOKEN);
	snap->conf->control.header_timeout = FUZZ_HEADER_TIMEOUT_S;
	health = health_new(&snap->conf->health, clock_wall_ms());
	if (!snap->conf->control.token || !health ||
	    health_bind(health, snap->conf->services, snap->conf->nservices, snap->health,
			snap->nhealth, clock_wall_ms()) != 0)
		abort();
	snapshot_publish(snap);
	snprintf(text, sizeof(text), "127.0.0.1:%d", port);
	if (conf_parse_addr(text, 0, &listen) != 0)
		abort();
	struct control_params p = {.listen = &listen, .health = health, .reload = reload_stand_in};
	c = control_new(&p, err, sizeof(err));
	free(listen.text); /* the endpoint keeps a copy */
	if (!c || control_start(c) != 0) {
		fprintf(stderr, "fuzz_control: %s\n", c ? "cannot start" : err);
		exit(1);
	}
	control_set_serving(c, true);
	show = getenv("FUZZ_CONTROL_SHOW") != NULL;
	if (!show) /* a log line per override would cost more than the request */
		gslb_log_open("fuzz_control", false, LOG_LVL_ERR);
	endpoint = (struct sockaddr_in){.sin_family = AF_INET,
					.sin_port = htons(port),
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return 0;
}

/* connect() that survives libFuzzer's SIGALRM (its handler has no SA_RESTART): an
 * interrupted connect goes on in the background, so wait for it and read its result. */
static void connect_endpoint(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	socklen_t len = sizeof(int);
	int err = 0;

	if (connect(fd, (struct sockaddr *)&endpoint, sizeof(endpoint)) == 0)
		return;
	if (errno == EINTR) {
		while (poll(&pfd, 1, FUZZ_WAIT_MS) == -1 && errno == EINTR)
			;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
			return;
		errno = err;
	}
	fprintf(stderr, "fuzz_control: connect: %s\n", strerror(errno));
	abort();
}

/* Sends the input as one connection and reads until the endpoint closes it. */
static void exchange(const uint8_t *data, size_t size)
{
	char buf[65536];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	uint64_t deadline;

	if (fd == -1)
		abort();
	connect_endpoint(fd);
	deadline = clock_mono_ms() + FUZZ_WAIT_MS; /* the endpoint's time, not the kernel's */
	/* the endpoint may answer and close before reading everything: a short write is fine */
	for (size_t off = 0; off < size;) {
		ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int64_t left = (int64_t)(deadline - clock_mono_ms());

		if (left <= 0) {
			fprintf(stderr,
				"fuzz_control: the endpoint held a finished request past "
				"header_timeout; the input (%zu bytes):\n",
				size);
			fwrite(data, 1, size, stderr);
			fputc('\n', stderr);
			abort();
		}
		ssize_t n = 0;

		if (poll(&pfd, 1, (int)left) == 1 && (n = read(fd, buf, sizeof(buf))) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			break;
		}
		if (show && n > 0)
			fwrite(buf, 1, (size_t)n, stderr);
	}
	close(fd);
}

/* Calls fn on every member of every service; stops at the first non-zero return. */
static int each_member(int (*fn)(const struct service *svc, uint32_t i))
{
	for (size_t s = 0; s < snap->conf->nservices; s++)
		for (uint32_t i = 0; i < snap->conf->services[s].nmembers; i++)
			if (fn(&snap->conf->services[s], i) != 0)
				return 1;
	return 0;
}

static int overridden(const struct service *svc, uint32_t i)
{
	char key[HEALTH_MEMBER_NAME_MAX];

	health_member_key(&svc->members[i], key);
	return health_override_get(health, svc->name, key) != HEALTH_OVERRIDE_NONE;
}

static int clear(const struct service *svc, uint32_t i)
{
	char key[HEALTH_MEMBER_NAME_MAX];

	health_member_key(&svc->members[i], key);
	return health_override_set(health, svc->name, key, HEALTH_OVERRIDE_NONE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	exchange(data, size);
	if (!fuzz_has(data, size, FUZZ_TOKEN)) {
		if (each_member(overridden))
			abort(); /* a request without the token changed an override */
		return 0;
	}
	if (each_member(clear))
		abort();
	return 0;
}
