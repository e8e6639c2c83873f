/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The retry state machine against a scripted fake charon on a real unix
 * socket (the VICI client and codec are the production ones). Every tunnel
 * of the table fails at once; when the backoff (2 s) is over each one's
 * list-sas query is answered as its row says, and the test checks which
 * tunnels are initiated. The rows that drop a Retry or free its list while
 * the query is in flight exercise the reference counting: under ASan a
 * use-after-free or a leak fails the test. */
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-event.h>

#include "retry.h"
#include "testhelp.h"
#include "vici-client.h"

typedef enum Action {
        ANSWER_EMPTY,      /* no IKE SA listed */
        ANSWER_LISTED,     /* a list-sa event names the tunnel first */
        DROP_IN_FLIGHT,    /* it comes up (retry_list_drop) before the answer */
        FREE_IN_FLIGHT,    /* its whole list is freed before the answer */
} Action;

typedef struct Row {
        const char *name;
        bool wanted;       /* still an enabled tunnel of the config */
        Action action;
        bool initiate;     /* expected: initiated again */
        /* seen */
        unsigned n_queries;
        unsigned n_initiates;
} Row;

typedef struct Test {
        Row *rows;
        size_t n_rows;
        RetryList *list;   /* rows without FREE_IN_FLIGHT */
        RetryList *other;  /* rows with FREE_IN_FLIGHT */
} Test;

static Row *row_find(Test *t, const char *name) {
        for (size_t i = 0; name && i < t->n_rows; i++)
                if (streq(t->rows[i].name, name))
                        return &t->rows[i];
        fail_msg("request for unknown tunnel '%s'", name ? name : "(none)");
        return NULL;
}

static bool hook_connected(void *userdata) {
        return true;
}

static bool hook_wanted(void *userdata, const char *name) {
        return row_find(userdata, name)->wanted;
}

static const RetryHooks hooks = {
        .connected = hook_connected,
        .wanted = hook_wanted,
};

/* list-sa events go to the list of their tunnel, as manager.c routes them. */
static void on_event(VICIClient *c, const char *event, const SettingsNode *msg, void *userdata) {
        Test *t = userdata;

        assert_string_equal(event, "list-sa");
        assert_int_equal(msg->n_children, 1);
        retry_list_sa_listed(t->list, msg->children[0]->name);
}

/* One whole request from the client, running its loop meanwhile. Returns
 * false when none came within timeout_ms. */
static bool fake_read(int fd, sd_event *e, int timeout_ms, VICIPacket *ret) {
        uint8_t hdr[VICI_HEADER_SIZE];
        _cleanup_free_ uint8_t *payload = NULL;
        size_t got = 0, len = 0;

        for (int waited = 0; got < VICI_HEADER_SIZE + len; waited += 10) {
                ssize_t n;

                if (waited > timeout_ms) {
                        assert_int_equal(got, 0); /* never half a request */
                        return false;
                }
                assert_true(sd_event_run(e, 10 * 1000) >= 0);
                if (got < VICI_HEADER_SIZE)
                        n = recv(fd, hdr + got, VICI_HEADER_SIZE - got, MSG_DONTWAIT);
                else
                        n = recv(fd, payload + got - VICI_HEADER_SIZE, len + VICI_HEADER_SIZE - got,
                                 MSG_DONTWAIT);
                if (n < 0) {
                        assert_int_equal(errno, EAGAIN);
                        continue;
                }
                assert_true(n > 0);
                got += (size_t) n;
                if (got == VICI_HEADER_SIZE) {
                        int l = vici_segment_length(hdr);

                        assert_true(l > 0);
                        len = (size_t) l;
                        payload = malloc(len);
                        assert_non_null(payload);
                }
        }
        assert_int_equal(vici_decode_packet(payload, len, ret), 0);
        assert_int_equal(ret->type, VICI_CMD_REQUEST);
        return true;
}

static void fake_send(int fd, VICIPacketType type, const char *name, const SettingsNode *msg) {
        _cleanup_(vici_buffer_done) VICIBuffer b = {};

        assert_int_equal(vici_encode_packet(&b, type, name, msg, NULL, NULL), 0);
        assert_int_equal(send(fd, b.data, b.size, MSG_NOSIGNAL), (ssize_t) b.size);
}

static void fake_answer(int fd, Test *t, const VICIPacket *p) {
        _cleanup_(settings_freep) SettingsNode *ok = settings_new(NULL);
        const char *ike = vici_get_string(p->message, "ike");
        Row *row = row_find(t, ike);

        assert_non_null(ok);
        assert_int_equal(settings_set(ok, "success", "yes", 0), 0);
        if (streq(p->name, "initiate")) {
                assert_string_equal(vici_get_string(p->message, "child"), ike);
                /* do not wait for the result: ike-updown tells */
                assert_string_equal(vici_get_string(p->message, "timeout"), "-1");
                row->n_initiates++;
        } else {
                assert_string_equal(p->name, "list-sas");
                assert_string_equal(vici_get_string(p->message, "noblock"), "yes");
                row->n_queries++;
                switch (row->action) {
                case ANSWER_LISTED: {
                        /* list-sa { <ike> { state = CONNECTING } }, before the answer */
                        _cleanup_(settings_freep) SettingsNode *ev = settings_new(NULL);
                        SettingsNode *sa = ev ? settings_add_section(ev, ike) : NULL;

                        assert_non_null(sa);
                        assert_int_equal(settings_set(sa, "state", "CONNECTING", 0), 0);
                        fake_send(fd, VICI_EVENT, "list-sa", ev);
                        break;
                }
                case DROP_IN_FLIGHT:
                        retry_list_drop(t->list, ike);
                        break;
                case FREE_IN_FLIGHT:
                        t->other = retry_list_free(t->other);
                        break;
                case ANSWER_EMPTY:
                        break;
                }
        }
        fake_send(fd, VICI_CMD_RESPONSE, NULL, ok);
}

static void test_retry_table(void **state) {
        Row rows[] = {
                { "plain", true, ANSWER_EMPTY, true },
                { "listed", true, ANSWER_LISTED, false },
                { "came-up", true, DROP_IN_FLIGHT, false },
                { "removed", false, ANSWER_EMPTY, false },
                { "list-freed", true, FREE_IN_FLIGHT, false },
        };
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(vici_client_freep) VICIClient *c = NULL;
        _cleanup_free_ char *dir = th_mkdtemp(), *uri = NULL;
        _cleanup_close_ int lfd = -EBADF, fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        ApplyContext apply = {};
        Test t = { .rows = rows, .n_rows = ELEMENTSOF(rows) };
        VICIPacket p = {};
        size_t n_requests = 0;

        assert_true(asprintf(&uri, "unix://%s/vici", dir) > 0);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vici", dir);
        lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(lfd >= 0);
        assert_int_equal(bind(lfd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_int_equal(listen(lfd, 1), 0);

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(vici_client_new(e, uri, NULL, NULL, &c), 0);
        vici_client_set_handlers(c, NULL, on_event, &t);
        assert_int_equal(vici_client_connect(c), 0);
        fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        assert_true(fd >= 0);
        apply.vici = c;

        assert_int_equal(retry_list_new(e, &apply, &hooks, &t, &t.list), 0);
        assert_int_equal(retry_list_new(e, &apply, &hooks, &t, &t.other), 0);
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                RetryList *l = rows[i].action == FREE_IN_FLIGHT ? t.other : t.list;

                retry_list_schedule(l, rows[i].name);
                /* A second failure while the timer runs changes nothing. */
                retry_list_schedule(l, rows[i].name);
        }

        /* The first query comes after the 2 s backoff; then the rest, one
         * at a time (VICI has one command in flight). */
        for (int timeout = 5000; fake_read(fd, e, timeout, &p); timeout = 500) {
                fake_answer(fd, &t, &p);
                vici_packet_done(&p);
                assert_true(++n_requests < 100);
        }
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                print_message("# %s: %u queries, %u initiates\n", rows[i].name, rows[i].n_queries,
                              rows[i].n_initiates);
                assert_int_equal(rows[i].n_queries, 1);
                assert_int_equal(rows[i].n_initiates, rows[i].initiate ? 1 : 0);
        }
        assert_null(t.other);
        retry_list_free(t.list);
        th_rmtree(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_retry_table),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
