/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Trust of the config tree, as sshd's StrictModes: what a root daemon reads
 * its policy and credentials from must be owned by root (or the configured
 * secret owner) and not writable by group or others — the file and every
 * directory above it up to '/'. A root-owned sticky directory (/tmp) is
 * fine: others can add files there but not replace ours. The one place
 * these rules live; conf/load.c and conf/finish.c call it. */

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Judges one object already opened and fstat'ed; shown is its path as the
 * operator should see it. Returns 0, or -EPERM with *ret_reason (malloc'd:
 * what is wrong and the fix), or -ENOMEM. */
int trust_judge(const struct stat *st, const char *shown, uid_t owner, char **ret_reason);

/* Walks path from '/' (after resolving symlinks) one component at a time
 * with openat(O_PATH|O_NOFOLLOW) and judges each opened component with
 * trust_judge(): every directory, and the last component too when
 * with_last (secret files judge their own owner and mode, strictly).
 * Returns 0, -EPERM with *ret_reason, -ENOMEM, or another -errno when the
 * path cannot be resolved or walked (not reported: the reader of the file
 * says why it cannot be read). */
int trust_path(const char *path, uid_t owner, bool with_last, char **ret_reason);
