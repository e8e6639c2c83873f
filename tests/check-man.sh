#!/bin/bash
# The man pages are the user's copy of the product contract; this holds them
# to the code (the compiled tables, not the source text):
#   - gatewayd.conf(5) documents every key of every section (tests/print-keys)
#     under its section, and calls the required ones "Required";
#   - its tier table lists every value of the algorithm catalogue with the
#     catalogue's tier (gatewayctl check --explain), and its built-in profile
#     examples are the built-in profiles (print-keys --builtins);
#   - gatewayd(8) documents every journal event (tests/print-events) with its
#     priority and MESSAGE_ID, every field of the status schema and every
#     last_error reason the schema allows;
#   - gatewayctl(8) documents every command of gatewayctl --help;
#   - every man page the catalog and the units point to exists;
#   - every config example in the man pages passes gatewayd --check
#     (tests/check-readme.sh, as root);
#   - when built, the roff renders without a warning.
set -euo pipefail
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
man=$top_srcdir/man
conf5=$man/gatewayd.conf.5.scd
d8=$man/gatewayd.8.scd
ctl8=$man/gatewayctl.8.scd
for f in "$conf5" "$d8" "$ctl8"; do [ -f "$f" ] || fail "no $f"; done
for p in tests/print-keys tests/print-events gatewayd/gatewayctl; do
        [ -x "$top_builddir/$p" ] || fail "not built: $top_builddir/$p"
done

# section HEADING FILE: the lines of one "# HEADING" section of a scdoc
# page ("# " inside a ``` block is not a heading).
section() {
        awk -v h="# $1" '/^```/ { code = !code } !code && /^# / { on = ($0 == h); next } on' "$2"
}

# scdoc entries: a line "*Key=*..." starts one (several keys may share it),
# its body is the tab-indented lines below; "# HEADING" lines are sections.
# Prints "SECTION<TAB>KEY<TAB>BODY" for each key of each entry.
entries() {
        awk '
                function flush() { if (keys != "") { n = split(keys, k, " "); for (i = 1; i <= n; i++) print sec "\t" k[i] "\t" body }; keys = ""; body = "" }
                /^```/ { code = !code; flush(); next }
                code { next }
                /^# / { flush(); sec = substr($0, 3); next }
                /^\*[A-Za-z]+=\*/ {
                        flush()
                        line = $0
                        while (match(line, /\*[A-Za-z]+=\*/)) {
                                keys = keys " " substr(line, RSTART + 1, RLENGTH - 3)
                                line = substr(line, RSTART + RLENGTH)
                        }
                        next
                }
                /^\t/ { if (keys != "") { l = $0; gsub(/\t/, " ", l); body = body l }; next }
                /^$/ { next }
                { flush() }
                END { flush() }
        ' "$1"
}

# 1. Every key, in its section, "Required" when it is.
keys=$("$top_builddir/tests/print-keys")
[ "$(grep -c . <<<"$keys")" -ge 30 ] || fail "print-keys printed too few keys: $keys"
doc=$(entries "$conf5")
while read -r section key req; do
        body=$(awk -F'\t' -v s="[$section] SECTION" -v k="$key" '$1 == s && $2 == k { print $3; found = 1 } END { exit !found }' <<<"$doc") ||
                fail "gatewayd.conf(5) does not document $key= under '# [$section] SECTION'"
        if [ "$req" = required ]; then
                grep -q 'Required' <<<"$body" || fail "gatewayd.conf(5): $key= is required, its entry does not say so"
        else
                grep -q 'Required\.' <<<"$body" && fail "gatewayd.conf(5): $key= is optional, its entry says Required"
        fi
done <<<"$keys"
# ...and no key that the reader does not know.
while IFS=$'\t' read -r sec key _; do
        case "$sec" in "["*"] SECTION") ;; *) continue ;; esac
        s=${sec#[}; s=${s%%]*}
        grep -qx "$s $key [a-z]*" <<<"$keys" || fail "gatewayd.conf(5) documents $key= in [$s], which gatewayd does not read"
done <<<"$doc"
n_keys=$(grep -c . <<<"$keys")

# 2. The tier table: per key, the approved, legacy and forbidden values.
explain=$("$top_builddir/gatewayd/gatewayctl" --config-dir "$top_srcdir/conf/examples" check --explain 2>/dev/null || true)
catalogue=$(awk 'NR > 1 && NF >= 4 && $4 ~ /^(approved|legacy|forbidden)$/ { print $1, $2, $4 }' <<<"$explain")
[ "$(grep -c . <<<"$catalogue")" -ge 30 ] || fail "gatewayctl check --explain printed no table: $explain"
table=$(awk '
        /^\|  [A-Z][A-Za-z]+$/ { key = substr($0, 4); col = 0; next }
        key != "" && /^:  / { col++; n = split(substr($0, 4), v, " ")
                for (i = 1; i <= n; i++) print key, v[i], (col == 1 ? "approved" : col == 2 ? "legacy" : "forbidden")
                if (col == 3) key = ""; next }
        { key = "" }
' "$conf5")
if ! diff_out=$(diff <(sort <<<"$catalogue") <(sort <<<"$table")); then
        printf '%s\n' "$diff_out" >&2
        fail "gatewayd.conf(5)'s tier table differs from the catalogue (< gatewayctl check --explain, > the man page)"
fi

# 3. The built-in profiles shown as files are the built-ins.
builtins=$("$top_builddir/tests/print-keys" --builtins)
shown=0
while read -r name; do
        want=$(awk -v n="== $name" '$0 == n { on = 1; next } /^== / { on = 0 } on' <<<"$builtins")
        have=$(awk -v h="# /etc/gatewayd/profiles.d/$name.conf" '$0 == h { on = 1; next } on && /^```/ { exit } on && !/^#/' "$conf5")
        if [ -n "$have" ]; then
                [ "$have" = "$want" ] || fail "gatewayd.conf(5) shows built-in profile $name as $have; it is $want"
                shown=$((shown + 1))
        fi
        # Every built-in is named, with all six algorithm values.
        grep -q "^\*$name\*\|profiles.d/$name.conf" "$conf5" || fail "gatewayd.conf(5) does not show built-in profile $name"
        while IFS='=' read -r k v; do
                [ -n "$v" ] || continue
                section "BUILT-IN PROFILES" "$conf5" | grep -q "$k=\*\?$v\b" ||
                        fail "gatewayd.conf(5): built-in $name's $k=$v is not shown"
        done < <(grep '=' <<<"$want")
done < <(sed -n 's/^== //p' <<<"$builtins")
[ "$shown" -ge 2 ] || fail "gatewayd.conf(5) shows $shown built-in profiles as files"

# 4. Every journal event with its priority and MESSAGE_ID.
prio_name() { case $1 in 0) echo emerg ;; 1) echo alert ;; 2) echo crit ;; 3) echo err ;; 4) echo warning ;; 5) echo notice ;; 6) echo info ;; 7) echo debug ;; esac; }
events=$("$top_builddir/tests/print-events")
[ -n "$events" ] || fail "print-events printed nothing"
while read -r ev id prio; do
        p=$(prio_name "$prio")
        grep -qx "\*$ev\* ($p), MESSAGE_ID=$id" "$d8" ||
                fail "gatewayd(8) lacks the line '*$ev* ($p), MESSAGE_ID=$id' (JOURNAL EVENTS)"
done <<<"$events"
n_doc=$(grep -c '^\*[a-z-]*\* ([a-z]*), MESSAGE_ID=' "$d8")
n_events=$(grep -c . <<<"$events")
[ "$n_doc" -eq "$n_events" ] || fail "gatewayd(8) documents $n_doc events, gatewayd has $n_events"

# 5. Every field of the status schema, and every last_error reason.
command -v python3 >/dev/null || fail "python3 is needed to read the schema"
fields=$(python3 - "$top_srcdir/packaging/status.schema.json" <<'EOF'
import json, re, sys
s = json.load(open(sys.argv[1]))
names = set()
def walk(node):
    if isinstance(node, dict):
        for k, v in node.get("properties", {}).items():
            names.add(k)
        for v in node.values():
            walk(v)
    elif isinstance(node, list):
        for v in node:
            walk(v)
walk(s)
for n in sorted(names):
    print("field", n)
le = s["$defs"]["tunnel"]["properties"]["last_error"]["oneOf"][0]["pattern"]
for r in re.search(r"\^\(([^)]*)\)", le).group(1).split("|"):
    print("reason", r)
for st in s["$defs"]["tunnel"]["properties"]["state"]["enum"] + s["$defs"]["tunnel"]["properties"]["shield"]["enum"]:
    print("value", st)
EOF
)
status=$(section "STATUS FILE" "$d8")
health=$(section HEALTH "$d8")
while read -r kind name; do
        case $kind in
        field | value) grep -q "\*$name\*" <<<"$status" || fail "gatewayd(8) STATUS FILE does not name $kind '$name' of the schema" ;;
        reason) grep -qx "|  $name" <<<"$health" || fail "gatewayd(8) HEALTH does not list reason '$name' of the schema" ;;
        esac
done <<<"$fields"

# 6. Every gatewayctl command.
verbs=$("$top_builddir/gatewayd/gatewayctl" --help | awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }' | sort -u)
[ -n "$verbs" ] || fail "gatewayctl --help lists no command"
for v in $verbs; do
        grep -Eq "^(\*$v\*|\*[a-z-]+\* _[A-Z]+_, \*$v\*)" "$ctl8" || fail "gatewayctl(8) does not document command '$v'"
done

# ...and every option of both programs' --help.
for prog in gatewayd gatewayctl; do
        page=$d8
        [ $prog = gatewayctl ] && page=$ctl8
        for o in $("$top_builddir/gatewayd/$prog" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
                grep -q -- "\*$o\*" "$page" || fail "$(basename "$page" .scd) does not document $prog's option $o"
        done
done

# 7. The pages that the catalog and the units point to.
for ref in $(grep -ho 'man:gateway[a-z.]*([0-9])' "$top_srcdir/packaging/gatewayd.catalog" "$top_srcdir"/packaging/*.service.in | sort -u); do
        page=${ref#man:}
        [ -f "$man/${page%(*}.${page//[^0-9]/}.scd" ] || fail "$ref is referenced but there is no man/${page%(*}.${page//[^0-9]/}.scd"
done

# 8. Rendered (when the build made roff): man(1) without a warning.
for f in "$top_builddir"/man/*.[58]; do
        [ -f "$f" ] || continue
        err=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null) || fail "man -l $f failed: $err"
        [ -z "$err" ] || fail "man -l $f: $err"
done

# 9. The config examples of the man pages pass gatewayd --check.
if [ "$(id -u)" = 0 ]; then
        bash "$top_srcdir/tests/check-readme.sh" "$conf5" "$d8" "$ctl8" || fail "a man page's config example (above)"
else
        echo "# not root: the man pages' config examples were not checked (tests/check-readme.sh)"
fi
echo "PASS: man pages: $n_keys keys, $(grep -c . <<<"$catalogue") algorithm values, $n_events events, the status schema, $(wc -w <<<"$verbs") commands"
