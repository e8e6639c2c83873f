#!/bin/bash
# gatewayctl down NAME deletes the tunnel's SAs; gatewayctl up NAME brings it
# back; both report charon's answer. An unknown tunnel is refused.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init updown
it_two_sites
psk=$PSK etc=$ETC
it_start_gatewayd "$etc"
it_wait_for 20 it_sa_installed gw azure || it_fail "tunnel did not come up"

out=$("$GATEWAYCTL" --config-dir "$etc" down azure) || it_fail "down failed: $out"
[ "$out" = "tunnel 'azure' is down" ] || it_fail "down said: $out"
it_sa_installed gw azure && it_fail "SA still installed after down"
it_ping "$ONPREM_HOST" 198.51.100.140 && it_fail "ping passed with the tunnel down"
ip netns exec "$ONPREM_HOST" ping -6 -c 1 -W 1 2001:db8:b::140 >/dev/null 2>&1 && it_fail "ping6 passed with the tunnel down"

# What the shield stopped is visible: gatewayctl shield (in the gateway's
# namespace, as on the device).
out=$(ip netns exec "$ONPREM_GW" "$GATEWAYCTL" --config-dir "$etc" shield) || it_fail "gatewayctl shield failed"
echo "$out"
grep -Eq '^azure +yes +([1-9][0-9]*)/\1 +[0-9]+s ago$' <<<"$out" || it_fail "shield line for azure: installed and dropped"
blocked=$(echo "$out" | sed -n 's/.*XfrmOutPolBlock=\([0-9]*\).*/\1/p')
nftd=$(echo "$out" | sed -n 's/.*nftables drops=\([0-9]*\).*/\1/p')
[ "${blocked:-0}" -gt 0 ] || it_fail "XfrmOutPolBlock not counted"
[ "${nftd:-0}" -gt 0 ] || it_fail "IPv6 drops (nftables) not counted"

out=$("$GATEWAYCTL" --config-dir "$etc" up azure) || it_fail "up failed: $out"
[ "$out" = "tunnel 'azure' is up" ] || it_fail "up said: $out"
it_sa_installed gw azure || it_fail "no SA after up"
it_wait_for 5 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "no ping after up"

set +e
err=$("$GATEWAYCTL" --config-dir "$etc" up nosuch 2>&1)
rc=$?
set -e
[ $rc -eq 1 ] && grep -q "no tunnel 'nosuch'" <<<"$err" || it_fail "unknown tunnel: rc=$rc $err"
echo "PASS: gatewayctl down/up"
