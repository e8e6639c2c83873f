/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* INI tokenizer in the style of systemd unit files, over a memory buffer (it
 * sees untrusted bytes and is fuzzed). It knows lines, not meaning:
 *
 *     # comment            ; comment too (first non-blank character)
 *     [Section]
 *     Key = Value          (blanks around key and value are trimmed)
 *
 * No quoting, no escapes, no continuation lines, no inline comments: a value
 * runs to the end of its line. A trailing "\r" (CRLF files) is dropped.
 * Lexical problems are reported to the DiagList at their line and that line is
 * skipped; the rest of the buffer is still tokenized, so one run reports every
 * problem. Which sections and keys exist is the caller's business. */

#include <stddef.h>

#include "diag.h"

typedef enum IniEntryType {
        INI_SECTION,    /* "[name]": section set, key and value NULL */
        INI_ASSIGNMENT, /* "key=value": all three set; value may be "" */
        _INI_ENTRY_TYPE_MAX,
        _INI_ENTRY_TYPE_INVALID = -EINVAL,
} IniEntryType;

typedef struct IniEntry {
        IniEntryType type;
        unsigned line;          /* 1-based */
        const char *section;    /* the current section's name, without brackets */
        unsigned section_line;  /* line of that section's header */
        const char *key;
        const char *value;
} IniEntry;

/* Called for every section header and assignment in file order. The strings
 * live until the callback returns. Return 0 to go on; a negative errno stops
 * the tokenizer and is returned by ini_parse() (use it for -ENOMEM, not for
 * config errors, which the callback reports to the DiagList itself). */
typedef int (*ini_entry_cb)(const IniEntry *e, void *userdata);

/* Tokenizes text[0..len) (need not be NUL-terminated). path is the display
 * path used in diagnostics. Lexical errors are reported to d and their lines
 * skipped; the callback is still called for every good line. Buffers larger
 * than CONF_MAX_FILE_SIZE are refused as a whole (reported; the callback is
 * never called). Returns 0 (whether anything was wrong is whether
 * d->n_errors grew), -ENOMEM, or the callback's negative return. */
int ini_parse(const char *text, size_t len, const char *path, DiagList *d, ini_entry_cb cb, void *userdata);
