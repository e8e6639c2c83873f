#!/bin/bash
# charon dies (kill -9) and comes back (a new charon on the same VICI socket
# path, empty): gatewayd notices the lost connection, reconnects by itself,
# loads the configuration again, and the tunnel comes back with nobody acting
# (the test only restarts charon). The peer ends up with one IKE SA. A host
# keeps pinging the VNet throughout: not one plaintext packet to the VNet
# leaves the WAN while charon is gone (the shield).
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init charon-restart

it_two_sites
psk=$PSK etc=$ETC
it_start_gatewayd "$etc"
it_wait_for 15 it_sa_installed gw azure || { cat "$IT_DIR/gatewayd.log"; it_fail "the tunnel did not come up"; }
it_wait_for 10 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "no ping across before the crash"
ike_before=$(it_swanctl az --list-sas | sed -n 's/^onprem: \(#[0-9]*\),.*/\1/p')
n_conn=$(grep -c '^gatewayd: Connected to charon' "$IT_DIR/gatewayd.log")

ip netns exec "$ONPREM_HOST" ping -i 0.05 -W 1 198.51.100.140 > "$IT_DIR/ping.txt" 2>&1 &
ping_pid=$!
IT_PIDS+=("$ping_pid")
it_capture_start wan "$ONPREM_GW" wan -Q out

old=${IT_CHARON[gw]}
kill -9 "$old"
wait "$old" 2>/dev/null || true  # (quietly: bash reports a killed job)
kill -0 "$old" 2>/dev/null && it_fail "charon did not die"
it_forget_pid "$old"
it_gw_log_wait 5 "Lost the connection to charon"
kill -0 "$GATEWAYD_PID" || it_fail "gatewayd exited when charon died"
# The dead charon left its socket file behind: a new charon replaces it.
rm -f "$IT_DIR/gw/charon.vici"
# Let gatewayd's reconnect attempts fail a few times (backoff 0.1, 0.2,
# 0.4 ... s) while the host keeps sending, then start a new, empty charon on
# the same socket path. (Not an assertion: the outage lasts a while.)
sleep 1
it_start_charon gw "$ONPREM_GW"
[ "${IT_CHARON[gw]}" != "$old" ] || it_fail "charon was not restarted"

it_wait_for 10 sh -c "[ \$(grep -c '^gatewayd: Connected to charon' '$IT_DIR/gatewayd.log') -gt $n_conn ]" ||
        { cat "$IT_DIR/gatewayd.log"; it_fail "gatewayd did not reconnect to the new charon"; }
it_wait_for 15 it_sa_installed gw azure || { cat "$IT_DIR/gatewayd.log"; it_fail "the tunnel did not come back"; }
conns=$(it_swanctl gw --list-conns)
grep -q '^azure: IKEv2' <<<"$conns" || it_fail "the new charon lacks the connection"
it_wait_for 10 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "no ping across after the restart"
it_ping_all "$ONPREM_HOST" 198.51.100.140 5 || it_fail "lost pings after the restart"
it_capture_stop wan
kill "$ping_pid"; wait "$ping_pid" 2>/dev/null || true; it_forget_pid "$ping_pid"
plain=$(it_pcap_count "$IT_DIR/wan.pcap" "dst net $VNET4 or dst net $VNET6")
esp=$(it_pcap_count "$IT_DIR/wan.pcap" "udp port 4500 and udp[8:4] != 0")
it_log "WAN during the outage: $plain plaintext packets to the VNet, $esp ESP"
[ "$plain" -eq 0 ] || { tcpdump -nr "$IT_DIR/wan.pcap" "dst net $VNET4 or dst net $VNET6" 2>/dev/null | head -n 5; it_fail "$plain plaintext packets to the VNet left the WAN while charon was down"; }
[ "$esp" -gt 0 ] || it_fail "no ESP on the WAN: the capture proves nothing"
# The peer replaced the old IKE SA (uniqueness) rather than keeping both.
it_wait_for 10 sh -c "[ \$(swanctl --list-sas --uri unix://$IT_DIR/az/charon.vici | grep -c '^onprem: #') -eq 1 ]" ||
        { it_swanctl az --list-sas; it_fail "the peer holds more than one IKE SA"; }
ike_after=$(it_swanctl az --list-sas | sed -n 's/^onprem: \(#[0-9]*\),.*/\1/p')
[ "$ike_after" != "$ike_before" ] || it_fail "the peer still has the old IKE SA $ike_before"
grep -E "failed:|error" "$IT_DIR/gatewayd.log" | grep -v "Lost the connection\|Failed to connect" && it_fail "gatewayd reported a failure"
sed 's/^/  | /' "$IT_DIR/gatewayd.log" >&2
echo "PASS: gatewayd reconnected to a restarted charon and the tunnel came back on its own ($ike_before -> $ike_after on the peer)"
