/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/random.h>

#include "fileio.h"
#include "ikepolicy.h"
#include "reload.h"
#include "settings.h"
#include "sha256.h"
#include "strutil.h"

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

/* What one config_fingerprints run has read of credential files: 1,000
 * tunnels that share a PSK file read it once. Keyed by path; lives for one
 * run only, so nothing read in it can be stale. Open addressing. */
typedef struct FileHash {
        const char *path;     /* borrowed from the config; NULL = free slot */
        int32_t err;
        uint8_t mac[SHA256_SIZE];
} FileHash;

_Static_assert(sizeof(((FileFacts *) NULL)->mac) == sizeof(((FileHash *) NULL)->mac), "a kept MAC fits");

/* Sized by the files it holds (a tree names few distinct ones), not by the
 * tunnels: it grows to keep at most half of its slots in use. */
typedef struct FileMemo {
        FileHash *slots;
        size_t mask;          /* slots - 1: a power of two minus one; 0 = none yet */
        size_t n_read;        /* files read (slots in use) */
        FileCache *files;     /* what earlier reloads learned (filecache.h), or NULL */
        size_t n_known;       /* of n_read, taken from files without reading */
} FileMemo;

static void file_memo_clear(FileMemo *m) {
        if (m->slots)
                explicit_bzero(m->slots, (m->mask + 1) * sizeof(FileHash));
        free(m->slots);
        *m = (FileMemo) {};
}

/* The slot of path: the one that holds it, or the free one where it goes. */
static FileHash *file_memo_slot(FileHash *slots, size_t mask, const char *path) {
        size_t i = (size_t) fnv1a_str(FNV1A_INIT, path) & mask;

        while (slots[i].path && !streq(slots[i].path, path))
                i = (i + 1) & mask;
        return &slots[i];
}

/* Room for one more file: the table doubles once half of it is in use. */
static int file_memo_reserve(FileMemo *m) {
        size_t n = m->mask ? 2 * (m->mask + 1) : 16;
        size_t n_read = m->n_read, n_known = m->n_known;
        FileCache *files = m->files;
        FileHash *slots;

        if (m->mask && 2 * (m->n_read + 1) <= m->mask + 1)
                return 0;
        slots = calloc(n, sizeof(FileHash));
        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; m->mask && i <= m->mask; i++)
                if (m->slots[i].path)
                        *file_memo_slot(slots, n - 1, m->slots[i].path) = m->slots[i];
        file_memo_clear(m);
        *m = (FileMemo) { .slots = slots, .mask = n - 1, .n_read = n_read, .files = files, .n_known = n_known };
        return 0;
}

/* The HMAC of the file's contents under file_key (or its error code), read
 * with the common reader (so a FIFO cannot hang a reload). The buffer is
 * erased: it may hold a PSK or a private key. */
static int file_mac(const char *path, FileHash *ret) {
        ReadFileOptions o = { .flags = READ_FILE_ERASE, .max_size = HASH_FILE_MAX };
        _cleanup_erase_ char *data = NULL;
        size_t size = 0;
        int r;

        ret->err = read_full_file_at(AT_FDCWD, path, &o, &data, &size, NULL);
        if (ret->err == -ENOMEM)
                return -ENOMEM;
        if (ret->err == 0) {
                r = file_key_get();
                if (r < 0)
                        return r;
                hmac_sha256(file_key, sizeof(file_key), data ?: "", size, ret->mac);
        }
        return 0;
}

/* path's MAC (or the error reading it met) in *ret: from memo, where it is
 * read into once, or into *local without one. */
static int file_hash_get(const char *path, FileMemo *memo, FileHash *local, const FileHash **ret) {
        FileHash *h = local;
        int r;

        if (memo) {
                r = file_memo_reserve(memo);
                if (r < 0)
                        return r;
                h = file_memo_slot(memo->slots, memo->mask, path);
        }
        if (!h->path) {
                /* Known from an earlier reload while the file is unchanged
                 * (filecache.h): not read again. */
                FileFacts *f = memo ? file_cache_get(memo->files, path) : NULL;

                if (f && f->has_mac) {
                        h->err = f->mac_err;
                        memcpy(h->mac, f->mac, sizeof(h->mac));
                        memo->n_known++;
                } else {
                        r = file_mac(path, h);
                        if (r < 0)
                                return r;
                        if (f) {
                                f->mac_err = h->err;
                                memcpy(f->mac, h->mac, sizeof(f->mac));
                                f->has_mac = true;
                        }
                }
                h->path = path;
                if (memo)
                        memo->n_read++;
        }
        *ret = h;
        return 0;
}

/* The MAC of a PSK file, or a marker of the error that reading it met. */
static int psk_mac(const char *path, FileMemo *memo, uint8_t ret[FINGERPRINT_SIZE]) {
        FileHash local = {};
        const FileHash *h;
        int r;

        r = file_hash_get(path, memo, &local, &h);
        if (r < 0)
                return r;
        memset(ret, 0, FINGERPRINT_SIZE);
        if (h->err == 0)
                memcpy(ret, h->mac, FINGERPRINT_SIZE);
        else {
                memset(ret, 0xff, FINGERPRINT_SIZE);
                memcpy(ret, &h->err, sizeof(h->err));
        }
        explicit_bzero(&local, sizeof(local));
        return 0;
}

/* Hashes "path\0", then the error code reading the file met and, when it
 * could be read, its MAC; through memo when given. */
static int hash_file(Sha256 *md, const char *path, FileMemo *memo) {
        FileHash local = {};
        const FileHash *h;
        int r;

        if (!path) {
                sha256_update(md, "", 1);
                return 0;
        }
        sha256_update(md, path, strlen(path) + 1);
        r = file_hash_get(path, memo, &local, &h);
        if (r < 0)
                return r;
        /* The error code first, always: a MAC and an error never feed the
         * same bytes. */
        sha256_update(md, &h->err, sizeof(h->err));
        if (h->err == 0)
                sha256_update(md, h->mac, sizeof(h->mac));
        explicit_bzero(&local, sizeof(local));
        return 0;
}

/* Feeds the tree to the digest: kind, name, flags, value or items, children,
 * each field terminated, so that different trees never feed the same bytes.
 * (Cheaper than printing it: a reload fingerprints every tunnel.) */
static void hash_tree(Sha256 *md, const SettingsNode *n) {
        uint8_t head[2] = { (uint8_t) n->kind, (uint8_t) n->flags };

        sha256_update(md, head, sizeof(head));
        sha256_update(md, n->name ? n->name : "", n->name ? strlen(n->name) + 1 : 1);
        if (n->value)
                sha256_update(md, n->value, strlen(n->value) + 1);
        for (size_t i = 0; i < n->n_items; i++)
                sha256_update(md, n->items[i], strlen(n->items[i]) + 1);
        for (size_t i = 0; i < n->n_children; i++)
                hash_tree(md, n->children[i]);
        /* End of this node's children. */
        sha256_update(md, "\x01", 1);
}

/* The digest of t's rendered strongSwan settings: the costly part of a
 * fingerprint (a settings tree built, hashed and freed). */
static int settings_digest(const Gateway *g, const Tunnel *t, uint8_t ret[FINGERPRINT_SIZE]) {
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
        Sha256 md;
        int r;

        if (!root)
                return -ENOMEM;
        /* A disabled tunnel renders to nothing: charon must not have it; nor
         * does it have a broken one (failure isolation), whose fingerprint
         * is that of the empty tree with the marker below. */
        if (t->enabled && t->profile && !t->broken) {
                r = ikepolicy_render_tunnel(g, t, root);
                if (r < 0)
                        return r;
        }
        sha256_init(&md);
        hash_tree(&md, root);
        if (t->broken)
                sha256_update(&md, "broken", 7);
        sha256_final(&md, ret);
        return 0;
}

/* The fingerprint of t, its settings digest taken from settings when given
 * (computed otherwise), credential files through memo when given. */
static int fingerprint(const Gateway *g, const Tunnel *t, const uint8_t *settings, FileMemo *memo,
                       TunnelFingerprint *ret) {
        TunnelFingerprint fp = { .settings_set = true };
        char buf[PREFIX_STRLEN];
        uint8_t flags[2];
        Sha256 md, conn;
        int r;

        if (settings)
                memcpy(fp.settings, settings, FINGERPRINT_SIZE);
        else {
                r = settings_digest(g, t, fp.settings);
                if (r < 0)
                        return r;
        }
        /* The CA travels inside load-conn: with the settings it makes the
         * connection's own fingerprint. */
        sha256_init(&md);
        sha256_update(&md, fp.settings, FINGERPRINT_SIZE);
        if (t->enabled && !t->broken) {
                r = hash_file(&md, t->ca_certificate, memo);
                if (r < 0)
                        return r;
        }
        conn = md;
        sha256_final(&conn, fp.conn);
        if (t->enabled && !t->broken) {
                const char *files[] = { t->psk_file, t->certificate, t->private_key };
                for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                        r = hash_file(&md, files[i], memo);
                        if (r < 0)
                                return r;
                }
        }
        sha256_final(&md, fp.charon);

        /* The PSK's contents alone (its MAC, from the memo: read once),
         * for a reload to tell whether the shared key must go again. */
        if (t->enabled && !t->broken && t->psk_file) {
                r = psk_mac(t->psk_file, memo, fp.psk);
                if (r < 0)
                        return r;
        }

        /* The shield depends on FailClosed, the MSS clamp and the remote
         * prefixes only, whether or not the tunnel is enabled. */
        sha256_init(&md);
        flags[0] = t->fail_closed;
        flags[1] = 0;
        sha256_update(&md, flags, sizeof(flags));
        sha256_update(&md, &t->tcp_mss_clamp, sizeof(t->tcp_mss_clamp));
        for (size_t i = 0; i < t->remote_prefixes.n; i++) {
                prefix_to_string(&t->remote_prefixes.items[i], buf);
                sha256_update(&md, buf, strlen(buf) + 1);
        }
        sha256_final(&md, fp.shield);
        *ret = fp;
        return 0;
}

int tunnel_fingerprint(const Gateway *g, const Tunnel *t, TunnelFingerprint *ret) {
        return fingerprint(g, t, NULL, NULL, ret);
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

/* Whether t's fingerprint depends on its fields and its PSK file alone (no
 * CA, certificate or key file). */
static bool psk_only(const Tunnel *t) {
        return t->auth == AUTH_PSK && t->enabled && !t->broken && t->psk_file && !t->ca_certificate &&
               !t->certificate && !t->private_key;
}

int config_fingerprints(const Config *old, const TunnelFingerprint *old_fp, const Config *c, FileCache *files,
                        TunnelFingerprint **ret, FingerprintStats *ret_stats) {
        _cleanup_free_ TunnelFingerprint *fp = calloc(c->n_tunnels ?: 1, sizeof(TunnelFingerprint));
        _cleanup_(file_memo_clear) FileMemo memo = { .files = files };
        FingerprintStats st = {};
        bool same_gateway = old && old_fp && gateway_equal(&old->gateway, &c->gateway);
        size_t j = 0;
        int r;

        if (!fp)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];
                const uint8_t *settings = NULL;

                /* Both sorted by name: walk old alongside. A tunnel whose
                 * every input is what it was (its fields, its profile's,
                 * the gateway's) renders to what it rendered. */
                if (same_gateway) {
                        while (j < old->n_tunnels && strcmp(old->tunnels[j]->name, t->name) < 0)
                                j++;
                        if (j < old->n_tunnels && old_fp[j].settings_set && tunnel_equal(old->tunnels[j], t))
                                settings = old_fp[j].settings;
                }
                if (!settings)
                        st.n_rendered++;
                else if (psk_only(t) && !old->tunnels[j]->broken) {
                        uint8_t psk[FINGERPRINT_SIZE];

                        /* Equal, and its one file holds what it held: all
                         * of the fingerprint is what it was. */
                        r = psk_mac(t->psk_file, &memo, psk);
                        if (r < 0)
                                return r;
                        if (memcmp(psk, old_fp[j].psk, FINGERPRINT_SIZE) == 0) {
                                fp[i] = old_fp[j];
                                continue;
                        }
                }
                r = fingerprint(&c->gateway, t, settings, &memo, &fp[i]);
                if (r < 0)
                        return r;
        }
        st.n_files_read = memo.n_read - memo.n_known;
        if (ret_stats)
                *ret_stats = st;
        *ret = TAKE_PTR(fp);
        return 0;
}

/* Whether a and b ask the same of their PSK group's key (apply.h): the same
 * group (file and LocalId) and the same owner identity. */
static bool psk_owner_equal(const Tunnel *a, const Tunnel *b) {
        char x[PREFIX_STRLEN], y[PREFIX_STRLEN];

        return a->auth == b->auth && (a->enabled && !a->broken) == (b->enabled && !b->broken) &&
               streq_ptr(a->psk_file, b->psk_file) && streq_ptr(a->local_id, b->local_id) &&
               streq(ikepolicy_remote_id(a, x), ikepolicy_remote_id(b, y));
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
                        bool conn_changed = false, creds_changed = false;

                        if (memcmp(old_fp[i].charon, new_fp[j].charon, FINGERPRINT_SIZE) != 0) {
                                c = TUNNEL_CHANGED;
                                conn_changed = memcmp(old_fp[i].conn, new_fp[j].conn, FINGERPRINT_SIZE) != 0;
                                creds_changed = memcmp(old_fp[i].psk, new_fp[j].psk, FINGERPRINT_SIZE) != 0 ||
                                                !psk_owner_equal(a, b);
                        } else if (memcmp(old_fp[i].shield, new_fp[j].shield, FINGERPRINT_SIZE) != 0)
                                c = TUNNEL_SHIELD_ONLY;
                        r = diff_append(&d, b->name, c, a, b);
                        if (r >= 0) {
                                d.entries[d.n - 1].conn_changed = conn_changed;
                                d.entries[d.n - 1].creds_changed = creds_changed;
                        }
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
