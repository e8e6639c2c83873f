#!/bin/bash
# Benchmark (not a test): what watching tunnels costs gatewayd, and how soon
# a tunnel's fate reaches the journal. Needs root. Prints its numbers and
# asserts no times.
#   1. idle CPU (utime+stime) of gatewayd over SECONDS (default 60) with
#      BENCH_UP (default 100) tunnels up to one peer charon, measured once
#      every tunnel has had its early rekey;
#   2. charon event -> journal entry, BENCH_CYCLES (default 5) times on one of
#      those tunnels: `swanctl --terminate --ike` on the gateway's charon,
#      then `swanctl --initiate` (gatewayd does not initiate again a tunnel
#      that charon closed on a local command). tunnel-down is timed from charon's
#      "IKE_SA deleted" (where it raises ike-updown) and from the command,
#      tunnel-up from charon's "CHILD_SA ... established" (child-updown);
#      charon's times come from a second file log with millisecond stamps;
#   3. BENCH_CONF (default 1,000) ResponderOnly tunnels, no peer,
#      HealthIntervalSec=1: RSS after the apply, CPU per health interval over
#      BENCH_HEALTH_SEC (default 20) s, the status file's size;
#   4. dead-peer detection with DpdTimeoutSeconds=45 (the default; BENCH_DPD
#      sets another): one tunnel up, the peer's charon SIGKILLed right after
#      one of its packets reached the gateway (the worst case: the gateway's
#      DPD clock starts at that packet), timed to tunnel-down with
#      GATEWAYD_REASON=dpd-timeout.
# The gateway's charon runs with the package's strongSwan drop-in
# (it_start_charon, charons gw and gw-*). The peer's flood protection is
# raised: BENCH_UP tunnels start at once, so as many half-open IKE SAs.
#   tests/bench/bench-health.sh BUILDDIR [SECONDS]
set -euo pipefail
top_builddir=$(cd "${1:-build}" && pwd)
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
export top_builddir top_srcdir
secs=${2:-60}
n_up=${BENCH_UP:-100} cycles=${BENCH_CYCLES:-5}
n_conf=${BENCH_CONF:-1000} health_secs=${BENCH_HEALTH_SEC:-20}
dpd=${BENCH_DPD:-45}
. "$top_srcdir/tests/integration/lib.sh"
it_init bench-health
hz=$(getconf CLK_TCK)
GCM_IKE=aes256gcm16-prfsha384-ecp384 GCM_ESP=aes256gcm16-ecp384

# cpu_ms PID: utime + stime of PID so far, in ms (the fields after "(comm)").
cpu_ms() { sed 's/^.*) //' "/proc/$1/stat" | awk -v hz="$hz" '{ printf "%d\n", ($12 + $13) * 1000 / hz }'; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
now_us() { echo $(( $(date +%s%N) / 1000 )); }

# ts_log NAME: strongswan.conf lines for a second file log of charon NAME,
# $IT_DIR/NAME/ts.log, each line stamped "<epoch>.<ms>".
ts_log() {
        printf 'charon {\n  filelog {\n    ts {\n      path = %s\n      time_format = %%s\n      time_add_ms = yes\n      ike_name = yes\n      flush_line = yes\n      default = 1\n    }\n  }\n}\n' \
                "$IT_DIR/$1/ts.log"
}
PEER_EXTRA="charon {
  block_threshold = 10000
  cookie_threshold = 10000
}
$(ts_log az)"

# ts_after LOG AFTER_US ERE: charon's stamp (µs) of the first line of LOG
# stamped at or after AFTER_US that matches ERE; empty if none.
ts_after() {
        awk -v after="$2" -v re="$3" '{ t = $1 * 1000000 } t >= after - 1000 && $0 ~ re { printf "%.0f\n", t; exit }' "$1"
}
# ts_last LOG ERE: charon's stamp (µs) of the last line of LOG matching ERE.
ts_last() {
        awk -v re="$2" '$0 ~ re { t = $1 * 1000000 } END { if (t) printf "%.0f\n", t }' "$1"
}

# j_times EVENT TUNNEL [PID]: __REALTIME_TIMESTAMP of each EVENT entry for
# TUNNEL (of gatewayd PID), one a line, oldest first.
j_times() {
        j_json | python3 -c '
import json, sys
ev, tun, pid = sys.argv[1:4]
for r in map(json.loads, sys.stdin):
    if r.get("GATEWAYD_EVENT") == ev and r.get("GATEWAYD_TUNNEL") == tun and (not pid or r.get("_PID") == pid):
        print(r["__REALTIME_TIMESTAMP"])' "$1" "$2" "${3:-}"
}
j_n() { j_times "$@" | wc -l; }
# j_state TUNNEL PID: "up" or "down", the tunnel's last tunnel-up/-down entry.
j_state() {
        j_json | python3 -c '
import json, sys
st = "none"
for r in map(json.loads, sys.stdin):
    if r.get("GATEWAYD_TUNNEL") == sys.argv[1] and r.get("_PID") == sys.argv[2] and r.get("GATEWAYD_EVENT") in ("tunnel-up", "tunnel-down"):
        st = r["GATEWAYD_EVENT"][7:]
print(st)' "$1" "$2"
}
j_is_up() { [ "$(j_state "$1" "$2")" = up ]; }
# j_ever_up PID: how many tunnels had a tunnel-up entry from gatewayd PID.
j_ever_up() {
        j_json | python3 -c '
import json, sys
print(len({r.get("GATEWAYD_TUNNEL") for r in map(json.loads, sys.stdin) if r.get("GATEWAYD_EVENT") == "tunnel-up" and r.get("_PID") == sys.argv[1]}))' "$1"
}
j_ever_up_is() { [ "$(j_ever_up "$1")" -ge "$2" ]; }
# j_no_sa_downs PID: tunnel-down entries that say charon has no SA.
j_no_sa_downs() {
        j_json | python3 -c '
import json, sys
print(sum(1 for r in map(json.loads, sys.stdin) if r.get("GATEWAYD_EVENT") == "tunnel-down" and r.get("_PID") == sys.argv[1]
          and "has no SA" in r.get("MESSAGE", "")))' "$1"
}
# j_more N EVENT TUNNEL [PID]: true when there are more than N such entries.
j_more() { local n=$1; shift; [ "$(j_n "$@")" -gt "$n" ]; }

# n_state FILE STATE: how many tunnels the status file FILE lists in STATE.
n_state() {
        python3 -c 'import json, sys; print(sum(1 for t in json.load(open(sys.argv[1]))["tunnels"] if t["state"] == sys.argv[2]))' \
                "$1" "$2" 2>/dev/null || echo 0
}
n_state_is() { [ "$(n_state "$1" "$2")" -ge "$3" ]; }

# stats: min/median/max of the numbers on stdin (ms).
stats() {
        sort -n | awk '{ v[NR] = $1 } END {
                if (!NR) { print "no samples"; exit }
                m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                printf "min %.1f / median %.1f / max %.1f ms (%d samples)\n", v[1], m, v[NR], NR }'
}

# tunnel_file ETC NAME INDEX [extra lines]: a PSK tunnel to the peer at
# 192.0.2.2, told apart by its identities and a /24 of its own.
peer_prefix() { echo "10.$((200 + $1 / 256)).$(($1 % 256)).0/24"; }
tunnel_file() {
        printf '[Tunnel]\nRemoteAddress=192.0.2.2\nLocalAddress=192.0.2.1\nLocalId=%s.onprem.example\nRemoteId=%s.azure.example\nPreSharedKeyFile=psk/key\nLocalPrefixes=%s\nRemotePrefixes=%s\n%s' \
                "$2" "$2" "$ONPREM_LAN4" "$(peer_prefix "$3")" "${4:-}" > "$1/tunnels.d/$2.conf"
}
# gw_tree ETC STATUSFILE [extra gateway lines]: gatewayd.conf and the key.
gw_tree() {
        mkdir -p "$1/tunnels.d" "$1/psk"
        printf '%s\n' "$psk" > "$1/psk/key"
        chmod 600 "$1/psk/key"
        printf '[Gateway]\nDataPlane=userspace\nVici=unix://%s/gw/charon.vici\nStatusFile=%s\n%s' \
                "$IT_DIR" "$2" "${3:-}" > "$1/gatewayd.conf"
}
# start_peer CONN_COUNT: the peer charon "az" with CONN_COUNT connections
# t0..t<N-1>, the mirror of tunnel_file's.
start_peer() {
        local conns=() i
        for i in $(seq 0 $(($1 - 1))); do
                conns+=("t$i t$i.azure.example t$i.onprem.example $(peer_prefix "$i") $ONPREM_LAN4")
        done
        IT_CHARON_EXTRA=$PEER_EXTRA it_azure_peer az "$psk" "$GCM_IKE" "$GCM_ESP" "" "" "${conns[@]}" 2>/dev/null
}
# start_gatewayd ETC: gatewayd on the journal (j_start); waits until the
# PID is gatewayd itself (nsenter, systemd-cat and bash exec into it).
start_gatewayd() {
        j_start "$1"
        it_wait_for 10 sh -c "[ \"\$(cat /proc/$GATEWAYD_PID/comm)\" = gatewayd ]" || it_fail "gatewayd did not start"
}
stop_pid() { it_stop_pid "$1"; it_forget_pid "$1"; }

# --- 3. 1,000 configured tunnels, no peer ----------------------------------
# First, while nothing else runs: its own namespace and charon.
etc3="$IT_DIR/etc-conf"
it_responder_tree "$etc3" "$n_conf" gw-conf HealthIntervalSec=1
psk=$(cat "$etc3/psk/key")
ns3=$(it_netns conf)
it_start_charon gw-conf "$ns3"
ip netns exec "$ns3" "$GATEWAYD" --config-dir "$etc3" >> "$IT_DIR/gatewayd-conf.log" 2>&1 &
gpid3=$!
IT_PIDS+=("$gpid3")
it_wait_for 120 grep -q 'charon apply complete' "$IT_DIR/gatewayd-conf.log" ||
        { tail "$IT_DIR/gatewayd-conf.log"; it_fail "no apply of $n_conf tunnels"; }
rss3=$(rss_kb "$gpid3")
sleep 2
c0=$(cpu_ms "$gpid3") t0=$(now_us)
sleep "$health_secs"
c1=$(cpu_ms "$gpid3") t1=$(now_us)
rss3b=$(rss_kb "$gpid3")
status_bytes=$(stat -c %s "$IT_DIR/status-gw-conf.json")
n_listed=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["tunnels"]))' "$IT_DIR/status-gw-conf.json")
[ "$n_listed" -eq "$n_conf" ] || it_fail "the status file lists $n_listed of $n_conf tunnels"
stop_pid "$gpid3"
stop_pid "${IT_CHARON[gw-conf]}"
res3=$(awk -v n="$n_conf" -v c="$((c1 - c0))" -v us="$((t1 - t0))" -v hz="$hz" -v rss="$rss3" -v rss2="$rss3b" -v sz="$status_bytes" 'BEGIN {
        iv = us / 1000000
        printf "bench-health: %d configured tunnels (ResponderOnly, no peer), HealthIntervalSec=1: RSS %d KiB after the apply, %d KiB after %.0f s; ", n, rss, rss2, iv
        printf "CPU %.1f ms per health interval (%d ms over %.1f s, clock tick %.0f ms); status file %d bytes\n", c / iv, c, iv, 1000 / hz, sz }')

# --- 1. idle with BENCH_UP tunnels up --------------------------------------
it_topology
# The peer's end of each tunnel's prefix: charon routes a child SA from an
# address inside its local traffic selector.
for i in $(seq 0 $((n_up - 1))); do
        echo "addr add $(peer_prefix "$i" | sed 's|0/24$|1/24|') dev lan"
done | ip -n "$AZURE_GW" -batch -
start_peer "$n_up"
IT_CHARON_EXTRA=$(ts_log gw) it_start_charon gw "$ONPREM_GW"
etc="$IT_DIR/etc"
gw_tree "$etc" "$IT_DIR/status.json"
for i in $(seq 0 $((n_up - 1))); do tunnel_file "$etc" "t$i" "$i"; done
it_journald "$ONPREM_GW"
started=$(now_us)
start_gatewayd "$etc"
gpid=$GATEWAYD_PID
it_wait_for 180 j_ever_up_is "$gpid" "$n_up" || true
up_s=$(awk -v a="$started" -v b="$(now_us)" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
n_now=$(j_ever_up "$gpid")
[ "$n_now" -gt 0 ] || { j_dump; it_fail "no tunnel came up"; }
[ "$n_now" -eq "$n_up" ] || it_log "only $n_now of $n_up tunnels up after ${up_s} s; measuring with those"
# Every tunnel's early rekey (10 s after its tunnel-up) is done before the
# idle window.
it_wait_for 60 j_has tunnel-rekeyed "$n_now" "$gpid" || it_log "only $(j_count tunnel-rekeyed "$gpid") early rekeys"
sleep 3
n_before=$(j_json | wc -l)
nosa0=$(j_no_sa_downs "$gpid")
n_start=$(n_state "$IT_DIR/status.json" up)
c0=$(cpu_ms "$gpid") t0=$(now_us)
sleep "$secs"
c1=$(cpu_ms "$gpid") t1=$(now_us)
n_entries=$(( $(j_json | wc -l) - n_before ))
nosa=$(( $(j_no_sa_downs "$gpid") - nosa0 ))
n_after=$(n_state "$IT_DIR/status.json" up)
rss1=$(rss_kb "$gpid")
res1=$(awk -v n="$n_now" -v want="$n_up" -v b="$n_start" -v a="$n_after" -v c="$((c1 - c0))" -v us="$((t1 - t0))" -v rss="$rss1" \
        -v up="$up_s" -v je="$n_entries" -v nosa="$nosa" -v hz="$hz" 'BEGIN {
        s = us / 1000000
        printf "bench-health: idle, %d of %d tunnels came up (within %s s of start; status file: %d up at the window'"'"'s start, %d at its end): ", n, want, up, b, a
        printf "gatewayd CPU %d ms over %.1f s = %.3f%% of one CPU (clock tick %.0f ms); RSS %d KiB; ", c, s, c / s / 10, 1000 / hz, rss
        printf "%d journal entries in the window, %d of them tunnel-down \"charon has no SA for it\"\n", je, nosa }')

# --- 2. charon event -> journal entry ---------------------------------------
tslog="$IT_DIR/gw/ts.log"
: > "$IT_DIR/lat-down-ev" ; : > "$IT_DIR/lat-down-cmd" ; : > "$IT_DIR/lat-up-ev" ; : > "$IT_DIR/lat-back"
for c in $(seq "$cycles"); do
        # From an up tunnel (a health poll can mark it down: see the report).
        it_wait_for 30 j_is_up t0 "$gpid" || { it_log "cycle $c: t0 not up, skipped"; continue; }
        nd=$(j_n tunnel-down t0 "$gpid") nu=$(j_n tunnel-up t0 "$gpid") nr=$(j_n tunnel-rekeyed t0 "$gpid")
        cmd_us=$(now_us)
        it_swanctl gw --terminate --ike t0 > /dev/null 2>&1 || it_log "cycle $c: swanctl --terminate failed"
        it_wait_for 30 j_more "$nd" tunnel-down t0 "$gpid" || { it_log "cycle $c: no tunnel-down, skipped"; continue; }
        down_us=$(j_times tunnel-down t0 "$gpid" | tail -n1)
        # gatewayd leaves a tunnel that charon closed on a local command
        # down (it retries only what failed to come up): initiate it here.
        init_us=$(now_us)
        it_swanctl gw --initiate --child t0 --timeout 30 > /dev/null 2>&1 || it_log "cycle $c: swanctl --initiate failed"
        it_wait_for 30 j_more "$nu" tunnel-up t0 "$gpid" || { it_log "cycle $c: no tunnel-up, skipped"; continue; }
        up_us=$(j_times tunnel-up t0 "$gpid" | tail -n1)
        del_us=$(ts_after "$tslog" "$cmd_us" '<t0[|][0-9]+> IKE_SA deleted')
        est_us=$(ts_after "$tslog" "$init_us" 'CHILD_SA t0[{][0-9]+[}] established')
        echo "$(( (down_us - cmd_us) / 1000 ))" >> "$IT_DIR/lat-down-cmd"
        echo "$(( (up_us - init_us) / 1000 ))" >> "$IT_DIR/lat-back"
        if [ -n "$del_us" ]; then awk -v a="$del_us" -v b="$down_us" 'BEGIN { print (b - a) / 1000 }' >> "$IT_DIR/lat-down-ev"
        else it_log "cycle $c: no 'IKE_SA deleted' for t0 in charon's log"; fi
        if [ -n "$est_us" ]; then awk -v a="$est_us" -v b="$up_us" 'BEGIN { print (b - a) / 1000 }' >> "$IT_DIR/lat-up-ev"
        else it_log "cycle $c: no 'CHILD_SA t0{..} established' in charon's log"; fi
        # The tunnel's early rekey, then the next cycle from a steady state.
        it_wait_for 20 j_more "$nr" tunnel-rekeyed t0 "$gpid" || true
        sleep 1
done
res2a="bench-health: charon 'IKE_SA deleted' -> tunnel-down entry: $(stats < "$IT_DIR/lat-down-ev")"
res2b="bench-health: swanctl --terminate issued -> tunnel-down entry: $(stats < "$IT_DIR/lat-down-cmd")"
res2c="bench-health: charon 'CHILD_SA established' -> tunnel-up entry: $(stats < "$IT_DIR/lat-up-ev")"
res2d="bench-health: swanctl --initiate issued -> tunnel-up entry: $(stats < "$IT_DIR/lat-back")"
reasons=$(j_json | python3 -c '
import json, sys
print(sorted({r.get("GATEWAYD_REASON", "") for r in map(json.loads, sys.stdin)
              if r.get("GATEWAYD_EVENT") == "tunnel-down" and r.get("GATEWAYD_TUNNEL") == "t0"}))')

# --- 4. dead peer, one tunnel ----------------------------------------------
stop_pid "$gpid"
stop_pid "${IT_CHARON[gw]}"
stop_pid "${IT_CHARON[az]}"
start_peer 1
IT_CHARON_EXTRA=$(ts_log gw) it_start_charon gw "$ONPREM_GW"
etc4="$IT_DIR/etc-dpd"
gw_tree "$etc4" "$IT_DIR/status-dpd.json"
# 45 is the default: written only when another value is asked for.
if [ "$dpd" -eq 45 ]; then tunnel_file "$etc4" t0 0; else tunnel_file "$etc4" t0 0 "DpdTimeoutSeconds=$dpd"; fi
start_gatewayd "$etc4"
gpid4=$GATEWAYD_PID
it_wait_for 60 j_more 0 tunnel-up t0 "$gpid4" || { j_dump; it_fail "dpd: no tunnel-up"; }
it_wait_for 20 j_more 0 tunnel-rekeyed t0 "$gpid4" || true
# Kill the peer soon after one of its packets (its own DPD, every 10 s)
# reached the gateway, while the journal says the tunnel is up.
pkt_re='received packet: from 192[.]0[.]2[.]2'
for _ in $(seq 6); do
        n0=$(grep -c "$pkt_re" "$IT_DIR/gw/ts.log" || true)
        it_wait_for 30 sh -c "[ \$(grep -c '$pkt_re' '$IT_DIR/gw/ts.log') -gt $n0 ]" || it_fail "dpd: no packet from the peer in 30 s"
        sleep 0.5
        ! j_is_up t0 "$gpid4" || break
        it_log "dpd: t0 is not up in the journal; waiting for the next packet"
done
nd4=$(j_n tunnel-down t0 "$gpid4")
kill -9 "${IT_CHARON[az]}"
killed_us=$(now_us)
wait "${IT_CHARON[az]}" 2>/dev/null || true
it_forget_pid "${IT_CHARON[az]}"
pkt_us=$(ts_last "$IT_DIR/gw/ts.log" "$pkt_re")
it_wait_for $((dpd + 30)) j_more "$nd4" tunnel-down t0 "$gpid4" || { j_dump; it_fail "dpd: no tunnel-down within $((dpd + 30)) s"; }
down_us=$(j_times tunnel-down t0 "$gpid4" | tail -n1)
reason=$(j_last tunnel-down GATEWAYD_REASON)
res4=$(awk -v d="$dpd" -v k="$killed_us" -v p="$pkt_us" -v t="$down_us" -v r="$reason" 'BEGIN {
        printf "bench-health: dead peer, DpdTimeoutSeconds=%d: tunnel-down (GATEWAYD_REASON=%s) %.0f ms after the SIGKILL, %.0f ms after the peer'"'"'s last packet (promise <= %d ms)\n",
                d, r, (t - k) / 1000, (t - p) / 1000, (d + 1) * 1000 }')

echo "$res1"
echo "$res2a"
echo "$res2b"
echo "$res2c"
echo "$res2d"
echo "bench-health: tunnel-down reasons seen for t0: $reasons"
echo "$res3"
echo "$res4"
