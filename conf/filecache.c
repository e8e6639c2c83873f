/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache.h"
#include "filecache.h"
#include "strutil.h"

typedef struct Entry {
        char *path;
        struct stat key;     /* lstat when the facts were taken */
        FileFacts facts;
        bool asked;          /* asked about in the current check */
        bool checked;        /* ... and found valid for the file there now */
} Entry;

struct FileCache {
        Entry *v;            /* open addressing by path; path NULL = free */
        size_t n_slots, n;
        struct timespec start;
        bool begun;
};

FileCache *file_cache_new(void) {
        return calloc(1, sizeof(FileCache));
}

static void facts_clear(FileFacts *f) {
        free(f->psk_reason);
        explicit_bzero(f, sizeof(*f));
}

static void entry_clear(Entry *e) {
        free(e->path);
        facts_clear(&e->facts);
        *e = (Entry) {};
}

FileCache *file_cache_free(FileCache *cache) {
        if (!cache)
                return NULL;
        for (size_t i = 0; i < cache->n_slots; i++)
                entry_clear(&cache->v[i]);
        free(cache->v);
        free(cache);
        return NULL;
}

size_t file_cache_size_for_test(const FileCache *cache) {
        return cache->n;
}

/* The slot of path: the one that holds it, or the free one where it goes. */
static Entry *slot(Entry *v, size_t n_slots, const char *path) {
        size_t i = (size_t) fnv1a_str(FNV1A_INIT, path) & (n_slots - 1);

        while (v[i].path && !streq(v[i].path, path))
                i = (i + 1) & (n_slots - 1);
        return &v[i];
}

/* A table of n_slots (a power of two) with the entries of cache that keep. */
static int rehash(FileCache *cache, size_t n_slots, bool keep_unasked) {
        Entry *v = calloc(n_slots, sizeof(Entry));
        size_t n = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < cache->n_slots; i++) {
                Entry *e = &cache->v[i];

                if (!e->path)
                        continue;
                if (!keep_unasked && !e->asked) {
                        entry_clear(e);
                        continue;
                }
                *slot(v, n_slots, e->path) = *e;
                n++;
        }
        free(cache->v);
        cache->v = v;
        cache->n_slots = n_slots;
        cache->n = n;
        return 0;
}

void file_cache_begin(FileCache *cache, const struct timespec *start) {
        cache->start = *start;
        cache->begun = true;
        /* What the last check did not ask about goes (a file no tunnel
         * names any more); what stays is asked about afresh. */
        if (cache->n_slots > 0 && rehash(cache, cache->n_slots, false) < 0) {
                for (size_t i = 0; i < cache->n_slots; i++)
                        entry_clear(&cache->v[i]);
                cache->n = 0;
        }
        for (size_t i = 0; i < cache->n_slots; i++)
                cache->v[i].asked = cache->v[i].checked = false;
}

static bool same_key(const struct stat *a, const struct stat *b) {
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
               a->st_mode == b->st_mode && a->st_uid == b->st_uid && a->st_gid == b->st_gid &&
               a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
               a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static bool ts_le(const struct timespec *a, const struct timespec *b) {
        return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

FileFacts *file_cache_get(FileCache *cache, const char *path) {
        struct timespec limit;
        struct stat st;
        Entry *e;

        if (!cache || !cache->begun || !path)
                return NULL;
        if (cache->n_slots == 0 || 2 * (cache->n + 1) > cache->n_slots)
                if (rehash(cache, cache->n_slots ? 2 * cache->n_slots : 64, true) < 0)
                        return NULL;
        e = slot(cache->v, cache->n_slots, path);
        if (e->path && e->asked)
                return e->checked ? &e->facts : NULL;
        if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
                goto doubt;
        limit = cache->start;
        limit.tv_sec -= CONF_CACHE_SETTLE_SEC;
        if (!ts_le(&st.st_mtim, &limit) || !ts_le(&st.st_ctim, &limit))
                goto doubt;
        if (!e->path) {
                e->path = strdup(path);
                if (!e->path)
                        return NULL;
                cache->n++;
        } else if (!same_key(&e->key, &st))
                facts_clear(&e->facts); /* another file now: learn it afresh */
        e->key = st;
        e->asked = e->checked = true;
        return &e->facts;
doubt:
        /* Asked, and in doubt for the rest of this check. */
        if (!e->path) {
                e->path = strdup(path);
                if (!e->path)
                        return NULL;
                cache->n++;
        }
        facts_clear(&e->facts);
        e->asked = true;
        e->checked = false;
        return NULL;
}
