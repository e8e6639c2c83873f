/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* gatewayd's one nftables table, `inet gatewayd` (README, "State of this tree"):
 *  - the TCP MSS clamp Azure requires, for SYN and SYN-ACK to and from the
 *    RemotePrefixes of every enabled tunnel with TcpMssClamp > 0, in forward
 *    and output. A fixed value (not `rt mtu`), and only ever lowered: a rule
 *    fires when the segment's MSS is above the clamp;
 *  - with DataPlane=userspace, the inbound half of the shield: plaintext from
 *    the RemotePrefixes of a FailClosed tunnel that did not come out of the
 *    TUN device is dropped in input and forward (XFRM cannot tell a decrypted
 *    libipsec packet from a plaintext one; the input device can), and the
 *    outbound half for IPv6: VNet-bound IPv6 leaving by any device but the
 *    TUN device is dropped in postrouting, where the output device is final
 *    (shield.h: XFRM cannot).
 * Prefixes live in interval sets (one lookup per packet whatever the number of
 * tunnels). The whole table is built as text (pure, tested) and replaced in
 * one libnftables transaction. */

#include "model.h"

#define NFT_TABLE_FAMILY "inet"
#define NFT_TABLE_NAME "gatewayd"

/* Builds the whole table definition ("table inet gatewayd { ... }\n") into
 * *ret (malloc'd). tun_name NULL means "ipsec0"; it must be a valid interface
 * name (1..15 of [A-Za-z0-9_.-]). Errors: -EINVAL (bad tun_name, data plane or
 * MSS above 65535), -ENOMEM. */
int nft_gatewayd_build(const Tunnel *const *tunnels, size_t n_tunnels, DataPlane data_plane,
                       const char *tun_name, char **ret);
int nft_gatewayd_build_config(const Config *c, const char *tun_name, char **ret);

/* The transaction that replaces the table with table_text atomically, and
 * does not fail when the table is absent: create (no-op if present), delete,
 * then the new definition. Pure; *ret malloc'd. -ENOMEM. */
int nft_gatewayd_transaction(const char *table_text, char **ret);

/* Runs nft_gatewayd_transaction(table_text) through libnftables. On failure
 * returns -EIO (libnftables gives no errno; -ENOMEM if it could not even
 * start) and sets *ret_error (optional) to nft's own message, malloc'd. */
int nft_gatewayd_apply(const char *table_text, char **ret_error) _warn_unused_result_;
/* The commands that turn the table old_text into new_text (both
 * nft_gatewayd_build's) in place, when they differ only in set elements:
 * "delete element" for what only old has, then "add element" for what only
 * new has, to run as one transaction (nft_gatewayd_run); "" when they are
 * the same. Valid only while the kernel holds old_text's table (the caller
 * checks). Pure; *ret malloc'd. -ESRCH when more than elements differ (the
 * whole table must go again), -ENOMEM. */
int nft_gatewayd_delta(const char *old_text, const char *new_text, char **ret);
/* Runs cmd (nft syntax) as one transaction; errors as nft_gatewayd_apply. */
int nft_gatewayd_run(const char *cmd, char **ret_error) _warn_unused_result_;
/* Deletes the table; no error if it is absent. */
int nft_gatewayd_remove(char **ret_error) _warn_unused_result_;
/* `nft list table inet gatewayd` into *ret_text. -ENOENT when absent. */
int nft_gatewayd_list(char **ret_text, char **ret_error);

/* The network namespace's nftables ruleset generation: it moves with every
 * committed transaction, anyone's. Equal to one read earlier means nothing
 * changed in between. -errno. */
int nft_genid(uint32_t *ret);

/* A listing of the table (nft_gatewayd_list) with what traffic changes
 * taken out ("counter packets N bytes M" becomes "counter"), so that two
 * listings compare equal exactly when the table's definition is the same.
 * Pure; *ret malloc'd. -ENOMEM. */
int nft_listing_normalize(const char *text, char **ret);
