/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "log.h"

static const char *program = "gatewayd";

void log_set_program(const char *name) {
        program = name;
}

int log_internal(int priority, int error, const char *fmt, ...) {
        int saved = errno;
        va_list ap;

        /* %m in fmt refers to error, as in systemd's log_*_errno(). */
        if (error != 0)
                errno = error < 0 ? -error : error;
        fprintf(stderr, "%s: ", program);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        errno = saved;
        return error < 0 ? error : -error;
}
