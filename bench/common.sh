# Shared by the load benchmarks (`bench/ballot_load.sh`, `bench/export_load.sh`): a throw-away
# PostgreSQL cluster and a release server in production mode with generated secrets, cleaned
# up on exit. Source it after `set -euo pipefail` and `cd` to the repository root; it reads
# PGPORT, HTTP_PORT, POOL_SIZE, RUST_LOG, PG_OPTS and KURULTAI_BIN and sets WORK, PGBIN, PSQL,
# BIN, DATABASE_URL and (while a server runs) SERVER_PID. Runs as root (the cluster runs as the
# `postgres` user, as in .ci/run).

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

# KURULTAI_BIN: another build of the server to measure (e.g. a copy of an earlier commit's).
BIN=${KURULTAI_BIN:-$ROOT/target/release/kurultai}

# The machine: cores, memory, load, PostgreSQL's version.
describe_machine() {
  step "machine"
  echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$PGBIN/postgres" --version
}

# A fresh cluster on PGPORT with databases `kurultai` (pg_stat_statements on) and `scale`.
start_postgres() {
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
}

# The server's settings and secrets, the migrations, and a platform admin whose e-mail and
# password are exported as BALLOT_LOAD_ADMIN_EMAIL / BALLOT_LOAD_ADMIN_PASSWORD.
prepare_server() {
  export KURULTAI_ENV=production
  export KURULTAI_BIND=127.0.0.1:$HTTP_PORT
  # Production refuses to start without its public address (links in e-mail start with it).
  export KURULTAI_PUBLIC_URL=http://127.0.0.1:$HTTP_PORT
  export KURULTAI_DATA_DIR=$WORK/data
  # Production refuses to start without a chosen mail transport. Staff are invited by e-mail:
  # the server writes it as files, where the load tool reads the invitation and accepts it.
  export KURULTAI_MAIL__TRANSPORT=file
  export BALLOT_LOAD_MAIL_DIRS=$KURULTAI_DATA_DIR/mail
  export KURULTAI_POOL_SIZE=$POOL_SIZE
  export KURULTAI_LOG_FORMAT=json
  export KURULTAI_JWT__ACCESS_TTL_MINUTES=240
  export KURULTAI_RATE_LIMIT__LOGIN_PER_IP_PER_MINUTE=1000000
  export KURULTAI_RATE_LIMIT__LOGIN_PER_IP_BURST=1000000
  export KURULTAI_RATE_LIMIT__LOGIN_PER_IDENTIFIER_PER_MINUTE=1000000
  export KURULTAI_RATE_LIMIT__LOGIN_PER_IDENTIFIER_BURST=1000000
  export KURULTAI_RATE_LIMIT__LOGIN_PER_PAIR_PER_MINUTE=1000000
  export KURULTAI_RATE_LIMIT__LOGIN_PER_PAIR_BURST=1000000
  export KURULTAI_RATE_LIMIT__REGISTRATION_PER_IP_PER_HOUR=1000000
  export KURULTAI_RATE_LIMIT__REGISTRATION_PER_IP_BURST=1000000
  export KURULTAI_RATE_LIMIT__REGISTRATION_PER_ID_PER_HOUR=1000000
  export KURULTAI_RATE_LIMIT__REGISTRATION_PER_ID_BURST=1000000
  KURULTAI_JWT_SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  KURULTAI_ID_PEPPER=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  KURULTAI_SIGNING_SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  export KURULTAI_JWT_SECRET KURULTAI_ID_PEPPER KURULTAI_SIGNING_SECRET RUST_LOG
  mkdir -p "$KURULTAI_DATA_DIR"
  "$BIN" migrate >"$WORK/migrate.log" 2>&1
  export BALLOT_LOAD_ADMIN_EMAIL=root@load.example
  BALLOT_LOAD_ADMIN_PASSWORD="load $(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  export BALLOT_LOAD_ADMIN_PASSWORD
  printf '%s\n' "$BALLOT_LOAD_ADMIN_PASSWORD" |
    "$BIN" admin create-platform-admin --email "$BALLOT_LOAD_ADMIN_EMAIL" >"$WORK/admin.log" 2>&1
}

# Starts the server (appending to $WORK/server.log) and waits until it is ready.
start_server() {
  "$BIN" serve >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null
  echo "server pid $SERVER_PID, RSS after start: $(awk '/VmRSS/ {print $2, $3}' /proc/$SERVER_PID/status)"
}

stop_server() {
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
}
