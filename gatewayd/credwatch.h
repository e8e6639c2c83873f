/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Credential files (PSKs, certificates, keys, CAs) live outside the config
 * files and change on their own (renewal): their directories are watched with
 * inotify, and a change is reported once things have been quiet for a moment,
 * since a renewal writes several files (and often renames). */

#include <systemd/sd-event.h>

#include "model.h"

typedef struct CredWatch CredWatch;

/* on_change(userdata) is called from the event loop after a change and
 * 300 ms without another one; also after the kernel's event queue
 * overflowed (changes were lost: the caller re-reads every credential, as
 * for any change). Returns 0 or -ENOMEM. */
int cred_watch_new(sd_event *e, void (*on_change)(void *userdata), void *userdata, CredWatch **ret);
/* NULL-safe. */
CredWatch *cred_watch_free(CredWatch *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(CredWatch *, cred_watch_free);

/* Watches the directories of the credential files of c's enabled tunnels
 * instead of what was watched before (at most 256 directories). A directory
 * that cannot be watched (missing, out of inotify watches) is skipped: the
 * next reload tries again. A debounce already running stays. */
void cred_watch_update(CredWatch *w, const Config *c);
