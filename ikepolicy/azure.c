/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The Azure side of a profile: the Azure CLI and PowerShell commands that
 * give an Azure connection the same custom IPsec/IKE policy
 * (reference/azure-strongswan-facts.md §1.1 for the parameter names). */

#include <inttypes.h>
#include <stdio.h>

#include "ikepolicy.h"

#define RG_PLACEHOLDER "<resource-group>"
#define CONN_PLACEHOLDER "<connection-name>"
#define AZURE_NAME_MAX 90

/* PFS14 and PFSMM exist in Azure's API but not in its documented tables (or
 * in older cmdlets' validation), so write the documented equivalent: PFS14
 * is group 14 (PFS2048), PFSMM the IKE group (facts §1.2). Returns NULL when
 * the group has no PFS spelling. */
static const char *azure_pfs_value(const Profile *p, const AlgInfo *pfs) {
        static const struct {
                const char *dh, *pfs;
        } mm[] = {
                { "ECP384", "ECP384" },      { "ECP256", "ECP256" }, { "DHGroup14", "PFS2048" },
                { "DHGroup2048", "PFS2048" }, { "DHGroup24", "PFS24" }, { "DHGroup2", "PFS2" },
        };

        if (streq(pfs->azure, "PFS14"))
                return "PFS2048";
        if (!pfs->same_as_dh_group)
                return pfs->azure;
        for (size_t i = 0; i < ELEMENTSOF(mm); i++)
                if (streq_ptr(p->alg[PROFILE_DH_GROUP], mm[i].dh))
                        return mm[i].pfs;
        return NULL;
}

/* Resource group and connection names: letters, digits and ._-() (Azure's
 * naming rules). Anything else is refused rather than quoted, so the text
 * is safe to paste into a shell or PowerShell. Parentheses are shell
 * syntax, hence *ret_quote. */
static bool azure_name_valid(const char *s, bool *ret_quote) {
        size_t n = strlen(s);

        *ret_quote = false;
        if (n == 0 || n > AZURE_NAME_MAX)
                return false;
        for (const char *c = s; *c; c++) {
                if (strchr("()", *c))
                        *ret_quote = true;
                else if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *c))
                        return false;
        }
        return true;
}

static int azure_name(const char *s, const char *placeholder, char **ret) {
        bool quote;
        int r;

        if (!s)
                r = asprintf(ret, "%s", placeholder);
        else if (!azure_name_valid(s, &quote))
                return -EINVAL;
        else
                r = asprintf(ret, quote ? "'%s'" : "%s", s);
        return r < 0 ? -ENOMEM : 0;
}

int ikepolicy_azure_commands(const Profile *p, const char *rg, const char *conn, char **ret) {
        _cleanup_free_ char *text = NULL, *rgs = NULL, *conns = NULL;
        const AlgInfo *e[_PROFILE_ALG_MAX];
        const char *pfs_value;
        Proposals prop;
        size_t len = 0;
        FILE *f;
        int r;

        /* The same acceptance as rendering: never help configure a forbidden
         * or inconsistent policy on the Azure side either. */
        r = ikepolicy_proposals(p, &prop);
        if (r < 0)
                return r;
        for (ProfileAlg a = 0; a < _PROFILE_ALG_MAX; a++)
                e[a] = ikepolicy_lookup(a, p->alg[a]);
        pfs_value = azure_pfs_value(p, e[PROFILE_PFS_GROUP]);
        if (!pfs_value)
                return -EINVAL;
        if (p->sa_lifetime_sec < PROFILE_MIN_LIFETIME_SEC || p->sa_datasize_kb < PROFILE_MIN_DATASIZE_KB)
                return -EINVAL;
        r = azure_name(rg, RG_PLACEHOLDER, &rgs);
        if (r < 0)
                return r;
        r = azure_name(conn, CONN_PLACEHOLDER, &conns);
        if (r < 0)
                return r;

        f = open_memstream(&text, &len);
        if (!f)
                return -ENOMEM;

        fprintf(f, "# Azure side of gatewayd profile '%s' (%s): IKE %s, ESP %s\n", p->name ?: "?", p->path ?: "?",
                prop.ike, prop.esp);
        fprintf(f, "# Azure's IKE SA lifetime is fixed at 28800 s; IkeLifeTimeSeconds=%" PRIu64
                   " applies to this device only.\n",
                p->ike_lifetime_sec);
        if (e[PROFILE_PFS_GROUP]->same_as_dh_group || streq(e[PROFILE_PFS_GROUP]->azure, "PFS14"))
                fprintf(f, "# PfsGroup=%s is written as %s, the same group in Azure's documented values.\n",
                        e[PROFILE_PFS_GROUP]->azure, pfs_value);
        if (!rg || !conn)
                fputs("# Replace the <...> placeholders with the Azure resource group and connection names.\n", f);
        fputs("\n# Azure CLI\n", f);
        fprintf(f,
                "az network vpn-connection ipsec-policy add --resource-group %s --connection-name %s"
                " --ike-encryption %s --ike-integrity %s --dh-group %s"
                " --ipsec-encryption %s --ipsec-integrity %s --pfs-group %s"
                " --sa-lifetime %" PRIu64 " --sa-max-size %" PRIu64 "\n",
                rgs, conns, e[PROFILE_IKE_ENCRYPTION]->azure, e[PROFILE_IKE_INTEGRITY]->azure,
                e[PROFILE_DH_GROUP]->azure, e[PROFILE_IPSEC_ENCRYPTION]->azure, e[PROFILE_IPSEC_INTEGRITY]->azure,
                pfs_value, p->sa_lifetime_sec, p->sa_datasize_kb);
        /* Our traffic selectors are the prefixes themselves (every
         * LocalPrefixes x RemotePrefixes pair in one child SA, render.c),
         * which Azure matches with policy-based selectors. */
        fprintf(f,
                "az network vpn-connection update --resource-group %s --name %s"
                " --use-policy-based-traffic-selectors true\n",
                rgs, conns);
        fputs("\n# Azure PowerShell\n", f);
        fprintf(f,
                "$policy = New-AzIpsecPolicy -IkeEncryption %s -IkeIntegrity %s -DhGroup %s"
                " -IpsecEncryption %s -IpsecIntegrity %s -PfsGroup %s"
                " -SALifeTimeSeconds %" PRIu64 " -SADataSizeKilobytes %" PRIu64 "\n",
                e[PROFILE_IKE_ENCRYPTION]->azure, e[PROFILE_IKE_INTEGRITY]->azure, e[PROFILE_DH_GROUP]->azure,
                e[PROFILE_IPSEC_ENCRYPTION]->azure, e[PROFILE_IPSEC_INTEGRITY]->azure, pfs_value,
                p->sa_lifetime_sec, p->sa_datasize_kb);
        fprintf(f, "$conn = Get-AzVirtualNetworkGatewayConnection -Name %s -ResourceGroupName %s\n", conns, rgs);
        fputs("Set-AzVirtualNetworkGatewayConnection -VirtualNetworkGatewayConnection $conn"
              " -UsePolicyBasedTrafficSelectors $True -IpsecPolicies $policy\n",
              f);

        if (ferror(f)) {
                fclose(f);
                return -ENOMEM;
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(text);
        return 0;
}
