/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "secret.h"

/* A PSK file holds one line; anything much longer is not a key file. The
 * read buffer is bounded so that a huge file never gets into memory. */
#define PSK_READ_MAX (PSK_MAX_LEN + 3)

static int reason_new(char **ret_reason, int r, const char *fmt, ...) _printf_(3, 4);
static int reason_new(char **ret_reason, int r, const char *fmt, ...) {
        va_list ap;
        char *s;

        if (!ret_reason)
                return r;
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        if (!s)
                return -ENOMEM;
        *ret_reason = s;
        return r;
}

/* Turns an open(2) failure into a reason with the fix. */
static int open_failed(int err, char **ret_reason) {
        switch (err) {
        case ENOENT:
                return reason_new(ret_reason, -ENOENT, "no such file; create it or fix the path");
        case ELOOP:
                return reason_new(ret_reason, -ELOOP,
                                  "is a symbolic link, which is refused for secrets; point the key at the real file");
        case EACCES:
                return reason_new(ret_reason, -EACCES, "permission denied; run as root or fix the file's owner");
        case ENOTDIR:
                return reason_new(ret_reason, -ENOTDIR, "a directory in the path is a file; fix the path");
        default:
                return reason_new(ret_reason, -err, "cannot open: %s", strerror(err));
        }
}

/* The checks of secret_file_check on an open fd, so that a reader checks the
 * very file it reads (no race between stat and open). */
static int check_fd(int fd, uid_t owner, char **ret_reason) {
        struct stat st;
        mode_t mode;

        if (fstat(fd, &st) < 0)
                return reason_new(ret_reason, -errno, "cannot stat: %s", strerror(errno));
        if (S_ISDIR(st.st_mode))
                return reason_new(ret_reason, -EISDIR, "is a directory, not a file; fix the path");
        if (!S_ISREG(st.st_mode))
                return reason_new(ret_reason, -EINVAL, "is not a regular file; point the key at a regular file");
        if (st.st_uid != owner) {
                if (owner == 0)
                        return reason_new(ret_reason, -EPERM, "owned by uid %u, not root; chown root it",
                                          (unsigned) st.st_uid);
                return reason_new(ret_reason, -EPERM, "owned by uid %u, not uid %u; chown %u it",
                                  (unsigned) st.st_uid, (unsigned) owner, (unsigned) owner);
        }
        mode = st.st_mode & 07777;
        if (mode & S_IRWXO)
                return reason_new(ret_reason, -EPERM, "mode %04o is %s by others; chmod 600 it", (unsigned) mode,
                                  mode & S_IROTH ? "readable" : "accessible");
        if (mode & S_IRWXG)
                return reason_new(ret_reason, -EPERM, "mode %04o is %s by group; chmod 600 it", (unsigned) mode,
                                  mode & S_IRGRP ? "readable" : "accessible");
        return 0;
}

static int open_secret(const char *path) {
        /* O_NONBLOCK: a FIFO planted at the path must not hang the reader; it
         * is then refused as not a regular file. */
        return open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

int secret_file_check(const char *path, uid_t owner, char **ret_reason) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        /* lstat first: O_NOFOLLOW's ELOOP is also what a loop gives. */
        if (lstat(path, &st) < 0)
                return open_failed(errno, ret_reason);
        if (S_ISLNK(st.st_mode))
                return open_failed(ELOOP, ret_reason);
        fd = open_secret(path);
        if (fd < 0)
                return open_failed(errno, ret_reason);
        return check_fd(fd, owner, ret_reason);
}

int psk_validate(const char *key, size_t len, char **ret_reason) {
        /* Only positions and lengths go into reasons, never the key. */
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) key[i];

                if (c < 0x21 || c > 0x7e || c == '-' || c == '~')
                        return reason_new(ret_reason, -EINVAL,
                                          "character %zu of the key is not allowed (Azure keys are printable ASCII "
                                          "without space, '-' or '~'); make a new key with 'gatewayctl genpsk'",
                                          i + 1);
        }
        if (len < PSK_MIN_LEN)
                return reason_new(ret_reason, -EINVAL,
                                  "the key has %zu characters, at least %d are required; make a new key with "
                                  "'gatewayctl genpsk'",
                                  len, PSK_MIN_LEN);
        if (len > PSK_MAX_LEN)
                return reason_new(ret_reason, -EINVAL,
                                  "the key has %zu characters, Azure allows at most %d; make a new key with "
                                  "'gatewayctl genpsk'",
                                  len, PSK_MAX_LEN);
        return 0;
}

int psk_read(const char *path, uid_t owner, char **ret_key, char **ret_reason) {
        _cleanup_close_ int fd = -EBADF;
        char buf[PSK_READ_MAX + 1];
        size_t n = 0, len;
        char *nl, *key;
        int r;

        fd = open_secret(path);
        if (fd < 0)
                return open_failed(errno, ret_reason);
        r = check_fd(fd, owner, ret_reason);
        if (r < 0)
                return r;

        while (n < PSK_READ_MAX) {
                ssize_t k = read(fd, buf + n, PSK_READ_MAX - n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = -errno;
                        explicit_bzero(buf, sizeof(buf));
                        return reason_new(ret_reason, r, "cannot read: %s", strerror(-r));
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        buf[n] = 0;

        if (n == 0)
                return reason_new(ret_reason, -EINVAL, "the file is empty; put the key on its first line");

        /* The key is the first line, without "\n" or "\r\n". */
        nl = memchr(buf, '\n', n);
        if (nl) {
                len = (size_t) (nl - buf);
                if (len > 0 && buf[len - 1] == '\r')
                        len--;
        } else if (n == PSK_READ_MAX) {
                /* No newline in the first PSK_READ_MAX bytes: too long anyway,
                 * and the length stated is a lower bound. */
                explicit_bzero(buf, sizeof(buf));
                return reason_new(ret_reason, -EINVAL,
                                  "the key's first line has more than %d characters, Azure allows at most %d; "
                                  "make a new key with 'gatewayctl genpsk'",
                                  PSK_MAX_LEN, PSK_MAX_LEN);
        } else
                len = n;

        if (len == 0) {
                explicit_bzero(buf, sizeof(buf));
                return reason_new(ret_reason, -EINVAL, "the first line is empty; put the key on the first line");
        }

        r = psk_validate(buf, len, ret_reason);
        if (r < 0) {
                explicit_bzero(buf, sizeof(buf));
                return r;
        }

        key = malloc(len + 1);
        if (!key) {
                explicit_bzero(buf, sizeof(buf));
                return -ENOMEM;
        }
        memcpy(key, buf, len);
        key[len] = 0;
        explicit_bzero(buf, sizeof(buf));
        if (ret_key)
                *ret_key = key;
        else
                secret_free(key);
        return 0;
}

char *secret_free(char *s) {
        if (!s)
                return NULL;
        explicit_bzero(s, strlen(s));
        free(s);
        return NULL;
}

int psk_generate(char *buf, size_t len) {
        static const char charset[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        /* Rejection sampling: only bytes below the largest multiple of 62 map
         * to a character, so every character is equally likely. */
        const unsigned limit = 256 - 256 % (sizeof(charset) - 1);
        uint8_t rnd[64];
        size_t have = 0, used = 0, i = 0;

        while (i < len) {
                if (used == have) {
                        ssize_t k = getrandom(rnd, sizeof(rnd), 0);

                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k <= 0) {
                                int r = k < 0 ? -errno : -EIO;

                                explicit_bzero(rnd, sizeof(rnd));
                                explicit_bzero(buf, i);
                                return r;
                        }
                        have = (size_t) k;
                        used = 0;
                }
                if (rnd[used] < limit)
                        buf[i++] = charset[rnd[used] % (sizeof(charset) - 1)];
                used++;
        }
        buf[len] = 0;
        explicit_bzero(rnd, sizeof(rnd));
        return 0;
}
