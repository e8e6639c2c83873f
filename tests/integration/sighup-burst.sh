#!/bin/bash
# Signals that arrive in bursts or early:
#   1. 100 SIGHUPs within one second while the config changes twice under
#      them (a tunnel is added, then its RemotePrefixes change): one or two
#      reloads, not 100; charon ends up with the last change; every reload
#      (RELOADING=1 on a test-owned NOTIFY_SOCKET) ends with READY=1.
#   2. a SIGHUP while gatewayd is still reading a large config (1,000
#      tunnels) does not kill it: it starts, and reloads once started.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init sighup-burst

it_two_sites
etc=$ETC
notify="$IT_DIR/notify.sock"
python3 - "$notify" "$IT_DIR/notify.txt" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", " ") + "\n")
EOF
IT_PIDS+=("$!")
it_wait_for 10 test -S "$notify" || it_fail "the notify socket did not appear"
notify_count() { grep -c -- "$1" "$IT_DIR/notify.txt" || true; }

export NOTIFY_SOCKET=$notify
it_start_gatewayd_wait "$etc"
unset NOTIFY_SOCKET
it_wait_for 20 it_sa_installed gw azure || { cat "$IT_DIR/gatewayd.log"; it_fail "the tunnel did not come up"; }
it_wait_for 10 sh -c "grep -q READY=1 '$IT_DIR/notify.txt'" || it_fail "no READY=1"

# --- 1. the burst ---
mkdir -p "$IT_DIR/v1/tunnels.d" "$IT_DIR/v2/tunnels.d"
it_peer_tunnel "$IT_DIR/v1" extra onprem-extra az-extra 203.0.113.0/28 ConnectionMode=ResponderOnly
it_peer_tunnel "$IT_DIR/v2" extra onprem-extra az-extra 203.0.113.64/28 ConnectionMode=ResponderOnly
n0=$(it_gw_log_count 'Configuration applied')
took=$(python3 - "$GATEWAYD_PID" "$IT_DIR/v1/tunnels.d/extra.conf" "$IT_DIR/v2/tunnels.d/extra.conf" \
        "$etc/tunnels.d/extra.conf" <<'EOF'
import os, signal, sys, time
pid, v1, v2, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
t0 = time.monotonic()
for i in range(100):
    if i == 30:
        os.rename(v1, dst)
    if i == 70:
        os.rename(v2, dst)
    os.kill(pid, signal.SIGHUP)
    delay = t0 + (i + 1) * 0.009 - time.monotonic()
    if delay > 0:
        time.sleep(delay)
print("%.0f" % ((time.monotonic() - t0) * 1000))
EOF
)
it_log "100 SIGHUPs sent in $took ms"
# Reloads are at least a second apart: a burst within one second is at most
# two. A loaded machine may stretch the burst; then one more per second.
max_reloads=2
[ "$took" -le 1000 ] || { max_reloads=$(( 1 + (took + 999) / 1000 )); it_log "the burst took $took ms: up to $max_reloads reloads"; }

# extra's block of swanctl --list-conns.
extra_conn() { it_swanctl gw --list-conns 2>/dev/null | awk '/^[^ ]/ { on = ($1 == "extra:") } on'; }
has_final() { extra_conn | grep -q 'remote: *203\.0\.113\.64/28'; }
it_wait_for 15 has_final || { extra_conn; cat "$IT_DIR/gatewayd.log"; it_fail "charon does not hold the last change"; }
extra_conn | grep -q '203\.0\.113\.0/28' && it_fail "charon still holds the first change"
# Let any reload still due happen (they are at least a second apart).
for _ in $(seq 10); do
        n=$(it_gw_log_count 'Configuration applied')
        sleep 2
        [ "$(it_gw_log_count 'Configuration applied')" -eq "$n" ] && break
done
reloads=$(( $(it_gw_log_count 'Configuration applied') - n0 ))
it_log "100 SIGHUPs: $reloads reloads"
[ "$reloads" -ge 1 ] && [ "$reloads" -le "$max_reloads" ] || { cat "$IT_DIR/gatewayd.log"; it_fail "100 SIGHUPs made $reloads reloads"; }
kill -0 "$GATEWAYD_PID" || it_fail "gatewayd exited"
# Every reload ended with READY=1 (one more: the start), the last word is READY.
it_wait_for 5 sh -c "[ \$(grep -c READY=1 '$IT_DIR/notify.txt') -eq \$(( \$(grep -c RELOADING=1 '$IT_DIR/notify.txt') + 1 )) ]" ||
        { cat "$IT_DIR/notify.txt"; it_fail "a reload did not end with READY=1"; }
[ "$(notify_count RELOADING=1)" -eq "$reloads" ] || { cat "$IT_DIR/notify.txt"; it_fail "RELOADING=1 count is not the reload count"; }
grep -E 'READY=1|RELOADING=1' "$IT_DIR/notify.txt" | tail -n 1 | grep -q READY=1 || it_fail "the last notification is not READY=1"
it_stop_pid "$GATEWAYD_PID"
it_forget_pid "$GATEWAYD_PID"

# --- 2. a SIGHUP during start-up ---
big="$IT_DIR/big"
# it_responder_tree's 1,000 tunnels (VICI at a charon that never comes), made
# by one process rather than a few thousand.
it_responder_tree "$big" 0 none
python3 - "$big" <<'EOF'
import sys
for i in range(1000):
    with open("%s/tunnels.d/t%d.conf" % (sys.argv[1], i), "w") as f:
        f.write("[Tunnel]\nRemoteAddress=2001:db8:ffff::%x\nLocalAddress=2001:db8:fffe::1\nPreSharedKeyFile=psk/key\n"
                "LocalPrefixes=2001:db8:a::/48\nRemotePrefixes=2001:db8:b:%x::/64\nConnectionMode=ResponderOnly\n"
                "FailClosed=no\n" % (i + 1, i))
EOF
python3 - "$ONPREM_GW" "$GATEWAYD" "$big" "$IT_DIR/startup.log" "$IT_DIR/startup.pid" <<'EOF' || it_fail "SIGHUP during start-up"
import os, signal, subprocess, sys, time
ns, gatewayd, big, logp, pidp = sys.argv[1:6]
log = open(logp, "ab")
p = subprocess.Popen(["ip", "netns", "exec", ns, gatewayd, "--config-dir", big], stdout=log, stderr=log)
with open(pidp, "w") as f:
    f.write(str(p.pid))
real = os.path.realpath(gatewayd)
t = time.monotonic()
while True:  # until ip has exec'ed gatewayd
    try:
        if os.readlink("/proc/%d/exe" % p.pid) == real:
            break
    except OSError:
        pass
    if time.monotonic() - t > 10:
        sys.exit("gatewayd did not start")
    time.sleep(0.0005)
t_exec = time.monotonic()
# Past the dynamic loader: once SIGHUP is blocked, or after 1 s (a daemon
# that does not block it early is then still reading its 1,000 tunnels; the
# loader alone took more than 50 ms on a loaded machine).
blocked = False
while time.monotonic() - t_exec < 1.0 and not blocked:
    with open("/proc/%d/status" % p.pid) as f:
        blocked = any(l.startswith("SigBlk:") and int(l.split()[1], 16) & 1 for l in f)
    time.sleep(0.0005)
started = b"Started with" in open(logp, "rb").read()
os.kill(p.pid, signal.SIGHUP)
print("# SIGHUP %.1f ms after exec (SIGHUP %sblocked)" % ((time.monotonic() - t_exec) * 1000, "" if blocked else "not "),
      file=sys.stderr)
if started:
    sys.exit("start-up was over before the SIGHUP: the test proves nothing")
EOF
pid=$(cat "$IT_DIR/startup.pid")
IT_PIDS+=("$pid")
it_wait_for 30 grep -q 'Started with 1000 tunnels' "$IT_DIR/startup.log" ||
        { cat "$IT_DIR/startup.log"; it_fail "gatewayd did not start after a SIGHUP during start-up"; }
it_wait_for 10 grep -q 'Configuration applied' "$IT_DIR/startup.log" ||
        { cat "$IT_DIR/startup.log"; it_fail "the SIGHUP of the start-up was not acted on"; }
kill -0 "$pid" || it_fail "gatewayd exited"
[ "$(grep -c 'Configuration applied' "$IT_DIR/startup.log")" -eq 1 ] || it_fail "more than one reload for one SIGHUP"
echo "PASS: 100 SIGHUPs in $took ms gave $reloads reloads, charon holds the last change, each reload ended with READY=1; a SIGHUP during start-up reloads once started"
