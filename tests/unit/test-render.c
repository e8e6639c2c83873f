/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Model -> strongSwan: proposal strings for every shape of profile, and the
 * swanctl.conf-shaped tree of a tunnel (keys, lifetime arithmetic, actions
 * per ConnectionMode, dual-stack selectors, credentials, masking). */

#include <inttypes.h>

#include "testhelp.h"

#include "ikepolicy.h"

#define IE PROFILE_IKE_ENCRYPTION
#define II PROFILE_IKE_INTEGRITY
#define DH PROFILE_DH_GROUP
#define EE PROFILE_IPSEC_ENCRYPTION
#define EI PROFILE_IPSEC_INTEGRITY
#define PF PROFILE_PFS_GROUP

static Profile make_profile(const char *name, const char *const v[_PROFILE_ALG_MAX]) {
        Profile p = {
                .name = (char *) name,
                .path = (char *) "profiles.d/p.conf",
                .sa_lifetime_sec = PROFILE_DEFAULT_SA_LIFETIME_SEC,
                .sa_datasize_kb = PROFILE_DEFAULT_SA_DATASIZE_KB,
                .ike_lifetime_sec = PROFILE_DEFAULT_IKE_LIFETIME_SEC,
        };

        for (ProfileAlg a = 0; a < _PROFILE_ALG_MAX; a++)
                p.alg[a] = (char *) v[a];
        return p;
}

/* ---- proposals ------------------------------------------------------- */

typedef struct ProposalRow {
        const char *v[_PROFILE_ALG_MAX];
        int ret;
        const char *ike, *esp;
} ProposalRow;

static const ProposalRow proposal_rows[] = {
        /* The built-in profiles fips-gcm256 and fips-cbc (conf/builtin.c). */
        { { "GCMAES256", "SHA384", "ECP384", "GCMAES256", "GCMAES256", "ECP384" }, 0,
          "aes256gcm16-prfsha384-ecp384", "aes256gcm16-ecp384" },
        { { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" }, 0,
          "aes256-sha256-prfsha256-modp2048", "aes256-sha256-modp2048" },
        /* azure-default-legacy (conf/builtin.c): Azure's offers, group 2, no PFS. */
        { { "AES256", "SHA256", "DHGroup2", "GCMAES256", "GCMAES256", "None" }, 0,
          "aes256-sha256-prfsha256-modp1024", "aes256gcm16" },
        { { "AES256", "SHA1", "DHGroup2", "GCMAES256", "GCMAES256", "None" }, 0,
          "aes256-sha1-prfsha1-modp1024", "aes256gcm16" },
        { { "AES256", "SHA1", "DHGroup2", "AES256", "SHA1", "None" }, 0,
          "aes256-sha1-prfsha1-modp1024", "aes256-sha1" },
        { { "AES256", "SHA256", "DHGroup2", "AES256", "SHA256", "None" }, 0,
          "aes256-sha256-prfsha256-modp1024", "aes256-sha256" },
        /* Other approved and legacy shapes. */
        { { "GCMAES128", "SHA256", "ECP256", "GCMAES128", "GCMAES128", "PFSMM" }, 0,
          "aes128gcm16-prfsha256-ecp256", "aes128gcm16-ecp256" },
        { { "GCMAES256", "SHA1", "ECP384", "GCMAES192", "GCMAES192", "ECP256" }, 0,
          "aes256gcm16-prfsha1-ecp384", "aes192gcm16-ecp256" },
        { { "AES192", "SHA384", "DHGroup2048", "GCMAES192", "GCMAES192", "PFS14" }, 0,
          "aes192-sha384-prfsha384-modp2048", "aes192gcm16-modp2048" },
        { { "AES128", "SHA256", "DHGroup24", "AES128", "SHA256", "PFS24" }, 0,
          "aes128-sha256-prfsha256-modp2048s256", "aes128-sha256-modp2048s256" },
        { { "DES3", "SHA256", "DHGroup14", "DES3", "SHA1", "PFS2" }, 0,
          "3des-sha256-prfsha256-modp2048", "3des-sha1-modp1024" },
        { { "AES256", "SHA256", "DHGroup2", "AES192", "SHA256", "PFSMM" }, 0,
          "aes256-sha256-prfsha256-modp1024", "aes192-sha256-modp1024" },
        { { "AES256", "SHA256", "DHGroup24", "AES256", "SHA256", "PFSMM" }, 0,
          "aes256-sha256-prfsha256-modp2048s256", "aes256-sha256-modp2048s256" },
        /* Forbidden values never render. */
        { { "DES", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" }, -EINVAL },
        { { "AES256", "MD5", "DHGroup14", "AES256", "SHA256", "PFS2048" }, -EINVAL },
        { { "AES256", "SHA256", "DHGroup1", "AES256", "SHA256", "PFS2048" }, -EINVAL },
        { { "AES256", "SHA256", "None", "AES256", "SHA256", "PFS2048" }, -EINVAL },
        { { "AES256", "SHA256", "DHGroup14", "None", "SHA256", "PFS2048" }, -EINVAL },
        { { "AES256", "SHA256", "DHGroup14", "DES", "SHA256", "PFS2048" }, -EINVAL },
        { { "AES256", "SHA256", "DHGroup14", "AES256", "MD5", "PFS2048" }, -EINVAL },
        { { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS1" }, -EINVAL },
        /* Inconsistent ESP pairs (Azure's GCM rule). */
        { { "AES256", "SHA256", "DHGroup14", "GCMAES256", "SHA256", "PFS2048" }, -EINVAL },
        { { "AES256", "SHA256", "DHGroup14", "GCMAES256", "GCMAES128", "PFS2048" }, -EINVAL },
        { { "AES256", "SHA256", "DHGroup14", "AES256", "GCMAES256", "PFS2048" }, -EINVAL },
        /* Unknown or missing values. */
        { { "AES512", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" }, -EINVAL },
        { { "AES256", "SHA256", "DHGroup14", "AES256", "SHA384", "PFS2048" }, -EINVAL },
        { { "AES256", "SHA256", "DHGroup5", "AES256", "SHA256", "PFSMM" }, -EINVAL },
        { { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", NULL }, -EINVAL },
        { { NULL, "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" }, -EINVAL },
};

static void test_proposals(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(proposal_rows); i++) {
                const ProposalRow *row = &proposal_rows[i];
                Profile p = make_profile("p", row->v);
                Proposals out = { .ike = "unchanged", .esp = "unchanged" };

                print_message("# row %zu\n", i);
                assert_int_equal(ikepolicy_proposals(&p, &out), row->ret);
                if (row->ret < 0) {
                        /* Outputs are written only on success. */
                        assert_string_equal(out.ike, "unchanged");
                        continue;
                }
                assert_string_equal(out.ike, row->ike);
                assert_string_equal(out.esp, row->esp);
        }
}

/* ---- the tunnel tree ------------------------------------------------- */

static const char *const GCM[] = { "GCMAES256", "SHA384", "ECP384", "GCMAES256", "GCMAES256", "ECP384" };
static const char *const CBC[] = { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" };
static const char *const LEGACY[] = { "AES256", "SHA256", "DHGroup2", "GCMAES256", "GCMAES256", "None" };

typedef struct TunnelFixture {
        Profile profile;
        Prefix local[2], remote[2];
        Tunnel t;
} TunnelFixture;

static void parse_prefix(const char *s, Prefix *ret) {
        assert_int_equal(prefix_parse(s, ret), 0);
}

static void tunnel_init(TunnelFixture *f, const char *name, const char *const v[_PROFILE_ALG_MAX]) {
        *f = (TunnelFixture) {};
        f->profile = make_profile("p", v);
        f->t.name = (char *) name;
        f->t.path = (char *) "tunnels.d/x.conf";
        f->t.profile = &f->profile;
        f->t.profile_name = (char *) "p";
        f->t.auth = AUTH_PSK;
        f->t.psk_file = (char *) "/etc/gatewayd/psk/weu";
        assert_int_equal(address_parse("192.0.2.2", &f->t.remote_address), 0);
        f->t.has_local_address = true;
        assert_int_equal(address_parse("192.0.2.1", &f->t.local_address), 0);
        /* Dual-stack selectors over an IPv4 outer tunnel. */
        parse_prefix("198.51.100.0/25", &f->local[0]);
        parse_prefix("2001:db8:1::/48", &f->local[1]);
        parse_prefix("198.51.100.128/25", &f->remote[0]);
        parse_prefix("2001:db8:2::/48", &f->remote[1]);
        f->t.local_prefixes = (PrefixList) { .items = f->local, .n = 2 };
        f->t.remote_prefixes = (PrefixList) { .items = f->remote, .n = 2 };
        f->t.fail_closed = true;
        f->t.tcp_mss_clamp = TUNNEL_DEFAULT_MSS;
        f->t.dpd_timeout_sec = TUNNEL_DEFAULT_DPD_TIMEOUT_SEC;
        f->t.connection_mode = CONNECTION_MODE_DEFAULT;
        f->t.enabled = true;
}

static const Gateway fips_gw = { .fips_mode = true };
static const Gateway nofips_gw = { .fips_mode = false };

#define assert_value(root, path, expect) _assert_value((root), (path), (expect), __FILE__, __LINE__)
static void _assert_value(const SettingsNode *root, const char *path, const char *expect, const char *file,
                          int line) {
        const SettingsNode *n = settings_lookup(root, path);

        if (!n || n->kind != SETTINGS_VALUE || !streq(n->value, expect)) {
                print_message("%s: expected value '%s', have %s '%s'\n", path, expect,
                              n ? (n->kind == SETTINGS_VALUE ? "value" : "non-value") : "nothing",
                              n && n->kind == SETTINGS_VALUE ? n->value : "");
                _fail(file, line);
        }
}

/* expect: the items, NULL-terminated. */
#define assert_list(root, path, ...) \
        _assert_list((root), (path), (const char *const[]) { __VA_ARGS__, NULL }, __FILE__, __LINE__)
static void _assert_list(const SettingsNode *root, const char *path, const char *const *expect, const char *file,
                         int line) {
        const SettingsNode *n = settings_lookup(root, path);
        size_t k = 0;

        if (!n || n->kind != SETTINGS_LIST) {
                print_message("%s: expected a list\n", path);
                _fail(file, line);
                return;
        }
        for (; expect[k]; k++)
                if (k >= n->n_items || !streq(n->items[k], expect[k])) {
                        print_message("%s: item %zu: expected '%s', have '%s'\n", path, k, expect[k],
                                      k < n->n_items ? n->items[k] : "(none)");
                        _fail(file, line);
                }
        if (k != n->n_items) {
                print_message("%s: expected %zu items, have %zu\n", path, k, n->n_items);
                _fail(file, line);
        }
}

static void test_tree_psk(void **state) {
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
        const SettingsNode *n;
        TunnelFixture f;

        tunnel_init(&f, "weu", GCM);
        assert_int_equal(ikepolicy_render_tunnel(&fips_gw, &f.t, root), 0);

        /* Top level: connections, then secrets; nothing else. */
        assert_int_equal(root->n_children, 2);
        assert_string_equal(root->children[0]->name, "connections");
        assert_string_equal(root->children[1]->name, "secrets");

        assert_value(root, "connections.weu.version", "2");
        assert_list(root, "connections.weu.local_addrs", "192.0.2.1");
        assert_list(root, "connections.weu.remote_addrs", "192.0.2.2");
        assert_list(root, "connections.weu.proposals", "aes256gcm16-prfsha384-ecp384");
        assert_value(root, "connections.weu.rekey_time", "25920s");
        assert_value(root, "connections.weu.over_time", "2880s");
        assert_value(root, "connections.weu.rand_time", "1440s");
        assert_value(root, "connections.weu.dpd_delay", "39s");
        assert_value(root, "connections.weu.mobike", "no");
        assert_value(root, "connections.weu.unique", "replace");
        assert_value(root, "connections.weu.keyingtries", "0");
        assert_null(settings_lookup(root, "connections.weu.dpd_timeout"));
        assert_null(settings_lookup(root, "connections.weu.reauth_time"));

        assert_value(root, "connections.weu.local.auth", "psk");
        assert_null(settings_lookup(root, "connections.weu.local.id"));
        assert_null(settings_lookup(root, "connections.weu.local.certs"));
        assert_value(root, "connections.weu.remote.auth", "psk");
        assert_value(root, "connections.weu.remote.id", "192.0.2.2");
        assert_null(settings_lookup(root, "connections.weu.remote.cacerts"));

        /* One child, every prefix of each side: IKEv2 negotiates the cross
         * product, IPv4 and IPv6 together. */
        n = settings_lookup(root, "connections.weu.children");
        assert_non_null(n);
        assert_int_equal(n->n_children, 1);
        assert_list(root, "connections.weu.children.weu.local_ts", "198.51.100.0/25", "2001:db8:1::/48");
        assert_list(root, "connections.weu.children.weu.remote_ts", "198.51.100.128/25", "2001:db8:2::/48");
        assert_list(root, "connections.weu.children.weu.esp_proposals", "aes256gcm16-ecp384");
        assert_value(root, "connections.weu.children.weu.life_time", "27000s");
        assert_value(root, "connections.weu.children.weu.rekey_time", "24300s");
        assert_value(root, "connections.weu.children.weu.rand_time", "1350s");
        assert_value(root, "connections.weu.children.weu.life_bytes", "104857600000");
        assert_value(root, "connections.weu.children.weu.rekey_bytes", "94371840000");
        assert_value(root, "connections.weu.children.weu.rand_bytes", "5242880000");
        assert_value(root, "connections.weu.children.weu.mode", "tunnel");
        assert_value(root, "connections.weu.children.weu.start_action", "start");
        assert_value(root, "connections.weu.children.weu.dpd_action", "restart");
        assert_value(root, "connections.weu.children.weu.close_action", "start");

        /* The PSK: the file's path, flagged secret and file; never the key. */
        n = settings_lookup(root, "secrets.ike-weu.secret");
        assert_non_null(n);
        assert_int_equal(n->flags, SETTINGS_SECRET | SETTINGS_FILE);
        assert_string_equal(n->value, "/etc/gatewayd/psk/weu");
        assert_value(root, "secrets.ike-weu.id-1", "192.0.2.2");
        assert_null(settings_lookup(root, "secrets.ike-weu.id-2"));
        assert_null(settings_lookup(root, "secrets.private-weu"));
}

static void test_tree_ids_and_ipv6(void **state) {
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
        TunnelFixture f;

        tunnel_init(&f, "v6", CBC);
        assert_int_equal(address_parse("2001:db8::2", &f.t.remote_address), 0);
        f.t.has_local_address = false;
        f.t.local_id = (char *) "onprem.example.com";
        f.t.remote_id = (char *) "203.0.113.9";
        assert_int_equal(ikepolicy_render_tunnel(&fips_gw, &f.t, root), 0);

        assert_list(root, "connections.v6.local_addrs", "%any");
        assert_list(root, "connections.v6.remote_addrs", "2001:db8::2");
        assert_list(root, "connections.v6.proposals", "aes256-sha256-prfsha256-modp2048");
        assert_list(root, "connections.v6.children.v6.esp_proposals", "aes256-sha256-modp2048");
        assert_value(root, "connections.v6.local.id", "onprem.example.com");
        assert_value(root, "connections.v6.remote.id", "203.0.113.9");
        assert_value(root, "secrets.ike-v6.id-1", "203.0.113.9");
        assert_value(root, "secrets.ike-v6.id-2", "onprem.example.com");
}

static void test_tree_certificate(void **state) {
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
        const SettingsNode *n;
        TunnelFixture f;

        tunnel_init(&f, "cert", GCM);
        f.t.auth = AUTH_CERTIFICATE;
        f.t.psk_file = NULL;
        f.t.certificate = (char *) "/etc/gatewayd/certs/gw.pem";
        f.t.private_key = (char *) "/etc/gatewayd/private/gw.key";
        f.t.ca_certificate = (char *) "/etc/gatewayd/certs/ca.pem";
        f.t.local_id = (char *) "CN=onprem, O=Example";
        f.t.remote_id = (char *) "CN=azure-gw, O=Example";
        assert_int_equal(ikepolicy_render_tunnel(&fips_gw, &f.t, root), 0);

        assert_value(root, "connections.cert.local.auth", "pubkey");
        assert_value(root, "connections.cert.local.id", "CN=onprem, O=Example");
        assert_list(root, "connections.cert.local.certs", "/etc/gatewayd/certs/gw.pem");
        assert_int_equal(settings_lookup(root, "connections.cert.local.certs")->flags, SETTINGS_FILE);
        assert_value(root, "connections.cert.remote.auth", "pubkey");
        assert_value(root, "connections.cert.remote.id", "CN=azure-gw, O=Example");
        assert_list(root, "connections.cert.remote.cacerts", "/etc/gatewayd/certs/ca.pem");
        assert_int_equal(settings_lookup(root, "connections.cert.remote.cacerts")->flags, SETTINGS_FILE);

        n = settings_lookup(root, "secrets.private-cert.file");
        assert_non_null(n);
        assert_string_equal(n->value, "/etc/gatewayd/private/gw.key");
        assert_int_equal(n->flags, SETTINGS_FILE);
        assert_null(settings_lookup(root, "secrets.ike-cert"));
}

typedef struct ModeRow {
        ConnectionMode mode;
        const char *start, *dpd, *close;
        bool keyingtries;
} ModeRow;

static void test_connection_modes(void **state) {
        static const ModeRow rows[] = {
                { CONNECTION_MODE_DEFAULT, "start", "restart", "start", true },
                { CONNECTION_MODE_INITIATOR_ONLY, "start", "restart", "start", true },
                { CONNECTION_MODE_RESPONDER_ONLY, "none", "clear", "none", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
                TunnelFixture f;

                tunnel_init(&f, "m", GCM);
                f.t.connection_mode = rows[i].mode;
                assert_int_equal(ikepolicy_render_tunnel(&fips_gw, &f.t, root), 0);
                assert_value(root, "connections.m.children.m.start_action", rows[i].start);
                assert_value(root, "connections.m.children.m.dpd_action", rows[i].dpd);
                assert_value(root, "connections.m.children.m.close_action", rows[i].close);
                if (rows[i].keyingtries)
                        assert_value(root, "connections.m.keyingtries", "0");
                else
                        assert_null(settings_lookup(root, "connections.m.keyingtries"));
        }
}

typedef struct LifetimeRow {
        uint64_t ike, sa, kb;
        unsigned dpd;
        const char *ike_rekey, *ike_over, *ike_rand;
        const char *sa_life, *sa_rekey, *sa_rand;
        const char *bytes, *rekey_bytes, *rand_bytes;
        const char *dpd_delay;
} LifetimeRow;

/* Hard lifetime L: rekey at floor(90% L), the rest as over_time (so they
 * add up to L), floor(5% L) of jitter. */
static void test_lifetimes(void **state) {
        static const LifetimeRow rows[] = {
                { 28800, 27000, 102400000, 45, "25920s", "2880s", "1440s", "27000s", "24300s", "1350s",
                  "104857600000", "94371840000", "5242880000", "39s" },
                { 300, 300, 1024, 9, "270s", "30s", "15s", "300s", "270s", "15s", "1048576", "943718", "52428",
                  "3s" },
                { 3601, 3599, 1025, 10, "3240s", "361s", "180s", "3599s", "3239s", "179s", "1049600", "944640",
                  "52480", "4s" },
                { 86400, 3600, 4194304, 3600, "77760s", "8640s", "4320s", "3600s", "3240s", "180s", "4294967296",
                  "3865470566", "214748364", "3594s" },
                /* conf keeps DpdTimeoutSeconds >= 9; below that the delay is 1 s. */
                { 28800, 27000, 102400000, 2, "25920s", "2880s", "1440s", "27000s", "24300s", "1350s",
                  "104857600000", "94371840000", "5242880000", "1s" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
                const LifetimeRow *r = &rows[i];
                TunnelFixture f;

                print_message("# row %zu\n", i);
                tunnel_init(&f, "l", CBC);
                f.profile.ike_lifetime_sec = r->ike;
                f.profile.sa_lifetime_sec = r->sa;
                f.profile.sa_datasize_kb = r->kb;
                f.t.dpd_timeout_sec = r->dpd;
                assert_int_equal(ikepolicy_render_tunnel(&fips_gw, &f.t, root), 0);
                assert_value(root, "connections.l.rekey_time", r->ike_rekey);
                assert_value(root, "connections.l.over_time", r->ike_over);
                assert_value(root, "connections.l.rand_time", r->ike_rand);
                assert_value(root, "connections.l.children.l.life_time", r->sa_life);
                assert_value(root, "connections.l.children.l.rekey_time", r->sa_rekey);
                assert_value(root, "connections.l.children.l.rand_time", r->sa_rand);
                assert_value(root, "connections.l.children.l.life_bytes", r->bytes);
                assert_value(root, "connections.l.children.l.rekey_bytes", r->rekey_bytes);
                assert_value(root, "connections.l.children.l.rand_bytes", r->rand_bytes);
                assert_value(root, "connections.l.dpd_delay", r->dpd_delay);
        }
}

/* The printed swanctl.conf never holds the key, only the mask. */
static void test_print_masks_secret(void **state) {
        static const char key[] = "Zq8vT3nLw0PxR7kYb2MsJd5HcF9gUe4A";
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
        _cleanup_free_ char *dir = th_mkdtemp(), *psk = NULL, *out = NULL;
        size_t len = 0;
        TunnelFixture f;
        FILE *m;

        psk = th_write_file(dir, "psk/weu", key, 0600);
        tunnel_init(&f, "weu", GCM);
        f.t.psk_file = psk;
        assert_int_equal(ikepolicy_render_tunnel(&fips_gw, &f.t, root), 0);

        m = open_memstream(&out, &len);
        assert_non_null(m);
        assert_int_equal(settings_print_swanctl(root, m), 0);
        assert_int_equal(fclose(m), 0);

        assert_null(strstr(out, key));
        assert_null(strstr(out, "Zq8vT3"));
        assert_null(strstr(out, psk));
        assert_non_null(strstr(out, "secret = " SETTINGS_MASK "\n"));
        assert_non_null(strstr(out, "proposals = aes256gcm16-prfsha384-ecp384\n"));
        assert_non_null(strstr(out, "local_ts = 198.51.100.0/25, 2001:db8:1::/48\n"));
        th_rmtree(dir);
}

typedef struct RefuseRow {
        const char *what;
        const char *const *v;
        const Gateway *g;
        int ret;
} RefuseRow;

static void test_refusals(void **state) {
        static const char *const forbidden[] = { "AES256", "SHA256", "DHGroup1", "AES256", "SHA256", "PFS2048" };
        static const char *const pfsmm_legacy[] = { "AES256", "SHA256", "DHGroup24", "AES256", "SHA256", "PFSMM" };
        const RefuseRow rows[] = {
                { "legacy under FipsMode=yes", LEGACY, &fips_gw, -EINVAL },
                { "legacy under FipsMode=no", LEGACY, &nofips_gw, 0 },
                { "legacy through PFSMM under FipsMode=yes", pfsmm_legacy, &fips_gw, -EINVAL },
                { "forbidden under FipsMode=no", forbidden, &nofips_gw, -EINVAL },
                { "approved", GCM, &fips_gw, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
                TunnelFixture f;

                print_message("# %s\n", rows[i].what);
                tunnel_init(&f, "r", rows[i].v);
                assert_int_equal(ikepolicy_render_tunnel(rows[i].g, &f.t, root), rows[i].ret);
        }
}

static void test_unrenderable(void **state) {
        for (int k = 0; k < 7; k++) {
                _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
                TunnelFixture f;

                tunnel_init(&f, "u", GCM);
                switch (k) {
                case 0: f.t.profile = NULL; break;
                case 1: f.profile.ike_lifetime_sec = 0; break;
                case 2: f.profile.sa_lifetime_sec = 299; break;
                case 3: f.profile.sa_datasize_kb = 1023; break;
                case 4: f.t.remote_prefixes.n = 0; break;
                case 5: f.t.psk_file = NULL; break;
                case 6: f.t.auth = AUTH_CERTIFICATE; f.t.certificate = (char *) "/c.pem"; break;
                default: fail();
                }
                print_message("# case %d\n", k);
                assert_int_equal(ikepolicy_render_tunnel(&fips_gw, &f.t, root), -EINVAL);
        }
}

static void test_duplicate(void **state) {
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
        TunnelFixture f;

        tunnel_init(&f, "dup", GCM);
        assert_int_equal(ikepolicy_render_tunnel(&fips_gw, &f.t, root), 0);
        assert_int_equal(ikepolicy_render_tunnel(&fips_gw, &f.t, root), -EEXIST);
}

static void test_render_config(void **state) {
        _cleanup_(settings_freep) SettingsNode *root = NULL;
        TunnelFixture a, b, c, d;
        Tunnel *tunnels[] = { &a.t, &b.t, &c.t, &d.t };
        Config cfg = { .gateway = { .fips_mode = true }, .tunnels = tunnels, .n_tunnels = ELEMENTSOF(tunnels) };
        const SettingsNode *n;

        tunnel_init(&a, "a", GCM);
        tunnel_init(&b, "b", GCM);
        b.t.enabled = false;
        tunnel_init(&c, "c", CBC);
        c.t.profile = NULL; /* unknown Profile=, reported by conf */
        tunnel_init(&d, "d", CBC);
        d.t.auth = AUTH_CERTIFICATE;
        d.t.certificate = (char *) "/etc/gatewayd/certs/d.pem";
        d.t.private_key = (char *) "/etc/gatewayd/private/d.key";
        d.t.remote_id = (char *) "CN=d";

        assert_int_equal(ikepolicy_render_config(&cfg, &root), 0);
        n = settings_get(root, "connections");
        assert_non_null(n);
        assert_int_equal(n->n_children, 2);
        assert_string_equal(n->children[0]->name, "a");
        assert_string_equal(n->children[1]->name, "d");
        n = settings_get(root, "secrets");
        assert_non_null(n);
        assert_int_equal(n->n_children, 2);
        assert_non_null(settings_lookup(root, "secrets.ike-a"));
        assert_non_null(settings_lookup(root, "secrets.private-d"));
        root = settings_free(root);

        /* One bad tunnel fails the whole render, with nothing returned. */
        a.t.remote_prefixes.n = 0;
        assert_int_equal(ikepolicy_render_config(&cfg, &root), -EINVAL);
        assert_null(root);

        /* No tunnels: an empty tree. */
        cfg.n_tunnels = 0;
        assert_int_equal(ikepolicy_render_config(&cfg, &root), 0);
        assert_int_equal(root->n_children, 0);
}

/* A silent peer is declared dead within DpdTimeoutSeconds + 1 s: the idle
 * wait, charon's second-granular timer and the retransmissions fit. */
static void test_dpd_delay(void **state) {
        static const struct {
                unsigned timeout, delay;
        } rows[] = {
                { 9, 3 }, { 10, 4 }, { 30, 24 }, { 45, 39 }, { 3600, 3594 }, { 6, 1 }, { 0, 1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                unsigned d = ikepolicy_dpd_delay_sec(rows[i].timeout);

                assert_int_equal(d, rows[i].delay);
                if (rows[i].timeout >= 9)
                        assert_true(d * 1000u + CHARON_DPD_SLACK_MS + CHARON_RETRANSMIT_GIVE_UP_MS <=
                                    rows[i].timeout * 1000u);
        }
}

/* The give-up time the renderer counts on is the one the retransmission
 * constants give, and the strongSwan drop-in the package installs says the
 * same (a drift would silently break the liveness promise). */
static void test_retransmit_dropin(void **state) {
        _cleanup_free_ char *path = NULL, *line = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        const char *top = getenv("top_srcdir");
        double timeout = -1, base = -1, tries = -1, jitter = -1, sum = 0, step;
        size_t n = 0;

        step = CHARON_RETRANSMIT_TIMEOUT_MS;
        for (unsigned i = 0; i <= CHARON_RETRANSMIT_TRIES; i++) {
                sum += step;
                step = step * CHARON_RETRANSMIT_BASE_PERMILLE / 1000.0;
        }
        assert_int_equal((unsigned) (sum + 0.5), CHARON_RETRANSMIT_GIVE_UP_MS);

        assert_true(asprintf(&path, "%s/packaging/strongswan.d/gatewayd.conf", top ? top : "..") > 0);
        f = fopen(path, "re");
        assert_non_null(f);
        while (getline(&line, &n, f) > 0) {
                double v;

                if (sscanf(line, " retransmit_timeout = %lf", &v) == 1)
                        timeout = v;
                else if (sscanf(line, " retransmit_base = %lf", &v) == 1)
                        base = v;
                else if (sscanf(line, " retransmit_tries = %lf", &v) == 1)
                        tries = v;
                else if (sscanf(line, " retransmit_jitter = %lf", &v) == 1)
                        jitter = v;
        }
        assert_true(timeout * 1000 == CHARON_RETRANSMIT_TIMEOUT_MS);
        assert_true(base * 1000 == CHARON_RETRANSMIT_BASE_PERMILLE);
        assert_true(tries == CHARON_RETRANSMIT_TRIES);
        assert_true(jitter == 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_proposals),
                cmocka_unit_test(test_tree_psk),
                cmocka_unit_test(test_tree_ids_and_ipv6),
                cmocka_unit_test(test_tree_certificate),
                cmocka_unit_test(test_connection_modes),
                cmocka_unit_test(test_lifetimes),
                cmocka_unit_test(test_print_masks_secret),
                cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_unrenderable),
                cmocka_unit_test(test_duplicate),
                cmocka_unit_test(test_render_config),
                cmocka_unit_test(test_dpd_delay),
                cmocka_unit_test(test_retransmit_dropin),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
