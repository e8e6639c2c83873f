/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The shield's sender: an XFRM netlink socket (libnl), requests acknowledged
 * one by one, the kernel's extended ACK captured so that a refused request
 * says why (as iproute2 does), and reconciliation of the kernel's shield
 * policies with a wanted set. Works in the network namespace of the caller.
 *
 * Error convention: < 0 is the kernel's -errno (or -ENOMEM, -EIO for a
 * transport failure). Functions taking char **ret_extack set it, on failure
 * only, to a malloc'd copy of the kernel's extended ACK message when the
 * kernel sent one (else NULL); the caller logs and frees it. It may be NULL. */

#include <netlink/socket.h>
#include <stdint.h>

#include "counters.h"
#include "shield.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free);

/* Opens a NETLINK_XFRM socket: CLOEXEC, NETLINK_EXT_ACK and NETLINK_CAP_ACK
 * on. Free with nl_socket_free(). -errno. */
int xfrm_socket_open(struct nl_sock **ret) _warn_unused_result_;

/* Sends msg (completing its sequence number and port) and waits for its ACK.
 * msg stays the caller's. 0 or the kernel's -errno (+ extack). */
int xfrm_kernel_transact(struct nl_sock *sk, struct nl_msg *msg, char **ret_extack) _warn_unused_result_;

/* Add (exclusive), update (replace in place) and delete (by index) one
 * policy. They refuse, with -EPERM and nothing sent, a policy that is not
 * ours (shield_policy_is_ours()): gatewayd never creates a policy it could not
 * recognise later, nor touches anyone else's. delete: -ENOENT if gone. */
int xfrm_kernel_add_policy(struct nl_sock *sk, const ShieldPolicy *p, char **ret_extack) _warn_unused_result_;
int xfrm_kernel_update_policy(struct nl_sock *sk, const ShieldPolicy *p, char **ret_extack) _warn_unused_result_;
int xfrm_kernel_delete_policy(struct nl_sock *sk, const ShieldPolicy *p, char **ret_extack) _warn_unused_result_;

/* Dumps every policy of the namespace. ret_ours (sorted) gets ours; if
 * ret_all is not NULL it gets every policy we could parse (ours and foreign);
 * ret_n_foreign (optional) counts the policies that are not ours. */
int xfrm_shield_dump(struct nl_sock *sk, ShieldPolicySet *ret_ours, ShieldPolicySet *ret_all,
                     size_t *ret_n_foreign, char **ret_extack) _warn_unused_result_;

typedef struct XfrmApplyStats {
        size_t added;
        size_t updated;
        size_t deleted;
        size_t kept;
        size_t reindexed;        /* adds whose preferred index was taken */
        size_t stale;            /* stale policies left in place (XFRM_APPLY_KEEP_STALE, or a failure) */
} XfrmApplyStats;

typedef enum XfrmApplyFlags {
        /* Add and update only; leave the stale policies for a later call
         * (the guard removes them once the nftables half of a new shield
         * is in too). */
        XFRM_APPLY_KEEP_STALE = 1 << 0,
} XfrmApplyFlags;

/* Makes our policies in the kernel equal to want (as made by shield_build):
 * dumps, diffs, adds the missing ones, updates changed ones in place, and only
 * then deletes the stale ones, so that nothing is unshielded in between. A
 * refused add or update does not stop the others: every one is tried, and
 * then the deletes are skipped (over-blocking is safe, a gap is not); the
 * first error is returned, with its extended ACK. With XFRM_APPLY_KEEP_STALE
 * nothing is deleted either (stats->stale says how many were left). ret_failed (optional) gets
 * the policies of want that are not in place: the refused ones, or all of
 * want when the dump failed or memory ran out; empty on success. stats
 * (optional) say what was done. Every policy in want must be ours in shape
 * (-EPERM, nothing sent). An add whose index is already used by any policy
 * gets the next free one. */
int xfrm_shield_apply(struct nl_sock *sk, const ShieldPolicySet *want, XfrmApplyFlags flags,
                      XfrmApplyStats *ret_stats, ShieldPolicySet *ret_failed, char **ret_extack) _warn_unused_result_;

/* Deletes all of our policies and nothing else. ret_removed optional. */
int xfrm_shield_remove_all(struct nl_sock *sk, size_t *ret_removed, char **ret_extack) _warn_unused_result_;

/* Reads the calling thread's namespace's /proc/net/xfrm_stat. -errno;
 * -EOPNOTSUPP if the kernel has no XFRM statistics. */
int xfrm_shield_read_counters(ShieldCounters *ret);
