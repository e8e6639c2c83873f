#!/bin/bash
# The built Debian package holds what an installed device needs, where
# Debian and the units expect it (packaging/build-deb.sh builds it; lintian
# has judged it there):
#   - gatewayd in /usr/sbin, gatewayctl in /usr/bin, both run;
#   - the units in /lib/systemd/system naming /usr/sbin/gatewayd, verified
#     and scored by tests/check-units.sh against the package's own files;
#   - the journal catalog (journalctl imports it), tmpfiles for /run/gatewayd,
#     the strongSwan drop-in, the status schema, the three man pages;
#   - /etc/gatewayd with an empty tunnels.d and profiles.d and the default
#     gatewayd.conf, which pass gatewayd --check; conffiles kept on upgrade;
#   - the examples under /usr/share/doc/gatewayd/examples, not live config;
#   - Depends on what runs it (charon-systemd, swanctl, the plugins, nftables
#     and the libraries from shlibs); maintainer scripts enable the units and
#     reload systemd.
# Usage: tests/check-deb.sh [DEB]   (default: build/deb/gatewayd_*.deb)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
deb=${1:-$(ls "$top"/build/deb/gatewayd_*.deb 2>/dev/null | head -n1)}
[ -n "$deb" ] && [ -f "$deb" ] || fail "no .deb: run packaging/build-deb.sh first"
[ "$(id -u)" = 0 ] || { echo "SKIP: dpkg -x keeps root ownership only as root (gatewayd --check wants a root-owned tree)"; exit 77; }

d=$(mktemp -d /tmp/gw-deb.XXXXXX)
trap 'rm -rf "$d"' EXIT
root=$d/root
dpkg-deb -x "$deb" "$root"
dpkg-deb -e "$deb" "$d/control"

for f in usr/sbin/gatewayd usr/bin/gatewayctl; do
        [ -x "$root/$f" ] || fail "no executable /$f"
done
for f in lib/systemd/system/gatewayd.service lib/systemd/system/gatewayd-shield.service \
        usr/lib/systemd/catalog/gatewayd.catalog usr/lib/tmpfiles.d/gatewayd.conf \
        etc/strongswan.d/gatewayd.conf etc/gatewayd/gatewayd.conf usr/share/gatewayd/status.schema.json \
        usr/share/man/man8/gatewayd.8.gz usr/share/man/man8/gatewayctl.8.gz usr/share/man/man5/gatewayd.conf.5.gz \
        usr/share/doc/gatewayd/copyright usr/share/doc/gatewayd/examples/tunnels.d/azure-psk.conf; do
        [ -f "$root/$f" ] || fail "no /$f"
done
for dir in etc/gatewayd/tunnels.d etc/gatewayd/profiles.d; do
        [ -d "$root/$dir" ] || fail "no /$dir"
        [ -z "$(ls -A "$root/$dir")" ] || fail "/$dir is not empty: examples are not live config"
done
[ ! -e "$root/run" ] && [ ! -e "$root/var/run" ] || fail "the package ships /run (tmpfiles makes it)"
grep -qx 'd /run/gatewayd 0755 root root -' "$root/usr/lib/tmpfiles.d/gatewayd.conf" || fail "tmpfiles: no /run/gatewayd line"

# conffiles: what the operator may edit survives upgrades.
for f in /etc/gatewayd/gatewayd.conf /etc/strongswan.d/gatewayd.conf; do
        grep -qx "$f" "$d/control/conffiles" || fail "$f is not a conffile"
done

# Dependencies.
depends=$(dpkg-deb -f "$deb" Depends)
for p in charon-systemd strongswan-swanctl libstrongswan-standard-plugins nftables libnl-3-200 libnftables1 libssl3 libsystemd0; do
        grep -Eq "(^|, )$p( |,|$)" <<<"$depends" || fail "Depends lacks $p: $depends"
done

# Maintainer scripts: enable both units, reload systemd, make /run/gatewayd.
for u in gatewayd.service gatewayd-shield.service; do
        grep -q "deb-systemd-helper enable '$u'" "$d/control/postinst" || fail "postinst does not enable $u"
done
grep -q 'systemctl --system daemon-reload' "$d/control/postinst" || fail "postinst does not reload systemd"
grep -q 'systemd-tmpfiles .*--create gatewayd.conf' "$d/control/postinst" || fail "postinst does not create /run/gatewayd"
grep -q 'rm -rf /run/gatewayd' "$d/control/postrm" || fail "postrm purge leaves /run/gatewayd"

# The binaries run, at the package's version.
v=$(dpkg-deb -f "$deb" Version)
out=$("$root/usr/sbin/gatewayd" --version)
[ "$out" = "gatewayd ${v%%-*}" ] || fail "gatewayd --version says '$out', the package is $v"
"$root/usr/bin/gatewayctl" --help >/dev/null || fail "gatewayctl --help"
# The /etc/gatewayd the package installs is a valid (empty) tree.
out=$("$root/usr/sbin/gatewayd" --config-dir "$root/etc/gatewayd" --check 2>&1) || { echo "$out"; fail "the packaged /etc/gatewayd does not pass --check"; }
out=$("$root/usr/bin/gatewayctl" --config-dir "$root/etc/gatewayd" check 2>&1) || { echo "$out"; fail "gatewayctl check on the packaged /etc/gatewayd"; }
grep -q ': 0 tunnels, 3 profiles: OK$' <<<"$out" || fail "gatewayctl check: $out"

# The man pages are roff that man(1) renders without a warning.
for m in man8/gatewayd.8 man8/gatewayctl.8 man5/gatewayd.conf.5; do
        err=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$root/usr/share/man/$m.gz" 2>&1 >/dev/null) ||
                fail "man $m failed: $err"
        [ -z "$err" ] || fail "man $m: $err"
done

# The units as installed: verified and scored like the build's.
top_srcdir=$top top_builddir=$top/build bash "$top/tests/check-units.sh" \
        "$root/lib/systemd/system" /usr/sbin "$root/usr/share/man" "$root/usr/sbin/gatewayd" || fail "the package's units (above)"
echo "PASS: $(basename "$deb"): contents, conffiles, dependencies, units"
