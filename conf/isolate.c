/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Failure isolation (DESIGN.md, "Failure isolation"; gatewayd.conf(5)): which
 * reported errors hit which tunnels. An error in a tunnel's file (or in a
 * credential it names, which conf and ikepolicy report at the tunnel's file)
 * breaks that tunnel; an error in a profile breaks the tunnels that use it;
 * anything else (gatewayd.conf, a directory that could not be read, the
 * config dir's trust, a diagnostic list that overflowed) is fatal. */
#include "conf-internal.h"
#include "conf.h"
#include "strutil.h"

static Tunnel *find_tunnel_by_path(Config *c, const char *path) {
        for (size_t i = 0; i < c->n_tunnels; i++)
                if (streq(c->tunnels[i]->path, path))
                        return c->tunnels[i];
        return NULL;
}

static const Profile *find_profile_by_path(const Config *c, const char *path) {
        for (size_t i = 0; i < c->n_profiles; i++)
                if (streq(c->profiles[i]->path, path))
                        return c->profiles[i];
        return NULL;
}

/* "subdir/NAME.conf" -> NAME when NAME is a valid object name; else NULL. */
static char *name_of_file(const char *path, const char *subdir) {
        size_t l = strlen(subdir), n;
        char *name;

        if (strncmp(path, subdir, l) != 0 || path[l] != '/')
                return NULL;
        path += l + 1;
        n = strlen(path);
        if (n <= 5 || !streq(path + n - 5, ".conf"))
                return NULL;
        name = strndup(path, n - 5);
        if (name && !conf_name_is_valid(name)) {
                free(name);
                return NULL;
        }
        return name;
}

static int mark(Tunnel *t, const Diag *x) {
        if (t->broken)
                return 0; /* the first error (diag_sort: by line) is the reason */
        t->broken = diag_format(x);
        return t->broken ? 0 : -ENOMEM;
}

static int tunnel_cmp(const void *a, const void *b) {
        return strcmp((*(Tunnel *const *) a)->name, (*(Tunnel *const *) b)->name);
}

/* A tunnel whose file could not be read at all still has a name (its file
 * name) and a place in the status: down, with the reason. It has no
 * prefixes, so nothing to load and nothing to shield. */
static int add_stub(Config *c, const char *name, const Diag *x) {
        _cleanup_(tunnel_freep) Tunnel *t = calloc(1, sizeof(Tunnel));

        if (!t)
                return -ENOMEM;
        t->name = strdup(name);
        t->path = strdup(x->path);
        t->profile_name = strdup(TUNNEL_DEFAULT_PROFILE);
        if (!t->name || !t->path || !t->profile_name)
                return -ENOMEM;
        t->enabled = true;
        t->fail_closed = true;
        t->stub = true;
        if (mark(t, x) < 0)
                return -ENOMEM;
        if (conf_append_tunnel(c, &t) < 0)
                return -ENOMEM;
        qsort(c->tunnels, c->n_tunnels, sizeof(Tunnel *), tunnel_cmp);
        return 0;
}

static int mark_profile_users(Config *c, const char *profile, const Diag *x) {
        for (size_t i = 0; i < c->n_tunnels; i++) {
                Tunnel *t = c->tunnels[i];

                if (streq_ptr(t->profile_name, profile) && mark(t, x) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int conf_isolate(Config *c, const DiagList *d, bool *ret_fatal) {
        bool fatal = d->n_dropped > 0;
        int r;

        for (size_t i = 0; i < d->n; i++) {
                const Diag *x = &d->items[i];
                _cleanup_free_ char *name = NULL;
                const Profile *p;
                Tunnel *t;

                if (x->level != DIAG_ERROR)
                        continue;
                if (!x->path) {
                        fatal = true;
                        continue;
                }
                t = find_tunnel_by_path(c, x->path);
                if (t) {
                        r = mark(t, x);
                        if (r < 0)
                                return r;
                        continue;
                }
                p = find_profile_by_path(c, x->path);
                if (p) {
                        r = mark_profile_users(c, p->name, x);
                        if (r < 0)
                                return r;
                        continue;
                }
                name = name_of_file(x->path, "tunnels.d");
                if (name) {
                        r = add_stub(c, name, x);
                        if (r < 0)
                                return r;
                        continue;
                }
                name = name_of_file(x->path, "profiles.d");
                if (name) {
                        /* Unreadable profile: its users are broken too (and
                         * already have "no profile" errors of their own). */
                        r = mark_profile_users(c, name, x);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* A file in tunnels.d or profiles.d that cannot be an object
                 * (an invalid name) affects nothing else; everything else
                 * (gatewayd.conf, a directory) is fatal. */
                if (strncmp(x->path, "tunnels.d/", 10) == 0 || strncmp(x->path, "profiles.d/", 11) == 0)
                        continue;
                fatal = true;
        }
        *ret_fatal = fatal;
        return 0;
}

size_t config_count_broken(const Config *c) {
        size_t n = 0;

        for (size_t i = 0; i < c->n_tunnels; i++)
                n += !!c->tunnels[i]->broken;
        return n;
}
