/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_report.c — libFuzzer target: the probe report verifier and parser
 *
 * Each input is verified as received (size, magic, version, key, MAC), and
 * then once more after re-signing it with the known test key, so that the
 * parser behind the signature is reached too. Accepted reports are fed to a
 * health state. Sanitizers catch reads past the datagram; the asserts check
 * that what the parser accepts stays inside the buffer and its limits.
 */
#include "config.h"

#include <assert.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "log.h"
#include "report.h"
#include "service.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The seeds under seeds/report are signed with this key. */
static uint8_t secret[] = "fuzz-report-secret-0123456789abcdef";
static char *any_prober[] = { "*" };
static struct conf_health_key key = { .id = "k1", .secret = secret,
				      .secret_len = sizeof(secret) - 1, .probers = any_prober,
				      .nprobers = 1 };
static struct conf_health health = { .present = true, .keys = &key, .nkeys = 1, .quorum = 1,
				     .stale_after = 5, .grace = 30, .default_up = true,
				     .report_interval = 1, .max_clock_skew = 30 };
static struct report_view view;
static struct health_state *state;

/* The members the seeds report on: www.example.com 0 = 192.0.2.1, 1 = 2001:db8::1, 2 = a
 * CNAME member. */
static uint8_t v4[1][4] = { { 192, 0, 2, 1 } };
static uint8_t v6[1][16] = { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
static uint8_t www[] = "\3www\7example\3com";
static uint8_t edge[] = "\4edge\3cdn\3net";
static struct region region = { .name = "r" };
static struct member members[3] = {
	{ .index = 0, .region = &region, .ipv4 = v4, .nipv4 = 1, .health = 0 },
	{ .index = 1, .region = &region, .ipv6 = v6, .nipv6 = 1, .health = 1 },
	{ .index = 2, .region = &region, .cname = edge, .health = 2 },
};
static struct service service = { .name = www, .members = members, .nmembers = 3 };
static struct member_health slots[3];

static struct health_state *get_state(uint64_t now)
{
	if (!state) {
		state = health_new(&health, 0);
		if (!state || health_bind(state, &service, 1, slots, 3, now) < 0)
			abort();
	}
	return state;
}

static void check_view(const uint8_t *buf, size_t len)
{
	assert(view.key == &key);
	assert(view.part < view.nparts && view.nparts <= REPORT_MAX_PARTS);
	assert(view.nentries <= REPORT_MAX_ENTRIES);
	assert((const uint8_t *)view.prober > buf &&
	       (const uint8_t *)view.prober + view.prober_len <= buf + len);
	for (size_t i = 0; i < view.nentries; i++) {
		const struct report_entry *e = &view.entries[i];

		assert(e->service > buf && e->service < buf + len);
		assert(e->family == 0 || e->family == 4 || e->family == 6);
	}
	/* the report's own time, so that timestamps pass and replays are exercised */
	uint64_t now = view.timestamp_ms;
	const char *reason;

	(void)health_apply_report(get_state(now), &view, now, &reason);
	health_evaluate(state, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t copy[REPORT_MAX_DATAGRAM + 1];

	gslb_log_level = LOG_LVL_WARN; /* health changes would flood the output */
	const char *reason = NULL;
	unsigned int olen = 0;

	if (report_verify_parse(data, size, &health, &view, &reason) == 0)
		check_view(data, size);
	else
		assert(reason);
	if (size < REPORT_MAC_LEN || size > sizeof(copy))
		return 0;
	memcpy(copy, data, size);
	if (!HMAC(EVP_sha256(), secret, (int)key.secret_len, copy, size - REPORT_MAC_LEN,
		  copy + size - REPORT_MAC_LEN, &olen))
		abort();
	if (report_verify_parse(copy, size, &health, &view, &reason) == 0)
		check_view(copy, size);
	else
		assert(reason);
	return 0;
}
