#!/bin/bash
# The systemd units are valid for systemd itself (systemd-analyze verify, with
# the binaries pointed at this build), and gatewayd.service keeps its
# sandboxing (systemd-analyze security --offline).
set -euo pipefail
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze missing"; exit 77; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
for u in gatewayd.service gatewayd-shield.service; do
        sed "s|/usr/sbin/gatewayd|$top_builddir/gatewayd/gatewayd|g" "$top_srcdir/packaging/$u" > "$d/$u"
done
out=$(cd "$d" && systemd-analyze verify "$d/gatewayd-shield.service" "$d/gatewayd.service" 2>&1) || true
if [ -n "$out" ]; then
        echo "$out"
        echo "FAIL: systemd-analyze verify"
        exit 1
fi
# Failure isolation: the start is not gated on --check, and a partial boot
# shield (exit 3) does not fail the unit gatewayd.service requires.
grep -q -- '--check' "$top_srcdir/packaging/gatewayd.service" && { echo "FAIL: gatewayd.service runs --check"; exit 1; }
grep -qx 'SuccessExitStatus=3' "$top_srcdir/packaging/gatewayd-shield.service" ||
        { echo "FAIL: gatewayd-shield.service fails on a partial shield"; exit 1; }
score=$(systemd-analyze security --offline=yes "$d/gatewayd.service" 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
echo "gatewayd.service exposure: ${score:-?}"
[ -n "$score" ] || { echo "FAIL: no security score"; exit 1; }
awk -v s="$score" 'BEGIN { exit !(s <= 4.0) }' || { echo "FAIL: exposure $score > 4.0"; exit 1; }
echo "PASS: units verify"
