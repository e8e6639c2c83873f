/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Azure side of a route-based tunnel (Mode=route): what the local
 * network gateway (this device) and the connection need — route-based
 * traffic selectors, and with BGP: BGP enabled, this device's ASN and BGP
 * address, the Azure gateway's ASN and its (APIPA) BGP address. Azure CLI
 * and PowerShell, as the policy commands of azure.c. Pure. */
#include <inttypes.h>
#include <stdio.h>
#include <sys/socket.h>

#include "ikepolicy.h"
#include "strutil.h"

static bool is_apipa(const Address *a) {
        return a->family == AF_INET && a->bytes[0] == 169 && a->bytes[1] == 254;
}

int ikepolicy_azure_route_commands(const Gateway *g, const Tunnel *t, const char *rg, char **ret) {
        _cleanup_free_ char *text = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        char wan[PREFIX_STRLEN], peer[PREFIX_STRLEN], local[PREFIX_STRLEN], remote[PREFIX_STRLEN];
        size_t n = 0;

        if (t->mode != TUNNEL_MODE_ROUTE || (t->has_bgp && g->bgp_asn == 0))
                return -EINVAL;
        rg = rg ?: "<resource-group>";
        if (t->has_local_address)
                address_to_string(&t->local_address, wan);
        else
                strcpy(wan, "<this device's public IP>");
        address_to_string(&t->remote_address, remote);
        f = open_memstream(&text, &n);
        if (!f)
                return -ENOMEM;

        fprintf(f, "\n# Route-based connection of tunnel '%s' (%s, Mode=route): the Azure VPN gateway\n"
                   "# is route-based (VpnType RouteBased; %s is its instance this tunnel reaches),\n"
                   "# the connection negotiates any-to-any traffic selectors (no policy-based ones).\n",
                t->name, t->path, remote);
        if (!t->has_bgp) {
                fprintf(f, "# Static routing: the local network gateway lists this device's prefixes.\n"
                           "az network local-gateway create --resource-group %s --name %s --gateway-ip-address %s "
                           "--local-address-prefixes",
                        rg, t->name, wan);
                for (size_t i = 0; i < t->local_prefixes.n; i++) {
                        char buf[PREFIX_STRLEN];

                        fprintf(f, " %s", prefix_to_string(&t->local_prefixes.items[i], buf));
                }
                fprintf(f, "\naz network vpn-connection create --resource-group %s --name %s "
                           "--vnet-gateway1 <vnet-gateway> --local-gateway2 %s --shared-key <the key of "
                           "PreSharedKeyFile> --use-policy-based-traffic-selectors false\n",
                        rg, t->name, t->name);
                goto done;
        }

        address_to_string(&t->bgp_peer_address, peer);
        address_to_string(&t->bgp_local_address, local);
        fprintf(f, "# BGP: enabled on the connection. This device: ASN %" PRIu32 ", BGP address %s.\n"
                   "# The Azure gateway: ASN %" PRIu32 "%s, BGP address %s%s.\n",
                g->bgp_asn, local, t->bgp_peer_asn, t->bgp_peer_asn == 65515 ? " (Azure's default)" : "", peer,
                is_apipa(&t->bgp_peer_address) ? " (a custom APIPA BGP address of the instance)" : "");
        fprintf(f, "az network local-gateway create --resource-group %s --name %s --gateway-ip-address %s "
                   "--asn %" PRIu32 " --bgp-peering-address %s\n",
                rg, t->name, wan, g->bgp_asn, local);
        if (t->bgp_peer_asn != 65515)
                fprintf(f, "az network vnet-gateway update --resource-group %s --name <vnet-gateway> --asn %" PRIu32
                           "\n",
                        rg, t->bgp_peer_asn);
        if (is_apipa(&t->bgp_peer_address))
                fprintf(f, "# The instance's custom APIPA address (active-active: index 0 or 1, the instance\n"
                           "# with public IP %s):\n"
                           "az network vnet-gateway update --resource-group %s --name <vnet-gateway> --set "
                           "'bgpSettings.bgpPeeringAddresses[<0|1>].customBgpIpAddresses=[\"%s\"]'\n",
                        remote, rg, peer);
        fprintf(f, "az network vpn-connection create --resource-group %s --name %s --vnet-gateway1 <vnet-gateway> "
                   "--local-gateway2 %s --shared-key <the key of PreSharedKeyFile> --enable-bgp "
                   "--use-policy-based-traffic-selectors false\n",
                rg, t->name, t->name);
        fprintf(f, "# PowerShell:\n"
                   "$lng = New-AzLocalNetworkGateway -ResourceGroupName %s -Name %s -Location <location> "
                   "-GatewayIpAddress %s -Asn %" PRIu32 " -BgpPeeringAddress %s\n",
                rg, t->name, wan, g->bgp_asn, local);
        if (is_apipa(&t->bgp_peer_address))
                fprintf(f, "$bgp = New-AzGatewayCustomBgpIpConfigurationObject -IpConfigurationId <the instance's "
                           "ip configuration id> -CustomBgpIpAddress %s\n",
                        peer);
        fprintf(f, "New-AzVirtualNetworkGatewayConnection -ResourceGroupName %s -Name %s -Location <location> "
                   "-VirtualNetworkGateway1 $gw -LocalNetworkGateway2 $lng -ConnectionType IPsec -SharedKey "
                   "<the key of PreSharedKeyFile> -EnableBgp $true%s\n",
                rg, t->name, is_apipa(&t->bgp_peer_address) ? " -GatewayCustomBgpIpAddress $bgp" : "");
done:
        return memstream_finish(&f, &text, ret);
}
