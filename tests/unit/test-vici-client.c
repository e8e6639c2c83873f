/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The VICI client against a scripted fake charon on a real unix socket: the
 * seam is the socket, everything on our side is the production code. */
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-event.h>

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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_commands_events_disconnect),
                cmocka_unit_test(test_protocol_violation_and_missing_socket),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
