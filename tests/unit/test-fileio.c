/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The common file reader (common/fileio.h) and the daemon's two readers that
 * run inside the event loop on it: charon's credential loader
 * (apply_load_file) and the reload fingerprint. Every call that could block
 * runs under an alarm, so a reader that hangs on a FIFO kills the test. */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include "testhelp.h"

#include "apply.h"
#include "fileio.h"
#include "reload.h"
#include "settings.h"

/* Long enough for any honest read, short enough for make check. */
#define HANG_SECONDS 5

typedef enum Kind {
        K_REGULAR,
        K_SYMLINK,
        K_DIR,
        K_FIFO,
        K_MISSING,
} Kind;

static char *make(const char *dir, Kind kind, mode_t mode, const char *text) {
        char *p = NULL, *target;

        switch (kind) {
        case K_REGULAR:
                return th_write_file(dir, "f", text, mode);
        case K_SYMLINK:
                target = th_write_file(dir, "target", text, mode);
                assert_true(asprintf(&p, "%s/f", dir) > 0);
                assert_int_equal(symlink(target, p), 0);
                free(target);
                return p;
        case K_DIR:
                assert_true(asprintf(&p, "%s/d", dir) > 0);
                assert_int_equal(mkdir(p, mode), 0);
                return p;
        case K_FIFO:
                assert_true(asprintf(&p, "%s/fifo", dir) > 0);
                assert_int_equal(mkfifo(p, mode), 0);
                return p;
        case K_MISSING:
                assert_true(asprintf(&p, "%s/missing", dir) > 0);
                return p;
        }
        return NULL;
}

static void test_read_full_file(void **state) {
        static const struct {
                Kind kind;
                mode_t mode;
                ReadFileFlags flags;
                size_t max;
                const char *text;
                int ret;
        } rows[] = {
                { K_REGULAR, 0644, 0, 0, "hello\n", 0 },
                { K_REGULAR, 0644, 0, 0, "", 0 },
                { K_REGULAR, 0644, 0, 6, "hello\n", 0 },
                { K_REGULAR, 0644, 0, 5, "hello\n", -EFBIG },
                { K_REGULAR, 0600, READ_FILE_SECRET, 0, "key\n", 0 },
                { K_REGULAR, 0400, READ_FILE_SECRET, 0, "key\n", 0 },
                { K_REGULAR, 0640, READ_FILE_SECRET, 0, "key\n", -EPERM },
                { K_REGULAR, 0604, READ_FILE_SECRET, 0, "key\n", -EPERM },
                { K_REGULAR, 0610, READ_FILE_SECRET, 0, "key\n", -EPERM },
                { K_REGULAR, 0644, READ_FILE_ERASE, 0, "key\n", 0 },
                { K_SYMLINK, 0644, 0, 0, "via link\n", 0 },
                { K_SYMLINK, 0600, READ_FILE_NOFOLLOW, 0, "via link\n", -ELOOP },
                { K_DIR, 0700, 0, 0, NULL, -EISDIR },
                { K_FIFO, 0600, 0, 0, NULL, -EINVAL },
                { K_FIFO, 0600, READ_FILE_SECRET, 0, NULL, -EINVAL },
                { K_MISSING, 0, 0, 0, NULL, -ENOENT },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *dir = th_mkdtemp(), *path = NULL, *data = NULL;
                ReadFileOptions o = { .flags = rows[i].flags, .owner = getuid(), .max_size = rows[i].max };
                struct stat st = {};
                size_t size = 99;
                int r;

                path = make(dir, rows[i].kind, rows[i].mode, rows[i].text);
                alarm(HANG_SECONDS);
                r = read_full_file_at(AT_FDCWD, path, &o, &data, &size, &st);
                alarm(0);
                if (r != rows[i].ret)
                        print_message("row %zu: %d\n", i, r);
                assert_int_equal(r, rows[i].ret);
                if (r == 0) {
                        assert_int_equal(size, strlen(rows[i].text));
                        assert_string_equal(data, rows[i].text);
                } else
                        assert_null(data);
                /* The caller learns which mode or size was refused. */
                if (r == -EPERM)
                        assert_int_equal(st.st_mode & 07777, rows[i].mode);
                if (r == -EFBIG)
                        assert_int_equal(st.st_size, (off_t) strlen(rows[i].text));
                th_rmtree(dir);
        }
}

static void test_wrong_owner(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *path = NULL, *data = NULL;
        ReadFileOptions o = { .flags = READ_FILE_SECRET, .owner = getuid() + 1 };
        struct stat st = {};
        size_t size;

        path = make(dir, K_REGULAR, 0600, "key\n");
        assert_int_equal(read_full_file_at(AT_FDCWD, path, &o, &data, &size, &st), -EPERM);
        assert_int_equal(st.st_uid, getuid());
        /* Without READ_FILE_SECRET the owner is not judged. */
        o.flags = 0;
        assert_int_equal(read_full_file_at(AT_FDCWD, path, &o, &data, &size, NULL), 0);
        th_rmtree(dir);
}

static void test_relative_to_dir_fd(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *path = NULL, *data = NULL;
        _cleanup_close_ int dfd = -EBADF;
        ReadFileOptions o = {};
        size_t size;

        path = th_write_file(dir, "sub/a.conf", "[Tunnel]\n", 0644);
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        assert_int_equal(read_full_file_at(dfd, "sub/a.conf", &o, &data, &size, NULL), 0);
        assert_string_equal(data, "[Tunnel]\n");
        th_rmtree(dir);
}

static void test_open_checked_gives_fd(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *path = NULL;
        ReadFileOptions o = { .flags = READ_FILE_NOFOLLOW | READ_FILE_SECRET, .owner = getuid() };
        int fd;

        path = make(dir, K_REGULAR, 0600, "key\n");
        fd = file_open_checked(AT_FDCWD, path, &o, NULL);
        assert_true(fd >= 0);
        assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        close(fd);
        th_rmtree(dir);
}

/* /proc files report size 0; they are read in steps up to the cap. */
static void test_unsized_proc_file(void **state) {
        _cleanup_free_ char *data = NULL;
        ReadFileOptions o = { .max_size = 65536 };
        size_t size = 0;

        assert_int_equal(read_full_file_at(AT_FDCWD, "/proc/self/status", &o, &data, &size, NULL), 0);
        assert_true(size > 100);
        assert_int_equal(strlen(data), size);
        assert_non_null(strstr(data, "Pid:"));
        free(data);
        data = NULL;
        o.max_size = 16;
        assert_int_equal(read_full_file_at(AT_FDCWD, "/proc/self/status", &o, &data, &size, NULL), -EFBIG);
        assert_null(data);
}

static void test_erase_and_free(void **state) {
        _cleanup_erase_ char *s = strdup("secret");

        assert_null(erase_and_free(NULL));
        assert_null(erase_and_free(strdup("x")));
        assert_non_null(s);
}

/* charon's credential loader runs inside the event loop: a FIFO at a
 * certificate or private-key path must be refused, not block the daemon. */
static void test_load_file_fifo(void **state) {
        static const unsigned flags[] = { SETTINGS_FILE, SETTINGS_FILE | SETTINGS_PRIVATE_KEY,
                                          SETTINGS_FILE | SETTINGS_SECRET };
        _cleanup_free_ char *dir = th_mkdtemp(), *fifo = NULL;
        ConfOptions o = { .secret_owner = getuid(), .check_files = true };

        fifo = make(dir, K_FIFO, 0600, NULL);
        for (size_t i = 0; i < ELEMENTSOF(flags); i++) {
                char *data = NULL;
                size_t len = 0;
                int r;

                alarm(HANG_SECONDS);
                r = apply_load_file(&o, fifo, flags[i], &data, &len);
                alarm(0);
                assert_true(r < 0);
                assert_null(data);
        }
        th_rmtree(dir);
}

/* A private key is held to the secret-file rules when it is loaded, not
 * only when it was checked: a symlink or a group-readable key is refused. */
static void test_load_file_private_key(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *key = NULL, *link = NULL, *data = NULL, *cert = NULL;
        ConfOptions o = { .secret_owner = getuid(), .check_files = true };
        size_t len = 0;

        key = th_write_file(dir, "key.pem", "-----BEGIN PRIVATE KEY-----\n", 0600);
        assert_int_equal(apply_load_file(&o, key, SETTINGS_FILE | SETTINGS_PRIVATE_KEY, &data, &len), 0);
        assert_string_equal(data, "-----BEGIN PRIVATE KEY-----\n");
        assert_int_equal(len, strlen(data));
        data = erase_and_free(data);

        assert_true(asprintf(&link, "%s/link.pem", dir) > 0);
        assert_int_equal(symlink(key, link), 0);
        assert_int_equal(apply_load_file(&o, link, SETTINGS_FILE | SETTINGS_PRIVATE_KEY, &data, &len), -ELOOP);
        assert_int_equal(chmod(key, 0640), 0);
        assert_int_equal(apply_load_file(&o, key, SETTINGS_FILE | SETTINGS_PRIVATE_KEY, &data, &len), -EPERM);
        assert_null(data);

        /* A certificate is public: mode and symlinks are its own business. */
        cert = th_write_file(dir, "cert.pem", "-----BEGIN CERTIFICATE-----\n", 0644);
        assert_int_equal(apply_load_file(&o, cert, SETTINGS_FILE, &data, &len), 0);
        th_rmtree(dir);
}

/* A reload fingerprints the credential files: a FIFO there must not hang
 * the reload, and a file that becomes one changes the fingerprint. */
static void test_fingerprint_fifo(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *cert = NULL;
        TunnelFingerprint before, after;
        Gateway g = {};
        TestTunnel tt;

        cert = th_write_file(dir, "cert.pem", "-----BEGIN CERTIFICATE-----\n", 0644);
        th_tunnel_init(&tt, "t", true, true, "10.1.0.0/16", NULL);
        tt.t.certificate = cert;
        assert_int_equal(tunnel_fingerprint(&g, &tt.t, &before), 0);
        assert_int_equal(unlink(cert), 0);
        assert_int_equal(mkfifo(cert, 0600), 0);
        alarm(HANG_SECONDS);
        assert_int_equal(tunnel_fingerprint(&g, &tt.t, &after), 0);
        alarm(0);
        assert_memory_not_equal(before.charon, after.charon, sizeof(before.charon));
        th_rmtree(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read_full_file),
                cmocka_unit_test(test_wrong_owner),
                cmocka_unit_test(test_relative_to_dir_fd),
                cmocka_unit_test(test_open_checked_gives_fd),
                cmocka_unit_test(test_unsized_proc_file),
                cmocka_unit_test(test_erase_and_free),
                cmocka_unit_test(test_load_file_fifo),
                cmocka_unit_test(test_load_file_private_key),
                cmocka_unit_test(test_fingerprint_fifo),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
