#!/bin/bash
# A certificate tunnel between gateways whose certificates come from two
# different CAs, as with Azure's certificate authentication: the on-prem
# gateway's certificate is issued by "onprem-ca", the "Azure" peer's by
# "azure-ca". gatewayd's tunnel has CACertificate = azure-ca (the CA of the
# peer's certificate, DESIGN's [Tunnel] table); the peer trusts onprem-ca.
# gatewayd --check accepts the tree, the tunnel comes up against the real
# charon peer with each side's certificate verified through the other's CA,
# and hosts ping across.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init cert-two-ca

it_topology
it_cert_pki onprem-ca azure-ca
pki="$IT_DIR/pki"
ONPREM_CA_DN="C=US, O=gatewayd test, CN=onprem-ca" AZURE_CA_DN="C=US, O=gatewayd test, CN=azure-ca"

# The premise: two CAs, and neither certificate chains to the other's CA (so
# a check that chained this device's certificate to CACertificate refuses).
openssl verify -CAfile "$ONPREM_CA_DIR/ca.pem" "$pki/onprem.pem" >/dev/null 2>&1 || it_fail "onprem.pem is not from onprem-ca"
openssl verify -CAfile "$AZURE_CA_DIR/ca.pem" "$pki/azure.pem" >/dev/null 2>&1 || it_fail "azure.pem is not from azure-ca"
openssl verify -CAfile "$AZURE_CA_DIR/ca.pem" "$pki/onprem.pem" >/dev/null 2>&1 && it_fail "onprem.pem chains to azure-ca: not two CAs"
openssl verify -CAfile "$ONPREM_CA_DIR/ca.pem" "$pki/azure.pem" >/dev/null 2>&1 && it_fail "azure.pem chains to onprem-ca: not two CAs"

it_azure_cert_peer az
it_start_charon gw "$ONPREM_GW"
etc="$IT_DIR/etc"
it_onprem_cert_tree "$etc"
grep -qx 'CACertificate=certs/ca.pem' "$etc/tunnels.d/azure.conf" || it_fail "the tree's CACertificate is not certs/ca.pem"
cmp -s "$etc/certs/ca.pem" "$AZURE_CA_DIR/ca.pem" || it_fail "the tree's CACertificate is not azure-ca"
cmp -s "$IT_DIR/az/x509ca/ca.pem" "$ONPREM_CA_DIR/ca.pem" || it_fail "the peer does not trust onprem-ca"

out=$("$GATEWAYD" --config-dir "$etc" --check 2>&1) || { echo "$out"; it_fail "gatewayd --check refused certificates from two CAs"; }
# The other way round is a mistake --check names: CACertificate set to this
# device's own certificate (not a CA) is refused at its line.
bad="$IT_DIR/etc-bad"
cp -a "$etc" "$bad"
sed -i 's|^CACertificate=.*|CACertificate=certs/onprem.pem|' "$bad/tunnels.d/azure.conf"
line=$(grep -n '^CACertificate=' "$bad/tunnels.d/azure.conf" | cut -d: -f1)
out=$("$GATEWAYD" --config-dir "$bad" --check 2>&1) && { echo "$out"; it_fail "--check accepted a CACertificate that is not a CA"; }
grep -qF "tunnels.d/azure.conf:$line: error: CACertificate=$bad/certs/onprem.pem: is not a CA certificate" <<<"$out" ||
        { echo "$out"; it_fail "--check did not name the CACertificate line"; }

it_start_gatewayd "$etc"
it_wait_for 15 it_sa_installed gw azure || { cat "$IT_DIR/gatewayd.log"; it_fail "the two-CA certificate tunnel did not come up"; }
it_wait_for 5 it_sa_installed az onprem || it_fail "the peer has no INSTALLED child SA"

sas=$(it_swanctl gw --list-sas)
grep -qF "local  '$ONPREM_DN' @ 192.0.2.1" <<<"$sas" || { echo "$sas"; it_fail "on-prem: local identity is not the certificate's subject"; }
grep -qF "remote '$AZURE_DN' @ 192.0.2.2" <<<"$sas" || { echo "$sas"; it_fail "on-prem: remote identity is not the peer's DN"; }
# Each side verified the other's certificate through the other's CA.
grep -qF "using trusted ca certificate \"$AZURE_CA_DN\"" "$IT_DIR/gw/charon.log" ||
        it_fail "on-prem charon did not verify the peer's certificate with azure-ca"
grep -qF "using trusted ca certificate \"$ONPREM_CA_DN\"" "$IT_DIR/az/charon.log" ||
        it_fail "the peer did not verify the on-prem certificate with onprem-ca"
grep -Eq "authentication of '$AZURE_DN' with [A-Z0-9_-]*ECDSA[A-Z0-9_-]* successful" "$IT_DIR/gw/charon.log" ||
        it_fail "on-prem charon's log lacks a successful ECDSA authentication of the peer"
grep -Eq "authentication of '$ONPREM_DN' with [A-Z0-9_-]*ECDSA[A-Z0-9_-]* successful" "$IT_DIR/az/charon.log" ||
        it_fail "the peer's log lacks a successful ECDSA authentication of the on-prem gateway"

it_wait_for 10 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "IPv4 ping across the two-CA tunnel failed"
it_wait_for 10 it_ping "$ONPREM_HOST" 2001:db8:b::140 || it_fail "IPv6 ping across the two-CA tunnel failed"
it_ping_all "$ONPREM_HOST" 198.51.100.140 5 || it_fail "lost pings across the two-CA tunnel"
grep -E "failed:|error" "$IT_DIR/gatewayd.log" && it_fail "gatewayd reported a failure"
echo "PASS: certificates from two CAs: --check accepts them, the tunnel comes up, each side trusts the other's CA, hosts ping across"
