/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bootshield.h"
#include "check.h"
#include "guard.h"
#include "log.h"
#include "manager.h"

/* Whether a gatewayd daemon holds its name in this network namespace's
 * abstract socket namespace (manager.c, MANAGER_LOCK_NAME). */
static bool daemon_running(void) {
        return manager_lock_probe() > 0;
}

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

ssize_t bootshield_mark_broken(Config *c, const DiagList *d) {
        bool fatal = false;
        int r;

        r = conf_isolate(c, d, &fatal);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n_tunnels; i++)
                if (c->tunnels[i]->broken)
                        log_warning("tunnel '%s' has errors: shielding the RemotePrefixes that parsed",
                                    c->tunnels[i]->name);
        return (ssize_t) config_count_broken(c);
}

int bootshield_install(const char *dir, FILE *f) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(guard_freep) Guard *g = NULL;
        int r, q;

        if (daemon_running()) {
                log_error("gatewayd is running in this network namespace and owns the shield; --shield-only "
                          "would replace it with the shield of %s. Use systemctl reload gatewayd instead", dir);
                return BOOTSHIELD_NONE;
        }
        q = bootshield_load(dir, &d, &c);
        gw_print_diagnostics(&d, f);
        if (!c || (q < 0 && q != -EINVAL)) {
                log_error("No shield installed: the config in %s could not be read", dir);
                return BOOTSHIELD_NONE;
        }
        if (bootshield_mark_broken(c, &d) < 0)
                return log_oom(), BOOTSHIELD_NONE;
        r = guard_new(NULL, &g);
        if (r >= 0)
                r = guard_apply(g, c);
        if (r < 0) {
                log_error_errno(r, "The shield could not be installed completely: %m");
                return BOOTSHIELD_PARTIAL;
        }
        return q < 0 ? BOOTSHIELD_PARTIAL : BOOTSHIELD_COMPLETE;
}
