/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>

#include "write-file.h"

/* mkdir -p of dir, each new component with mode. */
static int mkdir_parents(const char *dir, mode_t mode) {
        _cleanup_free_ char *p = strdup(dir);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                bool last = *s == '\0';

                if (*s != '/' && !last)
                        continue;
                *s = '\0';
                if (mkdir(p, mode) >= 0) {
                        /* The mode asked for, not what the umask leaves of it. */
                        if (chmod(p, mode) < 0)
                                return -errno;
                } else if (errno != EEXIST)
                        return -errno;
                if (last)
                        return 0;
                *s = '/';
        }
}

static int write_all(int fd, const void *data, size_t size) {
        const char *p = data;

        while (size > 0) {
                ssize_t n = write(fd, p, size);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                size -= (size_t) n;
        }
        return 0;
}

int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode) {
        _cleanup_free_ char *copy_dir = NULL, *copy_base = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *dir, *base;
        int r;

        if (isempty(path) || (!data && size > 0))
                return -EINVAL;
        copy_dir = strdup(path);
        copy_base = strdup(path);
        if (!copy_dir || !copy_base)
                return -ENOMEM;
        dir = dirname(copy_dir);
        base = basename(copy_base);
        if (streq(base, "/") || streq(base, ".") || streq(base, ".."))
                return -EISDIR;
        if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, base) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }

        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
                r = mkdir_parents(dir, 0755);
                if (r < 0)
                        return r;
                /* A failed mkostemp may leave its guess in the template. */
                memcpy(tmp + strlen(tmp) - 6, "XXXXXX", 6);
                fd = mkostemp(tmp, O_CLOEXEC);
        }
        if (fd < 0)
                return -errno;

        /* mkostemp makes 0600; the umask does not apply to fchmod. */
        r = fchmod(fd, mode);
        if (r >= 0)
                r = write_all(fd, data, size);
        else
                r = -errno;
        if (r >= 0) {
                /* close reports late write errors (NFS); do it before the rename. */
                r = close(TAKE_FD(fd)) < 0 ? -errno : 0;
        }
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }
        return 0;
}
