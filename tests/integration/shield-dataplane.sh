#!/bin/bash
# DataPlane changes on reload without a gap in the shield: with the kernel
# data plane IPv6 toward the VNet is held by XFRM blocks, with the userspace
# data plane by table inet gatewayd (postrouting: the output device is
# final there). gatewayd puts the new coverage in before it removes the
# old: the XFRM policies it lacks, then the table, and only then the stale
# XFRM policies. The on-prem host floods the VNet with UDP (IPv4 and IPv6,
# thousands of packets a second) through three round trips kernel ->
# userspace -> kernel, with no tunnel at all, and not one packet may leave
# the WAN in plaintext.
# Then, with DataPlane=userspace, the gateway's own IPv6 toward the VNet is
# routed into the TUN device (a stand-in ipsec0: the tunnel is up) and
# another program's nftables route chain marks it so that a policy route
# sends it out of the WAN instead, after the output hook: the rule in
# postrouting still drops it (in output it would have judged the first
# route, the TUN device, and let it go).
set -euo pipefail
. "$top_srcdir/tests/integration/shield-lib.sh"
it_init shield-dataplane

it_topology
ETC="$IT_DIR/etc"
it_onprem_tree "$ETC" "$("$GATEWAYCTL" genpsk)"
sed -i 's/^DataPlane=userspace$/DataPlane=kernel/' "$ETC/gatewayd.conf"
# No charon: nothing but the shield stands between the host and the WAN.
it_start_gatewayd_wait "$ETC"
it_wait_for 5 eval 'sh_policies | grep -q "dst $VNET6"' || { sh_policies >&2; it_fail "no IPv6 XFRM block with DataPlane=kernel"; }

ip netns exec "$ONPREM_HOST" "$SH_PY" -c '
import socket, time
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
while True:
    for s, a in ((s4, ("198.51.100.140", 9)), (s6, ("2001:db8:b::140", 9))):
        try:
            s.sendto(b"gatewayd-dataplane", a)
        except OSError:
            pass
    time.sleep(0.0002)
' >/dev/null 2>&1 &
IT_PIDS+=("$!")
it_capture_start all "$ONPREM_GW" wan -Q out
it_capture_start lan "$ONPREM_GW" lan -Q in "udp dst port 9"

switch_to() {
        local n
        sed -i "s/^DataPlane=.*/DataPlane=$1/" "$ETC/gatewayd.conf"
        n=$(it_gw_log_count 'Configuration applied')
        kill -HUP "$GATEWAYD_PID"
        it_gw_log_wait 10 'Configuration applied' $((n + 1))
}
v6_in_xfrm() { sh_policies | grep -q "dst $VNET6"; }
v6_in_nft() { grep -q 'oifname != "ipsec0" ip6 daddr @shield6 counter drop' <<<"$(sh_nft)"; }

for round in 1 2 3; do
        switch_to userspace
        it_wait_for 5 v6_in_nft || { sh_dump_state; it_fail "round $round: no IPv6 rule in the table with DataPlane=userspace"; }
        v6_in_xfrm && { sh_policies >&2; it_fail "round $round: IPv6 XFRM blocks left with DataPlane=userspace"; }
        sleep 0.5
        switch_to kernel
        it_wait_for 5 v6_in_xfrm || { sh_dump_state; it_fail "round $round: no IPv6 XFRM block with DataPlane=kernel"; }
        v6_in_nft && { sh_nft >&2; it_fail "round $round: IPv6 nftables rule left with DataPlane=kernel"; }
        sleep 0.5
done

it_capture_stop all
it_capture_stop lan
sent=$(it_pcap_count "$IT_DIR/lan.pcap" "udp dst port 9")
plain4=$(it_pcap_count "$IT_DIR/all.pcap" "dst net $VNET4")
plain6=$(it_pcap_count "$IT_DIR/all.pcap" "dst net $VNET6")
it_log "sent toward the VNet during the switches: $sent; plaintext on the WAN: IPv4 $plain4, IPv6 $plain6"
[ "$sent" -gt 1000 ] || it_fail "only $sent packets were sent: the test proves little"
[ "$plain4" -eq 0 ] && [ "$plain6" -eq 0 ] || it_fail "plaintext toward the VNet during a DataPlane change: IPv4 $plain4, IPv6 $plain6"

# --- rerouting after output ------------------------------------------------
switch_to userspace
it_wait_for 5 v6_in_nft || it_fail "no IPv6 rule in the table with DataPlane=userspace"
ip -n "$ONPREM_GW" tuntap add dev ipsec0 mode tun
ip -n "$ONPREM_GW" link set ipsec0 up
ip -n "$ONPREM_GW" -6 route add "$VNET6" dev ipsec0
# The gateway's own packets toward the VNet, every 10 ms.
ip netns exec "$ONPREM_GW" "$SH_PY" -c '
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
while True:
    try:
        s.sendto(b"gatewayd-reroute", ("2001:db8:b::140", 9))
    except OSError:
        pass
    time.sleep(0.01)
' >/dev/null 2>&1 &
IT_PIDS+=("$!")
it_capture_start reroute "$ONPREM_GW" wan -Q out "dst net $VNET6"
sleep 1
before=$(sh_nft6_out)
ip -n "$ONPREM_GW" -6 route add default via 2001:db8:ffff::2 dev wan table 100
ip -n "$ONPREM_GW" -6 rule add fwmark 0x42 table 100
ip netns exec "$ONPREM_GW" nft -f - <<'EON'
table ip6 other {
        chain out {
                type route hook output priority 0; policy accept;
                ip6 daddr 2001:db8:b::/64 meta mark set 0x42
        }
}
EON
sleep 2
after=$(sh_nft6_out)
it_capture_stop reroute
rerouted=$(it_pcap_count "$IT_DIR/reroute.pcap" "dst net $VNET6")
it_log "rerouted to the WAN after the output hook: dropped in postrouting $((after - before)), plaintext on the WAN $rerouted"
[ "$rerouted" -eq 0 ] || it_fail "$rerouted rerouted IPv6 packets left the WAN in plaintext"
[ $((after - before)) -gt 50 ] || { sh_nft >&2; it_fail "the rerouted packets did not reach the postrouting rule"; }
echo "PASS: three DataPlane round trips, $sent packets toward the VNet, none in plaintext; rerouted IPv6 dropped in postrouting"
