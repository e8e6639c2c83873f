/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shield against the real kernel. Needs root: the whole process moves
 * into a fresh network namespace (unshare(CLONE_NEWNET)) before any test, so
 * every policy, interface and nft table it creates dies with it, even when a
 * test fails half-way; each test also cleans up after itself. Without root
 * every test is skipped. The pure parts are tested in test-counters.c,
 * test-shield.c and test-xfrm-msg.c. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/xfrm.h>
#include <netlink/msg.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "nft.h"
#include "shield.h"
#include "testhelp.h"
#include "xfrm-kernel.h"
#include "xfrm-msg.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free);

static bool have_netns;

static void tt_init(TestTunnel *tt, const char *name, const char *p0, const char *p1) {
        th_tunnel_init(tt, name, true, true, p0, p1);
}

#define RUN(...) assert_int_equal(th_run((char *const[]) { __VA_ARGS__, NULL }), 0)

static void print_extack(const char *what, int r, const char *extack) {
        if (r < 0)
                print_message("%s: %s%s%s\n", what, strerror(-r), extack ? ": " : "", extack ?: "");
}

/* ---- against the kernel ---- */

static int check_root(void **state) {
        if (!have_netns) {
                print_message("skipped: needs root and a private network namespace\n");
                skip();
        }
        return 0;
}

static struct nl_sock *open_sock(void) {
        struct nl_sock *sk = NULL;

        assert_int_equal(xfrm_socket_open(&sk), 0);
        return sk;
}

/* Leaves the namespace as it was: no policy, no nft table. */
static int cleanup(void **state) {
        if (!have_netns)
                return 0;
        (void) th_run((char *const[]) { "ip", "xfrm", "policy", "flush", NULL });
        /* A table left behind would leak into the next test. */
        return nft_gatewayd_remove(NULL) < 0 ? -1 : 0;
}

static void test_socket(void **state) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        int flags;

        check_root(state);
        sk = open_sock();
        flags = fcntl(nl_socket_get_fd(sk), F_GETFD);
        assert_true(flags >= 0 && (flags & FD_CLOEXEC));
}

static void build2(ShieldPolicySet *want, TestTunnel *a, TestTunnel *b, DataPlane dp, int tun) {
        const Tunnel *ts[2] = { &a->t, &b->t };

        assert_int_equal(shield_build(ts, 2, dp, tun, want), 0);
}

/* Asserts that the kernel holds exactly want as our policies. */
static void assert_kernel_has(struct nl_sock *sk, const ShieldPolicySet *want, bool same_index,
                              size_t n_foreign) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet ours = {};
        _cleanup_free_ char *extack = NULL;
        size_t foreign = 0;
        int r;

        r = xfrm_shield_dump(sk, &ours, NULL, &foreign, &extack);
        print_extack("dump", r, extack);
        assert_int_equal(r, 0);
        assert_int_equal(ours.n, want->n);
        assert_int_equal(foreign, n_foreign);
        for (size_t i = 0; i < want->n; i++) {
                const ShieldPolicy *k = shield_policy_set_find(&ours, &want->items[i]);
                char buf[SHIELD_POLICY_STRLEN];

                if (!k || (same_index && k->index != want->items[i].index))
                        print_message("kernel lacks %s\n",
                                      shield_policy_to_string(&want->items[i], buf, sizeof(buf)));
                assert_non_null(k);
                assert_true(shield_policy_equivalent(k, &want->items[i]));
                assert_true(shield_policy_is_ours(k));
                /* The kernel kept the index we chose. */
                if (same_index)
                        assert_int_equal(k->index, want->items[i].index);
                assert_true(k->add_time > 0);
        }
}

static void test_apply_and_dump(void **state) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(shield_policy_set_clear) ShieldPolicySet want = {};
        _cleanup_free_ char *extack = NULL;
        XfrmApplyStats st;
        TestTunnel a, b;
        size_t removed;
        int r;

        check_root(state);
        sk = open_sock();
        tt_init(&a, "azure-weu", "198.51.100.0/25", "2001:db8:a::/48");
        tt_init(&b, "azure-neu", "198.51.100.128/25", NULL);
        build2(&want, &a, &b, DATA_PLANE_KERNEL, 0);
        assert_int_equal(want.n, 9);

        r = xfrm_shield_apply(sk, &want, 0, &st, NULL, &extack);
        print_extack("apply", r, extack);
        assert_int_equal(r, 0);
        assert_int_equal(st.added, 9);
        assert_int_equal(st.deleted + st.updated + st.kept + st.reindexed, 0);
        assert_kernel_has(sk, &want, true, 0);

        /* Idempotent. */
        assert_int_equal(xfrm_shield_apply(sk, &want, 0, &st, NULL, NULL), 0);
        assert_int_equal(st.kept, 9);
        assert_int_equal(st.added + st.deleted + st.updated, 0);

        /* One of ours with a stale priority (an older gatewayd, say): an
         * in-place update, never delete + add. */
        {
                ShieldPolicy stale = want.items[4];

                assert_int_equal(xfrm_kernel_delete_policy(sk, &stale, NULL), 0);
                stale.priority += 2;
                assert_int_equal(xfrm_kernel_add_policy(sk, &stale, NULL), 0);
                assert_int_equal(xfrm_shield_apply(sk, &want, 0, &st, NULL, NULL), 0);
                assert_int_equal(st.updated, 1);
                assert_int_equal(st.kept, 8);
                assert_int_equal(st.added + st.deleted, 0);
                assert_kernel_has(sk, &want, true, 0);
        }

        assert_int_equal(xfrm_shield_remove_all(sk, &removed, NULL), 0);
        assert_int_equal(removed, 9);
        assert_kernel_has(sk, &(ShieldPolicySet) {}, true, 0);
        cleanup(state);
}

static void test_foreign_untouched(void **state) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(shield_policy_set_clear) ShieldPolicySet want = {}, ours = {}, all = {};
        _cleanup_free_ char *extack = NULL;
        XfrmApplyStats st;
        TestTunnel a, b;
        size_t foreign = 0, removed = 0;
        uint32_t taken;
        char idx[16];
        int r;

        check_root(state);
        sk = open_sock();
        tt_init(&a, "a", "198.51.100.0/24", NULL);
        tt_init(&b, "b", "203.0.113.0/24", NULL);
        build2(&want, &a, &b, DATA_PLANE_KERNEL, 0);

        /* charon's policy for a forced-tunnelling tunnel: the very selector of
         * our out block, but from someone else (no selector marker). */
        RUN("ip", "xfrm", "policy", "add", "dir", "out", "src", "0.0.0.0/0", "dst", "198.51.100.0/24",
            "action", "allow", "priority", "300000");
        /* In our band, carrying our magic index (the one our second out block
         * prefers), but made by ip: not ours, and its index is taken. */
        taken = shield_index(SHIELD_DIR_OUT, 2);
        snprintf(idx, sizeof(idx), "%u", taken);
        RUN("ip", "xfrm", "policy", "add", "dir", "out", "src", "0.0.0.0/0", "dst", "192.0.2.0/24",
            "action", "block", "priority", "1000017", "index", idx);

        r = xfrm_shield_apply(sk, &want, 0, &st, NULL, &extack);
        print_extack("apply", r, extack);
        assert_int_equal(r, 0);
        assert_int_equal(st.added, want.n);
        assert_int_equal(st.reindexed, 1);
        assert_kernel_has(sk, &want, false, 2);

        /* Both foreign policies are exactly as they were. */
        assert_int_equal(xfrm_shield_dump(sk, &ours, &all, &foreign, NULL), 0);
        assert_int_equal(all.n, want.n + 2);
        for (size_t i = 0; i < all.n; i++) {
                const ShieldPolicy *p = &all.items[i];

                if (shield_policy_is_ours(p))
                        continue;
                if (p->priority == 300000) {
                        assert_int_equal(p->action, SHIELD_ACTION_ALLOW);
                        assert_int_equal(p->dst.len, 24);
                } else {
                        assert_int_equal(p->index, taken);
                        assert_int_equal(p->priority, 1000017);
                        assert_int_equal(p->sel_user, 0);
                }
        }

        /* Reconcile to nothing: ours go, theirs stay. */
        assert_int_equal(xfrm_shield_apply(sk, &(ShieldPolicySet) {}, 0, &st, NULL, NULL), 0);
        assert_int_equal(st.deleted, want.n);
        assert_kernel_has(sk, &(ShieldPolicySet) {}, true, 2);

        assert_int_equal(xfrm_shield_apply(sk, &want, 0, &st, NULL, NULL), 0);
        assert_int_equal(xfrm_shield_remove_all(sk, &removed, NULL), 0);
        assert_int_equal(removed, want.n);
        assert_kernel_has(sk, &(ShieldPolicySet) {}, true, 2);

        /* The sender itself refuses to touch what is not ours. */
        for (size_t i = 0; i < all.n; i++)
                if (!shield_policy_is_ours(&all.items[i])) {
                        assert_int_equal(xfrm_kernel_delete_policy(sk, &all.items[i], NULL), -EPERM);
                        assert_int_equal(xfrm_kernel_update_policy(sk, &all.items[i], NULL), -EPERM);
                        assert_int_equal(xfrm_kernel_add_policy(sk, &all.items[i], NULL), -EPERM);
                }
        assert_kernel_has(sk, &(ShieldPolicySet) {}, true, 2);
        cleanup(state);
}

static void test_reconcile(void **state) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(shield_policy_set_clear) ShieldPolicySet first = {}, second = {}, before = {}, after = {};
        XfrmApplyStats st;
        TestTunnel a, b, c;

        check_root(state);
        sk = open_sock();
        tt_init(&a, "a", "198.51.100.0/26", "2001:db8:a::/48");
        tt_init(&b, "b", "198.51.100.64/26", NULL);
        tt_init(&c, "c", "203.0.113.0/24", "2001:db8:c::/48");
        build2(&first, &a, &b, DATA_PLANE_KERNEL, 0);
        build2(&second, &b, &c, DATA_PLANE_KERNEL, 0);

        assert_int_equal(xfrm_shield_apply(sk, &first, 0, &st, NULL, NULL), 0);
        assert_int_equal(xfrm_shield_dump(sk, &before, NULL, NULL, NULL), 0);

        /* a removed, c added, b unchanged */
        assert_int_equal(xfrm_shield_apply(sk, &second, 0, &st, NULL, NULL), 0);
        assert_int_equal(st.added, 6);
        assert_int_equal(st.deleted, 6);
        assert_int_equal(st.kept, 3);
        assert_int_equal(st.updated, 0);
        assert_kernel_has(sk, &second, false, 0);

        /* b's policies were not touched: same index, same add time. */
        assert_int_equal(xfrm_shield_dump(sk, &after, NULL, NULL, NULL), 0);
        for (size_t i = 0; i < second.n; i++) {
                const ShieldPolicy *w = &second.items[i], *o, *n;

                if (!streq(w->tunnel, "b"))
                        continue;
                o = shield_policy_set_find(&before, w);
                n = shield_policy_set_find(&after, w);
                assert_non_null(o);
                assert_non_null(n);
                assert_int_equal(o->index, n->index);
                assert_true(o->add_time == n->add_time);
        }

        /* Data plane switch: kernel -> userspace with a TUN ifindex; the
         * IPv4 out blocks stay, in/fwd and IPv6 go (nft's), allows come. */
        {
                _cleanup_(shield_policy_set_clear) ShieldPolicySet us = {};

                build2(&us, &b, &c, DATA_PLANE_USERSPACE, 1);
                /* The guard's first pass: the new ones go in, the old stay
                 * (until the nftables half is in too). */
                assert_int_equal(xfrm_shield_apply(sk, &us, XFRM_APPLY_KEEP_STALE, &st, NULL, NULL), 0);
                assert_int_equal(st.kept, 2);
                assert_int_equal(st.added, 2);
                assert_int_equal(st.deleted, 0);
                assert_int_equal(st.stale, 7);
                {
                        _cleanup_(shield_policy_set_clear) ShieldPolicySet now = {};

                        assert_int_equal(xfrm_shield_dump(sk, &now, NULL, NULL, NULL), 0);
                        assert_int_equal(now.n, second.n + 2);
                        for (size_t i = 0; i < second.n; i++)
                                assert_non_null(shield_policy_set_find(&now, &second.items[i]));
                }
                assert_int_equal(xfrm_shield_apply(sk, &us, 0, &st, NULL, NULL), 0);
                assert_int_equal(st.kept, 4);
                assert_int_equal(st.added, 0);
                assert_int_equal(st.deleted, 7);
                assert_int_equal(st.stale, 0);
                assert_kernel_has(sk, &us, false, 0);
        }
        cleanup(state);
}

static void test_refused(void **state) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(shield_policy_set_clear) ShieldPolicySet want = {};
        TestTunnel a, b;
        ShieldPolicy p;
        int r;

        check_root(state);
        sk = open_sock();
        tt_init(&a, "a", "198.51.100.0/24", NULL);
        tt_init(&b, "b", "203.0.113.0/24", NULL);
        build2(&want, &a, &b, DATA_PLANE_KERNEL, 0);
        p = want.items[0];

        /* A duplicate: NEWPOLICY is exclusive. */
        {
                _cleanup_free_ char *e1 = NULL, *e2 = NULL;

                assert_int_equal(xfrm_kernel_add_policy(sk, &p, &e1), 0);
                assert_null(e1);
                r = xfrm_kernel_add_policy(sk, &p, &e2);
                print_message("duplicate add: %d (%s), extack: %s\n", r, strerror(-r), e2 ?: "(none)");
                assert_int_equal(r, -EEXIST);
        }

        /* Deleting what is gone. */
        {
                _cleanup_free_ char *e = NULL;

                assert_int_equal(xfrm_kernel_delete_policy(sk, &p, &e), 0);
                assert_int_equal(xfrm_kernel_delete_policy(sk, &p, &e), -ENOENT);
        }

        /* Requests the kernel refuses with a reason (extended ACK). */
        static const struct {
                const char *what;
                int field;
                const char *needle;
        } cases[] = {
                { "index of another direction", 0, "direction" },
                { "IPv4 prefix length 33", 1, "prefix" },
                { "action 7", 2, "action" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
                _cleanup_free_ char *extack = NULL;
                struct xfrm_userpolicy_info *info;

                assert_int_equal(xfrm_msg_new_policy(&p, &m), 0);
                info = nlmsg_data(nlmsg_hdr(m));
                switch (cases[i].field) {
                case 0: info->index = shield_index((ShieldDir) ((p.dir + 1) % _SHIELD_DIR_MAX), 9); break;
                case 1: info->sel.prefixlen_d = 33; break;
                case 2: info->action = 7; break;
                }
                r = xfrm_kernel_transact(sk, m, &extack);
                print_message("%s: %d (%s), extack: %s\n", cases[i].what, r, strerror(-r), extack ?: "(none)");
                assert_int_equal(r, -EINVAL);
                /* This kernel (>= 6.2) explains every one of these. */
                assert_non_null(extack);
                assert_non_null(strcasestr(extack, cases[i].needle));
        }

        /* Not one of ours in shape: refused before sending. */
        p.priority = 500000;
        assert_int_equal(xfrm_kernel_add_policy(sk, &p, NULL), -EPERM);
        assert_kernel_has(sk, &(ShieldPolicySet) {}, true, 0);
        cleanup(state);
}

/* Someone else's policy with the very identity of one of ours (selector
 * marker included): the kernel refuses our exclusive add with EEXIST. The
 * other adds still go in, the stale policy of ours stays (no delete after a
 * failure), and the refused policy is reported; once the obstacle is gone
 * the next apply completes. */
static void test_failed_add_continues(void **state) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(shield_policy_set_clear) ShieldPolicySet want = {}, old = {}, failed = {}, ours = {}, all = {};
        _cleanup_free_ char *extack = NULL;
        XfrmApplyStats st;
        TestTunnel a, b, c;
        ShieldPolicy obstacle;
        const ShieldPolicy *victim = NULL;
        uint32_t obstacle_index = 0;
        int r;

        check_root(state);
        sk = open_sock();
        tt_init(&a, "a", "198.51.100.0/25", NULL);
        tt_init(&b, "b", "203.0.113.0/24", NULL);
        tt_init(&c, "c", "192.0.2.0/24", NULL);
        /* Yesterday's shield (a and c) is in; today's is a and b. */
        build2(&old, &a, &c, DATA_PLANE_KERNEL, 0);
        assert_int_equal(xfrm_shield_apply(sk, &old, 0, &st, NULL, NULL), 0);
        build2(&want, &a, &b, DATA_PLANE_KERNEL, 0);
        for (size_t i = 0; i < want.n; i++)
                if (streq(want.items[i].tunnel, "b") && want.items[i].dir == SHIELD_DIR_FWD)
                        victim = &want.items[i];
        assert_non_null(victim);
        obstacle = *victim;
        obstacle.priority = 1000;
        obstacle.index = 0; /* the kernel's choice: not ours */
        {
                _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;

                assert_int_equal(xfrm_msg_new_policy(&obstacle, &m), 0);
                assert_int_equal(xfrm_kernel_transact(sk, m, NULL), 0);
        }

        r = xfrm_shield_apply(sk, &want, 0, &st, &failed, &extack);
        print_extack("apply with an obstacle", r, extack);
        assert_int_equal(r, -EEXIST);
        /* b's out and in blocks went in after the refused fwd one. */
        assert_int_equal(st.added, 2);
        assert_int_equal(st.deleted, 0);
        assert_int_equal(failed.n, 1);
        assert_true(shield_policy_equivalent(&failed.items[0], victim));
        assert_string_equal(failed.items[0].tunnel, "b");
        assert_int_equal(xfrm_shield_dump(sk, &ours, &all, NULL, NULL), 0);
        /* a (3) and c (3, stale but kept) and b's two. */
        assert_int_equal(ours.n, 8);
        for (size_t i = 0; i < all.n; i++)
                if (!shield_policy_is_ours(&all.items[i]))
                        obstacle_index = all.items[i].index;
        assert_int_not_equal(obstacle_index, 0);

        /* The obstacle goes: the shield completes, the stale part goes. */
        {
                _cleanup_free_ char *idx = NULL;

                assert_true(asprintf(&idx, "%u", obstacle_index) > 0);
                RUN("ip", "xfrm", "policy", "delete", "dir", "fwd", "index", idx);
        }
        assert_int_equal(xfrm_shield_apply(sk, &want, 0, &st, &failed, NULL), 0);
        assert_int_equal(failed.n, 0);
        assert_int_equal(st.added, 1);
        assert_int_equal(st.deleted, 3);
        assert_kernel_has(sk, &want, false, 0);

        /* A set that is not ours is refused whole: all of it reported. */
        want.items[0].priority = 5;
        assert_int_equal(xfrm_shield_apply(sk, &want, 0, &st, &failed, NULL), -EPERM);
        assert_int_equal(failed.n, want.n);
        cleanup(state);
}

static void test_nft(void **state) {
        _cleanup_free_ char *k = NULL, *u = NULL, *list = NULL, *err = NULL;
        TestTunnel a, b;
        const Tunnel *ts[2] = { &a.t, &b.t };
        int r;

        check_root(state);
        tt_init(&a, "a", "198.51.100.0/24", "2001:db8:a::/48");
        tt_init(&b, "b", "203.0.113.0/24", NULL);
        b.t.tcp_mss_clamp = 1300;
        assert_int_equal(nft_gatewayd_build(ts, 2, DATA_PLANE_KERNEL, NULL, &k), 0);
        assert_int_equal(nft_gatewayd_build(ts, 2, DATA_PLANE_USERSPACE, "ipsec0", &u), 0);

        /* Absent: removing and listing. */
        assert_int_equal(nft_gatewayd_remove(NULL), 0);
        assert_int_equal(nft_gatewayd_list(&list, NULL), -ENOENT);

        r = nft_gatewayd_apply(k, &err);
        if (r < 0)
                print_message("nft: %s\n%s", err ?: "", k);
        assert_int_equal(r, 0);
        assert_int_equal(nft_gatewayd_list(&list, NULL), 0);
        assert_non_null(strstr(list, "tcp option maxseg size set 1350"));
        assert_non_null(strstr(list, "tcp option maxseg size set 1300"));
        assert_non_null(strstr(list, "198.51.100.0/24"));
        assert_non_null(strstr(list, "2001:db8:a::/48"));
        assert_non_null(strstr(list, "hook output"));
        assert_null(strstr(list, "iifname"));
        list = (free(list), NULL);

        /* Replace (atomically) with the userspace variant. */
        assert_int_equal(nft_gatewayd_apply(u, NULL), 0);
        assert_int_equal(nft_gatewayd_list(&list, NULL), 0);
        assert_non_null(strstr(list, "iifname != \"ipsec0\" ip saddr @shield4"));
        assert_non_null(strstr(list, "iifname != \"ipsec0\" ip6 saddr @shield6"));
        assert_non_null(strstr(list, "hook input"));
        list = (free(list), NULL);

        /* A broken table changes nothing and says why. */
        r = nft_gatewayd_apply("table inet gatewayd { chain c { bogus } }\n", &err);
        assert_int_equal(r, -EIO);
        assert_non_null(err);
        print_message("nft refused: %s", err);
        assert_int_equal(nft_gatewayd_list(&list, NULL), 0);
        assert_non_null(strstr(list, "iifname != \"ipsec0\""));

        assert_int_equal(nft_gatewayd_remove(NULL), 0);
        list = (free(list), NULL);
        assert_int_equal(nft_gatewayd_list(&list, NULL), -ENOENT);
        cleanup(state);
}

/* One UDP datagram from the gateway itself; 0 or -errno from sendto. */
static int send_udp(const char *dst) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_storage ss = {};
        socklen_t len;

        if (strchr(dst, ':')) {
                struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) &ss;
                s6->sin6_family = AF_INET6;
                s6->sin6_port = htons(9);
                assert_int_equal(inet_pton(AF_INET6, dst, &s6->sin6_addr), 1);
                len = sizeof(*s6);
        } else {
                struct sockaddr_in *s4 = (struct sockaddr_in *) &ss;
                s4->sin_family = AF_INET;
                s4->sin_port = htons(9);
                assert_int_equal(inet_pton(AF_INET, dst, &s4->sin_addr), 1);
                len = sizeof(*s4);
        }
        fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        if (sendto(fd, "x", 1, 0, (struct sockaddr *) &ss, len) < 0)
                return -errno;
        return 0;
}

/* wan0 (192.0.2.1, 2001:db8:1::1) <-> wan1, routes to the VNets via wan1's
 * side, so that without a shield the datagram would leave in plaintext. */
static int setup_wan(void **state) {
        if (!have_netns)
                return 0;
        if (th_run((char *const[]) { "ip", "link", "show", "wan0", NULL }) == 0)
                return 0;
        RUN("ip", "link", "add", "wan0", "type", "veth", "peer", "name", "wan1");
        RUN("ip", "link", "set", "wan0", "up");
        RUN("ip", "link", "set", "wan1", "up");
        RUN("ip", "addr", "add", "192.0.2.1/24", "dev", "wan0");
        RUN("ip", "addr", "add", "2001:db8:1::1/64", "dev", "wan0", "nodad");
        RUN("ip", "route", "add", "198.51.100.0/24", "via", "192.0.2.2");
        RUN("ip", "route", "add", "2001:db8:a::/48", "via", "2001:db8:1::2");
        return 0;
}

static void test_real_drop(void **state) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(shield_policy_set_clear) ShieldPolicySet want = {};
        ShieldCounters c0, c1, c2;
        TestTunnel a, b;
        size_t removed;

        check_root(state);
        setup_wan(state);
        sk = open_sock();
        tt_init(&a, "a", "198.51.100.128/25", "2001:db8:a::/48");
        tt_init(&b, "b", "203.0.113.0/24", NULL);
        build2(&want, &a, &b, DATA_PLANE_KERNEL, 0);

        /* No shield: it would leave. */
        assert_int_equal(send_udp("198.51.100.140"), 0);
        assert_int_equal(send_udp("2001:db8:a::1"), 0);

        assert_int_equal(xfrm_shield_read_counters(&c0), 0);
        assert_int_equal(xfrm_shield_apply(sk, &want, 0, NULL, NULL, NULL), 0);
        assert_int_equal(send_udp("198.51.100.140"), -EPERM);
        assert_int_equal(send_udp("2001:db8:a::1"), -EPERM);
        /* Outside the VNet prefixes nothing changes (no 0/0). */
        assert_int_equal(send_udp("198.51.100.10"), 0);
        assert_int_equal(xfrm_shield_read_counters(&c1), 0);
        assert_true(c1.out_pol_block >= c0.out_pol_block + 2);
        print_message("XfrmOutPolBlock %llu -> %llu\n", (unsigned long long) c0.out_pol_block,
                      (unsigned long long) c1.out_pol_block);

        /* The kernel records the use on the block policy. */
        {
                _cleanup_(shield_policy_set_clear) ShieldPolicySet have = {};

                assert_int_equal(xfrm_shield_dump(sk, &have, NULL, NULL, NULL), 0);
                assert_true(shield_last_block_use(&want, &have, "a") > 0);
                assert_int_equal(shield_last_block_use(&want, &have, "b"), 0);
        }

        assert_int_equal(xfrm_shield_remove_all(sk, &removed, NULL), 0);
        assert_int_equal(removed, want.n);
        assert_int_equal(send_udp("198.51.100.140"), 0);
        assert_int_equal(send_udp("2001:db8:a::1"), 0);
        assert_int_equal(xfrm_shield_read_counters(&c2), 0);
        assert_true(c2.out_pol_block == c1.out_pol_block);
        cleanup(state);
}

/* A TUN device like kernel-libipsec's, kept open so that it has carrier. */
static int open_tun(const char *name) {
        struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
        int fd;

        fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
        if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

static void test_userspace_allow_via_tun(void **state) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(shield_policy_set_clear) ShieldPolicySet up = {}, down = {};
        _cleanup_close_ int tun = -EBADF;
        TestTunnel a, b;
        int ifindex;

        check_root(state);
        setup_wan(state);
        sk = open_sock();
        tun = open_tun("ipsec0");
        assert_true(tun >= 0);
        RUN("ip", "link", "set", "ipsec0", "up");
        RUN("ip", "route", "replace", "198.51.100.0/24", "dev", "ipsec0");
        ifindex = (int) if_nametoindex("ipsec0");
        assert_true(ifindex > 0);

        tt_init(&a, "a", "198.51.100.0/24", NULL);
        tt_init(&b, "b", "203.0.113.0/24", NULL);
        build2(&up, &a, &b, DATA_PLANE_USERSPACE, ifindex);
        build2(&down, &a, &b, DATA_PLANE_USERSPACE, 0);

        /* charon up: routed into the tunnel passes, any other way is blocked. */
        assert_int_equal(xfrm_shield_apply(sk, &up, 0, NULL, NULL, NULL), 0);
        assert_int_equal(send_udp("198.51.100.140"), 0);
        RUN("ip", "route", "replace", "198.51.100.0/24", "via", "192.0.2.2");
        assert_int_equal(send_udp("198.51.100.140"), -EPERM);

        /* charon down (no TUN): blocked even if a route into ipsec0 is left. */
        RUN("ip", "route", "replace", "198.51.100.0/24", "dev", "ipsec0");
        assert_int_equal(xfrm_shield_apply(sk, &down, 0, NULL, NULL, NULL), 0);
        assert_int_equal(send_udp("198.51.100.140"), -EPERM);

        assert_int_equal(xfrm_shield_remove_all(sk, NULL, NULL), 0);
        assert_int_equal(send_udp("198.51.100.140"), 0);
        RUN("ip", "route", "replace", "198.51.100.0/24", "via", "192.0.2.2");
        cleanup(state);
}

static bool enter_netns(void) {
        if (geteuid() != 0)
                return false;
        if (unshare(CLONE_NEWNET) < 0) {
                print_message("unshare(CLONE_NEWNET): %s\n", strerror(errno));
                return false;
        }
        if (th_run((char *const[]) { "ip", "link", "set", "lo", "up", NULL }) != 0)
                return false;
        return true;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_teardown(test_socket, cleanup),
                cmocka_unit_test_teardown(test_apply_and_dump, cleanup),
                cmocka_unit_test_teardown(test_foreign_untouched, cleanup),
                cmocka_unit_test_teardown(test_reconcile, cleanup),
                cmocka_unit_test_teardown(test_refused, cleanup),
                cmocka_unit_test_teardown(test_failed_add_continues, cleanup),
                cmocka_unit_test_teardown(test_nft, cleanup),
                cmocka_unit_test_teardown(test_real_drop, cleanup),
                cmocka_unit_test_teardown(test_userspace_allow_via_tun, cleanup),
        };
        const size_t n_pure = 2;

        /* The process's own namespace: everything created here vanishes with
         * the process, whatever happens to a test. */
        have_netns = enter_netns();
        if (!have_netns) {
                /* cmocka 1.1 reports skip() as "not ok # SKIP", which
                 * automake's TAP driver counts as a failure: say it as a TAP
                 * comment and run only the tests that need no kernel. */
                printf("# SKIP %zu kernel tests: they need root (euid 0) and a private network "
                       "namespace\n",
                       ELEMENTSOF(tests) - n_pure);
                return _cmocka_run_group_tests("tests", tests, n_pure, NULL, NULL);
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
