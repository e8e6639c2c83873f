/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <sys/socket.h>

#include "conf.h"
#include "shield.h"

/* conf refuses a tree whose shield needs more per direction than half of our
 * index space (the other half is for a reconcile's old policies). */
_Static_assert(2u * CONF_SHIELD_POLICIES_MAX <= SHIELD_INDEX_SLOT_MAX, "shield index space");

static const char *const shield_dir_table[_SHIELD_DIR_MAX] = {
        [SHIELD_DIR_IN] = "in",
        [SHIELD_DIR_OUT] = "out",
        [SHIELD_DIR_FWD] = "fwd",
};
DEFINE_STRING_TABLE(shield_dir, ShieldDir);

static const char *const shield_action_table[_SHIELD_ACTION_MAX] = {
        [SHIELD_ACTION_ALLOW] = "allow",
        [SHIELD_ACTION_BLOCK] = "block",
};
DEFINE_STRING_TABLE(shield_action, ShieldAction);

void shield_policy_set_clear(ShieldPolicySet *s) {
        if (!s)
                return;
        free(s->items);
        *s = (ShieldPolicySet) {};
}

int shield_policy_set_add(ShieldPolicySet *s, const ShieldPolicy *p) {
        if (s->n == s->n_allocated) {
                size_t m = s->n_allocated ? s->n_allocated * 2 : 16;
                ShieldPolicy *n;

                if (m > SIZE_MAX / sizeof(ShieldPolicy))
                        return -ENOMEM;
                n = realloc(s->items, m * sizeof(ShieldPolicy));
                if (!n)
                        return -ENOMEM;
                s->items = n;
                s->n_allocated = m;
        }
        s->items[s->n++] = *p;
        return 0;
}

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

static int prefix_compare(const Prefix *a, const Prefix *b) {
        int r = CMP(a->addr.family, b->addr.family);

        if (r != 0)
                return r;
        r = memcmp(a->addr.bytes, b->addr.bytes, sizeof(a->addr.bytes));
        if (r != 0)
                return r < 0 ? -1 : 1;
        return CMP(a->len, b->len);
}

int shield_policy_identity_compare(const ShieldPolicy *a, const ShieldPolicy *b) {
        int r;

        r = CMP(a->dir, b->dir);
        if (r != 0)
                return r;
        r = CMP(a->family, b->family);
        if (r != 0)
                return r;
        r = prefix_compare(&a->dst, &b->dst);
        if (r != 0)
                return r;
        r = prefix_compare(&a->src, &b->src);
        if (r != 0)
                return r;
        r = CMP(a->ifindex, b->ifindex);
        if (r != 0)
                return r;
        return CMP(a->sel_user, b->sel_user);
}

int shield_policy_compare(const ShieldPolicy *a, const ShieldPolicy *b) {
        int r = shield_policy_identity_compare(a, b);

        if (r != 0)
                return r;
        r = CMP(a->action, b->action);
        if (r != 0)
                return r;
        r = CMP(a->priority, b->priority);
        if (r != 0)
                return r;
        r = CMP(a->plain, b->plain);
        if (r != 0)
                return r;
        r = CMP(a->index, b->index);
        if (r != 0)
                return r;
        /* Last, so that de-duplication keeps a deterministic owner. */
        r = strcmp(a->tunnel, b->tunnel);
        return CMP(r, 0);
}

bool shield_policy_equivalent(const ShieldPolicy *a, const ShieldPolicy *b) {
        return shield_policy_identity_compare(a, b) == 0 && a->action == b->action &&
               a->priority == b->priority && a->plain == b->plain;
}

static int policy_cmp_qsort(const void *a, const void *b) {
        return shield_policy_compare(a, b);
}

static int policy_identity_cmp_bsearch(const void *key, const void *elem) {
        return shield_policy_identity_compare(key, elem);
}

void shield_policy_set_normalize(ShieldPolicySet *s) {
        size_t w = 0;

        if (s->n == 0)
                return;
        /* qsort is not stable: "the first stays" means the first in sort order,
         * which compares every field down to the tunnel name, so the result is
         * the same whatever order the input came in. */
        qsort(s->items, s->n, sizeof(ShieldPolicy), policy_cmp_qsort);
        for (size_t i = 1; i < s->n; i++)
                if (shield_policy_identity_compare(&s->items[w], &s->items[i]) != 0)
                        s->items[++w] = s->items[i];
        s->n = w + 1;
}

const ShieldPolicy *shield_policy_set_find(const ShieldPolicySet *s, const ShieldPolicy *key) {
        for (size_t i = 0; i < s->n; i++)
                if (shield_policy_identity_compare(&s->items[i], key) == 0)
                        return &s->items[i];
        return NULL;
}

uint32_t shield_priority(int family, unsigned len, ShieldAction action) {
        unsigned bits = address_bits(family);

        if (len > bits)
                len = bits;
        return SHIELD_PRIORITY_BASE + 2u * (bits - len) + (action == SHIELD_ACTION_BLOCK ? 1u : 0u);
}

bool shield_priority_in_band(uint32_t priority) {
        return priority >= SHIELD_PRIORITY_MIN && priority <= SHIELD_PRIORITY_MAX;
}

uint32_t shield_index(ShieldDir dir, uint32_t slot) {
        return SHIELD_INDEX_MAGIC << SHIELD_INDEX_MAGIC_SHIFT | (slot & SHIELD_INDEX_SLOT_MAX) << 3 |
               ((uint32_t) dir & 7u);
}

bool shield_index_is_ours(uint32_t index, ShieldDir dir) {
        uint32_t slot = (index >> 3) & SHIELD_INDEX_SLOT_MAX;

        return index >> SHIELD_INDEX_MAGIC_SHIFT == SHIELD_INDEX_MAGIC && slot != 0 &&
               (index & 7u) == (uint32_t) dir;
}

int shield_policy_validate(const ShieldPolicy *p) {
        if (p->dir < 0 || p->dir >= _SHIELD_DIR_MAX)
                return -EINVAL;
        if (p->action < 0 || p->action >= _SHIELD_ACTION_MAX)
                return -EINVAL;
        if (p->family != AF_INET && p->family != AF_INET6)
                return -EINVAL;
        if (p->src.addr.family != p->family || p->dst.addr.family != p->family)
                return -EINVAL;
        if (p->src.len > address_bits(p->family) || p->dst.len > address_bits(p->family))
                return -EINVAL;
        /* Never 0/0 -> 0/0: such a policy matches every packet. */
        if (p->src.len == 0 && p->dst.len == 0)
                return -EINVAL;
        if (p->ifindex < 0)
                return -EINVAL;
        return 0;
}

bool shield_policy_is_ours(const ShieldPolicy *p) {
        return p->plain && p->sel_user == SHIELD_SEL_USER && shield_priority_in_band(p->priority) &&
               shield_index_is_ours(p->index, p->dir);
}

static Prefix prefix_any(int family) {
        return (Prefix) { .addr.family = family, .len = 0 };
}

static int add_policy(ShieldPolicySet *s, const Tunnel *t, ShieldDir dir, const Prefix *src,
                      const Prefix *dst, int ifindex, ShieldAction action, unsigned remote_len) {
        ShieldPolicy p = {
                .dir = dir,
                .family = dst->addr.family,
                .src = *src,
                .dst = *dst,
                .ifindex = ifindex,
                .sel_user = SHIELD_SEL_USER,
                .action = action,
                .priority = shield_priority(dst->addr.family, remote_len, action),
                .plain = true,
        };

        snprintf(p.tunnel, sizeof(p.tunnel), "%s", t->name ?: "");
        return shield_policy_set_add(s, &p);
}

/* The end of every builder: duplicates merged, each policy given its index
 * (slots numbered per direction), and the set handed to ret (whose old
 * contents are freed). -E2BIG when a direction runs out of slots. */
static int shield_set_finish(ShieldPolicySet *s, ShieldPolicySet *ret) {
        uint32_t slots[_SHIELD_DIR_MAX] = {};

        shield_policy_set_normalize(s);
        for (size_t i = 0; i < s->n; i++) {
                ShieldPolicy *p = &s->items[i];

                if (slots[p->dir] >= SHIELD_INDEX_SLOT_MAX)
                        return -E2BIG;
                p->index = shield_index(p->dir, ++slots[p->dir]);
        }
        shield_policy_set_clear(ret);
        *ret = *s;
        *s = (ShieldPolicySet) {};
        return 0;
}

int shield_build(const Tunnel *const *tunnels, size_t n_tunnels, DataPlane data_plane,
                 int tun_ifindex, ShieldPolicySet *ret) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet s = {};
        int r;

        if (data_plane < 0 || data_plane >= _DATA_PLANE_MAX)
                return -EINVAL;

        for (size_t i = 0; i < n_tunnels; i++) {
                const Tunnel *t = tunnels[i];

                if (!t->fail_closed)
                        continue;
                for (size_t j = 0; j < t->remote_prefixes.n; j++) {
                        /* Host bits are cleared so that the kernel's selector
                         * (which masks them) and ours compare equal. */
                        Prefix rp = prefix_masked(&t->remote_prefixes.items[j]);
                        int family = rp.addr.family;
                        Prefix any = prefix_any(family);

                        if (family != AF_INET && family != AF_INET6)
                                return -EINVAL;
                        /* Never 0/0: that would drop everything, including
                         * IKE to the peer and management access. */
                        if (rp.len == 0 || rp.len > address_bits(family))
                                return -EINVAL;
                        /* Userspace data plane, IPv6: the kernel looks up
                         * XFRM policies for the gateway's own IPv6 packets
                         * with no output device (IPv4 sets it), so the allow
                         * via the TUN device never matches them and the block
                         * would shadow the working tunnel. nft.c drops by
                         * output device instead (postrouting). */
                        if (data_plane == DATA_PLANE_USERSPACE && family == AF_INET6)
                                continue;

                        r = add_policy(&s, t, SHIELD_DIR_OUT, &any, &rp, 0, SHIELD_ACTION_BLOCK, rp.len);
                        if (r < 0)
                                return r;

                        if (data_plane == DATA_PLANE_KERNEL) {
                                r = add_policy(&s, t, SHIELD_DIR_IN, &rp, &any, 0, SHIELD_ACTION_BLOCK, rp.len);
                                if (r < 0)
                                        return r;
                                r = add_policy(&s, t, SHIELD_DIR_FWD, &rp, &any, 0, SHIELD_ACTION_BLOCK, rp.len);
                                if (r < 0)
                                        return r;
                        } else if (tun_ifindex > 0) {
                                r = add_policy(&s, t, SHIELD_DIR_OUT, &any, &rp, tun_ifindex,
                                               SHIELD_ACTION_ALLOW, rp.len);
                                if (r < 0)
                                        return r;
                        }
                }
        }

        return shield_set_finish(&s, ret);
}

int shield_build_config(const Config *c, int tun_ifindex, ShieldPolicySet *ret) {
        return shield_build((const Tunnel *const *) c->tunnels, c->n_tunnels, c->gateway.data_plane,
                            tun_ifindex, ret);
}

void shield_diff_clear(ShieldDiff *d) {
        if (!d)
                return;
        shield_policy_set_clear(&d->add);
        shield_policy_set_clear(&d->update);
        shield_policy_set_clear(&d->del);
}

static int sorted_copy(const ShieldPolicySet *from, ShieldPolicySet *to) {
        for (size_t i = 0; i < from->n; i++) {
                int r = shield_policy_set_add(to, &from->items[i]);
                if (r < 0)
                        return r;
        }
        if (to->n > 0)
                qsort(to->items, to->n, sizeof(ShieldPolicy), policy_cmp_qsort);
        return 0;
}

static const ShieldPolicy *find_sorted(const ShieldPolicySet *s, const ShieldPolicy *key) {
        if (s->n == 0)
                return NULL;
        return bsearch(key, s->items, s->n, sizeof(ShieldPolicy), policy_identity_cmp_bsearch);
}

int shield_diff(const ShieldPolicySet *want, const ShieldPolicySet *have, ShieldDiff *ret) {
        _cleanup_(shield_diff_clear) ShieldDiff d = {};
        _cleanup_(shield_policy_set_clear) ShieldPolicySet h = {}, wa = {};
        int r;

        /* Sorted copies for O(log n) lookups: 1,000 tunnels are a few thousand
         * policies on each side. */
        r = sorted_copy(have, &h);
        if (r < 0)
                return r;
        r = sorted_copy(want, &wa);
        if (r < 0)
                return r;

        for (size_t i = 0; i < want->n; i++) {
                const ShieldPolicy *w = &want->items[i];
                const ShieldPolicy *o = find_sorted(&h, w);

                if (!o)
                        r = shield_policy_set_add(&d.add, w);
                else if (!shield_policy_equivalent(w, o)) {
                        ShieldPolicy u = *w;

                        /* The kernel keeps the replaced policy's index. */
                        u.index = o->index;
                        r = shield_policy_set_add(&d.update, &u);
                } else
                        r = 0;
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < have->n; i++) {
                const ShieldPolicy *o = &have->items[i];

                /* One kernel never holds two policies of one identity. */
                if (!find_sorted(&wa, o)) {
                        r = shield_policy_set_add(&d.del, o);
                        if (r < 0)
                                return r;
                }
        }

        shield_diff_clear(ret);
        *ret = d;
        d = (ShieldDiff) {};
        return 0;
}

const char *shield_policy_to_string(const ShieldPolicy *p, char *buf, size_t size) {
        char s[PREFIX_STRLEN], d[PREFIX_STRLEN], dev[32] = "";

        if (p->ifindex > 0)
                snprintf(dev, sizeof(dev), " ifindex %d", p->ifindex);
        snprintf(buf, size, "src %s dst %s%s dir %s action %s priority %u index 0x%08x%s%s",
                 prefix_to_string(&p->src, s), prefix_to_string(&p->dst, d), dev,
                 shield_dir_to_string(p->dir) ?: "?", shield_action_to_string(p->action) ?: "?",
                 p->priority, p->index, p->tunnel[0] ? " tunnel " : "", p->tunnel);
        return buf;
}

int shield_build_routes(const Tunnel *const *tunnels, size_t n_tunnels, DataPlane data_plane, int tun_ifindex,
                        const int *route_ifindex, ShieldPolicySet *ret) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet s = {};
        int r;

        r = shield_build(tunnels, n_tunnels, data_plane, tun_ifindex, &s);
        if (r < 0)
                return r;
        /* Route mode: what is routed into a tunnel's XFRM interface is looked
         * up in the forward (and IPv4 output) path with if_id 0 before the
         * interface encrypts it, so the plain block above would drop it;
         * an allow bound to the interface, one below the block, lets it on.
         * Without an SA the interface drops it itself; without a route
         * into the interface it leaves by another device and meets the
         * block. */
        for (size_t i = 0; route_ifindex && data_plane == DATA_PLANE_KERNEL && i < n_tunnels; i++) {
                const Tunnel *t = tunnels[i];

                if (!t->fail_closed || t->mode != TUNNEL_MODE_ROUTE || route_ifindex[i] <= 0)
                        continue;
                for (size_t j = 0; j < t->remote_prefixes.n; j++) {
                        Prefix rp = prefix_masked(&t->remote_prefixes.items[j]);
                        Prefix any = prefix_any(rp.addr.family);

                        if (rp.len == 0 || rp.len > address_bits(rp.addr.family))
                                return -EINVAL;
                        r = add_policy(&s, t, SHIELD_DIR_OUT, &any, &rp, route_ifindex[i], SHIELD_ACTION_ALLOW,
                                       rp.len);
                        if (r < 0)
                                return r;
                }
        }
        return shield_set_finish(&s, ret);
}
