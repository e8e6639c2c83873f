/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Certificates over time. A certificate tunnel's own certificate is read
 * again at every check: its days left go into the status, and the journal
 * gets certificate-expiring from CertificateExpiryWarningDays before its
 * notAfter on (again at every check, so at least daily while gatewayd runs)
 * and certificate-expired once it has expired. */

#include "conf.h"
#include "status.h"

/* Checks every enabled certificate tunnel of c at now, updating its entry in
 * s (has_certificate, certificate). Returns when the next check is due: a
 * day from now, or just after the next moment a certificate starts its
 * warning period or expires, whichever comes first. */
usec_t cert_expiry_check(const Config *c, GatewayStatus *s, usec_t now);
