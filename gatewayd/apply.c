/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>

#include "apply.h"
#include "creds.h"
#include "fileio.h"
#include "ikepolicy.h"
#include "log.h"
#include "secret.h"

/* One in-flight command: who to tell, about what. A batched load-conn
 * (apply_flush) tells for each of its tunnels, and keeps its message: when
 * charon refuses it, the connections go again one at a time, so that the
 * refusal is told of the tunnel it concerns. */
typedef struct Pending {
        ApplyContext *a;
        char *tunnel;
        const char *cmd; /* static strings only */
        SettingsNode *batch;
        char **names;
        size_t n_names;
} Pending;

static void free_names(char **names, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

static void pending_clear(Pending *p) {
        free(p->tunnel);
        settings_free(p->batch);
        free_names(p->names, p->n_names);
}

static Pending *pending_free(Pending *p) {
        if (p)
                pending_clear(p);
        free(p);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Pending *, pending_free);

int apply_load_file(void *userdata, const char *path, unsigned flags, char **ret_data, size_t *ret_len) {
        const ConfOptions *o = userdata;
        ReadFileOptions ro = { .max_size = VICI_MAX_VALUE };
        _cleanup_free_ char *reason = NULL;
        int r;

        if (flags & SETTINGS_SECRET) {
                char *key = NULL;

                r = psk_read(path, o->secret_owner, &key, &reason);
                if (r < 0)
                        return r;
                *ret_len = strlen(key);
                *ret_data = key;
                return 0;
        }
        /* This runs inside the event loop: the reader's O_NONBLOCK keeps a
         * FIFO at a credential path from hanging the daemon. A private key
         * is held to what the check demanded of it (secret_file_check). */
        if (flags & SETTINGS_PRIVATE_KEY)
                ro = (ReadFileOptions) {
                        .flags = READ_FILE_NOFOLLOW | READ_FILE_SECRET,
                        .owner = o->secret_owner,
                        .max_size = VICI_MAX_VALUE,
                };
        r = read_full_file_at(AT_FDCWD, path, &ro, ret_data, ret_len, NULL);
        return r == -EFBIG ? -E2BIG : r;
}

static void pending_dec(ApplyContext *a) {
        if (a->pending > 0)
                a->pending--;
}

static void batch_answered(Pending *p, int error, const char *errmsg);

static void on_done(VICIClient *c, int error, const SettingsNode *response, void *userdata) {
        _cleanup_(pending_freep) Pending *p = userdata;
        const char *errmsg = NULL;

        if (error == 0) {
                int r = vici_response_success(response, &errmsg);
                if (r < 0)
                        error = r;
                else if (r == 0)
                        error = -EREMOTEIO;
        }
        if (p->names) {
                batch_answered(p, error, errmsg);
                return;
        }
        pending_dec(p->a);
        if (p->a->done)
                p->a->done(p->a->userdata, p->tunnel, p->cmd, error, errmsg);
}

static bool is_credential(const char *cmd) {
        return streq(cmd, "load-shared") || streq(cmd, "load-key") || streq(cmd, "load-cert");
}

/* Sends p's command; on success the VICI client holds p until the answer,
 * and each of its tunnels (one, or p->names) counts in pending. */
static int call_pending(ApplyContext *a, Pending *p, const SettingsNode *msg) {
        int r;

        /* Credentials may overtake the connections collected so far (a
         * connection needs them only when it authenticates); nothing else
         * may. */
        if (!is_credential(p->cmd))
                apply_flush(a);
        r = vici_client_call(a->vici, p->cmd, msg, on_done, p);
        if (r >= 0)
                a->pending += p->names ? p->n_names : 1;
        return r;
}

/* Queues one command for tunnel; every failure is returned (done is not
 * told). */
static int send_cmd(ApplyContext *a, const char *tunnel, const char *cmd, const SettingsNode *msg) {
        _cleanup_(pending_freep) Pending *p = calloc(1, sizeof(Pending));
        int r;

        if (!p)
                return -ENOMEM;
        p->a = a;
        p->cmd = cmd;
        if (tunnel && !(p->tunnel = strdup(tunnel)))
                return -ENOMEM;
        r = call_pending(a, p, msg);
        if (r >= 0)
                TAKE_PTR(p);
        return r;
}

static int queue(ApplyContext *a, const char *tunnel, const char *cmd, const SettingsNode *msg) {
        int r = send_cmd(a, tunnel, cmd, msg);

        if (r == -ENOMEM || r == -ENOTCONN)
                return r;
        /* This command could not be made (a file that cannot be read, a
         * value too large for VICI): it fails like one charon refused, and
         * the rest of the batch goes on. */
        if (r < 0 && a->done)
                a->done(a->userdata, tunnel, cmd, r, NULL);
        return 0;
}

/* Whether a batched load-conn that failed with error goes again one
 * connection at a time: yes when charon refused it (it loaded the
 * connections before the one it refused, and none after) or it could not
 * be encoded; no when the connection to charon is gone (a reconnect
 * applies everything). */
static bool batch_retry(const Pending *p, int error) {
        return p->batch && p->n_names > 1 && error < 0 && error != -ECONNRESET && error != -ETIMEDOUT && error != -ENOTCONN &&
               error != -ENOMEM;
}

static void batch_answered(Pending *p, int error, const char *errmsg) {
        ApplyContext *a = p->a;
        bool retry = batch_retry(p, error);

        if (retry)
                log_info("charon refused a load-conn of %zu connections (%s); loading them one at a time",
                         p->n_names, errmsg ?: strerror(-error));
        /* A batch of connections, or a group's shared key: told for each
         * tunnel. Each tunnel's share of pending goes just before it is
         * told, so that pending reaches 0 with the last one. */
        for (size_t i = 0; i < p->n_names; i++) {
                int r = error;

                if (retry) {
                        _cleanup_(settings_freep) SettingsNode *msg = settings_new(NULL);
                        const SettingsNode *conn = settings_get(p->batch, p->names[i]);

                        r = !msg || !conn ? -ENOMEM : settings_attach(msg, settings_copy(conn));
                        if (r >= 0)
                                r = send_cmd(a, p->names[i], "load-conn", msg);
                        pending_dec(a);
                        if (r >= 0)
                                continue; /* told by its own answer */
                        errmsg = NULL;
                } else
                        pending_dec(a);
                if (a->done)
                        a->done(a->userdata, p->names[i], p->cmd, r, errmsg);
        }
}

static PskGroups *psk_groups_free(PskGroups *g);

/* The PSK group index goes (it is rebuilt on first use). */
static void drop_groups(ApplyContext *a) {
        a->groups = psk_groups_free(a->groups);
        a->groups_of = NULL;
}

static int on_flush(sd_event_source *s, void *userdata) {
        ApplyContext *a = userdata;

        apply_flush(a);
        if (!a->hold_groups)
                drop_groups(a);
        return 0;
}

/* Arms the defer source: the collected connections go, and the PSK group
 * index is dropped, at the end of this iteration. Without an event loop
 * the index goes with the next rebuild or apply_drop. */
static void schedule_flush(ApplyContext *a) {
        int r;

        if (!a->event)
                return;
        if (a->batch_flush)
                r = sd_event_source_set_enabled(a->batch_flush, SD_EVENT_ONESHOT);
        else
                r = sd_event_add_defer(a->event, &a->batch_flush, on_flush, a);
        if (r < 0)
                apply_flush(a);
}

void apply_hold_groups(ApplyContext *a, bool hold) {
        a->hold_groups = hold;
        if (!hold)
                drop_groups(a);
}

void apply_flush(ApplyContext *a) {
        _cleanup_(pending_freep) Pending *p = NULL;
        int r;

        if (a->batch_flush)
                (void) sd_event_source_set_enabled(a->batch_flush, SD_EVENT_OFF);
        if (a->n_batch == 0)
                return;
        /* Taken out of a first: what runs from here may collect anew. */
        Pending q = { .a = a, .cmd = "load-conn", .batch = a->batch, .names = a->batch_names, .n_names = a->n_batch };

        a->batch = NULL;
        a->batch_names = NULL;
        a->n_batch = 0;
        p = malloc(sizeof(Pending));
        if (!p) {
                batch_answered(&q, -ENOMEM, NULL);
                pending_clear(&q);
                return;
        }
        *p = q;
        r = vici_client_call(a->vici, "load-conn", p->batch, on_done, p);
        if (r >= 0) {
                TAKE_PTR(p);
                return;
        }
        batch_answered(p, r, NULL);
}

void apply_forget_config(ApplyContext *a, const Config *c) {
        if (a->groups_of == c)
                drop_groups(a);
}

void apply_drop(ApplyContext *a) {
        a->hold_groups = false;
        drop_groups(a);
        a->batch = settings_free(a->batch);
        free_names(a->batch_names, a->n_batch);
        a->batch_names = NULL;
        a->n_batch = 0;
        a->batch_flush = sd_event_source_disable_unref(a->batch_flush);
}

/* Adds conn (owned, also on failure) to the connections to send. */
static int batch_add(ApplyContext *a, const char *tunnel, SettingsNode *conn) {
        _cleanup_(settings_freep) SettingsNode *owned = conn;
        char **names;
        int r;

        /* The same connection twice in one message is not VICI. */
        if (a->batch && settings_get(a->batch, tunnel))
                apply_flush(a);
        if (!a->batch && !(a->batch = settings_new(NULL)))
                return -ENOMEM;
        names = reallocarray(a->batch_names, a->n_batch + 1, sizeof(char *));
        if (!names)
                return -ENOMEM;
        a->batch_names = names;
        names[a->n_batch] = strdup(tunnel);
        if (!names[a->n_batch])
                return -ENOMEM;
        r = settings_attach(a->batch, TAKE_PTR(owned));
        if (r < 0) {
                free(names[a->n_batch]);
                return r;
        }
        a->n_batch++;
        a->pending++;
        if (!a->event || a->n_batch >= APPLY_CONN_BATCH)
                apply_flush(a);
        else
                schedule_flush(a);
        return 0;
}

int apply_call(ApplyContext *a, const char *cmd, const SettingsNode *msg, VICIResponseHandler cb, void *userdata) {
        apply_flush(a);
        return vici_client_call(a->vici, cmd, msg, cb, userdata);
}

static int render(const Gateway *g, const Tunnel *t, SettingsNode **ret) {
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
        int r;

        if (!root)
                return -ENOMEM;
        r = ikepolicy_render_tunnel(g, t, root);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(root);
        return 0;
}

/* A PSK group: the members index[first .. first + n) of a PskGroups. */
typedef struct PskGroup {
        size_t first, n;
        bool sent; /* its key was queued in this iteration */
} PskGroup;

struct PskGroups {
        const Tunnel **index; /* members, by (PreSharedKeyFile, LocalId) */
        size_t n_index;
        PskGroup *groups;
        size_t n_groups;
};

static bool psk_member(const Tunnel *t) {
        return t->auth == AUTH_PSK && t->enabled && t->profile && !t->broken && t->psk_file;
}

/* Orders by file, then LocalId (none before any). */
static int psk_key_cmp(const Tunnel *a, const Tunnel *b) {
        int r = strcmp(a->psk_file, b->psk_file);

        if (r != 0)
                return r;
        if (!a->local_id || !b->local_id)
                return (a->local_id != NULL) - (b->local_id != NULL);
        return strcmp(a->local_id, b->local_id);
}

static int psk_index_cmp(const void *x, const void *y) {
        return psk_key_cmp(*(const Tunnel *const *) x, *(const Tunnel *const *) y);
}

static PskGroups *psk_groups_free(PskGroups *g) {
        if (g) {
                free(g->index);
                free(g->groups);
        }
        free(g);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(PskGroups *, psk_groups_free);

static int psk_groups_build(const Config *c, PskGroups **ret) {
        _cleanup_(psk_groups_freep) PskGroups *g = calloc(1, sizeof(PskGroups));

        if (!g || (c->n_tunnels > 0 && (!(g->index = calloc(c->n_tunnels, sizeof(Tunnel *))) ||
                                        !(g->groups = calloc(c->n_tunnels, sizeof(PskGroup))))))
                return -ENOMEM;
        for (size_t i = 0; i < c->n_tunnels; i++)
                if (psk_member(c->tunnels[i]))
                        g->index[g->n_index++] = c->tunnels[i];
        qsort(g->index, g->n_index, sizeof(Tunnel *), psk_index_cmp);
        for (size_t i = 0; i < g->n_index; i++) {
                if (i == 0 || psk_key_cmp(g->index[i - 1], g->index[i]) != 0)
                        g->groups[g->n_groups++] = (PskGroup) { .first = i };
                g->groups[g->n_groups - 1].n++;
        }
        *ret = TAKE_PTR(g);
        return 0;
}

/* The group t belongs to in c (t itself need not be in c), or NULL. */
static int psk_group_find(ApplyContext *a, const Config *c, const Tunnel *t, PskGroup **ret) {
        size_t lo = 0, hi;
        int r;

        if (a->groups_of != c || !a->groups) {
                drop_groups(a);
                r = psk_groups_build(c, &a->groups);
                if (r < 0)
                        return r;
                a->groups_of = c;
                schedule_flush(a); /* drops the index at the end of the iteration */
        }
        hi = a->groups->n_groups;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int k = psk_key_cmp(a->groups->index[a->groups->groups[mid].first], t);

                if (k == 0) {
                        *ret = &a->groups->groups[mid];
                        return 0;
                }
                if (k < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *ret = NULL;
        return 0;
}

/* The file's length first keeps "a:b" + "c" apart from "a" + "b:c". */
int apply_psk_group_id(const Tunnel *t, char **ret) {
        int k = t->local_id ? asprintf(ret, "gatewayd-psk:%zu:%s:%s", strlen(t->psk_file), t->psk_file, t->local_id)
                            : asprintf(ret, "gatewayd-psk:%zu:%s", strlen(t->psk_file), t->psk_file);

        return k < 0 ? -ENOMEM : 0;
}

/* Queues cmd for the tunnels names[0..n) (a group's members): done is
 * told for each of them. names is the callee's, also on failure. */
static int send_group(ApplyContext *a, const char *cmd, const SettingsNode *msg, char **names, size_t n) {
        _cleanup_(pending_freep) Pending *p = calloc(1, sizeof(Pending));
        int r;

        if (!p) {
                free_names(names, n);
                return -ENOMEM;
        }
        p->a = a;
        p->cmd = cmd;
        p->names = names;
        p->n_names = n;
        r = call_pending(a, p, msg);
        if (r >= 0) {
                TAKE_PTR(p);
                return 0;
        }
        if (r == -ENOMEM || r == -ENOTCONN)
                return r;
        /* Not sendable (a key file that cannot be read): each member fails
         * like a refused command. */
        for (size_t i = 0; a->done && i < n; i++)
                a->done(a->userdata, names[i], cmd, r, NULL);
        return 0;
}

/* Queues the shared key of t's group in c: load-shared with every member's
 * identities as owners, once per iteration; unload-shared when the group
 * has no member left. Members share the LocalId, so the owners make up the
 * same pairs of identities charon matched with one key per tunnel and no
 * other (with different LocalIds, a pair of one tunnel's local and
 * another's remote identity could win a tunnel's key of its own). The key
 * is read from the file once, when it is sent. */
static int queue_psk(ApplyContext *a, const Config *c, const Tunnel *t) {
        _cleanup_(settings_freep) SettingsNode *msg = settings_new(NULL);
        _cleanup_free_ char *id = NULL;
        SettingsNode *owners;
        PskGroup *g;
        char **names;
        int r;

        if (!msg || apply_psk_group_id(t, &id) < 0)
                return -ENOMEM;
        r = psk_group_find(a, c, t, &g);
        if (r < 0)
                return r;
        if (settings_set(msg, "id", id, 0) < 0)
                return -ENOMEM;
        if (!g)
                return queue(a, t->name, "unload-shared", msg);
        if (g->sent)
                return 0;
        if ((r = settings_set(msg, "type", "IKE", 0)) < 0 ||
            (r = settings_set(msg, "data", t->psk_file, SETTINGS_SECRET | SETTINGS_FILE)) < 0 ||
            (r = settings_set_list(msg, "owners", NULL, 0, 0)) < 0)
                return r;
        owners = msg->children[msg->n_children - 1];
        if (t->local_id && (r = settings_list_append(owners, t->local_id)) < 0)
                return r;
        names = calloc(g->n, sizeof(char *));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < g->n; i++) {
                const Tunnel *m = a->groups->index[g->first + i];
                char buf[PREFIX_STRLEN];

                names[i] = strdup(m->name);
                r = names[i] ? settings_list_append(owners, ikepolicy_remote_id(m, buf)) : -ENOMEM;
                if (r < 0) {
                        free_names(names, i + 1);
                        return r;
                }
        }
        g->sent = true;
        return send_group(a, "load-shared", msg, names, g->n);
}

static int queue_file_cmd(ApplyContext *a, const Tunnel *t, const char *cmd, const char *k1, const char *v1,
                          const char *k2, const char *v2, const char *file, SettingsFlags file_flags) {
        _cleanup_(settings_freep) SettingsNode *msg = settings_new(NULL);
        int r;

        if (!msg)
                return -ENOMEM;
        if ((r = settings_set(msg, k1, v1, 0)) < 0 || (k2 && (r = settings_set(msg, k2, v2, 0)) < 0) ||
            (r = settings_set(msg, "data", file, SETTINGS_FILE | file_flags)) < 0)
                return r;
        return queue(a, t->name, cmd, msg);
}

/* This device's certificate and the intermediates after it in the same
 * file (gatewayd.conf(5), Certificate=): charon's load-cert parses one
 * certificate per message, so each goes on its own, the first as the
 * end-entity, the others as CA certificates; charon then sends the
 * intermediates it needs for the chain in IKE_AUTH. */
static int queue_cert_file(ApplyContext *a, const Tunnel *t, const char *path, bool ca) {
        char **pems = NULL;
        size_t n = 0;
        int r;

        r = creds_cert_texts(path, true, &pems, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                _cleanup_(settings_freep) SettingsNode *msg = settings_new(NULL);

                if (r >= 0 && !msg)
                        r = -ENOMEM;
                if (r >= 0 && ((r = settings_set(msg, "type", "X509", 0)) >= 0) &&
                    ((r = settings_set(msg, "flag", i == 0 && !ca ? "NONE" : "CA", 0)) >= 0) &&
                    ((r = settings_set(msg, "data", pems[i], 0)) >= 0))
                        r = queue(a, t->name, "load-cert", msg);
                free(pems[i]);
        }
        free(pems);
        return r;
}

int apply_tunnel_creds(ApplyContext *a, const Config *c, const Tunnel *t) {
        int r;

        if (t->auth == AUTH_CERTIFICATE) {
                r = queue_file_cmd(a, t, "load-key", "type", "any", NULL, NULL, t->private_key,
                                   SETTINGS_PRIVATE_KEY);
                if (r < 0)
                        return r;
                r = queue_cert_file(a, t, t->certificate, false);
                if (r < 0)
                        return r;
                /* The peer's CA as a credential too: clear-creds (a renewal
                 * in any tunnel) drops the copy load-conn brought, and the
                 * connection itself is not sent again when it did not
                 * change. */
                return t->ca_certificate ? queue_cert_file(a, t, t->ca_certificate, true) : 0;
        }
        return queue_psk(a, c, t);
}

bool apply_tunnel_initiates(const Tunnel *t) {
        return t->enabled && !t->broken && t->connection_mode != CONNECTION_MODE_RESPONDER_ONLY;
}

/* start_action=none in every child of conn: the pacer initiates. */
static int unset_start_action(SettingsNode *conn) {
        SettingsNode *children = settings_get_mutable(conn, "children");

        for (size_t i = 0; children && i < children->n_children; i++) {
                int r;

                (void) settings_remove(children->children[i], "start_action");
                r = settings_set(children->children[i], "start_action", "none", 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

int apply_tunnel_load(ApplyContext *a, const Config *c, const Tunnel *t, bool with_creds, bool paced) {
        _cleanup_(settings_freep) SettingsNode *root = NULL, *conn = NULL;
        SettingsNode *conns, *local;
        int r;

        r = render(&c->gateway, t, &root);
        if (r < 0)
                return r;
        if (with_creds) {
                r = apply_tunnel_creds(a, c, t);
                if (r < 0)
                        return r;
        }
        /* The rendered connection itself, taken out of its tree (copying it
         * cost a seventh of gatewayd's CPU in a start with 1,000 tunnels). */
        conns = settings_get_mutable(root, "connections");
        conn = conns ? settings_detach(conns, t->name) : NULL;
        if (!conn)
                return -EINVAL;
        if (paced) {
                r = unset_start_action(conn);
                if (r < 0)
                        return r;
        }
        local = settings_get_mutable(conn, "local");
        if (t->auth == AUTH_CERTIFICATE && local) {
                /* See apply.h: the certificate is a credential, found by the
                 * local identity, not part of the connection. */
                (void) settings_remove(local, "certs");
                if (!settings_get(local, "id")) {
                        _cleanup_free_ char *id = NULL;

                        r = creds_cert_identity(t->certificate, &id);
                        if (r < 0)
                                return r;
                        r = settings_set(local, "id", id, 0);
                        if (r < 0)
                                return r;
                }
        }
        return batch_add(a, t->name, TAKE_PTR(conn));
}

int apply_tunnel_unload(ApplyContext *a, const Config *c, const Tunnel *t) {
        _cleanup_(settings_freep) SettingsNode *msg = settings_new(NULL), *term = settings_new(NULL);
        int r;

        if (!msg || !term)
                return -ENOMEM;
        /* charon closes a connection's SAs on unload only when it was
         * loaded with start_action=start; the pacer's are loaded without
         * (pacer.h), so the SAs are closed here, not waited for. */
        r = settings_set(term, "ike", t->name, 0);
        if (r >= 0)
                r = settings_set(term, "timeout", "-1", 0);
        if (r >= 0)
                r = queue(a, t->name, "terminate", term);
        if (r < 0)
                return r;
        r = settings_set(msg, "name", t->name, 0);
        if (r < 0)
                return r;
        r = queue(a, t->name, "unload-conn", msg);
        if (r < 0 || t->auth != AUTH_PSK || !t->psk_file)
                return r;
        /* Its group's key goes again without it, or goes. */
        return queue_psk(a, c, t);
}

static int str_cmp(const void *x, const void *y) {
        return strcmp(*(char *const *) x, *(char *const *) y);
}

typedef struct Names {
        char **v;
        size_t n;
} Names;

static void names_done(Names *l) {
        free_names(l->v, l->n);
}

int apply_unload_stale_shared(ApplyContext *a, const Config *c, const SettingsNode *keys,
                              bool (*owned)(void *userdata, const char *name), void *userdata) {
        _cleanup_(names_done) Names ids = {};

        if (c->n_tunnels > 0 && !(ids.v = calloc(c->n_tunnels, sizeof(char *))))
                return -ENOMEM;
        for (size_t i = 0; i < c->n_tunnels; i++)
                if (psk_member(c->tunnels[i]) && apply_psk_group_id(c->tunnels[i], &ids.v[ids.n++]) < 0)
                        return -ENOMEM;
        qsort(ids.v, ids.n, sizeof(char *), str_cmp);
        for (size_t i = 0; keys && keys->kind == SETTINGS_LIST && i < keys->n_items; i++) {
                _cleanup_(settings_freep) SettingsNode *msg = NULL;
                const char *id = keys->items[i];
                bool stale;
                int r;

                if (strncmp(id, "gatewayd-psk:", 13) == 0)
                        stale = !bsearch(&id, ids.v, ids.n, sizeof(char *), str_cmp);
                else if (strncmp(id, "ike-", 4) == 0)
                        /* gatewayd before PSK groups: one per tunnel. */
                        stale = config_find_tunnel(c, id + 4) || (owned && owned(userdata, id + 4));
                else
                        stale = false; /* another tool's */
                if (!stale)
                        continue;
                log_info("unloading shared key '%s': gatewayd loaded it for a configuration it no longer runs", id);
                msg = settings_new(NULL);
                if (!msg || settings_set(msg, "id", id, 0) < 0)
                        return -ENOMEM;
                r = queue(a, NULL, "unload-shared", msg);
                if (r < 0)
                        return r;
        }
        return 0;
}

int apply_reload_all_creds(ApplyContext *a, const Config *c) {
        int r;

        r = queue(a, NULL, "clear-creds", NULL);
        if (r < 0)
                return r;
        /* One credential that cannot be loaded never leaves the others out:
         * its failure goes to done, and the loop goes on. */
        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];

                if (!t->enabled || !t->profile || t->broken)
                        continue;
                r = apply_tunnel_creds(a, c, t);
                if (r == -ENOMEM || r == -ENOTCONN)
                        return r;
                if (r < 0 && a->done)
                        a->done(a->userdata, t->name, "load-creds", r, NULL);
        }
        return 0;
}
