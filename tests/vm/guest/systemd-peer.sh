#!/bin/bash
# The "Azure" side of the systemd guest (vmtier-peer.service, written by
# preinit-systemd.sh): a plain charon in the namespace "az", configured the
# way an Azure gateway with a custom fips-gcm256 policy is, never by gatewayd.
#
#   [device: lan 198.51.100.1/25, wan 192.0.2.1] ==wan== [az: wan-az 192.0.2.2, vnet 198.51.100.129/25]
#
# The device's side of the veth (wan) is systemd-networkd's; this moves the
# other end into "az". Like Azure, "az" drops plaintext from the on-prem
# prefix, so a ping that is answered went through the tunnel. Tells systemd
# READY=1 once charon has its config, then waits for charon.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
D=/var/lib/vmtier-peer
mkdir -p "$D"
say() { echo "peer: $*"; }

for _ in $(seq 300); do ip link show wan-az >/dev/null 2>&1 && break; sleep 0.2; done
ip link show wan-az >/dev/null 2>&1 || { say "no wan-az from systemd-networkd"; exit 1; }
ip netns add az
ip link set wan-az netns az
ip -n az link set lo up
ip -n az addr add 192.0.2.2/24 dev wan-az
ip -n az link set wan-az up
ip -n az link add vnet type dummy
ip -n az addr add 198.51.100.129/25 dev vnet
ip -n az link set vnet up
ip -n az route add 198.51.100.0/25 via 192.0.2.1
ip netns exec az nft -f - <<'EOF'
table inet azure {
	chain vnet_in {
		type filter hook input priority 0;
		iifname "wan-az" ip saddr 198.51.100.0/25 meta ipsec missing counter drop
	}
}
EOF

# charon with the kernel data plane; the plugins are named (Debian's list
# runs slow self-tests under emulation).
cat > "$D/strongswan.conf" <<EOF
charon {
  load = random nonce openssl aes sha1 sha2 hmac gcm kdf pem pkcs1 x509 pubkey revocation constraints kernel-netlink socket-default vici
  install_routes = yes
  retransmit_tries = 3
  retransmit_timeout = 1
  retransmit_base = 1.4
  plugins {
    vici {
      socket = unix://$D/charon.vici
    }
  }
  filelog {
    f {
      path = $D/charon.log
      time_format = %T
      default = 1
      ike = 2
      flush_line = yes
    }
  }
}
EOF
psk=$(head -n1 /etc/gatewayd/psk/azure) || { say "no key in /etc/gatewayd/psk/azure"; exit 1; }
cat > "$D/swanctl.conf" <<EOF
connections {
    onprem {
        version = 2
        local_addrs = 192.0.2.2
        remote_addrs = 192.0.2.1
        proposals = aes256gcm16-prfsha384-ecp384
        mobike = no
        dpd_delay = 10s
        local {
            auth = psk
            id = 192.0.2.2
        }
        remote {
            auth = psk
            id = 192.0.2.1
        }
        children {
            onprem {
                local_ts = 198.51.100.128/25
                remote_ts = 198.51.100.0/25
                esp_proposals = aes256gcm16-ecp384
                rekey_time = 24300s
                life_time = 27000s
            }
        }
    }
}
secrets {
    ike-onprem {
        id = 192.0.2.1
        secret = 0s$(printf %s "$psk" | base64 -w0)
    }
}
EOF
chmod 600 "$D/swanctl.conf"
rm -f "$D/charon.vici"
ip netns exec az unshare -m sh -c \
        "mount -t tmpfs tmpfs /run && STRONGSWAN_CONF=$D/strongswan.conf exec /usr/lib/ipsec/charon" \
        >>"$D/charon.out" 2>&1 &
charon=$!
for _ in $(seq 600); do [ -S "$D/charon.vici" ] && break; sleep 0.2; done
[ -S "$D/charon.vici" ] || { say "charon did not open its VICI socket"; cat "$D/charon.out"; exit 1; }
ip netns exec az swanctl --load-all --file "$D/swanctl.conf" --uri "unix://$D/charon.vici" ||
        { say "swanctl --load-all failed"; exit 1; }
systemd-notify --ready --status="charon in netns az, connection onprem loaded"
say "ready (charon pid $charon)"
wait "$charon"
