# shellcheck shell=bash
# Helpers for gatewayd's integration tests: namespaces, charon instances,
# test credentials. Every test sources this, calls it_init, and registers what
# it starts so that the EXIT trap ends its processes (by PID) and removes its
# namespaces, even on failure.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
GATEWAYD="$top_builddir/gatewayd/gatewayd"
GATEWAYCTL="$top_builddir/gatewayd/gatewayctl"
CHARON=${CHARON:-/usr/lib/ipsec/charon}

IT_PIDS=()
declare -A IT_CHARON=()
declare -A IT_CAPTURE=()
IT_DIR=

it_log() { printf '# %s\n' "$*" >&2; }
it_fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
it_skip() { printf 'SKIP: %s\n' "$*" >&2; exit 77; }

it_cleanup() {
        local rc=$?
        for pid in "${IT_PIDS[@]}"; do
                kill "$pid" 2>/dev/null || true
        done
        for pid in "${IT_PIDS[@]}"; do
                for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
                kill -9 "$pid" 2>/dev/null || true
        done
        # A gatewayd built with sanitizers (run-all.sh runs some tests so)
        # reports to its stderr: a log file or the test's journal. Any
        # report fails the test, also one made as gatewayd exited.
        if [ -n "$IT_DIR" ] && [ -d "$IT_DIR" ]; then
                local reports
                reports=$( { grep -rhaE -A12 'ERROR: AddressSanitizer|: runtime error: ' "$IT_DIR" --include='*.log' --include='*.out' 2>/dev/null
                             [ -n "${J:-}" ] && [ -d "$J" ] && journalctl -D "$J" --no-pager -o cat 2>/dev/null |
                                     grep -aE -A12 'ERROR: AddressSanitizer|: runtime error: '; } || true)
                if [ -n "$reports" ]; then
                        printf '%s\n' "$reports" | head -60 >&2
                        echo "FAIL: a sanitizer report from a process of this test" >&2
                        rc=1
                fi
        fi
        # Namespaces are listed in a file: it_netns usually runs in a $(...)
        # subshell, whose variables the trap would never see.
        if [ -n "$IT_DIR" ] && [ -f "$IT_DIR/.netns" ]; then
                while read -r ns; do
                        ip netns del "$ns" 2>/dev/null || true
                done < "$IT_DIR/.netns"
        fi
        if [ -n "$IT_DIR" ] && [ -z "${IT_KEEP:-}" ]; then
                rm -rf "$IT_DIR"
        elif [ -n "$IT_DIR" ]; then
                it_log "kept $IT_DIR"
        fi
        exit $rc
}

# it_init NAME: checks prerequisites, makes the work dir, sets the trap.
it_init() {
        [ "$(id -u)" = 0 ] || it_skip "needs root (network namespaces, charon)"
        [ -x "$CHARON" ] || it_skip "charon not installed ($CHARON): apt-get install strongswan-charon"
        command -v swanctl >/dev/null || it_skip "swanctl not installed: apt-get install strongswan-swanctl"
        [ -x "$GATEWAYD" ] || it_fail "gatewayd not built: $GATEWAYD"
        IT_DIR=$(mktemp -d "/tmp/gw-it-$1.XXXXXX")
        chmod 755 "$IT_DIR"
        trap it_cleanup EXIT
        trap 'exit 130' INT TERM
}

# it_netns NAME: creates a namespace with a unique name, echoes it.
it_netns() {
        local ns="gwt-$1-$$"
        ip netns add "$ns" || it_fail "ip netns add $ns"
        echo "$ns" >> "$IT_DIR/.netns"
        ip -n "$ns" link set lo up
        echo "$ns"
}

# it_ms: the time in milliseconds (for deadlines and durations).
it_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# it_wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
it_wait_for() {
        local deadline=$(( $(it_ms) + $1 * 1000 ))
        shift
        while ! "$@" >/dev/null 2>&1; do
                [ "$(it_ms)" -lt $deadline ] || return 1
                sleep 0.1
        done
}

# it_start_charon NAME NETNS: charon with kernel-libipsec and its own /run,
# VICI at $IT_DIR/NAME/charon.vici, log at $IT_DIR/NAME/charon.log. The
# on-prem gateway's charon (NAME gw, or gw-*) runs with the strongSwan drop-in
# the package installs (packaging/strongswan.d/gatewayd.conf: the
# retransmission schedule DpdTimeoutSeconds relies on); a peer's retransmits
# a little more patiently, as a remote gateway we do not configure would.
# IT_CHARON_EXTRA, when set, goes into its strongswan.conf (benchmarks:
# flood thresholds). IT_CHARON_LOGLEVEL sets the log's ike and cfg levels
# (default 2, which tests grep; benchmarks use 1, a production charon's
# level: at 2 charon writes some 75 lines per connection it loads, which
# then dominates the time of a load).
it_start_charon() {
        local name=$1 ns=$2 dir="$IT_DIR/$1" retransmit
        mkdir -p "$dir"
        case $name in
        gw | gw-*) retransmit="include $top_srcdir/packaging/strongswan.d/gatewayd.conf" ;;
        *) retransmit='charon {
  retransmit_tries = 3
  retransmit_timeout = 1
  retransmit_base = 1.4
}' ;;
        esac
        cat > "$dir/strongswan.conf" <<EOC
$retransmit
${IT_CHARON_EXTRA:-}
charon {
  load_modular = yes
  install_routes = yes
  plugins {
    include /etc/strongswan.d/charon/*.conf
    kernel-libipsec {
      load = yes
    }
    vici {
      socket = unix://$dir/charon.vici
    }
  }
  filelog {
    f {
      path = $dir/charon.log
      default = 1
      ike = ${IT_CHARON_LOGLEVEL:-2}
      cfg = ${IT_CHARON_LOGLEVEL:-2}
      flush_line = yes
      time_format = %s
      time_add_ms = yes
    }
  }
}
EOC
        # A charon that was killed leaves its socket file: without this, the
        # readiness check below would pass before the new one listens.
        rm -f "$dir/charon.vici"
        ip netns exec "$ns" unshare -m sh -c \
                "mount -t tmpfs tmpfs /run && STRONGSWAN_CONF=$dir/strongswan.conf exec $CHARON" \
                >>"$dir/charon.out" 2>&1 &
        IT_PIDS+=("$!")
        IT_CHARON[$name]=$!
        it_wait_for 20 test -S "$dir/charon.vici" || it_fail "charon $name did not open its VICI socket"
}

# it_swanctl NAME ARGS...: swanctl against charon NAME.
it_swanctl() {
        local name=$1
        shift
        swanctl "$@" --uri "unix://$IT_DIR/$name/charon.vici"
}

# it_make_ca DIR [CN]: an EC P-384 test CA (ca.pem, ca.key) in DIR, subject
# "C=US, O=gatewayd test, CN=CN" (CN defaults to "gatewayd test CA").
it_make_ca() {
        local d=$1 cn=${2:-gatewayd test CA}
        mkdir -p "$d"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -sha384 -nodes -days 365 \
                -subj "/C=US/O=gatewayd test/CN=$cn" \
                -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
                -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null || it_fail "openssl: CA"
}

# it_make_cert CADIR OUTCERT OUTKEY SUBJECT SAN: an EC P-256 certificate signed
# by the CA; SUBJECT as openssl writes it ("/C=US/O=Example/CN=gw").
it_make_cert() {
        local ca=$1 cert=$2 key=$3 subj=$4 san=$5
        mkdir -p "$(dirname "$cert")" "$(dirname "$key")"
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$subj" \
                -keyout "$key" -out "$cert.csr" 2>/dev/null || it_fail "openssl: csr $subj"
        printf 'subjectAltName=%s\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" > "$cert.ext"
        openssl x509 -req -in "$cert.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial -sha384 \
                -days 365 -extfile "$cert.ext" -out "$cert" 2>/dev/null || it_fail "openssl: cert $subj"
        rm -f "$cert.csr" "$cert.ext"
        chmod 600 "$key"
}

# it_example_tree DIR PSK: copies conf/examples to DIR and creates every
# credential the examples reference (relative paths under DIR), the PSK files
# holding PSK.
it_example_tree() {
        local d=$1 psk=$2
        cp -r "$top_srcdir/conf/examples/." "$d/"
        for f in $(sed -n 's/^PreSharedKeyFile *= *//p' "$d"/tunnels.d/*.conf); do
                mkdir -p "$(dirname "$d/$f")"
                printf '%s\n' "$psk" > "$d/$f"
                chmod 600 "$d/$f"
        done
        if grep -q '^Certificate' "$d"/tunnels.d/*.conf; then
                local tmpca="$d/.ca"
                it_make_ca "$tmpca"
                for t in $(grep -l '^Authentication *= *certificate' "$d"/tunnels.d/*.conf); do
                        local cert key ca subj
                        cert=$(sed -n 's/^Certificate *= *//p' "$t")
                        # LocalId "C=US, O=Example, CN=gw" -> "/C=US/O=Example/CN=gw"
                        subj=$(sed -n 's/^LocalId *= *//p' "$t" | sed 's|, *|/|g; s|^|/|')
                        key=$(sed -n 's/^PrivateKey *= *//p' "$t")
                        ca=$(sed -n 's/^CACertificate *= *//p' "$t")
                        mkdir -p "$(dirname "$d/$ca")"
                        cp "$tmpca/ca.pem" "$d/$ca"
                        it_make_cert "$tmpca" "$d/$cert" "$d/$key" "${subj:-/CN=onprem-gw}" "IP:192.0.2.1,DNS:onprem-gw.example"
                done
                rm -rf "$tmpca"
        fi
}

# it_topology: the two sites every scenario uses, in four namespaces
#   [host] --lan-- [gw] ==wan== [az] --lan-- [vnet]
# Sets ONPREM_HOST ONPREM_GW AZURE_GW VNET_HOST (namespace names). Each gateway
# routes everything else to the other across the WAN, so a missing tunnel would
# really leak; the "Azure" gateway drops plaintext from on-prem like Azure does.
ONPREM_LAN4=198.51.100.0/25 VNET4=198.51.100.128/25
ONPREM_LAN6=2001:db8:a::/64 VNET6=2001:db8:b::/64
it_topology() {
        ONPREM_HOST=$(it_netns host) ONPREM_GW=$(it_netns gw) AZURE_GW=$(it_netns az) VNET_HOST=$(it_netns vnet)
        ip link add lan netns "$ONPREM_HOST" type veth peer name lan netns "$ONPREM_GW"
        ip link add wan netns "$ONPREM_GW" type veth peer name wan netns "$AZURE_GW"
        ip link add lan netns "$AZURE_GW" type veth peer name lan netns "$VNET_HOST"
        for ns in "$ONPREM_HOST" "$ONPREM_GW" "$AZURE_GW" "$VNET_HOST"; do
                ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
                for l in lan wan; do ip -n "$ns" link set "$l" up 2>/dev/null || true; done
        done
        # namespace device IPv4 IPv6 (each family the same way: one table)
        while read -r ns dev a4 a6; do
                ip -n "${!ns}" addr add "$a4" dev "$dev"
                ip -n "${!ns}" addr add "$a6" dev "$dev" nodad
        done <<EOT
ONPREM_HOST lan 198.51.100.10/25 2001:db8:a::10/64
ONPREM_GW lan 198.51.100.1/25 2001:db8:a::1/64
ONPREM_GW wan 192.0.2.1/24 2001:db8:ffff::1/64
AZURE_GW lan 198.51.100.129/25 2001:db8:b::1/64
AZURE_GW wan 192.0.2.2/24 2001:db8:ffff::2/64
VNET_HOST lan 198.51.100.140/25 2001:db8:b::140/64
EOT
        # namespace default-gateway-IPv4 default-gateway-IPv6
        while read -r ns g4 g6; do
                ip -n "${!ns}" route add default via "$g4"
                ip -n "${!ns}" -6 route add default via "$g6"
        done <<EOT
ONPREM_HOST 198.51.100.1 2001:db8:a::1
ONPREM_GW 192.0.2.2 2001:db8:ffff::2
AZURE_GW 192.0.2.1 2001:db8:ffff::1
VNET_HOST 198.51.100.129 2001:db8:b::1
EOT
        for ns in "$ONPREM_GW" "$AZURE_GW"; do
                ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
        done
        ip netns exec "$AZURE_GW" nft -f - <<EON
table inet azure {
  chain vnet_in {
    type filter hook forward priority 0;
    iifname "wan" ip saddr $ONPREM_LAN4 meta ipsec missing counter drop
    iifname "wan" ip6 saddr $ONPREM_LAN6 meta ipsec missing counter drop
  }
}
EON
}

# it_azure_conn NAME LOCAL_ID REMOTE_ID LOCAL_TS REMOTE_TS IKE ESP [IKE_EXTRA]
# [CHILD_EXTRA]: one PSK connection of the "Azure" gateway's swanctl.conf, as
# Azure's custom policy shapes it (IKEv2, no MOBIKE, its proposals only).
it_azure_conn() {
        local name=$1 lid=$2 rid=$3 lts=$4 rts=$5 ike=$6 esp=$7 ike_extra=${8:-}
        local child_extra=${9:-"rekey_time = 24300s
                life_time = 27000s"}
        cat <<EOC
    $name {
        version = 2
        local_addrs = 192.0.2.2
        remote_addrs = 192.0.2.1
        proposals = $ike
        mobike = no
        dpd_delay = 10s
        $ike_extra
        local {
            auth = psk
            id = $lid
        }
        remote {
            auth = psk
            id = $rid
        }
        children {
            $name {
                local_ts = $lts
                remote_ts = $rts
                esp_proposals = $esp
                $child_extra
            }
        }
    }
EOC
}

# it_azure_secret NAME OWNER PSK: a secrets entry for it_azure_conn.
it_azure_secret() {
        printf '    ike-%s {\n        id = %s\n        secret = 0s%s\n    }\n' "$1" "$2" "$(printf %s "$3" | base64 -w0)"
}

# it_azure_peer_conf FILE PSK IKE ESP [IKE_EXTRA] [CHILD_EXTRA] [CONN...]:
# writes the swanctl.conf of a gateway configured the way an Azure gateway
# with a custom policy is (never by gatewayd): the connection "onprem" from
# the VNet to the on-prem LAN (both families) with the extra IKE and child
# lines, then one connection per CONN, "NAME LOCAL_ID REMOTE_ID LOCAL_TS
# REMOTE_TS" (no spaces inside a field), with the same proposals. Every
# connection authenticates with PSK.
it_azure_peer_conf() {
        local file=$1 psk=$2 ike=$3 esp=$4 ike_extra=${5:-} child_extra=${6:-} c name lid rid lts rts
        shift $(( $# < 6 ? $# : 6 ))
        mkdir -p "$(dirname "$file")"
        {
                echo "connections {"
                it_azure_conn onprem 192.0.2.2 192.0.2.1 "$VNET4, $VNET6" "$ONPREM_LAN4, $ONPREM_LAN6" "$ike" "$esp" \
                        "$ike_extra" "$child_extra"
                for c in "$@"; do
                        read -r name lid rid lts rts <<<"$c"
                        it_azure_conn "$name" "$lid" "$rid" "$lts" "$rts" "$ike" "$esp"
                done
                echo "}"
                echo "secrets {"
                it_azure_secret onprem 192.0.2.1 "$psk"
                for c in "$@"; do
                        read -r name lid rid lts rts <<<"$c"
                        it_azure_secret "$name" "$rid" "$psk"
                done
                echo "}"
        } > "$file"
}

# it_azure_peer NAME PSK IKE ESP [IKE_EXTRA] [CHILD_EXTRA] [CONN...]: a plain
# charon NAME in $AZURE_GW loaded with it_azure_peer_conf's configuration.
it_azure_peer() {
        local name=$1
        shift
        it_azure_peer_conf "$IT_DIR/$name/swanctl.conf" "$@"
        it_peer_conf "$name" "$IT_DIR/$name/swanctl.conf"
}

# it_onprem_tree DIR PSK [extra tunnel lines]: a gatewayd config tree with one
# PSK tunnel "azure" to the simulated Azure gateway, VICI at charon "gw".
it_onprem_tree() {
        local etc=$1 psk=$2 extra=${3:-}
        mkdir -p "$etc/tunnels.d" "$etc/psk"
        printf '%s\n' "$psk" > "$etc/psk/azure"
        chmod 600 "$etc/psk/azure"
        printf '[Gateway]\nDataPlane=userspace\nVici=unix://%s/gw/charon.vici\nStatusFile=%s/status.json\n' "$IT_DIR" "$IT_DIR" > "$etc/gatewayd.conf"
        cat > "$etc/tunnels.d/azure.conf" <<EOT
[Tunnel]
RemoteAddress=192.0.2.2
LocalAddress=192.0.2.1
PreSharedKeyFile=psk/azure
LocalPrefixes=$ONPREM_LAN4, $ONPREM_LAN6
RemotePrefixes=$VNET4, $VNET6
$extra
EOT
}

# it_responder_tunnel ETC NAME ADDRESS REMOTE_PREFIXES [PSK FILE]: a tunnel in
# it_onprem_tree's ETC that only answers (nothing initiates it, no peer need
# be there): the on-prem IPv4 LAN to REMOTE_PREFIXES, peer ADDRESS, with the
# key file PSK FILE (default psk/azure).
it_responder_tunnel() {
        cat > "$1/tunnels.d/$2.conf" <<EOT
[Tunnel]
RemoteAddress=$3
LocalAddress=192.0.2.1
PreSharedKeyFile=${5:-psk/azure}
LocalPrefixes=$ONPREM_LAN4
RemotePrefixes=$4
ConnectionMode=ResponderOnly
EOT
}

# it_peer_tunnel ETC NAME LOCAL_ID REMOTE_ID REMOTE_PREFIXES [extra tunnel
# lines]: another PSK tunnel in it_onprem_tree's ETC to the same "Azure"
# gateway, told apart by its identities: the on-prem IPv4 LAN to
# REMOTE_PREFIXES, with the key of the tunnel "azure".
it_peer_tunnel() {
        cat > "$1/tunnels.d/$2.conf" <<EOT
[Tunnel]
RemoteAddress=192.0.2.2
LocalAddress=192.0.2.1
LocalId=$3
RemoteId=$4
PreSharedKeyFile=psk/azure
LocalPrefixes=$ONPREM_LAN4
RemotePrefixes=$5
EOT
        [ -z "${6:-}" ] || printf '%s\n' "$6" >> "$1/tunnels.d/$2.conf"
}

# it_start_gatewayd ETC: gatewayd in the on-prem gateway's namespace; its
# output goes to $IT_DIR/gatewayd.log; sets GATEWAYD_PID.
it_start_gatewayd() {
        ip netns exec "$ONPREM_GW" "$GATEWAYD" --config-dir "$1" >>"$IT_DIR/gatewayd.log" 2>&1 &
        GATEWAYD_PID=$!
        IT_PIDS+=("$GATEWAYD_PID")
}

# it_start_gatewayd_wait ETC: it_start_gatewayd, then waits until this
# gatewayd logs "Started with" (configuration loaded, shield applied, charon
# asked to connect).
it_start_gatewayd_wait() {
        local n
        n=$(it_gw_log_count 'Started with')
        it_start_gatewayd "$1"
        it_gw_log_wait 20 'Started with' $((n + 1))
}

# it_pfs_checked TUNNEL: true once every early child rekey gatewayd scheduled
# for TUNNEL (the PFS check of each new IKE SA, README "Health") is done, so
# that a test comparing child SPIs before and after something does not catch
# it in between.
it_pfs_checked() {
        [ "$(it_gw_log_count "tunnel '$1': a child rekey in")" -le "$(it_gw_log_count "tunnel '$1': child SA rekeyed")" ]
}

# it_sa_installed CHARON TUNNEL: true when TUNNEL has an INSTALLED child SA.
it_sa_installed() {
        # Captured first: under pipefail, grep -q ending the pipe early would
        # make swanctl's SIGPIPE read as "not installed".
        local out
        out=$(swanctl --list-sas --ike "$2" --uri "unix://$IT_DIR/$1/charon.vici" 2>/dev/null) || true
        [[ $out == *INSTALLED* ]]
}
# it_sa_gone CHARON TUNNEL: true when TUNNEL has no INSTALLED child SA.
it_sa_gone() { ! it_sa_installed "$@"; }

# it_ike_gone CHARON TUNNEL: true when TUNNEL has no ESTABLISHED IKE SA (charon
# gave up on the peer). Stronger than it_sa_gone: a child in the middle of a
# rekey is not INSTALLED, yet still encrypts.
it_ike_gone() { [ -z "$(it_ike_id "$1" "$2")" ]; }

# it_ike_id CHARON TUNNEL: the IKE SA's unique id and SPIs ("#3 spi_i spi_r").
it_ike_id() {
        swanctl --list-sas --ike "$2" --uri "unix://$IT_DIR/$1/charon.vici" 2>/dev/null |
                sed -n "s/^$2: \(#[0-9]*\), ESTABLISHED, IKEv2, \([0-9a-f]*\)_i[*]* \([0-9a-f]*\)_r[*]*$/\1 \2 \3/p"
}

# it_ping FROMNS ADDR: one ping with a short deadline.
it_ping() {
        ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1
}

# it_stop_pid PID: SIGTERM and wait (for a process this test started).
it_stop_pid() {
        kill "$1" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
        kill -9 "$1" 2>/dev/null || true
}

# --- Helpers for the daemon's integration tests ---

# it_forget_pid PID: drops PID from the cleanup list (a process the test
# ended itself, e.g. with kill -9), so that the trap never signals a
# recycled PID.
it_forget_pid() {
        local keep=() p
        for p in "${IT_PIDS[@]}"; do
                [ "$p" = "$1" ] || keep+=("$p")
        done
        IT_PIDS=("${keep[@]}")
}

# it_peer_load NAME CONF: loads the hand-written swanctl.conf CONF into the
# running charon NAME; credentials in x509/, x509ca/, private/ beside CONF.
it_peer_load() {
        local name=$1 conf=$2 out
        out=$(it_swanctl "$name" --load-all --file "$conf" 2>&1) ||
                { printf '%s\n' "$out" >&2; it_fail "peer $name: swanctl --load-all"; }
}

# it_peer_conf NAME CONF: a plain charon NAME in $AZURE_GW (the "Azure"
# gateway, never configured by gatewayd) loaded with CONF (it_peer_load).
it_peer_conf() {
        it_start_charon "$1" "$AZURE_GW"
        it_peer_load "$1" "$2"
}

# it_gw_log_count ERE: how many lines of gatewayd's output match ERE.
it_gw_log_count() {
        local n
        n=$(grep -Ec -- "$1" "$IT_DIR/gatewayd.log" 2>/dev/null) || true
        echo "${n:-0}"
}
it_gw_log_has() { [ "$(it_gw_log_count "$1")" -ge "${2:-1}" ]; }

# it_gw_log_wait SECONDS ERE [N]: waits until gatewayd's output holds N
# (default 1) lines matching ERE; fails the test (showing the output) when it
# does not.
it_gw_log_wait() {
        it_wait_for "$1" it_gw_log_has "$2" "${3:-1}" && return 0
        sed 's/^/  | /' "$IT_DIR/gatewayd.log" >&2
        it_fail "gatewayd did not log /$2/ (${3:-1} times) within $1 s"
}

# it_capture_start NAME NETNS IFACE [TCPDUMP ARGS...]: tcpdump on IFACE
# (e.g. -Q out, a filter), headers only (200 bytes), packet-buffered into
# $IT_DIR/NAME.pcap; returns once tcpdump is listening.
it_capture_start() {
        local name=$1 ns=$2 ifc=$3
        shift 3
        ip netns exec "$ns" tcpdump -ni "$ifc" -U --immediate-mode -s 200 "$@" -w "$IT_DIR/$name.pcap" \
                2>"$IT_DIR/$name.tcpdump" &
        IT_CAPTURE[$name]=$!
        IT_PIDS+=("$!")
        it_wait_for 10 grep -q 'listening on' "$IT_DIR/$name.tcpdump" ||
                it_fail "tcpdump $name did not start: $(cat "$IT_DIR/$name.tcpdump")"
}

# it_capture_stop NAME: ends that capture and waits until its file is complete.
it_capture_stop() {
        local pid=${IT_CAPTURE[$1]}
        kill -INT "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        it_forget_pid "$pid"
}

# it_pcap_count FILE FILTER: packets in FILE matching the pcap FILTER.
it_pcap_count() {
        tcpdump -nr "$1" "$2" 2>/dev/null | wc -l
}

# it_renew_cert CADIR CERT KEY SUBJECT SAN: replaces CERT (in place, same
# inode, as an operator's renewal script would) by a new certificate for the
# same KEY and SUBJECT, with a new serial; echoes the new serial (hex, as
# openssl prints it).
it_renew_cert() {
        local ca=$1 cert=$2 key=$3 subj=$4 san=$5 tmp
        tmp=$(mktemp "$IT_DIR/renew.XXXXXX")
        openssl req -new -key "$key" -subj "$subj" -out "$tmp.csr" 2>/dev/null || it_fail "openssl: renewal csr"
        printf 'subjectAltName=%s\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" > "$tmp.ext"
        openssl x509 -req -in "$tmp.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial -sha384 \
                -days 365 -extfile "$tmp.ext" -out "$tmp" 2>/dev/null || it_fail "openssl: renewal"
        cat "$tmp" > "$cert"
        openssl x509 -in "$tmp" -noout -serial | sed 's/^serial=//'
        rm -f "$tmp" "$tmp.csr" "$tmp.ext"
}

# it_cert_serial CERT: the certificate's serial (hex, as openssl prints it).
it_cert_serial() {
        openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'
}

# it_charon_serials CHARON DN: the serials of the certificates with subject
# DN that charon holds, as "0123ABCD..." (upper case, no colons), one a line.
it_charon_serials() {
        it_swanctl "$1" --list-certs 2>/dev/null |
                awk -v dn="\"$2\"" '$1 == "subject:" { s = substr($0, index($0, "\"")) } $1 == "serial:" && s == dn { print $2 }' |
                tr -d ':' | tr a-f A-F
}

# it_child_spis CHARON TUNNEL: the INSTALLED child SAs' unique ids and SPIs
# ("#2 c1a2b3c4 d5e6f7a8": id, inbound SPI, outbound SPI), one a line.
it_child_spis() {
        swanctl --list-sas --ike "$2" --uri "unix://$IT_DIR/$1/charon.vici" 2>/dev/null |
                tr -d ',' | awk '/INSTALLED/ { id = $2 } /^ +in  / && id { i = $2 } /^ +out / && id { print id, i, $2; id = "" }'
}

# it_ping_all FROMNS ADDR N: N pings 0.1 s apart; true when every one got
# its answer.
it_ping_all() {
        local out
        out=$(ip netns exec "$1" ping -c "$3" -i 0.1 -W 1 "$2" 2>&1) || true
        grep -q "^$3 packets transmitted, $3 received," <<<"$out"
}

# Certificate tunnels: one test CA, one certificate per gateway.
ONPREM_SUBJ="/C=US/O=gatewayd test/CN=onprem-gw" ONPREM_DN="C=US, O=gatewayd test, CN=onprem-gw"
AZURE_SUBJ="/C=US/O=gatewayd test/CN=azure-gw" AZURE_DN="C=US, O=gatewayd test, CN=azure-gw"
ONPREM_SAN="IP:192.0.2.1,DNS:onprem-gw.example" AZURE_SAN="IP:192.0.2.2,DNS:azure-gw.example"

# it_cert_pki [ONPREM_CA AZURE_CA]: the test PKI: both gateways' certificates
# and keys, $IT_DIR/pki/{onprem,azure}.{pem,key}. Without arguments one CA,
# $IT_DIR/pki/ca.{pem,key}, issues both; with two CA names (used as their
# CNs), $IT_DIR/pki/ONPREM_CA/ca.{pem,key} issues the on-prem certificate and
# $IT_DIR/pki/AZURE_CA/ca.{pem,key} the peer's. Sets ONPREM_CA_DIR and
# AZURE_CA_DIR to the directory of the CA that issued each.
it_cert_pki() {
        local d="$IT_DIR/pki"
        ONPREM_CA_DIR=$d${1:+/$1} AZURE_CA_DIR=$d${2:+/$2}
        it_make_ca "$ONPREM_CA_DIR" "${1:-}"
        [ "$AZURE_CA_DIR" = "$ONPREM_CA_DIR" ] || it_make_ca "$AZURE_CA_DIR" "${2:-}"
        it_make_cert "$ONPREM_CA_DIR" "$d/onprem.pem" "$d/onprem.key" "$ONPREM_SUBJ" "$ONPREM_SAN"
        it_make_cert "$AZURE_CA_DIR" "$d/azure.pem" "$d/azure.key" "$AZURE_SUBJ" "$AZURE_SAN"
}

# it_azure_cert_peer NAME: like it_azure_peer, with certificate (pubkey)
# authentication: its own certificate, trust in the CA that issued the
# on-prem certificate (x509ca/ca.pem), and the on-prem certificate's subject
# as the remote identity. Needs it_cert_pki.
it_azure_cert_peer() {
        local name=$1 d="$IT_DIR/$1"
        mkdir -p "$d/x509" "$d/x509ca" "$d/private"
        cp "$IT_DIR/pki/azure.pem" "$d/x509/"
        cp "$ONPREM_CA_DIR/ca.pem" "$d/x509ca/ca.pem"
        cp "$IT_DIR/pki/azure.key" "$d/private/"
        cat > "$d/swanctl.conf" <<EOC
connections {
    onprem {
        version = 2
        local_addrs = 192.0.2.2
        remote_addrs = 192.0.2.1
        proposals = aes256gcm16-prfsha384-ecp384
        mobike = no
        dpd_delay = 10s
        local {
            auth = pubkey
            certs = azure.pem
            id = "$AZURE_DN"
        }
        remote {
            auth = pubkey
            id = "$ONPREM_DN"
            cacerts = ca.pem
        }
        children {
            onprem {
                local_ts = $VNET4, $VNET6
                remote_ts = $ONPREM_LAN4, $ONPREM_LAN6
                esp_proposals = aes256gcm16-ecp384
            }
        }
    }
}
EOC
        it_peer_conf "$name" "$d/swanctl.conf"
}

# it_onprem_cert_tree DIR: a gatewayd tree with one certificate tunnel
# "azure" (no LocalId: gatewayd takes the certificate's subject), VICI at
# charon "gw"; its CACertificate (certs/ca.pem) is the CA that issued the
# peer's certificate. Needs it_cert_pki.
it_onprem_cert_tree() {
        local etc=$1
        mkdir -p "$etc/tunnels.d" "$etc/certs" "$etc/private"
        cp "$IT_DIR/pki/onprem.pem" "$etc/certs/"
        cp "$AZURE_CA_DIR/ca.pem" "$etc/certs/ca.pem"
        cp "$IT_DIR/pki/onprem.key" "$etc/private/"
        chmod 600 "$etc/private/onprem.key"
        printf '[Gateway]\nDataPlane=userspace\nVici=unix://%s/gw/charon.vici\nStatusFile=%s/status.json\n' "$IT_DIR" "$IT_DIR" > "$etc/gatewayd.conf"
        cat > "$etc/tunnels.d/azure.conf" <<EOT
[Tunnel]
RemoteAddress=192.0.2.2
LocalAddress=192.0.2.1
Authentication=certificate
Certificate=certs/onprem.pem
PrivateKey=private/onprem.key
CACertificate=certs/ca.pem
RemoteId=$AZURE_DN
LocalPrefixes=$ONPREM_LAN4, $ONPREM_LAN6
RemotePrefixes=$VNET4, $VNET6
EOT
}

# it_two_sites [extra tunnel lines]: the common start of a PSK scenario: the
# topology, the "Azure" peer (charon "az", fips-gcm256's proposals), charon
# "gw" on-prem, and gatewayd's tree with the tunnel "azure". Sets PSK and ETC;
# gatewayd is not started.
it_two_sites() {
        it_topology
        PSK=$("$GATEWAYCTL" genpsk)
        it_azure_peer az "$PSK" aes256gcm16-prfsha384-ecp384 aes256gcm16-ecp384 2>/dev/null
        it_start_charon gw "$ONPREM_GW"
        ETC="$IT_DIR/etc"
        it_onprem_tree "$ETC" "$PSK" "${1:-}"
}

# it_journald NETNS: a real journald in NETNS, in a mount namespace of its own
# (/run private, the journal directory bound to $J = $IT_DIR/journal so that
# it can be read from here; journald needs a cgroup file system there, and
# ip netns exec mounts a fresh /sys). Sets JOURNALD_PID.
it_journald() {
        [ -x /lib/systemd/systemd-journald ] || it_skip "no systemd-journald"
        command -v systemd-cat >/dev/null || it_skip "no systemd-cat"
        command -v nsenter >/dev/null || it_skip "no nsenter (util-linux)"
        J="$IT_DIR/journal"
        mkdir -p "$J"
        ip netns exec "$1" unshare -m sh -c "
                mount -t tmpfs tmpfs /run && mount -t cgroup2 none /sys/fs/cgroup &&
                mkdir -p /run/systemd/journal /run/log/journal && mount --bind '$J' /run/log/journal &&
                exec /lib/systemd/systemd-journald" >"$IT_DIR/journald.out" 2>&1 &
        JOURNALD_PID=$!
        IT_PIDS+=("$JOURNALD_PID")
        it_wait_for 10 nsenter -t "$JOURNALD_PID" -m test -S /run/systemd/journal/stdout ||
                it_fail "journald did not start: $(cat "$IT_DIR/journald.out")"
}

# j_start ETC [ENV=VALUE...]: gatewayd on a journal stream, as systemd runs it
# (systemd-cat gives it the stream; JOURNAL_STREAM is what systemd would set),
# in journald's namespaces. Sets GATEWAYD_PID.
j_start() {
        local etc=$1
        shift
        nsenter -t "$JOURNALD_PID" -m -n -- env "$@" systemd-cat -t gatewayd bash -c \
                'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$0" --config-dir "$1"' \
                "$GATEWAYD" "$etc" &
        GATEWAYD_PID=$!
        IT_PIDS+=("$GATEWAYD_PID")
}

# j_json: gatewayd's entries so far, one JSON object a line.
j_json() {
        journalctl -D "$J" -o json --no-pager SYSLOG_IDENTIFIER=gatewayd 2>/dev/null
}

# j_count EVENT [PID]: how many EVENT entries gatewayd (PID) wrote.
j_count() {
        j_json | python3 -c '
import json, sys
ev, pid = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in sys.stdin]
print(sum(1 for r in rows if r.get("GATEWAYD_EVENT") == ev and (not pid or r.get("_PID") == pid)))
' "$1" "${2:-}"
}

# j_has EVENT N [PID]: true when there are at least N EVENT entries.
j_has() {
        [ "$(j_count "$1" "${3:-}")" -ge "$2" ]
}

# j_dump: gatewayd's entries, one line each, on stderr.
j_dump() {
        j_json | python3 -c 'import json, sys; [print("  |", r.get("PRIORITY"), r.get("GATEWAYD_EVENT", "-"), r.get("GATEWAYD_REASON", ""), r.get("MESSAGE")) for r in map(json.loads, sys.stdin)]' >&2
}

# j_wait SECONDS EVENT N [PID]: waits until j_has EVENT N [PID].
j_wait() {
        it_wait_for "$1" j_has "$2" "$3" "${4:-}" && return 0
        j_dump
        it_fail "no $3 $2 entries within $1 s"
}

# j_last EVENT FIELD: FIELD of the last EVENT entry ("" if none).
j_last() {
        j_json | python3 -c '
import json, sys
ev, f = sys.argv[1], sys.argv[2]
rows = [r for r in map(json.loads, sys.stdin) if r.get("GATEWAYD_EVENT") == ev]
print(rows[-1].get(f, "") if rows else "")
' "$1" "$2"
}

# it_responder_tree ETC N CHARON [GATEWAY LINES]: a config tree of N PSK
# tunnels t0..t(N-1) that only answer (ResponderOnly, FailClosed=no), each to
# its own peer address and VNet /64, VICI at charon CHARON; the key is written
# to ETC/psk/key. For benchmarks: configuration alone, nothing initiates.
it_responder_tree() {
        local etc=$1 n=$2 charon=$3 extra=${4:-} i
        mkdir -p "$etc/tunnels.d" "$etc/psk"
        "$GATEWAYCTL" genpsk > "$etc/psk/key" 2>/dev/null
        chmod 600 "$etc/psk/key"
        printf '[Gateway]\nDataPlane=userspace\nVici=unix://%s/%s/charon.vici\nStatusFile=%s/status-%s.json\n%s\n' \
                "$IT_DIR" "$charon" "$IT_DIR" "$charon" "$extra" > "$etc/gatewayd.conf"
        for i in $(seq 0 $((n - 1))); do
                local psk=key
                # IT_PSK_PER_TUNNEL=1: a file per tunnel (the same key in each).
                if [ "${IT_PSK_PER_TUNNEL:-0}" = 1 ]; then
                        psk=key-$i
                        cp -p "$etc/psk/key" "$etc/psk/$psk"
                fi
                cat > "$etc/tunnels.d/t$i.conf" <<EOT
[Tunnel]
RemoteAddress=2001:db8:ffff::$(printf %x $((i + 1)))
LocalAddress=2001:db8:fffe::1
PreSharedKeyFile=psk/$psk
LocalPrefixes=2001:db8:a::/48
RemotePrefixes=2001:db8:b:$(printf %x "$i")::/64
ConnectionMode=ResponderOnly
FailClosed=no
EOT
        done
}
