#!/bin/bash
# Under systemd, gatewayd's stderr is a journal stream (JOURNAL_STREAM): its
# log lines must reach the journal with their priority (an error as 3, not
# as the stream's default 6). A real journald, in a private mount namespace.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
[ "$(id -u)" = 0 ] || it_skip "needs root (a private journald)"
[ -x /lib/systemd/systemd-journald ] || it_skip "no systemd-journald"
command -v systemd-cat >/dev/null || it_skip "no systemd-cat"
d=$(mktemp -d /tmp/gw-journal.XXXXXX)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/etc/tunnels.d"
# An error in gatewayd.conf stops a start (one in a tunnel file would not).
printf '[Gateway]\nBogus=1\n' > "$d/etc/gatewayd.conf"
export GATEWAYD D=$d
unshare -m bash -c '
        mount -t tmpfs tmpfs /run
        mkdir -p /run/systemd/journal /run/log/journal
        /lib/systemd/systemd-journald & jpid=$!
        for _ in $(seq 50); do [ -S /run/systemd/journal/stdout ] && break; sleep 0.1; done
        # systemd-cat gives the program a journal stream, as systemd does;
        # JOURNAL_STREAM is what systemd would set for it.
        systemd-cat -t gatewayd bash -c "JOURNAL_STREAM=\$(stat -L -c %d:%i /proc/self/fd/2) exec \"$GATEWAYD\" --config-dir \"$D/etc\"" || true
        sleep 0.3
        journalctl -D /run/log/journal -o json --no-pager > "$D/journal.json"
        kill $jpid; wait $jpid 2>/dev/null || true
'
python3 - "$d/journal.json" <<'EOP'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
rows = [r for r in rows if r.get("SYSLOG_IDENTIFIER") == "gatewayd"]
for r in rows:
    print(r.get("PRIORITY"), r.get("MESSAGE"))
err = [r for r in rows if "not starting" in r.get("MESSAGE", "")]
assert err, "no 'not starting' entry"
assert err[0]["PRIORITY"] == "3", "error logged at priority %s" % err[0]["PRIORITY"]
diag = [r for r in rows if "unknown key 'Bogus'" in r.get("MESSAGE", "")]
assert diag and diag[0]["PRIORITY"] == "3", "diagnostic not at priority 3"
assert not any(r.get("MESSAGE", "").startswith("gatewayd: ") for r in rows), "program name repeated in the journal"
print("PASS: journal priorities")
EOP
