/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the shield did, told from what the kernel reports: its drop counters
 * (the text of /proc/net/xfrm_stat) and when each tunnel's block policies were
 * last used (a policy dump). Pure: text and policy sets in, numbers out; the
 * reading of /proc and the dump are xfrm-kernel.c's. */

#include <stdint.h>

#include "shield.h"

/* Drop counters of the namespace, from /proc/net/xfrm_stat. Locally generated
 * and forwarded egress hit by an out block count in out_pol_block, inbound
 * hit by an in or fwd block in in_pol_block; fwd_hdr_error counts forwarded
 * packets the kernel could not even decode for the lookup. */
typedef struct ShieldCounters {
        uint64_t out_pol_block;   /* XfrmOutPolBlock */
        uint64_t out_pol_error;   /* XfrmOutPolError */
        uint64_t out_no_states;   /* XfrmOutNoStates: charon's policy without SA */
        uint64_t in_pol_block;    /* XfrmInPolBlock */
        uint64_t in_no_pols;      /* XfrmInNoPols */
        uint64_t in_tmpl_mismatch;/* XfrmInTmplMismatch: plaintext hit charon's in policy */
        uint64_t fwd_hdr_error;   /* XfrmFwdHdrError */
} ShieldCounters;

/* Parses the text of /proc/net/xfrm_stat ("Name <spaces> value" lines;
 * unknown names are skipped). -EBADMSG if a known counter has no number. */
int shield_counters_parse(const char *text, ShieldCounters *ret);

/* The packets dropped by gatewayd's nftables table: the sum of "counter
 * packets N" of its drop rules in the text of `nft list table inet gatewayd`
 * (nft_gatewayd_list). */
uint64_t nft_drops_parse(const char *text);

/* The most recent use (seconds since the epoch, 0 = never) of any of our block
 * policies for tunnel's prefixes, matched through want (which knows the
 * tunnel names) against have (a dump, which knows the use times): "this
 * tunnel's shield dropped something at T". */
uint64_t shield_last_block_use(const ShieldPolicySet *want, const ShieldPolicySet *have,
                               const char *tunnel);
