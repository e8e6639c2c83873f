#!/bin/bash
# The shield heals (DESIGN.md, "The shield heals and tells"): other programs
# on the box remove what gatewayd owns, and gatewayd notices and puts it back
# within 1 s, logging shield-restored, while the on-prem host pings the VNet
# without pause (IPv4 and IPv6, every 50 ms) and the WAN is captured:
#   x  `ip xfrm policy flush` in the gateway's namespace, then charon is
#      killed (SIGKILL): the shield policies must be back before the tunnel
#      goes, so not one plaintext packet leaves; charon restarts and the
#      tunnel carries traffic again;
#   p  `ip xfrm policy flush`, then the peer deletes the IKE SA: the tunnel
#      goes and charon brings it up again (close_action) behind a shield
#      that is back;
#   d  `ip xfrm policy deleteall` (one notification per policy), then charon
#      is killed;
#   n  `nft flush ruleset` (what nftables.service does): table inet gatewayd
#      must be back, then the tunnel is brought down (charon killed): with
#      DataPlane=userspace that table is the whole IPv6 shield, so IPv6 must
#      be dropped there and nothing leave in plaintext;
#   s  Debian's stock /etc/nftables.conf loaded as nftables.service does
#      (`nft -f`: flush ruleset, then table inet filter): the same, and the
#      stock table stays as it was loaded;
#   e  another program adds a table of its own (nothing to restore), then
#      empties the shield's set shield6 (the table stays): the set is back.
# Every phase captures the WAN and must show no plaintext toward the VNet,
# IPv4 or IPv6, and the tunnel carrying both again afterwards.
# The repair times (from the foreign command to the shield being back, as
# seen by polling from outside) are printed.
set -euo pipefail
. "$top_srcdir/tests/integration/shield-lib.sh"
it_init shield-heal

# The contract is 1 s; a loaded CI machine may be given more, never less.
HEAL_LIMIT_MS=${HEAL_LIMIT_MS:-1000}

sh_setup_common yes
it_start_charon gw "$ONPREM_GW"
it_start_gatewayd_wait "$SH_ETC"
sh_pingers_start
sh_tunnel_works 40 || { sh_dump_state; it_fail "the tunnel did not come up"; }
# With ipsec0 there: block + allow for the IPv4 prefix.
it_wait_for 5 eval '[ "$(sh_n_policies)" -eq 2 ]' || { sh_policies >&2; it_fail "expected 2 shield policies"; }

# heal_wait START_MS CMD...: polls CMD every 10 ms until it succeeds or
# HEAL_LIMIT_MS have passed since START_MS; echoes the elapsed ms and
# returns 1 when the limit passed.
heal_wait() {
        local t0=$1 now
        shift
        while ! "$@" >/dev/null 2>&1; do
                now=$(it_ms)
                if [ $(( now - t0 )) -gt "$HEAL_LIMIT_MS" ]; then
                        echo $(( now - t0 ))
                        return 1
                fi
                sleep 0.01
        done
        echo $(( $(it_ms) - t0 ))
}

# The shield is complete: the same policies as before (selector, action,
# priority; indices may be new), and the same table.
policies_key() { sh_policies | grep -E '^src |action|priority' | sed -E 's/ (index|ptype) [^ ]+//g'; }
shield_back() { [ "$(policies_key)" = "$POL0" ]; }
table_back() { [ "$(sh_nft)" = "$NFT0" ]; }
restored_count() { it_gw_log_count 'event=shield-restored'; }

# charon_kill_restart: the tunnel goes (charon SIGKILL: SAs, routes and
# ipsec0 with it) for 1.5 s, then charon comes back.
charon_kill_restart() {
        local b0 n6
        b0=$(sh_blocked)
        kill -9 "${IT_CHARON[gw]}"
        wait "${IT_CHARON[gw]}" 2>/dev/null || true
        it_forget_pid "${IT_CHARON[gw]}"
        sleep 1.5
        # Traffic met the shield, not a leak: drops were counted.
        [ "$(sh_blocked)" -gt "$b0" ] || { sh_dump_state; it_fail "$1: nothing blocked while charon was gone"; }
        it_start_charon gw "$ONPREM_GW"
}

# --- x: XFRM policy flush, then the tunnel drops ---------------------------
POL0=$(policies_key)
[ -n "$POL0" ] || it_fail "no shield policies to compare with"
r0=$(restored_count)
sh_phase_begin x-xfrm-flush-charon-kill
t0=$(it_ms)
sh_gw ip xfrm policy flush
x_ms=$(heal_wait "$t0" shield_back) || {
        sh_dump_state
        it_fail "x: the shield was not back ${x_ms} ms after ip xfrm policy flush"
}
it_log "x: shield policies back ${x_ms} ms after ip xfrm policy flush"
it_gw_log_wait 5 'event=shield-restored' $((r0 + 1))
it_log "x: gatewayd says: $(grep 'event=shield-restored' "$IT_DIR/gatewayd.log" | tail -1)"
grep 'event=shield-restored' "$IT_DIR/gatewayd.log" | tail -1 | grep -q '2 XFRM policies put back' ||
        it_fail "x: shield-restored does not count the 2 policies put back"
charon_kill_restart x
sh_phase_end x-xfrm-flush-charon-kill 1
# Our own changes (ipsec0 going and coming) notify too: none of them is a
# restore.
[ "$(restored_count)" -eq $((r0 + 1)) ] ||
        { grep 'shield-restored' "$IT_DIR/gatewayd.log" >&2; it_fail "x: shield-restored logged for gatewayd's own changes"; }

# --- p: XFRM policy flush, then the peer deletes the SA ---------------------
r0=$(restored_count)
sh_phase_begin p-xfrm-flush-peer-delete
ike0=$(it_ike_id gw azure)
[ -n "$ike0" ] || it_fail "p: no IKE SA"
t0=$(it_ms)
sh_gw ip xfrm policy flush
p_ms=$(heal_wait "$t0" shield_back) || { sh_dump_state; it_fail "p: the shield was not back ${p_ms} ms after ip xfrm policy flush"; }
it_log "p: shield policies back ${p_ms} ms after ip xfrm policy flush"
it_gw_log_wait 5 'event=shield-restored' $((r0 + 1))
it_swanctl az --terminate --ike onprem >/dev/null 2>&1 || it_fail "p: the peer could not delete the IKE SA"
# charon brings it up again (close_action=start), a new IKE SA.
it_wait_for 20 eval '[ -n "$(it_ike_id gw azure)" ] && [ "$(it_ike_id gw azure)" != "$ike0" ]' ||
        { sh_dump_state; it_fail "p: no new IKE SA after the peer deleted the old one"; }
sh_phase_end p-xfrm-flush-peer-delete
[ "$(restored_count)" -eq $((r0 + 1)) ] ||
        { grep 'shield-restored' "$IT_DIR/gatewayd.log" >&2; it_fail "p: shield-restored logged for gatewayd's own changes"; }

# --- d: XFRM policy deleteall, then the tunnel drops ------------------------
r0=$(restored_count)
sh_phase_begin d-xfrm-deleteall-charon-kill
t0=$(it_ms)
d_at=$t0
sh_gw ip xfrm policy deleteall
d_ms=$(heal_wait "$t0" shield_back) || { sh_dump_state; it_fail "d: the shield was not back ${d_ms} ms after ip xfrm policy deleteall"; }
it_log "d: shield policies back ${d_ms} ms after ip xfrm policy deleteall"
it_gw_log_wait 5 'event=shield-restored' $((r0 + 1))
charon_kill_restart d
sh_phase_end d-xfrm-deleteall-charon-kill 1

# --- n: nft flush ruleset, then the tunnel drops ---------------------------
# deleteall removes our policies again while it walks the list, so d is
# repaired several times, each a shield-restored entry; with x and p that
# can use up the journal's rate limit (EVENT_RATELIMIT_BURST, 10 entries of
# an event per EVENT_RATELIMIT_INTERVAL_USEC, 30 s: gatewayd/journal.h), and
# the entries n, s and e wait for would be held back on a machine fast
# enough to get there within the 30 s. So they begin once d's window is over.
sleep_ms=$(( d_at + 31000 - $(it_ms) ))
[ "$sleep_ms" -le 0 ] || sleep "$(awk -v ms="$sleep_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
NFT0=$(sh_nft)
grep -q 'ip6 daddr @shield6' <<<"$NFT0" || it_fail "n: no IPv6 shield rule in table inet gatewayd"
r0=$(restored_count)
sh_phase_begin n-nft-flush-charon-kill
t0=$(it_ms)
sh_gw nft flush ruleset
n_ms=$(heal_wait "$t0" table_back) || {
        sh_dump_state
        it_fail "n: table inet gatewayd was not back ${n_ms} ms after nft flush ruleset"
}
it_log "n: table inet gatewayd back ${n_ms} ms after nft flush ruleset"
it_gw_log_wait 5 'event=shield-restored' $((r0 + 1))
grep 'event=shield-restored' "$IT_DIR/gatewayd.log" | tail -1 | grep -q 'nftables table inet gatewayd reinstalled' ||
        it_fail "n: shield-restored does not say the table was reinstalled"
n6=$(sh_nft6_out)
charon_kill_restart n
n6=$(( $(sh_nft6_out) - n6 ))
it_log "n: IPv6 dropped by the reinstalled table while charon was gone: $n6"
[ "$n6" -gt 0 ] || it_fail "n: no IPv6 drop by table inet gatewayd while the tunnel was down"
sh_phase_end n-nft-flush-charon-kill 1 0
n6_plain=$(it_pcap_count "$IT_DIR/phase-n-nft-flush-charon-kill.pcap" "dst net $VNET6")
[ "$n6_plain" -eq 0 ] || it_fail "n: $n6_plain IPv6 plaintext packets toward the VNet"
[ "$(restored_count)" -eq $((r0 + 1)) ] ||
        { grep 'shield-restored' "$IT_DIR/gatewayd.log" >&2; it_fail "n: shield-restored logged for gatewayd's own changes"; }

# --- s: Debian's stock nftables.conf, as nftables.service loads it ---------
# (Debian 12's /etc/nftables.conf, verbatim: debian-nftables.conf.)
cp "$top_srcdir/tests/integration/debian-nftables.conf" "$IT_DIR/nftables.conf"
r0=$(restored_count)
sh_phase_begin s-stock-nftables-conf
t0=$(it_ms)
sh_gw nft -f "$IT_DIR/nftables.conf"
s_ms=$(heal_wait "$t0" table_back) || {
        sh_dump_state
        it_fail "s: table inet gatewayd was not back ${s_ms} ms after nft -f /etc/nftables.conf"
}
it_log "s: table inet gatewayd back ${s_ms} ms after Debian's nftables.conf was loaded"
it_gw_log_wait 5 'event=shield-restored' $((r0 + 1))
stock=$(sh_gw nft list table inet filter | tr -d '\t ')
n6=$(sh_nft6_out)
charon_kill_restart s
n6=$(( $(sh_nft6_out) - n6 ))
it_log "s: IPv6 dropped by the reinstalled table while charon was gone: $n6"
[ "$n6" -gt 0 ] || it_fail "s: no IPv6 drop by table inet gatewayd while the tunnel was down"
# (the phase's own IPv6 count spans the table's replacement: not compared)
sh_phase_end s-stock-nftables-conf 1 0
[ "$(sh_gw nft list table inet filter | tr -d '\t ')" = "$stock" ] || it_fail "s: gatewayd changed the stock table inet filter"
[ "$(it_pcap_count "$IT_DIR/phase-s-stock-nftables-conf.pcap" "dst net $VNET6")" -eq 0 ] || it_fail "s: IPv6 plaintext"

# --- e: another program empties the shield's set; the table stays --------
# gatewayd knows its table unchanged while the ruleset generation has not
# moved; a change elsewhere moves it too, and must not pass for one of ours.
NFT0=$(sh_nft)
r0=$(restored_count)
sh_gw nft add table inet someone-else
sleep 1
[ "$(restored_count)" -eq "$r0" ] || it_fail "e: another program's new table made gatewayd restore its own"
t0=$(it_ms)
sh_gw nft flush set inet gatewayd shield6
e_ms=$(heal_wait "$t0" table_back) || { sh_dump_state; it_fail "e: the emptied set was not back ${e_ms} ms after nft flush set"; }
it_log "e: set shield6 back ${e_ms} ms after nft flush set"
it_gw_log_wait 5 'event=shield-restored' $((r0 + 1))
sh_gw nft list table inet someone-else >/dev/null || it_fail "e: gatewayd removed another program's table"

sh_summary
it_log "repair times: XFRM policies ${x_ms} ms after ip xfrm policy flush (${p_ms} ms in p), ${d_ms} ms after deleteall;" \
        "table inet gatewayd ${n_ms} ms after nft flush ruleset, ${s_ms} ms after the stock nftables.conf," \
        "set shield6 ${e_ms} ms after nft flush set (limit ${HEAL_LIMIT_MS} ms)"
echo "PASS: the shield came back (XFRM ${x_ms}/${p_ms}/${d_ms} ms, nftables ${n_ms}/${s_ms} ms) and nothing left in plaintext"
