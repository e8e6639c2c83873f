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
        char text[256];           /* what is wrong, with the rule and its source */
        const char *replacement;  /* what to use instead */
} CertVerdict;

#define REPLACE_KEY "use RSA-3072 or ECDSA P-384"
#define REPLACE_HASH "reissue with SHA-256 or SHA-384"

static bool is_nist_curve(const char *curve) {
        return streq(curve, "P-256") || streq(curve, "P-384") || streq(curve, "P-521");
}

static bool is_eddsa(CertKeyType t) {
        return t == CERT_KEY_ED25519 || t == CERT_KEY_ED448;
}

static CertVerdict judge_key(const CertFacts *f) {
        CertVerdict v = { .tier = TIER_APPROVED };

        switch (f->key_type) {
        case CERT_KEY_RSA:
                if (f->key_bits >= 2048)
                        break;
                v.tier = TIER_FORBIDDEN;
                snprintf(v.text, sizeof(v.text),
                         "RSA-%u key is too weak (SP 800-131A Rev. 2 requires at least 2048 bits)", f->key_bits);
                v.replacement = REPLACE_KEY;
                break;
        case CERT_KEY_EC:
                if (is_nist_curve(f->curve))
                        break;
                v.tier = TIER_LEGACY;
                snprintf(v.text, sizeof(v.text),
                         "ECDSA key on curve %s is legacy (FIPS 186-5 and SP 800-186 approve ECDSA "
                         "for IKE on P-256, P-384 and P-521)",
                         isempty(f->curve) ? "(unnamed)" : f->curve);
                v.replacement = "use ECDSA P-384 or P-256";
                break;
        case CERT_KEY_ED25519:
        case CERT_KEY_ED448:
                v.tier = TIER_LEGACY;
                snprintf(v.text, sizeof(v.text),
                         "%s key is legacy (EdDSA is in FIPS 186-5, but no FIPS 140-3 validated module "
                         "approves it for IKE signatures today; strongSwan uses it through RFC 8420)",
                         f->key_type == CERT_KEY_ED25519 ? "Ed25519" : "Ed448");
                v.replacement = "use ECDSA P-384 or RSA-3072";
                break;
        default:
                /* DSA (withdrawn by FIPS 186-5) and anything else that IKEv2
                 * signature authentication (RFC 7427) cannot use. */
                v.tier = TIER_FORBIDDEN;
                snprintf(v.text, sizeof(v.text),
                         "key type is not usable for IKEv2 signatures (only RSA, ECDSA and EdDSA are)");
                v.replacement = REPLACE_KEY;
                break;
        }
        return v;
}

/* The hash is that of the certificate's own signature (made by its issuer). */
static CertVerdict judge_hash(const CertFacts *f) {
        static const char *const approved[] = {
                "SHA256", "SHA384", "SHA512", "SHA3-256", "SHA3-384", "SHA3-512",
        };
        static const char *const forbidden[] = { "MD2", "MD4", "MD5", "MDC2", "SHA1" };
        static const char *const weak[] = { "SHA224", "SHA512-224", "SHA3-224" };
        CertVerdict v = { .tier = TIER_APPROVED };
        const char *h = f->sig_hash;

        /* Pure EdDSA signs without a separate digest. */
        if (isempty(h) && is_eddsa(f->key_type))
                return v;

        for (size_t i = 0; i < ELEMENTSOF(approved); i++)
                if (streq(h, approved[i]))
                        return v;

        v.replacement = REPLACE_HASH;
        for (size_t i = 0; i < ELEMENTSOF(forbidden); i++)
                if (streq(h, forbidden[i])) {
                        v.tier = TIER_FORBIDDEN;
                        /* Spelled as NIST spells it. */
                        snprintf(v.text, sizeof(v.text),
                                 "signed with %s, which NIST SP 800-131A Rev. 2 disallows for digital signatures",
                                 streq(h, "SHA1") ? "SHA-1" : h);
                        return v;
                }

        v.tier = TIER_LEGACY;
        for (size_t i = 0; i < ELEMENTSOF(weak); i++)
                if (streq(h, weak[i])) {
                        snprintf(v.text, sizeof(v.text),
                                 "signed with %s, which is legacy (112-bit security, acceptable only "
                                 "through 2030 under NIST SP 800-131A Rev. 2)",
                                 h);
                        return v;
                }
        snprintf(v.text, sizeof(v.text),
                 "signed with %s, which is legacy (not an approved hash of FIPS 180-4 or FIPS 202)",
                 isempty(h) ? "an unknown hash" : h);
        return v;
}

static int report(const CertVerdict *v, bool fips_mode, const char *what, const char *path, unsigned line,
                  DiagList *d) {
        switch (v->tier) {
        case TIER_APPROVED:
                return 0;
        case TIER_FORBIDDEN:
                return diag_error(d, path, line, "%s: %s; %s", what, v->text, v->replacement);
        case TIER_LEGACY:
                if (!fips_mode)
                        return diag_warning(d, path, line, "%s: %s; %s", what, v->text, v->replacement);
                return diag_error(d, path, line, "%s: %s; %s, or set FipsMode=no", what, v->text, v->replacement);
        default:
                return -EINVAL;
        }
}

int ikepolicy_check_cert(const CertFacts *f, bool fips_mode, const char *what, const char *path,
                         unsigned line, DiagList *d) {
        CertVerdict key, hash;
        int r;

        /* Facts of a file that did not parse (already reported by conf). */
        if (!f || f->key_type < 0 || f->key_type >= _CERT_KEY_TYPE_MAX)
                return 0;

        key = judge_key(f);
        hash = judge_hash(f);

        r = report(&key, fips_mode, what, path, line, d);
        if (r < 0)
                return r;
        return report(&hash, fips_mode, what, path, line, d);
}
