#!/bin/bash
# Fail closed through every fault: the on-prem host pings the VNet without
# pause (IPv4 and IPv6, every 50 ms) for the whole test while the on-prem
# gateway's WAN is captured, and not one packet toward the VNet may leave
# the WAN in plaintext, through, in turn:
#   a  boot: shield installed by `gatewayd --shield-only`, gatewayd started
#      before charon (tunnel never up), then charon starts
#   b  charon SIGKILL and restart
#   c  charon clean stop (SIGTERM: it deletes its SAs and routes) and start
#   d  gatewayd SIGKILL and restart (shield stays, adopted unchanged)
#   e  gatewayd SIGTERM and restart (likewise)
#   f  SIGHUP with a bad config (nothing changes)
#   g  reloads adding, removing and re-adding a second tunnel
#   i  WAN link down and up
#   h  the peer dies (DPD on our side), then comes back (with fast rekeys)
#   j  rapid rekeys (child every 5 s, IKE every 10 s, by the peer) for 20 s
#   k  gatewayd and charon both killed, charon back first (new ipsec0)
# The gateway itself also sends to the VNet all along (UDP, both families):
# its own packets must not leak either, and must pass through the tunnel.
# After each phase the tunnel must carry both families again and ESP must
# have been seen; phases where traffic meets a missing tunnel must show the
# shield's drops in XfrmOutPolBlock. Per-phase counts go to the log.
set -euo pipefail
. "$top_srcdir/tests/integration/shield-lib.sh"
it_init shield-faults

T_START=$(it_ms)
sh_setup_common yes

# --- a: boot. The shield goes in before anything else is running. -------
sh_gw "$GATEWAYD" --config-dir "$SH_ETC" --shield-only 2>>"$IT_DIR/gatewayd.log" ||
        it_fail "gatewayd --shield-only failed: $(cat "$IT_DIR/gatewayd.log")"
# IPv4: an XFRM block (no ipsec0 yet, so no allow); IPv6: nftables drops
# by output device (XFRM cannot see the device of the gateway's own IPv6),
# in postrouting, where that device is final (forwarded and own traffic).
[ "$(sh_n_policies)" -eq 1 ] || { sh_policies; cat "$IT_DIR/gatewayd.log"; it_fail "--shield-only: expected 1 XFRM block policy"; }
grep -q "dst $VNET4" <<<"$(sh_policies)" || it_fail "--shield-only: no block policy for $VNET4"
nft_out=$(sh_nft)
chain_out=$(grep -A3 "chain postrouting" <<<"$nft_out") || true
grep -q 'type filter hook postrouting' <<<"$chain_out" && grep -q 'oifname != "ipsec0" ip6 daddr @shield6 counter drop' <<<"$chain_out" ||
        { echo "$nft_out" >&2; it_fail "--shield-only: no IPv6 outbound drop in nftables chain postrouting"; }

sh_wan_capture all
sh_pingers_start
sh_gw_sender_start
sh_phase_begin a-boot-before-charon
it_start_gatewayd_wait "$SH_ETC"
# Traffic meets no tunnel at all: gatewayd up, charon not started.
sleep 1
it_ping "$ONPREM_HOST" 198.51.100.140 && it_fail "a ping passed with no tunnel"
blocked=$(( $(sh_blocked) - ${SH_BLOCK0[a-boot-before-charon]} ))
[ "$blocked" -gt 0 ] || it_fail "no packet blocked by the shield before the tunnel existed"
it_start_charon gw "$ONPREM_GW"
sh_phase_end a-boot-before-charon 1
# gatewayd follows the tunnel device: block + allow (ipsec0) per prefix.
[ "$(sh_n_policies)" -eq 2 ] || { sh_policies; it_fail "expected 2 policies with ipsec0 present"; }

# --- b: charon SIGKILL ---------------------------------------------------
sh_phase_begin b-charon-sigkill
kill -9 "${IT_CHARON[gw]}"
wait "${IT_CHARON[gw]}" 2>/dev/null || true
sleep 1.5
it_start_charon gw "$ONPREM_GW"
sh_phase_end b-charon-sigkill 1

# --- c: charon SIGTERM (clean stop: deletes SAs, routes, ipsec0) ---------
sh_phase_begin c-charon-sigterm
it_stop_pid "${IT_CHARON[gw]}"
sleep 1.5
it_start_charon gw "$ONPREM_GW"
sh_phase_end c-charon-sigterm 1

# --- d, e: gatewayd killed / stopped and restarted -----------------------
# The shield must stay in the kernel untouched while gatewayd is away and
# be adopted as it is: same policies, no deletion at any moment, charon's
# SAs untouched.
gatewayd_restart() {
        local phase=$1 sig=$2 pol0 nft0 ike0 nconn
        nconn=$(( $(it_gw_log_count 'Connected to charon') + 1 ))
        sh_phase_begin "$phase"
        pol0=$(sh_policies)
        nft0=$(sh_nft)
        ike0=$(it_ike_id gw azure)
        [ -n "$ike0" ] || it_fail "$phase: no IKE SA before"
        sh_monitor_start "$IT_DIR/$phase.monitor"
        local mon=$SH_MON
        if [ "$sig" = KILL ]; then
                kill -9 "$GATEWAYD_PID"
                wait "$GATEWAYD_PID" 2>/dev/null || true
        else
                it_stop_pid "$GATEWAYD_PID"
                wait "$GATEWAYD_PID" 2>/dev/null || true
                it_gw_log_has 'Received Terminated; exiting' 1 || it_fail "$phase: gatewayd did not stop on SIGTERM"
        fi
        kill -0 "$GATEWAYD_PID" 2>/dev/null && it_fail "$phase: gatewayd still running"
        sleep 1
        [ "$(sh_policies)" = "$pol0" ] || it_fail "$phase: policies changed while gatewayd was gone"
        [ "$(sh_nft)" = "$nft0" ] || it_fail "$phase: nftables table changed while gatewayd was gone"
        it_start_gatewayd_wait "$SH_ETC"
        it_gw_log_wait 10 'Connected to charon' "$nconn"
        sleep 0.5
        kill "$mon"
        wait "$mon" 2>/dev/null || true
        sh_phase_end "$phase"
        [ "$(sh_policies)" = "$pol0" ] || {
                diff <(echo "$pol0") <(sh_policies) >&2 || true
                it_fail "$phase: the restarted gatewayd changed the shield"
        }
        [ "$(sh_nft)" = "$nft0" ] || it_fail "$phase: the restarted gatewayd changed the nftables table"
        if [ -s "$IT_DIR/$phase.monitor" ]; then
                cat "$IT_DIR/$phase.monitor" >&2
                it_fail "$phase: XFRM policies changed (gap) during the restart"
        fi
        [ "$(it_ike_id gw azure)" = "$ike0" ] || it_fail "$phase: the IKE SA was replaced"
        it_log "$phase: $(echo "$pol0" | grep -c '^src ') policies before and after, no XFRM policy event"
}
gatewayd_restart d-gatewayd-sigkill KILL
gatewayd_restart e-gatewayd-sigterm TERM

# --- k: gatewayd and charon both die; charon comes back first ------------
# The shield left by the dead gatewayd still allows the old ipsec0's index;
# the new charon's ipsec0 has another. Nothing may leak meanwhile, and the
# restarted gatewayd must follow the new device (it reads it at start, no
# link event tells it).
sh_phase_begin k-both-down-charon-first
old_tun=$(ip -n "$ONPREM_GW" -o link show ipsec0 | cut -d: -f1)
n6=$(sh_nft6_out)
kill -9 "$GATEWAYD_PID" "${IT_CHARON[gw]}"
wait "$GATEWAYD_PID" "${IT_CHARON[gw]}" 2>/dev/null || true
it_start_charon gw "$ONPREM_GW"
it_wait_for 10 ip -n "$ONPREM_GW" link show ipsec0 || it_fail "k: charon has no ipsec0"
new_tun=$(ip -n "$ONPREM_GW" -o link show ipsec0 | cut -d: -f1)
it_log "k: ipsec0 was index $old_tun, now $new_tun"
sleep 1
n6=$(( $(sh_nft6_out) - n6 ))
it_log "k: IPv6 outbound drops while gatewayd was away: $n6"
[ "$n6" -gt 0 ] || it_fail "k: no IPv6 drop while gatewayd was away"
# (gatewayd replaces its table, counters included, when it starts)
it_start_gatewayd_wait "$SH_ETC"
sh_phase_end k-both-down-charon-first 1 0
# --- f: SIGHUP with a bad config -----------------------------------------
sh_phase_begin f-reload-bad-config
pol0=$(sh_policies)
nft0=$(sh_nft)
ike0=$(it_ike_id gw azure)
cp "$SH_ETC/tunnels.d/azure.conf" "$IT_DIR/azure.conf.good"
cp "$SH_ETC/gatewayd.conf" "$IT_DIR/gatewayd.conf.good"
# An error in gatewayd.conf rejects the reload as a whole (failure
# isolation); the tunnel files' errors beside it change nothing either.
echo 'Bogus=1' >> "$SH_ETC/gatewayd.conf"
sed -i 's/^FailClosed=yes/FailClosed=perhaps/' "$SH_ETC/tunnels.d/azure.conf"
echo 'RemotePrefixes=198.51.100.0/33' > "$SH_ETC/tunnels.d/broken.conf"
sh_monitor_start "$IT_DIR/f.monitor"
mon=$SH_MON
n=$(it_gw_log_count 'rejected; the running configuration is unchanged')
kill -HUP "$GATEWAYD_PID"
it_gw_log_wait 10 'rejected; the running configuration is unchanged' $((n + 1))
sleep 1
kill "$mon"
wait "$mon" 2>/dev/null || true
[ "$(sh_policies)" = "$pol0" ] || it_fail "f: a rejected config changed the shield"
[ "$(sh_nft)" = "$nft0" ] || it_fail "f: a rejected config changed the nftables table"
[ -s "$IT_DIR/f.monitor" ] && { cat "$IT_DIR/f.monitor" >&2; it_fail "f: XFRM policy events after a rejected config"; }
[ "$(it_ike_id gw azure)" = "$ike0" ] || it_fail "f: a rejected config touched the IKE SA"
kill -0 "$GATEWAYD_PID" || it_fail "f: gatewayd died on a bad config"
cp "$IT_DIR/azure.conf.good" "$SH_ETC/tunnels.d/azure.conf"
cp "$IT_DIR/gatewayd.conf.good" "$SH_ETC/gatewayd.conf"
rm "$SH_ETC/tunnels.d/broken.conf"
sh_phase_end f-reload-bad-config

# --- g: reloads that add, remove and re-add ANOTHER tunnel ---------------
sh_phase_begin g-reload-other-tunnel
sh_monitor_start "$IT_DIR/g.monitor"
mon=$SH_MON
ike0=$(it_ike_id gw azure)
pol1=$(sh_policies)
reload_and_wait() {
        local n
        n=$(it_gw_log_count 'Configuration applied')
        kill -HUP "$GATEWAYD_PID"
        it_gw_log_wait 10 'Configuration applied' $((n + 1))
}
tunnel2_works() { it_sa_installed gw azure2 && it_ping "$ONPREM_HOST" 203.0.113.10; }
sh_tunnel2_file "$SH_ETC"
reload_and_wait
it_wait_for 20 tunnel2_works || { sh_dump_state; it_fail "g: the second tunnel did not come up"; }
grep -q 'dst 203.0.113.0/25' <<<"$(sh_policies)" || it_fail "g: no shield for the second tunnel"
sh_nft_as_fresh "g: second tunnel added"
rm "$SH_ETC/tunnels.d/azure2.conf"
reload_and_wait
it_wait_for 10 it_sa_gone gw azure2 || it_fail "g: the removed tunnel's SA stayed"
[ "$(sh_policies)" = "$pol1" ] || { sh_policies >&2; it_fail "g: removing the second tunnel left the shield different"; }
sh_nft_as_fresh "g: second tunnel removed"
sleep 1
sh_tunnel2_file "$SH_ETC"
reload_and_wait
it_wait_for 20 tunnel2_works || { sh_dump_state; it_fail "g: the second tunnel did not come back"; }
[ "$(it_ike_id gw azure)" = "$ike0" ] || it_fail "g: reloads of another tunnel replaced the first tunnel's IKE SA"
sh_nft_as_fresh "g: second tunnel back"
kill "$mon"
wait "$mon" 2>/dev/null || true
# The monitor used to prove "no gap" in d, e, f does see shield changes.
grep -q '^Deleted src 0.0.0.0/0 dst 203.0.113.0/25' "$IT_DIR/g.monitor" ||
        { cat "$IT_DIR/g.monitor" >&2; it_fail "g: ip xfrm monitor did not report the removed shield"; }
sh_phase_end g-reload-other-tunnel
n2=$(it_pcap_count "$IT_DIR/phase-g-reload-other-tunnel.pcap" "dst net $VNET2_4")
it_log "g: plaintext toward the second site: $n2 (only pings while it was up)"

# --- i: WAN link down and up ---------------------------------------------
sh_phase_begin i-wan-down-up
ip -n "$ONPREM_GW" link set wan down
sleep 2
ip -n "$ONPREM_GW" link set wan up
# Routes through the link went with it; IPv6 addresses too.
ip -n "$ONPREM_GW" addr replace 2001:db8:ffff::1/64 dev wan nodad
it_wait_for 5 eval "ip -n $ONPREM_GW route get 192.0.2.2 >/dev/null" || it_fail "i: wan has no route back"
ip -n "$ONPREM_GW" route replace default via 192.0.2.2
ip -n "$ONPREM_GW" -6 route replace default via 2001:db8:ffff::2
sh_phase_end i-wan-down-up

# --- h: the peer dies; DPD; the peer comes back (rekeying fast) ----------
sh_phase_begin h-peer-gone
kill -9 "${IT_CHARON[az]}"
wait "${IT_CHARON[az]}" 2>/dev/null || true
t0=$(it_ms)
# Dead means no established IKE SA (a child mid-rekey still encrypts).
it_wait_for 30 it_ike_gone gw azure ||
        { sh_dump_state; it_fail "h: DPD did not declare the peer dead"; }
it_log "h: DPD declared the peer dead after $(( $(it_ms) - t0 )) ms"
b0=$(sh_blocked)
sleep 1.5
[ "$(sh_blocked)" -gt "$b0" ] || { sh_dump_state; it_fail "h: nothing blocked while the peer was dead"; }
sh_azure_peer az "$SH_PSK" aes256gcm16-prfsha384-ecp384 aes256gcm16-ecp384 \
        "rekey_time = 10s" "rekey_time = 5s
                life_time = 30s
                rand_time = 1s"
t0=$(it_ms)
sh_phase_end h-peer-gone 1
it_log "h: tunnel back $(( $(it_ms) - t0 )) ms after the peer restarted"

# --- j: rapid rekeys ------------------------------------------------------
sh_phase_begin j-rapid-rekeys
c0=$(it_gw_log_count "tunnel 'azure': child-rekey")
k0=$(it_gw_log_count "tunnel 'azure': ike-rekey")
sleep 20
c1=$(( $(it_gw_log_count "tunnel 'azure': child-rekey") - c0 ))
k1=$(( $(it_gw_log_count "tunnel 'azure': ike-rekey") - k0 ))
sh_phase_end j-rapid-rekeys
it_log "j: $c1 child-rekey and $k1 ike-rekey events in 20 s"
[ "$c1" -ge 3 ] || it_fail "j: only $c1 child rekeys in 20 s"
[ "$k1" -ge 1 ] || it_fail "j: no IKE rekey in 20 s"

# --- the whole run -------------------------------------------------------
it_capture_stop all
total=$(it_pcap_count "$IT_DIR/all.pcap" "$SH_PLAIN")
esp=$(it_pcap_count "$IT_DIR/all.pcap" "$SH_ESP")
sent4=$(grep -c 'bytes from' "$IT_DIR/ping4.out" || true)
sent6=$(grep -c 'bytes from' "$IT_DIR/ping6.out" || true)
sh_summary
it_log "whole run: plaintext=$total esp=$esp replies v4=$sent4 v6=$sent6, $(( ($(it_ms) - T_START) / 1000 )) s"
[ "$total" -eq 0 ] || it_fail "$total plaintext packets toward the VNet over the whole run"
echo "PASS: zero plaintext toward the VNet through every phase"
