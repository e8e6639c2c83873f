/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The credential watch on a real inotify: a change is reported once after
 * the debounce, and so is an overflow of the kernel's event queue (changes
 * were lost; the manager then fingerprints every credential again). */
#include <fcntl.h>
#include <time.h>
#include <systemd/sd-event.h>

#include "credwatch.h"
#include "log.h"
#include "testhelp.h"

static void on_change(void *userdata) {
        (*(int *) userdata)++;
}

static int warnings;

static void count_overflow(int priority, const struct iovec *iov, size_t n_iov, const char *line, void *userdata) {
        if (priority == LOG_WARNING && strstr(line, "inotify queue overflow"))
                warnings++;
}

/* Runs the loop until *n reaches want or 10 s passed (one iteration
 * dispatches one inotify event: thousands of them take many). */
static void run_until(sd_event *e, const int *n, int want) {
        struct timespec t0, t;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        do {
                assert_true(sd_event_run(e, 10 * 1000) >= 0);
                clock_gettime(CLOCK_MONOTONIC, &t);
        } while (*n < want && t.tv_sec - t0.tv_sec < 10);
}

static unsigned max_queued_events(void) {
        FILE *f = fopen("/proc/sys/fs/inotify/max_queued_events", "re");
        unsigned n = 0;

        if (!f)
                return 0;
        if (fscanf(f, "%u", &n) != 1)
                n = 0;
        fclose(f);
        return n;
}

/* Half a second of the loop brings no further report: *n stays want. */
static void assert_quiet(sd_event *e, const int *n, int want) {
        for (int i = 0; i < 50; i++)
                assert_true(sd_event_run(e, 10 * 1000) >= 0);
        assert_int_equal(*n, want);
}

static void test_change_and_overflow(void **state) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(cred_watch_freep) CredWatch *w = NULL;
        char *dir = th_mkdtemp();
        _cleanup_free_ char *psk = th_write_file(dir, "psk/key", "k\n", 0600);
        Tunnel t = { .name = (char *) "t", .psk_file = psk, .enabled = true };
        Tunnel *tp = &t;
        Config c = { .tunnels = &tp, .n_tunnels = 1 };
        unsigned max = max_queued_events();
        int n = 0;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(cred_watch_new(e, on_change, &n, &w), 0);
        cred_watch_update(w, &c);

        /* One change, one report. */
        free(th_write_file(dir, "psk/key", "k2\n", 0600));
        run_until(e, &n, 1);
        assert_int_equal(n, 1);
        assert_quiet(e, &n, 1);

        /* More events than the kernel queues while the loop sleeps: an
         * overflow, logged once and reported like a change. */
        if (max == 0 || max > 200000) {
                th_rmtree(dir);
                free(dir);
                skip();
        }
        log_set_sink(count_overflow, NULL);
        for (unsigned i = 0; i < max / 2 + 100; i++) {
                char name[64];
                int fd;

                snprintf(name, sizeof(name), "%s/psk/f%u", dir, i);
                fd = open(name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600); /* IN_CREATE, IN_CLOSE_WRITE */
                assert_true(fd >= 0);
                close(fd);
        }
        run_until(e, &n, 2);
        log_set_sink(NULL, NULL);
        assert_int_equal(n, 2);
        assert_int_equal(warnings, 1);
        th_rmtree(dir);
        free(dir);
}

/* A reload keeps the watches of directories still named and drops the
 * others: a change where no enabled tunnel looks is not reported. */
static void test_update_follows_config(void **state) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(cred_watch_freep) CredWatch *w = NULL;
        char *dir = th_mkdtemp();
        _cleanup_free_ char *k1 = th_write_file(dir, "one/key", "k\n", 0600);
        _cleanup_free_ char *k2 = th_write_file(dir, "two/key", "k\n", 0600);
        Tunnel t = { .name = (char *) "t", .psk_file = k1, .enabled = true };
        Tunnel *tp = &t;
        Config c = { .tunnels = &tp, .n_tunnels = 1 };
        int n = 0;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(cred_watch_new(e, on_change, &n, &w), 0);
        cred_watch_update(w, &c);
        cred_watch_update(w, &c); /* the same again: still watched */
        free(th_write_file(dir, "one/key", "k2\n", 0600));
        run_until(e, &n, 1);
        assert_int_equal(n, 1);

        /* Moved to another directory: only that one counts. */
        t.psk_file = k2;
        cred_watch_update(w, &c);
        free(th_write_file(dir, "one/key", "k3\n", 0600));
        assert_quiet(e, &n, 1);
        free(th_write_file(dir, "two/key", "k2\n", 0600));
        run_until(e, &n, 2);
        assert_int_equal(n, 2);

        /* Disabled: nothing is watched. */
        t.enabled = false;
        cred_watch_update(w, &c);
        free(th_write_file(dir, "two/key", "k3\n", 0600));
        assert_quiet(e, &n, 2);
        th_rmtree(dir);
        free(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_change_and_overflow),
                cmocka_unit_test(test_update_follows_config),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
