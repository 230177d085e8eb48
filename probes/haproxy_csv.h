/* SPDX-License-Identifier: Apache-2.0 */
/* haproxy_csv.h — HAProxy's stats CSV: the state and load of one proxy (check_haproxy.c)
 *
 * Columns are found by name in the "# pxname,svname,..." header line, so the
 * CSV's column set may grow between HAProxy versions. Pure: any thread.
 */
#ifndef GSLB_HAPROXY_CSV_H
#define GSLB_HAPROXY_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct haproxy_row {
	char status[32];	/* as in the CSV, e.g. "UP", "DOWN", "OPEN", "UP 1/3" */
	bool up;		/* status starts with UP (backend, server) or OPEN (frontend) */
	uint32_t load_permille; /* scur * 1000 / slim, or REPORT_UNKNOWN without slim */
	bool frontend;		/* the row found is the FRONTEND row (no BACKEND row) */
};

/* Finds proxy's BACKEND row (else its FRONTEND row) in the CSV text csv[0..len) whose first
 * line is the "# pxname,svname,..." header. Returns 0 and fills *row, -ENOENT when the proxy
 * is absent, -EBADMSG when the header lacks pxname, svname, status, scur or slim. */
int haproxy_csv_parse(const char *csv, size_t len, const char *proxy, struct haproxy_row *row);

#endif
