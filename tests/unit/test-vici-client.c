/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The VICI client against a scripted fake charon on a real unix socket: the
 * seam is the socket, everything on our side is the production code. */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>

#include "log.h"
#include "testhelp.h"
#include "vici-client.h"

typedef struct Fake {
        int listen_fd, fd;
        char *dir, path[108];
} Fake;

typedef struct Seen {
        int n_resp, n_event, n_up, n_down;
        int errors[8];
        char events[4][32];
        int last_state_error;
} Seen;

static void fake_start(Fake *f) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        f->dir = th_mkdtemp();
        snprintf(f->path, sizeof(f->path), "%s/vici", f->dir);
        strcpy(sa.sun_path, f->path);
        f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(f->listen_fd >= 0);
        assert_int_equal(bind(f->listen_fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_int_equal(listen(f->listen_fd, 1), 0);
        f->fd = -1;
}

static void fake_stop(Fake *f) {
        if (f->fd >= 0)
                close(f->fd);
        close(f->listen_fd);
        th_rmtree(f->dir);
        free(f->dir);
}

/* Reads one whole segment from the client, running the client's loop while
 * waiting (bounded); returns its payload length. */
static size_t fake_read(Fake *f, sd_event *e, uint8_t *buf, size_t size) {
        uint8_t seg[516];
        size_t got = 0, len = 0;

        for (int i = 0; i < 500; i++) {
                ssize_t n = recv(f->fd, seg + got, sizeof(seg) - got, MSG_DONTWAIT);
                if (n > 0)
                        got += (size_t) n;
                if (got >= 4) {
                        len = (size_t) seg[0] << 24 | (size_t) seg[1] << 16 | (size_t) seg[2] << 8 | seg[3];
                        if (got >= 4 + len)
                                break;
                }
                assert_true(sd_event_run(e, 10 * 1000) >= 0);
        }
        assert_true(got >= 4 && got == 4 + len);
        assert_true(len <= size);
        memcpy(buf, seg + 4, len);
        return len;
}

/* Sends a segment; with trickle, one byte per send (partial reads). */
static void fake_send(Fake *f, const uint8_t *payload, size_t len, bool trickle) {
        uint8_t seg[256];

        assert_true(len + 4 <= sizeof(seg));
        seg[0] = 0, seg[1] = 0, seg[2] = (uint8_t) (len >> 8), seg[3] = (uint8_t) len;
        memcpy(seg + 4, payload, len);
        if (!trickle)
                assert_int_equal(send(f->fd, seg, len + 4, 0), (ssize_t) (len + 4));
        else
                for (size_t i = 0; i < len + 4; i++)
                        assert_int_equal(send(f->fd, seg + i, 1, 0), 1);
}

/* CMD_RESPONSE { success = yes } and { success = no, errmsg = bad } */
static const uint8_t RESP_OK[] = { 1, 3, 7, 's', 'u', 'c', 'c', 'e', 's', 's', 0, 3, 'y', 'e', 's' };
static const uint8_t RESP_NO[] = { 1, 3, 7, 's', 'u', 'c', 'c', 'e', 's', 's', 0, 2, 'n', 'o',
                                   3, 6, 'e', 'r', 'r', 'm', 's', 'g', 0, 3, 'b', 'a', 'd' };
static const uint8_t CMD_UNKNOWN_PKT[] = { 2 };
/* EVENT "ike-updown" { up = yes } */
static const uint8_t EVENT_UPDOWN[] = { 7, 10, 'i', 'k', 'e', '-', 'u', 'p', 'd', 'o', 'w', 'n',
                                        3, 2, 'u', 'p', 0, 3, 'y', 'e', 's' };

static void on_resp(VICIClient *c, int error, const SettingsNode *response, void *userdata) {
        Seen *s = userdata;
        const char *errmsg = NULL;

        if (error == 0 && vici_response_success(response, &errmsg) == 0)
                error = -EREMOTEIO;
        s->errors[s->n_resp++] = error;
}

static void on_event(VICIClient *c, const char *event, const SettingsNode *msg, void *userdata) {
        Seen *s = userdata;
        snprintf(s->events[s->n_event++], sizeof(s->events[0]), "%s", event);
}

static void on_state(VICIClient *c, bool connected, int error, void *userdata) {
        Seen *s = userdata;
        if (connected)
                s->n_up++;
        else {
                s->n_down++;
                s->last_state_error = error;
        }
}

/* Runs the loop until cond holds (bounded). */
#define RUN_UNTIL(e, cond)                                                    \
        do {                                                                  \
                for (int _i = 0; _i < 200 && !(cond); _i++)                   \
                        assert_true(sd_event_run((e), 10 * 1000) >= 0);       \
                assert_true(cond);                                            \
        } while (0)

static void test_commands_events_disconnect(void **state) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(vici_client_freep) VICIClient *c = NULL;
        char uri[128];
        uint8_t buf[512];
        Fake f;
        Seen s = {};
        size_t len;

        fake_start(&f);
        snprintf(uri, sizeof(uri), "unix://%s", f.path);
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(vici_client_new(e, uri, NULL, NULL, &c), 0);
        vici_client_set_handlers(c, on_state, on_event, &s);
        assert_int_equal(vici_client_call(c, "version", NULL, on_resp, &s), -ENOTCONN);
        assert_int_equal(vici_client_connect(c), 0);
        f.fd = accept4(f.listen_fd, NULL, NULL, SOCK_CLOEXEC);
        assert_true(f.fd >= 0);
        RUN_UNTIL(e, s.n_up == 1);

        /* Three commands queued at once go out one at a time. */
        assert_int_equal(vici_client_call(c, "version", NULL, on_resp, &s), 0);
        assert_int_equal(vici_client_call(c, "stats", NULL, on_resp, &s), 0);
        assert_int_equal(vici_client_call(c, "nosuch", NULL, on_resp, &s), 0);
        assert_int_equal(vici_client_pending(c), 3);
                len = fake_read(&f, e, buf, sizeof(buf));
        assert_int_equal(buf[0], VICI_CMD_REQUEST);
        assert_int_equal(len, 2 + strlen("version"));
        /* An event arrives before the answer: dispatched, not taken as it. */
        fake_send(&f, EVENT_UPDOWN, sizeof(EVENT_UPDOWN), false);
        fake_send(&f, RESP_OK, sizeof(RESP_OK), true);
        RUN_UNTIL(e, s.n_resp == 1);
        assert_int_equal(s.errors[0], 0);
        assert_int_equal(s.n_event, 1);
        assert_string_equal(s.events[0], "ike-updown");

        len = fake_read(&f, e, buf, sizeof(buf));
        assert_memory_equal(buf + 2, "stats", 5);
        fake_send(&f, RESP_NO, sizeof(RESP_NO), false);
        RUN_UNTIL(e, s.n_resp == 2);
        assert_int_equal(s.errors[1], -EREMOTEIO);

        (void) fake_read(&f, e, buf, sizeof(buf));
        fake_send(&f, CMD_UNKNOWN_PKT, sizeof(CMD_UNKNOWN_PKT), false);
        RUN_UNTIL(e, s.n_resp == 3);
        assert_int_equal(s.errors[2], -EOPNOTSUPP);
        assert_int_equal(vici_client_pending(c), 0);

        /* charon goes away with a command in flight: it fails, the state
         * handler hears about it once. */
        assert_int_equal(vici_client_call(c, "version", NULL, on_resp, &s), 0);
                (void) fake_read(&f, e, buf, sizeof(buf));
        close(f.fd);
        f.fd = -1;
        RUN_UNTIL(e, s.n_down == 1);
        assert_int_equal(s.n_resp, 4);
        assert_int_equal(s.errors[3], -ECONNRESET);
        assert_false(vici_client_is_connected(c));
        fake_stop(&f);
}

static void test_protocol_violation_and_missing_socket(void **state) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(vici_client_freep) VICIClient *c = NULL;
        char uri[128];
        Fake f;
        Seen s = {};

        fake_start(&f);
        snprintf(uri, sizeof(uri), "unix://%s", f.path);
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(vici_client_new(e, uri, NULL, NULL, &c), 0);
        vici_client_set_handlers(c, on_state, on_event, &s);
        assert_int_equal(vici_client_connect(c), 0);
        f.fd = accept4(f.listen_fd, NULL, NULL, SOCK_CLOEXEC);
        RUN_UNTIL(e, s.n_up == 1);
        /* An answer nobody asked for closes the connection. */
        fake_send(&f, RESP_OK, sizeof(RESP_OK), false);
        RUN_UNTIL(e, s.n_down == 1);
        assert_int_equal(s.last_state_error, -EPROTO);
        fake_stop(&f);

        /* No socket at all: reported through the state handler. */
        assert_int_equal(vici_client_connect(c), 0);
        RUN_UNTIL(e, s.n_down == 2);
        assert_int_equal(s.last_state_error, -ENOENT);

        assert_int_equal(vici_client_new(e, "tcp://127.0.0.1:4502", NULL, NULL, &(VICIClient *) { NULL }), -EINVAL);
}

/* Connects c to a fresh fake and accepts. */
static void fake_connect(Fake *f, sd_event **e, VICIClient **c, VICILoadFile load, void *load_userdata, Seen *s) {
        char uri[128];

        fake_start(f);
        snprintf(uri, sizeof(uri), "unix://%s", f->path);
        assert_int_equal(sd_event_new(e), 0);
        assert_int_equal(vici_client_new(*e, uri, load, load_userdata, c), 0);
        vici_client_set_handlers(*c, on_state, on_event, s);
        assert_int_equal(vici_client_connect(*c), 0);
        f->fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        assert_true(f->fd >= 0);
        RUN_UNTIL(*e, s->n_up == 1);
}

/* A charon that takes the command and never answers: the command fails with
 * -ETIMEDOUT, the ones behind it with -ECONNRESET, the connection is closed
 * and the state handler says why. The deadline is per command: one answered
 * in time does not count against the next. */
static void test_deadline(void **state) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(vici_client_freep) VICIClient *c = NULL;
        uint8_t buf[512];
        Fake f;
        Seen s = {};
        uint64_t t0, t1;

        fake_connect(&f, &e, &c, NULL, NULL, &s);
        vici_client_set_timeout(c, 300 * 1000);
        assert_int_equal(vici_client_call(c, "version", NULL, on_resp, &s), 0);
        assert_int_equal(vici_client_call(c, "list-sas", NULL, on_resp, &s), 0);
        assert_int_equal(vici_client_call(c, "stats", NULL, on_resp, &s), 0);
        (void) fake_read(&f, e, buf, sizeof(buf));
        fake_send(&f, RESP_OK, sizeof(RESP_OK), false);
        RUN_UNTIL(e, s.n_resp == 1);
        assert_int_equal(s.errors[0], 0);
        (void) fake_read(&f, e, buf, sizeof(buf));
        assert_memory_equal(buf + 2, "list-sas", 8);
        assert_null(vici_client_error_reason(c));

        assert_int_equal(sd_event_now(e, CLOCK_MONOTONIC, &t0), 0);
        RUN_UNTIL(e, s.n_down == 1);
        assert_int_equal(sd_event_now(e, CLOCK_MONOTONIC, &t1), 0);
        assert_true(t1 - t0 < 2 * 1000 * 1000);
        assert_int_equal(s.last_state_error, -ETIMEDOUT);
        assert_int_equal(s.n_resp, 3);
        assert_int_equal(s.errors[1], -ETIMEDOUT);
        assert_int_equal(s.errors[2], -ECONNRESET);
        assert_false(vici_client_is_connected(c));
        assert_int_equal(vici_client_pending(c), 0);
        assert_string_equal(vici_client_error_reason(c), "charon did not answer list-sas within 0.3 s");
        /* The fake sees its connection closed. */
        assert_int_equal(recv(f.fd, buf, sizeof(buf), 0), 0);

        /* An event registration has a deadline too, and the reason says so. */
        close(f.fd);
        assert_int_equal(vici_client_connect(c), 0);
        assert_null(vici_client_error_reason(c));
        f.fd = accept4(f.listen_fd, NULL, NULL, SOCK_CLOEXEC);
        RUN_UNTIL(e, s.n_up == 2);
        assert_int_equal(vici_client_register(c, "ike-updown", on_resp, &s), 0);
        RUN_UNTIL(e, s.n_down == 2);
        assert_int_equal(s.errors[3], -ETIMEDOUT);
        assert_string_equal(vici_client_error_reason(c),
                            "charon did not answer the registration for ike-updown within 0.3 s");
        fake_stop(&f);
}

/* A listener whose backlog is full makes connect() fail with EAGAIN: a failed
 * attempt (reported like a missing socket), never a connection. */
static void test_connect_backlog_full(void **state) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(vici_client_freep) VICIClient *c = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int filler = -EBADF, probe = -EBADF;
        char uri[128];
        Fake f;
        Seen s = {};

        fake_start(&f);
        assert_int_equal(listen(f.listen_fd, 0), 0);
        strcpy(sa.sun_path, f.path);
        filler = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        assert_int_equal(connect(filler, (struct sockaddr *) &sa, sizeof(sa)), 0);
        /* The kernel agrees that the backlog is full. */
        probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        assert_int_equal(connect(probe, (struct sockaddr *) &sa, sizeof(sa)), -1);
        assert_int_equal(errno, EAGAIN);

        snprintf(uri, sizeof(uri), "unix://%s", f.path);
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(vici_client_new(e, uri, NULL, NULL, &c), 0);
        vici_client_set_handlers(c, on_state, on_event, &s);
        assert_int_equal(vici_client_connect(c), 0);
        RUN_UNTIL(e, s.n_down == 1);
        assert_int_equal(s.last_state_error, -EAGAIN);
        assert_non_null(strstr(vici_client_error_reason(c), "listen backlog is full"));
        for (int i = 0; i < 20; i++)
                assert_true(sd_event_run(e, 10 * 1000) >= 0);
        assert_int_equal(s.n_up, 0);
        assert_int_equal(s.n_down, 1);
        assert_false(vici_client_is_connected(c));
        assert_int_equal(vici_client_call(c, "version", NULL, on_resp, &s), -ENOTCONN);

        /* Once charon accepts, the next attempt connects. */
        {
                _cleanup_close_ int a = accept4(f.listen_fd, NULL, NULL, SOCK_CLOEXEC);
                assert_true(a >= 0);
                assert_int_equal(vici_client_connect(c), 0);
                f.fd = accept4(f.listen_fd, NULL, NULL, SOCK_CLOEXEC);
                assert_true(f.fd >= 0);
                RUN_UNTIL(e, s.n_up == 1);
        }
        fake_stop(&f);
}

/* EVENT "log" with an element of an unknown type (99); CMD_RESPONSE likewise. */
static const uint8_t EVENT_BAD[] = { 7, 3, 'l', 'o', 'g', 99, 1, 'x' };
static const uint8_t RESP_BAD[] = { 1, 3, 7, 's', 'u', 'c', 'c', 'e', 's', 's', 0, 3, 'y', 'e', 's', 2 };

static void count_malformed(int priority, const struct iovec *iov, size_t n_iov, const char *line, void *userdata) {
        if (priority == LOG_WARNING && strstr(line, "Skipping a malformed event from charon"))
                (*(int *) userdata)++;
}

/* One malformed event is logged and skipped: the connection stays, the
 * events and the answer after it arrive. A malformed answer closes the
 * connection. */
static void test_malformed_event_skipped(void **state) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(vici_client_freep) VICIClient *c = NULL;
        uint8_t buf[512];
        Fake f;
        Seen s = {};

        int n_logged = 0;

        log_set_sink(count_malformed, &n_logged);
        fake_connect(&f, &e, &c, NULL, NULL, &s);
        assert_int_equal(vici_client_call(c, "version", NULL, on_resp, &s), 0);
        (void) fake_read(&f, e, buf, sizeof(buf));
        fake_send(&f, EVENT_BAD, sizeof(EVENT_BAD), false);
        fake_send(&f, EVENT_UPDOWN, sizeof(EVENT_UPDOWN), false);
        fake_send(&f, EVENT_BAD, sizeof(EVENT_BAD), true);
        fake_send(&f, RESP_OK, sizeof(RESP_OK), false);
        RUN_UNTIL(e, s.n_resp == 1);
        assert_int_equal(s.errors[0], 0);
        assert_int_equal(s.n_event, 1);
        assert_string_equal(s.events[0], "ike-updown");
        assert_int_equal(s.n_down, 0);
        assert_true(vici_client_is_connected(c));
        assert_int_equal(n_logged, 2);
        log_set_sink(NULL, NULL);

        assert_int_equal(vici_client_call(c, "list-sas", NULL, on_resp, &s), 0);
        (void) fake_read(&f, e, buf, sizeof(buf));
        fake_send(&f, RESP_BAD, sizeof(RESP_BAD), false);
        RUN_UNTIL(e, s.n_down == 1);
        assert_int_equal(s.last_state_error, -EBADMSG);
        assert_int_equal(s.errors[1], -ECONNRESET);
        assert_string_equal(vici_client_error_reason(c), "charon sent a malformed answer to list-sas (Bad message)");
        fake_stop(&f);
}

/* A loader that counts its calls: "missing" fails, any other path is a
 * 24-character key made of the path's first letter. */
typedef struct Loads {
        int n;
} Loads;

static int count_load(void *userdata, const char *path, unsigned flags, char **ret_data, size_t *ret_len) {
        Loads *l = userdata;
        char *d;

        l->n++;
        if (streq(path, "missing"))
                return -ENOENT;
        d = malloc(24);
        assert_non_null(d);
        memset(d, path[0], 24);
        *ret_data = d;
        *ret_len = 24;
        return 0;
}

static SettingsNode *load_shared(const char *path) {
        SettingsNode *m = settings_new(NULL);

        assert_non_null(m);
        assert_int_equal(settings_set(m, "type", "IKE", 0), 0);
        assert_int_equal(settings_set(m, "data", path, SETTINGS_FILE | SETTINGS_SECRET), 0);
        return m;
}

/* Commands that carry secrets are encoded when they reach the head of the
 * queue: with three queued, one key file has been read at a time, and the
 * next one only after the previous command was answered. A file that cannot
 * be read fails its command alone. */
static void test_secrets_encoded_at_head(void **state) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(vici_client_freep) VICIClient *c = NULL;
        _cleanup_(settings_freep) SettingsNode *m1 = load_shared("aaa"), *m2 = load_shared("missing"),
                                               *m3 = load_shared("ccc");
        uint8_t buf[512], key[24];
        Loads l = {};
        Fake f;
        Seen s = {};
        size_t len;

        fake_connect(&f, &e, &c, count_load, &l, &s);
        assert_int_equal(vici_client_call(c, "load-shared", m1, on_resp, &s), 0);
        assert_int_equal(vici_client_call(c, "load-shared", m2, on_resp, &s), 0);
        assert_int_equal(vici_client_call(c, "load-shared", m3, on_resp, &s), 0);
        assert_int_equal(l.n, 0);
        /* The caller's trees may go: the queue holds copies of the paths. */
        m1 = settings_free(m1);

        len = fake_read(&f, e, buf, sizeof(buf));
        assert_int_equal(l.n, 1);
        memset(key, 'a', sizeof(key));
        assert_true(len > sizeof(key));
        assert_memory_equal(buf + len - sizeof(key), key, sizeof(key));
        for (int i = 0; i < 10; i++)
                assert_true(sd_event_run(e, 10 * 1000) >= 0);
        assert_int_equal(l.n, 1);

        fake_send(&f, RESP_OK, sizeof(RESP_OK), false);
        len = fake_read(&f, e, buf, sizeof(buf));
        assert_int_equal(s.n_resp, 2);
        assert_int_equal(s.errors[0], 0);
        assert_int_equal(s.errors[1], -ENOENT);
        assert_int_equal(l.n, 3);
        memset(key, 'c', sizeof(key));
        assert_memory_equal(buf + len - sizeof(key), key, sizeof(key));
        fake_send(&f, RESP_OK, sizeof(RESP_OK), false);
        RUN_UNTIL(e, s.n_resp == 3);
        assert_int_equal(s.errors[2], 0);
        assert_true(vici_client_is_connected(c));

        /* Errors of the message itself still show when it is queued. */
        {
                char name[300];

                memset(name, 'n', sizeof(name) - 1);
                name[sizeof(name) - 1] = 0;
                assert_int_equal(settings_set(m3, name, "v", 0), 0);
        }
        assert_int_equal(vici_client_call(c, "load-shared", m3, on_resp, &s), -ENAMETOOLONG);
        assert_int_equal(l.n, 3);
        assert_int_equal(vici_client_pending(c), 0);
        fake_stop(&f);
}

/* A socket served by another user than root (or this process's own) is not
 * charon: nothing is sent to it, the attempt fails with -EPERM and a reason.
 * Needs root, to listen as another user. */
static void test_peer_not_root(void **state) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(vici_client_freep) VICIClient *c = NULL;
        int ready[2], result[2], status;
        char uri[128], byte;
        ssize_t got = -1;
        Fake f;
        Seen s = {};
        pid_t pid;

        if (geteuid() != 0)
                skip();
        fake_start(&f);
        close(f.listen_fd);
        /* Bound as root, listening as nobody: SO_PEERCRED is the listener's. */
        f.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                strcpy(sa.sun_path, f.path);
                (void) unlink(f.path);
                assert_int_equal(bind(f.listen_fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        }
        assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
        assert_int_equal(pipe2(result, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                uint8_t b[64];
                ssize_t n, total = 0;
                int a;

                if (setgid(65534) < 0 || setuid(65534) < 0 || listen(f.listen_fd, 1) < 0)
                        _exit(2);
                if (write(ready[1], "r", 1) != 1)
                        _exit(3);
                a = accept(f.listen_fd, NULL, NULL);
                while (a >= 0 && (n = recv(a, b, sizeof(b), 0)) > 0)
                        total += n;
                _exit(write(result[1], &(char) { total > 0 ? 'x' : '0' }, 1) == 1 ? 0 : 4);
        }
        assert_int_equal(read(ready[0], &byte, 1), 1);

        snprintf(uri, sizeof(uri), "unix://%s", f.path);
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(vici_client_new(e, uri, NULL, NULL, &c), 0);
        vici_client_set_handlers(c, on_state, on_event, &s);
        assert_int_equal(vici_client_connect(c), 0);
        assert_int_equal(vici_client_call(c, "version", NULL, on_resp, &s), 0);
        RUN_UNTIL(e, s.n_down == 1);
        assert_int_equal(s.n_up, 0);
        assert_int_equal(s.last_state_error, -EPERM);
        assert_int_equal(s.errors[0], -ECONNRESET);
        assert_non_null(strstr(vici_client_error_reason(c), "is served by uid 65534"));
        /* The listener saw the connection close without one byte. */
        got = read(result[0], &byte, 1);
        assert_int_equal(got, 1);
        assert_int_equal(byte, '0');
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        close(ready[0]), close(ready[1]), close(result[0]), close(result[1]);
        fake_stop(&f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_commands_events_disconnect),
                cmocka_unit_test(test_protocol_violation_and_missing_socket),
                cmocka_unit_test(test_deadline),
                cmocka_unit_test(test_connect_backlog_full),
                cmocka_unit_test(test_malformed_event_skipped),
                cmocka_unit_test(test_secrets_encoded_at_head),
                cmocka_unit_test(test_peer_not_root),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
