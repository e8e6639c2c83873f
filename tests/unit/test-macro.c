/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>

#include "creds.h"
#include "ikepolicy.h"
#include "macro.h"
#include "model.h"
#include "reload.h"
#include "shield.h"
#include "vici-wire.h"
#include "testhelp.h"

/* DEFINE_STRING_TABLE over an enum with a hole (COLOUR_UNNAMED). */
typedef enum Colour {
        COLOUR_RED,
        COLOUR_UNNAMED,
        COLOUR_BLUE,
        _COLOUR_MAX,
        _COLOUR_INVALID = -EINVAL,
} Colour;

static const char *const colour_table[_COLOUR_MAX] = {
        [COLOUR_RED] = "red",
        [COLOUR_BLUE] = "blue",
};
const char *colour_to_string(Colour c);
Colour colour_from_string(const char *s);
DEFINE_STRING_TABLE(colour, Colour);

typedef struct ColourRow {
        const char *s;
        Colour c;
} ColourRow;

static void test_string_table(void **state) {
        static const ColourRow rows[] = {
                { "red", COLOUR_RED },
                { "blue", COLOUR_BLUE },
                { "Red", _COLOUR_INVALID },   /* case-sensitive */
                { "green", _COLOUR_INVALID },
                { "", _COLOUR_INVALID },
                { NULL, _COLOUR_INVALID },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                assert_int_equal(colour_from_string(rows[i].s), rows[i].c);
                if (rows[i].c >= 0)
                        assert_string_equal(colour_to_string(rows[i].c), rows[i].s);
        }
        /* Out of range, and a hole in the table. */
        assert_null(colour_to_string(_COLOUR_MAX));
        assert_null(colour_to_string(_COLOUR_INVALID));
        assert_null(colour_to_string((Colour) 1000));
        assert_null(colour_to_string(COLOUR_UNNAMED));
}

/* Every table in the tree made with DEFINE_STRING_TABLE: each value has a
 * name that maps back to it. */
#define ROUND_TRIP(name, max)                                                   \
        for (int _i = 0; _i < (int) (max); _i++) {                              \
                const char *_s = name##_to_string(_i);                          \
                assert_non_null(_s);                                            \
                assert_int_equal(name##_from_string(_s), _i);                   \
        }                                                                       \
        assert_null(name##_to_string(max));                                     \
        assert_int_equal(name##_from_string("no such name"), -EINVAL)

static void test_tree_tables_round_trip(void **state) {
        ROUND_TRIP(diag_level, _DIAG_LEVEL_MAX);
        ROUND_TRIP(profile_alg, _PROFILE_ALG_MAX);
        ROUND_TRIP(tunnel_key, _TUNNEL_KEY_MAX);
        ROUND_TRIP(data_plane, _DATA_PLANE_MAX);
        ROUND_TRIP(auth_method, _AUTH_METHOD_MAX);
        ROUND_TRIP(connection_mode, _CONNECTION_MODE_MAX);
        ROUND_TRIP(alg_tier, _TIER_MAX);
        ROUND_TRIP(shield_dir, _SHIELD_DIR_MAX);
        ROUND_TRIP(shield_action, _SHIELD_ACTION_MAX);
        ROUND_TRIP(cert_key_type, _CERT_KEY_TYPE_MAX);
        ROUND_TRIP(tunnel_change, _TUNNEL_CHANGE_MAX);
        ROUND_TRIP(vici_packet_type, _VICI_PACKET_TYPE_MAX);
}

/* DEFINE_TRIVIAL_CLEANUP_FUNC: FUNC runs once, and the variable is NULL
 * after it. */
typedef struct Counted {
        unsigned *n_freed;
} Counted;

static void counted_free(Counted *c) {
        (*c->n_freed)++;
        free(c);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Counted *, counted_free);

static void test_trivial_cleanup_resets(void **state) {
        unsigned n_freed = 0;
        Counted *c = malloc(sizeof(Counted));

        assert_non_null(c);
        c->n_freed = &n_freed;
        counted_freep(&c);
        assert_null(c);
        assert_int_equal(n_freed, 1);
        counted_freep(&c);            /* a second cleanup: nothing to do */
        assert_int_equal(n_freed, 1);

        {
                _cleanup_(counted_freep) Counted *scoped = malloc(sizeof(Counted));
                assert_non_null(scoped);
                scoped->n_freed = &n_freed;
        }
        assert_int_equal(n_freed, 2);
}

static void test_freep_closep_fclosep_reset(void **state) {
        char *p = strdup("x");
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), old_fd = fd;
        FILE *f = fopen("/dev/null", "re");

        assert_non_null(p);
        assert_true(fd >= 0);
        assert_non_null(f);

        freep(&p);
        assert_null(p);
        freep(&p);                    /* free(NULL), not a double free */
        assert_null(p);

        closep(&fd);
        assert_int_equal(fd, -EBADF);
        assert_int_equal(fcntl(old_fd, F_GETFD), -1);
        assert_int_equal(errno, EBADF);
        closep(&fd);
        assert_int_equal(fd, -EBADF);

        fclosep(&f);
        assert_null(f);
        fclosep(&f);
        assert_null(f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_string_table),
                cmocka_unit_test(test_tree_tables_round_trip),
                cmocka_unit_test(test_trivial_cleanup_resets),
                cmocka_unit_test(test_freep_closep_fclosep_reset),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
