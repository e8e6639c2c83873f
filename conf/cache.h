/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A parse cache for tunnels.d, so that a reload costs what changed (issue
 * 15). conf_load (ConfOptions.cache) keeps, per tunnels.d file, what
 * conf_parse_tunnel made of it: the Tunnel as parsed (before conf_finish
 * resolves its profile and judges its secret files) and the diagnostics the
 * parse added. The next load takes them instead of reading the file when
 * the file's identity is unchanged: device, inode, size, mode, owner, group,
 * mtime and ctime (stat of the name, following symlinks as the read does).
 *
 * Whenever in doubt, the file is read again:
 * - a parse is kept only when the file's mtime and ctime are at least
 *   CONF_CACHE_SETTLE_SEC older than the moment the load began, and a kept
 *   one is used only under the same rule: a file's timestamps are coarse
 *   (a jiffy, 1 s or 2 s), so a rewrite of the same size within one tick
 *   keeps every field of the key; a timestamp in the future (the clock was
 *   set back) is doubt too;
 * - a change of the config dir (or of the working directory under a
 *   relative one: relative credential paths are resolved against it)
 *   empties the cache;
 * - files a load did not see are forgotten.
 * What is never cached here: gatewayd.conf, profiles.d, the trust judgement
 * of each file (made again from its stat on every load), credential files
 * (certificates are read on every load; what a PSK file was found to be is
 * kept by filecache.h, under the same rules), and everything across tunnels
 * (conf_finish). */

#include <stddef.h>

#include "macro.h"

#define CONF_CACHE_SETTLE_SEC 2

typedef struct ConfCache ConfCache;

/* NULL when out of memory. */
ConfCache *conf_cache_new(void);
/* NULL-safe; returns NULL. */
ConfCache *conf_cache_free(ConfCache *cache);
DEFINE_TRIVIAL_CLEANUP_FUNC(ConfCache *, conf_cache_free);

/* The last conf_load with this cache: how many tunnels.d files it took
 * from the cache (ret_hits) and how many it read and parsed (ret_parsed).
 * Either may be NULL. */
void conf_cache_counts(const ConfCache *cache, size_t *ret_hits, size_t *ret_parsed);
