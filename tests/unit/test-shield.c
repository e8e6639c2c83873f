/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/socket.h>

#include "nft.h"
#include "shield.h"
#include "testhelp.h"

/* A tunnel for tests: up to 4 remote prefixes from strings. */
#define tt_init th_tunnel_init

static Prefix P(const char *s) {
        Prefix p;
        assert_int_equal(prefix_parse(s, &p), 0);
        return p;
}

/* The policy of set s with this dir, src, dst and ifindex, or fail. */
static const ShieldPolicy *find(const ShieldPolicySet *s, ShieldDir dir, const char *src, const char *dst,
                                int ifindex) {
        Prefix ps = P(src), pd = P(dst);
        ShieldPolicy key = {
                .dir = dir,
                .family = pd.addr.family,
                .src = ps,
                .dst = pd,
                .ifindex = ifindex,
                .sel_user = SHIELD_SEL_USER,
        };
        const ShieldPolicy *p = shield_policy_set_find(s, &key);

        if (!p)
                print_message("missing: dir %s src %s dst %s ifindex %d\n", shield_dir_to_string(dir), src,
                              dst, ifindex);
        assert_non_null(p);
        return p;
}

/* Invariants every built set must hold. */
static void check_invariants(const ShieldPolicySet *s) {
        for (size_t i = 0; i < s->n; i++) {
                const ShieldPolicy *p = &s->items[i];

                assert_true(shield_policy_is_ours(p));
                assert_int_equal(shield_policy_validate(p), 0);
                assert_true(p->priority > SHIELD_CHARON_PRIORITY_LIMIT);
                assert_true(p->priority >= 1000000 && p->priority <= 1099999);
                assert_true(p->plain);
                assert_false(p->src.len == 0 && p->dst.len == 0);
                assert_int_equal(p->src.addr.family, p->family);
                assert_int_equal(p->dst.addr.family, p->family);
                if (i > 0) {
                        /* sorted, no repeated identity, distinct indices */
                        assert_true(shield_policy_compare(&s->items[i - 1], p) < 0);
                        assert_int_not_equal(shield_policy_identity_compare(&s->items[i - 1], p), 0);
                }
                for (size_t j = 0; j < i; j++)
                        assert_int_not_equal(s->items[j].index, p->index);
        }
}

static void test_kernel_mode(void **state) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet s = {};
        TestTunnel a;
        const Tunnel *ts[1] = { &a.t };
        const ShieldPolicy *p;

        tt_init(&a, "azure-weu", true, true, "198.51.100.0/24", "2001:db8:a::/48");
        assert_int_equal(shield_build(ts, 1, DATA_PLANE_KERNEL, 42, &s), 0);
        assert_int_equal(s.n, 6);
        check_invariants(&s);

        static const struct {
                ShieldDir dir;
                const char *src, *dst;
                uint32_t priority;
        } rows[] = {
                { SHIELD_DIR_OUT, "0.0.0.0/0", "198.51.100.0/24", 1000017 },
                { SHIELD_DIR_IN, "198.51.100.0/24", "0.0.0.0/0", 1000017 },
                { SHIELD_DIR_FWD, "198.51.100.0/24", "0.0.0.0/0", 1000017 },
                { SHIELD_DIR_OUT, "::/0", "2001:db8:a::/48", 1000161 },
                { SHIELD_DIR_IN, "2001:db8:a::/48", "::/0", 1000161 },
                { SHIELD_DIR_FWD, "2001:db8:a::/48", "::/0", 1000161 },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                /* The kernel data plane never binds to a device, whatever
                 * tun_ifindex says. */
                p = find(&s, rows[i].dir, rows[i].src, rows[i].dst, 0);
                assert_int_equal(p->action, SHIELD_ACTION_BLOCK);
                assert_int_equal(p->priority, rows[i].priority);
                assert_int_equal(p->index & 7, rows[i].dir);
                assert_int_equal(p->index >> 20, 0x6a7);
                assert_string_equal(p->tunnel, "azure-weu");
        }
}

static void test_userspace_mode(void **state) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet s = {}, down = {};
        TestTunnel a;
        const Tunnel *ts[1] = { &a.t };
        const ShieldPolicy *block, *allow;

        tt_init(&a, "u", true, true, "198.51.100.128/25", "2001:db8:b::/64");
        assert_int_equal(shield_build(ts, 1, DATA_PLANE_USERSPACE, 7, &s), 0);
        /* per IPv4 prefix: out block + out allow via the TUN device; no
         * in/fwd; IPv6 is nft's (the gateway's own IPv6 has no output device
         * at XFRM lookup: a block would shadow the tunnel) */
        assert_int_equal(s.n, 2);
        check_invariants(&s);
        for (size_t i = 0; i < s.n; i++)
                assert_int_equal(s.items[i].dir, SHIELD_DIR_OUT);

        block = find(&s, SHIELD_DIR_OUT, "0.0.0.0/0", "198.51.100.128/25", 0);
        allow = find(&s, SHIELD_DIR_OUT, "0.0.0.0/0", "198.51.100.128/25", 7);
        assert_int_equal(block->action, SHIELD_ACTION_BLOCK);
        assert_int_equal(allow->action, SHIELD_ACTION_ALLOW);
        assert_int_equal(allow->priority + 1, block->priority);
        assert_int_equal(block->priority, 1000015);

        for (size_t i = 0; i < s.n; i++)
                assert_int_equal(s.items[i].family, AF_INET);

        /* No TUN device (charon down): blocks only, fail closed. */
        assert_int_equal(shield_build(ts, 1, DATA_PLANE_USERSPACE, 0, &down), 0);
        assert_int_equal(down.n, 1);
        check_invariants(&down);
        for (size_t i = 0; i < down.n; i++)
                assert_int_equal(down.items[i].action, SHIELD_ACTION_BLOCK);
}

static void test_enabled_and_fail_closed(void **state) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet s = {};
        TestTunnel a, b, c;
        const Tunnel *ts[3] = { &a.t, &b.t, &c.t };

        tt_init(&a, "disabled", true, false, "198.51.100.0/26", NULL);
        tt_init(&b, "open", false, true, "198.51.100.64/26", NULL);
        tt_init(&c, "open-disabled", false, false, "198.51.100.128/26", NULL);
        assert_int_equal(shield_build(ts, 3, DATA_PLANE_KERNEL, 0, &s), 0);
        /* Enabled=no keeps the shield; FailClosed=no has none. */
        assert_int_equal(s.n, 3);
        for (size_t i = 0; i < s.n; i++) {
                assert_string_equal(s.items[i].tunnel, "disabled");
                assert_true(prefix_equal(s.items[i].dir == SHIELD_DIR_OUT ? &s.items[i].dst : &s.items[i].src,
                                         &a.prefixes[0]));
        }
}

static void test_default_route_refused(void **state) {
        static const char *const rows[] = { "0.0.0.0/0", "::/0" };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                for (DataPlane dp = 0; dp < _DATA_PLANE_MAX; dp++) {
                        _cleanup_(shield_policy_set_clear) ShieldPolicySet s = {};
                        TestTunnel a, b;
                        const Tunnel *ts[2] = { &a.t, &b.t };

                        tt_init(&a, "fine", true, true, "203.0.113.0/24", NULL);
                        tt_init(&b, "forced", true, true, "198.51.100.0/24", rows[i]);
                        assert_int_equal(shield_build(ts, 2, dp, 3, &s), -EINVAL);
                        /* nothing written on failure */
                        assert_int_equal(s.n, 0);
                        assert_null(s.items);

                        /* FailClosed=no with 0/0 wants no shield: fine. */
                        b.t.fail_closed = false;
                        assert_int_equal(shield_build(ts, 2, dp, 3, &s), 0);
                        assert_true(s.n > 0);
                }
}

static void test_bad_data_plane(void **state) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet s = {};

        assert_int_equal(shield_build(NULL, 0, _DATA_PLANE_INVALID, 0, &s), -EINVAL);
        assert_int_equal(shield_build(NULL, 0, _DATA_PLANE_MAX, 0, &s), -EINVAL);
        assert_int_equal(shield_build(NULL, 0, DATA_PLANE_KERNEL, 0, &s), 0);
        assert_int_equal(s.n, 0);
}

static void test_mixing_dedup_and_order(void **state) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet s1 = {}, s2 = {};
        TestTunnel a, b, c;
        const Tunnel *fwd[3] = { &a.t, &b.t, &c.t }, *rev[3] = { &c.t, &b.t, &a.t };

        /* b and c share a VNet prefix; c's comes first by name. */
        tt_init(&a, "a", true, true, "2001:db8:1::/48", "203.0.113.0/24");
        tt_init(&b, "c-tunnel", true, true, "198.51.100.0/24", "2001:db8:2::/56");
        tt_init(&c, "b-tunnel", true, true, "198.51.100.0/24", NULL);
        /* Host bits set (198.51.100.5/24): masked, so still the same VNet. */
        c.prefixes[0].addr.bytes[3] = 5;

        assert_int_equal(shield_build(fwd, 3, DATA_PLANE_USERSPACE, 9, &s1), 0);
        assert_int_equal(shield_build(rev, 3, DATA_PLANE_USERSPACE, 9, &s2), 0);
        check_invariants(&s1);
        /* 2 distinct IPv4 prefixes x (block + allow); no IPv6 in XFRM */
        assert_int_equal(s1.n, 4);
        /* input order does not matter: same set, same indices, same owners */
        assert_int_equal(s1.n, s2.n);
        for (size_t i = 0; i < s1.n; i++) {
                assert_int_equal(shield_policy_compare(&s1.items[i], &s2.items[i]), 0);
                assert_string_equal(s1.items[i].tunnel, s2.items[i].tunnel);
        }
        assert_string_equal(find(&s1, SHIELD_DIR_OUT, "0.0.0.0/0", "198.51.100.0/24", 0)->tunnel, "b-tunnel");

        for (size_t i = 0; i < s1.n; i++)
                assert_int_equal(s1.items[i].family, AF_INET);
}

static void test_priority_band(void **state) {
        static const int fams[] = { AF_INET, AF_INET6 };

        for (size_t f = 0; f < ELEMENTSOF(fams); f++)
                for (unsigned len = 1; len <= address_bits(fams[f]); len++) {
                        uint32_t b = shield_priority(fams[f], len, SHIELD_ACTION_BLOCK);
                        uint32_t a = shield_priority(fams[f], len, SHIELD_ACTION_ALLOW);

                        assert_true(shield_priority_in_band(a));
                        assert_true(shield_priority_in_band(b));
                        assert_true(a > SHIELD_CHARON_PRIORITY_LIMIT);
                        assert_int_equal(a + 1, b);
                        /* more specific: lower number (wins) */
                        if (len > 1)
                                assert_true(b < shield_priority(fams[f], len - 1, SHIELD_ACTION_ALLOW));
                }
        assert_false(shield_priority_in_band(599999));
        assert_false(shield_priority_in_band(999999));
        assert_false(shield_priority_in_band(1100000));
        assert_true(shield_priority_in_band(1099999));
}

static void test_index(void **state) {
        static const struct {
                uint32_t index;
                ShieldDir dir;
                bool ours;
        } rows[] = {
                { 0x6a700009, SHIELD_DIR_OUT, true },
                { 0x6a700008, SHIELD_DIR_IN, true },
                { 0x6a7ffffa, SHIELD_DIR_FWD, true },
                { 0x6a700009, SHIELD_DIR_IN, false },   /* direction mismatch */
                { 0x6a700001, SHIELD_DIR_OUT, false },  /* slot 0 */
                { 0x6a800009, SHIELD_DIR_OUT, false },  /* magic */
                { 0x00000009, SHIELD_DIR_OUT, false },  /* kernel-generated */
                { 0x6a700003, SHIELD_DIR_OUT, false },  /* socket policy dir */
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                if (shield_index_is_ours(rows[i].index, rows[i].dir) != rows[i].ours)
                        print_message("row %zu: 0x%08x\n", i, rows[i].index);
                assert_int_equal(shield_index_is_ours(rows[i].index, rows[i].dir), rows[i].ours);
        }
        for (ShieldDir d = 0; d < _SHIELD_DIR_MAX; d++) {
                assert_true(shield_index_is_ours(shield_index(d, 1), d));
                assert_true(shield_index_is_ours(shield_index(d, SHIELD_INDEX_SLOT_MAX), d));
                assert_int_equal(shield_index(d, 5) & 7, d);
        }
}

static void test_enum_strings(void **state) {
        for (ShieldDir d = 0; d < _SHIELD_DIR_MAX; d++)
                assert_int_equal(shield_dir_from_string(shield_dir_to_string(d)), d);
        for (ShieldAction a = 0; a < _SHIELD_ACTION_MAX; a++)
                assert_int_equal(shield_action_from_string(shield_action_to_string(a)), a);
        assert_int_equal(shield_dir_from_string("sideways"), _SHIELD_DIR_INVALID);
        assert_int_equal(shield_action_from_string(NULL), _SHIELD_ACTION_INVALID);
        assert_null(shield_dir_to_string(_SHIELD_DIR_MAX));
        assert_null(shield_action_to_string(_SHIELD_ACTION_INVALID));
}

static void test_diff(void **state) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet old = {}, new = {};
        _cleanup_(shield_diff_clear) ShieldDiff d = {}, same = {};
        TestTunnel a, b, c;
        const Tunnel *before[2] = { &a.t, &b.t }, *after[2] = { &b.t, &c.t };

        tt_init(&a, "a", true, true, "198.51.100.0/25", NULL);
        tt_init(&b, "b", true, true, "198.51.100.128/25", "2001:db8:b::/48");
        tt_init(&c, "c", true, true, "203.0.113.0/24", NULL);
        assert_int_equal(shield_build(before, 2, DATA_PLANE_KERNEL, 0, &old), 0);
        assert_int_equal(shield_build(after, 2, DATA_PLANE_KERNEL, 0, &new), 0);

        /* have's tunnel names are unknown (as parsed from a dump) */
        for (size_t i = 0; i < old.n; i++)
                old.items[i].tunnel[0] = 0;

        assert_int_equal(shield_diff(&new, &old, &d), 0);
        assert_int_equal(d.add.n, 3);    /* c: out, in, fwd */
        assert_int_equal(d.del.n, 3);    /* a: out, in, fwd */
        assert_int_equal(d.update.n, 0); /* b: untouched */
        for (size_t i = 0; i < d.add.n; i++)
                assert_string_equal(d.add.items[i].tunnel, "c");
        for (size_t i = 0; i < d.del.n; i++) {
                const Prefix *pp = d.del.items[i].dir == SHIELD_DIR_OUT ? &d.del.items[i].dst
                                                                        : &d.del.items[i].src;
                Prefix ap = P("198.51.100.0/25");

                assert_true(prefix_equal(pp, &ap));
                /* del entries are have's, with the kernel's index */
                assert_non_null(shield_policy_set_find(&old, &d.del.items[i]));
                assert_int_equal(shield_policy_set_find(&old, &d.del.items[i])->index, d.del.items[i].index);
        }

        /* Nothing to do when in sync; indices do not matter. */
        for (size_t i = 0; i < new.n; i++)
                new.items[i].index ^= 0x100;
        assert_int_equal(shield_diff(&new, &new, &same), 0);
        assert_int_equal(same.add.n + same.del.n + same.update.n, 0);

        /* Same identity, other priority: an in-place update keeping have's
         * index, never delete + add (that would leave a gap). */
        shield_diff_clear(&same);
        old.items[0] = new.items[0];
        old.items[0].priority = 1000000;
        old.items[0].index = shield_index(old.items[0].dir, 77);
        old.n = 1;
        assert_int_equal(shield_diff(&new, &old, &same), 0);
        assert_int_equal(same.update.n, 1);
        assert_int_equal(same.update.items[0].index, shield_index(old.items[0].dir, 77));
        assert_int_equal(same.update.items[0].priority, new.items[0].priority);
        assert_int_equal(same.del.n, 0);
        assert_int_equal(same.add.n, new.n - 1);

        /* Everything goes when nothing is wanted. */
        shield_diff_clear(&same);
        assert_int_equal(shield_diff(&(ShieldPolicySet) {}, &new, &same), 0);
        assert_int_equal(same.del.n, new.n);
        assert_int_equal(same.add.n, 0);
}

static void test_to_string(void **state) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet s = {};
        char buf[SHIELD_POLICY_STRLEN];
        TestTunnel a;
        const Tunnel *ts[1] = { &a.t };

        tt_init(&a, "t1", true, true, "198.51.100.0/24", NULL);
        assert_int_equal(shield_build(ts, 1, DATA_PLANE_USERSPACE, 5, &s), 0);
        assert_int_equal(s.n, 2);
        assert_string_equal(shield_policy_to_string(&s.items[0], buf, sizeof(buf)),
                            "src 0.0.0.0/0 dst 198.51.100.0/24 dir out action block priority 1000017 "
                            "index 0x6a700009 tunnel t1");
        assert_string_equal(shield_policy_to_string(&s.items[1], buf, sizeof(buf)),
                            "src 0.0.0.0/0 dst 198.51.100.0/24 ifindex 5 dir out action allow priority 1000016 "
                            "index 0x6a700011 tunnel t1");
}

static void test_nft_kernel(void **state) {
        _cleanup_free_ char *text = NULL;
        TestTunnel a, b, c, d;
        const Tunnel *ts[4] = { &a.t, &b.t, &c.t, &d.t };

        tt_init(&a, "a", true, true, "203.0.113.0/24", "2001:db8:a::/48");
        tt_init(&b, "b", true, true, "198.51.100.0/24", "203.0.113.0/24"); /* shared VNet */
        tt_init(&c, "c", true, false, "192.0.2.0/24", NULL);               /* disabled: no clamp */
        tt_init(&d, "d", false, true, "198.51.100.0/25", NULL);
        d.t.tcp_mss_clamp = 1300;
        assert_int_equal(nft_gatewayd_build(ts, 4, DATA_PLANE_KERNEL, NULL, &text), 0);
        assert_string_equal(text,
                "table inet gatewayd {\n"
                "\tset mss4_1300 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n"
                "\t\telements = { 198.51.100.0/25 }\n\t}\n"
                "\tset mss4_1350 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n"
                "\t\telements = { 198.51.100.0/24, 203.0.113.0/24 }\n\t}\n"
                "\tset mss6_1350 {\n\t\ttype ipv6_addr\n\t\tflags interval\n\t\tauto-merge\n"
                "\t\telements = { 2001:db8:a::/48 }\n\t}\n"
                "\tset shield4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n"
                "\t\telements = { 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 }\n\t}\n"
                "\tset shield6 {\n\t\ttype ipv6_addr\n\t\tflags interval\n\t\tauto-merge\n"
                "\t\telements = { 2001:db8:a::/48 }\n\t}\n"
                "\tchain forward {\n\t\ttype filter hook forward priority mangle; policy accept;\n"
                "\t\ttcp flags syn ip daddr @mss4_1300 tcp option maxseg size > 1300 tcp option maxseg size set 1300\n"
                "\t\ttcp flags syn ip saddr @mss4_1300 tcp option maxseg size > 1300 tcp option maxseg size set 1300\n"
                "\t\ttcp flags syn ip daddr @mss4_1350 tcp option maxseg size > 1350 tcp option maxseg size set 1350\n"
                "\t\ttcp flags syn ip saddr @mss4_1350 tcp option maxseg size > 1350 tcp option maxseg size set 1350\n"
                "\t\ttcp flags syn ip6 daddr @mss6_1350 tcp option maxseg size > 1350 tcp option maxseg size set 1350\n"
                "\t\ttcp flags syn ip6 saddr @mss6_1350 tcp option maxseg size > 1350 tcp option maxseg size set 1350\n"
                "\t}\n"
                "\tchain output {\n\t\ttype filter hook output priority mangle; policy accept;\n"
                "\t\ttcp flags syn ip daddr @mss4_1300 tcp option maxseg size > 1300 tcp option maxseg size set 1300\n"
                "\t\ttcp flags syn ip saddr @mss4_1300 tcp option maxseg size > 1300 tcp option maxseg size set 1300\n"
                "\t\ttcp flags syn ip daddr @mss4_1350 tcp option maxseg size > 1350 tcp option maxseg size set 1350\n"
                "\t\ttcp flags syn ip saddr @mss4_1350 tcp option maxseg size > 1350 tcp option maxseg size set 1350\n"
                "\t\ttcp flags syn ip6 daddr @mss6_1350 tcp option maxseg size > 1350 tcp option maxseg size set 1350\n"
                "\t\ttcp flags syn ip6 saddr @mss6_1350 tcp option maxseg size > 1350 tcp option maxseg size set 1350\n"
                "\t}\n"
                "\tchain prerouting {\n\t\ttype filter hook prerouting priority filter; policy accept;\n"
                "\t\tmeta ipsec missing ip saddr @shield4 counter drop\n"
                "\t\tmeta ipsec missing ip6 saddr @shield6 counter drop\n"
                "\t}\n"
                "}\n");
}

static void test_nft_userspace(void **state) {
        _cleanup_free_ char *text = NULL, *tx = NULL;
        TestTunnel a, b;
        const Tunnel *ts[2] = { &a.t, &b.t };

        /* a: shield only (no clamp); b: disabled but FailClosed, so shielded */
        tt_init(&a, "a", true, true, "198.51.100.0/24", "2001:db8:a::/48");
        a.t.tcp_mss_clamp = 0;
        tt_init(&b, "b", true, false, "203.0.113.0/24", NULL);
        assert_int_equal(nft_gatewayd_build(ts, 2, DATA_PLANE_USERSPACE, "tun-7", &text), 0);
        assert_string_equal(text,
                "table inet gatewayd {\n"
                "\tset shield4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n"
                "\t\telements = { 198.51.100.0/24, 203.0.113.0/24 }\n\t}\n"
                "\tset shield6 {\n\t\ttype ipv6_addr\n\t\tflags interval\n\t\tauto-merge\n"
                "\t\telements = { 2001:db8:a::/48 }\n\t}\n"
                "\tchain forward {\n\t\ttype filter hook forward priority mangle; policy accept;\n"
                "\t\tiifname != \"tun-7\" ip saddr @shield4 counter drop\n"
                "\t\tiifname != \"tun-7\" ip6 saddr @shield6 counter drop\n"
                "\t}\n"
                "\tchain postrouting {\n\t\ttype filter hook postrouting priority mangle; policy accept;\n"
                "\t\toifname != \"tun-7\" ip6 daddr @shield6 counter drop\n"
                "\t}\n"
                "\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n"
                "\t\tiifname != \"tun-7\" ip saddr @shield4 counter drop\n"
                "\t\tiifname != \"tun-7\" ip6 saddr @shield6 counter drop\n"
                "\t}\n"
                "}\n");

        assert_int_equal(nft_gatewayd_transaction(text, &tx), 0);
        assert_true(strncmp(tx, "table inet gatewayd {}\ndelete table inet gatewayd\ntable inet gatewayd {\n",
                            strlen("table inet gatewayd {}\ndelete table inet gatewayd\ntable inet gatewayd {\n")) == 0);
}

static void test_nft_edges(void **state) {
        static const char *const bad_names[] = { "", "a-very-long-name-x", "ipsec0\"", "ip sec", "a;b" };
        _cleanup_free_ char *empty = NULL, *tx = NULL;
        TestTunnel a;
        const Tunnel *ts[1] = { &a.t };

        for (size_t i = 0; i < ELEMENTSOF(bad_names); i++) {
                char *t = NULL;

                tt_init(&a, "a", true, true, "198.51.100.0/24", NULL);
                assert_int_equal(nft_gatewayd_build(ts, 1, DATA_PLANE_USERSPACE, bad_names[i], &t), -EINVAL);
                assert_null(t);
        }
        tt_init(&a, "a", true, true, "198.51.100.0/24", NULL);
        a.t.tcp_mss_clamp = 70000;
        assert_int_equal(nft_gatewayd_build(ts, 1, DATA_PLANE_KERNEL, NULL, &empty), -EINVAL);
        assert_int_equal(nft_gatewayd_build(ts, 1, _DATA_PLANE_INVALID, NULL, &empty), -EINVAL);

        /* Nothing to do (no clamp, FailClosed=no): an empty table (applying
         * it still replaces an old one). */
        a.t.tcp_mss_clamp = 0;
        a.t.fail_closed = false;
        assert_int_equal(nft_gatewayd_build(ts, 1, DATA_PLANE_KERNEL, NULL, &empty), 0);
        assert_string_equal(empty, "table inet gatewayd {\n}\n");

        /* Removing is the same transaction without a new table. */
        assert_int_equal(nft_gatewayd_transaction(NULL, &tx), 0);
        assert_string_equal(tx, "table inet gatewayd {}\ndelete table inet gatewayd\n");
}

/* The table of these tunnels (FailClosed, no clamp: only shield sets),
 * userspace data plane. */
static char *shield_table(TestTunnel *tt, size_t n) {
        const Tunnel *ts[8];
        char *text = NULL;

        assert_true(n <= ELEMENTSOF(ts));
        for (size_t i = 0; i < n; i++) {
                tt[i].t.tcp_mss_clamp = 0;
                ts[i] = &tt[i].t;
        }
        assert_int_equal(nft_gatewayd_build(ts, n, DATA_PLANE_KERNEL, NULL, &text), 0);
        return text;
}

/* The elements line of set name in text. */
static void assert_elements(const char *text, const char *name, const char *want) {
        _cleanup_free_ char *head = NULL;
        const char *p, *e;

        assert_true(asprintf(&head, "\tset %s {", name) > 0);
        p = strstr(text, head);
        assert_non_null(p);
        p = strstr(p, "elements = { ");
        assert_non_null(p);
        p += strlen("elements = { ");
        e = strstr(p, " }\n");
        assert_non_null(e);
        assert_memory_equal(p, want, strlen(want));
        assert_int_equal(e - p, strlen(want));
}

/* A set holds the prefixes merged as the kernel's auto-merge would keep
 * them: the element a reload deletes is one the kernel has. */
static void test_nft_merge(void **state) {
        TestTunnel t[6];
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        tt_init(&t[0], "a", true, true, "198.51.100.0/25", "2001:db8:a::/64");
        tt_init(&t[1], "b", true, true, "198.51.100.128/25", "2001:db8:a:1::/64");   /* joins a: one /24, one /63 */
        tt_init(&t[2], "c", true, true, "192.0.3.0/24", "2001:db8:a:2::/64");        /* not a prefix: a range */
        tt_init(&t[3], "d", true, true, "192.0.4.0/24", "2001:db8:a:2:8000::/65");   /* inside c's */
        tt_init(&t[4], "e", true, false, "255.255.254.0/24", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120");
        tt_init(&t[5], "f", true, true, "255.255.255.0/24", NULL);                   /* the last address */
        a = shield_table(t, 6);
        assert_elements(a, "shield4", "192.0.3.0-192.0.4.255, 198.51.100.0/24, 255.255.254.0/23");
        assert_elements(a, "shield6", "2001:db8:a::-2001:db8:a:2:ffff:ffff:ffff:ffff, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120");

        /* Apart by one address: not joined. */
        tt_init(&t[0], "a", true, true, "198.51.100.0/25", NULL);
        tt_init(&t[1], "b", true, true, "198.51.100.129/32", NULL);
        b = shield_table(t, 2);
        assert_elements(b, "shield4", "198.51.100.0/25, 198.51.100.129/32");
        tt_init(&t[1], "b", true, true, "198.51.100.128/32", NULL);
        c = shield_table(t, 2);
        assert_elements(c, "shield4", "198.51.100.0-198.51.100.128");
}

static void test_nft_delta(void **state) {
        TestTunnel t[3];
        _cleanup_free_ char *before = NULL, *after = NULL, *v6 = NULL, *cmd = NULL, *same = NULL, *back = NULL;

        tt_init(&t[0], "a", true, true, "198.51.100.0/24", NULL);
        tt_init(&t[1], "b", true, true, "198.51.101.0/24", NULL);
        tt_init(&t[2], "c", true, true, "203.0.113.0/24", NULL);
        before = shield_table(t, 3);
        assert_elements(before, "shield4", "198.51.100.0/23, 203.0.113.0/24");

        /* b moves: the joined range splits, c's element stays. */
        tt_init(&t[1], "b", true, true, "192.0.2.0/24", NULL);
        after = shield_table(t, 3);
        assert_int_equal(nft_gatewayd_delta(before, after, &cmd), 0);
        assert_string_equal(cmd, "delete element inet gatewayd shield4 { 198.51.100.0/23 }\n"
                                 "add element inet gatewayd shield4 { 192.0.2.0/24, 198.51.100.0/24 }\n");
        free(cmd);
        assert_int_equal(nft_gatewayd_delta(after, before, &back), 0);
        assert_string_equal(back, "delete element inet gatewayd shield4 { 192.0.2.0/24, 198.51.100.0/24 }\n"
                                  "add element inet gatewayd shield4 { 198.51.100.0/23 }\n");
        assert_int_equal(nft_gatewayd_delta(after, after, &same), 0);
        assert_string_equal(same, "");

        /* A set that appears (the first IPv6 prefix) is more than elements. */
        tt_init(&t[2], "c", true, true, "203.0.113.0/24", "2001:db8:c::/48");
        v6 = shield_table(t, 3);
        cmd = NULL;
        assert_int_equal(nft_gatewayd_delta(after, v6, &cmd), -ESRCH);
        assert_null(cmd);
        assert_int_equal(nft_gatewayd_delta(v6, after, &cmd), -ESRCH);
        assert_int_equal(nft_gatewayd_delta("table inet gatewayd {\n}\n", after, &cmd), -ESRCH);
        assert_null(cmd);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kernel_mode),
                cmocka_unit_test(test_userspace_mode),
                cmocka_unit_test(test_enabled_and_fail_closed),
                cmocka_unit_test(test_default_route_refused),
                cmocka_unit_test(test_bad_data_plane),
                cmocka_unit_test(test_mixing_dedup_and_order),
                cmocka_unit_test(test_priority_band),
                cmocka_unit_test(test_index),
                cmocka_unit_test(test_enum_strings),
                cmocka_unit_test(test_diff),
                cmocka_unit_test(test_to_string),
                cmocka_unit_test(test_nft_kernel),
                cmocka_unit_test(test_nft_userspace),
                cmocka_unit_test(test_nft_edges),
                cmocka_unit_test(test_nft_merge),
                cmocka_unit_test(test_nft_delta),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
