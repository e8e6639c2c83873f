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

/* Reads and checks dir. Errors that hit single tunnels (their files,
 * credentials, profiles) mark them broken: logged, shielded, not loaded
 * (failure isolation); errors that hit the whole config (gatewayd.conf, a
 * directory) are logged and return -EINVAL. -EBUSY when another daemon runs
 * in this network namespace. */
int manager_new(sd_event *e, const char *dir, const ConfOptions *o, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Blocks SIGHUP, SIGTERM and SIGINT, the signals the daemon handles: main
 * calls it before reading the config, so that one arriving during start-up
 * waits for manager_start() (a SIGHUP then reloads once started) instead of
 * killing the process. */
int manager_block_signals(void);
/* Connects to charon and installs signal handlers. */
int manager_start(Manager *m);
/* Re-reads the tree and applies the difference. A tunnel whose new file is
 * broken keeps running its previous configuration (unless its credentials
 * are out of their validity window: then it goes down). Returns -EINVAL (and
 * changes nothing) when an error hits the whole config. Every path ends with
 * READY=1 (at once, or when charon has answered). SIGHUP and credential
 * changes do not call it directly: they are coalesced (at most one reload a
 * second, and one at a time). */
int manager_reload(Manager *m);

/* The daemon holds this name in its network namespace's abstract socket
 * namespace while it runs: one daemon per namespace, and --shield-only
 * knows not to strip the live shield. */
#define MANAGER_LOCK_NAME "gatewayd/daemon"
/* 1 if a daemon holds it, 0 if not, -errno. */
int manager_lock_probe(void);
