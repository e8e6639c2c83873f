/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "log.h"
#include "retry.h"

#define RETRY_MIN_USEC (2 * 1000 * 1000ULL)
#define RETRY_MAX_USEC (60 * 1000 * 1000ULL)
#define MAX_RETRIES 4096

typedef struct Retry {
        unsigned n_ref;
        RetryList *list;        /* NULL once detached */
        char *name;
        sd_event_source *timer;
        uint64_t backoff_usec;
        bool found;             /* the list-sas in flight listed an IKE SA */
} Retry;

struct RetryList {
        sd_event *event;
        ApplyContext *apply;
        RetryHooks hooks;
        void *userdata;
        Retry *items[MAX_RETRIES];
        size_t n;
};

static Retry *retry_new(RetryList *l, const char *name) {
        _cleanup_free_ Retry *r = calloc(1, sizeof(Retry));

        if (!r)
                return NULL;
        r->name = strdup(name);
        if (!r->name)
                return NULL;
        r->n_ref = 1;
        r->list = l;
        return TAKE_PTR(r);
}

static Retry *retry_ref(Retry *r) {
        r->n_ref++;
        return r;
}

static Retry *retry_unref(Retry *r) {
        if (!r || --r->n_ref > 0)
                return NULL;
        sd_event_source_disable_unref(r->timer);
        free(r->name);
        free(r);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Retry *, retry_unref);

/* The list holds one reference, a list-sas in flight the only other one. */
static bool retry_querying(const Retry *r) {
        return r->n_ref > 1;
}

static Retry *retry_find(RetryList *l, const char *name) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->items[i]->name, name))
                        return l->items[i];
        return NULL;
}

/* Takes the Retry at index i out of the list and releases the list's
 * reference. A query in flight keeps its own. */
static void retry_detach(RetryList *l, size_t i) {
        Retry *r = l->items[i];

        l->items[i] = l->items[--l->n];
        r->timer = sd_event_source_disable_unref(r->timer);
        r->list = NULL;
        retry_unref(r);
}

static void on_retry_listed(VICIClient *c, int error, const SettingsNode *response, void *userdata) {
        /* The query's reference, released on every path. */
        _cleanup_(retry_unrefp) Retry *r = userdata;
        _cleanup_(settings_freep) SettingsNode *msg = NULL;
        RetryList *l = r->list;

        if (!l) /* dropped meanwhile */
                return;
        if (error < 0 || r->found || !l->hooks.wanted(l->userdata, r->name))
                return;
        /* Still nothing: initiate (timeout -1: do not wait for the result;
         * ike-updown tells). */
        log_info("tunnel '%s': not up; initiating again", r->name);
        msg = settings_new(NULL);
        if (!msg || settings_set(msg, "ike", r->name, 0) < 0 || settings_set(msg, "child", r->name, 0) < 0 ||
            settings_set(msg, "timeout", "-1", 0) < 0 || apply_call(l->apply, "initiate", msg, NULL, NULL) < 0)
                log_error("tunnel '%s': failed to queue initiate", r->name);
}

static int on_retry_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Retry *r = userdata;
        RetryList *l = r->list;
        _cleanup_(settings_freep) SettingsNode *msg = settings_new(NULL);

        r->timer = sd_event_source_disable_unref(r->timer);
        if (!l->hooks.connected(l->userdata) || retry_querying(r))
                return 0; /* a reconnect re-applies everything anyway */
        /* Only initiate if charon has no IKE SA of the tunnel at all (its own
         * restart logic may be at work): list-sas streams list-sa events. */
        r->found = false;
        if (!msg || settings_set(msg, "ike", r->name, 0) < 0 || settings_set(msg, "noblock", "yes", 0) < 0)
                return 0;
        /* The query holds a reference until its answer (or the lost
         * connection) calls on_retry_listed. */
        if (apply_call(l->apply, "list-sas", msg, on_retry_listed, retry_ref(r)) < 0)
                retry_unref(r);
        return 0;
}

void retry_list_schedule(RetryList *l, const char *name) {
        Retry *r = retry_find(l, name);
        int q;

        if (!r) {
                if (l->n >= ELEMENTSOF(l->items)) {
                        log_error("tunnel '%s': failed to come up; more than %zu tunnels waiting, not retrying",
                                  name, ELEMENTSOF(l->items));
                        return;
                }
                r = retry_new(l, name);
                if (!r) {
                        log_oom();
                        return;
                }
                l->items[l->n++] = r;
        }
        if (r->timer)
                return;
        r->backoff_usec = r->backoff_usec ? r->backoff_usec * 2 : RETRY_MIN_USEC;
        if (r->backoff_usec > RETRY_MAX_USEC)
                r->backoff_usec = RETRY_MAX_USEC;
        q = sd_event_add_time_relative(l->event, &r->timer, CLOCK_MONOTONIC, r->backoff_usec, 100 * 1000,
                                       on_retry_timer, r);
        if (q < 0) {
                log_error_errno(q, "tunnel '%s': failed to come up; cannot schedule a retry: %m", name);
                return;
        }
        log_info("tunnel '%s': failed to come up; trying again in %llu s", name,
                 (unsigned long long) (r->backoff_usec / 1000000));
}

void retry_list_drop(RetryList *l, const char *name) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->items[i]->name, name)) {
                        retry_detach(l, i);
                        return;
                }
}

void retry_list_sa_listed(RetryList *l, const char *name) {
        Retry *r = retry_find(l, name);

        if (r && retry_querying(r))
                r->found = true;
}

int retry_list_new(sd_event *e, ApplyContext *apply, const RetryHooks *hooks, void *userdata, RetryList **ret) {
        RetryList *l = calloc(1, sizeof(RetryList));

        if (!l)
                return -ENOMEM;
        l->event = sd_event_ref(e);
        l->apply = apply;
        l->hooks = *hooks;
        l->userdata = userdata;
        *ret = l;
        return 0;
}

RetryList *retry_list_free(RetryList *l) {
        if (!l)
                return NULL;
        while (l->n > 0)
                retry_detach(l, 0);
        sd_event_unref(l->event);
        free(l);
        return NULL;
}
