/* SPDX-License-Identifier: Apache-2.0 */
/* log.h — one-line key=value event logging to stderr or syslog
 *
 * Every event is one line: "level=<lvl> <key=value ...>". The level is
 * tested before the arguments are evaluated, so disabled debug logging
 * costs one compare. Thread-safe: each line is written with one call.
 */
#ifndef GSLB_LOG_H
#define GSLB_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERR = 0,
	LOG_LVL_WARN = 1,
	LOG_LVL_INFO = 2,
	LOG_LVL_DEBUG = 3,
};

extern int gslb_log_level;

/* Select the sink: syslog (with ident) when use_syslog, else stderr. */
void gslb_log_open(const char *ident, bool use_syslog, int level);
void gslb_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define GSLB_LOG_AT(lvl, ...)                                                                      \
	do {                                                                                       \
		if ((lvl) <= gslb_log_level)                                                       \
			gslb_log((lvl), __VA_ARGS__);                                              \
	} while (0)

#define log_err(...) GSLB_LOG_AT(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) GSLB_LOG_AT(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) GSLB_LOG_AT(LOG_LVL_INFO, __VA_ARGS__)
#ifdef NDEBUG
#define log_debug(...) ((void)0)
#else
#define log_debug(...) GSLB_LOG_AT(LOG_LVL_DEBUG, __VA_ARGS__)
#endif

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#endif
