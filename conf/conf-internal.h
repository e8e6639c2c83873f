/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the files of conf/ share, and nothing outside conf/ uses: the state of
 * the table-driven parser (parse.c), which the per-tunnel checks (verify.c)
 * read, and the profile builder that conf_finish (finish.c) reuses for the
 * built-in profiles (conf.c). */

#include <stdint.h>

#include "conf.h"

typedef struct ConfParser ConfParser;
typedef struct ConfKey ConfKey;

/* Parses value into field (the object's storage for the key). Returns 0, or
 * -EINVAL after reporting the problem, or -ENOMEM. */
typedef int (*conf_value_parser)(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field);

/* One row per key, as systemd's gperf tables, as a plain array. */
struct ConfKey {
        const char *name;
        conf_value_parser parse;
        size_t offset;          /* of the value inside the object */
        size_t line_offset;     /* of its "unsigned" line slot, NO_LINE if none */
        uint64_t min, max;      /* integers */
        bool required;          /* missing → error at the section line */
};

#define NO_LINE SIZE_MAX

typedef enum SectionKind {
        SECTION_GATEWAY,
        SECTION_PROFILE,
        SECTION_TUNNEL,
        _SECTION_KIND_MAX,
} SectionKind;

typedef struct ConfSection {
        const char *name;       /* "Tunnel" */
        const char *where;      /* where such a section lives, for hints */
        const ConfKey *keys;
        size_t n_keys;
} ConfSection;

#define MAX_KEYS 32

struct ConfParser {
        Config *c;
        DiagList *d;
        const char *path;
        const ConfSection *sec;
        void *object;
        unsigned section_line;   /* first header of the expected section; 0 = none */
        bool in_section;         /* the current section is the expected one */
        unsigned key_line[MAX_KEYS]; /* where each key was first set; 0 = absent */
        bool key_ok[MAX_KEYS];   /* its value parsed */
};

int conf_error(ConfParser *p, unsigned line, const char *fmt, ...) _printf_(3, 4);

/* Runs the tokenizer with the table of kind over text into p->object.
 * Afterwards reports a missing section and missing required keys. */
int conf_parse_object(ConfParser *p, SectionKind kind, const char *text, size_t len);

/* The [Tunnel] rules between keys of one file (verify.c), after parsing. */
int conf_verify_tunnel(ConfParser *p, Tunnel *t);

/* Parses a profile's text and adds it to c, also when it has errors. */
int conf_add_profile(Config *c, const char *name, const char *path, const char *text, size_t len, bool builtin,
                     DiagList *d);
