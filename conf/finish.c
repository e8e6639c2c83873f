/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* conf_finish: what only the whole tree can tell — built-in profiles,
 * Profile= references, and the rules across tunnels (names, VNet ranges,
 * peers) — and, when asked, the secret files. */
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>

#include "conf-internal.h"
#include "secret.h"
#include "fileio.h"
#include "strutil.h"
#include "trust.h"

static int tunnel_cmp_name(const void *a, const void *b) {
        const Tunnel *x = *(Tunnel *const *) a, *y = *(Tunnel *const *) b;

        return strcmp(x->name, y->name);
}

static int tunnel_cmp_casefold(const void *a, const void *b) {
        const Tunnel *x = *(Tunnel *const *) a, *y = *(Tunnel *const *) b;
        int r = strcasecmp(x->name, y->name);

        return r != 0 ? r : strcmp(x->name, y->name);
}

static int add_builtin_profiles(Config *c, DiagList *d) {
        const BuiltinProfile *b;
        size_t n;
        int r;

        b = conf_builtin_profiles(&n);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;

                if (config_find_profile(c, b[i].name))
                        continue; /* overridden in profiles.d (or already added) */
                if (asprintf(&path, "<built-in>/%s.conf", b[i].name) < 0)
                        return -ENOMEM;
                r = conf_add_profile(c, b[i].name, path, b[i].text, strlen(b[i].text), true, d);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int resolve_profiles(Config *c, DiagList *d) {
        _cleanup_free_ const char **names = NULL;
        int r;

        for (size_t i = 0; i < c->n_tunnels; i++) {
                Tunnel *t = c->tunnels[i];
                _cleanup_free_ char *list = NULL;
                const char *hint;
                size_t n = 0;
                FILE *f;

                t->profile = config_find_profile(c, t->profile_name);
                if (t->profile)
                        continue;
                f = open_memstream(&list, &n);
                if (!f)
                        return -ENOMEM;
                for (size_t j = 0; j < c->n_profiles; j++)
                        fprintf(f, "%s%s", j > 0 ? ", " : "", c->profiles[j]->name);
                if (fclose(f) != 0 || !list)
                        return -ENOMEM;
                if (!names) {
                        names = reallocarray(NULL, c->n_profiles + 1, sizeof(char *));
                        if (!names)
                                return -ENOMEM;
                        for (size_t j = 0; j < c->n_profiles; j++)
                                names[j] = c->profiles[j]->name;
                }
                hint = closest_match(t->profile_name, names, c->n_profiles, 2);
                if (hint)
                        r = diag_error(d, t->path, tunnel_line(t, TUNNEL_PROFILE),
                                       "unknown profile '%s'; did you mean '%s'? (available: %s)", t->profile_name,
                                       hint, list);
                else
                        r = diag_error(d, t->path, tunnel_line(t, TUNNEL_PROFILE),
                                       "unknown profile '%s'; use one of: %s (or add profiles.d/%s.conf)",
                                       t->profile_name, list, t->profile_name);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_name_clashes(Config *c, DiagList *d) {
        _cleanup_free_ Tunnel **v = NULL;
        int r;

        if (c->n_tunnels < 2)
                return 0;
        v = reallocarray(NULL, c->n_tunnels, sizeof(Tunnel *));
        if (!v)
                return -ENOMEM;
        memcpy(v, c->tunnels, c->n_tunnels * sizeof(Tunnel *));
        qsort(v, c->n_tunnels, sizeof(Tunnel *), tunnel_cmp_casefold);
        for (size_t i = 1; i < c->n_tunnels; i++) {
                if (strcasecmp(v[i - 1]->name, v[i]->name) != 0)
                        continue;
                if (streq(v[i - 1]->name, v[i]->name))
                        r = diag_error(d, v[i]->path, 0, "tunnel '%s' is defined twice (also %s); remove one",
                                       v[i]->name, v[i - 1]->path);
                else
                        r = diag_error(d, v[i]->path, 0,
                                       "tunnel name '%s' differs from '%s' (%s) only in case; rename one of them",
                                       v[i]->name, v[i - 1]->name, v[i - 1]->path);
                if (r < 0)
                        return r;
        }
        return 0;
}

typedef struct PrefixRef {
        const Tunnel *t;
        const Prefix *p;
} PrefixRef;

static int prefix_ref_cmp(const void *a, const void *b) {
        const PrefixRef *x = a, *y = b;
        int r;

        if (x->p->addr.family != y->p->addr.family)
                return x->p->addr.family < y->p->addr.family ? -1 : 1;
        r = memcmp(x->p->addr.bytes, y->p->addr.bytes, sizeof(x->p->addr.bytes));
        if (r != 0)
                return r;
        if (x->p->len != y->p->len)
                return x->p->len < y->p->len ? -1 : 1;
        return strcmp(x->t->name, y->t->name);
}

/* Route-mode tunnels may share VNet ranges (the two tunnels to an
 * active-active Azure gateway do): routing picks the path, ECMP between
 * equals. A policy-mode tunnel's selectors would capture the traffic before
 * any route, so its ranges stay its own. */
static bool route_shares(const Tunnel *a, const Tunnel *b) {
        return a->mode == TUNNEL_MODE_ROUTE && b->mode == TUNNEL_MODE_ROUTE;
}

/* Overlapping RemotePrefixes between tunnels: sorted by (family, address,
 * length), a prefix comes after every prefix that contains it, and the open
 * containers form a chain (a stack), so one sweep finds every overlap in
 * O(n log n) — 10,000 tunnels must not cost a quadratic scan. */
static int check_remote_overlaps(Config *c, DiagList *d) {
        _cleanup_free_ PrefixRef *v = NULL;
        _cleanup_free_ size_t *stack = NULL;
        size_t n = 0, depth = 0;
        int r;

        for (size_t i = 0; i < c->n_tunnels; i++)
                n += c->tunnels[i]->remote_prefixes.n;
        if (n < 2)
                return 0;
        v = reallocarray(NULL, n, sizeof(PrefixRef));
        stack = reallocarray(NULL, n, sizeof(size_t));
        if (!v || !stack)
                return -ENOMEM;
        n = 0;
        for (size_t i = 0; i < c->n_tunnels; i++)
                for (size_t j = 0; j < c->tunnels[i]->remote_prefixes.n; j++)
                        v[n++] = (PrefixRef) { c->tunnels[i], &c->tunnels[i]->remote_prefixes.items[j] };
        qsort(v, n, sizeof(PrefixRef), prefix_ref_cmp);

        for (size_t i = 0; i < n; i++) {
                const PrefixRef *other = NULL;

                while (depth > 0 && !prefix_contains(v[stack[depth - 1]].p, v[i].p))
                        depth--;
                for (size_t s = depth; s > 0; s--)
                        if (v[stack[s - 1]].t != v[i].t && !route_shares(v[stack[s - 1]].t, v[i].t)) {
                                other = &v[stack[s - 1]];
                                break;
                        }
                if (other) {
                        char buf[PREFIX_STRLEN], buf2[PREFIX_STRLEN];

                        r = diag_error(d, v[i].t->path, tunnel_line(v[i].t, TUNNEL_REMOTE_PREFIXES),
                                       "RemotePrefixes: '%s' overlaps '%s' of tunnel '%s' (%s:%u); each VNet range "
                                       "belongs to one tunnel (only Mode=route tunnels may share one)",
                                       prefix_to_string(v[i].p, buf), prefix_to_string(other->p, buf2),
                                       other->t->name, other->t->path,
                                       tunnel_line(other->t, TUNNEL_REMOTE_PREFIXES));
                        if (r < 0)
                                return r;
                }
                stack[depth++] = i;
        }
        return 0;
}

/* The identities charon matches a peer config by, as charon compares them:
 * an identity that is an IP address (configured, or the address itself when
 * no id is set) in its canonical spelling, since charon parses
 * "2001:DB8:0::1" and "2001:db8::1" to the same ID_IPV6_ADDR; anything else
 * (a DN, an FQDN) as written. */
typedef struct PeerKey {
        const Tunnel *t;
        char local_id[PREFIX_STRLEN];   /* canonical address or "%any"; "": t->local_id as written */
        char remote_id[PREFIX_STRLEN];  /* canonical address; "": t->remote_id as written */
        /* No LocalAddress and no LocalId: the identity is whichever WAN
         * address charon picks at run time, unknown here. */
        bool local_any;
        /* The effective local identity is an IP address (LocalId that is
         * one, or LocalAddress without LocalId). */
        bool local_is_address;
} PeerKey;

static const char *peer_local_id(const PeerKey *k) {
        return k->local_id[0] ? k->local_id : k->t->local_id;
}
static const char *peer_remote_id(const PeerKey *k) {
        return k->remote_id[0] ? k->remote_id : k->t->remote_id;
}

/* Writes the canonical spelling of id to buf if id is an IP address. */
static bool id_as_address(const char *id, char buf[static PREFIX_STRLEN]) {
        Address a;

        if (!id || address_parse(id, &a) < 0)
                return false;
        address_to_string(&a, buf);
        return true;
}

static void peer_key_init(PeerKey *k, const Tunnel *t) {
        *k = (PeerKey) { .t = t };
        if (t->local_id)
                k->local_is_address = id_as_address(t->local_id, k->local_id);
        else if (t->has_local_address) {
                address_to_string(&t->local_address, k->local_id);
                /* A certificate tunnel without LocalId is known by its
                 * certificate's subject (gatewayd sets it), not an address. */
                k->local_is_address = t->auth != AUTH_CERTIFICATE;
        } else {
                strcpy(k->local_id, "%any");
                k->local_any = t->auth != AUTH_CERTIFICATE;
        }
        if (!t->remote_id)
                address_to_string(&t->remote_address, k->remote_id);
        else
                (void) id_as_address(t->remote_id, k->remote_id);
}

static bool same_remote(const PeerKey *x, const PeerKey *y) {
        return memcmp(&x->t->remote_address, &y->t->remote_address, sizeof(Address)) == 0 &&
               streq(peer_remote_id(x), peer_remote_id(y));
}

static int peer_key_cmp(const void *a, const void *b) {
        const PeerKey *x = a, *y = b;
        int r;

        if (x->t->remote_address.family != y->t->remote_address.family)
                return x->t->remote_address.family < y->t->remote_address.family ? -1 : 1;
        r = memcmp(x->t->remote_address.bytes, y->t->remote_address.bytes, sizeof(x->t->remote_address.bytes));
        if (r == 0)
                r = strcmp(peer_local_id(x), peer_local_id(y));
        if (r == 0)
                r = strcmp(peer_remote_id(x), peer_remote_id(y));
        if (r == 0)
                r = strcmp(x->t->name, y->t->name);
        return r;
}

/* A tunnel whose identity is decided at run time (a) against one to the same
 * peer whose identity is an address (b): if that address is the WAN address
 * charon picks for a, the two are the same peer config to charon. conf
 * cannot know the WAN address (it never asks the kernel), so it asks for a
 * to say which identity it means. */
static int report_any_vs_address(const PeerKey *a, const PeerKey *b, DiagList *d) {
        char buf[PREFIX_STRLEN];
        TunnelKey bk = b->t->local_id ? TUNNEL_LOCAL_ID : TUNNEL_LOCAL_ADDRESS;

        return diag_error(d, a->t->path, tunnel_line(a->t, TUNNEL_REMOTE_ADDRESS),
                          "RemoteAddress '%s' without LocalAddress or LocalId: this tunnel's IKE identity is the WAN "
                          "address charon picks at run time, and tunnel '%s' (%s:%u) to the same peer has identity "
                          "'%s'; if that is the WAN address charon could not tell them apart; set LocalId or "
                          "LocalAddress in this tunnel",
                          address_to_string(&a->t->remote_address, buf), b->t->name, b->t->path,
                          tunnel_line(b->t, bk), peer_local_id(b));
}

static int check_same_peer(Config *c, DiagList *d) {
        _cleanup_free_ PeerKey *v = NULL;
        size_t n = 0;
        int r;

        if (c->n_tunnels < 2)
                return 0;
        v = reallocarray(NULL, c->n_tunnels, sizeof(PeerKey));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];

                if (t->line[TUNNEL_REMOTE_ADDRESS] == 0)
                        continue; /* missing or bad: reported */
                peer_key_init(&v[n++], t);
        }
        if (n < 2)
                return 0;
        qsort(v, n, sizeof(PeerKey), peer_key_cmp);
        for (size_t i = 1; i < n; i++) {
                char buf[PREFIX_STRLEN];

                if (!same_remote(&v[i - 1], &v[i]) || !streq(peer_local_id(&v[i - 1]), peer_local_id(&v[i])))
                        continue;
                r = diag_error(d, v[i].t->path, tunnel_line(v[i].t, TUNNEL_REMOTE_ADDRESS),
                               "RemoteAddress '%s' with the same LocalId/RemoteId as tunnel '%s' (%s:%u): charon "
                               "could not tell them apart; set distinct LocalId or RemoteId, or merge the tunnels",
                               address_to_string(&v[i].t->remote_address, buf), v[i - 1].t->name, v[i - 1].t->path,
                               tunnel_line(v[i - 1].t, TUNNEL_REMOTE_ADDRESS));
                if (r < 0)
                        return r;
        }
        /* The run-time identities: within each run of one remote address
         * (adjacent after the sort; a few tunnels at most), every %any
         * tunnel against the address identities, one report per %any
         * tunnel. */
        for (size_t lo = 0, hi; lo < n; lo = hi) {
                for (hi = lo + 1; hi < n; hi++)
                        if (memcmp(&v[lo].t->remote_address, &v[hi].t->remote_address, sizeof(Address)) != 0)
                                break;
                for (size_t i = lo; i < hi; i++) {
                        if (!v[i].local_any)
                                continue;
                        for (size_t j = lo; j < hi; j++) {
                                if (!v[j].local_is_address || !same_remote(&v[i], &v[j]))
                                        continue;
                                r = report_any_vs_address(&v[i], &v[j], d);
                                if (r < 0)
                                        return r;
                                break;
                        }
                }
        }
        return 0;
}

/* Verdicts on credential files within one check: a thousand tunnels that
 * share one PSK file (or one CA) walk its directories and read it once, not
 * a thousand times (each walk is a dozen system calls). Files do not change
 * meaning within one check; the next check judges afresh. */
typedef enum VerdictKind {
        VERDICT_TRUST,          /* trust_path, directories only */
        VERDICT_TRUST_LAST,     /* trust_path, the file too */
        VERDICT_TRUST_FILE,     /* check_trust's verdict on a file, by its own path */
        VERDICT_PSK,            /* psk_read */
} VerdictKind;

typedef struct Verdict {
        char *path;
        VerdictKind kind;
        int r;
        char *reason;
} Verdict;

typedef struct VerdictMemo {
        Verdict *v;
        size_t n, allocated;
        size_t *slots; /* open addressing: index + 1 into v, 0 free */
        size_t n_slots;
} VerdictMemo;

static void verdict_memo_clear(VerdictMemo *m) {
        for (size_t i = 0; i < m->n; i++) {
                free(m->v[i].path);
                free(m->v[i].reason);
        }
        free(m->v);
        free(m->slots);
        *m = (VerdictMemo) {};
}

static size_t verdict_hash(VerdictKind kind, const char *path) {
        return (size_t) fnv1a_str(fnv1a_byte(FNV1A_INIT, (unsigned char) kind), path);
}

static const Verdict *verdict_find(const VerdictMemo *m, VerdictKind kind, const char *path) {
        if (m->n_slots == 0)
                return NULL;
        for (size_t i = verdict_hash(kind, path) & (m->n_slots - 1);; i = (i + 1) & (m->n_slots - 1)) {
                const Verdict *v;

                if (m->slots[i] == 0)
                        return NULL;
                v = &m->v[m->slots[i] - 1];
                if (v->kind == kind && streq(v->path, path))
                        return v;
        }
}

static void verdict_slot_put(VerdictMemo *m, size_t index) {
        size_t i = verdict_hash(m->v[index].kind, m->v[index].path) & (m->n_slots - 1);

        while (m->slots[i] != 0)
                i = (i + 1) & (m->n_slots - 1);
        m->slots[i] = index + 1;
}

/* Remembers r and reason (taken over) for path. Returns the verdict, or
 * NULL when out of memory. */
static const Verdict *verdict_add(VerdictMemo *m, VerdictKind kind, const char *path, int r, char *reason) {
        Verdict *v;

        if (m->n == m->allocated) {
                size_t a = m->allocated ? m->allocated * 2 : 16;
                Verdict *n = reallocarray(m->v, a, sizeof(Verdict));
                size_t *slots = calloc(a * 2, sizeof(size_t));

                if (!n || !slots) {
                        if (n)
                                m->v = n;
                        free(slots);
                        free(reason);
                        return NULL;
                }
                m->v = n;
                m->allocated = a;
                /* At most half full. */
                free(m->slots);
                m->slots = slots;
                m->n_slots = a * 2;
                for (size_t i = 0; i < m->n; i++)
                        verdict_slot_put(m, i);
        }
        v = &m->v[m->n];
        *v = (Verdict) { .path = strdup(path), .kind = kind, .r = r, .reason = reason };
        if (!v->path) {
                free(reason);
                return NULL;
        }
        verdict_slot_put(m, m->n);
        m->n++;
        return v;
}

/* The directories above a credential file, and with with_last the file
 * itself, must be root's alone (trust.h). A path that cannot be walked is
 * reported by whoever reads the file. Returns 0 or -ENOMEM. */
static int check_trust(const Tunnel *t, TunnelKey key, const char *path, bool with_last, uid_t owner, DiagList *d,
                       VerdictMemo *memo) {
        _cleanup_free_ char *dir = NULL;
        const char *judged = path;
        VerdictKind kind = with_last ? VERDICT_TRUST_LAST : VERDICT_TRUST;
        const Verdict *v;
        struct stat st;

        /* A file that many tunnels name (one PSK file) is looked at once. */
        if (!with_last) {
                v = verdict_find(memo, VERDICT_TRUST_FILE, path);
                if (v)
                        goto judged;
        }
        /* The directories above a file that is not a symlink are its
         * directory and those above it: judged once for every file in it
         * (a PSK file per tunnel: one walk, not a thousand). A symlink is
         * walked where it leads. */
        if (!with_last && lstat(path, &st) >= 0 && !S_ISLNK(st.st_mode) && strchr(path, '/')) {
                dir = strdup(path);
                if (!dir)
                        return -ENOMEM;
                *strrchr(dir, '/') = 0;
                if (isempty(dir))
                        strcpy(dir, "/"); /* "/name": the buffer holds two bytes at least */
                judged = dir;
                kind = VERDICT_TRUST_LAST;
        }
        v = verdict_find(memo, kind, judged);
        if (!v) {
                char *reason = NULL;
                int r = trust_path(judged, owner, kind == VERDICT_TRUST_LAST, &reason);

                if (r == -ENOMEM)
                        return r;
                v = verdict_add(memo, kind, judged, r, reason);
                if (!v)
                        return -ENOMEM;
        }
        if (!with_last) {
                char *reason = NULL;

                if (v->reason) {
                        reason = strdup(v->reason);
                        if (!reason)
                                return -ENOMEM;
                }
                v = verdict_add(memo, VERDICT_TRUST_FILE, path, v->r, reason);
                if (!v)
                        return -ENOMEM;
        }
judged:
        if (v->r != -EPERM)
                return 0;
        return diag_error(d, t->path, tunnel_line(t, key), "%s=%s: %s", tunnel_key_to_string(key), path, v->reason);
}

/* A certificate file that also holds a private key (appended by mistake,
 * or a "combined" PEM) is a key file, and is judged as one: root's, 0600 or
 * 0400. Returns 0 or -ENOMEM. */
static int check_key_in_certificate(const Tunnel *t, TunnelKey key, const char *path, uid_t owner, DiagList *d) {
        const ReadFileOptions ro = { .flags = READ_FILE_ERASE, .max_size = CONF_MAX_FILE_SIZE };
        _cleanup_erase_ char *buf = NULL;
        _cleanup_free_ char *reason = NULL;
        size_t n = 0;
        int r;

        r = read_full_file_at(AT_FDCWD, path, &ro, &buf, &n, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !memmem(buf, n, "PRIVATE KEY-----", strlen("PRIVATE KEY-----")))
                return 0; /* unreadable: creds.c says why */
        r = secret_file_check(path, owner, &reason);
        if (r == -ENOMEM)
                return r;
        if (r != -EPERM)
                return 0;
        return diag_error(d, t->path, tunnel_line(t, key),
                          "%s=%s: holds a private key, so it is judged as a key file: %s (or keep the key in "
                          "PrivateKey= only)",
                          tunnel_key_to_string(key), path, reason);
}

static int check_secret_files(Config *c, const ConfOptions *o, DiagList *d) {
        _cleanup_(verdict_memo_clear) VerdictMemo memo = {};
        int r;

        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];
                _cleanup_free_ char *reason = NULL;

                /* Secret files judge their own owner and mode (strictly,
                 * below); the walk judges the directories above them. */
                if (t->auth == AUTH_PSK && t->psk_file)
                        r = check_trust(t, TUNNEL_PRE_SHARED_KEY_FILE, t->psk_file, false, o->secret_owner, d, &memo);
                else if (t->auth == AUTH_CERTIFICATE) {
                        r = 0;
                        if (t->private_key)
                                r = check_trust(t, TUNNEL_PRIVATE_KEY, t->private_key, false, o->secret_owner, d, &memo);
                        if (r >= 0 && t->certificate)
                                r = check_trust(t, TUNNEL_CERTIFICATE, t->certificate, true, o->secret_owner, d, &memo);
                        if (r >= 0 && t->certificate)
                                r = check_key_in_certificate(t, TUNNEL_CERTIFICATE, t->certificate,
                                                             o->secret_owner, d);
                        if (r >= 0 && t->ca_certificate)
                                r = check_trust(t, TUNNEL_CA_CERTIFICATE, t->ca_certificate, true, o->secret_owner,
                                                d, &memo);
                        if (r >= 0 && t->ca_certificate)
                                r = check_key_in_certificate(t, TUNNEL_CA_CERTIFICATE, t->ca_certificate,
                                                             o->secret_owner, d);
                } else
                        r = 0;
                if (r < 0)
                        return r;

                if (t->auth == AUTH_PSK && t->psk_file) {
                        const Verdict *v = verdict_find(&memo, VERDICT_PSK, t->psk_file);

                        if (!v) {
                                _cleanup_secret_ char *key = NULL;
                                char *why = NULL;

                                /* psk_read checks owner and mode on the fd it
                                 * reads (secret_file_check's checks, without
                                 * a race). The key itself is not kept. */
                                FileFacts *f = file_cache_get(o->files, t->psk_file);

                                if (f && f->has_psk) {
                                        r = f->psk_r;
                                        if (f->psk_reason && !(why = strdup(f->psk_reason)))
                                                return -ENOMEM;
                                } else {
                                        r = psk_read(t->psk_file, o->secret_owner, &key, &why);
                                        if (r == -ENOMEM)
                                                return r;
                                        if (f) {
                                                f->psk_r = r;
                                                f->psk_reason = why ? strdup(why) : NULL;
                                                f->has_psk = !why || f->psk_reason;
                                        }
                                }
                                v = verdict_add(&memo, VERDICT_PSK, t->psk_file, r, why);
                                if (!v)
                                        return -ENOMEM;
                        }
                        r = v->r;
                        if (v->reason) {
                                reason = strdup(v->reason);
                                if (!reason)
                                        return -ENOMEM;
                        }
                        /* A path that names no file is not quoted: it may
                         * be a key pasted by mistake, and no diagnostic
                         * ever quotes a secret. */
                        if (r == -ENOENT || r == -ENOTDIR) {
                                r = diag_error(d, t->path, tunnel_line(t, TUNNEL_PRE_SHARED_KEY_FILE),
                                               "PreSharedKeyFile: no such file (the path is not shown: it names no "
                                               "file and may be a key pasted by mistake); make the file with "
                                               "'gatewayctl genpsk FILE' or fix the path");
                                if (r < 0)
                                        return r;
                        } else if (r < 0) {
                                r = diag_error(d, t->path, tunnel_line(t, TUNNEL_PRE_SHARED_KEY_FILE),
                                               "PreSharedKeyFile=%s: %s", t->psk_file,
                                               reason ? reason : strerror(-r));
                                if (r < 0)
                                        return r;
                        }
                } else if (t->auth == AUTH_CERTIFICATE && t->private_key) {
                        r = secret_file_check(t->private_key, o->secret_owner, &reason);
                        if (r == -ENOMEM)
                                return r;
                        /* A missing key file is reported once, by the
                         * certificate checks (creds.c), which need the file. */
                        if (r < 0 && r != -ENOENT) {
                                r = diag_error(d, t->path, tunnel_line(t, TUNNEL_PRIVATE_KEY), "PrivateKey=%s: %s",
                                               t->private_key, reason ? reason : strerror(-r));
                                if (r < 0)
                                        return r;
                        }
                }
        }
        return 0;
}

int conf_finish(Config *c, const ConfOptions *o, DiagList *d) {
        int r;

        if (c->n_tunnels > 1)
                qsort(c->tunnels, c->n_tunnels, sizeof(Tunnel *), tunnel_cmp_name);
        r = add_builtin_profiles(c, d);
        if (r < 0)
                return r;
        r = resolve_profiles(c, d);
        if (r < 0)
                return r;
        /* Disabled tunnels take part: enabling one later must not be the
         * moment a clash shows up. */
        r = check_name_clashes(c, d);
        if (r < 0)
                return r;
        r = check_remote_overlaps(c, d);
        if (r < 0)
                return r;
        r = check_same_peer(c, d);
        if (r < 0)
                return r;
        r = conf_check_routes(c, d);
        if (r < 0)
                return r;
        r = conf_check_lockout(c, d);
        if (r < 0)
                return r;
        if (o && o->check_files) {
                r = check_secret_files(c, o, d);
                if (r < 0)
                        return r;
        }
        return 0;
}

