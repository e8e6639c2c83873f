#!/bin/bash
# Why a tunnel is down, as the journal says it (GATEWAYD_REASON of
# tunnel-down), against a real charon peer whose configuration changes under
# a running gatewayd (gatewayd keeps initiating again, with backoff):
#   1. the peer holds another pre-shared key: auth-failed;
#   2. the peer offers CBC only (the tunnel runs fips-gcm256):
#      no-proposal-chosen;
#   3. the peer matches except for its PFS group (ESP ecp256 against the
#      profile's ecp384): the tunnel comes up (the first child SA takes its
#      keys from the IKE SA), and gatewayd's early rekey shows the mismatch
#      within 60 s of tunnel-up as tunnel-down, rekey-failed, with a message
#      that names PfsGroup.
# The keys are nowhere in the journal.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init health-failures

it_topology
psk=$("$GATEWAYCTL" genpsk)
other=$("$GATEWAYCTL" genpsk)
GCM=aes256gcm16-prfsha384-ecp384
it_azure_peer az "$other" "$GCM" aes256gcm16-ecp384 2>/dev/null
it_start_charon gw "$ONPREM_GW"
etc="$IT_DIR/etc"
it_onprem_tree "$etc" "$psk"
it_journald "$ONPREM_GW"
j_start "$etc"

# j_wait_reason SECONDS REASON: a tunnel-down entry for azure with REASON.
j_reason_count() {
        j_json | python3 -c '
import json, sys
print(sum(1 for r in map(json.loads, sys.stdin)
          if r.get("GATEWAYD_EVENT") == "tunnel-down" and r.get("GATEWAYD_TUNNEL") == "azure"
          and r.get("GATEWAYD_REASON") == sys.argv[1]))' "$1"
}
j_has_reason() { [ "$(j_reason_count "$1")" -ge 1 ]; }
j_wait_reason() {
        it_wait_for "$1" j_has_reason "$2" && return 0
        j_dump
        it_fail "no tunnel-down with reason $2 within $1 s"
}

# --- 1. wrong key -----------------------------------------------------------
j_wait_reason 20 auth-failed
it_log "auth-failed: $(j_last tunnel-down MESSAGE)"

# --- 2. the peer offers another proposal ------------------------------------
it_azure_peer_conf "$IT_DIR/az/swanctl.conf" "$psk" aes256-sha256-modp2048 aes256-sha256-modp2048
it_peer_load az "$IT_DIR/az/swanctl.conf"
j_wait_reason 40 no-proposal-chosen
it_log "no-proposal-chosen: $(j_last tunnel-down MESSAGE)"

# --- 3. everything matches but the PFS group --------------------------------
it_azure_peer_conf "$IT_DIR/az/swanctl.conf" "$psk" "$GCM" aes256gcm16-ecp256
it_peer_load az "$IT_DIR/az/swanctl.conf"
j_wait 60 tunnel-up 1
up_at=$(j_last tunnel-up __REALTIME_TIMESTAMP)
j_wait_reason 60 rekey-failed
msg=$(j_last tunnel-down MESSAGE)
down_at=$(j_last tunnel-down __REALTIME_TIMESTAMP)
it_log "rekey-failed $(( (down_at - up_at) / 1000 )) ms after tunnel-up: $msg"
[ $(( down_at - up_at )) -le 60000000 ] || it_fail "the PFS mismatch showed later than 60 s after tunnel-up"
grep -q PfsGroup <<<"$msg" || it_fail "the rekey-failed message does not name PfsGroup: $msg"

journalctl -D "$J" -o export --no-pager > "$IT_DIR/journal.export" 2>/dev/null
for k in "$psk" "$other"; do
        grep -qF -- "$k" "$IT_DIR/journal.export" && it_fail "a pre-shared key is in the journal"
done
j_dump
echo "PASS: health failures: auth-failed, no-proposal-chosen, and a PFS mismatch as rekey-failed soon after tunnel-up"
