#!/bin/bash
# Installs what gatewayd needs to build and to run its tests on Debian 12, and
# builds it in ./build. Idempotent: apt-get runs only when a package is missing.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

PACKAGES=(
        # build
        autoconf automake libtool pkg-config make gcc clang libclang-rt-14-dev cppcheck
        libnl-3-dev libnl-xfrm-3-dev libnl-route-3-dev libssl-dev libsystemd-dev libcmocka-dev libnftables-dev
        libjson-c-dev
        # tests: real strongSwan, real kernel networking, captures, certificates
        openssl strongswan-charon strongswan-swanctl libcharon-extra-plugins
        libstrongswan-standard-plugins libstrongswan-extra-plugins
        iproute2 iputils-ping tcpdump nftables procps time
        # tests: the status document against its JSON Schema
        python3 python3-jsonschema
        # man pages (scdoc) and the Debian package (packaging/build-deb.sh)
        scdoc dpkg-dev debhelper lintian man-db
)

missing=()
for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        [ "$(id -u)" = 0 ] || { echo "setup: run as root to install: ${missing[*]}" >&2; exit 1; }
        echo "setup: installing ${missing[*]}"
        # Installing strongSwan must not start a system charon on the build machine.
        made_policy=
        if [ ! -e /usr/sbin/policy-rc.d ]; then
                printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
                chmod 755 /usr/sbin/policy-rc.d
                made_policy=1
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        [ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
fi

cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] || ./autogen.sh >/dev/null 2>&1
mkdir -p build
cd build
[ -f Makefile ] || ../configure --enable-werror >/dev/null
make -j"$(nproc)" >/dev/null
echo "setup: built in $top/build"
