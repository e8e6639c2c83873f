/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which kernel notifications make the guard reconcile (xfrm/watch.c), and
 * the nftables listing that decides whether table inet gatewayd is still
 * what was applied (nft_listing_normalize). */
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/xfrm.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include "nft.h"
#include "shield.h"
#include "testhelp.h"
#include "watch.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free);

/* An out block as gatewayd makes it, or a foreign one (charon's band, no
 * marks). */
static struct xfrm_userpolicy_info info(bool ours) {
        struct xfrm_userpolicy_info i = {
                .dir = XFRM_POLICY_OUT,
                .action = XFRM_POLICY_BLOCK,
                .priority = ours ? shield_priority(AF_INET, 25, SHIELD_ACTION_BLOCK) : 375423,
                .index = ours ? shield_index(SHIELD_DIR_OUT, 1) : (0x1000u << 3 | XFRM_POLICY_OUT),
                .sel = { .family = AF_INET, .prefixlen_d = 25, .user = ours ? SHIELD_SEL_USER : 0 },
        };
        return i;
}

typedef enum Body {
        BODY_NONE,      /* no payload at all (a flush) */
        BODY_INFO,      /* struct xfrm_userpolicy_info */
        BODY_ID,        /* struct xfrm_userpolicy_id, no attribute */
        BODY_ID_POLICY, /* struct xfrm_userpolicy_id + XFRMA_POLICY */
        BODY_SHORT,     /* 4 bytes */
} Body;

/* mark: which part carries our marks ('i' index in the id, 's' selector
 * marker in the id, 'p' the policy, '-' none). */
static int classify_xfrm(int type, Body body, char mark) {
        _cleanup_(nlmsg_freep) struct nl_msg *m = nlmsg_alloc_simple(type, 0);
        struct xfrm_userpolicy_id id = { .dir = XFRM_POLICY_OUT };
        struct xfrm_userpolicy_info p = info(mark == 'p' || (body == BODY_INFO && mark != '-'));
        uint32_t four = 0;

        assert_non_null(m);
        if (mark == 'i')
                id.index = shield_index(SHIELD_DIR_OUT, 7);
        if (mark == 's')
                id.sel.user = SHIELD_SEL_USER;
        switch (body) {
        case BODY_NONE:
                break;
        case BODY_INFO:
                assert_int_equal(nlmsg_append(m, &p, sizeof(p), NLMSG_ALIGNTO), 0);
                break;
        case BODY_ID:
        case BODY_ID_POLICY:
                assert_int_equal(nlmsg_append(m, &id, sizeof(id), NLMSG_ALIGNTO), 0);
                if (body == BODY_ID_POLICY)
                        assert_int_equal(nla_put(m, XFRMA_POLICY, sizeof(p), &p), 0);
                break;
        case BODY_SHORT:
                assert_int_equal(nlmsg_append(m, &four, sizeof(four), NLMSG_ALIGNTO), 0);
                break;
        }
        return watch_xfrm_touches_shield(nlmsg_hdr(m));
}

static void test_xfrm(void **state) {
        static const struct {
                int type;
                Body body;
                char mark;
                int expect;
        } rows[] = {
                /* `ip xfrm policy flush`, whatever its type */
                { XFRM_MSG_FLUSHPOLICY, BODY_NONE, '-', 1 },
                /* deletes: by index, by selector, or only the policy tells */
                { XFRM_MSG_DELPOLICY, BODY_ID_POLICY, 'i', 1 },
                { XFRM_MSG_DELPOLICY, BODY_ID_POLICY, 's', 1 },
                { XFRM_MSG_DELPOLICY, BODY_ID_POLICY, 'p', 1 },
                { XFRM_MSG_DELPOLICY, BODY_ID_POLICY, '-', 0 },
                /* no XFRMA_POLICY: cannot tell, so reconcile */
                { XFRM_MSG_DELPOLICY, BODY_ID, '-', 1 },
                { XFRM_MSG_DELPOLICY, BODY_SHORT, '-', -EBADMSG },
                /* an update of ours (priority, action) vs. anyone else's */
                { XFRM_MSG_UPDPOLICY, BODY_INFO, 'p', 1 },
                { XFRM_MSG_UPDPOLICY, BODY_INFO, '-', 0 },
                { XFRM_MSG_UPDPOLICY, BODY_SHORT, '-', -EBADMSG },
                /* additions never take anything away (ours included: our
                 * own adds notify too) */
                { XFRM_MSG_NEWPOLICY, BODY_INFO, 'p', 0 },
                { XFRM_MSG_NEWPOLICY, BODY_INFO, '-', 0 },
                { XFRM_MSG_NEWSA, BODY_NONE, '-', 0 },
                { XFRM_MSG_POLEXPIRE, BODY_NONE, '-', 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                int r = classify_xfrm(rows[i].type, rows[i].body, rows[i].mark);

                if (r != rows[i].expect)
                        fail_msg("row %zu: type %d mark %c: got %d, want %d", i, rows[i].type, rows[i].mark, r,
                                 rows[i].expect);
        }
}

/* Policy notifications that call for a look for bypasses: a pass policy
 * (allow, no template) added or replaced. */
static void test_xfrm_bypass(void **state) {
        static const struct {
                int type;
                uint8_t action;
                bool tmpl;
                uint8_t dir;
                bool short_body;
                int expect;
        } rows[] = {
                { XFRM_MSG_NEWPOLICY, XFRM_POLICY_ALLOW, false, XFRM_POLICY_OUT, false, 1 },
                { XFRM_MSG_UPDPOLICY, XFRM_POLICY_ALLOW, false, XFRM_POLICY_FWD, false, 1 },
                /* charon's IPsec policies carry a template */
                { XFRM_MSG_NEWPOLICY, XFRM_POLICY_ALLOW, true, XFRM_POLICY_OUT, false, 0 },
                { XFRM_MSG_NEWPOLICY, XFRM_POLICY_BLOCK, false, XFRM_POLICY_OUT, false, 0 },
                /* socket policies (dir >= XFRM_POLICY_MAX) are per socket */
                { XFRM_MSG_NEWPOLICY, XFRM_POLICY_ALLOW, false, XFRM_POLICY_MAX, false, 0 },
                { XFRM_MSG_DELPOLICY, XFRM_POLICY_ALLOW, false, XFRM_POLICY_OUT, false, 0 },
                { XFRM_MSG_NEWPOLICY, XFRM_POLICY_ALLOW, false, XFRM_POLICY_OUT, true, -EBADMSG },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(nlmsg_freep) struct nl_msg *m = nlmsg_alloc_simple(rows[i].type, 0);
                struct xfrm_userpolicy_info p = info(false);
                struct xfrm_user_tmpl t = { .id.proto = IPPROTO_ESP };
                int r;

                assert_non_null(m);
                p.action = rows[i].action;
                p.dir = rows[i].dir;
                assert_int_equal(nlmsg_append(m, &p, rows[i].short_body ? 8 : sizeof(p), NLMSG_ALIGNTO), 0);
                if (rows[i].tmpl)
                        assert_int_equal(nla_put(m, XFRMA_TMPL, sizeof(t), &t), 0);
                r = watch_xfrm_may_bypass(nlmsg_hdr(m));
                if (r != rows[i].expect)
                        fail_msg("row %zu: got %d, want %d", i, r, rows[i].expect);
        }
}

/* subsys: NFNL_SUBSYS_*; table NULL: no name attribute; short_body: only
 * two bytes of nfgenmsg. */
static int classify_nft(unsigned subsys, unsigned type, uint8_t family, const char *table, bool short_body) {
        _cleanup_(nlmsg_freep) struct nl_msg *m = nlmsg_alloc_simple((int) (subsys << 8 | type), 0);
        struct nfgenmsg g = { .nfgen_family = family, .version = NFNETLINK_V0 };

        assert_non_null(m);
        assert_int_equal(nlmsg_append(m, &g, short_body ? 2 : sizeof(g), NLMSG_ALIGNTO), 0);
        if (short_body)
                nlmsg_hdr(m)->nlmsg_len = NLMSG_HDRLEN + 2;
        if (table && !short_body)
                assert_int_equal(nla_put_string(m, 1, table), 0);
        /* A rule carries more attributes after the table's name. */
        if (type == NFT_MSG_NEWRULE && !short_body)
                assert_int_equal(nla_put_string(m, NFTA_RULE_CHAIN, "forward"), 0);
        return watch_nft_touches_table(nlmsg_hdr(m));
}

static void test_nft(void **state) {
        static const struct {
                unsigned subsys, type;
                uint8_t family;
                const char *table;
                bool short_body;
                int expect;
        } rows[] = {
                /* what `nft flush ruleset` sends for our table */
                { NFNL_SUBSYS_NFTABLES, NFT_MSG_DELTABLE, NFPROTO_INET, "gatewayd", false, 1 },
                { NFNL_SUBSYS_NFTABLES, NFT_MSG_DELCHAIN, NFPROTO_INET, "gatewayd", false, 1 },
                { NFNL_SUBSYS_NFTABLES, NFT_MSG_DELRULE, NFPROTO_INET, "gatewayd", false, 1 },
                { NFNL_SUBSYS_NFTABLES, NFT_MSG_DELSET, NFPROTO_INET, "gatewayd", false, 1 },
                { NFNL_SUBSYS_NFTABLES, NFT_MSG_DELSETELEM, NFPROTO_INET, "gatewayd", false, 1 },
                /* a rule added to our chains is a change too */
                { NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWRULE, NFPROTO_INET, "gatewayd", false, 1 },
                /* someone else's tables, or the same name in another family */
                { NFNL_SUBSYS_NFTABLES, NFT_MSG_DELTABLE, NFPROTO_INET, "filter", false, 0 },
                { NFNL_SUBSYS_NFTABLES, NFT_MSG_DELTABLE, NFPROTO_INET, "gatewayd2", false, 0 },
                { NFNL_SUBSYS_NFTABLES, NFT_MSG_DELTABLE, NFPROTO_IPV4, "gatewayd", false, 0 },
                /* the generation that closes every batch */
                { NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWGEN, NFPROTO_UNSPEC, NULL, false, 0 },
                /* another subsystem of nfnetlink */
                { NFNL_SUBSYS_CTNETLINK, 0, NFPROTO_INET, "gatewayd", false, 0 },
                /* cannot tell: check */
                { NFNL_SUBSYS_NFTABLES, NFT_MSG_DELTABLE, NFPROTO_INET, NULL, false, 1 },
                { NFNL_SUBSYS_NFTABLES, NFT_MSG_DELTABLE, NFPROTO_INET, NULL, true, -EBADMSG },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                int r = classify_nft(rows[i].subsys, rows[i].type, rows[i].family, rows[i].table,
                                     rows[i].short_body);

                if (r != rows[i].expect)
                        fail_msg("row %zu: got %d, want %d", i, r, rows[i].expect);
        }
}

static void test_normalize(void **state) {
        static const struct {
                const char *in, *out;
        } rows[] = {
                { "", "" },
                { "table inet gatewayd {\n}\n", "table inet gatewayd {\n}\n" },
                { "\t\tiifname != \"ipsec0\" ip saddr @shield4 counter packets 12 bytes 1008 drop\n",
                  "\t\tiifname != \"ipsec0\" ip saddr @shield4 counter drop\n" },
                { "counter packets 0 bytes 0 drop\ncounter packets 7 bytes 99999999999 drop\n",
                  "counter drop\ncounter drop\n" },
                /* not the counter statement's shape: left alone */
                { "counter packets x bytes 1", "counter packets x bytes 1" },
                { "counter packets 1 bytes", "counter packets 1 bytes" },
                { "counter packets 1 byte 2", "counter packets 1 byte 2" },
                { "counter packets ", "counter packets " },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *out = NULL;

                assert_int_equal(nft_listing_normalize(rows[i].in, &out), 0);
                assert_string_equal(out, rows[i].out);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_xfrm),
                cmocka_unit_test(test_xfrm_bypass),
                cmocka_unit_test(test_nft),
                cmocka_unit_test(test_normalize),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
