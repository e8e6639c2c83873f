#!/bin/bash
# PSK groups (gatewayd.conf(5), PreSharedKeyFile=): the tunnels that name the
# same key file with the same LocalId share one shared key in charon (one
# load-shared, every member's identities as owners), instead of one each.
# With a real charon and a real peer:
#   1. charon holds a per-tunnel key "ike-azure" with a wrong secret, as an
#      older gatewayd would have left it; gatewayd starts with "azure", two
#      siblings on azure's key file and "solo" on a file of its own: charon
#      then has exactly two gatewayd keys (one per group), the stale
#      "ike-azure" is gone, and azure comes up.
#   2. The siblings are removed: the group's key goes again with azure's
#      identity alone.
#   3. solo is removed: its group's key is unloaded.
#   4. The key is rotated on both sides and gatewayd reloaded: azure's IKE SA,
#      closed and initiated again, authenticates with the new key (the old
#      one would fail).
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init psk-group

it_two_sites
etc=$ETC

# shared_keys NAME: the ids of charon NAME's shared keys (VICI get-shared),
# one per line.
shared_keys() {
        python3 - "$IT_DIR/$1/charon.vici" <<'EOP'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
name = b"get-shared"
pkt = bytes([0, len(name)]) + name          # CMD_REQUEST, no message
s.sendall(struct.pack(">I", len(pkt)) + pkt)
def recv(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            sys.exit("VICI connection closed")
        b += c
    return b
while True:
    p = recv(struct.unpack(">I", recv(4))[0])
    if p[0] == 1:                           # CMD_RESPONSE
        break
i, items, inlist = 1, [], False
while i < len(p):
    t = p[i]; i += 1
    if t in (1, 3, 4):                      # section start, key/value, list start: a name
        n = p[i]; i += 1 + n
    if t in (3, 5):                         # key/value, list item: a value
        n = struct.unpack(">H", p[i:i + 2])[0]; v = p[i + 2:i + 2 + n]; i += 2 + n
        if t == 5 and inlist:
            items.append(v.decode())
    if t == 4:
        inlist = True
    elif t == 6:
        inlist = False
for k in items:
    print(k)
EOP
}
gw_keys() { shared_keys gw | grep '^gatewayd-psk:' | sort; }
no_key() { ! shared_keys gw | grep -qx "$1"; }

for i in 1 2; do
        it_responder_tunnel "$etc" sib$i 192.0.2.$((70 + i)) 203.0.113.$((64 * i))/26
done
cp -p "$etc/psk/azure" "$etc/psk/solo"
it_responder_tunnel "$etc" solo 192.0.2.73 203.0.113.192/26 psk/solo

# 1. A stale per-tunnel key with a wrong secret, then gatewayd.
cat > "$IT_DIR/stale.conf" <<EOC
secrets {
    ike-azure {
        id = 192.0.2.2
        secret = 0s$(printf 'not the key of this tunnel at all' | base64 -w0)
    }
}
EOC
it_swanctl gw --load-creds --file "$IT_DIR/stale.conf" >/dev/null
shared_keys gw | grep -qx 'ike-azure' || it_fail "the stale key is not in charon (the test proves nothing)"

it_start_gatewayd_wait "$etc"
it_wait_for 20 it_sa_installed gw azure || it_fail "azure did not come up"
keys=$(gw_keys)
it_log "charon's gatewayd keys: $(echo $keys)"
[ "$(grep -c . <<<"$keys")" -eq 2 ] || it_fail "want 2 shared keys (one per group), charon has: $keys"
grep -qx "gatewayd-psk:[0-9]*:$etc/psk/azure" <<<"$keys" || it_fail "no key for azure's group: $keys"
grep -qx "gatewayd-psk:[0-9]*:$etc/psk/solo" <<<"$keys" || it_fail "no key for solo's group: $keys"
it_gw_log_wait 5 "unloading shared key 'ike-azure'"
it_wait_for 5 no_key 'ike-azure' || it_fail "the stale per-tunnel key is still in charon"
# One key for three tunnels: their three peer identities are its owners.
owners=$(grep "loaded IKE shared key with id 'gatewayd-psk:[0-9]*:$etc/psk/azure'" "$IT_DIR/gw/charon.log" | tail -n1)
for a in 192.0.2.2 192.0.2.71 192.0.2.72; do
        grep -q "'$a'" <<<"$owners" || it_fail "$a is not an owner of the group's key: $owners"
done

# 2. The siblings go: the key goes again, azure's identity alone.
rm "$etc/tunnels.d/sib1.conf" "$etc/tunnels.d/sib2.conf"
n=$(grep -c "loaded IKE shared key with id 'gatewayd-psk:[0-9]*:$etc/psk/azure'" "$IT_DIR/gw/charon.log")
kill -HUP "$GATEWAYD_PID"
it_wait_for 10 sh -c "[ \$(grep -c \"loaded IKE shared key with id 'gatewayd-psk:[0-9]*:$etc/psk/azure'\" '$IT_DIR/gw/charon.log') -gt $n ]" ||
        it_fail "the group's key was not loaded again when two of its tunnels went"
owners=$(grep "loaded IKE shared key with id 'gatewayd-psk:[0-9]*:$etc/psk/azure'" "$IT_DIR/gw/charon.log" | tail -n1)
grep -q "'192.0.2.2'" <<<"$owners" || it_fail "azure is no longer an owner: $owners"
grep -Eq "'192.0.2.7[12]'" <<<"$owners" && it_fail "a removed tunnel is still an owner: $owners"
it_sa_installed gw azure || it_fail "azure went down"

# 3. solo goes: its group's key is unloaded.
rm "$etc/tunnels.d/solo.conf"
kill -HUP "$GATEWAYD_PID"
it_wait_for 10 sh -c "! swanctl --uri unix://$IT_DIR/gw/charon.vici --list-conns 2>/dev/null | grep -q '^solo:'" ||
        it_fail "solo was not unloaded"
it_wait_for 5 no_key "gatewayd-psk:[0-9]*:$etc/psk/solo" || it_fail "solo's group key is still in charon: $(gw_keys)"
keys=$(gw_keys)
grep -qx "gatewayd-psk:[0-9]*:$etc/psk/azure" <<<"$keys" || it_fail "azure's group key went too: $keys"

# 4. Rotation on both sides; a new IKE SA authenticates with the new key.
new=$("$GATEWAYCTL" genpsk)
printf '%s\n' "$new" > "$etc/psk/azure.new"
chmod 600 "$etc/psk/azure.new"
mv "$etc/psk/azure.new" "$etc/psk/azure"
it_azure_peer_conf "$IT_DIR/az/swanctl.conf" "$new" aes256gcm16-prfsha384-ecp384 aes256gcm16-ecp384 2>/dev/null
it_swanctl az --load-creds --clear --file "$IT_DIR/az/swanctl.conf" >/dev/null
n=$(grep -c "loaded IKE shared key with id 'gatewayd-psk:[0-9]*:$etc/psk/azure'" "$IT_DIR/gw/charon.log")
kill -HUP "$GATEWAYD_PID"
it_wait_for 10 sh -c "[ \$(grep -c \"loaded IKE shared key with id 'gatewayd-psk:[0-9]*:$etc/psk/azure'\" '$IT_DIR/gw/charon.log') -gt $n ]" ||
        it_fail "the group's key was not loaded again after the rotation"
it_swanctl gw --terminate --ike azure >/dev/null 2>&1 || true
it_wait_for 10 sh -c "! swanctl --uri unix://$IT_DIR/gw/charon.vici --list-sas --ike azure 2>/dev/null | grep -q ESTABLISHED" ||
        it_fail "azure's IKE SA did not close"
it_swanctl gw --initiate --child azure --timeout 15 > "$IT_DIR/initiate.out" 2>&1 ||
        { cat "$IT_DIR/initiate.out"; it_fail "azure did not come up with the rotated key"; }
it_wait_for 10 it_sa_installed gw azure || it_fail "azure is not up after the rotation"
echo "PASS: one shared key per PSK group (file and LocalId), owners kept to the group's tunnels through reloads, unloaded with its last tunnel; a stale per-tunnel key is unloaded; a rotated key authenticates"
