/* SPDX-License-Identifier: Apache-2.0 */
/* net.h — the gslbd listeners: batched UDP workers and the RFC 7766 TCP loop
 *
 * Sockets are bound by the *_new() constructors, before privileges are
 * dropped; threads start later with *_start(). Each UDP worker owns one
 * SO_REUSEPORT socket per listen address and its own buffers and counters.
 * TCP runs on a libevent loop in one thread. Both read the published
 * snapshot under rcu_read_lock() and answer with answer_packet(). The
 * listen addresses and thread count are fixed at startup; a reload does not
 * rebind. Counters are per thread (counter.h), summed by the *_stats() readers.
 */
#ifndef GSLB_NET_H
#define GSLB_NET_H

#include <stddef.h>
#include <stdint.h>

#include "answer.h"

struct conf;
struct conf_addr;
struct net_udp;
struct net_tcp;

struct net_tcp_stats {
	uint64_t accepted;   /* connections accepted */
	uint64_t rejected;   /* closed at once: all busy, or the network's share reached */
	uint64_t evicted;    /* idle connections closed to make room for a new one */
	uint64_t timeouts;   /* closed after idle_timeout */
	uint64_t bad_length; /* closed: message length 0 */
	uint64_t open;	     /* connections open now */
};

struct net_udp_stats {
	uint64_t recv_truncated; /* datagrams longer than the receive buffer, dropped */
	uint64_t send_errors;	 /* replies the kernel refused (full buffer, unreachable) */
};

/* Makes a non-blocking socket of type (SOCK_DGRAM with SO_REUSEPORT, or
 * SOCK_STREAM with SO_REUSEADDR) bound to a; IPv6 sockets are V6ONLY and
 * wildcard UDP sockets ask for the destination address of each datagram.
 * Returns the fd, or -1 with "listen ADDR: udp|tcp: what: why" in err. */
int net_bind(const struct conf_addr *a, int type, char *err, size_t errlen);

/* Binds conf->threads UDP sockets per listen address. On failure returns
 * NULL and writes a message naming the address into err. Control thread;
 * the caller frees with net_udp_free(). */
struct net_udp *net_udp_new(const struct conf *conf, char *err, size_t errlen);
/* The number of UDP worker threads: their answer_ctx rows are 1..that (TCP's is 0). */
size_t net_udp_workers(const struct net_udp *u);
/* Starts the worker threads (blocking no signals itself: the caller masks
 * them first). Returns 0 or a negative errno. Control thread. */
int net_udp_start(struct net_udp *u);
/* Tells the workers to stop and joins them; safe if never started. */
void net_udp_stop(struct net_udp *u);
void net_udp_free(struct net_udp *u);
/* Sums the workers' answer counters into sum and their socket counters
 * into us (both overwritten; either may be NULL). Any thread;
 * the values are read without locks and may be a moment old. */
void net_udp_stats(const struct net_udp *u, struct answer_stats *sum, struct net_udp_stats *us);

/* Binds one TCP listener per listen address. On failure returns NULL and
 * writes a message naming the address into err. Control thread; the
 * caller frees with net_tcp_free(). */
struct net_tcp *net_tcp_new(const struct conf *conf, char *err, size_t errlen);
/* Starts the TCP thread. Returns 0 or a negative errno. Control thread. */
int net_tcp_start(struct net_tcp *t);
/* Stops accepting, flushes pending answers on open connections (for at
 * most a second), closes them and joins the thread. Safe if never started. */
void net_tcp_stop(struct net_tcp *t);
void net_tcp_free(struct net_tcp *t);
/* Adds the TCP thread's answer counters to sum and fills ts (either may be
 * NULL). Any thread; lock-free reads, may be a moment old. */
void net_tcp_stats(const struct net_tcp *t, struct answer_stats *sum, struct net_tcp_stats *ts);

#endif
