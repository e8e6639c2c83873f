#!/bin/bash
# A certificate tunnel: test CA and gateway certificates made with openssl;
# the "Azure" peer authenticates with its own certificate (pubkey) and expects
# the on-prem certificate's subject; gatewayd's tunnel uses
# Authentication=certificate with RemoteId = the peer's DN and no LocalId (so
# its identity is the certificate's subject). Both sides authenticate by
# signature, the peer checks the on-prem identity, hosts ping across.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init cert-tunnel

it_topology
it_cert_pki
it_azure_cert_peer az
it_start_charon gw "$ONPREM_GW"
etc="$IT_DIR/etc"
it_onprem_cert_tree "$etc"
grep -q '^LocalId' "$etc/tunnels.d/azure.conf" && it_fail "the tree should not set LocalId"
"$GATEWAYD" --config-dir "$etc" --check || it_fail "gatewayd --check refused the certificate tree"
it_start_gatewayd "$etc"

it_wait_for 15 it_sa_installed gw azure || { cat "$IT_DIR/gatewayd.log"; it_fail "the certificate tunnel did not come up"; }
it_wait_for 5 it_sa_installed az onprem || it_fail "the peer has no INSTALLED child SA"

# Identities as each side sees them.
sas=$(it_swanctl az --list-sas)
grep -qF "remote '$ONPREM_DN' @ 192.0.2.1" <<<"$sas" || { echo "$sas"; it_fail "the peer did not see the on-prem certificate's subject"; }
sas=$(it_swanctl gw --list-sas)
grep -qF "local  '$ONPREM_DN' @ 192.0.2.1" <<<"$sas" || { echo "$sas"; it_fail "on-prem: local identity is not the certificate's subject"; }
grep -qF "remote '$AZURE_DN' @ 192.0.2.2" <<<"$sas" || { echo "$sas"; it_fail "on-prem: remote identity is not the peer's DN"; }
# Both authenticated by signature (the peer's config demands pubkey; this
# shows charon's own account of it).
grep -Eq "authentication of '$ONPREM_DN' with [A-Z0-9_-]*ECDSA[A-Z0-9_-]* successful" "$IT_DIR/az/charon.log" ||
        it_fail "the peer's log lacks a successful ECDSA authentication of the on-prem gateway"
grep -Eq "authentication of '$AZURE_DN' with [A-Z0-9_-]*ECDSA[A-Z0-9_-]* successful" "$IT_DIR/gw/charon.log" ||
        it_fail "on-prem charon's log lacks a successful ECDSA authentication of the peer"
grep -q "pre-shared key" "$IT_DIR/gw/charon.log" "$IT_DIR/az/charon.log" && it_fail "a pre-shared key was used"
# gatewayd gave charon the certificate as a credential.
[ "$(it_charon_serials gw "$ONPREM_DN")" = "$(it_cert_serial "$etc/certs/onprem.pem" | tr a-f A-F)" ] ||
        { it_swanctl gw --list-certs; it_fail "charon does not hold (only) the on-prem certificate"; }

it_wait_for 10 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "IPv4 ping across the certificate tunnel failed"
it_wait_for 10 it_ping "$ONPREM_HOST" 2001:db8:b::140 || it_fail "IPv6 ping across the certificate tunnel failed"
it_ping_all "$ONPREM_HOST" 198.51.100.140 5 || it_fail "lost pings across the certificate tunnel"
grep -E "failed:|error" "$IT_DIR/gatewayd.log" && it_fail "gatewayd reported a failure"
echo "PASS: certificate tunnel up, identities are the certificates' subjects, hosts ping across"
