/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* BGP through FRR (DESIGN.md, "Route-based mode and BGP"): gatewayd renders
 * the BGP part of FRR's configuration from the config and applies it to the
 * running FRR with `vtysh -f` (never restarting it); it polls the sessions
 * on the health timer (`vtysh -c 'show bgp summary json'`).
 *
 * What gatewayd owns in FRR: the `router bgp BgpAsn` block's neighbors,
 * networks and address-family settings it renders, and the prefix-lists
 * named gatewayd-*. Other FRR configuration is never touched; FRR's own
 * file is never written (a reboot starts FRR without gatewayd's part, and
 * gatewayd applies it again). What was applied last is kept in memory and
 * in a file beside the status file, so that a restarted gatewayd removes
 * what the config no longer has.
 *
 * Per neighbor (one per tunnel with BGP): remote-as BgpPeerAsn,
 * update-source BgpLocalAddress (on the tunnel's interface, with the peer
 * as its point-to-point peer: directly connected, no multihop needed);
 * prefix-list in = the tunnel's RemotePrefixes (le 32 / le 128: a peer
 * cannot pull any other traffic into the tunnel), prefix-list out = its
 * LocalPrefixes; network statements for every LocalPrefix; maximum-paths
 * 8 for ECMP over the tunnels of an active-active gateway. A changed list
 * gets a new name (a hash of its content) so that the neighbor switches from
 * the old complete list to the new complete one: FRR treats a missing list
 * as "permit any", which must never be seen. */

#include "conf.h"
#include "status.h"

/* The FRR text for c's BGP tunnels ("" when there are none). Pure; *ret
 * malloc'd. -EINVAL (a BGP tunnel without BgpAsn), -ENOMEM. */
int frr_render(const Config *c, char **ret);

/* The vtysh script that turns FRR from old (a previous frr_render, "" or
 * NULL for nothing) into new: what old has and new does not is removed
 * (neighbors, networks, prefix-lists — those after new is in, so a neighbor
 * never points at a missing list), then new, which vtysh applies
 * idempotently (unchanged neighbors keep their sessions). Pure. -ENOMEM. */
int frr_script(const char *old, const char *new, char **ret);

/* One peer of FRR's `show bgp summary json`, found by address. */
typedef struct FrrPeer {
        bool found;
        bool established;
        char state[32];              /* FRR's word: Established, Active, Idle, ... */
        uint64_t prefixes_received;  /* pfxRcd */
} FrrPeer;

/* Looks peer up in FRR's JSON (a small scanner: the daemon has no JSON
 * library). 0 (ret->found tells), -EBADMSG when the text is not such a
 * summary. Pure. */
int frr_summary_peer(const char *json, const char *peer, FrrPeer *ret);

typedef struct Frr Frr;

/* state_path: where the last applied text is kept (beside the status
 * file). */
int frr_new(const char *state_path, Frr **ret);
Frr *frr_free(Frr *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(Frr *, frr_free);

/* Applies c's BGP part when it differs from what was applied (or force).
 * Logged; 0 or -errno (FRR unreachable or a refused command). */
int frr_apply(Frr *f, const Config *c, bool force);

/* Polls the sessions of c's BGP tunnels, fills each one's bgp object in s
 * (matched by name), logs bgp-up / bgp-down on changes, and applies the
 * config again when FRR lost it (restarted). Logged. */
void frr_poll(Frr *f, const Config *c, GatewayStatus *s, usec_t now);
