#!/bin/bash
# sd_notify as systemd sees it: a test-owned NOTIFY_SOCKET, gatewayd with
# WATCHDOG_USEC set, 12 tunnels. When READY=1 arrives gatewayd is stopped
# (SIGSTOP) at once and charon is asked what it holds: every connection must
# be loaded already ("READY is true when it is sent"). Then a reload that
# adds a tunnel: RELOADING=1, and at the READY=1 after it charon holds the new
# tunnel. STATUS= carries tunnel counts, WATCHDOG=1 keeps coming, and SIGTERM
# gives STOPPING=1.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init sd-notify

it_two_sites
etc=$ETC
# Eleven more tunnels that only answer (never initiate): charon must hold
# them, whether or not a peer ever comes.
for i in $(seq 1 11); do
        it_responder_tunnel "$etc" r$i 192.0.2.$((100 + i)) 203.0.113.$((128 + i * 8))/29
done

python3 - "$ONPREM_GW" "$GATEWAYD" "$etc" "$IT_DIR" <<'EOF' || it_fail "sd_notify protocol"
import os, signal, socket, subprocess, sys, time

ns, gatewayd, etc, it_dir = sys.argv[1:5]
uri = "unix://%s/gw/charon.vici" % it_dir
path = os.path.join(it_dir, "notify.sock")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(1.0)

def conns():
    out = subprocess.run(["swanctl", "--list-conns", "--uri", uri], capture_output=True, text=True).stdout
    return sorted(l.split(":")[0] for l in out.splitlines() if l and not l.startswith(" ") and ": IKEv2" in l)

def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    proc.kill()
    log.flush()
    sys.stderr.write(open(os.path.join(it_dir, "gatewayd.log")).read()[-3000:])
    sys.exit(1)

env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="1000000")
log = open(os.path.join(it_dir, "gatewayd.log"), "a")
proc = subprocess.Popen(["ip", "netns", "exec", ns, gatewayd, "--config-dir", etc], env=env, stdout=log, stderr=log)
msgs = []

def wait_for(pred, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            data = sock.recv(4096).decode()
        except socket.timeout:
            continue
        lines = data.split("\n")
        msgs.append((time.time(), lines))
        if pred(lines):
            return lines
    fail("no %s within %d s; got %r" % (what, seconds, [m[1] for m in msgs]))

want = sorted(["azure"] + ["r%d" % i for i in range(1, 12)])
# 1. READY=1: stop gatewayd where it is, then look at charon.
wait_for(lambda l: "READY=1" in l, 30, "READY=1")
os.kill(proc.pid, signal.SIGSTOP)
have = conns()
os.kill(proc.pid, signal.SIGCONT)
if have != want:
    fail("at READY=1 charon held %r, want %r" % (have, want))
print("READY=1 with all %d connections in charon" % len(have))

# 2. STATUS with counts, WATCHDOG=1 at least twice in 3 s.
wait_for(lambda l: any(x.startswith("STATUS=") and "tunnels up" in x for x in l), 15, "STATUS with counts")
n0 = sum(1 for _, l in msgs if "WATCHDOG=1" in l)
t0 = time.time()
while time.time() - t0 < 3:
    try:
        msgs.append((time.time(), sock.recv(4096).decode().split("\n")))
    except socket.timeout:
        pass
nw = sum(1 for _, l in msgs if "WATCHDOG=1" in l) - n0
if nw < 2:
    fail("only %d WATCHDOG=1 in 3 s with WatchdogSec=1" % nw)
print("%d WATCHDOG=1 in 3 s" % nw)

# 3. A reload that adds a tunnel: RELOADING=1, then READY=1 with it in charon.
with open(os.path.join(etc, "tunnels.d", "added.conf"), "w") as f:
    f.write("[Tunnel]\nRemoteAddress=192.0.2.120\nLocalAddress=192.0.2.1\nPreSharedKeyFile=psk/azure\n"
            "LocalPrefixes=198.51.100.0/25\nRemotePrefixes=203.0.113.224/29\nConnectionMode=ResponderOnly\n")
os.kill(proc.pid, signal.SIGHUP)
wait_for(lambda l: "RELOADING=1" in l, 10, "RELOADING=1")
wait_for(lambda l: "READY=1" in l, 20, "READY=1 after the reload")
os.kill(proc.pid, signal.SIGSTOP)
have = conns()
os.kill(proc.pid, signal.SIGCONT)
if "added" not in have:
    fail("at the reload's READY=1 charon did not hold 'added': %r" % have)
print("reload: RELOADING=1 ... READY=1 with 'added' in charon")

# 4. STOPPING=1 on SIGTERM.
os.kill(proc.pid, signal.SIGTERM)
wait_for(lambda l: "STOPPING=1" in l, 10, "STOPPING=1")
proc.wait(10)
statuses = [x for _, l in msgs for x in l if x.startswith("STATUS=")]
print("STATUS lines:", statuses[:3], "...")
EOF
echo "PASS: sd_notify: READY=1 with every connection in charon, RELOADING/READY around a reload, STATUS, WATCHDOG, STOPPING"
