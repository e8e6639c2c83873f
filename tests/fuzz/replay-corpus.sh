#!/bin/sh
# Replays each fuzzer's corpus (regression inputs) through its target.
set -eu
for target in conf vici; do
        corpus="$top_srcdir/tests/fuzz/corpus-$target"
        n=$(find "$corpus" -type f | wc -l)
        [ "$n" -gt 0 ] || { echo "empty corpus: $corpus"; exit 1; }
        find "$corpus" -type f -print0 | xargs -0 "$top_builddir/tests/fuzz/fuzz-$target-replay"
done
