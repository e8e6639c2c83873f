#!/bin/bash
# The two-site demo, in network namespaces: an on-prem gateway run by
# gatewayd and an "Azure" gateway (a plain charon with an Azure-shaped custom
# policy). gatewayd validates its config, installs the fail-closed shield,
# brings the tunnel up over VICI; hosts ping across over IPv4 and IPv6; then
# charon is killed while a host keeps sending, and a capture on the WAN shows
# that nothing left in plaintext, before or during the fault.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tests/setup.sh"
export top_srcdir=$top top_builddir=$top/build
. "$top/tests/integration/lib.sh"
it_init demo
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Two sites in network namespaces"
it_topology
echo "on-prem LAN $ONPREM_LAN4 $ONPREM_LAN6 | WAN 192.0.2.0/24 | VNet $VNET4 $VNET6"

say "gatewayd config tree"
etc="$IT_DIR/etc"
psk=$("$GATEWAYCTL" genpsk)
it_onprem_tree "$etc" "$psk" "Profile=fips-gcm256"
cat "$etc/gatewayd.conf" "$etc/tunnels.d/azure.conf"

say "gatewayctl check"
"$GATEWAYCTL" --config-dir "$etc" check

say "gatewayd --print-swanctl (what gatewayd gives charon; secrets masked)"
"$GATEWAYD" --config-dir "$etc" --print-swanctl

say "gatewayctl azure-policy fips-gcm256 (the Azure side's matching policy)"
"$GATEWAYCTL" --config-dir "$etc" azure-policy fips-gcm256 --resource-group demo-rg --connection onprem

say "Start the Azure peer, charon on-prem, and gatewayd"
it_azure_peer az "$psk" aes256gcm16-prfsha384-ecp384 aes256gcm16-ecp384
it_start_charon gw "$ONPREM_GW"
it_capture_start wan "$ONPREM_GW" wan -Q out
it_start_gatewayd "$etc"
it_wait_for 20 it_sa_installed gw azure || { cat "$IT_DIR/gatewayd.log"; it_fail "tunnel did not come up"; }
sed 's/^/  /' "$IT_DIR/gatewayd.log"
it_swanctl gw --list-sas
echo "gatewayd's shield (XFRM policies above charon's band, and its nftables table):"
ip -n "$ONPREM_GW" xfrm policy | grep -E '^src|priority' | paste - - | sed 's/^/  /'

say "gatewayctl status (from the status file gatewayd keeps; exit 0: every enabled tunnel is up)"
it_wait_for 5 sh -c "\"$GATEWAYCTL\" --config-dir '$etc' status >/dev/null" || it_fail "gatewayctl status: not up"
"$GATEWAYCTL" --config-dir "$etc" status

say "Ping the VNet host across the tunnel"
it_wait_for 5 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "no IPv4 ping"
it_wait_for 5 it_ping "$ONPREM_HOST" 2001:db8:b::140 || it_fail "no IPv6 ping"
ip netns exec "$ONPREM_HOST" ping -c 3 -i 0.2 198.51.100.140
ip netns exec "$ONPREM_HOST" ping -6 -c 3 -i 0.2 2001:db8:b::140

say "Fault: kill -9 charon while the host keeps pinging (every 50 ms)"
ip netns exec "$ONPREM_HOST" ping -i 0.05 -q 198.51.100.140 >/dev/null 2>&1 &
pinger=$!
IT_PIDS+=("$pinger")
sleep 1
kill -9 "${IT_CHARON[gw]}"
sleep 2
blocked=$(ip netns exec "$ONPREM_GW" awk '/XfrmOutPolBlock/ {print $2}' /proc/net/xfrm_stat)
echo "charon is gone; the shield dropped $blocked VNet-bound packets (XfrmOutPolBlock)"
it_wait_for 5 sh -c "! \"$GATEWAYCTL\" --config-dir '$etc' status >/dev/null"
set +e
"$GATEWAYCTL" --config-dir "$etc" status
echo "(gatewayctl status exited $? : a tunnel is not up)"
set -e
say "charon comes back; gatewayd reconnects and re-applies by itself"
it_start_charon gw "$ONPREM_GW"
it_wait_for 20 it_sa_installed gw azure || it_fail "tunnel did not come back"
it_wait_for 5 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "no ping after recovery"
kill "$pinger"
it_capture_stop wan
grep -E 'Lost|Connected|Shield|tunnel' "$IT_DIR/gatewayd.log" | tail -6 | sed 's/^/  /'

say "What left the on-prem WAN during the whole demo"
plain=$(tcpdump -nr "$IT_DIR/wan.pcap" "dst net $VNET4 or dst net $VNET6" 2>/dev/null | wc -l)
esp=$(tcpdump -nr "$IT_DIR/wan.pcap" 'udp port 4500' 2>/dev/null | wc -l)
echo "ESP packets: $esp; plaintext packets to the VNet: $plain"
[ "$plain" -eq 0 ] && [ "$esp" -gt 0 ] || it_fail "plaintext reached the WAN"
echo
echo "Demo passed: gatewayd brought the tunnel up (aes256gcm16-prfsha384-ecp384 / aes256gcm16-ecp384),"
echo "recovered from a charon crash by itself, and nothing left the WAN in plaintext."
