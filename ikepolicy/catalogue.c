/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The algorithm catalogue: every value of Azure's custom IPsec/IKE policy
 * (New-AzIpsecPolicy; the six algorithm keys of [Profile], README "Config
 * format in brief") with its strongSwan keyword and our tier.
 *
 * Tiers follow NIST SP 800-131A Rev. 2, SP 800-56A Rev. 3, SP 800-77 Rev. 1
 * and RFC 8221 (ESP) / RFC 8247 (IKEv2):
 *   approved  - AES-GCM and AES-CBC (128/192/256), HMAC/PRF SHA-256 and
 *               SHA-384, ECP-256/384, MODP-2048;
 *   legacy    - 3DES, SHA-1, MODP-1024, RFC 5114 group 24, no PFS;
 *   forbidden - DES, MD5, MODP-768, no IKE key exchange, ESP NULL.
 * Keywords are those of strongSwan's proposal_keywords_static.txt
 * (reference/azure-strongswan-facts.md §2). */

#include "ikepolicy.h"

#define R_AES_GCM_REPL "GCMAES256 or AES256"
#define R_IKE_INTEG_REPL "SHA384 or SHA256"
#define R_DH_REPL "ECP384, ECP256 or DHGroup14"
#define R_ESP_INTEG_REPL "SHA256, or GCMAES256 together with IpsecEncryption=GCMAES256"
#define R_PFS_REPL "ECP384, ECP256 or PFS2048"

#define R_3DES "3DES is disallowed for encryption after 2023, NIST SP 800-131A Rev. 2"
#define R_DES "single DES has a 56-bit key and is broken; disallowed by NIST SP 800-131A Rev. 2, RFC 8221/8247 MUST NOT"
#define R_SHA1 \
        "HMAC-SHA-1 is MUST- in RFC 8221/8247, being phased out, and disallowed after 2030 by the NIST SP 800-131A Rev. 3 draft"
#define R_MD5 "HMAC-MD5 is not FIPS-approved; RFC 8221/8247 MUST NOT"
#define R_MODP768 "768-bit MODP is trivially weak, far below the 2048-bit minimum of NIST SP 800-131A Rev. 2 §5; RFC 8247 MUST NOT"
#define R_MODP1024 \
        "1024-bit MODP is below the 2048-bit minimum of NIST SP 800-131A Rev. 2 §5 / SP 800-56A Rev. 3; RFC 8247 SHOULD NOT; it is Azure's default"
#define R_GROUP24 \
        "RFC 5114 group 24 is a 2048-bit MODP group with a 256-bit subgroup: RFC 8247 SHOULD NOT; CMVP acceptance of its parameters is unclear"
#define R_MODP2048 "2048-bit MODP (RFC 3526 group 14) is an approved safe-prime group of NIST SP 800-56A Rev. 3; RFC 8247 MUST"
#define R_ECP256 "ECDH on P-256 (group 19) is approved by NIST SP 800-56A Rev. 3; RFC 8247 SHOULD"
#define R_ECP384 "ECDH on P-384 (group 20) is approved by NIST SP 800-56A Rev. 3; CNSA 1.0 (RFC 9206)"

/* Shorthands keep the table one row per value. */
#define APPROVED(f, az, kw, rsn, ...) \
        { .field = (f), .azure = (az), .keyword = (kw), .tier = TIER_APPROVED, .reason = (rsn), __VA_ARGS__ }
#define LEGACY(f, az, kw, rsn, repl, ...)                                                               \
        { .field = (f), .azure = (az), .keyword = (kw), .tier = TIER_LEGACY, .reason = (rsn),           \
          .replacement = (repl), __VA_ARGS__ }
#define FORBIDDEN(f, az, kw, rsn, repl, ...)                                                            \
        { .field = (f), .azure = (az), .keyword = (kw), .tier = TIER_FORBIDDEN, .reason = (rsn),        \
          .replacement = (repl), __VA_ARGS__ }

/* The tier of each value is also the table of gatewayd.conf(5), ALGORITHM
 * TIERS (tests/check-man.sh compares it with `gatewayctl check --explain`). */
static const AlgInfo catalogue[] = {
        /* IKE encryption: GCM is AEAD, so the IKE proposal carries a PRF and
         * no integrity algorithm. Azure has no IKE GCMAES192. */
        APPROVED(PROFILE_IKE_ENCRYPTION, "GCMAES256", "aes256gcm16",
                 "AES-256-GCM is approved (NIST SP 800-38D); RFC 8247 SHOULD; CNSA 1.0", .aead = true),
        APPROVED(PROFILE_IKE_ENCRYPTION, "GCMAES128", "aes128gcm16",
                 "AES-128-GCM is approved (NIST SP 800-38D); RFC 8247 SHOULD", .aead = true),
        APPROVED(PROFILE_IKE_ENCRYPTION, "AES256", "aes256",
                 "AES-256-CBC is approved (NIST SP 800-131A Rev. 2); RFC 8247 MUST"),
        APPROVED(PROFILE_IKE_ENCRYPTION, "AES192", "aes192",
                 "AES-192-CBC is approved (NIST SP 800-131A Rev. 2); RFC 8247 MAY"),
        APPROVED(PROFILE_IKE_ENCRYPTION, "AES128", "aes128",
                 "AES-128-CBC is approved (NIST SP 800-131A Rev. 2); RFC 8247 MUST"),
        LEGACY(PROFILE_IKE_ENCRYPTION, "DES3", "3des", R_3DES, R_AES_GCM_REPL),
        FORBIDDEN(PROFILE_IKE_ENCRYPTION, "DES", "des", R_DES, R_AES_GCM_REPL),

        /* IKE integrity: both the integrity algorithm (CBC) and the PRF. */
        APPROVED(PROFILE_IKE_INTEGRITY, "SHA384", "sha384",
                 "HMAC-SHA-384 is approved (NIST SP 800-131A Rev. 2); CNSA 1.0", .prf_keyword = "prfsha384"),
        APPROVED(PROFILE_IKE_INTEGRITY, "SHA256", "sha256",
                 "HMAC-SHA-256 is approved (NIST SP 800-131A Rev. 2); RFC 8247 MUST", .prf_keyword = "prfsha256"),
        LEGACY(PROFILE_IKE_INTEGRITY, "SHA1", "sha1", R_SHA1, R_IKE_INTEG_REPL, .prf_keyword = "prfsha1"),
        FORBIDDEN(PROFILE_IKE_INTEGRITY, "MD5", "md5", R_MD5, R_IKE_INTEG_REPL, .prf_keyword = "prfmd5"),

        /* IKE key exchange. DHGroup14 and DHGroup2048 are the same group. */
        APPROVED(PROFILE_DH_GROUP, "ECP384", "ecp384", R_ECP384, .dh_group = 20),
        APPROVED(PROFILE_DH_GROUP, "ECP256", "ecp256", R_ECP256, .dh_group = 19),
        APPROVED(PROFILE_DH_GROUP, "DHGroup14", "modp2048", R_MODP2048, .dh_group = 14),
        APPROVED(PROFILE_DH_GROUP, "DHGroup2048", "modp2048", R_MODP2048, .dh_group = 14),
        LEGACY(PROFILE_DH_GROUP, "DHGroup24", "modp2048s256", R_GROUP24, R_DH_REPL, .dh_group = 24),
        LEGACY(PROFILE_DH_GROUP, "DHGroup2", "modp1024", R_MODP1024, R_DH_REPL, .dh_group = 2),
        FORBIDDEN(PROFILE_DH_GROUP, "DHGroup1", "modp768", R_MODP768, R_DH_REPL, .dh_group = 1),
        FORBIDDEN(PROFILE_DH_GROUP, "None", NULL,
                  "IKEv2 IKE_SA_INIT requires a key exchange, RFC 7296 §1.2", R_DH_REPL),

        /* ESP encryption. */
        APPROVED(PROFILE_IPSEC_ENCRYPTION, "GCMAES256", "aes256gcm16",
                 "AES-256-GCM is approved (NIST SP 800-38D); RFC 8221 MUST; CNSA 1.0", .aead = true),
        APPROVED(PROFILE_IPSEC_ENCRYPTION, "GCMAES192", "aes192gcm16",
                 "AES-192-GCM is approved (NIST SP 800-38D); RFC 8221 MAY", .aead = true),
        APPROVED(PROFILE_IPSEC_ENCRYPTION, "GCMAES128", "aes128gcm16",
                 "AES-128-GCM is approved (NIST SP 800-38D); RFC 8221 MUST", .aead = true),
        APPROVED(PROFILE_IPSEC_ENCRYPTION, "AES256", "aes256",
                 "AES-256-CBC is approved (NIST SP 800-131A Rev. 2); RFC 8221 MUST"),
        APPROVED(PROFILE_IPSEC_ENCRYPTION, "AES192", "aes192",
                 "AES-192-CBC is approved (NIST SP 800-131A Rev. 2); RFC 8221 MAY"),
        APPROVED(PROFILE_IPSEC_ENCRYPTION, "AES128", "aes128",
                 "AES-128-CBC is approved (NIST SP 800-131A Rev. 2); RFC 8221 MUST"),
        LEGACY(PROFILE_IPSEC_ENCRYPTION, "DES3", "3des", R_3DES, R_AES_GCM_REPL),
        FORBIDDEN(PROFILE_IPSEC_ENCRYPTION, "DES", "des", R_DES, R_AES_GCM_REPL),
        FORBIDDEN(PROFILE_IPSEC_ENCRYPTION, "None", "null",
                  "ESP NULL gives no confidentiality and defeats the tunnel; RFC 8221 has it for integrity-only use",
                  R_AES_GCM_REPL),

        /* ESP integrity: a GCM value names the cipher's own ICV, so it adds no
         * keyword, and is only valid with the same GCM encryption (Azure). */
        APPROVED(PROFILE_IPSEC_INTEGRITY, "GCMAES256", "",
                 "the ICV of AES-256-GCM (NIST SP 800-38D); valid only with IpsecEncryption=GCMAES256", .aead = true),
        APPROVED(PROFILE_IPSEC_INTEGRITY, "GCMAES192", "",
                 "the ICV of AES-192-GCM (NIST SP 800-38D); valid only with IpsecEncryption=GCMAES192", .aead = true),
        APPROVED(PROFILE_IPSEC_INTEGRITY, "GCMAES128", "",
                 "the ICV of AES-128-GCM (NIST SP 800-38D); valid only with IpsecEncryption=GCMAES128", .aead = true),
        APPROVED(PROFILE_IPSEC_INTEGRITY, "SHA256", "sha256",
                 "HMAC-SHA-256-128 is approved (NIST SP 800-131A Rev. 2); RFC 8221 MUST"),
        LEGACY(PROFILE_IPSEC_INTEGRITY, "SHA1", "sha1", R_SHA1, R_ESP_INTEG_REPL),
        FORBIDDEN(PROFILE_IPSEC_INTEGRITY, "MD5", "md5", R_MD5, R_ESP_INTEG_REPL),

        /* PFS for child SA rekeys (the first child SA always takes its keys
         * from the IKE SA). PFS2048 and PFS14 are the same group. */
        APPROVED(PROFILE_PFS_GROUP, "ECP384", "ecp384", R_ECP384, .dh_group = 20),
        APPROVED(PROFILE_PFS_GROUP, "ECP256", "ecp256", R_ECP256, .dh_group = 19),
        APPROVED(PROFILE_PFS_GROUP, "PFS2048", "modp2048", R_MODP2048, .dh_group = 14),
        APPROVED(PROFILE_PFS_GROUP, "PFS14", "modp2048", R_MODP2048, .dh_group = 14),
        LEGACY(PROFILE_PFS_GROUP, "PFS24", "modp2048s256", R_GROUP24, R_PFS_REPL, .dh_group = 24),
        LEGACY(PROFILE_PFS_GROUP, "PFS2", "modp1024", R_MODP1024, R_PFS_REPL, .dh_group = 2),
        FORBIDDEN(PROFILE_PFS_GROUP, "PFS1", "modp768", R_MODP768, R_PFS_REPL, .dh_group = 1),
        /* Windows' IPSEC_PFS_MM: "the same Diffie Hellman as the main mode".
         * The tier shown here is a placeholder; checks use DhGroup's. */
        APPROVED(PROFILE_PFS_GROUP, "PFSMM", NULL,
                 "the IKE SA's group (DhGroup), as Windows' IPSEC_PFS_MM; keyword and tier are DhGroup's",
                 .same_as_dh_group = true),
        LEGACY(PROFILE_PFS_GROUP, "None", "",
               "no perfect forward secrecy for child SAs; NIST SP 800-77 Rev. 1 recommends PFS", R_PFS_REPL),
};

static const char *const alg_tier_table[_TIER_MAX] = {
        [TIER_APPROVED] = "approved",
        [TIER_LEGACY] = "legacy",
        [TIER_FORBIDDEN] = "forbidden",
};
DEFINE_STRING_TABLE(alg_tier, AlgTier);

const AlgInfo *ikepolicy_catalogue(size_t *ret_n) {
        if (ret_n)
                *ret_n = ELEMENTSOF(catalogue);
        return catalogue;
}

const AlgInfo *ikepolicy_lookup(ProfileAlg field, const char *value) {
        if (!value)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(catalogue); i++)
                if (catalogue[i].field == field && streq(catalogue[i].azure, value))
                        return &catalogue[i];
        return NULL;
}

const AlgInfo *ikepolicy_effective_pfs(const Profile *p) {
        const AlgInfo *pfs = ikepolicy_lookup(PROFILE_PFS_GROUP, p->alg[PROFILE_PFS_GROUP]);

        if (pfs && pfs->same_as_dh_group)
                return ikepolicy_lookup(PROFILE_DH_GROUP, p->alg[PROFILE_DH_GROUP]);
        return pfs;
}
