#!/bin/bash
# Benchmark (not a test): time to bring up N tunnels (default 100) to one peer
# that runs strongSwan with its default limits (block_threshold 5), with
# gatewayd's pacing (MaxHalfOpenPerPeer, default 3), from gatewayd's start
# until charon's log shows the last tunnel's CHILD_SA established. RUNS runs
# (default 5), each on fresh charons logging at level 1 as a production
# charon does; prints each and the median (the aim is ≤ 1 s for 100; README
# "Scale"). Needs root.
#   tests/bench/bench-pacing.sh BUILDDIR [N]
set -euo pipefail
export top_builddir=$(cd "${1:-build}" && pwd)
export top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
n=${2:-100}
runs=${RUNS:-5}
ms=()
for i in $(seq "$runs"); do
        line=$(IT_CHARON_LOGLEVEL=1 PACING_N=$n bash "$top_srcdir/tests/integration/pacing.sh" | grep -E '^pacing:')
        echo "$line (run $i)"
        ms+=("$(sed -n 's/.* up in \([0-9]*\) ms.*/\1/p' <<<"$line")")
done
printf '%s\n' "${ms[@]}" | sort -n | awk -v n="$n" -v runs="$runs" '{ v[NR] = $1 }
        END { printf "bench-pacing: %d tunnels to one peer up in %d ms (median of %d; min %d, max %d)\n", n, v[int((NR + 1) / 2)], runs, v[1], v[NR] }'
