/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Certificate checks with OpenSSL for Authentication=certificate tunnels:
 * the files parse as PEM, the private key matches this device's certificate,
 * every certificate is inside its validity window, a Certificate file that
 * carries intermediates chains from its first certificate to its last, and
 * CACertificate is a CA. CACertificate anchors the peer's certificate and may
 * be a different CA from the one that issued this device's (DESIGN, [Tunnel]),
 * so the two are never chained to each other. The facts that need a policy
 * judgement (key type and size, signature hash) are returned as CertFacts for
 * ikepolicy. */

#include <time.h>

#include "diag.h"
#include "model.h"

typedef enum CertKeyType {
        CERT_KEY_RSA,
        CERT_KEY_EC,
        CERT_KEY_ED25519,
        CERT_KEY_ED448,
        CERT_KEY_OTHER,
        _CERT_KEY_TYPE_MAX,
        _CERT_KEY_TYPE_INVALID = -EINVAL,
} CertKeyType;

typedef struct CertFacts {
        CertKeyType key_type;
        unsigned key_bits;      /* RSA modulus or EC field size */
        char curve[32];         /* EC: NIST name ("P-256"), else "" */
        char sig_hash[32];      /* signature digest, e.g. "SHA256", "SHA1"; "" for EdDSA */
        time_t not_before;
        time_t not_after;
        char subject[256];      /* one line, RFC 2253 */
} CertFacts;

const char *cert_key_type_to_string(CertKeyType t);
CertKeyType cert_key_type_from_string(const char *s);

/* Reads facts of one PEM certificate file. -errno on I/O, -EBADMSG if it
 * does not parse. */
int creds_read_cert_facts(const char *path, CertFacts *ret);

/* The IKE identity of the (first) certificate in path as strongSwan's binary
 * DN, "asn1dn:#<hex DER subject>", in a malloc'd string. -errno on I/O,
 * -EBADMSG if it does not parse. */
int creds_cert_identity(const char *path, char **ret);

/* Every certificate of the PEM file path, first to last, each as its own
 * PEM text (pem) or as base64 DER on one line (!pem), in a new
 * NULL-terminated array (free each, then the array). charon's load-cert
 * takes one certificate per message, so a Certificate file with
 * intermediates is loaded one by one. -errno on I/O, -EBADMSG. */
int creds_cert_texts(const char *path, bool pem, char ***ret, size_t *ret_n);

/* The commonName of the first certificate of path, in a new string; -ENOENT
 * when it has none. */
int creds_cert_common_name(const char *path, char **ret);

/* Checks the credentials of one certificate tunnel and reports problems to d
 * against the tunnel's lines. now is the time to judge validity at (tests pass
 * fixed times). Fills ret_cert and ret_ca with the facts for ikepolicy to
 * judge for every file that parsed, also when it reported errors (so one run
 * reports every problem); a file that did not parse leaves key_type at
 * _CERT_KEY_TYPE_INVALID, which ikepolicy_check_cert ignores. Returns 0
 * (whether anything was wrong is whether d->n_errors grew) or -ENOMEM. */
int creds_check_tunnel(const Gateway *g, const Tunnel *t, uid_t secret_owner, time_t now,
                       DiagList *d, CertFacts *ret_cert, CertFacts *ret_ca);
