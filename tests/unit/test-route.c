/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Route mode's kernel side: the rtnetlink builders (xfrm/xfrmi.c), decoded,
 * and the reconcile plan (gatewayd/route.c): what a start, a tunnel going
 * down or up, and a reload that changes or removes one tunnel do, and that
 * nothing else is touched. */
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <sys/socket.h>

#include "conf.h"
#include "frr.h"
#include "route.h"
#include "shield.h"
#include "testhelp.h"
#include "xfrmi.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free);

static const ConfOptions no_files = { .check_files = false };

#define GW "[Gateway]\nBgpAsn=65010\n"
/* a: static routes; b: BGP; c and d: static, sharing a's prefix; p: policy. */
#define TA "[Tunnel]\nRemoteAddress=203.0.113.10\nPreSharedKeyFile=/k\nLocalPrefixes=198.51.100.0/26\n" \
           "RemotePrefixes=198.51.100.128/26, 192.0.2.128/26\nMode=route\n"
#define TB "[Tunnel]\nRemoteAddress=203.0.113.11\nPreSharedKeyFile=/k\nLocalPrefixes=198.51.100.0/26\n" \
           "RemotePrefixes=198.51.100.192/26\nMode=route\nBgpPeerAddress=169.254.21.1\nBgpPeerAsn=65515\n"   \
           "BgpLocalAddress=169.254.21.2\n"
#define TC "[Tunnel]\nRemoteAddress=203.0.113.12\nPreSharedKeyFile=/k\nLocalPrefixes=198.51.100.0/26\n" \
           "RemotePrefixes=198.51.100.128/26\nMode=route\n"
#define TP "[Tunnel]\nRemoteAddress=203.0.113.13\nPreSharedKeyFile=/k\nLocalPrefixes=198.51.100.64/26\n" \
           "RemotePrefixes=192.0.2.64/26\n"

static Config *make_config(const char *const *names, const char *const *texts, size_t n) {
        _cleanup_(diag_list_clear) DiagList d = {};
        Config *c = config_new("/etc/gatewayd");

        assert_non_null(c);
        assert_int_equal(conf_parse_gateway(c, "gatewayd.conf", GW, strlen(GW), &d), 0);
        for (size_t i = 0; i < n; i++) {
                char path[64];

                snprintf(path, sizeof(path), "tunnels.d/%s.conf", names[i]);
                assert_int_equal(conf_parse_tunnel(c, names[i], path, texts[i], strlen(texts[i]), &d), 0);
        }
        assert_int_equal(conf_finish(c, &no_files, &d), 0);
        assert_no_errors(&d);
        return c;
}

static void add_link(XfrmiState *s, const char *name, int ifindex, bool up) {
        XfrmiLink *l;

        s->links = reallocarray(s->links, s->n_links + 1, sizeof(XfrmiLink));
        assert_non_null(s->links);
        l = &s->links[s->n_links++];
        *l = (XfrmiLink) { .ifindex = ifindex, .if_id = tunnel_if_id(name), .up = up, .mtu = XFRMI_MTU };
        tunnel_ifname(name, l->ifname);
}

static void add_route(XfrmiState *s, const char *dst, const int *ifindex, size_t n) {
        XfrmiRoute *r;

        s->routes = reallocarray(s->routes, s->n_routes + 1, sizeof(XfrmiRoute));
        assert_non_null(s->routes);
        r = &s->routes[s->n_routes++];
        *r = (XfrmiRoute) { .n_nexthops = n };
        assert_int_equal(prefix_parse(dst, &r->dst), 0);
        memcpy(r->ifindex, ifindex, n * sizeof(int));
}

static void add_addr(XfrmiState *s, int ifindex, const char *local, const char *peer) {
        XfrmiAddr *a;

        s->addrs = reallocarray(s->addrs, s->n_addrs + 1, sizeof(XfrmiAddr));
        assert_non_null(s->addrs);
        a = &s->addrs[s->n_addrs++];
        *a = (XfrmiAddr) { .ifindex = ifindex, .prefixlen = 32 };
        assert_int_equal(address_parse(local, &a->local), 0);
        assert_int_equal(address_parse(peer, &a->peer), 0);
}

/* The plan as text, one op a line: "kind ifname|route". */
static char *plan_text(const Config *c, const RouteLinkState *st, const XfrmiState *have) {
        _cleanup_(route_plan_clear) RoutePlan p = {};
        char *text = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&text, &n);

        assert_non_null(f);
        assert_int_equal(route_plan(c, st, have, &p), 0);
        for (size_t i = 0; i < p.n; i++) {
                const RouteOp *op = &p.ops[i];
                char buf[PREFIX_STRLEN];

                fprintf(f, "%s", route_op_kind_to_string(op->kind));
                if (op->kind == ROUTE_OP_ROUTE_SET || op->kind == ROUTE_OP_ROUTE_DEL) {
                        fprintf(f, " %s", prefix_to_string(&op->route.dst, buf));
                        for (size_t j = 0; j < op->route.n_nexthops; j++)
                                fprintf(f, " %d", op->route.ifindex[j]);
                } else
                        fprintf(f, " %s", op->ifname);
                if (op->kind == ROUTE_OP_ADDR_ADD || op->kind == ROUTE_OP_ADDR_DEL)
                        fprintf(f, " %s", address_to_string(&op->addr.local, buf));
                fputc('\n', f);
        }
        assert_int_equal(fclose(f), 0);
        return text;
}

#define assert_plan(c, st, have, want)                                     \
        do {                                                               \
                _cleanup_free_ char *_t = plan_text((c), (st), (have));    \
                if (!streq(_t, (want)))                                    \
                        fprintf(stderr, "plan:\n%swant:\n%s", _t, (want)); \
                assert_string_equal(_t, (want));                           \
        } while (0)

static void test_plan(void **state) {
        static const char *const names[] = { "a", "b", "p" }, *const texts[] = { TA, TB, TP };
        _cleanup_(config_freep) Config *c = make_config(names, texts, 3);
        _cleanup_(xfrmi_state_clear) XfrmiState have = {}, steady = {};
        const RouteLinkState up[] = { ROUTE_LINK_UP, ROUTE_LINK_UP, ROUTE_LINK_UP },
                             keep[] = { ROUTE_LINK_KEEP, ROUTE_LINK_KEEP, ROUTE_LINK_KEEP },
                             a_down[] = { ROUTE_LINK_DOWN, ROUTE_LINK_UP, ROUTE_LINK_UP };

        /* Start: no interface yet; the policy tunnel gets none. */
        assert_plan(c, keep, &have, "link-new gw-a\nlink-new gw-b\n");

        /* Created (down): while charon has not said, they stay down, and
         * b gets its BGP address. */
        add_link(&have, "a", 10, false);
        add_link(&have, "b", 11, false);
        assert_plan(c, keep, &have, "addr-add gw-b 169.254.21.2\n");
        /* Both up: links up, a's static routes, none for b (BGP's). */
        assert_plan(c, up, &have,
                    "link-up gw-a\nlink-up gw-b\naddr-add gw-b 169.254.21.2\n"
                    "route-set 198.51.100.128/26 10\nroute-set 192.0.2.128/26 10\n");

        /* The steady state: nothing to do, up or keep. */
        add_link(&steady, "a", 10, true);
        add_link(&steady, "b", 11, true);
        add_addr(&steady, 11, "169.254.21.2", "169.254.21.1");
        add_route(&steady, "198.51.100.128/26", (int[]) { 10 }, 1);
        add_route(&steady, "192.0.2.128/26", (int[]) { 10 }, 1);
        assert_plan(c, up, &steady, "");
        assert_plan(c, keep, &steady, "");

        /* a goes down: its routes and its link go; b is not touched. */
        assert_plan(c, a_down, &steady, "route-del 198.51.100.128/26 10\nroute-del 192.0.2.128/26 10\nlink-down gw-a\n");

        /* Someone removed a route and b's address: put back. */
        steady.n_routes = 1;
        steady.n_addrs = 0;
        assert_plan(c, up, &steady, "addr-add gw-b 169.254.21.2\nroute-set 192.0.2.128/26 10\n");
}

static void test_reload(void **state) {
        static const char *const names[] = { "a", "b" }, *const texts[] = { TA, TB };
        static const char *const names2[] = { "b" },
                                 *const texts2[] = { "[Tunnel]\nRemoteAddress=203.0.113.11\nPreSharedKeyFile=/k\n"
                                                     "LocalPrefixes=198.51.100.0/26\nRemotePrefixes=198.51.100.192/26\n"
                                                     "Mode=route\nBgpPeerAddress=169.254.21.5\nBgpPeerAsn=65515\n"
                                                     "BgpLocalAddress=169.254.21.6\n" };
        static const char *const names3[] = { "a", "b" },
                                 *const texts3[] = { TA, "[Tunnel]\nRemoteAddress=203.0.113.11\nPreSharedKeyFile=/k\n"
                                                         "LocalPrefixes=198.51.100.0/26\nRemotePrefixes=198.51.100.192/26\n"
                                                         "Mode=route\nEnabled=no\n" };
        _cleanup_(config_freep) Config *c = make_config(names, texts, 2);
        _cleanup_(config_freep) Config *c2 = make_config(names2, texts2, 1);
        _cleanup_(config_freep) Config *c3 = make_config(names3, texts3, 2);
        _cleanup_(xfrmi_state_clear) XfrmiState steady = {};
        const RouteLinkState up[] = { ROUTE_LINK_UP, ROUTE_LINK_UP };

        add_link(&steady, "a", 10, true);
        add_link(&steady, "b", 11, true);
        add_addr(&steady, 11, "169.254.21.2", "169.254.21.1");
        add_route(&steady, "198.51.100.128/26", (int[]) { 10 }, 1);
        add_route(&steady, "192.0.2.128/26", (int[]) { 10 }, 1);
        assert_plan(c, up, &steady, "");

        /* Reload: a removed, b's BGP addresses changed. a's routes and
         * link go; b keeps its link (and so its SA's interface). */
        assert_plan(c2, up, &steady,
                    "addr-del gw-b 169.254.21.2\naddr-add gw-b 169.254.21.6\n"
                    "route-del 198.51.100.128/26 10\nroute-del 192.0.2.128/26 10\nlink-del gw-a\n");
        /* Enabled=no: its interface goes, a is untouched. */
        assert_plan(c3, up, &steady, "link-del gw-b\n");
        /* Policy mode: no route machinery at all (and gatewayd's leftovers go). */
        {
                static const char *const np[] = { "p" }, *const tp[] = { TP };
                _cleanup_(config_freep) Config *cp = make_config(np, tp, 1);

                assert_plan(cp, up, &steady,
                            "route-del 198.51.100.128/26 10\nroute-del 192.0.2.128/26 10\nlink-del gw-a\nlink-del gw-b\n");
        }
}

static void test_ecmp(void **state) {
        static const char *const names[] = { "a", "c" }, *const texts[] = { TA, TC };
        _cleanup_(config_freep) Config *c = make_config(names, texts, 2);
        _cleanup_(xfrmi_state_clear) XfrmiState have = {};
        const RouteLinkState up[] = { ROUTE_LINK_UP, ROUTE_LINK_UP }, a_down[] = { ROUTE_LINK_DOWN, ROUTE_LINK_UP };

        add_link(&have, "a", 10, true);
        add_link(&have, "c", 12, true);
        /* The shared prefix through both (ECMP); a's own through a only. */
        assert_plan(c, up, &have, "route-set 198.51.100.128/26 10 12\nroute-set 192.0.2.128/26 10\n");
        add_route(&have, "198.51.100.128/26", (int[]) { 10, 12 }, 2);
        add_route(&have, "192.0.2.128/26", (int[]) { 10 }, 1);
        assert_plan(c, up, &have, "");
        /* a down: c carries the shared prefix alone; a's own goes. */
        assert_plan(c, a_down, &have, "route-set 198.51.100.128/26 12\nroute-del 192.0.2.128/26 10\nlink-down gw-a\n");
}

static void test_link_state(void **state) {
        _cleanup_(gateway_status_freep) GatewayStatus *s = gateway_status_new();
        static const char *const names[] = { "a" }, *const texts[] = { TA };
        _cleanup_(config_freep) Config *c = make_config(names, texts, 1);
        TunnelStatus *t;

        assert_non_null(s);
        t = gateway_status_add_tunnel(s, "a");
        assert_non_null(t);
        s->gateway.charon_connected = true;
        t->state = TUNNEL_STATE_UP;
        assert_int_equal(route_link_state(s, c->tunnels[0]), ROUTE_LINK_UP);
        t->state = TUNNEL_STATE_DOWN;
        t->last_error = TUNNEL_ERROR_DPD_TIMEOUT;
        assert_int_equal(route_link_state(s, c->tunnels[0]), ROUTE_LINK_DOWN);
        /* A restart (gatewayd's or charon's) does not cut a working tunnel. */
        t->state = TUNNEL_STATE_CONNECTING;
        assert_int_equal(route_link_state(s, c->tunnels[0]), ROUTE_LINK_KEEP);
        t->state = TUNNEL_STATE_DOWN;
        t->last_error = TUNNEL_ERROR_CHARON_GONE;
        assert_int_equal(route_link_state(s, c->tunnels[0]), ROUTE_LINK_KEEP);
        s->gateway.charon_connected = false;
        t->state = TUNNEL_STATE_UP;
        assert_int_equal(route_link_state(s, c->tunnels[0]), ROUTE_LINK_KEEP);
        assert_int_equal(route_link_state(NULL, c->tunnels[0]), ROUTE_LINK_KEEP);
}

/* The shield lets what is routed into a route tunnel's interface pass its
 * block (the same shape as the userspace TUN allow); nothing else. */
static void test_shield_allows(void **state) {
        static const char *const names[] = { "a", "p" }, *const texts[] = { TA, TP };
        _cleanup_(config_freep) Config *c = make_config(names, texts, 2);
        _cleanup_(shield_policy_set_clear) ShieldPolicySet s = {}, plain = {};
        const int ifx[] = { 10, 0 };
        size_t allows = 0;

        assert_int_equal(shield_build_routes((const Tunnel *const *) c->tunnels, c->n_tunnels, DATA_PLANE_KERNEL, 0,
                                             ifx, &s),
                         0);
        assert_int_equal(shield_build_config(c, 0, &plain), 0);
        assert_int_equal(s.n, plain.n + 2); /* a's two RemotePrefixes */
        for (size_t i = 0; i < s.n; i++) {
                const ShieldPolicy *p = &s.items[i];

                assert_true(shield_policy_is_ours(p));
                if (p->action != SHIELD_ACTION_ALLOW)
                        continue;
                allows++;
                assert_int_equal(p->dir, SHIELD_DIR_OUT);
                assert_int_equal(p->ifindex, 10);
                assert_string_equal(p->tunnel, "a");
                assert_int_equal(p->priority, shield_priority(AF_INET, p->dst.len, SHIELD_ACTION_BLOCK) - 1);
        }
        assert_int_equal(allows, 2);
        /* No interface (yet): no allow; the block holds. */
        assert_int_equal(shield_build_routes((const Tunnel *const *) c->tunnels, c->n_tunnels, DATA_PLANE_KERNEL, 0,
                                             (const int[]) { 0, 0 }, &s),
                         0);
        assert_int_equal(s.n, plain.n);
}

/* ---- FRR ---- */

#define AA0 "[Tunnel]\nRemoteAddress=203.0.113.40\nPreSharedKeyFile=/k\nLocalPrefixes=198.51.100.0/26\n" \
            "RemotePrefixes=192.0.2.128/25\nMode=route\nBgpPeerAddress=169.254.21.1\nBgpPeerAsn=65515\n"   \
            "BgpLocalAddress=169.254.21.2\n"
#define AA1 "[Tunnel]\nRemoteAddress=203.0.113.41\nPreSharedKeyFile=/k\nLocalPrefixes=198.51.100.0/26\n" \
            "RemotePrefixes=192.0.2.128/25\nMode=route\nBgpPeerAddress=169.254.22.1\nBgpPeerAsn=65515\n"   \
            "BgpLocalAddress=169.254.22.2\n"

static void test_frr_render(void **state) {
        static const char *const names[] = { "aa0", "aa1", "a", "p" }, *const texts[] = { AA0, AA1, TA, TP };
        _cleanup_(config_freep) Config *c = make_config(names, texts, 4);
        _cleanup_free_ char *text = NULL, *want = NULL;
        char in0[64], out0[64];

        assert_int_equal(frr_render(c, &text), 0);
        /* The list names carry a hash of their content; read them off. */
        assert_int_equal(sscanf(strstr(text, "ip prefix-list gatewayd-aa0-in-"), "ip prefix-list %63s", in0), 1);
        assert_int_equal(sscanf(strstr(text, "ip prefix-list gatewayd-aa0-out-"), "ip prefix-list %63s", out0), 1);
        assert_true(asprintf(&want,
                             "! gatewayd: BGP of the route-based tunnels (generated; gatewayd re-applies it)\n"
                             "ip prefix-list %s seq 10 permit 192.0.2.128/25 le 32\n"
                             "ip prefix-list %s seq 10 permit 198.51.100.0/26\n"
                             "ip prefix-list gatewayd-aa1-in-%s seq 10 permit 192.0.2.128/25 le 32\n"
                             "ip prefix-list gatewayd-aa1-out-%s seq 10 permit 198.51.100.0/26\n"
                             "router bgp 65010\n"
                             " no bgp network import-check\n"
                             " neighbor 169.254.21.1 remote-as 65515\n"
                             " neighbor 169.254.21.1 description gatewayd tunnel aa0\n"
                             " neighbor 169.254.21.1 update-source 169.254.21.2\n"
                             " neighbor 169.254.22.1 remote-as 65515\n"
                             " neighbor 169.254.22.1 description gatewayd tunnel aa1\n"
                             " neighbor 169.254.22.1 update-source 169.254.22.2\n"
                             " address-family ipv4 unicast\n"
                             "  network 198.51.100.0/26\n"
                             "  neighbor 169.254.21.1 activate\n"
                             "  neighbor 169.254.21.1 prefix-list %s in\n"
                             "  neighbor 169.254.21.1 prefix-list %s out\n"
                             "  neighbor 169.254.22.1 activate\n"
                             "  neighbor 169.254.22.1 prefix-list gatewayd-aa1-in-%s in\n"
                             "  neighbor 169.254.22.1 prefix-list gatewayd-aa1-out-%s out\n"
                             "  maximum-paths 8\n"
                             " exit-address-family\n"
                             "exit\n",
                             in0, out0, strrchr(in0, '-') + 1, strrchr(out0, '-') + 1, in0, out0,
                             strrchr(in0, '-') + 1, strrchr(out0, '-') + 1) > 0);
        assert_string_equal(text, want);

        /* No BGP tunnel: nothing. */
        {
                static const char *const n2[] = { "a" }, *const t2[] = { TA };
                _cleanup_(config_freep) Config *c2 = make_config(n2, t2, 1);
                _cleanup_free_ char *none = NULL;

                assert_int_equal(frr_render(c2, &none), 0);
                assert_string_equal(none, "");
        }
}

static void test_frr_script(void **state) {
        static const char *const names[] = { "aa0", "aa1" }, *const texts[] = { AA0, AA1 };
        static const char *const n1[] = { "aa0" }, *const t1[] = { AA0 };
        static const char *const n3[] = { "aa0" },
                                 *const t3[] = { "[Tunnel]\nRemoteAddress=203.0.113.40\nPreSharedKeyFile=/k\n"
                                                 "LocalPrefixes=198.51.100.0/27\nRemotePrefixes=192.0.2.128/25\n"
                                                 "Mode=route\nBgpPeerAddress=169.254.21.1\nBgpPeerAsn=65515\n"
                                                 "BgpLocalAddress=169.254.21.2\n" };
        _cleanup_(config_freep) Config *c = make_config(names, texts, 2), *c1 = make_config(n1, t1, 1),
                                       *c3 = make_config(n3, t3, 1);
        _cleanup_free_ char *both = NULL, *one = NULL, *changed = NULL, *s = NULL, *s2 = NULL, *s3 = NULL,
                            *s4 = NULL;
        char list[64], want[128];

        assert_int_equal(frr_render(c, &both), 0);
        assert_int_equal(frr_render(c1, &one), 0);
        assert_int_equal(frr_render(c3, &changed), 0);

        /* Unchanged (or from nothing): just the config, nothing removed. */
        assert_int_equal(frr_script(both, both, &s), 0);
        assert_string_equal(s, both);
        assert_int_equal(frr_script(NULL, both, &s2), 0);
        assert_string_equal(s2, both);

        /* aa1 removed: its neighbor goes first, its lists after the new
         * config; aa0 is not named in a removal. */
        assert_int_equal(frr_script(both, one, &s3), 0);
        assert_true(strncmp(s3, "router bgp 65010\n no neighbor 169.254.22.1\nexit\n", 48) == 0);
        assert_non_null(strstr(s3, one));
        assert_int_equal(sscanf(strstr(both, "ip prefix-list gatewayd-aa1-in-"), "ip prefix-list %63s", list), 1);
        snprintf(want, sizeof(want), "no ip prefix-list %s\n", list);
        assert_non_null(strstr(s3 + strlen(s3) - 200, want));
        assert_null(strstr(s3, "no neighbor 169.254.21.1"));

        /* LocalPrefixes changed: the old network goes, the new out-list
         * replaces the old one (new name), the old list goes last. */
        {
                _cleanup_free_ char *s5 = NULL;

                assert_int_equal(frr_script(one, changed, &s5), 0);
                assert_non_null(strstr(s5, " address-family ipv4 unicast\n  no network 198.51.100.0/26\n"));
                assert_int_equal(sscanf(strstr(one, "ip prefix-list gatewayd-aa0-out-"), "ip prefix-list %63s", list), 1);
                snprintf(want, sizeof(want), "no ip prefix-list %s\n", list);
                assert_true(strstr(s5, want) > strstr(s5, "exit-address-family\nexit\n! gatewayd"));
                assert_null(strstr(s5, "no neighbor"));
        }

        /* No BGP any more: the whole router bgp block and the lists go. */
        assert_int_equal(frr_script(one, "", &s4), 0);
        assert_true(strncmp(s4, "no router bgp 65010\n", 20) == 0);
        assert_non_null(strstr(s4, "no ip prefix-list gatewayd-aa0-in-"));
}

static void test_frr_summary(void **state) {
        static const char json[] =
                "{\n\"ipv4Unicast\":{\n  \"routerId\":\"169.254.22.2\",\n  \"as\":65010,\n"
                "  \"peers\":{\n    \"169.254.21.1\":{\n      \"hostname\":\"az0\",\n"
                "      \"remoteAs\":65515,\n      \"state\":\"Established\",\n      \"peerState\":\"OK\",\n"
                "      \"pfxRcd\":2,\n      \"pfxSnt\":1,\n      \"desc\":\"gatewayd tunnel aa0 \\\"x\\\" }\"\n    },\n"
                "    \"169.254.22.1\":{\n      \"remoteAs\":65515,\n      \"state\":\"Active\",\n"
                "      \"pfxRcd\":0\n    }\n  },\n  \"totalPeers\":2\n}\n}\n";
        FrrPeer p;

        assert_int_equal(frr_summary_peer(json, "169.254.21.1", &p), 0);
        assert_true(p.found);
        assert_true(p.established);
        assert_string_equal(p.state, "Established");
        assert_int_equal(p.prefixes_received, 2);
        assert_int_equal(frr_summary_peer(json, "169.254.22.1", &p), 0);
        assert_true(p.found);
        assert_false(p.established);
        assert_string_equal(p.state, "Active");
        assert_int_equal(frr_summary_peer(json, "169.254.23.1", &p), 0);
        assert_false(p.found);
        /* FRR without a BGP instance answers {}; an error is no summary. */
        assert_int_equal(frr_summary_peer("{}\n", "169.254.21.1", &p), 0);
        assert_false(p.found);
        assert_int_equal(frr_summary_peer("% BGP instance not found\n", "169.254.21.1", &p), -EBADMSG);
        assert_int_equal(frr_summary_peer("{\"169.254.21.1\":{\"state\":\"Established\"", "169.254.21.1", &p), -EBADMSG);
}

/* ---- builders, decoded ---- */

static void test_build_link(void **state) {
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1], *xd[IFLA_XFRM_MAX + 1];
        struct nlmsghdr *h;
        struct ifinfomsg *ifi;

        assert_int_equal(xfrmi_build_link_new("gw-a", 0x67000001, XFRMI_MTU, &m), 0);
        h = nlmsg_hdr(m);
        assert_int_equal(h->nlmsg_type, RTM_NEWLINK);
        assert_true(h->nlmsg_flags & NLM_F_CREATE);
        assert_true(h->nlmsg_flags & NLM_F_EXCL);
        ifi = nlmsg_data(h);
        assert_int_equal(ifi->ifi_flags & IFF_UP, 0);
        assert_int_equal(nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL), 0);
        assert_string_equal(nla_get_string(tb[IFLA_IFNAME]), "gw-a");
        assert_int_equal(nla_get_u32(tb[IFLA_MTU]), XFRMI_MTU);
        assert_int_equal(nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL), 0);
        assert_string_equal(nla_get_string(li[IFLA_INFO_KIND]), "xfrm");
        assert_int_equal(nla_parse_nested(xd, IFLA_XFRM_MAX, li[IFLA_INFO_DATA], NULL), 0);
        assert_int_equal(nla_get_u32(xd[IFLA_XFRM_IF_ID]), 0x67000001);
        assert_null(xd[IFLA_XFRM_LINK]);
        nlmsg_free(TAKE_PTR(m));

        assert_int_equal(xfrmi_build_link_set(7, true, XFRMI_MTU, &m), 0);
        ifi = nlmsg_data(nlmsg_hdr(m));
        assert_int_equal(ifi->ifi_index, 7);
        assert_int_equal(ifi->ifi_flags, IFF_UP);
        assert_int_equal(ifi->ifi_change, IFF_UP);

        /* Refused: names that are no interface names, if_id 0, a tiny MTU. */
        assert_int_equal(xfrmi_build_link_new("gw-0123456789abc", 1, XFRMI_MTU, &m), -EINVAL);
        assert_int_equal(xfrmi_build_link_new("gw a", 1, XFRMI_MTU, &m), -EINVAL);
        assert_int_equal(xfrmi_build_link_new("gw-a", 0, XFRMI_MTU, &m), -EINVAL);
        assert_int_equal(xfrmi_build_link_new("gw-a", 1, 500, &m), -EINVAL);
}

static void test_build_addr_route(void **state) {
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        struct nlattr *tb[RTA_MAX + 1], *ta[IFA_MAX + 1];
        struct rtmsg *rtm;
        struct ifaddrmsg *ifa;
        XfrmiAddr a = { .ifindex = 5, .prefixlen = 32 };
        XfrmiRoute r = { .n_nexthops = 2, .ifindex = { 5, 6 } };
        struct rtnexthop *nh;

        assert_int_equal(address_parse("169.254.21.2", &a.local), 0);
        assert_int_equal(address_parse("169.254.21.1", &a.peer), 0);
        assert_int_equal(xfrmi_build_addr(true, &a, &m), 0);
        ifa = nlmsg_data(nlmsg_hdr(m));
        assert_int_equal(ifa->ifa_index, 5);
        assert_int_equal(ifa->ifa_prefixlen, 32);
        assert_int_equal(nlmsg_parse(nlmsg_hdr(m), sizeof(*ifa), ta, IFA_MAX, NULL), 0);
        assert_memory_equal(nla_data(ta[IFA_LOCAL]), a.local.bytes, 4);
        assert_memory_equal(nla_data(ta[IFA_ADDRESS]), a.peer.bytes, 4);
        nlmsg_free(TAKE_PTR(m));

        assert_int_equal(prefix_parse("198.51.100.128/26", &r.dst), 0);
        assert_int_equal(xfrmi_build_route(true, &r, &m), 0);
        rtm = nlmsg_data(nlmsg_hdr(m));
        assert_int_equal(rtm->rtm_protocol, XFRMI_RTPROT);
        assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
        assert_int_equal(rtm->rtm_dst_len, 26);
        assert_int_equal(rtm->rtm_scope, RT_SCOPE_LINK);
        assert_true(nlmsg_hdr(m)->nlmsg_flags & NLM_F_REPLACE);
        assert_int_equal(nlmsg_parse(nlmsg_hdr(m), sizeof(*rtm), tb, RTA_MAX, NULL), 0);
        assert_null(tb[RTA_OIF]);
        assert_non_null(tb[RTA_MULTIPATH]);
        assert_int_equal(nla_len(tb[RTA_MULTIPATH]), 2 * (int) sizeof(struct rtnexthop));
        nh = nla_data(tb[RTA_MULTIPATH]);
        assert_int_equal(nh[0].rtnh_ifindex, 5);
        assert_int_equal(nh[1].rtnh_ifindex, 6);
        nlmsg_free(TAKE_PTR(m));

        r.n_nexthops = 1;
        assert_int_equal(xfrmi_build_route(true, &r, &m), 0);
        assert_int_equal(nlmsg_parse(nlmsg_hdr(m), sizeof(*rtm), tb, RTA_MAX, NULL), 0);
        assert_int_equal(nla_get_u32(tb[RTA_OIF]), 5);
        assert_null(tb[RTA_MULTIPATH]);
        nlmsg_free(TAKE_PTR(m));

        r.n_nexthops = 0;
        assert_int_equal(xfrmi_build_route(true, &r, &m), -EINVAL);
        assert_int_equal(xfrmi_build_route(false, &r, &m), 0);
        assert_int_equal(nlmsg_hdr(m)->nlmsg_type, RTM_DELROUTE);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plan),
                cmocka_unit_test(test_reload),
                cmocka_unit_test(test_ecmp),
                cmocka_unit_test(test_link_state),
                cmocka_unit_test(test_shield_allows),
                cmocka_unit_test(test_frr_render),
                cmocka_unit_test(test_frr_script),
                cmocka_unit_test(test_frr_summary),
                cmocka_unit_test(test_build_link),
                cmocka_unit_test(test_build_addr_route),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
