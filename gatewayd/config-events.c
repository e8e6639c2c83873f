/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "config-events.h"
#include "ikepolicy.h"
#include "journal.h"

char *config_file_path(const char *dir, const char *display) {
        _cleanup_free_ char *cwd = NULL;
        size_t n;
        char *p;

        /* Built-in profiles have no file: "<built-in>/NAME.conf". */
        if (!display || display[0] == '<')
                return NULL;
        if (display[0] == '/')
                return strdup(display);
        if (isempty(dir))
                dir = ".";
        if (dir[0] != '/') {
                cwd = getcwd(NULL, 0);
                if (!cwd)
                        return NULL;
        }
        while (strncmp(dir, "./", 2) == 0)
                dir += 2;
        if (streq(dir, "."))
                dir = "";
        n = strlen(dir);
        while (n > 0 && dir[n - 1] == '/')
                n--;
        if (asprintf(&p, "%s%s%.*s/%s", cwd ? cwd : "", cwd && n > 0 ? "/" : "", (int) n, dir, display) < 0)
                return NULL;
        return p;
}

char *config_file_tunnel(const char *display) {
        static const char prefix[] = "tunnels.d/", suffix[] = ".conf";
        const char *name;
        size_t n;

        if (!display || strncmp(display, prefix, sizeof(prefix) - 1) != 0)
                return NULL;
        name = display + sizeof(prefix) - 1;
        n = strlen(name);
        if (n <= sizeof(suffix) - 1 || !streq(name + n - (sizeof(suffix) - 1), suffix) ||
            memchr(name, '/', n) != NULL)
                return NULL;
        return strndup(name, n - (sizeof(suffix) - 1));
}

static void log_diag(const char *dir, const Diag *d) {
        _cleanup_free_ char *text = diag_format(d), *path = config_file_path(dir, d->path),
                            *tunnel = config_file_tunnel(d->path), *file = NULL, *tunnel_field = NULL;
        char line[sizeof("CONFIG_LINE=") + 12];
        const char *fields[4] = {};
        size_t n = 0;

        if (path && asprintf(&file, "CONFIG_FILE=%s", path) >= 0)
                fields[n++] = file;
        else
                file = NULL;
        if (path && d->line > 0) {
                snprintf(line, sizeof(line), "CONFIG_LINE=%u", d->line);
                fields[n++] = line;
        }
        if (d->level == DIAG_ERROR) {
                (void) log_event_fields(EVENT_CONFIG_REJECTED, tunnel, NULL, d->message, fields, "%s",
                                        text ? text : d->message);
                return;
        }
        if (tunnel && asprintf(&tunnel_field, "GATEWAYD_TUNNEL=%s", tunnel) >= 0)
                fields[n++] = tunnel_field;
        else
                tunnel_field = NULL;
        (void) log_send(d->level == DIAG_WARNING ? LOG_WARNING : LOG_NOTICE, text ? text : d->message, fields, n,
                        NULL);
}

void log_config_diagnostics(const char *dir, const DiagList *d) {
        for (size_t i = 0; i < d->n; i++)
                log_diag(dir, &d->items[i]);
        if (d->n_dropped > 0)
                (void) log_event(EVENT_CONFIG_REJECTED, NULL, NULL, NULL, "error: %zu further diagnostics suppressed",
                                 d->n_dropped);
}

int log_config_applied(const char *dir, size_t added, size_t changed, size_t removed, size_t unchanged,
                       const char *fmt, ...) {
        _cleanup_free_ char *message = NULL, *dir_field = NULL;
        char counts[4][sizeof("GATEWAYD_UNCHANGED=") + 24];
        const char *fields[6] = { counts[0], counts[1], counts[2], counts[3] };
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&message, fmt, ap) < 0)
                message = NULL;
        va_end(ap);
        snprintf(counts[0], sizeof(counts[0]), "GATEWAYD_ADDED=%zu", added);
        snprintf(counts[1], sizeof(counts[1]), "GATEWAYD_CHANGED=%zu", changed);
        snprintf(counts[2], sizeof(counts[2]), "GATEWAYD_REMOVED=%zu", removed);
        snprintf(counts[3], sizeof(counts[3]), "GATEWAYD_UNCHANGED=%zu", unchanged);
        if (dir && asprintf(&dir_field, "GATEWAYD_CONFIG_DIR=%s", dir) >= 0)
                fields[4] = dir_field;
        else
                dir_field = NULL;
        return log_event_fields(EVENT_CONFIG_APPLIED, NULL, NULL, NULL, fields, "%s",
                                message ? message : "Configuration applied");
}

static void log_weak_tunnel(const Tunnel *t) {
        const Profile *p = t->profile;
        char peer[PREFIX_STRLEN];

        if (!t->enabled || !p)
                return;
        address_to_string(&t->remote_address, peer);
        for (ProfileAlg a = 0; a < _PROFILE_ALG_MAX; a++) {
                _cleanup_free_ char *alg = NULL, *profile = NULL;
                const AlgInfo *e = ikepolicy_lookup(a, p->alg[a]);
                const char *fields[3] = {};

                /* PFSMM is DhGroup's group, with DhGroup's tier. */
                if (e && e->same_as_dh_group)
                        e = ikepolicy_effective_pfs(p);
                if (!e || e->tier != TIER_LEGACY)
                        continue;
                if (asprintf(&alg, "GATEWAYD_ALGORITHM=%s=%s", profile_alg_to_string(a), p->alg[a]) < 0)
                        alg = NULL;
                if (asprintf(&profile, "GATEWAYD_PROFILE=%s", p->name) < 0)
                        profile = NULL;
                fields[0] = alg ? alg : profile;
                fields[1] = alg ? profile : NULL;
                (void) log_event_fields(EVENT_WEAK_ALGORITHM, t->name, peer, e->reason, fields,
                                        "tunnel '%s' uses legacy %s=%s (profile '%s'): %s; use %s", t->name,
                                        profile_alg_to_string(a), p->alg[a], p->name, e->reason,
                                        e->replacement ? e->replacement : "an approved value");
        }
}

void log_weak_algorithms(const Config *c, const TunnelDiff *diff) {
        if (!diff) {
                for (size_t i = 0; i < c->n_tunnels; i++)
                        log_weak_tunnel(c->tunnels[i]);
                return;
        }
        for (size_t i = 0; i < diff->n; i++)
                if (diff->entries[i].new &&
                    (diff->entries[i].change == TUNNEL_ADDED || diff->entries[i].change == TUNNEL_CHANGED))
                        log_weak_tunnel(diff->entries[i].new);
}
