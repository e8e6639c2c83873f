/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Replacing a file that others read while it changes (the status document,
 * the node_exporter textfile). */

#include <stdio.h>
#include <sys/types.h>

#include "macro.h"

/* Writes data to a temporary file in path's directory (".NAME.XXXXXX":
 * hidden, and not "*.prom", so that node_exporter's textfile collector never
 * reads it), gives it mode, and renames it over path: a reader sees the old
 * contents or the new, never a part. Missing parent directories are created
 * with 0755. On any failure the temporary file is removed and path is left as
 * it was.
 *
 * There is no fsync: the file is a snapshot written again every health
 * interval, it lives on tmpfs by default (/run), and on a disk an fsync could
 * stall the event loop that must report a dead peer within DpdTimeout + 1 s.
 * After a power loss a reader may find the old file, or a torn one that it
 * refuses as malformed, until the next write.
 *
 * Returns 0 or -errno (of mkdir, mkostemp, write, fchmod, close, rename). */
int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode);

/* Like write_file_atomic, with the contents written by write() into a
 * buffered stream on the temporary file: a large document (the status of
 * thousands of tunnels) never sits whole in memory. write() returns 0 or
 * -errno; a failed write to the stream fails the whole with its errno, and
 * path is left as it was. */
int write_file_atomic_stream(const char *path, mode_t mode, int (*write)(FILE *f, void *userdata), void *userdata);

/* The same writer into memory: *ret_text (NUL-terminated) and *ret_size.
 * 0, write()'s -errno, or -ENOMEM. */
int write_memory(int (*write)(FILE *f, void *userdata), void *userdata, char **ret_text, size_t *ret_size);
