/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The algorithm catalogue against an independent expectation table: every
 * value Azure's custom IPsec/IKE policy (New-AzIpsecPolicy) takes for the six
 * algorithm keys of [Profile], its strongSwan keyword (strongSwan's
 * proposal_keywords_static.txt) and the tier we decided. */

#include "testhelp.h"

#include "ikepolicy.h"

typedef struct Expect {
        ProfileAlg field;
        const char *azure;
        const char *keyword; /* NULL: none/resolved */
        const char *prf;     /* IkeIntegrity only */
        AlgTier tier;
        bool aead;
        unsigned group;
} Expect;

#define IE PROFILE_IKE_ENCRYPTION
#define II PROFILE_IKE_INTEGRITY
#define DH PROFILE_DH_GROUP
#define EE PROFILE_IPSEC_ENCRYPTION
#define EI PROFILE_IPSEC_INTEGRITY
#define PF PROFILE_PFS_GROUP
#define A TIER_APPROVED
#define L TIER_LEGACY
#define F TIER_FORBIDDEN

static const Expect expected[] = {
        { IE, "GCMAES256", "aes256gcm16", NULL, A, true, 0 },
        { IE, "GCMAES128", "aes128gcm16", NULL, A, true, 0 },
        { IE, "AES256", "aes256", NULL, A, false, 0 },
        { IE, "AES192", "aes192", NULL, A, false, 0 },
        { IE, "AES128", "aes128", NULL, A, false, 0 },
        { IE, "DES3", "3des", NULL, L, false, 0 },
        { IE, "DES", "des", NULL, F, false, 0 },

        { II, "SHA384", "sha384", "prfsha384", A, false, 0 },
        { II, "SHA256", "sha256", "prfsha256", A, false, 0 },
        { II, "SHA1", "sha1", "prfsha1", L, false, 0 },
        { II, "MD5", "md5", "prfmd5", F, false, 0 },

        { DH, "ECP384", "ecp384", NULL, A, false, 20 },
        { DH, "ECP256", "ecp256", NULL, A, false, 19 },
        { DH, "DHGroup14", "modp2048", NULL, A, false, 14 },
        { DH, "DHGroup2048", "modp2048", NULL, A, false, 14 },
        { DH, "DHGroup24", "modp2048s256", NULL, L, false, 24 },
        { DH, "DHGroup2", "modp1024", NULL, L, false, 2 },
        { DH, "DHGroup1", "modp768", NULL, F, false, 1 },
        { DH, "None", NULL, NULL, F, false, 0 },

        { EE, "GCMAES256", "aes256gcm16", NULL, A, true, 0 },
        { EE, "GCMAES192", "aes192gcm16", NULL, A, true, 0 },
        { EE, "GCMAES128", "aes128gcm16", NULL, A, true, 0 },
        { EE, "AES256", "aes256", NULL, A, false, 0 },
        { EE, "AES192", "aes192", NULL, A, false, 0 },
        { EE, "AES128", "aes128", NULL, A, false, 0 },
        { EE, "DES3", "3des", NULL, L, false, 0 },
        { EE, "DES", "des", NULL, F, false, 0 },
        { EE, "None", "null", NULL, F, false, 0 },

        { EI, "GCMAES256", "", NULL, A, true, 0 },
        { EI, "GCMAES192", "", NULL, A, true, 0 },
        { EI, "GCMAES128", "", NULL, A, true, 0 },
        { EI, "SHA256", "sha256", NULL, A, false, 0 },
        { EI, "SHA1", "sha1", NULL, L, false, 0 },
        { EI, "MD5", "md5", NULL, F, false, 0 },

        { PF, "ECP384", "ecp384", NULL, A, false, 20 },
        { PF, "ECP256", "ecp256", NULL, A, false, 19 },
        { PF, "PFS2048", "modp2048", NULL, A, false, 14 },
        { PF, "PFS14", "modp2048", NULL, A, false, 14 },
        { PF, "PFS24", "modp2048s256", NULL, L, false, 24 },
        { PF, "PFS2", "modp1024", NULL, L, false, 2 },
        { PF, "PFS1", "modp768", NULL, F, false, 1 },
        { PF, "PFSMM", NULL, NULL, A, false, 0 },
        { PF, "None", "", NULL, L, false, 0 },
};

static void test_every_value(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                const Expect *x = &expected[i];
                const AlgInfo *e = ikepolicy_lookup(x->field, x->azure);

                print_message("# %s=%s\n", profile_alg_to_string(x->field), x->azure);
                assert_non_null(e);
                assert_int_equal(e->field, x->field);
                assert_string_equal(e->azure, x->azure);
                if (x->keyword)
                        assert_string_equal(e->keyword, x->keyword);
                else
                        assert_null(e->keyword);
                if (x->prf)
                        assert_string_equal(e->prf_keyword, x->prf);
                else
                        assert_null(e->prf_keyword);
                assert_int_equal(e->tier, x->tier);
                assert_int_equal(e->aead, x->aead);
                assert_int_equal(e->dh_group, x->group);
                assert_int_equal(e->same_as_dh_group, streq(x->azure, "PFSMM"));
                /* Every entry says why; only refused tiers suggest a fix. */
                assert_false(isempty(e->reason));
                if (x->tier == TIER_APPROVED)
                        assert_null(e->replacement);
                else
                        assert_false(isempty(e->replacement));
        }
}

/* The catalogue holds exactly the expected entries, each once, grouped by key
 * in the order of the table above. */
static void test_catalogue_is_complete(void **state) {
        size_t n;
        const AlgInfo *cat = ikepolicy_catalogue(&n);

        assert_int_equal(n, ELEMENTSOF(expected));
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(cat[i].field, expected[i].field);
                assert_string_equal(cat[i].azure, expected[i].azure);
                assert_ptr_equal(ikepolicy_lookup(cat[i].field, cat[i].azure), &cat[i]);
                for (size_t j = 0; j < i; j++)
                        assert_false(cat[j].field == cat[i].field && streq(cat[j].azure, cat[i].azure));
        }
}

static void test_reasons(void **state) {
        /* The README quotes this one verbatim. */
        assert_string_equal(ikepolicy_lookup(PROFILE_IKE_ENCRYPTION, "DES3")->reason,
                            "3DES is disallowed for encryption after 2023, NIST SP 800-131A Rev. 2");
        assert_string_equal(ikepolicy_lookup(PROFILE_IPSEC_ENCRYPTION, "DES3")->reason,
                            "3DES is disallowed for encryption after 2023, NIST SP 800-131A Rev. 2");
        assert_string_equal(ikepolicy_lookup(PROFILE_IKE_ENCRYPTION, "DES3")->replacement, "GCMAES256 or AES256");
        assert_non_null(strstr(ikepolicy_lookup(PROFILE_DH_GROUP, "DHGroup2")->reason, "SP 800-131A Rev. 2"));
        assert_non_null(strstr(ikepolicy_lookup(PROFILE_DH_GROUP, "DHGroup2")->reason, "Azure's default"));
        assert_non_null(strstr(ikepolicy_lookup(PROFILE_DH_GROUP, "DHGroup24")->reason, "RFC 5114"));
        assert_non_null(strstr(ikepolicy_lookup(PROFILE_PFS_GROUP, "None")->reason, "SP 800-77 Rev. 1"));
        assert_non_null(strstr(ikepolicy_lookup(PROFILE_IKE_INTEGRITY, "SHA1")->reason, "RFC 8221/8247"));
        assert_non_null(strstr(ikepolicy_lookup(PROFILE_DH_GROUP, "None")->reason, "IKE_SA_INIT"));
        assert_non_null(strstr(ikepolicy_lookup(PROFILE_IPSEC_ENCRYPTION, "None")->reason, "confidentiality"));
}

typedef struct Unknown {
        ProfileAlg field;
        const char *value;
} Unknown;

static void test_unknown_values(void **state) {
        static const Unknown rows[] = {
                { IE, "gcmaes256" },    /* case-sensitive */
                { IE, "GCMAES192" },    /* ESP only */
                { IE, "None" },
                { IE, "" },
                { II, "SHA512" },
                { II, "GCMAES256" },    /* in Azure's REST enum, not among our IkeIntegrity values */
                { DH, "DHGroup5" },
                { DH, "PFS2048" },      /* a PfsGroup value */
                { EE, "CHACHA20" },
                { EI, "SHA384" },       /* no SHA384 for ESP */
                { EI, "None" },
                { PF, "DHGroup14" },    /* a DhGroup value */
                { PF, "PFS2048 " },
                { PF, NULL },
                { _PROFILE_ALG_MAX, "AES256" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                assert_null(ikepolicy_lookup(rows[i].field, rows[i].value));
}

static void test_effective_pfs(void **state) {
        Profile p = {
                .alg = { (char *) "GCMAES256", (char *) "SHA384", (char *) "DHGroup2", (char *) "GCMAES256",
                         (char *) "GCMAES256", (char *) "PFSMM" },
        };

        assert_ptr_equal(ikepolicy_effective_pfs(&p), ikepolicy_lookup(DH, "DHGroup2"));
        p.alg[DH] = (char *) "Bogus";
        assert_null(ikepolicy_effective_pfs(&p));
        p.alg[PF] = (char *) "PFS14";
        assert_ptr_equal(ikepolicy_effective_pfs(&p), ikepolicy_lookup(PF, "PFS14"));
        p.alg[PF] = NULL;
        assert_null(ikepolicy_effective_pfs(&p));
}

static void test_tier_strings(void **state) {
        assert_string_equal(alg_tier_to_string(TIER_APPROVED), "approved");
        assert_string_equal(alg_tier_to_string(TIER_LEGACY), "legacy");
        assert_string_equal(alg_tier_to_string(TIER_FORBIDDEN), "forbidden");
        assert_null(alg_tier_to_string(_TIER_MAX));
        assert_null(alg_tier_to_string(_TIER_INVALID));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_value),
                cmocka_unit_test(test_catalogue_is_complete),
                cmocka_unit_test(test_reasons),
                cmocka_unit_test(test_unknown_values),
                cmocka_unit_test(test_effective_pfs),
                cmocka_unit_test(test_tier_strings),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
