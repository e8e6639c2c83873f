/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <limits.h>
#include <stdalign.h>
#include <stdio.h>
#include <sys/socket.h>

#include "bypass.h"
#include "guard.h"
#include "journal.h"
#include "log.h"
#include "nft.h"
#include "shield.h"
#include "strutil.h"
#include "watch.h"
#include "xfrm-kernel.h"

/* The first notification is acted on at once (with the kernel data plane a
 * flush leaks from the next packet), and so is each later one that removed
 * or changed a shield policy within this window, up to HEAL_BURST_MAX: a
 * `deleteall` comes one policy at a time, and one repaired on the first
 * notification can be deleted by the same `deleteall` right after (seen in
 * the VM tier: a plaintext ping left in the 50 ms until the window's end).
 * The window's end reconciles once more. Well inside DESIGN.md's 1 s; the
 * cap bounds the work when another program keeps deleting. */
#define HEAL_DEBOUNCE_USEC (50 * 1000ULL)
#define HEAL_BURST_MAX 32u
/* Datagrams read per wake-up: a flood cannot starve the loop (the socket
 * stays readable and the rest comes on the next iteration). */
#define WATCH_BATCH_MAX 256

typedef enum WatchKind {
        WATCH_XFRM,
        WATCH_NFT,
        _WATCH_KIND_MAX,
} WatchKind;

struct Guard {
        sd_event *event;
        struct nl_sock *xfrm;
        const Config *config;
        int tun_ifindex;
        int *route_ifindex;           /* route mode: [i] for config->tunnels[i], 0 = no interface */
        size_t n_route_ifindex;
        char *nft_applied;            /* the table text last applied */
        char *nft_listed;             /* its listing right after (normalized), NULL if unknown */
        uint32_t nft_gen;             /* the ruleset generation nft_listed is of, */
        bool nft_gen_known;           /* when known */
        int link_fd;
        sd_event_source *link_io;
        int watch_fd[_WATCH_KIND_MAX];
        sd_event_source *watch_io[_WATCH_KIND_MAX];
        sd_event_source *heal_timer;
        bool heal_pending[_WATCH_KIND_MAX]; /* what the debounced reconcile was woken for */
        unsigned heal_burst;             /* repairs at once within the current window */
        bool bypass_pending;                /* ... and a pass policy came: look for bypasses */

        /* Fail closed per tunnel (DESIGN.md): the FailClosed tunnels of
         * g->config whose shield is not complete, sorted, and why. */
        char **unshielded;
        size_t n_unshielded;
        char *shield_error;
        sd_event_source *retry_timer;  /* the next attempt while one is incomplete */
        uint64_t retry_usec;           /* its backoff */
        /* Tunnels whose shield became complete, told to the handler from the
         * event loop (never from inside guard_apply's caller). */
        char **completed;
        size_t n_completed;
        sd_event_source *completed_defer;
        GuardShieldedHandler handler;
        GuardIpsecLostHandler ipsec_lost;
        void *userdata;
};

/* An incomplete shield is tried again after 200 ms, doubling up to 10 s. */
/* Per-tunnel lines about the shield's completeness, at most, per change. */
#define TUNNEL_LINES_MAX 10
#define RETRY_MIN_USEC (200 * 1000ULL)
#define RETRY_MAX_USEC (10 * 1000 * 1000ULL)

static int tun_ifindex(const Config *c) {
        if (c->gateway.data_plane != DATA_PLANE_USERSPACE)
                return 0;
        return (int) if_nametoindex(SHIELD_DEFAULT_TUN_NAME); /* 0 when absent */
}

/* Route mode: the index of each route tunnel's XFRM interface (0 when it
 * is absent or the tunnel is not in route mode), into *ret (malloc'd, one
 * per tunnel). */
static int route_ifindexes(const Config *c, int **ret) {
        int *v = calloc(c->n_tunnels ? c->n_tunnels : 1, sizeof(int));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_tunnels; i++) {
                char ifname[TUNNEL_IFNAME_MAX + 1];

                if (c->tunnels[i]->mode == TUNNEL_MODE_ROUTE && c->gateway.data_plane == DATA_PLANE_KERNEL)
                        v[i] = (int) if_nametoindex(tunnel_ifname(c->tunnels[i]->name, ifname));
        }
        *ret = v;
        return 0;
}

/* Whether a route tunnel's interface came, went or changed since the last
 * sync. */
static bool route_ifindexes_changed(Guard *g) {
        _cleanup_free_ int *now = NULL;

        if (!g->config || route_ifindexes(g->config, &now) < 0)
                return true;
        return g->n_route_ifindex != g->config->n_tunnels ||
               (g->n_route_ifindex > 0 && memcmp(now, g->route_ifindex, g->n_route_ifindex * sizeof(int)) != 0);
}

/* Cuts s at its first line break (nft's messages go on with the command and
 * a marker line). */
static const char *first_line(char *s) {
        s[strcspn(s, "\n")] = 0;
        return s;
}

static void set_error(Guard *g, int r, const char *what, const char *detail) {
        free(g->shield_error);
        if (asprintf(&g->shield_error, "%s: %s%s%s", what, strerror(-r), detail ? ": " : "", detail ?: "") < 0)
                g->shield_error = NULL;
}

/* The XFRM half: puts in every policy of g->config's shield (*want gets
 * the set) and leaves the stale ones for remove_stale(). Errors are logged
 * here. *ret_failed gets the policies that are not in place;
 * *ret_all_failed is set when none could be (the set could not even be
 * built). */
static int sync_xfrm(Guard *g, ShieldPolicySet *want, XfrmApplyStats *ret_st, ShieldPolicySet *ret_failed,
                     bool *ret_all_failed) {
        _cleanup_free_ char *extack = NULL;
        XfrmApplyStats st = {};
        int r;

        *ret_st = st;
        *ret_all_failed = false;
        g->tun_ifindex = tun_ifindex(g->config);
        /* Route mode: the allows follow each route tunnel's interface. */
        free(g->route_ifindex);
        g->n_route_ifindex = 0;
        r = route_ifindexes(g->config, &g->route_ifindex);
        if (r >= 0) {
                g->n_route_ifindex = g->config->n_tunnels;
                r = shield_build_routes((const Tunnel *const *) g->config->tunnels, g->config->n_tunnels,
                                        g->config->gateway.data_plane, g->tun_ifindex, g->route_ifindex, want);
        }
        if (r < 0) {
                *ret_all_failed = true;
                set_error(g, r, "the shield could not be built", NULL);
                return log_error_errno(r, "Failed to build the shield: %m");
        }
        r = xfrm_shield_apply(g->xfrm, want, XFRM_APPLY_KEEP_STALE, &st, ret_failed, &extack);
        *ret_st = st;
        if (r < 0) {
                set_error(g, r, "XFRM policy refused", extack ? extack : NULL);
                return log_error_errno(r, "Failed to install %zu of %zu shield policies (the others are in; "
                                       "retrying)%s%s: %m",
                                       ret_failed->n, want->n, extack ? ": kernel says: " : "", extack ? extack : "");
        }
        return 0;
}

/* The stale policies go last, once the whole new shield (XFRM and
 * nftables) is in: when DataPlane changes, IPv6 and inbound move between
 * XFRM and the table, and neither may be uncovered in between. A failure
 * leaves them (over-blocking is safe); the next sync tries again. */
static int remove_stale(Guard *g, const ShieldPolicySet *want, XfrmApplyStats *st) {
        _cleanup_free_ char *extack = NULL;
        XfrmApplyStats st2 = {};
        int r;

        r = xfrm_shield_apply(g->xfrm, want, 0, &st2, NULL, &extack);
        st->deleted = st2.deleted;
        st->stale = st2.stale;
        /* Someone removed some of the new ones meanwhile: put back. */
        st->added += st2.added;
        st->updated += st2.updated;
        if (r < 0)
                log_warning("Failed to remove stale shield policies (they stay until the next check)%s%s: %s",
                            extack ? ": kernel says: " : "", extack ?: "", strerror(-r));
        return r;
}

/* The table as the kernel has it now, normalized: 0, -ENOENT when it is
 * gone, or another -errno when nft could not tell. */
static int nft_current(char **ret) {
        _cleanup_free_ char *text = NULL, *err = NULL;
        int r;

        /* nft's message adds nothing here: a failed listing only means
         * "apply again", and the apply reports its own failure. */
        r = nft_gatewayd_list(&text, &err);
        if (r < 0)
                return r;
        return nft_listing_normalize(text, ret);
}

/* Lists the kernel's table into g->nft_listed (NULL: the next check
 * applies again), with the ruleset generation it is of when nothing moved
 * it during the listing. */
static void nft_record(Guard *g) {
        uint32_t before, after;
        bool gen = nft_genid(&before) >= 0;

        free(g->nft_listed);
        g->nft_listed = NULL;
        (void) nft_current(&g->nft_listed);
        g->nft_gen_known = gen && g->nft_listed && nft_genid(&after) >= 0 && after == before;
        g->nft_gen = before;
}

/* Whether the kernel holds g->nft_listed: 1 yes, 0 no (gone, or changed by
 * someone else), < 0 cannot tell. No transaction since the listing (the
 * generation did not move) answers without listing again: a check of an
 * unchanged table costs one netlink round trip, not a listing of every
 * tunnel's prefixes. */
static int nft_held(Guard *g) {
        _cleanup_free_ char *now = NULL;
        uint32_t gen, after;
        bool have_gen;
        int r;

        if (!g->nft_listed)
                return -ENODATA;
        have_gen = nft_genid(&gen) >= 0;
        if (g->nft_gen_known && have_gen && gen == g->nft_gen)
                return 1;
        r = nft_current(&now);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (!streq(now, g->nft_listed))
                return 0;
        /* Ours as it was; other tables moved the generation. This listing
         * is of gen when nothing moved it meanwhile. (Not listed again: a
         * table that vanished just after this listing must still be seen
         * as gone, and logged as restored, by the next check.) */
        if (have_gen && nft_genid(&after) >= 0 && after == gen) {
                g->nft_gen = gen;
                g->nft_gen_known = true;
        }
        return 1;
}

/* Changes the kernel's table from g->nft_applied to table in place (set
 * elements only: a reload that changes a few tunnels' prefixes costs what
 * they cost, not a table of every tunnel). Only when the kernel is known to
 * hold exactly what was applied. Returns 1 when done, 0 when the whole table
 * must go in instead, -ENOMEM. */
static int nft_in_place(Guard *g, const char *table) {
        _cleanup_free_ char *cmd = NULL;
        int r;

        if (!g->nft_applied || !g->nft_listed)
                return 0;
        r = nft_gatewayd_delta(g->nft_applied, table, &cmd);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0; /* more than elements changed */
        r = nft_held(g);
        if (r == -ENOMEM)
                return r;
        if (r <= 0)
                return 0; /* someone else's doing, or unknown: the whole table */
        /* Refused (it should not be): the whole table, which reports. */
        return isempty(cmd) || nft_gatewayd_run(cmd, NULL) >= 0;
}

/* The nftables half. The cached text only saves the replace when the kernel
 * is known to hold exactly what was applied: a flush (nftables.service) or
 * an edit by someone else means it goes in again, and *ret_restored says
 * so. */
static int sync_nft(Guard *g, bool *ret_restored) {
        _cleanup_free_ char *table = NULL, *nft_error = NULL;
        int r;

        *ret_restored = false;
        r = nft_gatewayd_build_config(g->config, SHIELD_DEFAULT_TUN_NAME, &table);
        if (r < 0)
                return log_error_errno(r, "Failed to build the nftables table: %m");
        if (g->nft_applied && streq(g->nft_applied, table)) {
                r = nft_held(g);
                if (r > 0)
                        return 0;
                /* Gone, or not what we left there: someone else's doing.
                 * (No listing from our own apply: only try again.) */
                *ret_restored = r == 0;
                r = r == -ENOMEM ? r : 0;
        } else
                r = nft_in_place(g, table);
        if (r < 0)
                return log_oom();
        /* Replacing a table of 1,000 tunnels' prefixes costs ~5-15 ms. */
        if (r == 0) {
                r = nft_gatewayd_apply(table, &nft_error);
                if (r < 0) {
                        *ret_restored = false;
                        /* nft's message ends with the offending line and a marker. */
                        set_error(g, r, "nftables table inet gatewayd refused",
                                  nft_error ? first_line(nft_error) : NULL);
                        return log_error_errno(r, "Failed to install nftables table inet gatewayd (retrying)%s%s: %m",
                                               nft_error ? ": " : "", nft_error ? nft_error : "");
                }
        }
        free(g->nft_applied);
        g->nft_applied = TAKE_PTR(table);
        nft_record(g);
        return 0;
}

static uint64_t monotonic_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

/* usec: how long the repair took (0: not measured). */
static void log_restored(Guard *g, const char *why, const XfrmApplyStats *st, bool nft, uint64_t usec) {
        char counts[4][64];
        const char *fields[] = { counts[0], counts[1], counts[2], counts[3], NULL };
        size_t policies = st->added + st->updated;

        if (policies == 0 && !nft)
                return;
        snprintf(counts[0], sizeof(counts[0]), "GATEWAYD_POLICIES_ADDED=%zu", st->added);
        snprintf(counts[1], sizeof(counts[1]), "GATEWAYD_POLICIES_REPAIRED=%zu", st->updated);
        snprintf(counts[2], sizeof(counts[2]), "GATEWAYD_NFT_TABLE_RESTORED=%s", nft ? "yes" : "no");
        snprintf(counts[3], sizeof(counts[3]), "GATEWAYD_REPAIR_USEC=%llu", (unsigned long long) usec);
        (void) log_event_fields(EVENT_SHIELD_RESTORED, NULL, NULL, why, fields,
                                "Shield restored (%s): %zu XFRM policies put back, %zu repaired%s, in %.1f ms", why,
                                st->added, st->updated, nft ? ", nftables table inet gatewayd reinstalled" : "",
                                (double) usec / 1000.0);
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool in_sorted(char *const *v, size_t n, const char *name) {
        return n > 0 && bsearch(&name, v, n, sizeof(char *), name_cmp);
}

static bool failed_has_tunnel(const ShieldPolicySet *failed, const char *name) {
        for (size_t i = 0; i < failed->n; i++)
                if (streq(failed->items[i].tunnel, name))
                        return true;
        return false;
}

static int on_completed(sd_event_source *s, void *userdata) {
        Guard *g = userdata;
        char **v = TAKE_PTR(g->completed);
        size_t n = g->n_completed;

        g->n_completed = 0;
        for (size_t i = 0; i < n; i++) {
                /* Still complete, and still configured: the handler may load
                 * it into charon. */
                if (g->handler && !in_sorted(g->unshielded, g->n_unshielded, v[i]) &&
                    config_find_tunnel(g->config, v[i]))
                        g->handler(g->userdata, v[i]);
                free(v[i]);
        }
        free(v);
        return 0;
}

static void tell_completed(Guard *g, const char *name) {
        char **v;
        int r;

        if (!g->event || !g->handler)
                return;
        v = reallocarray(g->completed, g->n_completed + 1, sizeof(char *));
        if (!v || !(v[g->n_completed] = strdup(name))) {
                if (v)
                        g->completed = v;
                log_oom();
                return;
        }
        g->completed = v;
        g->n_completed++;
        if (g->completed_defer)
                r = sd_event_source_set_enabled(g->completed_defer, SD_EVENT_ONESHOT);
        else
                r = sd_event_add_defer(g->event, &g->completed_defer, on_completed, g);
        if (r < 0)
                log_warning("Failed to schedule loading the tunnels whose shield is complete: %s", strerror(-r));
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata);

/* The next attempt at an incomplete shield: RETRY_MIN_USEC doubling up to
 * RETRY_MAX_USEC, until it is complete. */
static void schedule_retry(Guard *g) {
        int r;

        if (!g->event)
                return;
        g->retry_usec = g->retry_usec ? g->retry_usec * 2 : RETRY_MIN_USEC;
        if (g->retry_usec > RETRY_MAX_USEC)
                g->retry_usec = RETRY_MAX_USEC;
        if (g->retry_timer) {
                r = sd_event_source_set_time_relative(g->retry_timer, g->retry_usec);
                if (r >= 0)
                        r = sd_event_source_set_enabled(g->retry_timer, SD_EVENT_ONESHOT);
        } else
                r = sd_event_add_time_relative(g->event, &g->retry_timer, CLOCK_MONOTONIC, g->retry_usec,
                                               10 * 1000, on_retry, g);
        if (r < 0)
                log_warning("Failed to schedule the next shield attempt (the health timer tries again): %s",
                            strerror(-r));
}

/* After a sync: which FailClosed tunnels of g->config lack part of their
 * shield. xfrm_all or nft_failed: all of them (the table is one
 * transaction, and it holds the inbound and IPv6 half). Logs the changes,
 * tells the handler about completed ones, and schedules the retry. */
static void update_unshielded(Guard *g, const ShieldPolicySet *failed, bool xfrm_all, bool nft_failed) {
        _cleanup_strv_free_ char **v = NULL;
        size_t n = 0, n_new = 0;

        v = calloc(g->config->n_tunnels + 1, sizeof(char *));
        if (!v) {
                log_oom();
                return;
        }
        for (size_t i = 0; i < g->config->n_tunnels; i++) {
                const Tunnel *t = g->config->tunnels[i];

                if (!t->fail_closed || !(xfrm_all || nft_failed || failed_has_tunnel(failed, t->name)))
                        continue;
                v[n] = strdup(t->name);
                if (!v[n]) {
                        log_oom();
                        return;
                }
                n++;
        }
        qsort(v, n, sizeof(char *), name_cmp);

        /* One line per tunnel, up to a point: a failed nftables table
         * concerns every tunnel at once. */
        for (size_t i = 0; i < n; i++)
                n_new += !in_sorted(g->unshielded, g->n_unshielded, v[i]);
        for (size_t i = 0, said = 0; i < n && said < TUNNEL_LINES_MAX; i++)
                if (!in_sorted(g->unshielded, g->n_unshielded, v[i])) {
                        said++;
                        log_error("tunnel '%s': its shield is incomplete (%s); it is not loaded into charon until "
                                  "the shield is in%s",
                                  v[i], g->shield_error ?: "unknown error",
                                  said == TUNNEL_LINES_MAX && n_new > said ? "; so are further tunnels" : "");
                }
        for (size_t i = 0, said = 0; i < g->n_unshielded; i++)
                if (!in_sorted(v, n, g->unshielded[i]) && config_find_tunnel(g->config, g->unshielded[i])) {
                        if (++said <= TUNNEL_LINES_MAX)
                                log_info("tunnel '%s': its shield is complete", g->unshielded[i]);
                        tell_completed(g, g->unshielded[i]);
                }
        strv_free(g->unshielded);
        g->unshielded = TAKE_PTR(v);
        g->n_unshielded = n;
        if (n > 0)
                schedule_retry(g);
        else {
                g->retry_usec = 0;
                (void) sd_event_source_set_enabled(g->retry_timer, SD_EVENT_OFF);
                free(g->shield_error);
                g->shield_error = NULL;
        }
}

/* Both halves, new coverage first: the XFRM policies that are missing, the
 * nftables table, and only then the stale XFRM policies. Then the
 * per-tunnel verdict. quiet: no info line (a heal reports with its own
 * event). */
static int sync_all(Guard *g, bool quiet, XfrmApplyStats *ret_st, bool *ret_nft_restored) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet want = {}, failed = {};
        bool xfrm_all;
        int r, q;

        r = sync_xfrm(g, &want, ret_st, &failed, &xfrm_all);
        q = sync_nft(g, ret_nft_restored);
        if (r >= 0 && q >= 0 && ret_st->stale > 0)
                (void) remove_stale(g, &want, ret_st);
        update_unshielded(g, &failed, xfrm_all, q < 0);
        if (!quiet && r >= 0 && (ret_st->added || ret_st->updated || ret_st->deleted))
                log_info("Shield: %zu policies (%zu added, %zu updated, %zu removed, %zu kept)%s", want.n,
                         ret_st->added, ret_st->updated, ret_st->deleted, ret_st->kept,
                         g->config->gateway.data_plane == DATA_PLANE_USERSPACE && g->tun_ifindex == 0
                                 ? "; tunnel device " SHIELD_DEFAULT_TUN_NAME " absent: VNet traffic blocked"
                                 : "");
        return r < 0 ? r : q < 0 ? q : 0;
}

int guard_apply(Guard *g, const Config *c) {
        XfrmApplyStats st = {};
        bool nft_restored;
        int r;

        g->config = c;
        r = sync_all(g, false, &st, &nft_restored);
        /* Policies added here are the new config's; only the table can be
         * found missing behind our back. */
        if (nft_restored)
                log_restored(g, "nftables table missing or changed at apply", &(XfrmApplyStats) {}, true, 0);
        return r;
}

static int prefix_start_cmp(const void *a, const void *b) {
        const Prefix *x = a, *y = b;
        int r;

        if (x->addr.family != y->addr.family)
                return x->addr.family < y->addr.family ? -1 : 1;
        r = memcmp(x->addr.bytes, y->addr.bytes, sizeof(x->addr.bytes));
        return r < 0 ? -1 : r > 0;
}

/* Whether one of v[0..n) (sorted by start, not nested: charon has one policy
 * per traffic selector, and RemotePrefixes never overlap) shares an address
 * with p: the first to start at or after p's start, or the one before it. */
static bool overlaps_sorted(const Prefix *v, size_t n, const Prefix *p) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t m = lo + (hi - lo) / 2;

                if (prefix_start_cmp(&v[m], p) < 0)
                        lo = m + 1;
                else
                        hi = m;
        }
        return (lo < n && prefix_overlaps(&v[lo], p)) || (lo > 0 && prefix_overlaps(&v[lo - 1], p));
}

/* With DataPlane=kernel, `ip xfrm policy flush` (ipsec restart, a script)
 * takes charon's IPsec policies too, and charon does not notice: its SAs
 * stay, but nothing sends traffic into them (the shield drops it). Every
 * enabled tunnel of g->config without one of charon's outbound IPsec
 * policies (a template, charon's priority band) toward each of its
 * RemotePrefixes is handed to the ipsec_lost handler, which has charon
 * install them again if the tunnel is up. One dump, then a binary search
 * per prefix: this runs on every health interval. */
static void check_ipsec_policies(Guard *g) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet ours = {}, all = {};
        _cleanup_free_ char *extack = NULL;
        _cleanup_free_ Prefix *dst = NULL;
        size_t n = 0;
        int r;

        if (!g->ipsec_lost || g->config->gateway.data_plane != DATA_PLANE_KERNEL)
                return;
        r = xfrm_shield_dump(g->xfrm, &ours, &all, NULL, &extack);
        if (r < 0) {
                log_warning("Failed to dump XFRM policies to look for charon's%s%s: %s", extack ? ": " : "",
                            extack ?: "", strerror(-r));
                return;
        }
        dst = calloc(all.n ?: 1, sizeof(Prefix));
        if (!dst) {
                log_oom();
                return;
        }
        for (size_t k = 0; k < all.n; k++) {
                const ShieldPolicy *p = &all.items[k];

                if (p->dir == SHIELD_DIR_OUT && p->templated && p->priority < SHIELD_CHARON_PRIORITY_LIMIT)
                        dst[n++] = p->dst;
        }
        if (n > 1)
                qsort(dst, n, sizeof(Prefix), prefix_start_cmp);
        for (size_t i = 0; i < g->config->n_tunnels; i++) {
                const Tunnel *t = g->config->tunnels[i];
                bool complete = true;

                if (!t->enabled)
                        continue;
                for (size_t j = 0; complete && j < t->remote_prefixes.n; j++)
                        complete = overlaps_sorted(dst, n, &t->remote_prefixes.items[j]);
                if (!complete)
                        g->ipsec_lost(g->userdata, t->name);
        }
}

int guard_heal(Guard *g, const char *why) {
        XfrmApplyStats st = {};
        bool nft_restored = false, retrying;
        uint64_t t0 = monotonic_usec();
        int r;

        if (!g->config)
                return 0;
        /* While a part is missing because the kernel refused it, what goes
         * in is that part, not a repair of someone else's doing. */
        retrying = g->n_unshielded > 0;
        r = sync_all(g, true, &st, &nft_restored);
        /* Our own changes notify too; they leave nothing to put back. */
        if (retrying) {
                if (st.added + st.updated > 0 || nft_restored)
                        log_info("Shield: %zu policies added, %zu repaired%s (%s)", st.added, st.updated,
                                 nft_restored ? ", nftables table inet gatewayd installed" : "", why);
        } else
                log_restored(g, why, &st, nft_restored, monotonic_usec() - t0);
        if (st.deleted > 0)
                log_info("Shield: %zu stale policies removed (%s)", st.deleted, why);
        check_ipsec_policies(g);
        return r;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Guard *g = userdata;

        (void) guard_heal(g, "retrying the incomplete shield");
        return 0;
}

bool guard_tunnel_shielded(Guard *g, const char *name) {
        return !in_sorted(g->unshielded, g->n_unshielded, name);
}

const char *guard_shield_error(Guard *g) {
        return g->n_unshielded > 0 ? g->shield_error ?: "unknown error" : NULL;
}

size_t guard_n_unshielded(Guard *g) {
        return g->n_unshielded;
}

void guard_set_handler(Guard *g, GuardShieldedHandler handler, GuardIpsecLostHandler ipsec_lost, void *userdata) {
        g->handler = handler;
        g->ipsec_lost = ipsec_lost;
        g->userdata = userdata;
}

static int on_heal_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Guard *g = userdata;
        bool x = g->heal_pending[WATCH_XFRM], n = g->heal_pending[WATCH_NFT], b = g->bypass_pending;

        g->heal_pending[WATCH_XFRM] = g->heal_pending[WATCH_NFT] = g->bypass_pending = false;
        if (x || n)
                (void) guard_heal(g, x && n ? "XFRM policies and nftables changed by another program"
                                     : x    ? "XFRM policies changed by another program"
                                            : "nftables changed by another program");
        if (b)
                (void) guard_check_bypasses(g, "change");
        return 0;
}

int guard_check_bypasses(Guard *g, const char *when) {
        _cleanup_(shield_policy_set_clear) ShieldPolicySet want = {}, ours = {}, all = {};
        _cleanup_(shield_bypass_list_clear) ShieldBypassList l = {};
        _cleanup_free_ char *extack = NULL, *field = NULL;
        bool userspace, any_fail_closed = false, kernel_in = false;
        const char *fields[2] = {};
        int r;

        if (!g->config)
                return 0;
        for (size_t i = 0; i < g->config->n_tunnels; i++)
                any_fail_closed = any_fail_closed || g->config->tunnels[i]->fail_closed;
        if (!any_fail_closed)
                return 0;
        userspace = g->config->gateway.data_plane == DATA_PLANE_USERSPACE;
        r = shield_build_config(g->config, g->tun_ifindex, &want);
        if (r < 0)
                return log_error_errno(r, "Failed to build the shield: %m");
        r = xfrm_shield_dump(g->xfrm, &ours, &all, NULL, &extack);
        if (r < 0)
                return log_error_errno(r, "Failed to dump XFRM policies to look for bypasses%s%s: %m",
                                       extack ? ": " : "", extack ?: "");
        r = shield_find_policy_bypasses(&want, &all, g->tun_ifindex, &l);
        if (r < 0)
                return log_oom();
        for (size_t i = 0; i < want.n; i++)
                kernel_in = kernel_in || want.items[i].dir != SHIELD_DIR_OUT;
        r = shield_find_sysctl_bypasses("/proc/sys/net", userspace ? SHIELD_DEFAULT_TUN_NAME : NULL, kernel_in, &l);
        if (r < 0)
                log_warning("Failed to read disable_xfrm/disable_policy under /proc/sys/net: %s", strerror(-r));
        /* When it was found: at start, on a policy change, or on the
         * health timer while it lasts. */
        if (asprintf(&field, "GATEWAYD_CHECK=%s", when) >= 0)
                fields[0] = field;
        for (size_t i = 0; i < l.n; i++) {
                const ShieldBypass *b = &l.items[i];

                if (b->kind == SHIELD_BYPASS_POLICY)
                        (void) log_event_fields(EVENT_SHIELD_BYPASSED, b->tunnel, NULL, b->what, fields,
                                                "tunnel '%s': the shield is bypassed: %s", b->tunnel, b->what);
                else
                        (void) log_event_fields(EVENT_SHIELD_BYPASSED, NULL, NULL, b->what, fields,
                                                "The shield of every FailClosed tunnel is bypassed: %s", b->what);
        }
        return l.n > INT_MAX ? INT_MAX : (int) l.n;
}

static void schedule_heal(Guard *g, WatchKind k, bool heal) {
        int r, enabled = SD_EVENT_OFF;

        if (heal)
                g->heal_pending[k] = true;
        if (g->heal_timer)
                (void) sd_event_source_get_enabled(g->heal_timer, &enabled);
        if (enabled != SD_EVENT_OFF) {
                /* Inside the window: a removal is repaired at once too;
                 * its end reconciles whatever else came. */
                if (heal && g->heal_burst < HEAL_BURST_MAX) {
                        g->heal_burst++;
                        (void) on_heal_timer(NULL, 0, g);
                }
                return;
        }
        g->heal_burst = 0;
        if (g->heal_timer) {
                r = sd_event_source_set_time_relative(g->heal_timer, HEAL_DEBOUNCE_USEC);
                if (r >= 0)
                        r = sd_event_source_set_enabled(g->heal_timer, SD_EVENT_ONESHOT);
        } else
                r = sd_event_add_time_relative(g->event, &g->heal_timer, CLOCK_MONOTONIC, HEAL_DEBOUNCE_USEC,
                                               1000, on_heal_timer, g);
        if (r < 0)
                log_warning("Failed to schedule the shield check: %s", strerror(-r));
        /* Leading edge: now. */
        (void) on_heal_timer(NULL, 0, g);
}

static int on_watch(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Guard *g = userdata;
        WatchKind k = fd == g->watch_fd[WATCH_XFRM] ? WATCH_XFRM : WATCH_NFT;
        alignas(struct nlmsghdr) uint8_t buf[32 * 1024];
        bool touched = false, bypass = false;

        for (unsigned i = 0; i < WATCH_BATCH_MAX; i++) {
                struct sockaddr_nl sa = {};
                struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
                struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1 };
                ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                break;
                        /* ENOBUFS: notifications were lost, anything may
                         * have happened; any other error: likewise. */
                        touched = bypass = true;
                        break;
                }
                if (sa.nl_pid != 0)
                        continue; /* only the kernel announces changes */
                if (mh.msg_flags & MSG_TRUNC) {
                        touched = bypass = true;
                        continue;
                }
                for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK(h, (size_t) n); h = NLMSG_NEXT(h, n)) {
                        /* A message we cannot read counts. */
                        if (!touched)
                                touched = (k == WATCH_XFRM ? watch_xfrm_touches_shield(h)
                                                           : watch_nft_touches_table(h)) != 0;
                        if (!bypass && k == WATCH_XFRM)
                                bypass = watch_xfrm_may_bypass(h) != 0;
                }
        }
        if (bypass && k == WATCH_XFRM)
                g->bypass_pending = true;
        if (touched || g->bypass_pending)
                schedule_heal(g, k, touched);
        return 0;
}

static int watch_start(Guard *g, WatchKind k, int protocol, unsigned group) {
        int r;

        r = watch_socket_open(protocol, group, &g->watch_fd[k]);
        if (r < 0)
                return r;
        return sd_event_add_io(g->event, &g->watch_io[k], g->watch_fd[k], EPOLLIN, on_watch, g);
}

/* RTM_NEWLINK/DELLINK: only the TUN device's index matters. */
static int on_link(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Guard *g = userdata;
        char buf[8192];

        while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
                ;
        if (g->config && tun_ifindex(g->config) == g->tun_ifindex && route_ifindexes_changed(g)) {
                log_info("A route tunnel's interface appeared, went or changed; updating the shield");
                if (guard_apply(g, g->config) < 0)
                        return 0; /* logged there; the next change or reload retries */
                return 0;
        }
        if (g->config && tun_ifindex(g->config) != g->tun_ifindex) {
                log_info("Tunnel device %s %s; updating the shield", SHIELD_DEFAULT_TUN_NAME,
                         tun_ifindex(g->config) ? "appeared" : "disappeared");
                /* A failure is logged by guard_apply and leaves the shield
                 * erring on blocking (allows missing for a new device, or
                 * left for a gone one); the next change or reload retries. */
                if (guard_apply(g, g->config) < 0)
                        return 0;
        }
        return 0;
}

static int link_monitor(Guard *g) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
        int r;

        g->link_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
        if (g->link_fd < 0)
                return -errno;
        if (bind(g->link_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        r = sd_event_add_io(g->event, &g->link_io, g->link_fd, EPOLLIN, on_link, g);
        if (r < 0)
                return r;
        return 0;
}

int guard_new(sd_event *e, Guard **ret) {
        _cleanup_(guard_freep) Guard *g = calloc(1, sizeof(Guard));
        int r;

        if (!g)
                return -ENOMEM;
        g->link_fd = -EBADF;
        for (size_t k = 0; k < _WATCH_KIND_MAX; k++)
                g->watch_fd[k] = -EBADF;
        r = xfrm_socket_open(&g->xfrm);
        if (r < 0)
                return log_error_errno(r, "Failed to open the XFRM netlink socket: %m");
        if (e) {
                g->event = sd_event_ref(e);
                r = link_monitor(g);
                if (r < 0)
                        return log_error_errno(r, "Failed to watch network links: %m");
                /* Without them the health timer still heals, only later:
                 * worth a warning, not a refusal to run. */
                r = watch_start(g, WATCH_XFRM, NETLINK_XFRM, XFRMNLGRP_POLICY);
                if (r < 0)
                        log_warning("Failed to watch XFRM policy changes (%s); the shield is checked on the "
                                    "health timer only",
                                    strerror(-r));
                r = watch_start(g, WATCH_NFT, NETLINK_NETFILTER, NFNLGRP_NFTABLES);
                if (r < 0)
                        log_warning("Failed to watch nftables changes (%s); table inet gatewayd is checked on "
                                    "the health timer only",
                                    strerror(-r));
        }
        *ret = TAKE_PTR(g);
        return 0;
}

Guard *guard_free(Guard *g) {
        if (!g)
                return NULL;
        sd_event_source_disable_unref(g->link_io);
        sd_event_source_disable_unref(g->heal_timer);
        sd_event_source_disable_unref(g->retry_timer);
        sd_event_source_disable_unref(g->completed_defer);
        strv_free(g->unshielded);
        for (size_t i = 0; i < g->n_completed; i++)
                free(g->completed[i]);
        free(g->completed);
        free(g->shield_error);
        for (size_t k = 0; k < _WATCH_KIND_MAX; k++) {
                sd_event_source_disable_unref(g->watch_io[k]);
                if (g->watch_fd[k] >= 0)
                        close(g->watch_fd[k]);
        }
        if (g->link_fd >= 0)
                close(g->link_fd);
        if (g->xfrm)
                nl_socket_free(g->xfrm);
        sd_event_unref(g->event);
        free(g->nft_applied);
        free(g->nft_listed);
        free(g->route_ifindex);
        free(g);
        return NULL;
}
