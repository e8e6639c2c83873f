#!/bin/bash
# The apply of a large tree: gatewayd renders a batch of connections per
# event-loop iteration, and charon loads one batch while the next is
# rendered. With a real charon and 180 ResponderOnly tunnels (four batches):
#   1. at READY=1 (on a notify socket; gatewayd stopped there) charon holds
#      every enabled connection: READY=1 waits for the last batch, not the
#      first;
#   2. the 169 enabled tunnels on one key file with no LocalId and the 10
#      with LocalId=onprem-b are two groups: charon got exactly one
#      load-shared for each, although the apply took several iterations
#      (t3 is disabled: its batch goes at the end of an iteration, after
#      which a group's key would have been sent again);
#   3. a reload that removes a tunnel and changes another: charon holds the
#      rest, and the change;
#   4. charon restarted (its connections gone): the reconnect applies
#      everything again, the same way.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init apply-batches

ns=$(it_netns batches)
etc="$IT_DIR/etc"
n=180
export IT_CHARON_LOGLEVEL=1
# it_responder_tree with no tunnels, then 180 written by one process.
it_responder_tree "$etc" 0 gw
python3 - "$etc" "$n" <<'EOF'
import sys
etc, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open("%s/tunnels.d/t%d.conf" % (etc, i), "w") as f:
        f.write("[Tunnel]\nRemoteAddress=2001:db8:ffff::%x\nLocalAddress=2001:db8:fffe::1\nPreSharedKeyFile=psk/key\n"
                "LocalPrefixes=2001:db8:a::/48\nRemotePrefixes=2001:db8:b:%x::/64\nConnectionMode=ResponderOnly\n"
                "FailClosed=no\n%s%s" % (i + 1, i, "LocalId=onprem-b\n" if i >= n - 10 else "",
                                          "Enabled=no\n" if i == 3 else ""))
EOF
it_start_charon gw "$ns"

conns() { it_swanctl gw --list-conns 2>/dev/null | grep -c ': IKEv2' || true; }
keys_loaded() { grep -c "loaded IKE shared key with id 'gatewayd-psk:[0-9]*:$etc/psk/key$1'" "$IT_DIR/gw/charon.log" || true; }

m=$((n - 1)) # t3 is disabled

# --- 1. READY=1 when charon holds all ---
python3 - "$IT_DIR/notify.sock" "$ns" "$GATEWAYD" "$etc" "$IT_DIR/gatewayd.log" "$IT_DIR/gw/charon.vici" "$m" \
        > "$IT_DIR/start.out" <<'EOF' || { cat "$IT_DIR/start.out"; tail -n 20 "$IT_DIR/gatewayd.log"; it_fail "READY=1 came before charon held every connection"; }
import os, signal, socket, subprocess, sys, time
path, ns, gatewayd, etc, log, vici, n = sys.argv[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(60)
with open(log, "a") as out:
    p = subprocess.Popen(["ip", "netns", "exec", ns, gatewayd, "--config-dir", etc],
                         env=dict(os.environ, NOTIFY_SOCKET=path), stdout=out, stderr=out)
print("pid", p.pid, flush=True)
while "READY=1" not in s.recv(4096).decode().split("\n"):
    pass
os.kill(p.pid, signal.SIGSTOP)
out = subprocess.run(["swanctl", "--list-conns", "--uri", "unix://" + vici], capture_output=True, text=True).stdout
os.kill(p.pid, signal.SIGCONT)
have = sum(1 for l in out.splitlines() if l and not l.startswith(" ") and ": IKEv2" in l)
print("at READY=1 charon held", have, "of", n)
sys.exit(0 if have == int(n) else 1)
EOF
read -r _ GATEWAYD_PID < <(grep '^pid ' "$IT_DIR/start.out")
IT_PIDS+=("$GATEWAYD_PID")
rm -f "$IT_DIR/notify.sock"
it_log "$(tail -n1 "$IT_DIR/start.out")"
# One batch per iteration: the 180 connections went in more than one load-conn.
grep -q 'charon apply complete in [0-9.]* ms (0 failed' "$IT_DIR/gatewayd.log" || it_fail "the apply failed: $(grep complete "$IT_DIR/gatewayd.log")"

# --- 2. one load-shared per group ---
[ "$(keys_loaded '')" -eq 1 ] || it_fail "the 169 tunnels' key was loaded $(keys_loaded '') times, want once"
[ "$(keys_loaded ':onprem-b')" -eq 1 ] || it_fail "the LocalId group's key was loaded $(keys_loaded ':onprem-b') times, want once"

# --- 3. a reload ---
rm "$etc/tunnels.d/t5.conf"
sed -i 's/^RemotePrefixes=.*/RemotePrefixes=2001:db8:c::\/64/' "$etc/tunnels.d/t100.conf"
k=$(it_gw_log_count 'charon reload complete')
kill -HUP "$GATEWAYD_PID"
it_gw_log_wait 20 'charon reload complete' $((k + 1))
[ "$(conns)" -eq $((m - 1)) ] || it_fail "after the reload charon holds $(conns) connections, want $((m - 1))"
it_swanctl gw --list-conns | awk '/^[^ ]/ { on = ($1 == "t100:") } on' | grep -q 'remote: 2001:db8:c::/64' ||
        it_fail "charon does not hold t100's change"

# --- 4. charon restarted ---
k=$(it_gw_log_count 'charon apply complete')
it_stop_pid "${IT_CHARON[gw]}"
it_forget_pid "${IT_CHARON[gw]}"
rm -f "$IT_DIR/gw/charon.vici"
mv "$IT_DIR/gw/charon.log" "$IT_DIR/gw/charon-1.log"
it_start_charon gw "$ns"
it_gw_log_wait 30 'charon apply complete' $((k + 1))
[ "$(conns)" -eq $((m - 1)) ] || it_fail "after charon's restart it holds $(conns) connections, want $((m - 1))"
[ "$(keys_loaded '')" -eq 1 ] || it_fail "after charon's restart the key was loaded $(keys_loaded '') times, want once"
echo "PASS: $n tunnels applied a batch per iteration: all in charon at READY=1, one load-shared per group; reload and charon restart"
