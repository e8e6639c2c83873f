/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "status-fixture.h"

#define CHECK(x)                      \
        do {                          \
                if (!(x))             \
                        abort();      \
        } while (0)

static GatewayStatus *base(void) {
        GatewayStatus *s = gateway_status_new();

        CHECK(s);
        s->generated_at = FIXTURE_NOW;
        s->gateway.fips_mode = true;
        s->gateway.data_plane = DATA_PLANE_KERNEL;
        CHECK(status_set_string(&s->gateway.vici, "unix:///run/charon.vici") == 0);
        s->gateway.charon_connected = true;
        s->gateway.health_interval_sec = 10;
        return s;
}

static TunnelStatus *tunnel(GatewayStatus *s, const char *name, TunnelState state, usec_t since,
                            const char *local, const char *remote, const char *profile, ShieldState shield) {
        TunnelStatus *t = gateway_status_add_tunnel(s, name);

        CHECK(t);
        t->state = state;
        t->since = since;
        CHECK(status_set_string(&t->local_address, local) == 0);
        CHECK(status_set_string(&t->remote_address, remote) == 0);
        CHECK(status_set_string(&t->profile, profile) == 0);
        t->shield = shield;
        return t;
}

static void add_up(GatewayStatus *s) {
        TunnelStatus *t;
        ChildStatus *c;

        t = tunnel(s, "azure-weu", TUNNEL_STATE_UP, FIXTURE_AT(1714553280), "203.0.113.5", "198.51.100.7",
                   "fips-gcm256", SHIELD_STATE_STANDBY);
        t->has_ike = true;
        CHECK(status_set_string(&t->ike.proposal, "aes256gcm16-prfsha384-ecp384") == 0);
        t->ike.established_at = FIXTURE_AT(1714553280);
        t->last_rekey = FIXTURE_AT(1714561200);
        c = tunnel_status_add_child(t, "azure-weu");
        CHECK(c);
        CHECK(child_status_add_ts(c, STATUS_TS_LOCAL, "10.1.0.0/16") == 0);
        CHECK(child_status_add_ts(c, STATUS_TS_REMOTE, "10.20.0.0/16") == 0);
        CHECK(child_status_add_ts(c, STATUS_TS_REMOTE, "fd00:20::/48") == 0);
        CHECK(status_set_string(&c->proposal, "aes256gcm16-ecp384") == 0);
        c->bytes_in = 1258291;
        c->bytes_out = 83886080;
        c->packets_in = 1520;
        c->packets_out = 61234;
}

static void add_disabled(GatewayStatus *s) {
        (void) tunnel(s, "lab", TUNNEL_STATE_DISABLED, 0, NULL, "192.0.2.99", "fips-gcm256", SHIELD_STATE_OFF);
}

GatewayStatus *fixture_full(void) {
        GatewayStatus *s = base();
        TunnelStatus *t;

        add_up(s);
        t = tunnel(s, "branch-b", TUNNEL_STATE_DOWN, FIXTURE_AT(1714564710), NULL, "192.0.2.44", "fips-cbc",
                   SHIELD_STATE_ENGAGED);
        CHECK(tunnel_status_set_error(t, TUNNEL_ERROR_DPD_TIMEOUT, "no answer to DPD for 45 s") == 0);
        add_disabled(s);
        t = tunnel(s, "azure-neu-cert", TUNNEL_STATE_CONNECTING, FIXTURE_AT(1714564790), "203.0.113.5",
                   "2001:db8::7", "fips-gcm256", SHIELD_STATE_ENGAGED);
        CHECK(tunnel_status_set_error(t, TUNNEL_ERROR_AUTH_FAILED, NULL) == 0);
        t->has_certificate = true;
        t->certificate.not_after = FIXTURE_AT(1715558400);
        t->certificate.days_left = status_days_left(t->certificate.not_after, FIXTURE_NOW);
        return s;
}

GatewayStatus *fixture_all_up(void) {
        GatewayStatus *s = base();

        add_up(s);
        add_disabled(s);
        return s;
}

GatewayStatus *fixture_reasons(void) {
        GatewayStatus *s = base();

        for (int e = 0; e < _TUNNEL_ERROR_MAX; e++) {
                char name[32];
                TunnelStatus *t;

                snprintf(name, sizeof(name), "t%d", e);
                t = tunnel(s, name, TUNNEL_STATE_DOWN, FIXTURE_NOW, NULL, NULL, NULL, SHIELD_STATE_ENGAGED);
                CHECK(tunnel_status_set_error(t, (TunnelError) e, "what charon said") == 0);
                /* Route tunnels with BGP: every session state, and why. */
                if (e < _BGP_STATE_MAX) {
                        t->has_bgp = true;
                        CHECK((t->bgp.peer = strdup("169.254.21.1")) != NULL);
                        t->bgp.peer_asn = 65515;
                        t->bgp.state = (BgpState) e;
                        t->bgp.since = FIXTURE_NOW;
                        t->bgp.prefixes_received = (uint64_t) e;
                        if (t->bgp.state != BGP_STATE_ESTABLISHED)
                                CHECK((t->bgp.reason = strdup(e == 0 ? "tunnel-down" : "session-lost: Active")) != NULL);
                }
        }
        return s;
}

GatewayStatus *fixture_escaping(void) {
        GatewayStatus *s = base();
        char controls[0x21];
        TunnelStatus *t;
        ChildStatus *c;

        for (int i = 1; i < 0x20; i++)
                controls[i - 1] = (char) i;
        controls[0x1f] = 0x7f;
        controls[0x20] = '\0';
        s->gateway.data_plane = DATA_PLANE_USERSPACE;
        CHECK(status_set_string(&s->gateway.vici, "unix:///run/\"charon\"\\.vici") == 0);
        t = tunnel(s, "x", TUNNEL_STATE_DOWN, 0, "caf\xc3\xa9", "\xe2\x82\xac \xf0\x9f\x98\x80", controls,
                   SHIELD_STATE_OFF);
        /* A peer's identity quoted by charon: an escape sequence, a lone
         * continuation byte, a truncated sequence, an overlong '/'. */
        CHECK(tunnel_status_set_error(t, TUNNEL_ERROR_AUTH_FAILED,
                                      "ID '\x1b[31mroot\x1b[0m' \x80 \xe2\x82 \xc0\xaf </script>") == 0);
        c = tunnel_status_add_child(t, "x\"\\");
        CHECK(c);
        CHECK(status_set_string(&c->proposal, "\t\n") == 0);
        return s;
}

GatewayStatus *fixture_empty(void) {
        GatewayStatus *s = base();

        s->gateway.charon_connected = false;
        s->gateway.fips_mode = false;
        return s;
}
