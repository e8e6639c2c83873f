/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Route-based tunnels and BGP in the config (conf/route.c, the new keys of
 * conf/parse.c, the shared-RemotePrefixes rule of conf/finish.c): one row,
 * one tree (gatewayd.conf and up to two tunnels) -> the exact diagnostics. */
#include <sys/socket.h>

#include "conf-internal.h"
#include "ikepolicy.h"
#include "testhelp.h"

static const ConfOptions no_files = { .check_files = false };

/* A valid route tunnel "a" (lines 1..7) and "b", the other instance of the
 * same active-active Azure gateway: same RemotePrefixes. */
#define A1 "[Tunnel]\n"
#define A2 "RemoteAddress=203.0.113.10\n"
#define A3 "PreSharedKeyFile=/etc/gatewayd/psk/a\n"
#define A4 "LocalPrefixes=198.51.100.0/26\n"
#define A5 "RemotePrefixes=198.51.100.128/26\n"
#define A6 "Mode=route\n"
#define AB A1 A2 A3 A4 A5 A6
#define ABGP "BgpPeerAddress=169.254.21.1\nBgpPeerAsn=65515\nBgpLocalAddress=169.254.21.2\n"
#define B_BGP                                                                                                     \
        "[Tunnel]\nRemoteAddress=203.0.113.11\nPreSharedKeyFile=/etc/gatewayd/psk/b\n"                           \
        "LocalPrefixes=198.51.100.0/26\nRemotePrefixes=198.51.100.128/26\nMode=route\n"                          \
        "BgpPeerAddress=169.254.22.1\nBgpPeerAsn=65515\nBgpLocalAddress=169.254.22.2\n"
#define GW_BGP "[Gateway]\nBgpAsn=65010\n"

typedef struct Row {
        const char *gateway;       /* NULL: none */
        const char *a;             /* tunnels.d/a.conf */
        const char *b;             /* tunnels.d/b.conf, or NULL */
        const char *want[3];       /* every error, formatted ("path:line: error: ..."), in order */
} Row;

static void run_row(const Row *row, size_t idx) {
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = config_new("/etc/gatewayd");
        size_t n_want = 0, n_err = 0;
        bool ok = true;

        assert_non_null(c);
        if (row->gateway)
                assert_int_equal(conf_parse_gateway(c, "gatewayd.conf", row->gateway, strlen(row->gateway), &d), 0);
        assert_int_equal(conf_parse_tunnel(c, "a", "tunnels.d/a.conf", row->a, strlen(row->a), &d), 0);
        if (row->b)
                assert_int_equal(conf_parse_tunnel(c, "b", "tunnels.d/b.conf", row->b, strlen(row->b), &d), 0);
        assert_int_equal(conf_finish(c, &no_files, &d), 0);
        diag_sort(&d);

        while (n_want < ELEMENTSOF(row->want) && row->want[n_want])
                n_want++;
        for (size_t i = 0; i < d.n; i++) {
                _cleanup_free_ char *s = NULL;

                if (d.items[i].level != DIAG_ERROR)
                        continue;
                s = diag_format(&d.items[i]);
                assert_non_null(s);
                if (n_err >= n_want || !streq(s, row->want[n_err]))
                        ok = false;
                n_err++;
        }
        if (!ok || n_err != n_want) {
                fprintf(stderr, "row %zu: want %zu errors:\n", idx, n_want);
                for (size_t i = 0; i < n_want; i++)
                        fprintf(stderr, "  %s\n", row->want[i]);
                fprintf(stderr, "got:\n");
                diag_print(&d, stderr);
                fail();
        }
}

static void test_rows(void **state) {
        static const Row rows[] = {
                /* Valid: a static route tunnel; an active-active BGP pair
                 * sharing RemotePrefixes. */
                { NULL, AB, NULL, {} },
                { GW_BGP, AB ABGP, B_BGP, {} },
                { NULL, A1 A2 A3 A4 A5 "Mode=policy\n", NULL, {} },
                /* Mode= values. */
                { NULL, A1 A2 A3 A4 A5 "Mode=vti\n", NULL,
                  { "tunnels.d/a.conf:6: error: Mode: 'vti' is not valid; use policy or route" } },
                { NULL, A1 A2 A3 A4 A5 "Mode=Route\n", NULL,
                  { "tunnels.d/a.conf:6: error: Mode: 'Route' is not valid; use policy or route" } },
                /* Route mode needs the kernel data plane. */
                { "[Gateway]\nDataPlane=userspace\n", AB, NULL,
                  { "tunnels.d/a.conf:6: error: Mode=route needs DataPlane=kernel in gatewayd.conf (XFRM interfaces; "
                    "charon's kernel-libipsec has none); set DataPlane=kernel or use Mode=policy" } },
                /* RemotePrefixes stay required in route mode. */
                { NULL, A1 A2 A3 A4 A6, NULL,
                  { "tunnels.d/a.conf:1: error: missing required key 'RemotePrefixes' in [Tunnel]; add RemotePrefixes=VALUE" } },
                /* BGP keys need Mode=route, all three, and BgpAsn. */
                { GW_BGP, A1 A2 A3 A4 A5 ABGP, NULL,
                  { "tunnels.d/a.conf:6: error: BgpPeerAddress needs Mode=route (BGP runs over the tunnel's XFRM "
                    "interface); add Mode=route or remove the line",
                    "tunnels.d/a.conf:7: error: BgpPeerAsn needs Mode=route (BGP runs over the tunnel's XFRM "
                    "interface); add Mode=route or remove the line",
                    "tunnels.d/a.conf:8: error: BgpLocalAddress needs Mode=route (BGP runs over the tunnel's XFRM "
                    "interface); add Mode=route or remove the line" } },
                { GW_BGP, AB "BgpPeerAddress=169.254.21.1\n", NULL,
                  { "tunnels.d/a.conf:1: error: missing key 'BgpPeerAsn' in [Tunnel] for BGP (Bgp* keys from line 7); "
                    "add BgpPeerAsn=VALUE (Azure's ASN, 65515 unless changed)",
                    "tunnels.d/a.conf:1: error: missing key 'BgpLocalAddress' in [Tunnel] for BGP (Bgp* keys from line "
                    "7); add BgpLocalAddress=VALUE (this device's BGP address, e.g. 169.254.21.2)" } },
                { NULL, AB ABGP, NULL,
                  { "tunnels.d/a.conf:8: error: BgpPeerAsn: BGP needs this device's ASN; add BgpAsn=ASN to [Gateway] "
                    "in gatewayd.conf (a private ASN such as 65010 unless you have one)" } },
                { "[Gateway]\nBgpAsn=65515\n", AB ABGP, NULL,
                  { "gatewayd.conf:2: error: BgpAsn: '65515' is reserved by Azure (8074, 8075, 12076, 65515, "
                    "65517..65520); choose another, e.g. a private ASN such as 65010",
                    "tunnels.d/a.conf:8: error: BgpPeerAsn: BGP needs this device's ASN; add BgpAsn=ASN to [Gateway] "
                    "in gatewayd.conf (a private ASN such as 65010 unless you have one)" } },
                { "[Gateway]\nBgpAsn=65515\n", AB "BgpPeerAddress=169.254.21.1\nBgpPeerAsn=65010\nBgpLocalAddress=169.254.21.2\n", NULL,
                  { "gatewayd.conf:2: error: BgpAsn: '65515' is reserved by Azure (8074, 8075, 12076, 65515, "
                    "65517..65520); choose another, e.g. a private ASN such as 65010",
                    "tunnels.d/a.conf:8: error: BgpPeerAsn: BGP needs this device's ASN; add BgpAsn=ASN to [Gateway] "
                    "in gatewayd.conf (a private ASN such as 65010 unless you have one)" } },
                { "[Gateway]\nBgpAsn=65010\n", AB "BgpPeerAddress=169.254.21.1\nBgpPeerAsn=65010\nBgpLocalAddress=169.254.21.2\n", NULL,
                  { "tunnels.d/a.conf:8: error: BgpPeerAsn: 65010 is this device's own BgpAsn (gatewayd.conf:2); Azure "
                    "speaks eBGP only: give the peer's ASN (Azure: 65515 unless changed) or change BgpAsn" } },
                /* ASN values. */
                { "[Gateway]\nBgpAsn=0\n", AB, NULL,
                  { "gatewayd.conf:2: error: BgpAsn: '0' is out of range; use 1..4294967294" } },
                { "[Gateway]\nBgpAsn=4294967295\n", AB, NULL,
                  { "gatewayd.conf:2: error: BgpAsn: '4294967295' is out of range; use 1..4294967294" } },
                { "[Gateway]\nBgpAsn=1.10\n", AB, NULL,
                  { "gatewayd.conf:2: error: BgpAsn: '1.10' is not a number; use decimal digits (1..4294967294)" } },
                { "[Gateway]\nBgpAsn=23456\n", AB, NULL,
                  { "gatewayd.conf:2: error: BgpAsn: '23456' is a reserved ASN (AS_TRANS, RFC 6793); use your ASN, or a "
                    "private one (64512..65534, 4200000000..4294967294)" } },
                { GW_BGP, AB "BgpPeerAddress=169.254.21.1\nBgpPeerAsn=65535\nBgpLocalAddress=169.254.21.2\n", NULL,
                  { "tunnels.d/a.conf:8: error: BgpPeerAsn: '65535' is a reserved ASN (RFC 7300); use your ASN, or a "
                    "private one (64512..65534, 4200000000..4294967294)" } },
                /* BGP addresses. */
                { GW_BGP, AB "BgpPeerAddress=169.254.1.1\nBgpPeerAsn=65515\nBgpLocalAddress=169.254.21.2\n", NULL,
                  { "tunnels.d/a.conf:7: error: BgpPeerAddress: '169.254.1.1' is a link-local (APIPA) address outside "
                    "Azure's BGP range; use an address in 169.254.21.0-169.254.22.255" } },
                { GW_BGP, AB "BgpPeerAddress=169.254.21.1\nBgpPeerAsn=65515\nBgpLocalAddress=10.0.0.1\n", NULL,
                  { "tunnels.d/a.conf:9: error: BgpLocalAddress: '10.0.0.1' is not an APIPA address but BgpPeerAddress "
                    "'169.254.21.1' (line 7) is; Azure pairs an APIPA BGP address with an APIPA one: use "
                    "169.254.21.0-169.254.22.255 on both sides, or on neither" } },
                { GW_BGP, AB "BgpPeerAddress=198.51.100.190\nBgpPeerAsn=65515\nBgpLocalAddress=198.51.100.190\n", NULL,
                  { "tunnels.d/a.conf:9: error: BgpLocalAddress: '198.51.100.190' is also BgpPeerAddress (line 7); "
                    "give this device's own address for the session",
                    "tunnels.d/a.conf:9: error: BgpLocalAddress: '198.51.100.190' lies inside RemotePrefixes "
                    "'198.51.100.128/26' (line 5); this device's BGP address must not be a VNet address" } },
                /* A non-APIPA Azure BGP IP lies in the VNet (GatewaySubnet):
                 * fine; the peer's address on our side is not. */
                { GW_BGP, AB "BgpPeerAddress=198.51.100.190\nBgpPeerAsn=65515\nBgpLocalAddress=192.0.2.77\n", NULL, {} },
                { GW_BGP, AB "BgpPeerAddress=198.51.100.5\nBgpPeerAsn=65515\nBgpLocalAddress=192.0.2.77\n", NULL,
                  { "tunnels.d/a.conf:7: error: BgpPeerAddress: '198.51.100.5' lies inside LocalPrefixes "
                    "'198.51.100.0/26' (line 4); the Azure gateway's BGP address is on the VNet side or APIPA" } },
                { GW_BGP, AB "BgpPeerAddress=169.254.21.1\nBgpPeerAsn=65515\nBgpLocalAddress=2001:db8::1\n", NULL,
                  { "tunnels.d/a.conf:9: error: BgpLocalAddress: '2001:db8::1' and BgpPeerAddress '169.254.21.1' (line "
                    "7) are of different families; use addresses of one family" } },
                { GW_BGP, AB "BgpPeerAddress=127.0.0.1\nBgpPeerAsn=65515\nBgpLocalAddress=169.254.21.2\n", NULL,
                  { "tunnels.d/a.conf:7: error: BgpPeerAddress: '127.0.0.1' is a loopback address (this host), not a "
                    "BGP address; give the Azure gateway's BGP IP address (or its APIPA address)" } },
                { GW_BGP, AB "BgpPeerAddress=169.254.21.1/30\nBgpPeerAsn=65515\nBgpLocalAddress=169.254.21.2\n", NULL,
                  { "tunnels.d/a.conf:7: error: BgpPeerAddress: '169.254.21.1/30' is a prefix, not an address; give "
                    "one IP address" } },
                /* Across tunnels: unique BGP addresses. */
                { GW_BGP, AB ABGP, "[Tunnel]\nRemoteAddress=203.0.113.11\nPreSharedKeyFile=/etc/gatewayd/psk/b\n"
                  "LocalPrefixes=198.51.100.0/26\nRemotePrefixes=198.51.100.128/26\nMode=route\n" ABGP,
                  { "tunnels.d/b.conf:7: error: BgpPeerAddress '169.254.21.1' is also that of tunnel 'a' "
                    "(tunnels.d/a.conf:7); each BGP peer is reached through one tunnel" } },
                /* One local BGP address for both instances (one local
                 * network gateway in Azure): fine. */
                { GW_BGP, AB ABGP, "[Tunnel]\nRemoteAddress=203.0.113.11\nPreSharedKeyFile=/etc/gatewayd/psk/b\n"
                  "LocalPrefixes=198.51.100.0/26\nRemotePrefixes=198.51.100.128/26\nMode=route\n"
                  "BgpPeerAddress=169.254.22.1\nBgpPeerAsn=65515\nBgpLocalAddress=169.254.21.2\n", {} },
                /* Shared RemotePrefixes: route with route only. */
                { NULL, AB, "[Tunnel]\nRemoteAddress=203.0.113.11\nPreSharedKeyFile=/etc/gatewayd/psk/b\n"
                  "LocalPrefixes=198.51.100.0/26\nRemotePrefixes=198.51.100.128/25\n",
                  { "tunnels.d/a.conf:5: error: RemotePrefixes: '198.51.100.128/26' overlaps '198.51.100.128/25' of "
                    "tunnel 'b' (tunnels.d/b.conf:5); each VNet range belongs to one tunnel (only Mode=route "
                    "tunnels may share one)" } },
                { NULL, AB, "[Tunnel]\nRemoteAddress=203.0.113.11\nPreSharedKeyFile=/etc/gatewayd/psk/b\n"
                  "LocalPrefixes=198.51.100.0/26\nRemotePrefixes=198.51.100.128/25\nMode=route\n", {} },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                run_row(&rows[i], i);
}

static void test_model(void **state) {
        char buf[TUNNEL_IFNAME_MAX + 1], buf2[TUNNEL_IFNAME_MAX + 1];

        assert_string_equal(tunnel_ifname("azure-weu", buf), "gw-azure-weu");
        assert_string_equal(tunnel_ifname("abcdefghijkl", buf), "gw-abcdefghijkl");
        /* 13 characters and more: shortened, hashed, 15 characters. */
        tunnel_ifname("abcdefghijklm", buf);
        assert_int_equal(strlen(buf), TUNNEL_IFNAME_MAX);
        assert_memory_equal(buf, "gw-abcdef-", 10);
        tunnel_ifname("abcdefghijkln", buf2);
        assert_string_not_equal(buf, buf2);
        /* Stable: the same name always gives the same name and id (a
         * restart finds its interfaces); FNV-1a of "a" is 0xe40c292c. */
        assert_string_equal(tunnel_ifname("abcdefghijklm", buf2), buf);
        assert_int_equal(tunnel_if_id("a"), TUNNEL_IF_ID_BASE | ((0xe40c292cu & 0xffffffu) ^ 0xe4u));
        assert_true(tunnel_if_id_is_ours(tunnel_if_id("azure-weu")));
        assert_false(tunnel_if_id_is_ours(42));
        assert_int_not_equal(tunnel_if_id("a"), tunnel_if_id("b"));
        assert_int_equal(tunnel_mode_from_string("route"), TUNNEL_MODE_ROUTE);
        assert_int_equal(tunnel_mode_from_string("policy"), TUNNEL_MODE_POLICY);
        assert_string_equal(tunnel_mode_to_string(TUNNEL_MODE_ROUTE), "route");
}

/* Renders tunnel "a" of text (valid) into a swanctl.conf text. */
static char *render_text(const char *text) {
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = config_new("/etc/gatewayd");
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
        char *out = NULL;
        size_t n = 0;
        FILE *f;

        assert_non_null(c);
        assert_non_null(root);
        assert_int_equal(conf_parse_tunnel(c, "a", "tunnels.d/a.conf", text, strlen(text), &d), 0);
        assert_int_equal(conf_finish(c, &no_files, &d), 0);
        assert_no_errors(&d);
        assert_int_equal(ikepolicy_render_tunnel(&c->gateway, c->tunnels[0], root), 0);
        f = open_memstream(&out, &n);
        assert_non_null(f);
        assert_int_equal(settings_print_swanctl(root, f), 0);
        assert_int_equal(fclose(f), 0);
        return out;
}

static void test_render(void **state) {
        _cleanup_free_ char *route = NULL, *route6 = NULL, *policy = NULL;
        char want[128];

        /* Route mode: any-to-any per family, the interface id both ways. */
        route = render_text(AB);
        assert_non_null(strstr(route, "local_ts = 0.0.0.0/0\n"));
        assert_non_null(strstr(route, "remote_ts = 0.0.0.0/0\n"));
        snprintf(want, sizeof(want), "if_id_in = 0x%08x\n", tunnel_if_id("a"));
        assert_non_null(strstr(route, want));
        snprintf(want, sizeof(want), "if_id_out = 0x%08x\n", tunnel_if_id("a"));
        assert_non_null(strstr(route, want));
        assert_null(strstr(route, "198.51.100"));

        route6 = render_text(A1 A2 A3 "LocalPrefixes=198.51.100.0/26, 2001:db8:a::/48\n"
                             "RemotePrefixes=198.51.100.128/26, 2001:db8:b::/48\n" A6);
        assert_non_null(strstr(route6, "local_ts = 0.0.0.0/0, ::/0\n"));
        assert_non_null(strstr(route6, "remote_ts = 0.0.0.0/0, ::/0\n"));

        /* Policy mode: the prefixes, no interface id. */
        policy = render_text(A1 A2 A3 A4 A5);
        assert_non_null(strstr(policy, "local_ts = 198.51.100.0/26\n"));
        assert_non_null(strstr(policy, "remote_ts = 198.51.100.128/26\n"));
        assert_null(strstr(policy, "if_id"));
}

static void test_azure_route(void **state) {
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = config_new("/etc/gatewayd");
        _cleanup_free_ char *bgp = NULL, *stat = NULL;
        char *none = NULL;
        const char *t1 = AB "LocalAddress=192.0.2.1\n" ABGP, *t2 = AB;

        assert_non_null(c);
        assert_int_equal(conf_parse_gateway(c, "gatewayd.conf", GW_BGP, strlen(GW_BGP), &d), 0);
        assert_int_equal(conf_parse_tunnel(c, "a", "tunnels.d/a.conf", t1, strlen(t1), &d), 0);
        assert_int_equal(conf_parse_tunnel(c, "s", "tunnels.d/s.conf", t2, strlen(t2), &d), 0);
        assert_int_equal(conf_parse_tunnel(c, "p", "tunnels.d/p.conf", A1 A2 A3 A4 "RemotePrefixes=192.0.2.128/26\n",
                                           strlen(A1 A2 A3 A4 "RemotePrefixes=192.0.2.128/26\n"), &d),
                         0);
        assert_int_equal(conf_finish(c, &no_files, &d), 0);

        /* BGP: enabled, both ASNs, both addresses, the APIPA one set on
         * the Azure gateway's instance. */
        assert_int_equal(ikepolicy_azure_route_commands(&c->gateway, c->tunnels[0], "rg1", &bgp), 0);
        assert_non_null(strstr(bgp, "az network local-gateway create --resource-group rg1 --name a "
                                    "--gateway-ip-address 192.0.2.1 --asn 65010 --bgp-peering-address 169.254.21.2\n"));
        assert_non_null(strstr(bgp, "customBgpIpAddresses=[\"169.254.21.1\"]"));
        assert_non_null(strstr(bgp, "--enable-bgp --use-policy-based-traffic-selectors false\n"));
        assert_non_null(strstr(bgp, "ASN 65515 (Azure's default)"));
        assert_non_null(strstr(bgp, "-EnableBgp $true -GatewayCustomBgpIpAddress $bgp"));
        /* Static: the prefixes on the local network gateway, no BGP. */
        assert_int_equal(ikepolicy_azure_route_commands(&c->gateway, c->tunnels[2], NULL, &stat), 0);
        assert_non_null(strstr(stat, "--local-address-prefixes 198.51.100.0/26\n"));
        assert_null(strstr(stat, "bgp"));
        /* Policy mode has no route-based side. */
        assert_int_equal(ikepolicy_azure_route_commands(&c->gateway, c->tunnels[1], NULL, &none), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rows),
                cmocka_unit_test(test_model),
                cmocka_unit_test(test_render),
                cmocka_unit_test(test_azure_route),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
