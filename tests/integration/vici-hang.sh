#!/bin/bash
# What sits at the Vici= path is not always a working charon:
#   1. a socket served by another user than root (anyone could have bound a
#      stale path): gatewayd refuses it before it sends anything — it never
#      gets the PSK, although it answers every command like a charon would —
#      and says why (ike-daemon-lost, GATEWAYD_REASON);
#   2. a socket that accepts and never answers (a wedged charon): gatewayd
#      reports it within its deadline ("charon did not answer ... within
#      10 s", ike-daemon-lost), and `gatewayctl up` returns with a clear error
#      (the socket named, "is strongswan.service running?") within its own
#      deadline, the default one and --timeout;
#   3. a real charon takes the path over: gatewayd connects by itself and the
#      tunnel comes up.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init vici-hang

it_topology
psk=$("$GATEWAYCTL" genpsk)
it_azure_peer az "$psk" aes256gcm16-prfsha384-ecp384 aes256gcm16-ecp384 2>/dev/null
etc="$IT_DIR/etc"
it_onprem_tree "$etc" "$psk"
mkdir -p "$IT_DIR/gw"
sock="$IT_DIR/gw/charon.vici"
uri="unix://$sock"
it_journald "$ONPREM_GW"

# fake MODE [ARGS]: the fake VICI socket at $sock; sets FAKE_PID.
fake() {
        rm -f "$sock"
        python3 "$top_srcdir/tests/integration/fake-vici.py" "$sock" "$@" 2>>"$IT_DIR/fake.err" &
        FAKE_PID=$!
        IT_PIDS+=("$FAKE_PID")
        it_wait_for 10 test -S "$sock" || it_fail "the fake VICI socket did not appear: $(cat "$IT_DIR/fake.err")"
}
fake_stop() {
        it_stop_pid "$FAKE_PID"
        it_forget_pid "$FAKE_PID"
        rm -f "$sock"
}

# --- 1. a socket of another user ---
fake answer --uid 65534 --record "$IT_DIR/received"
j_start "$etc"
pid=$GATEWAYD_PID
j_wait 10 ike-daemon-lost 1 "$pid"
reason=$(j_last ike-daemon-lost GATEWAYD_REASON)
[[ $reason == "the VICI socket $sock is served by uid 65534 "*", not root; not talking to it" ]] ||
        { j_dump; it_fail "ike-daemon-lost reason: '$reason'"; }
# Several attempts (backoff 0.1, 0.2, 0.4 ... s), one entry, nothing sent.
sleep 2
[ "$(j_count ike-daemon-lost "$pid")" -eq 1 ] || { j_dump; it_fail "the refusal was logged more than once"; }
[ "$(j_count ike-daemon-connected "$pid")" -eq 0 ] || { j_dump; it_fail "gatewayd connected to a socket of uid 65534"; }
[ ! -s "$IT_DIR/received" ] || it_fail "gatewayd sent $(stat -c %s "$IT_DIR/received") bytes to a socket of uid 65534"
fake_stop

# --- 2. a socket that accepts and never answers ---
fake hang
t0=$(it_ms)
# gatewayctl up with its default deadline (10 s) in the background, and with
# --timeout 3 meanwhile; `timeout` only keeps a hanging gatewayctl from
# hanging the test.
( s=$(it_ms); set +e; timeout 60 "$GATEWAYCTL" --config-dir "$etc" up azure > "$IT_DIR/up-default.out" 2>&1
  echo "$? $(( $(it_ms) - s ))" > "$IT_DIR/up-default.rc" ) &
up_pid=$!
IT_PIDS+=("$up_pid")
s=$(it_ms)
set +e
out=$(timeout 60 "$GATEWAYCTL" --config-dir "$etc" --timeout 3 up azure 2>&1)
rc=$?
set -e
ms=$(( $(it_ms) - s ))
it_log "gatewayctl --timeout 3 up: rc=$rc after $ms ms: $out"
[ $rc -eq 1 ] || it_fail "gatewayctl up against a silent charon: exit $rc after $ms ms ($out)"
[ $ms -ge 2500 ] && [ $ms -lt 5000 ] || it_fail "gatewayctl --timeout 3 up returned after $ms ms"
[ "$out" = "gatewayctl: tunnel 'azure': charon did not answer initiate within 3 s ($uri); is strongswan.service running?" ] ||
        it_fail "gatewayctl up said: $out"

# gatewayd: the connection counts (charon's socket accepted it), then the
# first command goes unanswered for 10 s.
j_wait 30 ike-daemon-lost 2 "$pid"
lost_ms=$(( $(it_ms) - t0 ))
reason=$(j_last ike-daemon-lost GATEWAYD_REASON)
it_log "ike-daemon-lost after $lost_ms ms: $reason"
[[ $reason =~ ^charon\ did\ not\ answer\ .+\ within\ 10\ s$ ]] || { j_dump; it_fail "ike-daemon-lost reason: '$reason'"; }
msg=$(j_last ike-daemon-lost MESSAGE)
[[ $msg == "Lost the connection to charon ($uri): charon did not answer "*"; reconnecting" ]] || it_fail "message: $msg"
kill -0 "$pid" || it_fail "gatewayd exited"

wait "$up_pid" || true
it_forget_pid "$up_pid"
read -r rc ms < "$IT_DIR/up-default.rc"
out=$(cat "$IT_DIR/up-default.out")
it_log "gatewayctl up (default deadline): rc=$rc after $ms ms"
[ "$rc" -eq 1 ] && [ "$ms" -ge 9000 ] && [ "$ms" -lt 12500 ] || it_fail "gatewayctl up: exit $rc after $ms ms ($out)"
[ "$out" = "gatewayctl: tunnel 'azure': charon did not answer initiate within 10 s ($uri); is strongswan.service running?" ] ||
        it_fail "gatewayctl up said: $out"

# No socket at all: named, with the question.
fake_stop
set +e
out=$("$GATEWAYCTL" --config-dir "$etc" down azure 2>&1)
rc=$?
set -e
[ $rc -eq 1 ] && [ "$out" = "gatewayctl: tunnel 'azure': cannot reach charon at $uri: No such file or directory; is strongswan.service running?" ] ||
        it_fail "gatewayctl down without charon: exit $rc: $out"

# --- 3. a real charon at the same path ---
n=$(j_count ike-daemon-connected "$pid")
it_start_charon gw "$ONPREM_GW"
j_wait 15 ike-daemon-connected $((n + 1)) "$pid"
it_wait_for 20 it_sa_installed gw azure || { j_dump; it_fail "the tunnel did not come up with the real charon"; }
it_wait_for 10 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "no ping across"
kill -0 "$pid" || it_fail "gatewayd exited"
journalctl -D "$J" -o export --no-pager | grep -qF -- "$psk" && it_fail "the pre-shared key is in the journal"

# --- 4. SIGTERM while charon owes answers: a clean exit ---
# The pending commands fail as the VICI client is freed, and their
# callbacks must find the rest of the daemon whole (health was freed first:
# a use-after-free, a segfault at exit). MALLOC_PERTURB_ poisons freed
# memory so that such a use crashes here rather than by chance.
mkdir -p "$IT_DIR/etc4/tunnels.d"
cp -a "$etc/." "$IT_DIR/etc4/"
sock="$IT_DIR/gw/hang4.vici"
sed -i "s|^Vici=.*|Vici=unix://$sock|" "$IT_DIR/etc4/gatewayd.conf"
sed -i "s|^StatusFile=.*|StatusFile=$IT_DIR/status4.json|" "$IT_DIR/etc4/gatewayd.conf"
grep -q "^Vici=unix://$sock" "$IT_DIR/etc4/gatewayd.conf" || it_fail "etc4: no Vici= line to point at the silent socket"
fake hang
ns4=$(it_netns hang4)
MALLOC_PERTURB_=85 ip netns exec "$ns4" "$GATEWAYD" --config-dir "$IT_DIR/etc4" > "$IT_DIR/gatewayd4.log" 2>&1 &
pid4=$!
IT_PIDS+=("$pid4")
it_wait_for 10 grep -q "Connected to charon" "$IT_DIR/gatewayd4.log" || { cat "$IT_DIR/gatewayd4.log"; it_fail "no connection to the silent socket"; }
sleep 0.5
kill -TERM "$pid4"
rc=0
wait "$pid4" || rc=$?
it_forget_pid "$pid4"
[ "$rc" -eq 0 ] || { tail -5 "$IT_DIR/gatewayd4.log"; it_fail "gatewayd exited $rc on SIGTERM with commands pending"; }
echo "PASS: a socket of another user is refused before anything is sent; a silent charon is lost after 10 s ($lost_ms ms) with the reason, gatewayctl up gives up within its deadline; a real charon is then used; SIGTERM with commands pending exits 0"
