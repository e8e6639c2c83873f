/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rules between the keys of one [Tunnel] file: what each authentication
 * method needs and forbids, address families, and how the prefixes relate to
 * each other and to the peer. Across files is finish.c's business. */
#include <sys/socket.h>

#include "conf-internal.h"

static bool has_key(const ConfParser *p, TunnelKey k) {
        return p->key_line[k] > 0;
}
static bool key_ok(const ConfParser *p, TunnelKey k) {
        return p->key_ok[k];
}

/* Reports every key of the other authentication method. */
static int check_foreign_keys(ConfParser *p, const TunnelKey *keys, size_t n, const char *method) {
        int r;

        for (size_t i = 0; i < n; i++) {
                if (!has_key(p, keys[i]))
                        continue;
                r = conf_error(p, p->key_line[keys[i]], "%s is not used with Authentication=%s; remove it%s",
                               tunnel_key_to_string(keys[i]), method,
                               streq(method, "psk") ? " or set Authentication=certificate" : "");
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_required_for(ConfParser *p, const TunnelKey *keys, size_t n, const char *method) {
        int r;

        for (size_t i = 0; i < n; i++) {
                if (has_key(p, keys[i]))
                        continue;
                r = conf_error(p, p->section_line, "missing required key '%s' in [Tunnel] for Authentication=%s; add %s=VALUE",
                               tunnel_key_to_string(keys[i]), method, tunnel_key_to_string(keys[i]));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_auth(ConfParser *p, Tunnel *t) {
        static const TunnelKey psk_keys[] = { TUNNEL_PRE_SHARED_KEY_FILE };
        static const TunnelKey cert_keys[] = { TUNNEL_CERTIFICATE, TUNNEL_PRIVATE_KEY, TUNNEL_CA_CERTIFICATE };
        static const TunnelKey cert_required[] = { TUNNEL_CERTIFICATE, TUNNEL_PRIVATE_KEY, TUNNEL_CA_CERTIFICATE,
                                                   TUNNEL_REMOTE_ID };
        int r;

        /* A bad Authentication= value was reported; guessing would only add
         * noise. */
        if (has_key(p, TUNNEL_AUTHENTICATION) && !key_ok(p, TUNNEL_AUTHENTICATION))
                return 0;
        if (t->auth == AUTH_PSK) {
                r = check_required_for(p, psk_keys, ELEMENTSOF(psk_keys), "psk");
                if (r < 0)
                        return r;
                return check_foreign_keys(p, cert_keys, ELEMENTSOF(cert_keys), "psk");
        }
        r = check_required_for(p, cert_required, ELEMENTSOF(cert_required), "certificate");
        if (r < 0)
                return r;
        return check_foreign_keys(p, psk_keys, ELEMENTSOF(psk_keys), "certificate");
}

static const char *family_name(int family) {
        return family == AF_INET6 ? "IPv6" : "IPv4";
}

static const Prefix *first_of_family(const PrefixList *l, int family) {
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].addr.family == family)
                        return &l->items[i];
        return NULL;
}

static int check_prefixes(ConfParser *p, Tunnel *t) {
        static const int families[] = { AF_INET, AF_INET6 };
        unsigned ll = t->line[TUNNEL_LOCAL_PREFIXES], rl = t->line[TUNNEL_REMOTE_PREFIXES];
        char buf[PREFIX_STRLEN], buf2[PREFIX_STRLEN];
        int r;

        if (rl > 0)
                for (size_t i = 0; i < t->remote_prefixes.n; i++) {
                        const Prefix *rp = &t->remote_prefixes.items[i];

                        /* The shield covers RemotePrefixes: a default route
                         * there would block everything, the device's own
                         * traffic included. */
                        if (prefix_is_default(rp)) {
                                r = conf_error(p, rl, "RemotePrefixes: '%s' is a default route; list the VNet's "
                                               "address space (forced tunnelling is LocalPrefixes=%s)",
                                               prefix_to_string(rp, buf),
                                               rp->addr.family == AF_INET6 ? "::/0" : "0.0.0.0/0");
                                if (r < 0)
                                        return r;
                        }
                }
        /* A refused default route leaves the list: a broken tunnel is still
         * shielded for what parsed (failure isolation), and this one would
         * cut the device off. */
        {
                size_t w = 0;

                for (size_t i = 0; i < t->remote_prefixes.n; i++)
                        if (!prefix_is_default(&t->remote_prefixes.items[i]))
                                t->remote_prefixes.items[w++] = t->remote_prefixes.items[i];
                t->remote_prefixes.n = w;
        }

        if (rl > 0 && key_ok(p, TUNNEL_REMOTE_ADDRESS)) {
                Prefix host = { .addr = t->remote_address, .len = address_bits(t->remote_address.family) };

                for (size_t i = 0; i < t->remote_prefixes.n; i++) {
                        const Prefix *rp = &t->remote_prefixes.items[i];

                        if (prefix_is_default(rp) || !prefix_contains(rp, &host))
                                continue;
                        r = conf_error(p, t->line[TUNNEL_REMOTE_ADDRESS],
                                       "RemoteAddress '%s' lies inside RemotePrefixes '%s' (line %u); the peer's "
                                       "public address must be outside the VNet's address space",
                                       address_to_string(&t->remote_address, buf), prefix_to_string(rp, buf2), rl);
                        if (r < 0)
                                return r;
                }
        }

        if (ll == 0 || rl == 0)
                return 0;

        /* Every family that goes through the tunnel needs selectors on both
         * sides. */
        for (size_t f = 0; f < ELEMENTSOF(families); f++) {
                const Prefix *rp = first_of_family(&t->remote_prefixes, families[f]);
                const Prefix *lp = first_of_family(&t->local_prefixes, families[f]);

                if (rp && !lp)
                        r = conf_error(p, ll, "RemotePrefixes has %s (%s) but LocalPrefixes has no %s prefix; add "
                                       "the on-premises %s range",
                                       family_name(families[f]), prefix_to_string(rp, buf),
                                       family_name(families[f]), family_name(families[f]));
                else if (lp && !rp)
                        r = conf_error(p, rl, "LocalPrefixes has %s (%s) but RemotePrefixes has no %s prefix; add "
                                       "the VNet's %s range or remove the %s on-premises range",
                                       family_name(families[f]), prefix_to_string(lp, buf),
                                       family_name(families[f]), family_name(families[f]),
                                       family_name(families[f]));
                else
                        r = 0;
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < t->local_prefixes.n; i++) {
                const Prefix *lp = &t->local_prefixes.items[i];

                /* 0.0.0.0/0 or ::/0 on the local side is Azure forced
                 * tunnelling: the VNet sends its Internet traffic here. */
                if (prefix_is_default(lp))
                        continue;
                for (size_t j = 0; j < t->remote_prefixes.n; j++) {
                        const Prefix *rp = &t->remote_prefixes.items[j];

                        if (!prefix_overlaps(lp, rp))
                                continue;
                        r = conf_error(p, ll, "LocalPrefixes: '%s' overlaps RemotePrefixes '%s' (line %u); "
                                       "on-premises and VNet ranges must be disjoint",
                                       prefix_to_string(lp, buf), prefix_to_string(rp, buf2), rl);
                        if (r < 0)
                                return r;
                        break;
                }
        }
        return 0;
}

int conf_verify_tunnel(ConfParser *p, Tunnel *t) {
        char buf[PREFIX_STRLEN], buf2[PREFIX_STRLEN];
        int r;

        if (key_ok(p, TUNNEL_LOCAL_ADDRESS) && key_ok(p, TUNNEL_REMOTE_ADDRESS) &&
            t->local_address.family != t->remote_address.family) {
                r = conf_error(p, t->line[TUNNEL_LOCAL_ADDRESS],
                               "LocalAddress: '%s' is %s but RemoteAddress '%s' is %s; use addresses of one family",
                               address_to_string(&t->local_address, buf), family_name(t->local_address.family),
                               address_to_string(&t->remote_address, buf2), family_name(t->remote_address.family));
                if (r < 0)
                        return r;
        }
        r = check_auth(p, t);
        if (r < 0)
                return r;
        return check_prefixes(p, t);
}

