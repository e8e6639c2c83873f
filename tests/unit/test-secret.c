/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"
#include "testhelp.h"

/* A key of n characters cycling through a distinctive alphabet, so that a
 * reason that leaked it would be found by strstr. */
static char *make_key(size_t n) {
        static const char alphabet[] = "Qz9!Wx8#Kp7$";
        char *s = malloc(n + 1);

        assert_non_null(s);
        for (size_t i = 0; i < n; i++)
                s[i] = alphabet[i % (sizeof(alphabet) - 1)];
        s[n] = 0;
        return s;
}

static void test_psk_validate(void **state) {
        static const struct {
                size_t len;
                int pos;        /* 1-based position to overwrite, 0 = none */
                char ch;
                int ret;
                const char *needle;
        } rows[] = {
                { 23, 0, 0, -EINVAL, "the key has 23 characters, at least 24" },
                { 24, 0, 0, 0, NULL },
                { 32, 0, 0, 0, NULL },
                { 128, 0, 0, 0, NULL },
                { 129, 0, 0, -EINVAL, "the key has 129 characters, Azure allows at most 128" },
                { 0, 0, 0, -EINVAL, "the key has 0 characters" },
                { 30, 5, '-', -EINVAL, "character 5 of the key is not allowed" },
                { 30, 1, '~', -EINVAL, "character 1 of the key is not allowed" },
                { 30, 30, ' ', -EINVAL, "character 30 of the key is not allowed" },
                { 30, 7, '\t', -EINVAL, "character 7 " },
                { 30, 7, '\x01', -EINVAL, "character 7 " },
                { 30, 7, '\x7f', -EINVAL, "character 7 " },
                { 30, 7, '\xc3', -EINVAL, "character 7 " },
                /* Every other printable character is allowed. */
                { 30, 3, '!', 0, NULL },
                { 30, 3, '"', 0, NULL },
                { 30, 3, '\\', 0, NULL },
                { 30, 3, '}', 0, NULL },
                { 30, 3, '_', 0, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *key = make_key(rows[i].len), *reason = NULL;
                int r;

                if (rows[i].pos > 0)
                        key[rows[i].pos - 1] = rows[i].ch;
                r = psk_validate(key, rows[i].len, &reason);
                if (r != rows[i].ret)
                        print_message("row %zu: %d (%s)\n", i, r, reason ? reason : "-");
                assert_int_equal(r, rows[i].ret);
                if (r == 0) {
                        assert_null(reason);
                        continue;
                }
                assert_non_null(reason);
                if (!strstr(reason, rows[i].needle))
                        print_message("row %zu: reason '%s'\n", i, reason);
                assert_non_null(strstr(reason, rows[i].needle));
                /* The reason names positions, never the key. */
                if (rows[i].len >= 8)
                        assert_null(strstr(reason, key + rows[i].len - 8));
                assert_null(strstr(reason, "Qz9!"));
        }
}

typedef enum FileKind { F_REGULAR, F_SYMLINK, F_MISSING, F_DIR, F_FIFO, F_OTHER_OWNER } FileKind;

/* Creates the object the row describes at dir/f and returns its path. */
static char *make_object(const char *dir, FileKind kind, mode_t mode, const char *text) {
        char *p = NULL, *target;

        switch (kind) {
        case F_REGULAR:
        case F_OTHER_OWNER:
                p = th_write_file(dir, "f", text, mode);
                if (kind == F_OTHER_OWNER && getuid() == 0)
                        assert_int_equal(chown(p, 65534, 65534), 0);
                return p;
        case F_SYMLINK:
                target = th_write_file(dir, "target", text, 0600);
                assert_true(asprintf(&p, "%s/f", dir) > 0);
                assert_int_equal(symlink(target, p), 0);
                free(target);
                return p;
        case F_MISSING:
                assert_true(asprintf(&p, "%s/missing", dir) > 0);
                return p;
        case F_DIR:
                assert_true(asprintf(&p, "%s/d", dir) > 0);
                assert_int_equal(mkdir(p, 0700), 0);
                return p;
        case F_FIFO:
                assert_true(asprintf(&p, "%s/fifo", dir) > 0);
                assert_int_equal(mkfifo(p, 0600), 0);
                return p;
        }
        return NULL;
}

/* The owner the check expects: ourselves, except for F_OTHER_OWNER rows,
 * where the file belongs to someone else (root as non-root, nobody as root). */
static uid_t expected_owner(FileKind kind) {
        if (kind == F_OTHER_OWNER)
                return getuid() == 0 ? 0 : getuid() + 1;
        return getuid();
}

static void test_secret_file_check(void **state) {
        static const struct {
                FileKind kind;
                mode_t mode;
                int ret;
                const char *needle;
        } rows[] = {
                { F_REGULAR, 0600, 0, NULL },
                { F_REGULAR, 0400, 0, NULL },
                { F_REGULAR, 0700, -EPERM, "mode 0700 is not 0600 or 0400" },
                { F_REGULAR, 0500, -EPERM, "mode 0500 is not 0600 or 0400" },
                { F_REGULAR, 0200, -EPERM, "mode 0200 is not 0600 or 0400" },
                { F_REGULAR, 04600, -EPERM, "mode 4600 is not 0600 or 0400" },
                { F_REGULAR, 0644, -EPERM, "mode 0644 is readable by others; chmod 600 it" },
                { F_REGULAR, 0604, -EPERM, "mode 0604 is readable by others; chmod 600 it" },
                { F_REGULAR, 0602, -EPERM, "mode 0602 is accessible by others; chmod 600 it" },
                { F_REGULAR, 0640, -EPERM, "mode 0640 is readable by group; chmod 600 it" },
                { F_REGULAR, 0620, -EPERM, "mode 0620 is accessible by group; chmod 600 it" },
                { F_SYMLINK, 0600, -ELOOP, "is a symbolic link" },
                { F_MISSING, 0600, -ENOENT, "no such file" },
                { F_DIR, 0700, -EISDIR, "is a directory" },
                { F_FIFO, 0600, -EINVAL, "is not a regular file" },
                { F_OTHER_OWNER, 0600, -EPERM, "owned by uid " },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *dir = th_mkdtemp(), *path = NULL, *reason = NULL;
                int r;

                path = make_object(dir, rows[i].kind, rows[i].mode, "0123456789abcdefghijklmnop\n");
                r = secret_file_check(path, expected_owner(rows[i].kind), &reason);
                if (r != rows[i].ret)
                        print_message("row %zu: %d (%s)\n", i, r, reason ? reason : "-");
                assert_int_equal(r, rows[i].ret);
                if (rows[i].needle) {
                        assert_non_null(reason);
                        if (!strstr(reason, rows[i].needle))
                                print_message("row %zu: reason '%s'\n", i, reason);
                        assert_non_null(strstr(reason, rows[i].needle));
                } else
                        assert_null(reason);
                th_rmtree(dir);
        }
}

static void test_wrong_owner_message(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *path = NULL, *reason = NULL;
        char want[64];

        path = make_object(dir, F_OTHER_OWNER, 0600, "x\n");
        assert_int_equal(secret_file_check(path, expected_owner(F_OTHER_OWNER), &reason), -EPERM);
        if (getuid() == 0)
                snprintf(want, sizeof(want), "owned by uid 65534, not root; chown root it");
        else
                snprintf(want, sizeof(want), "owned by uid %u, not uid %u; chown %u it", (unsigned) getuid(),
                         (unsigned) getuid() + 1, (unsigned) getuid() + 1);
        assert_string_equal(reason, want);
        th_rmtree(dir);
}

static void test_psk_read(void **state) {
        _cleanup_free_ char *k24 = make_key(24), *k128 = make_key(128), *k129 = make_key(129), *k200 = make_key(200);
        _cleanup_free_ char *k128crlf = NULL, *k129nl = NULL, *kbad = NULL;

        assert_true(asprintf(&k128crlf, "%s\r\n", k128) > 0);
        assert_true(asprintf(&k129nl, "%s\n", k129) > 0);
        assert_true(asprintf(&kbad, "%.9s-%s\n", k24, k24) > 0);

        const struct {
                FileKind kind;
                mode_t mode;
                const char *text;
                int ret;
                const char *key;        /* expected key on success */
                const char *needle;     /* expected reason otherwise */
        } rows[] = {
                { F_REGULAR, 0600, "abcdefghijklmnopqrstuvwx\n", 0, "abcdefghijklmnopqrstuvwx", NULL },
                { F_REGULAR, 0400, "abcdefghijklmnopqrstuvwx", 0, "abcdefghijklmnopqrstuvwx", NULL },
                { F_REGULAR, 0600, "abcdefghijklmnopqrstuvwx\r\n", 0, "abcdefghijklmnopqrstuvwx", NULL },
                { F_REGULAR, 0600, "abcdefghijklmnopqrstuvwx\nsecond line\n", -EINVAL, NULL, "more than one line" },
                { F_REGULAR, 0600, "abcdefghijklmnopqrstuvwx\r\n\r\n\n", 0, "abcdefghijklmnopqrstuvwx", NULL },
                { F_REGULAR, 0600, "abcdefghijklmnopqrstuvwx\n \n", -EINVAL, NULL, "more than one line" },
                { F_REGULAR, 0700, "abcdefghijklmnopqrstuvwx\n", -EPERM, NULL, "mode 0700 is not 0600 or 0400" },
                { F_REGULAR, 0600, k24, 0, k24, NULL },
                { F_REGULAR, 0600, k128crlf, 0, k128, NULL },
                { F_REGULAR, 0600, k129nl, -EINVAL, NULL, "129 characters" },
                { F_REGULAR, 0600, k200, -EINVAL, NULL, "more than 128 characters" },
                { F_REGULAR, 0600, "", -EINVAL, NULL, "the file is empty" },
                { F_REGULAR, 0600, "\nabcdefghijklmnopqrstuvwx\n", -EINVAL, NULL, "first line is empty" },
                { F_REGULAR, 0600, "short\n", -EINVAL, NULL, "the key has 5 characters" },
                { F_REGULAR, 0600, "abcdefghijklmnopqrstuvwx \n", -EINVAL, NULL, "character 25 " },
                { F_REGULAR, 0600, "abcdefghijklmnopqrstuvwx\r", -EINVAL, NULL, "character 25 " },
                { F_REGULAR, 0600, kbad, -EINVAL, NULL, "character 10 " },
                { F_REGULAR, 0644, "abcdefghijklmnopqrstuvwx\n", -EPERM, NULL, "mode 0644 is readable by others" },
                { F_REGULAR, 0640, "abcdefghijklmnopqrstuvwx\n", -EPERM, NULL, "mode 0640 is readable by group" },
                { F_SYMLINK, 0600, "abcdefghijklmnopqrstuvwx\n", -ELOOP, NULL, "symbolic link" },
                { F_MISSING, 0600, "", -ENOENT, NULL, "no such file" },
                { F_DIR, 0700, "", -EISDIR, NULL, "is a directory" },
                { F_FIFO, 0600, "", -EINVAL, NULL, "not a regular file" },
                { F_OTHER_OWNER, 0600, "abcdefghijklmnopqrstuvwx\n", -EPERM, NULL, "owned by uid" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *dir = th_mkdtemp(), *path = NULL, *reason = NULL;
                _cleanup_secret_ char *key = NULL;
                int r;

                path = make_object(dir, rows[i].kind, rows[i].mode, rows[i].text);
                r = psk_read(path, expected_owner(rows[i].kind), &key, &reason);
                if (r != rows[i].ret)
                        print_message("row %zu: %d (%s)\n", i, r, reason ? reason : "-");
                assert_int_equal(r, rows[i].ret);
                if (r == 0) {
                        assert_string_equal(key, rows[i].key);
                        assert_null(reason);
                } else {
                        assert_null(key);
                        assert_non_null(reason);
                        if (!strstr(reason, rows[i].needle))
                                print_message("row %zu: reason '%s'\n", i, reason);
                        assert_non_null(strstr(reason, rows[i].needle));
                        /* Never any part of the file's text in a reason. */
                        assert_null(strstr(reason, "abcdefgh"));
                        assert_null(strstr(reason, "Qz9!"));
                }
                th_rmtree(dir);
        }
}

static void test_psk_generate(void **state) {
        char a[PSK_GENERATED_LEN + 1], b[PSK_GENERATED_LEN + 1];
        static char big[20001];
        bool seen[256] = {};
        size_t distinct = 0;

        memset(a, 'X', sizeof(a));
        assert_int_equal(psk_generate(a, PSK_GENERATED_LEN), 0);
        assert_int_equal(strlen(a), PSK_GENERATED_LEN);
        assert_int_equal(psk_validate(a, strlen(a), NULL), 0);
        assert_int_equal(psk_generate(b, PSK_GENERATED_LEN), 0);
        assert_string_not_equal(a, b);

        /* Every one of the 62 characters shows up, nothing else does (a
         * missing one by chance: 62 * (61/62)^20000, about 1e-139). */
        assert_int_equal(psk_generate(big, sizeof(big) - 1), 0);
        for (size_t i = 0; i < sizeof(big) - 1; i++) {
                unsigned char ch = (unsigned char) big[i];

                assert_true((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'));
                if (!seen[ch]) {
                        seen[ch] = true;
                        distinct++;
                }
        }
        assert_int_equal(distinct, 62);

        assert_int_equal(psk_generate(a, 0), 0);
        assert_string_equal(a, "");
}

static void test_secret_free(void **state) {
        assert_null(secret_free(NULL));
        assert_null(secret_free(strdup("abc")));
}

/* genpsk FILE: created 0600 whatever the umask, readable by psk_read, never
 * over an existing file or through a symlink; and the "> file" warning. */
static void test_psk_file_create(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *path = NULL, *link = NULL, *other = NULL;
        _cleanup_secret_ char *key = NULL;
        char gen[PSK_GENERATED_LEN + 1];
        struct stat st;
        mode_t old;
        int fd;

        assert_true(asprintf(&path, "%s/k", dir) > 0);
        assert_int_equal(psk_generate(gen, PSK_GENERATED_LEN), 0);
        old = umask(0);
        assert_int_equal(psk_file_create(path, gen), 0);
        umask(old);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(st.st_size, PSK_GENERATED_LEN + 1);
        assert_int_equal(psk_read(path, getuid(), &key, NULL), 0);
        assert_string_equal(key, gen);

        /* Never overwritten, the old key stays. */
        assert_int_equal(psk_file_create(path, "another-key-of-enough-length"), -EEXIST);
        key = secret_free(key);
        assert_int_equal(psk_read(path, getuid(), &key, NULL), 0);
        assert_string_equal(key, gen);

        /* Not through a symlink, dangling or not. */
        link = th_write_file(dir, "target", "x\n", 0644);
        free(link);
        assert_true(asprintf(&link, "%s/l", dir) > 0);
        assert_true(asprintf(&other, "%s/dangling", dir) > 0);
        assert_int_equal(symlink(other, link), 0);
        assert_int_equal(psk_file_create(link, gen), -EEXIST);
        assert_int_equal(access(other, F_OK), -1);

        /* The warning of "genpsk > file": a 0644 file yes, 0600 or a pipe no. */
        fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_false(file_is_exposed(fd));
        assert_int_equal(fchmod(fd, 0640), 0);
        assert_true(file_is_exposed(fd));
        close(fd);
        {
                int p[2];

                assert_int_equal(pipe(p), 0);
                assert_false(file_is_exposed(p[1]));
                close(p[0]);
                close(p[1]);
        }
        explicit_bzero(gen, sizeof(gen));
        th_rmtree(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_psk_validate),
                cmocka_unit_test(test_secret_file_check),
                cmocka_unit_test(test_wrong_owner_message),
                cmocka_unit_test(test_psk_read),
                cmocka_unit_test(test_psk_generate),
                cmocka_unit_test(test_secret_free),
                cmocka_unit_test(test_psk_file_create),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
