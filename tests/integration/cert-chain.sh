#!/bin/bash
# A certificate issued by an intermediate CA (gatewayd.conf(5), Certificate=:
# the device's certificate first, then its intermediates, in one file). The
# "Azure" peer trusts only the on-prem root CA, so the tunnel comes up only if
# charon sends the intermediate in IKE_AUTH — which it can only do when
# gatewayd loaded it (charon's load-cert takes one certificate per message).
# Also: `gatewayctl azure-policy` prints what Azure's certificate
# authentication needs for this tunnel (the subject name and the chain).
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init cert-chain

it_topology
it_cert_pki onprem-root azure-ca
pki="$IT_DIR/pki"
# onprem-int, issued by onprem-root; it issues the device's certificate.
int="$pki/int"
mkdir -p "$int"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -subj "/C=US/O=gatewayd test/CN=onprem-int" \
        -keyout "$int/ca.key" -out "$int/ca.csr" 2>/dev/null || it_fail "openssl: intermediate csr"
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > "$int/ext"
openssl x509 -req -in "$int/ca.csr" -CA "$ONPREM_CA_DIR/ca.pem" -CAkey "$ONPREM_CA_DIR/ca.key" -CAcreateserial \
        -sha384 -days 365 -extfile "$int/ext" -out "$int/ca.pem" 2>/dev/null || it_fail "openssl: intermediate"
it_make_cert "$int" "$pki/onprem.pem" "$pki/onprem.key" "$ONPREM_SUBJ" "$ONPREM_SAN"
openssl verify -CAfile "$ONPREM_CA_DIR/ca.pem" "$pki/onprem.pem" >/dev/null 2>&1 &&
        it_fail "onprem.pem verifies without its intermediate: the test proves nothing"
openssl verify -CAfile "$ONPREM_CA_DIR/ca.pem" -untrusted "$int/ca.pem" "$pki/onprem.pem" >/dev/null 2>&1 ||
        it_fail "onprem.pem does not chain to onprem-root through onprem-int"

it_azure_cert_peer az           # trusts $ONPREM_CA_DIR/ca.pem: the root only
it_start_charon gw "$ONPREM_GW"
etc="$IT_DIR/etc"
it_onprem_cert_tree "$etc"
cat "$pki/onprem.pem" "$int/ca.pem" > "$etc/certs/onprem.pem"

out=$("$GATEWAYD" --config-dir "$etc" --check 2>&1) || { echo "$out"; it_fail "gatewayd --check refused a certificate with its intermediate"; }

it_start_gatewayd "$etc"
it_wait_for 15 it_sa_installed gw azure || { cat "$IT_DIR/gatewayd.log"; tail -30 "$IT_DIR/az/charon.log"; it_fail "the tunnel did not come up: the intermediate was not sent"; }
grep -qF 'using certificate "C=US, O=gatewayd test, CN=onprem-int"' "$IT_DIR/az/charon.log" ||
        grep -qF 'CN=onprem-int' "$IT_DIR/az/charon.log" || it_fail "the peer's log does not show the intermediate"
it_wait_for 10 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "no ping across the tunnel"

# azure-policy: the Azure side of certificate authentication for the tunnel.
pol=$("$GATEWAYCTL" --config-dir "$etc" azure-policy fips-gcm256)
echo "$pol" >&2
grep -q "tunnel 'azure'" <<<"$pol" || it_fail "azure-policy: no certificate section for the tunnel"
grep -q 'inboundAuthCertificateSubjectName: onprem-gw$' <<<"$pol" || it_fail "azure-policy: no subject name"
int_b64=$(openssl x509 -in "$int/ca.pem" -outform DER | base64 -w0)
grep -qF "$int_b64" <<<"$pol" || it_fail "azure-policy: the intermediate is not in the chain"
echo "PASS: a certificate with its intermediate in the same file: charon sent the chain, the peer trusting only the root accepted it; azure-policy prints the subject name and chain"
