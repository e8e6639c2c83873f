#!/bin/bash
# Fail closed per tunnel (DESIGN.md, "The shield heals and tells"): a tunnel
# whose shield cannot be installed is not loaded into charon, and the status
# file, STATUS= and the journal say why; the other tunnels are not held back.
# The failure is real: another program's XFRM policy holds the very identity
# of the tunnel's IPv4 shield policy (sh_xfrm_obstacle), so the kernel
# refuses gatewayd's exclusive add with EEXIST. gatewayd keeps adding the
# rest, retries with backoff, and once the obstacle is deleted the shield
# goes in and the tunnel comes up, on its own. The on-prem host pings the
# VNet all along (IPv4 and IPv6) and the WAN capture must hold no plaintext
# toward it, except in the moment between the obstacle's removal and the
# shield's repair: the obstacle is a block, and while it stood it was the
# only IPv4 block of the VNet (gatewayd's could not go in); what passes then
# is counted and printed, and bounded.
set -euo pipefail
. "$top_srcdir/tests/integration/shield-lib.sh"
it_init shield-fail-closed

sh_setup_common yes
sh_tunnel2_file "$SH_ETC"
it_start_charon gw "$ONPREM_GW"
it_journald "$ONPREM_GW"

# systemd's side of sd_notify: every datagram, one a line.
"$SH_PY" - "$IT_DIR/notify.sock" "$IT_DIR/notify.log" <<'EOP' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", " | ") + "\n")
        f.flush()
EOP
IT_PIDS+=("$!")
it_wait_for 5 test -S "$IT_DIR/notify.sock" || it_fail "no notify socket"

obstacle=$(sh_xfrm_obstacle out 0.0.0.0/0 "$VNET4" 1000020) || it_fail "could not place the obstacle"
it_log "obstacle: another program's block policy with the shield's selector, index $obstacle"

status_of() {
        python3 -c '
import json, sys
t = [t for t in json.load(open(sys.argv[1]))["tunnels"] if t["name"] == sys.argv[2]][0]
print(t["state"], (t.get("last_error") or "-").split(":")[0])' "$IT_DIR/status.json" "$1" 2>/dev/null
}
conns() { it_swanctl gw --list-conns 2>/dev/null | sed -n 's/^\([a-z0-9-]*\): IKEv2.*/\1/p' | sort | tr '\n' ' '; }
tunnel2_works() { it_sa_installed gw azure2 && it_ping "$ONPREM_HOST" 203.0.113.10; }
ours_for_vnet4() { sh_policies | grep -A1 "dst $VNET4 *$" | grep -q "action block priority 1000015 "; }

sh_wan_capture all
j_start "$SH_ETC" NOTIFY_SOCKET="$IT_DIR/notify.sock"
# Traffic from when the shield is in (before, nothing is).
j_wait 10 config-applied 1 "$GATEWAYD_PID"
sh_pingers_start

# --- held back: azure is not loaded, azure2 is and comes up --------------
it_wait_for 30 tunnel2_works || { sh_dump_state; j_dump; it_fail "azure2 did not come up"; }
it_wait_for 5 eval '[ "$(status_of azure)" = "down shield-failed" ]' ||
        { j_dump; it_fail "status of azure: '$(status_of azure)', expected down shield-failed"; }
[ "$(conns)" = "azure2 " ] || it_fail "charon holds '$(conns)', expected only azure2"
# It stays held through several retries (200 ms doubling).
sleep 3
[ "$(conns)" = "azure2 " ] || it_fail "after 3 s charon holds '$(conns)', expected only azure2"
[ "$(status_of azure)" = "down shield-failed" ] || it_fail "azure: $(status_of azure)"
it_ping "$ONPREM_HOST" 198.51.100.140 && it_fail "a ping to the VNet passed with azure not loaded"
# The rest of the shield went in regardless: the IPv6 half (nftables) and
# azure2's block.
grep -q 'ip6 daddr @shield6' <<<"$(sh_nft)" || it_fail "no nftables table after the refused add"
grep -q 'dst 203.0.113.0/25' <<<"$(sh_policies)" || it_fail "no shield for azure2 after azure's refused add"
ours_for_vnet4 && it_fail "a shield policy of gatewayd for $VNET4 exists despite the obstacle"

# What the operator is told: the status file (with the kernel's reason),
# STATUS=, the journal.
detail=$(python3 -c '
import json, sys
print([t for t in json.load(open(sys.argv[1]))["tunnels"] if t["name"] == "azure"][0]["last_error"])' \
        "$IT_DIR/status.json" 2>/dev/null) || true
it_log "status file: azure down, last_error: $detail"
grep -q 'File exists' <<<"$detail" || it_fail "the status does not give the kernel's reason: '$detail'"
it_wait_for 5 grep -q 'STATUS=1/2 tunnels up; 1 tunnel not loaded: shield incomplete' "$IT_DIR/notify.log" ||
        { cat "$IT_DIR/notify.log" >&2; it_fail "STATUS= does not say a tunnel is held back"; }
j_wait 5 tunnel-down 1 "$GATEWAYD_PID"
[ "$(j_last tunnel-down GATEWAYD_TUNNEL)" = azure ] && [ "$(j_last tunnel-down GATEWAYD_REASON)" = shield-failed ] ||
        { j_dump; it_fail "no tunnel-down for azure with reason shield-failed"; }
grep -qF "tunnel 'azure': its shield is incomplete" <<<"$(j_json)" || { j_dump; it_fail "the journal does not say why"; }

# --- the obstacle goes: the shield goes in, the tunnel comes up ----------
t0=$(it_ms)
ip -n "$ONPREM_GW" xfrm policy delete dir out index "$obstacle"
it_wait_for 5 ours_for_vnet4 || { sh_dump_state; it_fail "the shield did not go in after the obstacle went"; }
t1=$(it_ms)
it_log "shield in $(( t1 - t0 )) ms after the obstacle went"
sh_tunnel_works 40 || { sh_dump_state; j_dump; it_fail "azure did not come up after its shield went in"; }
it_log "azure up $(( $(it_ms) - t0 )) ms after the obstacle went"
it_wait_for 5 eval '[ "$(status_of azure | cut -d" " -f1)" = up ]' || it_fail "status of azure: $(status_of azure)"
[ "$(conns)" = "azure azure2 " ] || it_fail "charon holds '$(conns)'"
grep -qF "tunnel 'azure': its shield is in; loading it into charon" <<<"$(j_json)" || { j_dump; it_fail "no journal entry for the load"; }
it_wait_for 5 eval 'tail -1 "$IT_DIR/notify.log" | grep -q "STATUS=2/2 tunnels up\$"' ||
        { tail -3 "$IT_DIR/notify.log" >&2; it_fail "STATUS= still says a tunnel is held back"; }
# A retry is not a repair of someone else's doing.
[ "$(j_count shield-restored "$GATEWAYD_PID")" -eq 0 ] || { j_dump; it_fail "shield-restored logged for a retry"; }

it_capture_stop all
# Plaintext toward the VNet inside [t0, t1 + 20 ms] (the gap the obstacle's
# removal opened) and outside it.
read -r gap outside < <(tcpdump -tt -nr "$IT_DIR/all.pcap" "$SH_PLAIN" 2>/dev/null |
        awk -v a="$t0" -v b="$((t1 + 20))" '{ t = $1 * 1000; if (t >= a && t <= b) g++; else o++ } END { print g + 0, o + 0 }')
esp=$(it_pcap_count "$IT_DIR/all.pcap" "$SH_ESP")
it_log "whole run: plaintext toward the VNet: $outside outside the gap, $gap in the $(( t1 - t0 )) ms after the obstacle's removal; esp=$esp"
[ "$outside" -eq 0 ] || { tcpdump -tt -nr "$IT_DIR/all.pcap" "$SH_PLAIN" 2>/dev/null | head >&2; it_fail "$outside plaintext packets toward the VNet"; }
# IPv4 every 50 ms: a repair within the debounce and one reconcile.
[ "$gap" -le 4 ] || it_fail "$gap plaintext packets in the gap: the repair was slow"
echo "PASS: a tunnel whose shield was refused was held back and said so, and came up once its shield went in"
