/* SPDX-License-Identifier: Apache-2.0 */
/* checks.h — the interface between the scheduler (probe.c) and the checks (check_*.c)
 *
 * The scheduler owns struct check_inst and starts one run per interval with
 * ops->start. A run ends in exactly one of two ways: the check calls
 * check_done() (after releasing what the run holds), or the run's timeout
 * fires first and the scheduler calls ops->cancel, after which the check
 * must not call check_done for that run. ops->release frees what the check
 * keeps between runs (inst->priv) when the instance goes away.
 *
 * A check type is one file, check_<type>.c: its params struct, its keys (a
 * conf_schema.h table the loader stores into the params), a validate hook
 * and its ops, exported as one struct conf_check_type row that
 * check_types.c lists.
 *
 * All of it runs on the loop's thread.
 */
#ifndef GSLB_CHECK_H
#define GSLB_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"
#include "dname.h"
#include "http_client.h"
#include "probe.h"

#include <netinet/in.h>

struct event;
struct event_base;

#define CHECK_ADDR_TEXT 64	 /* an IPv6 address in text, with room */
#define CHECK_NAME_TEXT 1024	 /* a domain name in text, escapes included */
#define CHECK_MAX_BODY (1 << 20) /* bytes of an HTTP response body kept */

/* What the checks share: the loop and the HTTP client's TLS context. */
struct check_env {
	struct event_base *base;
	struct http_client_env http; /* default verify paths (SSL_CERT_FILE/SSL_CERT_DIR) */
};

struct check_inst {
	/* identity */
	uint8_t service[DNAME_MAXLEN];
	char service_text[CHECK_NAME_TEXT];
	uint16_t member;
	uint8_t family;
	uint8_t addr[16];
	char addr_text[CHECK_ADDR_TEXT]; /* "-" for family 0 */
	struct sockaddr_storage ss;	 /* addr with the check's port; unset for family 0 */
	socklen_t sslen;
	const struct conf_check *ck;
	const struct check_env *env;
	/* state */
	struct probe_sm sm;
	uint32_t rtt_us;	/* of the last successful run, or REPORT_UNKNOWN */
	uint32_t load_permille; /* haproxy: last value, else REPORT_UNKNOWN */
	bool running;
	uint64_t started_us; /* monotonic */
	uint64_t next_us;    /* monotonic: when the next run is due */
	/* what the metrics show (probe_metrics.c) */
	uint64_t runs;		       /* finished runs */
	uint64_t last_run_ms;	       /* unix ms when the last run ended; 0 = none yet */
	uint32_t last_duration_us;     /* of the last run, failed or not */
	uint32_t consecutive_failures; /* failed runs since the last good one */
	uint64_t failures;	       /* failed runs */
	bool last_ok;
	struct event *tick;
	struct event *deadline;
	void *run;  /* the check's in-flight state */
	void *priv; /* the check's state between runs */
};

struct check_ops {
	/* Starts a run. Returns 0, or a negative errno when it failed at once, with the reason
	 * in reason (reasonlen bytes); check_done is not called then. */
	int (*start)(struct check_inst *ci, char *reason, size_t reasonlen);
	void (*cancel)(struct check_inst *ci);
	void (*release)(struct check_inst *ci); /* may be NULL */
};

/* The check types (check_types.c), NULL-terminated: what gslb-probe registers with the
 * config loader (conf_check_types_register). A row's ops are a struct check_ops. */
extern const struct conf_check_type *const check_types[];

/* Ends the current run of ci: ok or not, with the load measured (REPORT_UNKNOWN if none) and
 * a reason for a failure (copied; NULL for success). Implemented by probe.c. */
void check_done(struct check_inst *ci, bool ok, uint32_t load_permille, const char *reason);

#endif
