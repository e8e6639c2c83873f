/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "diag.h"
#include "testhelp.h"

static void test_format_and_sort(void **state) {
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        assert_int_equal(diag_error(&d, "tunnels.d/b.conf", 7, "x ('%s'); fix it", "v"), 0);
        assert_int_equal(diag_warning(&d, "tunnels.d/a.conf", 3, "w"), 0);
        assert_int_equal(diag_error(&d, "tunnels.d/a.conf", 2, "first"), 0);
        assert_int_equal(diag_error(&d, NULL, 0, "global"), 0);
        assert_int_equal(d.n_errors, 3);
        assert_int_equal(d.n_warnings, 1);
        diag_sort(&d);
        a = diag_format(&d.items[0]);
        b = diag_format(&d.items[1]);
        c = diag_format(&d.items[3]);
        assert_string_equal(a, "error: global");
        assert_string_equal(b, "tunnels.d/a.conf:2: error: first");
        assert_string_equal(c, "tunnels.d/b.conf:7: error: x ('v'); fix it");
        assert_non_null(diag_find(&d, "fix it"));
        assert_null(diag_find(&d, "absent"));
}

static void test_cap(void **state) {
        _cleanup_(diag_list_clear) DiagList d = {};

        for (unsigned i = 0; i < DIAG_MAX + 5; i++)
                assert_int_equal(diag_error(&d, "f", i + 1, "e%u", i), 0);
        assert_int_equal(d.n, DIAG_MAX);
        assert_int_equal(d.n_dropped, 5);
        /* Dropped errors still fail the run. */
        assert_int_equal(d.n_errors, DIAG_MAX + 5);
}

static void test_append_from(void **state) {
        _cleanup_(diag_list_clear) DiagList from = {}, to = {};
        _cleanup_free_ char *a = NULL, *b = NULL;

        assert_int_equal(diag_error(&from, "x", 1, "skipped"), 0);
        assert_int_equal(diag_warning(&from, "tunnels.d/a.conf", 3, "w"), 0);
        assert_int_equal(diag_error(&from, NULL, 0, "global %d%%", 5), 0);
        assert_int_equal(diag_append_from(&to, &from, 1), 0);
        assert_int_equal(to.n, 2);
        assert_int_equal(to.n_errors, 1);
        assert_int_equal(to.n_warnings, 1);
        a = diag_format(&to.items[0]);
        b = diag_format(&to.items[1]);
        assert_string_equal(a, "tunnels.d/a.conf:3: warning: w");
        assert_string_equal(b, "error: global 5%");
        assert_int_equal(diag_append_from(&to, &from, 3), 0);
        assert_int_equal(to.n, 2);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_format_and_sort),
                cmocka_unit_test(test_cap),
                cmocka_unit_test(test_append_from),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
