# shellcheck shell=bash
# Route-based tunnels with BGP (DESIGN.md, "Route-based mode and BGP"),
# sourced by kernel-dataplane.sh for its phase route-bgp: an Azure-like
# active-active gateway — two instances, each a charon (route-based: an XFRM
# interface, any-to-any selectors) with FRR's bgpd announcing the VNet —
# and gatewayd with two Mode=route tunnels, one to each, with FRR of its own.
#
#  [rhost] --lan-- [rgw: charon + gatewayd + FRR] --wan-- [inet: br0 .254] --+-- [az0: charon + FRR] --l0-- [rvnet]
#                                                                           +-- [az1: charon + FRR] --l1-- [rvnet]
#
# rvnet's return route is a multipath over both instances (an instance whose
# link is down is skipped); each instance routes to on-prem over BGP. Every
# fault runs with pingers going and a capture of rgw's WAN that must hold no
# plaintext toward the VNet.


R_VNET4=198.51.100.128/25
R_ONPREM4=198.51.100.0/25
R_OUTSIDE4=203.0.113.128/25         # announced by the peers, outside RemotePrefixes
R_DSTS=(198.51.100.140 198.51.100.141 198.51.100.142 198.51.100.143 198.51.100.144 198.51.100.145)
declare -A R_NS=() R_FRR=()

rgw() { ip netns exec "${R_NS[gw]}" "$@"; }

# r_topology: the namespaces and links above.
r_topology() {
        local n
        for n in host gw inet az0 az1 vnet; do R_NS[$n]=$(it_netns "r$n"); done
        ip link add lan netns "${R_NS[host]}" type veth peer name lan netns "${R_NS[gw]}"
        ip -n "${R_NS[inet]}" link add br0 type bridge
        ip link add wan netns "${R_NS[gw]}" type veth peer name p-gw netns "${R_NS[inet]}"
        ip link add wan netns "${R_NS[az0]}" type veth peer name p-az0 netns "${R_NS[inet]}"
        ip link add wan netns "${R_NS[az1]}" type veth peer name p-az1 netns "${R_NS[inet]}"
        ip link add lan netns "${R_NS[az0]}" type veth peer name l0 netns "${R_NS[vnet]}"
        ip link add lan netns "${R_NS[az1]}" type veth peer name l1 netns "${R_NS[vnet]}"
        for p in p-gw p-az0 p-az1; do ip -n "${R_NS[inet]}" link set "$p" master br0 up; done
        ip -n "${R_NS[inet]}" link set br0 up
        ip -n "${R_NS[inet]}" addr add 192.0.2.254/24 dev br0
        while read -r ns dev a; do
                ip -n "${R_NS[$ns]}" addr add "$a" dev "$dev"
                ip -n "${R_NS[$ns]}" link set "$dev" up
        done <<EOT
host lan 198.51.100.10/25
gw lan 198.51.100.1/25
gw wan 192.0.2.1/24
az0 wan 192.0.2.2/24
az1 wan 192.0.2.3/24
az0 lan 198.51.100.241/30
az1 lan 198.51.100.245/30
vnet l0 198.51.100.242/30
vnet l1 198.51.100.246/30
EOT
        for a in "${R_DSTS[@]}"; do ip -n "${R_NS[vnet]}" addr add "$a/32" dev lo; done
        ip -n "${R_NS[host]}" route add default via 198.51.100.1
        for n in gw az0 az1; do ip -n "${R_NS[$n]}" route add default via 192.0.2.254; done
        ip netns exec "${R_NS[vnet]}" sysctl -qw net.ipv4.conf.all.ignore_routes_with_linkdown=1
        ip -n "${R_NS[vnet]}" route add default nexthop via 198.51.100.241 dev l0 nexthop via 198.51.100.245 dev l1
        for n in gw az0 az1; do
                ip netns exec "${R_NS[$n]}" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0
        done
        # Spread the flows to the VNet's addresses over both tunnels.
        rgw sysctl -qw net.ipv4.fib_multipath_hash_policy=1
        for n in az0 az1; do
                # The VNet's hosts, behind the instance; the instance's
                # route-based interface (if_id 42) with its APIPA address.
                ip -n "${R_NS[$n]}" route add 198.51.100.128/27 via "$( [ $n = az0 ] && echo 198.51.100.242 || echo 198.51.100.246)"
                ip -n "${R_NS[$n]}" link add vti0 type xfrm dev wan if_id 42
                ip -n "${R_NS[$n]}" addr add "169.254.2$([ $n = az0 ] && echo 1 || echo 2).1" \
                        peer "169.254.2$([ $n = az0 ] && echo 1 || echo 2).2" dev vti0
                ip -n "${R_NS[$n]}" link set vti0 up
                # Azure never forwards plaintext from the Internet into a VNet.
                ip netns exec "${R_NS[$n]}" nft -f - <<EON
table inet azure {
  chain vnet_in {
    type filter hook forward priority 0;
    iifname "wan" ip saddr $R_ONPREM4 meta ipsec missing counter drop
  }
}
EON
        done
}

# r_frr_install: FRR (setup.sh unpacked it) into the guest's overlay, once.
r_frr_install() {
        [ -x /usr/lib/frr/bgpd ] && return 0
        tar -C "$VM_WORK/frr-root" -cf - . | tar -C / -xf - --keep-directory-symlink
        ldconfig
        # What the package's postinst would make: FRR's daemons and vtysh
        # want root in the frrvty group (the guest's /etc is an overlay).
        grep -q '^frrvty:' /etc/group || echo 'frrvty:x:981:root' >> /etc/group
        grep -q '^frr:' /etc/group || echo 'frr:x:982:root' >> /etc/group
        mkdir -p /var/run/frr /var/log/frr
        say "$(vtysh --version 2>/dev/null | head -1)"
}

# r_frr_start NAME NS CONF [PATHSPACE]: zebra and bgpd in NS, as root, with
# CONF as bgpd's config; PATHSPACE (FRR's -N) for the peers, none for rgw's
# (gatewayd's vtysh uses the default paths).
r_frr_start() {
        local name=$1 ns=$2 conf=$3 space=${4:-} d="$IT_DIR/frr-$1" nopt=()
        mkdir -p "$d"
        [ -n "$space" ] && { nopt=(-N "$space"); mkdir -p "/var/run/frr/$space"; }
        # A stopped instance leaves its sockets: the readiness checks below
        # would pass before the new one listens.
        rm -f "/var/run/frr/${space:+$space/}"*.vty "/var/run/frr/${space:+$space/}zserv.api"
        printf 'log file %s/zebra.log\n' "$d" > "$d/zebra.conf"
        ip netns exec "$ns" /usr/lib/frr/zebra "${nopt[@]}" -u root -g root -P 0 -f "$d/zebra.conf" \
                -i "$d/zebra.pid" >>"$d/zebra.out" 2>&1 &
        R_FRR[$name-zebra]=$!
        IT_PIDS+=("$!")
        it_wait_for 20 test -S "/var/run/frr/${space:+$space/}zserv.api" || say "zebra $name: no zserv socket"
        cp "$conf" "$d/bgpd.conf"
        ip netns exec "$ns" /usr/lib/frr/bgpd "${nopt[@]}" -u root -g root -P 0 -f "$d/bgpd.conf" \
                -i "$d/bgpd.pid" >>"$d/bgpd.out" 2>&1 &
        R_FRR[$name-bgpd]=$!
        IT_PIDS+=("$!")
        it_wait_for 20 test -S "/var/run/frr/${space:+$space/}bgpd.vty" || say "bgpd $name: no vty socket"
}

r_frr_stop() { # NAME: bgpd, then zebra (SIGTERM: they withdraw their routes)
        local p
        for p in bgpd zebra; do
                [ -n "${R_FRR[$1-$p]:-}" ] || continue
                it_stop_pid "${R_FRR[$1-$p]}"
                wait "${R_FRR[$1-$p]}" 2>/dev/null
                it_forget_pid "${R_FRR[$1-$p]}"
                R_FRR[$1-$p]=
        done
}

# r_peer_bgpd_conf N: instance N's bgpd: AS 65515, the VNet and one prefix
# outside it announced; quick to reconnect (Azure's side retries too).
r_peer_bgpd_conf() {
        cat <<EOC
frr defaults traditional
log file $IT_DIR/frr-az$1/bgpd.log
router bgp 65515
 bgp router-id 169.254.2$(($1 + 1)).1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 169.254.2$(($1 + 1)).2 remote-as 65010
 neighbor 169.254.2$(($1 + 1)).2 timers connect 3
 address-family ipv4 unicast
  network $R_VNET4
  network $R_OUTSIDE4
 exit-address-family
exit
EOC
}

# r_peer_links_up N: instance N's links up, and the routes a link going
# down took along.
r_peer_links_up() {
        local ns=${R_NS[az$1]}
        ip -n "$ns" link set wan up
        ip -n "$ns" link set lan up
        ip -n "$ns" link set vti0 up
        ip -n "$ns" route replace default via 192.0.2.254
        ip -n "$ns" route replace 198.51.100.128/27 via "198.51.100.24$((2 + 4 * $1))"
}

# r_peer_start N: instance N as a whole (links up, charon with its
# route-based connection, FRR).
r_peer_start() {
        local n=az$1 ns=${R_NS[az$1]} dir="$IT_DIR/az$1"
        mkdir -p "$dir"
        r_peer_links_up "$1"
        cat > "$dir/swanctl.conf" <<EOC
connections {
    onprem {
        version = 2
        local_addrs = 192.0.2.$(($1 + 2))
        remote_addrs = 192.0.2.1
        proposals = aes256gcm16-prfsha384-ecp384
        mobike = no
        unique = replace
        dpd_delay = 10s
        local {
            auth = psk
            id = 192.0.2.$(($1 + 2))
        }
        remote {
            auth = psk
            id = 192.0.2.1
        }
        children {
            onprem {
                local_ts = 0.0.0.0/0
                remote_ts = 0.0.0.0/0
                if_id_in = 42
                if_id_out = 42
                esp_proposals = aes256gcm16-ecp384
                life_time = 27000s
                rekey_time = 24300s
            }
        }
    }
}
secrets {
    ike-onprem {
        id = 192.0.2.1
        secret = "$PSK"
    }
}
EOC
        it_start_charon "$n" "$ns"
        it_swanctl "$n" --load-all --file "$dir/swanctl.conf" >/dev/null 2>&1 || it_fail "$n: swanctl --load-all"
        r_peer_bgpd_conf "$1" > "$dir/bgpd.conf"
        r_frr_start "$n" "$ns" "$dir/bgpd.conf" "$n"
}

# r_peer_kill N: instance N goes away as a whole: charon killed, its SAs
# gone from the kernel, FRR gone, its links down.
r_peer_kill() {
        local n=az$1 ns=${R_NS[az$1]}
        kill -9 "${IT_CHARON[$n]}"
        wait "${IT_CHARON[$n]}" 2>/dev/null
        it_forget_pid "${IT_CHARON[$n]}"
        ip -n "$ns" xfrm state flush
        ip -n "$ns" xfrm policy flush
        r_frr_stop "$n"
        ip -n "$ns" link set wan down
        ip -n "$ns" link set lan down
}

r_tree() {
        local d="$IT_DIR/retc"
        rm -rf "$d"
        mkdir -p "$d/tunnels.d" "$d/psk"
        printf '%s\n' "$PSK" > "$d/psk/aa"
        chmod 600 "$d/psk/aa"
        printf '[Gateway]\nDataPlane=kernel\nBgpAsn=65010\nHealthIntervalSec=2\nVici=unix://%s/gw/charon.vici\nStatusFile=%s/status.json\n' \
                "$IT_DIR" "$IT_DIR" > "$d/gatewayd.conf"
        for i in 0 1; do
                cat > "$d/tunnels.d/aa$i.conf" <<EOT
[Tunnel]
RemoteAddress=192.0.2.$((i + 2))
LocalAddress=192.0.2.1
PreSharedKeyFile=psk/aa
Mode=route
LocalPrefixes=$R_ONPREM4
RemotePrefixes=$R_VNET4
DpdTimeoutSeconds=9
BgpPeerAddress=169.254.2$((i + 1)).1
BgpPeerAsn=65515
BgpLocalAddress=169.254.2$((i + 1)).2
EOT
        done
        R_ETC=$d
}

r_sa_up() { it_sa_installed gw "aa$1"; }
# r_shield_ok: gatewayd's block (any device) and an allow bound to each
# tunnel interface, for the VNet, out.
r_shield_ok() {
        ip -n "${R_NS[gw]}" xfrm policy | awk -v v="$R_VNET4" '
                /^src / { d = $4; dev = ""; for (i = 5; i <= NF; i++) if ($i == "dev") dev = $(i + 1); next }
                /^\tdir out/ && d == v {
                        blk = $0 ~ /action block/
                        if (blk && dev == "") b = 1
                        if (!blk && dev == "gw-aa0") a0 = 1
                        if (!blk && dev == "gw-aa1") a1 = 1
                }
                END { exit !(b && a0 && a1) }'
}
# r_bgp_state N: the state of gatewayd's BGP session N as the status file says.
r_bgp_state() {
        python3 - "$IT_DIR/status.json" "aa$1" <<'EOF' 2>/dev/null
import json, sys
d = json.load(open(sys.argv[1]))
for t in d["tunnels"]:
    if t["name"] == sys.argv[2]:
        b = t.get("bgp") or {}
        print(b.get("state", "none"), b.get("prefixes_received", 0), b.get("reason"))
EOF
}
r_bgp_established() { [[ $(r_bgp_state "$1") == established* ]]; }
r_frr_peer_established() { # N: FRR on rgw says the session is up
        local out
        out=$(rgw vtysh -c 'show bgp summary json' 2>/dev/null) || return 1
        python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["ipv4Unicast"]["peers"][sys.argv[2]]["state"] == "Established" else 1)' \
                "$out" "169.254.2$(($1 + 1)).1" 2>/dev/null
}
# r_nexthops: how many nexthops rgw's route to the VNet has.
r_nexthops() {
        local out
        out=$(ip -n "${R_NS[gw]}" route show "$R_VNET4" 2>/dev/null)
        if grep -q nexthop <<<"$out"; then grep -c nexthop <<<"$out"; elif [ -n "$out" ]; then echo 1; else echo 0; fi
}
r_flows() { # every VNet address answers from the on-prem host
        local a
        for _ in $(seq 20); do
                local ok=1
                for a in "${R_DSTS[@]}"; do it_ping_all "${R_NS[host]}" "$a" 2 || { ok=0; break; }; done
                [ $ok = 1 ] && return 0
                sleep 0.5
        done
        return 1
}
r_tx() { ip -n "${R_NS[gw]}" -s link show "$1" 2>/dev/null | awk '/TX:/ { getline; print $2; exit }'; }

# r_spray: 64 UDP flows from the on-prem host, each from its own ephemeral
# port, spread over the VNet addresses. The gateway hashes on L4
# (fib_multipath_hash_policy=1), so both next hops get some unless 64 coin
# tosses all fall one way. Pings alone are six flows: one boot in 32 hashes
# all six onto one tunnel (ICMP has no ports), and CI met that boot.
r_spray() {
        ip netns exec "${R_NS[host]}" bash -c '
                i=0
                for _ in $(seq 11); do
                        for a in "$@"; do
                                [ $i -ge 64 ] && exit 0
                                echo spray > "/dev/udp/$a/9" || exit 1
                                i=$((i + 1))
                        done
                done' spray "${R_DSTS[@]}"
}

R_PINGERS=()
r_pingers_start() {
        local a
        for a in "${R_DSTS[@]}"; do
                ip netns exec "${R_NS[host]}" ping -n -D -i 0.1 -W 1 "$a" >"$PD/ping-$a.txt" 2>&1 &
                R_PINGERS+=("$!")
        done
        IT_PIDS+=("${R_PINGERS[@]}")
}
r_pingers_stop() {
        stop_pings "${R_PINGERS[@]}"
        R_PINGERS=()
}
# r_loss: the pings lost since the pingers started, all flows together ("sent lost").
r_loss() {
        local a s=0 l=0 tx rx
        for a in "${R_DSTS[@]}"; do
                tx=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1/p' "$PD/ping-$a.txt")
                rx=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\2/p' "$PD/ping-$a.txt")
                s=$((s + ${tx:-0})) l=$((l + ${tx:-0} - ${rx:-0}))
        done
        echo "$s $l"
}
# r_gap: the longest run of unanswered pings of any flow, in seconds (0.1 s apart).
r_gap() {
        local a
        for a in "${R_DSTS[@]}"; do
                awk '/icmp_seq=/ { for (i = 1; i <= NF; i++) if ($i ~ /^icmp_seq=/) { s = substr($i, 10) + 0; if (p && s - p - 1 > g) g = s - p - 1; p = s } } END { print g + 0 }' "$PD/ping-$a.txt"
        done | sort -n | tail -1 | awk '{ printf "%.1f", $1 * 0.1 }'
}

r_fault_begin() {
        FAULT=$1
        say "fault: $FAULT"
        capture "$FAULT" wan
        OB0=$(xfrm_stat XfrmOutPolBlock)
}
r_fault_end() {
        capture_stop "$FAULT"
        say "  $FAULT: shield drops (XfrmOutPolBlock): $(( $(xfrm_stat XfrmOutPolBlock) - OB0 ))"
        check "$FAULT: zero plaintext toward the VNet on the WAN" leak_free "$FAULT"
}

r_both_up() {
        check "route-bgp: both tunnels up (within 60 s)" it_wait_for 60 eval 'r_sa_up 0 && r_sa_up 1'
        check "route-bgp: both BGP sessions established over the tunnels (within 60 s)" \
                it_wait_for 60 eval 'r_frr_peer_established 0 && r_frr_peer_established 1'
        check "route-bgp: the status file says both sessions are established" \
                it_wait_for 20 eval 'r_bgp_established 0 && r_bgp_established 1'
        check "route-bgp: the VNet route is learned with two next hops (ECMP)" it_wait_for 20 eval '[ "$(r_nexthops)" -eq 2 ]'
        check "route-bgp: traffic flows to every VNet address" r_flows
}

route_bgp_phase() {
        local saved_gw=$ONPREM_GW t0 t1 loss gap
        PD="$OUT/route-bgp"
        mkdir -p "$PD"
        say "=== phase route-bgp: two Mode=route tunnels with BGP to an active-active pair (charon + FRR each)"
        modprobe xfrm_interface 2>/dev/null || true
        r_frr_install
        r_topology
        ONPREM_GW=${R_NS[gw]}
        PLAIN_TO_VNET="dst net $R_VNET4"
        r_peer_start 0
        r_peer_start 1
        r_tree
        "$GATEWAYD" --config-dir "$R_ETC" --check >"$PD/check.txt" 2>&1 || { cat "$PD/check.txt"; it_fail "gatewayd --check (route)"; }
        printf 'frr defaults traditional\nlog file %s/frr-gw/bgpd.log\n' "$IT_DIR" > "$IT_DIR/gw-bgpd.conf"
        r_frr_start gw "${R_NS[gw]}" "$IT_DIR/gw-bgpd.conf"
        it_start_charon gw "${R_NS[gw]}"
        : > "$IT_DIR/gatewayd.log"
        ip netns exec "${R_NS[gw]}" "$GATEWAYD" --config-dir "$R_ETC" >>"$IT_DIR/gatewayd.log" 2>&1 &
        GATEWAYD_PID=$!
        IT_PIDS+=("$GATEWAYD_PID")

        check "route-bgp: interfaces gw-aa0 and gw-aa1 (xfrm, gatewayd's if_id) exist" \
                it_wait_for 20 eval 'ip -n "${R_NS[gw]}" -d link show gw-aa0 | grep -q "xfrm if_id 0x67" && ip -n "${R_NS[gw]}" -d link show gw-aa1 | grep -q "xfrm if_id 0x67"'
        r_both_up
        rgw vtysh -c 'show running-config' > "$PD/frr-running.txt" 2>&1
        "$GATEWAYCTL" --config-dir "$R_ETC" status > "$PD/gatewayctl-status.txt" 2>&1
        ip netns exec "${R_NS[gw]}" "$GATEWAYCTL" --config-dir "$R_ETC" shield > "$PD/gatewayctl-shield.txt" 2>&1
        say "  $(grep 'bgp:' "$PD/gatewayctl-status.txt" | head -2 | tr -s ' ' | paste -sd';')"
        check "route-bgp: gatewayctl status shows both BGP sessions established" \
                eval '[ "$(grep -c "bgp: established with 169.254.2[12].1 (AS 65515)" "$PD/gatewayctl-status.txt")" -eq 2 ]'
        # The shared VNet prefix's blocks are counted once (with aa0); each
        # tunnel has its allow: out, in and fwd blocks + two allows.
        check "route-bgp: gatewayctl shield finds every policy of both tunnels, their allows included" \
                eval 'awk '"'"'$1 ~ /^aa[01]$/ { split($3, a, "/"); if (a[1] == a[2] && a[2] >= 1) n++ } END { exit n != 2 }'"'"' "$PD/gatewayctl-shield.txt" && grep -q "^kernel: 5 shield policies" "$PD/gatewayctl-shield.txt"'
        ip -n "${R_NS[gw]}" route > "$PD/routes.txt"
        ip -n "${R_NS[gw]}" xfrm policy > "$PD/xfrm-policy.txt"
        check "route-bgp: a prefix the peers announce outside RemotePrefixes is not installed" \
                eval '[ -z "$(ip -n "${R_NS[gw]}" route show "$R_OUTSIDE4")" ]'
        check "route-bgp: ... which the peers do announce" \
                eval 'vtysh -N az0 -c "show bgp ipv4 unicast neighbors 169.254.21.2 advertised-routes" 2>&1 | grep -q "$R_OUTSIDE4"'
        check "route-bgp: the shield allows the VNet through each tunnel interface and blocks it elsewhere" r_shield_ok

        capture steady wan
        local tx0a tx0b
        tx0a=$(r_tx gw-aa0) tx0b=$(r_tx gw-aa1)
        check "route-bgp: traffic flows (steady)" r_flows
        r_spray
        check "route-bgp: both tunnels carry traffic (ECMP)" \
                eval '[ "$(r_tx gw-aa0)" -gt "$tx0a" ] && [ "$(r_tx gw-aa1)" -gt "$tx0b" ]'
        say "  packets sent through gw-aa0: $(( $(r_tx gw-aa0) - tx0a )), gw-aa1: $(( $(r_tx gw-aa1) - tx0b ))"
        capture_stop steady
        check "route-bgp: only ESP leaves the WAN while pinging" eval '[ "$(count steady esp)" -ge 5 ] && leak_free steady'

        # A reload that changes nothing keeps the BGP sessions.
        local up0
        up0=$(rgw vtysh -c 'show bgp summary json' 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["ipv4Unicast"]["peers"]["169.254.21.1"]["connectionsEstablished"])' 2>/dev/null)
        kill -HUP "$GATEWAYD_PID"
        sleep 3
        check "route-bgp: an unchanged reload leaves the BGP session alone (connections established: $up0)" \
                eval '[ -n "$up0" ] && [ "$(rgw vtysh -c "show bgp summary json" 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)[\"ipv4Unicast\"][\"peers\"][\"169.254.21.1\"][\"connectionsEstablished\"])")" = "$up0" ] && r_frr_peer_established 0'

        r_pingers_start
        sleep 2

        # BGP session loss (instance 0's bgpd stops; its tunnel stays).
        r_fault_begin bgp-session-loss
        # The instance's BGP goes: Azure's VNet then routes through the
        # other instance only (here: the link to the VNet goes down).
        r_frr_stop az0
        ip -n "${R_NS[az0]}" link set lan down
        check "bgp-session-loss: the VNet route drops to one next hop" it_wait_for 30 eval '[ "$(r_nexthops)" -eq 1 ]'
        check "bgp-session-loss: gatewayd reports bgp-down" it_wait_for 15 eval 'grep -q "BGP session with 169.254.21.1 .* is down" "$IT_DIR/gatewayd.log"'
        check "bgp-session-loss: traffic still flows (through aa1)" r_flows
        r_frr_start az0 "${R_NS[az0]}" "$IT_DIR/az0/bgpd.conf" az0
        r_peer_links_up 0
        check "bgp-session-loss: the session comes back, two next hops again" \
                it_wait_for 60 eval 'r_frr_peer_established 0 && [ "$(r_nexthops)" -eq 2 ]'
        r_fault_end

        # Instance 0 dies as a whole: failover to instance 1, timed.
        r_pingers_stop
        r_pingers_start
        sleep 2
        r_fault_begin instance-lost
        t0=$(date +%s%N)
        r_peer_kill 0
        check "instance-lost: gatewayd takes gw-aa0 down (DPD; well before BGP's 180 s hold timer)" \
                it_wait_for 40 eval 'ip -n "${R_NS[gw]}" link show gw-aa0 | grep -q "state DOWN"'
        t1=$(date +%s%N)
        check "instance-lost: the VNet route has only aa1 left" it_wait_for 10 eval '[ "$(r_nexthops)" -eq 1 ]'
        check "instance-lost: traffic flows through aa1" r_flows
        sleep 2
        r_pingers_stop
        read -r sent lost <<<"$(r_loss)"
        gap=$(r_gap)
        say "  BENCH failover: tunnel reported down after $(( (t1 - t0) / 1000000 )) ms (DpdTimeoutSeconds=9); $lost of $sent pings lost over ${#R_DSTS[@]} flows; longest gap of a flow ${gap} s"
        echo "failover_ms=$(( (t1 - t0) / 1000000 )) lost=$lost sent=$sent gap_s=$gap" > "$PD/bench-failover.txt"
        check "instance-lost: failover took less than BGP's hold timer (${gap} s < 180 s)" eval "awk -v g=$gap 'BEGIN { exit !(g < 30) }'"
        r_pingers_start
        r_fault_end

        # Both instances gone: everything VNet-bound is dropped.
        r_fault_begin both-lost
        r_peer_kill 1
        check "both-lost: gw-aa1 goes down too" it_wait_for 40 eval 'ip -n "${R_NS[gw]}" link show gw-aa1 | grep -q "state DOWN"'
        check "both-lost: no route to the VNet is left" it_wait_for 10 eval '[ "$(r_nexthops)" -eq 0 ]'
        OB1=$(xfrm_stat XfrmOutPolBlock)
        sleep 3
        check "both-lost: the shield drops VNet-bound traffic (XfrmOutPolBlock grew)" eval '[ "$(xfrm_stat XfrmOutPolBlock)" -gt "$OB1" ]'
        r_fault_end

        # Both back: traffic through both.
        r_peer_start 0
        r_peer_start 1
        r_both_up

        # FRR on the gateway stops, then comes back without gatewayd's part.
        r_fault_begin frr-stopped
        r_frr_stop gw
        check "frr-stopped: zebra took the learned routes away" it_wait_for 20 eval '[ "$(r_nexthops)" -eq 0 ]'
        check "frr-stopped: the status file says frr-unreachable" it_wait_for 15 eval '[[ $(r_bgp_state 0) == *frr-unreachable* ]]'
        OB1=$(xfrm_stat XfrmOutPolBlock)
        sleep 3
        check "frr-stopped: the shield drops VNet-bound traffic" eval '[ "$(xfrm_stat XfrmOutPolBlock)" -gt "$OB1" ]'
        r_frr_start gw "${R_NS[gw]}" "$IT_DIR/gw-bgpd.conf"
        check "frr-stopped: gatewayd applies its part to the restarted FRR" \
                it_wait_for 30 eval 'grep -q "FRR lacks neighbors gatewayd configured" "$IT_DIR/gatewayd.log"'
        r_fault_end
        r_both_up
        tx0a=$(r_tx gw-aa0) tx0b=$(r_tx gw-aa1)
        check "route-bgp: traffic through both tunnels again" r_flows
        r_spray
        check "route-bgp: both tunnels carry traffic again" eval '[ "$(r_tx gw-aa0)" -gt "$tx0a" ] && [ "$(r_tx gw-aa1)" -gt "$tx0b" ]'
        r_pingers_stop

        # Removing a tunnel removes its interface; the other stays up.
        rm "$R_ETC/tunnels.d/aa1.conf"
        kill -HUP "$GATEWAYD_PID"
        check "route-bgp: a removed tunnel's interface goes" it_wait_for 15 eval '! ip -n "${R_NS[gw]}" link show gw-aa1 >/dev/null 2>&1'
        check "route-bgp: FRR's neighbor of the removed tunnel goes, the other stays" \
                it_wait_for 15 eval '! rgw vtysh -c "show running-config" | grep -q "neighbor 169.254.22.1" && r_frr_peer_established 0'
        # Azure's VNet routes through the instance that still has a session.
        ip -n "${R_NS[az1]}" link set lan down
        check "route-bgp: traffic flows through the remaining tunnel" r_flows

        say "phase route-bgp: teardown"
        it_stop_pid "$GATEWAYD_PID"
        it_forget_pid "$GATEWAYD_PID"
        cp "$IT_DIR/gatewayd.log" "$PD/gatewayd.log" 2>/dev/null
        cp "$IT_DIR/status.json" "$PD/status.json" 2>/dev/null
        for n in gw az0 az1; do
                cp "$IT_DIR/$n/charon.log" "$PD/$n-charon.log" 2>/dev/null
                cp -r "$IT_DIR/frr-$n" "$PD/" 2>/dev/null
                r_frr_stop "$n"
                [ -n "${IT_CHARON[$n]:-}" ] && { it_stop_pid "${IT_CHARON[$n]}"; it_forget_pid "${IT_CHARON[$n]}"; }
        done
        ONPREM_GW=$saved_gw
}

# --- route-libreswan: a static route tunnel against Libreswan's XFRM interface ---
# On the integration tests' topology (it_topology): gatewayd with one
# Mode=route tunnel without BGP (routes RemotePrefixes into gw-azure) and a
# Libreswan peer with ipsec-interface= (its own XFRM interface, any-to-any
# selectors, a route back into it), hand-written.
route_libreswan_phase() {
        local d="$IT_DIR/pluto" etc="$IT_DIR/retc-ls"
        PD="$OUT/route-libreswan"
        mkdir -p "$PD" "$d" /run/pluto /var/lib/ipsec/nss /etc/ipsec.d
        say "=== phase route-libreswan: a static Mode=route tunnel against Libreswan's XFRM interface"
        PLAIN_TO_VNET="dst net $VNET4"
        if [ ! -e /usr/libexec/ipsec/pluto ]; then
                tar -C "$VM_WORK/libreswan-root" -cf - . | tar -C / -xf - --keep-directory-symlink
                ldconfig
                ipsec initnss >"$d/initnss.log" 2>&1 || { cat "$d/initnss.log"; it_fail "ipsec initnss"; }
        fi
        # Libreswan's route-based mode: ipsec-interface=1 (an XFRM interface
        # ipsec1, if_id 1), 0.0.0.0/0 on both sides; its updown script would
        # route 0.0.0.0/0 into the tunnel, so routes are set by hand.
        cat > /etc/ipsec.conf <<EOC
config setup
    logfile=$d/pluto.log
    logtime=yes
    plutodebug=none
conn onprem
    ikev2=insist
    authby=secret
    left=192.0.2.2
    leftid=192.0.2.2
    leftsubnet=0.0.0.0/0
    right=192.0.2.1
    rightid=192.0.2.1
    rightsubnet=0.0.0.0/0
    ipsec-interface=1
    leftupdown=/bin/true
    ike=aes_gcm256-sha2_384-dh20
    esp=aes_gcm256
    pfs=yes
    salifetime=27000s
    auto=add
EOC
        printf '192.0.2.2 192.0.2.1 : PSK "%s"\n' "$PSK" > /etc/ipsec.secrets
        chmod 600 /etc/ipsec.secrets
        rm -f /run/pluto/pluto.ctl /run/pluto/pluto.pid
        ip netns exec "$AZURE_GW" ipsec pluto --nofork --config /etc/ipsec.conf >"$d/pluto.out" 2>&1 &
        PLUTO_PID=$!
        IT_PIDS+=("$PLUTO_PID")
        it_wait_for 30 test -S /run/pluto/pluto.ctl || { cat "$d/pluto.out"; it_fail "pluto did not start"; }
        ip netns exec "$AZURE_GW" ipsec whack --listen >/dev/null
        ip netns exec "$AZURE_GW" ipsec auto --add onprem >/dev/null || it_fail "ipsec auto --add onprem"

        rm -rf "$etc"
        mkdir -p "$etc/tunnels.d" "$etc/psk"
        printf '%s\n' "$PSK" > "$etc/psk/azure"
        chmod 600 "$etc/psk/azure"
        printf '[Gateway]\nDataPlane=kernel\nHealthIntervalSec=2\nVici=unix://%s/gw/charon.vici\nStatusFile=%s/status.json\n' \
                "$IT_DIR" "$IT_DIR" > "$etc/gatewayd.conf"
        cat > "$etc/tunnels.d/azure.conf" <<EOT
[Tunnel]
RemoteAddress=192.0.2.2
LocalAddress=192.0.2.1
PreSharedKeyFile=psk/azure
Mode=route
LocalPrefixes=$ONPREM_LAN4
RemotePrefixes=$VNET4
DpdTimeoutSeconds=9
EOT
        "$GATEWAYD" --config-dir "$etc" --check >"$PD/check.txt" 2>&1 || { cat "$PD/check.txt"; it_fail "gatewayd --check (route-libreswan)"; }
        it_start_charon gw "$ONPREM_GW"
        : > "$IT_DIR/gatewayd.log"
        it_start_gatewayd "$etc"

        check "route-libreswan: tunnel up (within 60 s)" it_wait_for 60 tunnel_up
        check "route-libreswan: pluto made its XFRM interface" it_wait_for 20 ip -n "$AZURE_GW" link show ipsec1
        ip -n "$AZURE_GW" link set ipsec1 up
        ip -n "$AZURE_GW" route replace "$ONPREM_LAN4" dev ipsec1
        check "route-libreswan: gatewayd routes the VNet into gw-azure (proto 106)" \
                it_wait_for 20 eval 'ip -n "$ONPREM_GW" route show "$VNET4" | grep -q "dev gw-azure proto 106"'
        capture steady wan
        check "route-libreswan: traffic flows both ways" eval 'r_ls_flows'
        capture_stop steady
        ip -n "$ONPREM_GW" xfrm state > "$PD/xfrm-state.txt"
        ip -n "$ONPREM_GW" xfrm policy > "$PD/xfrm-policy.txt"
        check "route-libreswan: charon's policies carry the interface's if_id" grep -q "if_id 0x67" "$PD/xfrm-policy.txt"
        check "route-libreswan: only ESP leaves the WAN" eval '[ "$(count steady esp)" -ge 5 ] && leak_free steady'

        # The peer goes away: DPD, the interface goes down with its route,
        # VNet-bound traffic meets the shield.
        FAULT=peer-gone-route
        capture "$FAULT" wan
        ip netns exec "$ONPREM_HOST" ping -n -i 0.2 -W 1 "$VNET_HOST_IP4" >"$PD/ping.txt" 2>&1 &
        local pinger=$!
        IT_PIDS+=("$pinger")
        kill -9 "$PLUTO_PID"
        wait "$PLUTO_PID" 2>/dev/null
        it_forget_pid "$PLUTO_PID"
        ip -n "$AZURE_GW" xfrm state flush
        ip -n "$AZURE_GW" xfrm policy flush
        check "$FAULT: DPD takes the tunnel down, gw-azure down, its route gone (within 40 s)" \
                it_wait_for 40 eval 'ip -n "$ONPREM_GW" link show gw-azure | grep -q "state DOWN" && [ -z "$(ip -n "$ONPREM_GW" route show "$VNET4")" ]'
        OB1=$(xfrm_stat XfrmOutPolBlock)
        sleep 3
        check "$FAULT: the shield drops VNet-bound traffic (XfrmOutPolBlock grew)" eval '[ "$(xfrm_stat XfrmOutPolBlock)" -gt "$OB1" ]'
        kill -INT "$pinger" 2>/dev/null
        wait "$pinger" 2>/dev/null
        it_forget_pid "$pinger"
        capture_stop "$FAULT"
        check "$FAULT: zero plaintext toward the VNet on the WAN" leak_free "$FAULT"

        # Removing the tunnel removes its interface and route.
        rm "$etc/tunnels.d/azure.conf"
        kill -HUP "$GATEWAYD_PID"
        check "route-libreswan: a removed tunnel's interface goes" it_wait_for 15 eval '! ip -n "$ONPREM_GW" link show gw-azure >/dev/null 2>&1'

        say "phase route-libreswan: teardown"
        it_stop_pid "$GATEWAYD_PID"
        it_forget_pid "$GATEWAYD_PID"
        it_stop_pid "${IT_CHARON[gw]}"
        it_forget_pid "${IT_CHARON[gw]}"
        cp "$IT_DIR/gatewayd.log" "$PD/gatewayd.log" 2>/dev/null
        cp "$IT_DIR/gw/charon.log" "$PD/gw-charon.log" 2>/dev/null
        cp "$d/pluto.log" "$PD/" 2>/dev/null
        ip -n "$AZURE_GW" link del ipsec1 2>/dev/null
        ip -n "$ONPREM_GW" xfrm state flush
}

r_ls_flows() {
        for _ in $(seq 20); do
                if it_ping_all "$ONPREM_HOST" "$VNET_HOST_IP4" 3 && it_ping_all "$VNET_HOST" "$ONPREM_HOST_IP4" 2; then
                        return 0
                fi
                sleep 0.5
        done
        return 1
}
