/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Rate limiting of journal entries that peer traffic can trigger over and
 * over (a peer that fails authentication every second, a flapping tunnel).
 * Pure: the caller passes the time, so tests drive the clock. As systemd's
 * RateLimit: a window opens with the first entry, at most burst entries pass
 * in it, the rest are counted; the first entry after the window says how many
 * were held back. */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

typedef struct RateLimit {
        uint64_t interval_usec;
        unsigned burst;
        uint64_t begin_usec;    /* start of the current window */
        unsigned n;             /* entries let through in it; 0 = no window yet */
        unsigned suppressed;    /* entries held back and not reported yet */
} RateLimit;

/* True when one more entry may go out at now_usec. When it opens a new window
 * and entries were held back before, *ret_suppressed gets their count (each
 * count is handed out once), else 0. A clock that goes backwards opens a new
 * window. */
bool ratelimit_below(RateLimit *rl, uint64_t now_usec, unsigned *ret_suppressed);

/* One RateLimit per (kind, key), e.g. (event, tunnel name). The number of
 * keys is capped: when the table is full, a key whose window is over and
 * whose count was reported gives its slot up; if none can, new keys share one
 * limiter (overflow), so a flood of names is still limited. */
#define RATELIMIT_TABLE_MAX 8192

typedef struct RateLimitEntry {
        uint64_t hash;
        unsigned kind;
        char *key;              /* NULL for "no key" */
        RateLimit rl;
} RateLimitEntry;

typedef struct RateLimitTable {
        uint64_t interval_usec;
        unsigned burst;
        size_t max;             /* 0 = RATELIMIT_TABLE_MAX */
        RateLimitEntry *entries;
        size_t n, allocated;
        RateLimit overflow;
} RateLimitTable;

/* ratelimit_below() for (kind, key); key may be NULL. Never fails: without
 * memory for a new key it uses the overflow limiter. */
bool ratelimit_table_below(RateLimitTable *t, unsigned kind, const char *key, uint64_t now_usec,
                           unsigned *ret_suppressed);

/* Forgets every key (and unreported counts); keeps interval, burst, max. */
void ratelimit_table_clear(RateLimitTable *t);
