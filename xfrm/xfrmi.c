/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/xfrmi.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include "xfrm-kernel.h"
#include "xfrmi.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cache *, nl_cache_free);

void xfrmi_state_clear(XfrmiState *s) {
        if (!s)
                return;
        free(s->links);
        free(s->addrs);
        free(s->routes);
        *s = (XfrmiState) {};
}

/* ---- builders ---------------------------------------------------------- */

static int new_msg(int type, int flags, const void *hdr, size_t len, struct nl_msg **ret) {
        _cleanup_(nlmsg_freep) struct nl_msg *m = nlmsg_alloc_simple(type, flags);

        if (!m || nlmsg_append(m, (void *) hdr, len, NLMSG_ALIGNTO) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(m);
        return 0;
}

static bool ifname_valid(const char *s) {
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n >= IFNAMSIZ)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
                      s[i] == '-' || s[i] == '_'))
                        return false;
        return true;
}

int xfrmi_build_link_new(const char *ifname, uint32_t if_id, unsigned mtu, struct nl_msg **ret) {
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
        struct nlattr *info, *data;
        int r;

        if (!ifname_valid(ifname) || if_id == 0 || mtu < 1280 || mtu > 65535)
                return -EINVAL;
        r = new_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi), &m);
        if (r < 0)
                return r;
        if (nla_put_string(m, IFLA_IFNAME, ifname) < 0 || nla_put_u32(m, IFLA_MTU, mtu) < 0)
                return -ENOMEM;
        info = nla_nest_start(m, IFLA_LINKINFO);
        if (!info || nla_put_string(m, IFLA_INFO_KIND, "xfrm") < 0)
                return -ENOMEM;
        data = nla_nest_start(m, IFLA_INFO_DATA);
        /* No IFLA_XFRM_LINK: the underlying device is optional (6.1), and the
         * tunnel's packets take whatever route leads to the peer. */
        if (!data || nla_put_u32(m, IFLA_XFRM_IF_ID, if_id) < 0)
                return -ENOMEM;
        nla_nest_end(m, data);
        nla_nest_end(m, info);
        *ret = TAKE_PTR(m);
        return 0;
}

int xfrmi_build_link_set(int ifindex, bool up, unsigned mtu, struct nl_msg **ret) {
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        struct ifinfomsg ifi = {
                .ifi_family = AF_UNSPEC,
                .ifi_index = ifindex,
                .ifi_flags = up ? IFF_UP : 0,
                .ifi_change = IFF_UP,
        };
        int r;

        if (ifindex <= 0 || mtu < 1280 || mtu > 65535)
                return -EINVAL;
        r = new_msg(RTM_NEWLINK, 0, &ifi, sizeof(ifi), &m);
        if (r < 0)
                return r;
        if (nla_put_u32(m, IFLA_MTU, mtu) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(m);
        return 0;
}

int xfrmi_build_link_del(int ifindex, struct nl_msg **ret) {
        struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };

        if (ifindex <= 0)
                return -EINVAL;
        return new_msg(RTM_DELLINK, 0, &ifi, sizeof(ifi), ret);
}

static size_t addr_len(int family) {
        return family == AF_INET6 ? 16 : 4;
}

int xfrmi_build_addr(bool add, const XfrmiAddr *a, struct nl_msg **ret) {
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        struct ifaddrmsg ifa = {
                .ifa_family = (uint8_t) a->local.family,
                .ifa_prefixlen = (uint8_t) a->prefixlen,
                .ifa_scope = RT_SCOPE_UNIVERSE,
                .ifa_index = (uint32_t) a->ifindex,
        };
        int r;

        if (a->ifindex <= 0 || (a->local.family != AF_INET && a->local.family != AF_INET6) ||
            a->prefixlen > address_bits(a->local.family) ||
            (a->peer.family != 0 && a->peer.family != a->local.family))
                return -EINVAL;
        r = new_msg(add ? RTM_NEWADDR : RTM_DELADDR, add ? NLM_F_CREATE | NLM_F_REPLACE : 0, &ifa, sizeof(ifa), &m);
        if (r < 0)
                return r;
        /* IFA_LOCAL is this end; IFA_ADDRESS the peer on a point-to-point
         * address (and the same as IFA_LOCAL otherwise). */
        if (nla_put(m, IFA_LOCAL, (int) addr_len(a->local.family), a->local.bytes) < 0 ||
            nla_put(m, IFA_ADDRESS, (int) addr_len(a->local.family),
                    a->peer.family ? a->peer.bytes : a->local.bytes) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(m);
        return 0;
}

int xfrmi_build_route(bool add, const XfrmiRoute *rt, struct nl_msg **ret) {
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        int family = rt->dst.addr.family;
        struct rtmsg rtm = {
                .rtm_family = (uint8_t) family,
                .rtm_dst_len = (uint8_t) rt->dst.len,
                .rtm_table = RT_TABLE_MAIN,
                .rtm_protocol = XFRMI_RTPROT,
                .rtm_scope = add ? RT_SCOPE_LINK : RT_SCOPE_NOWHERE,
                .rtm_type = RTN_UNICAST,
        };
        int r;

        if ((family != AF_INET && family != AF_INET6) || rt->dst.len > address_bits(family) ||
            rt->n_nexthops > XFRMI_MAX_NEXTHOPS || (add && rt->n_nexthops == 0))
                return -EINVAL;
        r = new_msg(add ? RTM_NEWROUTE : RTM_DELROUTE, add ? NLM_F_CREATE | NLM_F_REPLACE : 0, &rtm, sizeof(rtm),
                    &m);
        if (r < 0)
                return r;
        if (nla_put(m, RTA_DST, (int) addr_len(family), rt->dst.addr.bytes) < 0)
                return -ENOMEM;
        if (!add)
                ; /* dst, table and protocol name it */
        else if (rt->n_nexthops == 1) {
                if (nla_put_u32(m, RTA_OIF, (uint32_t) rt->ifindex[0]) < 0)
                        return -ENOMEM;
        } else {
                struct nlattr *mp = nla_nest_start(m, RTA_MULTIPATH);

                if (!mp)
                        return -ENOMEM;
                for (size_t i = 0; i < rt->n_nexthops; i++) {
                        struct rtnexthop nh = { .rtnh_len = sizeof(nh), .rtnh_ifindex = rt->ifindex[i] };

                        if (rt->ifindex[i] <= 0)
                                return -EINVAL;
                        if (nlmsg_append(m, &nh, sizeof(nh), RTNH_ALIGNTO) < 0)
                                return -ENOMEM;
                }
                nla_nest_end(m, mp);
        }
        *ret = TAKE_PTR(m);
        return 0;
}

/* ---- the kernel -------------------------------------------------------- */

int xfrmi_socket_open(struct nl_sock **ret) {
        struct nl_sock *sk = nl_socket_alloc();
        int one = 1, r, fd;

        if (!sk)
                return -ENOMEM;
        r = nl_connect(sk, NETLINK_ROUTE);
        if (r < 0) {
                nl_socket_free(sk);
                return r == -NLE_NOMEM ? -ENOMEM : -EIO;
        }
        fd = nl_socket_get_fd(sk);
        /* The kernel's reason for a refusal (iproute2's lib/libnetlink.c). */
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
        *ret = sk;
        return 0;
}

int xfrmi_send(struct nl_sock *sk, struct nl_msg *msg, char **ret_extack) {
        return xfrm_kernel_transact(sk, msg, ret_extack);
}

static int grow(void **items, size_t n, size_t size) {
        void *p;

        if ((n & (n - 1)) != 0 && n != 0)
                return 0; /* room left: capacity is the next power of two */
        p = reallocarray(*items, n ? n * 2 : 4, size);
        if (!p)
                return -ENOMEM;
        *items = p;
        return 0;
}

static bool address_from_nl(struct nl_addr *a, Address *ret) {
        int family = a ? nl_addr_get_family(a) : 0;
        size_t len = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;

        if (len == 0 || nl_addr_get_len(a) != len)
                return false;
        *ret = (Address) { .family = family };
        memcpy(ret->bytes, nl_addr_get_binary_addr(a), len);
        return true;
}

static const XfrmiLink *find_link(const XfrmiState *s, int ifindex) {
        for (size_t i = 0; i < s->n_links; i++)
                if (s->links[i].ifindex == ifindex)
                        return &s->links[i];
        return NULL;
}

static int dump_links(struct nl_sock *sk, XfrmiState *s) {
        _cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
        int r;

        r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
        if (r < 0)
                return r == -NLE_NOMEM ? -ENOMEM : -EIO;
        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                struct rtnl_link *l = (struct rtnl_link *) o;
                const char *name = rtnl_link_get_name(l);
                uint32_t if_id = 0;
                XfrmiLink *x;

                if (!rtnl_link_is_xfrmi(l) || rtnl_link_xfrmi_get_if_id(l, &if_id) < 0 ||
                    !tunnel_if_id_is_ours(if_id) || !name || strlen(name) >= IFNAMSIZ)
                        continue;
                if (grow((void **) &s->links, s->n_links, sizeof(XfrmiLink)) < 0)
                        return -ENOMEM;
                x = &s->links[s->n_links++];
                *x = (XfrmiLink) {
                        .ifindex = rtnl_link_get_ifindex(l),
                        .if_id = if_id,
                        .up = rtnl_link_get_flags(l) & IFF_UP,
                        .mtu = rtnl_link_get_mtu(l),
                };
                strcpy(x->ifname, name);
        }
        return 0;
}

static int dump_addrs(struct nl_sock *sk, XfrmiState *s) {
        _cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
        int r;

        r = rtnl_addr_alloc_cache(sk, &cache);
        if (r < 0)
                return r == -NLE_NOMEM ? -ENOMEM : -EIO;
        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                struct rtnl_addr *a = (struct rtnl_addr *) o;
                struct nl_addr *peer = rtnl_addr_get_peer(a);
                XfrmiAddr x = { .ifindex = rtnl_addr_get_ifindex(a) };

                if (!find_link(s, x.ifindex) || !address_from_nl(rtnl_addr_get_local(a), &x.local))
                        continue;
                /* IPv6 link-local addresses come with the link: not ours. */
                if (x.local.family == AF_INET6 && x.local.bytes[0] == 0xfe && (x.local.bytes[1] & 0xc0) == 0x80)
                        continue;
                x.prefixlen = (unsigned) rtnl_addr_get_prefixlen(a);
                if (peer && !address_from_nl(peer, &x.peer))
                        x.peer = (Address) {};
                if (grow((void **) &s->addrs, s->n_addrs, sizeof(XfrmiAddr)) < 0)
                        return -ENOMEM;
                s->addrs[s->n_addrs++] = x;
        }
        return 0;
}

static int int_cmp(const void *a, const void *b) {
        int x = *(const int *) a, y = *(const int *) b;

        return x < y ? -1 : x > y;
}

static int dump_routes(struct nl_sock *sk, int family, XfrmiState *s) {
        _cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
        int r;

        r = rtnl_route_alloc_cache(sk, family, 0, &cache);
        if (r < 0)
                return r == -NLE_NOMEM ? -ENOMEM : -EIO;
        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                struct rtnl_route *rt = (struct rtnl_route *) o;
                XfrmiRoute x = {};

                if (rtnl_route_get_protocol(rt) != XFRMI_RTPROT || rtnl_route_get_table(rt) != RT_TABLE_MAIN ||
                    !address_from_nl(rtnl_route_get_dst(rt), &x.dst.addr))
                        continue;
                x.dst.len = nl_addr_get_prefixlen(rtnl_route_get_dst(rt));
                for (int i = 0; i < rtnl_route_get_nnexthops(rt) && x.n_nexthops < XFRMI_MAX_NEXTHOPS; i++)
                        x.ifindex[x.n_nexthops++] = rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(rt, i));
                qsort(x.ifindex, x.n_nexthops, sizeof(int), int_cmp);
                if (grow((void **) &s->routes, s->n_routes, sizeof(XfrmiRoute)) < 0)
                        return -ENOMEM;
                s->routes[s->n_routes++] = x;
        }
        return 0;
}

int xfrmi_dump(struct nl_sock *sk, XfrmiState *ret) {
        _cleanup_(xfrmi_state_clear) XfrmiState s = {};
        int r;

        r = dump_links(sk, &s);
        if (r >= 0)
                r = dump_addrs(sk, &s);
        if (r >= 0)
                r = dump_routes(sk, AF_INET, &s);
        if (r >= 0)
                r = dump_routes(sk, AF_INET6, &s);
        if (r < 0)
                return r;
        xfrmi_state_clear(ret);
        *ret = s;
        s = (XfrmiState) {};
        return 0;
}
