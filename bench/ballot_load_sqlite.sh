#!/usr/bin/env bash
# Ballots per second on SQLite (the single-file deployment): the same load as
# `bench/ballot_load.sh`, without a PostgreSQL cluster. Used to measure what
# `PRAGMA synchronous = FULL` costs (docs/performance.md, "SQLite durability").
#
#   bench/ballot_load_sqlite.sh                              # release build
#   KURULTAI_BIN=/tmp/kurultai-old LOAD=target/debug/examples/ballot_load bench/ballot_load_sqlite.sh
#
# Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

RESIDENTS=${RESIDENTS:-1000}
PASSES=${PASSES:-2}
CONCURRENCY=${CONCURRENCY:-16}
SETUP_CONCURRENCY=${SETUP_CONCURRENCY:-4}
POOL_SIZE=${POOL_SIZE:-8}
HTTP_PORT=${HTTP_PORT:-58081}
RUST_LOG=${RUST_LOG:-warn}
LOAD=${LOAD:-$ROOT/target/release/examples/ballot_load}

source bench/common.sh

describe_machine
[ -x "$LOAD" ] || { step "build"; cargo build --release --bin kurultai --example ballot_load; }

step "server on SQLite (pool $POOL_SIZE), $(basename "$BIN")"
export DATABASE_URL="sqlite://$WORK/data/kurultai.db"
prepare_server
start_server

step "ballots: $RESIDENTS residents, $PASSES pass(es), $CONCURRENCY workers"
"$LOAD" --base-url "http://127.0.0.1:$HTTP_PORT" --residents "$RESIDENTS" \
  --concurrency "$CONCURRENCY" --setup-concurrency "$SETUP_CONCURRENCY" --passes "$PASSES" \
  --server-pid "$SERVER_PID"
stop_server
