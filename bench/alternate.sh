#!/usr/bin/env bash
# Two builds of the service under the same in-memory ingest load, alternated round by round, so that
# the machine's drift (on the 2-core VM, ±15 % from one minute to the next) falls on both alike: a
# change that moves ingest by a few per cent shows only this way, if at all. Each revision is
# checked out into a throwaway worktree and built in Release ("." is the working tree as it is);
# the load generator is this working tree's, the same for both. Each round runs both, in turns
# first; a fresh service per run. Prints every run, then the medians and how often B was faster.
# Usage: bench/alternate.sh [--rounds 6] REV_A REV_B [LoadTest arguments…]
#   e.g. bench/alternate.sh HEAD~1 HEAD
#        bench/alternate.sh --rounds 8 main . --nodes 1000000 --batch 5000 --concurrency 4 --warmup-nodes 1000000
# Without LoadTest arguments: the standard command of docs/benchmarks.md (four cascades of 250k).
set -euo pipefail
rounds=6
if [[ ${1:-} == --rounds ]]; then
  rounds=$2
  shift 2
fi
if [[ $# -lt 2 ]]; then
  sed -n '2,11p' "$0" >&2
  exit 2
fi
revisions=("$1" "$2")
shift 2
load_args=("$@")
if [[ ${#load_args[@]} -eq 0 ]]; then
  load_args=(--nodes 250000 --cascades 4 --batch 1000 --concurrency 8 --warmup-nodes 1000000)
fi

cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d /tmp/reach-alternate.XXXXXX)
service=
cleanup() {
  [[ -n $service ]] && { kill "$service" 2>/dev/null; wait "$service" 2>/dev/null || true; }
  for side in a b; do
    [[ -d $work/$side ]] && git -C "$root" worktree remove --force "$work/$side" >/dev/null 2>&1
  done
  rm -rf "$work"
}
trap cleanup EXIT

dirs=()
for i in 0 1; do
  side=$([[ $i == 0 ]] && echo a || echo b)
  if [[ ${revisions[$i]} == . ]]; then
    dirs+=("$root")
  else
    git worktree add --detach "$work/$side" "${revisions[$i]}" >/dev/null 2>&1
    dirs+=("$work/$side")
  fi
  echo "building ${side^^}: ${revisions[$i]} ($(git -C "${dirs[$i]}" rev-parse --short HEAD))"
  dotnet build -c Release "${dirs[$i]}/api/Reach.Api" >/dev/null
done
dotnet build -c Release bench/Reach.LoadTest >/dev/null

export Reach__Storage=memory Reach__LoadSample=false Logging__LogLevel__Default=Warning
export REACH_API_KEY=${REACH_API_KEY:-reach_load-test-key} Reach__DevelopmentKey=${REACH_API_KEY:-reach_load-test-key}

# One run of build $1: prints "events/s µs-per-event".
run() {
  dotnet "$1/api/Reach.Api/bin/Release/net10.0/Reach.Api.dll" --urls http://127.0.0.1:5080 >/tmp/reach-alternate-service.log 2>&1 &
  service=$!
  for _ in $(seq 1 100); do
    curl -sf http://127.0.0.1:5080/ >/dev/null && break
    sleep 0.2
  done
  local out
  out=$(dotnet bench/Reach.LoadTest/bin/Release/net10.0/Reach.LoadTest.dll --url http://127.0.0.1:5080 --server-pid "$service" "${load_args[@]}")
  kill "$service"
  wait "$service" 2>/dev/null || true
  service=
  echo "$(sed -nE 's/^ingested .*: ([0-9,]+) events\/s.*/\1/p' <<<"$out" | tr -d ,) $(sed -nE 's/.*, ([0-9.]+) µs per event/\1/p' <<<"$out")"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

rates=("" "")
b_faster=0
for round in $(seq 1 "$rounds"); do
  order=$([[ $((round % 2)) == 1 ]] && echo "0 1" || echo "1 0")
  this_round=(0 0)
  for i in $order; do
    run "${dirs[$i]}" >"$work/run"
    read -r rate micros <"$work/run"
    this_round[$i]=$rate
    rates[$i]+="$rate "
    side=$([[ $i == 0 ]] && echo A || echo B)
    printf 'round %d %s: %9d events/s, %s µs per event\n' "$round" "$side" "$rate" "$micros"
  done
  ((this_round[1] > this_round[0])) && b_faster=$((b_faster + 1))
done

echo "median A (${revisions[0]}): $(tr ' ' '\n' <<<"${rates[0]}" | grep . | median) events/s"
echo "median B (${revisions[1]}): $(tr ' ' '\n' <<<"${rates[1]}" | grep . | median) events/s"
echo "B faster in $b_faster of $rounds rounds"
