/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "log.h"

#include <sys/stat.h>

static const char *program = "gatewayd";
static int to_journal = -1; /* unknown yet */

void log_set_program(const char *name) {
        program = name;
}

/* Under systemd, stderr is a journal stream (JOURNAL_STREAM names its
 * device:inode): a "<N>" prefix then sets the entry's priority, and the program
 * name is redundant (SYSLOG_IDENTIFIER). Structured events come with the
 * health work; this keeps priorities right until then. */
static bool stderr_is_journal(void) {
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

int log_internal(int priority, int error, const char *fmt, ...) {
        int saved = errno;
        va_list ap;

        /* %m in fmt refers to error, as in systemd's log_*_errno(). */
        if (error != 0)
                errno = error < 0 ? -error : error;
        if (stderr_is_journal())
                fprintf(stderr, "<%d>", priority & LOG_PRIMASK);
        else
                fprintf(stderr, "%s: ", program);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        errno = saved;
        return error < 0 ? error : -error;
}
