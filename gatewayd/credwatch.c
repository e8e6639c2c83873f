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

/* Adds path's directory to want (n_want of them, distinct, at most
 * MAX_WATCHES). Returns 0 or -ENOMEM. */
static int want_dir_of(char **want, size_t *n_want, const char *path) {
        _cleanup_free_ char *copy = NULL;
        const char *dir;

        if (!path || *n_want >= MAX_WATCHES)
                return 0;
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        dir = dirname(copy);
        for (size_t i = 0; i < *n_want; i++)
                if (streq(want[i], dir))
                        return 0;
        want[*n_want] = strdup(dir);
        if (!want[*n_want])
                return -ENOMEM;
        (*n_want)++;
        return 0;
}

static bool has_dir(char *const *v, size_t n, const char *dir) {
        for (size_t i = 0; i < n; i++)
                if (streq(v[i], dir))
                        return true;
        return false;
}

/* The directories of c's credentials are watched: those already watched
 * stay so (no gap in which a change could pass unseen, and a reload of a
 * thousand tunnels in a few directories costs no inotify calls), the others
 * come and go. */
void cred_watch_update(CredWatch *w, const Config *c) {
        char *want[MAX_WATCHES];
        size_t n_want = 0, k = 0;
        bool oom = false;

        for (size_t i = 0; i < c->n_tunnels && !oom; i++) {
                const Tunnel *t = c->tunnels[i];
                const char *paths[] = { t->psk_file, t->certificate, t->private_key, t->ca_certificate };

                if (!t->enabled)
                        continue;
                for (size_t j = 0; j < ELEMENTSOF(paths) && !oom; j++)
                        oom = want_dir_of(want, &n_want, paths[j]) < 0;
        }
        if (oom)
                log_oom(); /* what was found is watched */
        for (size_t i = 0; i < w->n_watch; i++) {
                if (has_dir(want, n_want, w->watch_dir[i])) {
                        w->watch[k] = w->watch[i];
                        w->watch_dir[k++] = w->watch_dir[i];
                        continue;
                }
                sd_event_source_disable_unref(w->watch[i]);
                free(w->watch_dir[i]);
        }
        w->n_watch = k;
        for (size_t i = 0; i < n_want; i++) {
                if (has_dir(w->watch_dir, w->n_watch, want[i]) || w->n_watch >= MAX_WATCHES) {
                        free(want[i]);
                        continue;
                }
                if (sd_event_add_inotify(w->event, &w->watch[w->n_watch], want[i],
                                         IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB,
                                         on_cred_change, w) >= 0)
                        w->watch_dir[w->n_watch++] = want[i];
                else
                        free(want[i]);
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
