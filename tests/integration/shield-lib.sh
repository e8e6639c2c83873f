# shellcheck shell=bash
# Helpers for the fail-closed ("shield") integration tests: continuous
# traffic toward the VNet, WAN captures per phase, plaintext/ESP/blocked
# counts, a second VNet site, an Azure peer with fast rekeys, spoofed
# plaintext from the WAN, TCP MSS checks. Sources lib.sh, whose helpers
# (captures, log waits, charon, the Azure peer) it uses as they are.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"

# The second VNet site behind the Azure gateway (phase "another tunnel").
VNET2_4=203.0.113.0/25
# Plaintext = anything leaving the on-prem WAN toward the VNet.
SH_PLAIN="dst net $VNET4 or dst net $VNET6"
# ESP in UDP (libipsec always encapsulates): port 4500, non-ESP marker != 0.
SH_ESP="udp port 4500 and udp[8:4] != 0"
SH_PHASES=()
SH_PSK=
declare -A SH_BLOCK0=()

# sh_gw CMD...: CMD in the on-prem gateway's namespace. Never background
# this function (or any): `f &` forks a subshell, $! is the subshell's PID,
# and killing it leaves the real process running. Background `ip netns exec`
# itself (it execs the command: same PID).
sh_gw() { ip netns exec "$ONPREM_GW" "$@"; }

# python3 without a version manager's shim in between (a shim that forks
# would leave the real interpreter behind when the test ends its PID).
SH_PY=/usr/bin/python3
[ -x "$SH_PY" ] || SH_PY=$(command -v python3)

# sh_monitor_start FILE: `ip xfrm monitor policy` in the on-prem gateway's
# namespace into FILE; sets SH_MON (its PID).
sh_monitor_start() {
        ip netns exec "$ONPREM_GW" ip xfrm monitor policy >"$1" 2>&1 &
        SH_MON=$!
        IT_PIDS+=("$SH_MON")
        # ip has subscribed once it runs in the namespace; give it a moment.
        sleep 0.3
}

# sh_blocked: XfrmOutPolBlock of the on-prem gateway (packets an XFRM block
# policy dropped on output or forward).
sh_blocked() {
        sh_gw awk '$1 == "XfrmOutPolBlock" { print $2 }' /proc/net/xfrm_stat
}

# sh_policies: the gateway's XFRM policies as text (stable across reads).
sh_policies() { ip -n "$ONPREM_GW" xfrm policy list; }
sh_n_policies() { sh_policies | grep -c '^src ' || true; }

# sh_nft: gatewayd's nftables table, counters and handles stripped.
sh_nft() {
        sh_gw nft list table inet gatewayd 2>/dev/null |
                sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/; s/ # handle [0-9]+//'
}

# sh_nft_as_fresh WHAT: the table gatewayd holds after its reloads (a
# reload changes set elements in place) is the one a fresh install of the
# same tree gives (--shield-only in a scratch namespace), or fail.
sh_nft_as_fresh() {
        local ns want got
        ns=$(it_netns fresh)
        ip netns exec "$ns" "$GATEWAYD" --config-dir "$SH_ETC" --shield-only >/dev/null 2>&1 ||
                it_fail "$1: --shield-only of the same tree failed"
        want=$(ip netns exec "$ns" nft list table inet gatewayd |
                sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/; s/ # handle [0-9]+//')
        ip netns del "$ns"
        got=$(sh_nft)
        [ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got") >&2; it_fail "$1: the table is not what a fresh install holds"; }
}

# sh_wan_capture NAME: outbound WAN capture on the on-prem gateway.
sh_wan_capture() { it_capture_start "$1" "$ONPREM_GW" wan -Q out; }

# sh_pingers_start: the on-prem host sends to the VNet continuously, IPv4
# and IPv6, until the test ends.
sh_pingers_start() {
        ip netns exec "$ONPREM_HOST" stdbuf -oL ping -n -D -i 0.05 198.51.100.140 >"$IT_DIR/ping4.out" 2>&1 &
        IT_PIDS+=("$!")
        ip netns exec "$ONPREM_HOST" stdbuf -oL ping -n -D -i 0.05 2001:db8:b::140 >"$IT_DIR/ping6.out" 2>&1 &
        IT_PIDS+=("$!")
}

# sh_tunnel_works [SECONDS]: the tunnel carries IPv4 and IPv6 again (a
# ping passes only through the tunnel: the Azure side drops plaintext).
sh_tunnel_works() {
        local t=${1:-30}
        it_wait_for "$t" it_sa_installed gw azure || return 1
        it_wait_for "$t" it_ping "$ONPREM_HOST" 198.51.100.140 || return 1
        it_wait_for "$t" it_ping "$ONPREM_HOST" 2001:db8:b::140 || return 1
        # The gateway's own traffic too (the shield must not shadow it).
        it_wait_for 5 it_ping "$ONPREM_GW" 198.51.100.140 || { it_log "the gateway's own IPv4 ping to the VNet fails"; return 1; }
        it_wait_for 5 it_ping "$ONPREM_GW" 2001:db8:b::140 || { it_log "the gateway's own IPv6 ping to the VNet fails"; return 1; }
}

# sh_gw_sender_start: the on-prem gateway itself sends UDP to the VNet
# (both families, every 50 ms, errors such as EPERM from the shield
# ignored) until the test ends: its own traffic must not leak either.
sh_gw_sender_start() {
        ip netns exec "$ONPREM_GW" "$SH_PY" -c '
import socket, time
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
while True:
    for s, a in ((s4, ("198.51.100.140", 9)), (s6, ("2001:db8:b::140", 9))):
        try:
            s.sendto(b"gatewayd-own", a)
        except OSError:
            pass
    time.sleep(0.05)
' >/dev/null 2>&1 &
        IT_PIDS+=("$!")
}

# sh_own_plain PCAP: plaintext toward the VNet from the gateway itself.
sh_own_plain() {
        it_pcap_count "$1" "($SH_PLAIN) and (src host 192.0.2.1 or src host 2001:db8:ffff::1 or src host 198.51.100.1 or src host 2001:db8:a::1)"
}

# sh_nft6_out: packets the IPv6 outbound rule (postrouting) of
# gatewayd's table dropped since the table was last replaced.
sh_nft6_out() {
        local out
        out=$(sh_gw nft list table inet gatewayd 2>/dev/null) || true
        sed -n 's/.*oifname != "[^"]*" ip6 daddr @shield6 counter packets \([0-9]*\) .*/\1/p' <<<"$out" |
                awk '{ n += $1 } END { print n + 0 }'
}

# sh_phase_begin NAME: starts the phase's WAN capture and notes the block
# counters.
sh_phase_begin() {
        it_log "phase $1: begin"
        SH_BLOCK0[$1]=$(sh_blocked)
        SH_NFT6_0=$(sh_nft6_out)
        SH_T0=$(it_ms)
        sh_wan_capture "phase-$1"
}

# sh_phase_end NAME [MIN_BLOCKED [MIN_BLOCKED6]]: waits for the tunnel to carry traffic
# again, ends the capture, logs plaintext/ESP/blocked and asserts: no
# plaintext, ESP seen, and (MIN_BLOCKED) at least that many blocked packets
# per family (IPv4: XfrmOutPolBlock; IPv6: gatewayd's nftables counters).
# Sets SH_N_PLAIN SH_N_ESP SH_N_BLOCKED SH_N_NFT6.
sh_phase_end() {
        local name=$1 min_blocked=${2:-0} min_blocked6=${3:-${2:-0}} pcap="$IT_DIR/phase-$1.pcap"
        sh_tunnel_works 40 || { sh_dump_state; it_fail "phase $name: the tunnel did not come back"; }
        it_capture_stop "phase-$name"
        SH_N_PLAIN=$(it_pcap_count "$pcap" "$SH_PLAIN")
        SH_N_ESP=$(it_pcap_count "$pcap" "$SH_ESP")
        SH_N_BLOCKED=$(( $(sh_blocked) - ${SH_BLOCK0[$name]} ))
        # gatewayd replaces its table (counters at 0) when ipsec0 comes or
        # goes: then the end value is a lower bound.
        local n6
        n6=$(sh_nft6_out)
        SH_N_NFT6=$(( n6 >= SH_NFT6_0 ? n6 - SH_NFT6_0 : n6 ))
        local line t1 r4 r6
        t1=$(it_ms)
        r4=$(sh_replies "$IT_DIR/ping4.out" "$SH_T0" "$t1")
        r6=$(sh_replies "$IT_DIR/ping6.out" "$SH_T0" "$t1")
        line=$(printf 'phase %-26s plaintext=%-3s esp=%-5s blocked xfrm4=%-4s nft6>=%-4s replies v4/v6=%s/%s in %d ms' \
                "$name" "$SH_N_PLAIN" "$SH_N_ESP" "$SH_N_BLOCKED" "$SH_N_NFT6" "$r4" "$r6" $(( t1 - SH_T0 )))
        SH_PHASES+=("$line")
        it_log "$line"
        if [ "$SH_N_PLAIN" -ne 0 ]; then
                tcpdump -nr "$pcap" "$SH_PLAIN" 2>/dev/null | awk "NR <= 5" >&2
                it_fail "phase $name: $SH_N_PLAIN plaintext packets toward the VNet left the WAN"
        fi
        [ "$SH_N_ESP" -gt 0 ] || it_fail "phase $name: no ESP on the WAN"
        [ "$SH_N_BLOCKED" -ge "$min_blocked" ] ||
                it_fail "phase $name: XfrmOutPolBlock rose by $SH_N_BLOCKED, expected >= $min_blocked"
        [ "$SH_N_NFT6" -ge "$min_blocked6" ] ||
                it_fail "phase $name: the IPv6 outbound drops rose by $SH_N_NFT6, expected >= $min_blocked6"
}

# sh_replies FILE FROM_MS TO_MS: echo replies (ping -D) received in the window.
sh_replies() {
        awk -v a="$2" -v b="$3" -F'[][]' '/bytes from/ { t = $2 * 1000; if (t >= a && t <= b) n++ } END { print n + 0 }' "$1"
}

sh_summary() {
        it_log "per-phase results:"
        for l in "${SH_PHASES[@]}"; do it_log "  $l"; done
}

sh_dump_state() {
        {
                echo "--- xfrm policies"; sh_policies
                echo "--- nft"; sh_gw nft list table inet gatewayd 2>&1
                echo "--- routes"; ip -n "$ONPREM_GW" route show table all | grep -v 'table local'
                echo "--- sas"; it_swanctl gw --list-sas 2>&1
                echo "--- gatewayd.log"; tail -30 "$IT_DIR/gatewayd.log"
        } >&2 || true
}

# sh_second_site: addresses for the second VNet site (203.0.113.0/25): the
# Azure gateway needs an address inside its local traffic selector.
sh_second_site() {
        ip -n "$AZURE_GW" addr add 203.0.113.1/25 dev lan
        ip -n "$VNET_HOST" addr add 203.0.113.10/25 dev lan
}

# sh_azure_peer NAME PSK IKE ESP [IKE_EXTRA] [CHILD_EXTRA]: it_azure_peer
# with a second connection "onprem2" (own identities) for the second VNet
# site.
sh_azure_peer() {
        it_azure_peer "$1" "$2" "$3" "$4" "${5:-}" "${6:-}" "onprem2 az2.example onprem2.example $VNET2_4 $ONPREM_LAN4"
}

# sh_tunnel2_file ETC: the second tunnel's file (to the second VNet site).
sh_tunnel2_file() { it_peer_tunnel "$1" azure2 onprem2.example az2.example "$VNET2_4" DpdTimeoutSeconds=9; }

# sh_setup FAILCLOSED: topology, Azure peer (az), charon gw, config tree in
# $IT_DIR/etc with DpdTimeoutSeconds=9. Sets SH_ETC and SH_PSK. Nothing is
# started on the on-prem side except charon.
sh_setup_common() {
        local fc=$1
        it_topology
        # The worst case for the shield: no reverse-path filter to lean on.
        for ns in "$ONPREM_GW" "$AZURE_GW"; do
                ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
                        net.ipv4.conf.wan.rp_filter=0 net.ipv4.conf.lan.rp_filter=0
        done
        sh_second_site
        SH_PSK=$("$GATEWAYCTL" genpsk)
        SH_ETC="$IT_DIR/etc"
        it_onprem_tree "$SH_ETC" "$SH_PSK" "FailClosed=$fc
DpdTimeoutSeconds=9"
        sh_azure_peer az "$SH_PSK" aes256gcm16-prfsha384-ecp384 aes256gcm16-ecp384
}

# sh_spoof NETNS IFACE SRC DST PORT COUNT: sends COUNT UDP packets with a
# forged source SRC (IPv4 or IPv6) to DST out of IFACE, in plaintext, with
# a raw socket bound to IFACE (so no tunnel route can catch them).
sh_spoof() {
        ip netns exec "$1" "$SH_PY" - "$2" "$3" "$4" "$5" "$6" <<'EOP'
import socket, struct, sys, time
ifc, src, dst, port, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
payload = b"gatewayd-spoof-test"
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
v6 = ":" in dst
fam = socket.AF_INET6 if v6 else socket.AF_INET
s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifc.encode())
sa, da = socket.inet_pton(fam, src), socket.inet_pton(fam, dst)
ulen = 8 + len(payload)
for i in range(count):
    udp = struct.pack("!HHHH", 40000 + i, port, ulen, 0) + payload
    if v6:
        pseudo = sa + da + struct.pack("!I3xB", ulen, 17)
        c = csum(pseudo + udp) or 0xffff
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
        pkt = struct.pack("!IHBB", 6 << 28, ulen, 17, 64) + sa + da + udp
        s.sendto(pkt, (dst, 0))
    else:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, i + 1, 0, 64, 17, 0, sa, da)
        s.sendto(hdr + udp, (dst, 0))
    time.sleep(0.02)
EOP
}

# sh_tcp_listen NETNS PORT: a dual-stack TCP listener that accepts and
# closes, until the test ends.
sh_tcp_listen() {
        ip netns exec "$1" "$SH_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.close()
' "$2" >"$IT_DIR/listen.out" 2>&1 &
        IT_PIDS+=("$!")
}

# sh_tcp_connect NETNS ADDR PORT: one TCP connection (handshake) to ADDR.
sh_tcp_connect() {
        ip netns exec "$1" "$SH_PY" -c '
import socket, sys
socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
' "$2" "$3" >/dev/null 2>&1
}

# sh_syn_mss PCAP FLAGS: the MSS options of the TCP segments with FLAGS
# ("S" for SYN, "S." for SYN-ACK) in PCAP, one a line.
sh_syn_mss() {
        local out
        out=$(tcpdump -nvr "$1" tcp 2>/dev/null | tr '\n' ' ')
        grep -o "Flags \[$2\], [^]]*options \[mss [0-9]*" <<<"$out" | sed 's/.*mss //' || true
}

# sh_nft_drops CHAIN FAMILY(ip|ip6): packets the shield's spoof rule in
# gatewayd's CHAIN (input or forward) dropped so far (0 without the rule).
sh_nft_drops() {
        local out n
        out=$(sh_gw nft list chain inet gatewayd "$1" 2>/dev/null) || true
        n=$(sed -n "s/.* $2 saddr @shield[46] counter packets \([0-9]*\) .*drop.*/\1/p" <<<"$out")
        echo "${n:-0}"
}

# sh_spoof_round NAME COUNT: from the Azure gateway, COUNT UDP packets per
# family with a VNet source (198.51.100.140, 2001:db8:b::140) straight to
# the on-prem host across the WAN in plaintext. Captures where they arrive
# (the on-prem gateway's WAN, inbound) and where they must not (the host's
# LAN). Sets SH_SPOOF_WAN and SH_SPOOF_HOST (both families together).
SH_SPOOF_PORT=47001
sh_spoof_round() {
        local name=$1 count=$2 f="udp dst port $SH_SPOOF_PORT"
        it_capture_start "$name-wan" "$ONPREM_GW" wan -Q in "$f"
        it_capture_start "$name-host" "$ONPREM_HOST" lan -Q in "$f"
        sh_spoof "$AZURE_GW" wan 198.51.100.140 198.51.100.10 $SH_SPOOF_PORT "$count" ||
                it_fail "spoof: the IPv4 sender failed"
        sh_spoof "$AZURE_GW" wan 2001:db8:b::140 2001:db8:a::10 $SH_SPOOF_PORT "$count" ||
                it_fail "spoof: the IPv6 sender failed"
        # Let the last ones travel (two hops, no queue).
        sleep 0.5
        it_capture_stop "$name-wan"
        it_capture_stop "$name-host"
        SH_SPOOF_WAN=$(it_pcap_count "$IT_DIR/$name-wan.pcap" "$f and (src host 198.51.100.140 or src host 2001:db8:b::140)")
        SH_SPOOF_HOST=$(it_pcap_count "$IT_DIR/$name-host.pcap" "$f and (src host 198.51.100.140 or src host 2001:db8:b::140)")
        it_log "spoof $name: sent $count+$count, arrived on the WAN: $SH_SPOOF_WAN, reached the host: $SH_SPOOF_HOST"
}

# sh_xfrm_obstacle DIR SRC DST PRIORITY: another program's XFRM policy (a
# block) in the on-prem gateway's namespace with the very identity of one of
# gatewayd's shield policies: the same direction and selector, the selector's
# `user` field included (gatewayd's marker, shield.h), which `ip xfrm` cannot
# set, so it goes in over raw netlink. The kernel then refuses gatewayd's
# exclusive add of that policy with EEXIST. Echoes the index the kernel gave
# it (for `ip xfrm policy delete dir DIR index N`).
sh_xfrm_obstacle() {
        sh_gw "$SH_PY" - "$@" <<'EOP'
import ctypes, ipaddress, socket, struct, sys
d, src, dst, prio = sys.argv[1], ipaddress.ip_network(sys.argv[2]), ipaddress.ip_network(sys.argv[3]), int(sys.argv[4])
SEL_USER = 0x6a7e5d00   # SHIELD_SEL_USER in xfrm/shield.h
class Sel(ctypes.Structure):
    _fields_ = [("daddr", ctypes.c_ubyte * 16), ("saddr", ctypes.c_ubyte * 16), ("dport", ctypes.c_uint16),
                ("dport_mask", ctypes.c_uint16), ("sport", ctypes.c_uint16), ("sport_mask", ctypes.c_uint16),
                ("family", ctypes.c_uint16), ("prefixlen_d", ctypes.c_uint8), ("prefixlen_s", ctypes.c_uint8),
                ("proto", ctypes.c_uint8), ("ifindex", ctypes.c_int), ("user", ctypes.c_uint32)]
class Info(ctypes.Structure):
    _fields_ = [("sel", Sel), ("lft", ctypes.c_uint64 * 8), ("curlft", ctypes.c_uint64 * 4),
                ("priority", ctypes.c_uint32), ("index", ctypes.c_uint32), ("dir", ctypes.c_uint8),
                ("action", ctypes.c_uint8), ("flags", ctypes.c_uint8), ("share", ctypes.c_uint8)]
i = Info()
fam = socket.AF_INET if dst.version == 4 else socket.AF_INET6
i.sel.family = fam
ctypes.memmove(i.sel.daddr, dst.network_address.packed, len(dst.network_address.packed))
ctypes.memmove(i.sel.saddr, src.network_address.packed, len(src.network_address.packed))
i.sel.prefixlen_d, i.sel.prefixlen_s, i.sel.user = dst.prefixlen, src.prefixlen, SEL_USER
for k in range(4):
    i.lft[k] = 2**64 - 1          # byte and packet limits XFRM_INF, as ip xfrm sets them; no expiry
i.priority, i.dir, i.action = prio, {"in": 0, "out": 1, "fwd": 2}[d], 1   # block
payload = bytes(i)
NEWPOLICY, REQ_ACK_CREATE_EXCL = 0x13, 0x1 | 0x4 | 0x400 | 0x200
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 6)   # NETLINK_XFRM
s.bind((0, 0))
s.send(struct.pack("=IHHII", 16 + len(payload), NEWPOLICY, REQ_ACK_CREATE_EXCL, 1, 0) + payload)
ack = s.recv(65536)
err = struct.unpack_from("=i", ack, 16)[0]
if err:
    sys.exit("obstacle refused: %s" % (-err))
# Its index: dump and find it by priority.
s.send(struct.pack("=IHHII", 16 + 64, 0x15, 0x1 | 0x300, 2, 0) + bytes(64))   # GETPOLICY dump
while True:
    buf = s.recv(1 << 20)
    off, done = 0, False
    while off < len(buf):
        ln, ty = struct.unpack_from("=IH", buf, off)
        if ty == 3:               # NLMSG_DONE
            done = True
        elif ty == NEWPOLICY:
            p = Info.from_buffer_copy(buf[off + 16: off + 16 + ctypes.sizeof(Info)])
            if p.priority == prio and p.sel.user == SEL_USER and p.dir == i.dir:
                print(p.index)
        off += (ln + 3) & ~3
    if done:
        break
EOP
}
