/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* UTF-8 as RFC 3629 defines it, for text that came from elsewhere (charon's
 * messages, which may quote what a peer sent) and must be written as JSON or
 * shown on a terminal. */

#include <stddef.h>
#include <stdint.h>

/* Decodes the character at s (at most n bytes, n > 0): returns its length
 * (1-4) and sets *ret_cp, or returns 0 when the bytes are not valid UTF-8
 * (a stray continuation byte, an overlong form, a surrogate, a code point past
 * U+10FFFF, a sequence cut short by n). Any ASCII byte, NUL and controls
 * included, is a valid character of length 1. */
size_t utf8_decode(const char *s, size_t n, uint32_t *ret_cp);

/* The length of s cut to at most max bytes without splitting a character
 * (of length > 1 by its lead byte). */
size_t utf8_cut(const char *s, size_t max);
