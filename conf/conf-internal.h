/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the files of conf/ share, and nothing outside conf/ uses (but its unit
 * tests): the state of the table-driven parser (parse.c), which the
 * per-tunnel checks (verify.c) read, and the profile builder that conf_finish
 * (finish.c) reuses for the built-in profiles (conf.c).
 *
 * One rule for config errors, as networkd's handlers after log_syntax(): a
 * function that finds a problem in the config adds an error to the DiagList
 * and returns 0. Whether something was wrong is whether d->n_errors grew. A
 * negative return is a failure to do the work (-ENOMEM), never "already
 * reported". */

#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "cache.h"
#include "conf.h"

typedef struct ConfParser ConfParser;
typedef struct ConfKey ConfKey;

/* Parses value into field (the object's storage for the key). A bad value is
 * reported (conf_error) and leaves field as it was; the return is still 0.
 * Returns -ENOMEM, or another -errno for a failure it did not report, which
 * the caller turns into an error at the line (fail closed). */
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
        bool section_optional;   /* no section at all is fine (gatewayd.conf) */
        unsigned key_line[MAX_KEYS]; /* where each key was first set; 0 = absent */
        bool key_ok[MAX_KEYS];   /* its value parsed */
};

/* Adds an error at p->path:line. Returns 0, or -ENOMEM. */
int conf_error(ConfParser *p, unsigned line, const char *fmt, ...) _printf_(3, 4);

/* The key table of each kind of file. */
extern const ConfSection conf_sections[_SECTION_KIND_MAX];

/* Runs the tokenizer over text with sec's keys (at most MAX_KEYS) into
 * p->object (unit tests pass tables of their own), then reports a missing
 * section and missing required keys. Returns 0 (problems are in p->d) or
 * -ENOMEM. */
int conf_parse_object(ConfParser *p, const ConfSection *sec, const char *text, size_t len);

/* The [Tunnel] rules between keys of one file (verify.c), after parsing.
 * Returns 0 or -ENOMEM. */
int conf_verify_tunnel(ConfParser *p, Tunnel *t);
/* Appends *t to c->tunnels and takes it (*t = NULL). Returns 0 or -ENOMEM
 * (*t stays the caller's). */
int conf_append_tunnel(Config *c, Tunnel **t);
/* The rules of Mode= and the Bgp* keys in one [Tunnel] file (route.c).
 * Returns 0 or -ENOMEM. */
int conf_verify_route(ConfParser *p, Tunnel *t);
/* Route mode across the tree (route.c): DataPlane, BgpAsn, and what must be
 * unique per route tunnel (interface name and id, BGP addresses). Returns 0
 * or -ENOMEM. */
int conf_check_routes(Config *c, DiagList *d);

/* Across the tree (lockout.c): no shield selector covers a LocalAddress, a
 * RemoteAddress of another tunnel or a LocalPrefixes range, and the shield
 * fits in the kernel (CONF_SHIELD_POLICIES_MAX). Returns 0 or -ENOMEM. */
int conf_check_lockout(Config *c, DiagList *d);

/* Parses a profile's text and adds it to c, also when it has errors.
 * Returns 0 or -ENOMEM. */
int conf_add_profile(Config *c, const char *name, const char *path, const char *text, size_t len, bool builtin,
                     DiagList *d);

/* Tests only: replaces readdir() for conf_load (NULL puts it back), so that a
 * unit test can make a directory fail half-way through being read. */
void conf_set_readdir_for_test(struct dirent *(*fn)(DIR *dir));

/* The tunnels.d cache (cache.c), as conf_load drives it. One load is
 * conf_cache_begin, then per file conf_cache_find and, on a hit,
 * conf_cache_use, else the read and parse and conf_cache_parsed, then
 * conf_cache_end. */
typedef struct ConfCacheEntry ConfCacheEntry;
/* Starts a load under config dir dir: notes the time (the settle rule's
 * reference), empties the cache when dir (made absolute) is not the last
 * one, resets the counters. Without a clock or a working directory (under a
 * relative dir) the load goes without the cache. Returns 0 or -ENOMEM. */
int conf_cache_begin(ConfCache *cache, const char *dir);
/* Whether this load may find anything in the cache (then the caller stats
 * the files for conf_cache_find). */
bool conf_cache_may_hit(const ConfCache *cache);
/* The entry of file that may be used for the file there now, given st, its
 * stat taken during this load (of the name, following symlinks as the read
 * does; NULL: it could not be taken); or NULL: none, or in doubt. */
ConfCacheEntry *conf_cache_find(ConfCache *cache, const char *file, const struct stat *st);
/* A hit: appends a copy of e's tunnel to c and adds e's diagnostics to d,
 * as the parse did. Returns 0 or -ENOMEM. */
int conf_cache_use(ConfCache *cache, ConfCacheEntry *e, Config *c, DiagList *d);
/* A miss: tunnels.d/file was read (st: the fstat of the fd read) and
 * parsed into t (NULL if the parse added no tunnel), adding
 * d->items[first_diag..]; n_dropped is d->n_dropped before the parse. Keeps
 * a copy when the settle rule allows. Returns 0 or -ENOMEM. */
int conf_cache_parsed(ConfCache *cache, const char *file, const struct stat *st, const Tunnel *t, const DiagList *d,
                      size_t first_diag, size_t n_dropped);
/* Ends a load: forgets the entries it did not use. NULL-safe. */
void conf_cache_end(ConfCache *cache);

/* Tests only: a key of whole seconds, as on a file system that keeps no
 * more (so that a same-second rewrite keeps every field of the key). */
void conf_cache_set_coarse_for_test(bool coarse);
/* Tests only: replaces clock_gettime(CLOCK_REALTIME) for the moment a load
 * begins (NULL puts it back). */
void conf_cache_set_clock_for_test(void (*fn)(struct timespec *ret));
/* The time a load begins (CLOCK_REALTIME, or the test's clock above).
 * -errno. */
int conf_clock(struct timespec *ret);
/* Tests only: how many files the cache holds after a load. */
size_t conf_cache_n_entries_for_test(const ConfCache *cache);
