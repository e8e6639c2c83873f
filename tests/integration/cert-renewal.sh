#!/bin/bash
# A renewed certificate is picked up without the tunnel going down: the
# Certificate file is overwritten in place with a new certificate for the
# same key and subject (new serial); gatewayd notices (inotify), logs a
# reload, and charon then holds the new serial and not the old one, while the
# IKE SA stays the same (unique id and SPIs) and a continuous ping loses
# nothing.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init cert-renewal

it_topology
it_cert_pki
it_azure_cert_peer az
it_start_charon gw "$ONPREM_GW"
etc="$IT_DIR/etc"
it_onprem_cert_tree "$etc"
it_start_gatewayd "$etc"
it_wait_for 15 it_sa_installed gw azure || { cat "$IT_DIR/gatewayd.log"; it_fail "the certificate tunnel did not come up"; }
it_wait_for 10 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "no ping across before the renewal"

old_serial=$(it_cert_serial "$etc/certs/onprem.pem" | tr a-f A-F)
[ "$(it_charon_serials gw "$ONPREM_DN")" = "$old_serial" ] || it_fail "charon does not hold the original certificate"
it_wait_for 15 it_pfs_checked azure || it_fail "the early PFS rekey did not happen"
ike_before=$(it_ike_id gw azure)
child_before=$(it_child_spis gw azure)
[ -n "$ike_before" ] && [ -n "$child_before" ] || it_fail "no SA ids before the renewal"
n_reload=$(grep -c 'credential file changed' "$IT_DIR/gatewayd.log" || true)

# A continuous ping (4 s) runs across the renewal.
ip netns exec "$ONPREM_HOST" ping -c 40 -i 0.1 -W 1 198.51.100.140 > "$IT_DIR/ping.txt" 2>&1 &
ping_pid=$!
IT_PIDS+=("$ping_pid")
it_wait_for 5 grep -q 'icmp_seq=3 ' "$IT_DIR/ping.txt" || it_fail "the continuous ping does not get answers"

new_serial=$(it_renew_cert "$IT_DIR/pki" "$etc/certs/onprem.pem" "$etc/private/onprem.key" "$ONPREM_SUBJ" "$ONPREM_SAN" | tr a-f A-F)
[ "$new_serial" != "$old_serial" ] || it_fail "the renewed certificate has the old serial"
it_log "renewed: serial $old_serial -> $new_serial"

it_wait_for 5 sh -c "[ \$(grep -c 'credential file changed' '$IT_DIR/gatewayd.log') -gt $n_reload ]" ||
        { cat "$IT_DIR/gatewayd.log"; it_fail "gatewayd did not log a credential reload"; }
it_wait_for 5 sh -c "[ \"\$(swanctl --list-certs --uri unix://$IT_DIR/gw/charon.vici | grep -ic '$(echo "$new_serial" | sed 's/../&:/g; s/:$//')')\" -ge 1 ]" ||
        { it_swanctl gw --list-certs; it_fail "charon does not hold the renewed certificate"; }
serials=$(it_charon_serials gw "$ONPREM_DN")
[ "$serials" = "$new_serial" ] || it_fail "charon holds serials [$serials], wanted only $new_serial"
kill -0 "$ping_pid" 2>/dev/null || it_fail "the ping ended before the renewal was in place: the test proves nothing"

# The tunnel never went down.
wait "$ping_pid" || true
it_forget_pid "$ping_pid"
grep -q '^40 packets transmitted, 40 received,' "$IT_DIR/ping.txt" || { tail -n 3 "$IT_DIR/ping.txt"; it_fail "pings were lost across the renewal"; }
# (Read up to three times: under load one listing came back empty or partial
# and the next showed the same SAs; a real replacement never matches again.)
same_sas() { [ "$(it_ike_id gw azure)" = "$ike_before" ] && [ "$(it_child_spis gw azure)" = "$child_before" ]; }
same_sas || { sleep 0.5; same_sas; } || { sleep 0.5; same_sas; } ||
        it_fail "the SAs changed: IKE $ike_before -> $(it_ike_id gw azure), child $child_before -> $(it_child_spis gw azure)"
grep -q "tunnel 'azure': ike-updown down\|tunnel 'azure': child-updown down" "$IT_DIR/gatewayd.log" && it_fail "gatewayd saw the tunnel go down"
grep -E "failed:|error" "$IT_DIR/gatewayd.log" && it_fail "gatewayd reported a failure"
# The renewed certificate is the one charon authenticates with from now on:
# a fresh IKE SA to the peer (a reauthentication) succeeds with it.
# charon may set a reauthentication request aside while another exchange of
# the IKE SA is in flight (seen in about 1 run of 5 under load): ask again,
# at most three times, rather than read that as a failure.
new_ike() {
        [ "$(swanctl --list-sas --ike azure --uri "unix://$IT_DIR/gw/charon.vici" | sed -n 's/^azure: \(#[0-9]*\),.*/\1/p')" != "${ike_before%% *}" ]
}
for attempt in 1 2 3; do
        it_swanctl gw --rekey --ike azure --reauth >/dev/null || it_fail "swanctl --rekey --reauth"
        it_wait_for 10 new_ike && break
        it_log "reauthentication request $attempt brought no new IKE SA; asking again"
done
new_ike || it_fail "no new IKE SA after the reauthentication"
it_wait_for 10 it_sa_installed gw azure || it_fail "no child SA after the reauthentication"
it_wait_for 10 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "no ping after the reauthentication with the renewed certificate"
serials=$(it_charon_serials az "$ONPREM_DN")
grep -qx "$new_serial" <<<"$serials" || it_fail "the peer never received the renewed certificate"
echo "PASS: renewed certificate loaded into charon (serial $new_serial) with the SA and the traffic untouched"
