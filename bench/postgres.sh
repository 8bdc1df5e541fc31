# Sourced by the bench scripts: starts a throwaway PostgreSQL (Debian's binaries, fsync on) on a
# free loopback port, sets $pg_bin, $pg_dir and $pg_port, and stops and removes it on exit
# (extra clean-up can go in $pg_cleanup). initdb and pg_ctl refuse root, so as root they run as postgres.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg_dir=$(mktemp -d /tmp/reach-pg-XXXX)
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pg_as_postgres=()
if [[ $(id -u) == 0 ]]; then chown postgres "$pg_dir"; pg_as_postgres=(runuser -u postgres --); fi
"${pg_as_postgres[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres >/dev/null
"${pg_as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c max_wal_size=8GB -c max_connections=200 ${pg_options:-}" start >/dev/null
pg_cleanup=${pg_cleanup:-}
# set +e: under the scripts' set -e, a failing clean-up step (killing a service already gone) ended
# the trap there and left the server running and its directory behind.
trap 'set +e; eval "$pg_cleanup"; "${pg_as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null; rm -rf "$pg_dir"' EXIT
