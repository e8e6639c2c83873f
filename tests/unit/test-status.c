/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The status document: its model, the JSON writer (compared byte for byte),
 * the strict reader, the atomic file writer, the node_exporter textfile and
 * gatewayctl status's formatting and exit codes. The schema itself is
 * checked by tests/status-schema.sh, the command line by tests/ctl-status.sh. */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "testhelp.h"

#include "ctl-status.h"
#include "fileio.h"
#include "metrics.h"
#include "status-fixture.h"
#include "status.h"
#include "write-file.h"

/* tests/unit/status/NAME, the expected texts. */
static char *expected(const char *name) {
        _cleanup_free_ char *self = strdup(__FILE__), *path = NULL;
        const ReadFileOptions o = { .max_size = 1 << 20 };
        const char *top = getenv("top_srcdir");
        char *text = NULL;
        size_t size;

        assert_non_null(self);
        if (top)
                assert_true(asprintf(&path, "%s/tests/unit/status/%s", top, name) > 0);
        else
                assert_true(asprintf(&path, "%s/status/%s", dirname(self), name) > 0);
        assert_int_equal(read_full_file_at(AT_FDCWD, path, &o, &text, &size, NULL), 0);
        return text;
}

/* text with its only occurrence of from replaced by to. */
static char *replace_once(const char *text, const char *from, const char *to) {
        const char *at = strstr(text, from);
        char *out = NULL;

        if (!at || strstr(at + 1, from))
                fail_msg("'%s' is not in the text exactly once", from);
        assert_true(asprintf(&out, "%.*s%s%s", (int) (at - text), text, to, at + strlen(from)) > 0);
        return out;
}

static char *to_json(const GatewayStatus *s) {
        char *text = NULL;

        assert_int_equal(status_to_json(s, &text, NULL), 0);
        return text;
}

/* ---- the model ------------------------------------------------------------ */

/* Every value of an enum goes to a string and back; nothing else parses. */
#define CHECK_ENUM(to, from, max)                                   \
        do {                                                        \
                for (int v = 0; v < (max); v++) {                   \
                        const char *str = to(v);                    \
                        if (str) /* NULL: TUNNEL_ERROR_NONE only */ \
                                assert_int_equal(from(str), v);     \
                }                                                   \
                assert_null(to(-1));                                \
                assert_null(to(max));                               \
                assert_int_equal(from("nonsense"), -EINVAL);        \
                assert_int_equal(from(""), -EINVAL);                \
                assert_int_equal(from(NULL), -EINVAL);              \
        } while (0)

static void test_enum_strings(void **state) {
        CHECK_ENUM(tunnel_state_to_string, tunnel_state_from_string, _TUNNEL_STATE_MAX);
        CHECK_ENUM(shield_state_to_string, shield_state_from_string, _SHIELD_STATE_MAX);
        CHECK_ENUM(tunnel_error_to_string, tunnel_error_from_string, _TUNNEL_ERROR_MAX);
        assert_string_equal(tunnel_state_to_string(TUNNEL_STATE_UP), "up");
        assert_string_equal(shield_state_to_string(SHIELD_STATE_ENGAGED), "engaged");
        assert_string_equal(tunnel_error_to_string(TUNNEL_ERROR_NO_PROPOSAL_CHOSEN), "no-proposal-chosen");
        assert_null(tunnel_error_to_string(TUNNEL_ERROR_NONE));
        for (int e = 1; e < _TUNNEL_ERROR_MAX; e++)
                assert_non_null(tunnel_error_to_string(e));
}

/* A zeroed tunnel never reports itself healthy. */
static void test_zero_is_not_healthy(void **state) {
        _cleanup_(gateway_status_freep) GatewayStatus *s = gateway_status_new();
        TunnelStatus *t;

        assert_non_null(s);
        assert_non_null(t = gateway_status_add_tunnel(s, "t"));
        assert_int_equal(t->state, TUNNEL_STATE_DOWN);
        assert_int_equal(t->shield, SHIELD_STATE_OFF);
        assert_int_equal(t->last_error, TUNNEL_ERROR_NONE);
        assert_false(s->gateway.charon_connected);
        assert_int_equal(s->gateway.health_interval_sec, 10);
        assert_ptr_equal(gateway_status_find_tunnel(s, "t"), t);
        assert_null(gateway_status_find_tunnel(s, "u"));
}

static void test_days_left(void **state) {
        static const struct {
                int64_t delta_usec;
                int64_t days;
        } rows[] = {
                { 0, 0 },
                { 1, 0 },
                { 86400LL * 1000000 - 1, 0 },
                { 86400LL * 1000000, 1 },
                { 11 * 86400LL * 1000000 + 43200LL * 1000000, 11 },
                { -1, -1 },
                { -86400LL * 1000000, -1 },
                { -86400LL * 1000000 - 1, -2 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                assert_int_equal(status_days_left((usec_t) ((int64_t) FIXTURE_NOW + rows[i].delta_usec), FIXTURE_NOW),
                                 rows[i].days);
}

static void test_set_error(void **state) {
        _cleanup_(gateway_status_freep) GatewayStatus *s = gateway_status_new();
        _cleanup_free_ char *long_detail = malloc(STATUS_MAX_DETAIL + 100);
        TunnelStatus *t;

        assert_non_null(s);
        assert_non_null(long_detail);
        assert_non_null(t = gateway_status_add_tunnel(s, "t"));
        assert_int_equal(tunnel_status_set_error(t, TUNNEL_ERROR_CONFIG, ""), 0);
        assert_int_equal(t->last_error, TUNNEL_ERROR_CONFIG);
        assert_null(t->last_error_detail);
        assert_int_equal(tunnel_status_set_error(t, _TUNNEL_ERROR_MAX, "x"), -EINVAL);
        assert_int_equal(tunnel_status_set_error(t, TUNNEL_ERROR_NONE, "ignored"), 0);
        assert_null(t->last_error_detail);
        /* Cut to STATUS_MAX_DETAIL bytes, before a character that would
         * straddle the limit (here a 2-byte é at bytes 1023-1024). */
        memset(long_detail, 'a', STATUS_MAX_DETAIL - 1);
        strcpy(long_detail + STATUS_MAX_DETAIL - 1, "\xc3\xa9 and more");
        assert_int_equal(tunnel_status_set_error(t, TUNNEL_ERROR_REKEY_FAILED, long_detail), 0);
        assert_int_equal(strlen(t->last_error_detail), STATUS_MAX_DETAIL - 1);
}

/* What the writer refuses: what the reader would refuse. */
static void test_validate(void **state) {
        static const char *const rules[] = {
                "generated_at", "name", "same name", "state", "shield", "last_error", "detail", "ike",
                "certificate", "child proposal", "children", "ts", "since", "interval", "data_plane",
        };

        for (size_t i = 0; i < ELEMENTSOF(rules); i++) {
                _cleanup_(gateway_status_freep) GatewayStatus *s = fixture_full();
                TunnelStatus *t = s->tunnels[0];
                const char *what = NULL;
                _cleanup_free_ char *text = NULL;

                assert_int_equal(status_validate(s, NULL), 0);
                if (streq(rules[i], "generated_at"))
                        s->generated_at = 0;
                else if (streq(rules[i], "name"))
                        assert_int_equal(status_set_string(&t->name, "a\"b"), 0);
                else if (streq(rules[i], "same name"))
                        assert_int_equal(status_set_string(&s->tunnels[3]->name, "azure-weu"), 0);
                else if (streq(rules[i], "state"))
                        t->state = _TUNNEL_STATE_MAX;
                else if (streq(rules[i], "shield"))
                        t->shield = -1;
                else if (streq(rules[i], "last_error"))
                        t->last_error = _TUNNEL_ERROR_MAX;
                else if (streq(rules[i], "detail"))
                        assert_int_equal(status_set_string(&t->last_error_detail, "no error"), 0);
                else if (streq(rules[i], "ike"))
                        assert_int_equal(status_set_string(&t->ike.proposal, NULL), 0);
                else if (streq(rules[i], "certificate"))
                        s->tunnels[3]->certificate.not_after = 0;
                else if (streq(rules[i], "child proposal"))
                        assert_int_equal(status_set_string(&t->children[0]->proposal, NULL), 0);
                else if (streq(rules[i], "children"))
                        for (unsigned k = 0; k < STATUS_MAX_CHILDREN; k++)
                                assert_non_null(tunnel_status_add_child(t, "more"));
                else if (streq(rules[i], "ts")) {
                        free(t->children[0]->local_ts[0]);
                        t->children[0]->local_ts[0] = NULL;
                } else if (streq(rules[i], "since"))
                        t->since = (STATUS_MAX_TIME_SEC + 1) * USEC_PER_SEC;
                else if (streq(rules[i], "interval"))
                        s->gateway.health_interval_sec = 0;
                else if (streq(rules[i], "data_plane"))
                        s->gateway.data_plane = _DATA_PLANE_MAX;
                assert_int_equal(status_validate(s, &what), -EINVAL);
                assert_non_null(what);
                assert_int_equal(status_to_json(s, &text, NULL), -EINVAL);
                assert_null(text);
        }
}

/* ---- the JSON writer ------------------------------------------------------- */

static void test_write_full(void **state) {
        _cleanup_(gateway_status_freep) GatewayStatus *s = fixture_full();
        _cleanup_free_ char *want = expected("full.json"), *text = NULL;
        size_t size = 0;

        assert_int_equal(status_to_json(s, &text, &size), 0);
        assert_string_equal(text, want);
        assert_int_equal(size, strlen(want));
}

static void test_write_one_tunnel(void **state) {
        _cleanup_(gateway_status_freep) GatewayStatus *s = fixture_full();
        _cleanup_free_ char *text = NULL;

        assert_int_equal(status_tunnel_to_json(s->tunnels[2], &text, NULL), 0);
        assert_string_equal(text, "{\n"
                                  "  \"name\": \"lab\",\n"
                                  "  \"state\": \"disabled\",\n"
                                  "  \"since\": null,\n"
                                  "  \"local_address\": null,\n"
                                  "  \"remote_address\": \"192.0.2.99\",\n"
                                  "  \"profile\": \"fips-gcm256\",\n"
                                  "  \"ike\": null,\n"
                                  "  \"children\": [],\n"
                                  "  \"shield\": \"off\",\n"
                                  "  \"last_error\": null\n"
                                  "}\n");
        free(TAKE_PTR(text));
        assert_int_equal(status_set_string(&s->tunnels[2]->name, "bad name"), 0);
        assert_int_equal(status_tunnel_to_json(s->tunnels[2], &text, NULL), -EINVAL);
        assert_int_equal(status_tunnel_to_json(NULL, &text, NULL), -EINVAL);
}

static void test_escaping(void **state) {
        static const struct {
                const char *in;
                const char *json;
        } rows[] = {
                { "", "\"\"" },
                { "plain 10.0.0.0/8", "\"plain 10.0.0.0/8\"" },
                { "a\"b\\c", "\"a\\\"b\\\\c\"" },
                { "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"" },
                { "\x01\x1b\x1f\x7f", "\"\\u0001\\u001b\\u001f\\u007f\"" },
                { "caf\xc3\xa9", "\"caf\\u00e9\"" },                      /* 2 bytes */
                { "\xe2\x82\xac", "\"\\u20ac\"" },                        /* 3 bytes */
                { "\xf0\x9f\x98\x80", "\"\\ud83d\\ude00\"" },             /* 4 bytes: a surrogate pair */
                { "\xf4\x8f\xbf\xbf", "\"\\udbff\\udfff\"" },             /* U+10FFFF */
                { "\xe2\x80\xa8", "\"\\u2028\"" },                        /* LINE SEPARATOR */
                { "\xc2\x9b", "\"\\u009b\"" },                            /* C1 CSI */
                { "\xff", "\"\\ufffd\"" },                                /* never UTF-8 */
                { "a\x80z", "\"a\\ufffdz\"" },                            /* stray continuation */
                { "\xc0\xaf", "\"\\ufffd\\ufffd\"" },                     /* overlong '/' */
                { "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },          /* a surrogate */
                { "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" }, /* past U+10FFFF */
                { "\xe2\x82", "\"\\ufffd\\ufffd\"" },                     /* cut short */
                { "</script>", "\"</script>\"" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(gateway_status_freep) GatewayStatus *s = fixture_full();
                _cleanup_free_ char *text = NULL, *want = NULL;

                assert_int_equal(status_set_string(&s->tunnels[0]->local_address, rows[i].in), 0);
                text = to_json(s);
                assert_true(asprintf(&want, "\"local_address\": %s,\n", rows[i].json) > 0);
                if (!strstr(text, want))
                        fail_msg("row %zu: no %s in\n%s", i, want, text);
                /* Pure ASCII, whatever went in. */
                for (const char *p = text; *p; p++)
                        assert_true((*p >= 0x20 && *p < 0x7f) || *p == '\n');
        }
}

static void test_detail_written(void **state) {
        _cleanup_(gateway_status_freep) GatewayStatus *s = fixture_full();
        _cleanup_free_ char *text = NULL, *detail = NULL, *want = NULL;
        TunnelStatus *t = s->tunnels[1];

        /* Set behind the setter's back: the writer still cuts it. */
        detail = malloc(3000);
        assert_non_null(detail);
        memset(detail, 'x', 2999);
        detail[2999] = '\0';
        free(t->last_error_detail);
        t->last_error_detail = TAKE_PTR(detail);
        text = to_json(s);
        assert_true(asprintf(&want, "\"last_error\": \"dpd-timeout: %.*s\"\n", (int) STATUS_MAX_DETAIL,
                             t->last_error_detail) > 0);
        assert_non_null(strstr(text, want));

        /* Keyword only, with "" as the detail. */
        free(TAKE_PTR(text));
        t->last_error_detail[0] = '\0';
        text = to_json(s);
        assert_non_null(strstr(text, "\"last_error\": \"dpd-timeout\"\n"));
}

/* ---- the reader ------------------------------------------------------------- */

static void assert_same_document(const GatewayStatus *a, const GatewayStatus *b) {
        _cleanup_free_ char *ta = to_json(a), *tb = to_json(b);

        assert_string_equal(ta, tb);
}

static void test_round_trip(void **state) {
        static GatewayStatus *(*const fixtures[])(void) = { fixture_full, fixture_all_up, fixture_reasons, fixture_empty };

        for (size_t i = 0; i < ELEMENTSOF(fixtures); i++) {
                _cleanup_(gateway_status_freep) GatewayStatus *s = fixtures[i](), *back = NULL;
                _cleanup_free_ char *text = to_json(s), *error = NULL;

                assert_int_equal(status_parse(text, strlen(text), &back, &error), 0);
                assert_null(error);
                assert_same_document(s, back);
        }
}

/* Values, not only the text: every field of the full fixture comes back. */
static void test_round_trip_values(void **state) {
        _cleanup_(gateway_status_freep) GatewayStatus *s = fixture_full(), *back = NULL;
        _cleanup_free_ char *text = to_json(s);
        const TunnelStatus *t;
        const ChildStatus *c;

        assert_int_equal(status_parse(text, strlen(text), &back, NULL), 0);
        assert_int_equal(back->generated_at, FIXTURE_NOW);
        assert_true(back->gateway.fips_mode);
        assert_int_equal(back->gateway.data_plane, DATA_PLANE_KERNEL);
        assert_string_equal(back->gateway.vici, "unix:///run/charon.vici");
        assert_true(back->gateway.charon_connected);
        assert_int_equal(back->n_tunnels, 4);
        t = back->tunnels[0];
        assert_string_equal(t->name, "azure-weu");
        assert_int_equal(t->state, TUNNEL_STATE_UP);
        assert_int_equal(t->since, FIXTURE_AT(1714553280));
        assert_true(t->has_ike);
        assert_string_equal(t->ike.proposal, "aes256gcm16-prfsha384-ecp384");
        assert_int_equal(t->n_children, 1);
        c = t->children[0];
        assert_int_equal(c->n_local_ts, 1);
        assert_int_equal(c->n_remote_ts, 2);
        assert_string_equal(c->remote_ts[1], "fd00:20::/48");
        assert_int_equal(c->bytes_in, 1258291);
        assert_int_equal(c->packets_out, 61234);
        assert_false(t->has_certificate);
        t = back->tunnels[1];
        assert_null(t->local_address);
        assert_false(t->has_ike);
        assert_int_equal(t->last_error, TUNNEL_ERROR_DPD_TIMEOUT);
        assert_string_equal(t->last_error_detail, "no answer to DPD for 45 s");
        assert_int_equal(back->tunnels[2]->since, 0);
        t = back->tunnels[3];
        assert_int_equal(t->last_error, TUNNEL_ERROR_AUTH_FAILED);
        assert_null(t->last_error_detail);
        assert_true(t->has_certificate);
        assert_int_equal(t->certificate.not_after, FIXTURE_AT(1715558400));
        assert_int_equal(t->certificate.days_left, 11);
}

/* Text that needs escaping comes back as it went in; bytes that were not
 * UTF-8 come back as U+FFFD. */
static void test_round_trip_escaping(void **state) {
        _cleanup_(gateway_status_freep) GatewayStatus *s = fixture_escaping(), *back = NULL;
        _cleanup_free_ char *text = to_json(s);
        const TunnelStatus *t;

        assert_int_equal(status_parse(text, strlen(text), &back, NULL), 0);
        assert_same_document(s, back);
        t = back->tunnels[0];
        assert_string_equal(back->gateway.vici, s->gateway.vici);
        assert_string_equal(t->local_address, "caf\xc3\xa9");
        assert_string_equal(t->remote_address, "\xe2\x82\xac \xf0\x9f\x98\x80");
        assert_string_equal(t->profile, s->tunnels[0]->profile);
        assert_string_equal(t->children[0]->name, "x\"\\");
        assert_string_equal(t->children[0]->proposal, "\t\n");
        assert_string_equal(t->last_error_detail,
                            "ID '\x1b[31mroot\x1b[0m' \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
                            "</script>");
}

static char *file_text(const char *path) {
        const ReadFileOptions o = { .max_size = 1 << 20 };
        char *text = NULL;
        size_t size;

        assert_int_equal(read_full_file_at(AT_FDCWD, path, &o, &text, &size, NULL), 0);
        return text;
}

static void test_round_trip_file(void **state) {
        _cleanup_(gateway_status_freep) GatewayStatus *s = fixture_full(), *back = NULL;
        _cleanup_free_ char *dir = th_mkdtemp(), *path = NULL, *error = NULL, *text = NULL, *want = expected("full.json");

        assert_true(asprintf(&path, "%s/run/gatewayd/status.json", dir) > 0);
        assert_int_equal(status_write_file(path, s), 0);
        assert_int_equal(status_read_file(path, &back, &error), 0);
        assert_same_document(s, back);
        /* Streamed into the file: byte for byte the document status_to_json makes. */
        assert_string_equal(text = file_text(path), want);
        th_rmtree(dir);
}

static void test_parse_malformed(void **state) {
        static const struct {
                const char *from;  /* in full.json; NULL: the text is `to` */
                const char *to;
                const char *error; /* a part of the message; NULL: accepted */
        } rows[] = {
                { NULL, "", "ends early" },
                { NULL, "   \n", "ends early" },
                { NULL, "{\"version\": 1, \"generated_at\"", "ends early" },
                { NULL, "[]", "expected a JSON object, found an array" },
                { NULL, "null", "expected a JSON object, found null" },
                { NULL, "{}", "'version' is missing" },
                { NULL, "{\"version\": 1}", "'generated_at' is missing" },
                { NULL, "{'version': 1}", "not JSON: a single quote at byte 1" },
                { "\"profile\": \"fips-cbc\"", "\"profile\": \"fips\tcbc\"",
                  "not JSON: control character 0x09 in a string" },
                { "\"profile\": \"fips-cbc\"", "\"profile\": \"it's \\\"quoted\\\"\\\\\"", NULL },
                { NULL, "/* c */ {}", "not JSON" },
                { "\"version\": 1", "\"version\": 2", "version: version 2 is not supported" },
                { "\"version\": 1", "\"version\": 1.0", "version: expected a non-negative integer, found a fraction" },
                { "\"version\": 1", "\"version\": \"1\"", "version: expected a non-negative integer, found a string" },
                { "\n}\n", "\n}\n}", "not JSON" },
                { "\n}\n", "\n}\n{}", "not JSON" },
                { "\"packets_out\": 61234\n", "\"packets_out\": 61234,\n", "not JSON" },
                { "\"generated_at\": \"2024-05-01T12:00:00Z\"", "\"generated_at\": null",
                  "generated_at: expected a string, found null" },
                { "\"generated_at\": \"2024-05-01T12:00:00Z\"", "\"generated_at\": \"2024-05-01 12:00:00\"",
                  "generated_at: '2024-05-01 12:00:00' is not a time" },
                { "\"since\": \"2024-05-01T08:48:00Z\"", "\"since\": \"2024-02-30T08:48:00Z\"",
                  "tunnels[0].since: '2024-02-30T08:48:00Z' is not a time" },
                { "\"since\": \"2024-05-01T08:48:00Z\"", "\"since\": \"2024-05-01T08:48:00+02:00\"", "is not a time" },
                { "\"since\": \"2024-05-01T08:48:00Z\"", "\"since\": \"2024-05-01T24:00:00Z\"", "is not a time" },
                { "\"since\": \"2024-05-01T08:48:00Z\"", "\"since\": 1714553280", "expected a string or null" },
                { "\"fips_mode\": true", "\"fips_mode\": \"yes\"", "gateway.fips_mode: expected true or false" },
                { "\"data_plane\": \"kernel\"", "\"data_plane\": \"dpdk\"",
                  "gateway.data_plane: 'dpdk' is not one of kernel, userspace" },
                { "\"health_interval_sec\": 10", "\"health_interval_sec\": 0", "health_interval_sec: must be 1-3600" },
                { "\"health_interval_sec\": 10", "\"health_interval_sec\": 3601", "3601 is out of range" },
                { "\"charon_connected\": true,", "", "gateway: 'charon_connected' is missing" },
                { "\"fips_mode\": true,", "\"fips_mode\": true, \"pid\": 1,", "gateway: unknown key 'pid'" },
                { "\"tunnels\": [", "\"tunnels\": {", "not JSON" },
                { "\"name\": \"lab\"", "\"name\": \"a b\"", "tunnels[2].name: 'a b' is not a tunnel name" },
                { "\"name\": \"lab\"", "\"name\": \"\\u001b[31m\"", "'?[31m' is not a tunnel name" },
                { "\"name\": \"lab\"", "\"name\": \"\"", "is not a tunnel name" },
                { "\"name\": \"lab\"", "\"name\": \"branch-b\"", "two tunnels have the same name" },
                { "\"name\": \"lab\"", "\"name\": \"l\\u0000ab\"", "tunnels[2].name: contains a NUL character" },
                { "\"state\": \"up\"", "\"state\": \"upp\"",
                  "tunnels[0].state: 'upp' is not one of up, connecting, down, disabled" },
                { "\"state\": \"up\"", "\"state\": \"UP\"", "is not one of" },
                { "\"shield\": \"standby\"", "\"shield\": \"on\"", "tunnels[0].shield: 'on' is not one of engaged" },
                { "\"shield\": \"off\",", "", "tunnels[2]: 'shield' is missing" },
                { "\"shield\": \"off\",", "\"shield\": \"off\", \"rekeyed_at\": null,",
                  "tunnels[2]: unknown key 'rekeyed_at'" },
                { "\"last_error\": \"auth-failed\"", "\"last_error\": \"auth\"",
                  "tunnels[3].last_error: 'auth' is not a known reason" },
                { "\"last_error\": \"auth-failed\"", "\"last_error\": \"auth-failed:x\"", "is not KEYWORD" },
                { "\"last_error\": \"auth-failed\"", "\"last_error\": \"auth-failed: \"", "is not KEYWORD" },
                { "\"last_error\": \"auth-failed\"", "\"last_error\": 7", "expected a string or null, found an integer" },
                { "\"ike\": {\n        \"proposal\": \"aes256gcm16-prfsha384-ecp384\",\n", "\"ike\": {\n",
                  "tunnels[0].ike: 'proposal' is missing" },
                { "\"established_at\": \"2024-05-01T08:48:00Z\"",
                  "\"established_at\": \"2024-05-01T08:48:00Z\", \"spi\": 1", "tunnels[0].ike: unknown key 'spi'" },
                { "\"children\": [\n        {", "\"children\": [\n        7, {",
                  "tunnels[0].children[0]: expected an object, found an integer" },
                { "\"bytes_in\": 1258291", "\"bytes_in\": \"1258291\"",
                  "tunnels[0].children[0].bytes_in: expected a non-negative integer, found a string" },
                { "\"bytes_in\": 1258291", "\"bytes_in\": -1", "expected a non-negative integer, found -1" },
                { "\"bytes_in\": 1258291", "\"bytes_in\": 1.5", "found a fraction" },
                { "\"bytes_in\": 1258291", "\"bytes_in\": 1e3", "found a fraction" },
                { "\"bytes_in\": 1258291", "\"bytes_in\": NaN", "found a fraction" },
                { "\"bytes_in\": 1258291", "\"bytes_in\": 18446744073709551615", "out of range" },
                { "\"bytes_in\": 1258291", "\"bytes_in\": 99999999999999999999999", "out of range" },
                { "\"bytes_in\": 1258291", "\"bytes_in\": 01", "not JSON" },
                { "\"packets_in\": 1520,", "", "tunnels[0].children[0]: 'packets_in' is missing" },
                { "\"10.1.0.0/16\"", "[\"10.1.0.0/16\"]", "nesting too deep" },
                { "\"10.1.0.0/16\"", "10", "tunnels[0].children[0].local_ts[0]: expected a string, found an integer" },
                { "\"name\": \"azure-weu\",\n          \"local_ts\"", "\"name\": \"\",\n          \"local_ts\"",
                  "tunnels[0].children[0].name: is empty" },
                { "\"days_left\": 11", "\"days_left\": \"11\"", "tunnels[3].certificate.days_left: expected an integer" },
                { "\"days_left\": 11", "\"days_left\": 10000000", "out of range" },
                { "\"not_after\": \"2024-05-13T00:00:00Z\",", "", "tunnels[3].certificate: 'not_after' is missing" },
                { "\"not_after\": \"2024-05-13T00:00:00Z\"", "\"not_after\": null",
                  "certificate.not_after: expected a string, found null" },
                { "\"remote_address\": \"192.0.2.44\"", "\"remote_address\": \"192.0.2.44\xff\"", "not JSON: invalid utf-8" },
        };
        _cleanup_free_ char *full = expected("full.json");

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(gateway_status_freep) GatewayStatus *s = NULL;
                _cleanup_free_ char *text = NULL, *error = NULL;
                int r;

                text = rows[i].from ? replace_once(full, rows[i].from, rows[i].to) : strdup(rows[i].to);
                assert_non_null(text);
                r = status_parse(text, strlen(text), &s, &error);
                if (!rows[i].error) { /* a control row: this one is fine */
                        if (r != 0)
                                fail_msg("row %zu: r=%d, error '%s'", i, r, error ? error : "(none)");
                        continue;
                }
                if (r != -EBADMSG || !error || !strstr(error, rows[i].error))
                        fail_msg("row %zu: r=%d, error '%s', want '%s'", i, r, error ? error : "(none)", rows[i].error);
                assert_null(s);
        }
}

/* Counts and sizes past the bounds. */
static void test_parse_bounds(void **state) {
        static const struct {
                const char *what;
                unsigned n;
                const char *error;
        } rows[] = {
                { "tunnels", STATUS_MAX_TUNNELS + 1, "tunnels: more than 10000 tunnels" },
                { "children", STATUS_MAX_CHILDREN + 1, "tunnels[0].children: more than 32 child SAs" },
                { "ts", STATUS_MAX_TS + 1, "local_ts: more than 256 traffic selectors" },
                { "string", STATUS_MAX_STRING + 1, "tunnels[0].remote_address: longer than 4096 bytes" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(gateway_status_freep) GatewayStatus *s = NULL;
                _cleanup_free_ char *text = NULL, *error = NULL;
                size_t size = 0;
                FILE *f = open_memstream(&text, &size);
                int r;

                assert_non_null(f);
                fputs("{\"version\": 1, \"generated_at\": \"2024-05-01T12:00:00Z\", \"gateway\": {\"fips_mode\": true, "
                      "\"data_plane\": \"kernel\", \"vici\": null, \"charon_connected\": true, "
                      "\"health_interval_sec\": 10}, \"tunnels\": [",
                      f);
                for (unsigned k = 0; k < (streq(rows[i].what, "tunnels") ? rows[i].n : 1); k++) {
                        fprintf(f, "%s{\"name\": \"t%u\", \"state\": \"down\", \"since\": null, \"local_address\": null, "
                                   "\"remote_address\": \"",
                                k ? ", " : "", k);
                        for (unsigned b = 0; streq(rows[i].what, "string") && b < rows[i].n; b++)
                                fputc('a', f);
                        fputs("\", \"profile\": null, \"ike\": null, \"shield\": \"off\", \"last_error\": null, "
                              "\"children\": [",
                              f);
                        for (unsigned c = 0; c < (streq(rows[i].what, "children") ? rows[i].n : 1); c++) {
                                fprintf(f, "%s{\"name\": \"c\", \"remote_ts\": [], \"proposal\": \"p\", \"bytes_in\": 0, "
                                           "\"bytes_out\": 0, \"packets_in\": 0, \"packets_out\": 0, \"local_ts\": [",
                                        c ? ", " : "");
                                for (unsigned t = 0; t < (streq(rows[i].what, "ts") ? rows[i].n : 1); t++)
                                        fprintf(f, "%s\"10.%u.0.0/16\"", t ? ", " : "", t % 256);
                                fputs("]}", f);
                        }
                        fputs("]}", f);
                }
                fputs("]}\n", f);
                assert_int_equal(fclose(f), 0);
                r = status_parse(text, size, &s, &error);
                if (r != -EBADMSG || !strstr(error, rows[i].error))
                        fail_msg("row %s: r=%d, error '%s'", rows[i].what, r, error ? error : "(none)");

                /* One less is fine: the bounds are exact. */
                free(TAKE_PTR(error));
                if (streq(rows[i].what, "string")) {
                        char *a = strstr(text, "aaaa");

                        memmove(a, a + 1, strlen(a + 1) + 1);
                        assert_int_equal(status_parse(text, strlen(text), &s, &error), 0);
                        s = gateway_status_free(s);
                }
        }
}

static void test_read_file_errors(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *path = NULL, *error = NULL, *fifo = NULL;
        _cleanup_(gateway_status_freep) GatewayStatus *s = NULL;
        _cleanup_close_ int fd = -EBADF;

        assert_true(asprintf(&path, "%s/status.json", dir) > 0);
        assert_int_equal(status_read_file(path, &s, &error), -ENOENT);
        /* Huge: refused by its size, before a byte is read. */
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, (off_t) STATUS_MAX_FILE_SIZE + 1), 0);
        assert_int_equal(status_read_file(path, &s, &error), -EFBIG);
        assert_int_equal(status_parse("{}", (size_t) STATUS_MAX_FILE_SIZE + 1, &s, &error), -EFBIG);
        /* Truncated on disk. */
        assert_int_equal(ftruncate(fd, 0), 0);
        assert_int_equal(write(fd, "{\"version\": 1, ", 15), 15);
        assert_int_equal(status_read_file(path, &s, &error), -EBADMSG);
        assert_non_null(strstr(error, "ends early"));
        /* A FIFO planted at the path does not hang the reader. */
        assert_true(asprintf(&fifo, "%s/fifo", dir) > 0);
        assert_int_equal(mkfifo(fifo, 0644), 0);
        alarm(5);
        assert_int_equal(status_read_file(fifo, &s, NULL), -EINVAL);
        alarm(0);
        assert_int_equal(status_read_file(dir, &s, NULL), -EISDIR);
        assert_null(s);
        th_rmtree(dir);
}

/* A cheap fuzzer that runs under every make check (and under ASan): random
 * damage to a valid document is refused cleanly or accepted, and whatever is
 * accepted can be written again. */
static void test_parse_damaged(void **state) {
        _cleanup_free_ char *full = expected("full.json");
        size_t n = strlen(full);
        uint64_t x = 0x9e3779b97f4a7c15ULL;

        for (unsigned i = 0; i < 4000; i++) {
                _cleanup_(gateway_status_freep) GatewayStatus *s = NULL;
                _cleanup_free_ char *text = malloc(n + 1), *error = NULL, *again = NULL;
                size_t len = n;
                int r;

                assert_non_null(text);
                memcpy(text, full, n + 1);
                for (unsigned k = 0; k < 1 + i % 3; k++) {
                        size_t at;

                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        at = (size_t) (x % len);
                        if (k % 2 == 0)
                                text[at] = (char) (x >> 32); /* overwrite a byte */
                        else {
                                len = at + (len - at) / 2;  /* cut the tail */
                                text[len] = '\0';
                        }
                }
                r = status_parse(text, len, &s, &error);
                if (r == 0) {
                        assert_int_equal(status_to_json(s, &again, NULL), 0);
                        continue;
                }
                assert_int_equal(r, -EBADMSG);
                assert_non_null(error);
        }
}

/* ---- the atomic file writer --------------------------------------------------- */

/* The names in dir, sorted and joined by spaces. */
static char *list_dir(const char *dir) {
        struct dirent **names = NULL;
        char *out = NULL;
        size_t size = 0;
        FILE *f;
        int n;

        n = scandir(dir, &names, NULL, alphasort);
        assert_true(n >= 0);
        f = open_memstream(&out, &size);
        assert_non_null(f);
        for (int i = 0, k = 0; i < n; i++) {
                if (!streq(names[i]->d_name, ".") && !streq(names[i]->d_name, ".."))
                        fprintf(f, "%s%s", k++ ? " " : "", names[i]->d_name);
                free(names[i]);
        }
        free(names);
        assert_int_equal(fclose(f), 0);
        return out;
}


static void test_write_atomic(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *path = NULL, *sub = NULL, *names = NULL, *text = NULL;
        struct stat st, before;
        mode_t old_umask;

        assert_true(asprintf(&sub, "%s/run/gatewayd", dir) > 0);
        assert_true(asprintf(&path, "%s/status.json", sub) > 0);
        /* Parents are made 0755 and the file 0644, whatever the umask. */
        old_umask = umask(077);
        assert_int_equal(write_file_atomic(path, "one\n", 4, 0644), 0);
        umask(old_umask);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        assert_int_equal(stat(sub, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0755);
        assert_string_equal(text = file_text(path), "one\n");
        free(TAKE_PTR(text));

        /* Replaced by a rename: a new inode, never the old one rewritten. */
        assert_int_equal(stat(path, &before), 0);
        assert_int_equal(write_file_atomic(path, "two\n", 4, 0644), 0);
        assert_int_equal(stat(path, &st), 0);
        assert_true(st.st_ino != before.st_ino);
        assert_string_equal(text = file_text(path), "two\n");
        assert_string_equal(names = list_dir(sub), "status.json");

        assert_int_equal(write_file_atomic(NULL, "x", 1, 0644), -EINVAL);
        assert_int_equal(write_file_atomic("", "x", 1, 0644), -EINVAL);
        th_rmtree(dir);
}

/* Makes this process obey file modes as root does not: without
 * CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER (CI runs as root). */
static int drop_dac_capabilities(void) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};
        static const int caps[] = { CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER };

        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(caps); i++)
                d[caps[i] / 32].effective &= ~(1u << (caps[i] % 32));
        return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

typedef enum Fault {
        FAULT_DIR_READ_ONLY,  /* the directory is 0555 */
        FAULT_FILE_TOO_BIG,   /* RLIMIT_FSIZE: write() fails half way */
        FAULT_TARGET_IS_DIR,  /* rename() fails */
} Fault;

/* Runs write_file_atomic() in a child that has the fault; returns its -errno. */
static int write_with_fault(const char *path, Fault fault) {
        static char big[4096];
        int status;
        pid_t pid;

        memset(big, 'x', sizeof(big));
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct rlimit rl = { 100, 100 };
                int r = 0;

                if (fault == FAULT_DIR_READ_ONLY)
                        r = drop_dac_capabilities();
                else if (fault == FAULT_FILE_TOO_BIG) {
                        signal(SIGXFSZ, SIG_IGN);
                        r = setrlimit(RLIMIT_FSIZE, &rl) < 0 ? -errno : 0;
                }
                if (r < 0)
                        _exit(255);
                r = write_file_atomic(path, big, sizeof(big), 0644);
                _exit(r < 0 ? -r : 0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_not_equal(WEXITSTATUS(status), 255);
        return -WEXITSTATUS(status);
}

/* A failed write leaves the old file as it was and no temporary file. */
static void test_write_atomic_failures(void **state) {
        static const struct {
                Fault fault;
                int error;
        } rows[] = {
                { FAULT_DIR_READ_ONLY, -EACCES },
                { FAULT_FILE_TOO_BIG, -EFBIG },
                { FAULT_TARGET_IS_DIR, -EISDIR },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *dir = th_mkdtemp(), *path = NULL, *names = NULL, *text = NULL;

                assert_true(asprintf(&path, "%s/status.json", dir) > 0);
                if (rows[i].fault == FAULT_TARGET_IS_DIR)
                        assert_int_equal(mkdir(path, 0755), 0);
                else
                        assert_int_equal(write_file_atomic(path, "old\n", 4, 0644), 0);
                if (rows[i].fault == FAULT_DIR_READ_ONLY)
                        assert_int_equal(chmod(dir, 0555), 0);
                assert_int_equal(write_with_fault(path, rows[i].fault), rows[i].error);
                assert_int_equal(chmod(dir, 0755), 0);
                assert_string_equal(names = list_dir(dir), "status.json");
                if (rows[i].fault != FAULT_TARGET_IS_DIR)
                        assert_string_equal(text = file_text(path), "old\n");
                th_rmtree(dir);
        }
}

static int refuse(FILE *f, void *userdata) {
        fputs("half of a document", f);
        return -EPROTO;
}

/* A writer that fails: its error, the old file as it was, no temporary file. */
static void test_write_stream_failure(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *path = NULL, *names = NULL, *text = NULL;

        assert_true(asprintf(&path, "%s/status.json", dir) > 0);
        assert_int_equal(write_file_atomic(path, "old\n", 4, 0644), 0);
        assert_int_equal(write_file_atomic_stream(path, 0644, refuse, NULL), -EPROTO);
        assert_string_equal(names = list_dir(dir), "status.json");
        assert_string_equal(text = file_text(path), "old\n");
        assert_int_equal(write_file_atomic_stream(path, 0644, NULL, NULL), -EINVAL);
        th_rmtree(dir);
}

/* ---- the metrics textfile ---------------------------------------------------- */

static void test_metrics(void **state) {
        _cleanup_(gateway_status_freep) GatewayStatus *s = fixture_full();
        _cleanup_free_ char *want = expected("full.prom"), *text = NULL, *dir = th_mkdtemp(), *path = NULL;
        struct stat st;

        assert_int_equal(metrics_to_text(s, &(MetricsCounters) { .shield_drops = 42 }, &text, NULL), 0);
        assert_string_equal(text, want);
        free(TAKE_PTR(text));

        assert_true(asprintf(&path, "%s/textfile/gatewayd.prom", dir) > 0);
        assert_int_equal(metrics_write_file(path, s, &(MetricsCounters) { .shield_drops = 42 }), 0);
        assert_string_equal(text = file_text(path), want);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        free(TAKE_PTR(text));

        /* No counters given: zero drops. */
        assert_int_equal(metrics_to_text(s, NULL, &text, NULL), 0);
        assert_non_null(strstr(text, "\ngatewayd_shield_drops_total 0\n"));
        free(TAKE_PTR(text));

        /* A counter summed over child SAs saturates instead of wrapping. */
        s->tunnels[0]->children[0]->bytes_in = UINT64_MAX - 1;
        assert_non_null(tunnel_status_add_child(s->tunnels[0], "azure-weu"));
        assert_int_equal(status_set_string(&s->tunnels[0]->children[1]->proposal, "aes256gcm16"), 0);
        s->tunnels[0]->children[1]->bytes_in = 5;
        assert_int_equal(metrics_to_text(s, NULL, &text, NULL), 0);
        assert_non_null(strstr(text, "\ngatewayd_tunnel_bytes_in_total{tunnel=\"azure-weu\"} 18446744073709551615\n"));
        free(TAKE_PTR(text));

        /* What cannot be a document cannot be metrics either. */
        assert_int_equal(status_set_string(&s->tunnels[0]->name, "a\"b"), 0);
        assert_int_equal(metrics_to_text(s, NULL, &text, NULL), -EINVAL);
        th_rmtree(dir);
}

/* ---- gatewayctl status ---------------------------------------------------------- */

static void test_format_duration(void **state) {
        static const struct {
                usec_t d;
                const char *text;
        } rows[] = {
                { 0, "0s" },
                { 999999, "0s" },
                { 59 * USEC_PER_SEC, "59s" },
                { 60 * USEC_PER_SEC, "1m0s" },
                { 312 * USEC_PER_SEC, "5m12s" },
                { 3599 * USEC_PER_SEC, "59m59s" },
                { 3600 * USEC_PER_SEC, "1h0m" },
                { (3 * 3600 + 12 * 60 + 59) * USEC_PER_SEC, "3h12m" },
                { 86399 * USEC_PER_SEC, "23h59m" },
                { 86400 * USEC_PER_SEC, "1d0h" },
                { (2 * 86400 + 4 * 3600 + 59) * USEC_PER_SEC, "2d4h" },
                { 400 * USEC_PER_DAY, "400d0h" },
                { UINT64_MAX, "213503982d8h" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                char buf[FORMAT_DURATION_MAX];

                assert_string_equal(format_duration(buf, rows[i].d), rows[i].text);
        }
}

static void test_format_size(void **state) {
        static const struct {
                uint64_t bytes;
                const char *text;
        } rows[] = {
                { 0, "0 B" },
                { 1, "1 B" },
                { 1023, "1023 B" },
                { 1024, "1.0 KiB" },
                { 1075, "1.0 KiB" },  /* 1.0498 */
                { 1076, "1.1 KiB" },  /* 1.0508 */
                { 1258291, "1.2 MiB" },
                { 1048575, "1.0 MiB" }, /* 1023.999 KiB rounds up to the next unit */
                { 1048524, "1023.9 KiB" },
                { 83886080, "80.0 MiB" },
                { 5ULL << 30, "5.0 GiB" },
                { 3ULL << 40, "3.0 TiB" },
                { 7ULL << 50, "7.0 PiB" },
                { 1ULL << 60, "1.0 EiB" },
                { UINT64_MAX, "16.0 EiB" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                char buf[FORMAT_SIZE_MAX];

                assert_string_equal(format_size(buf, rows[i].bytes), rows[i].text);
        }
}

static void test_exit_code(void **state) {
        static const struct {
                TunnelState states[3];
                size_t n;
                int only;      /* index of NAME, or -1 */
                bool stale;
                int code;
        } rows[] = {
                { {}, 0, -1, false, STATUS_EXIT_OK },                                          /* no tunnels */
                { {}, 0, -1, true, STATUS_EXIT_NOT_UP },                                       /* gatewayd gone */
                { { TUNNEL_STATE_UP, TUNNEL_STATE_UP }, 2, -1, false, STATUS_EXIT_OK },
                { { TUNNEL_STATE_UP, TUNNEL_STATE_DISABLED }, 2, -1, false, STATUS_EXIT_OK },  /* disabled: not counted */
                { { TUNNEL_STATE_UP, TUNNEL_STATE_DOWN }, 2, -1, false, STATUS_EXIT_NOT_UP },
                { { TUNNEL_STATE_UP, TUNNEL_STATE_CONNECTING }, 2, -1, false, STATUS_EXIT_NOT_UP },
                { { TUNNEL_STATE_UP, TUNNEL_STATE_UP }, 2, -1, true, STATUS_EXIT_NOT_UP },      /* stale data */
                { { TUNNEL_STATE_UP, TUNNEL_STATE_DOWN }, 2, 0, false, STATUS_EXIT_OK },       /* NAME is up */
                { { TUNNEL_STATE_UP, TUNNEL_STATE_DOWN }, 2, 1, false, STATUS_EXIT_NOT_UP },
                { { TUNNEL_STATE_DISABLED, TUNNEL_STATE_DOWN }, 2, 0, false, STATUS_EXIT_OK },
                { { TUNNEL_STATE_UP }, 1, 0, true, STATUS_EXIT_NOT_UP },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(gateway_status_freep) GatewayStatus *s = gateway_status_new();

                assert_non_null(s);
                for (size_t k = 0; k < rows[i].n; k++) {
                        char name[32];
                        TunnelStatus *t;

                        snprintf(name, sizeof(name), "t%zu", k);
                        assert_non_null(t = gateway_status_add_tunnel(s, name));
                        t->state = rows[i].states[k];
                }
                assert_int_equal(status_exit_code(s, rows[i].only >= 0 ? s->tunnels[rows[i].only] : NULL,
                                                  rows[i].stale),
                                 rows[i].code);
        }
}

static void test_stale(void **state) {
        static const struct {
                unsigned interval;
                int64_t age_usec;
                bool stale;
        } rows[] = {
                { 10, 0, false },
                { 10, 30 * (int64_t) USEC_PER_SEC, false },
                { 10, 30 * (int64_t) USEC_PER_SEC + 1, true },
                { 1, 4 * (int64_t) USEC_PER_SEC, true },
                { 3600, 3 * 3600 * (int64_t) USEC_PER_SEC, false },
                { 10, -3600 * (int64_t) USEC_PER_SEC, false }, /* written "in the future": clock stepped back */
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(gateway_status_freep) GatewayStatus *s = gateway_status_new();

                assert_non_null(s);
                s->generated_at = FIXTURE_NOW;
                s->gateway.health_interval_sec = rows[i].interval;
                assert_int_equal(status_is_stale(s, (usec_t) ((int64_t) FIXTURE_NOW + rows[i].age_usec)), rows[i].stale);
        }
}

static char *printed(const GatewayStatus *s, const TunnelStatus *only, usec_t now) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        assert_non_null(f);
        assert_int_equal(status_print(f, s, only, now), 0);
        assert_int_equal(fclose(f), 0);
        return text;
}

static void test_print(void **state) {
        _cleanup_(gateway_status_freep) GatewayStatus *s = fixture_full(), *empty = fixture_empty();
        _cleanup_free_ char *want = expected("full.txt"), *text = NULL;

        text = printed(s, NULL, FIXTURE_NOW + 5 * USEC_PER_SEC);
        assert_string_equal(text, want);
        free(TAKE_PTR(text));

        /* One tunnel, and the data 31 s old with a 10 s interval. */
        text = printed(s, s->tunnels[1], FIXTURE_NOW + 31 * USEC_PER_SEC);
        assert_string_equal(text,
                            "Status of 2024-05-01 12:00:00 UTC (31s ago): 1/3 tunnels up, charon connected\n"
                            "Warning: data is 31 s old; is gatewayd running?\n"
                            "\n"
                            "NAME      STATE  SINCE  PEER        ALGORITHMS  IN   OUT  PACKETS  SHIELD   CERT\n"
                            "branch-b  down   1m30s  192.0.2.44  -           0 B  0 B  0/0      engaged  -\n"
                            "  last error: dpd-timeout: no answer to DPD for 45 s\n");
        free(TAKE_PTR(text));

        text = printed(empty, NULL, FIXTURE_NOW);
        assert_string_equal(text, "Status of 2024-05-01 12:00:00 UTC (0s ago): 0/0 tunnels up, charon NOT connected "
                                  "(unix:///run/charon.vici)\n"
                                  "No tunnels are configured.\n");
        /* A route tunnel's BGP session, under its row. */
        {
                _cleanup_(gateway_status_freep) GatewayStatus *r = fixture_reasons();
                _cleanup_free_ char *t0 = printed(r, r->tunnels[0], FIXTURE_NOW), *t2 = printed(r, r->tunnels[2], FIXTURE_NOW);

                assert_non_null(strstr(t0, "\n  bgp: down with 169.254.21.1 (AS 65515), 0 prefixes received: tunnel-down\n"));
                assert_non_null(strstr(t2, "\n  bgp: established with 169.254.21.1 (AS 65515), 2 prefixes received\n"));
        }
}

/* Whatever the file holds, nothing but printable text and line feeds
 * reaches the terminal. */
static void test_print_hostile(void **state) {
        _cleanup_(gateway_status_freep) GatewayStatus *s = fixture_escaping();
        _cleanup_free_ char *text = NULL;

        s->tunnels[0]->has_ike = true;
        assert_int_equal(status_set_string(&s->tunnels[0]->ike.proposal, "\x1b]0;owned\x07\xc2\x9b"), 0);
        text = printed(s, NULL, FIXTURE_NOW);
        for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
                assert_true(*p >= 0x20 || *p == '\n');
                assert_true(*p != 0x7f);
                /* C1 controls as UTF-8 (U+0080-U+009F) are gone too. */
                assert_false(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
        }
        assert_non_null(strstr(text, "last error: auth-failed: ID '?[31mroot?[0m' ? ?? ?? </script>\n"));
        /* Table cells are ASCII (their widths are counted in bytes); the
         * error's detail keeps valid UTF-8. */
        assert_non_null(strstr(text, "  ? ?  "));
        free(TAKE_PTR(text));
        assert_int_equal(tunnel_status_set_error(s->tunnels[0], TUNNEL_ERROR_CONFIG, "caf\xc3\xa9 \xc2\x85"), 0);
        text = printed(s, NULL, FIXTURE_NOW);
        assert_non_null(strstr(text, "\n  last error: config: caf\xc3\xa9 ?\n"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_enum_strings),
                cmocka_unit_test(test_zero_is_not_healthy),
                cmocka_unit_test(test_days_left),
                cmocka_unit_test(test_set_error),
                cmocka_unit_test(test_validate),
                cmocka_unit_test(test_write_full),
                cmocka_unit_test(test_write_one_tunnel),
                cmocka_unit_test(test_escaping),
                cmocka_unit_test(test_detail_written),
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_round_trip_values),
                cmocka_unit_test(test_round_trip_escaping),
                cmocka_unit_test(test_round_trip_file),
                cmocka_unit_test(test_parse_malformed),
                cmocka_unit_test(test_parse_bounds),
                cmocka_unit_test(test_read_file_errors),
                cmocka_unit_test(test_parse_damaged),
                cmocka_unit_test(test_write_atomic),
                cmocka_unit_test(test_write_atomic_failures),
                cmocka_unit_test(test_write_stream_failure),
                cmocka_unit_test(test_metrics),
                cmocka_unit_test(test_format_duration),
                cmocka_unit_test(test_format_size),
                cmocka_unit_test(test_exit_code),
                cmocka_unit_test(test_stale),
                cmocka_unit_test(test_print),
                cmocka_unit_test(test_print_hostile),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
