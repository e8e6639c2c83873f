#!/bin/bash
# Runs each libFuzzer target for a bounded time, seeded from its corpus (a
# scratch copy: new inputs are not committed automatically). Fails on a crash
# and prints the number of executions.
set -euo pipefail
build=$1 seconds=$2
src=$(cd "$(dirname "$0")" && pwd)
for target in conf vici; do
        work=$(mktemp -d)
        cp -r "$src/corpus-$target/." "$work/"
        log="$build/fuzz-$target.log"
        if ! "$build/tests/fuzz/fuzz-$target" -max_total_time="$seconds" -max_len=16384 \
                -artifact_prefix="$build/crash-$target-" -print_final_stats=1 "$work" >"$log" 2>&1; then
                tail -50 "$log"
                echo "fuzz-$target: FAILED (artifact in $build/crash-$target-*)"
                rm -rf "$work"
                exit 1
        fi
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "fuzz-$target: ${execs:-?} executions in ${seconds}s, no crash"
        rm -rf "$work"
done
