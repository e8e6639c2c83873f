#!/bin/bash
# The journal catalog documents every event, and journalctl accepts it:
#   - each MESSAGE_ID of the compiled event table (tests/print-events) is a
#     valid 128-bit id, distinct from the others;
#   - the catalog holds each exactly once, under "# GATEWAYD_EVENT=<its
#     event>", and no other id;
#   - every entry has Subject:, Defined-By: gatewayd, Support: and
#     Documentation: headers and a body, and @FIELD@ names a journal field;
#   - `journalctl --root=DIR --update-catalog` imports the file without a
#     complaint and `--list-catalog` lists every id with its subject
#     (systemd 252, Debian 12).
set -euo pipefail
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
catalog=$top_srcdir/packaging/gatewayd.catalog
events=$top_builddir/tests/print-events
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

[ -x "$events" ] || fail "not built: $events"
[ -f "$catalog" ] || fail "no catalog: $catalog"
table=$("$events" | awk '{ print $1, $2 }')
[ -n "$table" ] || fail "the event table is empty"

ids=$(awk '{ print $2 }' <<<"$table")
bad=$(grep -vxE '[0-9a-f]{32}' <<<"$ids" || true)
[ -z "$bad" ] || fail "not a 128-bit id in lower-case hex: $bad"
dup=$(sort <<<"$ids" | uniq -d)
[ -z "$dup" ] || fail "MESSAGE_ID used by more than one event: $dup"
# systemd-id128 new makes random (version 4, RFC 4122 variant) ids.
bad=$(grep -vxE '[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}' <<<"$ids" || true)
[ -z "$bad" ] || fail "not made by systemd-id128 new (version 4): $bad"

# The catalog's "-- ID" lines, each with the event named just above it.
pairs=$(awk '
        /^# GATEWAYD_EVENT=/ { ev = substr($0, 18); next }
        /^-- / { print (ev == "" ? "(unnamed)" : ev), substr($0, 4); ev = ""; next }
' "$catalog")
bad=$(awk '{ print $2 }' <<<"$pairs" | grep -vxE '[0-9a-f]{32}' || true)
[ -z "$bad" ] || fail "catalog header is not '-- <32 hex digits>': $bad"
dup=$(awk '{ print $2 }' <<<"$pairs" | sort | uniq -d)
[ -z "$dup" ] || fail "MESSAGE_ID documented more than once: $dup"
if ! d=$(diff <(sort <<<"$table") <(sort <<<"$pairs")); then
        printf '%s\n' "$d" | sed 's/^/  /' >&2
        fail "the catalog and the event table differ (< table, > catalog)"
fi

# Every entry: the headers, in the header block, then a body.
awk '
        function check() {
                if (id == "") return
                if (!subject) { print id ": no Subject:"; bad = 1 }
                if (!defined) { print id ": no Defined-By: gatewayd"; bad = 1 }
                if (!support) { print id ": no Support:"; bad = 1 }
                if (!doc) { print id ": no Documentation: man:..."; bad = 1 }
                if (body == 0) { print id ": no explanation"; bad = 1 }
        }
        /^-- / { check(); id = substr($0, 4); inhdr = 1; subject = defined = support = doc = 0; body = 0; next }
        id == "" || /^#/ { next }
        inhdr && /^$/ { inhdr = 0; next }
        inhdr && /^Subject: ./ { subject = 1; next }
        inhdr && /^Defined-By: gatewayd$/ { defined = 1; next }
        inhdr && /^Support: ./ { support = 1; next }
        inhdr && /^Documentation: man:[^ ]+\([0-9]\)( man:[^ ]+\([0-9]\))*$/ { doc = 1; next }
        inhdr { print id ": unexpected header line: " $0; bad = 1; next }
        /[^ ]/ { body++ }
        END { check(); exit bad }
' "$catalog" >&2 || fail "catalog entries are incomplete"
bad=$(grep -o '@[^@ ]*@' "$catalog" | grep -vxE '@[A-Z][A-Z0-9_]*@' || true)
[ -z "$bad" ] || fail "not a field name: $bad"

# journalctl's own parser, in a private root.
command -v journalctl >/dev/null || { echo "SKIP: no journalctl (the checks above passed)"; exit 77; }
root=$(mktemp -d /tmp/gw-catalog.XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/systemd/catalog"
cp "$catalog" "$root/usr/lib/systemd/catalog/gatewayd.catalog"
journalctl --root="$root" --update-catalog 2>"$root/err" || fail "journalctl --update-catalog: $(cat "$root/err")"
[ ! -s "$root/err" ] || fail "journalctl --update-catalog complained: $(cat "$root/err")"
list=$(journalctl --root="$root" --list-catalog) || fail "journalctl --list-catalog failed"
while read -r ev id; do
        grep -qE "^$id gatewayd: [^ ]" <<<"$list" || fail "journalctl does not list $id ($ev): $list"
        grep -qE "^$id gatewayd: n/a" <<<"$list" && fail "journalctl found no subject for $id ($ev)"
done <<<"$table"
n_list=$(grep -c . <<<"$list")
n_table=$(grep -c . <<<"$table")
[ "$n_list" -eq "$n_table" ] || fail "journalctl lists $n_list entries, the table has $n_table"
echo "PASS: $n_table events, each documented once in the catalog; journalctl imports it"
