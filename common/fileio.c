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
                /* Exactly 0600 or 0400 (README, "Config format in
                 * brief"): no group or other bits, and no execute,
                 * write-only or special bits either. */
                if ((st->st_mode & 07777) != 0600 && (st->st_mode & 07777) != 0400)
                        return -EPERM;
        }
        if (o->max_size > 0 && (uintmax_t) st->st_size > (uintmax_t) o->max_size)
                return -EFBIG;
        return 0;
}

/* fstat(fd) into *st, then judge it. */
static int fd_judge(int fd, const ReadFileOptions *o, struct stat *st) {
        if (fstat(fd, st) < 0)
                return -errno;
        return judge(st, o);
}

int file_open_checked(int dir_fd, const char *path, const ReadFileOptions *o, struct stat *ret_st) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st = {};
        int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, r;

        if (!path || !o)
                return -EINVAL;
        if (o->flags & READ_FILE_NOFOLLOW)
                flags |= O_NOFOLLOW;
        fd = openat(dir_fd, path, flags);
        if (fd < 0)
                return -errno;
        r = fd_judge(fd, o, &st);
        if (ret_st)
                *ret_st = st;
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

/* Moves buf's first used bytes into a new buffer of size bytes (erasing the
 * old one: no stray copy of a secret is left in the heap). */
static int buffer_grow(char **buf, size_t used, size_t size, bool erase) {
        char *nb = malloc(size);

        if (!nb)
                return -ENOMEM;
        if (used > 0)
                memcpy(nb, *buf, used);
        buffer_drop(buf, erase);
        *buf = nb;
        return 0;
}

/* Reads fd (at offset 0) to its end. A file whose size fstat knows is read
 * into st_size + 1 bytes, the last one only there to notice a file that grew:
 * -EAGAIN when it did not end where fstat said (read it again). A file of
 * unknown size (st_size 0: /proc) is read in doubling steps up to max_size
 * (-EFBIG past it). */
static int read_all(int fd, const struct stat *st, size_t max_size, bool erase, char **ret, size_t *ret_size) {
        bool sized = st->st_size > 0;
        size_t allocated = sized ? (size_t) st->st_size + 1 : 0, done = 0;
        char *buf = NULL;
        int r;

        if (sized) {
                buf = malloc(allocated);
                if (!buf)
                        return -ENOMEM;
        }
        for (;;) {
                ssize_t n;

                if (done == allocated) {
                        r = sized ? -EAGAIN : max_size > 0 && allocated > max_size ? -EFBIG : 0;
                        if (r == 0)
                                r = buffer_grow(&buf, done, allocated ? allocated * 2 : 4096, erase);
                        if (r < 0) {
                                buffer_drop(&buf, erase);
                                return r;
                        }
                        allocated = allocated ? allocated * 2 : 4096;
                }
                n = read(fd, buf + done, allocated - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? -errno : sized && done < (size_t) st->st_size ? -EAGAIN : 0;
                        if (r < 0) {
                                buffer_drop(&buf, erase);
                                return r;
                        }
                        break;
                }
                done += (size_t) n;
        }
        if (done > max_size && max_size > 0) {
                buffer_drop(&buf, erase);
                return -EFBIG;
        }
        buf[done] = 0; /* done < allocated: the last read found the end */
        *ret = buf;
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
        fd = file_open_checked(dir_fd, path, o, &st);
        if (ret_st)
                *ret_st = st;
        if (fd < 0)
                return fd;
        for (unsigned attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
                if (attempt > 0) {
                        /* It changed size while read: judged again (it may
                         * have grown past the cap), and read from the start. */
                        r = fd_judge(fd, o, &st);
                        if (ret_st)
                                *ret_st = st;
                        if (r < 0)
                                return r;
                        if (lseek(fd, 0, SEEK_SET) < 0)
                                return -errno;
                }
                r = read_all(fd, &st, o->max_size, erase, ret_data, ret_size);
                if (r != -EAGAIN)
                        return r;
        }
        return -EBUSY;
}
