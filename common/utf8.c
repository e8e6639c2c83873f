/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "utf8.h"

size_t utf8_decode(const char *s, size_t n, uint32_t *ret_cp) {
        const unsigned char *u = (const unsigned char *) s;
        uint32_t cp;
        size_t len;

        if (n == 0)
                return 0;
        if (u[0] < 0x80) {
                *ret_cp = u[0];
                return 1;
        }
        if (u[0] < 0xc2)
                return 0; /* a continuation byte, or an overlong 2-byte lead */
        if (u[0] < 0xe0) {
                len = 2;
                cp = u[0] & 0x1f;
        } else if (u[0] < 0xf0) {
                len = 3;
                cp = u[0] & 0x0f;
        } else if (u[0] < 0xf5) {
                len = 4;
                cp = u[0] & 0x07;
        } else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((u[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (u[i] & 0x3f);
        }
        /* RFC 3629 section 3: the shortest form only; no surrogates. */
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret_cp = cp;
        return len;
}

size_t utf8_cut(const char *s, size_t max) {
        size_t n = strnlen(s, max + 1);

        if (n <= max)
                return n;
        n = max;
        /* s[n] is the first byte left out: back off while it continues a
         * character that started before the cut. */
        while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80)
                n--;
        return n;
}
