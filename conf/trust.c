/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "trust.h"
#include "macro.h"

static int reason(char **ret_reason, const char *fmt, ...) _printf_(2, 3);
static int reason(char **ret_reason, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(ret_reason, fmt, ap);
        va_end(ap);
        return r < 0 ? -ENOMEM : -EPERM;
}

int trust_judge(const struct stat *st, const char *shown, uid_t owner, char **ret_reason) {
        mode_t mode = st->st_mode & 07777;
        const char *kind = S_ISDIR(st->st_mode) ? "directory" : "file";

        if (st->st_uid != 0 && st->st_uid != owner)
                return reason(ret_reason, "%s %s is owned by uid %u, which could change it; chown root %s", kind,
                              shown, (unsigned) st->st_uid, shown);
        if (!(mode & (S_IWGRP | S_IWOTH)))
                return 0;
        /* /tmp: others may add entries but not rename or remove ours. */
        if (S_ISDIR(st->st_mode) && (mode & S_ISVTX) && st->st_uid == 0)
                return 0;
        return reason(ret_reason, "%s %s is writable by %s (mode %04o), so anyone could change what it holds; "
                      "chmod go-w %s",
                      kind, shown, mode & S_IWOTH ? "others" : "group", (unsigned) mode, shown);
}

int trust_path(const char *path, uid_t owner, bool with_last, char **ret_reason) {
        _cleanup_free_ char *resolved = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        char *s, *next;
        int r;

        resolved = realpath(path, NULL);
        if (!resolved)
                return -errno;
        fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        r = trust_judge(&st, "/", owner, ret_reason);
        if (r < 0)
                return r;

        /* resolved is absolute and has no "." or ".." or "//". Each
         * component is opened below the fd of its parent, so what is
         * judged is what the next step walks through. */
        for (s = resolved + 1; *s; s = next) {
                _cleanup_close_ int nfd = -EBADF;
                char saved;

                next = strchrnul(s, '/');
                saved = *next;
                *next = 0;
                nfd = openat(fd, s, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (nfd < 0)
                        return -errno;
                if (fstat(nfd, &st) < 0)
                        return -errno;
                if (saved == 0 && !with_last)
                        return 0;
                /* With *next cut, resolved is the path up to this component. */
                r = trust_judge(&st, resolved, owner, ret_reason);
                if (r < 0)
                        return r;
                *next = saved;
                if (saved)
                        next++;
                close(fd);
                fd = TAKE_FD(nfd);
        }
        return 0;
}
