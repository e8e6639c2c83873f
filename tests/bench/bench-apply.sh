#!/bin/bash
# Benchmark (not a test): for each tree size (default 1,000 and 5,000
# ResponderOnly PSK tunnels, one PSK file; then 1,000 with a PSK file per
# tunnel, where gatewayd cannot share one load-shared among tunnels),
# measured in one run on fresh charons logging at level 1 as a production
# charon does:
#   1. `swanctl --load-all` of the equivalent --print-swanctl output;
#   2. gatewayd from start until charon holds every connection (READY=1 on
#      a notify socket, which gatewayd sends once charon answered every
#      command), and the ratio of the two;
#   3. reloads with one tunnel changed (a different tunnel each time, RELOADS
#      of them, the median printed), once every file is older than the parse
#      cache's 2 s: gatewayd's own part (check + diff + shield and queueing,
#      from its "Configuration applied" line) plus charon's answer to the
#      reload's commands, as a share of the full apply (2.), and the wall
#      time from SIGHUP to READY=1 (which adds the reload timer's 10 ms
#      accuracy). Then one more reload after 11 s quiet, past the moment
#      gatewayd gives freed heap back after a large change (TRIM_IDLE_USEC):
#      an operator's occasional reload;
#   4. gatewayd's RSS once the apply settled and gatewayd gave the apply's
#      heap back (with its peak, VmHWM, the part that is shared library
#      pages, RssFile, and its proportional share, Pss, where pages that
#      charon maps too count half), and 11 s after the reloads.
# 2.-4. are driven by apply-driver.py on a notify socket of its own, as
# systemd sees gatewayd: nothing polls while anything is measured (a shell
# loop polling the log took CPU from gatewayd and charon on a 2-core machine
# and added up to its 100 ms interval to every time).
# Needs root. Prints its numbers; asserts none.
#   tests/bench/bench-apply.sh BUILDDIR [N...]   (N...: one PSK file only)
set -euo pipefail
export top_builddir=$(cd "${1:-build}" && pwd)
export top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
shift || true
sizes=("$@")
per_tunnel=()
[ ${#sizes[@]} -gt 0 ] || { sizes=(1000 5000); per_tunnel=(1000); }
export IT_CHARON_LOGLEVEL=${IT_CHARON_LOGLEVEL:-1}
reloads=${RELOADS:-5}
. "$top_srcdir/tests/integration/lib.sh"
it_init bench-apply
ns=$(it_netns bench)
ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

bench() {
        local n=$1 what=$2 etc="$IT_DIR/etc-$1-$2" t0 t1 swanctl_ms gw_total_ms gw_apply_ms gpid i k
        local rss_kb rss2_kb hwm_kb anon_kb file_kb pss_kb anon2_kb pss2_kb rss_parts wall cold_wall o cold_own cold_vici
        local -a own=() vici=() parsed=() applied=() vicis=()

        # ResponderOnly: nothing initiates, so both sides measure configuration alone.
        IT_PSK_PER_TUNNEL=$([ "$what" = per-tunnel ] && echo 1 || echo 0) it_responder_tree "$etc" "$n" gw
        "$GATEWAYD" --config-dir "$etc" --print-swanctl > "$IT_DIR/swanctl.conf"
        sed -i "s|secret = <masked>|secret = 0s$(base64 -w0 < "$etc/psk/key" | head -c 1000)|" "$IT_DIR/swanctl.conf"

        # 1. swanctl --load-all on a fresh charon.
        it_start_charon gw "$ns"
        t0=$(ms)
        it_swanctl gw --load-all --file "$IT_DIR/swanctl.conf" > /dev/null 2>&1
        t1=$(ms)
        swanctl_ms=$((t1 - t0))
        k=$(it_swanctl gw --list-conns | grep -c ': IKEv2')
        [ "$k" -eq "$n" ] || it_fail "swanctl loaded $k of $n"
        it_stop_pid "${IT_CHARON[gw]}"
        rm -f "$IT_DIR/gw/charon.vici"

        # 2.-4. gatewayd on a fresh charon, driven and timed on a notify
        # socket (apply-driver.py): start to READY=1, reloads from SIGHUP to
        # READY=1, RSS. No polling while anything is measured.
        it_start_charon gw "$ns"
        : > "$IT_DIR/gatewayd.log"
        python3 "$top_srcdir/tests/bench/apply-driver.py" "$IT_DIR/notify.sock" "$ns" "$GATEWAYD" "$etc" \
                "$IT_DIR/gatewayd.log" "$reloads" > "$IT_DIR/driver.out" || { tail "$IT_DIR/gatewayd.log"; it_fail "driver failed"; }
        read -r _ gpid gw_total_ms < <(grep '^start ' "$IT_DIR/driver.out")
        IT_PIDS+=("$gpid")
        grep -q 'complete in [0-9.]* ms (0 failed' "$IT_DIR/gatewayd.log" || it_fail "failed commands: $(grep complete "$IT_DIR/gatewayd.log")"
        k=$(it_swanctl gw --list-conns | grep -c ': IKEv2')
        [ "$k" -eq "$n" ] || it_fail "gatewayd loaded $k of $n"
        gw_apply_ms=$(sed -n 's/.*charon apply complete in \([0-9.]*\) ms.*/\1/p' "$IT_DIR/gatewayd.log" | head -n1)
        read -r _ _ rss_kb hwm_kb anon_kb file_kb pss_kb < <(grep '^rss settled ' "$IT_DIR/driver.out")
        read -r _ _ rss2_kb _ anon2_kb _ pss2_kb < <(grep '^rss reloaded ' "$IT_DIR/driver.out")
        it_stop_pid "$gpid"
        it_forget_pid "$gpid"
        it_stop_pid "${IT_CHARON[gw]}"
        rm -f "$IT_DIR/gw/charon.vici"

        # gatewayd's own account of each changed reload (the settling reload
        # first, skipped): its part (check + diff + shield and queueing) and
        # charon's answer to its commands.
        mapfile -t applied < <(grep 'Configuration applied' "$IT_DIR/gatewayd.log" | tail -n +2)
        mapfile -t vicis < <(sed -n 's/.*charon reload complete in \([0-9.]*\) ms.*/\1/p' "$IT_DIR/gatewayd.log" | tail -n +2)
        [ "${#applied[@]}" -eq $((reloads + 1)) ] || it_fail "${#applied[@]} reloads logged, want $((reloads + 1))"
        for i in $(seq 0 "$reloads"); do
                [[ ${applied[$i]} == *"1 changed, 0 removed"* ]] || it_fail "reload $((i + 1)): ${applied[$i]}"
                o=$(echo "${applied[$i]}" | sed -n 's/.*(check \([0-9.]*\) ms, diff \([0-9.]*\) ms, shield and queueing \([0-9.]*\) ms[;)].*/\1 \2 \3/p' |
                        awk '{print $1 + $2 + $3}')
                if [ "$i" -lt "$reloads" ]; then
                        own+=("$o")
                        vici+=("${vicis[$i]}")
                        parsed+=("$(echo "${applied[$i]}" | sed -n 's/.* \([0-9]*\) of [0-9]* tunnel files parsed.*/\1/p')")
                else
                        cold_own=$o cold_vici=${vicis[$i]}
                fi
        done
        echo "${applied[$reloads]}"
        wall=$(awk '$1 == "reload" && $2 != "cold" {print $3}' "$IT_DIR/driver.out" | median)
        cold_wall=$(awk '$1 == "reload" && $2 == "cold" {print $3}' "$IT_DIR/driver.out")
        rss_parts="VmHWM: $hwm_kb KiB, RssAnon: $anon_kb KiB, RssFile: $file_kb KiB, Pss: $pss_kb KiB"

        awk -v n="$n" -v sw="$swanctl_ms" -v gt="$gw_total_ms" -v ga="$gw_apply_ms" \
            -v own="$(printf '%s\n' "${own[@]}" | median)" -v vici="$(printf '%s\n' "${vici[@]}" | median)" \
            -v parsed="$(printf '%s\n' "${parsed[@]}" | median)" -v runs="$reloads" -v wall="$wall" -v cold_wall="$cold_wall" \
            -v cold_own="$cold_own" -v cold_vici="$cold_vici" \
            -v rss="$rss_kb" -v rss2="$rss2_kb" -v parts="$rss_parts" -v parts2="RssAnon: $anon2_kb KiB, Pss: $pss2_kb KiB" -v what="$what" 'BEGIN {
                if (what == "per-tunnel") n = n " (a PSK file per tunnel)"
                printf "bench-apply: %s tunnels: swanctl --load-all %d ms; gatewayd start to READY=1 %d ms (VICI batch %.1f ms); ratio gatewayd/swanctl %.2f\n", n, sw, gt, ga, gt / sw
                printf "bench-apply: %s tunnels: reload with 1 changed (median of %d, 1.1 s apart): %.1f ms in gatewayd + %.1f ms of VICI = %.1f ms, %.1f%% of the full apply; SIGHUP to READY=1 %.1f ms; %d tunnel files parsed\n", n, runs, own, vici, own + vici, 100 * (own + vici) / gt, wall, parsed
                printf "bench-apply: %s tunnels: reload with 1 changed after 11 s quiet: %.1f ms in gatewayd + %.1f ms of VICI = %.1f ms, %.1f%% of the full apply; SIGHUP to READY=1 %.1f ms\n", n, cold_own, cold_vici, cold_own + cold_vici, 100 * (cold_own + cold_vici) / gt, cold_wall
                printf "bench-apply: %s tunnels: gatewayd RSS %d KiB after apply (%s), %d KiB after the reloads (%s)\n", n, rss, parts, rss2, parts2 }'
}

for n in "${sizes[@]}"; do
        bench "$n" shared
done
for n in "${per_tunnel[@]}"; do
        bench "$n" per-tunnel
done
