/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one logging seam of gatewayd. Only gatewayd/ logs above debug, once,
 * where a decision is made. Today messages go to stderr prefixed with the
 * program name; the journal backend (structured fields, MESSAGE_IDs from
 * packaging/gatewayd.catalog) plugs in here with the health issue. */

#include <syslog.h>

#include "macro.h"

void log_set_program(const char *name);

/* Logs at priority (LOG_ERR ...). error, if non-zero, is a -errno or errno
 * value that %m in fmt refers to. Returns -abs(error) so callers can
 * `return log_error_errno(r, "...: %m");`. */
int log_internal(int priority, int error, const char *fmt, ...) _printf_(3, 4);

#define log_error_errno(e, ...) log_internal(LOG_ERR, (e), __VA_ARGS__)
#define log_error(...) log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_oom() log_internal(LOG_ERR, -ENOMEM, "Out of memory")
