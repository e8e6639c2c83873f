#!/bin/bash
# Pacing toward one peer (gatewayd.conf(5), MaxHalfOpenPerPeer=): N tunnels
# (PACING_N, default 24) to one "Azure" peer whose charon runs strongSwan's
# default flood protection (block_threshold: 5 half-open IKE SAs per peer
# address). gatewayd initiates at most MaxHalfOpenPerPeer (default 3) at a
# time, so the peer never drops an IKE_SA_INIT for that reason ("per-IP
# half-open IKE_SA limit ... reached" in its log) and every tunnel comes up.
# Prints the time from gatewayd's start until all N are up.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init pacing
n=${PACING_N:-24}

it_topology
# kernel-libipsec on the peer routes each child into its TUN device from an
# address inside the child's local selector.
for i in $(seq 1 "$n"); do ip -n "$AZURE_GW" addr add "2001:db8:100:$i::1/64" dev lan nodad; done
psk=$("$GATEWAYCTL" genpsk)
mkdir -p "$IT_DIR/az"
{
        echo "connections {"
        for i in $(seq 1 "$n"); do
                it_azure_conn "t$i" "t$i.azure.example" "t$i.onprem.example" "2001:db8:100:$i::/64" "$ONPREM_LAN6" \
                        aes256gcm16-prfsha384-ecp384 aes256gcm16-ecp384
        done
        echo "}"
        echo "secrets {"
        for i in $(seq 1 "$n"); do it_azure_secret "t$i" "t$i.onprem.example" "$psk"; done
        echo "}"
} > "$IT_DIR/az/swanctl.conf"
it_peer_conf az "$IT_DIR/az/swanctl.conf"
it_start_charon gw "$ONPREM_GW"
etc="$IT_DIR/etc"
it_onprem_tree "$etc" "$psk"
rm "$etc/tunnels.d/azure.conf"
# PACING_LIMIT: MaxHalfOpenPerPeer other than the default (benchmarks).
[ -z "${PACING_LIMIT:-}" ] || echo "MaxHalfOpenPerPeer=$PACING_LIMIT" >> "$etc/gatewayd.conf"
for i in $(seq 1 "$n"); do
        cat > "$etc/tunnels.d/t$i.conf" <<EOT
[Tunnel]
RemoteAddress=192.0.2.2
LocalAddress=192.0.2.1
LocalId=t$i.onprem.example
RemoteId=t$i.azure.example
PreSharedKeyFile=psk/azure
LocalPrefixes=$ONPREM_LAN6
RemotePrefixes=2001:db8:100:$i::/64
EOT
done

n_up() { it_swanctl gw --list-sas 2>/dev/null | grep -c 'INSTALLED' || true; }
# The time stamp (epoch ms) of the line of gw's charon log where the N-th
# tunnel's first CHILD_SA was established (charon's own clock), in
# $IT_DIR/up_at, within 90 s. One process follows the log as it grows (a
# shell loop that forked awk, sleep and date every 100 ms took CPU from both
# charons and gatewayd while they were being timed), and it is started, and
# has opened the log, before gatewayd starts: starting Python (on some
# machines through a pyenv shim, itself a bash script) while the tunnels
# came up took a fifth of the CPU of the timed second.
python3 - "$IT_DIR/gw/charon.log" "$n" "$IT_DIR/up_at" <<'EOF' &
import re, sys, time
path, want, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pat = re.compile(r"^(\d+\.\d+) .*CHILD_SA (t\d+)\{\d+\} established")
seen, buf, deadline = set(), "", time.monotonic() + 90
with open(path) as f:
    open(out + ".ready", "w").close()
    while time.monotonic() < deadline:
        chunk = f.read()
        if not chunk:
            time.sleep(0.02)
            continue
        buf += chunk
        *lines, buf = buf.split("\n")
        for line in lines:
            m = pat.match(line)
            if m and m.group(2) not in seen:
                seen.add(m.group(2))
                if len(seen) == want:
                    open(out, "w").write("%d\n" % round(float(m.group(1)) * 1000))
                    sys.exit(0)
sys.exit("%d of %d tunnels up" % (len(seen), want))
EOF
follower=$!
IT_PIDS+=("$follower")
it_wait_for 30 test -e "$IT_DIR/up_at.ready" || it_fail "the log follower did not start"
t0=$(it_ms)
it_start_gatewayd "$etc"
rc=0
wait "$follower" || rc=$?
it_forget_pid "$follower"
[ "$rc" -eq 0 ] || { it_log "$(n_up) of $n up"; it_fail "not every tunnel came up"; }
t1=$(cat "$IT_DIR/up_at")
it_wait_for 10 sh -c "[ \$(swanctl --list-sas --uri unix://$IT_DIR/gw/charon.vici 2>/dev/null | grep -c INSTALLED) -ge $n ]" ||
        { it_log "$(n_up) of $n up"; it_fail "charon does not hold every tunnel's child SA"; }
echo "pacing: $n tunnels to one peer up in $((t1 - t0)) ms (MaxHalfOpenPerPeer ${PACING_LIMIT:-default})"
if grep -E 'half-open IKE_SA limit' "$IT_DIR/az/charon.log"; then
        it_fail "the peer dropped IKE_SA_INITs for its half-open limit"
fi
grep -q 'IKE_SA_INIT' "$IT_DIR/az/charon.log" || it_fail "the peer's log shows no IKE_SA_INIT (the check above proves nothing)"
echo "PASS: $n tunnels to one peer came up without tripping its flood protection"
