/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one way gatewayd reads a file: config files, certificates, pre-shared
 * keys, private keys, and the credential fingerprints of a reload all come
 * through here (as systemd's read_full_file_full() with
 * READ_FULL_FILE_SECURE).
 *
 * - The file is opened O_RDONLY|O_CLOEXEC|O_NOCTTY|O_NONBLOCK: a FIFO or a
 *   device planted at the path can neither hang the event loop nor become
 *   the controlling terminal; it is refused after the open.
 * - Everything is judged on the *opened* fd (fstat), so there is no window
 *   between a check and the read.
 * - A file whose size fstat does not know (st_size 0: /proc) is read in
 *   growing steps up to max_size.
 * - The size is bounded, and the buffer is sized from fstat (a secret is
 *   never copied around by a growing realloc). A file that changes size while
 *   it is read is read again.
 * - With READ_FILE_SECRET the buffer is wiped before it is freed, and so is
 *   every partial read on an error path. */

#include <sys/stat.h>
#include <sys/types.h>

#include "macro.h"

typedef enum ReadFileFlags {
        /* A symbolic link as the last component is refused (-ELOOP). */
        READ_FILE_NOFOLLOW = 1 << 0,
        /* The file holds a secret: it must be owned by ReadFileOptions.owner
         * and have mode 0600 or 0400 exactly (-EPERM otherwise: group or
         * other bits, an execute bit, write-only, setuid/setgid/sticky), and
         * the buffer is erased before free. */
        READ_FILE_SECRET = 1 << 1,
        /* Erase the buffer before free, without the owner and mode checks
         * (a private key that creds checks, and fingerprints of secrets). */
        READ_FILE_ERASE = 1 << 2,
} ReadFileFlags;

typedef struct ReadFileOptions {
        ReadFileFlags flags;
        uid_t owner;            /* READ_FILE_SECRET: the required owner */
        size_t max_size;        /* a larger file is refused: -EFBIG */
} ReadFileOptions;

/* Opens path (relative to dir_fd, or AT_FDCWD) as o says and judges the
 * opened fd. Returns the fd, or -errno: ENOENT, EACCES, ENOTDIR, ELOOP (a
 * symlink with READ_FILE_NOFOLLOW), EISDIR, EINVAL (not a regular file: a
 * FIFO, socket or device), EPERM (READ_FILE_SECRET: wrong owner, or a mode
 * that grants group or others anything), EFBIG. ret_st, if given, is always
 * written: what fstat said (also on EPERM and EFBIG, so that the caller can
 * say which owner, mode or size was wrong), zeroed when there was no fstat. */
int file_open_checked(int dir_fd, const char *path, const ReadFileOptions *o, struct stat *ret_st);

/* Reads the whole file: file_open_checked(), then the contents into a new
 * buffer that is NUL-terminated (ret_size excludes the NUL). Returns 0, the
 * errors of file_open_checked(), read(2)'s errors, -EBUSY (the file kept
 * changing size while read) or -ENOMEM. The caller frees the buffer, with
 * erase_and_free() when it is a secret. ret_st as above. */
int read_full_file_at(int dir_fd, const char *path, const ReadFileOptions *o, char **ret_data, size_t *ret_size,
                      struct stat *ret_st);

/* Erases a heap buffer (its whole allocation) and frees it. NULL-safe;
 * returns NULL. */
void *erase_and_free(void *p);
static inline void erase_and_freep(void *p) {
        erase_and_free(*(void **) p);
        *(void **) p = NULL;
}
#define _cleanup_erase_ _cleanup_(erase_and_freep)
