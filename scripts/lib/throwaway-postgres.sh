# Sourced by test.sh and scripts/cluster: a throwaway PostgreSQL cluster on a free loopback port, as the `postgres`
# user when run as root (initdb and pg_ctl refuse root). Loopback only, no durability: it lives for one run.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# throwaway_pg_start DIR: initdb in DIR/data and start it; sets PG_PORT and PG_CONNECTION (database postgres).
throwaway_pg_start() {
  local dir="$1" port started=""
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  as_pg "$(pg_bin)/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$((10000 + RANDOM % 22000))  # below the ephemeral range, which outgoing connections take (see scripts/cluster)
    port_free "$port" || continue
    if as_pg "$(pg_bin)/pg_ctl" start -D "$dir/data" -w -t 60 -l "$dir/server.log" -o \
        "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null; then
      started=1; break
    fi
  done
  [ -n "$started" ] || { tail -20 "$dir/server.log" >&2; echo "could not start PostgreSQL" >&2; return 1; }
  PG_PORT=$port
  PG_CONNECTION="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Include Error Detail=true"
}

# throwaway_pg_stop DIR: stops the cluster and removes DIR.
throwaway_pg_stop() {
  as_pg "$(pg_bin)/pg_ctl" stop -D "$1/data" -m immediate >/dev/null 2>&1 || true
  rm -rf "$1"
}
