/* SPDX-License-Identifier: Apache-2.0 */
/* net_udp.c — UDP worker threads: SO_REUSEPORT sockets, recvmmsg/sendmmsg batches */
#include "config.h"

#include "net.h"
#include "query_record.h"

#include "answer.h"
#include "clock.h"
#include "conf.h"
#include "counter.h"
#include "log.h"
#include "rrl.h"
#include "snapshot.h"

#include <urcu.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Datagrams per recvmmsg/sendmmsg call. 32 amortises the syscall over a
 * full batch under load (gdnsd and knot measure little gain past 16-32),
 * while one batch of buffers (32 × 4 KiB in + 32 × 4 KiB out = 256 KiB)
 * stays within L2, and the RCU read section around a batch stays short. */
#define UDP_BATCH 32
/* Largest query accepted: queries are small; anything longer arrives with
 * MSG_TRUNC and is dropped. */
#define UDP_REQ_MAX 4096
/* Response buffer per datagram: the largest server.max_udp_size the config
 * accepts, so the buffer never truncates before the client's limit does. */
#define UDP_RESP_MAX 4096

/* Socket buffers: the default (~200 KiB, rmem_default) holds only ~250
 * queued datagrams (each costs its skb truesize, ~800 B on loopback), so a
 * burst from many clients overflows it and is lost while the worker
 * answers the previous batch. NSD asks for 1 MiB for the same reason. */
#define UDP_RCVBUF (4 << 20)
#define UDP_SNDBUF (1 << 20)

/* Room for the one pktinfo control message we ask for or send. */
union udp_cmsg {
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct cmsghdr align;
};

/* A worker's socket counters (struct net_udp_stats), read by net_udp_stats(). */
struct udp_counters {
	_Atomic uint64_t recv_truncated;
	_Atomic uint64_t send_errors;
};

/* One thread per (worker, listen address): it blocks in recvmmsg on its own
 * socket, so a batch costs two syscalls (no poll), and SO_REUSEPORT spreads
 * the datagrams over the threads of an address. */
struct udp_worker {
	struct answer_ctx ctx; /* first: the worker is cache-line aligned */
	struct udp_counters st;
	struct net_udp *u;
	int id;
	int fd;	   /* owned */
	bool wild; /* bound to 0.0.0.0 or ::: replies carry pktinfo */
	pthread_t tid;
	bool started;
	struct mmsghdr rmsg[UDP_BATCH];
	struct mmsghdr smsg[UDP_BATCH];
	struct iovec riov[UDP_BATCH];
	struct iovec siov[UDP_BATCH];
	struct sockaddr_storage src[UDP_BATCH];
	union udp_cmsg rctl[UDP_BATCH];
	union udp_cmsg sctl[UDP_BATCH];
	uint8_t req[UDP_BATCH][UDP_REQ_MAX];
	uint8_t resp[UDP_BATCH][UDP_RESP_MAX];
};

struct net_udp {
	int nworkers; /* threads: conf threads × listen addresses */
	struct udp_worker **workers;
	atomic_bool stop;
};

static bool addr_is_wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static uint16_t addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

int net_bind(const struct conf_addr *a, int type, char *err, size_t errlen)
{
	const char *proto = type == SOCK_DGRAM ? "udp" : "tcp";
	int family = a->ss.ss_family;
	int one = 1;
	int fd;

	if (addr_port(&a->ss) == 0) {
		snprintf(err, errlen, "listen %s: %s: port 0 is not supported", a->text, proto);
		return -1;
	}
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "listen %s: %s: socket: %s", a->text, proto, strerror(errno));
		return -1;
	}
	if (type == SOCK_DGRAM) {
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1)
			goto fail_opt;
	} else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1) {
		goto fail_opt;
	}
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == -1)
		goto fail_opt;
	/* A wildcard socket must answer from the address the query went to,
	 * or the client drops the reply: ask for it with each datagram. */
	if (type == SOCK_DGRAM && addr_is_wildcard(&a->ss)) {
		int r = family == AF_INET
			    ? setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one))
			    : setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
		if (r == -1)
			goto fail_opt;
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1) {
		snprintf(err, errlen, "listen %s: %s: bind: %s", a->text, proto, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
fail_opt:
	snprintf(err, errlen, "listen %s: %s: setsockopt: %s", a->text, proto, strerror(errno));
	close(fd);
	return -1;
}

/* Fills the reply's control message from the query's pktinfo, so that the
 * reply leaves from the address the query was sent to. Returns its length. */
static size_t udp_reply_cmsg(const struct msghdr *rm, union udp_cmsg *out)
{
	struct cmsghdr *c;

	if (rm->msg_controllen == 0 || (rm->msg_flags & MSG_CTRUNC))
		return 0;
	for (c = CMSG_FIRSTHDR((struct msghdr *)rm); c != NULL;
	     c = CMSG_NXTHDR((struct msghdr *)rm, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo in, pi;
			struct cmsghdr *o = &out->align;

			memcpy(&in, CMSG_DATA(c), sizeof(in));
			memset(&pi, 0, sizeof(pi));
			pi.ipi_spec_dst = in.ipi_addr; /* routing picks the interface */
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			struct cmsghdr *o = &out->align;

			/* Keep the interface index: link-local sources need it. */
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
	}
	return 0;
}

/* Answers the n datagrams just read and sends the replies.
 * Query path: no lock but RCU's, no allocation, no blocking call. */
static void udp_answer(struct udp_worker *w, int n)
{
	const struct snapshot *snap;
	struct rrl *rrl;
	uint64_t now_ms = 0;
	int k = 0, j, off;

	rcu_read_lock();
	snap = snapshot_get();
	rrl = rrl_get();
	/* one clock read per batch, for the rate limiter and the query record's window */
	now_ms = clock_coarse_ms();
	w->ctx.qrec_epoch = (uint32_t)(now_ms / (QREC_EPOCH_S * 1000u));
	for (j = 0; j < n; j++) {
		const struct msghdr *rm = &w->rmsg[j].msg_hdr;
		struct msghdr *sm = &w->smsg[k].msg_hdr;
		size_t len;

		if (unlikely(rm->msg_flags & MSG_TRUNC)) {
			counter_inc(&w->st.recv_truncated);
			continue;
		}
		if (unlikely(snap == NULL))
			continue;
		len = answer_packet(&w->ctx, snap, w->req[j], w->rmsg[j].msg_len, w->resp[k],
				    UDP_RESP_MAX, (const struct sockaddr *)&w->src[j], false);
		if (len == 0)
			continue;
		if (rrl != NULL) {
			/* response rate limiting: send, drop, or send the TC=1 slip form */
			len = rrl_udp(rrl, w->resp[k], len, (const struct sockaddr *)&w->src[j],
				      w->ctx.rrl_owner, now_ms);
			if (len == 0)
				continue;
		}
		w->siov[k].iov_len = len;
		sm->msg_name = &w->src[j];
		sm->msg_namelen = rm->msg_namelen;
		if (w->wild) {
			sm->msg_controllen = udp_reply_cmsg(rm, &w->sctl[k]);
			sm->msg_control = sm->msg_controllen ? w->sctl[k].buf : NULL;
		}
		k++;
	}
	rcu_read_unlock();

	off = 0;
	while (off < k) {
		int r = sendmmsg(w->fd, w->smsg + off, (unsigned int)(k - off), MSG_DONTWAIT);

		if (unlikely(r == -1)) {
			if (errno == EINTR)
				continue;
			/* The first pending reply failed (full buffer, no route):
			 * drop it and go on with the rest. */
			counter_inc(&w->st.send_errors);
			off++;
			continue;
		}
		off += r;
	}
}

static void *udp_worker_main(void *arg)
{
	struct udp_worker *w = arg;
	struct net_udp *u = w->u;
	int j, n = UDP_BATCH;

	rcu_register_thread();
	for (;;) {
		/* Reset only the headers the last read used. */
		for (j = 0; j < n; j++) {
			struct msghdr *m = &w->rmsg[j].msg_hdr;

			m->msg_namelen = sizeof(w->src[j]);
			if (w->wild)
				m->msg_controllen = sizeof(w->rctl[j]);
		}
		/* Blocks for the first datagram, then takes what is queued
		 * without waiting: one syscall per batch, no poll. */
		n = recvmmsg(w->fd, w->rmsg, UDP_BATCH, MSG_WAITFORONE, NULL);
		/* Once net_udp_stop() has shut the socket down, every read
		 * returns at once with empty "datagrams": leave. */
		if (unlikely(atomic_load_explicit(&u->stop, memory_order_relaxed)))
			break;
		if (unlikely(n <= 0)) {
			if (n == -1 && errno != EINTR && errno != EAGAIN)
				log_err("event=udp_recv_failed worker=%d error=\"%s\"", w->id,
					strerror(errno));
			n = 0;
			continue;
		}
		udp_answer(w, n);
	}
	rcu_unregister_thread();
	return NULL;
}

static void udp_worker_free(struct udp_worker *w)
{
	if (w == NULL)
		return;
	if (w->fd != -1)
		close(w->fd);
	answer_ctx_release(&w->ctx);
	free(w);
}

/* Sets a socket buffer size: the FORCE option passes the sysctl cap while
 * we still run as root; otherwise the kernel clamps to [rw]mem_max. Best
 * effort: the default buffer still works, only with less room for bursts. */
static void udp_set_buf(int fd, int force_opt, int opt, int size)
{
	if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof(size)) == 0)
		return;
	(void)setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
}

static struct udp_worker *udp_worker_new(struct net_udp *u, const struct conf_addr *a, int id,
					 char *err, size_t errlen)
{
	struct udp_worker *w = NULL;
	int j, fl;

	/* Cache-line aligned so that workers' counters never share a line. */
	if (posix_memalign((void **)&w, 64, sizeof(*w)) != 0) {
		snprintf(err, errlen, "udp: out of memory");
		return NULL;
	}
	memset(w, 0, sizeof(*w));
	w->u = u;
	w->id = id;
	w->ctx.row = (unsigned)id + 1; /* row 0 is the TCP thread's */
	w->ctx.qrec = qrec_new();      /* NULL: this worker's queries are not recorded */
	w->wild = addr_is_wildcard(&a->ss);
	w->fd = net_bind(a, SOCK_DGRAM, err, errlen);
	if (w->fd == -1)
		goto fail;
	udp_set_buf(w->fd, SO_RCVBUFFORCE, SO_RCVBUF, UDP_RCVBUF);
	udp_set_buf(w->fd, SO_SNDBUFFORCE, SO_SNDBUF, UDP_SNDBUF);
	/* The worker blocks in recvmmsg: make the socket blocking again. */
	fl = fcntl(w->fd, F_GETFL);
	if (fl == -1 || fcntl(w->fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		snprintf(err, errlen, "listen %s: udp: fcntl: %s", a->text, strerror(errno));
		goto fail;
	}
	for (j = 0; j < UDP_BATCH; j++) {
		w->riov[j].iov_base = w->req[j];
		w->riov[j].iov_len = UDP_REQ_MAX;
		w->rmsg[j].msg_hdr.msg_name = &w->src[j];
		w->rmsg[j].msg_hdr.msg_iov = &w->riov[j];
		w->rmsg[j].msg_hdr.msg_iovlen = 1;
		w->rmsg[j].msg_hdr.msg_control = w->wild ? w->rctl[j].buf : NULL;
		w->siov[j].iov_base = w->resp[j];
		w->smsg[j].msg_hdr.msg_iov = &w->siov[j];
		w->smsg[j].msg_hdr.msg_iovlen = 1;
	}
	return w;
fail:
	udp_worker_free(w);
	return NULL;
}

/* SO_REUSEPORT would silently share the port with another process of this
 * user (a second gslbd): a plain bind first fails with EADDRINUSE then. */
static int udp_probe_bind(const struct conf_addr *a, char *err, size_t errlen)
{
	int probe = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (probe == -1) {
		snprintf(err, errlen, "listen %s: udp: socket: %s", a->text, strerror(errno));
		return -1;
	}
	if (a->ss.ss_family == AF_INET6) {
		int one = 1;

		(void)setsockopt(probe, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (bind(probe, (const struct sockaddr *)&a->ss, a->len) == -1) {
		snprintf(err, errlen, "listen %s: udp: bind: %s", a->text, strerror(errno));
		close(probe);
		return -1;
	}
	close(probe);
	return 0;
}

struct net_udp *net_udp_new(const struct conf *conf, char *err, size_t errlen)
{
	int threads = conf->threads > 0 ? conf->threads : 1;
	struct net_udp *u;
	size_t i;
	int t;

	u = calloc(1, sizeof(*u));
	if (u == NULL) {
		snprintf(err, errlen, "udp: out of memory");
		return NULL;
	}
	atomic_init(&u->stop, false);
	u->workers = calloc(conf->nlisten * (size_t)threads + 1, sizeof(*u->workers));
	if (u->workers == NULL) {
		snprintf(err, errlen, "udp: out of memory");
		goto fail;
	}
	for (i = 0; i < conf->nlisten; i++) {
		if (udp_probe_bind(&conf->listen[i], err, errlen) == -1)
			goto fail;
	}
	for (t = 0; t < threads; t++) {
		for (i = 0; i < conf->nlisten; i++) {
			struct udp_worker *w;

			w = udp_worker_new(u, &conf->listen[i], u->nworkers, err, errlen);
			if (w == NULL)
				goto fail;
			u->workers[u->nworkers++] = w;
		}
	}
	return u;
fail:
	net_udp_free(u);
	return NULL;
}

size_t net_udp_workers(const struct net_udp *u)
{
	return (size_t)u->nworkers;
}

int net_udp_start(struct net_udp *u)
{
	int t, r;

	for (t = 0; t < u->nworkers; t++) {
		struct udp_worker *w = u->workers[t];

		r = pthread_create(&w->tid, NULL, udp_worker_main, w);
		if (r != 0)
			return -r;
		w->started = true;
	}
	return 0;
}

void net_udp_stop(struct net_udp *u)
{
	int t;

	if (u == NULL)
		return;
	atomic_store(&u->stop, true);
	/* Shutting a UDP socket down for reading wakes a recvmmsg blocked on
	 * it, and every later read returns at once (Linux), so a worker that
	 * has not blocked yet cannot miss it. Replies can still leave. */
	for (t = 0; t < u->nworkers; t++) {
		struct udp_worker *w = u->workers[t];

		if (w != NULL && w->started)
			(void)shutdown(w->fd, SHUT_RD);
	}
	for (t = 0; t < u->nworkers; t++) {
		struct udp_worker *w = u->workers[t];

		if (w != NULL && w->started) {
			pthread_join(w->tid, NULL);
			w->started = false;
		}
	}
}

void net_udp_free(struct net_udp *u)
{
	int t;

	if (u == NULL)
		return;
	net_udp_stop(u);
	if (u->workers != NULL) {
		for (t = 0; t < u->nworkers; t++)
			udp_worker_free(u->workers[t]);
	}
	free(u->workers);
	free(u);
}

void net_udp_stats(const struct net_udp *u, struct answer_stats *sum, struct net_udp_stats *us)
{
	int t;

	if (sum != NULL)
		memset(sum, 0, sizeof(*sum));
	if (us != NULL)
		memset(us, 0, sizeof(*us));
	for (t = 0; t < u->nworkers; t++) {
		const struct udp_worker *w = u->workers[t];

		if (sum != NULL)
			answer_stats_add(sum, &w->ctx);
		if (us != NULL) {
			us->recv_truncated += counter_get(&w->st.recv_truncated);
			us->send_errors += counter_get(&w->st.send_errors);
		}
	}
}
