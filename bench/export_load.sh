#!/usr/bin/env bash
# Exports at scale against a release build on PostgreSQL: a budget with BALLOTS ballots (written
# with SQL), counted through the API, then its `.pb` and its cycle's signed archive downloaded
# with the wall time, the bytes and the server's peak RSS of each, the `.pb` checked line by
# line and the archive by `kurultai verify`. Starts a throw-away cluster and a server (restarted
# before each download, so that each peak is that download's own), runs
# `examples/export_load.rs`, prints everything, cleans up.
#
#   BALLOTS=1000000 bench/export_load.sh
#   BALLOTS=100000 PAPER_EVERY=10 PROPOSALS=10 bench/export_load.sh
#
# Runs as root (the cluster runs as the `postgres` user, as in .ci/run). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

BALLOTS=${BALLOTS:-100000}
PROPOSALS=${PROPOSALS:-10}
PAPER_EVERY=${PAPER_EVERY:-10}
POOL_SIZE=${POOL_SIZE:-8}
PGPORT=${PGPORT:-55441}
HTTP_PORT=${HTTP_PORT:-58081}
RUST_LOG=${RUST_LOG:-info}
# Extra server settings for the cluster, e.g. PG_OPTS="-c synchronous_commit=off".
PG_OPTS=${PG_OPTS:-}

source bench/common.sh

describe_machine

step "build"
cargo build --release --bin kurultai --example export_load
LOAD=$ROOT/target/release/examples/export_load
URL=http://127.0.0.1:$HTTP_PORT
STATE=$WORK/state.json

start_postgres

# The statements that took the most time since the last call (pg_stat_statements), then reset.
top_statements() {
  "${PSQL[@]}" -d kurultai -P pager=off -c "
    SELECT calls, round(total_exec_time::numeric / 1000, 2) AS total_s,
           round(mean_exec_time::numeric, 3) AS mean_ms, rows,
           left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS query
    FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT ${TOP:-6}" \
    -c "SELECT pg_stat_statements_reset()" >"$WORK/top.txt"
  head -n $((${TOP:-6} + 2)) "$WORK/top.txt"
}

step "server (pool $POOL_SIZE)"
prepare_server
start_server

step "setup: $BALLOTS ballots (1 in $PAPER_EVERY on paper), $PROPOSALS proposals; close; count"
"$LOAD" --base-url "$URL" --state "$STATE" --server-pid "$SERVER_PID" setup \
  --ballots "$BALLOTS" --proposals "$PROPOSALS" --paper-every "$PAPER_EVERY"
stop_server
top_statements

step "export.pb (fresh server)"
start_server
"$LOAD" --base-url "$URL" --state "$STATE" --server-pid "$SERVER_PID" export --what pb
stop_server
top_statements

step "cycle archive (fresh server)"
start_server
"$LOAD" --base-url "$URL" --state "$STATE" --server-pid "$SERVER_PID" export --what archive \
  --save "$WORK/archive.tar.gz" --key-out "$WORK/key"
stop_server
top_statements

step "kurultai verify"
/usr/bin/time -f 'verify: %e s wall, %U s user, max RSS %M kB' \
  "$BIN" verify "$WORK/archive.tar.gz" --key "$(cat "$WORK/key")" >"$WORK/verify.log" 2>"$WORK/verify.err" &&
  status=0 || status=$?
tail -n 15 "$WORK/verify.log"
cat "$WORK/verify.err"
echo "verify exit status $status"

step "done"
exit "$status"
