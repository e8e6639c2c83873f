/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reads a config tree (gatewayd.conf, profiles.d/, tunnels.d/) into a Config.
 * conf judges syntax and structure only — keys, values, CIDRs, required keys,
 * references, overlaps, secret file modes; algorithm strength is ikepolicy's.
 * Every problem goes to the DiagList as "path:line: error: ...; fix".
 *
 * Config errors are never a return value: every conf_* function returns 0
 * after reporting them, and a caller that wants the verdict compares
 * d->n_errors before and after. A negative errno means the work could not be
 * done (-ENOMEM, an unreadable config dir). */

#include <sys/types.h>

#include "cache.h"
#include "filecache.h"
#include "diag.h"
#include "model.h"

typedef struct ConfOptions {
        /* Required owner of secret files (PSK, private keys). 0 (root) in
         * production; unit tests, which run unprivileged, pass getuid(). */
        uid_t secret_owner;
        /* Stat and read secret files. Off for the fuzzer, which parses from
         * memory and must not touch the file system. */
        bool check_files;
        /* The tunnels.d parse cache of a daemon that loads again and again
         * (cache.h); NULL reads and parses every file. */
        ConfCache *cache;
        /* What checks learned of secret files, for the next (filecache.h);
         * NULL reads every one on every check. */
        FileCache *files;
} ConfOptions;

#define CONF_DEFAULT_DIR "/etc/gatewayd"
#define CONF_MAX_FILE_SIZE (1024 * 1024)
#define CONF_MAX_LINE 4096
#define CONF_MAX_TUNNELS 10000
#define CONF_MAX_PREFIXES 256
/* XFRM policies per direction the shield of a tree may need (lockout.c
 * refuses more): half of gatewayd's index space in the kernel
 * (xfrm/shield.h), since a reconcile holds the old and the new side by side. */
#define CONF_SHIELD_POLICIES_MAX 65535u

Config *config_new(const char *dir);

/* Loads the whole tree under dir. Returns 0 with *ret set to the model, which
 * is partial when errors were reported to d (callers use it only to report
 * more, or, at boot, to shield what they can). Returns -ENOENT, -EACCES, ...
 * for a config dir that cannot be opened (reported to d, *ret set to the
 * empty model), or -ENOMEM and other -errno with *ret untouched. */
int conf_load(const char *dir, const ConfOptions *o, DiagList *d, Config **ret);

/* The same steps from memory, for tests and fuzzers. name is the object's
 * name (the file name without .conf), path the display path for diagnostics.
 * Each returns 0 (errors are in d) or -ENOMEM. */
int conf_parse_gateway(Config *c, const char *path, const char *text, size_t len, DiagList *d);
int conf_parse_profile(Config *c, const char *name, const char *path, const char *text, size_t len, DiagList *d);
int conf_parse_tunnel(Config *c, const char *name, const char *path, const char *text, size_t len, DiagList *d);
/* After every file: adds the built-in profiles not overridden, resolves
 * Profile=, checks cross-tunnel rules (name clashes, overlapping
 * RemotePrefixes, identical peers) and, with o->check_files, secret files.
 * Returns 0 (errors are in d) or -ENOMEM. */
int conf_finish(Config *c, const ConfOptions *o, DiagList *d);

/* Failure isolation: sets Tunnel.broken for every tunnel an error of d hits
 * (its file, a credential it names, the profile it uses), and adds a stub
 * tunnel (name and path, broken) for a tunnel file that could not be read.
 * *ret_fatal tells whether an error hits the whole config (gatewayd.conf, a
 * directory, the config dir's trust). Returns 0 or -ENOMEM. */
int conf_isolate(Config *c, const DiagList *d, bool *ret_fatal);
/* How many tunnels of c are broken. */
size_t config_count_broken(const Config *c);

/* True if s is a valid object name: [A-Za-z0-9_-]{1,64}. */
bool conf_name_is_valid(const char *s);

/* The built-in profiles, as INI text in the same format as profiles.d. */
typedef struct BuiltinProfile {
        const char *name;
        const char *text;
} BuiltinProfile;
const BuiltinProfile *conf_builtin_profiles(size_t *ret_n);
