#!/bin/bash
# Only what gatewayd owns: charon's connections that another tool loaded
# (swanctl --load-conns with a swanctl.conf of its own) survive gatewayd's
# start and its reconnect to charon; a connection gatewayd itself loaded for a
# tunnel that has since been removed is unloaded as stale.
#   1. "foreign" is loaded with swanctl; gatewayd starts with "azure" and
#      "old": foreign stays.
#   2. gatewayd stops; old.conf is removed; gatewayd starts again: old is
#      unloaded (gatewayd loaded it), foreign stays.
#   3. gatewayd is frozen, charon restarts and foreign is loaded again before
#      gatewayd wakes up and reconnects: foreign stays.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init owned

it_two_sites
etc=$ETC
it_peer_tunnel "$etc" old old.onprem.example old.azure.example 203.0.113.64/26

mkdir -p "$IT_DIR/foreign"
cat > "$IT_DIR/foreign/swanctl.conf" <<EOC
connections {
    foreign {
        version = 2
        local_addrs = 192.0.2.1
        remote_addrs = 192.0.2.77
        local {
            auth = psk
            id = foreign.onprem.example
        }
        remote {
            auth = psk
            id = foreign.peer.example
        }
        children {
            foreign {
                local_ts = 198.51.100.0/25
                remote_ts = 203.0.113.192/27
            }
        }
    }
}
EOC
load_foreign() {
        swanctl --load-conns --file "$IT_DIR/foreign/swanctl.conf" --uri "unix://$IT_DIR/gw/charon.vici" >/dev/null ||
                it_fail "swanctl could not load the foreign connection"
}
has_conn() { it_swanctl gw --list-conns | grep -q "^$1: "; }
load_foreign
has_conn foreign || it_fail "swanctl did not load foreign"

# --- 1 ---
it_start_gatewayd_wait "$etc"
it_wait_for 10 has_conn old || it_fail "gatewayd did not load old"
it_wait_for 10 has_conn azure || it_fail "gatewayd did not load azure"
sleep 1
has_conn foreign || it_fail "1: gatewayd's start unloaded the foreign connection"
it_gw_log_has "leaving charon's connection 'foreign' alone" || it_fail "1: gatewayd did not say it left foreign alone"

# --- 2 ---
it_stop_pid "$GATEWAYD_PID"
it_forget_pid "$GATEWAYD_PID"
rm "$etc/tunnels.d/old.conf"
it_start_gatewayd_wait "$etc"
it_wait_for 10 sh -c "! swanctl --list-conns --uri unix://$IT_DIR/gw/charon.vici | grep -q '^old: '" ||
        it_fail "2: the stale connection gatewayd had loaded was not unloaded"
has_conn foreign || it_fail "2: gatewayd's restart unloaded the foreign connection"
has_conn azure || it_fail "2: azure is gone"

# --- 3 ---
kill -STOP "$GATEWAYD_PID"
it_stop_pid "${IT_CHARON[gw]}"
it_forget_pid "${IT_CHARON[gw]}"
it_start_charon gw "$ONPREM_GW"
load_foreign
n=$(it_gw_log_count 'Connected to charon')
kill -CONT "$GATEWAYD_PID"
it_gw_log_wait 15 'Connected to charon' $((n + 1))
it_wait_for 10 has_conn azure || it_fail "3: gatewayd did not load azure again after the reconnect"
sleep 1
has_conn foreign || it_fail "3: gatewayd's reconnect unloaded the foreign connection"
echo "PASS: a swanctl-loaded connection survived gatewayd's start, restart and reconnect; gatewayd's own stale one was unloaded"
