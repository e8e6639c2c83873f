/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The status document: its model, the JSON writer (compared byte for byte),
 * the atomic file writer and the node_exporter textfile. */
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

static char *file_text(const char *path) {
        const ReadFileOptions o = { .max_size = 1 << 20 };
        char *text = NULL;
        size_t size;

        assert_int_equal(read_full_file_at(AT_FDCWD, path, &o, &text, &size, NULL), 0);
        return text;
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
                cmocka_unit_test(test_write_atomic),
                cmocka_unit_test(test_write_atomic_failures),
                cmocka_unit_test(test_metrics),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
