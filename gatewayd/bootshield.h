/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The boot shield (gatewayd --shield-only, gatewayd-shield.service): before
 * any interface is up, install the fail-closed shield from the config tree and
 * exit. A tree with errors must still shield what it can: at boot nothing else
 * protects VNet-bound traffic, and over-blocking is safe where a gap is not.
 * The shield needs only the tunnels' prefixes, so secret files, certificates
 * and algorithm strength are not judged here (gatewayd proper does), and a
 * tunnel whose own file has an error is left out: its prefixes may be what
 * was refused (a 0/0, a typo). Split so that unit tests can check the
 * decision without a kernel. */

#include <stdio.h>

#include "conf.h"

/* Loads dir the way the boot shield reads it (structure only, no secret
 * files), diagnostics sorted into d. Returns like conf_load(): 0, -EINVAL when
 * errors were reported (*ret holds what could be read), other -errno when the
 * tree could not be read (*ret may be NULL). */
int bootshield_load(const char *dir, DiagList *d, Config **ret);

/* The decision: frees and removes from c every tunnel whose own file has an
 * error in d, logging each, and keeps the order of the others. Returns how
 * many were removed. Known gap: conf reports RemotePrefixes that overlap
 * another tunnel's at the later tunnel's file, so that tunnel is left out
 * as well, although its file alone is valid and shielding both would only
 * over-block; telling such cross-tunnel errors apart needs conf's help. */
size_t bootshield_drop_broken(Config *c, const DiagList *d);

/* gatewayd --shield-only: loads dir, prints every diagnostic to f, and
 * installs the shield of every tunnel left by bootshield_drop_broken().
 * Returns the load's error (-EINVAL for errors in the tree) after installing
 * the rest, the install's error, or 0. */
int bootshield_install(const char *dir, FILE *f) _warn_unused_result_;
