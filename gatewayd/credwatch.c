/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <libgen.h>
#include <sys/inotify.h>

#include "credwatch.h"
#include "log.h"

#define CRED_DEBOUNCE_USEC (300 * 1000ULL)
#define MAX_WATCHES 256

struct CredWatch {
        sd_event *event;
        void (*on_change)(void *userdata);
        void *userdata;

        sd_event_source *watch[MAX_WATCHES];
        char *watch_dir[MAX_WATCHES];
        size_t n_watch;
        sd_event_source *timer;
        bool overflowed;          /* logged for the debounce running */
};

static void watch_clear(CredWatch *w) {
        for (size_t i = 0; i < w->n_watch; i++) {
                w->watch[i] = sd_event_source_disable_unref(w->watch[i]);
                free(w->watch_dir[i]);
                w->watch_dir[i] = NULL;
        }
        w->n_watch = 0;
}

static int on_cred_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        CredWatch *w = userdata;

        w->timer = sd_event_source_disable_unref(w->timer);
        w->overflowed = false;
        w->on_change(w->userdata);
        return 0;
}

static int on_cred_change(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        CredWatch *w = userdata;

        /* Events were lost (sd-event hands the overflow to every watch): any
         * credential may have changed unseen. The change report makes the
         * manager fingerprint every file again, which finds whatever did. */
        if ((ev->mask & IN_Q_OVERFLOW) && !w->overflowed) {
                log_warning("Too many file changes at once (inotify queue overflow); re-reading every credential");
                w->overflowed = true;
        }
        /* Renewals write several files (and often rename): wait until quiet. */
        if (w->timer)
                return sd_event_source_set_time_relative(w->timer, CRED_DEBOUNCE_USEC);
        return sd_event_add_time_relative(w->event, &w->timer, CLOCK_MONOTONIC, CRED_DEBOUNCE_USEC, 10 * 1000,
                                          on_cred_timer, w);
}

static void watch_dir_of(CredWatch *w, const char *path) {
        _cleanup_free_ char *copy = path ? strdup(path) : NULL;
        const char *dir;

        if (!copy || w->n_watch >= MAX_WATCHES)
                return;
        dir = dirname(copy);
        for (size_t i = 0; i < w->n_watch; i++)
                if (streq(w->watch_dir[i], dir))
                        return;
        w->watch_dir[w->n_watch] = strdup(dir);
        if (!w->watch_dir[w->n_watch])
                return;
        if (sd_event_add_inotify(w->event, &w->watch[w->n_watch], dir,
                                 IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB, on_cred_change,
                                 w) >= 0)
                w->n_watch++;
        else {
                free(w->watch_dir[w->n_watch]);
                w->watch_dir[w->n_watch] = NULL;
        }
}

void cred_watch_update(CredWatch *w, const Config *c) {
        watch_clear(w);
        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];
                if (!t->enabled)
                        continue;
                watch_dir_of(w, t->psk_file);
                watch_dir_of(w, t->certificate);
                watch_dir_of(w, t->private_key);
                watch_dir_of(w, t->ca_certificate);
        }
}

int cred_watch_new(sd_event *e, void (*on_change)(void *userdata), void *userdata, CredWatch **ret) {
        CredWatch *w = calloc(1, sizeof(CredWatch));

        if (!w)
                return -ENOMEM;
        w->event = sd_event_ref(e);
        w->on_change = on_change;
        w->userdata = userdata;
        *ret = w;
        return 0;
}

CredWatch *cred_watch_free(CredWatch *w) {
        if (!w)
                return NULL;
        watch_clear(w);
        sd_event_source_disable_unref(w->timer);
        sd_event_unref(w->event);
        free(w);
        return NULL;
}
