/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Diagnostics collected across a whole run, compiler style:
 *     path:line: error: what is wrong ('value'); how to fix it
 * Every module appends to one DiagList so that --check prints every problem,
 * not just the first. Messages never contain secrets. */

#include <stdio.h>

#include "macro.h"

typedef enum DiagLevel {
        DIAG_ERROR,
        DIAG_WARNING,
        DIAG_NOTE,
        _DIAG_LEVEL_MAX,
        _DIAG_LEVEL_INVALID = -EINVAL,
} DiagLevel;

typedef struct Diag {
        char *path;     /* as shown to the operator, e.g. "tunnels.d/weu.conf"; may be NULL */
        unsigned line;  /* 1-based; 0 = the file as a whole */
        DiagLevel level;
        char *message;
} Diag;

/* The cap keeps a hostile or generated config from growing the list without
 * bound; past it one final error says that more were suppressed. */
#define DIAG_MAX 10000

typedef struct DiagList {
        Diag *items;
        size_t n, allocated;
        size_t n_errors, n_warnings;
        size_t n_dropped;
} DiagList;

const char *diag_level_to_string(DiagLevel l);
DiagLevel diag_level_from_string(const char *s);

/* Appends a diagnostic. Returns 0, or -ENOMEM (the list stays consistent). */
int diag_add(DiagList *l, DiagLevel level, const char *path, unsigned line, const char *fmt, ...)
        _printf_(5, 6);
int diag_addv(DiagList *l, DiagLevel level, const char *path, unsigned line, const char *fmt, va_list ap)
        _printf_(5, 0);

/* Appends copies of from's diagnostics from index first on, in their order.
 * Returns 0 or -ENOMEM. */
int diag_append_from(DiagList *to, const DiagList *from, size_t first);

#define diag_error(l, path, line, ...) diag_add((l), DIAG_ERROR, (path), (line), __VA_ARGS__)
#define diag_warning(l, path, line, ...) diag_add((l), DIAG_WARNING, (path), (line), __VA_ARGS__)
#define diag_note(l, path, line, ...) diag_add((l), DIAG_NOTE, (path), (line), __VA_ARGS__)

/* Stable sort by path, then line, keeping the order of equal keys. */
void diag_sort(DiagList *l);

/* Formats one diagnostic as "path:line: level: message" into a new string. */
char *diag_format(const Diag *d);

/* Prints every diagnostic, one per line. */
void diag_print(const DiagList *l, FILE *f);

/* Returns the first diagnostic whose message contains needle (tests). */
const Diag *diag_find(const DiagList *l, const char *needle);

void diag_list_clear(DiagList *l);
