/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "certexpiry.h"
#include "creds.h"
#include "journal.h"

/* A boundary is checked this long after it passed (charon and OpenSSL judge
 * validity with a one-second clock). */
#define BOUNDARY_SLACK_USEC USEC_PER_SEC

static usec_t next_due(usec_t due, usec_t boundary, usec_t now) {
        if (boundary > now && boundary + BOUNDARY_SLACK_USEC < due)
                return boundary + BOUNDARY_SLACK_USEC;
        return due;
}

usec_t cert_expiry_check(const Config *c, GatewayStatus *s, usec_t now) {
        usec_t due = now + USEC_PER_DAY, warn = (usec_t) c->gateway.cert_expiry_warning_days * USEC_PER_DAY;

        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];
                TunnelStatus *ts;
                char date[32];
                CertFacts f;
                usec_t not_after;
                int64_t days;
                struct tm tm;
                time_t na;

                /* The cheap tests first: the lookup is a linear one. */
                if (!t->enabled || t->auth != AUTH_CERTIFICATE || !t->certificate)
                        continue;
                ts = gateway_status_find_tunnel(s, t->name);
                if (!ts)
                        continue;
                /* A certificate that cannot be read is the check's to
                 * report (config-rejected); nothing is known of it here. */
                if (creds_read_cert_facts(t->certificate, &f) < 0 || f.not_after <= 0) {
                        ts->has_certificate = false;
                        continue;
                }
                not_after = (usec_t) f.not_after * USEC_PER_SEC;
                days = status_days_left(not_after, now);
                ts->has_certificate = true;
                ts->certificate = (CertificateStatus) { .not_after = not_after, .days_left = days };
                na = f.not_after;
                if (!gmtime_r(&na, &tm) || strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                        snprintf(date, sizeof(date), "@%lld", (long long) na);

                if (not_after <= now)
                        (void) log_event(EVENT_CERTIFICATE_EXPIRED, t->name, NULL, "expired",
                                         "tunnel '%s': certificate %s expired on %s; renew it (the tunnel cannot "
                                         "authenticate)",
                                         t->name, t->certificate, date);
                else if (not_after <= now + warn)
                        (void) log_event(EVENT_CERTIFICATE_EXPIRING, t->name, NULL, "expiring",
                                         "tunnel '%s': certificate %s expires in %lld day%s, on %s; renew it",
                                         t->name, t->certificate, (long long) days, days == 1 ? "" : "s", date);
                due = next_due(due, not_after, now);
                if (not_after > warn)
                        due = next_due(due, not_after - warn, now);
        }
        return due;
}
