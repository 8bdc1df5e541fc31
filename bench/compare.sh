#!/usr/bin/env bash
# Side-by-side benchmark: the same cascade metrics with NetworkX, igraph, recursive SQL on
# PostgreSQL, a plain O(n) Python loop and Reach, on synthetic cascades of 1k–1M nodes and on the
# real cascades in ../shared/data when present. Prints a table (time and ratio to Reach), checks
# that every tool that finishes agrees on every cascade, and writes docs/compare.json and
# docs/compare.svg. Needs Debian's python3-networkx, python3-igraph, python3-psycopg2, postgresql.
# Usage: bench/compare.sh [--limit SECONDS] [--seconds SECONDS] [--sizes "1000 10000 100000 1000000"]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="1000 10000 100000 1000000"
args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --sizes) sizes=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
for package in python3-networkx python3-igraph python3-psycopg2 postgresql; do
  dpkg -s "$package" >/dev/null 2>&1 || { echo "install Debian's $package first (apt-get install $package)"; exit 1; }
done
dotnet build -c Release bench/Reach.Benchmarks >/dev/null
reach=bench/Reach.Benchmarks/bin/Release/net10.0/Reach.Benchmarks.dll
source bench/postgres.sh
"$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE compare"
trees=$pg_dir/trees; mkdir -p "$trees"
sets=()
for n in $sizes; do
  dotnet "$reach" compare export --nodes "$n" --out "$trees/synthetic-$n.tsv" >/dev/null
  sets+=("synthetic-$n=$trees/synthetic-$n.tsv")
done
data=${REACH_SHARED_DATA:-../shared/data}
for name in twitter15 weibo-sample; do
  events=$(ls "$data/$name.ndjson"* 2>/dev/null | head -1 || true)
  if [[ -n $events ]]; then
    dotnet "$reach" compare export --events "$events" --out "$trees/$name.tsv" >/dev/null
    sets+=("$name=$trees/$name.tsv=$data/$name.reference.jsonl")
  fi
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); networkx $(/usr/bin/python3 -c 'import networkx; print(networkx.__version__)'), igraph $(/usr/bin/python3 -c 'import igraph; print(igraph.__version__)'), PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}'), .NET $(dotnet --version)"
/usr/bin/python3 bench/compare/compare.py --reach "$reach" --dsn "host=127.0.0.1 port=$pg_port user=postgres dbname=compare" \
  --json docs/compare.json --svg docs/compare.svg --sets "${sets[@]}" "${args[@]}"
