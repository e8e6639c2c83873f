/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "testhelp.h"

extern char **environ;

static void print_all(const DiagList *d) {
        for (size_t i = 0; i < d->n; i++) {
                _cleanup_free_ char *s = diag_format(&d->items[i]);
                print_message("  diag: %s\n", s ? s : "(oom)");
        }
}

void _assert_diag(const DiagList *d, DiagLevel level, const char *path, unsigned line,
                  const char *needle, const char *file, int fline) {
        for (size_t i = 0; i < d->n; i++) {
                const Diag *x = &d->items[i];
                if (x->level == level && streq_ptr(x->path, path) && x->line == line &&
                    strstr(x->message, needle))
                        return;
        }
        print_message("expected %s at %s:%u containing '%s'; have:\n", diag_level_to_string(level),
                      path ? path : "(none)", line, needle);
        print_all(d);
        _fail(file, fline);
}

void _assert_no_errors(const DiagList *d, const char *file, int fline) {
        if (d->n_errors == 0)
                return;
        print_message("expected no errors; have:\n");
        print_all(d);
        _fail(file, fline);
}

char *th_mkdtemp(void) {
        const char *tmp = getenv("TMPDIR");
        char *p = NULL;

        assert_true(asprintf(&p, "%s/gwtest.XXXXXX", tmp ? tmp : "/tmp") > 0);
        assert_non_null(mkdtemp(p));
        return p;
}

static void mkparents(char *path) {
        for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = 0;
                (void) mkdir(path, 0755);
                *s = '/';
        }
}

char *th_write_file(const char *dir, const char *rel, const char *text, mode_t mode) {
        char *p = NULL;
        int fd;
        size_t n = strlen(text);

        assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
        mkparents(p);
        (void) unlink(p);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, n), (ssize_t) n);
        assert_int_equal(fchmod(fd, mode), 0);
        close(fd);
        return p;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(p);
}

void th_rmtree(const char *dir) {
        if (!dir || strncmp(dir, "/tmp", 4) != 0)
                if (!dir || !getenv("TMPDIR") || strncmp(dir, getenv("TMPDIR"), strlen(getenv("TMPDIR"))) != 0)
                        return;
        (void) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int th_run(char *const argv[]) {
        posix_spawn_file_actions_t fa;
        pid_t pid;
        int r, status;

        posix_spawn_file_actions_init(&fa);
        if (!getenv("TH_VERBOSE")) {
                posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
                posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        }
        r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return -r;
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

void th_tunnel_init(TestTunnel *tt, const char *name, bool fail_closed, bool enabled, const char *p0,
                    const char *p1) {
        const char *in[] = { p0, p1 };

        *tt = (TestTunnel) {};
        tt->t.name = (char *) name;
        tt->t.fail_closed = fail_closed;
        tt->t.enabled = enabled;
        tt->t.tcp_mss_clamp = 1350;
        for (size_t i = 0; i < ELEMENTSOF(in); i++)
                if (in[i]) {
                        assert_int_equal(prefix_parse(in[i], &tt->prefixes[tt->t.remote_prefixes.n]), 0);
                        tt->t.remote_prefixes.n++;
                }
        tt->t.remote_prefixes.items = tt->prefixes;
}
