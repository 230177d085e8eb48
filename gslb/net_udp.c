/* SPDX-License-Identifier: Apache-2.0 */
/* net_udp.c — UDP worker threads: SO_REUSEPORT sockets, recvmmsg/sendmmsg batches */
#include "config.h"

#include "net.h"

#include "answer.h"
#include "conf.h"
#include "log.h"
#include "snapshot.h"

#include <urcu.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
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

/* Room for the one pktinfo control message we ask for or send. */
union udp_cmsg {
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct cmsghdr align;
};

struct udp_worker {
	struct answer_ctx ctx; /* first: the worker is cache-line aligned */
	struct net_udp_stats st;
	struct net_udp *u;
	int id;
	pthread_t tid;
	bool started;
	int *fds;              /* one per listen address, owned */
	struct pollfd *pfds;   /* fds + the stop eventfd */
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
	size_t nsocks;           /* listen addresses */
	bool *wildcard;          /* per address: bound to 0.0.0.0 or :: */
	int nworkers;
	struct udp_worker **workers;
	int stop_fd;             /* eventfd, readable once stop is requested */
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

/* Reads one batch from socket i, answers it and sends the replies.
 * Query path: no lock but RCU's, no allocation, no blocking call. */
static void udp_batch(struct udp_worker *w, size_t i)
{
	int fd = w->fds[i];
	bool wild = w->u->wildcard[i];
	const struct snapshot *snap;
	int n, k, j, off;

	for (j = 0; j < UDP_BATCH; j++) {
		struct msghdr *m = &w->rmsg[j].msg_hdr;

		m->msg_namelen = sizeof(w->src[j]);
		m->msg_controllen = wild ? sizeof(w->rctl[j]) : 0;
		m->msg_flags = 0;
	}
	n = recvmmsg(fd, w->rmsg, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return; /* EAGAIN (another worker won the race) or a socket error */

	k = 0;
	rcu_read_lock();
	snap = snapshot_get();
	for (j = 0; j < n; j++) {
		const struct msghdr *rm = &w->rmsg[j].msg_hdr;
		struct msghdr *sm = &w->smsg[k].msg_hdr;
		size_t len;

		if (unlikely(rm->msg_flags & MSG_TRUNC)) {
			w->st.recv_truncated++;
			continue;
		}
		if (unlikely(snap == NULL))
			continue;
		len = answer_packet(&w->ctx, snap, w->req[j], w->rmsg[j].msg_len, w->resp[k],
				    UDP_RESP_MAX, (const struct sockaddr *)&w->src[j], false);
		if (len == 0)
			continue;
		w->siov[k].iov_len = len;
		sm->msg_name = &w->src[j];
		sm->msg_namelen = rm->msg_namelen;
		sm->msg_controllen = wild ? udp_reply_cmsg(rm, &w->sctl[k]) : 0;
		sm->msg_control = sm->msg_controllen ? w->sctl[k].buf : NULL;
		k++;
	}
	rcu_read_unlock();

	off = 0;
	while (off < k) {
		int r = sendmmsg(fd, w->smsg + off, (unsigned int)(k - off), MSG_DONTWAIT);

		if (unlikely(r == -1)) {
			if (errno == EINTR)
				continue;
			/* The first pending reply failed (full buffer, no route):
			 * drop it and go on with the rest. */
			w->st.send_errors++;
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
	nfds_t nfds = (nfds_t)u->nsocks + 1;

	rcu_register_thread();
	while (!atomic_load_explicit(&u->stop, memory_order_relaxed)) {
		int r = poll(w->pfds, nfds, -1);
		size_t i;

		if (r == -1) {
			if (errno == EINTR)
				continue;
			log_err("event=udp_poll_failed worker=%d error=\"%s\"", w->id,
				strerror(errno));
			break;
		}
		if (w->pfds[u->nsocks].revents != 0)
			break;
		/* One batch per ready socket per round keeps addresses fair. */
		for (i = 0; i < u->nsocks; i++) {
			if (w->pfds[i].revents != 0)
				udp_batch(w, i);
		}
	}
	rcu_unregister_thread();
	return NULL;
}

static void udp_worker_free(struct udp_worker *w, size_t nsocks)
{
	size_t i;

	if (w == NULL)
		return;
	if (w->fds != NULL) {
		for (i = 0; i < nsocks; i++) {
			if (w->fds[i] != -1)
				close(w->fds[i]);
		}
	}
	free(w->fds);
	free(w->pfds);
	free(w);
}

static struct udp_worker *udp_worker_new(struct net_udp *u, const struct conf *conf, int id,
					 char *err, size_t errlen)
{
	struct udp_worker *w = NULL;
	size_t i;
	int j;

	/* Cache-line aligned so that workers' counters never share a line. */
	if (posix_memalign((void **)&w, 64, sizeof(*w)) != 0) {
		snprintf(err, errlen, "udp: out of memory");
		return NULL;
	}
	memset(w, 0, sizeof(*w));
	w->u = u;
	w->id = id;
	w->fds = malloc(u->nsocks * sizeof(*w->fds));
	w->pfds = calloc(u->nsocks + 1, sizeof(*w->pfds));
	if (w->fds == NULL || w->pfds == NULL) {
		snprintf(err, errlen, "udp: out of memory");
		goto fail;
	}
	for (i = 0; i < u->nsocks; i++)
		w->fds[i] = -1;
	for (i = 0; i < u->nsocks; i++) {
		w->fds[i] = net_bind(&conf->listen[i], SOCK_DGRAM, err, errlen);
		if (w->fds[i] == -1)
			goto fail;
		w->pfds[i].fd = w->fds[i];
		w->pfds[i].events = POLLIN;
	}
	w->pfds[u->nsocks].fd = u->stop_fd;
	w->pfds[u->nsocks].events = POLLIN;
	for (j = 0; j < UDP_BATCH; j++) {
		w->riov[j].iov_base = w->req[j];
		w->riov[j].iov_len = UDP_REQ_MAX;
		w->rmsg[j].msg_hdr.msg_name = &w->src[j];
		w->rmsg[j].msg_hdr.msg_iov = &w->riov[j];
		w->rmsg[j].msg_hdr.msg_iovlen = 1;
		w->rmsg[j].msg_hdr.msg_control = w->rctl[j].buf;
		w->siov[j].iov_base = w->resp[j];
		w->smsg[j].msg_hdr.msg_iov = &w->siov[j];
		w->smsg[j].msg_hdr.msg_iovlen = 1;
	}
	return w;
fail:
	udp_worker_free(w, u->nsocks);
	return NULL;
}

struct net_udp *net_udp_new(const struct conf *conf, char *err, size_t errlen)
{
	struct net_udp *u;
	size_t i;
	int t;

	u = calloc(1, sizeof(*u));
	if (u == NULL) {
		snprintf(err, errlen, "udp: out of memory");
		return NULL;
	}
	u->stop_fd = -1;
	u->nsocks = conf->nlisten;
	u->nworkers = conf->threads > 0 ? conf->threads : 1;
	atomic_init(&u->stop, false);
	u->wildcard = calloc(u->nsocks ? u->nsocks : 1, sizeof(*u->wildcard));
	u->workers = calloc((size_t)u->nworkers, sizeof(*u->workers));
	if (u->wildcard == NULL || u->workers == NULL) {
		snprintf(err, errlen, "udp: out of memory");
		goto fail;
	}
	u->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (u->stop_fd == -1) {
		snprintf(err, errlen, "udp: eventfd: %s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < u->nsocks; i++) {
		int probe;

		u->wildcard[i] = addr_is_wildcard(&conf->listen[i].ss);
		/* SO_REUSEPORT would silently share the port with another
		 * process of this user (a second gslbd): a plain bind first
		 * fails with EADDRINUSE in that case. */
		probe = socket(conf->listen[i].ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (probe == -1) {
			snprintf(err, errlen, "listen %s: udp: socket: %s", conf->listen[i].text,
				 strerror(errno));
			goto fail;
		}
		if (conf->listen[i].ss.ss_family == AF_INET6) {
			int one = 1;

			(void)setsockopt(probe, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		}
		if (bind(probe, (const struct sockaddr *)&conf->listen[i].ss, conf->listen[i].len) ==
		    -1) {
			snprintf(err, errlen, "listen %s: udp: bind: %s", conf->listen[i].text,
				 strerror(errno));
			close(probe);
			goto fail;
		}
		close(probe);
	}
	for (t = 0; t < u->nworkers; t++) {
		u->workers[t] = udp_worker_new(u, conf, t, err, errlen);
		if (u->workers[t] == NULL)
			goto fail;
	}
	return u;
fail:
	net_udp_free(u);
	return NULL;
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
	uint64_t one = 1;
	int t;

	if (u == NULL)
		return;
	atomic_store(&u->stop, true);
	/* Never read back: the eventfd stays readable and wakes every worker. */
	if (write(u->stop_fd, &one, sizeof(one)) == -1)
		log_err("event=udp_stop_failed error=\"%s\"", strerror(errno));
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
			udp_worker_free(u->workers[t], u->nsocks);
	}
	free(u->workers);
	free(u->wildcard);
	if (u->stop_fd != -1)
		close(u->stop_fd);
	free(u);
}

void net_stats_add(struct answer_stats *dst, const struct answer_stats *src)
{
	size_t i;

	dst->queries += src->queries;
	dst->dropped += src->dropped;
	dst->truncated += src->truncated;
	for (i = 0; i < sizeof(dst->rcode) / sizeof(dst->rcode[0]); i++)
		dst->rcode[i] += src->rcode[i];
	dst->edns += src->edns;
	dst->ecs += src->ecs;
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
			net_stats_add(sum, &w->ctx.stats);
		if (us != NULL) {
			us->recv_truncated += w->st.recv_truncated;
			us->send_errors += w->st.send_errors;
		}
	}
}
