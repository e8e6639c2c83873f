#!/bin/bash
# Benchmark (not a test): throughput of traffic that is NOT VNet-bound through
# the on-prem gateway, with the shields of N tunnels (default 1,000; kernel
# data plane: out/in/fwd XFRM blocks per prefix and the nftables table)
# against none, as a ratio measured in one run (iperf3, alternating, median
# of RUNS); and the time to install and to remove those shields. Both sides
# hold the N tunnels' IPsec policies the way charon installs them (out, in
# and fwd per child, ESP tunnel templates), so the ratio is the shield's own
# cost, not that of having XFRM policies at all, which a plain strongSwan
# gateway pays too (BENCH_CHARON_POLICIES=0: none, as before). Needs root.
#   tests/bench/bench-shield.sh BUILDDIR [N] [RUNS]
set -euo pipefail
export top_builddir=$(cd "${1:-build}" && pwd)
export top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
n=${2:-1000} runs=${3:-3}
command -v iperf3 >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iperf3 >/dev/null
. "$top_srcdir/tests/integration/lib.sh"
it_init bench-shield
it_topology
# Plain routing for this benchmark: drop the "Azure" plaintext filter, and
# give the far side a host outside every VNet prefix.
ip netns exec "$AZURE_GW" nft delete table inet azure
ip -n "$VNET_HOST" addr add 203.0.113.250/32 dev lan
ip -n "$AZURE_GW" route add 203.0.113.250/32 dev lan

etc="$IT_DIR/etc"
mkdir -p "$etc/tunnels.d" "$etc/psk"
"$GATEWAYCTL" genpsk > "$etc/psk/key"
chmod 600 "$etc/psk/key"
printf '[Gateway]\nDataPlane=kernel\n' > "$etc/gatewayd.conf"
for i in $(seq 0 $((n - 1))); do
        if [ "$i" -lt 200 ]; then
                lp=198.51.100.0/25 rp=203.0.113.$i/32        # IPv4 VNet prefixes
        else
                lp=2001:db8:a::/64 rp=2001:db8:b:$(printf %x "$i")::/64
        fi
        printf '[Tunnel]\nRemoteAddress=2001:db8:ffff::%x\nPreSharedKeyFile=psk/key\nLocalPrefixes=%s\nRemotePrefixes=%s\n' \
                $((i + 100)) "$lp" "$rp" > "$etc/tunnels.d/t$i.conf"
done
"$GATEWAYD" --config-dir "$etc" --check >/dev/null 2>&1 || it_fail "bench config invalid"

ip netns exec "$VNET_HOST" iperf3 -s -D -1 >/dev/null 2>&1 || true
server() { ip netns exec "$VNET_HOST" iperf3 -s -1 >/dev/null 2>&1 & IT_PIDS+=("$!"); sleep 0.3; }
gbps() {
        server
        ip netns exec "$ONPREM_HOST" iperf3 -c 203.0.113.250 -t "${SECS:-4}" -J 2>/dev/null |
                awk -F'[:,]' '/"sum_received"/ {f=1} f && /"bits_per_second"/ {printf "%.2f\n", $2 / 1e9; exit}'
}
ms() { echo $(( $(date +%s%N) / 1000000 )); }

# charon's policies for the N tunnels, as kernel-netlink installs them for a
# child SA (priorities as charon computes them for these prefix lengths are
# not needed here: lookups cost the same).
batch="$IT_DIR/charon-policies"
: > "$batch"
for f in "$etc"/tunnels.d/t*.conf; do
        i=${f##*/t}; i=${i%.conf}
        lp=$(sed -n 's/^LocalPrefixes=//p' "$f") rp=$(sed -n 's/^RemotePrefixes=//p' "$f")
        peer=$(sed -n 's/^RemoteAddress=//p' "$f")
        tmpl="tmpl src 2001:db8:fffe::1 dst $peer proto esp reqid $((i + 1)) mode tunnel"
        echo "xfrm policy add src $lp dst $rp dir out priority 375423 $tmpl" >> "$batch"
        tmpl="tmpl src $peer dst 2001:db8:fffe::1 proto esp reqid $((i + 1)) mode tunnel"
        echo "xfrm policy add src $rp dst $lp dir in priority 375423 $tmpl" >> "$batch"
        echo "xfrm policy add src $rp dst $lp dir fwd priority 375423 $tmpl level use" >> "$batch"
done
charon_policies() {
        [ "${BENCH_CHARON_POLICIES:-1}" = 1 ] || return 0
        ip -n "$ONPREM_GW" -batch "$batch" || it_fail "could not install charon's policies"
}
charon_policies

none=() shielded=() install=() remove=()
for r in $(seq "$runs"); do
        none+=("$(gbps)")
        t0=$(ms)
        ip netns exec "$ONPREM_GW" "$GATEWAYD" --config-dir "$etc" --shield-only >"$IT_DIR/shield.log" 2>&1 ||
                it_fail "shield-only: $(cat "$IT_DIR/shield.log")"
        install+=($(( $(ms) - t0 )))
        npol=$(ip -n "$ONPREM_GW" xfrm policy | grep -c '^src')
        shielded+=("$(gbps)")
        t0=$(ms)
        ip -n "$ONPREM_GW" xfrm policy flush
        ip netns exec "$ONPREM_GW" nft delete table inet gatewayd
        remove+=($(( $(ms) - t0 )))
        charon_policies
done
med() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
a=$(med "${none[@]}") b=$(med "${shielded[@]}")
echo "bench-shield: runs without shield: ${none[*]} Gbit/s; with $n tunnels' shields ($npol XFRM policies, charon's included): ${shielded[*]} Gbit/s"
awk -v cp="$([ "${BENCH_CHARON_POLICIES:-1}" = 1 ] && echo 1 || echo 0)" -v a="$a" -v b="$b" -v n="$n" -v inst="$(med "${install[@]}")" -v p="$npol" 'BEGIN {
        printf "bench-shield: non-VNet throughput with %d tunnels shielded / without%s: %.3f (median %.2f vs %.2f Gbit/s)\n", n, cp ? ", both with charon'"'"'s policies" : "", b / a, b, a
        printf "bench-shield: gatewayd --shield-only for %d tunnels (%d policies, config check included): median %d ms\n", n, p, inst }'
