#!/bin/bash
# The VM tier's systemd guest (tests/vm/README.md, "The package under
# systemd"): Debian's stock kernel under QEMU boots the host's root (9p,
# tmpfs overlay) with systemd as PID 1, after guest/preinit-systemd.sh has
# installed the gatewayd .deb with apt and configured one tunnel; then
# guest/systemd-package.sh checks the installed package under systemd.
# Exits with the guest's verdict; 77 (skip) when not root or when QEMU, the
# kernel or the package's dependencies cannot be had.
# Usage: run-package.sh [DEB]   (default: the .deb in $top_builddir/deb,
#                                built by packaging/build-deb.sh when missing)
# Environment: as run.sh (VM_WORK ACCEL SMP MEM TIMEOUT BOOT_DEADLINE).
set -uo pipefail
VT=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$VT/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
VM_WORK=${VM_WORK:-$top_builddir/vm-work}
export top_srcdir top_builddir VM_WORK
say() { printf 'vm-package: %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { say "SKIP: needs root (QEMU's 9p export of /, apt)"; exit 77; }
for f in /lib/systemd/systemd /lib/systemd/systemd-networkd /usr/sbin/nft /usr/lib/ipsec/charon; do
        [ -x "$f" ] || { say "SKIP: $f missing on the host, whose root the guest boots (tests/setup.sh)"; exit 77; }
done

deb=${1:-}
if [ -z "$deb" ]; then
        deb=$(ls -t "$top_builddir"/deb/gatewayd_*.deb 2>/dev/null | head -n1)
        if [ -z "$deb" ]; then
                say "no .deb in $top_builddir/deb: building it"
                deb=$("$top_srcdir/packaging/build-deb.sh" "$top_builddir/deb") || { say "packaging/build-deb.sh failed"; exit 1; }
        fi
fi
[ -f "$deb" ] || { say "no such package: $deb"; exit 1; }
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")

# What the guest installs: the package, and those of its dependencies that
# the host (whose root the guest boots) does not have, fetched from Debian's
# archive; the guest has no network.
mkdir -p "$VM_WORK"
debs=$VM_WORK/package-debs
rm -rf "$debs"
mkdir -p "$debs"
cp "$deb" "$debs/"
need=$(apt-get -s -q install --no-install-recommends "$deb" 2>/dev/null | awk '/^Inst / && $2 != "gatewayd" { print $2 }')
if [ -n "$need" ]; then
        say "dependencies the host lacks, for the guest: $(echo $need)"
        # shellcheck disable=SC2086 # one word per package
        (cd "$debs" && apt-get download $need) > "$VM_WORK/package-debs.log" 2>&1 ||
                { apt-get update -qq >>"$VM_WORK/package-debs.log" 2>&1 && (cd "$debs" && apt-get download $need) >>"$VM_WORK/package-debs.log" 2>&1; } ||
                { say "SKIP: apt-get download $(echo $need) failed (see $VM_WORK/package-debs.log)"; exit 77; }
fi

VM_INIT=$VT/guest/preinit-systemd.sh VM_TEST=$VT/guest/systemd-package.sh VM_OUT=$VM_WORK/out-package \
        VM_APPEND="vmtier.debs=$debs" TIMEOUT=${TIMEOUT:-900} exec bash "$VT/run.sh" package
