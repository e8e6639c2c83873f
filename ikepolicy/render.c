/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Model -> strongSwan: proposal strings and the swanctl.conf(5) shaped
 * settings tree of a tunnel (connections.<name>, secrets.<type>-<name>).
 * Key names are exactly swanctl.conf's (strongSwan 5.9.8), so the same tree
 * prints as swanctl.conf and encodes as a VICI load-conn message. */

#include <inttypes.h>
#include <stdio.h>
#include <sys/socket.h>

#include "ikepolicy.h"

/* Every value that goes into a proposal: missing, unknown or forbidden
 * values are refused, so no code path can emit DES or MD5 even if a caller
 * skipped the checks. */
static int lookup_usable(const Profile *p, ProfileAlg a, const AlgInfo **ret) {
        const AlgInfo *e = ikepolicy_lookup(a, p->alg[a]);

        if (!e || e->tier == TIER_FORBIDDEN)
                return -EINVAL;
        *ret = e;
        return 0;
}

int ikepolicy_proposals(const Profile *p, Proposals *ret) {
        const AlgInfo *ike_enc, *ike_integ, *dh, *esp_enc, *esp_integ, *pfs;
        Proposals out = {};
        char pfs_part[32] = "";
        int n, r;

        for (ProfileAlg a = 0; a < _PROFILE_ALG_MAX; a++)
                if (!p->alg[a])
                        return -EINVAL;
        if ((r = lookup_usable(p, PROFILE_IKE_ENCRYPTION, &ike_enc)) < 0 ||
            (r = lookup_usable(p, PROFILE_IKE_INTEGRITY, &ike_integ)) < 0 ||
            (r = lookup_usable(p, PROFILE_DH_GROUP, &dh)) < 0 ||
            (r = lookup_usable(p, PROFILE_IPSEC_ENCRYPTION, &esp_enc)) < 0 ||
            (r = lookup_usable(p, PROFILE_IPSEC_INTEGRITY, &esp_integ)) < 0)
                return r;
        pfs = ikepolicy_effective_pfs(p); /* PFSMM -> DhGroup's entry */
        if (!pfs || pfs->tier == TIER_FORBIDDEN || !pfs->keyword || !dh->keyword)
                return -EINVAL;

        /* IKE: strongSwan refuses integrity algorithms in an all-AEAD
         * proposal, and Azure uses IkeIntegrity as the PRF only with GCM
         * (facts §1.3.3). With CBC the PRF is written out although strongSwan
         * would derive it from the integrity algorithm: what is negotiated
         * should be readable in the config. */
        if (ike_enc->aead)
                n = snprintf(out.ike, sizeof(out.ike), "%s-%s-%s", ike_enc->keyword, ike_integ->prf_keyword,
                             dh->keyword);
        else
                n = snprintf(out.ike, sizeof(out.ike), "%s-%s-%s-%s", ike_enc->keyword, ike_integ->keyword,
                             ike_integ->prf_keyword, dh->keyword);
        if (n < 0 || (size_t) n >= sizeof(out.ike))
                return -EINVAL;

        /* ESP: GCM needs the same GCM integrity value (Azure) and carries no
         * integrity keyword; everything else needs an HMAC. PFS None adds no
         * key exchange keyword. */
        if (esp_enc->aead != esp_integ->aead || (esp_enc->aead && !streq(esp_enc->azure, esp_integ->azure)))
                return -EINVAL;
        if (!isempty(pfs->keyword))
                (void) snprintf(pfs_part, sizeof(pfs_part), "-%s", pfs->keyword);
        if (esp_enc->aead)
                n = snprintf(out.esp, sizeof(out.esp), "%s%s", esp_enc->keyword, pfs_part);
        else
                n = snprintf(out.esp, sizeof(out.esp), "%s-%s%s", esp_enc->keyword, esp_integ->keyword, pfs_part);
        if (n < 0 || (size_t) n >= sizeof(out.esp))
                return -EINVAL;

        *ret = out;
        return 0;
}

/* True if any value of p (PFSMM resolved) is legacy. */
static bool profile_has_legacy(const Profile *p) {
        const AlgInfo *pfs = ikepolicy_effective_pfs(p);

        for (ProfileAlg a = 0; a < _PROFILE_ALG_MAX; a++) {
                const AlgInfo *e = ikepolicy_lookup(a, p->alg[a]);

                if (e && !e->same_as_dh_group && e->tier == TIER_LEGACY)
                        return true;
        }
        return pfs && pfs->tier == TIER_LEGACY;
}

/* The section called name under s, created if absent. */
static SettingsNode *section_get_or_add(SettingsNode *s, const char *name) {
        for (size_t i = 0; i < s->n_children; i++)
                if (s->children[i]->kind == SETTINGS_SECTION && streq_ptr(s->children[i]->name, name))
                        return s->children[i];
        return settings_add_section(s, name);
}

static int set_list1(SettingsNode *s, const char *key, const char *item, unsigned flags) {
        char *items[] = { (char *) item };

        return settings_set_list(s, key, items, 1, flags);
}

static int set_prefixes(SettingsNode *s, const char *key, const PrefixList *l) {
        SettingsNode *list;
        int r;

        r = settings_set_list(s, key, NULL, 0, 0);
        if (r < 0)
                return r;
        list = s->children[s->n_children - 1];
        for (size_t i = 0; i < l->n; i++) {
                char buf[PREFIX_STRLEN];

                r = settings_list_append(list, prefix_to_string(&l->items[i], buf));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Lifetimes from a hard limit L, as Azure states them: rekey at 90% of L,
 * the remainder (10%) as the hard margin, and 5% of L of random jitter
 * subtracted from the rekey time so that both ends do not rekey at once.
 * IKE SA: rekey_time + over_time = L. CHILD_SA: life_time = L. */
static void split_lifetime(uint64_t l, uint64_t *ret_rekey, uint64_t *ret_rand) {
        *ret_rekey = l / 10 * 9 + l % 10 * 9 / 10;
        *ret_rand = l / 20;
}

/* One end of the connection: local or remote { auth; id (if any); a
 * certificate list (if any) }. */
static int render_end(SettingsNode *conn, const char *end, const char *auth, const char *id,
                      const char *certs_key, const char *certs_file) {
        SettingsNode *s = settings_add_section(conn, end);
        int r;

        if (!s)
                return -ENOMEM;
        r = settings_set(s, "auth", auth, 0);
        if (r >= 0 && id)
                r = settings_set(s, "id", id, 0);
        if (r >= 0 && certs_file)
                r = set_list1(s, certs_key, certs_file, SETTINGS_FILE);
        return r < 0 ? r : 0;
}

static int render_local_remote(const Tunnel *t, SettingsNode *conn, const char *remote_id) {
        bool cert = t->auth == AUTH_CERTIFICATE;
        const char *auth = cert ? "pubkey" : "psk";
        int r;

        r = render_end(conn, "local", auth, t->local_id, "certs", cert ? t->certificate : NULL);
        if (r < 0)
                return r;
        return render_end(conn, "remote", auth, remote_id, "cacerts", cert ? t->ca_certificate : NULL);
}

/* Route mode: any-to-any selectors (what an Azure route-based connection
 * negotiates), one per family the tunnel carries, and the tunnel's XFRM
 * interface id on its SAs and policies in both directions. charon's
 * policies then only match packets routed into gw-NAME (the kernel looks
 * them up with the interface's if_id), never the rest of the traffic; and
 * charon installs no route for them (install_routes_xfrmi is off by
 * default): the routes are gatewayd's. */
static int render_route_ts(const Tunnel *t, SettingsNode *child) {
        char *any[2];
        size_t n = 0;
        int r;

        if (prefix_list_has_family(&t->remote_prefixes, AF_INET))
                any[n++] = (char *) "0.0.0.0/0";
        if (prefix_list_has_family(&t->remote_prefixes, AF_INET6))
                any[n++] = (char *) "::/0";
        if (n == 0)
                return -EINVAL;
        r = settings_set_list(child, "local_ts", any, n, 0);
        if (r < 0)
                return r;
        r = settings_set_list(child, "remote_ts", any, n, 0);
        if (r < 0)
                return r;
        r = settings_setf(child, "if_id_in", "0x%08x", tunnel_if_id(t->name));
        if (r < 0)
                return r;
        return settings_setf(child, "if_id_out", "0x%08x", tunnel_if_id(t->name));
}

static int render_child(const Tunnel *t, const Proposals *prop, SettingsNode *conn) {
        const Profile *p = t->profile;
        SettingsNode *children, *child;
        uint64_t rekey, rand, bytes;
        bool initiate = t->connection_mode != CONNECTION_MODE_RESPONDER_ONLY;
        int r;

        children = settings_add_section(conn, "children");
        if (!children)
                return -ENOMEM;
        child = settings_add_section(children, t->name);
        if (!child)
                return -ENOMEM;

        if (t->mode == TUNNEL_MODE_ROUTE)
                r = render_route_ts(t, child);
        else {
                /* One child with every prefix on each side: IKEv2 carries
                 * several traffic selectors per CHILD_SA, and the policies
                 * installed are the cross product — what Azure's
                 * UsePolicyBasedTrafficSelectors expects (facts §1.3.8). */
                r = set_prefixes(child, "local_ts", &t->local_prefixes);
                if (r >= 0)
                        r = set_prefixes(child, "remote_ts", &t->remote_prefixes);
        }
        if (r < 0)
                return r;
        r = set_list1(child, "esp_proposals", prop->esp, 0);
        if (r < 0)
                return r;

        split_lifetime(p->sa_lifetime_sec, &rekey, &rand);
        if ((r = settings_setf(child, "life_time", "%" PRIu64 "s", p->sa_lifetime_sec)) < 0 ||
            (r = settings_setf(child, "rekey_time", "%" PRIu64 "s", rekey)) < 0 ||
            (r = settings_setf(child, "rand_time", "%" PRIu64 "s", rand)) < 0)
                return r;

        if (__builtin_mul_overflow(p->sa_datasize_kb, (uint64_t) 1024, &bytes))
                return -EINVAL;
        split_lifetime(bytes, &rekey, &rand);
        if ((r = settings_setf(child, "life_bytes", "%" PRIu64, bytes)) < 0 ||
            (r = settings_setf(child, "rekey_bytes", "%" PRIu64, rekey)) < 0 ||
            (r = settings_setf(child, "rand_bytes", "%" PRIu64, rand)) < 0)
                return r;

        r = settings_set(child, "mode", "tunnel", 0);
        if (r < 0)
                return r;

        /* Initiating modes bring the tunnel up at load, re-initiate after
         * DPD declares the peer dead and re-create a child the peer closed. A
         * responder waits for the peer and only cleans up. */
        if ((r = settings_set(child, "start_action", initiate ? "start" : "none", 0)) < 0 ||
            (r = settings_set(child, "dpd_action", initiate ? "restart" : "clear", 0)) < 0 ||
            (r = settings_set(child, "close_action", initiate ? "start" : "none", 0)) < 0)
                return r;
        return 0;
}

const char *ikepolicy_remote_id(const Tunnel *t, char buf[static PREFIX_STRLEN]) {
        return t->remote_id ?: address_to_string(&t->remote_address, buf);
}

static int render_secrets(const Tunnel *t, SettingsNode *root, const char *remote_id) {
        _cleanup_free_ char *name = NULL;
        SettingsNode *secrets, *s;
        int r;

        secrets = section_get_or_add(root, "secrets");
        if (!secrets)
                return -ENOMEM;

        if (t->auth == AUTH_PSK) {
                if (asprintf(&name, "ike-%s", t->name) < 0)
                        return -ENOMEM;
                if (settings_get(secrets, name))
                        return -EEXIST;
                s = settings_add_section(secrets, name);
                if (!s)
                        return -ENOMEM;
                /* The tree holds the file's path, never the key: the printer
                 * masks it and the VICI encoder reads the file when sending. */
                r = settings_set(s, "secret", t->psk_file, SETTINGS_SECRET | SETTINGS_FILE);
                if (r < 0)
                        return r;
                r = settings_set(s, "id-1", remote_id, 0);
                if (r < 0)
                        return r;
                if (t->local_id) {
                        r = settings_set(s, "id-2", t->local_id, 0);
                        if (r < 0)
                                return r;
                }
                return 0;
        }

        /* swanctl.conf(5) spells this secrets.private<suffix>.file. swanctl
         * itself only reads keys from its private/ folder (the entry then
         * names a file there), so a reviewer copying the printed config must
         * place the key there; the VICI encoder sends the file's key with
         * load-key. */
        if (asprintf(&name, "private-%s", t->name) < 0)
                return -ENOMEM;
        if (settings_get(secrets, name))
                return -EEXIST;
        s = settings_add_section(secrets, name);
        if (!s)
                return -ENOMEM;
        return settings_set(s, "file", t->private_key, SETTINGS_FILE);
}

unsigned ikepolicy_dpd_delay_sec(unsigned dpd_timeout_sec) {
        uint64_t budget_ms = (uint64_t) dpd_timeout_sec * 1000u;
        uint64_t fixed_ms = CHARON_RETRANSMIT_GIVE_UP_MS + CHARON_DPD_SLACK_MS;

        /* The smallest DpdTimeoutSeconds (9) leaves 3 s of idle time. */
        if (budget_ms < fixed_ms + 1000u)
                return 1;
        return (unsigned) ((budget_ms - fixed_ms) / 1000u);
}

int ikepolicy_render_tunnel(const Gateway *g, const Tunnel *t, SettingsNode *root) {
        const Profile *p = t->profile;
        char local_addr[PREFIX_STRLEN], remote_addr[PREFIX_STRLEN];
        SettingsNode *connections, *conn;
        const char *remote_id;
        uint64_t rekey, rand;
        Proposals prop;
        int r;

        /* Refuse what the checks would have refused, rather than load it. */
        if (!p || !t->name)
                return -EINVAL;
        r = ikepolicy_proposals(p, &prop);
        if (r < 0)
                return r;
        if (g && g->fips_mode && profile_has_legacy(p))
                return -EINVAL;
        if (p->ike_lifetime_sec < PROFILE_MIN_LIFETIME_SEC || p->sa_lifetime_sec < PROFILE_MIN_LIFETIME_SEC ||
            p->sa_datasize_kb < PROFILE_MIN_DATASIZE_KB)
                return -EINVAL;
        if (t->local_prefixes.n == 0 || t->remote_prefixes.n == 0)
                return -EINVAL;
        if (t->auth == AUTH_PSK ? !t->psk_file : (!t->certificate || !t->private_key))
                return -EINVAL;

        address_to_string(&t->remote_address, remote_addr);
        if (t->has_local_address)
                address_to_string(&t->local_address, local_addr);
        else
                strcpy(local_addr, "%any");
        remote_id = ikepolicy_remote_id(t, remote_addr);

        connections = section_get_or_add(root, "connections");
        if (!connections)
                return -ENOMEM;
        if (settings_get(connections, t->name))
                return -EEXIST;
        conn = settings_add_section(connections, t->name);
        if (!conn)
                return -ENOMEM;

        if ((r = settings_set(conn, "version", "2", 0)) < 0 ||
            (r = set_list1(conn, "local_addrs", local_addr, 0)) < 0 ||
            (r = set_list1(conn, "remote_addrs", remote_addr, 0)) < 0 ||
            (r = set_list1(conn, "proposals", prop.ike, 0)) < 0)
                return r;

        /* IKE SA: IkeLifeTimeSeconds is the hard lifetime; rekey (IKEv2
         * rekey, not reauthentication) at 90%. Azure's own is fixed at
         * 28800 s, so with the default the two ends rekey about equally
         * often and the jitter decides who starts. */
        split_lifetime(p->ike_lifetime_sec, &rekey, &rand);
        if ((r = settings_setf(conn, "rekey_time", "%" PRIu64 "s", rekey)) < 0 ||
            (r = settings_setf(conn, "over_time", "%" PRIu64 "s", p->ike_lifetime_sec - rekey)) < 0 ||
            (r = settings_setf(conn, "rand_time", "%" PRIu64 "s", rand)) < 0)
                return r;

        /* DpdTimeoutSeconds is how long a silent peer is tolerated. With IKEv2
         * charon ignores dpd_timeout: a peer is declared dead when a liveness
         * check goes unanswered through charon's retransmission schedule,
         * which is global (the strongSwan drop-in gatewayd installs), so the
         * per-tunnel part is the idle time before the check. */
        r = settings_setf(conn, "dpd_delay", "%us", ikepolicy_dpd_delay_sec(t->dpd_timeout_sec));
        if (r < 0)
                return r;
        /* Azure gateways do not support MOBIKE. */
        r = settings_set(conn, "mobike", "no", 0);
        if (r < 0)
                return r;
        /* When both ends initiate after a failure they would otherwise keep
         * duplicate IKE SAs; replace keeps the newest. */
        r = settings_set(conn, "unique", "replace", 0);
        if (r < 0)
                return r;
        if (t->connection_mode != CONNECTION_MODE_RESPONDER_ONLY) {
                /* Keep trying to initiate until the peer answers. */
                r = settings_set(conn, "keyingtries", "0", 0);
                if (r < 0)
                        return r;
        }

        r = render_local_remote(t, conn, remote_id);
        if (r < 0)
                return r;
        r = render_child(t, &prop, conn);
        if (r < 0)
                return r;
        return render_secrets(t, root, remote_id);
}

int ikepolicy_render_config(const Config *c, SettingsNode **ret) {
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
        int r;

        if (!root)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];

                if (!t->enabled || !t->profile)
                        continue;
                r = ikepolicy_render_tunnel(&c->gateway, t, root);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(root);
        return 0;
}
