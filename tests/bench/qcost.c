/* SPDX-License-Identifier: Apache-2.0 */
/* qcost.c — the CPU time of answer_packet per query, for a config and a list of names
 *
 * usage: qcost CONF NAMES [ROUNDS]
 *
 * Builds the snapshot of CONF as gslbd does (with the member answer counters of one
 * worker thread), packs an A query for each line of NAMES (one name per line, the first
 * word), then answers them all ROUNDS times (default 20) on one thread and prints "ns_per_query answered_noerror queries". The time is the
 * thread's CPU time (CLOCK_THREAD_CPUTIME_ID): on a shared machine it does not count
 * the other processes, unlike dnsperf's QPS, so that two configs compare fairly.
 * QCOST_RECORD=1 counts the answers in a query record as gslbd's threads do
 * (query_record.h), and QCOST_SOURCES=N spreads the queries over N client /24s, so
 * that the record's cost can be measured.
 */
#include "config.h"

#include "answer.h"
#include "conf.h"
#include "dname.h"
#include "member_stats.h"
#include "query_record.h"
#include "snapshot.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QMAX (12 + DNAME_MAXLEN + 4)

static double thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static struct answer_ctx ctx;
	static uint8_t resp[ANSWER_MAX_TCP];
	static char err[CONF_ERRLEN];
	struct sockaddr_in src = {.sin_family = AF_INET, .sin_port = htons(53000)};
	unsigned sources = getenv("QCOST_SOURCES") ? (unsigned)atoi(getenv("QCOST_SOURCES")) : 1;
	struct snapshot *snap;
	uint8_t (*q)[QMAX] = NULL;
	size_t *qlen = NULL, n = 0, cap = 0, noerror = 0;
	int rounds = argc > 3 ? atoi(argv[3]) : 20;
	char line[1100];
	double t0, t1;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: qcost CONF NAMES [ROUNDS]\n");
		return 2;
	}
	snap = snapshot_build(argv[1], NULL, err, sizeof(err));
	if (snap == NULL) {
		fprintf(stderr, "qcost: %s\n", err);
		return 1;
	}
	/* gslbd counts each member's answers in a row per thread (member_stats.h): so here */
	if (member_stats_init(&snap->answers, 1, snap->nhealth) != 0) {
		fprintf(stderr, "qcost: out of memory\n");
		return 1;
	}
	f = fopen(argv[2], "r");
	if (f == NULL) {
		perror(argv[2]);
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		uint8_t wire[DNAME_MAXLEN];
		int len;

		line[strcspn(line, " \t\n")] = '\0';
		if ((len = dname_from_str(line, wire)) < 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			q = realloc(q, cap * sizeof(*q));
			qlen = realloc(qlen, cap * sizeof(*qlen));
			if (q == NULL || qlen == NULL)
				return 1;
		}
		memset(q[n], 0, 12);
		q[n][0] = (uint8_t)(n >> 8);
		q[n][1] = (uint8_t)n;
		q[n][5] = 1; /* QDCOUNT */
		memcpy(q[n] + 12, wire, (size_t)len);
		memcpy(q[n] + 12 + len, "\0\1\0\1", 4); /* A IN */
		qlen[n++] = 12 + (size_t)len + 4;
	}
	fclose(f);
	if (getenv("QCOST_RECORD") != NULL && atoi(getenv("QCOST_RECORD")) != 0)
		ctx.qrec = qrec_new();
	ctx.qrec_epoch = qrec_epoch();
	if (sources == 0)
		sources = 1;
	t0 = thread_ns();
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++) {
			/* 10.x.y.1: one of `sources` client networks */
			src.sin_addr.s_addr = htonl(0x0a000001u | ((uint32_t)(i % sources) << 8));
			size_t len = answer_packet(&ctx, snap, q[i], qlen[i], resp, sizeof(resp),
						   (const struct sockaddr *)&src, false);

			noerror += len >= 12 && (resp[3] & 0xf) == 0;
		}
	t1 = thread_ns();
	printf("%.1f %zu %zu\n", n ? (t1 - t0) / ((double)n * rounds) : 0, noerror,
	       n * (size_t)rounds);
	free(q);
	free(qlen);
	snapshot_free(snap);
	return 0;
}
