#!/bin/bash
# The systemd units as the build makes them (packaging/*.service.in with the
# configured paths) are valid for systemd itself, and keep their sandboxing:
#   - ExecStart= names the configured $sbindir/gatewayd;
#   - systemd-analyze verify is silent (binaries pointed at this build, the
#     Documentation= man pages at this build's roff when they are built);
#   - systemd-analyze security --offline: gatewayd.service at most 2.0
#     (Debian's strongswan.service is 9.6, systemd-networkd 2.8), the shield
#     at most 2.0 too; both scores are printed;
#   - the promises that the failure-isolation and watchdog rules rest on.
# The installed package's units get the same checks in tests/check-deb.sh.
# Usage: check-units.sh [UNITDIR SBINDIR MANDIR GATEWAYD]  (default: this
# build's; MANDIR is either a folder of roff files or a MANPATH entry)
set -euo pipefail
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze missing"; exit 77; }

unitdir=${1:-$top_builddir/packaging}
sbindir=${2:-${gw_sbindir:-}}   # make check exports the configured one
mandir=${3:-$top_builddir/man}
gatewayd=${4:-$top_builddir/gatewayd/gatewayd}
[ -n "$sbindir" ] || fail "no sbindir: run through make check, or give UNITDIR SBINDIR MANDIR"
for u in gatewayd.service gatewayd-shield.service; do
        [ -f "$unitdir/$u" ] || fail "not built: $unitdir/$u"
done

d=$(mktemp -d /tmp/gw-units.XXXXXX)
trap 'rm -rf "$d"' EXIT
for u in gatewayd.service gatewayd-shield.service; do
        grep -q "^ExecStart=/.*/gatewayd\b" "$unitdir/$u" || fail "$u: no ExecStart= with gatewayd"
        # The path the package installs gatewayd at, once (a left-over
        # /usr/local or @sbindir@ would start nothing).
        bad=$(grep '^Exec' "$unitdir/$u" | grep 'gatewayd' | grep -v "=$sbindir/gatewayd\b" || true)
        [ -z "$bad" ] || fail "$u: not the configured $sbindir/gatewayd: $bad"
        sed "s|$sbindir/gatewayd|$gatewayd|g" "$unitdir/$u" > "$d/$u"
done

# Failure isolation (gatewayd(8)): a failed shield (one tunnel's file has
# errors) must not keep the daemon from loading the others, and the start
# is not gated on a clean tree.
grep -q '^Requires=.*gatewayd-shield' "$d/gatewayd.service" && fail "gatewayd.service Requires= the shield: its failure would stop the daemon"
grep -q '^Wants=.*gatewayd-shield.service' "$d/gatewayd.service" || fail "gatewayd.service does not want the shield"
grep -v '^#' "$d/gatewayd.service" | grep -q -- '--check' && fail "gatewayd.service runs --check: its start would be gated on a clean tree"
# A partial boot shield (exit 3: the config has errors, every RemotePrefix
# that parses is shielded) does not fail the unit either.
grep -qx 'SuccessExitStatus=3' "$d/gatewayd-shield.service" || fail "gatewayd-shield.service fails on a partial shield (exit 3)"
for k in Type=notify 'ExecReload=/bin/kill -HUP $MAINPID' Restart=on-failure 'WatchdogSec=[1-9]' LimitCORE=0 \
        'After=.*strongswan.service' 'Wants=.*strongswan.service' 'After=.*time-sync.target'; do
        grep -q "^$k" "$d/gatewayd.service" || fail "gatewayd.service lacks $k"
done
for k in DefaultDependencies=no LimitCORE=0 'Before=.*network-pre.target' 'Wants=.*network-pre.target' \
        'After=.*nftables.service' 'After=.*firewalld.service' Type=oneshot RemainAfterExit=yes 'WantedBy=sysinit.target'; do
        grep -q "^$k" "$d/gatewayd-shield.service" || fail "gatewayd-shield.service lacks $k"
done

# verify opens the Documentation= pages with man(1): give it this build's.
manpath=
if [ -d "$mandir/man8" ]; then
        manpath=$mandir
elif [ -d "$mandir" ] && compgen -G "$mandir/*.[58]" >/dev/null; then
        mkdir -p "$d/man/man5" "$d/man/man8"
        cp "$mandir"/*.5 "$d/man/man5/"
        cp "$mandir"/*.8 "$d/man/man8/"
        manpath=$d/man
fi
if [ -n "$manpath" ]; then
        out=$(cd "$d" && MANPATH=$manpath systemd-analyze verify "$d/gatewayd-shield.service" "$d/gatewayd.service" 2>&1) || true
else
        echo "# no man pages built: verify without the Documentation= check"
        out=$(cd "$d" && systemd-analyze verify --man=no "$d/gatewayd-shield.service" "$d/gatewayd.service" 2>&1) || true
fi
if [ -n "$out" ]; then
        echo "$out"
        fail "systemd-analyze verify"
fi

for u in gatewayd.service gatewayd-shield.service; do
        report=$(systemd-analyze security --offline=yes "$d/$u" 2>/dev/null || true)
        score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p' <<<"$report")
        [ -n "$score" ] || fail "$u: no security score"
        echo "$u: systemd-analyze security exposure $score"
        awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || { echo "$report"; fail "$u: exposure $score > 2.0"; }
done
echo "PASS: units verify; sandboxed"
