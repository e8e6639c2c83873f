#!/bin/bash
# A wrong pre-shared key fails, and the operator sees why: the peer holds a
# different key than gatewayd's tunnel; no SA comes up and gatewayd's log
# names the tunnel and AUTHENTICATION_FAILED, without ever printing a key.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init auth-failure

it_topology
psk=$("$GATEWAYCTL" genpsk)
peer_psk=$("$GATEWAYCTL" genpsk)
[ "$psk" != "$peer_psk" ] || it_fail "genpsk gave the same key twice"
it_azure_peer az "$peer_psk" aes256gcm16-prfsha384-ecp384 aes256gcm16-ecp384 2>/dev/null
it_start_charon gw "$ONPREM_GW"
etc="$IT_DIR/etc"
it_onprem_tree "$etc" "$psk"
it_start_gatewayd "$etc"

it_gw_log_wait 15 "tunnel 'azure'.*AUTHENTICATION_FAILED"
# charon's own word on both sides: the peer checked the MAC and refused.
grep -q "MAC mismatched" "$IT_DIR/az/charon.log" || it_fail "the peer did not reject the key"
grep -q "received AUTHENTICATION_FAILED notify error" "$IT_DIR/gw/charon.log" ||
        it_fail "gatewayd's charon did not receive AUTHENTICATION_FAILED"
it_sa_installed gw azure && it_fail "a child SA is installed with a wrong key"
it_sa_installed az onprem && it_fail "the peer installed a child SA with a wrong key"
[ -z "$(it_ike_id az onprem)" ] || it_fail "the peer established an IKE SA with a wrong key"
# Secrets are never logged.
for k in "$psk" "$peer_psk"; do
        grep -qF -- "$k" "$IT_DIR/gatewayd.log" && it_fail "gatewayd logged a pre-shared key"
done
grep -E "tunnel 'azure'.*AUTHENTICATION_FAILED" "$IT_DIR/gatewayd.log" | head -n1 >&2
echo "PASS: a wrong PSK fails with AUTHENTICATION_FAILED in gatewayd's log"
