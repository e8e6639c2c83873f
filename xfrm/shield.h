/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The shield (README: the XFRM "shield"): XFRM policies owned by gatewayd that
 * drop plaintext toward and from the VNet prefixes of every FailClosed tunnel
 * whenever charon's own policies are not there. This unit is pure: it turns
 * tunnels into the wanted set of policies and computes the difference between
 * two sets. xfrm-msg.c encodes them, xfrm-kernel.c talks to the kernel.
 *
 * How a policy is recognised as ours, after any restart, from a kernel dump
 * (shield_policy_is_ours() checks all of them):
 *  - its priority lies in SHIELD_PRIORITY_MIN..SHIELD_PRIORITY_MAX, a band
 *    above everything charon uses (< 600,000; a lower number wins), so a shield
 *    policy only decides when charon has no policy for the packet;
 *  - its index carries SHIELD_INDEX_MAGIC in bits 20..31; the kernel keeps a
 *    user-supplied index when (index & 7) == dir and nobody uses it yet;
 *  - its selector's `user` field is SHIELD_SEL_USER. The kernel never matches
 *    packets on it, but it is part of a policy's identity (selector_cmp() is a
 *    memcmp of the whole selector). Without it, our "out, any -> VNet" block
 *    would have the very selector charon installs for a forced-tunnelling
 *    tunnel (LocalPrefixes=0.0.0.0/0): charon's XFRM_MSG_UPDPOLICY would then
 *    silently replace the shield, and its later delete would remove it.
 *  - it is plain: policy type main, no template, mark, if_id or security
 *    context, no protocol or port in the selector. */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"
#include "model.h"
#include "prefix.h"

/* Values are the kernel's (XFRM_POLICY_IN/OUT/FWD, XFRM_POLICY_ALLOW/BLOCK);
 * xfrm-msg.c asserts it at compile time. */
typedef enum ShieldDir {
        SHIELD_DIR_IN = 0,
        SHIELD_DIR_OUT = 1,
        SHIELD_DIR_FWD = 2,
        _SHIELD_DIR_MAX,
        _SHIELD_DIR_INVALID = -EINVAL,
} ShieldDir;

typedef enum ShieldAction {
        SHIELD_ACTION_ALLOW = 0,
        SHIELD_ACTION_BLOCK = 1,
        _SHIELD_ACTION_MAX,
        _SHIELD_ACTION_INVALID = -EINVAL,
} ShieldAction;

const char *shield_dir_to_string(ShieldDir d);
ShieldDir shield_dir_from_string(const char *s);
const char *shield_action_to_string(ShieldAction a);
ShieldAction shield_action_from_string(const char *s);

/* Our priority band. Within it, a block gets BASE + 2 * (bits - len) + 1 and the
 * matching allow (userspace data plane) one less, so: the more specific prefix
 * wins, an allow always beats the block of the same prefix, and the whole band
 * stays far below SHIELD_PRIORITY_MAX (IPv6 /1: 1,000,255). */
#define SHIELD_PRIORITY_BASE 1000000u
#define SHIELD_PRIORITY_MIN 1000000u
#define SHIELD_PRIORITY_MAX 1099999u
/* Everything charon's kernel-netlink plugin uses is below this. */
#define SHIELD_CHARON_PRIORITY_LIMIT 600000u

/* index = MAGIC << 20 | slot << 3 | dir, slot 1..SHIELD_INDEX_SLOT_MAX. 17 bits
 * of slot leave room for 131,071 policies per direction, reconciliation
 * (old and new side by side) included. */
#define SHIELD_INDEX_MAGIC 0x6a7u
#define SHIELD_INDEX_MAGIC_SHIFT 20
#define SHIELD_INDEX_SLOT_MAX 0x1ffffu
#define SHIELD_SEL_USER 0x6a7e5d00u

/* The default TUN device of charon's kernel-libipsec plugin. */
#define SHIELD_DEFAULT_TUN_NAME "ipsec0"

typedef struct ShieldPolicy {
        /* The kernel's identity of a policy: dir + selector (+ type, mark,
         * if_id, which we never set). */
        ShieldDir dir;
        int family;              /* AF_INET or AF_INET6; src and dst share it */
        Prefix src;
        Prefix dst;
        int ifindex;             /* selector's device (out: output interface); 0 = any */
        uint32_t sel_user;       /* SHIELD_SEL_USER for ours */

        /* Attributes. */
        ShieldAction action;
        uint32_t priority;
        uint32_t index;          /* chosen by us; see shield_index() */
        bool plain;              /* see the header comment; always true when built */
        bool templated;          /* has an IPsec template (from a dump; never ours) */

        /* Informational, never sent: the first tunnel that asked for it (empty
         * when parsed from the kernel), and the kernel's lifetime counters
         * (seconds since the epoch, 0 = never) when parsed from a dump. */
        char tunnel[NAME_MAX_LEN + 1];
        uint64_t add_time;
        uint64_t use_time;
} ShieldPolicy;

typedef struct ShieldPolicySet {
        ShieldPolicy *items;
        size_t n;
        size_t n_allocated;
} ShieldPolicySet;

void shield_policy_set_clear(ShieldPolicySet *s);
/* Appends a copy. -ENOMEM. */
int shield_policy_set_add(ShieldPolicySet *s, const ShieldPolicy *p) _warn_unused_result_;
/* Sorts by identity then attributes, and drops entries whose identity repeats
 * (the first one stays). */
void shield_policy_set_normalize(ShieldPolicySet *s);
/* Linear lookup by kernel identity. NULL if absent. */
const ShieldPolicy *shield_policy_set_find(const ShieldPolicySet *s, const ShieldPolicy *key);

/* Total orders for sorting; 0 when equal. */
int shield_policy_identity_compare(const ShieldPolicy *a, const ShieldPolicy *b);
int shield_policy_compare(const ShieldPolicy *a, const ShieldPolicy *b);
/* Same identity and same attributes (priority, action, plainness): a policy
 * that needs no change. Index, tunnel name and lifetimes are ignored. */
bool shield_policy_equivalent(const ShieldPolicy *a, const ShieldPolicy *b);

/* Checks that p can be sent: known dir and action, AF_INET/AF_INET6 on both
 * sides, prefix lengths in range, not a 0/0 -> 0/0 selector. -EINVAL. */
int shield_policy_validate(const ShieldPolicy *p);
/* True if p is one of ours (see the top of this file): priority in our band,
 * index carrying our magic and its direction, our selector marker, plain. */
bool shield_policy_is_ours(const ShieldPolicy *p);

/* The priority of a shield policy for a prefix of length len. */
uint32_t shield_priority(int family, unsigned len, ShieldAction action);
bool shield_priority_in_band(uint32_t priority);
/* index of a slot (1..SHIELD_INDEX_SLOT_MAX) in a direction. */
uint32_t shield_index(ShieldDir dir, uint32_t slot);
/* True if index carries our magic and its low 3 bits name dir. */
bool shield_index_is_ours(uint32_t index, ShieldDir dir);

/* Builds the wanted shield of the given tunnels (every tunnel with
 * FailClosed=yes, Enabled or not) into *ret, sorted and de-duplicated, every
 * policy with a distinct index (slots numbered in sort order per direction):
 *  - per RemotePrefix: out, any -> prefix, block;
 *  - kernel data plane: also in and fwd, prefix -> any, block;
 *  - userspace data plane, when tun_ifindex > 0: out, any -> prefix via the
 *    TUN device, allow, one below the block. No in/fwd blocks (nft.c drops
 *    inbound plaintext by input device instead), and no policy at all for
 *    IPv6 prefixes: the kernel's XFRM lookup for locally generated IPv6 has
 *    no output device, so the block would shadow the gateway's own traffic
 *    through a working tunnel; nft.c drops by output device instead.
 * Errors: -EINVAL for a RemotePrefix of length 0 (a 0/0 shield would lock the
 * device out) or an invalid data plane; -ENOMEM. *ret is replaced on success. */
int shield_build(const Tunnel *const *tunnels, size_t n_tunnels, DataPlane data_plane,
                 int tun_ifindex, ShieldPolicySet *ret) _warn_unused_result_;
/* The same for a whole config, with its Gateway.data_plane. */
int shield_build_config(const Config *c, int tun_ifindex, ShieldPolicySet *ret) _warn_unused_result_;

/* shield_build, plus route mode's allows (kernel data plane): for each
 * FailClosed Mode=route tunnel i with route_ifindex[i] > 0 (its XFRM
 * interface), out, any -> RemotePrefix via that interface, allow, one below
 * the block. route_ifindex may be NULL (none). Same errors. */
int shield_build_routes(const Tunnel *const *tunnels, size_t n_tunnels, DataPlane data_plane, int tun_ifindex,
                        const int *route_ifindex, ShieldPolicySet *ret) _warn_unused_result_;

typedef struct ShieldDiff {
        ShieldPolicySet add;     /* in want, identity absent from have */
        ShieldPolicySet update;  /* identity present, attributes differ (replace in place) */
        ShieldPolicySet del;     /* in have, identity absent from want */
} ShieldDiff;

void shield_diff_clear(ShieldDiff *d);
/* Computes what turns have (our policies in the kernel) into want. Apply in the
 * order add, update, del, so that at no moment a prefix is less shielded than
 * both before and after: new blocks exist before stale ones go, and an update
 * is an atomic in-kernel replace. add entries keep want's index; the sender
 * re-picks it if the kernel already uses it. del entries are have's (with the
 * kernel's index), update entries are want's with have's index. -ENOMEM. */
int shield_diff(const ShieldPolicySet *want, const ShieldPolicySet *have, ShieldDiff *ret) _warn_unused_result_;

/* Formats a policy like `ip xfrm policy` would, for logs and test failures. */
const char *shield_policy_to_string(const ShieldPolicy *p, char *buf, size_t size);
#define SHIELD_POLICY_STRLEN 256
