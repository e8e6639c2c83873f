#!/bin/bash
# Benchmark (not a test): N tunnels (default 1,000) applied to a real charon
# by gatewayd, against `swanctl --load-all` of the equivalent --print-swanctl
# output, measured in one run on fresh charons; then a reload with one of N
# tunnels changed; gatewayd's RSS. Needs root. Prints its numbers.
#   tests/bench/bench-apply.sh BUILDDIR [N]
set -euo pipefail
export top_builddir=$(cd "${1:-build}" && pwd)
export top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
n=${2:-1000}
. "$top_srcdir/tests/integration/lib.sh"
it_init bench-apply

etc="$IT_DIR/etc"
# ResponderOnly: nothing initiates, so both sides measure configuration alone.
it_responder_tree "$etc" "$n" gw
"$GATEWAYD" --config-dir "$etc" --print-swanctl > "$IT_DIR/swanctl.conf"
sed -i "s|secret = <masked>|secret = 0s$(base64 -w0 < "$etc/psk/key" | head -c 1000)|" "$IT_DIR/swanctl.conf"
ns=$(it_netns bench)
ms() { echo $(( $(date +%s%N) / 1000000 )); }

# 1. swanctl --load-all on a fresh charon.
it_start_charon gw "$ns"
t0=$(ms)
it_swanctl gw --load-all --file "$IT_DIR/swanctl.conf" > /dev/null 2>&1
t1=$(ms)
swanctl_ms=$((t1 - t0))
n_loaded=$(it_swanctl gw --list-conns | grep -c ': IKEv2')
[ "$n_loaded" -eq "$n" ] || it_fail "swanctl loaded $n_loaded of $n"
it_stop_pid "${IT_CHARON[gw]}"
rm -f "$IT_DIR/gw/charon.vici"

# 2. gatewayd on a fresh charon: start to "charon apply complete".
it_start_charon gw "$ns"
: > "$IT_DIR/gatewayd.log"
t0=$(ms)
ip netns exec "$ns" "$GATEWAYD" --config-dir "$etc" >> "$IT_DIR/gatewayd.log" 2>&1 &
gpid=$!
IT_PIDS+=("$gpid")
it_wait_for 60 grep -q 'charon apply complete' "$IT_DIR/gatewayd.log" || { tail "$IT_DIR/gatewayd.log"; it_fail "no apply"; }
t1=$(ms)
gw_total_ms=$((t1 - t0))
gw_apply_ms=$(sed -n 's/.*charon apply complete in \([0-9.]*\) ms.*/\1/p' "$IT_DIR/gatewayd.log" | tail -n1)
grep -q 'complete in [0-9.]* ms (0 failed' "$IT_DIR/gatewayd.log" || it_fail "failed commands: $(grep complete "$IT_DIR/gatewayd.log")"
n_loaded=$(it_swanctl gw --list-conns | grep -c ': IKEv2')
[ "$n_loaded" -eq "$n" ] || it_fail "gatewayd loaded $n_loaded of $n"
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$gpid/status)

# 3. reload with one tunnel changed.
sed -i 's/^RemotePrefixes=\(.*\)::\/64$/RemotePrefixes=\1::\/80/' "$etc/tunnels.d/t7.conf"
lines=$(grep -c 'charon reload complete' "$IT_DIR/gatewayd.log" || true)
t0=$(ms)
kill -HUP "$gpid"
it_wait_for 30 sh -c "[ \$(grep -c 'charon reload complete' '$IT_DIR/gatewayd.log') -gt $lines ]" || it_fail "no reload"
t1=$(ms)
reload_ms=$(sed -n 's/.*charon reload complete in \([0-9.]*\) ms.*/\1/p' "$IT_DIR/gatewayd.log" | tail -n1)
applied=$(grep 'Configuration applied' "$IT_DIR/gatewayd.log" | tail -n1)
echo "$applied"
# gatewayd's own share, from its log: check + diff + shield and queueing.
own_ms=$(echo "$applied" | sed -n 's/.*(check \([0-9.]*\) ms, diff \([0-9.]*\) ms, shield and queueing \([0-9.]*\) ms[;)].*/\1 \2 \3/p' |
        awk '{print $1 + $2 + $3}')
rss2_kb=$(awk '/VmRSS/ {print $2}' /proc/$gpid/status)

awk -v n="$n" -v sw="$swanctl_ms" -v gt="$gw_total_ms" -v ga="$gw_apply_ms" -v rl="$reload_ms" -v own="$own_ms" \
    -v rss="$rss_kb" -v rss2="$rss2_kb" 'BEGIN {
        printf "bench-apply: %d tunnels: swanctl --load-all %d ms; gatewayd start-to-applied %d ms (VICI batch %.1f ms); ratio gatewayd/swanctl %.2f\n", n, sw, gt, ga, gt / sw
        printf "bench-apply: reload with 1 of %d changed: %.1f ms in gatewayd + %.1f ms of VICI = %.1f ms, %.1f%% of the full apply\n", n, own, rl, own + rl, 100 * (own + rl) / gt
        printf "bench-apply: gatewayd RSS %d KiB after apply, %d KiB after reload\n", rss, rss2 }'
