#!/bin/bash
# Prepares the VM tier (tests/vm/README.md): installs QEMU and the tools that
# build the guest's initramfs, fetches Debian's stock kernel package without
# installing it, and stages Libreswan for the guest only (it conflicts with
# strongSwan on the host). Everything it makes goes to the work directory,
# never next to the scripts (the repository may be read-only):
#   VM_WORK (default: $top_builddir/vm-work, top_builddir default ./build)
#     vm.env               KVER, KERNEL: what run.sh boots
#     kernel/              dpkg -x of linux-image-$KVER (modules + depmod output)
#     vmlinux-$KVER        uncompressed kernel (QEMU boots it directly, PVH)
#     initramfs.cpio.gz    busybox + 9p/virtio/overlay modules + /init
#     libreswan-root/      dpkg -x of libreswan and what the host lacks of its libraries
#     frr-root/            dpkg -x of FRR (zebra, bgpd, vtysh) and what the host lacks of its libraries
#     debs/                the downloaded packages
# Idempotent: does only what is missing (FORCE=1 redoes everything).
# Exit status: 0 ready, 77 the packages cannot be had here (no root, no apt,
# no network), 1 anything else.
set -euo pipefail
VT=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$VT/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
VM_WORK=${VM_WORK:-$top_builddir/vm-work}
export DEBIAN_FRONTEND=noninteractive

say() { printf 'vm-setup: %s\n' "$*" >&2; }
skip() { say "SKIP: $*"; exit 77; }
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", a - b}'; }
t0=$(now)

[ "$(id -u)" = 0 ] || skip "needs root (apt-get)"
command -v apt-get >/dev/null || skip "no apt-get: not a Debian system"
mkdir -p "$VM_WORK"
VM_WORK=$(cd "$VM_WORK" && pwd)
exec 9>"$VM_WORK/.setup.lock"
flock 9

# 1. Host packages (the test's own tools — charon, swanctl, tcpdump, iproute2,
# nft — are tests/setup.sh's; the guest runs the host's binaries).
HOST_PACKAGES=(qemu-system-x86 busybox-static kmod cpio xz-utils)
missing=()
for p in "${HOST_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]}"
        if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$VM_WORK/apt.log" 2>&1; then
                apt-get update -qq >>"$VM_WORK/apt.log" 2>&1 || true
                apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$VM_WORK/apt.log" 2>&1 ||
                        skip "apt-get install ${missing[*]} failed (see $VM_WORK/apt.log)"
        fi
fi
t1=$(now)

# 2. The kernel: the version linux-image-amd64 points at, unpacked, not installed.
if [ -z "${FORCE:-}" ] && [ -f "$VM_WORK/vm.env" ] && [ -f "$VM_WORK/initramfs.cpio.gz" ] &&
   [ -d "$VM_WORK/libreswan-root" ] && [ -x "$VM_WORK/frr-root/usr/lib/frr/bgpd" ]; then
        . "$VM_WORK/vm.env"
        if [ -f "$KERNEL" ] && [ -d "$VM_WORK/kernel/lib/modules/$KVER" ]; then
                say "already set up in $VM_WORK (KVER=$KVER)"
                exit 0
        fi
fi

kpkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
KPKG=$(kpkg)
if [ -z "$KPKG" ]; then
        apt-get update -qq >>"$VM_WORK/apt.log" 2>&1 || true
        KPKG=$(kpkg)
fi
[ -n "$KPKG" ] || skip "apt-cache knows no linux-image-amd64"
KVER=${KPKG#linux-image-}

# Libreswan's libraries that the host does not have (strongSwan's plugins
# already bring most of them); the guest overlays them on the host's root.
LS_PACKAGES=(libreswan)
for p in $(apt-cache depends libreswan 2>/dev/null | awk '$1=="Depends:" && $2 ~ /^lib/{print $2}' | sort -u); do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || LS_PACKAGES+=("$p")
done

# FRR (route-based tunnels with BGP), likewise only unpacked for the guest.
FRR_PACKAGES=(frr)
for p in $(apt-cache depends frr 2>/dev/null | awk '$1=="Depends:" && $2 ~ /^lib/{print $2}' | sort -u); do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || FRR_PACKAGES+=("$p")
done

mkdir -p "$VM_WORK/debs"
need=()
for p in "$KPKG" "${LS_PACKAGES[@]}" "${FRR_PACKAGES[@]}"; do
        compgen -G "$VM_WORK/debs/${p}_*.deb" >/dev/null || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
        say "downloading ${need[*]}"
        (cd "$VM_WORK/debs" && apt-get download "${need[@]}") >>"$VM_WORK/apt.log" 2>&1 ||
                skip "apt-get download ${need[*]} failed (see $VM_WORK/apt.log)"
fi
t2=$(now)

say "unpacking $KPKG"
rm -rf "$VM_WORK/kernel"
dpkg -x "$VM_WORK/debs/${KPKG}"_*.deb "$VM_WORK/kernel"
depmod -b "$VM_WORK/kernel" "$KVER"

# Debian's x86 bzImage carries an XZ-compressed ELF vmlinux; QEMU boots that
# ELF directly through its PVH note, without the decompressor (faster under TCG).
bz="$VM_WORK/kernel/boot/vmlinuz-$KVER"
KERNEL="$VM_WORK/vmlinux-$KVER"
off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bz" | head -1 | cut -d: -f1 || true)
# (xz stops at the end of its stream: tail then dies of SIGPIPE, which is fine)
if [ -n "$off" ] && (set +o pipefail; tail -c +$((off + 1)) "$bz" | xz -dc --single-stream > "$KERNEL.tmp" 2>/dev/null) &&
   [ "$(head -c 4 "$KERNEL.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
        mv "$KERNEL.tmp" "$KERNEL"
else
        say "could not extract vmlinux; booting the bzImage"
        rm -f "$KERNEL.tmp"
        KERNEL=$bz
fi

# 3. The initramfs: busybox, the modules that reach the host's root, /init.
say "building the initramfs"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W"/bin "$W"/proc "$W"/sys "$W"/dev "$W"/lower "$W"/upper "$W"/newroot "$W"/mods
cp /bin/busybox "$W/bin/busybox"
for m in virtio_pci 9pnet_virtio 9p overlay; do
        modprobe -d "$VM_WORK/kernel" -S "$KVER" --show-depends "$m" | awk '$1=="insmod"{print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
        cp "$ko" "$W/mods/"
        basename "$ko" >> "$W/mods.order"
done
cp "$VT/guest/initramfs-init" "$W/init"
chmod 755 "$W/init"
(cd "$W" && find . | cpio -o -H newc --quiet | gzip -1) > "$VM_WORK/initramfs.cpio.gz.tmp"
mv "$VM_WORK/initramfs.cpio.gz.tmp" "$VM_WORK/initramfs.cpio.gz"

# 4. Libreswan for the guest: unpacked only, copied into the guest's overlay.
say "unpacking ${LS_PACKAGES[*]}"
rm -rf "$VM_WORK/libreswan-root"
for p in "${LS_PACKAGES[@]}"; do
        dpkg -x "$VM_WORK/debs/${p}"_*.deb "$VM_WORK/libreswan-root"
done
pluto=$(find "$VM_WORK/libreswan-root" -path '*/ipsec/pluto' -type f | head -1)
[ -n "$pluto" ] || { say "no pluto in the libreswan package"; exit 1; }
libs=$(find "$VM_WORK/libreswan-root" -name '*.so*' -printf '%h\n' | sort -u | paste -sd:)
if LD_LIBRARY_PATH=$libs ldd "$pluto" | grep 'not found'; then
        say "pluto's libraries are incomplete (above)"
        exit 1
fi

# 5. FRR for the guest: unpacked only, copied into the guest's overlay.
say "unpacking ${FRR_PACKAGES[*]}"
rm -rf "$VM_WORK/frr-root"
for p in "${FRR_PACKAGES[@]}"; do
        dpkg -x "$VM_WORK/debs/${p}"_*.deb "$VM_WORK/frr-root"
done
[ -x "$VM_WORK/frr-root/usr/lib/frr/bgpd" ] || { say "no bgpd in the frr package"; exit 1; }

printf 'KVER=%s\nKERNEL=%s\n' "$KVER" "$KERNEL" > "$VM_WORK/vm.env"
t3=$(now)
printf 'vm-setup: packages %.1f s, download %.1f s, unpack+initramfs %.1f s, total %.1f s (KVER=%s, work dir %s)\n' \
        "$(sub "$t1" "$t0")" "$(sub "$t2" "$t1")" "$(sub "$t3" "$t2")" "$(sub "$t3" "$t0")" "$KVER" "$VM_WORK" >&2
