#!/bin/bash
# Benchmark (not a test): parse + validate + render N tunnels (default 1,000)
# with `gatewayd --print-swanctl`; prints wall time (median of RUNS) and peak RSS.
# Run as root (secret files must be root-owned): make bench, or
#   tests/bench/bench-policy.sh BUILDDIR [N] [RUNS]
set -euo pipefail
build=${1:-build} n=${2:-1000} runs=${3:-7}
gatewayd="$build/gatewayd/gatewayd"
d=$(mktemp -d /tmp/gw-bench.XXXXXX)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/tunnels.d" "$d/psk"
"$build/gatewayd/gatewayctl" genpsk > "$d/psk/key"
chmod 600 "$d/psk/key"
for i in $(seq 0 $((n - 1))); do
        a=$((i / 250)) b=$((i % 250))
        cat > "$d/tunnels.d/t$i.conf" <<EOT
[Tunnel]
RemoteAddress=2001:db8:ffff::$(printf %x $((i + 1)))
LocalAddress=2001:db8:fffe::1
PreSharedKeyFile=psk/key
LocalPrefixes=2001:db8:a::/48, 198.51.100.0/24
RemotePrefixes=2001:db8:b:$(printf %x "$i")::/64, 10.$a.$b.0/24
EOT
done
# RemotePrefixes above use 10.x only inside this file-based benchmark; nothing
# is sent anywhere. Swap them for documentation space to stay tidy:
sed -i 's|, 10\.\([0-9]*\)\.\([0-9]*\)\.0/24|, 203.0.\2.\1/32|' "$d"/tunnels.d/*.conf
"$gatewayd" --config-dir "$d" --check >/dev/null 2>"$d/err" || { cat "$d/err"; exit 1; }
times=()
for _ in $(seq "$runs"); do
        t0=$(date +%s%N)
        "$gatewayd" --config-dir "$d" --print-swanctl > "$d/out.conf"
        t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
rss=$( { /usr/bin/time -f '%M' "$gatewayd" --config-dir "$d" --print-swanctl >/dev/null; } 2>&1 | tail -n1)
awk -v n="$n" -v runs="$runs" -v med="$median" -v lo="$(echo "$sorted" | head -n1)" -v hi="$(echo "$sorted" | tail -n1)" \
    -v rss="$rss" -v lines="$(wc -l < "$d/out.conf")" 'BEGIN {
        printf "bench-policy: %d tunnels parse+validate+render: median %.1f ms over %d runs (min %.1f, max %.1f); peak RSS %d KiB; %d lines of swanctl.conf\n",
               n, med / 1000, runs, lo / 1000, hi / 1000, rss, lines }'
