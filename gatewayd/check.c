/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "check.h"
#include "creds.h"
#include "ikepolicy.h"

/* The certificates of every certificate tunnel. Returns 0 (what is wrong is
 * in d) or -errno. */
static int check_credentials(Config *c, const ConfOptions *o, time_t now, DiagList *d) {
        for (size_t i = 0; i < c->n_tunnels; i++) {
                Tunnel *t = c->tunnels[i];
                CertFacts cert = {}, ca = {};
                int r;

                if (t->auth != AUTH_CERTIFICATE || !t->certificate || !t->private_key || !t->ca_certificate)
                        continue;
                r = creds_check_tunnel(&c->gateway, t, o->secret_owner, now, d, &cert, &ca);
                if (r < 0)
                        return r;
                /* The window in which both are valid: the manager loads
                 * the tunnel when it opens and takes it down when it
                 * closes (failure isolation: credentials over time). */
                if (cert.not_after > 0 && ca.not_after > 0) {
                        t->cred_not_before = cert.not_before > ca.not_before ? cert.not_before : ca.not_before;
                        t->cred_not_after = cert.not_after < ca.not_after ? cert.not_after : ca.not_after;
                }
                /* Facts come back for every file that parsed, also after
                 * errors: an expired and weak certificate shows both. */
                r = ikepolicy_check_cert(&cert, c->gateway.fips_mode, "Certificate", t->path,
                                         tunnel_line(t, TUNNEL_CERTIFICATE), d);
                if (r < 0)
                        return r;
                r = ikepolicy_check_cert(&ca, c->gateway.fips_mode, "CACertificate", t->path,
                                         tunnel_line(t, TUNNEL_CA_CERTIFICATE), d);
                if (r < 0)
                        return r;
        }
        return 0;
}

int gw_check(const char *dir, const ConfOptions *o, time_t now, DiagList *d, Config **ret) {
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        *ret = NULL;
        r = conf_load(dir, o, d, &c);
        if (r < 0) {
                *ret = TAKE_PTR(c);
                return r;
        }
        /* Judge what could be read even when conf found errors: the operator
         * gets every problem of the tree in one run. */
        r = ikepolicy_check_config(c, d);
        if (r < 0)
                return r;
        if (o->check_files) {
                r = check_credentials(c, o, now, d);
                if (r < 0)
                        return r;
        }
        diag_sort(d);
        *ret = TAKE_PTR(c);
        /* The verdict, where the callers (check, reload, --print-swanctl)
         * stop: any error anywhere in the tree rejects it. */
        return d->n_errors > 0 ? -EINVAL : 0;
}

/* "no profile 'x'; built-in profiles are a, b, c; profiles.d has d, e; ..."
 * into d. The names come from the model, so the list is never stale. */
static int report_no_profile(const Config *c, const char *name, DiagList *d) {
        _cleanup_free_ char *builtin = NULL, *user = NULL;
        size_t nb = 0, nu = 0, lb = 0, lu = 0;
        FILE *fb, *fu;
        int r;

        fb = open_memstream(&builtin, &lb);
        if (!fb)
                return -ENOMEM;
        fu = open_memstream(&user, &lu);
        if (!fu) {
                fclose(fb);
                return -ENOMEM;
        }
        for (size_t i = 0; i < c->n_profiles; i++) {
                const Profile *p = c->profiles[i];

                if (p->builtin)
                        fprintf(fb, "%s%s", nb++ > 0 ? ", " : "", p->name);
                else
                        fprintf(fu, "%s%s", nu++ > 0 ? ", " : "", p->name);
        }
        r = fclose(fb) | fclose(fu);
        if (r != 0 || !builtin || !user)
                return -ENOMEM;
        /* A user profile overrides the built-in of its name; both lists
         * together are every name the command takes. */
        r = diag_error(d, NULL, 0,
                       "no profile '%s'; built-in profiles are %s; %s%s; use one of them, or create "
                       "profiles.d/%s.conf",
                       name, nb > 0 ? builtin : "(none)", nu > 0 ? "profiles.d has " : "profiles.d has no profiles",
                       user, conf_name_is_valid(name) ? name : "NAME");
        return r < 0 ? r : 0;
}

int gw_check_profile(const char *dir, const char *name, DiagList *d, Config **ret_config,
                     const Profile **ret_profile) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(diag_list_clear) DiagList load = {};
        const ConfOptions o = { .secret_owner = 0, .check_files = false };
        const Profile *p;
        size_t n_errors = d->n_errors;
        int r;

        r = conf_load(dir, &o, &load, &c);
        if (r < 0)
                return r;
        p = config_find_profile(c, name);
        if (!p) {
                r = report_no_profile(c, name, d);
                return r < 0 ? r : -ENOENT;
        }
        /* conf adds a profile even when its file has errors, so that each is
         * reported; pass on those of this profile's file only. */
        for (size_t i = 0; i < load.n; i++) {
                const Diag *x = &load.items[i];

                if (!streq_ptr(x->path, p->path))
                        continue;
                r = diag_add(d, x->level, x->path, x->line, "%s", x->message);
                if (r < 0)
                        return r;
        }
        r = ikepolicy_check_profile(p, c->gateway.fips_mode, d);
        if (r < 0 && r != -EINVAL)
                return r;
        diag_sort(d);
        if (d->n_errors > n_errors)
                return -EINVAL;
        *ret_profile = p;
        *ret_config = TAKE_PTR(c);
        return 0;
}

void gw_print_diagnostics(const DiagList *d, FILE *f) {
        diag_print(d, f);
        if (d->n_errors > 0 || d->n_warnings > 0)
                fprintf(f, "%zu error%s, %zu warning%s\n", d->n_errors, d->n_errors == 1 ? "" : "s",
                        d->n_warnings, d->n_warnings == 1 ? "" : "s");
}
