#!/bin/bash
# A profile mismatch fails, and the operator sees why: gatewayd runs the
# fips-cbc profile against a peer that offers GCM only; no SA comes up on
# either side and gatewayd's log names the tunnel and NO_PROPOSAL_CHOSEN.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init proposal-mismatch

it_two_sites "Profile=fips-cbc"
psk=$PSK etc=$ETC
it_start_gatewayd "$etc"

it_gw_log_wait 15 "tunnel 'azure'.*NO_PROPOSAL_CHOSEN"
# The peer really refused (this is charon's word, not gatewayd's guess) ...
grep -q "received proposals: IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" "$IT_DIR/az/charon.log" ||
        it_fail "the peer's log does not show the CBC offer"
grep -q "received proposals unacceptable" "$IT_DIR/az/charon.log" ||
        it_fail "the peer's log does not show the refusal"
# ... and nothing is up on either side.
it_sa_installed gw azure && it_fail "a child SA is installed despite the mismatch"
it_sa_installed az onprem && it_fail "the peer installed a child SA despite the mismatch"
[ -z "$(it_ike_id gw azure)" ] || it_fail "an IKE SA was established despite the mismatch"
# The reason is reported as a failure, not buried in a debug line.
grep -E "tunnel 'azure'.*NO_PROPOSAL_CHOSEN" "$IT_DIR/gatewayd.log" | head -n1 >&2
echo "PASS: a profile mismatch fails with NO_PROPOSAL_CHOSEN in gatewayd's log"
