/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The boot shield's decision (gatewayd --shield-only): what of a tree on disk
 * gets a shield when the tree has errors — every RemotePrefix that parses, of
 * every tunnel, broken or not. Each row writes a tree into a temporary
 * directory, loads it as the boot shield does, marks the broken tunnels, and
 * checks the result code, which tunnels are broken and, through
 * shield_build_config(), that exactly their prefixes are blocked. Installing
 * into the kernel is not tested here (tests/check-examples.sh does, end to
 * end). */
#include "bootshield.h"
#include "shield.h"
#include "testhelp.h"

#define GOOD_PSK "AbCdEfGhIjKlMnOpQrStUvWxYz012345"

/* A valid PSK tunnel towards prefix 10.N.0.0/16. */
#define TUNNEL(n, extra)                                                      \
        "[Tunnel]\n"                                                          \
        "RemoteAddress=203.0.113." #n "\n"                                    \
        "PreSharedKeyFile=psk/t" #n "\n"                                      \
        "LocalPrefixes=192.168." #n ".0/24\n"                                 \
        "RemotePrefixes=10." #n ".0.0/16\n"                                   \
        "FailClosed=yes\n" extra

typedef struct TreeFile {
        const char *path;
        const char *text;
        mode_t mode;
} TreeFile;

#define MAX_FILES 8

typedef struct Row {
        const char *what;
        TreeFile files[MAX_FILES];
        int ret;                      /* bootshield_load's result */
        size_t n_broken;
        const char *broken;           /* tunnel names marked broken, space-separated */
        const char *blocked;          /* RemotePrefixes blocked, space-separated */
} Row;

static const Row rows[] = {
        {
                "all good",
                {
                        { "tunnels.d/good.conf", TUNNEL(1, ""), 0644 },
                        { "psk/t1", GOOD_PSK "\n", 0600 },
                },
                0, 0, "", "10.1.0.0/16",
        },
        {
                /* The tree of the issue: one good tunnel, one whose file has a
                 * misspelt key, one whose PSK file others can read. The boot
                 * shield judges tunnel files, not secrets: the PSK tunnel's
                 * own file is valid, so it is shielded (over-blocking is
                 * safe); gatewayd proper refuses the secret later. */
                "good, misspelt key, PSK of wrong mode",
                {
                        { "tunnels.d/good.conf", TUNNEL(1, ""), 0644 },
                        { "tunnels.d/typo.conf", TUNNEL(2, "TcpMssClmp=1350\n"), 0644 },
                        { "tunnels.d/loose.conf", TUNNEL(3, ""), 0644 },
                        { "psk/t1", GOOD_PSK "\n", 0600 },
                        { "psk/t2", GOOD_PSK "\n", 0600 },
                        { "psk/t3", GOOD_PSK "\n", 0644 },
                },
                -EINVAL, 1, "typo", "10.1.0.0/16 10.2.0.0/16 10.3.0.0/16",
        },
        {
                /* A misspelt RemotePrefixes: the tunnel is incomplete; its
                 * neighbour is still shielded. */
                "missing RemotePrefixes",
                {
                        { "tunnels.d/good.conf", TUNNEL(1, ""), 0644 },
                        { "tunnels.d/typo.conf",
                          "[Tunnel]\nRemoteAddress=203.0.113.2\nPreSharedKeyFile=psk/t2\n"
                          "LocalPrefixes=192.168.2.0/24\nRemotePrefix=10.2.0.0/16\nFailClosed=yes\n",
                          0644 },
                },
                -EINVAL, 1, "typo", "10.1.0.0/16",
        },
        {
                /* A 0/0 RemotePrefixes is refused and leaves the model: no
                 * shield for it (a 0/0 block would lock the device out). */
                "0/0 refused",
                {
                        { "tunnels.d/good.conf",
                          "[Tunnel]\nRemoteAddress=2001:db8::1\nPreSharedKeyFile=psk/t1\n"
                          "LocalPrefixes=2001:db8:1::/48\nRemotePrefixes=2001:db8:2::/48\nFailClosed=yes\n",
                          0644 },
                        { "tunnels.d/all.conf",
                          "[Tunnel]\nRemoteAddress=203.0.113.2\nPreSharedKeyFile=psk/t2\n"
                          "LocalPrefixes=192.168.2.0/24\nRemotePrefixes=0.0.0.0/0\nFailClosed=yes\n",
                          0644 },
                },
                -EINVAL, 1, "all", "2001:db8:2::/48",
        },
        {
                /* An error outside every tunnel file breaks no tunnel (it
                 * stops gatewayd proper); all are shielded. */
                "broken gatewayd.conf",
                {
                        { "gatewayd.conf", "[Gateway]\nFipsMode=maybe\n", 0644 },
                        { "tunnels.d/good.conf", TUNNEL(1, ""), 0644 },
                        { "tunnels.d/other.conf", TUNNEL(2, ""), 0644 },
                },
                -EINVAL, 0, "", "10.1.0.0/16 10.2.0.0/16",
        },
        {
                "every tunnel broken",
                {
                        { "tunnels.d/a.conf", TUNNEL(1, "Bogus=1\n"), 0644 },
                        { "tunnels.d/b.conf", TUNNEL(2, "FailClosed=perhaps\n"), 0644 },
                },
                -EINVAL, 2, "a b", "10.1.0.0/16 10.2.0.0/16",
        },
        {
                /* Overlapping RemotePrefixes are reported at the later
                 * tunnel; both are shielded (the same block, once). */
                "overlap",
                {
                        { "tunnels.d/a.conf", TUNNEL(1, ""), 0644 },
                        { "tunnels.d/b.conf",
                          "[Tunnel]\nRemoteAddress=203.0.113.2\nPreSharedKeyFile=psk/t2\n"
                          "LocalPrefixes=192.168.2.0/24\nRemotePrefixes=10.1.0.0/16\nFailClosed=yes\n",
                          0644 },
                },
                -EINVAL, 1, "b", "10.1.0.0/16",
        },
        {
                /* A RemotePrefix that would lock the device out (it covers
                 * another tunnel's peer: IKE would be blocked) is refused
                 * and leaves the model: the broken tunnel is shielded for
                 * the rest of its prefixes only. */
                "lock-out prefix dropped",
                {
                        { "tunnels.d/a.conf", TUNNEL(1, ""), 0644 },
                        { "tunnels.d/b.conf",
                          "[Tunnel]\nRemoteAddress=198.51.100.2\nPreSharedKeyFile=psk/t2\n"
                          "LocalPrefixes=192.168.2.0/24\nRemotePrefixes=203.0.113.0/24, 10.2.0.0/16\nFailClosed=yes\n",
                          0644 },
                },
                -EINVAL, 1, "b", "10.1.0.0/16 10.2.0.0/16",
        },
};

/* Whether space-separated list has word. */
static bool has_word(const char *list, const char *word) {
        size_t n = strlen(word);

        for (const char *p = list; (p = strstr(p, word)); p += n)
                if ((p == list || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
                        return true;
        return false;
}

static size_t count_words(const char *list) {
        size_t n = 0;

        for (const char *p = list; *p; p++)
                n += *p != ' ' && (p == list || p[-1] == ' ');
        return n;
}

/* True if want has an out block towards prefix. */
static bool blocks(const ShieldPolicySet *want, const char *prefix) {
        char buf[PREFIX_STRLEN];

        for (size_t i = 0; i < want->n; i++) {
                const ShieldPolicy *p = &want->items[i];

                if (p->dir == SHIELD_DIR_OUT && p->action == SHIELD_ACTION_BLOCK &&
                    streq(prefix_to_string(&p->dst, buf), prefix))
                        return true;
        }
        return false;
}

static void test_decision_table(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                const Row *row = &rows[i];
                _cleanup_free_ char *dir = th_mkdtemp();
                _cleanup_(diag_list_clear) DiagList d = {};
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_(shield_policy_set_clear) ShieldPolicySet want = {};
                size_t n_blocks = 0;

                print_message("# %s\n", row->what);
                for (size_t j = 0; j < MAX_FILES && row->files[j].path; j++)
                        free(th_write_file(dir, row->files[j].path, row->files[j].text, row->files[j].mode));

                assert_int_equal(bootshield_load(dir, &d, &c), row->ret);
                assert_non_null(c);
                if (row->ret < 0)
                        assert_true(d.n_errors > 0);
                else
                        assert_no_errors(&d);
                assert_int_equal(bootshield_mark_broken(c, &d), (ssize_t) row->n_broken);
                for (size_t j = 0; j < c->n_tunnels; j++) {
                        print_message("#   %s: %s\n", c->tunnels[j]->name, c->tunnels[j]->broken ?: "ok");
                        assert_int_equal(!!c->tunnels[j]->broken, has_word(row->broken, c->tunnels[j]->name));
                }

                assert_int_equal(shield_build_config(c, 0, &want), 0);
                for (size_t j = 0; j < want.n; j++)
                        n_blocks += want.items[j].dir == SHIELD_DIR_OUT &&
                                    want.items[j].action == SHIELD_ACTION_BLOCK;
                assert_int_equal(n_blocks, count_words(row->blocked));
                for (size_t j = 0; j < MAX_FILES && row->files[j].path; j++) {
                        /* the RemotePrefixes of each tunnel file of the row */
                        const char *rp = strstr(row->files[j].text, "RemotePrefixes=");
                        char prefix[32];

                        if (!rp || !strstr(row->files[j].path, "tunnels.d/"))
                                continue;
                        assert_int_equal(sscanf(rp, "RemotePrefixes=%31[0-9a-f:./]", prefix), 1);
                        assert_int_equal(blocks(&want, prefix), has_word(row->blocked, prefix));
                }
                th_rmtree(dir);
        }
}

/* A tree that cannot be read at all is an error, never "no tunnels". */
static void test_unreadable(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *missing = NULL;
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        assert_true(asprintf(&missing, "%s/nope", dir) > 0);
        r = bootshield_load(missing, &d, &c);
        assert_true(r < 0);
        assert_true(d.n_errors > 0);
        th_rmtree(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_decision_table),
                cmocka_unit_test(test_unreadable),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
