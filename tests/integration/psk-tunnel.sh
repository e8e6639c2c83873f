#!/bin/bash
# A PSK tunnel set up by gatewayd (real charon on both sides; the "Azure" side
# is a hand-written swanctl.conf) carries IPv4 and IPv6 LAN traffic, and what
# leaves the on-prem WAN for that traffic is ESP in UDP 4500 only: not one
# plaintext packet to the VNet prefixes.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init psk-tunnel

it_two_sites
psk=$PSK etc=$ETC

# The "Azure" side drops plaintext from on-prem, so without a tunnel the LAN
# hosts cannot reach each other (this is what makes a passing ping a proof).
it_ping "$ONPREM_HOST" 198.51.100.140 && it_fail "ping got across without a tunnel: the topology proves nothing"

it_capture_start wan "$ONPREM_GW" wan -Q out
it_start_gatewayd "$etc"
it_wait_for 15 it_sa_installed gw azure || { cat "$IT_DIR/gatewayd.log"; it_fail "gatewayd's tunnel did not come up"; }
it_wait_for 5 it_sa_installed az onprem || it_fail "the peer has no INSTALLED child SA"
it_gw_log_wait 5 "tunnel 'azure': child-updown up"

# NDP and the first libipsec packets may take a moment: poll, then demand a
# run of pings with no loss, both families.
it_wait_for 10 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "IPv4 ping across the tunnel failed"
it_wait_for 10 it_ping "$ONPREM_HOST" 2001:db8:b::140 || it_fail "IPv6 ping across the tunnel failed"
it_ping_all "$ONPREM_HOST" 198.51.100.140 10 || it_fail "IPv4: lost pings across the tunnel"
it_ping_all "$ONPREM_HOST" 2001:db8:b::140 10 || it_fail "IPv6: lost pings across the tunnel"
# And from the VNet side back (the peer initiates nothing: the child SA
# gatewayd's charon negotiated carries both directions).
it_ping_all "$VNET_HOST" 198.51.100.10 5 || it_fail "IPv4 from the VNet side: lost pings"
it_capture_stop wan

plain=$(it_pcap_count "$IT_DIR/wan.pcap" "dst net $VNET4 or dst net $VNET6 or src net $ONPREM_LAN4 or src net $ONPREM_LAN6")
esp=$(it_pcap_count "$IT_DIR/wan.pcap" "src host 192.0.2.1 and dst host 192.0.2.2 and udp port 4500 and udp[8:4] != 0")
total=$(it_pcap_count "$IT_DIR/wan.pcap" "")
it_log "WAN (out): $total packets, $esp ESP in UDP 4500, $plain plaintext LAN<->VNet"
[ "$plain" -eq 0 ] || { tcpdump -nr "$IT_DIR/wan.pcap" "dst net $VNET4 or dst net $VNET6" 2>/dev/null | head; it_fail "$plain plaintext packets to the VNet left the WAN"; }
# 10 + 10 echo requests and 5 echo replies (+ retries while polling) went out
# encrypted: each is one ESP packet.
[ "$esp" -ge 25 ] || it_fail "only $esp ESP packets on the WAN for 25+ tunnelled packets"
# Every packet that left is IKE/ESP (UDP 500/4500), ARP or link-local IPv6
# housekeeping (NDP, MLD).
f_other="not (udp port 500 or udp port 4500) and not arp and not (ip6 and (src net fe80::/10 or dst net ff00::/8))"
other=$(it_pcap_count "$IT_DIR/wan.pcap" "$f_other")
[ "$other" -eq 0 ] || { tcpdump -nr "$IT_DIR/wan.pcap" "$f_other" 2>/dev/null | head; it_fail "$other unexpected packets on the WAN"; }
# Every VICI command gatewayd sent succeeded, and it says nothing else failed.
grep -E "failed:|error" "$IT_DIR/gatewayd.log" && it_fail "gatewayd reported a failure"
grep -q "apply complete in .* (0 failed commands)" "$IT_DIR/gatewayd.log" || it_fail "gatewayd did not report a clean apply"
echo "PASS: PSK tunnel carries IPv4 and IPv6; only ESP (UDP 4500) on the WAN"
