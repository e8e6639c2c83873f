#!/bin/bash
# Proves the rendering against strongSwan itself: the shipped examples and a
# tree covering every built-in profile and connection mode are turned into
# swanctl.conf by `gatewayd --print-swanctl`, given a real test secret, and
# loaded into a real charon with `swanctl --load-all`, which must accept every
# connection, secret, certificate and key without an error.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init swanctl-load

psk=$("$GATEWAYCTL" genpsk)
[ ${#psk} -eq 32 ] || it_fail "genpsk gave ${#psk} characters"

# Tree 1: the shipped examples. Tree 2: every built-in profile (FipsMode=no
# for the legacy one), every ConnectionMode, dual-stack and IPv6 WAN.
t1="$IT_DIR/examples"
mkdir -p "$t1"
it_example_tree "$t1" "$psk"

t2="$IT_DIR/all"
mkdir -p "$t2/tunnels.d" "$t2/psk"
printf '%s\n' "$psk" > "$t2/psk/key"
chmod 600 "$t2/psk/key"
printf '[Gateway]\nFipsMode=no\nDataPlane=userspace\n' > "$t2/gatewayd.conf"
i=0
for spec in "fips-gcm256 Default" "fips-cbc InitiatorOnly" "azure-default-legacy ResponderOnly"; do
        set -- $spec
        i=$((i + 1))
        cat > "$t2/tunnels.d/$1.conf" <<EOT
[Tunnel]
RemoteAddress=203.0.113.$i
LocalAddress=192.0.2.1
Profile=$1
PreSharedKeyFile=psk/key
LocalPrefixes=198.51.100.0/26, 2001:db8:$i::/48
RemotePrefixes=198.51.100.$((64 * i))/26 2001:db8:1$i::/48
ConnectionMode=$2
DpdTimeoutSeconds=30
EOT
done
cat > "$t2/tunnels.d/v6wan.conf" <<EOT
[Tunnel]
RemoteAddress=2001:db8:ffff::2
LocalAddress=2001:db8:ffff::1
LocalId=onprem.example
RemoteId=azure.example
PreSharedKeyFile=psk/key
LocalPrefixes=2001:db8:100::/48
RemotePrefixes=2001:db8:200::/48
EOT

ns=$(it_netns load)
it_start_charon gw "$ns"
b64=$(printf %s "$psk" | base64 -w0)

for tree in "$t1" "$t2"; do
        name=$(basename "$tree")
        "$GATEWAYD" --config-dir "$tree" --check || it_fail "$name: --check failed"
        "$GATEWAYD" --config-dir "$tree" --print-swanctl > "$IT_DIR/$name.swanctl.conf" 2>"$IT_DIR/$name.err" ||
                it_fail "$name: --print-swanctl failed: $(cat "$IT_DIR/$name.err")"
        if grep -qF "$psk" "$IT_DIR/$name.swanctl.conf"; then
                it_fail "$name: --print-swanctl printed the secret"
        fi
        grep -q 'secret = <masked>' "$IT_DIR/$name.swanctl.conf" || it_fail "$name: no masked secret"
        # The test, not gatewayd, puts the real secret in (0s = base64).
        sed "s|secret = <masked>|secret = 0s$b64|" "$IT_DIR/$name.swanctl.conf" > "$IT_DIR/$name.real.conf"

        it_swanctl gw --load-all --clear --file "$IT_DIR/$name.real.conf" > "$IT_DIR/$name.load.txt" 2>&1 ||
                { cat "$IT_DIR/$name.load.txt"; it_fail "$name: swanctl --load-all failed"; }
        # swanctl looks for credential folders beside the file; their absence
        # is not a problem of the rendering.
        problems=$(grep -v '^opening directory' "$IT_DIR/$name.load.txt") || true
        if grep -Eiq 'fail|error|invalid|unknown' <<<"$problems"; then
                cat "$IT_DIR/$name.load.txt"
                it_fail "$name: swanctl reported a problem"
        fi
        it_swanctl gw --list-conns > "$IT_DIR/$name.conns.txt"
        for f in "$tree"/tunnels.d/*.conf; do
                t=$(basename "$f" .conf)
                grep -q "^$t: IKEv2" "$IT_DIR/$name.conns.txt" || { cat "$IT_DIR/$name.conns.txt"; it_fail "$name: $t not loaded in charon"; }
        done
        n_conf=$(ls "$tree"/tunnels.d/*.conf | wc -l)
        n_loaded=$(grep -c '^[A-Za-z0-9_-]*: IKEv2' "$IT_DIR/$name.conns.txt")
        [ "$n_conf" -eq "$n_loaded" ] || it_fail "$name: $n_conf tunnels configured, $n_loaded loaded"
        it_log "$name: $n_loaded connections loaded into charon"
done

# charon took the numbers as rendered (it refuses unknown proposal keywords at
# load time, so a successful load also proves every proposal parses): IKE rekey
# at 90% of 28800 s, child rekey at 90% of 27000 s and of 102400000 KiB, DPD
# every DpdTimeoutSeconds - 5.75 s (ikepolicy_dpd_delay_sec).
conns=$(cat "$IT_DIR/all.conns.txt")
for want in "^fips-cbc: IKEv2, no reauthentication, rekeying every 25920s, dpd delay 24s" \
            "^  fips-cbc: TUNNEL, rekeying every 24300s or 94371840000 bytes" \
            "^    remote: 198.51.100.128/26 2001:db8:12::/48"; do
        grep -q "$want" <<<"$conns" || { echo "$conns"; it_fail "charon lacks: $want"; }
done
# The secrets arrived: charon took every one.
out=$(it_swanctl gw --load-creds --clear --file "$IT_DIR/all.real.conf" 2>&1)
n_sec=$(printf '%s\n' "$out" | grep -c "loaded ike secret 'ike-" || true)
[ "$n_sec" -eq 4 ] || { echo "$out"; it_fail "$n_sec of 4 IKE secrets loaded"; }
echo "PASS: rendered configurations load into charon"
