/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "strutil.h"
#include "testhelp.h"

static void test_quote(void **state) {
        static const struct {
                const char *in;
                int len;
                const char *ellipsis;
        } rows[] = {
                { "", 0, "" },
                { "abc", 3, "" },
                /* 64 bytes: quoted whole; 65: cut to 64. */
                { "0123456789012345678901234567890123456789012345678901234567890123", 64, "" },
                { "01234567890123456789012345678901234567890123456789012345678901234", 64, "..." },
                /* 'a' and 32 two-byte letters: byte 64 starts a sequence. */
                { "a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 63, "..." },
                /* 32 two-byte letters and 'b': the cut falls after a whole one. */
                { "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" "b", 64, "..." },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                print_message("row %zu\n", i);
                assert_int_equal(quote_len(rows[i].in), rows[i].len);
                assert_string_equal(quote_ellipsis(rows[i].in), rows[i].ellipsis);
        }
}

static void test_closest_match(void **state) {
        static const char *const keys[] = { "RemoteAddress", "RemotePrefixes", "LocalPrefixes", "Enabled" };
        static const struct {
                const char *in;
                unsigned max;
                const char *want;
        } rows[] = {
                { "RemoteAdress", 4, "RemoteAddress" },
                { "remoteprefixes", 4, "RemotePrefixes" }, /* case does not count */
                { "LocalPrefix", 3, "LocalPrefixes" },
                { "LocalPrefix", 1, NULL },                 /* distance 2 */
                { "Color", 2, NULL },
                { "Enabled", 0, "Enabled" },
                { "RemotePrefixe", 2, "RemotePrefixes" },
                /* Past 64 bytes nothing matches. */
                { "EnabledEnabledEnabledEnabledEnabledEnabledEnabledEnabledEnabledEnabled", 100, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                const char *got = closest_match(rows[i].in, keys, ELEMENTSOF(keys), rows[i].max);

                print_message("row %zu\n", i);
                if (rows[i].want)
                        assert_string_equal(got, rows[i].want);
                else
                        assert_null(got);
        }
        assert_null(closest_match("x", keys, 0, 10));
        /* The first of equally near names wins. */
        assert_string_equal(closest_match("aa", (const char *const[]) { "ab", "ac" }, 2, 1), "ab");
}

static void test_strdup_printable(void **state) {
        _cleanup_free_ char *a = strdup_printable("bad\x1b[31mname\x7f\xc3\xa9.conf", 128);
        _cleanup_free_ char *b = strdup_printable("abcdef", 3);

        assert_string_equal(a, "bad?[31mname???.conf");
        assert_string_equal(b, "abc");
}

static void test_strv_free(void **state) {
        char **l = calloc(3, sizeof(char *));

        assert_non_null(l);
        l[0] = strdup("a");
        l[1] = strdup("b");
        assert_null(strv_free(l)); /* LeakSanitizer checks the strings */
        assert_null(strv_free(NULL));
        {
                _cleanup_strv_free_ char **m = calloc(2, sizeof(char *));

                assert_non_null(m);
                m[0] = strdup("c");
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_quote),
                cmocka_unit_test(test_closest_match),
                cmocka_unit_test(test_strdup_printable),
                cmocka_unit_test(test_strv_free),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
