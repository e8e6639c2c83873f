/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "reload.h"
#include "testhelp.h"

static char *dir;

static const char *tunnel_text(char *buf, size_t n, const char *remote, const char *extra) {
        snprintf(buf, n,
                 "[Tunnel]\nRemoteAddress=%s\nPreSharedKeyFile=%s/psk\nLocalPrefixes=198.51.100.0/25\n"
                 "RemotePrefixes=%s\n%s",
                 remote, dir, streq(remote, "203.0.113.1") ? "198.51.100.128/26" : "198.51.100.192/26", extra);
        return buf;
}

/* Builds a config of the given tunnels ("name=extra lines") from memory. */
static Config *make(const char *a_extra, bool with_b) {
        const ConfOptions o = { .secret_owner = getuid(), .check_files = true };
        _cleanup_(diag_list_clear) DiagList d = {};
        Config *c = config_new(dir);
        char buf[1024];

        assert_non_null(c);
        tunnel_text(buf, sizeof(buf), "203.0.113.1", a_extra);
        assert_int_equal(conf_parse_tunnel(c, "a", "tunnels.d/a.conf", buf, strlen(buf), &d), 0);
        if (with_b) {
                tunnel_text(buf, sizeof(buf), "203.0.113.2", "");
                assert_int_equal(conf_parse_tunnel(c, "b", "tunnels.d/b.conf", buf, strlen(buf), &d), 0);
        }
        assert_int_equal(conf_finish(c, &o, &d), 0);
        assert_no_errors(&d);
        return c;
}

static void fingerprints(const Config *c, TunnelFingerprint *fp) {
        for (size_t i = 0; i < c->n_tunnels; i++)
                assert_int_equal(tunnel_fingerprint(&c->gateway, c->tunnels[i], &fp[i]), 0);
}

static const TunnelDiffEntry *entry_of(const TunnelDiff *d, const char *name) {
        for (size_t i = 0; i < d->n; i++)
                if (streq(d->entries[i].name, name))
                        return &d->entries[i];
        fail_msg("no diff entry for %s", name);
        return NULL;
}

static TunnelChange change_of(const TunnelDiff *d, const char *name) {
        return entry_of(d, name)->change;
}

static void test_diff_rows(void **state) {
        static const struct {
                const char *a_extra;
                bool with_b;
                TunnelChange a, b;
                size_t added, changed, removed;
                bool creds; /* a's PSK group key must go again (apply.h) */
        } rows[] = {
                { "", true, TUNNEL_UNCHANGED, TUNNEL_UNCHANGED, 0, 0, 0, false },
                { "DpdTimeoutSeconds=30\n", true, TUNNEL_CHANGED, TUNNEL_UNCHANGED, 0, 1, 0, false },
                { "Profile=fips-cbc\n", true, TUNNEL_CHANGED, TUNNEL_UNCHANGED, 0, 1, 0, false },
                { "FailClosed=no\n", true, TUNNEL_SHIELD_ONLY, TUNNEL_UNCHANGED, 0, 1, 0, false },
                { "TcpMssClamp=1300\n", true, TUNNEL_SHIELD_ONLY, TUNNEL_UNCHANGED, 0, 1, 0, false },
                { "Enabled=no\n", true, TUNNEL_CHANGED, TUNNEL_UNCHANGED, 0, 1, 0, true },
                /* Another group, another owner: the key goes again. */
                { "LocalId=gw.onprem.example\n", true, TUNNEL_CHANGED, TUNNEL_UNCHANGED, 0, 1, 0, true },
                { "RemoteId=peer.azure.example\n", true, TUNNEL_CHANGED, TUNNEL_UNCHANGED, 0, 1, 0, true },
                { "", false, TUNNEL_UNCHANGED, TUNNEL_REMOVED, 0, 0, 1, false },
        };
        _cleanup_(config_freep) Config *base = make("", true);
        TunnelFingerprint base_fp[2];

        fingerprints(base, base_fp);
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(config_freep) Config *c = make(rows[i].a_extra, rows[i].with_b);
                TunnelFingerprint fp[2];
                TunnelDiff d = {};

                print_message("row %zu\n", i);
                fingerprints(c, fp);
                assert_int_equal(tunnel_diff(base, base_fp, c, fp, &d), 0);
                assert_int_equal(change_of(&d, "a"), rows[i].a);
                assert_int_equal(change_of(&d, "b"), rows[i].b);
                assert_int_equal(entry_of(&d, "a")->creds_changed, rows[i].creds);
                assert_int_equal(d.n_added, rows[i].added);
                assert_int_equal(d.n_changed, rows[i].changed);
                assert_int_equal(d.n_removed, rows[i].removed);
                tunnel_diff_clear(&d);
        }
}

static void test_from_nothing_and_renewed_file(void **state) {
        _cleanup_(config_freep) Config *c = make("", true);
        _cleanup_free_ char *psk = NULL;
        TunnelFingerprint fp[2], fp2[2];
        TunnelDiff d = {};

        fingerprints(c, fp);
        assert_int_equal(tunnel_diff(NULL, NULL, c, fp, &d), 0);
        assert_int_equal(d.n_added, 2);
        tunnel_diff_clear(&d);

        /* A new key in the same file is a change of both tunnels that use it. */
        psk = th_write_file(dir, "psk", "Zq8vR2mN5xT1wK7pL3sY9dF4hJ6gB0cA\n", 0600);
        fingerprints(c, fp2);
        assert_int_equal(tunnel_diff(c, fp, c, fp2, &d), 0);
        assert_int_equal(change_of(&d, "a"), TUNNEL_CHANGED);
        assert_int_equal(change_of(&d, "b"), TUNNEL_CHANGED);
        /* Only the key: the connections stay, the group's key goes again. */
        assert_false(entry_of(&d, "a")->conn_changed);
        assert_true(entry_of(&d, "a")->creds_changed);
        tunnel_diff_clear(&d);
        free(th_write_file(dir, "psk", "Xq8vR2mN5xT1wK7pL3sY9dF4hJ6gB0cA\n", 0600));
}

/* The fingerprint of a credential file is an HMAC under a key of the
 * process: the same key gives the same fingerprint, another key (another
 * process) another one; the shield fingerprint holds no secret and is plain. */
static void test_keyed_fingerprint(void **state) {
        _cleanup_(config_freep) Config *c = make("", false);
        static const uint8_t k1[FINGERPRINT_SIZE] = { 1 }, k2[FINGERPRINT_SIZE] = { 2 };
        TunnelFingerprint a, b, a2;
        uint8_t child[2][FINGERPRINT_SIZE];
        int p[2];

        reload_set_fingerprint_key(k1);
        assert_int_equal(tunnel_fingerprint(&c->gateway, c->tunnels[0], &a), 0);
        assert_int_equal(tunnel_fingerprint(&c->gateway, c->tunnels[0], &a2), 0);
        assert_memory_equal(a.charon, a2.charon, FINGERPRINT_SIZE);
        reload_set_fingerprint_key(k2);
        assert_int_equal(tunnel_fingerprint(&c->gateway, c->tunnels[0], &b), 0);
        assert_memory_not_equal(a.charon, b.charon, FINGERPRINT_SIZE);
        assert_memory_equal(a.shield, b.shield, FINGERPRINT_SIZE);
        reload_set_fingerprint_key(k1);
        assert_int_equal(tunnel_fingerprint(&c->gateway, c->tunnels[0], &a2), 0);
        assert_memory_equal(a.charon, a2.charon, FINGERPRINT_SIZE);

        /* Two processes, each with the key it draws itself (none set): each
         * is stable within itself, and they differ. */
        reload_set_fingerprint_key(NULL);
        assert_int_equal(pipe(p), 0);
        for (int i = 0; i < 2; i++) {
                pid_t pid = fork();
                int status;

                assert_true(pid >= 0);
                if (pid == 0) {
                        TunnelFingerprint x, y;

                        close(p[0]);
                        if (tunnel_fingerprint(&c->gateway, c->tunnels[0], &x) < 0 ||
                            tunnel_fingerprint(&c->gateway, c->tunnels[0], &y) < 0 ||
                            memcmp(x.charon, y.charon, FINGERPRINT_SIZE) != 0 ||
                            write(p[1], x.charon, FINGERPRINT_SIZE) != FINGERPRINT_SIZE)
                                _exit(1);
                        _exit(0);
                }
                assert_int_equal(waitpid(pid, &status, 0), pid);
                assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
                assert_int_equal(read(p[0], child[i], FINGERPRINT_SIZE), FINGERPRINT_SIZE);
        }
        close(p[0]);
        close(p[1]);
        assert_memory_not_equal(child[0], child[1], FINGERPRINT_SIZE);
        assert_memory_not_equal(child[0], a.charon, FINGERPRINT_SIZE);
}

/* config_fingerprints against the running config reuses the rendered
 * settings of tunnels equal in every input, and gives exactly what a full
 * computation gives; a shared credential file is read once; a credential
 * rewritten with the same size is still a change. */
static void fingerprints_since(const Config *old, const TunnelFingerprint *old_fp, const Config *c, size_t rendered,
                               TunnelFingerprint *ret) {
        _cleanup_free_ TunnelFingerprint *memo = NULL, *full = NULL;
        FingerprintStats st = {};

        assert_int_equal(config_fingerprints(old, old_fp, c, NULL, &memo, &st), 0);
        assert_int_equal(st.n_rendered, rendered);
        assert_int_equal(config_fingerprints(NULL, NULL, c, NULL, &full, NULL), 0);
        for (size_t i = 0; i < c->n_tunnels; i++) {
                assert_memory_equal(memo[i].charon, full[i].charon, FINGERPRINT_SIZE);
                assert_memory_equal(memo[i].conn, full[i].conn, FINGERPRINT_SIZE);
                assert_memory_equal(memo[i].shield, full[i].shield, FINGERPRINT_SIZE);
                assert_memory_equal(memo[i].settings, full[i].settings, FINGERPRINT_SIZE);
        }
        if (ret)
                memcpy(ret, memo, c->n_tunnels * sizeof(TunnelFingerprint));
}

static void test_fingerprints_since(void **state) {
        static const struct {
                const char *a_extra;
                bool with_b;
                size_t rendered;
        } rows[] = {
                { "", true, 0 },
                { "DpdTimeoutSeconds=30\n", true, 1 },
                { "Profile=fips-cbc\n", true, 1 },
                { "FailClosed=no\n", true, 1 },
                { "Enabled=no\n", true, 1 },
                { "", false, 0 },
        };
        _cleanup_(config_freep) Config *base = make("", true);
        _cleanup_free_ TunnelFingerprint *base_fp = NULL;
        FingerprintStats st = {};

        assert_int_equal(config_fingerprints(NULL, NULL, base, NULL, &base_fp, &st), 0);
        assert_int_equal(st.n_rendered, 2);
        assert_int_equal(st.n_files_read, 1); /* a and b share the PSK file */
        assert_true(base_fp[0].settings_set);
        assert_int_equal(config_tunnel_index(base, "a"), 0);
        assert_int_equal(config_tunnel_index(base, "b"), 1);
        assert_int_equal(config_tunnel_index(base, "c"), -1);
        assert_int_equal(config_tunnel_index(base, ""), -1);
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(config_freep) Config *c = make(rows[i].a_extra, rows[i].with_b);

                print_message("row %zu\n", i);
                fingerprints_since(base, base_fp, c, rows[i].rendered, NULL);
        }

        /* Another gateway: everything is rendered again. */
        {
                _cleanup_(config_freep) Config *c = make("", true);

                c->gateway.health_interval_sec++;
                fingerprints_since(base, base_fp, c, 2, NULL);
        }
        /* A profile that changed (both use the default one): both. */
        {
                _cleanup_(config_freep) Config *c = make("", true);
                TunnelFingerprint fp[2];

                ((Profile *) c->tunnels[0]->profile)->sa_lifetime_sec += 60;
                fingerprints_since(base, base_fp, c, 2, fp);
                assert_memory_not_equal(fp[0].settings, base_fp[0].settings, FINGERPRINT_SIZE);
        }
        /* A forgotten fingerprint (a load charon refused) is never reused. */
        {
                _cleanup_(config_freep) Config *c = make("", true);
                TunnelFingerprint old[2];

                memcpy(old, base_fp, sizeof(old));
                memset(&old[1], 0, sizeof(old[1]));
                fingerprints_since(base, old, c, 1, NULL);
        }
        /* The PSK rewritten with a key of the same length: the settings are
         * reused, and yet both tunnels changed (credentials only). */
        {
                _cleanup_(config_freep) Config *c = make("", true);
                TunnelFingerprint fp[2];
                TunnelDiff d = {};

                free(th_write_file(dir, "psk", "Yq8vR2mN5xT1wK7pL3sY9dF4hJ6gB0cA\n", 0600));
                fingerprints_since(base, base_fp, c, 0, fp);
                assert_int_equal(tunnel_diff(base, base_fp, c, fp, &d), 0);
                assert_int_equal(change_of(&d, "a"), TUNNEL_CHANGED);
                assert_int_equal(change_of(&d, "b"), TUNNEL_CHANGED);
                assert_false(d.entries[0].conn_changed);
                tunnel_diff_clear(&d);
                free(th_write_file(dir, "psk", "Xq8vR2mN5xT1wK7pL3sY9dF4hJ6gB0cA\n", 0600));
        }
}

/* Tunnels with a PSK file each: every file is read once, through a memo
 * that grows past its first size, and the fingerprints are those computed
 * tunnel by tunnel. */
static void test_many_credential_files(void **state) {
        const ConfOptions o = { .secret_owner = getuid(), .check_files = true };
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = config_new(dir);
        _cleanup_free_ TunnelFingerprint *fp = NULL;
        FingerprintStats st = {};
        enum { N = 40 };

        assert_non_null(c);
        for (int i = 0; i < N; i++) {
                char name[16], file[16], buf[512];

                snprintf(name, sizeof(name), "t%d", i);
                snprintf(file, sizeof(file), "psk%d", i);
                free(th_write_file(dir, file, "Xq8vR2mN5xT1wK7pL3sY9dF4hJ6gB0cA\n", 0600));
                snprintf(buf, sizeof(buf),
                         "[Tunnel]\nRemoteAddress=203.0.113.%d\nPreSharedKeyFile=%s/%s\nLocalPrefixes=198.51.100.0/25\n"
                         "RemotePrefixes=198.51.100.%d/32\n",
                         i + 1, dir, file, 130 + i);
                assert_int_equal(conf_parse_tunnel(c, name, name, buf, strlen(buf), &d), 0);
        }
        assert_int_equal(conf_finish(c, &o, &d), 0);
        assert_no_errors(&d);
        assert_int_equal(config_fingerprints(NULL, NULL, c, NULL, &fp, &st), 0);
        assert_int_equal(st.n_files_read, N);
        for (size_t i = 0; i < c->n_tunnels; i++) {
                TunnelFingerprint one;

                assert_int_equal(tunnel_fingerprint(&c->gateway, c->tunnels[i], &one), 0);
                assert_memory_equal(fp[i].charon, one.charon, FINGERPRINT_SIZE);
                assert_memory_equal(fp[i].conn, one.conn, FINGERPRINT_SIZE);
        }
}

static int setup(void **state) {
        dir = th_mkdtemp();
        free(th_write_file(dir, "psk", "Xq8vR2mN5xT1wK7pL3sY9dF4hJ6gB0cA\n", 0600));
        return 0;
}

static int teardown(void **state) {
        th_rmtree(dir);
        free(dir);
        return 0;
}

/* With the secret-file cache, a reload reads a credential file only when it
 * is not known unchanged, and a change is still seen. */
static void test_fingerprints_file_cache(void **state) {
        _cleanup_(file_cache_freep) FileCache *files = file_cache_new();
        _cleanup_(config_freep) Config *c = make("", true);
        _cleanup_free_ TunnelFingerprint *fp1 = NULL, *fp2 = NULL, *fp3 = NULL;
        FingerprintStats st = {};
        struct timespec ahead;

        assert_non_null(files);
        /* A reload that began 10 s from now: the file is settled. */
        assert_int_equal(clock_gettime(CLOCK_REALTIME, &ahead), 0);
        ahead.tv_sec += 10;
        file_cache_begin(files, &ahead);
        assert_int_equal(config_fingerprints(NULL, NULL, c, files, &fp1, &st), 0);
        assert_int_equal(st.n_files_read, 1);
        file_cache_begin(files, &ahead);
        assert_int_equal(config_fingerprints(NULL, NULL, c, files, &fp2, &st), 0);
        assert_int_equal(st.n_files_read, 0);
        for (size_t i = 0; i < c->n_tunnels; i++) {
                assert_memory_equal(fp1[i].charon, fp2[i].charon, FINGERPRINT_SIZE);
                assert_memory_equal(fp1[i].psk, fp2[i].psk, FINGERPRINT_SIZE);
        }
        /* A new key of the same length. */
        free(th_write_file(dir, "psk", "Pq8vR2mN5xT1wK7pL3sY9dF4hJ6gB0cZ\n", 0600));
        file_cache_begin(files, &ahead);
        assert_int_equal(config_fingerprints(NULL, NULL, c, files, &fp3, &st), 0);
        assert_int_equal(st.n_files_read, 1);
        assert_memory_not_equal(fp1[0].charon, fp3[0].charon, FINGERPRINT_SIZE);
        assert_memory_not_equal(fp1[0].psk, fp3[0].psk, FINGERPRINT_SIZE);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_diff_rows),
                cmocka_unit_test(test_from_nothing_and_renewed_file),
                cmocka_unit_test(test_keyed_fingerprint),
                cmocka_unit_test(test_fingerprints_since),
                cmocka_unit_test(test_fingerprints_file_cache),
                cmocka_unit_test(test_many_credential_files),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
