#!/bin/bash
# The installed gatewayd package under a real systemd (tests/vm/README.md,
# "The package under systemd"). Runs INSIDE the guest as vmtier-test.service
# once multi-user.target is reached; systemd is PID 1, the package was
# installed with apt and configured as the README's quick start says by
# preinit-systemd.sh, the "Azure" peer is vmtier-peer.service. Writes its
# results to $OUT and powers the guest off; $OUT/rc is the verdict.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
: "${OUT:?}" "${DEBS:?}"
export DEBIAN_FRONTEND=noninteractive
CATALOG=/usr/lib/systemd/catalog/gatewayd.catalog

T0=$(date +%s%N)
ts() { printf '%6.1f' "$(( ($(date +%s%N) - T0) / 1000000 ))e-3"; }
say() { printf '[%s] %s\n' "$(ts)" "$*"; }
pass=0 total=0 fails=()
check() { # check NAME CMD...: one assertion, reported, never fatal
        local name=$1
        shift
        total=$((total + 1))
        if "$@"; then
                pass=$((pass + 1))
                printf '[%s] ok   %s\n' "$(ts)" "$name"
        else
                fails+=("$name")
                printf '[%s] FAIL %s\n' "$(ts)" "$name"
        fi
}
wait_for() { # wait_for SECONDS CMD...: polls CMD every 0.3 s
        local end=$((SECONDS + $1))
        shift
        while ((SECONDS < end)); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.3
        done
        return 1
}
mono() { systemctl show -P "$2" "$1"; } # a *TimestampMonotonic, in µs
event_id() { awk -v e="# GATEWAYD_EVENT=$1" '$0 == e { getline; print $2; exit }' "$CATALOG"; }
# events NAME: how many journal entries of gatewayd.service carry event NAME
# with its MESSAGE_ID (from the installed catalog).
events() {
        journalctl -b -u gatewayd.service -o export GATEWAYD_EVENT="$1" MESSAGE_ID="$(event_id "$1")" 2>/dev/null |
                grep -ac '^GATEWAYD_EVENT=' || true
}
tunnel_up() { gatewayctl status azure >/dev/null 2>&1; }
sa_installed() { [[ $(swanctl --list-sas --ike azure 2>/dev/null) == *INSTALLED* ]]; }
ping_vnet() { ping -c 1 -W 2 -I 198.51.100.1 198.51.100.129 >/dev/null 2>&1; }
shield_xfrm() { # the boot shield's out block for the VNet prefix
        ip xfrm policy show dir out dst 198.51.100.128/25 | grep -q 'action block' &&
                [ "$(ip xfrm policy show dir out dst 198.51.100.128/25 | sed -n 's/.*priority \([0-9]*\).*/\1/p' | sort -n | tail -1)" -ge 1000000 ]
}
shield_nft() { nft list table inet gatewayd >/dev/null 2>&1; }
pkg_status() { dpkg-query -W -f='${Status}' gatewayd 2>/dev/null; }
purged() { case $(pkg_status) in "" | *" not-installed") return 0 ;; *) return 1 ;; esac; }
conf_sums() { (cd /etc/gatewayd && find . -type f -print0 | sort -z | xargs -0 sha256sum); }

main() {
say "scenario start, uptime $(cut -d' ' -f1 /proc/uptime) s"

# ---- boot
state=$(timeout 180 systemctl is-system-running --wait)
say "is-system-running: $state"
systemctl --failed --no-legend
check "boot: system running, no failed unit" [ "$state" = running ]
systemd-analyze time > "$OUT/boot-time.txt" 2>&1
cat "$OUT/boot-time.txt"

# ---- the package, installed by apt, its units enabled by its postinst
check "apt installed gatewayd" [ "$(dpkg-query -W -f='${Status}' gatewayd)" = "install ok installed" ]
for u in gatewayd.service gatewayd-shield.service; do
        check "$u enabled by the postinst" [ "$(systemctl is-enabled "$u")" = enabled ]
done
check "strongswan.service (charon-systemd) active" [ "$(systemctl is-active strongswan.service)" = active ]
# The installed units, with the installed binaries and man pages.
verify=$(systemd-analyze verify /lib/systemd/system/gatewayd.service /lib/systemd/system/gatewayd-shield.service 2>&1)
echo "$verify" > "$OUT/verify.txt"
check "systemd-analyze verify of the installed units is silent" [ -z "$verify" ]
for u in gatewayd.service gatewayd-shield.service; do
        systemd-analyze security --no-pager "$u" > "$OUT/security-$u.txt" 2>&1
        score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p' "$OUT/security-$u.txt")
        say "systemd-analyze security $u: ${score:-?}"
        check "$u exposure <= 2.0" awk -v s="${score:-99}" 'BEGIN { exit !(s <= 2.0) }'
done
# The catalog, imported by systemd's dpkg trigger (nobody ran --update-catalog).
check "journalctl knows the catalog (dpkg trigger)" bash -c \
        "journalctl --list-catalog $(event_id tunnel-up) | grep -q 'gatewayd: Tunnel'"

# ---- Debian's nftables.service, stock /etc/nftables.conf (flush ruleset)
check "nftables.service active" [ "$(systemctl is-active nftables.service)" = active ]
check "/etc/nftables.conf is Debian's" [ -z "$(dpkg --verify nftables 2>&1)" ]
check "stock ruleset loaded (table inet filter)" bash -c 'nft list table inet filter | grep -q "hook input"'

# ---- the shield: after nftables.service, before network-pre.target and the WAN
nft_done=$(mono nftables.service ExecMainExitTimestampMonotonic)
sh_start=$(mono gatewayd-shield.service ExecMainStartTimestampMonotonic)
sh_up=$(mono gatewayd-shield.service ActiveEnterTimestampMonotonic)
np_up=$(mono network-pre.target ActiveEnterTimestampMonotonic)
nd_start=$(mono systemd-networkd.service ExecMainStartTimestampMonotonic)
# The moment systemd-networkd brought the WAN up, from its journal entry.
wan_up=$(journalctl -b -u systemd-networkd -o export --output-fields=MESSAGE,__MONOTONIC_TIMESTAMP 2>/dev/null |
        LC_ALL=C awk -F= '/^__MONOTONIC_TIMESTAMP=/ { t = $2 } /^MESSAGE=wan: Link UP/ { print t; exit }')
say "boot (µs): nftables exited $nft_done, shield started $sh_start and active $sh_up, network-pre $np_up, networkd started $nd_start, wan up ${wan_up:-?}"
journalctl -b -o short-monotonic -u nftables -u gatewayd-shield -u systemd-networkd -u network-pre.target --no-pager > "$OUT/journal-boot-order.txt"
check "gatewayd-shield.service active (exit 0)" [ "$(systemctl is-active gatewayd-shield.service)" = active ]
check "shield started after nftables.service exited" [ "$sh_start" -ge "$nft_done" ]
check "shield in place before network-pre.target" [ "$sh_up" -le "$np_up" ]
check "systemd-networkd started after the shield" [ "$nd_start" -ge "$sh_up" ]
check "WAN link up after the shield was in place" [ -n "$wan_up" -a "${wan_up:-0}" -ge "$sh_up" ]
ip xfrm policy > "$OUT/xfrm-policy-boot.txt"
nft list ruleset > "$OUT/nft-boot.txt"
check "shield XFRM block policy for the VNet after boot" shield_xfrm
check "table inet gatewayd after nftables.service" shield_nft
check "stock ruleset still there next to it" bash -c 'nft list table inet filter >/dev/null'

# ---- gatewayd.service and the tunnel
check "systemctl is-active gatewayd" [ "$(systemctl is-active gatewayd.service)" = active ]
say "StatusText: $(systemctl show -P StatusText gatewayd.service)"
check "the peer (vmtier-peer.service) is up" [ "$(systemctl is-active vmtier-peer.service)" = active ]
check "the tunnel comes up (gatewayctl status exit 0)" wait_for 90 tunnel_up
gatewayctl status > "$OUT/status.txt" 2>&1
cat "$OUT/status.txt"
check "charon (strongswan.service) has the child SA INSTALLED" sa_installed
check "ping through the tunnel (Azure drops plaintext)" wait_for 20 ping_vnet
ip xfrm state > "$OUT/xfrm-state.txt"
check "kernel ESP SAs (rfc4106(gcm(aes)))" grep -q 'rfc4106(gcm(aes))' "$OUT/xfrm-state.txt"
check "StatusText: 1/1 tunnels up" wait_for 30 bash -c '[[ $(systemctl show -P StatusText gatewayd.service) == "1/1 tunnels up"* ]]'

# ---- the journal: events with their MESSAGE_IDs; journalctl -x explains them
for ev in config-applied ike-daemon-connected tunnel-up; do
        check "journalctl -u gatewayd: $ev with MESSAGE_ID=$(event_id "$ev")" [ "$(events "$ev")" -ge 1 ]
done
journalctl -b -u gatewayd.service -o json > "$OUT/journal-gatewayd.json"
journalctl -b -x -u gatewayd.service --no-pager > "$OUT/journal-x-gatewayd.txt"
check "journalctl -x: tunnel-up's catalog subject" grep -q 'Subject: Tunnel azure to 192.0.2.2 is up' "$OUT/journal-x-gatewayd.txt"
check "journalctl -x: config-applied's catalog text" grep -q 'The configuration in /etc/gatewayd is now in force' "$OUT/journal-x-gatewayd.txt"

# ---- systemctl reload applies a change (and only that)
pid=$(systemctl show -P MainPID gatewayd.service)
n_applied=$(events config-applied)
sed -i 's/^DpdTimeoutSeconds=.*/DpdTimeoutSeconds=30\nTcpMssClamp=1300/' /etc/gatewayd/tunnels.d/azure.conf
check "systemctl reload gatewayd" systemctl reload gatewayd.service
check "reload: a new config-applied event" wait_for 30 bash -c "[ \$(journalctl -b -u gatewayd.service -o export GATEWAYD_EVENT=config-applied | grep -ac '^GATEWAYD_EVENT=') -gt $n_applied ]"
check "reload: the change counted (GATEWAYD_CHANGED=1)" bash -c \
        "journalctl -b -u gatewayd.service -o export GATEWAYD_EVENT=config-applied | grep -a '^GATEWAYD_CHANGED=' | tail -n1 | grep -qx 'GATEWAYD_CHANGED=1'"
check "reload: the new MSS clamp is in inet gatewayd" wait_for 10 bash -c 'nft list table inet gatewayd | grep -q "maxseg size set 1300"'
check "reload: same main PID" [ "$(systemctl show -P MainPID gatewayd.service)" = "$pid" ]
check "reload: the tunnel is up" wait_for 60 tunnel_up
check "reload: active, READY again" wait_for 30 bash -c '[ "$(systemctl is-active gatewayd.service)" = active ]'

# ---- the watchdog restarts a hung gatewayd; the shield stays meanwhile
restarts=$(systemctl show -P NRestarts gatewayd.service)
say "SIGSTOP to gatewayd ($pid); WatchdogSec=$(systemctl show -P WatchdogUSec gatewayd.service)"
kill -STOP "$pid"
check "watchdog: gatewayd restarted" wait_for 120 bash -c \
        "[ \$(systemctl show -P NRestarts gatewayd.service) -gt $restarts ] && [ \$(systemctl is-active gatewayd.service) = active ]"
newpid=$(systemctl show -P MainPID gatewayd.service)
check "watchdog: a new main PID" [ "$newpid" != "$pid" -a "$newpid" != 0 ]
check "watchdog: 'Watchdog timeout' in journalctl -u gatewayd" bash -c \
        "journalctl -b -u gatewayd.service -o cat | grep -q 'Watchdog timeout'"
check "watchdog: shield still in place" shield_xfrm
check "watchdog: the tunnel is up again" wait_for 60 tunnel_up

# ---- apt remove, reinstall: /etc/gatewayd is kept
before=$(conf_sums)
say "free: $(free -m | awk '/^Mem:/ { print $3 " MiB used, " $7 " MiB available" }')"
apt-get remove -y -q gatewayd 2>&1 | tee "$OUT/apt-remove.log"
check "apt remove gatewayd" [ "$(dpkg-query -W -f='${Status}' gatewayd)" = "deinstall ok config-files" ]
check "removed: gatewayd is stopped (prerm)" bash -c '! systemctl is-active -q gatewayd.service && ! pgrep -x gatewayd'
check "removed: /etc/gatewayd kept as it was" [ "$(conf_sums)" = "$before" ]
check "removed: the shield stays in the kernel" shield_xfrm
apt-get install -y -q --no-install-recommends "$DEBS"/gatewayd_*.deb > "$OUT/apt-reinstall.log" 2>&1
check "apt reinstall gatewayd" [ "$(dpkg-query -W -f='${Status}' gatewayd)" = "install ok installed" ]
check "reinstalled: /etc/gatewayd unchanged" [ "$(conf_sums)" = "$before" ]
check "reinstalled: gatewayd.service active" wait_for 60 bash -c '[ "$(systemctl is-active gatewayd.service)" = active ]'
check "reinstalled: the tunnel is up" wait_for 90 tunnel_up

# ---- apt purge: what the package made goes, the operator's files stay
apt-get purge -y -q gatewayd > "$OUT/apt-purge.log" 2>&1
check "apt purge gatewayd" purged
check "purged: the conffile /etc/gatewayd/gatewayd.conf is gone" [ ! -e /etc/gatewayd/gatewayd.conf ]
check "purged: /etc/strongswan.d/gatewayd.conf is gone" [ ! -e /etc/strongswan.d/gatewayd.conf ]
check "purged: /run/gatewayd is gone" [ ! -e /run/gatewayd ]
check "purged: the operator's tunnel and key stay" [ -f /etc/gatewayd/tunnels.d/azure.conf -a -f /etc/gatewayd/psk/azure ]

journalctl -b -o short-monotonic --no-pager > "$OUT/journal.txt"
cp /var/lib/vmtier-peer/charon.log "$OUT/peer-charon.log" 2>/dev/null
say "RESULT $pass/$total${fails[*]:+ failed: ${fails[*]}}"
[ "$pass" = "$total" ]
}

main 2>&1 | tee "$OUT/guest.log"
rc=${PIPESTATUS[0]}
echo "$rc" > "$OUT/rc"
sync
echo "VMTIER: test end uptime=$(cut -d' ' -f1 /proc/uptime) rc=$rc"
systemctl poweroff --no-block
