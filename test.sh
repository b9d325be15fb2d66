#!/usr/bin/env bash
# The whole test suite, as CI runs it: ./test.sh [dotnet test args…], e.g. ./test.sh --filter Migrations
# Installs what the tests need when missing (PostgreSQL 15 server, Chromium, Mosquitto, Node.js: Debian packages,
# needs root; ajv for the schema tests: `npm ci --prefix tests/tools`), starts a throwaway PostgreSQL cluster on a free loopback port (or uses DXYQ_TEST_POSTGRES if already
# set), runs `dotnet test` on the solution (the whole suite in two lanes, below), and removes the cluster on exit.
# Exits with the tests' result.
set -euo pipefail
cd "$(dirname "$0")"

log() { printf '== %s\n' "$*"; }

# --- what the tests need ----------------------------------------------------------------------------------
. scripts/lib/throwaway-postgres.sh
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
# HAProxy: the cluster tests run two nodes behind it (scripts/cluster, deploy/haproxy.cfg).
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
# systemd-analyze: the units in deploy/ are verified with it.
command -v systemd-analyze >/dev/null || missing+=(systemd)
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
# The clusters the cluster tests started (scripts/cluster daemonizes their HAProxy and mosquitto, which a killed test
# host never stops) are under the run's temporary directory.
stop_clusters() {
  for cluster in "${results:-/nonexistent}"/tmp/dxyq-cluster-*; do
    [ -f "$cluster/cluster.env" ] && scripts/cluster stop --dir "$cluster" >/dev/null 2>&1 || true
  done
}
cleanup() {
  # An interrupted run: the test lanes go first (each its whole process group: dotnet test, its test host and the node
  # processes its tests started), they use the cluster.
  for group in "${results:-/nonexistent}"/*.pgid; do
    [ -s "$group" ] && kill -- -"$(cat "$group")" 2>/dev/null || true
  done
  jobs -p | xargs -r kill 2>/dev/null || true
  stop_clusters
  [ -z "${results:-}" ] || rm -rf "$results"
  [ -z "$pg_dir" ] || throwaway_pg_stop "$pg_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${DXYQ_TEST_POSTGRES:-}" ]; then
  pg_dir=$(mktemp -d /tmp/dxyq-pg.XXXXXX)
  throwaway_pg_start "$pg_dir" || exit 1
  export DXYQ_TEST_POSTGRES="$PG_CONNECTION"
  log "PostgreSQL $("$(pg_bin)/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT ($pg_dir)"
fi

# --- the tests ----------------------------------------------------------------------------------------------
results="$(mktemp -d /tmp/dxyq-test-results.XXXXXX)"
# The tests' temporary files (template databases, node processes' SQLite files, brokers' and clusters' directories) go
# to the run's own directory, removed with it at the end. World-writable like /tmp: mosquitto and PostgreSQL drop root.
chmod 755 "$results"
mkdir -m 1777 "$results/tmp"
# lane NAME [dotnet test args…]: one dotnet test, in the background, in a process group of its own (its id in
# NAME.pgid) so that an interrupted run can stop all of it; output lines prefixed with PREFIX when set.
lane() {
  local name="$1"; shift
  ( set -o pipefail
    TMPDIR="$results/tmp" setsid bash -c 'echo $$ > "$0"; exec "$@"' "$results/$name.pgid" \
      dotnet test -c Release --logger "console;verbosity=normal" --logger trx --results-directory "$results/$name" \
      --blame-hang-timeout 10m "$@" 2>&1 | sed -u "s/^/${PREFIX:-}/" ) &
}
# The runtime settings of every .NET process of the run (test hosts, the node processes and clusters they start, their
# CLI commands): workstation GC, not the Web SDK's Server GC, whose per-core heaps and spinning GC threads cost CPU
# when a dozen processes share two cores; no tiered PGO, whose instrumented code does not pay back in processes that
# live seconds to minutes. Measured: the processes lane alone 654 → 572 CPU-seconds; the whole run's lanes 12.6 and
# 11.9 → 10.0–10.5 and 9.2–10.1 minutes. A method is recompiled optimized after 200 calls, not 30: a profile of a whole
# run (perf) put half its CPU in the ~77 node processes the tests start, most of it in the JIT and the runtime, and
# recompiling what is called a few dozen times does not pay back in them (a node's 30 queries and 10 s after its start:
# 2.3–3.8 → 1.5–1.8 CPU-seconds; the lanes 10.3–11.0 and 9.7–10.6 → 9.6 and 8.8 minutes). Deployments keep the
# runtime's defaults (deploy/dxyq-node@.service).
export DOTNET_gcServer=0 DOTNET_TieredPGO=0 DOTNET_TC_CallCountThreshold=200
status=0
if [ $# -gt 0 ]; then
  lane all DxyqOpenData.sln "$@"
  wait $! || status=$?
else
  # Two lanes side by side. The classes marked [Trait("Lane", "processes")] start real nodes, brokers and clusters and
  # wait on them between their steps (kills, leases, settle times): three of them at a time, their lines prefixed.
  # Everything else runs in the test host, two classes at a time (the runner's default on two cores).
  dotnet build DxyqOpenData.sln -c Release -nologo -v q
  PREFIX="[processes] " lane processes tests/DxyqOpenData.Tests/DxyqOpenData.Tests.csproj --no-build --filter "Lane=processes" \
    -- xUnit.MaxParallelThreads=3
  processes=$!
  lane main DxyqOpenData.sln --no-build --filter "Lane!=processes"
  main=$!
  wait "$main" || status=$?
  wait "$processes" || status=$?
fi
rm -f "$results"/*.pgid
stop_clusters

# The whole run's time (the suite's target: under 12 minutes on a quiet 2-core machine), then one closing line for
# the whole run, summed over every test assembly's results.
printf 'elapsed: %d min %02d s (target: under 12 min)\n' $((SECONDS / 60)) $((SECONDS % 60))
cat "$results"/*/*.trx 2>/dev/null | grep -o '<Counters [^>]*>' | awk '
  { for (i = 2; i <= NF; i++) { split($i, kv, "=\""); v[kv[1]] += kv[2] + 0 } }
  END { printf "tests: %d passed, %d failed, %d skipped\n", v["passed"], v["failed"] + v["error"] + v["timeout"] + v["aborted"], v["total"] - v["executed"] }'
rm -rf "$results"
exit "$status"
