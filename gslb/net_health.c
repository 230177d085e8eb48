/* SPDX-License-Identifier: Apache-2.0 */
/* net_health.c — the probe report receiver: UDP sockets, verify, apply, evaluate */
#include "config.h"

#include "net_health.h"

#include "clock.h"
#include "conf.h"
#include "health.h"
#include "health_override.h"
#include "health_file.h"
#include "log.h"
#include "report.h"
#include "snapshot.h"

#include <urcu.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Datagrams read from one socket per wakeup: bounds the time a flood on one socket can
 * hold back the others and the evaluation tick. */
#define RX_BURST 64
/* A report burst from many probers arrives at once every report_interval. */
#define RX_SOCKBUF (1 << 20)
/* Rejections of one reason are logged at most once per this many ms (with a count). */
#define REJECT_LOG_MS 10000

struct net_health {
	struct health_state *hs;
	int *fds;
	char **texts; /* health.listen as bound, for logs and reload checks */
	size_t nfds;
	int wake[2]; /* pipe: net_health_stop() writes, the thread wakes */
	pthread_t tid;
	bool started;
	/* receiver thread only */
	struct report_view *view; /* large: REPORT_MAX_ENTRIES entries */
	uint64_t reject_logged_ms[NET_HEALTH_R_COUNT];
	uint64_t reject_unlogged[NET_HEALTH_R_COUNT];
	/* written by the receiver thread, read by net_health_stats() */
	atomic_uint_least64_t accepted, entries, evaluations, changes;
	atomic_uint_least64_t rejected[NET_HEALTH_R_COUNT];
};

static const char *const reason_names[NET_HEALTH_R_COUNT] = {
    [NET_HEALTH_R_OVERSIZED] = REPORT_R_OVERSIZED,
    [NET_HEALTH_R_MALFORMED] = REPORT_R_MALFORMED,
    [NET_HEALTH_R_BAD_VERSION] = REPORT_R_BAD_VERSION,
    [NET_HEALTH_R_UNKNOWN_KEY] = REPORT_R_UNKNOWN_KEY,
    [NET_HEALTH_R_BAD_MAC] = REPORT_R_BAD_MAC,
    [NET_HEALTH_R_REPLAY] = REPORT_R_REPLAY,
    [NET_HEALTH_R_STALE_TIMESTAMP] = REPORT_R_STALE_TIMESTAMP,
    [NET_HEALTH_R_FUTURE_TIMESTAMP] = REPORT_R_FUTURE_TIMESTAMP,
    [NET_HEALTH_R_TOO_MANY_PROBERS] = HEALTH_R_TOO_MANY_PROBERS,
    [NET_HEALTH_R_PROBER_NOT_ALLOWED] = REPORT_R_PROBER_NOT_ALLOWED,
    [NET_HEALTH_R_IMPLAUSIBLE_SEQ] = REPORT_R_IMPLAUSIBLE_SEQ,
    [NET_HEALTH_R_BEFORE_START] = HEALTH_R_BEFORE_START,
    [NET_HEALTH_R_OTHER] = "other",
};

const char *net_health_reason_name(enum net_health_reason r)
{
	return (unsigned)r < NET_HEALTH_R_COUNT ? reason_names[r] : "?";
}

static enum net_health_reason reason_of(const char *name)
{
	for (int i = 0; i < NET_HEALTH_R_OTHER; i++)
		if (name && !strcmp(name, reason_names[i]))
			return (enum net_health_reason)i;
	return NET_HEALTH_R_OTHER;
}

/* Unlike net_bind(): no SO_REUSEPORT, so that a second gslbd on the same address fails to
 * start instead of silently receiving half of the reports. */
static int bind_udp(const struct conf_addr *a, char *err, size_t errlen)
{
	int fd = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, size = RX_SOCKBUF;
	const char *what = "socket";

	if (fd == -1)
		goto fail;
	if (a->ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == -1) {
		what = "IPV6_V6ONLY";
		goto fail;
	}
	/* best effort: the kernel caps it at rmem_max */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	what = "bind";
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "health.listen %s: udp: %s: %s", a->text, what, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

struct net_health *net_health_new(const struct conf *conf, struct health_state *hs, char *err,
				  size_t errlen)
{
	const struct conf_health *h = &conf->health;
	size_t n = h->present ? h->nlisten : 0;
	struct net_health *nh = calloc(1, sizeof(*nh));

	if (!nh)
		goto oom;
	nh->hs = hs;
	nh->wake[0] = nh->wake[1] = -1;
	nh->view = malloc(sizeof(*nh->view));
	nh->fds = calloc(n ? n : 1, sizeof(*nh->fds));
	nh->texts = calloc(n ? n : 1, sizeof(*nh->texts));
	if (!nh->view || !nh->fds || !nh->texts)
		goto oom;
	if (pipe2(nh->wake, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "health: pipe: %s", strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		nh->texts[i] = strdup(h->listen[i].text);
		if (!nh->texts[i])
			goto oom;
		nh->fds[i] = bind_udp(&h->listen[i], err, errlen);
		if (nh->fds[i] == -1) {
			free(nh->texts[i]);
			goto fail;
		}
		nh->nfds++;
	}
	return nh;
oom:
	snprintf(err, errlen, "health: out of memory");
fail:
	net_health_free(nh);
	return NULL;
}

bool net_health_listen_changed(const struct net_health *nh, const struct conf *conf)
{
	const struct conf_health *h = &conf->health;
	bool same = (h->present ? h->nlisten : 0) == nh->nfds;

	for (size_t i = 0; same && i < nh->nfds; i++)
		same = !strcmp(h->listen[i].text, nh->texts[i]);
	return !same;
}

/* ---- the receiver thread ---- */

static void count_reject(struct net_health *nh, enum net_health_reason r,
			 const struct sockaddr_storage *from, uint64_t now)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	atomic_fetch_add_explicit(&nh->rejected[r], 1, memory_order_relaxed);
	if (nh->reject_logged_ms[r] && now - nh->reject_logged_ms[r] < REJECT_LOG_MS) {
		nh->reject_unlogged[r]++;
		return;
	}
	if (from->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)from;

		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		port = ntohs(sin->sin_port);
	} else if (from->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)from;

		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		port = ntohs(sin6->sin6_port);
	}
	log_warn("event=report_rejected reason=%s from=%s port=%u suppressed=%llu", reason_names[r],
		 addr, port, (unsigned long long)nh->reject_unlogged[r]);
	nh->reject_logged_ms[r] = now ? now : 1;
	nh->reject_unlogged[r] = 0;
}

/* One datagram: verify against the published keys, apply at now. */
static void receive_one(struct net_health *nh, const uint8_t *buf, size_t len,
			const struct sockaddr_storage *from)
{
	const char *reason = NULL;
	uint64_t now = clock_wall_ms();
	int r = -EAGAIN;

	rcu_read_lock();
	const struct snapshot *snap = snapshot_get();
	if (snap) {
		r = report_verify_parse(buf, len, &snap->conf->health, nh->view, &reason);
		/* the view's key points into the snapshot: apply before unlocking */
		if (r == 0)
			r = health_apply_report(nh->hs, nh->view, now, &reason);
	}
	rcu_read_unlock();
	if (r < 0) {
		count_reject(nh, reason_of(reason), from, clock_mono_ms());
		return;
	}
	atomic_fetch_add_explicit(&nh->accepted, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&nh->entries, (uint64_t)r, memory_order_relaxed);
}

static void drain_socket(struct net_health *nh, int fd)
{
	/* one byte more than a report may have, so that an oversized one is seen as such */
	uint8_t buf[REPORT_MAX_DATAGRAM + 1];

	for (int i = 0; i < RX_BURST; i++) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t n =
		    recvfrom(fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&from, &fromlen);

		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_err("event=health_recv_failed error=\"%s\"", strerror(errno));
			return;
		}
		if (fromlen > sizeof(from))
			from.ss_family = AF_UNSPEC;
		/* MSG_TRUNC returns the real length: report_verify_parse sees it oversized */
		receive_one(nh, buf, (size_t)n, &from);
	}
}

static void evaluate(struct net_health *nh)
{
	uint64_t now = clock_wall_ms();
	int n = health_evaluate(nh->hs, now);

	/* gslbctl --for without a store: the override ends here, on the evaluation tick */
	health_override_expire(nh->hs, now);

	atomic_fetch_add_explicit(&nh->evaluations, 1, memory_order_relaxed);
	if (n > 0)
		atomic_fetch_add_explicit(&nh->changes, (uint64_t)n, memory_order_relaxed);
	/* rate-limited (health_save_due): at most one write a second, and only on change */
	if (health_save_due(nh->hs, now))
		(void)health_file_save(nh->hs);
}

static void *receiver_main(void *arg)
{
	struct net_health *nh = arg;
	struct pollfd *pfd = calloc(nh->nfds + 1, sizeof(*pfd));
	uint64_t next = clock_mono_ms() + NET_HEALTH_TICK_MS;

	if (!pfd) {
		log_err("event=health_receiver_failed error=\"out of memory\"");
		return NULL;
	}
	rcu_register_thread();
	pfd[0].fd = nh->wake[0];
	pfd[0].events = POLLIN;
	for (size_t i = 0; i < nh->nfds; i++) {
		pfd[i + 1].fd = nh->fds[i];
		pfd[i + 1].events = POLLIN;
	}
	for (;;) {
		uint64_t now = clock_mono_ms();
		int timeout = now >= next ? 0 : (int)(next - now);

		if (poll(pfd, nh->nfds + 1, timeout) == -1 && errno != EINTR) {
			log_err("event=health_poll_failed error=\"%s\"", strerror(errno));
			break;
		}
		if (pfd[0].revents)
			break; /* net_health_stop() */
		for (size_t i = 0; i < nh->nfds; i++)
			if (pfd[i + 1].revents)
				drain_socket(nh, nh->fds[i]);
		now = clock_mono_ms();
		/* a report that changed a vote is published on arrival, not at the next tick;
		 * reports that only refresh votes wait for it (one pass over the members each) */
		if (now < next && health_evaluate_due(nh->hs))
			evaluate(nh);
		if (now >= next) {
			evaluate(nh);
			/* a late tick does not trigger a catch-up burst */
			next = next + NET_HEALTH_TICK_MS > now ? next + NET_HEALTH_TICK_MS
							       : now + NET_HEALTH_TICK_MS;
		}
	}
	rcu_unregister_thread();
	free(pfd);
	return NULL;
}

int net_health_start(struct net_health *nh)
{
	int r = pthread_create(&nh->tid, NULL, receiver_main, nh);

	if (r != 0)
		return -r;
	nh->started = true;
	for (size_t i = 0; i < nh->nfds; i++)
		log_info("event=health_listen addr=%s", nh->texts[i]);
	return 0;
}

void net_health_stop(struct net_health *nh)
{
	struct net_health_stats st;
	char text[512];
	size_t len = 0;

	if (!nh || !nh->started)
		return;
	if (write(nh->wake[1], "x", 1) == -1)
		log_err("event=health_stop_failed error=\"%s\"", strerror(errno));
	pthread_join(nh->tid, NULL);
	nh->started = false;
	net_health_stats(nh, &st);
	text[0] = '\0';
	for (int i = 0; i < NET_HEALTH_R_COUNT && len < sizeof(text); i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, " rejected_%s=%llu",
					reason_names[i], (unsigned long long)st.rejected[i]);
	log_info("event=health_reports accepted=%llu entries=%llu evaluations=%llu changes=%llu%s",
		 (unsigned long long)st.accepted, (unsigned long long)st.entries,
		 (unsigned long long)st.evaluations, (unsigned long long)st.changes, text);
}

void net_health_free(struct net_health *nh)
{
	if (!nh)
		return;
	net_health_stop(nh);
	for (size_t i = 0; i < nh->nfds; i++) {
		close(nh->fds[i]);
		free(nh->texts[i]);
	}
	free(nh->fds);
	free(nh->texts);
	if (nh->wake[0] != -1)
		close(nh->wake[0]);
	if (nh->wake[1] != -1)
		close(nh->wake[1]);
	free(nh->view);
	free(nh);
}

void net_health_stats(const struct net_health *nh, struct net_health_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->accepted = atomic_load_explicit(&nh->accepted, memory_order_relaxed);
	st->entries = atomic_load_explicit(&nh->entries, memory_order_relaxed);
	st->evaluations = atomic_load_explicit(&nh->evaluations, memory_order_relaxed);
	st->changes = atomic_load_explicit(&nh->changes, memory_order_relaxed);
	for (int i = 0; i < NET_HEALTH_R_COUNT; i++)
		st->rejected[i] = atomic_load_explicit(&nh->rejected[i], memory_order_relaxed);
}
