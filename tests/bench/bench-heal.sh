#!/bin/bash
# Benchmark (not a test): how fast the shield is back after another program
# removes it, and what watching for that costs when nothing happens
# (DESIGN.md: a foreign flush repaired within 1 s; no CPU when nothing
# happens). gatewayd runs with N tunnels (default 1,000; DataPlane=kernel:
# out, in and fwd XFRM blocks per VNet prefix, and table inet gatewayd),
# loaded into a running charon (ResponderOnly: nothing initiates):
#   - an XFRM policy flush (what `ip xfrm policy flush` sends): from the
#     flush to the policy count being whole again;
#   - `nft flush ruleset`: from starting it to table inet gatewayd being
#     there again;
# both timed by polling the kernel over netlink from the gateway's
# namespace, median of RUNS (default 7), target <= 1,000 ms; and gatewayd's
# own measure of each repair (GATEWAYD_REPAIR_USEC of shield-restored);
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
count_ours() { ip -n "$ONPREM_GW" xfrm policy | grep -Ec 'priority 10[0-9]{5} ' || true; }
it_wait_for 60 eval '[ "$(count_ours)" -eq '"$want"' ]' || it_fail "the shield is not in: $(count_ours) of $want policies"
it_gw_log_wait 60 'charon apply complete'

# repair MODE EXPECT: does the foreign removal in the namespace and prints
# the ms until the shield is back (or "timeout"), polling the kernel every
# 0.2 ms or so: xfrm sends XFRM_MSG_FLUSHPOLICY itself and polls the policy
# count (XFRM_MSG_GETSPDINFO) until it is EXPECT again; nft runs
# `nft flush ruleset` (its start-up included: an upper bound) and polls for
# table inet gatewayd (NFT_MSG_GETTABLE), which comes back whole, in one
# transaction.
repair() {
        ip netns exec "$ONPREM_GW" python3 - "$1" "$2" <<'EOP'
import socket, struct, subprocess, sys, time
mode, expect = sys.argv[1], int(sys.argv[2])
seq = 0
def ask(s, ty, flags, payload):
    global seq
    seq += 1
    s.send(struct.pack("=IHHII", 16 + len(payload), ty, 1 | flags, seq, 0) + payload)
    return s.recv(65536)
def spd_count(s):
    r = ask(s, 0x25, 0, struct.pack("=I", 0xffffffff))        # XFRM_MSG_GETSPDINFO
    off = 16 + 4
    while off + 4 <= len(r):
        alen, atype = struct.unpack_from("=HH", r, off)
        if atype == 1:                                          # XFRMA_SPD_INFO: in, out, fwd, ...
            i, o, f = struct.unpack_from("=III", r, off + 4)
            return i + o + f
        off += (alen + 3) & ~3
    return -1
def has_table(s):
    name = b"gatewayd\0"
    attr = struct.pack("=HH", 4 + len(name), 1) + name + b"\0" * ((4 - len(name) % 4) % 4)
    r = ask(s, (10 << 8) | 1, 0, struct.pack("=BBH", 1, 0, 0) + attr)   # NFT_MSG_GETTABLE, NFPROTO_INET
    ty = struct.unpack_from("=H", r, 4)[0]
    return ty != 2                                              # NLMSG_ERROR: no such table
if mode == "xfrm":
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 6)    # NETLINK_XFRM
    s.bind((0, 0))
    t0 = time.monotonic()
    ask(s, 0x1d, 4, struct.pack("=B", 0) + b"\0" * 3)          # XFRM_MSG_FLUSHPOLICY, ACK
    done = lambda: spd_count(s) == expect
else:
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)   # NETLINK_NETFILTER
    s.bind((0, 0))
    t0 = time.monotonic()
    subprocess.run(["nft", "flush", "ruleset"], check=True)
    done = lambda: has_table(s)
while not done():
    if time.monotonic() - t0 > 10:
        print("timeout")
        sys.exit(0)
print("%.1f" % ((time.monotonic() - t0) * 1000))
EOP
}

xs=() ns=()
for r in $(seq "$runs"); do
        xs+=("$(repair xfrm "$want")")
        it_wait_for 10 eval '[ "$(count_ours)" -eq '"$want"' ]' || it_fail "XFRM run $r: the shield did not come back"
        sleep 0.5
        ns+=("$(repair nft 0)")
        it_wait_for 10 ip netns exec "$ONPREM_GW" nft list table inet gatewayd || it_fail "nft run $r: the table did not come back"
        sleep 0.5
done
med() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }
echo "bench-heal: $n tunnels, $want shield policies (DataPlane=kernel)"
echo "bench-heal: ip xfrm policy flush -> shield back: ${xs[*]} ms; median $(med "${xs[@]}") ms (target <= 1000)"
echo "bench-heal: nft flush ruleset -> table inet gatewayd back: ${ns[*]} ms; median $(med "${ns[@]}") ms (target <= 1000)"
own=$(grep -o 'in [0-9.]* ms \[event=shield-restored\]' "$IT_DIR/gatewayd.log" | awk '{ print $2 }' | tr '\n' ' ')
echo "bench-heal: gatewayd's own repair times (shield-restored): $own ms"

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
