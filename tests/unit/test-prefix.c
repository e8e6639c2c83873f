/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/socket.h>

#include "prefix.h"
#include "testhelp.h"

static void test_parse_table(void **state) {
        static const struct {
                const char *in;
                int ret;
                const char *out; /* canonical form when ret == 0 */
        } rows[] = {
                { "192.0.2.0/24", 0, "192.0.2.0/24" },
                { "0.0.0.0/0", 0, "0.0.0.0/0" },
                { "198.51.100.10/32", 0, "198.51.100.10/32" },
                { "2001:db8::/32", 0, "2001:db8::/32" },
                { "2001:DB8:0:0::/64", 0, "2001:db8::/64" },
                { "::/0", 0, "::/0" },
                { "192.0.2.1/24", -EADDRNOTAVAIL, NULL },
                { "2001:db8::1/64", -EADDRNOTAVAIL, NULL },
                { "192.0.2.0", -EDESTADDRREQ, NULL },
                { "192.0.2.0/33", -EINVAL, NULL },
                { "2001:db8::/129", -EINVAL, NULL },
                { "192.0.2.0/", -EINVAL, NULL },
                { "192.0.2.0/+4", -EINVAL, NULL },
                { "192.0.2.0/ 4", -EINVAL, NULL },
                { "192.0.2.0/0024", -EINVAL, NULL },
                { "/24", -EINVAL, NULL },
                { "192.0.2/24", -EINVAL, NULL },
                { "host.example/24", -EINVAL, NULL },
                { "", -EINVAL, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                char buf[PREFIX_STRLEN];
                Prefix p;
                int r = prefix_parse(rows[i].in, &p);

                if (r != rows[i].ret)
                        print_message("row %zu '%s': %d\n", i, rows[i].in, r);
                assert_int_equal(r, rows[i].ret);
                if (r == 0)
                        assert_string_equal(prefix_to_string(&p, buf), rows[i].out);
        }
}

static Prefix P(const char *s) {
        Prefix p;
        assert_int_equal(prefix_parse(s, &p), 0);
        return p;
}

static void test_overlaps(void **state) {
        static const struct {
                const char *a, *b;
                bool overlaps, a_contains_b;
        } rows[] = {
                { "198.51.100.0/24", "198.51.100.128/25", true, true },
                { "198.51.100.128/25", "198.51.100.0/24", true, false },
                { "198.51.100.0/25", "198.51.100.128/25", false, false },
                { "0.0.0.0/0", "203.0.113.0/24", true, true },
                { "0.0.0.0/0", "2001:db8::/32", false, false },
                { "2001:db8::/32", "2001:db8:1::/48", true, true },
                { "2001:db8:1::/48", "2001:db8:2::/48", false, false },
                { "192.0.2.7/32", "192.0.2.7/32", true, true },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                Prefix a = P(rows[i].a), b = P(rows[i].b);
                assert_int_equal(prefix_overlaps(&a, &b), rows[i].overlaps);
                assert_int_equal(prefix_contains(&a, &b), rows[i].a_contains_b);
        }
}

static void test_masked_and_lists(void **state) {
        Prefix p = { .len = 20 };
        PrefixList l = {};
        char buf[PREFIX_STRLEN];

        assert_int_equal(address_parse("203.0.113.77", &p.addr), 0);
        p = prefix_masked(&p);
        assert_string_equal(prefix_to_string(&p, buf), "203.0.112.0/20");
        assert_false(prefix_list_has_family(&l, AF_INET));
        assert_int_equal(prefix_list_append(&l, &p), 0);
        assert_true(prefix_list_has_family(&l, AF_INET));
        assert_false(prefix_list_has_family(&l, AF_INET6));
        prefix_list_clear(&l);
        assert_int_equal(address_parse("2001:db8::1/64", &p.addr), -EINVAL);
        assert_int_equal(address_parse("2001:db8::1", &p.addr), 0);
        assert_int_equal(p.addr.family, AF_INET6);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_table),
                cmocka_unit_test(test_overlaps),
                cmocka_unit_test(test_masked_and_lists),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
