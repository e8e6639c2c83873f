#!/bin/bash
# PID 1 of the VM tier's guest, after switch_root into overlay(host root
# read-only, tmpfs). Mounts what a system needs, binds the unpacked kernel's
# modules, mounts the results share (QEMU tag "out") at $VM_WORK/out, runs the
# scenario named by vmtier.test= with its arguments (vmtier.args=, commas for
# spaces), writes its exit status to $VM_WORK/out/rc and powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
echo "VMTIER: stage2 start uptime=$(cut -d' ' -f1 /proc/uptime)"
arg() { sed -n "s/.*vmtier\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
VM_WORK=$(arg work) TEST=$(arg test) ARGS=$(arg args | tr , ' ')
top_srcdir=$(arg srcdir) top_builddir=$(arg builddir)
export VM_WORK top_srcdir top_builddir
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
# No tmpfs on /tmp: the root is already a writable overlay, and the checkout
# (CI clones anywhere, /tmp included) must stay visible at its host path.
mkdir -p /run/netns /run/lock /lib/modules
mount --bind "$VM_WORK/kernel/lib/modules" /lib/modules
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out "$VM_WORK/out" || echo "VMTIER: results share not mounted"
echo /sbin/modprobe > /proc/sys/kernel/modprobe
hostname vmtier
ip link set lo up
echo "VMTIER: test start uptime=$(cut -d' ' -f1 /proc/uptime) test=$TEST $ARGS"
# shellcheck disable=SC2086
bash "$TEST" $ARGS 2>&1 | tee "$VM_WORK/out/guest.log"
rc=${PIPESTATUS[0]}
echo "$rc" > "$VM_WORK/out/rc"
echo "VMTIER: test end uptime=$(cut -d' ' -f1 /proc/uptime) rc=$rc"
sync
umount "$VM_WORK/out" 2>/dev/null
echo o > /proc/sysrq-trigger
sleep 10
