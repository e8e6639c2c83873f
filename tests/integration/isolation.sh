#!/bin/bash
# Failure isolation (DESIGN.md, gatewayd.conf(5)): one broken tunnel, credential
# or charon answer never takes the gateway down. gatewayd starts with the good
# tunnel "azure" beside five that are not right, each for another reason:
#   typo     a misspelt key in its file
#   loose    its PSK file is 0644 (what a backup tool's chmod does)
#   expired  its certificate expired yesterday
#   notyet   its certificate becomes valid 45 s after the start (a clock
#            that NTP has not set yet looks the same)
#   crit     its CACertificate carries an unknown critical extension: gatewayd's
#            check passes it, charon's x509 parser refuses it (its
#            load-cert fails in charon, not in gatewayd)
# and three good responder-only tunnels after crit (good1..good3): gatewayd
# loads connections several to a load-conn; charon stops at crit's and
# loads none after it, so the good ones get in only because a refused
# batch goes again one connection at a time.
# Must hold: azure comes up and carries traffic; the four broken ones are not
# loaded, are down in the status with the config error, and their
# RemotePrefixes are shielded; crit is refused by charon, reported with
# charon's message, retried with backoff, and loaded once its CA file is
# fixed; notyet is loaded once its certificate is valid.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
shopt -s extglob
it_init isolation

it_two_sites
etc=$ETC
pki="$IT_DIR/pki"
it_make_ca "$pki"
mkdir -p "$etc/certs" "$etc/private"
cp "$pki/ca.pem" "$etc/certs/ca.pem"

# cert NAME START END: a certificate for NAME with exact dates (openssl ca).
mkdir -p "$pki/db"
: > "$pki/db/index.txt"
echo 1000 > "$pki/db/serial"
cat > "$pki/ca.cnf" <<EOC
[ca]
default_ca = test
[test]
database = $pki/db/index.txt
new_certs_dir = $pki/db
serial = $pki/db/serial
policy = any
default_md = sha384
unique_subject = no
[any]
commonName = supplied
[ext]
keyUsage = digitalSignature
extendedKeyUsage = serverAuth, clientAuth
EOC
cert() {
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/C=US/O=gatewayd test/CN=$1" \
                -keyout "$etc/private/$1.key" -out "$pki/$1.csr" 2>/dev/null || it_fail "openssl: csr $1"
        chmod 600 "$etc/private/$1.key"
        openssl ca -batch -config "$pki/ca.cnf" -cert "$pki/ca.pem" -keyfile "$pki/ca.key" -in "$pki/$1.csr" \
                -startdate "$2" -enddate "$3" -extensions ext -notext -out "$etc/certs/$1.pem" >/dev/null 2>&1 ||
                it_fail "openssl ca: $1"
}
utc() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
notyet_from=$(( $(date +%s) + 45 ))
cert expired "$(utc '-2 days')" "$(utc '-1 day')"
cert notyet "$(date -u -d "@$notyet_from" +%Y%m%d%H%M%SZ)" "$(utc '+90 days')"
cert crit "$(utc '-1 hour')" "$(utc '+90 days')"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -sha384 -nodes -days 365 \
        -subj "/C=US/O=gatewayd test/CN=critical CA" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        -addext "1.3.6.1.4.1.55555.1=critical,ASN1:UTF8String:x" \
        -keyout "$pki/crit-ca.key" -out "$etc/certs/crit-ca.pem" 2>/dev/null || it_fail "openssl: critical CA"

# tunnel NAME ADDRESS PREFIX [lines]: a tunnel to a peer that is not there
# (responder only: nothing to initiate), told apart by address and prefix.
tunnel() {
        {
                printf '[Tunnel]\nRemoteAddress=%s\nLocalAddress=192.0.2.1\nLocalPrefixes=%s\nRemotePrefixes=%s\n' \
                        "$2" "$ONPREM_LAN4" "$3"
                printf 'ConnectionMode=ResponderOnly\n'
                printf '%s\n' "${4:-}"
        } > "$etc/tunnels.d/$1.conf"
}
certlines() {
        printf 'Authentication=certificate\nCertificate=certs/%s.pem\nPrivateKey=private/%s.key\nCACertificate=certs/%s\nRemoteId=%s.peer.example' \
                "$1" "$1" "$2" "$1"
}
cp "$etc/psk/azure" "$etc/psk/loose"
chmod 644 "$etc/psk/loose"
tunnel typo 192.0.2.60 203.0.113.0/27 "$(printf 'PreSharedKeyFile=psk/azure\nDpdTimeoutSecond=30')"
tunnel loose 192.0.2.61 203.0.113.32/27 "PreSharedKeyFile=psk/loose"
tunnel expired 192.0.2.62 203.0.113.64/27 "$(certlines expired ca.pem)"
tunnel notyet 192.0.2.63 203.0.113.96/27 "$(certlines notyet ca.pem)"
tunnel crit 192.0.2.64 203.0.113.128/27 "$(certlines crit crit-ca.pem)"
for i in 1 2 3; do
        tunnel good$i 192.0.2.$((64 + i)) 203.0.113.$((128 + 32 * i))/28 "PreSharedKeyFile=psk/azure"
done

# What --check says (and exits 1 for): every broken one, crit not at all.
set +e
"$GATEWAYD" --check --config-dir "$etc" > "$IT_DIR/check.out" 2>&1
rc=$?
set -e
cat "$IT_DIR/check.out" >&2
[ $rc -eq 1 ] || it_fail "--check: exit $rc, want 1"
for t in typo loose expired notyet; do
        grep -q "^tunnels.d/$t.conf:[0-9]*: error: " "$IT_DIR/check.out" || it_fail "--check: no error for $t"
done
grep -q "^tunnels.d/crit.conf:[0-9]*: error" "$IT_DIR/check.out" && it_fail "--check: crit has errors (the test needs charon to refuse it)"
grep -q "^tunnels.d/azure.conf:[0-9]*: error" "$IT_DIR/check.out" && it_fail "--check: azure has errors"

it_start_gatewayd_wait "$etc"
it_gw_log_wait 5 "Started with 5 of 9 tunnels"
it_wait_for 20 it_sa_installed gw azure || it_fail "azure did not come up beside the broken tunnels"
it_wait_for 10 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "azure: no ping"
kill -0 "$GATEWAYD_PID" || it_fail "gatewayd exited"

conns=$(it_swanctl gw --list-conns)
for t in typo loose expired notyet crit; do
        grep -q "^$t: " <<<"$conns" && { echo "$conns"; it_fail "$t is loaded in charon"; }
done

# The batch with crit in it was refused and went again one by one: every
# good tunnel after crit is in charon.
it_gw_log_wait 10 "charon refused a load-conn of [0-9]+ connections"
for t in good1 good2 good3; do
        it_wait_for 5 sh -c "swanctl --list-conns --uri unix://$IT_DIR/gw/charon.vici | grep -q '^$t: '" ||
                it_fail "$t (after crit in the batch) is not in charon"
done

# crit: refused by charon, with charon's message, and tried again.
it_gw_log_wait 10 "tunnel 'crit': load-(conn|cert) failed: "
it_gw_log_wait 15 "tunnel 'crit': loading it again in" 3
grep -q "tunnel 'crit': loading it again in 2 s" "$IT_DIR/gatewayd.log" || it_fail "crit: first retry not after 2 s"
grep -q "tunnel 'crit': loading it again in 4 s" "$IT_DIR/gatewayd.log" || it_fail "crit: retries do not back off"

# The status: every configured tunnel listed; the broken ones down with why.
status_of() {
        python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
t = [t for t in d["tunnels"] if t["name"] == sys.argv[2]][0]
print(t["state"], t["shield"], t["last_error"] or "-")' "$IT_DIR/status.json" "$1"
}
it_wait_for 5 sh -c "[ -s '$IT_DIR/status.json' ]" || it_fail "no status file"
sleep 0.5
for t in typo loose expired notyet; do
        s=$(status_of $t)
        it_log "status $t: $s"
        [[ $s == "down engaged config: tunnels.d/$t.conf:"* ]] || it_fail "status of $t: $s"
done
[[ $(status_of typo) == *"unknown key 'DpdTimeoutSecond'"* ]] || it_fail "typo: the reason is not the misspelt key"
[[ $(status_of loose) == *"0644"* ]] || it_fail "loose: the reason is not the file mode"
[[ $(status_of expired) == *"expired"* ]] || it_fail "expired: the reason is not the expiry"
s=$(status_of crit)
# (charon refuses the CA where it first gets it: as a credential, load-cert.)
[[ $s == "down engaged config: charon refused load-"@(conn|cert)": "* ]] || it_fail "status of crit: $s"
set +e
"$GATEWAYCTL" status --status-file "$IT_DIR/status.json" > "$IT_DIR/ctl.out"
rc=$?
set -e
[ $rc -eq 3 ] || it_fail "gatewayctl status: exit $rc with broken tunnels, want 3"

# Each broken tunnel's VNet is shielded.
pol=$(ip -n "$ONPREM_GW" xfrm policy)
for p in 203.0.113.0/27 203.0.113.32/27 203.0.113.64/27 203.0.113.96/27 203.0.113.128/27; do
        grep -q "dst $p" <<<"$pol" || { echo "$pol"; it_fail "no shield for $p"; }
done

# notyet: loaded once its certificate is valid (a realtime timer; no reload
# by hand).
now=$(date +%s)
[ "$now" -lt "$notyet_from" ] || it_fail "the test took too long to see notyet before its notBefore"
it_wait_for $(( notyet_from - now + 10 )) sh -c "swanctl --list-conns --uri unix://$IT_DIR/gw/charon.vici | grep -q '^notyet: '" ||
        it_fail "notyet was not loaded when its certificate became valid"
late=$(( $(date +%s) - notyet_from ))
it_log "notyet loaded $late s after its notBefore"

# crit: the CA file fixed; the credential watch reloads, and charon takes it.
cp "$etc/certs/ca.pem" "$etc/certs/crit-ca.pem.new"
mv "$etc/certs/crit-ca.pem.new" "$etc/certs/crit-ca.pem"
it_wait_for 20 sh -c "swanctl --list-conns --uri unix://$IT_DIR/gw/charon.vici | grep -q '^crit: '" ||
        it_fail "crit was not loaded once its CA file was fixed"

# The good tunnel was never disturbed.
it_sa_installed gw azure || it_fail "azure went down"
kill -0 "$GATEWAYD_PID" || it_fail "gatewayd exited"
echo "PASS: 1 good tunnel up beside 5 broken ones (misspelt key, PSK 0644, expired, not yet valid, refused by charon); broken ones shielded, reported, loaded once right; the good ones after a refused connection in the same load-conn loaded"
