#!/bin/bash
# Each built-in FIPS profile interoperates with a peer configured (by hand,
# like an Azure custom IPsec/IKE policy) with exactly the equivalent
# proposals: the peer's `swanctl --list-sas` shows the negotiated IKE and ESP
# algorithms, and a child rekey (CREATE_CHILD_SA, where the PFS group is
# actually used) shows the PFS group too. Traffic flows after the rekey.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init profiles

it_topology
psk=$("$GATEWAYCTL" genpsk)

# round PROFILE PEER_IKE PEER_ESP WANT_IKE WANT_ESP WANT_ESP_PFS
round() {
        local p=$1 ike=$2 esp=$3 want_ike=$4 want_esp=$5 want_pfs=$6 etc="$IT_DIR/etc-$1" sas
        it_log "profile $p"
        it_azure_peer "az-$p" "$psk" "$ike" "$esp" 2>/dev/null
        it_start_charon "gw-$p" "$ONPREM_GW"
        it_onprem_tree "$etc" "$psk" "Profile=$p"
        printf '[Gateway]\nDataPlane=userspace\nVici=unix://%s/gw-%s/charon.vici\nStatusFile=%s/status-%s.json\n' "$IT_DIR" "$p" "$IT_DIR" "$p" > "$etc/gatewayd.conf"
        it_start_gatewayd "$etc"
        it_wait_for 15 it_sa_installed "gw-$p" azure || { cat "$IT_DIR/gatewayd.log"; it_fail "$p: the tunnel did not come up"; }
        it_wait_for 5 it_sa_installed "az-$p" onprem || it_fail "$p: the peer has no child SA"

        # What the peer negotiated (its view, not gatewayd's).
        sas=$(it_swanctl "az-$p" --list-sas)
        grep -q "^  $want_ike\$" <<<"$sas" || { echo "$sas"; it_fail "$p: IKE is not $want_ike"; }
        grep -q "INSTALLED, TUNNEL-in-UDP, $want_esp\$" <<<"$sas" || { echo "$sas"; it_fail "$p: ESP is not $want_esp"; }
        it_wait_for 10 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "$p: no ping across"

        # The first child SA takes its keys from IKE_AUTH (no DH): rekey it
        # so that the PFS group is negotiated and shows.
        it_swanctl "gw-$p" --rekey --child azure >/dev/null || it_fail "$p: swanctl --rekey"
        it_wait_for 10 sh -c "swanctl --list-sas --uri unix://$IT_DIR/az-$p/charon.vici | grep -q 'INSTALLED, TUNNEL-in-UDP, $want_pfs\$'" ||
                { it_swanctl "az-$p" --list-sas; it_fail "$p: the rekeyed child SA does not use $want_pfs"; }
        it_wait_for 10 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "$p: no ping across after the rekey"
        it_ping_all "$ONPREM_HOST" 198.51.100.140 5 || it_fail "$p: lost pings after the rekey"
        grep -E "failed:|error|NO_PROPOSAL|AUTHENTICATION" "$IT_DIR/gatewayd.log" && it_fail "$p: gatewayd reported a failure"

        it_stop_pid "$GATEWAYD_PID"; it_forget_pid "$GATEWAYD_PID"
        for n in "gw-$p" "az-$p"; do
                it_stop_pid "${IT_CHARON[$n]}"; it_forget_pid "${IT_CHARON[$n]}"
        done
        it_log "profile $p: IKE $want_ike, ESP $want_pfs"
}

round fips-gcm256 aes256gcm16-prfsha384-ecp384 aes256gcm16-ecp384 \
        AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384 ESP:AES_GCM_16-256 ESP:AES_GCM_16-256/ECP_384
round fips-cbc aes256-sha256-prfsha256-modp2048 aes256-sha256-modp2048 \
        AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048 ESP:AES_CBC-256/HMAC_SHA2_256_128 \
        ESP:AES_CBC-256/HMAC_SHA2_256_128/MODP_2048
echo "PASS: fips-gcm256 and fips-cbc interoperate with their equivalent peer policies"
