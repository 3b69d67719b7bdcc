#!/usr/bin/env bash
# Ballots per second against a release build on PostgreSQL, with pgbench's single-row INSERT
# rate on the same machine for scale. Starts a throw-away cluster and a server, runs
# `examples/ballot_load.rs`, samples the server's peak memory, prints everything, cleans up.
#
#   bench/ballot_load.sh                       # defaults below
#   RESIDENTS=20000 PASSES=2 CONCURRENCY=64 POOL_SIZE=8 bench/ballot_load.sh
#
# Runs as root (the cluster runs as the `postgres` user, as in .ci/run). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

RESIDENTS=${RESIDENTS:-5000}
PASSES=${PASSES:-2}
CONCURRENCY=${CONCURRENCY:-64}
SETUP_CONCURRENCY=${SETUP_CONCURRENCY:-8}
POOL_SIZE=${POOL_SIZE:-8}
PGPORT=${PGPORT:-55440}
HTTP_PORT=${HTTP_PORT:-58080}
PGBENCH_SECONDS=${PGBENCH_SECONDS:-20}
RUST_LOG=${RUST_LOG:-info}
# Extra server settings for the cluster, e.g. PG_OPTS="-c synchronous_commit=off".
PG_OPTS=${PG_OPTS:-}

step() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

PGBIN=
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && PGBIN=$d; done
[ -n "$PGBIN" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/kurultai-load.XXXXXX)
chmod 755 "$WORK"
touch "$WORK/pg.log" && chown postgres "$WORK/pg.log"
chown postgres "$WORK"
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

step "machine"
echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PGBIN/postgres" --version

step "build"
cargo build --release --bin kurultai --example ballot_load
BIN=$ROOT/target/release/kurultai
LOAD=$ROOT/target/release/examples/ballot_load

step "postgresql on port $PGPORT"
mkdir "$WORK/pg" && chown postgres "$WORK/pg"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 >/dev/null
# shellcheck disable=SC2086
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -w -l "$WORK/pg.log" \
  -o "-p $PGPORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB -c shared_preload_libraries=pg_stat_statements $PG_OPTS" \
  start >/dev/null
PSQL=("$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres)
"${PSQL[@]}" -c "CREATE DATABASE kurultai" -c "CREATE DATABASE scale"
"${PSQL[@]}" -d kurultai -c "CREATE EXTENSION pg_stat_statements"
export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/kurultai"

step "server (pool $POOL_SIZE)"
export KURULTAI_ENV=production
export KURULTAI_BIND=127.0.0.1:$HTTP_PORT
export KURULTAI_DATA_DIR=$WORK/data
export KURULTAI_POOL_SIZE=$POOL_SIZE
export KURULTAI_LOG_FORMAT=json
export KURULTAI_JWT__ACCESS_TTL_MINUTES=240
export KURULTAI_RATE_LIMIT__LOGIN_PER_IP_PER_MINUTE=1000000
export KURULTAI_RATE_LIMIT__LOGIN_PER_IP_BURST=1000000
export KURULTAI_RATE_LIMIT__LOGIN_PER_IDENTIFIER_PER_MINUTE=1000000
export KURULTAI_RATE_LIMIT__LOGIN_PER_IDENTIFIER_BURST=1000000
KURULTAI_JWT_SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
KURULTAI_ID_PEPPER=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
export KURULTAI_JWT_SECRET KURULTAI_ID_PEPPER RUST_LOG
mkdir -p "$KURULTAI_DATA_DIR"
"$BIN" migrate >"$WORK/migrate.log" 2>&1
export BALLOT_LOAD_ADMIN_EMAIL=root@load.example
BALLOT_LOAD_ADMIN_PASSWORD="load $(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export BALLOT_LOAD_ADMIN_PASSWORD
printf '%s\n' "$BALLOT_LOAD_ADMIN_PASSWORD" |
  "$BIN" admin create-platform-admin --email "$BALLOT_LOAD_ADMIN_EMAIL" >"$WORK/admin.log" 2>&1
"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null
echo "server pid $SERVER_PID, RSS after start: $(awk '/VmRSS/ {print $2, $3}' /proc/$SERVER_PID/status)"

step "ballots: $RESIDENTS residents, $PASSES pass(es), $CONCURRENCY workers"
"$LOAD" --base-url "http://127.0.0.1:$HTTP_PORT" --residents "$RESIDENTS" \
  --concurrency "$CONCURRENCY" --setup-concurrency "$SETUP_CONCURRENCY" --passes "$PASSES" \
  --server-pid "$SERVER_PID"

step "statements during the run (pg_stat_statements, most called)"
"${PSQL[@]}" -d kurultai -P pager=off -c "
  SELECT calls, round(mean_exec_time::numeric, 3) AS mean_ms, rows,
         left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
  FROM pg_stat_statements ORDER BY calls DESC LIMIT 25"
"${PSQL[@]}" -d kurultai -P pager=off -c "
  SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = 'kurultai'"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=

step "pgbench: single-row INSERT, $CONCURRENCY clients, ${PGBENCH_SECONDS}s"
"${PSQL[@]}" -d scale -c "CREATE TABLE ballots_scale (id uuid PRIMARY KEY, budget_id text NOT NULL,
  voter_key text NOT NULL, selections text NOT NULL, cast_at timestamp NOT NULL)"
cat >"$WORK/insert.sql" <<'SQL'
INSERT INTO ballots_scale VALUES (gen_random_uuid(), 'budget', md5(random()::text), '[{"proposal_id":"p1"},{"proposal_id":"p3"}]', now());
SQL
"$PGBIN/pgbench" -n -h 127.0.0.1 -p "$PGPORT" -U postgres -c "$CONCURRENCY" -j 2 \
  -T "$PGBENCH_SECONDS" -f "$WORK/insert.sql" scale 2>&1 | grep -E 'clients|threads|transactions|latency|tps'

step "done"
