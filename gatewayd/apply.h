/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Tunnel -> VICI commands. The rendered settings tree (ikepolicy) becomes the
 * messages charon takes: load-shared for a PSK, load-key + load-cert for a
 * certificate, load-conn for the connection; unload-conn and unload-shared to
 * take a tunnel away. Certificates are loaded as credentials rather than
 * embedded in load-conn, so that a renewed certificate can be reloaded without
 * replacing the connection (which would close its SAs): the connection names
 * its local identity, and charon finds the certificate by it. */

#include "conf.h"
#include "settings.h"
#include "vici-client.h"

typedef struct PskGroups PskGroups;

typedef struct ApplyContext {
        VICIClient *vici;
        const ConfOptions *opts;     /* secret owner for PSK files */
        /* Called for each finished command with the tunnel name (NULL for
         * global commands), the command, and 0 or -errno; errmsg is charon's. */
        void (*done)(void *userdata, const char *tunnel, const char *cmd, int error, const char *errmsg);
        void *userdata;
        size_t pending;              /* commands queued here and not answered yet (a batched
                                      * load-conn counts once per connection) */
        /* Connections not sent yet (apply_tunnel_load): several go in one
         * load-conn (charon's vici plugin loads every top-level section of
         * the message as a connection), sent when APPLY_CONN_BATCH are
         * collected, before any command other than a credential, or at the
         * end of the event loop's iteration (a defer source on event; with
         * event NULL each goes at once). */
        sd_event *event;
        SettingsNode *batch;
        char **batch_names;
        size_t n_batch;
        sd_event_source *batch_flush;
        /* PSK groups: the enabled tunnels of one config that name the same
         * PreSharedKeyFile with the same LocalId share one load-shared (id
         * "gatewayd-psk:...", owners every member's identities), sent once
         * per event loop iteration however many of them are loaded. The
         * index lives for that iteration only (built on first use for a
         * config, dropped by the same defer source). */
        const Config *groups_of;
        PskGroups *groups;
        bool hold_groups;            /* apply_hold_groups() */
} ApplyContext;

/* Connections per load-conn: about 40 kB for PSK tunnels, far below VICI's
 * 512 KiB segment; 1,000 tunnels take 20 round trips instead of 1,000. */
#define APPLY_CONN_BATCH 50u

/* Sends the connections collected so far (see ApplyContext). */
void apply_flush(ApplyContext *a);
/* Forgets the connections not sent yet, without telling done (charon is
 * gone; a reconnect applies everything again), the defer source and the
 * PSK group index. */
void apply_drop(ApplyContext *a);
/* With hold, the PSK group index outlives the iteration: a load spread
 * over several iterations (the manager's apply renders a batch per
 * iteration) sends each group's key once. Released, the index goes now. */
void apply_hold_groups(ApplyContext *a, bool hold);
/* c is about to be freed: an index of its groups goes. */
void apply_forget_config(ApplyContext *a, const Config *c);
/* The id of the shared key of t's group (PSK tunnels), in *ret. */
int apply_psk_group_id(const Tunnel *t, char **ret);

/* Reads SETTINGS_FILE values for the encoder: the first line of a PSK file
 * (SETTINGS_SECRET; checked like conf does) or a whole PEM file. userdata is
 * the ConfOptions. */
int apply_load_file(void *userdata, const char *path, unsigned flags, char **ret_data, size_t *ret_len);

/* Whether t initiates (and so may be paced: pacer.h). */
bool apply_tunnel_initiates(const Tunnel *t);

/* Queues what puts t into charon: its credentials (with_creds; certificate
 * tunnels' credentials are loaded by apply_load_all_creds instead when
 * creds_global is set) and its connection; with paced, the connection
 * carries start_action=none (the pacer initiates it). */
int apply_tunnel_load(ApplyContext *a, const Config *c, const Tunnel *t, bool with_creds,
                      bool paced) _warn_unused_result_;
/* Queues unload-conn; for a PSK tunnel, its group's key in c goes again
 * without it (or is unloaded when it was the last). t need not be in c. */
int apply_tunnel_unload(ApplyContext *a, const Config *c, const Tunnel *t) _warn_unused_result_;
/* Queues the credentials of one tunnel of c (a PSK tunnel: its group's). */
int apply_tunnel_creds(ApplyContext *a, const Config *c, const Tunnel *t) _warn_unused_result_;
/* Shared keys charon listed (get-shared) that gatewayd loaded and c no
 * longer has: a group gone while gatewayd was not running, and the
 * per-tunnel "ike-<name>" keys of gatewayd before groups (names: c's
 * tunnels and owned). Queues their unload-shared. */
int apply_unload_stale_shared(ApplyContext *a, const Config *c, const SettingsNode *keys,
                              bool (*owned)(void *userdata, const char *name), void *userdata) _warn_unused_result_;
/* Queues clear-creds and then the credentials of every enabled tunnel of c:
 * used when a certificate or key changed (charon has no unload-cert). */
int apply_reload_all_creds(ApplyContext *a, const Config *c) _warn_unused_result_;
/* Queues one command with a message built by the caller (get-conns,
 * initiate, terminate ...); the response goes to cb. */
int apply_call(ApplyContext *a, const char *cmd, const SettingsNode *msg, VICIResponseHandler cb,
               void *userdata) _warn_unused_result_;
