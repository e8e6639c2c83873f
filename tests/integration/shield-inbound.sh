#!/bin/bash
# The inbound half of fail closed, and the MSS clamp, with a working tunnel:
# - plaintext that claims a VNet source (IPv4 and IPv6), injected on the WAN
#   by the Azure gateway straight at the on-prem host, arrives at the on-prem
#   gateway and never reaches the host; the shield's nftables drops count
#   it; the same at the gateway itself (input);
# - a TCP SYN from the on-prem host toward the VNet leaves with MSS 1460
#   (1440 over IPv6) and arrives at the VNet host with MSS <= 1350, through
#   the tunnel; the answering SYN-ACK is clamped the same way.
# shield-control.sh shows the injected packets do arrive without the shield.
set -euo pipefail
. "$top_srcdir/tests/integration/shield-lib.sh"
it_init shield-inbound

sh_setup_common yes
it_start_charon gw "$ONPREM_GW"
it_start_gatewayd_wait "$SH_ETC"
sh_tunnel_works 30 || { sh_dump_state; it_fail "the tunnel did not come up"; }

# --- spoofed plaintext from the VNet's addresses, on the WAN ------------
f4=$(sh_nft_drops forward ip)
f6=$(sh_nft_drops forward ip6)
sh_spoof_round fwd 20
[ "$SH_SPOOF_WAN" -ge 40 ] || it_fail "the spoofed packets did not reach the on-prem WAN ($SH_SPOOF_WAN of 40): the test proves nothing"
[ "$SH_SPOOF_HOST" -eq 0 ] || it_fail "$SH_SPOOF_HOST spoofed plaintext packets from the VNet reached the on-prem host"
d4=$(( $(sh_nft_drops forward ip) - f4 ))
d6=$(( $(sh_nft_drops forward ip6) - f6 ))
it_log "nftables forward drops: IPv4 $d4, IPv6 $d6"
[ "$d4" -ge 20 ] && [ "$d6" -ge 20 ] || it_fail "the shield's forward rule did not count the drops (v4 $d4, v6 $d6)"

# At the gateway itself: the input rule.
i4=$(sh_nft_drops input ip)
i6=$(sh_nft_drops input ip6)
sh_spoof "$AZURE_GW" wan 198.51.100.140 198.51.100.1 $SH_SPOOF_PORT 10
sh_spoof "$AZURE_GW" wan 2001:db8:b::140 2001:db8:a::1 $SH_SPOOF_PORT 10
it_wait_for 5 eval '[ $(( $(sh_nft_drops input ip) - i4 )) -ge 10 ] && [ $(( $(sh_nft_drops input ip6) - i6 )) -ge 10 ]' ||
        it_fail "the shield's input rule did not drop spoofed packets to the gateway"
it_log "nftables input drops: IPv4 $(( $(sh_nft_drops input ip) - i4 )), IPv6 $(( $(sh_nft_drops input ip6) - i6 ))"

# The tunnel's own traffic from the VNet still arrives (decrypted on ipsec0).
it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "the tunnel broke"
it_ping "$VNET_HOST" 198.51.100.10 || it_fail "the VNet host cannot reach the on-prem host through the tunnel"
it_ping "$VNET_HOST" 2001:db8:a::10 || it_fail "the VNet host cannot reach the on-prem host over IPv6"

# --- TCP MSS ------------------------------------------------------------
PORT=8080
sh_tcp_listen "$VNET_HOST" $PORT
it_wait_for 5 sh_tcp_connect "$ONPREM_HOST" 198.51.100.140 $PORT || it_fail "no TCP listener on the VNet host"
it_capture_start mss-host "$ONPREM_HOST" lan "tcp port $PORT"
it_capture_start mss-vnet "$VNET_HOST" lan "tcp port $PORT"
it_capture_start mss-wan "$ONPREM_GW" wan "tcp port $PORT"
sh_tcp_connect "$ONPREM_HOST" 198.51.100.140 $PORT || it_fail "TCP over IPv4 through the tunnel failed"
sh_tcp_connect "$ONPREM_HOST" 2001:db8:b::140 $PORT || it_fail "TCP over IPv6 through the tunnel failed"
sleep 0.3
for c in mss-host mss-vnet mss-wan; do it_capture_stop $c; done
[ "$(it_pcap_count "$IT_DIR/mss-wan.pcap" tcp)" -eq 0 ] || it_fail "TCP toward the VNet on the WAN in plaintext"
for fam in 4 6; do
        if [ $fam = 4 ]; then dst=198.51.100.140 host_mss=1460; else dst=2001:db8:b::140 host_mss=1440; fi
        tcpdump -nr "$IT_DIR/mss-host.pcap" "dst host $dst" -w "$IT_DIR/mss-host$fam.pcap" 2>/dev/null
        tcpdump -nr "$IT_DIR/mss-vnet.pcap" "dst host $dst" -w "$IT_DIR/mss-vnet$fam.pcap" 2>/dev/null
        tcpdump -nr "$IT_DIR/mss-host.pcap" "src host $dst" -w "$IT_DIR/mss-synack$fam.pcap" 2>/dev/null
        # First SYN as sent; the largest MSS that arrived (retransmits too).
        sent=$(sh_syn_mss "$IT_DIR/mss-host$fam.pcap" S | awk "NR <= 1")
        arrived=$(sh_syn_mss "$IT_DIR/mss-vnet$fam.pcap" S | sort -n | awk "END { print }")
        synack=$(sh_syn_mss "$IT_DIR/mss-synack$fam.pcap" 'S\.' | sort -n | awk "END { print }")
        it_log "IPv$fam: SYN leaves the host with mss $sent, arrives at the VNet host with mss $arrived; SYN-ACK arrives with mss $synack"
        [ "$sent" = "$host_mss" ] || it_fail "IPv$fam: the host's SYN has mss '$sent', expected $host_mss (the test assumes an unclamped sender)"
        [ -n "$arrived" ] && [ "$arrived" -le 1350 ] || it_fail "IPv$fam: the SYN arrived with mss '$arrived' (> 1350 or missing)"
        [ -n "$synack" ] && [ "$synack" -le 1350 ] || it_fail "IPv$fam: the SYN-ACK arrived with mss '$synack' (> 1350 or missing)"
done
echo "PASS: spoofed VNet plaintext dropped, MSS clamped to 1350"
