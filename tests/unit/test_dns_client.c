/* SPDX-License-Identifier: Apache-2.0 */
/* test_dns_client.c — the DNS client against a tiny UDP responder on 127.0.0.1
 *
 * The responder is an event on the test's own loop: it answers each query
 * with the query's header and question, the rcode and answer count the test
 * set, and as many A records; or it stays silent.
 */
#include "config.h"

#include "dns_client.h"

#include "unit.h"

#include <event2/event.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct responder {
	int fd;
	struct event *ev;
	int rcode;
	unsigned ancount;
	bool silent;
	int queries;
	struct sockaddr_in addr;
};

static void respond(evutil_socket_t fd, short what, void *arg)
{
	struct responder *r = arg;
	uint8_t buf[512];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	size_t len;

	if (n < 12)
		return;
	r->queries++;
	if (r->silent)
		return;
	len = (size_t)n;
	buf[2] = 0x84 | (buf[2] & 0x01); /* QR, AA, RD copied */
	buf[3] = (uint8_t)r->rcode;
	buf[6] = 0;
	buf[7] = (uint8_t)r->ancount;
	buf[8] = buf[9] = buf[10] = buf[11] = 0; /* no NS, no additional (drops the OPT) */
	/* cut anything after the question (an OPT record) */
	size_t q = 12;
	while (q < len && buf[q])
		q += buf[q] + 1;
	len = q + 5;
	for (unsigned i = 0; i < r->ancount; i++) {
		static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0,   1, 0, 0,
					     0,	   60,	 0, 4, 192, 0, 2, 1};

		memcpy(buf + len, rr, sizeof(rr));
		len += sizeof(rr);
	}
	sendto(fd, buf, len, 0, (struct sockaddr *)&from, fl);
}

static void responder_start(struct responder *r, struct event_base *base)
{
	socklen_t al = sizeof(r->addr);

	memset(r, 0, sizeof(*r));
	r->addr.sin_family = AF_INET;
	r->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ne(r->fd, -1);
	ck_assert_int_eq(bind(r->fd, (struct sockaddr *)&r->addr, sizeof(r->addr)), 0);
	ck_assert_int_eq(getsockname(r->fd, (struct sockaddr *)&r->addr, &al), 0);
	r->ev = event_new(base, r->fd, EV_READ | EV_PERSIST, respond, r);
	event_add(r->ev, NULL);
}

static void responder_stop(struct responder *r)
{
	event_free(r->ev);
	close(r->fd);
}

struct result {
	int calls;
	int rcode;
	unsigned ancount;
	char err[128];
	char addr[64];
};

static void query_cb(void *arg, int rcode, unsigned ancount, const char *err)
{
	struct result *res = arg;

	res->calls++;
	res->rcode = rcode;
	res->ancount = ancount;
	snprintf(res->err, sizeof(res->err), "%s", err ? err : "");
}

static void addr_cb(void *arg, const struct sockaddr *sa, socklen_t len, const char *err)
{
	struct result *res = arg;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

	res->calls++;
	snprintf(res->err, sizeof(res->err), "%s", err ? err : "");
	if (sa && sa->sa_family == AF_INET)
		snprintf(res->addr, sizeof(res->addr), "%s:%u", inet_ntoa(sin->sin_addr),
			 ntohs(sin->sin_port));
}

static void run_for(struct event_base *base, const struct result *res, double limit)
{
	struct timeval tv = {.tv_sec = 0, .tv_usec = 10000};

	for (int i = 0; i < (int)(limit * 100) && (!res || res->calls == 0); i++) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
}

/* One query to a responder answering rcode with ancount records. */
static void ask(int rcode, unsigned ancount, struct result *res)
{
	struct event_base *base = event_base_new();
	struct responder r;
	struct dns_client *d;
	char err[128];

	responder_start(&r, base);
	r.rcode = rcode;
	r.ancount = ancount;
	d = dns_client_new(base, (struct sockaddr *)&r.addr, sizeof(r.addr), 1.0, err, sizeof(err));
	ck_assert_ptr_nonnull(d);
	memset(res, 0, sizeof(*res));
	ck_assert_int_eq(dns_client_query(d, "www.example.", 1, 1, query_cb, res), 0);
	run_for(base, res, 2);
	ck_assert_int_eq(res->calls, 1);
	ck_assert_int_eq(r.queries, 1);
	dns_client_free(d);
	responder_stop(&r);
	event_base_free(base);
}

START_TEST(answer)
{
	struct result res;

	ask(0, 2, &res);
	ck_assert_int_eq(res.rcode, 0);
	ck_assert_uint_eq(res.ancount, 2);
	ck_assert_str_eq(res.err, "");
}
END_TEST

START_TEST(nodata)
{
	struct result res;

	ask(0, 0, &res);
	ck_assert_int_eq(res.rcode, 0);
	ck_assert_uint_eq(res.ancount, 0);
}
END_TEST

START_TEST(rcodes)
{
	struct result res;

	ask(3, 0, &res); /* NXDOMAIN */
	ck_assert_int_eq(res.rcode, 3);
	ask(2, 0, &res); /* SERVFAIL */
	ck_assert_msg(res.rcode == 2, "%d %s", res.rcode, res.err);
	ask(5, 0, &res); /* REFUSED */
	ck_assert_int_eq(res.rcode, 5);
	ck_assert_uint_eq(res.ancount, 0);
}
END_TEST

START_TEST(timeout)
{
	struct event_base *base = event_base_new();
	struct responder r;
	struct result res = {0};
	char err[128];
	struct dns_client *d;

	responder_start(&r, base);
	r.silent = true;
	d = dns_client_new(base, (struct sockaddr *)&r.addr, sizeof(r.addr), 0.2, err, sizeof(err));
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(dns_client_query(d, "www.example.", 1, 1, query_cb, &res), 0);
	run_for(base, &res, 2);
	ck_assert_int_eq(res.calls, 1);
	ck_assert_int_eq(res.rcode, -1);
	ck_assert_str_eq(res.err, "timeout");
	ck_assert_int_eq(r.queries, 1); /* one try */
	dns_client_free(d);
	responder_stop(&r);
	event_base_free(base);
}
END_TEST

/* Cancelled and freed queries call nothing back. */
START_TEST(cancel)
{
	struct event_base *base = event_base_new();
	struct responder r;
	struct result a = {0}, b = {0}, c = {0};
	char err[128];
	struct dns_client *d;

	responder_start(&r, base);
	d = dns_client_new(base, (struct sockaddr *)&r.addr, sizeof(r.addr), 0.3, err, sizeof(err));
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(dns_client_query(d, "a.example.", 1, 1, query_cb, &a), 0);
	ck_assert_int_eq(dns_client_query(d, "b.example.", 1, 1, query_cb, &b), 0);
	dns_client_cancel(d);
	run_for(base, NULL, 0.5);
	ck_assert_int_eq(a.calls + b.calls, 0);
	/* the client still works after a cancel */
	ck_assert_int_eq(dns_client_query(d, "c.example.", 1, 1, query_cb, &c), 0);
	run_for(base, &c, 2);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.rcode, 0);
	/* freed with a query pending */
	memset(&c, 0, sizeof(c));
	r.silent = true;
	ck_assert_int_eq(dns_client_query(d, "d.example.", 1, 1, query_cb, &c), 0);
	run_for(base, NULL, 0.05);
	dns_client_free(d);
	run_for(base, NULL, 0.5);
	ck_assert_int_eq(c.calls, 0);
	dns_client_free(NULL);
	responder_stop(&r);
	event_base_free(base);
}
END_TEST

/* An address literal resolves without a query, with the port. */
START_TEST(resolve_literal)
{
	struct event_base *base = event_base_new();
	struct result res = {0};
	char err[128];
	struct dns_client *d = dns_client_new(base, NULL, 0, 1.0, err, sizeof(err));

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(dns_client_resolve(d, "192.0.2.7", 8404, addr_cb, &res), 0);
	run_for(base, &res, 2);
	ck_assert_int_eq(res.calls, 1);
	ck_assert_str_eq(res.err, "");
	ck_assert_str_eq(res.addr, "192.0.2.7:8404");
	dns_client_free(d);
	event_base_free(base);
}
END_TEST

UNIT_SUITE("dns_client", {"answer", answer}, {"nodata", nodata}, {"rcodes", rcodes},
	   {"timeout", timeout}, {"cancel", cancel}, {"resolve_literal", resolve_literal})
