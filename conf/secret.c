/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "fileio.h"
#include "secret.h"

/* A first line this long is not a key of at most PSK_MAX_LEN characters
 * (plus "\r\n"), whatever it is. */
#define PSK_LINE_MAX (PSK_MAX_LEN + 3)
/* A PSK file holds one line; a file much larger is not a key file, and is
 * refused before it gets into memory. */
#define PSK_FILE_MAX 4096

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

/* The requirements of a secret file, for file_open_checked(). */
static ReadFileOptions secret_options(uid_t owner, size_t max_size) {
        return (ReadFileOptions) {
                .flags = READ_FILE_NOFOLLOW | READ_FILE_SECRET,
                .owner = owner,
                .max_size = max_size,
        };
}

/* Turns a refusal of file_open_checked() or read_full_file_at() into a reason
 * with the fix; st is what fstat said of the opened file. */
static int refused(int r, const struct stat *st, uid_t owner, char **ret_reason) {
        mode_t mode = st->st_mode & 07777;

        switch (r) {
        case -EISDIR:
                return reason_new(ret_reason, r, "is a directory, not a file; fix the path");
        case -EINVAL:
                return reason_new(ret_reason, r, "is not a regular file; point the key at a regular file");
        case -EFBIG:
                return reason_new(ret_reason, r,
                                  "the file has %lld bytes, too many for a key file (one line); "
                                  "make a new key with 'gatewayctl genpsk'",
                                  (long long) st->st_size);
        case -EPERM:
                break;
        default:
                return open_failed(-r, ret_reason);
        }
        if (st->st_uid != owner) {
                if (owner == 0)
                        return reason_new(ret_reason, -EPERM, "owned by uid %u, not root; chown root it",
                                          (unsigned) st->st_uid);
                return reason_new(ret_reason, -EPERM, "owned by uid %u, not uid %u; chown %u it",
                                  (unsigned) st->st_uid, (unsigned) owner, (unsigned) owner);
        }
        if (mode & S_IRWXO)
                return reason_new(ret_reason, -EPERM, "mode %04o is %s by others; chmod 600 it", (unsigned) mode,
                                  mode & S_IROTH ? "readable" : "accessible");
        if (mode & S_IRWXG)
                return reason_new(ret_reason, -EPERM, "mode %04o is %s by group; chmod 600 it", (unsigned) mode,
                                  mode & S_IRGRP ? "readable" : "accessible");
        return reason_new(ret_reason, -EPERM,
                          "mode %04o is not 0600 or 0400 (a key file is read and written by its owner only, "
                          "without execute or special bits); chmod 600 it",
                          (unsigned) mode);
}

int secret_file_check(const char *path, uid_t owner, char **ret_reason) {
        ReadFileOptions o = secret_options(owner, 0);
        struct stat st = {};
        int fd;

        /* lstat first: O_NOFOLLOW's ELOOP is also what a loop gives. */
        if (lstat(path, &st) < 0)
                return open_failed(errno, ret_reason);
        if (S_ISLNK(st.st_mode))
                return open_failed(ELOOP, ret_reason);
        fd = file_open_checked(AT_FDCWD, path, &o, &st);
        if (fd < 0)
                return refused(fd, &st, owner, ret_reason);
        close(fd);
        return 0;
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
        ReadFileOptions o = secret_options(owner, PSK_FILE_MAX);
        _cleanup_erase_ char *buf = NULL;
        struct stat st = {};
        size_t n = 0, len;
        char *nl, *key;
        int r;

        r = read_full_file_at(AT_FDCWD, path, &o, &buf, &n, &st);
        if (r < 0) {
                if (r == -ENOMEM)
                        return r;
                if (r == -EPERM || r == -EISDIR || r == -EINVAL || r == -EFBIG || r == -ELOOP || r == -ENOENT ||
                    r == -EACCES || r == -ENOTDIR)
                        return refused(r, &st, owner, ret_reason);
                return reason_new(ret_reason, r, "cannot read: %s", strerror(-r));
        }
        if (n == 0)
                return reason_new(ret_reason, -EINVAL, "the file is empty; put the key on its first line");

        /* The key is the first line, without "\n" or "\r\n". */
        nl = memchr(buf, '\n', n);
        len = nl ? (size_t) (nl - buf) : n;
        if (len >= PSK_LINE_MAX)
                /* Far too long: the length is not worth stating exactly. */
                return reason_new(ret_reason, -EINVAL,
                                  "the key's first line has more than %d characters, Azure allows at most %d; "
                                  "make a new key with 'gatewayctl genpsk'",
                                  PSK_MAX_LEN, PSK_MAX_LEN);
        if (nl && len > 0 && buf[len - 1] == '\r')
                len--;
        if (len == 0)
                return reason_new(ret_reason, -EINVAL, "the first line is empty; put the key on the first line");
        /* One line: after it only line ends. A second line would be dropped
         * silently, and may be a second key or a half-pasted one. */
        if (nl && strspn(nl + 1, "\r\n") != n - (size_t) (nl + 1 - buf))
                return reason_new(ret_reason, -EINVAL,
                                  "the file has more than one line; a key file holds the key alone on its one line "
                                  "(remove the others, or make a new key with 'gatewayctl genpsk FILE')");

        r = psk_validate(buf, len, ret_reason);
        if (r < 0)
                return r;

        key = strndup(buf, len);
        if (!key)
                return -ENOMEM;
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

int psk_file_create(const char *path, const char *key) {
        size_t len = strlen(key);
        int fd, r = 0;

        /* O_EXCL: never overwrite (a key in use would be lost); O_NOFOLLOW:
         * not through a symlink planted at the path. fchmod because the umask
         * may have taken bits away from 0600 (0400 would still do, but a
         * file gatewayctl made should look the same every time). */
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, 0600) < 0)
                r = -errno;
        for (size_t done = 0; r == 0 && done <= len;) {
                /* The key, then its newline. */
                const char *buf = done < len ? key + done : "\n";
                size_t n = done < len ? len - done : 1;
                ssize_t k = write(fd, buf, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        r = k < 0 ? -errno : -EIO;
                else
                        done += (size_t) k;
        }
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r < 0)
                (void) unlink(path); /* ours: O_EXCL made it */
        return r;
}

bool file_is_exposed(int fd) {
        struct stat st;

        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return false;
        return (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
}
