/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Route mode's interfaces and routes (DESIGN.md, "Route-based mode and
 * BGP"): keeps the kernel's XFRM interfaces, their BGP addresses and the
 * static routes into them equal to the config and to each tunnel's health.
 *  - every enabled route tunnel (not broken, or kept running) has gw-NAME,
 *    created administratively down; it is up while the tunnel is up and
 *    down while it is down, so that the routes through it (static ones,
 *    and BGP's: zebra drops a nexthop on a down link and bgpd resets the
 *    session at once, fast-external-failover) go with the tunnel rather than
 *    after BGP's hold timer; the other tunnel of an active-active pair then
 *    carries everything, and without any the shield drops it. While charon
 *    is not connected, or a tunnel is connecting, a link keeps its state: a
 *    gatewayd or charon restart does not cut working tunnels;
 *  - with BGP: BgpLocalAddress with BgpPeerAddress as its peer, which gives
 *    the host route to the peer through the link; without BGP: one route per
 *    RemotePrefix through the up links of the tunnels that have it (ECMP
 *    over IPv4 when several do; IPv6 takes the first);
 *  - what is gone from the config goes from the kernel: links whose if_id
 *    is in gatewayd's range and routes with gatewayd's protocol number.
 * The plan (pure, unit-tested) is computed from a dump of the kernel every
 * time: nothing is cached about the kernel's state. */

#include "conf.h"
#include "status.h"
#include "xfrmi.h"

typedef enum RouteOpKind {
        ROUTE_OP_LINK_NEW,
        ROUTE_OP_LINK_DEL_STALE,  /* ours, with another if_id than its name wants: re-created */
        ROUTE_OP_LINK_UP,
        ROUTE_OP_ADDR_DEL,
        ROUTE_OP_ADDR_ADD,
        ROUTE_OP_ROUTE_SET,
        ROUTE_OP_ROUTE_DEL,
        ROUTE_OP_LINK_DOWN,
        ROUTE_OP_LINK_DEL,
        _ROUTE_OP_MAX,
        _ROUTE_OP_INVALID = -EINVAL,
} RouteOpKind;

const char *route_op_kind_to_string(RouteOpKind k);
RouteOpKind route_op_kind_from_string(const char *s);

typedef struct RouteOp {
        RouteOpKind kind;
        char ifname[IFNAMSIZ];
        int ifindex;               /* 0 for LINK_NEW */
        uint32_t if_id;            /* LINK_NEW */
        XfrmiAddr addr;            /* ADDR_* */
        XfrmiRoute route;          /* ROUTE_* */
} RouteOp;

typedef struct RoutePlan {
        RouteOp *ops;              /* in RouteOpKind order */
        size_t n;
} RoutePlan;

void route_plan_clear(RoutePlan *p);

/* Whether a tunnel's link is wanted up. */
typedef enum RouteLinkState {
        ROUTE_LINK_DOWN,
        ROUTE_LINK_UP,
        ROUTE_LINK_KEEP,           /* as it is (unknown now) */
} RouteLinkState;

/* What health says about tunnel t: up, down, or keep (connecting, or
 * charon not connected). s may be NULL (keep). */
RouteLinkState route_link_state(const GatewayStatus *s, const Tunnel *t);

/* The operations that turn have into what c wants, given state[i] for
 * c->tunnels[i]. A link that does not exist yet gets only LINK_NEW: its
 * index is known after it exists (plan again). -ENOMEM. */
int route_plan(const Config *c, const RouteLinkState *state, const XfrmiState *have, RoutePlan *ret);

typedef struct Routes Routes;

int routes_new(Routes **ret);
Routes *routes_free(Routes *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(Routes *, routes_free);

/* Makes the kernel match c and the health in s (may be NULL: links keep
 * their state). force: dump and compare even when nothing changed since the
 * last sync (the health timer heals what someone else removed). Logs what
 * it changed and each failure with the kernel's message. 0 or the first
 * -errno. */
int routes_sync(Routes *r, const Config *c, const GatewayStatus *s, bool force);
