/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "conf.h"
#include "ini.h"
#include "strutil.h"
#include "testhelp.h"

#define P "t.conf"

/* Records every entry as "LINE:[Section]" or "LINE:Section.key=value",
 * joined by '|', so that a row states the whole token stream. */
typedef struct Transcript {
        char buf[4096];
        int fail_at;    /* return -ENOMEM at this entry (1-based), 0 = never */
        int n;
} Transcript;

static int record(const IniEntry *e, void *userdata) {
        Transcript *t = userdata;
        size_t l = strlen(t->buf);

        if (++t->n == t->fail_at)
                return -ENOMEM;
        if (e->type == INI_SECTION) {
                assert_int_equal(e->section_line, e->line);
                snprintf(t->buf + l, sizeof(t->buf) - l, "%s%u:[%s]", l ? "|" : "", e->line, e->section);
        } else
                snprintf(t->buf + l, sizeof(t->buf) - l, "%s%u:%s@%u.%s=%s", l ? "|" : "", e->line, e->section,
                         e->section_line, e->key, e->value);
        return 0;
}

static void test_tokens(void **state) {
        static const struct {
                const char *in;
                const char *tokens;
        } rows[] = {
                { "", "" },
                { "\n\n   \n\t\n", "" },
                { "[A]\nk=v\n", "1:[A]|2:A@1.k=v" },
                { "[A]\nk=v", "1:[A]|2:A@1.k=v" },                         /* no final newline */
                { "  [A]  \n  Key  =  a value  \n", "1:[A]|2:A@1.Key=a value" }, /* trimming */
                { "[A]\r\nk=v\r\n", "1:[A]|2:A@1.k=v" },                   /* CRLF */
                { "# c\n; c\n  # indented\n[A]\n#k=v\n", "4:[A]" },
                { "[A]\nk=\n", "1:[A]|2:A@1.k=" },                         /* empty value: conf judges */
                { "[A]\nk = a=b\n", "1:[A]|2:A@1.k=a=b" },                 /* first '=' splits */
                { "[A]\nk=v#not-a-comment\n", "1:[A]|2:A@1.k=v#not-a-comment" }, /* no blank before '#' */
                { "[A]\nk=#v;w\n", "1:[A]|2:A@1.k=#v;w" },
                { "\xef\xbb\xbf[A]\nk=v\n", "1:[A]|2:A@1.k=v" },              /* a UTF-8 BOM is skipped */
                { "[A]\nk=v\n[B]\nx=y\n", "1:[A]|2:A@1.k=v|3:[B]|4:B@3.x=y" },
                { "[A]\nk=\tv\t\n", "1:[A]|2:A@1.k=v" },
                { "[A]\nk=caf\xc3\xa9\n", "1:[A]|2:A@1.k=caf\xc3\xa9" },   /* valid UTF-8 passes */
                { "[A b]\n", "1:[A b]" },                                  /* conf rejects the name */
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(diag_list_clear) DiagList d = {};
                Transcript t = {};
                int r;

                r = ini_parse(rows[i].in, strlen(rows[i].in), P, &d, record, &t);
                if (r != 0 || !streq(t.buf, rows[i].tokens))
                        print_message("row %zu: r=%d tokens '%s'\n", i, r, t.buf);
                assert_int_equal(r, 0);
                assert_no_errors(&d);
                assert_string_equal(t.buf, rows[i].tokens);
        }
}

static void test_errors(void **state) {
        static const struct {
                const char *in;
                size_t len;           /* 0: strlen(in) */
                unsigned line;
                const char *needle;
                const char *tokens;   /* what still came through */
        } rows[] = {
                { "[A]\njunk\nk=v\n", 0, 2, "not a section, comment or Key=Value line (4 characters, not shown", "1:[A]|3:A@1.k=v" },
                { "k=v\n[A]\n", 0, 1, "key 'k' before any section", "2:[A]" },
                { "[A]\n=v\n", 0, 2, "empty key name (a line starting with '=')", "1:[A]" },
                { "[A]\nk=v # c\n", 0, 2, "k: '#' inside the value: comments go on their own line", "1:[A]" },
                { "[A]\nk=v\t; c\n", 0, 2, "k: ';' inside the value: comments go on their own line", "1:[A]" },
                { "[A]\nk=#v #c\n", 0, 2, "k: '#' inside the value", "1:[A]" },
                { "[A]\nk9=v #c\n", 0, 2, "'#' inside a value: comments go on their own line", "1:[A]" },
                { "k1=v\n[A]\n", 0, 1, "Key=Value line before any section, and its key (2 characters, not shown)", "2:[A]" },
                { "\xef\xbb\xbf\xef\xbb\xbf[A]\n", 0, 1, "not a section, comment or Key=Value line", "" },
                { "[A]\n  = \n", 0, 2, "empty key name", "1:[A]" },
                { "[A\n", 0, 1, "without closing ']'", "" },
                { "[A] x\n", 0, 1, "text after section header", "" },
                { "[]\n", 0, 1, "empty section name", "" },
                { "[ ]\n", 0, 1, "empty section name", "" },
                { "[A]]\n", 0, 1, "malformed section header", "" },
                { "[A]\nk=v\x01w\n", 0, 2, "control character 0x01 at column 4", "1:[A]" },
                { "[A]\nk=v\x7f\n", 0, 2, "control character 0x7f", "1:[A]" },
                { "[A]\nk=a\rb\n", 0, 2, "control character 0x0d at column 4", "1:[A]" },
                { "[A]\nk=v\0w\nx=y\n", 14, 2, "NUL byte at column 4", "1:[A]|3:A@1.x=y" },
                { "[A]\nk=\xff\n", 0, 2, "non-ASCII or control character (byte 0xff at column 3", "1:[A]" },
                { "[A]\nk=\xc3\n", 0, 2, "non-ASCII or control character", "1:[A]" },       /* truncated */
                { "[A]\nk=\xc0\xaf\n", 0, 2, "non-ASCII or control character", "1:[A]" },   /* overlong '/' */
                { "[A]\nk=\xed\xa0\x80\n", 0, 2, "non-ASCII or control character", "1:[A]" }, /* surrogate */
                { "[A]\nk=\xc2\x85\n", 0, 2, "non-ASCII or control character", "1:[A]" },   /* C1 NEL */
                { "[A]\nk=\xf4\x90\x80\x80\n", 0, 2, "non-ASCII or control character", "1:[A]" }, /* > U+10FFFF */
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(diag_list_clear) DiagList d = {};
                Transcript t = {};
                size_t len = rows[i].len ? rows[i].len : strlen(rows[i].in);
                int r;

                r = ini_parse(rows[i].in, len, P, &d, record, &t);
                if (r != 0)
                        print_message("row %zu: r=%d\n", i, r);
                /* Lexical errors are counted, not returned. */
                assert_int_equal(r, 0);
                assert_diag(&d, DIAG_ERROR, P, rows[i].line, rows[i].needle);
                assert_int_equal(d.n_errors, 1);
                assert_string_equal(t.buf, rows[i].tokens);
        }
}

/* Every bad line is reported, not only the first. */
static void test_all_errors_reported(void **state) {
        static const char in[] = "x=1\n[A]\njunk\n=v\nk=\x02\nok=1\n";
        _cleanup_(diag_list_clear) DiagList d = {};
        Transcript t = {};

        assert_int_equal(ini_parse(in, strlen(in), P, &d, record, &t), 0);
        assert_int_equal(d.n_errors, 4);
        assert_diag(&d, DIAG_ERROR, P, 1, "before any section");
        assert_diag(&d, DIAG_ERROR, P, 3, "not a section");
        assert_diag(&d, DIAG_ERROR, P, 4, "empty key");
        assert_diag(&d, DIAG_ERROR, P, 5, "control character");
        assert_string_equal(t.buf, "2:[A]|6:A@2.ok=1");
}

static void test_long_lines(void **state) {
        _cleanup_free_ char *in = malloc(CONF_MAX_LINE + 64);
        _cleanup_(diag_list_clear) DiagList d = {};
        Transcript t = {};
        size_t n;

        /* A line of exactly CONF_MAX_LINE bytes is fine; one more is not. */
        n = (size_t) sprintf(in, "[A]\nk=");
        memset(in + n, 'x', CONF_MAX_LINE - 2);
        n += CONF_MAX_LINE - 2;
        in[n++] = '\n';
        assert_int_equal(ini_parse(in, n, P, &d, record, &t), 0);
        assert_no_errors(&d);
        assert_int_equal(t.n, 2);

        in[n - 1] = 'x';
        in[n++] = '\n';
        memcpy(in + n, "z=1\n", 4);
        n += 4;
        t = (Transcript) {};
        assert_int_equal(ini_parse(in, n, P, &d, record, &t), 0);
        assert_int_equal(d.n_errors, 1);
        assert_diag(&d, DIAG_ERROR, P, 2, "line too long (4097 bytes, at most 4096)");
        assert_string_equal(t.buf, "1:[A]|3:A@1.z=1");
}

static void test_long_quote_truncated(void **state) {
        char in[512];
        _cleanup_(diag_list_clear) DiagList d = {};
        Transcript t = {};

        /* A line that is not Key=Value is described, not quoted (it may be
         * a key pasted on its own); a long section name is cut. */
        snprintf(in, sizeof(in), "[A]\n%0200d\n[%0200d\n", 7, 7);
        assert_int_equal(ini_parse(in, strlen(in), P, &d, record, &t), 0);
        assert_int_equal(d.n, 2);
        assert_int_equal(d.n_errors, 2);
        assert_null(strstr(d.items[0].message, "0000"));
        assert_non_null(strstr(d.items[0].message, "(200 characters, not shown"));
        assert_non_null(strstr(d.items[1].message, "...')"));
        assert_true(strlen(d.items[1].message) < 200);
        /* The one cap of every diagnostic (strutil.h): QUOTE_MAX bytes. */
        assert_int_equal(QUOTE_MAX, 64);
}

static void test_file_size_cap(void **state) {
        _cleanup_(diag_list_clear) DiagList d = {};
        Transcript t = {};
        _cleanup_free_ char *in = malloc(CONF_MAX_FILE_SIZE + 1);

        memset(in, '#', CONF_MAX_FILE_SIZE + 1);
        /* Refused as a whole: reported and counted; nothing tokenized. */
        assert_int_equal(ini_parse(in, CONF_MAX_FILE_SIZE + 1, P, &d, record, &t), 0);
        assert_int_equal(d.n_errors, 1);
        assert_diag(&d, DIAG_ERROR, P, 0, "file too large");
        assert_int_equal(t.n, 0);
}

static void test_callback_error_stops(void **state) {
        static const char in[] = "[A]\na=1\nb=2\nc=3\n";
        _cleanup_(diag_list_clear) DiagList d = {};
        Transcript t = { .fail_at = 3 };

        assert_int_equal(ini_parse(in, strlen(in), P, &d, record, &t), -ENOMEM);
        assert_int_equal(t.n, 3);
        assert_string_equal(t.buf, "1:[A]|2:A@1.a=1");
}

/* The buffer need not be NUL-terminated: bytes past len are never read. */
static void test_not_terminated(void **state) {
        _cleanup_(diag_list_clear) DiagList d = {};
        Transcript t = {};
        char *in = malloc(7);

        memcpy(in, "[A]\nk=v", 7);
        assert_int_equal(ini_parse(in, 7, P, &d, record, &t), 0);
        assert_string_equal(t.buf, "1:[A]|2:A@1.k=v");
        free(in);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tokens),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_all_errors_reported),
                cmocka_unit_test(test_long_lines),
                cmocka_unit_test(test_long_quote_truncated),
                cmocka_unit_test(test_file_size_cap),
                cmocka_unit_test(test_callback_error_stops),
                cmocka_unit_test(test_not_terminated),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
