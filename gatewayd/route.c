/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <sys/socket.h>

#include "log.h"
#include "route.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free);

static const char *const route_op_kind_table[_ROUTE_OP_MAX] = {
        [ROUTE_OP_LINK_DEL_STALE] = "link-del-stale",
        [ROUTE_OP_LINK_NEW] = "link-new",
        [ROUTE_OP_LINK_UP] = "link-up",
        [ROUTE_OP_ADDR_DEL] = "addr-del",
        [ROUTE_OP_ADDR_ADD] = "addr-add",
        [ROUTE_OP_ROUTE_SET] = "route-set",
        [ROUTE_OP_ROUTE_DEL] = "route-del",
        [ROUTE_OP_LINK_DOWN] = "link-down",
        [ROUTE_OP_LINK_DEL] = "link-del",
};
DEFINE_STRING_TABLE(route_op_kind, RouteOpKind);

void route_plan_clear(RoutePlan *p) {
        if (!p)
                return;
        free(p->ops);
        *p = (RoutePlan) {};
}

static bool wanted(const Config *c, const Tunnel *t) {
        return c->gateway.data_plane == DATA_PLANE_KERNEL && t->mode == TUNNEL_MODE_ROUTE && t->enabled &&
               !t->stub && (!t->broken || t->keep);
}

RouteLinkState route_link_state(const GatewayStatus *s, const Tunnel *t) {
        if (!s || !s->gateway.charon_connected)
                return ROUTE_LINK_KEEP;
        for (size_t i = 0; i < s->n_tunnels; i++) {
                const TunnelStatus *ts = s->tunnels[i];

                if (!streq(ts->name, t->name))
                        continue;
                switch (ts->state) {
                case TUNNEL_STATE_UP:
                        return ROUTE_LINK_UP;
                case TUNNEL_STATE_CONNECTING:
                        return ROUTE_LINK_KEEP;
                default:
                        return ts->last_error == TUNNEL_ERROR_CHARON_GONE ? ROUTE_LINK_KEEP : ROUTE_LINK_DOWN;
                }
        }
        return ROUTE_LINK_KEEP;
}

static int add_op(RoutePlan *p, const RouteOp *op) {
        RouteOp *n = reallocarray(p->ops, p->n + 1, sizeof(RouteOp));

        if (!n)
                return -ENOMEM;
        p->ops = n;
        p->ops[p->n++] = *op;
        return 0;
}

static const XfrmiLink *link_by_name(const XfrmiState *s, const char *ifname) {
        for (size_t i = 0; i < s->n_links; i++)
                if (streq(s->links[i].ifname, ifname))
                        return &s->links[i];
        return NULL;
}

static bool same_addr(const XfrmiAddr *a, const XfrmiAddr *b) {
        return a->ifindex == b->ifindex && a->prefixlen == b->prefixlen &&
               memcmp(&a->local, &b->local, sizeof(Address)) == 0 &&
               memcmp(&a->peer, &b->peer, sizeof(Address)) == 0;
}

static bool same_dst(const Prefix *a, const Prefix *b) {
        return a->addr.family == b->addr.family && a->len == b->len &&
               memcmp(a->addr.bytes, b->addr.bytes, sizeof(a->addr.bytes)) == 0;
}

static bool same_nexthops(const XfrmiRoute *a, const XfrmiRoute *b) {
        return a->n_nexthops == b->n_nexthops && memcmp(a->ifindex, b->ifindex, a->n_nexthops * sizeof(int)) == 0;
}

static int int_cmp(const void *a, const void *b) {
        int x = *(const int *) a, y = *(const int *) b;

        return x < y ? -1 : x > y;
}

/* Adds ifindex as a nexthop of dst in *want (a new route if needed). */
static int want_route(XfrmiRoute **want, size_t *n, const Prefix *dst, int ifindex) {
        XfrmiRoute *r = NULL, *v;

        for (size_t i = 0; i < *n && !r; i++)
                if (same_dst(&(*want)[i].dst, dst))
                        r = &(*want)[i];
        if (!r) {
                v = reallocarray(*want, *n + 1, sizeof(XfrmiRoute));
                if (!v)
                        return -ENOMEM;
                *want = v;
                r = &v[(*n)++];
                *r = (XfrmiRoute) { .dst = *dst };
        }
        for (size_t i = 0; i < r->n_nexthops; i++)
                if (r->ifindex[i] == ifindex)
                        return 0;
        /* IPv6 keeps device-only routes of one destination apart (no ECMP
         * without a gateway): the first tunnel takes it. */
        if (r->n_nexthops >= XFRMI_MAX_NEXTHOPS || (dst->addr.family == AF_INET6 && r->n_nexthops > 0))
                return 0;
        r->ifindex[r->n_nexthops++] = ifindex;
        qsort(r->ifindex, r->n_nexthops, sizeof(int), int_cmp);
        return 0;
}

static int op_cmp(const void *a, const void *b) {
        const RouteOp *x = a, *y = b;

        return x->kind < y->kind ? -1 : x->kind > y->kind;
}

int route_plan(const Config *c, const RouteLinkState *state, const XfrmiState *have, RoutePlan *ret) {
        _cleanup_(route_plan_clear) RoutePlan p = {};
        _cleanup_free_ XfrmiRoute *want = NULL;
        _cleanup_free_ bool *kept = calloc(have->n_links ? have->n_links : 1, sizeof(bool));
        size_t n_want = 0;
        int r;

        if (!kept)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];
                char ifname[TUNNEL_IFNAME_MAX + 1];
                const XfrmiLink *l;
                RouteOp op = {};
                XfrmiAddr a = {};
                bool up, want_addr;

                if (!wanted(c, t))
                        continue;
                tunnel_ifname(t->name, ifname);
                strcpy(op.ifname, ifname);
                l = link_by_name(have, ifname);
                if (l && l->if_id != tunnel_if_id(t->name)) {
                        op.kind = ROUTE_OP_LINK_DEL_STALE;
                        op.ifindex = l->ifindex;
                        r = add_op(&p, &op);
                        if (r < 0)
                                return r;
                        kept[l - have->links] = true;
                        l = NULL;
                }
                if (!l) {
                        op.kind = ROUTE_OP_LINK_NEW;
                        op.ifindex = 0;
                        op.if_id = tunnel_if_id(t->name);
                        r = add_op(&p, &op);
                        if (r < 0)
                                return r;
                        continue;
                }
                kept[l - have->links] = true;
                op.ifindex = l->ifindex;
                up = state[i] == ROUTE_LINK_KEEP ? l->up : state[i] == ROUTE_LINK_UP;
                if (up != l->up || l->mtu != XFRMI_MTU) {
                        op.kind = up ? ROUTE_OP_LINK_UP : ROUTE_OP_LINK_DOWN;
                        r = add_op(&p, &op);
                        if (r < 0)
                                return r;
                }

                want_addr = t->has_bgp;
                if (want_addr)
                        a = (XfrmiAddr) {
                                .ifindex = l->ifindex,
                                .local = t->bgp_local_address,
                                .peer = t->bgp_peer_address,
                                .prefixlen = address_bits(t->bgp_local_address.family),
                        };
                for (size_t j = 0; j < have->n_addrs; j++) {
                        const XfrmiAddr *h = &have->addrs[j];

                        if (h->ifindex != l->ifindex)
                                continue;
                        if (want_addr && same_addr(h, &a)) {
                                want_addr = false; /* there */
                                continue;
                        }
                        op.kind = ROUTE_OP_ADDR_DEL;
                        op.addr = *h;
                        r = add_op(&p, &op);
                        if (r < 0)
                                return r;
                }
                if (want_addr) {
                        op.kind = ROUTE_OP_ADDR_ADD;
                        op.addr = a;
                        r = add_op(&p, &op);
                        if (r < 0)
                                return r;
                }

                /* Static routes of an up tunnel without BGP. */
                if (!up || t->has_bgp)
                        continue;
                for (size_t j = 0; j < t->remote_prefixes.n; j++) {
                        Prefix dst = prefix_masked(&t->remote_prefixes.items[j]);

                        r = want_route(&want, &n_want, &dst, l->ifindex);
                        if (r < 0)
                                return r;
                }
        }

        for (size_t i = 0; i < n_want; i++) {
                const XfrmiRoute *h = NULL;

                for (size_t j = 0; j < have->n_routes && !h; j++)
                        if (same_dst(&have->routes[j].dst, &want[i].dst))
                                h = &have->routes[j];
                if (h && same_nexthops(h, &want[i]))
                        continue;
                r = add_op(&p, &(RouteOp) { .kind = ROUTE_OP_ROUTE_SET, .route = want[i] });
                if (r < 0)
                        return r;
        }
        for (size_t j = 0; j < have->n_routes; j++) {
                bool found = false;

                for (size_t i = 0; i < n_want && !found; i++)
                        found = same_dst(&have->routes[j].dst, &want[i].dst);
                if (found)
                        continue;
                r = add_op(&p, &(RouteOp) { .kind = ROUTE_OP_ROUTE_DEL, .route = have->routes[j] });
                if (r < 0)
                        return r;
        }
        for (size_t j = 0; j < have->n_links; j++) {
                RouteOp op = { .kind = ROUTE_OP_LINK_DEL, .ifindex = have->links[j].ifindex };

                if (kept[j])
                        continue;
                strcpy(op.ifname, have->links[j].ifname);
                r = add_op(&p, &op);
                if (r < 0)
                        return r;
        }
        /* Stable within a kind: kinds are applied in enum order. */
        for (size_t i = 1; i < p.n; i++)
                for (size_t j = i; j > 0 && op_cmp(&p.ops[j - 1], &p.ops[j]) > 0; j--) {
                        RouteOp tmp = p.ops[j];

                        p.ops[j] = p.ops[j - 1];
                        p.ops[j - 1] = tmp;
                }
        route_plan_clear(ret);
        *ret = p;
        p = (RoutePlan) {};
        return 0;
}

/* ---- the kernel -------------------------------------------------------- */

struct Routes {
        struct nl_sock *sk;
        bool maybe_links;            /* the last dump found links of ours (or none was made yet) */
        const Config *last_config;
        RouteLinkState *last_state;
        size_t n_last;
};

int routes_new(Routes **ret) {
        _cleanup_(routes_freep) Routes *r = calloc(1, sizeof(Routes));
        int q;

        if (!r)
                return -ENOMEM;
        q = xfrmi_socket_open(&r->sk);
        if (q < 0)
                return q;
        r->maybe_links = true;
        *ret = TAKE_PTR(r);
        return 0;
}

Routes *routes_free(Routes *r) {
        if (!r)
                return NULL;
        if (r->sk)
                nl_socket_free(r->sk);
        free(r->last_state);
        free(r);
        return NULL;
}

/* Asymmetric return paths are tolerated (active-active: Azure may answer
 * through the other instance): loose reverse-path filtering on the link. */
static void set_rp_filter_loose(const char *ifname) {
        char path[128];
        int fd;

        snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter", ifname);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "2", 1) != 1)
                log_warning("%s: could not set loose reverse-path filtering (%m); replies through the other tunnel "
                            "of an active-active pair may be dropped",
                            ifname);
        if (fd >= 0)
                close(fd);
}

static const char *route_to_string(const XfrmiRoute *rt, const XfrmiState *have, char *buf, size_t size) {
        char p[PREFIX_STRLEN];
        size_t o;

        o = (size_t) snprintf(buf, size, "%s via", prefix_to_string(&rt->dst, p));
        for (size_t i = 0; i < rt->n_nexthops && o < size; i++) {
                const char *name = NULL;

                for (size_t j = 0; j < have->n_links && !name; j++)
                        if (have->links[j].ifindex == rt->ifindex[i])
                                name = have->links[j].ifname;
                if (name)
                        o += (size_t) snprintf(buf + o, size - o, " %s", name);
                else
                        o += (size_t) snprintf(buf + o, size - o, " ifindex %d", rt->ifindex[i]);
        }
        return buf;
}

static int exec_op(Routes *r, const RouteOp *op, const XfrmiState *have) {
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        _cleanup_free_ char *extack = NULL;
        char what[256], abuf[PREFIX_STRLEN];
        bool del = false;
        int q;

        switch (op->kind) {
        case ROUTE_OP_LINK_NEW:
                q = xfrmi_build_link_new(op->ifname, op->if_id, XFRMI_MTU, &m);
                snprintf(what, sizeof(what), "create interface %s (xfrm, if_id 0x%08x)", op->ifname, op->if_id);
                break;
        case ROUTE_OP_LINK_UP:
        case ROUTE_OP_LINK_DOWN:
                q = xfrmi_build_link_set(op->ifindex, op->kind == ROUTE_OP_LINK_UP, XFRMI_MTU, &m);
                snprintf(what, sizeof(what), "set interface %s %s", op->ifname,
                         op->kind == ROUTE_OP_LINK_UP ? "up" : "down");
                break;
        case ROUTE_OP_LINK_DEL:
        case ROUTE_OP_LINK_DEL_STALE:
                q = xfrmi_build_link_del(op->ifindex, &m);
                snprintf(what, sizeof(what), "remove interface %s", op->ifname);
                del = true;
                break;
        case ROUTE_OP_ADDR_ADD:
        case ROUTE_OP_ADDR_DEL:
                q = xfrmi_build_addr(op->kind == ROUTE_OP_ADDR_ADD, &op->addr, &m);
                snprintf(what, sizeof(what), "%s address %s on %s", op->kind == ROUTE_OP_ADDR_ADD ? "add" : "remove",
                         address_to_string(&op->addr.local, abuf), op->ifname);
                del = op->kind == ROUTE_OP_ADDR_DEL;
                break;
        case ROUTE_OP_ROUTE_SET:
        case ROUTE_OP_ROUTE_DEL: {
                char rbuf[200];

                q = xfrmi_build_route(op->kind == ROUTE_OP_ROUTE_SET, &op->route, &m);
                snprintf(what, sizeof(what), "%s route %s", op->kind == ROUTE_OP_ROUTE_SET ? "set" : "remove",
                         route_to_string(&op->route, have, rbuf, sizeof(rbuf)));
                del = op->kind == ROUTE_OP_ROUTE_DEL;
                break;
        }
        default:
                return -EINVAL;
        }
        if (q < 0)
                return log_error_errno(q, "Route mode: failed to build the request to %s: %m", what);
        q = xfrmi_send(r->sk, m, &extack);
        /* Gone already (a link that went down takes its routes along). */
        if (del && (q == -ESRCH || q == -ENOENT || q == -ENODEV || q == -EADDRNOTAVAIL))
                return 0;
        if (q == -EEXIST && op->kind == ROUTE_OP_LINK_NEW)
                return log_error_errno(q, "Route mode: cannot %s: an interface of that name exists and is not "
                                       "gatewayd's (another kind or if_id); remove or rename it",
                                       what);
        if (q < 0)
                return log_error_errno(q, "Route mode: failed to %s%s%s: %m", what, extack ? ": kernel says: " : "",
                                       extack ? extack : "");
        log_info("Route mode: %s", what);
        if (op->kind == ROUTE_OP_LINK_NEW)
                set_rp_filter_loose(op->ifname);
        return 0;
}

static bool has_route_tunnels(const Config *c) {
        for (size_t i = 0; i < c->n_tunnels; i++)
                if (wanted(c, c->tunnels[i]))
                        return true;
        return false;
}

int routes_sync(Routes *r, const Config *c, const GatewayStatus *s, bool force) {
        _cleanup_free_ RouteLinkState *state = NULL;
        int ret = 0;

        if (!has_route_tunnels(c) && !r->maybe_links)
                return 0;
        state = calloc(c->n_tunnels ? c->n_tunnels : 1, sizeof(RouteLinkState));
        if (!state)
                return log_oom();
        for (size_t i = 0; i < c->n_tunnels; i++)
                state[i] = route_link_state(s, c->tunnels[i]);
        /* Health changes come in bursts (1,000 tunnels): only a change of
         * what route mode wants costs a dump. */
        if (!force && c == r->last_config && r->n_last == c->n_tunnels &&
            memcmp(state, r->last_state, c->n_tunnels * sizeof(RouteLinkState)) == 0)
                return 0;

        for (unsigned round = 0; round < 3; round++) {
                _cleanup_(xfrmi_state_clear) XfrmiState have = {};
                _cleanup_(route_plan_clear) RoutePlan plan = {};
                bool created = false;
                int q;

                q = xfrmi_dump(r->sk, &have);
                if (q < 0)
                        return log_error_errno(q, "Route mode: failed to read the kernel's interfaces and routes: %m");
                q = route_plan(c, state, &have, &plan);
                if (q < 0)
                        return log_oom();
                r->maybe_links = have.n_links > 0;
                for (size_t i = 0; i < plan.n; i++) {
                        q = exec_op(r, &plan.ops[i], &have);
                        if (q < 0 && ret == 0)
                                ret = q;
                        if (q >= 0 && plan.ops[i].kind == ROUTE_OP_LINK_NEW)
                                created = true;
                }
                if (!created)
                        break;
        }
        free(r->last_state);
        r->last_state = TAKE_PTR(state);
        r->n_last = c->n_tunnels;
        r->last_config = c;
        r->maybe_links = r->maybe_links || has_route_tunnels(c);
        return ret;
}
