/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shield's counters, without netlink: /proc/net/xfrm_stat text and the
 * last use of each tunnel's block policies. */
#include "counters.h"
#include "testhelp.h"

static void tt_init(TestTunnel *tt, const char *name, const char *p0, const char *p1) {
        th_tunnel_init(tt, name, true, true, p0, p1);
}

static void test_counters_parse(void **state) {
        static const char text[] = "XfrmInError             \t0\n"
                                   "XfrmInNoPols            \t3\n"
                                   "XfrmInTmplMismatch      \t4\n"
                                   "XfrmInPolBlock          \t17\n"
                                   "XfrmOutNoStates         \t5\n"
                                   "XfrmOutPolBlock         \t18446744073709551615\n"
                                   "XfrmOutPolError         \t6\n"
                                   "XfrmFwdHdrError         \t2\n"
                                   "XfrmOutPolBlockX        \t9\n"
                                   "XfrmAcquireError        \t1";
        ShieldCounters c = { .in_pol_block = 99 };

        assert_int_equal(shield_counters_parse(text, &c), 0);
        assert_int_equal(c.in_pol_block, 17);
        assert_true(c.out_pol_block == UINT64_MAX);
        assert_int_equal(c.out_pol_error, 6);
        assert_int_equal(c.out_no_states, 5);
        assert_int_equal(c.in_no_pols, 3);
        assert_int_equal(c.in_tmpl_mismatch, 4);
        assert_int_equal(c.fwd_hdr_error, 2);

        c = (ShieldCounters) { .in_pol_block = 99 };
        assert_int_equal(shield_counters_parse("", &c), 0);
        assert_int_equal(c.in_pol_block, 0);
        assert_int_equal(shield_counters_parse("XfrmOutPolBlock\tmany\n", &c), -EBADMSG);
        assert_int_equal(shield_counters_parse("XfrmOutPolBlock 1 2\n", &c), -EBADMSG);
        assert_int_equal(shield_counters_parse("XfrmOutPolBlock\n", &c), -EBADMSG);
        assert_int_equal(shield_counters_parse("XfrmOutPolBlock -1\n", &c), -EBADMSG);
}

static void test_last_block_use(void **state) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet want = {}, have = {};
        TestTunnel a, b;
        const Tunnel *ts[2] = { &a.t, &b.t };

        tt_init(&a, "a", "198.51.100.0/24", "2001:db8:a::/48");
        tt_init(&b, "b", "203.0.113.0/24", NULL);
        assert_int_equal(shield_build(ts, 2, DATA_PLANE_USERSPACE, 4, &want), 0);
        for (size_t i = 0; i < want.n; i++) {
                ShieldPolicy p = want.items[i];

                p.tunnel[0] = 0;
                /* the allow policy is used all the time: it must not count */
                p.use_time = p.action == SHIELD_ACTION_ALLOW ? 9999 : 100 + i;
                assert_int_equal(shield_policy_set_add(&have, &p), 0);
        }
        assert_true(shield_last_block_use(&want, &have, "a") >= 100);
        assert_true(shield_last_block_use(&want, &have, "a") < 9999);
        assert_true(shield_last_block_use(&want, &have, "b") >= 100);
        assert_true(shield_last_block_use(&want, &have, "b") < 9999);
        assert_int_equal(shield_last_block_use(&want, &have, "zzz"), 0);
}

/* The drops of gatewayd's nftables table, from `nft list table` text: only
 * counters on drop rules count. */
static void test_nft_drops_parse(void **state) {
        static const char text[] =
                "table inet gatewayd {\n"
                "\tchain forward {\n"
                "\t\tiifname != \"ipsec0\" ip saddr @shield4 counter packets 7 bytes 588 drop\n"
                "\t\tip daddr @mss4_1350 counter packets 1000 bytes 9 tcp option maxseg size set 1350\n"
                "\t}\n"
                "\tchain output {\n"
                "\t\toifname != \"ipsec0\" ip6 daddr @shield6 counter packets 35 bytes 3640 drop\n"
                "\t}\n"
                "}";

        assert_int_equal(nft_drops_parse(text), 42);
        assert_int_equal(nft_drops_parse(""), 0);
        assert_int_equal(nft_drops_parse("counter packets 5 bytes 1 accept\ndrop"), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nft_drops_parse),
                cmocka_unit_test(test_counters_parse),
                cmocka_unit_test(test_last_block_use),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
