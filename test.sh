#!/usr/bin/env bash
# The whole test suite, as CI runs it: ./test.sh [dotnet test args…], e.g. ./test.sh --filter Migrations
# Installs what the tests need when missing (PostgreSQL 15 server, Chromium, Mosquitto, Node.js: Debian packages,
# needs root; ajv for the schema tests: `npm ci --prefix tests/tools`), starts a throwaway PostgreSQL cluster on a free loopback port (or uses DXYQ_TEST_POSTGRES if already
# set), runs `dotnet test` on the solution, and removes the cluster on exit. Exits with the tests' result.
set -euo pipefail
cd "$(dirname "$0")"

log() { printf '== %s\n' "$*"; }

# --- what the tests need ----------------------------------------------------------------------------------
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
missing=()
[ -x "$(pg_bin)/initdb" ] 2>/dev/null || missing+=(postgresql-15)
command -v chromium >/dev/null || missing+=(chromium)
# A Chinese font: the printable reports (purchase review) are rendered in Chromium to an A4 PDF by the tests.
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-wqy-zenhei)
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
# mosquitto_pub: the sensor-bridge tests publish through it as an independent device client.
command -v mosquitto_pub >/dev/null || missing+=(mosquitto-clients)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing: ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 2
  fi
  log "installing ${missing[*]}"
  # Packages must not start their own services here (a system mosquitto on 1883 would take the node's port).
  own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
fi
dotnet tool restore >/dev/null
# ajv, the second JSON Schema validator the schema tests compare NJsonSchema with (tests/tools/package-lock.json).
if [ ! -d tests/tools/node_modules/ajv ] || [ tests/tools/package-lock.json -nt tests/tools/node_modules/.package-lock.json ]; then
  log "installing ajv (npm ci --prefix tests/tools)"
  npm ci --prefix tests/tools --no-audit --no-fund >/dev/null
fi

# --- a throwaway PostgreSQL cluster -----------------------------------------------------------------------
pg_dir=""
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  if [ -n "$pg_dir" ]; then
    as_pg "$(pg_bin)/pg_ctl" stop -D "$pg_dir/data" -m immediate >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ -z "${DXYQ_TEST_POSTGRES:-}" ]; then
  pg_dir=$(mktemp -d /tmp/dxyq-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres: "$pg_dir"
  as_pg "$(pg_bin)/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$pg_dir/initdb.log" 2>&1 \
    || { cat "$pg_dir/initdb.log" >&2; exit 1; }
  started=""
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 30000))
    port_free "$port" || continue
    # Loopback only, no durability: this cluster lives for one test run.
    if as_pg "$(pg_bin)/pg_ctl" start -D "$pg_dir/data" -w -t 60 -l "$pg_dir/server.log" -o \
        "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$pg_dir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null; then
      started=1; break
    fi
  done
  [ -n "$started" ] || { tail -20 "$pg_dir/server.log" >&2; echo "could not start PostgreSQL" >&2; exit 1; }
  export DXYQ_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Include Error Detail=true"
  log "PostgreSQL $("$(pg_bin)/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($pg_dir)"
fi

# --- the tests ----------------------------------------------------------------------------------------------
results="$(mktemp -d /tmp/dxyq-test-results.XXXXXX)"
status=0
dotnet test DxyqOpenData.sln -c Release --logger "console;verbosity=normal" --logger trx --results-directory "$results" \
  --blame-hang-timeout 10m "$@" || status=$?

# The whole run's time (the suite's target: under 12 minutes on a quiet 2-core machine), then one closing line for
# the whole run, summed over every test assembly's results.
printf 'elapsed: %d min %02d s (target: under 12 min)\n' $((SECONDS / 60)) $((SECONDS % 60))
cat "$results"/*.trx 2>/dev/null | grep -o '<Counters [^>]*>' | awk '
  { for (i = 2; i <= NF; i++) { split($i, kv, "=\""); v[kv[1]] += kv[2] + 0 } }
  END { printf "tests: %d passed, %d failed, %d skipped\n", v["passed"], v["failed"] + v["error"] + v["timeout"] + v["aborted"], v["total"] - v["executed"] }'
rm -rf "$results"
exit "$status"
