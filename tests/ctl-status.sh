#!/bin/bash
# gatewayctl status from the command line: the table, --json, NAME, the
# header's age warning, every exit code (0 all up, 1 no or bad file or no such
# tunnel, 2 usage, 3 not up or stale) and where the file is looked for.
# Needs no root: documents come from tests/unit/status-sample.
set -euo pipefail
ctl=$top_builddir/gatewayd/gatewayctl
sample=$top_builddir/tests/unit/status-sample
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0

# A sample with generated_at set to now (fresh) or left in 2024 (stale).
fresh() {
        "$sample" "$1" | sed "s/\"generated_at\": \"[^\"]*\"/\"generated_at\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"/"
}
fresh full >"$work/full.json"
fresh all-up >"$work/all-up.json"
fresh empty >"$work/empty.json"
"$sample" full >"$work/stale.json"
head -c 300 "$work/full.json" >"$work/truncated.json"
echo '{"version": 2}' >"$work/v2.json"

# matches PATTERN FILE: a line of FILE matches the extended regexp; '' matches
# anything, '^$' only an empty file.
matches() {
        case $1 in
        '') return 0;;
        '^$') ! [ -s "$2" ];;
        *) grep -Eq -- "$1" "$2";;
        esac
}

# expect CODE OUT_PATTERN ERR_PATTERN -- ARGS: runs gatewayctl, checks the exit
# code and that stdout and stderr match (see matches).
expect() {
        local code=$1 out=$2 err=$3 rc=0
        shift 4
        "$ctl" "$@" >"$work/out" 2>"$work/err" || rc=$?
        if [ "$rc" != "$code" ] || ! matches "$out" "$work/out" || ! matches "$err" "$work/err"; then
                echo "FAIL: gatewayctl $* -> exit $rc (want $code)"
                echo "--- stdout (want /$out/)"; cat "$work/out"
                echo "--- stderr (want /$err/)"; cat "$work/err"
                fails=$((fails + 1))
        fi
}

s="--status-file $work"
# The table: one line per tunnel, the last error under those not up.
expect 3 '^branch-b +down +[0-9]' '' -- status $s/full.json
expect 3 '^  last error: dpd-timeout: no answer to DPD for 45 s$' '' -- status $s/full.json
expect 3 '^azure-weu +up +[0-9dhms]+ +198\.51\.100\.7 +aes256gcm16-prfsha384-ecp384/aes256gcm16-ecp384 +1\.2 MiB +80\.0 MiB +1520/61234 +standby +-$' '' -- status $s/full.json
expect 3 '^azure-neu-cert +connecting .* engaged +11d$' '' -- status $s/full.json
expect 3 '^Status of .* \([0-9]+s ago\): 1/3 tunnels up, charon connected$' '' -- status $s/full.json
expect 0 '^lab +disabled' '^$' -- status $s/all-up.json
expect 0 'No tunnels are configured' '^$' -- status $s/empty.json
# NAME: that tunnel only; a disabled one counts as fine.
expect 0 '^azure-weu +up' '' -- status $s/full.json azure-weu
expect 3 '^branch-b +down' '' -- status $s/full.json branch-b
expect 0 '^lab +disabled' '' -- status $s/full.json lab
expect 1 '^$' "no tunnel 'nope' in $work/full.json" -- status $s/full.json nope
# Options may come before or after the command.
expect 0 '^azure-weu' '' -- $s/full.json status azure-weu
# Stale data: exit 3 even when every tunnel is up, and the header says why.
expect 3 '^Warning: data is [0-9]+ s old; is gatewayd running\?$' '' -- status $s/stale.json azure-weu
# --json: the document or one tunnel, as JSON; warnings on stderr only.
expect 3 '^  "version": 1,$' '^$' -- status --json $s/full.json
expect 0 '^  "name": "azure-weu",$' '^$' -- status --json $s/full.json azure-weu
expect 3 '^\{$' 'data is [0-9]+ s old; is gatewayd running\?' -- status --json $s/stale.json
"$ctl" status --json --status-file "$work/full.json" >"$work/again.json" || true
expect 3 '' '^$' -- status --json $s/again.json
cmp -s "$work/again.json" "$work/full.json" || { echo "FAIL: --json is not the document"; fails=$((fails + 1)); }
# No file, a bad one: exit 1, and the message names the path.
expect 1 '^$' "$work/missing.json: no status file; is gatewayd running\?" -- status $s/missing.json
expect 1 '^$' "$work/truncated.json: malformed status file: the document ends early" -- status $s/truncated.json
expect 1 '^$' "$work/v2.json: malformed status file: version: version 2 is not supported" -- status $s/v2.json
expect 1 '^$' "$work: cannot read the status file: Is a directory" -- status $s
# Usage.
expect 2 '' 'at most one tunnel name' -- status $s/full.json a b
expect 2 '' 'unrecognized option' -- status --jsn $s/full.json

# Without --status-file: [Gateway] StatusFile of the config dir, else the default.
mkdir -p "$work/etc"
printf '[Gateway]\nStatusFile=%s/full.json\n' "$work" >"$work/etc/gatewayd.conf"
expect 3 '^branch-b' '^$' -- --config-dir "$work/etc" status
printf '[Gateway]\nNoSuchKey=1\nStatusFile=%s/all-up.json\n' "$work" >"$work/etc/gatewayd.conf"
expect 0 '^azure-weu' 'gatewayd.conf has errors' -- --config-dir "$work/etc" status
rm "$work/etc/gatewayd.conf"
# (Only where no gatewayd runs with the default StatusFile: the file is absent.)
if [ -e /run/gatewayd/status.json ]; then
        echo "note: /run/gatewayd/status.json exists on this machine; the missing-file case is not checked"
else
        expect 1 '' '/run/gatewayd/status.json: ' -- --config-dir "$work/etc" status --status-file /run/gatewayd/status.json
fi

# Hostile text in the file never reaches the terminal as control characters.
"$sample" escaping >"$work/escaping.json"
"$ctl" status --status-file "$work/escaping.json" >"$work/out" 2>&1 || true
if LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$work/out"; then
        echo "FAIL: control characters in the output"; cat -A "$work/out"; fails=$((fails + 1))
fi

[ "$fails" = 0 ] || { echo "$fails failures"; exit 1; }
echo "gatewayctl status: all checks passed"
