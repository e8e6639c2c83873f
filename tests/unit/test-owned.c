/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>

#include "fileio.h"
#include "owned.h"
#include "testhelp.h"

/* Names added out of order, twice, and removed: the set holds each once, in
 * order (what owned_has searches), and a save and load gives it back. */
static void test_set(void **state) {
        static const char *const add[] = { "m", "b", "z", "a", "m", "c", "y", "b" };
        static const char *const want[] = { "a", "c", "m", "y", "z" };
        _cleanup_free_ char *dir = th_mkdtemp(), *status = NULL, *text = NULL;
        Owned o = {}, back = {};
        size_t size = 0;

        assert_true(asprintf(&status, "%s/status.json", dir) > 0);
        assert_int_equal(owned_load(&o, status), 0);
        assert_int_equal(o.n, 0);
        for (size_t i = 0; i < ELEMENTSOF(add); i++)
                assert_int_equal(owned_add(&o, add[i]), 0);
        owned_remove(&o, "b");
        owned_remove(&o, "nothing");
        assert_int_equal(o.n, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                assert_string_equal(o.names[i], want[i]);
                assert_true(owned_has(&o, want[i]));
        }
        assert_false(owned_has(&o, "b"));
        assert_false(owned_has(&o, "zz"));
        assert_false(owned_has(&o, ""));

        assert_int_equal(owned_save(&o), 0);
        assert_int_equal(read_full_file_at(AT_FDCWD, o.path, &(ReadFileOptions) {}, &text, &size, NULL), 0);
        assert_string_equal(text, "a\nc\nm\ny\nz\n");
        assert_int_equal(owned_load(&back, status), 0);
        assert_int_equal(back.n, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                assert_true(owned_has(&back, want[i]));
        owned_clear(&o);
        owned_clear(&back);
        th_rmtree(dir);
}

/* 5,000 names in the config's order, then in reverse: each found. */
static void test_many(void **state) {
        Owned o = {};
        char name[32];

        for (int k = 0; k < 2; k++)
                for (int i = 0; i < 5000; i++) {
                        snprintf(name, sizeof(name), "t%05d-%d", k == 0 ? i : 4999 - i, k);
                        assert_int_equal(owned_add(&o, name), 0);
                }
        assert_int_equal(o.n, 10000);
        for (size_t i = 1; i < o.n; i++)
                assert_true(strcmp(o.names[i - 1], o.names[i]) < 0);
        assert_true(owned_has(&o, "t04999-1"));
        assert_true(owned_has(&o, "t00000-0"));
        owned_clear(&o);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_set),
                cmocka_unit_test(test_many),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
