/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which of charon's connections gatewayd loaded: only those are unloaded as
 * stale when they are not in the configuration (at start, after a
 * reconnect). Connections another tool loaded into the same charon (swanctl
 * --load-all with a swanctl.conf of its own) are never touched. The set is
 * kept in a file beside the status file (owned-connections, one name per
 * line), so that a restarted gatewayd knows what the previous one loaded;
 * /run is emptied at boot, as charon's connections are. */

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

typedef struct Owned {
        char *path;
        char **names;              /* sorted */
        size_t n, n_allocated;
        bool dirty;                /* changed since the last owned_save() */
} Owned;

/* The file beside status_file. Reads what it holds (missing: empty; an
 * unreadable or malformed file is logged and taken as empty). Returns 0 or
 * -ENOMEM. */
int owned_load(Owned *o, const char *status_file);
void owned_clear(Owned *o);

bool owned_has(const Owned *o, const char *name);
/* 0 or -ENOMEM. */
int owned_add(Owned *o, const char *name);
void owned_remove(Owned *o, const char *name);
/* Writes the set when it changed (atomically). Returns 0 or -errno (logged). */
int owned_save(Owned *o);
