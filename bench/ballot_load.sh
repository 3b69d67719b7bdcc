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

source bench/common.sh

describe_machine

step "build"
cargo build --release --bin kurultai --example ballot_load
LOAD=$ROOT/target/release/examples/ballot_load

start_postgres

step "server (pool $POOL_SIZE)"
prepare_server
start_server

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
stop_server

step "pgbench: single-row INSERT, $CONCURRENCY clients, ${PGBENCH_SECONDS}s"
"${PSQL[@]}" -d scale -c "CREATE TABLE ballots_scale (id uuid PRIMARY KEY, budget_id text NOT NULL,
  voter_key text NOT NULL, selections text NOT NULL, cast_at timestamp NOT NULL)"
cat >"$WORK/insert.sql" <<'SQL'
INSERT INTO ballots_scale VALUES (gen_random_uuid(), 'budget', md5(random()::text), '[{"proposal_id":"p1"},{"proposal_id":"p3"}]', now());
SQL
"$PGBIN/pgbench" -n -h 127.0.0.1 -p "$PGPORT" -U postgres -c "$CONCURRENCY" -j 2 \
  -T "$PGBENCH_SECONDS" -f "$WORK/insert.sql" scale 2>&1 | grep -E 'clients|threads|transactions|latency|tps'

step "done"
