/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>

#include "ratelimit.h"
#include "strutil.h"

static bool window_over(const RateLimit *rl, uint64_t now_usec) {
        return rl->n == 0 || now_usec < rl->begin_usec || now_usec - rl->begin_usec >= rl->interval_usec;
}

bool ratelimit_below(RateLimit *rl, uint64_t now_usec, unsigned *ret_suppressed) {
        unsigned reported = 0;

        if (rl->interval_usec == 0 || rl->burst == 0) {
                /* Not limited. */
        } else if (window_over(rl, now_usec)) {
                reported = rl->suppressed;
                rl->suppressed = 0;
                rl->begin_usec = now_usec;
                rl->n = 1;
        } else if (rl->n < rl->burst)
                rl->n++;
        else {
                if (rl->suppressed < UINT_MAX)
                        rl->suppressed++;
                if (ret_suppressed)
                        *ret_suppressed = 0;
                return false;
        }
        if (ret_suppressed)
                *ret_suppressed = reported;
        return true;
}

/* FNV-1a over the kind and the key: a cheap filter before strcmp. */
static uint64_t key_hash(unsigned kind, const char *key) {
        return fnv1a_str((FNV1A_INIT ^ kind) * FNV1A_PRIME, key); /* kind is wider than a byte */
}

/* A slot that can be given to another key without losing anything: its
 * window is over and no count waits to be reported. */
static bool entry_idle(const RateLimitEntry *e, uint64_t now_usec) {
        return e->rl.suppressed == 0 && window_over(&e->rl, now_usec);
}

static RateLimitEntry *entry_new(RateLimitTable *t, uint64_t hash, unsigned kind, const char *key,
                                 uint64_t now_usec) {
        size_t max = t->max > 0 ? t->max : RATELIMIT_TABLE_MAX;
        _cleanup_free_ char *k = NULL;
        RateLimitEntry *e = NULL;

        if (key) {
                k = strdup(key);
                if (!k)
                        return NULL;
        }
        if (t->n >= max) {
                for (size_t i = 0; i < t->n && !e; i++)
                        if (entry_idle(&t->entries[i], now_usec))
                                e = &t->entries[i];
                if (!e)
                        return NULL;
                free(e->key);
        } else {
                if (t->n == t->allocated) {
                        size_t na = t->allocated ? t->allocated * 2 : 16;
                        RateLimitEntry *ne;

                        if (na > max)
                                na = max;
                        ne = reallocarray(t->entries, na, sizeof(RateLimitEntry));
                        if (!ne)
                                return NULL;
                        t->entries = ne;
                        t->allocated = na;
                }
                e = &t->entries[t->n++];
        }
        *e = (RateLimitEntry) {
                .hash = hash,
                .kind = kind,
                .key = TAKE_PTR(k),
                .rl = { .interval_usec = t->interval_usec, .burst = t->burst },
        };
        return e;
}

bool ratelimit_table_below(RateLimitTable *t, unsigned kind, const char *key, uint64_t now_usec,
                           unsigned *ret_suppressed) {
        uint64_t hash = key_hash(kind, key);
        RateLimitEntry *e = NULL;

        for (size_t i = 0; i < t->n && !e; i++)
                if (t->entries[i].hash == hash && t->entries[i].kind == kind && streq_ptr(t->entries[i].key, key))
                        e = &t->entries[i];
        if (!e)
                e = entry_new(t, hash, kind, key, now_usec);
        if (!e) {
                t->overflow.interval_usec = t->interval_usec;
                t->overflow.burst = t->burst;
                return ratelimit_below(&t->overflow, now_usec, ret_suppressed);
        }
        return ratelimit_below(&e->rl, now_usec, ret_suppressed);
}

void ratelimit_table_clear(RateLimitTable *t) {
        for (size_t i = 0; i < t->n; i++)
                free(t->entries[i].key);
        free(t->entries);
        t->entries = NULL;
        t->n = t->allocated = 0;
        t->overflow = (RateLimit) {};
}
