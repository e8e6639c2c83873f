/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* XFRM netlink messages for shield policies (pure: no socket). Built with
 * libnl-3's message API over the kernel's UAPI structs (<linux/xfrm.h>), so
 * every byte is ours to test; tests decode them back with nlmsg_parse and
 * with libnl-xfrm's own parser.
 *
 * Request kinds and flags:
 *  - add:    XFRM_MSG_NEWPOLICY, NLM_F_REQUEST|NLM_F_ACK|NLM_F_CREATE|NLM_F_EXCL.
 *            The kernel derives exclusivity from the message type (NEWPOLICY
 *            fails with -EEXIST when a policy of the same identity exists,
 *            UPDPOLICY replaces it); the flags say the same for readers of
 *            the wire. Exclusive add is the point: it can never replace a
 *            policy that is not ours, and the caller adds before deleting.
 *  - update: XFRM_MSG_UPDPOLICY, NLM_F_REQUEST|NLM_F_ACK|NLM_F_CREATE|NLM_F_REPLACE:
 *            an atomic in-kernel replace of our own policy (same identity,
 *            new priority or action); the kernel keeps the old index.
 *  - delete: XFRM_MSG_DELPOLICY by index (struct xfrm_userpolicy_id with the
 *            index set), NLM_F_REQUEST|NLM_F_ACK. By index, not by selector:
 *            a selector lookup ignores the priority and could hit a policy
 *            with the same selector that is someone else's.
 *  - dump:   XFRM_MSG_GETPOLICY, NLM_F_REQUEST|NLM_F_DUMP (a dump ends with
 *            NLMSG_DONE, which carries its error; the kernel sends no ACK). */

#include <linux/netlink.h>
#include <netlink/msg.h>
#include <stdbool.h>

#include "shield.h"

/* Builders: a new message in *ret (free with nlmsg_free). -EINVAL (see
 * shield_policy_validate()), -ENOMEM. Sequence number and port are filled in
 * when sent. */
int xfrm_msg_new_policy(const ShieldPolicy *p, struct nl_msg **ret);
int xfrm_msg_update_policy(const ShieldPolicy *p, struct nl_msg **ret);
int xfrm_msg_delete_policy(const ShieldPolicy *p, struct nl_msg **ret);
int xfrm_msg_dump_policies(struct nl_msg **ret);

/* Parses an XFRM_MSG_NEWPOLICY/UPDPOLICY message (what a dump returns) into
 * *ret; plain is false when the policy has anything a shield policy never has
 * (template, mark, if_id, security context, sub policy type, protocol or port
 * in the selector, policy flags), templated is true when it has an IPsec
 * template (XFRMA_TMPL). Errors: -EBADMSG (truncated or malformed),
 * -EOPNOTSUPP (not a policy message, a socket policy, or a family other than
 * IPv4/IPv6: never ours). */
int xfrm_msg_parse_policy(const struct nlmsghdr *nlh, ShieldPolicy *ret);

/* Reads just the index of a policy message. -EBADMSG. */
int xfrm_msg_policy_index(const struct nlmsghdr *nlh, uint32_t *ret);
