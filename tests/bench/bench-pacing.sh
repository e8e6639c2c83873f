#!/bin/bash
# Benchmark (not a test): time to bring up N tunnels (default 100) to one peer
# that runs strongSwan with its default limits (block_threshold 5), with
# gatewayd's pacing (MaxHalfOpenPerPeer, default 4). Needs root. Prints its
# number (the aim is ≤ 1 s for 100; README "Scale").
#   tests/bench/bench-pacing.sh BUILDDIR [N]
set -euo pipefail
export top_builddir=$(cd "${1:-build}" && pwd)
export top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
PACING_N=${2:-100} bash "$top_srcdir/tests/integration/pacing.sh" | grep -E '^pacing:'
