/* SPDX-License-Identifier: Apache-2.0 */
/* net_tcp.c — DNS over TCP (RFC 7766) on a libevent loop in its own thread */
#include "config.h"

#include "net.h"
#include "query_record.h"

#include "answer.h"
#include "clock.h"
#include "conf.h"
#include "counter.h"
#include "log.h"
#include "snapshot.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <urcu.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Accept backlog per listener: connections beyond the limits are accepted
 * and closed at once (or make room), so the backlog only has to absorb a burst. */
#define TCP_BACKLOG 256
/* Stop reading a connection while this much output waits for the client:
 * a client that pipelines without reading cannot grow our memory. */
#define TCP_OUT_HIGH (256 * 1024)
/* At shutdown, how long open connections get to take their answers. */
#define TCP_FLUSH_SECONDS 1
/* Out of file descriptors: pause accepting this long instead of spinning
 * on a listener that stays readable. */
#define TCP_EMFILE_PAUSE_MS 100
/* Buckets of the per-network connection index (a power of two). Chains stay
 * short: a network has at most max_clients_per_network connections. */
#define TCP_NET_BUCKETS 1024
/* The default per-network share: an eighth of max_clients, so that it takes
 * eight networks to fill the table, but never fewer than this, so that a
 * resolver farm behind one /24 keeps its few connections each on a small table. */
#define TCP_PER_NET_MIN 8

struct tcp_conn {
	struct net_tcp *t;
	struct bufferevent *bev;
	struct sockaddr_storage peer;
	TAILQ_ENTRY(tcp_conn) link;    /* t->conns, most recently active first */
	LIST_ENTRY(tcp_conn) net_link; /* the bucket of its network in t->nets */
	uint64_t net;		       /* the peer's /24 or /56: tcp_net_key() */
	bool closing;		       /* no more reading: close once the output is flushed */
	bool paused;		       /* reading stopped until the output drains */
	double idle_timeout;	       /* seconds; from the snapshot at accept */
	double partial_since;	       /* monotonic time the unfinished message began, or 0 */
};

/* The TCP thread's counters (struct net_tcp_stats), read by net_tcp_stats(). */
struct tcp_counters {
	_Atomic uint64_t accepted, rejected, evicted, timeouts, bad_length;
	_Atomic uint64_t open; /* a gauge */
};

struct net_tcp {
	struct answer_ctx ctx;
	struct tcp_counters st; /* written by the TCP thread only */
	size_t nfds;
	int *fds; /* bound sockets until the listeners own them */
	struct evconnlistener **ls;
	struct event_base *base;
	struct event *stop_ev;
	struct event *flush_ev;
	struct event *resume_ev; /* re-enables the listeners after EMFILE */
	int stop_fd;
	pthread_t tid;
	bool started;
	bool stopping;
	TAILQ_HEAD(tcp_conns, tcp_conn) conns; /* open connections, most recently active first */
	size_t nconns;
	LIST_HEAD(tcp_net_chain, tcp_conn) * nets; /* TCP_NET_BUCKETS chains by network */
	uint8_t req[ANSWER_MAX_TCP];
	uint8_t resp[2 + ANSWER_MAX_TCP]; /* length prefix + message */
};

static void tcp_maybe_done(struct net_tcp *t)
{
	if (t->stopping && t->nconns == 0)
		event_base_loopbreak(t->base);
}

/* The peer's network as one number: the family and the first 3 bytes of an
 * IPv4 address (/24) or 7 of an IPv6 one (/56), the units NSD and Knot count
 * by (one customer's or provider's allocation, not one host). */
static uint64_t tcp_net_key(const struct sockaddr_storage *ss)
{
	const uint8_t *b;
	uint64_t key;
	size_t i, n;

	if (ss->ss_family == AF_INET) {
		b = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
		key = 4;
		n = 3;
	} else if (ss->ss_family == AF_INET6) {
		b = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
		key = 6;
		n = 7;
	} else {
		return 0;
	}
	for (i = 0; i < n; i++)
		key = key << 8 | b[i];
	return key;
}

static size_t tcp_net_bucket(uint64_t key)
{
	/* Fibonacci hashing: the top bits of the product mix every byte. */
	return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 54) & (TCP_NET_BUCKETS - 1);
}

/* Open connections from network key (walks one short chain). */
static size_t tcp_net_count(const struct net_tcp *t, uint64_t key)
{
	const struct tcp_conn *c;
	size_t n = 0;

	LIST_FOREACH (c, &t->nets[tcp_net_bucket(key)], net_link)
		n += c->net == key;
	return n;
}

/* The limit per network: the configured one, or by default an eighth of
 * max_clients but at least TCP_PER_NET_MIN (and at most max_clients). */
static size_t tcp_per_net_limit(const struct conf *conf)
{
	size_t max = (size_t)conf->tcp_max_clients;

	if (conf->tcp_max_clients_per_network > 0)
		return (size_t)conf->tcp_max_clients_per_network;
	if (max / 8 > TCP_PER_NET_MIN)
		return max / 8;
	return max < TCP_PER_NET_MIN ? max : TCP_PER_NET_MIN;
}

/* Marks c the most recently active: eviction takes the other end. O(1). */
static void conn_touch(struct tcp_conn *c)
{
	struct net_tcp *t = c->t;

	if (TAILQ_FIRST(&t->conns) != c) {
		TAILQ_REMOVE(&t->conns, c, link);
		TAILQ_INSERT_HEAD(&t->conns, c, link);
	}
}

/* Idle: nothing half-received, no answer waiting to be sent, not closing.
 * Closing such a connection loses no query; the client reconnects (RFC 7766 6.2.3). */
static bool conn_idle(struct tcp_conn *c)
{
	return !c->closing && evbuffer_get_length(bufferevent_get_input(c->bev)) == 0 &&
	       evbuffer_get_length(bufferevent_get_output(c->bev)) == 0;
}

static void conn_free(struct tcp_conn *c)
{
	struct net_tcp *t = c->t;

	TAILQ_REMOVE(&t->conns, c, link);
	LIST_REMOVE(c, net_link);
	bufferevent_free(c->bev);
	free(c);
	t->nconns--;
	counter_set(&t->st.open, t->nconns);
	tcp_maybe_done(t);
}

/* Stops reading; the connection closes once its answers are written.
 * Returns true when c was freed at once. */
static bool conn_close_after_flush(struct tcp_conn *c)
{
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		conn_free(c);
		return true;
	}
	return false;
}

/* True when an unfinished message (have bytes waiting) began more than idle_timeout ago.
 * The read timeout restarts with every byte, so without this a client trickling one
 * byte at a time would hold its connection slot for ever. */
static bool conn_partial_expired(struct tcp_conn *c, size_t have)
{
	double now;

	if (have == 0) {
		c->partial_since = 0;
		return false;
	}
	now = (double)clock_coarse_ms() / 1e3;
	if (c->partial_since == 0) {
		c->partial_since = now;
		return false;
	}
	return now - c->partial_since > c->idle_timeout;
}

/* Answers every complete message in the input, in order (pipelined queries
 * get their answers in the order they came). Returns false when c was
 * freed. */
static bool conn_process(struct tcp_conn *c)
{
	struct net_tcp *t = c->t;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);

	while (!c->closing) {
		uint8_t hdr[2];
		size_t len, rlen;
		const struct snapshot *snap;

		if (evbuffer_get_length(out) >= TCP_OUT_HIGH) {
			bufferevent_disable(c->bev, EV_READ);
			c->paused = true;
			return true;
		}
		size_t have = evbuffer_get_length(in);

		/* the length prefix itself may be split, the rest may come later */
		len = have >= 2 && evbuffer_copyout(in, hdr, 2) == 2 ? (size_t)hdr[0] << 8 | hdr[1]
								     : SIZE_MAX;
		if (len == 0) {
			counter_inc(&t->st.bad_length);
			return !conn_close_after_flush(c);
		}
		if (len == SIZE_MAX || have < 2 + len) {
			if (!conn_partial_expired(c, have))
				return true;
			counter_inc(&t->st.timeouts);
			conn_free(c);
			return false;
		}
		c->partial_since = 0;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, t->req, len);

		t->ctx.qrec_epoch = qrec_epoch(); /* TCP queries are few: a clock read each */
		rcu_read_lock();
		snap = snapshot_get();
		rlen = snap != NULL
			   ? answer_packet(&t->ctx, snap, t->req, len, t->resp + 2, ANSWER_MAX_TCP,
					   (struct sockaddr *)&c->peer, true)
			   : 0;
		rcu_read_unlock();
		if (rlen == 0) {
			/* Nothing to say to this stream (not a query): hang up
			 * after the answers already queued. */
			return !conn_close_after_flush(c);
		}
		t->resp[0] = (uint8_t)(rlen >> 8);
		t->resp[1] = (uint8_t)rlen;
		if (bufferevent_write(c->bev, t->resp, 2 + rlen) != 0) {
			conn_free(c);
			return false;
		}
	}
	return true;
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_touch(arg);
	conn_process(arg);
}

/* Called when the output has drained completely (low watermark 0). */
static void conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;

	(void)bev;
	if (c->closing) {
		conn_free(c);
		return;
	}
	if (c->paused) {
		conn_touch(c);
		c->paused = false;
		bufferevent_enable(c->bev, EV_READ);
		conn_process(c);
	}
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		counter_inc(&c->t->st.timeouts);
		conn_free(c);
	} else if (what & BEV_EVENT_ERROR) {
		conn_free(c);
	} else if (what & BEV_EVENT_EOF) {
		/* The client closed its side: it may still read the answers
		 * to the queries it sent. */
		if (!c->closing)
			conn_close_after_flush(c);
	}
}

static void tcp_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
			  int salen, void *arg)
{
	struct net_tcp *t = arg;
	const struct snapshot *snap;
	struct tcp_conn *c;
	struct timeval idle;
	struct tcp_conn *old;
	size_t max_clients, per_net = 0;
	uint64_t net;
	double timeout;

	(void)l;
	if (t->stopping) {
		close(fd);
		return;
	}
	/* Limits come from the current snapshot, so a reload changes them. */
	rcu_read_lock();
	snap = snapshot_get();
	max_clients = snap != NULL ? (size_t)snap->conf->tcp_max_clients : 0;
	if (snap != NULL)
		per_net = tcp_per_net_limit(snap->conf);
	timeout = snap != NULL ? snap->conf->tcp_idle_timeout : 0;
	rcu_read_unlock();
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return;
	}
	if (salen > 0 && (size_t)salen <= sizeof(c->peer))
		memcpy(&c->peer, sa, (size_t)salen);
	net = tcp_net_key(&c->peer);
	/* One network may hold only its share: it cannot take every slot. */
	if (tcp_net_count(t, net) >= per_net) {
		counter_inc(&t->st.rejected);
		free(c);
		close(fd);
		return;
	}
	/* Table full: make room by closing the connection idle the longest,
	 * so that connections held open and silent cannot lock newcomers out;
	 * refuse only when every connection is busy. */
	if (t->nconns >= max_clients) {
		TAILQ_FOREACH_REVERSE (old, &t->conns, tcp_conns, link)
			if (conn_idle(old))
				break;
		if (old == NULL || max_clients == 0) {
			counter_inc(&t->st.rejected);
			free(c);
			close(fd);
			return;
		}
		counter_inc(&t->st.evicted);
		conn_free(old);
	}
	c->t = t;
	c->idle_timeout = timeout;
	c->net = net;
	c->bev = bufferevent_socket_new(t->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	idle.tv_sec = (time_t)timeout;
	idle.tv_usec = (suseconds_t)((timeout - floor(timeout)) * 1e6);
	/* Read timeout: no query for idle_timeout. Write timeout: a client
	 * that does not read its answers for as long. */
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_HEAD(&t->conns, c, link);
	LIST_INSERT_HEAD(&t->nets[tcp_net_bucket(net)], c, net_link);
	t->nconns++;
	counter_inc(&t->st.accepted);
	counter_set(&t->st.open, t->nconns);
}

static void tcp_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net_tcp *t = arg;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < t->nfds && !t->stopping; i++) {
		if (t->ls[i] != NULL)
			evconnlistener_enable(t->ls[i]);
	}
}

static void tcp_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct net_tcp *t = arg;
	struct timeval pause = {0, TCP_EMFILE_PAUSE_MS * 1000};
	int err = EVUTIL_SOCKET_ERROR();
	size_t i;

	(void)l;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return; /* per-connection errors (ECONNABORTED): nothing to do */
	/* Logged once per pause, so at most ten lines a second. */
	log_warn("event=tcp_accept_paused error=\"%s\" open=%zu",
		 evutil_socket_error_to_string(err), t->nconns);
	for (i = 0; i < t->nfds; i++) {
		if (t->ls[i] != NULL)
			evconnlistener_disable(t->ls[i]);
	}
	event_add(t->resume_ev, &pause);
}

static void tcp_flush_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net_tcp *t = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(t->base);
}

/* In the TCP thread: stop accepting, let open connections take their
 * answers, then leave the loop. */
static void tcp_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net_tcp *t = arg;
	struct timeval flush = {TCP_FLUSH_SECONDS, 0};
	struct tcp_conn *c, *next;
	size_t i;

	(void)fd;
	(void)what;
	t->stopping = true;
	for (i = 0; i < t->nfds; i++) {
		if (t->ls[i] != NULL) {
			evconnlistener_free(t->ls[i]);
			t->ls[i] = NULL;
		}
	}
	for (c = TAILQ_FIRST(&t->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		if (!c->closing)
			conn_close_after_flush(c);
	}
	if (t->nconns == 0) {
		event_base_loopbreak(t->base);
		return;
	}
	event_add(t->flush_ev, &flush);
}

static void *tcp_main(void *arg)
{
	struct net_tcp *t = arg;

	rcu_register_thread();
	event_base_dispatch(t->base);
	while (!TAILQ_EMPTY(&t->conns))
		conn_free(TAILQ_FIRST(&t->conns));
	rcu_unregister_thread();
	return NULL;
}

struct net_tcp *net_tcp_new(const struct conf *conf, char *err, size_t errlen)
{
	struct net_tcp *t;
	size_t i;

	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		snprintf(err, errlen, "tcp: out of memory");
		return NULL;
	}
	TAILQ_INIT(&t->conns);
	t->stop_fd = -1;
	t->ctx.qrec = qrec_new(); /* NULL: TCP queries are not recorded */
	t->nfds = conf->nlisten;
	t->fds = malloc((t->nfds ? t->nfds : 1) * sizeof(*t->fds));
	t->ls = calloc(t->nfds ? t->nfds : 1, sizeof(*t->ls));
	t->nets = calloc(TCP_NET_BUCKETS, sizeof(*t->nets));
	if (t->fds == NULL || t->ls == NULL || t->nets == NULL) {
		snprintf(err, errlen, "tcp: out of memory");
		goto fail;
	}
	for (i = 0; i < t->nfds; i++)
		t->fds[i] = -1;
	for (i = 0; i < t->nfds; i++) {
		t->fds[i] = net_bind(&conf->listen[i], SOCK_STREAM, err, errlen);
		if (t->fds[i] == -1)
			goto fail;
		/* Listen now so that a port taken by another listener fails
		 * here, at startup, with the address named. */
		if (listen(t->fds[i], TCP_BACKLOG) == -1) {
			snprintf(err, errlen, "listen %s: tcp: listen: %s", conf->listen[i].text,
				 strerror(errno));
			goto fail;
		}
	}
	return t;
fail:
	net_tcp_free(t);
	return NULL;
}

int net_tcp_start(struct net_tcp *t)
{
	size_t i;
	int r;

	/* The event base is made here, after a daemon's fork. */
	t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->stop_fd == -1)
		return -errno;
	t->base = event_base_new();
	if (t->base == NULL)
		return -ENOMEM;
	t->stop_ev = event_new(t->base, t->stop_fd, EV_READ, tcp_stop_cb, t);
	t->flush_ev = evtimer_new(t->base, tcp_flush_timeout_cb, t);
	t->resume_ev = evtimer_new(t->base, tcp_resume_cb, t);
	if (t->stop_ev == NULL || t->flush_ev == NULL || t->resume_ev == NULL ||
	    event_add(t->stop_ev, NULL) != 0)
		return -ENOMEM;
	for (i = 0; i < t->nfds; i++) {
		t->ls[i] = evconnlistener_new(t->base, tcp_accept_cb, t,
					      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1,
					      t->fds[i]);
		if (t->ls[i] == NULL)
			return -ENOMEM;
		t->fds[i] = -1; /* the listener owns it */
		evconnlistener_set_error_cb(t->ls[i], tcp_accept_error_cb);
	}
	r = pthread_create(&t->tid, NULL, tcp_main, t);
	if (r != 0)
		return -r;
	t->started = true;
	return 0;
}

void net_tcp_stop(struct net_tcp *t)
{
	uint64_t one = 1;

	if (t == NULL || !t->started)
		return;
	if (write(t->stop_fd, &one, sizeof(one)) == -1)
		log_err("event=tcp_stop_failed error=\"%s\"", strerror(errno));
	pthread_join(t->tid, NULL);
	t->started = false;
}

void net_tcp_free(struct net_tcp *t)
{
	size_t i;

	if (t == NULL)
		return;
	net_tcp_stop(t);
	while (!TAILQ_EMPTY(&t->conns))
		conn_free(TAILQ_FIRST(&t->conns));
	for (i = 0; i < t->nfds; i++) {
		if (t->ls != NULL && t->ls[i] != NULL)
			evconnlistener_free(t->ls[i]);
		if (t->fds != NULL && t->fds[i] != -1)
			close(t->fds[i]);
	}
	free(t->ls);
	free(t->fds);
	free(t->nets);
	if (t->stop_ev != NULL)
		event_free(t->stop_ev);
	if (t->flush_ev != NULL)
		event_free(t->flush_ev);
	if (t->resume_ev != NULL)
		event_free(t->resume_ev);
	if (t->base != NULL)
		event_base_free(t->base);
	if (t->stop_fd != -1)
		close(t->stop_fd);
	answer_ctx_release(&t->ctx);
	free(t);
}

void net_tcp_stats(const struct net_tcp *t, struct answer_stats *sum, struct net_tcp_stats *ts)
{
	if (sum != NULL)
		answer_stats_add(sum, &t->ctx);
	if (ts != NULL) {
		ts->accepted = counter_get(&t->st.accepted);
		ts->rejected = counter_get(&t->st.rejected);
		ts->evicted = counter_get(&t->st.evicted);
		ts->timeouts = counter_get(&t->st.timeouts);
		ts->bad_length = counter_get(&t->st.bad_length);
		ts->open = counter_get(&t->st.open);
	}
}
