#!/bin/bash
# PID 1 of the VM tier's systemd guest until it exec's systemd (run-package.sh;
# the recipe is ../shared/reference/vm-tier/systemd-boot.md). The root is the
# overlay of the initramfs (host root read-only over 9p, tmpfs on top). This
# turns it into a bootable systemd root, installs the package under test with
# apt as an operator would, configures one tunnel as the README's quick start
# does, and hands over to /lib/systemd/systemd, which boots multi-user.target
# and then runs the scenario (vmtier.test=) as vmtier-test.service.
#
# Kernel command line: vmtier.work= (VM_WORK: the unpacked kernel),
# vmtier.out= (the results share's mount point), vmtier.debs= (the .debs to
# install: gatewayd and the dependencies the host lacks), vmtier.test=,
# vmtier.srcdir=, vmtier.builddir=.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
echo "VMTIER: stage2 start uptime=$(cut -d' ' -f1 /proc/uptime) (pre-systemd)"
arg() { sed -n "s/.*[[:space:]]vmtier\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
VM_WORK=$(arg work) OUT=$(arg out) DEBS=$(arg debs) TEST=$(arg test)
top_srcdir=$(arg srcdir) top_builddir=$(arg builddir)
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts # apt wants a pty
ln -sfn /proc/self/fd /dev/fd                         # bash's >(...)
# A fresh /run: no /run/systemd/system yet, so maintainer scripts enable
# units but start none (systemd is not running).
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
# The results share, mounted before systemd so that systemd adopts it as a
# mount unit and unmounts it cleanly at poweroff.
mkdir -p "$OUT"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out "$OUT" || echo "VMTIER: results share not mounted"
exec 3>&1 4>&2 > >(tee -a "$OUT/preinit.log") 2>&1

t() { echo "VMTIER: $* uptime=$(cut -d' ' -f1 /proc/uptime)"; }
fail() { echo "VMTIER: pre-systemd: $*"; echo 1 > "$OUT/rc"; sync; echo o > /proc/sysrq-trigger; sleep 10; }

# The guest kernel's modules (nf_tables, esp4, xfrm_user... are modules).
mkdir -p /usr/lib/modules
ln -sfn "$VM_WORK/kernel/lib/modules/$(uname -r)" "/usr/lib/modules/$(uname -r)"
# A machine of its own: its own machine-id (and journal), hostname; the
# build container's marker would make systemd believe it runs in a container.
tr -d - < /proc/sys/kernel/random/uuid > /etc/machine-id
echo gatewayd-device > /etc/hostname
rm -f /.dockerenv /run/.containerenv
# Debian's "D /tmp" would empty /tmp in the guest's view (checkouts under /tmp).
ln -sfn /dev/null /etc/tmpfiles.d/tmp.conf
# Only what this device needs starts: drop the host's enabled units (its
# daemons, timers, gettys); vendor wants in /usr/lib stay.
find /etc/systemd/system -mindepth 2 -maxdepth 2 -path '*.wants/*' -type l -delete
ln -sfn /lib/systemd/system/multi-user.target /etc/systemd/system/default.target
for u in getty.target serial-getty@.service getty@.service console-getty.service; do
        ln -sfn /dev/null "/etc/systemd/system/$u"
done
# man-db's trigger rebuilds its index for a minute under emulation.
rm -f /var/lib/man-db/auto-update
# A device starts the services it installs: the build container's
# policy-rc.d (exit 101) would keep the maintainer scripts from it.
rm -f /usr/sbin/policy-rc.d
# apt with no archives (the guest has no network): it resolves against what
# is installed and the .debs given, and does not parse the host's package
# lists for a minute per run under emulation.
cat > /etc/apt/apt.conf.d/99vmtier <<'EOF'
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "/nonexistent";
EOF

# The device's network, as Debian's systemd-networkd brings it up (after
# network-pre.target): the WAN "wan" (a veth whose other end, "wan-az", the
# scenario moves into the Azure side's namespace) and the on-prem LAN "lan"
# (a dummy with the device's LAN address, the source of the test's pings).
mkdir -p /etc/systemd/network
rm -f /etc/systemd/network/*
cat > /etc/systemd/network/10-wan.netdev <<'EOF'
[NetDev]
Name=wan
Kind=veth
[Peer]
Name=wan-az
EOF
cat > /etc/systemd/network/10-wan.network <<'EOF'
[Match]
Name=wan
[Network]
Address=192.0.2.1/24
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
cat > /etc/systemd/network/20-lan.netdev <<'EOF'
[NetDev]
Name=lan
Kind=dummy
EOF
cat > /etc/systemd/network/20-lan.network <<'EOF'
[Match]
Name=lan
[Network]
Address=198.51.100.1/25
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
# Debian's nftables.service with its stock /etc/nftables.conf (flush ruleset).
systemctl enable nftables.service systemd-networkd.service 2>&1 | grep -v '^Created symlink' || true

# The package under test, as an operator installs it (no network in the
# guest: every dependency is installed on the host or among the .debs).
t "apt install start"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "$DEBS"/*.deb > "$OUT/apt-install.log" 2>&1 ||
        { cat "$OUT/apt-install.log"; fail "apt-get install failed"; }
t "apt install done"

# Configured as the README's quick start says: a key made by gatewayctl
# genpsk FILE, one tunnel, DataPlane=kernel (the package's gatewayd.conf).
install -d -m 700 /etc/gatewayd/psk
gatewayctl genpsk /etc/gatewayd/psk/azure || fail "gatewayctl genpsk"
cat > /etc/gatewayd/tunnels.d/azure.conf <<'EOF'
[Tunnel]
RemoteAddress=192.0.2.2
LocalAddress=192.0.2.1
PreSharedKeyFile=psk/azure
LocalPrefixes=198.51.100.0/25
RemotePrefixes=198.51.100.128/25
DpdTimeoutSeconds=30
EOF
gatewayctl check || fail "gatewayctl check of the quick-start tree"

# The "Azure" side, up before gatewayd (it is reachable when the device
# boots): a plain charon in a namespace of its own, never configured by
# gatewayd. vmtier-peer.service runs it; the scenario writes its config.
cat > /etc/systemd/system/vmtier-peer.service <<EOF
[Unit]
Description=VM tier: the Azure-side IKE peer (charon in netns az)
After=systemd-networkd.service
Before=gatewayd.service
[Service]
# READY=1 once its config is loaded: gatewayd then finds the peer there.
Type=notify
NotifyAccess=all
TimeoutStartSec=180
Environment=VM_WORK=$VM_WORK OUT=$OUT top_srcdir=$top_srcdir top_builddir=$top_builddir
ExecStart=/bin/bash $(dirname "$TEST")/systemd-peer.sh
[Install]
WantedBy=multi-user.target
EOF
# The scenario, once multi-user.target is reached (Type=simple: a oneshot
# would hold is-system-running at "starting").
cat > /etc/systemd/system/vmtier-test.service <<EOF
[Unit]
Description=VM tier: the installed gatewayd package under systemd
After=multi-user.target
[Service]
Type=simple
Environment=VM_WORK=$VM_WORK OUT=$OUT DEBS=$DEBS top_srcdir=$top_srcdir top_builddir=$top_builddir
ExecStart=/bin/bash $TEST
StandardOutput=journal+console
StandardError=journal+console
EOF
mkdir -p /etc/systemd/system/multi-user.target.wants
ln -sfn ../vmtier-test.service /etc/systemd/system/multi-user.target.wants/vmtier-test.service
ln -sfn ../vmtier-peer.service /etc/systemd/system/multi-user.target.wants/vmtier-peer.service
t "exec systemd"
exec 1>&3 2>&4 3>&- 4>&-
exec /lib/systemd/systemd
