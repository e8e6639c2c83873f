/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Profile judgement: every tier under FipsMode yes/no, every Azure
 * cross-field rule, and the config-level rules (which profiles are judged,
 * notes at tunnels' Profile= lines). Profiles are built directly, with the
 * lines a file would have given them. */

#include "testhelp.h"

#include "ikepolicy.h"

#define PATH "profiles.d/t.conf"
#define SECTION_LINE 2
/* IkeEncryption at line 3 ... PfsGroup at line 8 */
#define LINE(a) (3u + (unsigned) (a))

#define IE PROFILE_IKE_ENCRYPTION
#define II PROFILE_IKE_INTEGRITY
#define DH PROFILE_DH_GROUP
#define EE PROFILE_IPSEC_ENCRYPTION
#define EI PROFILE_IPSEC_INTEGRITY
#define PF PROFILE_PFS_GROUP

static Profile make_profile(const char *const v[_PROFILE_ALG_MAX]) {
        Profile p = {
                .name = (char *) "t",
                .path = (char *) PATH,
                .section_line = SECTION_LINE,
                .sa_lifetime_sec = PROFILE_DEFAULT_SA_LIFETIME_SEC,
                .sa_datasize_kb = PROFILE_DEFAULT_SA_DATASIZE_KB,
                .ike_lifetime_sec = PROFILE_DEFAULT_IKE_LIFETIME_SEC,
        };

        for (ProfileAlg a = 0; a < _PROFILE_ALG_MAX; a++) {
                p.alg[a] = (char *) v[a];
                p.alg_line[a] = LINE(a);
        }
        return p;
}

static size_t count_diags(const DiagList *d, DiagLevel level) {
        size_t n = 0;

        for (size_t i = 0; i < d->n; i++)
                n += d->items[i].level == level;
        return n;
}

/* ---- every value's tier, under both FipsMode settings ---------------- */

typedef struct TierRow {
        ProfileAlg field;
        const char *value;
        AlgTier tier; /* for PFSMM: the tier of the base DhGroup (DHGroup14) */
} TierRow;

static const TierRow tier_rows[] = {
        { IE, "GCMAES256", TIER_APPROVED }, { IE, "GCMAES128", TIER_APPROVED }, { IE, "AES256", TIER_APPROVED },
        { IE, "AES192", TIER_APPROVED },    { IE, "AES128", TIER_APPROVED },    { IE, "DES3", TIER_LEGACY },
        { IE, "DES", TIER_FORBIDDEN },

        { II, "SHA384", TIER_APPROVED },    { II, "SHA256", TIER_APPROVED },    { II, "SHA1", TIER_LEGACY },
        { II, "MD5", TIER_FORBIDDEN },

        { DH, "ECP384", TIER_APPROVED },    { DH, "ECP256", TIER_APPROVED },    { DH, "DHGroup14", TIER_APPROVED },
        { DH, "DHGroup2048", TIER_APPROVED }, { DH, "DHGroup24", TIER_LEGACY }, { DH, "DHGroup2", TIER_LEGACY },
        { DH, "DHGroup1", TIER_FORBIDDEN }, { DH, "None", TIER_FORBIDDEN },

        { EE, "GCMAES256", TIER_APPROVED }, { EE, "GCMAES192", TIER_APPROVED }, { EE, "GCMAES128", TIER_APPROVED },
        { EE, "AES256", TIER_APPROVED },    { EE, "AES192", TIER_APPROVED },    { EE, "AES128", TIER_APPROVED },
        { EE, "DES3", TIER_LEGACY },        { EE, "DES", TIER_FORBIDDEN },      { EE, "None", TIER_FORBIDDEN },

        { EI, "GCMAES256", TIER_APPROVED }, { EI, "GCMAES192", TIER_APPROVED }, { EI, "GCMAES128", TIER_APPROVED },
        { EI, "SHA256", TIER_APPROVED },    { EI, "SHA1", TIER_LEGACY },        { EI, "MD5", TIER_FORBIDDEN },

        { PF, "ECP384", TIER_APPROVED },    { PF, "ECP256", TIER_APPROVED },    { PF, "PFS2048", TIER_APPROVED },
        { PF, "PFS14", TIER_APPROVED },     { PF, "PFS24", TIER_LEGACY },       { PF, "PFS2", TIER_LEGACY },
        { PF, "PFS1", TIER_FORBIDDEN },     { PF, "PFSMM", TIER_APPROVED },     { PF, "None", TIER_LEGACY },
};

static void test_tiers(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(tier_rows); i++)
                for (int fips = 0; fips <= 1; fips++) {
                        const TierRow *row = &tier_rows[i];
                        /* All approved and CBC, so that one value is judged alone. */
                        const char *v[_PROFILE_ALG_MAX] = { "AES256", "SHA256", "DHGroup14",
                                                            "AES256", "SHA256", "PFS2048" };
                        _cleanup_free_ char *subject = NULL;
                        DiagList d = {};
                        Profile p;
                        int r;

                        v[row->field] = row->value;
                        /* Keep Azure's ESP GCM pairing satisfied. */
                        if ((row->field == EE || row->field == EI) && strncmp(row->value, "GCM", 3) == 0)
                                v[EE] = v[EI] = row->value;
                        p = make_profile(v);
                        assert_true(asprintf(&subject, "%s=%s is ", profile_alg_to_string(row->field), row->value) > 0);

                        print_message("# %s fips=%d\n", subject, fips);
                        r = ikepolicy_check_profile(&p, fips, &d);
                        switch (row->tier) {
                        case TIER_APPROVED:
                                assert_int_equal(r, 0);
                                assert_int_equal(d.n, 0);
                                break;
                        case TIER_LEGACY:
                                assert_int_equal(d.n, 1);
                                if (fips) {
                                        assert_int_equal(r, -EINVAL);
                                        assert_diag(&d, DIAG_ERROR, PATH, LINE(row->field), subject);
                                        assert_diag(&d, DIAG_ERROR, PATH, LINE(row->field), "is legacy (");
                                        assert_diag(&d, DIAG_ERROR, PATH, LINE(row->field), ", or set FipsMode=no");
                                } else {
                                        assert_int_equal(r, 0);
                                        assert_int_equal(d.n_errors, 0);
                                        assert_diag(&d, DIAG_WARNING, PATH, LINE(row->field), subject);
                                        assert_diag(&d, DIAG_WARNING, PATH, LINE(row->field),
                                                    "; accepted because FipsMode=no");
                                }
                                break;
                        case TIER_FORBIDDEN:
                                assert_int_equal(r, -EINVAL);
                                assert_int_equal(d.n, 1);
                                assert_diag(&d, DIAG_ERROR, PATH, LINE(row->field), subject);
                                assert_diag(&d, DIAG_ERROR, PATH, LINE(row->field), "is forbidden (");
                                assert_diag(&d, DIAG_ERROR, PATH, LINE(row->field), "; use ");
                                assert_null(diag_find(&d, "FipsMode"));
                                break;
                        default:
                                fail();
                        }
                        diag_list_clear(&d);
                }
}

/* ---- exact messages and cross-field rules ---------------------------- */

typedef struct Expect {
        DiagLevel level;
        unsigned line;
        const char *needle;
} Expect;

typedef struct Row {
        const char *what;
        bool fips;
        const char *v[_PROFILE_ALG_MAX];
        int ret;
        size_t n_errors, n_warnings;
        Expect expect[3];
} Row;

#define GCM_OK "GCMAES256", "SHA384", "ECP384", "GCMAES256", "GCMAES256", "ECP384"

static const Row rows[] = {
        { "the README's example, exact", true,
          { "DES3", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" }, -EINVAL, 1, 0,
          { { DIAG_ERROR, LINE(IE),
              "IkeEncryption=DES3 is legacy (3DES is disallowed for encryption after 2023, NIST SP 800-131A Rev. 2); use GCMAES256 or AES256, or set FipsMode=no" } } },
        { "legacy accepted with FipsMode=no, exact", false,
          { "DES3", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" }, 0, 0, 1,
          { { DIAG_WARNING, LINE(IE),
              "IkeEncryption=DES3 is legacy (3DES is disallowed for encryption after 2023, NIST SP 800-131A Rev. 2); accepted because FipsMode=no" } } },
        { "unknown value lists the accepted ones", true,
          { "AES512", "SHA384", "ECP384", "GCMAES256", "GCMAES256", "ECP384" }, -EINVAL, 1, 0,
          { { DIAG_ERROR, LINE(IE),
              "IkeEncryption=AES512 is not a valid value; accepted values: GCMAES256, GCMAES128, AES256, AES192, AES128, DES3, DES" } } },
        { "unknown value in FipsMode=no is still an error", false,
          { "GCMAES256", "SHA384", "ECP521", "GCMAES256", "GCMAES256", "ECP384" }, -EINVAL, 1, 0,
          { { DIAG_ERROR, LINE(DH),
              "accepted values: ECP384, ECP256, DHGroup14, DHGroup2048, DHGroup24, DHGroup2, DHGroup1, None" } } },
        { "values are case-sensitive, with a hint", true,
          { "gcmaes256", "SHA384", "ECP384", "GCMAES256", "GCMAES256", "ECP384" }, -EINVAL, 1, 0,
          { { DIAG_ERROR, LINE(IE), "did you mean GCMAES256?" } } },
        { "no SHA384 for ESP", true,
          { "AES256", "SHA384", "ECP384", "AES256", "SHA384", "ECP384" }, -EINVAL, 1, 0,
          { { DIAG_ERROR, LINE(EI), "IpsecIntegrity=SHA384 is not a valid value (Azure offers no SHA384 for ESP)" },
            { DIAG_ERROR, LINE(EI), "GCMAES256, GCMAES192, GCMAES128, SHA256, SHA1, MD5" } } },
        { "unknown PfsGroup lists PFSMM and None", true,
          { "GCMAES256", "SHA384", "ECP384", "GCMAES256", "GCMAES256", "PFS5" }, -EINVAL, 1, 0,
          { { DIAG_ERROR, LINE(PF),
              "PfsGroup=PFS5 is not a valid value; accepted values: ECP384, ECP256, PFS2048, PFS14, PFS24, PFS2, PFS1, PFSMM, None" } } },

        /* Azure: GCM IPsec encryption requires the same GCM IpsecIntegrity. */
        { "GCM encryption with HMAC integrity", true,
          { "GCMAES256", "SHA384", "ECP384", "GCMAES256", "SHA256", "ECP384" }, -EINVAL, 1, 0,
          { { DIAG_ERROR, LINE(EI),
              "IpsecIntegrity=SHA256 does not match IpsecEncryption=GCMAES256: with GCM encryption Azure requires the same GCM value" },
            { DIAG_ERROR, LINE(EI), "; set IpsecIntegrity=GCMAES256" } } },
        { "GCM encryption, other GCM length", true,
          { "GCMAES256", "SHA384", "ECP384", "GCMAES256", "GCMAES128", "ECP384" }, -EINVAL, 1, 0,
          { { DIAG_ERROR, LINE(EI), "IpsecIntegrity=GCMAES128 does not match IpsecEncryption=GCMAES256" } } },
        { "GCM128 encryption with GCM256 integrity", false,
          { "GCMAES128", "SHA256", "ECP256", "GCMAES128", "GCMAES256", "ECP256" }, -EINVAL, 1, 0,
          { { DIAG_ERROR, LINE(EI), "set IpsecIntegrity=GCMAES128" } } },
        { "GCM192 pair is fine", true,
          { "GCMAES128", "SHA256", "ECP256", "GCMAES192", "GCMAES192", "ECP256" }, 0, 0, 0, {} },
        { "legacy HMAC with GCM encryption: legacy and mismatch", false,
          { "GCMAES256", "SHA384", "ECP384", "GCMAES256", "SHA1", "ECP384" }, -EINVAL, 1, 1,
          { { DIAG_WARNING, LINE(EI), "IpsecIntegrity=SHA1 is legacy" },
            { DIAG_ERROR, LINE(EI), "does not match IpsecEncryption=GCMAES256" } } },

        /* ...and a GCM IpsecIntegrity needs that GCM encryption. */
        { "CBC encryption with GCM integrity", true,
          { "AES256", "SHA256", "DHGroup14", "AES256", "GCMAES256", "PFS2048" }, -EINVAL, 1, 0,
          { { DIAG_ERROR, LINE(EI),
              "IpsecIntegrity=GCMAES256 is only valid with IpsecEncryption=GCMAES256, but IpsecEncryption=AES256 is not GCM" },
            { DIAG_ERROR, LINE(EI), "set IpsecIntegrity=SHA256, or IpsecEncryption=GCMAES256" } } },
        { "ESP NULL with GCM integrity: forbidden and mismatch", false,
          { "AES256", "SHA256", "DHGroup14", "None", "GCMAES128", "PFS2048" }, -EINVAL, 2, 0,
          { { DIAG_ERROR, LINE(EE), "IpsecEncryption=None is forbidden (ESP NULL" },
            { DIAG_ERROR, LINE(EI), "IpsecIntegrity=GCMAES128 is only valid with IpsecEncryption=GCMAES128" } } },
        { "3DES with GCM integrity, FipsMode=no", false,
          { "AES256", "SHA256", "DHGroup14", "DES3", "GCMAES192", "PFS2048" }, -EINVAL, 1, 1,
          { { DIAG_WARNING, LINE(EE), "IpsecEncryption=DES3 is legacy" },
            { DIAG_ERROR, LINE(EI), "IpsecEncryption=DES3 is not GCM" } } },
        { "CBC with SHA integrity is fine", true,
          { "AES128", "SHA256", "ECP256", "AES128", "SHA256", "ECP256" }, 0, 0, 0, {} },

        /* GCM IKE encryption: IkeIntegrity is the PRF only, still judged. */
        { "GCM IKE with SHA256 PRF", true,
          { "GCMAES128", "SHA256", "ECP256", "GCMAES128", "GCMAES128", "ECP256" }, 0, 0, 0, {} },
        { "GCM IKE with MD5 PRF is forbidden", false,
          { "GCMAES256", "MD5", "ECP384", "GCMAES256", "GCMAES256", "ECP384" }, -EINVAL, 1, 0,
          { { DIAG_ERROR, LINE(II), "IkeIntegrity=MD5 is forbidden (HMAC-MD5" },
            { DIAG_ERROR, LINE(II), "use SHA384 or SHA256" } } },
        { "GCM IKE with SHA1 PRF under FIPS", true,
          { "GCMAES256", "SHA1", "ECP384", "GCMAES256", "GCMAES256", "ECP384" }, -EINVAL, 1, 0,
          { { DIAG_ERROR, LINE(II), "IkeIntegrity=SHA1 is legacy (HMAC-SHA-1" } } },

        /* IKEv2 needs a key exchange. */
        { "DhGroup None", false,
          { "GCMAES256", "SHA384", "None", "GCMAES256", "GCMAES256", "ECP384" }, -EINVAL, 1, 0,
          { { DIAG_ERROR, LINE(DH), "DhGroup=None is forbidden (IKEv2 IKE_SA_INIT requires a key exchange" } } },

        /* PFSMM takes DhGroup's group and tier, reported at PfsGroup. */
        { "PFSMM with an approved group", true,
          { "GCMAES256", "SHA384", "ECP384", "GCMAES256", "GCMAES256", "PFSMM" }, 0, 0, 0, {} },
        { "PFSMM with group 2 under FIPS", true,
          { "AES256", "SHA256", "DHGroup2", "AES256", "SHA256", "PFSMM" }, -EINVAL, 2, 0,
          { { DIAG_ERROR, LINE(DH), "DhGroup=DHGroup2 is legacy (1024-bit MODP" },
            { DIAG_ERROR, LINE(DH), "use ECP384, ECP256 or DHGroup14, or set FipsMode=no" },
            { DIAG_ERROR, LINE(PF),
              "PfsGroup=PFSMM uses DhGroup=DHGroup2, which is legacy (1024-bit MODP is below the 2048-bit minimum" } } },
        { "PFSMM with group 2, FipsMode=no", false,
          { "AES256", "SHA256", "DHGroup2", "AES256", "SHA256", "PFSMM" }, 0, 0, 2,
          { { DIAG_WARNING, LINE(DH), "DhGroup=DHGroup2 is legacy" },
            { DIAG_WARNING, LINE(PF), "PfsGroup=PFSMM uses DhGroup=DHGroup2, which is legacy (" },
            { DIAG_WARNING, LINE(PF), "accepted because FipsMode=no" } } },
        { "PFSMM suggests PFS values", true,
          { "AES256", "SHA256", "DHGroup24", "AES256", "SHA256", "PFSMM" }, -EINVAL, 2, 0,
          { { DIAG_ERROR, LINE(PF), "PfsGroup=PFSMM uses DhGroup=DHGroup24, which is legacy (RFC 5114" },
            { DIAG_ERROR, LINE(PF), "; use ECP384, ECP256 or PFS2048, or set FipsMode=no" } } },
        { "PFSMM with group 1", false,
          { "AES256", "SHA256", "DHGroup1", "AES256", "SHA256", "PFSMM" }, -EINVAL, 2, 0,
          { { DIAG_ERROR, LINE(DH), "DhGroup=DHGroup1 is forbidden (768-bit" },
            { DIAG_ERROR, LINE(PF), "PfsGroup=PFSMM uses DhGroup=DHGroup1, which is forbidden (768-bit" } } },
        { "PFSMM with DhGroup None", false,
          { "AES256", "SHA256", "None", "AES256", "SHA256", "PFSMM" }, -EINVAL, 2, 0,
          { { DIAG_ERROR, LINE(DH), "DhGroup=None is forbidden" },
            { DIAG_ERROR, LINE(PF), "PfsGroup=PFSMM takes the IKE SA's group, but DhGroup=None has none" } } },
        { "PFSMM with an unknown DhGroup: reported once, at DhGroup", true,
          { "AES256", "SHA256", "DHGroup5", "AES256", "SHA256", "PFSMM" }, -EINVAL, 1, 0,
          { { DIAG_ERROR, LINE(DH), "DhGroup=DHGroup5 is not a valid value" } } },
        { "PFS None under FIPS", true,
          { "GCMAES256", "SHA384", "ECP384", "GCMAES256", "GCMAES256", "None" }, -EINVAL, 1, 0,
          { { DIAG_ERROR, LINE(PF),
              "PfsGroup=None is legacy (no perfect forward secrecy for child SAs; NIST SP 800-77 Rev. 1 recommends PFS); use ECP384, ECP256 or PFS2048, or set FipsMode=no" } } },

        /* Every problem is reported, not just the first. */
        { "everything forbidden", false,
          { "DES", "MD5", "DHGroup1", "None", "MD5", "PFS1" }, -EINVAL, 6, 0,
          { { DIAG_ERROR, LINE(IE), "IkeEncryption=DES is forbidden" },
            { DIAG_ERROR, LINE(EI), "IpsecIntegrity=MD5 is forbidden" },
            { DIAG_ERROR, LINE(PF), "PfsGroup=PFS1 is forbidden" } } },
        { "missing values are conf's to report", true,
          { "GCMAES256", NULL, "ECP384", NULL, "GCMAES256", NULL }, 0, 0, 0, {} },
};

static void test_rows(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                const Row *row = &rows[i];
                Profile p = make_profile(row->v);
                DiagList d = {};

                print_message("# %s\n", row->what);
                assert_int_equal(ikepolicy_check_profile(&p, row->fips, &d), row->ret);
                assert_int_equal(d.n_errors, row->n_errors);
                assert_int_equal(d.n_warnings, row->n_warnings);
                assert_int_equal(d.n, row->n_errors + row->n_warnings);
                for (size_t k = 0; k < ELEMENTSOF(row->expect) && row->expect[k].needle; k++)
                        assert_diag(&d, row->expect[k].level, PATH, row->expect[k].line, row->expect[k].needle);
                diag_list_clear(&d);
        }
}

/* The full line as printed, for the README's example. */
static void test_format(void **state) {
        const char *v[] = { "DES3", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" };
        Profile p = make_profile(v);
        _cleanup_free_ char *s = NULL;
        DiagList d = {};

        p.path = (char *) "tunnels.d/azure-weu.conf";
        p.alg_line[IE] = 7;
        assert_int_equal(ikepolicy_check_profile(&p, true, &d), -EINVAL);
        assert_int_equal(d.n, 1);
        s = diag_format(&d.items[0]);
        assert_string_equal(s,
                            "tunnels.d/azure-weu.conf:7: error: IkeEncryption=DES3 is legacy (3DES is disallowed for "
                            "encryption after 2023, NIST SP 800-131A Rev. 2); use GCMAES256 or AES256, or set FipsMode=no");
        diag_list_clear(&d);
}

/* A key without a line (a built-in written in code) blames the section. */
static void test_line_fallback(void **state) {
        const char *v[] = { "GCMAES256", "SHA384", "DHGroup1", "GCMAES256", "GCMAES256", "ECP384" };
        Profile p = make_profile(v);
        DiagList d = {};

        p.alg_line[DH] = 0;
        assert_int_equal(ikepolicy_check_profile(&p, true, &d), -EINVAL);
        assert_diag(&d, DIAG_ERROR, PATH, SECTION_LINE, "DhGroup=DHGroup1 is forbidden");
        diag_list_clear(&d);
}

static void test_ike_lifetime(void **state) {
        static const struct {
                uint64_t sec;
                unsigned line;
                size_t n_warnings;
        } lt[] = {
                { 28800, 9, 0 },
                { 28801, 9, 1 },
                { 86400, 11, 1 },
                { 3600, 9, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(lt); i++) {
                const char *v[] = { GCM_OK };
                Profile p = make_profile(v);
                DiagList d = {};

                p.ike_lifetime_sec = lt[i].sec;
                p.ike_lifetime_line = lt[i].line;
                assert_int_equal(ikepolicy_check_profile(&p, true, &d), 0);
                assert_int_equal(d.n_warnings, lt[i].n_warnings);
                assert_int_equal(d.n, lt[i].n_warnings);
                if (lt[i].n_warnings)
                        assert_diag(&d, DIAG_WARNING, PATH, lt[i].line,
                                    "than Azure's IKE SA lifetime, which is fixed at 28800 s; Azure will rekey first");
                diag_list_clear(&d);
        }
}

/* life_bytes = SADataSizeKilobytes * 1024 must fit strongSwan's 64 bits. */
static void test_datasize_limit(void **state) {
        static const struct {
                uint64_t kb;
                int ret;
        } sizes[] = {
                { 1024, 0 },
                { PROFILE_DEFAULT_SA_DATASIZE_KB, 0 },
                { UINT64_MAX / 1024, 0 },
                { UINT64_MAX / 1024 + 1, -EINVAL },
                { UINT64_MAX, -EINVAL },
        };

        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                const char *v[] = { GCM_OK };
                Profile p = make_profile(v);
                DiagList d = {};

                p.sa_datasize_kb = sizes[i].kb;
                p.sa_datasize_line = 12;
                assert_int_equal(ikepolicy_check_profile(&p, true, &d), sizes[i].ret);
                if (sizes[i].ret < 0) {
                        assert_int_equal(d.n, 1);
                        assert_diag(&d, DIAG_ERROR, PATH, 12, "is too large; use at most 18014398509481983");
                } else
                        assert_int_equal(d.n, 0);
                diag_list_clear(&d);
        }
}

/* ---- ikepolicy_check_config ------------------------------------------ */

#define LEGACY_PATH "<built-in>/azure-default-legacy.conf"

typedef struct Fixture {
        Profile user_bad, user_ok, builtin_gcm, builtin_legacy, builtin_broken;
        Profile *profiles[5];
        Tunnel tunnels[4];
        Tunnel *tunnel_ptrs[4];
        Config config;
} Fixture;

static void fixture_init(Fixture *f, bool fips) {
        const char *bad[] = { "DES3", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" };
        const char *ok[] = { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" };
        const char *gcm[] = { GCM_OK };
        const char *legacy[] = { "AES256", "SHA1", "DHGroup2", "GCMAES256", "GCMAES256", "None" };
        const char *broken[] = { "DES", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" };

        *f = (Fixture) {};
        f->user_bad = make_profile(bad);
        f->user_bad.name = (char *) "mine";
        f->user_bad.path = (char *) "profiles.d/mine.conf";
        f->user_ok = make_profile(ok);
        f->user_ok.name = (char *) "cbc";
        f->user_ok.path = (char *) "profiles.d/cbc.conf";
        f->builtin_gcm = make_profile(gcm);
        f->builtin_gcm.name = (char *) "fips-gcm256";
        f->builtin_gcm.path = (char *) "<built-in>/fips-gcm256.conf";
        f->builtin_gcm.builtin = true;
        f->builtin_legacy = make_profile(legacy);
        f->builtin_legacy.name = (char *) "azure-default-legacy";
        f->builtin_legacy.path = (char *) LEGACY_PATH;
        f->builtin_legacy.builtin = true;
        f->builtin_broken = make_profile(broken);
        f->builtin_broken.name = (char *) "unused-broken";
        f->builtin_broken.path = (char *) "<built-in>/unused-broken.conf";
        f->builtin_broken.builtin = true;
        f->profiles[0] = &f->user_bad;
        f->profiles[1] = &f->user_ok;
        f->profiles[2] = &f->builtin_gcm;
        f->profiles[3] = &f->builtin_legacy;
        f->profiles[4] = &f->builtin_broken;

        static const char *const names[] = { "a", "b", "c", "d" };
        static const char *const paths[] = { "tunnels.d/a.conf", "tunnels.d/b.conf", "tunnels.d/c.conf",
                                             "tunnels.d/d.conf" };
        for (size_t i = 0; i < 4; i++) {
                f->tunnels[i].name = (char *) names[i];
                f->tunnels[i].path = (char *) paths[i];
                f->tunnels[i].section_line = 1;
                f->tunnels[i].enabled = true;
                f->tunnel_ptrs[i] = &f->tunnels[i];
        }
        /* a and b use the legacy built-in (b without a Profile= line: the
         * default was used), c uses the GCM built-in, d names an unknown
         * profile (conf reported it; profile NULL). */
        f->tunnels[0].profile = &f->builtin_legacy;
        f->tunnels[0].line[TUNNEL_PROFILE] = 4;
        f->tunnels[1].profile = &f->builtin_legacy;
        f->tunnels[1].enabled = false;
        f->tunnels[2].profile = &f->builtin_gcm;
        f->tunnels[2].line[TUNNEL_PROFILE] = 5;
        f->tunnels[3].profile = NULL;

        f->config.gateway.fips_mode = fips;
        f->config.profiles = f->profiles;
        f->config.n_profiles = ELEMENTSOF(f->profiles);
        f->config.tunnels = f->tunnel_ptrs;
        f->config.n_tunnels = ELEMENTSOF(f->tunnel_ptrs);
}

static size_t count_at(const DiagList *d, const char *path, DiagLevel level) {
        size_t n = 0;

        for (size_t i = 0; i < d->n; i++)
                n += d->items[i].level == level && streq_ptr(d->items[i].path, path);
        return n;
}

static void test_config_fips(void **state) {
        Fixture f;
        DiagList d = {};

        fixture_init(&f, true);
        assert_int_equal(ikepolicy_check_config(&f.config, &d), 0); /* errors are counted below */

        /* The unused user profile is judged; the unused broken built-in is not. */
        assert_diag(&d, DIAG_ERROR, "profiles.d/mine.conf", LINE(IE), "IkeEncryption=DES3 is legacy");
        assert_int_equal(count_at(&d, "<built-in>/unused-broken.conf", DIAG_ERROR), 0);
        assert_int_equal(count_at(&d, "profiles.d/cbc.conf", DIAG_ERROR), 0);

        /* The used legacy built-in is judged once although two tunnels use it:
         * SHA1, DHGroup2 and PFS None. */
        assert_int_equal(count_at(&d, LEGACY_PATH, DIAG_ERROR), 3);
        assert_diag(&d, DIAG_ERROR, LEGACY_PATH, LINE(II), "IkeIntegrity=SHA1 is legacy");
        assert_diag(&d, DIAG_ERROR, LEGACY_PATH, LINE(DH), "DhGroup=DHGroup2 is legacy");
        assert_diag(&d, DIAG_ERROR, LEGACY_PATH, LINE(PF), "PfsGroup=None is legacy (no perfect forward secrecy");

        /* Each tunnel using it gets a note at its Profile= line (or the
         * section line); c's built-in is fine, so no note there. */
        assert_diag(&d, DIAG_NOTE, "tunnels.d/a.conf", 4,
                    "tunnel 'a' uses profile 'azure-default-legacy' (<built-in>/azure-default-legacy.conf)");
        assert_diag(&d, DIAG_NOTE, "tunnels.d/b.conf", 1, "tunnel 'b' uses profile 'azure-default-legacy'");
        assert_int_equal(count_at(&d, "tunnels.d/c.conf", DIAG_NOTE), 0);
        assert_int_equal(count_at(&d, "tunnels.d/d.conf", DIAG_NOTE), 0);
        assert_int_equal(count_diags(&d, DIAG_NOTE), 2);
        assert_int_equal(d.n_errors, 4);
        diag_list_clear(&d);
}

static void test_config_no_fips(void **state) {
        Fixture f;
        DiagList d = {};

        fixture_init(&f, false);
        assert_int_equal(ikepolicy_check_config(&f.config, &d), 0);
        assert_int_equal(d.n_errors, 0);
        assert_diag(&d, DIAG_WARNING, "profiles.d/mine.conf", LINE(IE), "accepted because FipsMode=no");
        assert_int_equal(count_at(&d, LEGACY_PATH, DIAG_WARNING), 3);
        /* No errors in the built-in: no notes. */
        assert_int_equal(count_diags(&d, DIAG_NOTE), 0);
        diag_list_clear(&d);
}

static void test_config_clean(void **state) {
        Fixture f;
        DiagList d = {};

        fixture_init(&f, true);
        f.user_bad.alg[IE] = (char *) "GCMAES128";
        f.user_bad.alg[EE] = (char *) "GCMAES128";
        f.user_bad.alg[EI] = (char *) "GCMAES128";
        f.tunnels[0].profile = &f.user_ok;
        f.tunnels[1].profile = &f.builtin_gcm;
        assert_int_equal(ikepolicy_check_config(&f.config, &d), 0);
        assert_int_equal(d.n, 0);
        diag_list_clear(&d);
}

/* Errors already in the list (from conf) do not make ikepolicy fail. */
static void test_config_counts_own_errors(void **state) {
        Fixture f;
        DiagList d = {};

        fixture_init(&f, true);
        f.user_bad.alg[IE] = (char *) "AES256";
        f.tunnels[0].profile = &f.user_ok;
        f.tunnels[1].profile = &f.user_ok;
        assert_int_equal(diag_error(&d, "tunnels.d/x.conf", 1, "from conf"), 0);
        assert_int_equal(ikepolicy_check_config(&f.config, &d), 0);
        assert_int_equal(d.n, 1);
        diag_list_clear(&d);
}

/* A user profile with errors gets no per-tunnel note: its own lines are the
 * operator's to fix. */
static void test_config_user_profile_no_note(void **state) {
        Fixture f;
        DiagList d = {};

        fixture_init(&f, true);
        f.tunnels[0].profile = &f.user_bad;
        f.tunnels[1].profile = &f.user_ok;
        assert_int_equal(ikepolicy_check_config(&f.config, &d), 0);
        assert_int_equal(d.n_errors, 1);
        assert_int_equal(count_diags(&d, DIAG_NOTE), 0);
        diag_list_clear(&d);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tiers),
                cmocka_unit_test(test_rows),
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_line_fallback),
                cmocka_unit_test(test_ike_lifetime),
                cmocka_unit_test(test_datasize_limit),
                cmocka_unit_test(test_config_fips),
                cmocka_unit_test(test_config_no_fips),
                cmocka_unit_test(test_config_clean),
                cmocka_unit_test(test_config_counts_own_errors),
                cmocka_unit_test(test_config_user_profile_no_note),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
