#!/usr/bin/env bash
# Durable ingest against the raw database: starts a throwaway PostgreSQL (Debian's binaries, fsync
# on, on this machine), runs the load script with the service on it, then COPYs the same events
# as plain rows with the same batch size and concurrency, and prints both rates.
# Usage: bench/durable.sh [LoadTest arguments…]   e.g. bench/durable.sh --nodes 200000 --cascades 20 --batch 1000 --concurrency 8
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/reach-durable-XXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_postgres=()
if [[ $(id -u) == 0 ]]; then chown postgres "$dir"; as_postgres=(runuser -u postgres --); fi
"${as_postgres[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
"${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c max_wal_size=8GB -c max_connections=200" start >/dev/null
trap '"${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null; rm -rf "$dir"' EXIT
"$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE reach" -c "CREATE DATABASE baseline"
echo "== Reach on PostgreSQL $("$bin/postgres" --version | awk '{print $3}') (port $port, fsync on)"
ConnectionStrings__Reach="Host=127.0.0.1;Port=$port;Username=postgres;Database=reach" bench/load.sh "$@"
"$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d reach -At -c \
  "SELECT 'stored: journal ' || pg_size_pretty(pg_total_relation_size('reach_journal')) || ', grain state ' || pg_size_pretty(pg_total_relation_size('orleans_grain_state'))"
echo "== raw COPY of the same events"
dotnet bench/Reach.LoadTest/bin/Release/net10.0/Reach.LoadTest.dll --copy-baseline "Host=127.0.0.1;Port=$port;Username=postgres;Database=baseline" "$@"
