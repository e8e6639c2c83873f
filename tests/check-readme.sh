#!/bin/bash
# The config examples of the documentation pass gatewayd --check. Each
# example is a file of one config tree, its first line "# /etc/gatewayd/REL"
# says which; the examples of one document form one tree, with the key files
# it names made by `gatewayctl genpsk FILE` and the certificates it names
# made by a test CA. An example that does not parse is a bug of the document.
#   README.md: every ```ini block;
#   man/*.scd (scdoc): every ``` block that starts with "# /etc/gatewayd/";
#     a block with a [Gateway], [Profile] or [Tunnel] line must start so.
# Usage: check-readme.sh [DOC...]   (default: README.md)
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
[ "$(id -u)" = 0 ] || it_skip "secret files must be owned by root: run as root"
IT_DIR=$(mktemp -d /tmp/gw-readme.XXXXXX)
trap 'rm -rf "$IT_DIR"' EXIT
[ $# -gt 0 ] || set -- "$top_srcdir/README.md"

# check_doc DOC: the tree of DOC's examples passes --check; echoes their number.
check_doc() {
        local doc=$1 name d n=0 rel="" in_block=0 fence line ini
        name=$(basename "$doc")
        d="$IT_DIR/$name/etc"
        mkdir -p "$d"
        case "$doc" in
        *.md) fence='```ini' ;;
        *) fence='```' ;;
        esac
        # Pass 1: the blocks, each in its own file (block.N), in order.
        while IFS= read -r line; do
                if [ $in_block = 0 ]; then
                        [ "$line" = "$fence" ] && { in_block=1; n=$((n + 1)); : > "$IT_DIR/$name/block.$n"; }
                        continue
                fi
                if [ "$line" = '```' ]; then
                        in_block=0
                        continue
                fi
                printf '%s\n' "$line" >> "$IT_DIR/$name/block.$n"
        done < "$doc"
        [ $in_block = 0 ] || it_fail "$name: a code block is not closed"

        # Pass 2: the config files among them.
        ini=0
        for ((i = 1; i <= n; i++)); do
                local b="$IT_DIR/$name/block.$i" first
                first=$(head -n1 "$b")
                case "$first" in
                "# /etc/gatewayd/"*) ;;
                *)
                        if [ "$fence" = '```ini' ]; then
                                it_fail "$name: ini block $i does not start with '# /etc/gatewayd/FILE'"
                        fi
                        if grep -Eq '^\[(Gateway|Profile|Tunnel)\]' "$b"; then
                                it_fail "$name: code block $i holds a config section but does not start with '# /etc/gatewayd/FILE'"
                        fi
                        continue
                        ;;
                esac
                rel=${first#"# /etc/gatewayd/"}
                case "$rel" in
                gatewayd.conf | tunnels.d/*.conf | profiles.d/*.conf) ;;
                *) it_fail "$name: block $i names '$rel', not a config file" ;;
                esac
                [ ! -e "$d/$rel" ] || it_fail "$name: two examples are /etc/gatewayd/$rel"
                mkdir -p "$(dirname "$d/$rel")"
                cp "$b" "$d/$rel"
                ini=$((ini + 1))
        done

        # The key files the examples name, made as the documents say.
        local f p
        for f in $(sed -n 's/^PreSharedKeyFile *= *//p' "$d"/tunnels.d/*.conf 2>/dev/null); do
                case "$f" in /*) p=$f ;; *) p="$d/$f" ;; esac
                case "$p" in "$d"/*) ;; *) it_fail "$name: PreSharedKeyFile=$f is outside the tree" ;; esac
                mkdir -p "$(dirname "$p")"
                "$GATEWAYCTL" genpsk "$p" 2>/dev/null || it_fail "gatewayctl genpsk $p"
        done
        # Certificates: this device's, issued by a test CA for its LocalId,
        # and the peer's CA.
        local t cert key ca subj
        for t in $(grep -l '^Authentication *= *certificate' "$d"/tunnels.d/*.conf 2>/dev/null); do
                [ -d "$IT_DIR/ca" ] || it_make_ca "$IT_DIR/ca"
                cert=$(sed -n 's/^Certificate *= *//p' "$t")
                key=$(sed -n 's/^PrivateKey *= *//p' "$t")
                ca=$(sed -n 's/^CACertificate *= *//p' "$t")
                subj=$(sed -n 's/^LocalId *= *//p' "$t" | sed 's|, *|/|g; s|^|/|')
                for f in "$cert" "$key" "$ca"; do
                        case "$f" in /*) it_fail "$name: $f: give credentials relative to the tree in examples" ;; esac
                done
                mkdir -p "$(dirname "$d/$ca")" "$(dirname "$d/$cert")" "$(dirname "$d/$key")"
                cp "$IT_DIR/ca/ca.pem" "$d/$ca"
                it_make_cert "$IT_DIR/ca" "$d/$cert" "$d/$key" "${subj:-/CN=onprem-gw}" "IP:192.0.2.1"
        done

        if ! out=$("$GATEWAYD" --config-dir "$d" --check 2>&1); then
                echo "$out" >&2
                it_fail "$name: its examples do not pass gatewayd --check"
        fi
        echo "$ini"
}

for doc in "$@"; do
        n=$(check_doc "$doc")
        case "$(basename "$doc")" in
        README.md) [ "$n" -ge 2 ] || it_fail "README.md: $n ini blocks, expected the tunnel and the profile examples" ;;
        esac
        echo "PASS: $(basename "$doc"): $n config examples pass gatewayd --check"
done
