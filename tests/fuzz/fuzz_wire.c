/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_wire.c — libFuzzer target: the query parser and the whole answer path
 *
 * Every input is parsed with wire_parse_query() and then answered from a
 * snapshot of conf/demo.conf (path from GSLB_FUZZ_CONF, else the source
 * tree), over UDP and TCP. Sanitizers catch reads past the packet; the
 * asserts check that UDP answers stay within the client's limit and echo the id.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu.h>

#include "answer.h"
#include "conf.h"
#include "snapshot.h"
#include "wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct snapshot *snap;
static struct answer_ctx ctx;
static uint8_t resp[ANSWER_MAX_TCP];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("GSLB_FUZZ_CONF");
	char err[CONF_ERRLEN];

	if (!path)
		path = FUZZ_SRCDIR "/conf/demo.conf";
	snap = snapshot_build(path, NULL, err, sizeof(err));
	if (!snap) {
		fprintf(stderr, "fuzz_wire: cannot load %s:\n%s\n", path, err);
		exit(1);
	}
	return 0;
}

/* The most a UDP answer may take (RFC 1035 §4.2.1, RFC 6891 §6.2.3): 512 bytes without
 * EDNS, else the size the client advertised (at least 512), capped by max_udp_size. */
static size_t udp_limit(const struct wire_query *q)
{
	size_t lim = q->udp_size;

	if (!q->edns)
		return 512;
	if (lim > snap->conf->max_udp_size)
		lim = snap->conf->max_udp_size;
	return lim < 512 ? 512 : lim;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_query q;
	static const struct sockaddr_in src = { .sin_family = AF_INET };

	wire_parse_query(data, size, &q);
	for (int tcp = 0; tcp < 2; tcp++) {
		size_t n = answer_packet(&ctx, snap, data, size, resp, sizeof(resp),
					 (const struct sockaddr *)&src, tcp);
		if (n == 0)
			continue;
		if (n < 12 || (!tcp && n > udp_limit(&q)) || memcmp(resp, data, 2) != 0)
			abort();
	}
	return 0;
}
