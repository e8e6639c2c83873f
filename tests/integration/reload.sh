#!/bin/bash
# SIGHUP applies the difference only. Four tunnels to one "Azure" peer (one
# charon with four hand-written connections told apart by their identities
# and VNet prefixes):
#   azure  198.51.100.128/25 + 2001:db8:b::/64   unchanged: same IKE and
#          child SA (unique ids, SPIs) across every reload, ping keeps working
#   vnet2  203.0.113.0/27 -> /26                 changed: the new prefix
#          carries traffic (203.0.113.40 becomes reachable)
#   old    203.0.113.64/26                       removed: gone from charon,
#          its SAs deleted on both sides
#   new    203.0.113.128/26                      added: comes up, pings
#   extra  203.0.113.192/27                      added by the last reload
# Then a reload with an invalid file (plus valid edits beside it): gatewayd
# logs the file:line diagnostic, applies the valid edits, and the broken
# tunnel keeps its connection and SAs (failure isolation); fixing the file
# changes nothing more. Last, the parse cache: a reload parses only what
# changed, and a same-size rewrite right after a reload is not missed.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init reload

it_topology
# The extra VNet prefixes live on the "Azure" side: the gateway needs an
# address inside each of its traffic selectors (kernel-libipsec), the VNet
# host one in each prefix (and .40 outside vnet2's original /27).
for a in 203.0.113.1/26 203.0.113.65/26 203.0.113.129/26 203.0.113.193/27; do ip -n "$AZURE_GW" addr add "$a" dev lan; done
for a in 203.0.113.10/26 203.0.113.40/26 203.0.113.74/26 203.0.113.138/26 203.0.113.200/27; do ip -n "$VNET_HOST" addr add "$a" dev lan; done

psk=$("$GATEWAYCTL" genpsk)
b64=$(printf %s "$psk" | base64 -w0)
mkdir -p "$IT_DIR/az"
{
        echo "connections {"
        # name local-id remote-id local_ts (the peer's VNet side)
        while read -r name lid rid lts; do
                it_azure_conn "$name" "$lid" "$rid" "$lts" "$ONPREM_LAN4, $ONPREM_LAN6" \
                        aes256gcm16-prfsha384-ecp384 aes256gcm16-ecp384
        done <<EOL
onprem 192.0.2.2 192.0.2.1 $VNET4,$VNET6
vnet2 vnet2.azure.example vnet2.onprem.example 203.0.113.0/26
old old.azure.example old.onprem.example 203.0.113.64/26
new new.azure.example new.onprem.example 203.0.113.128/26
extra extra.azure.example extra.onprem.example 203.0.113.192/27
EOL
        echo "}"
        echo "secrets {"
        for id in 192.0.2.1 vnet2.onprem.example old.onprem.example new.onprem.example extra.onprem.example; do
                it_azure_secret "${id%%.*}" "$id" "$psk"
        done
        echo "}"
} > "$IT_DIR/az/swanctl.conf"
it_peer_conf az "$IT_DIR/az/swanctl.conf"
it_start_charon gw "$ONPREM_GW"

etc="$IT_DIR/etc"
it_onprem_tree "$etc" "$psk"
# tunnel NAME REMOTE-PREFIXES: a tunnel to the same peer with its own ids.
tunnel() { it_peer_tunnel "$etc" "$1" "$1.onprem.example" "$1.azure.example" "$2"; }
tunnel vnet2 203.0.113.0/27
tunnel old 203.0.113.64/26

it_start_gatewayd "$etc"
for t in azure vnet2 old; do
        it_wait_for 15 it_sa_installed gw $t || { cat "$IT_DIR/gatewayd.log"; it_fail "tunnel $t did not come up"; }
done
it_wait_for 10 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "azure: no ping"
it_wait_for 10 it_ping "$ONPREM_HOST" 203.0.113.10 || it_fail "vnet2: no ping"
it_wait_for 10 it_ping "$ONPREM_HOST" 203.0.113.74 || it_fail "old: no ping"
it_ping "$ONPREM_HOST" 203.0.113.40 && it_fail "vnet2: 203.0.113.40 is reachable before its prefix is configured"

for t in azure vnet2 old; do
        it_wait_for 15 it_pfs_checked $t || it_fail "$t: the early PFS rekey did not happen"
done
ike_azure=$(it_ike_id gw azure)
child_azure=$(it_child_spis gw azure)
[ -n "$ike_azure" ] && [ -n "$child_azure" ] || it_fail "no SA ids for azure"
it_log "azure before the reloads: IKE $ike_azure, child $child_azure"

# --- 1. add one, change one, remove one ---
tunnel vnet2 203.0.113.0/26
rm "$etc/tunnels.d/old.conf"
tunnel new 203.0.113.128/26
kill -HUP "$GATEWAYD_PID"
it_gw_log_wait 5 "Configuration applied: 1 tunnels added, 1 changed, 1 removed, 1 unchanged"

it_wait_for 15 it_sa_installed gw new || { cat "$IT_DIR/gatewayd.log"; it_fail "the added tunnel did not come up"; }
it_wait_for 10 it_ping "$ONPREM_HOST" 203.0.113.138 || it_fail "new: no ping"
it_wait_for 10 it_ping "$ONPREM_HOST" 203.0.113.40 || { it_swanctl gw --list-sas --ike vnet2; it_fail "vnet2: the changed prefix does not carry traffic"; }
it_ping "$ONPREM_HOST" 203.0.113.10 || it_fail "vnet2: lost its original prefix"
# Captured first: under pipefail, grep -q ending the pipe early would make a
# match read as "not found" and the check pass.
conns=$(it_swanctl gw --list-conns)
grep -q '^old:' <<<"$conns" && it_fail "the removed tunnel is still loaded in charon"
it_wait_for 5 sh -c "! swanctl --list-sas --uri unix://$IT_DIR/gw/charon.vici | grep -q '^old:'" ||
        it_fail "the removed tunnel's IKE SA is still up"
it_wait_for 5 sh -c "! swanctl --list-sas --uri unix://$IT_DIR/az/charon.vici | grep -q '^old:'" ||
        it_fail "the peer still holds the removed tunnel's IKE SA"
[ "$(it_ike_id gw azure)" = "$ike_azure" ] || it_fail "azure (unchanged): IKE SA changed: $ike_azure -> $(it_ike_id gw azure)"
[ "$(it_child_spis gw azure)" = "$child_azure" ] || it_fail "azure (unchanged): child SA changed: $child_azure -> $(it_child_spis gw azure)"
it_ping_all "$ONPREM_HOST" 198.51.100.140 3 || it_fail "azure: lost pings after the reload"

# --- 2. a reload with an invalid file: the rest applies, the broken
# tunnel keeps running its previous configuration (failure isolation) ---
state() {
        for t in "$@"; do
                printf '%s: %s | %s\n' "$t" "$(it_ike_id gw $t)" "$(it_child_spis gw $t | tr '\n' ' ')"
        done
}
for t in azure vnet2 new; do
        it_wait_for 15 it_pfs_checked $t || it_fail "$t: the early PFS rekey did not happen"
done
vnet2_conn() { it_swanctl gw --list-conns | sed -n '/^vnet2:/,/^[a-z0-9]*:/p'; }
conn_before=$(vnet2_conn)
sas_before=$(state vnet2 new)
printf 'DpdTimeoutSeconds=30\n' >> "$etc/tunnels.d/azure.conf"   # valid edit
tunnel extra 203.0.113.192/27                                    # valid addition
printf 'Bogus=1\n' >> "$etc/tunnels.d/vnet2.conf"               # the error
bad_line=$(wc -l < "$etc/tunnels.d/vnet2.conf")
kill -HUP "$GATEWAYD_PID"
it_gw_log_wait 5 "tunnels.d/vnet2.conf:$bad_line: error: .*Bogus"
it_gw_log_wait 5 "tunnel 'vnet2': .*keeps running its previous configuration"
it_gw_log_wait 5 "Configuration applied: 1 tunnels added, 1 changed, 0 removed, 2 unchanged"
kill -0 "$GATEWAYD_PID" || it_fail "gatewayd exited on a bad configuration"
it_wait_for 5 sh -c "swanctl --list-conns --uri unix://$IT_DIR/gw/charon.vici | grep -q '^extra: IKEv2'" || it_fail "the reload did not add 'extra' beside the broken file"
conns=$(it_swanctl gw --list-conns)
grep -q '^azure: IKEv2, .*dpd delay 24s' <<<"$conns" || { echo "$conns"; it_fail "the reload did not change azure's DPD beside the broken file"; }
it_wait_for 15 it_sa_installed gw extra || it_fail "the tunnel added beside the broken file did not come up"
it_wait_for 10 it_ping "$ONPREM_HOST" 203.0.113.200 || it_fail "extra: no ping"
it_wait_for 15 it_sa_installed gw azure || it_fail "azure (changed) did not come back up"
it_wait_for 10 it_ping "$ONPREM_HOST" 198.51.100.140 || it_fail "azure: no ping after its change"
# The broken tunnel: charon's connection and its SAs as they were, over a
# short window (a change would show within milliseconds).
for _ in 1 2 3 4 5; do
        [ "$(vnet2_conn)" = "$conn_before" ] || { vnet2_conn; it_fail "vnet2 (broken file) changed in charon"; }
        [ "$(state vnet2 new)" = "$sas_before" ] || { state vnet2 new; it_fail "SAs of vnet2 (broken) or new (unchanged) changed"; }
        sleep 0.2
done
it_ping "$ONPREM_HOST" 203.0.113.10 || it_fail "vnet2: no ping while its new file is broken"
"$GATEWAYCTL" status --status-file "$IT_DIR/status.json" vnet2 | grep -q 'up' || it_fail "vnet2 not up in the status"

# Fixed: the file is what runs, so nothing changes.
sed -i '/^Bogus=1$/d' "$etc/tunnels.d/vnet2.conf"
kill -HUP "$GATEWAYD_PID"
it_gw_log_wait 5 "Configuration applied: 0 tunnels added, 0 changed, 0 removed, 4 unchanged"
[ "$(state vnet2 new)" = "$sas_before" ] || it_fail "the fixed reload touched vnet2's SAs"

# --- 3. the tunnels.d parse cache never serves a stale tunnel: once every
# file is 2 s old a reload parses none; a same-size rewrite made at once
# after that reload (same inode, the same second) is parsed and applied ---
sleep 2.1
n=$(it_gw_log_count "4 unchanged .*[;,] [0-9]+ of 4 tunnel files parsed")
kill -HUP "$GATEWAYD_PID"     # keeps the files that changed less than 2 s before the last reload
it_gw_log_wait 5 "4 unchanged .*[;,] [0-9]+ of 4 tunnel files parsed" $((n + 1))
n=$(it_gw_log_count "4 unchanged .*[;,] 0 of 4 tunnel files parsed")
kill -HUP "$GATEWAYD_PID"
it_gw_log_wait 5 "4 unchanged .*[;,] 0 of 4 tunnel files parsed" $((n + 1))
f="$etc/tunnels.d/extra.conf"
size=$(stat -c %s "$f"); ino=$(stat -c %i "$f")
text=$(sed 's|^RemotePrefixes=203.0.113.192/27$|RemotePrefixes=203.0.113.192/28|' "$f")
printf '%s\n' "$text" > "$f"   # in place: the same inode
[ "$(stat -c %s "$f")" = "$size" ] && [ "$(stat -c %i "$f")" = "$ino" ] || it_fail "extra.conf: not a same-size rewrite in place"
kill -HUP "$GATEWAYD_PID"
it_gw_log_wait 5 "Configuration applied: 0 tunnels added, 1 changed, 0 removed, 3 unchanged .*[;,] 1 of 4 tunnel files parsed"
conns=$(it_swanctl gw --list-conns | sed -n '/^extra:/,/^[a-z0-9]*:/p')
grep -q 'remote: *203.0.113.192/28' <<<"$conns" || { echo "$conns"; it_fail "charon holds a stale 'extra' after a same-size rewrite"; }

grep -E "failed:" "$IT_DIR/gatewayd.log" && it_fail "gatewayd reported a failure"
echo "PASS: reload added, changed and removed tunnels, left the unchanged one's SAs alone; a broken file kept its tunnel running while the rest applied"
