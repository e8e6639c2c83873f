/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>

#include "apply.h"
#include "creds.h"
#include "fileio.h"
#include "ikepolicy.h"
#include "secret.h"

/* One in-flight command: who to tell, about what. */
typedef struct Pending {
        ApplyContext *a;
        char *tunnel;
        const char *cmd; /* static strings only */
} Pending;

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

static void on_done(VICIClient *c, int error, const SettingsNode *response, void *userdata) {
        Pending *p = userdata;
        const char *errmsg = NULL;

        if (p->a->pending > 0)
                p->a->pending--;
        if (error == 0) {
                int r = vici_response_success(response, &errmsg);
                if (r < 0)
                        error = r;
                else if (r == 0)
                        error = -EREMOTEIO;
        }
        if (p->a->done)
                p->a->done(p->a->userdata, p->tunnel, p->cmd, error, errmsg);
        free(p->tunnel);
        free(p);
}

static int queue(ApplyContext *a, const char *tunnel, const char *cmd, const SettingsNode *msg) {
        Pending *p = calloc(1, sizeof(Pending));
        int r;

        if (!p)
                return -ENOMEM;
        p->a = a;
        p->cmd = cmd;
        if (tunnel && !(p->tunnel = strdup(tunnel))) {
                free(p);
                return -ENOMEM;
        }
        r = vici_client_call(a->vici, cmd, msg, on_done, p);
        if (r < 0) {
                free(p->tunnel);
                free(p);
                if (r == -ENOMEM || r == -ENOTCONN)
                        return r;
                /* This command could not be made (a file that cannot be
                 * read, a value too large for VICI): it fails like one
                 * charon refused, and the rest of the batch goes on. */
                if (a->done)
                        a->done(a->userdata, tunnel, cmd, r, NULL);
                return 0;
        }
        a->pending++;
        return 0;
}

int apply_call(ApplyContext *a, const char *cmd, const SettingsNode *msg, VICIResponseHandler cb, void *userdata) {
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
        _cleanup_(settings_freep) SettingsNode *root = NULL, *msg = settings_new(NULL);
        _cleanup_free_ char *path = NULL;
        SettingsNode *conn, *local;
        int r;

        if (!msg || asprintf(&path, "connections.%s", t->name) < 0)
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
        r = settings_attach(msg, conn);
        if (r < 0)
                return r;
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
        return queue(a, t->name, "load-conn", msg);
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
