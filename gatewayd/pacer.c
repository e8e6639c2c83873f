/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "log.h"
#include "pacer.h"

typedef enum PaceState {
        PACE_LOADING,           /* its load-conn is not answered yet */
        PACE_UNCHECKED,         /* loaded; charon not asked about its SAs yet */
        PACE_CHECKING,          /* a list-sas that covers it is in flight */
        PACE_READY,             /* no IKE SA: waits for a slot of its peer */
        PACE_INITIATING,        /* initiate sent; holds a slot */
} PaceState;

typedef struct PaceItem {
        unsigned n_ref;         /* the pacer's */
        Pacer *pacer;           /* NULL once detached */
        char *name, *peer;
        PaceState state;
        bool found;             /* the list-sas listed an IKE SA */
        uint64_t since;         /* when the slot was taken (CLOCK_MONOTONIC) */
} PaceItem;

/* The list-sas in flight; outlives a pacer reset (pacer NULL then). */
typedef struct PaceCheck {
        Pacer *pacer;
} PaceCheck;

struct Pacer {
        sd_event *event;
        ApplyContext *apply;
        unsigned limit;
        PaceItem **items;
        size_t n, allocated;    /* in the order pacer_start() saw them */
        sd_event_source *timer; /* frees slots held too long */
        PaceCheck *check;       /* at most one list-sas at a time */
        sd_event_source *check_defer; /* asks once per event loop iteration */
};

static PaceItem *item_unref(PaceItem *i) {
        if (!i || --i->n_ref > 0)
                return NULL;
        free(i->name);
        free(i->peer);
        free(i);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(PaceItem *, item_unref);

static uint64_t now_mono(void) {
        uint64_t t = 0;

        (void) sd_event_now(NULL, CLOCK_MONOTONIC, &t);
        if (t == 0) {
                struct timespec ts;

                clock_gettime(CLOCK_MONOTONIC, &ts);
                t = (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
        }
        return t;
}

static ssize_t find(const Pacer *p, const char *name) {
        for (size_t i = 0; i < p->n; i++)
                if (streq(p->items[i]->name, name))
                        return (ssize_t) i;
        return -1;
}

static void detach(Pacer *p, size_t i) {
        PaceItem *x = p->items[i];

        memmove(p->items + i, p->items + i + 1, (p->n - i - 1) * sizeof(PaceItem *));
        p->n--;
        x->pacer = NULL;
        item_unref(x);
}

static unsigned busy(const Pacer *p, const char *peer) {
        unsigned n = 0;

        for (size_t i = 0; i < p->n; i++)
                n += p->items[i]->state == PACE_INITIATING && streq(p->items[i]->peer, peer);
        return n;
}

static void pump(Pacer *p);
static void check_soon(Pacer *p);

/* The list-sas answered: the tunnels it covered that have no IKE SA are
 * ready to be initiated, the others are up already (or charon is gone: a
 * reconnect starts over). */
static void on_checked(VICIClient *c, int error, const SettingsNode *response, void *userdata) {
        PaceCheck *k = userdata;
        Pacer *p = k->pacer;

        free(k);
        if (!p)
                return;
        p->check = NULL;
        for (size_t i = 0; i < p->n; i++) {
                PaceItem *x = p->items[i];

                if (x->state != PACE_CHECKING)
                        continue;
                if (error < 0 || x->found)
                        detach(p, i--);
                else
                        x->state = PACE_READY;
        }
        check_soon(p);
        pump(p);
}

/* Asks charon which of the loaded tunnels have an IKE SA already (a
 * restarted gatewayd finds its tunnels up; the peer may have been first):
 * one list-sas for all that wait to be asked, filtered by name when it is
 * one. */
static void check(Pacer *p) {
        _cleanup_(settings_freep) SettingsNode *msg = settings_new(NULL);
        const char *only = NULL;
        size_t n = 0;
        PaceCheck *k;

        if (p->check)
                return; /* on_checked asks for the rest */
        for (size_t i = 0; i < p->n; i++)
                if (p->items[i]->state == PACE_UNCHECKED) {
                        only = p->items[i]->name;
                        n++;
                }
        if (n == 0)
                return;
        k = calloc(1, sizeof(PaceCheck));
        if (!k || !msg || settings_set(msg, "noblock", "yes", 0) < 0 ||
            (n == 1 && settings_set(msg, "ike", only, 0) < 0) || apply_call(p->apply, "list-sas", msg, on_checked, k) < 0) {
                free(k);
                log_error("Failed to queue list-sas for %zu tunnels to initiate; they are left to charon", n);
                for (size_t i = 0; i < p->n; i++)
                        if (p->items[i]->state == PACE_UNCHECKED)
                                detach(p, i--);
                return;
        }
        k->pacer = p;
        p->check = k;
        for (size_t i = 0; i < p->n; i++)
                if (p->items[i]->state == PACE_UNCHECKED) {
                        p->items[i]->state = PACE_CHECKING;
                        p->items[i]->found = false;
                }
}

static int on_check_defer(sd_event_source *s, void *userdata) {
        check(userdata);
        return 0;
}

/* A load-conn answer tells of up to APPLY_CONN_BATCH tunnels at once: they
 * are asked about together, at the end of this event loop iteration. */
static void check_soon(Pacer *p) {
        int r;

        if (!p->event) {
                check(p);
                return;
        }
        if (p->check_defer)
                r = sd_event_source_set_enabled(p->check_defer, SD_EVENT_ONESHOT);
        else
                r = sd_event_add_defer(p->event, &p->check_defer, on_check_defer, p);
        if (r < 0)
                check(p);
}

static void initiate(Pacer *p, size_t i) {
        _cleanup_(settings_freep) SettingsNode *msg = settings_new(NULL);
        PaceItem *x = p->items[i];

        if (!msg || settings_set(msg, "ike", x->name, 0) < 0 || settings_set(msg, "child", x->name, 0) < 0 ||
            settings_set(msg, "timeout", "-1", 0) < 0 || apply_call(p->apply, "initiate", msg, NULL, NULL) < 0) {
                log_error("tunnel '%s': failed to queue initiate", x->name);
                detach(p, i);
                return;
        }
        x->state = PACE_INITIATING;
        x->since = now_mono();
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void arm_timer(Pacer *p) {
        uint64_t first = UINT64_MAX;

        if (!p->event)
                return;
        for (size_t i = 0; i < p->n; i++)
                if (p->items[i]->state == PACE_INITIATING && p->items[i]->since < first)
                        first = p->items[i]->since;
        if (first == UINT64_MAX) {
                (void) sd_event_source_set_enabled(p->timer, SD_EVENT_OFF);
                return;
        }
        if (p->timer) {
                (void) sd_event_source_set_time(p->timer, first + PACER_SLOT_USEC);
                (void) sd_event_source_set_enabled(p->timer, SD_EVENT_ONESHOT);
        } else if (sd_event_add_time(p->event, &p->timer, CLOCK_MONOTONIC, first + PACER_SLOT_USEC, 100 * 1000,
                                     on_timer, p) < 0)
                log_error("Failed to arm the initiation pacer's timer");
}

/* Initiates the oldest ready tunnels of every peer with a free slot. */
static void pump(Pacer *p) {
        for (size_t i = 0; i < p->n; i++) {
                size_t before = p->n;

                if (p->items[i]->state != PACE_READY || busy(p, p->items[i]->peer) >= p->limit)
                        continue;
                initiate(p, i);
                if (p->n < before)
                        i--; /* detached */
        }
        arm_timer(p);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Pacer *p = userdata;
        uint64_t now = now_mono();

        for (size_t i = 0; i < p->n; i++) {
                PaceItem *x = p->items[i];

                if (x->state == PACE_INITIATING && now >= x->since + PACER_SLOT_USEC) {
                        /* charon retransmits on its own; the slot goes to
                         * the next (a peer that does not answer must not
                         * hold the others back for ever). */
                        detach(p, i--);
                }
        }
        pump(p);
        return 0;
}

int pacer_new(sd_event *e, ApplyContext *apply, unsigned limit, Pacer **ret) {
        Pacer *p = calloc(1, sizeof(Pacer));

        if (!p)
                return -ENOMEM;
        p->event = e ? sd_event_ref(e) : NULL;
        p->apply = apply;
        p->limit = limit > 0 ? limit : PACER_DEFAULT_LIMIT;
        *ret = p;
        return 0;
}

Pacer *pacer_free(Pacer *p) {
        if (!p)
                return NULL;
        pacer_reset(p);
        free(p->items);
        sd_event_source_disable_unref(p->timer);
        sd_event_source_disable_unref(p->check_defer);
        sd_event_unref(p->event);
        free(p);
        return NULL;
}

void pacer_set_limit(Pacer *p, unsigned limit) {
        p->limit = limit > 0 ? limit : PACER_DEFAULT_LIMIT;
        pump(p);
}

int pacer_start(Pacer *p, const char *name, const char *peer) {
        _cleanup_(item_unrefp) PaceItem *x = NULL;

        if (find(p, name) >= 0)
                return 0;
        if (p->n == p->allocated) {
                size_t m = p->allocated ? p->allocated * 2 : 16;
                PaceItem **n = reallocarray(p->items, m, sizeof(PaceItem *));

                if (!n)
                        return -ENOMEM;
                p->items = n;
                p->allocated = m;
        }
        x = calloc(1, sizeof(PaceItem));
        if (!x)
                return -ENOMEM;
        x->n_ref = 1;
        x->pacer = p;
        x->state = PACE_LOADING;
        x->name = strdup(name);
        x->peer = strdup(peer);
        if (!x->name || !x->peer)
                return -ENOMEM;
        p->items[p->n++] = TAKE_PTR(x);
        return 0;
}

void pacer_loaded(Pacer *p, const char *name, bool ok) {
        ssize_t i = find(p, name);

        if (i < 0 || p->items[i]->state != PACE_LOADING)
                return;
        if (ok) {
                p->items[i]->state = PACE_UNCHECKED;
                check_soon(p);
        } else
                detach(p, (size_t) i);
}

void pacer_done(Pacer *p, const char *name, bool up) {
        ssize_t i = find(p, name);

        if (i < 0)
                return;
        /* A slot is free; a tunnel that came up while it waited (the peer
         * initiated) needs nothing more. */
        if (p->items[i]->state == PACE_INITIATING || (up && p->items[i]->state != PACE_LOADING)) {
                detach(p, (size_t) i);
                pump(p);
        }
}

void pacer_sa_listed(Pacer *p, const char *name) {
        ssize_t i = find(p, name);

        if (i >= 0 && p->items[i]->state == PACE_CHECKING)
                p->items[i]->found = true;
}

void pacer_reset(Pacer *p) {
        if (p->check) {
                p->check->pacer = NULL; /* its answer changes nothing */
                p->check = NULL;
        }
        if (p->check_defer)
                (void) sd_event_source_set_enabled(p->check_defer, SD_EVENT_OFF);
        while (p->n > 0)
                detach(p, p->n - 1);
        if (p->timer)
                (void) sd_event_source_set_enabled(p->timer, SD_EVENT_OFF);
}

size_t pacer_pending(const Pacer *p) {
        return p->n;
}
