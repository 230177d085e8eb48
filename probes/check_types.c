/* SPDX-License-Identifier: Apache-2.0 */
/* check_types.c — the check type table: one row per check_<type>.c
 *
 * gslb-probe registers it with the config loader (conf_check_types_register)
 * before loading, so that the loader reads each type's own keys. Adding a
 * type: its file, a row here, the build list, gslb.conf(5) and a test.
 */
#include "config.h"

#include "checks.h"

#include <stddef.h>

extern const struct conf_check_type check_tcp_type;
extern const struct conf_check_type check_http_type;
extern const struct conf_check_type check_https_type;
extern const struct conf_check_type check_dns_type;
extern const struct conf_check_type check_haproxy_type;

const struct conf_check_type *const check_types[] = {
    &check_tcp_type, &check_http_type,	  &check_https_type,
    &check_dns_type, &check_haproxy_type, NULL,
};
