/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/xfrm.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include "xfrm-msg.h"

_Static_assert((int) SHIELD_DIR_IN == (int) XFRM_POLICY_IN, "dir");
_Static_assert((int) SHIELD_DIR_OUT == (int) XFRM_POLICY_OUT, "dir");
_Static_assert((int) SHIELD_DIR_FWD == (int) XFRM_POLICY_FWD, "dir");
_Static_assert((int) SHIELD_ACTION_ALLOW == (int) XFRM_POLICY_ALLOW, "action");
_Static_assert((int) SHIELD_ACTION_BLOCK == (int) XFRM_POLICY_BLOCK, "action");

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free);

static void selector_from_policy(const ShieldPolicy *p, struct xfrm_selector *sel) {
        size_t n = address_bits(p->family) / 8;

        *sel = (struct xfrm_selector) {
                .family = (uint16_t) p->family,
                .prefixlen_d = (uint8_t) p->dst.len,
                .prefixlen_s = (uint8_t) p->src.len,
                .ifindex = p->ifindex,
                .user = p->sel_user,
        };
        memcpy(&sel->daddr, p->dst.addr.bytes, n);
        memcpy(&sel->saddr, p->src.addr.bytes, n);
}

static int build_policy_info(int type, int flags, const ShieldPolicy *p, struct nl_msg **ret) {
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        struct xfrm_userpolicy_info info = {
                /* No limits, as iproute2 does: a shield never expires. */
                .lft = {
                        .soft_byte_limit = XFRM_INF,
                        .hard_byte_limit = XFRM_INF,
                        .soft_packet_limit = XFRM_INF,
                        .hard_packet_limit = XFRM_INF,
                },
                .priority = p->priority,
                .index = p->index,
                .dir = (uint8_t) p->dir,
                .action = (uint8_t) p->action,
                .share = XFRM_SHARE_ANY,
        };
        int r;

        r = shield_policy_validate(p);
        if (r < 0)
                return r;
        selector_from_policy(p, &info.sel);

        m = nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_ACK | flags);
        if (!m)
                return -ENOMEM;
        if (nlmsg_append(m, &info, sizeof(info), NLMSG_ALIGNTO) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(m);
        return 0;
}

int xfrm_msg_new_policy(const ShieldPolicy *p, struct nl_msg **ret) {
        return build_policy_info(XFRM_MSG_NEWPOLICY, NLM_F_CREATE | NLM_F_EXCL, p, ret);
}

int xfrm_msg_update_policy(const ShieldPolicy *p, struct nl_msg **ret) {
        return build_policy_info(XFRM_MSG_UPDPOLICY, NLM_F_CREATE | NLM_F_REPLACE, p, ret);
}

int xfrm_msg_delete_policy(const ShieldPolicy *p, struct nl_msg **ret) {
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        struct xfrm_userpolicy_id id = {
                .index = p->index,
                .dir = (uint8_t) p->dir,
        };
        int r;

        r = shield_policy_validate(p);
        if (r < 0)
                return r;
        /* Index 0 would make the kernel look the policy up by selector. */
        if (p->index == 0)
                return -EINVAL;
        /* The kernel ignores the selector when the index is set; it is there
         * for whoever reads the message (nlmon, tests). */
        selector_from_policy(p, &id.sel);

        m = nlmsg_alloc_simple(XFRM_MSG_DELPOLICY, NLM_F_REQUEST | NLM_F_ACK);
        if (!m)
                return -ENOMEM;
        if (nlmsg_append(m, &id, sizeof(id), NLMSG_ALIGNTO) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(m);
        return 0;
}

int xfrm_msg_dump_policies(struct nl_msg **ret) {
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        struct xfrm_userpolicy_id id = {};

        m = nlmsg_alloc_simple(XFRM_MSG_GETPOLICY, NLM_F_REQUEST | NLM_F_DUMP);
        if (!m)
                return -ENOMEM;
        /* The dump ignores the payload, but a request carrying the message's
         * minimum length is what the kernel's size checks expect. */
        if (nlmsg_append(m, &id, sizeof(id), NLMSG_ALIGNTO) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(m);
        return 0;
}

static int prefix_from_selector(int family, const xfrm_address_t *a, unsigned len, Prefix *ret) {
        Prefix p = { .addr.family = family, .len = len };

        if (len > address_bits(family))
                return -EBADMSG;
        memcpy(p.addr.bytes, a, address_bits(family) / 8);
        *ret = p;
        return 0;
}

int xfrm_msg_policy_index(const struct nlmsghdr *nlh, uint32_t *ret) {
        const struct xfrm_userpolicy_info *info;

        if (!nlmsg_valid_hdr(nlh, sizeof(*info)))
                return -EBADMSG;
        info = nlmsg_data(nlh);
        *ret = info->index;
        return 0;
}

int xfrm_msg_parse_policy(const struct nlmsghdr *nlh, ShieldPolicy *ret) {
        static struct nla_policy policy[XFRMA_MAX + 1] = {
                [XFRMA_POLICY_TYPE] = { .minlen = sizeof(struct xfrm_userpolicy_type) },
                [XFRMA_MARK] = { .minlen = sizeof(struct xfrm_mark) },
                [XFRMA_IF_ID] = { .type = NLA_U32 },
        };
        struct nlattr *tb[XFRMA_MAX + 1];
        const struct xfrm_userpolicy_info *info;
        ShieldPolicy p = {};
        bool plain;
        int r;

        if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY && nlh->nlmsg_type != XFRM_MSG_UPDPOLICY)
                return -EOPNOTSUPP;
        if (!nlmsg_valid_hdr(nlh, sizeof(*info)))
                return -EBADMSG;
        /* libnl's prototype is not const-correct; it does not write. */
        r = nlmsg_parse((struct nlmsghdr *) nlh, sizeof(*info), tb, XFRMA_MAX, policy);
        if (r < 0)
                return -EBADMSG;
        info = nlmsg_data(nlh);

        /* Socket policies (dir >= XFRM_POLICY_MAX) and other families are
         * never ours. */
        if (info->dir >= _SHIELD_DIR_MAX)
                return -EOPNOTSUPP;
        if (info->sel.family != AF_INET && info->sel.family != AF_INET6)
                return -EOPNOTSUPP;
        if (info->action >= _SHIELD_ACTION_MAX)
                return -EBADMSG;

        p.dir = (ShieldDir) info->dir;
        p.family = info->sel.family;
        r = prefix_from_selector(p.family, &info->sel.saddr, info->sel.prefixlen_s, &p.src);
        if (r < 0)
                return r;
        r = prefix_from_selector(p.family, &info->sel.daddr, info->sel.prefixlen_d, &p.dst);
        if (r < 0)
                return r;
        p.ifindex = info->sel.ifindex;
        p.sel_user = info->sel.user;
        p.action = (ShieldAction) info->action;
        p.priority = info->priority;
        p.index = info->index;
        p.add_time = info->curlft.add_time;
        p.use_time = info->curlft.use_time;

        plain = info->sel.proto == 0 && info->sel.sport_mask == 0 && info->sel.dport_mask == 0 &&
                info->sel.sport == 0 && info->sel.dport == 0 && info->flags == 0 &&
                !tb[XFRMA_TMPL] && !tb[XFRMA_SEC_CTX];
        if (tb[XFRMA_POLICY_TYPE]) {
                const struct xfrm_userpolicy_type *t = nla_data(tb[XFRMA_POLICY_TYPE]);

                if (t->type != XFRM_POLICY_TYPE_MAIN)
                        plain = false;
        }
        if (tb[XFRMA_MARK]) {
                const struct xfrm_mark *mk = nla_data(tb[XFRMA_MARK]);

                if (mk->v != 0 || mk->m != 0)
                        plain = false;
        }
        if (tb[XFRMA_IF_ID] && nla_get_u32(tb[XFRMA_IF_ID]) != 0)
                plain = false;
        p.plain = plain;
        p.templated = tb[XFRMA_TMPL] != NULL;

        *ret = p;
        return 0;
}
