/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ikepolicy.h"

/* Tiers of certificate keys and signature hashes, on the same three-tier
 * scheme as the algorithm catalogue (approved / legacy / forbidden) but
 * independent of it: certificates are judged from facts conf read with
 * OpenSSL, not from profile values. Sources: NIST SP 800-131A Rev. 2 (key
 * sizes, SHA-1 for signatures), FIPS 186-5 and SP 800-186 (curves, EdDSA),
 * RFC 7427 and RFC 8420 (how IKEv2 uses them). */

typedef struct CertVerdict {
        AlgTier tier;
        char what[64];            /* "RSA-1024 key", "signature hash SHA-1" */
        const char *reason;       /* the rule, with its source */
        const char *replacement;  /* what to use instead */
} CertVerdict;

#define REPLACE_KEY "use RSA-3072 or ECDSA P-384"
#define REPLACE_HASH "reissue with SHA-256 or SHA-384"

static bool is_nist_curve(const char *curve) {
        return streq(curve, "P-256") || streq(curve, "P-384") || streq(curve, "P-521");
}

static CertVerdict judge_key(const CertFacts *f) {
        CertVerdict v = { .tier = TIER_APPROVED };

        switch (f->key_type) {
        case CERT_KEY_RSA:
                snprintf(v.what, sizeof(v.what), "RSA-%u key", f->key_bits);
                if (f->key_bits < 2048) {
                        v.tier = TIER_FORBIDDEN;
                        v.reason = "is too weak (SP 800-131A Rev. 2 requires at least 2048 bits)";
                        v.replacement = REPLACE_KEY;
                }
                break;
        case CERT_KEY_EC:
                snprintf(v.what, sizeof(v.what), "ECDSA %s key", isempty(f->curve) ? "(unnamed curve)" : f->curve);
                if (!is_nist_curve(f->curve)) {
                        v.tier = TIER_LEGACY;
                        v.reason = "is legacy (ECDSA is approved on P-256, P-384 and P-521 only, "
                                   "FIPS 186-5 and SP 800-186)";
                        v.replacement = "use ECDSA P-384 or P-256";
                }
                break;
        case CERT_KEY_ED25519:
        case CERT_KEY_ED448:
                snprintf(v.what, sizeof(v.what), "%s key", cert_key_type_to_string(f->key_type));
                v.tier = TIER_LEGACY;
                v.reason = "is legacy (EdDSA is in FIPS 186-5, but not approved for IKE signatures in "
                           "FIPS 140-3 validated modules today; strongSwan signs with it via RFC 8420)";
                v.replacement = "use ECDSA P-384 or RSA-3072";
                break;
        default:
                /* DSA (withdrawn by FIPS 186-5) and anything else strongSwan
                 * cannot sign IKE_AUTH with. */
                snprintf(v.what, sizeof(v.what), "key type");
                v.tier = TIER_FORBIDDEN;
                v.reason = "is not supported for IKEv2 signatures (only RSA, ECDSA and EdDSA are)";
                v.replacement = REPLACE_KEY;
                break;
        }
        return v;
}

static bool is_eddsa(CertKeyType t) {
        return t == CERT_KEY_ED25519 || t == CERT_KEY_ED448;
}

/* The hash is that of the certificate's own signature (by its issuer). */
static CertVerdict judge_hash(const CertFacts *f) {
        static const char *const approved[] = { "SHA256", "SHA384", "SHA512", "SHA3-256", "SHA3-384", "SHA3-512" };
        static const char *const forbidden[] = { "MD2", "MD4", "MD5", "SHA1", "MDC2" };
        CertVerdict v = { .tier = TIER_APPROVED };
        const char *h = f->sig_hash;

        /* Pure EdDSA signs without a separate digest. */
        if (isempty(h) && is_eddsa(f->key_type))
                return v;
        /* Display SHA1 as NIST writes it. */
        snprintf(v.what, sizeof(v.what), "signed with %s", streq(h, "SHA1") ? "SHA-1" : isempty(h) ? "an unknown hash" : h);

        for (size_t i = 0; i < ELEMENTSOF(approved); i++)
                if (streq(h, approved[i]))
                        return v;
        for (size_t i = 0; i < ELEMENTSOF(forbidden); i++)
                if (streq(h, forbidden[i])) {
                        v.tier = TIER_FORBIDDEN;
                        v.reason = streq(h, "SHA1") ?
                                "which NIST SP 800-131A Rev. 2 disallows for digital signatures" :
                                "a broken hash that NIST SP 800-131A Rev. 2 disallows for digital signatures";
                        v.replacement = REPLACE_HASH;
                        return v;
                }
        v.tier = TIER_LEGACY;
        if (streq(h, "SHA224") || streq(h, "SHA512-224") || streq(h, "SHA3-224"))
                v.reason = "which gives only 112-bit security (acceptable only through 2030, SP 800-131A Rev. 2)";
        else
                v.reason = "which is not an approved hash for signatures (FIPS 180-4 / FIPS 202)";
        v.replacement = REPLACE_HASH;
        return v;
}

static int report(const CertVerdict *v, bool fips_mode, const char *what, const char *path, unsigned line,
                  DiagList *d, bool *error) {
        /* Hashes read "signed with X, which ...", keys "RSA-1024 key is ...". */
        const char *sep = v->reason[0] == 'w' || v->reason[0] == 'a' ? ", " : " ";

        switch (v->tier) {
        case TIER_APPROVED:
                return 0;
        case TIER_FORBIDDEN:
                *error = true;
                return diag_error(d, path, line, "%s: %s%s%s; %s", what, v->what, sep, v->reason, v->replacement);
        case TIER_LEGACY:
                if (fips_mode) {
                        *error = true;
                        return diag_error(d, path, line, "%s: %s%s%s; %s, or set FipsMode=no", what, v->what, sep,
                                          v->reason, v->replacement);
                }
                return diag_warning(d, path, line, "%s: %s%s%s; %s", what, v->what, sep, v->reason, v->replacement);
        default:
                return -EINVAL;
        }
}

int ikepolicy_check_cert(const CertFacts *f, bool fips_mode, const char *what, const char *path,
                         unsigned line, DiagList *d) {
        CertVerdict key, hash;
        bool error = false;
        int r;

        /* Facts of a file that did not parse (already reported by conf). */
        if (!f || f->key_type < 0 || f->key_type >= _CERT_KEY_TYPE_MAX)
                return 0;

        key = judge_key(f);
        hash = judge_hash(f);

        r = report(&key, fips_mode, what, path, line, d, &error);
        if (r < 0)
                return r;
        r = report(&hash, fips_mode, what, path, line, d, &error);
        if (r < 0)
                return r;
        return error ? -EINVAL : 0;
}
