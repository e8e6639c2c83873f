#!/bin/bash
# Builds the Debian package gatewayd_VERSION_ARCH.deb from this source tree:
# a clean copy of the tree (the files git tracks, plus new ones it does not
# ignore: uncommitted work is built, build products are not) gets
# packaging/debian as ./debian, then `dpkg-buildpackage -us -uc -b`. Then
# lintian judges the package: any error fails the build.
#
# Usage: packaging/build-deb.sh [OUTDIR]     (default: ./build/deb)
# Environment: LINTIAN=0 skips lintian; DEB_BUILD_OPTIONS as usual (nocheck,
# parallel=N; default parallel=$(nproc)).
# Needs: dpkg-dev, debhelper, the Build-Depends of packaging/debian/control
# (tests/setup.sh installs them all), lintian. Not root.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

say() { printf 'build-deb: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for t in dpkg-buildpackage dh dpkg-checkbuilddeps; do
        command -v "$t" >/dev/null || die "$t missing: apt-get install dpkg-dev debhelper"
done
deps=$(cd "$top/packaging" && dpkg-checkbuilddeps debian/control 2>&1) ||
        die "missing build dependencies: ${deps#*: Unmet build dependencies: } (tests/setup.sh installs them)"

# The package's version is the source's: configure.ac's AC_INIT and the
# changelog must agree, or the .deb would carry a version the code denies.
version=$(sed -n 's/^AC_INIT(\[gatewayd\], \[\([^]]*\)\].*/\1/p' "$top/configure.ac")
deb_version=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
[ -n "$version" ] || die "no version in configure.ac's AC_INIT"
[ "${deb_version%%-*}" = "$version" ] ||
        die "packaging/debian/changelog is at $deb_version, configure.ac at $version: add a changelog entry (dch -v $version)"

work=$(mktemp -d /tmp/gatewayd-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/gatewayd-$version
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        # Only files that exist: a file deleted but not yet committed is left out.
        (cd "$top" && git ls-files -z --cached --others --exclude-standard |
                while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
                tar --null -T - -cf -) | tar -xf - -C "$src"
else
        # A release tarball: everything but build directories.
        (cd "$top" && tar --exclude='./build*' --exclude=./debian -cf - .) | tar -xf - -C "$src"
fi
[ ! -e "$src/debian" ] || die "the tree has a ./debian of its own; the package's is packaging/debian"
cp -a "$top/packaging/debian" "$src/debian"

: "${DEB_BUILD_OPTIONS:=parallel=$(nproc)}"
export DEB_BUILD_OPTIONS
say "building gatewayd $deb_version in $src"
t0=$SECONDS
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 ||
        { tail -60 "$work/build.log" >&2; cp "$work/build.log" "$out/build.log"; die "dpkg-buildpackage failed (log: $out/build.log)"; }
cp "$work/build.log" "$out/build.log"
shopt -s nullglob
files=("$work"/gatewayd*_"$deb_version"_*.deb "$work"/gatewayd_"$deb_version"_*.changes "$work"/gatewayd_"$deb_version"_*.buildinfo)
debs=("$work"/gatewayd_"$deb_version"_*.deb)
[ ${#debs[@]} -eq 1 ] || die "expected one gatewayd_${deb_version}_*.deb, found ${#debs[@]}"
rm -f "$out"/gatewayd*.deb "$out"/gatewayd*.changes "$out"/gatewayd*.buildinfo
cp "${files[@]}" "$out/"
deb=$out/$(basename "${debs[0]}")
say "built $deb in $((SECONDS - t0)) s"

if [ "${LINTIAN:-1}" != 0 ]; then
        command -v lintian >/dev/null || die "lintian missing: apt-get install lintian"
        # Errors fail; warnings and info are shown (the aim is none).
        set +e
        lintian --fail-on error --display-info "$deb" >"$out/lintian.txt" 2>&1
        rc=$?
        set -e
        cat "$out/lintian.txt" >&2
        [ $rc -eq 0 ] || die "lintian found errors (above; also in $out/lintian.txt)"
        say "lintian: $(grep -c '^E: ' "$out/lintian.txt" || true) errors, $(grep -c '^W: ' "$out/lintian.txt" || true) warnings"
fi
echo "$deb"
