#!/bin/bash
# gatewayd's structured events in a real journald (the contract is
# gatewayd/journal.h and packaging/gatewayd.catalog: one entry per event with
# its fixed MESSAGE_ID, PRIORITY and GATEWAYD_* fields), in the on-prem
# gateway's namespace with a private /run:
#   1. a start with a broken tunnel file (an unknown key at line 3, a value
#      out of range at line 6): one config-rejected entry per diagnostic that
#      `gatewayd --check` prints, each with the event's MESSAGE_ID,
#      PRIORITY=3, the absolute CONFIG_FILE and its CONFIG_LINE; the good
#      tunnel comes up all the same (failure isolation);
#   2. a good start: config-applied with its counts, ike-daemon-connected;
#      charon stops: ike-daemon-lost; charon is back: ike-daemon-connected;
#   3. a reload with the broken file again (SIGHUP): the same entries, and
#      gatewayd keeps running and applies the rest;
# every entry with SYSLOG_IDENTIFIER=gatewayd, and the pre-shared key nowhere
# in the journal.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
it_init journal-events

it_two_sites
psk=$PSK etc=$ETC
it_journald "$ONPREM_GW"

# --- 1. a start with a broken tunnel file ---
cat > "$etc/tunnels.d/broken.conf" <<EOT
[Tunnel]
RemoteAddress=203.0.113.9
Bogus=1
PreSharedKeyFile=psk/azure
LocalPrefixes=$ONPREM_LAN4
DpdTimeoutSeconds=5
RemotePrefixes=203.0.113.64/26
EOT
# What the journal must hold: the diagnostics as `gatewayd --check` prints them.
"$GATEWAYD" --check --config-dir "$etc" > "$IT_DIR/check.out" 2>&1 && it_fail "--check accepted the broken file"
grep ': error: ' "$IT_DIR/check.out" > "$IT_DIR/expected-errors" || true
grep -q '^tunnels.d/broken.conf:3: error: unknown key' "$IT_DIR/expected-errors" || it_fail "no unknown-key error: $(cat "$IT_DIR/check.out")"
grep -q '^tunnels.d/broken.conf:6: error: DpdTimeoutSeconds' "$IT_DIR/expected-errors" || it_fail "no bad-value error: $(cat "$IT_DIR/check.out")"
j_start "$etc"
pid_start=$GATEWAYD_PID
j_wait 5 config-rejected "$(grep -c . "$IT_DIR/expected-errors")" "$pid_start"
# Failure isolation: the broken tunnel is reported, the good one runs.
it_wait_for 15 it_sa_installed gw azure || it_fail "the good tunnel did not come up beside the broken one"
kill -0 "$pid_start" 2>/dev/null || it_fail "gatewayd did not start beside a broken tunnel file"
it_stop_pid "$pid_start"
it_forget_pid "$pid_start"

# --- 2. a good start; charon goes away and comes back ---
mv "$etc/tunnels.d/broken.conf" "$IT_DIR/broken.conf"
j_start "$etc"
pid_run=$GATEWAYD_PID
j_wait 10 ike-daemon-connected 1 "$pid_run"
it_wait_for 15 it_sa_installed gw azure || it_fail "the tunnel did not come up"
j_wait 2 config-applied 1 "$pid_run"
it_stop_pid "${IT_CHARON[gw]}"
it_forget_pid "${IT_CHARON[gw]}"
j_wait 5 ike-daemon-lost 1 "$pid_run"
it_start_charon gw "$ONPREM_GW"
j_wait 10 ike-daemon-connected 2 "$pid_run"
it_wait_for 15 it_sa_installed gw azure || it_fail "the tunnel did not come back"

# --- 3. a reload with the broken file ---
cp "$IT_DIR/broken.conf" "$etc/tunnels.d/broken.conf"
kill -HUP "$pid_run"
j_wait 5 config-rejected "$(grep -c . "$IT_DIR/expected-errors")" "$pid_run"
kill -0 "$pid_run" || it_fail "gatewayd exited on a reload with a broken tunnel file"
it_sa_installed gw azure || it_fail "the good tunnel went down on a reload with a broken tunnel file"
it_stop_pid "$pid_run"
it_forget_pid "$pid_run"

journalctl -D "$J" -o json --no-pager > "$IT_DIR/journal.json"
journalctl -D "$J" -o export --no-pager > "$IT_DIR/journal.export"
grep -qF -- "$psk" "$IT_DIR/journal.export" && it_fail "the pre-shared key is in the journal"
# (the export holds gatewayd's entries: the check above could fail)
grep -q '^GATEWAYD_EVENT=config-rejected$' "$IT_DIR/journal.export" || it_fail "no event in the journal export"

# The MESSAGE_IDs of the compiled event table (defined once, in journal.c).
"$top_builddir/tests/print-events" > "$IT_DIR/events" || it_fail "tests/print-events"
python3 - "$IT_DIR/journal.json" "$IT_DIR/expected-errors" "$etc" "$pid_start" "$pid_run" "$IT_DIR/events" <<'EOP'
import json, sys

journal, expected_file, etc, pid_start, pid_run, events_file = sys.argv[1:]
ids = {l.split()[0]: l.split()[1] for l in open(events_file)}
assert len(ids) >= 14, ids
rows = [json.loads(l) for l in open(journal)]
gw = [r for r in rows if r.get("_PID") in (pid_start, pid_run)]
for r in gw:
    print("  |", r.get("_PID"), r.get("PRIORITY"), r.get("GATEWAYD_EVENT", "-"), r.get("MESSAGE"))
assert gw, "no entries of gatewayd"
for r in gw:
    assert r.get("SYSLOG_IDENTIFIER") == "gatewayd", r
    assert not r.get("MESSAGE", "").startswith("gatewayd: "), "program name repeated: %r" % r.get("MESSAGE")
    if "GATEWAYD_EVENT" in r:
        ev = r["GATEWAYD_EVENT"]
        assert ev in ids, "unknown event %s" % ev
        assert r.get("MESSAGE_ID") == ids[ev], "%s: MESSAGE_ID %s" % (ev, r.get("MESSAGE_ID"))

def events(pid, ev):
    return [r for r in gw if r["_PID"] == pid and r.get("GATEWAYD_EVENT") == ev]

# 1 and 3: exactly one config-rejected entry per diagnostic, at start and on
# the reload.
expected = sorted(l.rstrip("\n") for l in open(expected_file))
for pid, what in ((pid_start, "start"), (pid_run, "reload")):
    rej = events(pid, "config-rejected")
    got = sorted(r["MESSAGE"] for r in rej)
    assert got == expected, "%s: config-rejected %r, diagnostics %r" % (what, got, expected)
    for r in rej:
        path, line = r["MESSAGE"].split(":")[0:2]
        assert r["PRIORITY"] == "3", r
        assert r["CONFIG_FILE"] == etc + "/" + path, "CONFIG_FILE %s" % r["CONFIG_FILE"]
        assert r["CONFIG_FILE"].startswith("/")
        assert r["CONFIG_LINE"] == line, r
        assert r["GATEWAYD_TUNNEL"] == "broken", r
    lines = sorted(int(r["CONFIG_LINE"]) for r in rej if r["CONFIG_FILE"].endswith("/tunnels.d/broken.conf"))
    assert 3 in lines and 6 in lines, lines
# The start went on without the broken tunnel: config-applied counts the
# good one only.
app = events(pid_start, "config-applied")
assert len(app) == 1 and app[0]["GATEWAYD_ADDED"] == "1", app

# 2: config-applied at the good start, with its counts.
app = events(pid_run, "config-applied")
# the start, and the reload in 3 (the broken file is reported, not loaded;
# the config stands)
assert len(app) == 2, app
assert app[0]["PRIORITY"] == "6" and app[0]["GATEWAYD_ADDED"] == "1" and app[0]["GATEWAYD_REMOVED"] == "0", app[0]
assert app[0]["GATEWAYD_CONFIG_DIR"] == etc
# charon: connected, lost, connected, in this order.
seq = [r["GATEWAYD_EVENT"] for r in gw if r["_PID"] == pid_run
       and r.get("GATEWAYD_EVENT") in ("ike-daemon-connected", "ike-daemon-lost")]
assert seq == ["ike-daemon-connected", "ike-daemon-lost", "ike-daemon-connected"], seq
lost = events(pid_run, "ike-daemon-lost")[0]
assert lost["PRIORITY"] == "3" and "Lost the connection to charon" in lost["MESSAGE"], lost
assert all(r["PRIORITY"] == "6" for r in events(pid_run, "ike-daemon-connected"))
print("PASS: config-rejected per diagnostic (start and reload), config-applied, ike-daemon-lost/connected in a real journal")
EOP
