/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "model.h"

/* Keys and values as config files spell them. Lookups are case-sensitive
 * (ConnectionMode=InitiatorOnly, Authentication=psk), as Azure's own names
 * are. */
static const char *const profile_alg_table[_PROFILE_ALG_MAX] = {
        [PROFILE_IKE_ENCRYPTION] = "IkeEncryption",
        [PROFILE_IKE_INTEGRITY] = "IkeIntegrity",
        [PROFILE_DH_GROUP] = "DhGroup",
        [PROFILE_IPSEC_ENCRYPTION] = "IpsecEncryption",
        [PROFILE_IPSEC_INTEGRITY] = "IpsecIntegrity",
        [PROFILE_PFS_GROUP] = "PfsGroup",
};
DEFINE_STRING_TABLE(profile_alg, ProfileAlg);

static const char *const tunnel_key_table[_TUNNEL_KEY_MAX] = {
        [TUNNEL_REMOTE_ADDRESS] = "RemoteAddress",
        [TUNNEL_LOCAL_ADDRESS] = "LocalAddress",
        [TUNNEL_LOCAL_ID] = "LocalId",
        [TUNNEL_REMOTE_ID] = "RemoteId",
        [TUNNEL_PROFILE] = "Profile",
        [TUNNEL_AUTHENTICATION] = "Authentication",
        [TUNNEL_PRE_SHARED_KEY_FILE] = "PreSharedKeyFile",
        [TUNNEL_CERTIFICATE] = "Certificate",
        [TUNNEL_PRIVATE_KEY] = "PrivateKey",
        [TUNNEL_CA_CERTIFICATE] = "CACertificate",
        [TUNNEL_LOCAL_PREFIXES] = "LocalPrefixes",
        [TUNNEL_REMOTE_PREFIXES] = "RemotePrefixes",
        [TUNNEL_FAIL_CLOSED] = "FailClosed",
        [TUNNEL_TCP_MSS_CLAMP] = "TcpMssClamp",
        [TUNNEL_DPD_TIMEOUT_SECONDS] = "DpdTimeoutSeconds",
        [TUNNEL_CONNECTION_MODE] = "ConnectionMode",
        [TUNNEL_ENABLED] = "Enabled",
        [TUNNEL_MODE] = "Mode",
        [TUNNEL_BGP_PEER_ADDRESS] = "BgpPeerAddress",
        [TUNNEL_BGP_PEER_ASN] = "BgpPeerAsn",
        [TUNNEL_BGP_LOCAL_ADDRESS] = "BgpLocalAddress",
};
DEFINE_STRING_TABLE(tunnel_key, TunnelKey);

static const char *const data_plane_table[_DATA_PLANE_MAX] = {
        [DATA_PLANE_KERNEL] = "kernel",
        [DATA_PLANE_USERSPACE] = "userspace",
};
DEFINE_STRING_TABLE(data_plane, DataPlane);

static const char *const auth_method_table[_AUTH_METHOD_MAX] = {
        [AUTH_PSK] = "psk",
        [AUTH_CERTIFICATE] = "certificate",
};
DEFINE_STRING_TABLE(auth_method, AuthMethod);

static const char *const connection_mode_table[_CONNECTION_MODE_MAX] = {
        [CONNECTION_MODE_DEFAULT] = "Default",
        [CONNECTION_MODE_INITIATOR_ONLY] = "InitiatorOnly",
        [CONNECTION_MODE_RESPONDER_ONLY] = "ResponderOnly",
};
DEFINE_STRING_TABLE(connection_mode, ConnectionMode);

static const char *const tunnel_mode_table[_TUNNEL_MODE_MAX] = {
        [TUNNEL_MODE_POLICY] = "policy",
        [TUNNEL_MODE_ROUTE] = "route",
};
DEFINE_STRING_TABLE(tunnel_mode, TunnelMode);

/* FNV-1a, 32 bits: small, stable across versions and platforms (the
 * interface id and name must never change for a name). */
static uint32_t name_hash(const char *name) {
        uint32_t h = 2166136261u;

        for (const unsigned char *s = (const unsigned char *) name; *s; s++) {
                h ^= *s;
                h *= 16777619u;
        }
        return h;
}

uint32_t tunnel_if_id(const char *name) {
        uint32_t h = name_hash(name) & TUNNEL_IF_ID_MASK;

        /* XOR-folded so that all 32 bits count. */
        h ^= name_hash(name) >> 24;
        return TUNNEL_IF_ID_BASE | h;
}

bool tunnel_if_id_is_ours(uint32_t if_id) {
        return (if_id & ~TUNNEL_IF_ID_MASK) == TUNNEL_IF_ID_BASE;
}

const char *tunnel_ifname(const char *name, char buf[static TUNNEL_IFNAME_MAX + 1]) {
        size_t plen = strlen(TUNNEL_IFNAME_PREFIX);

        if (plen + strlen(name) <= TUNNEL_IFNAME_MAX)
                snprintf(buf, TUNNEL_IFNAME_MAX + 1, "%s%s", TUNNEL_IFNAME_PREFIX, name);
        else
                snprintf(buf, TUNNEL_IFNAME_MAX + 1, "%s%.6s-%05x", TUNNEL_IFNAME_PREFIX, name,
                         (unsigned) (name_hash(name) & 0xfffffu));
        return buf;
}

Profile *profile_free(Profile *p) {
        if (!p)
                return NULL;
        free(p->name);
        free(p->path);
        for (size_t i = 0; i < _PROFILE_ALG_MAX; i++)
                free(p->alg[i]);
        free(p);
        return NULL;
}

Tunnel *tunnel_free(Tunnel *t) {
        if (!t)
                return NULL;
        free(t->name);
        free(t->path);
        free(t->local_id);
        free(t->remote_id);
        free(t->profile_name);
        free(t->psk_file);
        free(t->certificate);
        free(t->private_key);
        free(t->ca_certificate);
        prefix_list_clear(&t->local_prefixes);
        prefix_list_clear(&t->remote_prefixes);
        free(t->broken);
        free(t);
        return NULL;
}

/* Whoever adds a field to Tunnel must revisit tunnel_dup (and tunnel_free):
 * a pointer copied as is would be freed twice, and the tunnels.d cache
 * (cache.c) serves these copies. The size is that of x86-64 and other LP64
 * targets. */
#if defined(__LP64__)
_Static_assert(sizeof(Tunnel) == 360, "Tunnel changed: update tunnel_dup() and tunnel_free(), then this size");
#endif

static int prefix_list_copy(PrefixList *dst, const PrefixList *src) {
        *dst = (PrefixList) {};
        if (src->n == 0)
                return 0;
        dst->items = reallocarray(NULL, src->n, sizeof(Prefix));
        if (!dst->items)
                return -ENOMEM;
        memcpy(dst->items, src->items, src->n * sizeof(Prefix));
        dst->n = src->n;
        return 0;
}

/* strdup of a string that may be NULL; false when out of memory. */
static bool dup_opt(char **dst, const char *src) {
        *dst = NULL;
        if (!src)
                return true;
        *dst = strdup(src);
        return *dst != NULL;
}

Tunnel *tunnel_dup(const Tunnel *t) {
        _cleanup_(tunnel_freep) Tunnel *n = malloc(sizeof(Tunnel));

        if (!n)
                return NULL;
        /* Scalars and the Address structs as they are; every owned pointer
         * is cleared before it is copied, so that tunnel_free of a half-made
         * copy frees only what the copy owns. */
        *n = *t;
        n->name = n->path = n->local_id = n->remote_id = n->profile_name = NULL;
        n->psk_file = n->certificate = n->private_key = n->ca_certificate = n->broken = NULL;
        n->local_prefixes = n->remote_prefixes = (PrefixList) {};
        n->profile = NULL;
        if (!dup_opt(&n->name, t->name) || !dup_opt(&n->path, t->path) || !dup_opt(&n->local_id, t->local_id) ||
            !dup_opt(&n->remote_id, t->remote_id) || !dup_opt(&n->profile_name, t->profile_name) ||
            !dup_opt(&n->psk_file, t->psk_file) || !dup_opt(&n->certificate, t->certificate) ||
            !dup_opt(&n->private_key, t->private_key) || !dup_opt(&n->ca_certificate, t->ca_certificate) ||
            !dup_opt(&n->broken, t->broken))
                return NULL;
        if (prefix_list_copy(&n->local_prefixes, &t->local_prefixes) < 0 ||
            prefix_list_copy(&n->remote_prefixes, &t->remote_prefixes) < 0)
                return NULL;
        return TAKE_PTR(n);
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        free(c->dir);
        free(c->gateway.path);
        free(c->gateway.vici);
        free(c->gateway.status_file);
        free(c->gateway.metrics_file);
        for (size_t i = 0; i < c->n_profiles; i++)
                profile_free(c->profiles[i]);
        free(c->profiles);
        for (size_t i = 0; i < c->n_tunnels; i++)
                tunnel_free(c->tunnels[i]);
        free(c->tunnels);
        for (size_t i = 0; i < c->n_kept_profiles; i++)
                profile_free(c->kept_profiles[i]);
        free(c->kept_profiles);
        free(c);
        return NULL;
}

const Profile *config_find_profile(const Config *c, const char *name) {
        for (size_t i = 0; i < c->n_profiles; i++)
                if (streq(c->profiles[i]->name, name))
                        return c->profiles[i];
        return NULL;
}

ssize_t config_tunnel_index(const Config *c, const char *name) {
        size_t lo = 0, hi = c->n_tunnels;

        while (lo < hi) {
                size_t m = lo + (hi - lo) / 2;
                int r = strcmp(c->tunnels[m]->name, name);

                if (r == 0)
                        return (ssize_t) m;
                if (r < 0)
                        lo = m + 1;
                else
                        hi = m;
        }
        return -1;
}

const Tunnel *config_find_tunnel(const Config *c, const char *name) {
        ssize_t i = config_tunnel_index(c, name);

        return i >= 0 ? c->tunnels[i] : NULL;
}

unsigned tunnel_line(const Tunnel *t, TunnelKey k) {
        if (k >= 0 && k < _TUNNEL_KEY_MAX && t->line[k] > 0)
                return t->line[k];
        return t->section_line;
}

Profile *profile_dup(const Profile *p) {
        _cleanup_(profile_freep) Profile *n = malloc(sizeof(Profile));

        if (!n)
                return NULL;
        *n = *p;
        n->name = n->path = NULL;
        for (size_t i = 0; i < _PROFILE_ALG_MAX; i++)
                n->alg[i] = NULL;
        n->name = strdup(p->name);
        n->path = strdup(p->path);
        if (!n->name || !n->path)
                return NULL;
        for (size_t i = 0; i < _PROFILE_ALG_MAX; i++)
                if (p->alg[i] && !(n->alg[i] = strdup(p->alg[i])))
                        return NULL;
        return TAKE_PTR(n);
}

int config_keep_tunnel(Config *new, size_t i, Config *old, size_t j) {
        Tunnel *t = old->tunnels[j];
        Profile **n;

        if (t->profile) {
                Profile *p = profile_dup(t->profile);

                if (!p)
                        return -ENOMEM;
                n = reallocarray(new->kept_profiles, new->n_kept_profiles + 1, sizeof(Profile *));
                if (!n) {
                        profile_free(p);
                        return -ENOMEM;
                }
                new->kept_profiles = n;
                new->kept_profiles[new->n_kept_profiles++] = p;
                t->profile = p;
        }
        old->tunnels[j] = new->tunnels[i];
        new->tunnels[i] = t;
        return 0;
}
