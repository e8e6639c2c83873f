/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bootshield.h"
#include "check.h"
#include "guard.h"
#include "log.h"

int bootshield_load(const char *dir, DiagList *d, Config **ret) {
        const ConfOptions o = { .secret_owner = 0, .check_files = false };
        size_t before = d->n_errors;
        int r;

        /* conf_load() returns 0 with errors in d: the count says. */
        r = conf_load(dir, &o, d, ret);
        diag_sort(d);
        if (r < 0)
                return r;
        return d->n_errors > before ? -EINVAL : 0;
}

size_t bootshield_drop_broken(Config *c, const DiagList *d) {
        size_t k = 0, n = c->n_tunnels;

        for (size_t i = 0; i < n; i++) {
                Tunnel *t = c->tunnels[i];
                bool broken = false;

                for (size_t j = 0; j < d->n && !broken; j++)
                        broken = d->items[j].level == DIAG_ERROR && streq_ptr(d->items[j].path, t->path);
                if (broken) {
                        log_warning("tunnel '%s' has errors: no shield for it", t->name);
                        tunnel_free(t);
                } else
                        c->tunnels[k++] = t;
        }
        c->n_tunnels = k;
        return n - k;
}

int bootshield_install(const char *dir, FILE *f) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(guard_freep) Guard *g = NULL;
        int r, q;

        q = bootshield_load(dir, &d, &c);
        gw_print_diagnostics(&d, f);
        if (!c)
                return q;
        (void) bootshield_drop_broken(c, &d); /* each one logged */
        r = guard_new(NULL, &g);
        if (r < 0)
                return r;
        r = guard_apply(g, c);
        if (r < 0)
                return r;
        return q;
}
