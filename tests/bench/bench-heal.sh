#!/bin/bash
# Benchmark (not a test): how fast the shield is back after another program
# removes it, and what watching for that costs when nothing happens
# (DESIGN.md: a foreign flush repaired within 1 s; no CPU when nothing
# happens). gatewayd runs with N tunnels (default 1,000; DataPlane=kernel:
# out, in and fwd XFRM blocks per VNet prefix, and table inet gatewayd),
# loaded into a running charon (ResponderOnly: nothing initiates):
#   - `ip xfrm policy flush`: from the kernel's flush notification to the
#     notification of the last shield policy put back;
#   - `nft flush ruleset`: from the first notification of the flush to the
#     end of the batch that put table inet gatewayd back;
# both timed by a listener on the kernel's notification groups in the
# gateway's namespace, median of RUNS (default 7), target <= 1,000 ms;
#   - idle: gatewayd's CPU time (utime + stime, /proc/PID/stat) over IDLE
#     seconds (default 60) with nothing changing (the health timer's shield
#     check every 10 s included).
# Needs root.
#   tests/bench/bench-heal.sh BUILDDIR [N] [RUNS] [IDLE]
set -euo pipefail
export top_builddir=$(cd "${1:-build}" && pwd)
export top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
n=${2:-1000} runs=${3:-7} idle=${4:-60}
. "$top_srcdir/tests/integration/lib.sh"
it_init bench-heal
it_topology

etc="$IT_DIR/etc"
mkdir -p "$etc/tunnels.d" "$etc/psk"
"$GATEWAYCTL" genpsk > "$etc/psk/key" 2>/dev/null
chmod 600 "$etc/psk/key"
printf '[Gateway]\nDataPlane=kernel\nVici=unix://%s/gw/charon.vici\nStatusFile=%s/status.json\n' "$IT_DIR" "$IT_DIR" \
        > "$etc/gatewayd.conf"
for i in $(seq 0 $((n - 1))); do
        printf '[Tunnel]\nRemoteAddress=2001:db8:ffff::%x\nLocalAddress=2001:db8:fffe::1\nPreSharedKeyFile=psk/key\nLocalPrefixes=2001:db8:a::/48\nRemotePrefixes=2001:db8:b:%x::/64\nConnectionMode=ResponderOnly\n' \
                $((i + 1)) "$i" > "$etc/tunnels.d/t$i.conf"
done
"$GATEWAYD" --config-dir "$etc" --check >"$IT_DIR/check.out" 2>&1 || it_fail "bench config invalid: $(tail -3 "$IT_DIR/check.out")"

it_start_charon gw "$ONPREM_GW"
it_start_gatewayd_wait "$etc"
want=$((3 * n))
count_ours() { ip -n "$ONPREM_GW" xfrm policy | grep -c 'priority 10000[0-9][0-9] ' || true; }
it_wait_for 60 eval '[ "$(count_ours)" -eq '"$want"' ]' || it_fail "the shield is not in: $(count_ours) of $want policies"
it_gw_log_wait 60 'charon apply complete'

# listen MODE EXPECT: runs the foreign command in the namespace and prints
# the repair time in ms (or "timeout").
listen() {
        ip netns exec "$ONPREM_GW" python3 - "$1" "$2" <<'EOP'
import select, socket, struct, subprocess, sys, time
mode, expect = sys.argv[1], int(sys.argv[2])
if mode == "xfrm":
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 6)          # NETLINK_XFRM
    cmd = ["ip", "xfrm", "policy", "flush"]
    group = 2                                                          # XFRMNLGRP_POLICY
else:
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)         # NETLINK_NETFILTER
    cmd = ["nft", "flush", "ruleset"]
    group = 7                                                          # NFNLGRP_NFTABLES
s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)                          # SO_RCVBUFFORCE
s.bind((0, 0))
s.setsockopt(270, 1, group)                                            # SOL_NETLINK, NETLINK_ADD_MEMBERSHIP
subprocess.run(cmd, check=True)
t0 = t1 = None
back = 0
seen_table = False
deadline = time.monotonic() + 10
while t1 is None and time.monotonic() < deadline:
    r, _, _ = select.select([s], [], [], 0.5)
    if not r:
        continue
    buf = s.recv(1 << 20)
    now = time.monotonic()
    off = 0
    while off + 16 <= len(buf):
        ln, ty = struct.unpack_from("=IH", buf, off)
        if ln < 16:
            break
        if mode == "xfrm":
            if ty == 0x1d and t0 is None:                              # XFRM_MSG_FLUSHPOLICY
                t0 = now
            elif ty == 0x13 and t0 is not None:                        # XFRM_MSG_NEWPOLICY
                prio = struct.unpack_from("=I", buf, off + 16 + 152)[0]
                if 1000000 <= prio <= 1099999:
                    back += 1
                    if back == expect:
                        t1 = now
        else:
            sub, msg = ty >> 8, ty & 0xff
            if sub == 10:                                              # NFNL_SUBSYS_NFTABLES
                if t0 is None:
                    t0 = now
                if msg == 0:                                           # NFT_MSG_NEWTABLE
                    a = off + 20
                    while a + 4 <= off + ln:
                        alen, atype = struct.unpack_from("=HH", buf, a)
                        if alen < 4:
                            break
                        if atype & 0x7fff == 1 and buf[a + 4:a + alen].rstrip(b"\0") == b"gatewayd":
                            seen_table = True
                        a += (alen + 3) & ~3
                elif msg == 16 and seen_table:                         # NFT_MSG_NEWGEN: end of that batch
                    t1 = now
        off += (ln + 3) & ~3
print("timeout" if t1 is None or t0 is None else "%.1f" % ((t1 - t0) * 1000))
EOP
}

xs=() ns=()
for r in $(seq "$runs"); do
        xs+=("$(listen xfrm "$want")")
        it_wait_for 10 eval '[ "$(count_ours)" -eq '"$want"' ]' || it_fail "XFRM run $r: the shield did not come back"
        sleep 0.5
        ns+=("$(listen nft 0)")
        it_wait_for 10 ip netns exec "$ONPREM_GW" nft list table inet gatewayd || it_fail "nft run $r: the table did not come back"
        sleep 0.5
done
med() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }
echo "bench-heal: $n tunnels, $want shield policies (DataPlane=kernel)"
echo "bench-heal: ip xfrm policy flush -> shield back: ${xs[*]} ms; median $(med "${xs[@]}") ms (target <= 1000)"
echo "bench-heal: nft flush ruleset -> table inet gatewayd back: ${ns[*]} ms; median $(med "${ns[@]}") ms (target <= 1000)"

# Idle: nothing changes for $idle s.
sleep 2
ticks=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$GATEWAYD_PID/stat"; }
c0=$(cpu) t0=$(it_ms)
sleep "$idle"
c1=$(cpu) t1=$(it_ms)
awk -v c=$((c1 - c0)) -v hz="$ticks" -v ms=$((t1 - t0)) -v n="$n" 'BEGIN {
        cpu = c * 1000 / hz
        printf "bench-heal: idle with %d tunnels: gatewayd used %.0f ms CPU in %.1f s (%.2f%% of one core; the health timer checks the shield every 10 s: %.0f ms a check)\n",
                n, cpu, ms / 1000, 100 * cpu / ms, cpu / (ms / 10000) }'
