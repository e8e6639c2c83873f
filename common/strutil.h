/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <stdio.h>

/* String helpers for diagnostics, one of each: quoting a value, "did you
 * mean", making a hostile name printable; NULL-terminated string arrays;
 * and the end of a text built in a memory stream. */

#include "macro.h"

/* How much of a value a diagnostic quotes: enough to find it, short enough
 * to keep one diagnostic on one terminal line. */
#define QUOTE_MAX 64

/* The length of s cut to at most QUOTE_MAX bytes without splitting a UTF-8
 * sequence (s is valid UTF-8, as everything past the INI tokenizer is), and
 * "..." when s was cut, else "". */
int quote_len(const char *s);
const char *quote_ellipsis(const char *s);
/* The arguments of "%.*s%s" that quote s: diag(..., "'%.*s%s'", QUOTED(s)). */
#define QUOTED(s) quote_len(s), (s), quote_ellipsis(s)

/* The first of names[0..n) nearest to s by case-insensitive (ASCII) edit
 * distance, if that distance is at most max_distance (a likely typo), else
 * NULL. Strings longer than 64 bytes match nothing. */
const char *closest_match(const char *s, const char *const *names, size_t n, unsigned max_distance);

/* A copy of at most max bytes of s with every byte outside printable ASCII
 * replaced by '?', so that a hostile name cannot put escape sequences into a
 * diagnostic. NULL when out of memory. */
char *strdup_printable(const char *s, size_t max);

/* Whether s may be quoted in a diagnostic as the name of a key: 1..23 ASCII
 * letters, as every key name is. Anything else — digits, punctuation, 24 or
 * more characters (the shortest pre-shared key) — may be a secret pasted
 * where a key belongs, and is described (by its length), never quoted. */
#define KEY_NAME_SHOWABLE_MAX 23
bool key_name_showable(const char *s);

/* Frees a NULL-terminated array of malloc'd strings and the array; takes and
 * returns NULL. */
char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

/* Ends a memory stream opened as open_memstream(text, ...): closes *f (set to
 * NULL) and hands *text over to *ret. -ENOMEM when a write failed or nothing
 * was allocated; *text then stays the caller's to free. */
int memstream_finish(FILE **f, char **text, char **ret);

/* FNV-1a: the start value, one more byte, and a whole string after h. A
 * cheap hash for tables keyed by path or name. */
#define FNV1A_INIT 14695981039346656037ULL
#define FNV1A_PRIME 1099511628211ULL
static inline uint64_t fnv1a_byte(uint64_t h, unsigned char c) {
        return (h ^ c) * FNV1A_PRIME;
}
static inline uint64_t fnv1a_str(uint64_t h, const char *s) {
        for (; s && *s; s++)
                h = fnv1a_byte(h, (unsigned char) *s);
        return h;
}
