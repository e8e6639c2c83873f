#!/bin/bash
# Every ```ini block of README.md is a file of one config tree (its first
# line, "# /etc/gatewayd/REL", says which); the tree, with the key files it
# names made by `gatewayctl genpsk FILE`, must pass gatewayd --check. A
# README example that does not parse is a bug of the README.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
[ "$(id -u)" = 0 ] || it_skip "secret files must be owned by root: run as root"
IT_DIR=$(mktemp -d /tmp/gw-readme.XXXXXX)
trap 'rm -rf "$IT_DIR"' EXIT
d="$IT_DIR/etc"
mkdir -p "$d"

n=0
rel=""
in_block=0
while IFS= read -r line; do
        if [ $in_block = 0 ]; then
                [ "$line" = '```ini' ] && { in_block=1; rel=""; n=$((n + 1)); }
                continue
        fi
        if [ "$line" = '```' ]; then
                in_block=0
                continue
        fi
        if [ -z "$rel" ]; then
                case "$line" in
                "# /etc/gatewayd/"*) rel=${line#"# /etc/gatewayd/"} ;;
                *) it_fail "README.md: ini block $n does not start with '# /etc/gatewayd/FILE'" ;;
                esac
                case "$rel" in
                gatewayd.conf | tunnels.d/*.conf | profiles.d/*.conf) ;;
                *) it_fail "README.md: ini block $n names '$rel', not a config file" ;;
                esac
                mkdir -p "$(dirname "$d/$rel")"
                : > "$d/$rel"
        fi
        printf '%s\n' "$line" >> "$d/$rel"
done < "$top_srcdir/README.md"
[ $in_block = 0 ] || it_fail "README.md: an ini block is not closed"
[ $n -ge 2 ] || it_fail "README.md: $n ini blocks, expected the tunnel and the profile examples"

# The key files the examples name, made as the README says.
for f in $(sed -n 's/^PreSharedKeyFile *= *//p' "$d"/tunnels.d/*.conf); do
        case "$f" in /*) p=$f ;; *) p="$d/$f" ;; esac
        case "$p" in "$d"/*) ;; *) it_fail "README.md: PreSharedKeyFile=$f is outside the tree" ;; esac
        mkdir -p "$(dirname "$p")"
        "$GATEWAYCTL" genpsk "$p" 2>/dev/null || it_fail "gatewayctl genpsk $p"
done

if ! out=$("$GATEWAYD" --config-dir "$d" --check 2>&1); then
        echo "$out"
        it_fail "README.md's examples do not pass gatewayd --check"
fi
echo "PASS: README.md's $n ini blocks pass gatewayd --check"
