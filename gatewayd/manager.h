/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's core: keeps charon's configuration equal to the config tree.
 * Startup loads every enabled tunnel; SIGHUP applies the difference only (a
 * bad tree changes nothing); a lost VICI connection is retried with backoff and
 * everything is applied again when charon is back; a changed credential file
 * (certificate renewal, new PSK) is reloaded like a SIGHUP, which reloads the
 * credentials without touching the connection. */

#include <systemd/sd-event.h>

#include "conf.h"
#include "reload.h"

typedef struct Manager Manager;

/* Reads and checks dir; on errors prints them and returns -EINVAL. */
int manager_new(sd_event *e, const char *dir, const ConfOptions *o, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Connects to charon and installs signal handlers. */
int manager_start(Manager *m);
/* Re-reads the tree and applies the difference. Returns -EINVAL (and changes
 * nothing) when the new tree has errors. */
int manager_reload(Manager *m);
