/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "check.h"
#include "creds.h"
#include "ikepolicy.h"

/* The certificates of every certificate tunnel. Returns 0 (what is wrong is
 * in d) or -errno. */
static int check_credentials(const Config *c, const ConfOptions *o, time_t now, DiagList *d) {
        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];
                CertFacts cert = {}, ca = {};
                int r;

                if (t->auth != AUTH_CERTIFICATE || !t->certificate || !t->private_key || !t->ca_certificate)
                        continue;
                r = creds_check_tunnel(&c->gateway, t, o->secret_owner, now, d, &cert, &ca);
                if (r < 0)
                        return r;
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

void gw_print_diagnostics(const DiagList *d, FILE *f) {
        diag_print(d, f);
        if (d->n_errors > 0 || d->n_warnings > 0)
                fprintf(f, "%zu error%s, %zu warning%s\n", d->n_errors, d->n_errors == 1 ? "" : "s",
                        d->n_warnings, d->n_warnings == 1 ? "" : "s");
}
