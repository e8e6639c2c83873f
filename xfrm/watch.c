/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* glibc's first: linux/netfilter.h then leaves struct in_addr to it. */
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/xfrm.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nft.h"
#include "shield.h"
#include "watch.h"

/* A flush of 100,000 policies is one message, a `deleteall` one per policy:
 * a burst that overruns this is still noticed (ENOBUFS means "reconcile"). */
#define WATCH_RCVBUF (1024 * 1024)

int watch_socket_open(int protocol, unsigned group, int *ret_fd) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
        int fd, size = WATCH_RCVBUF, g = (int) group, r;

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
        if (fd < 0)
                return -errno;
        /* Best effort: the default buffer still works, only smaller bursts. */
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

/* Any of our marks (shield.h): looser than shield_policy_is_ours() on
 * purpose, a policy of ours that someone altered must count too. data is
 * only 4-byte aligned inside an attribute (the struct holds u64s): copied. */
static bool info_marked(const void *data) {
        struct xfrm_userpolicy_info info;

        memcpy(&info, data, sizeof(info));
        return shield_priority_in_band(info.priority) || info.sel.user == SHIELD_SEL_USER ||
               (info.dir < _SHIELD_DIR_MAX && shield_index_is_ours(info.index, (ShieldDir) info.dir));
}

int watch_xfrm_touches_shield(const struct nlmsghdr *nlh) {
        static struct nla_policy policy[XFRMA_MAX + 1] = {
                [XFRMA_POLICY] = { .minlen = sizeof(struct xfrm_userpolicy_info) },
        };
        struct nlattr *tb[XFRMA_MAX + 1];
        const struct xfrm_userpolicy_id *id;

        switch (nlh->nlmsg_type) {
        case XFRM_MSG_FLUSHPOLICY:
                /* Its payload names only the policy type; a flush of "main"
                 * takes ours, and telling the types apart buys nothing. */
                return 1;
        case XFRM_MSG_UPDPOLICY:
                if (!nlmsg_valid_hdr(nlh, sizeof(struct xfrm_userpolicy_info)))
                        return -EBADMSG;
                return info_marked(nlmsg_data(nlh));
        case XFRM_MSG_DELPOLICY:
                /* The kernel sends the id the delete was asked by (index or
                 * selector, ours carries the marker) and the whole policy in
                 * XFRMA_POLICY. */
                if (!nlmsg_valid_hdr(nlh, sizeof(*id)))
                        return -EBADMSG;
                id = nlmsg_data(nlh);
                if (id->sel.user == SHIELD_SEL_USER ||
                    (id->dir < _SHIELD_DIR_MAX && shield_index_is_ours(id->index, (ShieldDir) id->dir)))
                        return 1;
                /* libnl's prototype is not const-correct; it does not write. */
                if (nlmsg_parse((struct nlmsghdr *) nlh, sizeof(*id), tb, XFRMA_MAX, policy) < 0)
                        return -EBADMSG;
                if (!tb[XFRMA_POLICY])
                        return 1; /* cannot tell: reconcile */
                return info_marked(nla_data(tb[XFRMA_POLICY]));
        default:
                return 0;
        }
}

int watch_xfrm_may_bypass(const struct nlmsghdr *nlh) {
        struct nlattr *tb[XFRMA_MAX + 1];
        struct xfrm_userpolicy_info info;

        if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY && nlh->nlmsg_type != XFRM_MSG_UPDPOLICY)
                return 0;
        if (!nlmsg_valid_hdr(nlh, sizeof(info)))
                return -EBADMSG;
        memcpy(&info, nlmsg_data(nlh), sizeof(info));
        if (info.action != XFRM_POLICY_ALLOW || info.dir >= _SHIELD_DIR_MAX)
                return 0;
        if (nlmsg_parse((struct nlmsghdr *) nlh, sizeof(info), tb, XFRMA_MAX, NULL) < 0)
                return -EBADMSG;
        /* An IPsec policy (charon's) encrypts: no bypass. Our own allows
         * (userspace data plane) are checked like any other: cheap. */
        return !tb[XFRMA_TMPL];
}

int watch_nft_touches_table(const struct nlmsghdr *nlh) {
        static struct nla_policy policy[NFTA_TABLE_MAX + 1] = {
                [NFTA_TABLE_NAME] = { .type = NLA_STRING },
        };
        struct nlattr *tb[NFTA_TABLE_MAX + 1];
        const struct nfgenmsg *g;
        unsigned type;

        if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
                return 0;
        type = NFNL_MSG_TYPE(nlh->nlmsg_type);
        if (type == NFT_MSG_NEWGEN || type == NFT_MSG_TRACE)
                return 0;
        if (!nlmsg_valid_hdr(nlh, sizeof(*g)))
                return -EBADMSG;
        g = nlmsg_data(nlh);
        if (g->nfgen_family != NFPROTO_INET)
                return 0;
        /* Every object message names its table in attribute 1
         * (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE,
         * NFTA_SET_ELEM_LIST_TABLE, NFTA_OBJ_TABLE, NFTA_FLOWTABLE_TABLE);
         * only attribute 1 is validated, the rest is skipped. */
        _Static_assert((int) NFTA_CHAIN_TABLE == 1 && (int) NFTA_RULE_TABLE == 1 && (int) NFTA_SET_TABLE == 1 &&
                               (int) NFTA_SET_ELEM_LIST_TABLE == 1 && (int) NFTA_OBJ_TABLE == 1 &&
                               (int) NFTA_FLOWTABLE_TABLE == 1 && (int) NFTA_TABLE_NAME == 1,
                       "table name attribute");
        if (nlmsg_parse((struct nlmsghdr *) nlh, sizeof(*g), tb, NFTA_TABLE_MAX, policy) < 0)
                return -EBADMSG;
        if (!tb[NFTA_TABLE_NAME])
                return 1; /* cannot tell: check */
        return nla_strcmp(tb[NFTA_TABLE_NAME], NFT_TABLE_NAME) == 0;
}
