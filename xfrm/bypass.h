/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What lets VNet-bound plaintext past the shield without touching it
 * (DESIGN.md, "The shield heals and tells": shield-bypassed):
 *  - a foreign XFRM policy that allows without an IPsec template (a "pass"
 *    policy: `ip xfrm policy add ... action allow`, charon's pass shunts) in
 *    the direction of one of our blocks, whose selector shares addresses with
 *    that block's and whose priority beats it (lower or equal: on a tie the
 *    kernel's order decides, not us);
 *  - disable_xfrm (no XFRM lookup on output through the device) or
 *    disable_policy (no in/fwd policy check of what comes in through it) set
 *    on an interface other than loopback (and the userspace data plane's TUN
 *    device, whose traffic is the tunnel's), or on `all`, which the kernel
 *    ORs into every device's.
 * Both finders are pure: policy sets in (a dump, the wanted shield), or a
 * directory laid out like /proc/sys/net. */

#include "shield.h"

typedef enum ShieldBypassKind {
        SHIELD_BYPASS_POLICY,
        SHIELD_BYPASS_SYSCTL,
        _SHIELD_BYPASS_KIND_MAX,
        _SHIELD_BYPASS_KIND_INVALID = -EINVAL,
} ShieldBypassKind;

typedef struct ShieldBypass {
        ShieldBypassKind kind;
        /* The tunnel whose prefixes are exposed; "" for a sysctl (every
         * FailClosed tunnel). */
        char tunnel[NAME_MAX_LEN + 1];
        /* One line for the journal's GATEWAYD_REASON and `gatewayctl shield`:
         * the foreign policy as `ip xfrm` shows it and what it beats, or
         * "net.ipv4.conf.wan.disable_xfrm=1". */
        char what[320];
} ShieldBypass;

typedef struct ShieldBypassList {
        ShieldBypass *items;
        size_t n;
        size_t n_allocated;
} ShieldBypassList;

void shield_bypass_list_clear(ShieldBypassList *l);

/* Appends to *l every foreign policy of all (a dump: ours and others') that
 * bypasses a block policy of want (shield_build's), once per (foreign policy,
 * tunnel). A foreign allow bound to tun_ifindex (> 0, the userspace data
 * plane's TUN device) only does what our own allow does and is not counted.
 * -ENOMEM. */
int shield_find_policy_bypasses(const ShieldPolicySet *want, const ShieldPolicySet *all, int tun_ifindex,
                                ShieldBypassList *l) _warn_unused_result_;

/* Appends to *l, sorted, every disable_xfrm and (with_policy) disable_policy
 * that is 1 under root (normally "/proc/sys/net": ipv4/conf/DEV/disable_xfrm,
 * ipv4/conf/DEV/disable_policy, ipv6/conf/DEV/disable_policy) for DEV other
 * than "lo", "default" and skip_ifname (may be NULL). disable_policy only
 * skips the in and fwd policy checks, so it matters when the shield has in
 * and fwd blocks (the kernel data plane). A missing ipv6 tree or file is
 * not an error. -errno when root/ipv4/conf cannot be read, -ENOMEM. */
int shield_find_sysctl_bypasses(const char *root, const char *skip_ifname, bool with_policy,
                                ShieldBypassList *l) _warn_unused_result_;
