/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_bird.c — libFuzzer target: BIRD control socket replies (anycast_bird_parse)
 *
 * gslb-anycast reads BIRD's reply into a buffer and parses it again after
 * every read until it is complete. The first input byte chooses where the
 * rest is cut into two reads; the asserts check the documented returns, the
 * text kept for logs (terminated, no double quote: it goes into a quoted log
 * field), and that the two-read result equals the one-read result.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "anycast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reply(int r, const struct anycast_bird_reply *rep)
{
	assert(r == 1 || r == 0 || r == -EPROTO);
	if (r != 1)
		return;
	assert(memchr(rep->text, '\0', sizeof(rep->text)) != NULL);
	assert(strchr(rep->text, '"') == NULL);
	assert(rep->final_code >= 0 && rep->final_code <= 9999);
	assert(rep->error_code == 0 || rep->error_code >= 8000);
	assert(rep->state_code == 0 || (rep->state_code >= 8 && rep->state_code <= 11));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct anycast_bird_reply whole, part;
	const char *buf;
	size_t cut;
	int r, rp;

	if (size == 0)
		return 0;
	cut = data[0] % size; /* 0..size-1 bytes of the reply in the first read */
	buf = (const char *)data + 1;
	size--;
	r = anycast_bird_parse(buf, size, &whole);
	check_reply(r, &whole);
	/* The first read: a result there is final (the caller stops reading), so it
	 * must be the one the whole input gives. */
	rp = anycast_bird_parse(buf, cut, &part);
	check_reply(rp, &part);
	if (rp == 0)
		rp = anycast_bird_parse(buf, size, &part);
	assert(rp == r);
	if (r == 1)
		assert(memcmp(&part, &whole, sizeof(part)) == 0);
	return 0;
}
