#!/bin/bash
# A VICI socket whose listen backlog is full (a charon that stopped accepting):
# connect() fails with EAGAIN. That is a failed attempt, retried with backoff
# (0.1 s doubling to 5 s), not a connection: no "Connected to charon" line, and
# gatewayd's connect() calls, counted with strace over 10 s, stay within the
# backoff (about 8) instead of a 10 Hz storm. Once a real charon takes the
# path, gatewayd connects and the tunnel comes up.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init vici-backlog
command -v strace >/dev/null || it_skip "strace not installed"

it_topology
psk=$("$GATEWAYCTL" genpsk)
it_azure_peer az "$psk" aes256gcm16-prfsha384-ecp384 aes256gcm16-ecp384 2>/dev/null
etc="$IT_DIR/etc"
it_onprem_tree "$etc" "$psk"
mkdir -p "$IT_DIR/gw"
sock="$IT_DIR/gw/charon.vici"

python3 "$top_srcdir/tests/integration/fake-vici.py" "$sock" backlog 2>"$IT_DIR/fake.err" &
fake_pid=$!
IT_PIDS+=("$fake_pid")
it_wait_for 10 test -S "$sock" || it_fail "the fake VICI socket did not appear: $(cat "$IT_DIR/fake.err")"
# The kernel agrees that the backlog is full.
python3 - "$sock" <<'EOF' || it_fail "the fake's backlog is not full"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setblocking(False)
try:
    s.connect(sys.argv[1])
except BlockingIOError:
    sys.exit(0)
sys.exit(1)
EOF

it_start_gatewayd_wait "$etc"
strace -f -qq -e trace=connect -p "$GATEWAYD_PID" -o "$IT_DIR/strace.txt" &
strace_pid=$!
IT_PIDS+=("$strace_pid")
sleep 10 # the window in which the attempts are counted
kill -INT "$strace_pid"
wait "$strace_pid" 2>/dev/null || true
it_forget_pid "$strace_pid"
kill -0 "$GATEWAYD_PID" || it_fail "gatewayd exited"

attempts=$(grep -c "connect(.*$sock" "$IT_DIR/strace.txt" || true)
eagain=$(grep "connect(.*$sock" "$IT_DIR/strace.txt" | grep -c "EAGAIN" || true)
it_log "connect() to the full socket in 10 s: $attempts ($eagain EAGAIN)"
[ "$eagain" -ge 3 ] || { cat "$IT_DIR/strace.txt"; it_fail "strace saw $eagain failed connects: it proves nothing"; }
[ "$attempts" -le 12 ] || it_fail "$attempts connect() calls in 10 s: not within the backoff"
[ "$(it_gw_log_count 'Connected to charon')" -eq 0 ] || { cat "$IT_DIR/gatewayd.log"; it_fail "gatewayd said it connected to a full backlog"; }
it_gw_log_has "charon is not reachable: the VICI socket $sock accepts no more connections \(its listen backlog is full\); retrying" ||
        { cat "$IT_DIR/gatewayd.log"; it_fail "the full backlog was not reported"; }
[ "$(it_gw_log_count 'listen backlog is full')" -eq 1 ] || it_fail "the full backlog was reported more than once"

it_stop_pid "$fake_pid"
it_forget_pid "$fake_pid"
it_start_charon gw "$ONPREM_GW"
it_gw_log_wait 10 'Connected to charon'
it_wait_for 20 it_sa_installed gw azure || { cat "$IT_DIR/gatewayd.log"; it_fail "the tunnel did not come up"; }
echo "PASS: a full listen backlog is a failed connect: $attempts attempts in 10 s, no false connection; then charon is used"
