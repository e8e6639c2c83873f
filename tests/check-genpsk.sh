#!/bin/bash
# gatewayctl genpsk: FILE is created 0600 whatever the umask and holds one
# valid key; an existing FILE (or a symlink) is never overwritten (exit 1,
# nothing on stdout); "genpsk > file" warns when the file is readable by
# group or others, and not otherwise.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
IT_DIR=$(mktemp -d /tmp/gw-genpsk.XXXXXX)
trap 'rm -rf "$IT_DIR"' EXIT
k="$IT_DIR/key"

out=$(umask 000; "$GATEWAYCTL" genpsk "$k" 2>"$IT_DIR/err") || it_fail "genpsk FILE failed"
[ -z "$out" ] || it_fail "genpsk FILE printed on stdout"
[ "$(stat -c %a "$k")" = 600 ] || it_fail "genpsk FILE: mode $(stat -c %a "$k"), want 600"
[ "$(wc -l < "$k")" = 1 ] || it_fail "genpsk FILE: not one line"
grep -Eqx '[A-Za-z0-9]{32}' "$k" || it_fail "genpsk FILE: not a 32-character key"
key=$(cat "$k")
grep -qF "$key" "$IT_DIR/err" && it_fail "genpsk FILE put the key on stderr"

set +e
out=$("$GATEWAYCTL" genpsk "$k" 2>"$IT_DIR/err")
rc=$?
set -e
[ $rc = 1 ] || it_fail "genpsk over an existing FILE: exit $rc, want 1"
[ -z "$out" ] || it_fail "genpsk over an existing FILE printed on stdout"
grep -q "Refusing to overwrite $k" "$IT_DIR/err" || it_fail "no refusal message: $(cat "$IT_DIR/err")"
[ "$(cat "$k")" = "$key" ] || it_fail "genpsk overwrote the existing key"

ln -s "$IT_DIR/elsewhere" "$IT_DIR/link"
set +e
"$GATEWAYCTL" genpsk "$IT_DIR/link" 2>/dev/null
rc=$?
set -e
[ $rc = 1 ] || it_fail "genpsk through a symlink: exit $rc, want 1"
[ ! -e "$IT_DIR/elsewhere" ] || it_fail "genpsk wrote through a symlink"

(umask 022; "$GATEWAYCTL" genpsk > "$IT_DIR/open" 2>"$IT_DIR/err")
grep -q "group or others can read; consider umask 077" "$IT_DIR/err" || it_fail "no warning for a 0644 file"
(umask 077; "$GATEWAYCTL" genpsk > "$IT_DIR/closed" 2>"$IT_DIR/err")
[ ! -s "$IT_DIR/err" ] || it_fail "a warning for a 0600 file: $(cat "$IT_DIR/err")"
out=$("$GATEWAYCTL" genpsk 2>"$IT_DIR/err" | cat)
[ ! -s "$IT_DIR/err" ] || it_fail "a warning for a pipe"
grep -Eqx '[A-Za-z0-9]{32}' <<<"$out" || it_fail "genpsk to a pipe: not a key"
echo "PASS: genpsk FILE 0600, never overwrites; warns on an exposed stdout"
