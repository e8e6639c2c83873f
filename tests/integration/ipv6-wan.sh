#!/bin/bash
# A tunnel over an IPv6 WAN (2001:db8:ffff::1 <-> ::2) carrying both IPv4 and
# IPv6 LAN prefixes: IKE and ESP run over IPv6 (UDP 4500), hosts ping across
# in both families, and nothing leaves the WAN in plaintext or over IPv4.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init ipv6-wan

it_topology
psk=$("$GATEWAYCTL" genpsk)
mkdir -p "$IT_DIR/az"
cat > "$IT_DIR/az/swanctl.conf" <<EOC
connections {
    onprem6 {
        version = 2
        local_addrs = 2001:db8:ffff::2
        remote_addrs = 2001:db8:ffff::1
        proposals = aes256gcm16-prfsha384-ecp384
        mobike = no
        dpd_delay = 10s
        local {
            auth = psk
            id = 2001:db8:ffff::2
        }
        remote {
            auth = psk
            id = 2001:db8:ffff::1
        }
        children {
            onprem6 {
                local_ts = $VNET4, $VNET6
                remote_ts = $ONPREM_LAN4, $ONPREM_LAN6
                esp_proposals = aes256gcm16-ecp384
            }
        }
    }
}
secrets {
    ike-onprem6 {
        id = 2001:db8:ffff::1
        secret = 0s$(printf %s "$psk" | base64 -w0)
    }
}
EOC
it_peer_conf az "$IT_DIR/az/swanctl.conf"
it_start_charon gw "$ONPREM_GW"
etc="$IT_DIR/etc"
it_onprem_tree "$etc" "$psk"
sed -i 's/^RemoteAddress=.*/RemoteAddress=2001:db8:ffff::2/; s/^LocalAddress=.*/LocalAddress=2001:db8:ffff::1/' "$etc/tunnels.d/azure.conf"

it_capture_start wan "$ONPREM_GW" wan -Q out
it_start_gatewayd "$etc"
it_wait_for 15 it_sa_installed gw azure || { cat "$IT_DIR/gatewayd.log"; it_fail "the tunnel over the IPv6 WAN did not come up"; }
it_wait_for 5 it_sa_installed az onprem6 || it_fail "the peer has no INSTALLED child SA"
sas=$(it_swanctl gw --list-sas)
grep -q "local  '2001:db8:ffff::1' @ 2001:db8:ffff::1\[4500\]" <<<"$sas" || { echo "$sas"; it_fail "IKE is not over the IPv6 WAN"; }

it_wait_for 10 it_ping "$ONPREM_HOST" 2001:db8:b::140 || it_fail "IPv6 ping over the IPv6 WAN failed"
it_wait_for 10 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "IPv4 ping over the IPv6 WAN failed"
it_ping_all "$ONPREM_HOST" 2001:db8:b::140 10 || it_fail "IPv6: lost pings"
it_ping_all "$ONPREM_HOST" 198.51.100.140 10 || it_fail "IPv4: lost pings"
it_capture_stop wan

plain=$(it_pcap_count "$IT_DIR/wan.pcap" "dst net $VNET4 or dst net $VNET6 or src net $ONPREM_LAN4 or src net $ONPREM_LAN6")
esp6=$(it_pcap_count "$IT_DIR/wan.pcap" "ip6 and src host 2001:db8:ffff::1 and dst host 2001:db8:ffff::2 and udp port 4500 and ip6[48:4] != 0")
v4=$(it_pcap_count "$IT_DIR/wan.pcap" "ip and (udp port 500 or udp port 4500)")
it_log "WAN (out): $esp6 ESP over IPv6, $v4 IKE/ESP over IPv4, $plain plaintext LAN<->VNet"
[ "$plain" -eq 0 ] || it_fail "$plain plaintext packets to the VNet left the WAN"
[ "$v4" -eq 0 ] || it_fail "$v4 IKE/ESP packets went over IPv4"
[ "$esp6" -ge 20 ] || it_fail "only $esp6 ESP-over-IPv6 packets for 20+ tunnelled pings"
grep -E "failed:|error" "$IT_DIR/gatewayd.log" && it_fail "gatewayd reported a failure"
echo "PASS: tunnel over the IPv6 WAN carries IPv4 and IPv6; only ESP over IPv6 on the WAN"
