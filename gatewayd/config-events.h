/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a config does, told to the journal: its diagnostics (errors as
 * config-rejected, one entry per diagnostic, with CONFIG_FILE= and
 * CONFIG_LINE= as systemd's own), config-applied with its counts, and
 * weak-algorithm for every tunnel that uses a legacy-tier value. */

#include "diag.h"
#include "model.h"
#include "reload.h"

/* The absolute path of a diagnostic's file: dir (the config dir as given;
 * relative to the working directory if not absolute) joined with display
 * (the path shown to the operator). An absolute display is kept. NULL for no
 * file: display NULL or a built-in ("<built-in>/..."), or out of memory. */
char *config_file_path(const char *dir, const char *display);

/* The tunnel a display path belongs to ("tunnels.d/NAME.conf" -> NAME), as a
 * new string, or NULL. */
char *config_file_tunnel(const char *display);

/* Logs every diagnostic of d, in order: errors as config-rejected (err),
 * warnings at warning and notes at notice as plain entries (no MESSAGE_ID:
 * not events); each with CONFIG_FILE/CONFIG_LINE where it has them and
 * GATEWAYD_TUNNEL for a tunnel's file. dir is the config dir. */
void log_config_diagnostics(const char *dir, const DiagList *d);

/* config-applied: the config in dir is in force, with these counts
 * (GATEWAYD_ADDED=, GATEWAYD_CHANGED=, GATEWAYD_REMOVED=, GATEWAYD_UNCHANGED=,
 * GATEWAYD_CONFIG_DIR=). The message is fmt's. Returns as log_event_fields. */
int log_config_applied(const char *dir, size_t added, size_t changed, size_t removed, size_t unchanged,
                       const char *fmt, ...) _printf_(6, 7);

/* weak-algorithm for every enabled tunnel of c whose profile has a
 * legacy-tier value (PfsGroup=PFSMM judged by DhGroup), one entry per tunnel
 * and value. With diff, only the tunnels it adds or changes (a reload does
 * not repeat what was said); without, every tunnel (start). */
void log_weak_algorithms(const Config *c, const TunnelDiff *diff);
