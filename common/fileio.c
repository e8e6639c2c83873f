/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>

#include "fileio.h"

/* How often a file that changes size under the reader is read again. */
#define READ_ATTEMPTS 3

void *erase_and_free(void *p) {
        if (!p)
                return NULL;
        /* The whole allocation: a secret may have been read into any of it. */
        explicit_bzero(p, malloc_usable_size(p));
        free(p);
        return NULL;
}

static int judge(const struct stat *st, const ReadFileOptions *o) {
        if (S_ISDIR(st->st_mode))
                return -EISDIR;
        if (!S_ISREG(st->st_mode))
                return -EINVAL;
        if (o->flags & READ_FILE_SECRET) {
                if (st->st_uid != o->owner)
                        return -EPERM;
                if (st->st_mode & (S_IRWXG | S_IRWXO))
                        return -EPERM;
        }
        if (o->max_size > 0 && (uintmax_t) st->st_size > (uintmax_t) o->max_size)
                return -EFBIG;
        return 0;
}

int file_open_checked(int dir_fd, const char *path, const ReadFileOptions *o, struct stat *ret_st) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, r;

        if (!path || !o)
                return -EINVAL;
        if (o->flags & READ_FILE_NOFOLLOW)
                flags |= O_NOFOLLOW;
        fd = openat(dir_fd, path, flags);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (ret_st)
                *ret_st = st;
        r = judge(&st, o);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}

static void buffer_drop(char **buf, bool erase) {
        if (erase)
                *buf = erase_and_free(*buf);
        else {
                free(*buf);
                *buf = NULL;
        }
}

/* One attempt: reads fd (now at offset 0) into a buffer of st_size + 1 and
 * checks that the file ended where fstat said. -EAGAIN: it did not. */
static int read_once(int fd, const struct stat *st, bool erase, char **ret, size_t *ret_size) {
        size_t want = (size_t) st->st_size, done = 0;
        char *buf, extra;
        ssize_t n;

        buf = malloc(want + 1);
        if (!buf)
                return -ENOMEM;
        while (done < want) {
                n = read(fd, buf + done, want - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = -errno;

                        buffer_drop(&buf, erase);
                        return r;
                }
                if (n == 0)
                        break; /* shrank meanwhile */
                done += (size_t) n;
        }
        do
                n = read(fd, &extra, 1);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                int r = -errno;

                buffer_drop(&buf, erase);
                return r;
        }
        if (done < want || n > 0) {
                if (erase)
                        explicit_bzero(&extra, sizeof(extra));
                buffer_drop(&buf, erase);
                return -EAGAIN;
        }
        buf[done] = 0;
        *ret = buf;
        *ret_size = done;
        return 0;
}

/* A file whose size fstat does not know (st_size 0: /proc, sysfs): read in
 * growing steps up to max_size. Each step copies into a new buffer and
 * erases the old one, so that this path too leaves no stray copy. */
static int read_unsized(int fd, size_t max_size, bool erase, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t allocated = 0, done = 0;

        for (;;) {
                ssize_t n;

                if (done == allocated) {
                        size_t want = allocated ? allocated * 2 : 4096;
                        char *nb;

                        if (allocated > max_size) {
                                buffer_drop(&buf, erase);
                                return -EFBIG;
                        }
                        nb = malloc(want + 1);
                        if (!nb) {
                                buffer_drop(&buf, erase);
                                return -ENOMEM;
                        }
                        if (done > 0)
                                memcpy(nb, buf, done);
                        buffer_drop(&buf, erase);
                        buf = nb;
                        allocated = want;
                }
                n = read(fd, buf + done, allocated - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = -errno;

                        buffer_drop(&buf, erase);
                        return r;
                }
                if (n == 0)
                        break;
                done += (size_t) n;
                if (done > max_size) {
                        buffer_drop(&buf, erase);
                        return -EFBIG;
                }
        }
        buf[done] = 0;
        *ret = TAKE_PTR(buf);
        *ret_size = done;
        return 0;
}

int read_full_file_at(int dir_fd, const char *path, const ReadFileOptions *o, char **ret_data, size_t *ret_size,
                      struct stat *ret_st) {
        _cleanup_close_ int fd = -EBADF;
        bool erase;
        struct stat st;
        int r;

        if (!o || !ret_data || !ret_size)
                return -EINVAL;
        erase = o->flags & (READ_FILE_SECRET | READ_FILE_ERASE);
        fd = file_open_checked(dir_fd, path, o, ret_st);
        if (fd < 0)
                return fd;
        for (unsigned attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
                /* Judged again each time: a file that changed size may have
                 * grown past the cap. */
                if (fstat(fd, &st) < 0)
                        return -errno;
                if (ret_st)
                        *ret_st = st;
                r = judge(&st, o);
                if (r < 0)
                        return r;
                if (st.st_size == 0 && o->max_size > 0)
                        return read_unsized(fd, o->max_size, erase, ret_data, ret_size);
                if (lseek(fd, 0, SEEK_SET) < 0)
                        return -errno;
                r = read_once(fd, &st, erase, ret_data, ret_size);
                if (r != -EAGAIN)
                        return r;
        }
        return -EBUSY;
}
