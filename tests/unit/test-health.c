/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The health tracker as a state machine: charon's events (as VICI messages
 * built here) and log lines in, tunnel states, reasons and the early-rekey
 * signal out. The journal side is tests/integration/health*.sh's. */
#include "testhelp.h"

#include "conf.h"
#include "health.h"

#define NOW (1800000000ULL * USEC_PER_SEC)

static Config *two_tunnels(bool b_enabled) {
        _cleanup_(diag_list_clear) DiagList d = {};
        Config *c = config_new(NULL);
        char b[512];
        static const char a[] = "[Tunnel]\nRemoteAddress=192.0.2.2\nPreSharedKeyFile=psk/a\n"
                                "LocalPrefixes=198.51.100.0/25\nRemotePrefixes=203.0.113.0/25\n";

        assert_non_null(c);
        snprintf(b, sizeof(b),
                 "[Tunnel]\nRemoteAddress=192.0.2.3\nPreSharedKeyFile=psk/b\nLocalPrefixes=198.51.100.0/25\n"
                 "RemotePrefixes=203.0.113.128/25\nFailClosed=no\nEnabled=%s\n",
                 b_enabled ? "yes" : "no");
        assert_int_equal(conf_parse_tunnel(c, "a", "tunnels.d/a.conf", a, strlen(a), &d), 0);
        assert_int_equal(conf_parse_tunnel(c, "b", "tunnels.d/b.conf", b, strlen(b), &d), 0);
        assert_no_errors(&d);
        return c;
}

/* An ike-updown / child-updown message for tunnel name. */
static SettingsNode *updown(const char *name, bool up, const char *uniqueid, bool with_child) {
        SettingsNode *m = settings_new(NULL), *sa, *cs, *ch;

        assert_non_null(m);
        if (up)
                assert_int_equal(settings_set(m, "up", "yes", 0), 0);
        assert_non_null(sa = settings_add_section(m, name));
        assert_int_equal(settings_set(sa, "uniqueid", uniqueid, 0), 0);
        assert_int_equal(settings_set(sa, "state", "ESTABLISHED", 0), 0);
        assert_int_equal(settings_set(sa, "local-host", "192.0.2.1", 0), 0);
        assert_int_equal(settings_set(sa, "encr-alg", "AES_GCM_16", 0), 0);
        assert_int_equal(settings_set(sa, "encr-keysize", "256", 0), 0);
        assert_int_equal(settings_set(sa, "prf-alg", "PRF_HMAC_SHA2_384", 0), 0);
        assert_int_equal(settings_set(sa, "dh-group", "ECP_384", 0), 0);
        if (with_child) {
                assert_non_null(cs = settings_add_section(sa, "child-sas"));
                assert_non_null(ch = settings_add_section(cs, "a-1"));
                assert_int_equal(settings_set(ch, "name", name, 0), 0);
                assert_int_equal(settings_set(ch, "state", "INSTALLED", 0), 0);
                assert_int_equal(settings_set(ch, "encr-alg", "AES_GCM_16", 0), 0);
                assert_int_equal(settings_set(ch, "encr-keysize", "256", 0), 0);
                assert_int_equal(settings_set(ch, "bytes-in", "1234", 0), 0);
        }
        return m;
}

static SettingsNode *logline(const char *sa, const char *text) {
        SettingsNode *m = settings_new(NULL);

        assert_non_null(m);
        assert_int_equal(settings_set(m, "ikesa-name", sa, 0), 0);
        assert_int_equal(settings_set(m, "msg", text, 0), 0);
        return m;
}

static const TunnelStatus *tunnel(Health *h, const char *name) {
        const TunnelStatus *t = gateway_status_find_tunnel(health_status(h, NOW), name);

        assert_non_null(t);
        return t;
}

static void event(Health *h, const char *ev, SettingsNode *m, const char *want_first) {
        const char *first = health_on_event(h, ev, m, NOW);

        assert_true(streq_ptr(first, want_first));
        settings_free(m);
}

/* Feeds charon's log line m (whether it changed the status: test_log_changes). */
static void log_line(Health *h, SettingsNode *m) {
        (void) health_on_log(h, m, NOW);
        settings_free(m);
}

static void test_lifecycle(void **state) {
        _cleanup_(config_freep) Config *c = two_tunnels(false);
        _cleanup_(health_freep) Health *h = health_new();
        size_t up, enabled;

        assert_non_null(h);
        assert_int_equal(health_set_config(h, c, NOW), 0);
        /* charon not there yet: down (charon-gone), never absent; Enabled=no
         * is disabled. */
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_DOWN);
        assert_int_equal(tunnel(h, "a")->last_error, TUNNEL_ERROR_CHARON_GONE);
        assert_int_equal(tunnel(h, "a")->shield, SHIELD_STATE_ENGAGED);
        assert_int_equal(tunnel(h, "b")->state, TUNNEL_STATE_DISABLED);
        assert_int_equal(tunnel(h, "b")->shield, SHIELD_STATE_OFF);

        health_set_charon(h, true, NOW);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_CONNECTING);

        /* Up: IKE first, then the child; the first child of a new IKE SA
         * asks for the early rekey, once. */
        event(h, "ike-updown", updown("a", true, "7", false), NULL);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_CONNECTING);
        event(h, "child-updown", updown("a", true, "7", true), "a");
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_UP);
        assert_int_equal(tunnel(h, "a")->shield, SHIELD_STATE_STANDBY);
        assert_string_equal(tunnel(h, "a")->ike.proposal, "aes256gcm16-prfsha384-ecp384");
        assert_string_equal(tunnel(h, "a")->children[0]->proposal, "aes256gcm16");
        assert_int_equal(tunnel(h, "a")->children[0]->bytes_in, 1234);
        event(h, "child-updown", updown("a", true, "7", true), NULL);
        health_counts(h, &up, &enabled);
        assert_int_equal(up, 1);
        assert_int_equal(enabled, 1);

        /* The old IKE SA of a rekey going away is not the tunnel's. */
        event(h, "ike-updown", updown("a", false, "6", false), NULL);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_UP);

        /* DPD: charon gives up, then the IKE SA goes. */
        log_line(h, logline("a", "giving up after 2 retransmits"));
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_UP);
        event(h, "ike-updown", updown("a", false, "7", false), NULL);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_DOWN);
        assert_int_equal(tunnel(h, "a")->last_error, TUNNEL_ERROR_DPD_TIMEOUT);
        assert_int_equal(tunnel(h, "a")->shield, SHIELD_STATE_ENGAGED);
        assert_false(tunnel(h, "a")->has_ike);
        assert_int_equal(tunnel(h, "a")->n_children, 0);

        /* charon goes: charon-gone. */
        health_set_charon(h, false, NOW);
        assert_int_equal(tunnel(h, "a")->last_error, TUNNEL_ERROR_CHARON_GONE);
}

static void test_reasons(void **state) {
        static const struct {
                const char *line;
                bool after_updown;     /* the log line trails the ike-updown */
                TunnelError want;
        } rows[] = {
                { "received AUTHENTICATION_FAILED notify error", false, TUNNEL_ERROR_AUTH_FAILED },
                { "received NO_PROPOSAL_CHOSEN notify error", false, TUNNEL_ERROR_NO_PROPOSAL_CHOSEN },
                { "received TS_UNACCEPTABLE notify, no CHILD_SA built", false, TUNNEL_ERROR_TS_UNACCEPTABLE },
                { "establishing IKE_SA failed, peer not responding", false, TUNNEL_ERROR_UNREACHABLE },
                { "received AUTHENTICATION_FAILED notify error", true, TUNNEL_ERROR_AUTH_FAILED },
                { "giving up after 2 retransmits", true, TUNNEL_ERROR_UNREACHABLE },
                { "sending DELETE for IKE_SA a[3]", true, TUNNEL_ERROR_IKE_FAILED },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(config_freep) Config *c = two_tunnels(true);
                _cleanup_(health_freep) Health *h = health_new();

                assert_int_equal(health_set_config(h, c, NOW), 0);
                health_set_charon(h, true, NOW);
                if (rows[i].after_updown) {
                        event(h, "ike-updown", updown("a", false, "3", false), NULL);
                        /* Down, with the vague reason until the line (or the
                         * flush) comes. */
                        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_DOWN);
                        log_line(h, logline("a", rows[i].line));
                        health_flush(h);
                } else {
                        log_line(h, logline("a", rows[i].line));
                        event(h, "ike-updown", updown("a", false, "3", false), NULL);
                }
                print_message("row %zu\n", i);
                assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_DOWN);
                assert_int_equal(tunnel(h, "a")->last_error, rows[i].want);
                /* The other tunnel is not touched. */
                assert_int_equal(tunnel(h, "b")->state, TUNNEL_STATE_CONNECTING);
        }
}

/* Which log lines change the status (the manager writes it only then):
 * not the line of every loaded connection, nor a reason kept for an
 * ike-updown still to come; a refusal that takes a tunnel down does. */
static void test_log_changes(void **state) {
        _cleanup_(config_freep) Config *c = two_tunnels(true);
        _cleanup_(health_freep) Health *h = health_new();
        SettingsNode *m;

        assert_int_equal(health_set_config(h, c, NOW), 0);
        health_set_charon(h, true, NOW);
        m = logline("a", "added vici connection: a");
        assert_false(health_on_log(h, m, NOW));
        settings_free(m);
        m = logline("nope", "received NO_PROPOSAL_CHOSEN notify error");
        assert_false(health_on_log(h, m, NOW));
        settings_free(m);
        m = logline("a", "giving up after 2 retransmits");
        assert_false(health_on_log(h, m, NOW));
        settings_free(m);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_CONNECTING);
        m = logline("a", "received NO_PROPOSAL_CHOSEN notify error");
        assert_true(health_on_log(h, m, NOW));
        settings_free(m);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_DOWN);
        assert_int_equal(tunnel(h, "a")->last_error, TUNNEL_ERROR_NO_PROPOSAL_CHOSEN);

        /* Down first, the reason after: the line that names it changes the status. */
        event(h, "ike-updown", updown("b", false, "4", false), NULL);
        m = logline("b", "received AUTHENTICATION_FAILED notify error");
        assert_true(health_on_log(h, m, NOW));
        settings_free(m);
        assert_int_equal(tunnel(h, "b")->last_error, TUNNEL_ERROR_AUTH_FAILED);
}

/* A refused rekey while up: rekey-failed, naming PfsGroup; a rekey that
 * then goes through brings the tunnel back. */
static void test_rekey_failed(void **state) {
        _cleanup_(config_freep) Config *c = two_tunnels(true);
        _cleanup_(health_freep) Health *h = health_new();

        assert_int_equal(health_set_config(h, c, NOW), 0);
        health_set_charon(h, true, NOW);
        event(h, "ike-updown", updown("a", true, "9", false), NULL);
        event(h, "child-updown", updown("a", true, "9", true), "a");
        log_line(h, logline("a", "received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built"));
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_DOWN);
        assert_int_equal(tunnel(h, "a")->last_error, TUNNEL_ERROR_REKEY_FAILED);
        assert_non_null(strstr(tunnel(h, "a")->last_error_detail, "PfsGroup"));
        event(h, "child-rekey", updown("a", false, "9", false), NULL);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_UP);
        assert_true(tunnel(h, "a")->last_rekey > 0);
}

/* list-sas is the truth: up although no event said so (gatewayd restarted
 * with the tunnel up), down when charon has no SA for an up tunnel. */
static void test_list_sas(void **state) {
        _cleanup_(config_freep) Config *c = two_tunnels(true);
        _cleanup_(health_freep) Health *h = health_new();
        SettingsNode *m;

        assert_int_equal(health_set_config(h, c, NOW), 0);
        health_set_charon(h, true, NOW);
        health_list_begin(h);
        m = updown("a", true, "4", true);
        health_on_list_sa(h, m);
        settings_free(m);
        health_list_end(h, NOW);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_UP);
        assert_int_equal(tunnel(h, "b")->state, TUNNEL_STATE_CONNECTING);

        /* One round without it: busy at that moment (noblock); two: gone. */
        health_list_begin(h);
        health_list_end(h, NOW);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_UP);
        health_list_begin(h);
        m = updown("a", true, "4", true);
        health_on_list_sa(h, m);
        settings_free(m);
        health_list_end(h, NOW);
        health_list_begin(h);
        health_list_end(h, NOW);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_UP);
        health_list_begin(h);
        health_list_end(h, NOW);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_DOWN);
        assert_int_equal(tunnel(h, "a")->last_error, TUNNEL_ERROR_IKE_FAILED);
}

/* A reload keeps what is known of a tunnel that stays, drops a removed one. */
static void test_reload_keeps_state(void **state) {
        _cleanup_(config_freep) Config *c = two_tunnels(true), *c2 = two_tunnels(false);
        _cleanup_(health_freep) Health *h = health_new();

        assert_int_equal(health_set_config(h, c, NOW), 0);
        health_set_charon(h, true, NOW);
        event(h, "ike-updown", updown("a", true, "5", false), NULL);
        event(h, "child-updown", updown("a", true, "5", true), "a");
        assert_int_equal(health_set_config(h, c2, NOW + USEC_PER_SEC), 0);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_UP);
        assert_int_equal(tunnel(h, "a")->since, NOW);
        assert_int_equal(tunnel(h, "b")->state, TUNNEL_STATE_DISABLED);
        /* The same IKE SA does not ask for another early rekey. */
        event(h, "child-updown", updown("a", true, "5", true), NULL);
}

/* A reload that keeps every name updates the changed tunnels in place:
 * what the status shows of their configuration follows, their state stays
 * unless the configuration decides it. */
static void test_reload_in_place(void **state) {
        _cleanup_(config_freep) Config *c = two_tunnels(false), *c2 = two_tunnels(true), *c3 = two_tunnels(true);
        _cleanup_(health_freep) Health *h = health_new();
        Address other;

        assert_int_equal(health_set_config(h, c, NOW), 0);
        health_set_charon(h, true, NOW);
        event(h, "ike-updown", updown("a", true, "5", false), NULL);
        event(h, "child-updown", updown("a", true, "5", true), "a");
        assert_int_equal(tunnel(h, "b")->state, TUNNEL_STATE_DISABLED);

        /* b enabled: connecting from now; a as it was. */
        assert_int_equal(address_parse("192.0.2.9", &other), 0);
        c2->tunnels[0]->remote_address = other;
        assert_int_equal(health_set_config(h, c2, NOW + USEC_PER_SEC), 0);
        assert_int_equal(tunnel(h, "b")->state, TUNNEL_STATE_CONNECTING);
        assert_int_equal(tunnel(h, "b")->since, NOW + USEC_PER_SEC);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_UP);
        assert_int_equal(tunnel(h, "a")->since, NOW);
        assert_string_equal(tunnel(h, "a")->remote_address, "192.0.2.9");

        /* b's new file is broken: down for that reason; a broken tunnel that
         * is up stays shown up. */
        c3->tunnels[1]->broken = strdup("tunnels.d/b.conf:2: error: nope");
        c3->tunnels[0]->broken = strdup("tunnels.d/a.conf:2: error: nope");
        assert_non_null(c3->tunnels[1]->broken);
        assert_int_equal(health_set_config(h, c3, NOW + 2 * USEC_PER_SEC), 0);
        assert_int_equal(tunnel(h, "b")->state, TUNNEL_STATE_DOWN);
        assert_int_equal(tunnel(h, "b")->last_error, TUNNEL_ERROR_CONFIG);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_UP);
        assert_string_equal(tunnel(h, "a")->remote_address, "192.0.2.2");

        /* The same config again changes nothing; fixed, b connects again. */
        assert_int_equal(health_set_config(h, c3, NOW + 3 * USEC_PER_SEC), 0);
        assert_int_equal(tunnel(h, "b")->since, NOW + 2 * USEC_PER_SEC);
        assert_int_equal(health_set_config(h, c2, NOW + 4 * USEC_PER_SEC), 0);
        assert_int_equal(tunnel(h, "b")->state, TUNNEL_STATE_CONNECTING);
        assert_int_equal(tunnel(h, "b")->last_error, TUNNEL_ERROR_NONE);
}

/* A tunnel the manager holds back (its shield could not be installed): down
 * with shield-failed and the kernel's reason, kept so across charon coming
 * back; once released it is connecting, and its being up is what
 * health_tunnel_up reports. */
static void test_held(void **state) {
        _cleanup_(config_freep) Config *c = two_tunnels(false);
        _cleanup_(health_freep) Health *h = health_new();
        size_t up, enabled;

        assert_non_null(h);
        assert_int_equal(health_set_config(h, c, NOW), 0);
        health_set_failed(h, "a", TUNNEL_ERROR_SHIELD_FAILED, "XFRM policy refused: File exists", NOW);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_DOWN);
        assert_int_equal(tunnel(h, "a")->last_error, TUNNEL_ERROR_SHIELD_FAILED);
        assert_string_equal(tunnel(h, "a")->last_error_detail, "XFRM policy refused: File exists");
        /* Disabled and unknown tunnels are left alone. */
        health_set_failed(h, "b", TUNNEL_ERROR_SHIELD_FAILED, NULL, NOW);
        assert_int_equal(tunnel(h, "b")->state, TUNNEL_STATE_DISABLED);
        health_set_failed(h, "nope", TUNNEL_ERROR_SHIELD_FAILED, NULL, NOW);

        /* charon connecting does not make a held tunnel "connecting". */
        health_set_charon(h, true, NOW);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_DOWN);
        assert_int_equal(tunnel(h, "a")->last_error, TUNNEL_ERROR_SHIELD_FAILED);
        health_counts(h, &up, &enabled);
        assert_int_equal(up, 0);
        assert_int_equal(enabled, 1);

        /* Another reason is not released by this one. */
        health_clear_failed(h, "a", TUNNEL_ERROR_CONFIG, NOW);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_DOWN);
        health_clear_failed(h, "a", TUNNEL_ERROR_SHIELD_FAILED, NOW);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_CONNECTING);
        assert_false(health_tunnel_up(h, "a"));
        event(h, "ike-updown", updown("a", true, "7", false), NULL);
        event(h, "child-updown", updown("a", true, "7", true), "a");
        assert_true(health_tunnel_up(h, "a"));
        assert_false(health_tunnel_up(h, "b"));
        assert_false(health_tunnel_up(h, "nope"));

        /* Released while charon is away: down with charon-gone. */
        health_set_failed(h, "a", TUNNEL_ERROR_SHIELD_FAILED, NULL, NOW);
        health_set_charon(h, false, NOW);
        health_set_failed(h, "a", TUNNEL_ERROR_SHIELD_FAILED, NULL, NOW);
        health_clear_failed(h, "a", TUNNEL_ERROR_SHIELD_FAILED, NOW);
        assert_int_equal(tunnel(h, "a")->state, TUNNEL_STATE_DOWN);
        assert_int_equal(tunnel(h, "a")->last_error, TUNNEL_ERROR_CHARON_GONE);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lifecycle),
                cmocka_unit_test(test_reasons),
                cmocka_unit_test(test_rekey_failed),
                cmocka_unit_test(test_log_changes),
                cmocka_unit_test(test_list_sas),
                cmocka_unit_test(test_reload_keeps_state),
                cmocka_unit_test(test_reload_in_place),
                cmocka_unit_test(test_held),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
