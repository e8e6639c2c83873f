/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ratelimit.h"
#include "testhelp.h"

#define SEC 1000000ULL

/* One row: at time t (s), is the entry let through, and what count of held
 * back entries does it report. Burst 3 per 10 s. */
static void test_window(void **state) {
        static const struct {
                uint64_t t;
                bool below;
                unsigned suppressed;
        } rows[] = {
                { 100, true, 0 },   /* opens the window [100, 110) */
                { 101, true, 0 },
                { 102, true, 0 },
                { 103, false, 0 },  /* fourth: held back */
                { 104, false, 0 },
                { 109, false, 0 },
                { 110, true, 3 },   /* new window: says 3 were held back */
                { 111, true, 0 },   /* said once */
                { 112, true, 0 },
                { 113, false, 0 },
                { 200, true, 1 },   /* a quiet gap still reports the last window */
                { 201, true, 0 },
                { 50, true, 0 },    /* the clock went back: a new window */
        };
        RateLimit rl = { .interval_usec = 10 * SEC, .burst = 3 };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                unsigned s = 12345;

                assert_int_equal(ratelimit_below(&rl, rows[i].t * SEC, &s), rows[i].below);
                assert_int_equal(s, rows[i].suppressed);
        }
}

static void test_unlimited(void **state) {
        RateLimit rl = {};
        unsigned s;

        for (unsigned i = 0; i < 1000; i++) {
                assert_true(ratelimit_below(&rl, 5 * SEC, &s));
                assert_int_equal(s, 0);
        }
        assert_true(ratelimit_below(&rl, 5 * SEC, NULL));
}

static void test_table_keys(void **state) {
        RateLimitTable t = { .interval_usec = 30 * SEC, .burst = 2 };
        unsigned s;

        /* Keys are (kind, name): each has its own budget. */
        assert_true(ratelimit_table_below(&t, 1, "a", 1 * SEC, &s));
        assert_true(ratelimit_table_below(&t, 1, "a", 1 * SEC, &s));
        assert_false(ratelimit_table_below(&t, 1, "a", 1 * SEC, &s));
        assert_false(ratelimit_table_below(&t, 1, "a", 2 * SEC, &s));
        assert_true(ratelimit_table_below(&t, 1, "b", 2 * SEC, &s));
        assert_true(ratelimit_table_below(&t, 2, "a", 2 * SEC, &s));
        assert_true(ratelimit_table_below(&t, 1, NULL, 2 * SEC, &s));
        assert_true(ratelimit_table_below(&t, 1, NULL, 2 * SEC, &s));
        assert_false(ratelimit_table_below(&t, 1, NULL, 2 * SEC, &s));
        assert_int_equal(t.n, 4);
        /* After the window: a's two held-back entries are reported once. */
        assert_true(ratelimit_table_below(&t, 1, "a", 31 * SEC, &s));
        assert_int_equal(s, 2);
        assert_true(ratelimit_table_below(&t, 1, "a", 31 * SEC, &s));
        assert_int_equal(s, 0);
        assert_true(ratelimit_table_below(&t, 1, NULL, 40 * SEC, &s));
        assert_int_equal(s, 1);
        ratelimit_table_clear(&t);
        assert_int_equal(t.n, 0);
        assert_true(ratelimit_table_below(&t, 1, "a", 41 * SEC, &s));
        assert_int_equal(s, 0);
        ratelimit_table_clear(&t);
}

static void test_table_cap(void **state) {
        RateLimitTable t = { .interval_usec = 30 * SEC, .burst = 1, .max = 4 };
        char name[16];
        unsigned s;

        for (unsigned i = 0; i < 4; i++) {
                snprintf(name, sizeof(name), "t%u", i);
                assert_true(ratelimit_table_below(&t, 0, name, 1 * SEC, &s));
        }
        assert_int_equal(t.n, 4);
        /* Full, every slot in its window: new names share the overflow
         * limiter, which is limited too. */
        assert_true(ratelimit_table_below(&t, 0, "x", 2 * SEC, &s));
        assert_false(ratelimit_table_below(&t, 0, "y", 2 * SEC, &s));
        assert_false(ratelimit_table_below(&t, 0, "z", 2 * SEC, &s));
        assert_int_equal(t.n, 4);
        /* t0 holds back one entry: its slot must keep that count. */
        assert_false(ratelimit_table_below(&t, 0, "t0", 3 * SEC, &s));
        /* Windows over: idle slots (t1..t3) are reused, t0's is not. */
        assert_true(ratelimit_table_below(&t, 0, "n1", 40 * SEC, &s));
        assert_int_equal(s, 0);
        assert_int_equal(t.n, 4);
        assert_true(ratelimit_table_below(&t, 0, "t0", 41 * SEC, &s));
        assert_int_equal(s, 1);
        assert_true(ratelimit_table_below(&t, 0, "x", 41 * SEC, &s));
        assert_int_equal(s, 0);
        ratelimit_table_clear(&t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_window),
                cmocka_unit_test(test_unlimited),
                cmocka_unit_test(test_table_keys),
                cmocka_unit_test(test_table_cap),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
