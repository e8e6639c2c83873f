#!/bin/bash
# Tunnel health in a real journald and the status file, against a real charon
# peer (the simulated Azure gateway), with DpdTimeoutSeconds=9 and charon's
# retransmission schedule from the strongSwan drop-in the package installs:
#   1. tunnel-up with the negotiated algorithms (GATEWAYD_IKE_PROPOSAL,
#      GATEWAYD_ESP_PROPOSAL), the status file says up, gatewayctl status
#      exits 0; the early child rekey that checks the PFS group happens
#      (tunnel-rekeyed) within a minute of tunnel-up;
#   2. the peer's charon is SIGKILLed: tunnel-down with dpd-timeout within
#      DpdTimeoutSeconds + 1 s, shield-engaged; the status says down with
#      last_error dpd-timeout and gatewayctl status exits 3;
#   3. the peer is back: tunnel-up again, shield-released;
# and the pre-shared key is nowhere in the journal, the status file or the
# command output.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init health

DPD=9
it_two_sites "DpdTimeoutSeconds=$DPD"
psk=$PSK etc=$ETC
metrics="$IT_DIR/metrics/gatewayd.prom"
printf 'MetricsFile=%s\n' "$metrics" >> "$etc/gatewayd.conf"
it_journald "$ONPREM_GW"
status="$IT_DIR/status.json"

j_start "$etc"

# --- 1. up -----------------------------------------------------------------
j_wait 30 tunnel-up 1
[ "$(j_last tunnel-up GATEWAYD_TUNNEL)" = azure ] || it_fail "tunnel-up: GATEWAYD_TUNNEL"
[ "$(j_last tunnel-up GATEWAYD_PEER)" = 192.0.2.2 ] || it_fail "tunnel-up: GATEWAYD_PEER"
[ "$(j_last tunnel-up MESSAGE_ID)" = 297f6272416b4e8c8e6eff1774dcf22b ] || it_fail "tunnel-up: MESSAGE_ID"
[ "$(j_last tunnel-up PRIORITY)" = 5 ] || it_fail "tunnel-up: PRIORITY"
ike=$(j_last tunnel-up GATEWAYD_IKE_PROPOSAL)
esp=$(j_last tunnel-up GATEWAYD_ESP_PROPOSAL)
[ "$ike" = aes256gcm16-prfsha384-ecp384 ] || it_fail "tunnel-up: IKE proposal '$ike'"
case $esp in aes256gcm16*) ;; *) it_fail "tunnel-up: ESP proposal '$esp'" ;; esac
up_at=$(j_last tunnel-up __REALTIME_TIMESTAMP)

# The status file follows within its debounce.
st_state() {
        python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print([t for t in d["tunnels"] if t["name"] == "azure"][0][sys.argv[2]])' "$status" "$1" 2>/dev/null
}
it_wait_for 5 sh -c "[ \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"tunnels\"][0][\"state\"])' '$status' 2>/dev/null)\" = up ]" ||
        it_fail "the status file does not say up: $(cat "$status" 2>&1)"
[ "$(st_state shield)" = standby ] || it_fail "status: shield $(st_state shield), want standby"
if python3 -c 'import jsonschema' 2>/dev/null; then
        python3 - "$top_srcdir/packaging/status.schema.json" "$status" <<'EOF' || it_fail "the daemon's status file does not validate"
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
EOF
fi
out=$("$GATEWAYCTL" status --status-file "$status") || it_fail "gatewayctl status exited $? with the tunnel up: $out"
echo "$out"
grep -Eq '^azure +up ' <<<"$out" || it_fail "gatewayctl status: no 'azure up' line"
# The Prometheus textfile follows the status.
it_wait_for 5 grep -q '^gatewayd_tunnel_up{tunnel="azure"} 1$' "$metrics" || it_fail "metrics: azure not up: $(cat "$metrics" 2>&1)"
grep -q '^gatewayd_shield_drops_total ' "$metrics" || it_fail "metrics: no shield drops counter"

# The early rekey: one child rekey within a minute of tunnel-up.
j_wait 60 tunnel-rekeyed 1
rk_at=$(j_last tunnel-rekeyed __REALTIME_TIMESTAMP)
it_log "early child rekey $(( (rk_at - up_at) / 1000 )) ms after tunnel-up"
[ $(( rk_at - up_at )) -le 60000000 ] || it_fail "the early rekey came later than 60 s after tunnel-up"

# --- 2. the peer dies ------------------------------------------------------
n_down=$(j_count tunnel-down)
kill -9 "${IT_CHARON[az]}"
wait "${IT_CHARON[az]}" 2>/dev/null || true
it_forget_pid "${IT_CHARON[az]}"
killed_at=$(( $(date +%s%N) / 1000 ))
j_wait $((DPD + 10)) tunnel-down $((n_down + 1))
[ "$(j_last tunnel-down GATEWAYD_REASON)" = dpd-timeout ] || { j_dump; it_fail "tunnel-down: reason '$(j_last tunnel-down GATEWAYD_REASON)', want dpd-timeout"; }
[ "$(j_last tunnel-down PRIORITY)" = 4 ] || it_fail "tunnel-down: PRIORITY"
down_at=$(j_last tunnel-down __REALTIME_TIMESTAMP)
took=$(( (down_at - killed_at) / 1000 ))
it_log "dead peer reported $took ms after the kill (DpdTimeoutSeconds=$DPD)"
[ "$took" -le $(( (DPD + 1) * 1000 )) ] || it_fail "dead peer reported after $took ms, more than DpdTimeoutSeconds + 1 s"
j_wait 5 shield-engaged 1
it_wait_for 5 grep -q '^gatewayd_tunnel_up{tunnel="azure"} 0$' "$metrics" || it_fail "metrics: azure still up"
[ "$(j_last shield-engaged GATEWAYD_TUNNEL)" = azure ] || it_fail "shield-engaged: GATEWAYD_TUNNEL"
it_wait_for 5 sh -c "grep -q '\"last_error\": \"dpd-timeout' '$status'" || it_fail "status: last_error is not dpd-timeout: $(cat "$status")"
[ "$(st_state state)" = down ] || it_fail "status: state $(st_state state), want down"
[ "$(st_state shield)" = engaged ] || it_fail "status: shield $(st_state shield), want engaged"
set +e
out=$("$GATEWAYCTL" status --status-file "$status")
rc=$?
set -e
echo "$out"
[ $rc -eq 3 ] || it_fail "gatewayctl status exited $rc with the tunnel down, want 3"
grep -q 'dpd-timeout' <<<"$out" || it_fail "gatewayctl status does not say dpd-timeout"

# --- 3. the peer is back ---------------------------------------------------
n_up=$(j_count tunnel-up)
it_peer_conf az "$IT_DIR/az/swanctl.conf"
j_wait 40 tunnel-up $((n_up + 1))
j_wait 5 shield-released 1
it_wait_for 5 sh -c "[ \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"tunnels\"][0][\"state\"])' '$status')\" = up ]" ||
        it_fail "the status file does not say up again"

# --- secrets ---------------------------------------------------------------
journalctl -D "$J" -o export --no-pager > "$IT_DIR/journal.export" 2>/dev/null
it_wait_for 5 grep -q '^gatewayd_tunnel_up{tunnel="azure"} 1$' "$metrics" || it_fail "metrics: azure not up again"
for f in "$IT_DIR/journal.export" "$status" "$metrics"; do
        grep -qF -- "$psk" "$f" && it_fail "the pre-shared key is in $f"
done
grep -qF -- "$psk" <<<"$out" && it_fail "the pre-shared key is in gatewayctl status"
j_dump
echo "PASS: health: tunnel-up with algorithms, early rekey, dpd-timeout in ${took} ms, shield engaged/released, status file and gatewayctl status"
