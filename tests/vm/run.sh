#!/bin/bash
# The VM tier (tests/vm/README.md): boots Debian's stock kernel under QEMU
# with the host's root shared read-only (9p, tmpfs overlay in the guest) and
# runs guest/kernel-dataplane.sh in it: gatewayd with DataPlane=kernel,
# charon's kernel-netlink, real ESP. Exits with the guest's status; 77 (skip)
# when not root or when QEMU or the kernel cannot be had.
# Usage: run.sh [PHASE...]   (default: every phase; see guest/kernel-dataplane.sh)
# Environment: VM_WORK (work dir, default $top_builddir/vm-work), ACCEL
# (tcg|kvm, default tcg), SMP (2), MEM (MiB, 1024), TIMEOUT (whole run, s,
# 900), BOOT_DEADLINE (s until the guest's first line, 60); and, for other
# guests than the kernel data plane's (run-package.sh): VM_INIT (the guest's
# stage 2), VM_TEST (its scenario), VM_OUT (results, default $VM_WORK/out),
# VM_APPEND (more of the kernel command line).
set -uo pipefail
VT=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$VT/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
VM_WORK=${VM_WORK:-$top_builddir/vm-work}
ACCEL=${ACCEL:-tcg}
SMP=${SMP:-2}
MEM=${MEM:-1024}
TIMEOUT=${TIMEOUT:-900}
BOOT_DEADLINE=${BOOT_DEADLINE:-60}
export top_srcdir top_builddir VM_WORK

say() { printf 'vm: %s\n' "$*" >&2; }
T0=$(date +%s%N)
elapsed() { awk -v a="$(date +%s%N)" -v b="$T0" 'BEGIN{printf "%.1f", (a - b) / 1e9}'; }

[ "$(id -u)" = 0 ] || { say "SKIP: needs root (QEMU's 9p export of /, network namespaces)"; exit 77; }
[ -x "$top_builddir/gatewayd/gatewayd" ] || { say "gatewayd not built in $top_builddir"; exit 1; }

# setup.sh returns at once when the work directory holds all it makes; a
# directory set up by an older tree (without FRR, say) is completed.
"$VT/setup.sh"
rc=$?
[ $rc -eq 0 ] || { [ $rc -eq 77 ] && say "SKIP: setup could not install the tier's packages"; exit $rc; }
command -v qemu-system-x86_64 >/dev/null || { say "SKIP: qemu-system-x86_64 not installable"; exit 77; }
# shellcheck source=/dev/null
. "$VM_WORK/vm.env"
[ -f "$KERNEL" ] || { say "no kernel at $KERNEL: rerun $VT/setup.sh"; exit 1; }

OUT=${VM_OUT:-$VM_WORK/out}
VM_INIT=${VM_INIT:-$VT/guest/stage2.sh}
VM_TEST=${VM_TEST:-$VT/guest/kernel-dataplane.sh}
# shellcheck disable=SC2054 # the commas belong to -accel's value
case $ACCEL in
        kvm) ACC=(-accel kvm -cpu host) ;;
        # /dev/kvm on the project's machines is a paravirtual KVM that cannot
        # run a stock kernel: software emulation is the default.
        *) ACC=(-accel tcg,thread=multi,tb-size=256 -cpu max) ;;
esac
ARGS=$(IFS=,; echo "$*")
APPEND="console=ttyS0,115200 panic=-1 quiet loglevel=4 mitigations=off tsc=reliable no_timer_check"
APPEND+=" 8250.nr_uarts=1 i8042.noaux i8042.nokbd i8042.nopnp random.trust_cpu=on cryptomgr.notests"
APPEND+=" vmtier.init=$VM_INIT vmtier.test=$VM_TEST vmtier.args=$ARGS vmtier.out=$OUT"
APPEND+=" vmtier.work=$VM_WORK vmtier.srcdir=$top_srcdir vmtier.builddir=$top_builddir ${VM_APPEND:-}"

QEMU_PID=
stop_qemu() {
        [ -n "$QEMU_PID" ] || return 0
        kill "$QEMU_PID" 2>/dev/null
        for _ in $(seq 30); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$QEMU_PID" 2>/dev/null
        wait "$QEMU_PID" 2>/dev/null
        QEMU_PID=
}
trap 'stop_qemu' EXIT
trap 'exit 130' INT TERM

# boot: one run of the guest; returns 2 when the guest printed nothing of
# its own within BOOT_DEADLINE (an emulator hang seen rarely right after the
# firmware), else 0 (the guest's verdict is in $OUT/rc).
boot() {
        local deadline tb console=$OUT/console.log
        rm -rf "$OUT"
        mkdir -p "$OUT"
        qemu-system-x86_64 "${ACC[@]}" -smp "$SMP" -m "$MEM" \
                -machine q35 -nodefaults -no-user-config -nographic -no-reboot \
                -serial "file:$console" -monitor none \
                -kernel "$KERNEL" -initrd "$VM_WORK/initramfs.cpio.gz" -append "$APPEND" \
                -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
                -virtfs "local,path=$OUT,mount_tag=out,security_model=none,multidevs=remap" \
                </dev/null >"$VM_WORK/qemu.log" 2>&1 &
        QEMU_PID=$!
        tb=$(date +%s%N)
        tail -n +1 -F --pid="$QEMU_PID" "$console" 2>/dev/null | sed -u 's/^/  | /' &
        deadline=$(( $(date +%s) + BOOT_DEADLINE ))
        until grep -q 'VMTIER: stage2 start' "$console" 2>/dev/null; do
                if ! kill -0 "$QEMU_PID" 2>/dev/null; then
                        wait "$QEMU_PID" 2>/dev/null
                        QEMU_PID=
                        say "QEMU exited before the guest started: $(cat "$VM_WORK/qemu.log")"
                        return 2
                fi
                if [ "$(date +%s)" -ge "$deadline" ]; then
                        say "no guest output within ${BOOT_DEADLINE} s"
                        stop_qemu
                        return 2
                fi
                sleep 0.2
        done
        say "guest up in $(awk -v a="$(date +%s%N)" -v b="$tb" 'BEGIN{printf "%.1f", (a - b) / 1e9}') s"
        deadline=$(( $(date +%s) + TIMEOUT ))
        while kill -0 "$QEMU_PID" 2>/dev/null; do
                if [ "$(date +%s)" -ge "$deadline" ]; then
                        say "guest still running after ${TIMEOUT} s: stopping it"
                        stop_qemu
                        break
                fi
                sleep 0.5
        done
        wait "$QEMU_PID" 2>/dev/null
        QEMU_PID=
        sleep 0.3 # let tail print the last lines
        return 0
}

boot
if [ $? -eq 2 ]; then
        say "retrying the boot once"
        boot || { say "the guest did not boot twice"; say "wall time $(elapsed) s"; exit 1; }
fi
rc=$(cat "$OUT/rc" 2>/dev/null || echo 99)
[ "$rc" = 99 ] && say "the guest ended without a verdict (see $OUT/console.log)"
say "guest verdict rc=$rc; results in $OUT"
say "wall time $(elapsed) s"
case $rc in 0 | 77) exit "$rc" ;; *) exit 1 ;; esac
