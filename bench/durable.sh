#!/usr/bin/env bash
# Durable ingest against the raw database: starts a throwaway PostgreSQL (Debian's binaries, fsync
# on, on this machine) and the service (Release) on it, runs the load generator, kills the service
# with SIGKILL and times the first metrics read of the first cascade after a restart (re-activation
# from its snapshot and journal tail), prints the storage used, then COPYs the same events as
# plain rows with the same batch size and concurrency into another database of the same server.
# Usage: bench/durable.sh [LoadTest arguments…]   e.g. bench/durable.sh --nodes 200000 --cascades 20 --batch 1000 --concurrency 8
set -euo pipefail
cd "$(dirname "$0")/.."
pg_cleanup='[[ -n ${service:-} ]] && kill $service 2>/dev/null'
source bench/postgres.sh
bin=$pg_bin dir=$pg_dir port=$pg_port
"$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE reach" -c "CREATE DATABASE baseline"
echo "== Reach on PostgreSQL $("$bin/postgres" --version | awk '{print $3}') (port $port, fsync on)"
dotnet build -c Release api/Reach.Api >/dev/null
dotnet build -c Release bench/Reach.LoadTest >/dev/null
export Reach__Storage=postgres Reach__LoadSample=false Logging__LogLevel__Default=Warning Logging__LogLevel__Reach=Information
export REACH_API_KEY=${REACH_API_KEY:-reach_load-test-key} Reach__DevelopmentKey=${REACH_API_KEY:-reach_load-test-key}
export ConnectionStrings__Reach="Host=127.0.0.1;Port=$port;Username=postgres;Database=reach"
start_service() {
  dotnet api/Reach.Api/bin/Release/net10.0/Reach.Api.dll --urls http://127.0.0.1:5080 >>"$dir/service.log" 2>&1 &
  service=$!
  for _ in $(seq 1 300); do curl -sf http://127.0.0.1:5080/ >/dev/null && return; sleep 0.2; done
  echo "the service did not start"; cat "$dir/service.log"; exit 1
}
start_service
dotnet bench/Reach.LoadTest/bin/Release/net10.0/Reach.LoadTest.dll --url http://127.0.0.1:5080 --server-pid "$service" "$@"
seed=1; args=("$@")
for i in "${!args[@]}"; do [[ ${args[$i]} == --seed ]] && seed=${args[$((i+1))]}; done
kill -9 "$service"; wait "$service" 2>/dev/null || true
journal=$("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d reach -At -c \
  "SELECT count(*) || ' entries, ' || pg_size_pretty(coalesce(sum(length(payload)), 0)) FROM reach_journal WHERE grain_key = 'cascade:default/load$seed-c0-p0'")
start_service
echo "killed (SIGKILL) and restarted; journal tail of load$seed-c0-p0: $journal"
# The warm-up cascade (when there is one) is read first: its activation pays the new process's JIT,
# so the next reads time the re-activation of load$seed-c0-p0 in a running silo: the timeline
# needs only the cascade grain, the metrics also its participants' follower counts.
curl -s -o /dev/null -H "Authorization: Bearer $REACH_API_KEY" -w "HTTP %{http_code}, first metrics read after the restart, warmup-c0-p0 (cold process): %{time_total} s\n" "http://127.0.0.1:5080/v1/posts/warmup-c0-p0/metrics"
curl -s -o /dev/null -H "Authorization: Bearer $REACH_API_KEY" -w "HTTP %{http_code}, timeline read of load$seed-c0-p0 (re-activation of the cascade): %{time_total} s\n" "http://127.0.0.1:5080/v1/posts/load$seed-c0-p0/timeline"
curl -s -o /dev/null -H "Authorization: Bearer $REACH_API_KEY" -w "HTTP %{http_code}, then its metrics (the participants' follower counts from the account-index shards, re-activated too): %{time_total} s\n" "http://127.0.0.1:5080/v1/posts/load$seed-c0-p0/metrics"
curl -s -o /dev/null -H "Authorization: Bearer $REACH_API_KEY" -w "HTTP %{http_code}, second metrics read: %{time_total} s\n" "http://127.0.0.1:5080/v1/posts/load$seed-c0-p0/metrics"
grep -E "loaded a snapshot|journal entries" "$dir/service.log" | grep -E "load$seed-c0-p0" || true
kill "$service"; wait "$service" 2>/dev/null || true
"$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d reach -At -c "VACUUM FULL" -c \
  "SELECT 'stored after VACUUM FULL: journal ' || pg_size_pretty(pg_total_relation_size('reach_journal')) || ', grain state ' || pg_size_pretty(pg_total_relation_size('orleans_grain_state')) || ', database ' || pg_size_pretty(pg_database_size('reach'))"
echo "== raw COPY of the same events"
dotnet bench/Reach.LoadTest/bin/Release/net10.0/Reach.LoadTest.dll --copy-baseline "Host=127.0.0.1;Port=$port;Username=postgres;Database=baseline" "$@"
