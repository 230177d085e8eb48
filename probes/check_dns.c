/* SPDX-License-Identifier: Apache-2.0 */
/* check_dns.c — dns check: query/qtype to the address via c-ares, up on NOERROR with an answer
 *
 * Each instance keeps one DNS client (dns_client.h) whose only server is the
 * member's address and the check's port, one try, the check's timeout. The
 * scheduler's deadline ends a run that c-ares has not finished
 * (dns_client_cancel, which calls nothing back).
 */
#include "config.h"

#include "checks.h"

#include "dns_client.h"
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const rcode_names[] = {"NOERROR",  "FORMERR", "SERVFAIL",
					  "NXDOMAIN", "NOTIMP",	 "REFUSED"};

static void query_cb(void *arg, int rcode, unsigned ancount, const char *err)
{
	struct check_inst *ci = arg;
	char reason[128];
	bool ok = false;

	ci->run = NULL;
	if (rcode < 0)
		snprintf(reason, sizeof(reason), "%s", err);
	else if (rcode != 0)
		snprintf(reason, sizeof(reason), "rcode %s",
			 (size_t)rcode < sizeof(rcode_names) / sizeof(rcode_names[0])
			     ? rcode_names[rcode]
			     : "other");
	else if (ancount == 0)
		snprintf(reason, sizeof(reason), "no answer");
	else
		ok = true;
	check_done(ci, ok, REPORT_UNKNOWN, ok ? NULL : reason);
}

static int dns_start(struct check_inst *ci, const char **reason)
{
	struct dns_client *d = ci->priv;

	if (!d) {
		char err[128];

		d = dns_client_new(ci->env->base, (const struct sockaddr *)&ci->ss, ci->sslen,
				   ci->ck->timeout, err, sizeof(err));
		if (!d) {
			*reason = "cannot set up c-ares";
			return -ENOMEM;
		}
		ci->priv = d;
	}
	ci->run = d;
	if (dns_client_query(d, ci->ck->query, 1 /* IN */, ci->ck->qtype_num, query_cb, ci) < 0) {
		ci->run = NULL;
		*reason = "out of memory";
		return -ENOMEM;
	}
	return 0;
}

static void dns_cancel(struct check_inst *ci)
{
	ci->run = NULL;
	if (ci->priv)
		dns_client_cancel(ci->priv);
}

static void dns_release(struct check_inst *ci)
{
	dns_client_free(ci->priv);
	ci->priv = NULL;
}

const struct check_ops check_dns_ops = {
    .start = dns_start,
    .cancel = dns_cancel,
    .release = dns_release,
};
