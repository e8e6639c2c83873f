/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Route mode's kernel objects (DESIGN.md, "Route-based mode and BGP"): one
 * XFRM interface per route tunnel (gw-NAME, type xfrm, if_id = the tunnel's,
 * conf/model.h), its BGP address, and the static routes into it, through
 * rtnetlink (libnl-route). Builders are pure (a message, unit-tested by
 * decoding it); xfrmi_dump and xfrmi_send talk to the kernel.
 *
 * What is ours, after any restart: an interface of kind xfrm whose if_id
 * lies in conf's range (tunnel_if_id_is_ours), the addresses on those
 * interfaces, and routes with protocol XFRMI_RTPROT in the main table. */

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "prefix.h"

struct nl_msg;
struct nl_sock;

/* The routing protocol number of gatewayd's static routes ("proto 106" in
 * `ip route`): unassigned in iproute2's rt_protos, so nobody else's. */
#define XFRMI_RTPROT 106
/* Azure's recommended tunnel MTU: 1400 (MSS 1350 + 40 + 10 of slack). */
#define XFRMI_MTU 1400u
/* Nexthops of one ECMP route: the tunnels that share a RemotePrefix. */
#define XFRMI_MAX_NEXTHOPS 8

typedef struct XfrmiLink {
        char ifname[IFNAMSIZ];
        int ifindex;
        uint32_t if_id;
        bool up;                 /* IFF_UP */
        unsigned mtu;
} XfrmiLink;

typedef struct XfrmiAddr {
        int ifindex;
        Address local;
        Address peer;            /* family 0: none */
        unsigned prefixlen;
} XfrmiAddr;

typedef struct XfrmiRoute {
        Prefix dst;
        int ifindex[XFRMI_MAX_NEXTHOPS]; /* sorted; one or more (ECMP) */
        size_t n_nexthops;
} XfrmiRoute;

/* What the kernel holds of ours. */
typedef struct XfrmiState {
        XfrmiLink *links;
        size_t n_links;
        XfrmiAddr *addrs;        /* on our links */
        size_t n_addrs;
        XfrmiRoute *routes;      /* proto XFRMI_RTPROT, table main */
        size_t n_routes;
} XfrmiState;

void xfrmi_state_clear(XfrmiState *s);

/* Builders: a new message in *ret (nlmsg_free it). -EINVAL for a bad
 * argument, -ENOMEM. */
/* RTM_NEWLINK, create only (NLM_F_EXCL): ifname, kind xfrm, if_id, MTU,
 * administratively down. */
int xfrmi_build_link_new(const char *ifname, uint32_t if_id, unsigned mtu, struct nl_msg **ret);
/* RTM_NEWLINK on ifindex: up or down, MTU. */
int xfrmi_build_link_set(int ifindex, bool up, unsigned mtu, struct nl_msg **ret);
int xfrmi_build_link_del(int ifindex, struct nl_msg **ret);
/* RTM_NEWADDR / RTM_DELADDR: local/len on ifindex, with peer when set
 * (then the kernel adds the host route to the peer through the link). */
int xfrmi_build_addr(bool add, const XfrmiAddr *a, struct nl_msg **ret);
/* RTM_NEWROUTE (create or replace) / RTM_DELROUTE: dst in the main table,
 * protocol XFRMI_RTPROT, scope link, one nexthop device or a multipath. */
int xfrmi_build_route(bool add, const XfrmiRoute *r, struct nl_msg **ret);

/* A NETLINK_ROUTE socket, CLOEXEC, extended ACKs on. -errno. */
int xfrmi_socket_open(struct nl_sock **ret);
/* Sends msg and waits for its ACK: 0 or the kernel's -errno (+ its
 * message). */
int xfrmi_send(struct nl_sock *sk, struct nl_msg *msg, char **ret_extack);
/* Dumps links, addresses and routes and keeps ours (see the top). -errno. */
int xfrmi_dump(struct nl_sock *sk, XfrmiState *ret);
