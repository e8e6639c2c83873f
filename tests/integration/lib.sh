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
IT_NETNS=()
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
        for ns in "${IT_NETNS[@]}"; do
                ip netns del "$ns" 2>/dev/null || true
        done
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
        IT_NETNS+=("$ns")
        ip -n "$ns" link set lo up
        echo "$ns"
}

# it_wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
it_wait_for() {
        local deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 ))
        shift
        while ! "$@" >/dev/null 2>&1; do
                [ $(( $(date +%s%N) / 1000000 )) -lt $deadline ] || return 1
                sleep 0.1
        done
}

# it_start_charon NAME NETNS: charon with kernel-libipsec and its own /run,
# VICI at $IT_DIR/NAME/charon.vici, log at $IT_DIR/NAME/charon.log.
it_start_charon() {
        local name=$1 ns=$2 dir="$IT_DIR/$1"
        mkdir -p "$dir"
        cat > "$dir/strongswan.conf" <<EOC
charon {
  load_modular = yes
  install_routes = yes
  retransmit_tries = 3
  retransmit_timeout = 1
  retransmit_base = 1.4
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
      ike = 2
      cfg = 2
      flush_line = yes
    }
  }
}
EOC
        ip netns exec "$ns" unshare -m sh -c \
                "mount -t tmpfs tmpfs /run && STRONGSWAN_CONF=$dir/strongswan.conf exec $CHARON" \
                >"$dir/charon.out" 2>&1 &
        IT_PIDS+=("$!")
        it_wait_for 20 test -S "$dir/charon.vici" || it_fail "charon $name did not open its VICI socket"
}

# it_swanctl NAME ARGS...: swanctl against charon NAME.
it_swanctl() {
        local name=$1
        shift
        swanctl "$@" --uri "unix://$IT_DIR/$name/charon.vici"
}

# it_make_ca DIR: an EC P-384 test CA (ca.pem, ca.key) in DIR.
it_make_ca() {
        local d=$1
        mkdir -p "$d"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -sha384 -nodes -days 30 \
                -subj "/C=US/O=gatewayd test/CN=gatewayd test CA" \
                -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
                -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null || it_fail "openssl: CA"
}

# it_make_cert CADIR OUTCERT OUTKEY CN SAN: an EC P-256 certificate signed by the CA.
it_make_cert() {
        local ca=$1 cert=$2 key=$3 cn=$4 san=$5
        mkdir -p "$(dirname "$cert")" "$(dirname "$key")"
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/C=US/O=gatewayd test/CN=$cn" \
                -keyout "$key" -out "$cert.csr" 2>/dev/null || it_fail "openssl: csr $cn"
        printf 'subjectAltName=%s\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" > "$cert.ext"
        openssl x509 -req -in "$cert.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial -sha384 \
                -days 30 -extfile "$cert.ext" -out "$cert" 2>/dev/null || it_fail "openssl: cert $cn"
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
                        local cert key ca
                        cert=$(sed -n 's/^Certificate *= *//p' "$t")
                        key=$(sed -n 's/^PrivateKey *= *//p' "$t")
                        ca=$(sed -n 's/^CACertificate *= *//p' "$t")
                        mkdir -p "$(dirname "$d/$ca")"
                        cp "$tmpca/ca.pem" "$d/$ca"
                        it_make_cert "$tmpca" "$d/$cert" "$d/$key" "onprem-gw" "IP:192.0.2.1,DNS:onprem-gw.example"
                done
                rm -rf "$tmpca"
        fi
}
