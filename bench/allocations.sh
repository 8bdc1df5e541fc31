#!/usr/bin/env bash
# Where the service's allocations come from in steady ingest: runs bench/load.sh (or, with
# --durable first, bench/durable.sh) with the given arguments, which must include --warmup-nodes;
# once the load generator says it has warmed up, traces the service's allocation samples for six
# seconds (dotnet-trace, gc-verbose: one sample per ~100 KB allocated, with its stack) and prints
# the bytes by type and by allocating call site (bench/Reach.AllocationReport).
# Usage: bench/allocations.sh [--durable] LoadTest arguments…
#   e.g. bench/allocations.sh --durable --nodes 250000 --cascades 4 --batch 1000 --concurrency 8 --warmup-nodes 1000000
set -euo pipefail
cd "$(dirname "$0")/.."
script=bench/load.sh
if [[ ${1:-} == --durable ]]; then script=bench/durable.sh; shift; fi
[[ " $* " == *" --warmup-nodes "* ]] || { echo "give --warmup-nodes: the trace starts once the warm-up is done"; exit 2; }
dotnet tool restore >/dev/null
dotnet build -c Release bench/Reach.AllocationReport >/dev/null
log=$(mktemp) trace=$(mktemp --suffix=.nettrace)
"$script" "$@" >"$log" 2>&1 &
runner=$!
until grep -q "warmed up" "$log"; do
  kill -0 $runner 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.5
done
dotnet dotnet-trace collect -p "$(pgrep -f Reach.Api.dll | head -1)" --profile gc-verbose --duration 00:00:00:06 -o "$trace" >/dev/null
wait $runner
grep -E "ingested|CPU|COPY baseline" "$log"
dotnet bench/Reach.AllocationReport/bin/Release/net10.0/Reach.AllocationReport.dll "$trace"
rm -f "$log" "$trace"
