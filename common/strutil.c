/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>

#include "strutil.h"

int quote_len(const char *s) {
        size_t n = strlen(s);

        if (n <= QUOTE_MAX)
                return (int) n;
        n = QUOTE_MAX;
        /* Back up over continuation bytes to the start of a sequence. */
        while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80)
                n--;
        return (int) n;
}

const char *quote_ellipsis(const char *s) {
        return strlen(s) > QUOTE_MAX ? "..." : "";
}

static char ascii_lower(char ch) {
        return ch >= 'A' && ch <= 'Z' ? (char) (ch - 'A' + 'a') : ch;
}

/* Levenshtein distance over one row, ignoring ASCII case; UINT_MAX past 64
 * bytes, so that a long hostile value costs nothing. */
static unsigned edit_distance(const char *a, const char *b) {
        unsigned row[65];
        size_t la = strlen(a), lb = strlen(b);

        if (la > 64 || lb > 64)
                return UINT_MAX;
        for (size_t j = 0; j <= lb; j++)
                row[j] = (unsigned) j;
        for (size_t i = 1; i <= la; i++) {
                unsigned diag = row[0];

                row[0] = (unsigned) i;
                for (size_t j = 1; j <= lb; j++) {
                        unsigned up = row[j], best;
                        bool same = ascii_lower(a[i - 1]) == ascii_lower(b[j - 1]);

                        best = diag + (same ? 0 : 1);
                        if (up + 1 < best)
                                best = up + 1;
                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        diag = up;
                        row[j] = best;
                }
        }
        return row[lb];
}

const char *closest_match(const char *s, const char *const *names, size_t n, unsigned max_distance) {
        const char *best = NULL;
        unsigned best_d = UINT_MAX;

        for (size_t i = 0; i < n; i++) {
                unsigned d = edit_distance(s, names[i]);

                if (d < best_d) {
                        best_d = d;
                        best = names[i];
                }
        }
        return best_d <= max_distance ? best : NULL;
}

char *strdup_printable(const char *s, size_t max) {
        char *t = strndup(s, max);

        if (!t)
                return NULL;
        for (char *i = t; *i; i++)
                if ((unsigned char) *i < 0x20 || (unsigned char) *i > 0x7e)
                        *i = '?';
        return t;
}

bool key_name_showable(const char *s) {
        size_t n = 0;

        for (; s[n]; n++)
                if (n >= KEY_NAME_SHOWABLE_MAX || !((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z')))
                        return false;
        return n > 0;
}

char **strv_free(char **l) {
        if (!l)
                return NULL;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
        return NULL;
}

int memstream_finish(FILE **f, char **text, char **ret) {
        bool failed = fflush(*f) != 0 || ferror(*f);

        failed |= fclose(*f) != 0;
        *f = NULL;
        if (failed || !*text)
                return -ENOMEM;
        *ret = TAKE_PTR(*text);
        return 0;
}
