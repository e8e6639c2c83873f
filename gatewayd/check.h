/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The whole config check shared by `gatewayd --check`, `--print-swanctl`,
 * `gatewayctl check` and (later) reload: conf reads structure, ikepolicy judges
 * algorithms and certificate strength, creds checks certificates with OpenSSL;
 * one sorted list of diagnostics comes out. */

#include <time.h>

#include "conf.h"
#include "diag.h"

/* Returns the verdict: 0 when the config is valid (warnings allowed), -EINVAL
 * when any error was reported to d; other -errno when the check could not be
 * done. *ret gets the model in every case where one was built (partial on
 * error), or NULL. */
int gw_check(const char *dir, const ConfOptions *o, time_t now, DiagList *d, Config **ret);

/* The profile `gatewayctl azure-policy NAME` prints, looked up in the tree at
 * dir (profiles.d, then the built-ins) and judged on its own: conf's
 * diagnostics about the profile's file (unknown or missing keys, bad values)
 * and ikepolicy's go to d; the rest of the tree is not this command's
 * business. Returns 0 with *ret_config (owned by the caller) and *ret_profile
 * (borrowed from it); -ENOENT when there is no such profile and -EINVAL when
 * it has errors, both explained in d; other -errno when the tree could not be
 * read. */
int gw_check_profile(const char *dir, const char *name, DiagList *d, Config **ret_config,
                     const Profile **ret_profile);

/* Prints d to f, then a one-line summary ("2 errors, 1 warning") if any. */
void gw_print_diagnostics(const DiagList *d, FILE *f);
