#!/bin/bash
# The dependency rule (common <- conf <- ikepolicy, xfrm <- gatewayd) is the
# build's: each library compiles with the include paths of what it may use
# (Makefile.am), so an #include against the rule does not compile. Here a
# one-line file that includes a header is compiled with each library's own
# preprocessor flags (as make passes them, in LAYER_CPPFLAGS_<library>): the
# headers of the layers it may use must compile, the others must not be
# found, also as "folder/header.h" (automake's default -I$(srcdir) would find
# those; configure.ac turns it off with nostdinc).
set -euo pipefail
: "${LAYER_CC:?LAYER_CC and LAYER_CPPFLAGS_* come from make check}" "${top_builddir:?}"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fails=0

# probe LIBRARY HEADER WANT: WANT is "found" or "missing".
probe() {
        local lib=$1 h=$2 want=$3 var="LAYER_CPPFLAGS_$1" out rc=0
        printf '#include "%s"\n' "$h" > "$d/probe.c"
        # The flags name paths relative to the build tree, as make runs them.
        # shellcheck disable=SC2086 # word splitting of the flags is wanted
        out=$(cd "$top_builddir" && $LAYER_CC ${!var} -fsyntax-only "$d/probe.c" 2>&1) || rc=$?
        if [ "$want" = found ] && [ $rc -ne 0 ]; then
                printf '%s\n' "$out"
                echo "FAIL: $lib cannot include \"$h\", which it may use"
                fails=$((fails + 1))
        elif [ "$want" = missing ] && { [ $rc -eq 0 ] || [[ $out != *"$h"* ]]; }; then
                printf '%s\n' "$out"
                echo "FAIL: $lib can include \"$h\" (rc=$rc), against the dependency rule"
                fails=$((fails + 1))
        else
                echo "ok: $lib: \"$h\" $want"
        fi
}

# library   headers it may include                 headers it must not find
while read -r lib may mustnot; do
        for h in ${may//,/ }; do probe "$lib" "$h" found; done
        for h in ${mustnot//,/ }; do probe "$lib" "$h" missing; done
done <<'EOT'
common      macro.h,diag.h,prefix.h,settings.h         model.h,conf/model.h,ikepolicy.h,shield.h,manager.h
conf        macro.h,model.h,conf.h,creds.h             ikepolicy.h,ikepolicy/ikepolicy.h,shield.h,manager.h,gatewayd/manager.h
ikepolicy   model.h,creds.h,ikepolicy.h                shield.h,xfrm/shield.h,manager.h
xfrm        model.h,shield.h,nft.h                     ikepolicy.h,ikepolicy/ikepolicy.h,manager.h,gatewayd/manager.h
EOT

[ $fails -eq 0 ] || { echo "FAIL: $fails probes"; exit 1; }
echo "PASS: every library sees only the layers it may use"
