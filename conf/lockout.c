/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* No lock-out, no gaps (DESIGN.md, "Moving parts"): the shield drops
 * everything toward the RemotePrefixes of a FailClosed tunnel, so across the
 * whole tree a RemotePrefix must never cover an address of this device
 * (LocalAddress), a peer (RemoteAddress: IKE would be blocked) or an
 * on-premises network (LocalPrefixes), whichever tunnel names it; and the
 * shield must fit what gatewayd can keep in the kernel. A tunnel's own
 * RemoteAddress and LocalPrefixes are verify.c's (one file, one message);
 * this file adds the rest.
 *
 * Cost: the RemotePrefixes go into one sorted array once; each protected
 * address or prefix then costs one binary search per distinct RemotePrefixes
 * length (the ones that could contain it) and one range walk (the ones it
 * contains), so 10,000 tunnels stay cheap. */
#include <limits.h>
#include <sys/socket.h>

#include "conf-internal.h"

typedef struct Shielded {
        Tunnel *t;
        size_t j;       /* t->remote_prefixes.items[j] */
        Prefix p;       /* masked */
        bool refused;   /* it covers what must never be shielded */
} Shielded;

typedef enum Guarded {
        GUARDED_LOCAL_ADDRESS,
        GUARDED_REMOTE_ADDRESS,
        GUARDED_LOCAL_PREFIX,
} Guarded;

static int family_index(int family) {
        return family == AF_INET6 ? 1 : 0;
}

static int prefix_order(const Prefix *a, const Prefix *b) {
        int r;

        if (a->addr.family != b->addr.family)
                return a->addr.family < b->addr.family ? -1 : 1;
        r = memcmp(a->addr.bytes, b->addr.bytes, sizeof(a->addr.bytes));
        if (r != 0)
                return r < 0 ? -1 : 1;
        return a->len < b->len ? -1 : a->len > b->len;
}

static int shielded_cmp(const void *a, const void *b) {
        const Shielded *x = a, *y = b;
        int r = prefix_order(&x->p, &y->p);

        return r != 0 ? r : strcmp(x->t->name, y->t->name);
}

static int report(const Shielded *s, Guarded kind, const Tunnel *u, const Prefix *what, DiagList *d) {
        char rp[PREFIX_STRLEN], w[PREFIX_STRLEN], where[PATH_MAX + 96];
        const Tunnel *t = s->t;
        unsigned line = tunnel_line(u, kind == GUARDED_LOCAL_ADDRESS   ? TUNNEL_LOCAL_ADDRESS
                                       : kind == GUARDED_REMOTE_ADDRESS ? TUNNEL_REMOTE_ADDRESS
                                                                        : TUNNEL_LOCAL_PREFIXES);

        prefix_to_string(&s->p, rp);
        if (kind == GUARDED_LOCAL_PREFIX)
                prefix_to_string(what, w);
        else
                address_to_string(&what->addr, w);
        if (u == t)
                snprintf(where, sizeof(where), "(line %u)", line);
        else
                snprintf(where, sizeof(where), "of tunnel '%s' (%s:%u)", u->name, u->path, line);

        switch (kind) {
        case GUARDED_LOCAL_ADDRESS:
                return diag_error(d, t->path, tunnel_line(t, TUNNEL_REMOTE_PREFIXES),
                                  "RemotePrefixes: '%s' covers LocalAddress '%s' %s, an address of this device: the "
                                  "shield would cut the device off; remove that range from RemotePrefixes or correct "
                                  "LocalAddress",
                                  rp, w, where);
        case GUARDED_REMOTE_ADDRESS:
                return diag_error(d, t->path, tunnel_line(t, TUNNEL_REMOTE_PREFIXES),
                                  "RemotePrefixes: '%s' covers RemoteAddress '%s' %s: the shield would block IKE "
                                  "with that peer; remove that range from RemotePrefixes",
                                  rp, w, where);
        default:
                return diag_error(d, t->path, tunnel_line(t, TUNNEL_REMOTE_PREFIXES),
                                  "RemotePrefixes: '%s' overlaps LocalPrefixes '%s' %s: the shield would drop that "
                                  "on-premises traffic; on-premises and VNet ranges must be disjoint",
                                  rp, w, where);
        }
}

typedef struct Index {
        Shielded *v;
        size_t n;
        bool has_len[2][129];   /* [family][len]: some RemotePrefix has it */
} Index;

/* One protected address or prefix, with every tunnel that names it (a
 * LocalAddress or LocalPrefixes that all tunnels share is one item, not one
 * diagnostic per tunnel). */
typedef struct GuardedItem {
        Guarded kind;
        const Tunnel *u;
        Prefix p;
} GuardedItem;

static int guarded_cmp(const void *a, const void *b) {
        const GuardedItem *x = a, *y = b;
        int r;

        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        r = prefix_order(&x->p, &y->p);
        return r != 0 ? r : strcmp(x->u->name, y->u->name);
}

/* A RemotePrefix s covers the group g[0..n) (one value, its tunnels). A
 * tunnel's own RemoteAddress and LocalPrefixes are verify.c's to report;
 * otherwise once, in the words of s's own tunnel when it names the value,
 * else of the first tunnel that does. */
static int report_group(Shielded *s, const GuardedItem *g, size_t n, DiagList *d) {
        /* Refused whoever reports it: it leaves the model (below), so that
         * the shield of a broken tunnel (failure isolation) never holds it. */
        s->refused = true;
        for (size_t i = 0; i < n; i++)
                if (g[i].u == s->t)
                        return g[0].kind == GUARDED_LOCAL_ADDRESS ? report(s, g[0].kind, s->t, &g[0].p, d) : 0;
        return report(s, g[0].kind, g[0].u, &g[0].p, d);
}

/* Every RemotePrefix of ix that contains the group's value or that the
 * value contains. */
static int check_group(Index *ix, const GuardedItem *g, size_t n_g, DiagList *d) {
        int f = family_index(g[0].p.addr.family);
        Prefix key = prefix_masked(&g[0].p);
        size_t lo = 0, hi = ix->n;
        int r;

        /* Those that contain it (or equal it): the value masked to each
         * length some RemotePrefix has. */
        for (unsigned len = 0; len <= key.len; len++) {
                Prefix k = { .addr = key.addr, .len = len };
                size_t a = 0, b = ix->n;

                if (!ix->has_len[f][len])
                        continue;
                k = prefix_masked(&k);
                /* The first entry with this prefix (any tunnel). */
                while (a < b) {
                        size_t m = a + (b - a) / 2;

                        if (prefix_order(&ix->v[m].p, &k) < 0)
                                a = m + 1;
                        else
                                b = m;
                }
                for (; a < ix->n && prefix_order(&ix->v[a].p, &k) == 0; a++) {
                        r = report_group(&ix->v[a], g, n_g, d);
                        if (r < 0)
                                return r;
                }
        }
        /* Those inside it and longer: from its first address on, while
         * inside. */
        while (lo < hi) {
                size_t m = lo + (hi - lo) / 2;

                if (prefix_order(&ix->v[m].p, &key) < 0)
                        lo = m + 1;
                else
                        hi = m;
        }
        for (; lo < ix->n; lo++) {
                Shielded *s = &ix->v[lo];
                Prefix first = { .addr = s->p.addr, .len = address_bits(s->p.addr.family) };

                if (s->p.addr.family != key.addr.family || !prefix_contains(&key, &first))
                        break;
                if (s->p.len <= key.len)
                        continue;
                r = report_group(s, g, n_g, d);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool usable(const Prefix *p) {
        return p->addr.family == AF_INET || p->addr.family == AF_INET6;
}

/* XFRM policies the shield needs per direction (see xfrm/shield.h): with
 * the kernel data plane one per prefix in each of out, in and fwd; with the
 * userspace data plane a block and an allow (out) per IPv4 prefix, none for
 * IPv6 (nftables). */
static int check_size(const Config *c, DiagList *d) {
        size_t n = 0;

        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];
                size_t here = 0;

                if (!t->fail_closed)
                        continue;
                for (size_t j = 0; j < t->remote_prefixes.n; j++) {
                        int family = t->remote_prefixes.items[j].addr.family;

                        if (c->gateway.data_plane == DATA_PLANE_USERSPACE)
                                here += family == AF_INET ? 2 : 0;
                        else
                                here++;
                }
                n += here;
                if (here > 0 && n > CONF_SHIELD_POLICIES_MAX)
                        /* At the tunnel that crosses the line; once. */
                        return diag_error(d, t->path, tunnel_line(t, TUNNEL_REMOTE_PREFIXES),
                                          "RemotePrefixes: with this tunnel the shield needs more than %u XFRM "
                                          "policies per direction, more than gatewayd keeps in the kernel; merge "
                                          "adjacent VNet ranges into fewer prefixes, set FailClosed=no on tunnels "
                                          "that do not need the shield, or spread the tunnels over more devices",
                                          (unsigned) CONF_SHIELD_POLICIES_MAX);
        }
        return 0;
}

/* Takes every refused RemotePrefix out of its tunnel's list: marks them
 * with family 0, then compacts each list touched. */
static void drop_refused(Shielded *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (v[i].refused)
                        v[i].t->remote_prefixes.items[v[i].j].addr.family = 0;
        for (size_t i = 0; i < n; i++) {
                PrefixList *l = &v[i].t->remote_prefixes;
                size_t w = 0;

                if (!v[i].refused)
                        continue;
                for (size_t k = 0; k < l->n; k++)
                        if (l->items[k].addr.family != 0)
                                l->items[w++] = l->items[k];
                l->n = w;
        }
}

int conf_check_lockout(Config *c, DiagList *d) {
        _cleanup_free_ Shielded *v = NULL;
        _cleanup_free_ GuardedItem *g = NULL;
        Index ix = {};
        size_t n = 0, n_g = 0;
        int r;

        for (size_t i = 0; i < c->n_tunnels; i++)
                if (c->tunnels[i]->fail_closed)
                        n += c->tunnels[i]->remote_prefixes.n;
        if (n > 0) {
                v = reallocarray(NULL, n, sizeof(Shielded));
                if (!v)
                        return -ENOMEM;
        }
        n = 0;
        for (size_t i = 0; i < c->n_tunnels; i++) {
                Tunnel *t = c->tunnels[i];

                if (!t->fail_closed)
                        continue;
                for (size_t j = 0; j < t->remote_prefixes.n; j++) {
                        const Prefix *p = &t->remote_prefixes.items[j];

                        /* A default route is refused on its own (verify.c). */
                        if ((p->addr.family != AF_INET && p->addr.family != AF_INET6) || prefix_is_default(p))
                                continue;
                        v[n] = (Shielded) { .t = t, .j = j, .p = prefix_masked(p) };
                        ix.has_len[family_index(p->addr.family)][v[n].p.len] = true;
                        n++;
                }
        }
        if (n > 1)
                qsort(v, n, sizeof(Shielded), shielded_cmp);
        ix.v = v;
        ix.n = n;

        if (n == 0)
                return check_size(c, d);

        /* What the shield must never cover, grouped by value. */
        for (size_t i = 0; i < c->n_tunnels; i++)
                n_g += 2 + c->tunnels[i]->local_prefixes.n;
        g = reallocarray(NULL, n_g, sizeof(GuardedItem));
        if (!g)
                return -ENOMEM;
        n_g = 0;
        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *u = c->tunnels[i];
                Prefix la = { .addr = u->local_address, .len = address_bits(u->local_address.family) };
                Prefix ra = { .addr = u->remote_address, .len = address_bits(u->remote_address.family) };

                if (u->has_local_address && u->line[TUNNEL_LOCAL_ADDRESS] > 0 && usable(&la))
                        g[n_g++] = (GuardedItem) { GUARDED_LOCAL_ADDRESS, u, la };
                if (u->line[TUNNEL_REMOTE_ADDRESS] > 0 && usable(&ra))
                        g[n_g++] = (GuardedItem) { GUARDED_REMOTE_ADDRESS, u, ra };
                for (size_t j = 0; j < u->local_prefixes.n; j++) {
                        const Prefix *lp = &u->local_prefixes.items[j];

                        /* Forced tunnelling: the VNet sends its Internet
                         * traffic here; every VNet lies inside it. */
                        if (usable(lp) && !prefix_is_default(lp))
                                g[n_g++] = (GuardedItem) { GUARDED_LOCAL_PREFIX, u, prefix_masked(lp) };
                }
        }
        if (n_g > 1)
                qsort(g, n_g, sizeof(GuardedItem), guarded_cmp);
        for (size_t a = 0, b; a < n_g; a = b) {
                for (b = a + 1; b < n_g && g[b].kind == g[a].kind && prefix_order(&g[b].p, &g[a].p) == 0; b++)
                        ;
                r = check_group(&ix, g + a, b - a, d);
                if (r < 0)
                        return r;
        }
        drop_refused(v, n);
        return check_size(c, d);
}
