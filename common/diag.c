/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "diag.h"

static const char *const diag_level_table[_DIAG_LEVEL_MAX] = {
        [DIAG_ERROR] = "error",
        [DIAG_WARNING] = "warning",
        [DIAG_NOTE] = "note",
};
DEFINE_STRING_TABLE(diag_level, DiagLevel);

int diag_addv(DiagList *l, DiagLevel level, const char *path, unsigned line, const char *fmt, va_list ap) {
        _cleanup_free_ char *msg = NULL, *p = NULL;

        if (l->n >= DIAG_MAX) {
                l->n_dropped++;
                if (level == DIAG_ERROR)
                        l->n_errors++; /* still counts: a dropped error must fail the run */
                return 0;
        }
        if (vasprintf(&msg, fmt, ap) < 0)
                return -ENOMEM;
        if (path) {
                p = strdup(path);
                if (!p)
                        return -ENOMEM;
        }
        if (l->n == l->allocated) {
                size_t na = l->allocated ? l->allocated * 2 : 16;
                Diag *ni = reallocarray(l->items, na, sizeof(Diag));
                if (!ni)
                        return -ENOMEM;
                l->items = ni;
                l->allocated = na;
        }
        l->items[l->n++] = (Diag) {
                .path = TAKE_PTR(p),
                .line = line,
                .level = level,
                .message = TAKE_PTR(msg),
        };
        if (level == DIAG_ERROR)
                l->n_errors++;
        else if (level == DIAG_WARNING)
                l->n_warnings++;
        return 0;
}

int diag_add(DiagList *l, DiagLevel level, const char *path, unsigned line, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = diag_addv(l, level, path, line, fmt, ap);
        va_end(ap);
        return r;
}

static int diag_cmp(const Diag *a, const Diag *b) {
        int r;

        /* Diagnostics without a file (global ones) come first. */
        if (!a->path || !b->path)
                return (a->path != NULL) - (b->path != NULL);
        r = strcmp(a->path, b->path);
        if (r != 0)
                return r;
        return (a->line > b->line) - (a->line < b->line);
}

void diag_sort(DiagList *l) {
        /* Insertion sort: stable, and lists are short and nearly sorted
         * (files are read in order). */
        for (size_t i = 1; i < l->n; i++) {
                Diag d = l->items[i];
                size_t j = i;

                while (j > 0 && diag_cmp(&l->items[j - 1], &d) > 0) {
                        l->items[j] = l->items[j - 1];
                        j--;
                }
                l->items[j] = d;
        }
}

char *diag_format(const Diag *d) {
        char *s = NULL;
        int r;

        if (d->path && d->line > 0)
                r = asprintf(&s, "%s:%u: %s: %s", d->path, d->line, diag_level_to_string(d->level), d->message);
        else if (d->path)
                r = asprintf(&s, "%s: %s: %s", d->path, diag_level_to_string(d->level), d->message);
        else
                r = asprintf(&s, "%s: %s", diag_level_to_string(d->level), d->message);
        return r < 0 ? NULL : s;
}

void diag_print(const DiagList *l, FILE *f) {
        for (size_t i = 0; i < l->n; i++) {
                _cleanup_free_ char *s = diag_format(&l->items[i]);

                if (s)
                        fprintf(f, "%s\n", s);
        }
        if (l->n_dropped > 0)
                fprintf(f, "error: %zu further diagnostics suppressed\n", l->n_dropped);
}

const Diag *diag_find(const DiagList *l, const char *needle) {
        for (size_t i = 0; i < l->n; i++)
                if (strstr(l->items[i].message, needle))
                        return &l->items[i];
        return NULL;
}

void diag_list_clear(DiagList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].path);
                free(l->items[i].message);
        }
        free(l->items);
        *l = (DiagList) {};
}

int diag_append_from(DiagList *to, const DiagList *from, size_t first) {
        for (size_t i = first; i < from->n; i++) {
                const Diag *x = &from->items[i];
                int r = diag_add(to, x->level, x->path, x->line, "%s", x->message);

                if (r < 0)
                        return r;
        }
        return 0;
}
