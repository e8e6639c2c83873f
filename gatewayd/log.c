/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <sys/stat.h>

/* CODE_FILE= would name this file for every entry: not useful. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "log.h"

static const char *program = "gatewayd";
static int to_journal = -1; /* unknown yet */
static LogSink sink;
static void *sink_userdata;

void log_set_program(const char *name) {
        program = name;
}

void log_set_sink(LogSink s, void *userdata) {
        sink = s;
        sink_userdata = userdata;
}

bool log_to_journal(void) {
        const char *e;
        struct stat st;
        unsigned long long dev, ino;

        if (to_journal >= 0)
                return to_journal;
        e = getenv("JOURNAL_STREAM");
        to_journal = e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
                     (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
        return to_journal;
}

static size_t escaped_len(const char *s) {
        size_t n = 0;

        for (const unsigned char *c = (const unsigned char *) s; c && *c; c++)
                n += *c < 0x20 || *c == 0x7f ? 4 : 1;
        return n;
}

static char *escape_to(char *out, const char *s) {
        static const char hex[] = "0123456789abcdef";

        for (const unsigned char *c = (const unsigned char *) s; c && *c; c++)
                if (*c < 0x20 || *c == 0x7f) {
                        *out++ = '\\';
                        *out++ = 'x';
                        *out++ = hex[*c >> 4];
                        *out++ = hex[*c & 0xf];
                } else
                        *out++ = (char) *c;
        return out;
}

char *log_format_line(const char *program_name, const char *message, const char *text_suffix) {
        size_t n = escaped_len(message) + escaped_len(text_suffix) + 2;
        char *line, *p;

        if (program_name)
                n += strlen(program_name) + 2;
        line = malloc(n);
        if (!line)
                return NULL;
        p = line;
        if (program_name) {
                p = stpcpy(p, program_name);
                p = stpcpy(p, ": ");
        }
        p = escape_to(p, message);
        if (!isempty(text_suffix)) {
                *p++ = ' ';
                p = escape_to(p, text_suffix);
        }
        *p = 0;
        return line;
}

/* Without a journal, and the last resort when the journal or memory fails:
 * one line, data escaped byte by byte, never a format built from it. On a
 * journal stream a "<N>" prefix sets the line's priority and the program
 * name is redundant (SYSLOG_IDENTIFIER). */
static void write_stderr(int priority, const char *message, const char *text_suffix) {
        bool journal = log_to_journal();
        _cleanup_free_ char *line = log_format_line(journal ? NULL : program, message, journal ? NULL : text_suffix);

        if (journal)
                fprintf(stderr, "<%d>", priority & LOG_PRIMASK);
        fputs(line ? line : "(out of memory)", stderr);
        fputc('\n', stderr);
}

int log_send(int priority, const char *message, const char *const *fields, size_t n_fields,
             const char *text_suffix) {
        _cleanup_free_ char *msg_field = NULL, *ident_field = NULL, *line = NULL;
        struct iovec iov[3 + LOG_FIELDS_MAX];
        char prio_field[sizeof("PRIORITY=") + 12];
        size_t n = 0;
        int saved = errno, r = 0;

        if (n_fields > LOG_FIELDS_MAX) {
                n_fields = LOG_FIELDS_MAX;
                r = -E2BIG;
        }
        if (asprintf(&msg_field, "MESSAGE=%s", message) < 0)
                msg_field = NULL;
        if (asprintf(&ident_field, "SYSLOG_IDENTIFIER=%s", program) < 0)
                ident_field = NULL;
        if (!msg_field || !ident_field) {
                write_stderr(priority, message, text_suffix);
                errno = saved;
                return -ENOMEM;
        }
        snprintf(prio_field, sizeof(prio_field), "PRIORITY=%d", priority & LOG_PRIMASK);
        iov[n++] = (struct iovec) { .iov_base = msg_field, .iov_len = strlen(msg_field) };
        iov[n++] = (struct iovec) { .iov_base = prio_field, .iov_len = strlen(prio_field) };
        iov[n++] = (struct iovec) { .iov_base = ident_field, .iov_len = strlen(ident_field) };
        for (size_t i = 0; i < n_fields; i++)
                iov[n++] = (struct iovec) { .iov_base = (char *) fields[i], .iov_len = strlen(fields[i]) };

        if (sink) {
                line = log_format_line(program, message, text_suffix);
                sink(priority & LOG_PRIMASK, iov, n, line, sink_userdata);
        } else if (!log_to_journal() || sd_journal_sendv(iov, (int) n) < 0)
                write_stderr(priority, message, text_suffix);
        errno = saved;
        return r;
}

int log_internal(int priority, int error, const char *fmt, ...) {
        _cleanup_free_ char *message = NULL;
        char errno_field[sizeof("ERRNO=") + 12];
        const char *fields[1] = { errno_field };
        int saved = errno;
        va_list ap;

        /* %m in fmt refers to error, as in systemd's log_*_errno(). */
        if (error != 0)
                errno = error < 0 ? -error : error;
        snprintf(errno_field, sizeof(errno_field), "ERRNO=%d", errno);
        va_start(ap, fmt);
        if (vasprintf(&message, fmt, ap) < 0)
                message = NULL;
        va_end(ap);
        (void) log_send(priority, message ? message : "(out of memory formatting a message)", fields,
                        error != 0 ? 1 : 0, NULL);
        errno = saved;
        return error < 0 ? error : -error;
}
