#!/bin/sh
# Replays the config fuzzer's corpus (regression inputs) through the target.
set -eu
corpus="$top_srcdir/tests/fuzz/corpus-conf"
n=$(find "$corpus" -type f | wc -l)
[ "$n" -gt 0 ] || { echo "empty corpus: $corpus"; exit 1; }
find "$corpus" -type f -print0 | xargs -0 "$top_builddir/tests/fuzz/fuzz-conf-replay"
