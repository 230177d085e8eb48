/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_zone.c — libFuzzer target: the zone loader (ldns's master-file parser, gslbd's checks
 * and its compilation into wire-ready RRsets)
 *
 * Each input is loaded as the zone file of example.com. A zone that fails
 * must say why; one that loads is looked up for its apex SOA and NS (what
 * every loaded zone must have) and freed. Sanitizers catch the rest.
 */
#include "config.h"

#include <stdlib.h>

#include "dname.h"
#include "fuzz_file.h"
#include "wire.h"
#include "zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t apex[] = "\7example\3com";
	char err[1024];
	const char *path;
	struct zone *z;
	struct lookup_result res;

	if (fuzz_has(data, size, "$INCLUDE"))
		return 0;
	path = fuzz_write_file(data, size, "example.com.zone");
	if (!path)
		return 0;
	err[0] = 0;
	z = zone_load("example.com", path, err, sizeof(err));
	if (!z) {
		if (!err[0])
			abort(); /* a failure must say why */
		return 0;
	}
	zone_lookup(z, apex, TYPE_SOA, &res);
	if (res.kind != LOOKUP_ANSWER)
		abort(); /* a loaded zone has its SOA at the apex */
	zone_lookup(z, apex, TYPE_NS, &res);
	if (res.kind != LOOKUP_ANSWER)
		abort();
	zone_free(z);
	return 0;
}
