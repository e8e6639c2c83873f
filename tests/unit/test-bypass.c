/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What bypasses the shield (xfrm/bypass.h): foreign pass policies against a
 * built shield, table-driven, and disable_xfrm/disable_policy read from a
 * directory laid out like /proc/sys/net. */
#include <sys/socket.h>

#include "bypass.h"
#include "testhelp.h"

#define TUN 7

static Prefix P(const char *s) {
        Prefix p;

        assert_int_equal(prefix_parse(s, &p), 0);
        return p;
}

/* Two tunnels: a with an IPv4 and an IPv6 VNet, b with one IPv4 VNet. */
static void build(DataPlane dp, ShieldPolicySet *want) {
        TestTunnel a, b;
        const Tunnel *ts[2] = { &a.t, &b.t };

        th_tunnel_init(&a, "a", true, true, "198.51.100.128/25", "2001:db8:b::/64");
        th_tunnel_init(&b, "b", true, true, "203.0.113.0/25", NULL);
        assert_int_equal(shield_build(ts, 2, dp, dp == DATA_PLANE_USERSPACE ? TUN : 0, want), 0);
}

typedef struct Foreign {
        ShieldDir dir;
        const char *src, *dst;
        int ifindex;
        ShieldAction action;
        uint32_t priority;
        bool templated;
} Foreign;

static ShieldPolicy foreign(const Foreign *f) {
        ShieldPolicy p = {
                .dir = f->dir,
                .src = P(f->src),
                .dst = P(f->dst),
                .ifindex = f->ifindex,
                .action = f->action,
                .priority = f->priority,
                .index = 0x1000 | (uint32_t) f->dir, /* the kernel's, not ours */
                .templated = f->templated,
        };

        p.family = p.dst.addr.family;
        return p;
}

static void test_policies(void **state) {
        static const struct {
                const char *what;
                DataPlane dp;
                Foreign f;
                const char *tunnels; /* the tunnels reported, in order, space-separated; "" none */
        } rows[] = {
                { "pass to the VNet, ahead of the block", DATA_PLANE_USERSPACE,
                  { SHIELD_DIR_OUT, "0.0.0.0/0", "198.51.100.128/25", 0, SHIELD_ACTION_ALLOW, 1000, false }, "a" },
                { "the same, kernel data plane", DATA_PLANE_KERNEL,
                  { SHIELD_DIR_OUT, "0.0.0.0/0", "198.51.100.128/25", 0, SHIELD_ACTION_ALLOW, 1000, false }, "a" },
                { "an IPsec policy (template) encrypts", DATA_PLANE_KERNEL,
                  { SHIELD_DIR_OUT, "0.0.0.0/0", "198.51.100.128/25", 0, SHIELD_ACTION_ALLOW, 300000, true }, "" },
                { "behind the block (higher number)", DATA_PLANE_USERSPACE,
                  { SHIELD_DIR_OUT, "0.0.0.0/0", "198.51.100.128/25", 0, SHIELD_ACTION_ALLOW, 1000016, false }, "" },
                { "the block's very priority: a tie counts", DATA_PLANE_USERSPACE,
                  { SHIELD_DIR_OUT, "0.0.0.0/0", "198.51.100.128/25", 0, SHIELD_ACTION_ALLOW, 1000015, false }, "a" },
                { "one host of the VNet", DATA_PLANE_USERSPACE,
                  { SHIELD_DIR_OUT, "0.0.0.0/0", "198.51.100.140/32", 0, SHIELD_ACTION_ALLOW, 1000, false }, "a" },
                { "from one source only", DATA_PLANE_USERSPACE,
                  { SHIELD_DIR_OUT, "198.51.100.10/32", "198.51.100.128/25", 0, SHIELD_ACTION_ALLOW, 1000, false }, "a" },
                { "a range holding both VNets", DATA_PLANE_USERSPACE,
                  { SHIELD_DIR_OUT, "0.0.0.0/0", "192.0.0.0/2", 0, SHIELD_ACTION_ALLOW, 1000, false }, "a b" },
                { "elsewhere", DATA_PLANE_USERSPACE,
                  { SHIELD_DIR_OUT, "0.0.0.0/0", "192.0.2.0/24", 0, SHIELD_ACTION_ALLOW, 1000, false }, "" },
                { "a foreign block adds blocking", DATA_PLANE_USERSPACE,
                  { SHIELD_DIR_OUT, "0.0.0.0/0", "198.51.100.128/25", 0, SHIELD_ACTION_BLOCK, 1000, false }, "" },
                { "bound to the TUN device: the tunnel's way", DATA_PLANE_USERSPACE,
                  { SHIELD_DIR_OUT, "0.0.0.0/0", "198.51.100.128/25", TUN, SHIELD_ACTION_ALLOW, 1000, false }, "" },
                { "bound to another device", DATA_PLANE_USERSPACE,
                  { SHIELD_DIR_OUT, "0.0.0.0/0", "198.51.100.128/25", 3, SHIELD_ACTION_ALLOW, 1000, false }, "a" },
                { "inbound pass from the VNet, kernel data plane", DATA_PLANE_KERNEL,
                  { SHIELD_DIR_IN, "198.51.100.128/25", "0.0.0.0/0", 0, SHIELD_ACTION_ALLOW, 1000, false }, "a" },
                { "forward pass from the VNet, kernel data plane", DATA_PLANE_KERNEL,
                  { SHIELD_DIR_FWD, "203.0.113.0/24", "0.0.0.0/0", 0, SHIELD_ACTION_ALLOW, 1000, false }, "b" },
                { "inbound: no XFRM in block with userspace (nftables)", DATA_PLANE_USERSPACE,
                  { SHIELD_DIR_IN, "198.51.100.128/25", "0.0.0.0/0", 0, SHIELD_ACTION_ALLOW, 1000, false }, "" },
                { "IPv6, kernel data plane", DATA_PLANE_KERNEL,
                  { SHIELD_DIR_OUT, "::/0", "2001:db8:b::/48", 0, SHIELD_ACTION_ALLOW, 1000, false }, "a" },
                { "IPv6, userspace: its shield is nftables", DATA_PLANE_USERSPACE,
                  { SHIELD_DIR_OUT, "::/0", "2001:db8:b::/48", 0, SHIELD_ACTION_ALLOW, 1000, false }, "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(shield_policy_set_clear) ShieldPolicySet want = {}, all = {};
                _cleanup_(shield_bypass_list_clear) ShieldBypassList l = {};
                _cleanup_free_ char *got = NULL;
                ShieldPolicy f = foreign(&rows[i].f);
                size_t n = 0;
                FILE *m;

                build(rows[i].dp, &want);
                /* A dump holds ours too: they never count. */
                for (size_t j = 0; j < want.n; j++)
                        assert_int_equal(shield_policy_set_add(&all, &want.items[j]), 0);
                assert_int_equal(shield_policy_set_add(&all, &f), 0);
                assert_int_equal(shield_find_policy_bypasses(&want, &all, rows[i].dp == DATA_PLANE_USERSPACE ? TUN : 0,
                                                             &l),
                                 0);
                m = open_memstream(&got, &n);
                assert_non_null(m);
                for (size_t j = 0; j < l.n; j++) {
                        assert_int_equal(l.items[j].kind, SHIELD_BYPASS_POLICY);
                        fprintf(m, "%s%s", j ? " " : "", l.items[j].tunnel);
                }
                assert_int_equal(fclose(m), 0);
                if (!streq(got, rows[i].tunnels))
                        print_message("row %zu (%s): got '%s', expected '%s'\n", i, rows[i].what, got,
                                      rows[i].tunnels);
                assert_string_equal(got, rows[i].tunnels);
        }
}

static void test_policy_text(void **state) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet want = {}, all = {};
        _cleanup_(shield_bypass_list_clear) ShieldBypassList l = {};
        const Foreign fs[] = {
                { SHIELD_DIR_OUT, "0.0.0.0/0", "198.51.100.128/25", 0, SHIELD_ACTION_ALLOW, 1000, false },
                /* Another one: each foreign policy is its own entry. */
                { SHIELD_DIR_OUT, "0.0.0.0/0", "198.51.100.192/26", 0, SHIELD_ACTION_ALLOW, 5, false },
        };

        build(DATA_PLANE_USERSPACE, &want);
        for (size_t i = 0; i < ELEMENTSOF(fs); i++) {
                ShieldPolicy f = foreign(&fs[i]);

                assert_int_equal(shield_policy_set_add(&all, &f), 0);
        }
        assert_int_equal(shield_find_policy_bypasses(&want, &all, TUN, &l), 0);
        assert_int_equal(l.n, 2);
        assert_string_equal(l.items[0].what,
                            "XFRM policy src 0.0.0.0/0 dst 198.51.100.128/25 dir out action allow priority 1000 "
                            "index 0x00001001 (no template) allows 198.51.100.128/25 ahead of the shield's block "
                            "(priority 1000015)");
        assert_string_equal(l.items[1].tunnel, "a");
}

/* dir/FAMILY/conf/DEV/NAME = value. */
static void knob(const char *dir, const char *family, const char *dev, const char *name, const char *value) {
        _cleanup_free_ char *rel = NULL, *path = NULL;

        assert_true(asprintf(&rel, "%s/conf/%s/%s", family, dev, name) > 0);
        path = th_write_file(dir, rel, value, 0644);
}

static char *list_text(const ShieldBypassList *l) {
        char *s = NULL;
        size_t n = 0;
        FILE *m = open_memstream(&s, &n);

        assert_non_null(m);
        for (size_t i = 0; i < l->n; i++) {
                assert_int_equal(l->items[i].kind, SHIELD_BYPASS_SYSCTL);
                assert_string_equal(l->items[i].tunnel, "");
                fprintf(m, "%s\n", l->items[i].what);
        }
        assert_int_equal(fclose(m), 0);
        return s;
}

static void test_sysctls(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *missing = NULL;
        static const char *const devs[] = { "all", "default", "lo", "wan", "lan", "ipsec0" };

        for (size_t i = 0; i < ELEMENTSOF(devs); i++) {
                /* As the kernel has them: loopback skips XFRM. */
                const char *v = streq(devs[i], "lo") ? "1\n" : "0\n";

                knob(dir, "ipv4", devs[i], "disable_xfrm", v);
                knob(dir, "ipv4", devs[i], "disable_policy", v);
                knob(dir, "ipv6", devs[i], "disable_policy", "0\n");
        }
        /* A device that lost its directory's files half-way. */
        knob(dir, "ipv4", "gone", "other", "0\n");

        {
                _cleanup_(shield_bypass_list_clear) ShieldBypassList l = {};
                _cleanup_free_ char *t = NULL;

                assert_int_equal(shield_find_sysctl_bypasses(dir, "ipsec0", true, &l), 0);
                t = list_text(&l);
                assert_string_equal(t, "");
        }

        knob(dir, "ipv4", "wan", "disable_xfrm", "1\n");
        knob(dir, "ipv4", "lan", "disable_policy", "1\n");
        knob(dir, "ipv6", "wan", "disable_policy", "1\n");
        knob(dir, "ipv4", "default", "disable_xfrm", "1\n");  /* new devices only: they get reported then */
        knob(dir, "ipv4", "ipsec0", "disable_xfrm", "1\n");   /* the tunnel's own device */
        {
                _cleanup_(shield_bypass_list_clear) ShieldBypassList l = {};
                _cleanup_free_ char *t = NULL;

                assert_int_equal(shield_find_sysctl_bypasses(dir, "ipsec0", true, &l), 0);
                t = list_text(&l);
                assert_string_equal(t, "net.ipv4.conf.lan.disable_policy=1\n"
                                       "net.ipv4.conf.wan.disable_xfrm=1\n"
                                       "net.ipv6.conf.wan.disable_policy=1\n");
        }
        /* Without in/fwd blocks (userspace data plane) disable_policy skips
         * nothing of the shield; without a TUN device to skip, its knob
         * counts like any. */
        knob(dir, "ipv4", "all", "disable_xfrm", "1\n");
        {
                _cleanup_(shield_bypass_list_clear) ShieldBypassList l = {};
                _cleanup_free_ char *t = NULL;

                assert_int_equal(shield_find_sysctl_bypasses(dir, NULL, false, &l), 0);
                t = list_text(&l);
                assert_string_equal(t, "net.ipv4.conf.all.disable_xfrm=1\n"
                                       "net.ipv4.conf.ipsec0.disable_xfrm=1\n"
                                       "net.ipv4.conf.wan.disable_xfrm=1\n");
        }

        /* No ipv6 tree: fine. No ipv4 tree: an error, never "nothing". */
        {
                _cleanup_(shield_bypass_list_clear) ShieldBypassList l = {};
                _cleanup_free_ char *v6 = NULL;

                assert_true(asprintf(&v6, "%s/ipv6", dir) > 0);
                assert_int_equal(th_run((char *const[]) { "rm", "-rf", v6, NULL }), 0);
                assert_int_equal(shield_find_sysctl_bypasses(dir, NULL, true, &l), 0);
                assert_int_equal(l.n, 4);
        }
        {
                _cleanup_(shield_bypass_list_clear) ShieldBypassList l = {};

                assert_true(asprintf(&missing, "%s/nonexistent", dir) > 0);
                assert_int_equal(shield_find_sysctl_bypasses(missing, NULL, true, &l), -ENOENT);
        }
        th_rmtree(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_policies),
                cmocka_unit_test(test_policy_text),
                cmocka_unit_test(test_sysctls),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
