#!/bin/bash
# A tunnel whose establishment fails (the peer answers NO_PROPOSAL_CHOSEN
# because it has not loaded its configuration yet) is initiated again by
# gatewayd with backoff, and comes up once the peer is ready, with no one
# acting; charon alone would give up. A tunnel taken down on purpose
# (gatewayctl down) is not brought back.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init retry
it_topology
psk=$("$GATEWAYCTL" genpsk)
# The peer runs, but without its configuration.
it_start_charon az "$AZURE_GW"
it_start_charon gw "$ONPREM_GW"
etc="$IT_DIR/etc"
it_onprem_tree "$etc" "$psk"
it_start_gatewayd "$etc"
it_wait_for 15 grep -q "tunnel 'azure' is down: no-proposal-chosen (received NO_PROPOSAL_CHOSEN notify" "$IT_DIR/gatewayd.log" ||
        { cat "$IT_DIR/gatewayd.log"; it_fail "no NO_PROPOSAL_CHOSEN failure seen"; }
it_wait_for 10 grep -q "tunnel 'azure': failed to come up; trying again" "$IT_DIR/gatewayd.log" ||
        { cat "$IT_DIR/gatewayd.log"; it_fail "no retry scheduled"; }
it_sa_installed gw azure && it_fail "SA installed against an unconfigured peer"

# Now the peer loads its configuration (as Azure would after a reset).
it_azure_peer_conf "$IT_DIR/az/swanctl.conf" "$psk" aes256gcm16-prfsha384-ecp384 aes256gcm16-ecp384
it_peer_load az "$IT_DIR/az/swanctl.conf"
it_wait_for 70 it_sa_installed gw azure || { cat "$IT_DIR/gatewayd.log"; it_fail "gatewayd did not retry"; }
grep -q "tunnel 'azure': not up; initiating again" "$IT_DIR/gatewayd.log" || it_fail "came up without gatewayd's retry?"
it_wait_for 5 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "no ping"

# Taken down on purpose: stays down.
"$GATEWAYCTL" --config-dir "$etc" down azure >/dev/null
n=$(grep -c "initiating again" "$IT_DIR/gatewayd.log")
sleep 4
it_sa_installed gw azure && it_fail "gatewayd brought back a tunnel taken down on purpose"
[ "$(grep -c "initiating again" "$IT_DIR/gatewayd.log")" -eq "$n" ] || it_fail "retry after gatewayctl down"
echo "PASS: failed establishment retried; deliberate down respected"
