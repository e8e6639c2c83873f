#!/bin/bash
# The trust of certificate tunnels' files (sshd's StrictModes, README "Config
# format in brief"): the directories above Certificate, PrivateKey and
# CACertificate, and the key file itself, must be root's alone; a
# Certificate file that also holds a private key is judged as a key file.
# Each case: a real tree (real OpenSSL certificates), one thing done to it,
# `gatewayd --check` exit 1 and the exact diagnostic at the key's line; then
# the tree is restored and passes again.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
[ "$(id -u)" = 0 ] || it_skip "files must be owned by root: run as root"
IT_DIR=$(mktemp -d /tmp/gw-cert-trust.XXXXXX)
trap 'rm -rf "$IT_DIR"' EXIT
chmod 755 "$IT_DIR"
d="$IT_DIR/etc"
mkdir -p "$d/tunnels.d" "$d/certs" "$d/private" "$d/peer"
it_make_ca "$IT_DIR/ca" "own CA"
it_make_ca "$IT_DIR/peer-ca" "peer CA"
it_make_cert "$IT_DIR/ca" "$d/certs/gw.pem" "$d/private/gw.key" "/C=US/O=gatewayd test/CN=gw" "DNS:gw.example"
cp "$IT_DIR/peer-ca/ca.pem" "$d/peer/ca.pem"
chmod 644 "$d/certs/gw.pem" "$d/peer/ca.pem"
cat > "$d/tunnels.d/t.conf" <<EOT
[Tunnel]
RemoteAddress=203.0.113.10
Authentication=certificate
Certificate=certs/gw.pem
PrivateKey=private/gw.key
CACertificate=peer/ca.pem
RemoteId=peer.example
LocalPrefixes=198.51.100.0/26
RemotePrefixes=198.51.100.128/26
EOT
P=tunnels.d/t.conf
"$GATEWAYD" --config-dir "$d" --check || it_fail "the baseline tree does not pass --check"

# expect LINE TEXT: --check exits 1 and prints "$P:LINE: error: TEXT".
expect() {
        local out rc
        set +e
        out=$("$GATEWAYD" --config-dir "$d" --check 2>&1)
        rc=$?
        set -e
        [ $rc -eq 1 ] || { echo "$out"; it_fail "exit $rc, want 1 for: $2"; }
        grep -qxF "$P:$1: error: $2" <<<"$out" || { echo "$out"; it_fail "missing: $P:$1: error: $2"; }
}
ok() { "$GATEWAYD" --config-dir "$d" --check >/dev/null 2>&1 || it_fail "not restored: $1"; }

chmod 777 "$d/certs"
expect 4 "Certificate=$d/certs/gw.pem: directory $d/certs is writable by others (mode 0777), so anyone could change what it holds; chmod go-w $d/certs"
chmod 755 "$d/certs"; ok certs

chmod 775 "$d/peer"
expect 6 "CACertificate=$d/peer/ca.pem: directory $d/peer is writable by group (mode 0775), so anyone could change what it holds; chmod go-w $d/peer"
chmod 755 "$d/peer"; ok peer

chown 4242 "$d/private"
expect 5 "PrivateKey=$d/private/gw.key: directory $d/private is owned by uid 4242, which could change it; chown root $d/private"
chown 0 "$d/private"; ok private

chmod 640 "$d/private/gw.key"
set +e
out=$("$GATEWAYD" --config-dir "$d" --check 2>&1)
set -e
grep -q "^$P:5: error: PrivateKey=$d/private/gw.key: mode 0640" <<<"$out" || { echo "$out"; it_fail "a key file at 0640 passed"; }
chmod 600 "$d/private/gw.key"; ok key

# A private key appended to a world-readable Certificate file.
cp "$d/certs/gw.pem" "$IT_DIR/gw.pem.good"
cat "$d/private/gw.key" >> "$d/certs/gw.pem"
expect 4 "Certificate=$d/certs/gw.pem: holds a private key, so it is judged as a key file: mode 0644 is readable by others; chmod 600 it (or keep the key in PrivateKey= only)"
# ... and no key material in what --check printed.
out=$("$GATEWAYD" --config-dir "$d" --check 2>&1 || true)
key_line=$(sed -n 2p "$d/private/gw.key")
grep -qF -- "$key_line" <<<"$out" && it_fail "--check printed key material"
chmod 600 "$d/certs/gw.pem"
ok "the combined file at 0600"
cp "$IT_DIR/gw.pem.good" "$d/certs/gw.pem"; chmod 644 "$d/certs/gw.pem"; ok cert
echo "PASS: certificate, key and CA paths judged like the tree (directories, owners, modes, a key inside a certificate)"
