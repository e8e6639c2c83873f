#!/bin/bash
# What bypasses the shield is reported (DESIGN.md, "The shield heals and
# tells"), in a real journald, and by `gatewayctl shield` (exit 3):
#   p  a foreign pass policy over the VNet's IPv4 prefix (`ip xfrm policy add
#      ... action allow priority 1000`): shield-bypassed for the tunnel at
#      once (GATEWAYD_CHECK=change: the XFRM watch), again on the health
#      timer (periodic), and by a gatewayd started while it is there (start);
#   s  net.ipv4.conf.wan.disable_xfrm=1: shield-bypassed for every tunnel
#      (no GATEWAYD_TUNNEL) on the health timer and at start.
# Each is shown to be a real bypass first: with the tunnel down (no charon),
# the on-prem host's pings toward the VNet leave the WAN in plaintext while
# it stands, and none do once it is gone. Removing it makes `gatewayctl
# shield` exit 0 again.
set -euo pipefail
. "$top_srcdir/tests/integration/shield-lib.sh"
it_init shield-bypass

it_topology
PSK=$("$GATEWAYCTL" genpsk)
ETC="$IT_DIR/etc"
it_onprem_tree "$ETC" "$PSK"
# A short health interval: the periodic report comes within the test.
echo 'HealthIntervalSec=2' >> "$ETC/gatewayd.conf"
it_journald "$ONPREM_GW"
# No charon: the tunnel stays down and the shield is what keeps the VNet's
# traffic off the WAN.
j_start "$ETC"
pid=$GATEWAYD_PID
j_wait 10 config-applied 1 "$pid"

shieldctl() { ip netns exec "$ONPREM_GW" "$GATEWAYCTL" --config-dir "$ETC" shield; }
# ctl_exit: gatewayctl shield's exit code; its output in $IT_DIR/ctl.out.
ctl_exit() { local rc=0; shieldctl >"$IT_DIR/ctl.out" 2>&1 || rc=$?; echo "$rc"; }
# plain_pings NAME: pings toward the VNet (IPv4) that leave the WAN in
# plaintext while the host sends 5.
plain_pings() {
        it_capture_start "$1" "$ONPREM_GW" wan -Q out "dst net $VNET4"
        ip netns exec "$ONPREM_HOST" ping -c 5 -i 0.1 -W 1 198.51.100.140 >/dev/null 2>&1 || true
        sleep 0.3
        it_capture_stop "$1"
        it_pcap_count "$IT_DIR/$1.pcap" "icmp and dst host 198.51.100.140"
}
# events PID CHECK [TUNNEL]: shield-bypassed entries of PID with
# GATEWAYD_CHECK=CHECK and GATEWAYD_TUNNEL=TUNNEL (none when empty), as
# "REASON" lines.
events() {
        j_json | python3 -c '
import json, sys
pid, check, tunnel = sys.argv[1:4]
for r in map(json.loads, sys.stdin):
    if (r.get("GATEWAYD_EVENT") == "shield-bypassed" and r.get("_PID") == pid and r.get("GATEWAYD_CHECK") == check
            and r.get("GATEWAYD_TUNNEL", "") == tunnel):
        assert r["PRIORITY"] == "3", r
        print(r["GATEWAYD_REASON"])' "$1" "$2" "${3:-}"
}
has_event() { [ -n "$(events "$@")" ]; }

[ "$(ctl_exit)" -eq 0 ] || { cat "$IT_DIR/ctl.out" >&2; it_fail "gatewayctl shield: not 0 with a whole shield"; }
n=$(plain_pings base)
[ "$n" -eq 0 ] || it_fail "the shield let $n pings through before anything was done to it"
[ "$(j_count shield-bypassed "$pid")" -eq 0 ] || { j_dump; it_fail "shield-bypassed with nothing bypassing"; }

# --- p: a foreign pass policy over the VNet ------------------------------
ip -n "$ONPREM_GW" xfrm policy add dir out src 0.0.0.0/0 dst "$VNET4" action allow priority 1000
n=$(plain_pings p-bypass)
it_log "p: pings leaking with the pass policy: $n of 5"
[ "$n" -gt 0 ] || it_fail "p: the pass policy let nothing through: not a bypass, the test proves nothing"
j_wait 5 shield-bypassed 1 "$pid"
it_wait_for 5 has_event "$pid" change azure || { j_dump; it_fail "p: no shield-bypassed (change) for azure"; }
reason=$(events "$pid" change azure | head -1)
it_log "p: $reason"
grep -q "dst $VNET4 dir out action allow priority 1000 .*ahead of the shield's block" <<<"$reason" ||
        it_fail "p: the reason does not name the policy: $reason"
it_wait_for 10 has_event "$pid" periodic azure || { j_dump; it_fail "p: no periodic shield-bypassed for azure"; }
[ "$(ctl_exit)" -eq 3 ] || { cat "$IT_DIR/ctl.out" >&2; it_fail "p: gatewayctl shield did not exit 3"; }
grep -q "^BYPASSED: azure: XFRM policy src 0.0.0.0/0 dst $VNET4 " "$IT_DIR/ctl.out" ||
        { cat "$IT_DIR/ctl.out" >&2; it_fail "p: gatewayctl shield does not name the policy"; }
# A gatewayd started while it stands says so at once.
it_stop_pid "$pid"
it_forget_pid "$pid"
j_start "$ETC"
pid=$GATEWAYD_PID
it_wait_for 10 has_event "$pid" start azure || { j_dump; it_fail "p: no shield-bypassed at start"; }
ip -n "$ONPREM_GW" xfrm policy delete dir out src 0.0.0.0/0 dst "$VNET4"
[ "$(ctl_exit)" -eq 0 ] || { cat "$IT_DIR/ctl.out" >&2; it_fail "p: gatewayctl shield not 0 once the policy is gone"; }
n=$(plain_pings p-gone)
[ "$n" -eq 0 ] || it_fail "p: $n pings leaked after the pass policy was removed"

# --- s: disable_xfrm on the WAN ------------------------------------------
ip netns exec "$ONPREM_GW" sysctl -qw net.ipv4.conf.wan.disable_xfrm=1
n=$(plain_pings s-bypass)
it_log "s: pings leaking with disable_xfrm=1 on wan: $n of 5"
[ "$n" -gt 0 ] || it_fail "s: disable_xfrm let nothing through: not a bypass, the test proves nothing"
it_wait_for 10 has_event "$pid" periodic "" || { j_dump; it_fail "s: no periodic shield-bypassed"; }
[ "$(events "$pid" periodic "" | head -1)" = "net.ipv4.conf.wan.disable_xfrm=1" ] ||
        { j_dump; it_fail "s: the reason is not the sysctl"; }
[ "$(ctl_exit)" -eq 3 ] || { cat "$IT_DIR/ctl.out" >&2; it_fail "s: gatewayctl shield did not exit 3"; }
grep -qx "BYPASSED: every tunnel: net.ipv4.conf.wan.disable_xfrm=1" "$IT_DIR/ctl.out" ||
        { cat "$IT_DIR/ctl.out" >&2; it_fail "s: gatewayctl shield does not name the sysctl"; }
it_stop_pid "$pid"
it_forget_pid "$pid"
j_start "$ETC"
pid=$GATEWAYD_PID
it_wait_for 10 has_event "$pid" start "" || { j_dump; it_fail "s: no shield-bypassed at start"; }
ip netns exec "$ONPREM_GW" sysctl -qw net.ipv4.conf.wan.disable_xfrm=0
[ "$(ctl_exit)" -eq 0 ] || { cat "$IT_DIR/ctl.out" >&2; it_fail "s: gatewayctl shield not 0 once the sysctl is reset"; }
n=$(plain_pings s-gone)
[ "$n" -eq 0 ] || it_fail "s: $n pings leaked after disable_xfrm was reset"

# A missing part is exit 3 too: gatewayd stopped, one shield policy gone.
it_stop_pid "$pid"
it_forget_pid "$pid"
ip -n "$ONPREM_GW" xfrm policy flush
[ "$(ctl_exit)" -eq 3 ] || { cat "$IT_DIR/ctl.out" >&2; it_fail "gatewayctl shield did not exit 3 with the policy missing"; }
grep -q '^azure .* 0/1 ' "$IT_DIR/ctl.out" || { cat "$IT_DIR/ctl.out" >&2; it_fail "gatewayctl shield does not show 0/1"; }
echo "PASS: a pass policy and disable_xfrm were reported as shield-bypassed and by gatewayctl shield"
