/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one logging seam of gatewayd. Only gatewayd/ logs above debug, once,
 * where a decision is made. Under systemd (stderr is a journal stream) every
 * entry goes to the journal natively, with its priority and structured
 * fields; otherwise it is one line on stderr prefixed with the program name.
 * Events with fixed MESSAGE_IDs (packaging/gatewayd.catalog) are journal.h's,
 * built on log_send(). */

#include <sys/uio.h>
#include <syslog.h>

#include "macro.h"

void log_set_program(const char *name);

/* True when stderr is the journal: JOURNAL_STREAM names stderr's
 * device:inode, as systemd sets it for StandardError=journal. Decided once. */
bool log_to_journal(void);

/* Logs at priority (LOG_ERR ...). error, if non-zero, is a -errno or errno
 * value that %m in fmt refers to (and the entry's ERRNO=). Returns
 * -abs(error) so callers can `return log_error_errno(r, "...: %m");`. */
int log_internal(int priority, int error, const char *fmt, ...) _printf_(3, 4);

#define log_error_errno(e, ...) log_internal(LOG_ERR, (e), __VA_ARGS__)
#define log_error(...) log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_oom() log_internal(LOG_ERR, -ENOMEM, "Out of memory")

/* At most this many fields besides MESSAGE, PRIORITY and SYSLOG_IDENTIFIER. */
#define LOG_FIELDS_MAX 32

/* Sends one entry: MESSAGE=message, PRIORITY=, SYSLOG_IDENTIFIER=<program>
 * and the n_fields "NAME=value" strings of fields (valid names are the
 * caller's job; values may hold any byte but NUL). Without a journal, the
 * entry is the stderr line of log_format_line(), with text_suffix (may be
 * NULL); the fields are not printed. Returns 0, -E2BIG if fields beyond
 * LOG_FIELDS_MAX were left out, or -ENOMEM (the message still went to
 * stderr). Keeps errno. */
int log_send(int priority, const char *message, const char *const *fields, size_t n_fields,
             const char *text_suffix);

/* "program: message text_suffix", every control character of message and
 * text_suffix written as \xNN so that data can never start a line of its
 * own. program may be NULL (no prefix), text_suffix NULL or "". Returns a
 * new string or NULL (out of memory). */
char *log_format_line(const char *program, const char *message, const char *text_suffix);

/* Tests: entries go to sink instead of the journal or stderr: the journal
 * fields as they would be sent (MESSAGE= first) and the stderr line. NULL
 * restores normal output. */
typedef void (*LogSink)(int priority, const struct iovec *iov, size_t n_iov, const char *line, void *userdata);
void log_set_sink(LogSink sink, void *userdata);
