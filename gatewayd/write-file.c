/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/stat.h>

#include "strutil.h"
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

#define WRITE_BUFFER_SIZE (64 * 1024)

typedef struct Buffer {
        const void *data;
        size_t size;
} Buffer;

static int write_buffer(FILE *f, void *userdata) {
        const Buffer *b = userdata;

        if (b->size > 0 && fwrite(b->data, b->size, 1, f) != 1)
                return errno > 0 ? -errno : -EIO;
        return 0;
}

int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode) {
        Buffer b = { .data = data, .size = size };

        if (!data && size > 0)
                return -EINVAL;
        return write_file_atomic_stream(path, mode, write_buffer, &b);
}

int write_file_atomic_stream(const char *path, mode_t mode, int (*write)(FILE *f, void *userdata), void *userdata) {
        _cleanup_free_ char *copy_dir = NULL, *copy_base = NULL, *tmp = NULL;
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int fd = -EBADF;
        FILE *f;
        const char *dir, *base;
        int r;

        if (isempty(path) || !write)
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
        buf = malloc(WRITE_BUFFER_SIZE); /* freed after fclose (declared first) */

        /* mkostemp makes 0600; the umask does not apply to fchmod. */
        if (fchmod(fd, mode) < 0)
                r = -errno;
        else if (!(f = fdopen(fd, "w")))
                r = -errno;
        else {
                TAKE_FD(fd); /* the stream's now: fclose closes it */
                /* Fewer, larger writes than st_blksize's 4 KiB (glibc
                 * takes a size only with a buffer). */
                if (buf)
                        (void) setvbuf(f, buf, _IOFBF, WRITE_BUFFER_SIZE);
                errno = 0;
                r = write(f, userdata);
                if (r >= 0 && (fflush(f) != 0 || ferror(f)))
                        r = errno > 0 ? -errno : -EIO;
                /* fclose reports late write errors (NFS); do it before the rename. */
                if (fclose(f) != 0 && r >= 0)
                        r = errno > 0 ? -errno : -EIO;
        }
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }
        return 0;
}

int write_memory(int (*write)(FILE *f, void *userdata), void *userdata, char **ret_text, size_t *ret_size) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        if (!write || !ret_text)
                return -EINVAL;
        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        r = write(f, userdata);
        if (r < 0) {
                fclose(f);
                return r;
        }
        r = memstream_finish(&f, &text, ret_text);
        if (r < 0)
                return r;
        if (ret_size)
                *ret_size = size;
        return 0;
}
