/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Route-based tunnels and BGP (DESIGN.md, "Route-based mode and BGP"): the
 * rules of Mode= and the Bgp* keys inside one [Tunnel] file
 * (conf_verify_route) and across the tree (conf_check_routes). */
#include <sys/socket.h>

#include "conf-internal.h"

/* Azure's APIPA BGP range: 169.254.21.0 - 169.254.22.255. */
static bool in_azure_apipa(const Address *a) {
        static const uint8_t lo[4] = { 169, 254, 21, 0 }, hi[4] = { 169, 254, 22, 255 };

        return a->family == AF_INET && memcmp(a->bytes, lo, 4) >= 0 && memcmp(a->bytes, hi, 4) <= 0;
}

static bool link_local_v4(const Address *a) {
        return a->family == AF_INET && a->bytes[0] == 169 && a->bytes[1] == 254;
}

static bool in_prefixes(const PrefixList *l, const Address *a, const Prefix **ret) {
        Prefix host = { .addr = *a, .len = address_bits(a->family) };

        for (size_t i = 0; i < l->n; i++)
                if (!prefix_is_default(&l->items[i]) && prefix_contains(&l->items[i], &host)) {
                        *ret = &l->items[i];
                        return true;
                }
        return false;
}

static const TunnelKey bgp_keys[] = { TUNNEL_BGP_PEER_ADDRESS, TUNNEL_BGP_PEER_ASN, TUNNEL_BGP_LOCAL_ADDRESS };

/* One BGP address of the tunnel against Azure's APIPA rule and the
 * tunnel's own prefixes. */
static int check_bgp_address(ConfParser *p, Tunnel *t, TunnelKey k) {
        const Address *a = k == TUNNEL_BGP_PEER_ADDRESS ? &t->bgp_peer_address : &t->bgp_local_address;
        const PrefixList *l = k == TUNNEL_BGP_PEER_ADDRESS ? &t->local_prefixes : &t->remote_prefixes;
        TunnelKey side = k == TUNNEL_BGP_PEER_ADDRESS ? TUNNEL_LOCAL_PREFIXES : TUNNEL_REMOTE_PREFIXES;
        char buf[PREFIX_STRLEN], buf2[PREFIX_STRLEN];
        const Prefix *hit;

        if (link_local_v4(a) && !in_azure_apipa(a))
                return conf_error(p, t->line[k],
                                  "%s: '%s' is a link-local (APIPA) address outside Azure's BGP range; use an "
                                  "address in 169.254.21.0-169.254.22.255",
                                  tunnel_key_to_string(k), address_to_string(a, buf));
        /* The peer's address on this side, or ours on the VNet's, would be
         * routed the wrong way (and the shield covers RemotePrefixes). */
        if (in_prefixes(l, a, &hit))
                return conf_error(p, t->line[k], "%s: '%s' lies inside %s '%s' (line %u); %s",
                                  tunnel_key_to_string(k), address_to_string(a, buf), tunnel_key_to_string(side),
                                  prefix_to_string(hit, buf2), t->line[side],
                                  k == TUNNEL_BGP_PEER_ADDRESS
                                          ? "the Azure gateway's BGP address is on the VNet side or APIPA"
                                          : "this device's BGP address must not be a VNet address");
        return 0;
}

int conf_verify_route(ConfParser *p, Tunnel *t) {
        char buf[PREFIX_STRLEN], buf2[PREFIX_STRLEN];
        size_t n_present = 0;
        unsigned first = 0;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(bgp_keys); i++)
                if (p->key_line[bgp_keys[i]] > 0) {
                        n_present++;
                        if (first == 0)
                                first = p->key_line[bgp_keys[i]];
                }
        if (n_present == 0)
                return 0;

        /* BGP runs over the tunnel's own interface: policy mode has none. A
         * bad Mode= value was reported already. */
        if (t->mode != TUNNEL_MODE_ROUTE && (p->key_line[TUNNEL_MODE] == 0 || p->key_ok[TUNNEL_MODE]))
                for (size_t i = 0; i < ELEMENTSOF(bgp_keys); i++) {
                        if (p->key_line[bgp_keys[i]] == 0)
                                continue;
                        r = conf_error(p, p->key_line[bgp_keys[i]],
                                       "%s needs Mode=route (BGP runs over the tunnel's XFRM interface); add "
                                       "Mode=route or remove the line",
                                       tunnel_key_to_string(bgp_keys[i]));
                        if (r < 0)
                                return r;
                }

        /* All three or none. */
        for (size_t i = 0; i < ELEMENTSOF(bgp_keys); i++) {
                static const char *const example[] = {
                        [TUNNEL_BGP_PEER_ADDRESS - TUNNEL_BGP_PEER_ADDRESS] = "the Azure gateway's BGP IP, e.g. 169.254.21.1",
                        [TUNNEL_BGP_PEER_ASN - TUNNEL_BGP_PEER_ADDRESS] = "Azure's ASN, 65515 unless changed",
                        [TUNNEL_BGP_LOCAL_ADDRESS - TUNNEL_BGP_PEER_ADDRESS] = "this device's BGP address, e.g. 169.254.21.2",
                };

                if (p->key_line[bgp_keys[i]] > 0)
                        continue;
                r = conf_error(p, p->section_line,
                               "missing key '%s' in [Tunnel] for BGP (Bgp* keys from line %u); add %s=VALUE (%s)",
                               tunnel_key_to_string(bgp_keys[i]), first, tunnel_key_to_string(bgp_keys[i]),
                               example[bgp_keys[i] - TUNNEL_BGP_PEER_ADDRESS]);
                if (r < 0)
                        return r;
        }

        if (p->key_ok[TUNNEL_BGP_PEER_ADDRESS] && p->key_ok[TUNNEL_BGP_LOCAL_ADDRESS]) {
                const Address *pa = &t->bgp_peer_address, *la = &t->bgp_local_address;
                unsigned ll = t->line[TUNNEL_BGP_LOCAL_ADDRESS], pl = t->line[TUNNEL_BGP_PEER_ADDRESS];

                if (pa->family != la->family)
                        return conf_error(p, ll, "BgpLocalAddress: '%s' and BgpPeerAddress '%s' (line %u) are of "
                                          "different families; use addresses of one family",
                                          address_to_string(la, buf), address_to_string(pa, buf2), pl);
                if (memcmp(pa, la, sizeof(Address)) == 0) {
                        r = conf_error(p, ll, "BgpLocalAddress: '%s' is also BgpPeerAddress (line %u); give this "
                                       "device's own address for the session",
                                       address_to_string(la, buf), pl);
                        if (r < 0)
                                return r;
                }
                if (link_local_v4(pa) != link_local_v4(la)) {
                        bool peer_apipa = link_local_v4(pa);

                        r = conf_error(p, peer_apipa ? ll : pl,
                                       "%s: '%s' is not an APIPA address but %s '%s' (line %u) is; Azure pairs an "
                                       "APIPA BGP address with an APIPA one: use 169.254.21.0-169.254.22.255 on both "
                                       "sides, or on neither",
                                       peer_apipa ? "BgpLocalAddress" : "BgpPeerAddress",
                                       address_to_string(peer_apipa ? la : pa, buf),
                                       peer_apipa ? "BgpPeerAddress" : "BgpLocalAddress",
                                       address_to_string(peer_apipa ? pa : la, buf2), peer_apipa ? pl : ll);
                        if (r < 0)
                                return r;
                }
        }
        if (p->key_ok[TUNNEL_BGP_PEER_ADDRESS]) {
                r = check_bgp_address(p, t, TUNNEL_BGP_PEER_ADDRESS);
                if (r < 0)
                        return r;
        }
        if (p->key_ok[TUNNEL_BGP_LOCAL_ADDRESS]) {
                r = check_bgp_address(p, t, TUNNEL_BGP_LOCAL_ADDRESS);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- across tunnels ---------------------------------------------------- */

typedef struct RouteKey {
        const Tunnel *t;
        uint8_t key[20];
} RouteKey;

static int route_key_cmp(const void *a, const void *b) {
        const RouteKey *x = a, *y = b;
        int r = memcmp(x->key, y->key, sizeof(x->key));

        return r != 0 ? r : strcmp(x->t->name, y->t->name);
}

typedef enum RouteKeyKind {
        ROUTE_KEY_IFNAME,
        ROUTE_KEY_IF_ID,
        ROUTE_KEY_BGP_PEER,
        _ROUTE_KEY_MAX,
} RouteKeyKind;

static bool bgp_address_key(const Tunnel *t, TunnelKey key, RouteKey *k) {
        const Address *a = key == TUNNEL_BGP_PEER_ADDRESS ? &t->bgp_peer_address : &t->bgp_local_address;

        if (!t->has_bgp || t->line[key] == 0)
                return false;
        k->key[0] = (uint8_t) a->family;
        memcpy(k->key + 1, a->bytes, 16);
        return true;
}

/* Fills k for t, or returns false when t has no such key. */
static bool route_key(const Tunnel *t, RouteKeyKind kind, RouteKey *k) {
        char buf[TUNNEL_IFNAME_MAX + 1];
        uint32_t id;

        *k = (RouteKey) { .t = t };
        if (t->mode != TUNNEL_MODE_ROUTE || t->stub)
                return false;
        switch (kind) {
        case ROUTE_KEY_IFNAME:
                /* Named first, measured after: in one call the order of
                 * the arguments' evaluation is unspecified (strlen of an
                 * unwritten buffer made "a" and "aa0" clash in CI). */
                (void) tunnel_ifname(t->name, buf);
                memcpy(k->key, buf, strlen(buf));
                return true;
        case ROUTE_KEY_IF_ID:
                id = tunnel_if_id(t->name);
                memcpy(k->key, &id, sizeof(id));
                return true;
        case ROUTE_KEY_BGP_PEER:
                return bgp_address_key(t, TUNNEL_BGP_PEER_ADDRESS, k);
        default:
                return false;
        }
}

static int report_clash(const RouteKey *a, const RouteKey *b, RouteKeyKind kind, DiagList *d) {
        char buf[TUNNEL_IFNAME_MAX + 1], abuf[PREFIX_STRLEN];

        switch (kind) {
        case ROUTE_KEY_IFNAME:
                return diag_error(d, b->t->path, tunnel_line(b->t, TUNNEL_MODE),
                                  "Mode=route: the interface name '%s' is also that of tunnel '%s' (%s); rename one "
                                  "of the tunnels (names of more than 12 characters are shortened)",
                                  tunnel_ifname(b->t->name, buf), a->t->name, a->t->path);
        case ROUTE_KEY_IF_ID:
                return diag_error(d, b->t->path, tunnel_line(b->t, TUNNEL_MODE),
                                  "Mode=route: the XFRM interface id 0x%08x (a hash of the name) is also that of "
                                  "tunnel '%s' (%s); rename one of the tunnels",
                                  tunnel_if_id(b->t->name), a->t->name, a->t->path);
        default:
                return diag_error(d, b->t->path, tunnel_line(b->t, TUNNEL_BGP_PEER_ADDRESS),
                                  "BgpPeerAddress '%s' is also that of tunnel '%s' (%s:%u); each BGP peer is "
                                  "reached through one tunnel",
                                  address_to_string(&b->t->bgp_peer_address, abuf), a->t->name, a->t->path,
                                  tunnel_line(a->t, TUNNEL_BGP_PEER_ADDRESS));
        }
}

/* Route tunnels must differ in interface name and id and BGP peer address
 * (FRR knows a neighbor by it): sorted, a clash is two neighbours. The local
 * BGP address may be shared: Azure's active-active gateway with one
 * on-premises device peers both instances with the local network gateway's
 * one BGP address (each tunnel's interface carries it, with its own
 * peer). */
static int check_unique(Config *c, DiagList *d) {
        _cleanup_free_ RouteKey *v = NULL;
        int r;

        v = reallocarray(NULL, c->n_tunnels ? c->n_tunnels : 1, sizeof(RouteKey));
        if (!v)
                return -ENOMEM;
        for (RouteKeyKind kind = 0; kind < _ROUTE_KEY_MAX; kind++) {
                size_t n = 0;

                for (size_t i = 0; i < c->n_tunnels; i++)
                        if (route_key(c->tunnels[i], kind, &v[n]))
                                n++;
                if (n < 2)
                        continue;
                qsort(v, n, sizeof(RouteKey), route_key_cmp);
                for (size_t i = 1; i < n; i++) {
                        if (memcmp(v[i - 1].key, v[i].key, sizeof(v[i].key)) != 0)
                                continue;
                        r = report_clash(&v[i - 1], &v[i], kind, d);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int conf_check_routes(Config *c, DiagList *d) {
        const Gateway *g = &c->gateway;
        int r;

        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];

                if (t->stub)
                        continue;
                if (t->mode == TUNNEL_MODE_ROUTE && g->data_plane != DATA_PLANE_KERNEL) {
                        r = diag_error(d, t->path, tunnel_line(t, TUNNEL_MODE),
                                       "Mode=route needs DataPlane=kernel in gatewayd.conf (XFRM interfaces; charon's "
                                       "kernel-libipsec has none); set DataPlane=kernel or use Mode=policy");
                        if (r < 0)
                                return r;
                }
                if (!t->has_bgp || t->line[TUNNEL_BGP_PEER_ASN] == 0)
                        continue;
                if (g->bgp_asn == 0)
                        r = diag_error(d, t->path, tunnel_line(t, TUNNEL_BGP_PEER_ASN),
                                       "BgpPeerAsn: BGP needs this device's ASN; add BgpAsn=ASN to [Gateway] in "
                                       "gatewayd.conf (a private ASN such as 65010 unless you have one)");
                else if (g->bgp_asn == t->bgp_peer_asn)
                        r = diag_error(d, t->path, tunnel_line(t, TUNNEL_BGP_PEER_ASN),
                                       "BgpPeerAsn: %u is this device's own BgpAsn (%s:%u); Azure speaks eBGP only: "
                                       "give the peer's ASN (Azure: 65515 unless changed) or change BgpAsn",
                                       t->bgp_peer_asn, g->path, g->bgp_asn_line);
                else
                        r = 0;
                if (r < 0)
                        return r;
        }
        return check_unique(c, d);
}
