/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Watching what other programs do to the shield (DESIGN.md, "The shield
 * heals and tells"): kernel notification sockets for XFRM policy changes
 * (XFRMNLGRP_POLICY) and nftables changes (NFNLGRP_NFTABLES), and pure
 * classifiers that say whether one notification may have taken something
 * from the shield. A classifier errs on "yes": the reconcile it triggers is
 * idempotent, so a false alarm costs a dump, a missed one a gap. */

#include <linux/netlink.h>

/* Opens a non-blocking, CLOEXEC netlink socket of the calling thread's
 * namespace that receives the multicast notifications of group (a
 * NETLINK_XFRM or NETLINK_NETFILTER group number, not a bit mask), with a
 * receive buffer large enough for a flush of thousands of policies. The fd
 * is the caller's. -errno. */
int watch_socket_open(int protocol, unsigned group, int *ret_fd);

/* An XFRM policy notification: 1 if it may have removed or changed a shield
 * policy (XFRM_MSG_FLUSHPOLICY; XFRM_MSG_DELPOLICY or XFRM_MSG_UPDPOLICY of a
 * policy with any of our marks: priority band, index magic, selector
 * marker), 0 if not (additions, foreign policies, other messages),
 * -EBADMSG if truncated. */
int watch_xfrm_touches_shield(const struct nlmsghdr *nlh);

/* An XFRM policy notification: 1 if it added or replaced a policy that
 * allows without an IPsec template (one that may bypass the shield, see
 * bypass.h), 0 if not, -EBADMSG if truncated. */
int watch_xfrm_may_bypass(const struct nlmsghdr *nlh);

/* An nftables notification: 1 if it changed anything in table
 * `inet gatewayd` (the table itself, a chain, rule, set, element, object or
 * flowtable of it: what `nft flush ruleset`, `delete table` or an added rule
 * send), 0 if not (other tables and families, generation messages, other
 * subsystems), -EBADMSG if truncated. */
int watch_nft_touches_table(const struct nlmsghdr *nlh);
