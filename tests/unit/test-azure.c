/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The Azure side of a profile: exact CLI and PowerShell flags, the values
 * translated into Azure's documented spelling, names and placeholders, and
 * the profiles that must not produce commands. */

#include "testhelp.h"

#include "ikepolicy.h"

static Profile make_profile(const char *const v[_PROFILE_ALG_MAX]) {
        Profile p = {
                .name = (char *) "p",
                .path = (char *) "profiles.d/p.conf",
                .sa_lifetime_sec = PROFILE_DEFAULT_SA_LIFETIME_SEC,
                .sa_datasize_kb = PROFILE_DEFAULT_SA_DATASIZE_KB,
                .ike_lifetime_sec = PROFILE_DEFAULT_IKE_LIFETIME_SEC,
        };

        for (ProfileAlg a = 0; a < _PROFILE_ALG_MAX; a++)
                p.alg[a] = (char *) v[a];
        return p;
}

#define assert_contains(text, needle) _assert_contains((text), (needle), true, __FILE__, __LINE__)
#define assert_lacks(text, needle) _assert_contains((text), (needle), false, __FILE__, __LINE__)
static void _assert_contains(const char *text, const char *needle, bool want, const char *file, int line) {
        if ((strstr(text, needle) != NULL) == want)
                return;
        print_message("expected the text %s '%s'; text:\n%s\n", want ? "to contain" : "not to contain", needle,
                      text);
        _fail(file, line);
}

static void test_exact_commands(void **state) {
        const char *v[] = { "GCMAES256", "SHA384", "ECP384", "GCMAES256", "GCMAES256", "ECP384" };
        Profile p = make_profile(v);
        _cleanup_free_ char *t = NULL;

        assert_int_equal(ikepolicy_azure_commands(&p, "rg-net", "onprem-weu", &t), 0);
        assert_contains(t,
                        "\naz network vpn-connection ipsec-policy add --resource-group rg-net --connection-name onprem-weu"
                        " --ike-encryption GCMAES256 --ike-integrity SHA384 --dh-group ECP384"
                        " --ipsec-encryption GCMAES256 --ipsec-integrity GCMAES256 --pfs-group ECP384"
                        " --sa-lifetime 27000 --sa-max-size 102400000\n");
        assert_contains(t,
                        "\naz network vpn-connection update --resource-group rg-net --name onprem-weu"
                        " --use-policy-based-traffic-selectors true\n");
        assert_contains(t,
                        "\n$policy = New-AzIpsecPolicy -IkeEncryption GCMAES256 -IkeIntegrity SHA384 -DhGroup ECP384"
                        " -IpsecEncryption GCMAES256 -IpsecIntegrity GCMAES256 -PfsGroup ECP384"
                        " -SALifeTimeSeconds 27000 -SADataSizeKilobytes 102400000\n");
        assert_contains(t,
                        "\n$conn = Get-AzVirtualNetworkGatewayConnection -Name onprem-weu -ResourceGroupName rg-net\n");
        assert_contains(t,
                        "\nSet-AzVirtualNetworkGatewayConnection -VirtualNetworkGatewayConnection $conn"
                        " -UsePolicyBasedTrafficSelectors $True -IpsecPolicies $policy\n");
        assert_contains(t, "# Azure's IKE SA lifetime is fixed at 28800 s");
        assert_contains(t, "aes256gcm16-prfsha384-ecp384");
        assert_lacks(t, "<resource-group>");
        assert_lacks(t, "placeholders");
        /* Every line is a command, a comment or empty. */
        for (const char *l = t; *l; l = strchr(l, '\n') + 1) {
                assert_true(*l == '\n' || *l == '#' || strncmp(l, "az ", 3) == 0 || *l == '$' ||
                            strncmp(l, "Set-Az", 6) == 0);
                assert_non_null(strchr(l, '\n'));
        }
}

typedef struct Row {
        const char *v[_PROFILE_ALG_MAX];
        uint64_t sa_sec, sa_kb;
        const char *needles[4];
} Row;

static const Row rows[] = {
        /* fips-cbc, with its own lifetimes. */
        { { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" }, 3600, 2048,
          { " --ike-encryption AES256 --ike-integrity SHA256 --dh-group DHGroup14 --ipsec-encryption AES256 --ipsec-integrity SHA256 --pfs-group PFS2048 --sa-lifetime 3600 --sa-max-size 2048\n",
            " -IkeEncryption AES256 -IkeIntegrity SHA256 -DhGroup DHGroup14 -IpsecEncryption AES256 -IpsecIntegrity SHA256 -PfsGroup PFS2048 -SALifeTimeSeconds 3600 -SADataSizeKilobytes 2048\n" } },
        /* PFSMM: Azure's docs have no PFSMM, write DhGroup's PFS value. */
        { { "GCMAES256", "SHA384", "ECP384", "GCMAES256", "GCMAES256", "PFSMM" }, 27000, 102400000,
          { "--pfs-group ECP384 ", "-PfsGroup ECP384 ", "# PfsGroup=PFSMM is written as ECP384" } },
        { { "GCMAES128", "SHA256", "ECP256", "GCMAES128", "GCMAES128", "PFSMM" }, 27000, 102400000,
          { "--pfs-group ECP256 ", "-PfsGroup ECP256 " } },
        { { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFSMM" }, 27000, 102400000,
          { "--dh-group DHGroup14 ", "--pfs-group PFS2048 ", "-PfsGroup PFS2048 " } },
        { { "AES256", "SHA256", "DHGroup2048", "AES256", "SHA256", "PFSMM" }, 27000, 102400000,
          { "--dh-group DHGroup2048 ", "--pfs-group PFS2048 ", "-PfsGroup PFS2048 " } },
        { { "AES256", "SHA256", "DHGroup24", "AES256", "SHA256", "PFSMM" }, 27000, 102400000,
          { "--pfs-group PFS24 ", "-PfsGroup PFS24 " } },
        { { "AES256", "SHA1", "DHGroup2", "AES256", "SHA1", "PFSMM" }, 27000, 102400000,
          { "--dh-group DHGroup2 ", "--pfs-group PFS2 ", "-PfsGroup PFS2 " } },
        /* PFS14 is PFS2048 in Azure's documented values. */
        { { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS14" }, 27000, 102400000,
          { "--pfs-group PFS2048 ", "-PfsGroup PFS2048 ", "# PfsGroup=PFS14 is written as PFS2048" } },
        /* Values Azure documents pass through verbatim. */
        { { "AES256", "SHA1", "DHGroup2", "GCMAES256", "GCMAES256", "None" }, 27000, 102400000,
          { "--ike-integrity SHA1 --dh-group DHGroup2 ", "--pfs-group None ", "-PfsGroup None " } },
        { { "AES192", "SHA256", "DHGroup24", "GCMAES192", "GCMAES192", "PFS24" }, 300, 1024,
          { "--ike-encryption AES192 ", "--ipsec-encryption GCMAES192 --ipsec-integrity GCMAES192 --pfs-group PFS24 ",
            "--sa-lifetime 300 --sa-max-size 1024\n", "-SALifeTimeSeconds 300 -SADataSizeKilobytes 1024\n" } },
        { { "DES3", "SHA256", "DHGroup14", "DES3", "SHA256", "PFS2" }, 27000, 102400000,
          { "--ike-encryption DES3 ", "--ipsec-encryption DES3 ", "--pfs-group PFS2 " } },
};

static void test_rows(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                Profile p = make_profile(rows[i].v);
                _cleanup_free_ char *t = NULL;

                print_message("# row %zu\n", i);
                p.sa_lifetime_sec = rows[i].sa_sec;
                p.sa_datasize_kb = rows[i].sa_kb;
                assert_int_equal(ikepolicy_azure_commands(&p, "rg", "conn", &t), 0);
                for (size_t k = 0; k < ELEMENTSOF(rows[i].needles) && rows[i].needles[k]; k++)
                        assert_contains(t, rows[i].needles[k]);
                /* Never an undocumented spelling. */
                assert_lacks(t, "--pfs-group PFSMM");
                assert_lacks(t, "-PfsGroup PFSMM");
                assert_lacks(t, "--pfs-group PFS14");
                assert_lacks(t, "-PfsGroup PFS14");
        }
}

static void test_placeholders(void **state) {
        const char *v[] = { "GCMAES256", "SHA384", "ECP384", "GCMAES256", "GCMAES256", "ECP384" };
        Profile p = make_profile(v);
        _cleanup_free_ char *t = NULL, *u = NULL;

        assert_int_equal(ikepolicy_azure_commands(&p, NULL, NULL, &t), 0);
        assert_contains(t, "--resource-group <resource-group> --connection-name <connection-name> ");
        assert_contains(t, "update --resource-group <resource-group> --name <connection-name> ");
        assert_contains(t, "-Name <connection-name> -ResourceGroupName <resource-group>\n");
        assert_contains(t, "# Replace the <...> placeholders");

        /* Parentheses are valid in Azure names but shell syntax: quoted. */
        assert_int_equal(ikepolicy_azure_commands(&p, "rg(prod)", NULL, &u), 0);
        assert_contains(u, "--resource-group 'rg(prod)' --connection-name <connection-name> ");
        assert_contains(u, "-ResourceGroupName 'rg(prod)'\n");
}

typedef struct BadRow {
        const char *what;
        const char *v[_PROFILE_ALG_MAX];
        const char *rg, *conn;
        uint64_t sa_sec, sa_kb;
} BadRow;

static void test_refused(void **state) {
        static const BadRow bad[] = {
                { "forbidden DES", { "DES", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" }, "rg", "c", 27000, 102400000 },
                { "forbidden PFSMM via DHGroup1", { "AES256", "SHA256", "DHGroup1", "AES256", "SHA256", "PFSMM" }, "rg", "c", 27000, 102400000 },
                { "DhGroup None", { "AES256", "SHA256", "None", "AES256", "SHA256", "PFSMM" }, "rg", "c", 27000, 102400000 },
                { "ESP NULL", { "AES256", "SHA256", "DHGroup14", "None", "SHA256", "PFS2048" }, "rg", "c", 27000, 102400000 },
                { "GCM mismatch", { "AES256", "SHA256", "DHGroup14", "GCMAES256", "SHA256", "PFS2048" }, "rg", "c", 27000, 102400000 },
                { "unknown", { "AES256", "SHA512", "DHGroup14", "AES256", "SHA256", "PFS2048" }, "rg", "c", 27000, 102400000 },
                { "missing", { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", NULL }, "rg", "c", 27000, 102400000 },
                { "short SA lifetime", { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" }, "rg", "c", 299, 102400000 },
                { "small SA size", { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" }, "rg", "c", 27000, 1023 },
                { "shell in rg", { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" }, "rg; rm -rf /", "c", 27000, 102400000 },
                { "quote in conn", { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" }, "rg", "c'x", 27000, 102400000 },
                { "empty conn", { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" }, "rg", "", 27000, 102400000 },
                { "space in conn", { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" }, "rg", "a b", 27000, 102400000 },
                { "$ in rg", { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" }, "$rg", "c", 27000, 102400000 },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                Profile p = make_profile(bad[i].v);
                char *t = NULL;

                print_message("# %s\n", bad[i].what);
                p.sa_lifetime_sec = bad[i].sa_sec;
                p.sa_datasize_kb = bad[i].sa_kb;
                assert_int_equal(ikepolicy_azure_commands(&p, bad[i].rg, bad[i].conn, &t), -EINVAL);
                assert_null(t);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exact_commands),
                cmocka_unit_test(test_rows),
                cmocka_unit_test(test_placeholders),
                cmocka_unit_test(test_refused),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
