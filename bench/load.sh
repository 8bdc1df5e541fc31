#!/usr/bin/env bash
# End-to-end ingest load run: starts the service (Release, embedded default, no sample) on
# 127.0.0.1:5080, posts synthetic cascades through POST /v1/events, prints throughput, request
# latency and the service's resident memory per node, then stops the service.
# Usage: bench/load.sh [LoadTest arguments…]   e.g. bench/load.sh --nodes 1000000 --batch 5000 --concurrency 4
# With ConnectionStrings__Reach set, the service runs on that PostgreSQL database (durable mode).
set -euo pipefail
export Reach__Storage=${ConnectionStrings__Reach:+postgres}
export Reach__Storage=${Reach__Storage:-memory}
# The service and the load generator share one development key (tenant "default").
export REACH_API_KEY=${REACH_API_KEY:-reach_load-test-key} Reach__DevelopmentKey=${REACH_API_KEY:-reach_load-test-key}
cd "$(dirname "$0")/.."
dotnet build -c Release api/Reach.Api >/dev/null
dotnet build -c Release bench/Reach.LoadTest >/dev/null
Reach__LoadSample=false Logging__LogLevel__Default=Warning \
  dotnet api/Reach.Api/bin/Release/net10.0/Reach.Api.dll --urls http://127.0.0.1:5080 >/tmp/reach-load-service.log 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf http://127.0.0.1:5080/ >/dev/null && break
  sleep 0.2
done
dotnet bench/Reach.LoadTest/bin/Release/net10.0/Reach.LoadTest.dll --url http://127.0.0.1:5080 --server-pid "$service" "$@"
