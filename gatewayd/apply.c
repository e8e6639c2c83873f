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

static void pending_clear(Pending *p) {
        free(p->tunnel);
        settings_free(p->batch);
        for (size_t i = 0; i < p->n_names; i++)
                free(p->names[i]);
        free(p->names);
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
        if (p->batch) {
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

/* Queues one command for tunnel; every failure is returned (done is not
 * told). */
static int send_cmd(ApplyContext *a, const char *tunnel, const char *cmd, const SettingsNode *msg) {
        _cleanup_(pending_freep) Pending *p = calloc(1, sizeof(Pending));
        int r;

        if (!p)
                return -ENOMEM;
        /* Credentials may overtake the connections collected so far (a
         * connection needs them only when it authenticates); nothing else
         * may. */
        if (!is_credential(cmd))
                apply_flush(a);
        p->a = a;
        p->cmd = cmd;
        if (tunnel && !(p->tunnel = strdup(tunnel)))
                return -ENOMEM;
        r = vici_client_call(a->vici, cmd, msg, on_done, p);
        if (r < 0)
                return r;
        TAKE_PTR(p);
        a->pending++;
        return 0;
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
        return p->n_names > 1 && error < 0 && error != -ECONNRESET && error != -ETIMEDOUT && error != -ENOTCONN &&
               error != -ENOMEM;
}

static void batch_answered(Pending *p, int error, const char *errmsg) {
        ApplyContext *a = p->a;
        bool retry = batch_retry(p, error);

        if (retry)
                log_info("charon refused a load-conn of %zu connections (%s); loading them one at a time",
                         p->n_names, errmsg ?: strerror(-error));
        /* Each tunnel's share of pending goes just before it is told, so
         * that pending reaches 0 with the last one. */
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
                        a->done(a->userdata, p->names[i], "load-conn", r, errmsg);
        }
}

static int on_flush(sd_event_source *s, void *userdata) {
        apply_flush(userdata);
        return 0;
}

void apply_flush(ApplyContext *a) {
        _cleanup_(pending_freep) Pending *p = NULL;
        int r;

        if (a->batch_flush)
                (void) sd_event_source_set_enabled(a->batch_flush, SD_EVENT_OFF);
        if (a->n_batch == 0)
                return;
        /* Taken out of a first: what runs from here may collect anew. */
        Pending q = { .a = a, .cmd = "load-conn", .batch = TAKE_PTR(a->batch),
                      .names = TAKE_PTR(a->batch_names), .n_names = a->n_batch };

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

void apply_drop(ApplyContext *a) {
        a->batch = settings_free(a->batch);
        for (size_t i = 0; i < a->n_batch; i++)
                free(a->batch_names[i]);
        free(a->batch_names);
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
        if (!a->event || a->n_batch >= APPLY_CONN_BATCH) {
                apply_flush(a);
                return 0;
        }
        if (a->batch_flush)
                r = sd_event_source_set_enabled(a->batch_flush, SD_EVENT_ONESHOT);
        else
                r = sd_event_add_defer(a->event, &a->batch_flush, on_flush, a);
        if (r < 0)
                apply_flush(a);
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

static int queue_psk(ApplyContext *a, const Tunnel *t, const SettingsNode *root) {
        _cleanup_(settings_freep) SettingsNode *msg = settings_new(NULL);
        _cleanup_free_ char *id = NULL, *path = NULL;
        const SettingsNode *sec, *secret;
        SettingsNode *owners;
        int r;

        if (asprintf(&id, "ike-%s", t->name) < 0 || asprintf(&path, "secrets.%s", id) < 0 || !msg)
                return -ENOMEM;
        sec = settings_lookup(root, path);
        secret = sec ? settings_get(sec, "secret") : NULL;
        if (!secret)
                return -EINVAL;
        if ((r = settings_set(msg, "id", id, 0)) < 0 || (r = settings_set(msg, "type", "IKE", 0)) < 0 ||
            (r = settings_set(msg, "data", secret->value, secret->flags)) < 0 ||
            (r = settings_set_list(msg, "owners", NULL, 0, 0)) < 0)
                return r;
        /* The owners are the rendered "id*" keys of secrets.ike-<name>. */
        owners = msg->children[msg->n_children - 1];
        for (size_t i = 0; i < sec->n_children; i++)
                if (strncmp(sec->children[i]->name, "id", 2) == 0 && sec->children[i]->value) {
                        r = settings_list_append(owners, sec->children[i]->value);
                        if (r < 0)
                                return r;
                }
        return queue(a, t->name, "load-shared", msg);
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

/* The credentials of t; root is its rendering (the PSK's owners come from it). */
static int queue_creds(ApplyContext *a, const Tunnel *t, const SettingsNode *root) {
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
        return queue_psk(a, t, root);
}

int apply_tunnel_creds(ApplyContext *a, const Gateway *g, const Tunnel *t) {
        _cleanup_(settings_freep) SettingsNode *root = NULL;
        int r;

        if (t->auth == AUTH_CERTIFICATE)
                return queue_creds(a, t, NULL);
        r = render(g, t, &root);
        if (r < 0)
                return r;
        return queue_creds(a, t, root);
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

int apply_tunnel_load(ApplyContext *a, const Gateway *g, const Tunnel *t, bool with_creds, bool paced) {
        _cleanup_(settings_freep) SettingsNode *root = NULL, *conn = NULL;
        _cleanup_free_ char *path = NULL;
        SettingsNode *local;
        int r;

        if (asprintf(&path, "connections.%s", t->name) < 0)
                return -ENOMEM;
        r = render(g, t, &root);
        if (r < 0)
                return r;
        if (with_creds) {
                r = queue_creds(a, t, root);
                if (r < 0)
                        return r;
        }
        conn = settings_copy(settings_lookup(root, path));
        if (!conn)
                return -ENOMEM;
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

int apply_tunnel_unload(ApplyContext *a, const Tunnel *t) {
        _cleanup_(settings_freep) SettingsNode *msg = settings_new(NULL), *sh = settings_new(NULL);
        _cleanup_free_ char *id = NULL;
        int r;

        _cleanup_(settings_freep) SettingsNode *term = settings_new(NULL);

        if (!msg || !sh || !term || asprintf(&id, "ike-%s", t->name) < 0)
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
        if (r < 0 || t->auth != AUTH_PSK)
                return r;
        r = settings_set(sh, "id", id, 0);
        if (r < 0)
                return r;
        return queue(a, t->name, "unload-shared", sh);
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
                r = apply_tunnel_creds(a, &c->gateway, t);
                if (r == -ENOMEM || r == -ENOTCONN)
                        return r;
                if (r < 0 && a->done)
                        a->done(a->userdata, t->name, "load-creds", r, NULL);
        }
        return 0;
}
