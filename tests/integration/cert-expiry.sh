#!/bin/bash
# Certificates over time, in a real journald and the status file:
#   - tunnel "azure" runs a certificate that expires in 10 days: at start
#     certificate-expiring (warning) naming it, and the status says 9 or 10
#     days left (CertificateExpiryWarningDays is 30);
#   - tunnel "soon" runs a certificate that expires 40 s after it was issued:
#     certificate-expiring at start, then certificate-expired (err) within
#     3 s of its notAfter while gatewayd runs.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init cert-expiry

it_topology
it_cert_pki
it_azure_cert_peer az
it_start_charon gw "$ONPREM_GW"
etc="$IT_DIR/etc"
it_onprem_cert_tree "$etc"
pki="$IT_DIR/pki"

# azure: the same key and subject, valid for 10 days.
openssl req -new -key "$pki/onprem.key" -subj "$ONPREM_SUBJ" -out "$pki/ten.csr" 2>/dev/null || it_fail "openssl: csr"
printf 'subjectAltName=%s\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' "$ONPREM_SAN" > "$pki/ten.ext"
openssl x509 -req -in "$pki/ten.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -sha384 -days 10 \
        -extfile "$pki/ten.ext" -out "$etc/certs/onprem.pem" 2>/dev/null || it_fail "openssl: 10-day certificate"

# soon: its own key, notAfter 40 s from now (openssl ca sets exact dates).
mkdir -p "$pki/ca-db"
: > "$pki/ca-db/index.txt"
echo 1000 > "$pki/ca-db/serial"
cat > "$pki/ca.cnf" <<EOC
[ca]
default_ca = test
[test]
database = $pki/ca-db/index.txt
new_certs_dir = $pki/ca-db
serial = $pki/ca-db/serial
policy = any
default_md = sha384
unique_subject = no
[any]
commonName = supplied
[ext]
subjectAltName = DNS:soon.example
keyUsage = digitalSignature
extendedKeyUsage = serverAuth, clientAuth
EOC
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/C=US/O=gatewayd test/CN=soon" \
        -keyout "$etc/private/soon.key" -out "$pki/soon.csr" 2>/dev/null || it_fail "openssl: soon csr"
chmod 600 "$etc/private/soon.key"
expiry=$(( $(date +%s) + 40 ))
openssl ca -batch -config "$pki/ca.cnf" -cert "$pki/ca.pem" -keyfile "$pki/ca.key" -in "$pki/soon.csr" \
        -startdate "$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)" -enddate "$(date -u -d "@$expiry" +%Y%m%d%H%M%SZ)" \
        -extensions ext -notext -out "$etc/certs/soon.pem" >/dev/null 2>&1 || it_fail "openssl ca: soon"
cat > "$etc/tunnels.d/soon.conf" <<EOT
[Tunnel]
RemoteAddress=192.0.2.50
LocalAddress=192.0.2.1
Authentication=certificate
Certificate=certs/soon.pem
PrivateKey=private/soon.key
CACertificate=certs/ca.pem
RemoteId=$AZURE_DN
LocalPrefixes=$ONPREM_LAN4
RemotePrefixes=203.0.113.128/27
ConnectionMode=ResponderOnly
EOT

it_journald "$ONPREM_GW"
j_start "$etc"

# expiring_for TUNNEL: how many certificate-expiring entries name TUNNEL.
event_for() {
        j_json | python3 -c '
import json, sys
print(sum(1 for r in map(json.loads, sys.stdin)
          if r.get("GATEWAYD_EVENT") == sys.argv[1] and r.get("GATEWAYD_TUNNEL") == sys.argv[2]))' "$1" "$2"
}
has_event_for() { [ "$(event_for "$1" "$2")" -ge 1 ]; }
it_wait_for 20 has_event_for certificate-expiring azure || { j_dump; it_fail "no certificate-expiring for azure"; }
it_wait_for 5 has_event_for certificate-expiring soon || { j_dump; it_fail "no certificate-expiring for soon"; }
[ "$(j_last certificate-expiring PRIORITY)" = 4 ] || it_fail "certificate-expiring: PRIORITY"
[ "$(event_for certificate-expired soon)" = 0 ] || it_fail "soon reported expired before it expired"

days=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print([t for t in d["tunnels"] if t["name"] == "azure"][0]["certificate"]["days_left"])' "$IT_DIR/status.json")
[ "$days" = 9 ] || [ "$days" = 10 ] || it_fail "status: azure's certificate has $days days left, want 9 or 10"

# soon expires while gatewayd runs.
it_wait_for 60 has_event_for certificate-expired soon || { j_dump; it_fail "no certificate-expired for soon"; }
at=$(j_json | python3 -c '
import json, sys
print([r for r in map(json.loads, sys.stdin) if r.get("GATEWAYD_EVENT") == "certificate-expired"][-1]["__REALTIME_TIMESTAMP"])')
late=$(( at / 1000000 - expiry ))
it_log "certificate-expired $late s after notAfter"
[ "$late" -ge 0 ] && [ "$late" -le 3 ] || it_fail "certificate-expired $late s after notAfter"
[ "$(j_last certificate-expired PRIORITY)" = 3 ] || it_fail "certificate-expired: PRIORITY"
[ "$(event_for certificate-expired azure)" = 0 ] || it_fail "azure reported expired"
j_dump
echo "PASS: certificate-expiring at start for 10 days and 40 s, days left in the status, certificate-expired at notAfter"
