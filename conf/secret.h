/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Secret files: pre-shared keys and private keys. A secret file must be a
 * regular file owned by the expected user and not accessible to group or
 * others; a PSK is the file's first line (newline stripped) and follows Azure's
 * rule — printable ASCII without space, '-' or '~' — with 24..128 characters.
 * Secrets are never printed; the buffers that held them are wiped. */

#include <sys/types.h>

#include "macro.h"

#define PSK_MIN_LEN 24
#define PSK_MAX_LEN 128
#define PSK_GENERATED_LEN 32

/* Checks ownership and mode of path. On failure returns -errno (ENOENT,
 * EACCES, EPERM for a wrong owner or mode, EISDIR/EINVAL for a non-regular
 * file) and a human reason with the fix in *ret_reason (malloc'd, no secret). */
int secret_file_check(const char *path, uid_t owner, char **ret_reason);

/* Validates a PSK. Returns 0, or -EINVAL with *ret_reason (no secret in it). */
int psk_validate(const char *key, size_t len, char **ret_reason);

/* Reads and validates the PSK of path (after secret_file_check). The key is
 * returned in a malloc'd buffer the caller releases with secret_free(). */
int psk_read(const char *path, uid_t owner, char **ret_key, char **ret_reason);

/* Wipes and frees a secret string. NULL-safe; returns NULL. */
char *secret_free(char *s);
static inline void secret_freep(char **s) {
        *s = secret_free(*s);
}
#define _cleanup_secret_ _cleanup_(secret_freep)

/* Fills buf with len random characters from [A-Za-z0-9] (the strictest
 * charset for interop), NUL-terminated; buf has len + 1 bytes. Uses
 * getrandom(2); -errno on failure. */
int psk_generate(char *buf, size_t len);

/* Creates path (O_EXCL|O_NOFOLLOW, mode 0600 whatever the umask) holding key
 * and a newline, synced. Returns 0, -EEXIST when something is already at
 * path (it is left alone), or another -errno (the new file is removed). */
int psk_file_create(const char *path, const char *key);

/* True if fd is a regular file that group or others may access: where
 * "genpsk > file" must warn, as wg genkey does. */
bool file_is_exposed(int fd);
