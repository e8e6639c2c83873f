#!/bin/bash
# The shipped examples pass --check (with real credentials made here), and the
# commands report a broken tree with file:line, exit 1 and change nothing.
set -euo pipefail
. "$top_srcdir/tests/integration/lib.sh"
[ "$(id -u)" = 0 ] || it_skip "secret files must be owned by root: run as root"
IT_DIR=$(mktemp -d /tmp/gw-examples.XXXXXX)
trap 'while read -r ns; do ip netns del "$ns"; done < "$IT_DIR/.netns" 2>/dev/null; rm -rf "$IT_DIR"' EXIT
d="$IT_DIR/etc"
mkdir -p "$d"
it_example_tree "$d" "$("$GATEWAYCTL" genpsk)"

"$GATEWAYD" --config-dir "$d" --check || it_fail "examples: gatewayd --check"
out=$("$GATEWAYCTL" --config-dir "$d" check) || it_fail "examples: gatewayctl check"
grep -q ': OK$' <<<"$out" || it_fail "gatewayctl check: no OK line"
# (Output is captured first: grep -q in a pipe would end the writer early.)
out=$("$GATEWAYCTL" --config-dir "$d" check --explain)
grep -Eq '^IkeEncryption +DES3 +3des +legacy' <<<"$out" || it_fail "--explain lacks the DES3 row"
out=$("$GATEWAYCTL" --config-dir "$d" azure-policy fips-gcm256)
grep -q 'New-AzIpsecPolicy -IkeEncryption GCMAES256' <<<"$out" || it_fail "azure-policy: no PowerShell command"
# azure-policy explains every refusal: an unknown name lists the profiles
# there are; a profile with errors shows them, file:line; never a bare errno.
p="$IT_DIR/prof"
cp -a "$d" "$p"
printf '[Profile]\nIkeEncryption=GCMAES256\nIkeIntegrity=SHA384\n' > "$p/profiles.d/half.conf"
sed 's/^IkeEncryption=.*/IkeEncryption=DES/' "$d/profiles.d/vnet-gcm128.conf" > "$p/profiles.d/weak.conf"
des_line=$(grep -n '^IkeEncryption=' "$p/profiles.d/weak.conf" | cut -d: -f1)
azure_policy_refused() { # NAME: gatewayctl azure-policy NAME must exit 1; its stderr in $err
        set +e
        err=$("$GATEWAYCTL" --config-dir "$p" azure-policy "$1" 2>&1 >/dev/null)
        rc=$?
        set -e
        [ $rc -eq 1 ] || { echo "$err"; it_fail "azure-policy $1: exit $rc, want 1"; }
        grep -q 'Invalid argument\|No such file' <<<"$err" && { echo "$err"; it_fail "azure-policy $1: a bare errno"; }
        return 0
}
azure_policy_refused bogus
grep -qx "error: no profile 'bogus'; built-in profiles are fips-gcm256, fips-cbc, azure-default-legacy; profiles.d has half, vnet-gcm128, weak; use one of them, or create profiles.d/bogus.conf" <<<"$err" ||
        { echo "$err"; it_fail "azure-policy bogus: the profiles are not listed"; }
azure_policy_refused half
for k in DhGroup IpsecEncryption IpsecIntegrity PfsGroup; do
        grep -qx "profiles.d/half.conf:1: error: missing required key '$k' in \[Profile\]; add $k=VALUE" <<<"$err" ||
                { echo "$err"; it_fail "azure-policy half: no missing-key error for $k"; }
done
grep -q '^4 errors' <<<"$err" || { echo "$err"; it_fail "azure-policy half: not exactly the profile's 4 errors"; }
azure_policy_refused weak
grep -q "^profiles.d/weak.conf:$des_line: error: .*DES" <<<"$err" || { echo "$err"; it_fail "azure-policy weak: DES not reported at its line"; }
out=$("$GATEWAYCTL" --config-dir "$p" azure-policy vnet-gcm128 2>&1) || { echo "$out"; it_fail "azure-policy vnet-gcm128 refused beside broken profiles"; }
grep -q 'New-AzIpsecPolicy -IkeEncryption GCMAES128' <<<"$out" || it_fail "azure-policy vnet-gcm128: no PowerShell command"

# Break it in two places: both are reported, with their file:line; exit 1.
psk=$(sed -n 's/^PreSharedKeyFile *= *//p' "$d"/tunnels.d/*.conf | head -n1)
chmod 644 "$d/$psk"
f=$(grep -l '^PreSharedKeyFile' "$d"/tunnels.d/*.conf | head -n1)
line=$(grep -n '^PreSharedKeyFile' "$f" | cut -d: -f1)
echo 'Bogus=1' >> "$f"
bogus_line=$(wc -l < "$f")
set +e
err=$("$GATEWAYD" --config-dir "$d" --check 2>&1)
rc=$?
set -e
[ $rc -eq 1 ] || it_fail "broken tree: exit $rc, want 1"
rel=${f#"$d"/}
grep -q "^$rel:$line: error: .*mode 0644" <<<"$err" || { echo "$err"; it_fail "no mode error at $rel:$line"; }
grep -q "^$rel:$bogus_line: error: unknown key 'Bogus'" <<<"$err" || { echo "$err"; it_fail "no unknown-key error at $rel:$bogus_line"; }
# A missing private key is reported once (not by both conf and creds).
key=$(sed -n 's/^PrivateKey *= *//p' "$d"/tunnels.d/*.conf | head -n1)
mv "$d/$key" "$d/$key.away"
set +e
err=$("$GATEWAYD" --config-dir "$d" --check 2>&1)
set -e
n=$(echo "$err" | grep -c "error: PrivateKey=")
[ "$n" -eq 1 ] || { echo "$err"; it_fail "missing PrivateKey reported $n times"; }
mv "$d/$key.away" "$d/$key"
set +e
"$GATEWAYD" --config-dir "$d" --print-swanctl > "$IT_DIR/out" 2>/dev/null
rc=$?
set -e
[ $rc -eq 1 ] && [ ! -s "$IT_DIR/out" ] || it_fail "--print-swanctl rendered a broken tree"
# The boot shield covers every RemotePrefix that parses, of every tunnel,
# broken or not (failure isolation): a broken tunnel file must not leave any
# VNet unshielded at boot. Exit 3: a partial shield (errors in the tree).
ns=$(it_netns boot)
set +e
ip netns exec "$ns" "$GATEWAYD" --config-dir "$d" --shield-only > "$IT_DIR/shield.out" 2>&1
rc=$?
set -e
[ $rc -eq 3 ] || { cat "$IT_DIR/shield.out"; it_fail "--shield-only with a broken tunnel: exit $rc, want 3"; }
pol=$(ip -n "$ns" xfrm policy)
for t in "$d"/tunnels.d/*.conf; do
        rp=$(sed -n 's/^RemotePrefixes *= *//p' "$t" | cut -d, -f1 | tr -d ' ')
        grep -q "dst $rp" <<<"$pol" || { echo "$pol"; it_fail "boot shield lacks $rp of $(basename "$t")"; }
done
# A config dir that cannot be read: no shield at all, exit 1.
set +e
ip netns exec "$ns" "$GATEWAYD" --config-dir "$d/nonexistent" --shield-only > "$IT_DIR/shield.out" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || { cat "$IT_DIR/shield.out"; it_fail "--shield-only without a config: exit $rc, want 1"; }
set +e
"$GATEWAYD" --bogus-option >/dev/null 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || it_fail "usage error: exit $rc, want 2"
# gatewayctl: an unknown verb, a wrong number of arguments, an unknown option
# or no verb at all is a usage error too; --help lists every verb.
for args in "bogus" "up" "down a b" "check extra" "azure-policy" "--bogus-option check" ""; do
        set +e
        # shellcheck disable=SC2086 # word splitting of args is intended
        "$GATEWAYCTL" --config-dir "$d" $args >/dev/null 2>&1
        rc=$?
        set -e
        [ $rc -eq 2 ] || it_fail "gatewayctl $args: exit $rc, want 2"
done
out=$("$GATEWAYCTL" --help)
for verb in check genpsk shield up down azure-policy; do
        grep -Eq "^  $verb( |$)" <<<"$out" || it_fail "gatewayctl --help does not list $verb"
done
echo "PASS: examples check; broken tree reported"
