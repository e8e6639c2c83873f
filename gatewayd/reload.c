/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/random.h>

#include "fileio.h"
#include "ikepolicy.h"
#include "reload.h"
#include "settings.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD_CTX *, EVP_MD_CTX_free);

static const char *const tunnel_change_table[_TUNNEL_CHANGE_MAX] = {
        [TUNNEL_UNCHANGED] = "unchanged",
        [TUNNEL_ADDED] = "added",
        [TUNNEL_CHANGED] = "changed",
        [TUNNEL_SHIELD_ONLY] = "shield-changed",
        [TUNNEL_REMOVED] = "removed",
};
DEFINE_STRING_TABLE(tunnel_change, TunnelChange);

/* The largest credential file worth fingerprinting; a larger one is
 * fingerprinted by its error, and the check refuses it anyway. */
#define HASH_FILE_MAX (4u * 1024u * 1024u)

/* The key of the credential files' fingerprints: random, per process. A
 * plain hash of a PSK kept in memory for the next reload would let whoever
 * gets hold of it test guesses offline; an HMAC under a key that lives only
 * in this process does not. */
static uint8_t file_key[FINGERPRINT_SIZE];
static bool file_key_set;

void reload_set_fingerprint_key(const uint8_t key[FINGERPRINT_SIZE]) {
        if (key)
                memcpy(file_key, key, sizeof(file_key));
        else
                explicit_bzero(file_key, sizeof(file_key));
        file_key_set = !!key;
}

static int file_key_get(void) {
        ssize_t n;

        if (file_key_set)
                return 0;
        n = getrandom(file_key, sizeof(file_key), 0);
        if (n < 0)
                return -errno;
        if ((size_t) n != sizeof(file_key))
                return -EIO;
        file_key_set = true;
        return 0;
}

/* Hashes "path\0", the HMAC of the file's contents under file_key (or its
 * error code), read with the common reader (so a FIFO cannot hang a reload).
 * The buffer is erased: it may hold a PSK or a private key. */
static int hash_file(EVP_MD_CTX *md, const char *path) {
        ReadFileOptions o = { .flags = READ_FILE_ERASE, .max_size = HASH_FILE_MAX };
        _cleanup_erase_ char *data = NULL;
        uint8_t mac[EVP_MAX_MD_SIZE];
        unsigned mac_len = 0;
        size_t size = 0;
        int32_t err;
        int r;

        if (!path)
                return EVP_DigestUpdate(md, "", 1) ? 0 : -EIO;
        if (!EVP_DigestUpdate(md, path, strlen(path) + 1))
                return -EIO;
        err = read_full_file_at(AT_FDCWD, path, &o, &data, &size, NULL);
        if (err == -ENOMEM)
                return err;
        if (err == 0) {
                r = file_key_get();
                if (r < 0)
                        return r;
                if (!HMAC(EVP_sha256(), file_key, (int) sizeof(file_key), (const uint8_t *) (data ?: ""), size, mac,
                          &mac_len) ||
                    !EVP_DigestUpdate(md, mac, mac_len))
                        return -EIO;
        }
        return EVP_DigestUpdate(md, &err, sizeof(err)) ? 0 : -EIO;
}

/* Feeds the tree to the digest: kind, name, flags, value or items, children,
 * each field terminated, so that different trees never feed the same bytes.
 * (Cheaper than printing it: a reload fingerprints every tunnel.) */
static int hash_tree(EVP_MD_CTX *md, const SettingsNode *n) {
        uint8_t head[2] = { (uint8_t) n->kind, (uint8_t) n->flags };

        if (!EVP_DigestUpdate(md, head, sizeof(head)) ||
            !EVP_DigestUpdate(md, n->name ? n->name : "", n->name ? strlen(n->name) + 1 : 1))
                return -EIO;
        if (n->value && !EVP_DigestUpdate(md, n->value, strlen(n->value) + 1))
                return -EIO;
        for (size_t i = 0; i < n->n_items; i++)
                if (!EVP_DigestUpdate(md, n->items[i], strlen(n->items[i]) + 1))
                        return -EIO;
        for (size_t i = 0; i < n->n_children; i++) {
                int r = hash_tree(md, n->children[i]);
                if (r < 0)
                        return r;
        }
        /* End of this node's children. */
        return EVP_DigestUpdate(md, "\x01", 1) ? 0 : -EIO;
}

int tunnel_fingerprint(const Gateway *g, const Tunnel *t, TunnelFingerprint *ret) {
        _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *md = EVP_MD_CTX_new();
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
        TunnelFingerprint fp = {};
        char buf[PREFIX_STRLEN];
        uint8_t flags[2];
        int r;

        if (!md || !root)
                return -ENOMEM;
        /* A disabled tunnel renders to nothing: charon must not have it; nor
         * does it have a broken one (failure isolation), whose fingerprint
         * is that of the empty tree with the marker below. */
        if (t->enabled && t->profile && !t->broken) {
                r = ikepolicy_render_tunnel(g, t, root);
                if (r < 0)
                        return r;
        }
        if (!EVP_DigestInit_ex(md, EVP_sha256(), NULL))
                return -EIO;
        r = hash_tree(md, root);
        if (r < 0)
                return r;
        if (t->broken && !EVP_DigestUpdate(md, "broken", 7))
                return -EIO;
        /* The CA travels inside load-conn: with the settings it makes the
         * connection's own fingerprint. */
        if (t->enabled && !t->broken) {
                r = hash_file(md, t->ca_certificate);
                if (r < 0)
                        return r;
        }
        {
                _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *conn = EVP_MD_CTX_new();

                if (!conn || !EVP_MD_CTX_copy_ex(conn, md) || !EVP_DigestFinal_ex(conn, fp.conn, NULL))
                        return -EIO;
        }
        if (t->enabled && !t->broken) {
                const char *files[] = { t->psk_file, t->certificate, t->private_key };
                for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                        r = hash_file(md, files[i]);
                        if (r < 0)
                                return r;
                }
        }
        if (!EVP_DigestFinal_ex(md, fp.charon, NULL))
                return -EIO;

        /* The shield depends on FailClosed, the MSS clamp and the remote
         * prefixes only, whether or not the tunnel is enabled. */
        if (!EVP_DigestInit_ex(md, EVP_sha256(), NULL))
                return -EIO;
        flags[0] = t->fail_closed;
        flags[1] = 0;
        if (!EVP_DigestUpdate(md, flags, sizeof(flags)) ||
            !EVP_DigestUpdate(md, &t->tcp_mss_clamp, sizeof(t->tcp_mss_clamp)))
                return -EIO;
        for (size_t i = 0; i < t->remote_prefixes.n; i++) {
                prefix_to_string(&t->remote_prefixes.items[i], buf);
                if (!EVP_DigestUpdate(md, buf, strlen(buf) + 1))
                        return -EIO;
        }
        if (!EVP_DigestFinal_ex(md, fp.shield, NULL))
                return -EIO;
        *ret = fp;
        return 0;
}

static int diff_append(TunnelDiff *d, const char *name, TunnelChange c, const Tunnel *old, const Tunnel *new) {
        TunnelDiffEntry *n = reallocarray(d->entries, d->n + 1, sizeof(TunnelDiffEntry));

        if (!n)
                return -ENOMEM;
        d->entries = n;
        d->entries[d->n++] = (TunnelDiffEntry) { .name = name, .change = c, .old = old, .new = new };
        switch (c) {
        case TUNNEL_ADDED:
                d->n_added++;
                break;
        case TUNNEL_CHANGED:
        case TUNNEL_SHIELD_ONLY:
                d->n_changed++;
                break;
        case TUNNEL_REMOVED:
                d->n_removed++;
                break;
        default:
                d->n_unchanged++;
                break;
        }
        return 0;
}

int config_fingerprints(const Config *c, TunnelFingerprint **ret) {
        _cleanup_free_ TunnelFingerprint *fp = calloc(c->n_tunnels ?: 1, sizeof(TunnelFingerprint));
        int r;

        if (!fp)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_tunnels; i++) {
                r = tunnel_fingerprint(&c->gateway, c->tunnels[i], &fp[i]);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(fp);
        return 0;
}

int tunnel_diff(const Config *old, const TunnelFingerprint *old_fp, const Config *new,
                const TunnelFingerprint *new_fp, TunnelDiff *ret) {
        TunnelDiff d = {};
        size_t i = 0, j = 0, n_old = old ? old->n_tunnels : 0;
        int r;

        /* Merge walk over two name-sorted arrays. */
        while (i < n_old || j < new->n_tunnels) {
                const Tunnel *a = i < n_old ? old->tunnels[i] : NULL;
                const Tunnel *b = j < new->n_tunnels ? new->tunnels[j] : NULL;
                int cmp = !a ? 1 : !b ? -1 : strcmp(a->name, b->name);

                if (cmp < 0) {
                        r = diff_append(&d, a->name, TUNNEL_REMOVED, a, NULL);
                        i++;
                } else if (cmp > 0) {
                        r = diff_append(&d, b->name, TUNNEL_ADDED, NULL, b);
                        j++;
                } else {
                        TunnelChange c = TUNNEL_UNCHANGED;
                        bool conn_changed = false;

                        if (memcmp(old_fp[i].charon, new_fp[j].charon, FINGERPRINT_SIZE) != 0) {
                                c = TUNNEL_CHANGED;
                                conn_changed = memcmp(old_fp[i].conn, new_fp[j].conn, FINGERPRINT_SIZE) != 0;
                        }
                        else if (memcmp(old_fp[i].shield, new_fp[j].shield, FINGERPRINT_SIZE) != 0)
                                c = TUNNEL_SHIELD_ONLY;
                        r = diff_append(&d, b->name, c, a, b);
                        if (r >= 0)
                                d.entries[d.n - 1].conn_changed = conn_changed;
                        i++, j++;
                }
                if (r < 0) {
                        tunnel_diff_clear(&d);
                        return r;
                }
        }
        *ret = d;
        return 0;
}

void tunnel_diff_clear(TunnelDiff *d) {
        free(d->entries);
        *d = (TunnelDiff) {};
}
