/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a check learned of a secret file, kept for the next check while the
 * file stays what it was (issue 15): with a PSK file per tunnel, a reload
 * would otherwise read a thousand key files twice (the check's psk_read and
 * the fingerprint's MAC). Kept per path:
 *  - psk_read's verdict (0, or the error and its reason; never the key);
 *  - the fingerprint's MAC of the contents (gatewayd/reload.c's HMAC under a
 *    per-process key: nothing of the key can be learned from it).
 * Both are used only while the file's identity is unchanged: lstat of the
 * path (secret files are opened without following symlinks) giving the same
 * device, inode, size, mode, owner, group, mtime and ctime, a regular file,
 * both timestamps at least CONF_CACHE_SETTLE_SEC before the check began
 * (cache.h says why). Whenever in doubt the file is read, as without the
 * cache. The trust of the directories above is judged on every check. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "macro.h"
#include "sha256.h"

typedef struct FileCache FileCache;

typedef struct FileFacts {
        bool has_psk;         /* psk_read's verdict is known: */
        int psk_r;
        char *psk_reason;     /* NULL, or why (malloc'd) */
        bool has_mac;         /* the contents' MAC is known: */
        int32_t mac_err;      /* 0, or the error reading met */
        uint8_t mac[SHA256_SIZE];
} FileFacts;

/* NULL when out of memory. */
FileCache *file_cache_new(void);
FileCache *file_cache_free(FileCache *cache);
DEFINE_TRIVIAL_CLEANUP_FUNC(FileCache *, file_cache_free);

/* Starts a check that began at start (CLOCK_REALTIME): the settle rule's
 * reference. Forgets the files the previous check did not ask about. */
void file_cache_begin(FileCache *cache, const struct timespec *start);

/* The facts kept for path, valid for the file there now (an empty set when
 * it changed or is new: fill it in); NULL when in doubt (not settled, not a
 * regular file, lstat failed, no check begun, out of memory): read the
 * file and keep nothing. A path asked about again within one check is not
 * looked at again. */
FileFacts *file_cache_get(FileCache *cache, const char *path);

/* Tests: how many files it holds. */
size_t file_cache_size_for_test(const FileCache *cache);
