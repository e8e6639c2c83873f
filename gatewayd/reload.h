/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a reload changes. A tunnel's fingerprint covers everything that reaches
 * charon or the kernel for it: its rendered strongSwan settings, the contents
 * of the files it references (PSK, certificate, key, CA: a renewed file is a
 * change) and its shield settings. Tunnels whose fingerprint is unchanged are
 * left alone — their SAs are never touched. */

#include <stdint.h>

#include "filecache.h"
#include "model.h"

#define FINGERPRINT_SIZE 32

typedef struct TunnelFingerprint {
        uint8_t charon[FINGERPRINT_SIZE]; /* settings + credential files */
        uint8_t conn[FINGERPRINT_SIZE];   /* what load-conn carries: settings + CA file */
        uint8_t psk[FINGERPRINT_SIZE];    /* the PSK file's MAC (tunnel_diff compares the group and
                                           * owner identities from the tunnels themselves) */
        uint8_t shield[FINGERPRINT_SIZE]; /* FailClosed, TcpMssClamp, RemotePrefixes */
        uint8_t settings[FINGERPRINT_SIZE]; /* the rendered settings alone (conn and charon build on it) */
        bool settings_set;                /* false: forgotten (all zero), never reused */
} TunnelFingerprint;

/* Computes the fingerprint of t. File contents are hashed, never kept: as
 * an HMAC-SHA256 under a random key of this process (a fingerprint is
 * comparable within the process only, and is no offline test for a guessed
 * PSK). Returns 0 or -errno (a file that cannot be read counts as its error
 * code mixed into the hash, so it is still a deterministic change). */
int tunnel_fingerprint(const Gateway *g, const Tunnel *t, TunnelFingerprint *ret);
/* Tests: sets the key of the file HMACs; NULL forgets it (a new random one
 * is drawn when next needed). */
void reload_set_fingerprint_key(const uint8_t key[FINGERPRINT_SIZE]);

typedef struct FingerprintStats {
        size_t n_rendered;    /* tunnels whose settings were rendered */
        size_t n_files_read;  /* credential files read */
} FingerprintStats;

/* The fingerprints of every tunnel of c, in a new array (one entry per
 * tunnel, at least one allocated). Each credential file is read once however
 * many tunnels name it. With old and old_fp (the running config and its
 * fingerprints), a tunnel equal in every field to old's of its name, under
 * an equal gateway, takes its settings digest from there instead of being
 * rendered again: a reload costs what changed. With files (the cache the
 * check of c began: ConfOptions.files), a credential file unchanged since an
 * earlier reload is not read again. ret_stats may be NULL. */
int config_fingerprints(const Config *old, const TunnelFingerprint *old_fp, const Config *c, FileCache *files,
                        TunnelFingerprint **ret, FingerprintStats *ret_stats);

typedef enum TunnelChange {
        TUNNEL_UNCHANGED,
        TUNNEL_ADDED,
        TUNNEL_CHANGED,       /* charon settings or credentials differ */
        TUNNEL_SHIELD_ONLY,   /* only the shield settings differ */
        TUNNEL_REMOVED,
        _TUNNEL_CHANGE_MAX,
        _TUNNEL_CHANGE_INVALID = -EINVAL,
} TunnelChange;

const char *tunnel_change_to_string(TunnelChange c);
TunnelChange tunnel_change_from_string(const char *s);

typedef struct TunnelDiffEntry {
        const char *name;      /* borrowed from old or new config */
        TunnelChange change;
        bool conn_changed;     /* TUNNEL_CHANGED: load-conn differs (not only credentials) */
        bool creds_changed;    /* TUNNEL_CHANGED: its credentials differ */
        const Tunnel *old;     /* NULL if added */
        const Tunnel *new;     /* NULL if removed */
} TunnelDiffEntry;

typedef struct TunnelDiff {
        TunnelDiffEntry *entries;
        size_t n;
        size_t n_added, n_changed, n_removed, n_unchanged;
} TunnelDiff;

/* Compares two configs (old may be NULL: everything is added). The fingerprints
 * of old's tunnels are given (old_fp[i] for old->tunnels[i]) so that a reload
 * compares against what was applied, not against files that changed since;
 * new_fp are those of new's (config_fingerprints). Both configs are sorted by
 * name (conf guarantees it). */
int tunnel_diff(const Config *old, const TunnelFingerprint *old_fp, const Config *new,
                const TunnelFingerprint *new_fp, TunnelDiff *ret);
void tunnel_diff_clear(TunnelDiff *d);
