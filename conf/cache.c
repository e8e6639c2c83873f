/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The tunnels.d parse cache (cache.h): entries sorted by file name, the
 * order in which load_subdir reads the files, so that a load moves each
 * entry it uses into the next generation and what it did not see is left
 * behind and freed. */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "cache.h"
#include "conf-internal.h"

/* What identifies a file's content, short of reading it. */
typedef struct FileKey {
        dev_t dev;
        ino_t ino;
        off_t size;
        mode_t mode;
        uid_t uid;
        gid_t gid;
        struct timespec mtim, ctim;
} FileKey;

struct ConfCacheEntry {
        char *file;          /* "NAME.conf" in tunnels.d */
        FileKey key;         /* of the file that was read */
        Tunnel *tunnel;      /* as conf_parse_tunnel left it; profile NULL */
        DiagList diags;      /* what that parse reported */
        bool moved;          /* taken into the next generation */
};

struct ConfCache {
        char *dir;                 /* absolute config dir of the entries; NULL = none yet */
        bool active;               /* this load may use and fill the cache */
        struct timespec start;     /* when this load began (CLOCK_REALTIME) */
        ConfCacheEntry **entries;  /* the last load's, sorted by file */
        size_t n_entries;
        ConfCacheEntry **next;     /* this load's, in the order read */
        size_t n_next, allocated_next;
        size_t hits, parsed;
};

static bool coarse_for_test;
static void (*clock_for_test)(struct timespec *ret);

void conf_cache_set_coarse_for_test(bool coarse) {
        coarse_for_test = coarse;
}

void conf_cache_set_clock_for_test(void (*fn)(struct timespec *ret)) {
        clock_for_test = fn;
}

int conf_clock(struct timespec *ret) {
        if (clock_for_test) {
                clock_for_test(ret);
                return 0;
        }
        return clock_gettime(CLOCK_REALTIME, ret) < 0 ? -errno : 0;
}

static ConfCacheEntry *entry_free(ConfCacheEntry *e) {
        if (!e)
                return NULL;
        free(e->file);
        tunnel_free(e->tunnel);
        diag_list_clear(&e->diags);
        free(e);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(ConfCacheEntry *, entry_free);

static void entries_free(ConfCacheEntry **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                entry_free(v[i]);
        free(v);
}

ConfCache *conf_cache_new(void) {
        return calloc(1, sizeof(ConfCache));
}

ConfCache *conf_cache_free(ConfCache *cache) {
        if (!cache)
                return NULL;
        conf_cache_end(cache); /* next and entries share the entries a load used */
        entries_free(cache->entries, cache->n_entries);
        free(cache->dir);
        free(cache);
        return NULL;
}

void conf_cache_counts(const ConfCache *cache, size_t *ret_hits, size_t *ret_parsed) {
        if (ret_hits)
                *ret_hits = cache ? cache->hits : 0;
        if (ret_parsed)
                *ret_parsed = cache ? cache->parsed : 0;
}

size_t conf_cache_n_entries_for_test(const ConfCache *cache) {
        return cache->n_entries;
}

static FileKey key_of(const struct stat *st) {
        FileKey k = {
                .dev = st->st_dev,
                .ino = st->st_ino,
                .size = st->st_size,
                .mode = st->st_mode,
                .uid = st->st_uid,
                .gid = st->st_gid,
                .mtim = st->st_mtim,
                .ctim = st->st_ctim,
        };

        /* Tests: the key of a file system that keeps whole seconds. */
        if (coarse_for_test)
                k.mtim.tv_nsec = k.ctim.tv_nsec = 0;
        return k;
}

static bool key_equal(const FileKey *a, const FileKey *b) {
        return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mode == b->mode &&
               a->uid == b->uid && a->gid == b->gid && a->mtim.tv_sec == b->mtim.tv_sec &&
               a->mtim.tv_nsec == b->mtim.tv_nsec && a->ctim.tv_sec == b->ctim.tv_sec &&
               a->ctim.tv_nsec == b->ctim.tv_nsec;
}

/* a <= b */
static bool ts_le(const struct timespec *a, const struct timespec *b) {
        return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

/* Whether no write can have kept k: both timestamps at least
 * CONF_CACHE_SETTLE_SEC before the load began. A write during or after the
 * load stamps a time after its beginning, rounded down by at most the file
 * system's granularity (at most 2 s: FAT), so it cannot stamp a time this
 * old. A timestamp after the beginning (a file just written, or a clock set
 * back since) fails the rule. */
static bool key_settled(const ConfCache *cache, const FileKey *k) {
        struct timespec limit = cache->start;

        limit.tv_sec -= CONF_CACHE_SETTLE_SEC;
        return ts_le(&k->mtim, &limit) && ts_le(&k->ctim, &limit);
}

/* Forgets every entry. */
static void cache_flush(ConfCache *cache) {
        entries_free(cache->entries, cache->n_entries);
        cache->entries = NULL;
        cache->n_entries = 0;
        free(cache->dir);
        cache->dir = NULL;
}

int conf_cache_begin(ConfCache *cache, const char *dir) {
        _cleanup_free_ char *cwd = NULL, *abs = NULL;

        /* An interrupted load may have left a generation behind. */
        conf_cache_end(cache);
        cache->hits = cache->parsed = 0;
        /* No clock, no settle rule: this load reads every file, and what
         * was kept under another clock goes. */
        if (conf_clock(&cache->start) < 0) {
                cache_flush(cache);
                return 0;
        }

        /* Relative credential paths are stored absolute (parse.c), from the
         * config dir, and from the working directory when that is relative
         * too: both are the cache's key. */
        if (dir[0] == '/')
                abs = strdup(dir);
        else {
                cwd = getcwd(NULL, 0);
                if (!cwd) {
                        /* The parse reports it; this load uses no cache. */
                        cache_flush(cache);
                        return 0;
                }
                if (asprintf(&abs, "%s/%s", cwd, dir) < 0)
                        abs = NULL;
        }
        if (!abs)
                return -ENOMEM;
        if (!cache->dir || !streq(cache->dir, abs)) {
                cache_flush(cache);
                cache->dir = TAKE_PTR(abs);
        }
        cache->active = true;
        return 0;
}

static int entry_name_cmp(const void *key, const void *elem) {
        return strcmp(key, (*(ConfCacheEntry *const *) elem)->file);
}

bool conf_cache_may_hit(const ConfCache *cache) {
        return cache && cache->active && cache->n_entries > 0;
}

ConfCacheEntry *conf_cache_find(ConfCache *cache, const char *file, const struct stat *st) {
        ConfCacheEntry **p;
        FileKey k;

        if (!conf_cache_may_hit(cache) || !st)
                return NULL;
        p = bsearch(file, cache->entries, cache->n_entries, sizeof(ConfCacheEntry *), entry_name_cmp);
        if (!p || (*p)->moved)
                return NULL;
        k = key_of(st);
        /* The settle rule again, with this load's clock: an entry kept
         * under a clock that has since been set back could match a file
         * rewritten now. */
        if (!key_equal(&(*p)->key, &k) || !key_settled(cache, &k))
                return NULL;
        return *p;
}

/* Takes e into the next generation (moved: this load used or made it). */
static int next_append(ConfCache *cache, ConfCacheEntry *e) {
        if (cache->n_next == cache->allocated_next) {
                size_t na = cache->allocated_next ? cache->allocated_next * 2 : 64;
                ConfCacheEntry **n = reallocarray(cache->next, na, sizeof(ConfCacheEntry *));

                if (!n)
                        return -ENOMEM;
                cache->next = n;
                cache->allocated_next = na;
        }
        cache->next[cache->n_next++] = e;
        e->moved = true;
        return 0;
}

int conf_cache_use(ConfCache *cache, ConfCacheEntry *e, Config *c, DiagList *d) {
        _cleanup_(tunnel_freep) Tunnel *t = NULL;
        int r;

        t = tunnel_dup(e->tunnel);
        if (!t)
                return -ENOMEM;
        /* What the parse reported, in its order: a broken file stays
         * broken (conf_isolate matches errors to tunnels by path), a
         * warning is seen on every load. */
        r = diag_append_from(d, &e->diags, 0);
        if (r < 0)
                return r;
        r = conf_append_tunnel(c, &t);
        if (r < 0)
                return r;
        r = next_append(cache, e);
        if (r < 0)
                return r;
        cache->hits++;
        return 0;
}

int conf_cache_parsed(ConfCache *cache, const char *file, const struct stat *st, const Tunnel *t, const DiagList *d,
                      size_t first_diag, size_t n_dropped) {
        _cleanup_(entry_freep) ConfCacheEntry *e = NULL;
        FileKey k = key_of(st);
        int r;

        cache->parsed++;
        if (!cache->active || !t || !S_ISREG(st->st_mode) || !key_settled(cache, &k))
                return 0;
        /* The diagnostics list overflowed during the parse: what it kept
         * is not all the parse said. */
        if (d->n_dropped != n_dropped || first_diag > d->n)
                return 0;

        e = calloc(1, sizeof(ConfCacheEntry));
        if (!e)
                return -ENOMEM;
        e->key = k;
        e->file = strdup(file);
        e->tunnel = tunnel_dup(t);
        if (!e->file || !e->tunnel)
                return -ENOMEM;
        r = diag_append_from(&e->diags, d, first_diag);
        if (r < 0)
                return r;
        r = next_append(cache, e);
        if (r < 0)
                return r;
        TAKE_PTR(e);
        return 0;
}

static int entry_cmp(const void *a, const void *b) {
        return strcmp((*(ConfCacheEntry *const *) a)->file, (*(ConfCacheEntry *const *) b)->file);
}

void conf_cache_end(ConfCache *cache) {
        if (!cache || !cache->active)
                return;
        cache->active = false;
        /* What this load did not see, or saw changed, goes. */
        for (size_t i = 0; i < cache->n_entries; i++)
                if (!cache->entries[i]->moved)
                        entry_free(cache->entries[i]);
        free(cache->entries);
        cache->entries = TAKE_PTR(cache->next);
        cache->n_entries = cache->n_next;
        cache->n_next = cache->allocated_next = 0;
        for (size_t i = 0; i < cache->n_entries; i++)
                cache->entries[i]->moved = false;
        /* load_subdir reads in strcmp order; sorting again keeps bsearch
         * right should that ever change. */
        if (cache->n_entries > 1)
                qsort(cache->entries, cache->n_entries, sizeof(ConfCacheEntry *), entry_cmp);
}
