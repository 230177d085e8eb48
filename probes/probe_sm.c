/* SPDX-License-Identifier: Apache-2.0 */
/* probe_sm.c — the one rise/fall state machine (check instances, gslb-anycast's rounds) */
#include "config.h"

#include "probe.h"

#include <string.h>

void probe_sm_init(struct probe_sm *sm, bool up)
{
	memset(sm, 0, sizeof(*sm));
	sm->up = up;
}

bool probe_sm_result(struct probe_sm *sm, bool ok, int rise, int fall, uint64_t now_ms)
{
	sm->results++;
	if (ok == sm->up) {
		sm->run = 0;
		return false;
	}
	sm->run++;
	if (sm->run < (sm->up ? fall : rise))
		return false;
	sm->up = ok;
	sm->run = 0;
	sm->last_change_ms = now_ms;
	return true;
}
