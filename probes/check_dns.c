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

#include "conf_schema.h"
#include "dname.h"
#include "dns_client.h"
#include "report.h"

#include <ldns/ldns.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dns_params {
	uint16_t port;
	char *query;	    /* name to ask, required */
	char *qtype;	    /* type as written, default "A" */
	uint16_t qtype_num; /* its number */
};

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

static int dns_start(struct check_inst *ci, char *reason, size_t reasonlen)
{
	struct dns_client *d = ci->priv;

	if (!d) {
		char err[128];

		d = dns_client_new(ci->env->base, (const struct sockaddr *)&ci->ss, ci->sslen,
				   ci->ck->timeout, err, sizeof(err));
		if (!d) {
			snprintf(reason, reasonlen, "cannot set up c-ares");
			return -ENOMEM;
		}
		ci->priv = d;
	}
	ci->run = d;
	const struct dns_params *p = ci->ck->params;

	if (dns_client_query(d, p->query, 1 /* IN */, p->qtype_num, query_cb, ci) < 0) {
		ci->run = NULL;
		snprintf(reason, reasonlen, "out of memory");
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

static const struct check_ops dns_ops = {
    .start = dns_start,
    .cancel = dns_cancel,
    .release = dns_release,
};

static const struct conf_item dns_keys[] = {
    {"port", CT_INT, CONF_REQUIRED, FIELD(struct dns_params, port), .min = 1, .max = 65535},
    {"query", CT_STRING, CONF_REQUIRED, FIELD(struct dns_params, query), .def_str = ""},
    {"qtype", CT_STRING, FIELD(struct dns_params, qtype), .def_str = "A"},
    {NULL},
};

static void dns_validate(struct conf_ctx *x, struct conf_check *ck, const config_setting_t *e,
			 const char *path)
{
	struct dns_params *p = ck->params;
	const config_setting_t *m = config_setting_get_member(e, "query");
	uint8_t wire[DNAME_MAXLEN];
	char kpath[CONF_PATHLEN];

	ck->port = p->port;
	if (m && (p->query[0] == '\0' || dname_from_str(p->query, wire) < 0)) {
		conf_join_path(kpath, sizeof(kpath), path, "query");
		conf_err(x, m, kpath, "bad domain name \"%s\"", p->query);
	}
	p->qtype_num = (uint16_t)ldns_get_rr_type_by_name(p->qtype);
	if (p->qtype_num == 0) {
		conf_join_path(kpath, sizeof(kpath), path, "qtype");
		conf_err(x, config_setting_get_member(e, "qtype"), kpath, "unknown RR type \"%s\"",
			 p->qtype);
	}
}

const struct conf_check_type check_dns_type = {
    .name = "dns",
    .keys = dns_keys,
    .params_size = sizeof(struct dns_params),
    .validate = dns_validate,
    .ops = &dns_ops,
};
