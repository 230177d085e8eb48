/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_haproxy_csv.c — libFuzzer target: HAProxy's stats CSV (haproxy_csv_parse)
 *
 * The CSV is what an HAProxy stats page (or whatever answers at its URL)
 * sends back: outside input. Each input is parsed as the CSV for proxy "web"
 * (the seeds' proxy). The buffer is not NUL-terminated, so the sanitizers
 * catch a read past its end; the asserts check the documented returns and
 * that a row found is self-consistent.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "haproxy_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct haproxy_row row;
	int r;

	memset(&row, 0xa5, sizeof(row)); /* what the parser leaves unset shows */
	r = haproxy_csv_parse((const char *)data, size, "web", &row);
	assert(r == 0 || r == -ENOENT || r == -EBADMSG);
	if (r != 0)
		return 0;
	/* status is copied, cut to fit, and terminated inside its array */
	assert(memchr(row.status, '\0', sizeof(row.status)) != NULL);
	/* up follows the status: UP for a backend, OPEN for a frontend */
	if (row.frontend)
		assert(row.up == (strncmp(row.status, "OPEN", 4) == 0));
	else
		assert(row.up == (strncmp(row.status, "UP", 2) == 0));
	/* the booleans were written (0xa5 left by the parser would fail here) */
	uint8_t b[2];

	memcpy(&b[0], &row.up, 1);
	memcpy(&b[1], &row.frontend, 1);
	assert(b[0] <= 1 && b[1] <= 1);
	/* load: not measured (an empty or zero slim), or scur * 1000 / slim, which a
	 * row with "0" in scur makes 0 */
	assert(row.load_permille != 0xa5a5a5a5u);
	return 0;
}
