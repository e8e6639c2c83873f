/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The boot shield (gatewayd --shield-only, gatewayd-shield.service): before
 * any interface is up, install the fail-closed shield from the config tree and
 * exit. A tree with errors must still shield what it can: at boot nothing else
 * protects VNet-bound traffic, and over-blocking is safe where a gap is not.
 * So every RemotePrefix that parses is shielded, of every tunnel, broken or
 * not (failure isolation, DESIGN.md); only what conf refuses because it would
 * cut the device off (a default route) is left out of the model. The shield
 * needs only the tunnels' prefixes, so secret files, certificates and
 * algorithm strength are not judged here (gatewayd proper does). Split so
 * that unit tests can check the decision without a kernel. */

#include <stdio.h>

#include "conf.h"

/* Loads dir the way the boot shield reads it (structure only, no secret
 * files), diagnostics sorted into d. Returns like conf_load(): 0, -EINVAL when
 * errors were reported (*ret holds what could be read), other -errno when the
 * tree could not be read (*ret may be NULL). */
int bootshield_load(const char *dir, DiagList *d, Config **ret);

/* The decision: marks the tunnels that errors of d hit (conf_isolate),
 * logging each; all of them stay in c and are shielded. Returns how many are
 * broken, or -ENOMEM. */
ssize_t bootshield_mark_broken(Config *c, const DiagList *d);

/* Exit codes of --shield-only (gatewayd(8)): the whole shield, a partial
 * one (the config has errors; what parsed is shielded), none. */
#define BOOTSHIELD_COMPLETE 0
#define BOOTSHIELD_PARTIAL 3
#define BOOTSHIELD_NONE 1

/* gatewayd --shield-only: loads dir, prints every diagnostic to f, and
 * installs the shield of every tunnel. Refuses (BOOTSHIELD_NONE, nothing
 * changed) while a gatewayd daemon runs in this network namespace: the
 * daemon owns the live shield, which another config dir would strip.
 * Returns one of the BOOTSHIELD_* codes. */
int bootshield_install(const char *dir, FILE *f) _warn_unused_result_;
