#!/bin/bash
# The control experiment for shield-faults.sh and shield-inbound.sh: the
# same scenarios with FailClosed=no (no shield) must show what the shield
# stops, or those tests would prove nothing:
# - charon SIGKILL while the host pings the VNet (IPv4 and IPv6): plaintext
#   toward the VNet leaves the WAN (> 0 packets, both families);
# - spoofed plaintext with a VNet source injected on the WAN reaches the
#   on-prem host.
set -euo pipefail
. "$top_srcdir/tests/integration/shield-lib.sh"
it_init shield-control

sh_setup_common no
it_start_charon gw "$ONPREM_GW"
it_start_gatewayd_wait "$SH_ETC"
sh_tunnel_works 30 || { sh_dump_state; it_fail "the tunnel did not come up"; }
[ "$(sh_n_policies)" -eq 0 ] || { sh_policies >&2; it_fail "FailClosed=no installed XFRM shield policies"; }

# --- charon SIGKILL without the shield: the leak -------------------------
sh_wan_capture all
sh_pingers_start
sh_gw_sender_start
sh_phase_begin b-charon-sigkill-unshielded
sleep 0.5
kill -9 "${IT_CHARON[gw]}"
wait "${IT_CHARON[gw]}" 2>/dev/null || true
sleep 1.5
it_start_charon gw "$ONPREM_GW"
sh_tunnel_works 30 || { sh_dump_state; it_fail "the tunnel did not come back"; }
it_capture_stop "phase-b-charon-sigkill-unshielded"
pcap="$IT_DIR/phase-b-charon-sigkill-unshielded.pcap"
p4=$(it_pcap_count "$pcap" "dst net $VNET4")
p6=$(it_pcap_count "$pcap" "dst net $VNET6")
blocked=$(( $(sh_blocked) - ${SH_BLOCK0[b-charon-sigkill-unshielded]} ))
it_log "phase b-charon-sigkill-unshielded plaintext=$((p4 + p6)) (v4 $p4, v6 $p6) blocked=$blocked"
[ "$p4" -gt 0 ] && [ "$p6" -gt 0 ] ||
        it_fail "no plaintext leak without the shield (v4 $p4, v6 $p6): the capture cannot see leaks"
[ "$blocked" -eq 0 ] || it_fail "XFRM blocked $blocked packets with FailClosed=no"
own=$(sh_own_plain "$pcap")
it_log "of which from the gateway itself: $own"
[ "$own" -gt 0 ] || it_fail "the gateway's own traffic did not leak without the shield: the capture cannot see it"
tcpdump -nr "$pcap" "$SH_PLAIN" 2>/dev/null | awk "NR <= 2" | sed 's/^/# leaked: /' >&2

# --- spoofed plaintext without the shield: it arrives --------------------
sh_spoof_round unshielded 20
[ "$SH_SPOOF_WAN" -ge 40 ] || it_fail "the spoofed packets did not reach the on-prem WAN ($SH_SPOOF_WAN of 40)"
[ "$SH_SPOOF_HOST" -ge 40 ] || it_fail "without the shield only $SH_SPOOF_HOST of 40 spoofed packets reached the host: the inbound test cannot tell"
echo "PASS: without the shield the same scenarios leak (the tests can see it)"
