/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "settings.h"
#include "testhelp.h"

static char *print_tree(const SettingsNode *root) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        assert_int_equal(settings_print_swanctl(root, f), 0);
        fclose(f);
        return buf;
}

static void test_tree_and_print(void **state) {
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
        _cleanup_free_ char *out = NULL;
        SettingsNode *conn, *local, *secrets, *ike;
        char *ts[] = { "198.51.100.0/25", "2001:db8:1::/48" };

        assert_non_null(root);
        conn = settings_add_section(settings_add_section(root, "connections"), "weu");
        assert_non_null(conn);
        assert_int_equal(settings_set(conn, "remote_addrs", "192.0.2.2", 0), 0);
        assert_int_equal(settings_setf(conn, "rekey_time", "%us", 25920u), 0);
        local = settings_add_section(conn, "local");
        assert_int_equal(settings_set(local, "id", "C=US, O=Example \"Corp\", CN=gw", 0), 0);
        assert_int_equal(settings_set_list(conn, "local_ts", ts, 2, 0), 0);
        secrets = settings_add_section(root, "secrets");
        ike = settings_add_section(secrets, "ike-weu");
        assert_int_equal(settings_set(ike, "secret", "/etc/gatewayd/psk/weu", SETTINGS_SECRET | SETTINGS_FILE), 0);

        assert_string_equal(settings_lookup(root, "connections.weu.rekey_time")->value, "25920s");
        assert_int_equal(settings_lookup(root, "connections.weu.local_ts")->n_items, 2);
        assert_null(settings_lookup(root, "connections.nope.rekey_time"));

        out = print_tree(root);
        assert_non_null(strstr(out, "connections {\n    weu {\n        remote_addrs = 192.0.2.2\n"));
        assert_non_null(strstr(out, "id = \"C=US, O=Example \\\"Corp\\\", CN=gw\"\n"));
        assert_non_null(strstr(out, "local_ts = 198.51.100.0/25, 2001:db8:1::/48\n"));
        assert_non_null(strstr(out, "secret = " SETTINGS_MASK "\n"));
        /* The secret's source is not printed either. */
        assert_null(strstr(out, "/etc/gatewayd/psk/weu"));
}

static void test_copy_and_remove(void **state) {
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL), *copy = NULL;
        _cleanup_free_ char *a = NULL, *b = NULL;
        SettingsNode *local;
        char *certs[] = { "/etc/gatewayd/certs/gw.pem" };

        local = settings_add_section(settings_add_section(root, "weu"), "local");
        assert_int_equal(settings_set(local, "auth", "pubkey", 0), 0);
        assert_int_equal(settings_set_list(local, "certs", certs, 1, SETTINGS_FILE), 0);
        copy = settings_copy(root);
        assert_non_null(copy);
        a = print_tree(root);
        b = print_tree(copy);
        assert_string_equal(a, b);
        assert_int_equal(settings_lookup(copy, "weu.local.certs")->flags, SETTINGS_FILE);

        /* Removing from the copy leaves the original alone. */
        assert_int_equal(settings_remove(settings_get_mutable(settings_get_mutable(copy, "weu"), "local"), "certs"), 0);
        assert_null(settings_lookup(copy, "weu.local.certs"));
        assert_non_null(settings_lookup(copy, "weu.local.auth"));
        assert_non_null(settings_lookup(root, "weu.local.certs"));
        assert_int_equal(settings_remove(local, "nope"), -ENOENT);
}

static void test_detach(void **state) {
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL), *weu = NULL;
        _cleanup_free_ char *a = NULL;

        assert_non_null(settings_add_section(root, "first"));
        assert_non_null(settings_add_section(root, "weu"));
        assert_int_equal(settings_set(settings_get_mutable(root, "weu"), "version", "2", 0), 0);
        assert_non_null(settings_add_section(root, "last"));

        /* Taken out whole, children and all; its siblings keep their order. */
        weu = settings_detach(root, "weu");
        assert_non_null(weu);
        assert_string_equal(weu->name, "weu");
        assert_string_equal(settings_get(weu, "version")->value, "2");
        assert_null(settings_get(root, "weu"));
        assert_int_equal(root->n_children, 2);
        assert_string_equal(root->children[0]->name, "first");
        assert_string_equal(root->children[1]->name, "last");
        assert_null(settings_detach(root, "weu"));
        a = print_tree(root);
        assert_null(strstr(a, "weu"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tree_and_print),
                cmocka_unit_test(test_copy_and_remove),
                cmocka_unit_test(test_detach),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
